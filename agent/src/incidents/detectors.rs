//! The detectors: pure functions of what the agent already keeps (sources'
//! state, each symbol's last accepted tick, the rejection and HTTP
//! counters, the anomalies the pipeline saw), turned into the conditions
//! that hold right now. Run by the detector task every `interval_ms`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::api::Severity;
use crate::book::SymbolId;
use crate::config::IncidentsConfig;
use crate::feed::SourceSnapshot;
use crate::metrics::{HttpTotals, RejectedTotals};
use crate::validate::RejectReason;

use super::model::{Condition, Kind, secs};
use super::signals::AnomalyEvent;
use super::window::Window;

const REASONS: usize = RejectReason::ALL.len();

/// Everything one detector pass looks at.
pub(crate) struct Observation<'a> {
    pub now_ms: i64,
    pub sources: &'a [SourceSnapshot],
    /// Served symbols, by book id.
    pub symbols: &'a [Arc<str>],
    /// Wall-clock time of each symbol's newest accepted tick, by book id.
    pub last_accepted: &'a [Option<i64>],
    /// The source of a symbol's latest quote.
    pub symbol_source: &'a dyn Fn(SymbolId) -> Option<String>,
    pub rejected: &'a [RejectedTotals],
    pub http: HttpTotals,
    /// Anomalies seen since the previous pass.
    pub anomalies: &'a [AnomalyEvent],
}

/// The detectors' configuration and memory between passes.
pub(crate) struct Detectors {
    config: IncidentsConfig,
    /// A source is "up" for the SEV1 escalation as `/ready` sees it.
    up_after_ms: u64,
    first_seen: HashMap<Arc<str>, i64>,
    /// Symbols with a stale condition reported on the previous pass.
    stale_symbols: HashSet<SymbolId>,
    rejected: HashMap<String, Window<REASONS>>,
    http: Option<Window<2>>,
    anomalies: HashMap<SymbolId, AnomalyState>,
}

struct AnomalyState {
    count: u64,
    last: AnomalyEvent,
}

fn age(now: i64, then: i64) -> u64 {
    u64::try_from(now.saturating_sub(then)).unwrap_or(0)
}

impl Detectors {
    /// `up_after_ms` is `health.stale_after_ms`: while no source has a tick
    /// younger than that, source-level incidents are SEV1.
    pub fn new(config: &IncidentsConfig, up_after_ms: u64) -> Detectors {
        Detectors {
            config: config.clone(),
            up_after_ms,
            first_seen: HashMap::new(),
            stale_symbols: HashSet::new(),
            rejected: HashMap::new(),
            http: None,
            anomalies: HashMap::new(),
        }
    }

    /// The conditions that hold at `obs.now_ms`.
    pub fn evaluate(&mut self, obs: &Observation<'_>) -> Vec<Condition> {
        let mut out = Vec::new();
        let covered = self.sources(obs, &mut out);
        self.symbols(obs, &covered, &mut out);
        self.rejections(obs, &mut out);
        self.http_errors(obs, &mut out);
        self.price_anomalies(obs, &mut out);
        out
    }

    /// Source down and source stale; returns the sources with either, whose
    /// symbols get no stale incident of their own.
    fn sources(&mut self, obs: &Observation<'_>, out: &mut Vec<Condition>) -> HashSet<Arc<str>> {
        let now = obs.now_ms;
        let none_up = !obs
            .sources
            .iter()
            .any(|s| s.connected && s.last_tick_ms.is_some_and(|t| age(now, t) <= self.up_after_ms));
        let escalate = |severity| if none_up { Severity::Sev1 } else { severity };
        let down = &self.config.source_down;
        let stale = &self.config.feed_stale;
        let mut covered = HashSet::new();
        for source in obs.sources {
            let name = &*source.name;
            let first_seen = *self.first_seen.entry(Arc::clone(&source.name)).or_insert(now);
            let last = match source.last_tick_ms {
                Some(t) => format!("last accepted tick {} ago", secs(age(now, t))),
                None => "no tick accepted yet".to_string(),
            };
            let condition = if !source.connected {
                down.enabled.then(|| {
                    Condition::new(
                        Kind::SourceDown,
                        Some(name),
                        escalate(down.severity),
                        format!("Source {name} is down"),
                        format!("no feed connected; {last}"),
                    )
                })
            } else {
                let silent = source.last_tick_ms.map_or(age(now, first_seen), |t| age(now, t));
                (stale.enabled && silent > stale.source_after_ms).then(|| {
                    Condition::new(
                        Kind::SourceStale,
                        Some(name),
                        escalate(stale.source_severity),
                        format!("Source {name} is stale"),
                        format!("connected, {last} (threshold {})", secs(stale.source_after_ms)),
                    )
                })
            };
            if let Some(condition) = condition {
                covered.insert(Arc::clone(&source.name));
                out.push(condition.label("source", name));
            }
        }
        covered
    }

