//! `[capacity]` of the console's config: how often and over how much
//! history the forecasts run, the limits use is measured against when no
//! pod spec gives them, and the per-request cost model of the replica
//! recommendation.

use serde::Deserialize;

use crate::domain::forecast::replicas::CostModel;

const HOUR_MS: i64 = 3_600_000;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CapacitySection {
    pub interval_ms: u64,
    pub lookback_hours: u64,
    /// The finest step of a range query. Capacity looks days ahead: at 10
    /// minutes, 14 days are ~2,000 points, which the seasonal fit handles
    /// in a fraction of the CPU that 2-minute steps cost.
    pub min_step_ms: u64,
    pub horizon_hours: u64,
    pub deployment: String,
    /// The label naming the pod on the agent's series in Prometheus (as
    /// Kubernetes service discovery sets it); empty: no per-pod rows.
    pub pod_label: String,
    pub cpu_cores: f64,
    pub memory_bytes: f64,
    pub http_requests_per_s: f64,
    pub ws_clients: f64,
    pub ticks_per_s: f64,
    pub backup_storage_bytes: f64,
    pub cpu_cores_per_rps: f64,
    pub memory_bytes_per_rps: f64,
    pub cpu_target: f64,
    pub memory_target: f64,
}

impl Default for CapacitySection {
    fn default() -> Self {
        CapacitySection {
            interval_ms: 60_000,
            lookback_hours: 14 * 24,
            min_step_ms: 600_000,
            horizon_hours: 7 * 24,
            deployment: "market-data-agent".to_string(),
            pod_label: "pod".to_string(),
            cpu_cores: 1.0,
            memory_bytes: 512.0 * 1_048_576.0,
            http_requests_per_s: 1_000.0,
            ws_clients: 1_000.0,
            ticks_per_s: 5_000.0,
            backup_storage_bytes: 1_073_741_824.0,
            cpu_cores_per_rps: 0.001,
            memory_bytes_per_rps: 2.0 * 1_048_576.0,
            cpu_target: 0.70,
            memory_target: 0.75,
        }
    }
}

/// The longest horizon and lookback: at the finest local step (a minute)
/// 60 days stay within the forecast's point bound.
const MAX_HOURS: u64 = 60 * 24;

impl CapacitySection {
    /// The first bad key and why, as `Config::validate` reports it.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let fail = |key: &str, why: &str| Err((format!("capacity.{key}"), why.to_string()));
        if self.interval_ms < 1_000 {
            return fail("interval_ms", "must be at least 1000");
        }
        if !(1..=MAX_HOURS).contains(&self.lookback_hours) {
            return fail("lookback_hours", "must be between 1 and 1440");
        }
        if !(1..=MAX_HOURS).contains(&self.horizon_hours) {
            return fail("horizon_hours", "must be between 1 and 1440");
        }
        if self.min_step_ms < 1_000 {
            return fail("min_step_ms", "must be at least 1000");
        }
        if !is_label_name(&self.pod_label) {
            return fail(
                "pod_label",
                "must be a Prometheus label name (letters, digits and _, not starting with a digit) or empty",
            );
        }
        for (key, value) in self.limits() {
            if !(value.is_finite() && value >= 0.0) {
                return fail(key, "must be a number, 0 (no limit) or more");
            }
        }
        for (key, value) in [
            ("cpu_cores_per_rps", self.cpu_cores_per_rps),
            ("memory_bytes_per_rps", self.memory_bytes_per_rps),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return fail(key, "must be a number, 0 or more");
            }
        }
        for (key, value) in [
            ("cpu_target", self.cpu_target),
            ("memory_target", self.memory_target),
        ] {
            if !(value > 0.0 && value <= 1.0) {
                return fail(key, "must be above 0 and at most 1 (0.7 is 70%)");
            }
        }
        Ok(())
    }

    /// The configured limits by key, in `domain::capacity::RESOURCES` order.
    pub fn limits(&self) -> [(&'static str, f64); 6] {
        [
            ("cpu_cores", self.cpu_cores),
            ("memory_bytes", self.memory_bytes),
            ("http_requests_per_s", self.http_requests_per_s),
            ("ws_clients", self.ws_clients),
            ("ticks_per_s", self.ticks_per_s),
            ("backup_storage_bytes", self.backup_storage_bytes),
        ]
    }

    pub fn cost_model(&self) -> CostModel {
        CostModel {
            cpu_cores_per_rps: self.cpu_cores_per_rps,
            memory_bytes_per_rps: self.memory_bytes_per_rps,
            cpu_target: self.cpu_target,
            memory_target: self.memory_target,
            ..CostModel::default()
        }
    }

    pub fn horizon_ms(&self) -> i64 {
        self.horizon_hours as i64 * HOUR_MS
    }

    pub fn lookback_ms(&self) -> i64 {
        self.lookback_hours as i64 * HOUR_MS
    }
}

/// Empty, or a Prometheus label name: it is written into PromQL.
fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_none_or(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn bad_capacity_values_name_their_key() {
        for (toml, key) in [
            ("interval_ms = 10", "capacity.interval_ms"),
            ("lookback_hours = 0", "capacity.lookback_hours"),
            ("horizon_hours = 5000", "capacity.horizon_hours"),
            ("min_step_ms = 0", "capacity.min_step_ms"),
            ("cpu_cores = -1.0", "capacity.cpu_cores"),
            ("memory_bytes = nan", "capacity.memory_bytes"),
            ("pod_label = \"pod) or vector(1\"", "capacity.pod_label"),
            ("pod_label = \"1pod\"", "capacity.pod_label"),
            ("cpu_target = 1.5", "capacity.cpu_target"),
            ("memory_target = 0.0", "capacity.memory_target"),
            ("cpu_cores_per_rps = -0.1", "capacity.cpu_cores_per_rps"),
        ] {
            let err = Config::parse(&format!("[capacity]\n{toml}\n"), "mine.toml")
                .unwrap_err()
                .to_string();
            assert!(err.contains(key), "{toml}: {err}");
        }
        let ok = Config::parse("[capacity]\nhorizon_hours = 24\nws_clients = 0\n", "mine.toml").unwrap();
        assert_eq!(ok.capacity.horizon_ms(), 86_400_000);
    }
}
