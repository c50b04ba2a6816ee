//! Service level objectives: their definitions (config/slo.toml, embedded as
//! the default; a user's file replaces it), the PromQL of their indicators,
//! and the Sloth-compatible Prometheus rules generated from them.
//!
//! The maths over the figures (burn rates, budget, alert decision) is in
//! [`crate::domain::slo`]; the policy types live there and are re-exported
//! here.

pub(crate) mod config;
mod rules;

use std::path::Path;
use std::time::Duration;

pub use crate::domain::slo::{AlertPolicy, WindowPair, format_window};
pub use config::SloConfigError;
pub use rules::render_rules;

/// The default definitions, compiled in.
pub const EMBEDDED_TOML: &str = include_str!("../../config/slo.toml");

/// How errors in [`EMBEDDED_TOML`] name their origin.
const EMBEDDED_ORIGIN: &str = "config/slo.toml (embedded)";

/// Every SLO and the alerting policy they share.
#[derive(Debug, Clone, PartialEq)]
pub struct SloSet {
    pub slos: Vec<Slo>,
    pub policy: AlertPolicy,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    /// Slug, unique in the set.
    pub name: String,
    /// Slug of the service.
    pub service: String,
    pub description: String,
    /// Fraction of good events, 0.999 for 99.9%.
    pub objective: f64,
    pub period: Duration,
    pub indicator: Indicator,
}

/// What counts as an error and as an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Indicator {
    /// Counters: the summed rates of `errors` over the summed rates of `total`,
    /// each an instant-vector selector.
    Ratio { errors: Vec<String>, total: Vec<String> },
    /// A histogram: events above `threshold` seconds (the `le` of a bucket)
    /// over all events. `histogram` is the family name without suffix,
    /// `selector` its label matchers (`{route="..."}`, or empty).
    Latency {
        histogram: String,
        selector: String,
        threshold: f64,
    },
}

impl SloSet {
    /// The definitions compiled into the binary (config/slo.toml).
    pub fn embedded() -> SloSet {
        match SloSet::parse(EMBEDDED_TOML, EMBEDDED_ORIGIN) {
            Ok(set) => set,
            // The unit tests parse the embedded file: this cannot ship broken.
            Err(e) => panic!("the embedded SLO definitions are invalid: {e}"),
        }
    }

    /// Parses a definitions file; `origin` names it in errors
    /// (`origin:line: slo `name`: reason`).
    pub fn parse(text: &str, origin: &str) -> Result<SloSet, SloConfigError> {
        config::parse(text, origin)
    }

    /// Reads and parses a user's definitions file, which replaces the
    /// embedded set as a whole.
    pub fn load(path: &Path) -> Result<SloSet, SloConfigError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SloConfigError {
            origin: origin.clone(),
            line: None,
            slo: None,
            reason: format!("cannot read: {e}"),
        })?;
        SloSet::parse(&text, &origin)
    }

    /// Every window the policy uses, ascending, deduplicated
    /// (5m 30m 1h 2h 6h 1d 3d by default). SLO periods are not included.
    pub fn windows(&self) -> Vec<Duration> {
        self.policy.windows()
    }

    pub fn get(&self, name: &str) -> Option<&Slo> {
        self.slos.iter().find(|slo| slo.name == name)
    }
}

impl Slo {
    /// Sloth's id of the SLO, `service-name`: the `sloth_id` label.
    pub fn sloth_id(&self) -> String {
        format!("{}-{}", self.service, self.name)
    }

