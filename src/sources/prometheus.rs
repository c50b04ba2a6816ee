//! Prometheus HTTP API client: instant and range queries with timeouts.
//! Decoding is pure (`decode`), so every answer Prometheus can give is
//! tested without a server; errors keep the query that failed.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use super::{HttpEndpoint, describe_http_error};

/// Prometheus rejects a range query with more points than this.
pub const MAX_RANGE_POINTS: f64 = 11_000.0;

#[derive(Debug, Clone)]
pub struct PrometheusClient {
    base: Url,
    http: reqwest::Client,
    timeout: Duration,
}

/// One series of an instant-vector result.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// One series of a range (matrix) result, points as (Unix seconds, value).
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<(f64, f64)>,
}

/// What went wrong, worded for the screen.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PromError {
    #[error("{0}")]
    Transport(String),
    /// Prometheus answered with its error envelope (400 bad_data, 422
    /// execution, 503 timeout ...).
    #[error("HTTP {status} {error_type}: {message}")]
    Api {
        status: u16,
        error_type: String,
        message: String,
    },
    #[error("unexpected answer: {0}")]
    Decode(String),
}

/// A failed query, with the PromQL that failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{error} (query: {query})")]
pub struct QueryError {
    pub query: String,
    pub error: PromError,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    status: String,
    data: Option<Data>,
    error_type: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum Data {
    Vector(Vec<VectorEntry>),
    Matrix(Vec<MatrixEntry>),
    Scalar((f64, String)),
    String(serde::de::IgnoredAny),
}

#[derive(Debug, Deserialize)]
struct VectorEntry {
    metric: BTreeMap<String, String>,
    value: (f64, String),
}

#[derive(Debug, Deserialize)]
struct MatrixEntry {
    metric: BTreeMap<String, String>,
    values: Vec<(f64, String)>,
}

/// Decoded result of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryData {
    Vector(Vec<Sample>),
    Matrix(Vec<RangeSeries>),
}

/// Parses a sample value: Prometheus sends numbers as strings, including
/// `NaN`, `+Inf` and `-Inf`.
pub fn parse_value(text: &str) -> Result<f64, PromError> {
    match text {
        "NaN" => Ok(f64::NAN),
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ => text
            .parse()
            .map_err(|_| PromError::Decode(format!("bad sample value {text:?}"))),
    }
}

/// Decodes an HTTP answer from the query API (any status code).
pub fn decode(status: u16, body: &[u8]) -> Result<QueryData, PromError> {
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(envelope) => envelope,
        Err(error) if (200..300).contains(&status) => return Err(PromError::Decode(error.to_string())),
        Err(_) => {
            let text: String = String::from_utf8_lossy(body).chars().take(200).collect();
            return Err(PromError::Api {
                status,
                error_type: "http".into(),
                message: text.trim().to_string(),
            });
        }
    };
    if envelope.status != "success" {
        return Err(PromError::Api {
            status,
            error_type: envelope.error_type.unwrap_or_else(|| "unknown".into()),
            message: envelope.error.unwrap_or_default(),
        });
    }
    match envelope.data {
        Some(Data::Vector(entries)) => entries
            .into_iter()
            .map(|e| {
                Ok(Sample {
                    labels: e.metric,
                    value: parse_value(&e.value.1)?,
                })
            })
            .collect::<Result<_, _>>()
            .map(QueryData::Vector),
        Some(Data::Scalar((_, value))) => Ok(QueryData::Vector(vec![Sample {
            labels: BTreeMap::new(),
            value: parse_value(&value)?,
        }])),
        Some(Data::Matrix(entries)) => entries
            .into_iter()
            .map(|e| {
                let points = e
                    .values
                    .into_iter()
                    .map(|(ts, v)| Ok((ts, parse_value(&v)?)))
                    .collect::<Result<_, PromError>>()?;
                Ok(RangeSeries {
                    labels: e.metric,
                    points,
                })
            })
            .collect::<Result<_, _>>()
            .map(QueryData::Matrix),
        Some(Data::String(_)) => Err(PromError::Decode(
            "string result where a number was expected".into(),
        )),
        None => Err(PromError::Decode("success without data".into())),
    }
}

/// The step for a range over `span`: at least `wanted`, and large enough
/// that the range stays within Prometheus' 11,000-point limit.
/// Whole milliseconds, rounded up, since the step is sent with that precision.
pub fn clamp_step(span: Duration, wanted: Duration) -> Duration {
    let intervals = MAX_RANGE_POINTS - 1.0;
    let minimum_ms = (span.as_millis() as f64 / intervals).ceil() as u64;
    let wanted_ms = wanted.as_millis() as u64;
    Duration::from_millis(wanted_ms.max(minimum_ms).max(1))
}

impl PrometheusClient {
    pub fn new(base: &str, timeout: Duration) -> anyhow::Result<PrometheusClient> {
        let HttpEndpoint { base, http, timeout } = HttpEndpoint::new("Prometheus", base, timeout)?;
        Ok(PrometheusClient { base, http, timeout })
    }

    /// Instant query at the server's current time.
    pub async fn query(&self, promql: &str) -> Result<Vec<Sample>, QueryError> {
        self.query_at(promql, None).await
    }

