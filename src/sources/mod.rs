//! Upstream sources. Each runs as a tokio task that owns its reconnect loop
//! and reports data and its own health as `Msg`s on one channel.

pub mod agent;
pub mod prometheus;

/// Wall clock in Unix milliseconds, the time base of every `Msg`.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