    fn symbols(&mut self, obs: &Observation<'_>, covered: &HashSet<Arc<str>>, out: &mut Vec<Condition>) {
        let stale = &self.config.feed_stale;
        if !stale.enabled {
            self.stale_symbols.clear();
            return;
        }
        let now = obs.now_ms;
        let mut still = HashSet::new();
        for (id, last) in obs.last_accepted.iter().enumerate() {
            let Some(last) = *last else { continue };
            let silent = age(now, last);
            if silent <= stale.symbol_after_ms {
                continue;
            }
            let Some(symbol) = obs.symbols.get(id) else {
                continue;
            };
            let source = (obs.symbol_source)(id);
            let reported = self.stale_symbols.contains(&id);
            // A symbol whose whole source is stale or down is covered by the
            // source's incident; one already reported stays until it clears.
            if !reported && source.as_deref().is_some_and(|s| covered.contains(s)) {
                continue;
            }
            still.insert(id);
            let mut condition = Condition::new(
                Kind::SymbolStale,
                Some(symbol),
                stale.symbol_severity,
                format!("{symbol} has no fresh ticks"),
                format!(
                    "no accepted tick for {} (threshold {})",
                    secs(silent),
                    secs(stale.symbol_after_ms)
                ),
            )
            .label("symbol", &**symbol);
            if let Some(source) = source {
                condition = condition.label("source", source);
            }
            out.push(condition);
        }
        self.stale_symbols = still;
    }

    fn rejections(&mut self, obs: &Observation<'_>, out: &mut Vec<Condition>) {
        let config = &self.config.rejected_ticks;
        if !config.enabled {
            return;
        }
        for totals in obs.rejected {
            let window = self
                .rejected
                .entry(totals.source.clone())
                .or_insert_with(|| Window::new(config.window_ms, obs.now_ms));
            let increase = window.push(obs.now_ms, totals.by_reason);
            let total: u64 = increase.iter().sum();
            if total <= config.max_rejected {
                continue;
            }
            let mut reasons: Vec<(u64, &str)> = increase
                .iter()
                .zip(RejectReason::ALL)
                .filter(|(n, _)| **n > 0)
                .map(|(n, r)| (*n, r.as_str()))
                .collect();
            reasons.sort_unstable_by(|a, b| b.cmp(a));
            let reasons: Vec<String> = reasons.iter().map(|(n, r)| format!("{r} {n}")).collect();
            let source = &totals.source;
            out.push(
                Condition::new(
                    Kind::RejectedTicks,
                    Some(source),
                    config.severity,
                    format!("Ticks from {source} are being rejected"),
                    format!(
                        "{total} ticks rejected in the last {} (bound {}): {}",
                        secs(config.window_ms),
                        config.max_rejected,
                        reasons.join(", ")
                    ),
                )
                .label("source", source.as_str()),
            );
        }
    }

    fn http_errors(&mut self, obs: &Observation<'_>, out: &mut Vec<Condition>) {
        let config = &self.config.http_errors;
        if !config.enabled {
            return;
        }
        let window = self
            .http
            .get_or_insert_with(|| Window::new(config.window_ms, obs.now_ms));
        let [requests, errors] = window.push(obs.now_ms, [obs.http.requests, obs.http.errors]);
        if requests < config.min_requests || requests == 0 {
            return;
        }
        let share = errors as f64 / requests as f64;
        if share <= config.max_error_share {
            return;
        }
        out.push(Condition::new(
            Kind::HttpErrors,
            None,
            config.severity,
            "HTTP requests are failing".to_string(),
            format!(
                "{errors} of {requests} requests answered 5xx in the last {} ({:.1}%, bound {:.1}%)",
                secs(config.window_ms),
                share * 100.0,
                config.max_error_share * 100.0
            ),
        ));
    }