    /// Name of the alert the generated rules raise for this SLO, with
    /// `severity` `page` or `ticket`: the Sloth id in UpperCamelCase plus
    /// `BudgetBurn` (`mda` + `quotes-availability` ->
    /// `MdaQuotesAvailabilityBudgetBurn`).
    pub fn alert_name(&self) -> String {
        let mut name: String = self
            .sloth_id()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|part| !part.is_empty())
            .map(|part| {
                let mut chars = part.chars();
                let first = chars.next().map(|c| c.to_ascii_uppercase());
                first.into_iter().chain(chars).collect::<String>()
            })
            .collect();
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            name.insert_str(0, "Slo");
        }
        name + "BudgetBurn"
    }

    /// The error budget, `1 - objective`.
    pub fn error_budget(&self) -> f64 {
        1.0 - self.objective
    }

    /// The error ratio over `window` as PromQL: the query the console sends
    /// to Prometheus and shows to operators, and the expression of the
    /// `slo:sli_error:ratio_rate<window>` recording rules.
    ///
    /// ```text
    /// (sum(rate(E[5m])) or vector(0)) / (sum(rate(T[5m])) > 0)
    /// ((sum(rate(E1[5m])) or vector(0)) + (sum(rate(E2[5m])) or vector(0))) / (sum(rate(T1[5m])) + sum(rate(T2[5m])) > 0)
    /// (sum(rate(H_count{S}[5m])) - sum(rate(H_bucket{S,le="0.1"}[5m]))) / (sum(rate(H_count{S}[5m])) > 0)
    /// ```
    ///
    /// Two departures from a bare `errors / total`, both deliberate:
    /// - `or vector(0)` on each error term: error series such as a 5xx code
    ///   usually do not exist until the first error, and without it the ratio
    ///   would be "no data" instead of 0 all the while. (The flip side: a
    ///   misspelt error selector reads as zero errors, so check new ones in
    ///   Prometheus.) Latency errors are not defaulted: a threshold that is
    ///   not a bucket boundary must show as no data, not as all good.
    /// - `> 0` on the total: a window without events has no ratio (an empty
    ///   result, "no traffic") rather than NaN. Prometheus would store NaN
    ///   from a recording rule and the period ratio, an average over the 5m
    ///   ratios, would then read NaN for a whole period.
    ///
    /// Every total selector must match at least one series: a missing term
    /// makes the sum, and the ratio, empty.
    pub fn error_ratio_promql(&self, window: Duration) -> String {
        let w = format_window(window);
        match &self.indicator {
            Indicator::Ratio { errors, total } => {
                let errors: Vec<String> = errors
                    .iter()
                    .map(|e| format!("(sum(rate({}[{w}])) or vector(0))", e.trim()))
                    .collect();
                let errors = if errors.len() == 1 {
                    errors[0].clone()
                } else {
                    format!("({})", errors.join(" + "))
                };
                format!("{errors} / ({} > 0)", sum_of("rate", total, &w))
            }
            Indicator::Latency { .. } => {
                let (count, bucket) = self.latency_selectors();
                format!(
                    "(sum(rate({count}[{w}])) - sum(rate({bucket}[{w}]))) / (sum(rate({count}[{w}])) > 0)"
                )
            }
        }
    }

    /// Errors and events over `window` (PromQL `increase`), separately, so a
    /// window can show its counts and "no traffic" when the total is 0. The
    /// error query has the same `or vector(0)` as
    /// [`error_ratio_promql`](Slo::error_ratio_promql); the total has no
    /// `> 0`, so a quiet window answers 0.
    pub fn error_and_total_promql(&self, window: Duration) -> (String, String) {
        let w = format_window(window);
        match &self.indicator {
            Indicator::Ratio { errors, total } => {
                let errors: Vec<String> = errors
                    .iter()
                    .map(|e| format!("(sum(increase({}[{w}])) or vector(0))", e.trim()))
                    .collect();
                (errors.join(" + "), sum_of("increase", total, &w))
            }
            Indicator::Latency { .. } => {
                let (count, bucket) = self.latency_selectors();
                (
                    format!("sum(increase({count}[{w}])) - sum(increase({bucket}[{w}]))"),
                    format!("sum(increase({count}[{w}]))"),
                )
            }
        }
    }

    /// The `_count` and good `_bucket` selectors of a latency indicator
    /// (empty strings for a ratio indicator). The `le` value is the
    /// threshold as Rust prints an f64, which is how the agent's exporter
    /// writes its bucket bounds (0.1, 0.25, 1).
    pub fn latency_selectors(&self) -> (String, String) {
        let Indicator::Latency {
            histogram,
            selector,
            threshold,
        } = &self.indicator
        else {
            return (String::new(), String::new());
        };
        let inner = selector.trim();
        let inner = inner
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .unwrap_or(inner);
        let inner = inner.trim().trim_end_matches(',').trim_end();
        let le = format!("le=\"{threshold}\"");
        if inner.is_empty() {
            (
                format!("{histogram}_count"),
                format!("{histogram}_bucket{{{le}}}"),
            )
        } else {
            (
                format!("{histogram}_count{{{inner}}}"),
                format!("{histogram}_bucket{{{inner},{le}}}"),
            )
        }
    }
}

/// `sum(f(a[w])) + sum(f(b[w]))` over the selectors.
fn sum_of(function: &str, selectors: &[String], w: &str) -> String {
    selectors
        .iter()
        .map(|s| format!("sum({function}({}[{w}]))", s.trim()))
        .collect::<Vec<_>>()
        .join(" + ")
}

#[cfg(test)]
mod tests;