    /// Instant query evaluated at `time` (Unix seconds), or now. Queries
    /// that make up one screen share a time so their figures agree.
    pub async fn query_at(&self, promql: &str, time: Option<f64>) -> Result<Vec<Sample>, QueryError> {
        let mut params = vec![("query", promql.to_string())];
        if let Some(time) = time {
            params.push(("time", format!("{time:.3}")));
        }
        match self.get("api/v1/query", &params, promql).await? {
            QueryData::Vector(samples) => Ok(samples),
            QueryData::Matrix(_) => Err(QueryError {
                query: promql.to_string(),
                error: PromError::Decode("range result for an instant query".into()),
            }),
        }
    }

    /// Range query over `[end - span, end]` (Unix seconds), step clamped.
    pub async fn query_range(
        &self,
        promql: &str,
        end: f64,
        span: Duration,
        step: Duration,
    ) -> Result<Vec<RangeSeries>, QueryError> {
        let step = clamp_step(span, step);
        let params = [
            ("query", promql.to_string()),
            ("start", format!("{:.3}", end - span.as_secs_f64())),
            ("end", format!("{end:.3}")),
            ("step", format!("{:.3}", step.as_secs_f64())),
        ];
        match self.get("api/v1/query_range", &params, promql).await? {
            QueryData::Matrix(series) => Ok(series),
            QueryData::Vector(_) => Err(QueryError {
                query: promql.to_string(),
                error: PromError::Decode("instant result for a range query".into()),
            }),
        }
    }

    async fn get(
        &self,
        path: &str,
        params: &[(&str, String)],
        promql: &str,
    ) -> Result<QueryData, QueryError> {
        let fail = |error| QueryError {
            query: promql.to_string(),
            error,
        };
        let mut url = self
            .base
            .join(path)
            .map_err(|e| fail(PromError::Transport(e.to_string())))?;
        url.query_pairs_mut().extend_pairs(params);
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| fail(PromError::Transport(describe_http_error(&e, self.timeout))))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| fail(PromError::Transport(describe_http_error(&e, self.timeout))))?;
        decode(status, &body).map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_vector_with_special_values() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"a":"1"},"value":[1700000000.5,"0.25"]},
            {"metric":{},"value":[1700000000.5,"NaN"]},
            {"metric":{},"value":[1700000000.5,"+Inf"]},
            {"metric":{},"value":[1700000000.5,"-Inf"]}]}}"#;
        let QueryData::Vector(samples) = decode(200, body).unwrap() else {
            panic!("vector expected")
        };
        assert_eq!(samples[0].value, 0.25);
        assert_eq!(samples[0].labels["a"], "1");
        assert!(samples[1].value.is_nan());
        assert_eq!(samples[2].value, f64::INFINITY);
        assert_eq!(samples[3].value, f64::NEG_INFINITY);
    }

    #[test]
    fn decodes_matrix_and_scalar() {
        let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"x":"y"},"values":[[1,"1"],[2,"2.5"]]}]}}"#;
        let QueryData::Matrix(series) = decode(200, body).unwrap() else {
            panic!("matrix expected")
        };
        assert_eq!(series[0].points, vec![(1.0, 1.0), (2.0, 2.5)]);
        let body = br#"{"status":"success","data":{"resultType":"scalar","result":[1,"3"]}}"#;
        assert_eq!(
            decode(200, body).unwrap(),
            QueryData::Vector(vec![Sample {
                labels: BTreeMap::new(),
                value: 3.0
            }])
        );
    }

    #[test]
    fn error_envelopes_keep_type_and_message() {
        let body = br#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#;
        assert_eq!(
            decode(400, body).unwrap_err().to_string(),
            "HTTP 400 bad_data: parse error at char 5"
        );
        let body = br#"{"status":"error","errorType":"execution","error":"many-to-many matching"}"#;
        assert!(
            decode(422, body)
                .unwrap_err()
                .to_string()
                .starts_with("HTTP 422 execution")
        );
        let body = br#"{"status":"error","errorType":"timeout","error":"query timed out"}"#;
        assert!(decode(503, body).unwrap_err().to_string().contains("timeout"));
    }

    #[test]
    fn non_json_answers_are_reported_not_swallowed() {
        let err = decode(502, b"<html>Bad Gateway</html>").unwrap_err();
        assert_eq!(err.to_string(), "HTTP 502 http: <html>Bad Gateway</html>");
        assert!(matches!(decode(200, b"{not json"), Err(PromError::Decode(_))));
        let bad_value = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"x"]}]}}"#;
        assert!(
            decode(200, bad_value)
                .unwrap_err()
                .to_string()
                .contains("bad sample value")
        );
    }

    #[test]
    fn step_is_clamped_to_the_point_limit() {
        let day = Duration::from_secs(86_400);
        assert_eq!(clamp_step(day, Duration::from_secs(60)), Duration::from_secs(60));
        let span = Duration::from_secs(30 * 86_400);
        let clamped = clamp_step(span, Duration::from_secs(1));
        let points = (span.as_millis() / clamped.as_millis()) as f64 + 1.0;
        assert!(points <= MAX_RANGE_POINTS, "{points} points");
        assert_eq!(clamped, Duration::from_millis(235_658));
    }

    #[test]
    fn query_error_names_the_query() {
        let error = QueryError {
            query: "up".into(),
            error: PromError::Transport("connection refused".into()),
        };
        assert_eq!(error.to_string(), "connection refused (query: up)");
    }
}