    fn price_anomalies(&mut self, obs: &Observation<'_>, out: &mut Vec<Condition>) {
        let config = &self.config.price_anomaly;
        for event in obs.anomalies {
            let state = self
                .anomalies
                .entry(event.symbol)
                .or_insert_with(|| AnomalyState {
                    count: 0,
                    last: event.clone(),
                });
            state.count += 1;
            state.last = event.clone();
        }
        let clear_after = config.clear_after_ms;
        self.anomalies
            .retain(|_, s| age(obs.now_ms, s.last.at_ms) < clear_after);
        let mut ids: Vec<&SymbolId> = self.anomalies.keys().collect();
        ids.sort_unstable();
        for id in ids {
            let state = &self.anomalies[id];
            let Some(symbol) = obs.symbols.get(*id) else {
                continue;
            };
            let last = &state.last;
            let change = (last.to / last.from - 1.0) * 100.0;
            let mut condition = Condition::new(
                Kind::PriceAnomaly,
                Some(symbol),
                config.severity,
                format!("Price anomaly on {symbol}"),
                format!(
                    "{} anomalous tick{} (still served); last: mid {} -> {} ({change:+.2}%, {:.0} robust sd from the median return)",
                    state.count,
                    if state.count == 1 { "" } else { "s" },
                    round_price(last.from),
                    round_price(last.to),
                    last.z.abs()
                ),
            )
            .label("symbol", &**symbol)
            .label("source", &*last.source);
            condition.events = state.count;
            out.push(condition);
        }
    }
}

