//! The overview's view model. The active environment's tiles come from the
//! app's full state (the same figures its screens show); the others' from
//! their summary poller.

use std::time::Duration;

use market_data_agent::api::HealthStatus;
use mdops_views::model::{
    EnvOverviewModel, HealthLevel, MoverModel, ObjectiveModel, ObjectiveState, OverviewModel, OverviewTile,
    TileBody, TileModel,
};

use super::environments::{EnvironmentEntry, Known};
use super::{App, Link, SourceId};
use crate::domain::dr::{Verdict, rpo_now_ms, verdict};
use crate::domain::env_summary::{Mover, TOP_MOVERS, health_summary, slo_counts, top_movers};

impl App {
    pub(super) fn overview_model(&self) -> OverviewModel<'_> {
        let environments = self
            .environments
            .entries
            .iter()
            .map(|entry| {
                let active = entry.name == self.config.environment;
                EnvOverviewModel {
                    name: &entry.name,
                    active,
                    switching: self.environments.switching_to.as_deref() == Some(entry.name.as_str()),
                    tiles: OverviewTile::ALL
                        .iter()
                        .map(|&kind| {
                            if active {
                                self.active_tile(kind)
                            } else {
                                self.summary_tile(entry, kind)
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        OverviewModel {
            environments,
            selected: self.environments.selected,
        }
    }

    /// Why `source` fails now, if it does.
    fn link_error(&self, source: SourceId) -> Option<&str> {
        match &self.sources.get(&source)?.link {
            Link::Reconnecting { last_error, .. } => Some(last_error),
            _ => None,
        }
    }

    fn active_tile(&self, kind: OverviewTile) -> TileModel<'_> {
        let (body, error) = match kind {
            OverviewTile::Health => {
                let body = match self.health.as_ref().zip(self.health_at_ms) {
                    None => TileBody::Waiting,
                    Some((health, at)) => {
                        let summary = health_summary(health);
                        health_body(summary.status, summary.data_age_ms, at, self.now_ms)
                    }
                };
                (body, self.link_error(SourceId::AgentApi))
            }
            OverviewTile::Slos => {
                let body = if self.slos.updated_at_ms.is_none() {
                    TileBody::Waiting
                } else {
                    let c = slo_counts(
                        self.slos
                            .summaries
                            .iter()
                            .map(|s| s.as_ref().map(|s| s.alert.level)),
                    );
                    TileBody::Slos {
                        page: c.page,
                        ticket: c.ticket,
                        ok: c.ok,
                        unknown: c.unknown,
                    }
                };
                (body, self.slos.problem.as_deref())
            }
            OverviewTile::Incidents => {
                let body = if self.incidents.loading() {
                    TileBody::Waiting
                } else {
                    TileBody::Incidents(self.incidents.open_by_severity())
                };
                let error = self
                    .link_error(SourceId::AgentIncidents)
                    .or(self.link_error(SourceId::Alertmanager));
                (body, error)
            }
            OverviewTile::Dr => {
                let body = match self.dr.status.as_ref().zip(self.dr.received_at_ms) {
                    None => TileBody::Waiting,
                    Some((status, at)) => dr_body(status, at, self.now_ms),
                };
                (body, self.link_error(SourceId::AgentDr))
            }
            OverviewTile::Capacity => {
                let body = match self.tightest_headroom() {
                    Some(h) => TileBody::Capacity {
                        resource: h.resource,
                        pod: h.pod,
                        used: h.used,
                        time_to_limit: h.time_to_limit,
                    },
                    None => TileBody::CapacityUnknown,
                };
                (body, None)
            }
            OverviewTile::Movers => {
                let quotes = self.prices.symbols.values().filter_map(|s| s.quote.as_ref());
                let movers = top_movers(quotes, TOP_MOVERS);
                let body = if self.prices.symbols.is_empty() {
                    TileBody::Waiting
                } else {
                    TileBody::Movers(owned_movers(movers, &self.prices))
                };
                (body, self.link_error(SourceId::AgentStream))
            }
        };
        TileModel { kind, body, error }
    }

    fn summary_tile<'a>(&'a self, entry: &'a EnvironmentEntry, kind: OverviewTile) -> TileModel<'a> {
        fn part<'a, T>(
            known: &'a Known<T>,
            body: impl FnOnce(&'a T) -> TileBody<'a>,
        ) -> (TileBody<'a>, Option<&'a str>) {
            (
                known.value.as_ref().map_or(TileBody::Waiting, body),
                known.error.as_deref(),
            )
        }
        let now = self.now_ms;
        let (body, error) = match kind {
            OverviewTile::Health => part(&entry.health, |h| {
                health_body(h.status, h.data_age_ms, entry.health.at_ms.unwrap_or(now), now)
            }),
            OverviewTile::Slos => match &entry.slos {
                None => (TileBody::Waiting, None),
                Some(None) => (TileBody::NoPrometheus, None),
                Some(Some(known)) => part(known, |c| TileBody::Slos {
                    page: c.page,
                    ticket: c.ticket,
                    ok: c.ok,
                    unknown: c.unknown,
                }),
            },
            OverviewTile::Incidents => part(&entry.incidents, |&counts| TileBody::Incidents(counts)),
            OverviewTile::Dr => part(&entry.dr, |status| {
                dr_body(status, entry.dr.at_ms.unwrap_or(now), now)
            }),
            OverviewTile::Capacity => (TileBody::CapacityWhenActive, None),
            OverviewTile::Movers => part(&entry.movers, |movers| {
                TileBody::Movers(
                    movers
                        .iter()
                        .map(|m: &Mover| MoverModel {
                            symbol: &m.symbol,
                            price: m.price,
                            change_pct: m.change_pct,
                        })
                        .collect(),
                )
            }),
        };
        TileModel { kind, body, error }
    }
}

/// Movers borrowing their symbol from the prices state, which outlives the frame.
fn owned_movers<'a>(movers: Vec<Mover>, prices: &'a super::prices::PricesState) -> Vec<MoverModel<'a>> {
    movers
        .into_iter()
        .filter_map(|m| {
            let (symbol, _) = prices.symbols.get_key_value(&m.symbol)?;
            Some(MoverModel {
                symbol,
                price: m.price,
                change_pct: m.change_pct,
            })
        })
        .collect()
}

fn health_body(
    status: HealthStatus,
    data_age_ms: Option<u64>,
    answered_at_ms: i64,
    now_ms: i64,
) -> TileBody<'static> {
    let since = u64::try_from(now_ms.saturating_sub(answered_at_ms)).unwrap_or(0);
    TileBody::Health {
        status: match status {
            HealthStatus::Ok => HealthLevel::Ok,
            HealthStatus::Degraded => HealthLevel::Degraded,
            HealthStatus::Down => HealthLevel::Down,
        },
        data_age: data_age_ms.map(|age| Duration::from_millis(age.saturating_add(since))),
    }
}

/// RPO aged since the answer, RTO as the last drill measured it: the DR
/// screen's verdicts.
fn dr_body(status: &market_data_agent::api::DrStatus, received_at_ms: i64, now_ms: i64) -> TileBody<'static> {
    let objective = |current: Option<u64>, target: u64| ObjectiveModel {
        current: current.map(Duration::from_millis),
        target: Duration::from_millis(target),
        state: match verdict(current, target) {
            Verdict::Met => ObjectiveState::Met,
            Verdict::Missed => ObjectiveState::Missed,
            Verdict::NoFigure => ObjectiveState::NoFigure,
        },
    };
    TileBody::Dr {
        rpo: objective(
            rpo_now_ms(&status.rpo, received_at_ms, now_ms),
            status.rpo.target_ms,
        ),
        rto: objective(status.rto.current_ms, status.rto.target_ms),
    }
}
