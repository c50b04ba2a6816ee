//! Upstream sources. Each runs as a tokio task that owns its reconnect loop
//! and reports data and its own health as `Msg`s on one channel.

pub mod agent;
pub mod prometheus;
pub mod scrape;
pub mod slo_poller;

/// Wall clock in Unix milliseconds, the time base of every `Msg`.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The innermost cause of an error chain: for reqwest and tungstenite that
/// is the part worth reading on screen ("Connection refused").
pub(crate) fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// A reqwest failure as one short line: "timed out after 3.0s" or its cause.
pub(crate) fn describe_http_error(error: &reqwest::Error, timeout: std::time::Duration) -> String {
    if error.is_timeout() {
        return format!("timed out after {:.1}s", timeout.as_secs_f64());
    }
    innermost(error)
}