/// A price for a message: 6 significant digits are plenty.
fn round_price(p: f64) -> String {
    let s = format!("{p:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct World {
        sources: Vec<SourceSnapshot>,
        symbols: Vec<Arc<str>>,
        last: Vec<Option<i64>>,
        rejected: Vec<RejectedTotals>,
        http: HttpTotals,
        anomalies: Vec<AnomalyEvent>,
    }

    impl World {
        fn new() -> World {
            World {
                sources: vec![source("sim", true, Some(0))],
                symbols: vec!["AAPL".into(), "MSFT".into()],
                last: vec![Some(0), Some(0)],
                rejected: Vec::new(),
                http: HttpTotals::default(),
                anomalies: Vec::new(),
            }
        }

        fn run(&self, d: &mut Detectors, now_ms: i64) -> Vec<Condition> {
            let lookup = |_id: SymbolId| Some("sim".to_string());
            d.evaluate(&Observation {
                now_ms,
                sources: &self.sources,
                symbols: &self.symbols,
                last_accepted: &self.last,
                symbol_source: &lookup,
                rejected: &self.rejected,
                http: self.http,
                anomalies: &self.anomalies,
            })
        }
    }

    fn source(name: &str, connected: bool, last: Option<i64>) -> SourceSnapshot {
        SourceSnapshot {
            name: name.into(),
            connected,
            last_tick_ms: last,
        }
    }

    fn detectors() -> Detectors {
        Detectors::new(&IncidentsConfig::default(), 5_000)
    }

    fn keys(conditions: &[Condition]) -> Vec<(&str, Severity)> {
        conditions.iter().map(|c| (c.key.as_str(), c.severity)).collect()
    }

    #[test]
    fn healthy_means_no_condition() {
        let mut d = detectors();
        let w = World::new();
        assert!(w.run(&mut d, 1_000).is_empty());
    }

    #[test]
    fn a_stale_symbol_while_its_source_is_up() {
        let mut d = detectors();
        let mut w = World::new();
        w.sources[0].last_tick_ms = Some(20_000);
        w.last = vec![Some(5_000), Some(20_000)];
        assert!(w.run(&mut d, 15_000).is_empty(), "10 s is not over the threshold");
        let found = w.run(&mut d, 20_001);
        assert_eq!(keys(&found), [("symbol_stale:AAPL", Severity::Sev3)]);
        assert_eq!(
            found[0].subject,
            [("symbol", "AAPL".into()), ("source", "sim".into())]
        );
        assert!(
            found[0].summary.contains("no accepted tick for 15.0 s"),
            "{}",
            found[0].summary
        );
        // A symbol that never ticked is not stale.
        w.last[0] = None;
        assert!(w.run(&mut d, 20_002).is_empty());
    }

    #[test]
    fn a_stale_source_covers_its_symbols_and_is_sev1_when_nothing_is_up() {
        let mut d = detectors();
        let w = World::new(); // everything last ticked at 0
        let found = w.run(&mut d, 12_000);
        assert_eq!(keys(&found), [("source_stale:sim", Severity::Sev1)]);
        // With another source up, the configured severity.
        let mut w = World::new();
        w.sources.push(source("replay", true, Some(12_000)));
        let found = w.run(&mut detectors(), 12_000);
        assert_eq!(keys(&found), [("source_stale:sim", Severity::Sev2)]);
    }

    #[test]
    fn a_symbol_already_reported_stays_when_its_source_goes_stale() {
        let mut d = detectors();
        let mut w = World::new();
        w.sources[0].last_tick_ms = Some(4_000);
        w.last = vec![Some(0), Some(4_000)];
        assert_eq!(keys(&w.run(&mut d, 8_000)), []);
        w.last[0] = Some(-3_000);
        let found = w.run(&mut d, 8_000);
        assert_eq!(keys(&found), [("symbol_stale:AAPL", Severity::Sev3)]);
        let found = w.run(&mut d, 20_000);
        assert_eq!(
            keys(&found),
            [
                ("source_stale:sim", Severity::Sev1),
                ("symbol_stale:AAPL", Severity::Sev3)
            ]
        );
    }

    #[test]
    fn down_and_never_ticking_sources() {
        let mut d = detectors();
        let mut w = World::new();
        w.sources = vec![source("sim", true, Some(1_000)), source("replay", false, None)];
        let found = w.run(&mut d, 1_000);
        assert_eq!(keys(&found), [("source_down:replay", Severity::Sev2)]);
        assert!(found[0].summary.contains("no tick accepted yet"));
        // Connected but silent since first seen.
        w.sources[1] = source("replay", true, None);
        assert!(keys(&w.run(&mut d, 6_500)).contains(&("source_stale:replay", Severity::Sev1)));
    }

    #[test]
    fn rejection_spikes_over_the_window() {
        let mut d = detectors();
        let mut w = World::new();
        let mut totals = [0; REASONS];
        w.rejected = vec![RejectedTotals {
            source: "sim".into(),
            by_reason: totals,
        }];
        w.sources[0].last_tick_ms = Some(100_000);
        w.last = vec![Some(100_000); 2];
        assert!(w.run(&mut d, 0).is_empty());
        totals[RejectReason::Crossed.index()] = 80;
        totals[RejectReason::TooOld.index()] = 21;
        w.rejected[0].by_reason = totals;
        let found = w.run(&mut d, 30_000);
        assert_eq!(keys(&found), [("rejected_ticks:sim", Severity::Sev3)]);
        assert!(
            found[0]
                .summary
                .starts_with("101 ticks rejected in the last 60 s (bound 100): crossed 80, too_old 21"),
            "{}",
            found[0].summary
        );
        // No more rejections: the window slides past them.
        assert_eq!(w.run(&mut d, 60_000).len(), 1);
        assert!(w.run(&mut d, 90_001).is_empty());
    }

    #[test]
    fn http_error_share_needs_enough_requests() {
        let mut d = detectors();
        let mut w = World::new();
        w.sources[0].last_tick_ms = Some(100_000);
        w.last = vec![Some(100_000); 2];
        w.http = HttpTotals {
            requests: 19,
            errors: 19,
        };
        assert!(w.run(&mut d, 1_000).is_empty(), "under min_requests");
        w.http = HttpTotals {
            requests: 40,
            errors: 4,
        };
        assert!(w.run(&mut d, 2_000).is_empty(), "10% is not above 10%");
        w.http = HttpTotals {
            requests: 40,
            errors: 5,
        };
        let found = w.run(&mut d, 3_000);
        assert_eq!(keys(&found), [("http_errors", Severity::Sev2)]);
        assert!(found[0].summary.starts_with("5 of 40 requests answered 5xx"));
    }

    #[test]
    fn anomalies_hold_for_the_clear_time_and_count_events() {
        let mut d = detectors();
        let mut w = World::new();
        w.sources[0].last_tick_ms = Some(100_000);
        w.last = vec![Some(100_000); 2];
        let event = |at_ms| AnomalyEvent {
            symbol: 1,
            source: "sim".into(),
            at_ms,
            from: 100.0,
            to: 125.0,
            z: 400.0,
        };
        w.anomalies = vec![event(1_000)];
        let found = w.run(&mut d, 1_000);
        assert_eq!(keys(&found), [("price_anomaly:MSFT", Severity::Sev3)]);
        assert_eq!(found[0].events, 1);
        assert!(
            found[0].summary.contains("mid 100 -> 125 (+25.00%"),
            "{}",
            found[0].summary
        );
        w.anomalies = vec![event(2_000)];
        assert_eq!(w.run(&mut d, 2_000)[0].events, 2);
        w.anomalies.clear();
        assert_eq!(w.run(&mut d, 61_999).len(), 1);
        assert!(w.run(&mut d, 62_000).is_empty());
    }

    #[test]
    fn disabled_detectors_report_nothing() {
        let mut config = IncidentsConfig::default();
        config.source_down.enabled = false;
        config.feed_stale.enabled = false;
        let mut d = Detectors::new(&config, 5_000);
        let mut w = World::new();
        w.sources.push(source("replay", false, None));
        assert!(w.run(&mut d, 60_000).is_empty());
    }
}
