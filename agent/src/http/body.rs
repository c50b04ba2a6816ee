//! JSON request bodies: read within the bound, decoded as one JSON object,
//! with the field at fault named in the error.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::errors::ApiError;

/// The body, or the error for one that could not be read (413 when over
/// `http.max_body_bytes`).
pub(crate) fn bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        let code = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "bad_request"
        };
        ApiError::new(rejection.status(), code, rejection.body_text())
    })
}

/// Decodes a body that must hold exactly one JSON object; `example` shows
/// the expected shape in errors.
pub(crate) fn json_object<T: DeserializeOwned>(body: &[u8], example: &str) -> Result<T, String> {
    // serde would also take a struct from an array, by position.
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err(format!("the body must be a JSON object like {example}"));
    }
    let mut json = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        // `.` is the document, `?` a position serde could not name.
        if path == "." || path == "?" {
            format!("the body must be a JSON object like {example}: {inner}")
        } else {
            format!("{path}: {inner}")
        }
    })?;
    json.end()
        .map_err(|e| format!("the body must hold one JSON object: {e}"))?;
    Ok(value)
}
