//! `POST /api/v1/admin/inject`: faults injected into the simulated feed on
//! purpose (a price jump, a stall), so tests and demos can produce
//! incidents. Admin access ([`super::auth`]), audited ([`super::audited`]).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc::error::TrySendError;

use super::AppState;
use super::audited::{Attempt, Done};
use super::body;
use super::errors::ApiError;
use crate::api::{InjectResponse, Injection};
use crate::book::Book;
use crate::sim::check_injection as check_values;

pub(crate) async fn inject(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let mut attempt = Attempt::new("POST", super::ADMIN_INJECT, "admin_inject", "admin_inject");
    let outcome = match attempt.admit(&state, &headers, crate::auth::Role::Admin, false, false) {
        Ok(()) => accept(&state, body, &mut attempt)
            .map(|response| Done {
                response: Json(response).into_response(),
                ok: true,
            })
            .map_err(Into::into),
        Err(refusal) => Err(refusal),
    };
    attempt.finish(&state, outcome).await
}

fn accept(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
    attempt: &mut Attempt,
) -> Result<InjectResponse, ApiError> {
    let body = body::bytes(body)?;
    let injection: Injection =
        body::json_object(&body, r#"{"kind":"price_jump","symbol":"AAPL","factor":1.25}"#)
            .map_err(ApiError::bad_request)?;
    attempt.params = serde_json::to_value(&injection).unwrap_or_default();
    let message = check_injection(&injection, &state.inner.book)?;
    let Some(simulator) = &state.inner.simulator else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "simulator_off",
            "faults are injected into the simulated feed, which is off (simulator.enabled = false)",
        ));
    };
    simulator.try_send(injection.clone()).map_err(|e| {
        let reason = match e {
            TrySendError::Full(_) => "too many injections at once; try again",
            TrySendError::Closed(_) => "the simulated feed has stopped",
        };
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", reason)
    })?;
    tracing::info!(
        who = attempt.who(),
        ?injection,
        "fault injected into the simulated feed"
    );
    Ok(InjectResponse { injection, message })
}

/// Checks the values and the symbol; returns what will happen, in words.
fn check_injection(injection: &Injection, book: &Book) -> Result<String, ApiError> {
    let (Injection::PriceJump { symbol, .. } | Injection::Stall { symbol, .. }) = injection;
    if symbol != "*" && book.id(symbol).is_none() {
        return Err(ApiError::unknown_symbol(symbol));
    }
    let target = if symbol == "*" {
        "every symbol".to_string()
    } else {
        symbol.clone()
    };
    check_values(injection).map_err(ApiError::bad_request)?;
    Ok(match *injection {
        Injection::PriceJump { factor, .. } => {
            format!("the price of {target} moves by x{factor} from its next tick on")
        }
        Injection::Stall { seconds, .. } => format!("no ticks for {target} for {seconds} s"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BarsConfig, SymbolSpec};

    #[test]
    fn injections_are_checked() {
        let book = Book::new(
            &[SymbolSpec {
                symbol: "AAPL".into(),
                price: 1.0,
            }],
            &BarsConfig::default(),
        );
        let jump = |symbol: &str, factor| Injection::PriceJump {
            symbol: symbol.into(),
            factor,
        };
        let stall = |symbol: &str, seconds| Injection::Stall {
            symbol: symbol.into(),
            seconds,
        };
        assert!(
            check_injection(&jump("AAPL", 1.25), &book)
                .unwrap()
                .contains("x1.25")
        );
        assert!(
            check_injection(&stall("*", 10.0), &book)
                .unwrap()
                .contains("every symbol")
        );
        for (bad, code) in [
            (jump("NOPE", 1.1), "unknown_symbol"),
            (jump("AAPL", 0.0), "bad_request"),
            (jump("AAPL", 101.0), "bad_request"),
            (jump("AAPL", f64::NAN), "bad_request"),
            (stall("AAPL", 0.0), "bad_request"),
            (stall("AAPL", 3601.0), "bad_request"),
        ] {
            assert_eq!(check_injection(&bad, &book).unwrap_err().code, code, "{bad:?}");
        }
    }
}
