//! Builds the frame's view model from state. Borrowing keeps it cheap: the
//! renderer formats only the rows it draws.

use std::time::Duration;

use crate::domain::slo::AlertLevel;
use market_data_agent::api::{HealthStatus, SourceState};
use mdops_views::model::{
    ActionStatusModel, AlertLevelModel, AppView, BarsState, BodyModel, BurnCell, ClusterModel, ClusterPane,
    DeploymentRow, DetailModel, DialogModel, EventRow, FieldModel, FilterModel, HeaderModel, LinkState,
    NotConfiguredModel, OutputModel, PaletteItem, PaletteModel, PodRow, PricesModel, SloDetailModel, SloRow,
    SlosModel, SourceBadge, SourceRow, StatusModel, TabsModel, VerificationState,
};

use super::runbooks::Verification;

use super::keys::DIALOG_HINTS;
use super::prices::BarsData;
use super::{App, Link, Screen, SourceId};
use crate::domain::sli::WindowFigure;

impl App {
    pub fn view(&self) -> AppView<'_> {
        self.view_of(self.screen)
    }

    /// The frame as it would look on `screen` (the snapshot draws every screen).
    pub fn view_of(&self, screen: Screen) -> AppView<'_> {
        AppView {
            header: HeaderModel {
                target: &self.config.target,
                sources: self.config.sources.iter().map(|&id| self.badge(id)).collect(),
                clock: &self.clock_text,
                incidents: (!self.incidents.loading()).then(|| self.incidents.open_by_severity()),
                replay: None,
            },
            tabs: TabsModel {
                titles: &Screen::TITLES,
                selected: screen.index(),
            },
            body: self.body(screen),
            status: StatusModel {
                hints: self.hints[screen.index()]
                    .iter()
                    .map(|(key, what)| (key.as_str(), *what))
                    .collect(),
                filter: self.filter_model(screen),
                message: self
                    .notice
                    .as_ref()
                    .map(|(text, _)| text.as_str())
                    .or(self.health_message()),
            },
            help: self.show_help.then(|| self.help_model()),
            dialog: self.dialog.as_ref().map(|d| DialogModel {
                title: d.title,
                lines: d.lines.clone(),
                fields: d
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| FieldModel {
                        label: f.label,
                        value: &f.value,
                        focused: i == d.focus,
                    })
                    .collect(),
                error: d.error.as_deref(),
                busy: d.busy,
                hints: DIALOG_HINTS,
            }),
            palette: self.palette_model(),
            output: self.runbooks.output.as_ref().map(|pane| OutputModel {
                title: &pane.title,
                lines: pane.lines.iter().map(String::as_str).collect(),
                running: pane.outcome.is_none(),
                outcome: pane.outcome.as_deref(),
            }),
            action_status: self.runbooks.status.as_ref().map(|status| ActionStatusModel {
                action: &status.label,
                result: &status.result,
                failed: status.failed,
                verification: match status.verification {
                    Verification::None => VerificationState::None,
                    Verification::Watching { until_ms } => VerificationState::Watching {
                        remaining: Duration::from_millis(u64::try_from(until_ms - self.now_ms).unwrap_or(0)),
                    },
                    Verification::Recovered { after_ms } => VerificationState::Recovered {
                        after: Duration::from_millis(u64::try_from(after_ms).unwrap_or(0)),
                    },
                    Verification::NotRecovered => VerificationState::NotRecovered,
                },
                checks: status
                    .checks
                    .iter()
                    .map(|c| (c.what, c.verdict, c.detail.as_str()))
                    .collect(),
            }),
            nav: self.nav_model(),
        }
    }

    fn palette_model(&self) -> Option<PaletteModel<'_>> {
        let palette = self.runbooks.palette.as_ref()?;
        let items: Vec<PaletteItem<'_>> = palette
            .entries
            .iter()
            .map(|entry| PaletteItem {
                key: &entry.key,
                name: &entry.name,
                description: &entry.description,
                destructive: entry.destructive,
                disabled: entry.disabled.as_deref(),
            })
            .collect();
        let selected = (!items.is_empty()).then(|| palette.selected.min(items.len() - 1));
        Some(PaletteModel {
            query: &palette.query,
            target: palette.target.as_deref(),
            items,
            selected,
        })
    }

    fn cluster_model<'a>(&'a self, cluster: &'a super::cluster::ClusterState) -> ClusterModel<'a> {
        let age = |at: Option<i64>| {
            Duration::from_millis(at.map_or(0, |at| u64::try_from(self.now_ms - at).unwrap_or(0)))
        };
        let status = &self.sources[&SourceId::Kubernetes];
        let problem = match &status.link {
            Link::Reconnecting { last_error, .. } => Some(last_error.as_str()),
            _ => None,
        };
        let (deployments, pods, events) = match &cluster.snapshot {
            None => (Vec::new(), Vec::new(), Vec::new()),
            Some(snapshot) => (
                cluster
                    .shown(ClusterPane::Deployments)
                    .into_iter()
                    .map(|i| {
                        (
                            &snapshot.deployments[i],
                            cluster.rollout_text.get(i).map_or("", String::as_str),
                        )
                    })
                    .map(|(d, rollout)| DeploymentRow {
                        name: &d.name,
                        desired: d.desired,
                        ready: d.ready,
                        updated: d.updated,
                        available: d.available,
                        rollout,
                        healthy: matches!(d.rollout, crate::domain::cluster::Rollout::Complete)
                            && d.available >= d.desired,
                        age: age(d.created_at_ms),
                    })
                    .collect(),
                cluster
                    .shown(ClusterPane::Pods)
                    .into_iter()
                    .map(|i| &snapshot.pods[i])
                    .map(|p| PodRow {
                        name: &p.name,
                        phase: &p.phase,
                        ready: (
                            u32::try_from(p.ready_containers).unwrap_or(u32::MAX),
                            u32::try_from(p.containers).unwrap_or(u32::MAX),
                        ),
                        restarts: u32::try_from(p.restarts).unwrap_or(0),
                        age: age(p.created_at_ms),
                        node: p.node.as_deref().unwrap_or(""),
                        reason: p.reason.as_deref().unwrap_or(""),
                        healthy: p.healthy,
                    })
                    .collect(),
                cluster
                    .shown(ClusterPane::Events)
                    .into_iter()
                    .map(|i| &snapshot.events[i])
                    .map(|e| EventRow {
                        age: age(e.last_seen_ms),
                        kind: &e.kind,
                        reason: &e.reason,
                        object: &e.object,
                        message: &e.message,
                        count: u32::try_from(e.count).unwrap_or(0),
                    })
                    .collect(),
            ),
        };
        ClusterModel {
            context: &cluster.context_text,
            problem,
            loading: cluster.snapshot.is_none(),
            deployments,
            pods,
            events,
            focus: cluster.focus,
            selected: cluster.selected_index(),
        }
    }

    /// The filter of the screen's list, while typed or applied.
    fn filter_model(&self, screen: Screen) -> Option<FilterModel<'_>> {
        let (input, editing) = match screen {
            Screen::Prices => (&self.prices.filter, self.prices.filter_editing),
            Screen::Incidents => (&self.incidents.filter, self.incidents.filter_editing),
            Screen::Slos => (&self.slos.filter, self.slos.filter_editing),
            Screen::Cluster => match &self.cluster {
                Some(cluster) => (&cluster.filter, cluster.filter_editing),
                None => return None,
            },
            Screen::Timeline => (&self.timeline.filter.text, self.timeline.filter_editing),
            _ => return None,
        };
        (editing || !input.is_empty()).then_some(FilterModel {
            text: input.as_str(),
            editing,
            error: input.error(),
        })
    }

    fn badge(&self, id: SourceId) -> SourceBadge<'_> {
        let status = &self.sources[&id];
        let state = match &status.link {
            Link::Connecting => LinkState::Connecting,
            Link::Connected => LinkState::Connected,
            Link::Reconnecting { attempt, last_error } => LinkState::Reconnecting {
                attempt: *attempt,
                last_error,
            },
        };
        let data_age = status
            .last_message_ms
            .map(|at| Duration::from_millis(self.now_ms.saturating_sub(at).max(0) as u64));
        SourceBadge {
            name: id.name(),
            state,
            data_age,
        }
    }

    fn health_message(&self) -> Option<&'static str> {
        match self.health.as_ref()?.status {
            HealthStatus::Ok => None,
            HealthStatus::Degraded => Some("agent reports DEGRADED health: a source is stale"),
            HealthStatus::Down => Some("agent reports DOWN: no source is delivering"),
        }
    }

    fn body(&self, screen: Screen) -> BodyModel<'_> {
        if screen == Screen::Slos {
            return BodyModel::Slos(self.slos_model());
        }
        if screen == Screen::Incidents {
            return BodyModel::Incidents(self.incidents_model());
        }
        if let (Screen::Cluster, Some(cluster)) = (screen, self.cluster.as_ref()) {
            return BodyModel::Cluster(self.cluster_model(cluster));
        }
        if screen == Screen::Dr {
            return BodyModel::Dr(self.dr_model());
        }
        if screen == Screen::Overview {
            return BodyModel::Overview(self.overview_model());
        }
        if screen == Screen::Capacity {
            return BodyModel::Capacity(self.capacity_model());
        }
        if screen == Screen::Timeline {
            return BodyModel::Timeline(self.timeline_model());
        }
        if let Some(requirement) = screen.requirement() {
            return BodyModel::NotConfigured(NotConfiguredModel {
                screen: screen.title(),
                purpose: requirement.purpose,
                how_to_configure: requirement.how_to_configure,
            });
        }
        let rows = self.prices.rows(self.now_ms, self.config.stale_after_ms);
        let selected = self.prices.selected_index(&rows);
        let detail = selected.and_then(|_| self.detail());
        BodyModel::Prices(PricesModel {
            total: self.prices.symbols.len(),
            selected,
            sort: self.prices.sort,
            descending: self.prices.descending,
            rows,
            detail,
            sources: self.source_rows(),
        })
    }

    /// The agent's sources for the panel under the prices table, when it
    /// has configured ones (with breakers); the simulator alone needs none.
    fn source_rows(&self) -> Vec<SourceRow<'_>> {
        let Some(health) = self.health.as_ref() else {
            return Vec::new();
        };
        if health.sources.iter().all(|s| s.breaker.is_none()) {
            return Vec::new();
        }
        // The health answer's age, added to each tick age it reports.
        let answer_age = self.health_at_ms.map_or(0, |at| (self.now_ms - at).max(0) as u64);
        health
            .sources
            .iter()
            .map(|s| SourceRow {
                name: &s.name,
                kind: s.kind.as_deref().unwrap_or(""),
                state: match s.state {
                    SourceState::Up => "up",
                    SourceState::Stale => "stale",
                    SourceState::Down => "down",
                },
                active: s.active.unwrap_or(false),
                breaker: s.breaker.map(|b| b.as_str()),
                forced: s.breaker_forced.unwrap_or(false),
                health_score: s.health_score,
                last_tick_age: s
                    .last_tick_age_ms
                    .map(|ms| Duration::from_millis(ms + answer_age)),
                failovers: s.failovers,
                last_error: s.last_error.as_deref(),
            })
            .collect()
    }

    fn detail(&self) -> Option<DetailModel<'_>> {
        let detail = self.prices.detail.as_ref()?;
        let state = self.prices.symbols.get(&detail.symbol)?;
        let mut facts = Vec::new();
        if let Some(quote) = &state.quote {
            facts.push(("open", format_price(quote.open)));
            facts.push(("source", quote.source.clone()));
            let age_ms = self.now_ms.saturating_sub(quote.ts).max(0);
            facts.push(("age", format!("{:.1}s", age_ms as f64 / 1000.0)));
        }
        let bars = match &detail.bars {
            BarsData::Loading => BarsState::Loading,
            BarsData::Failed(error) => BarsState::Failed(error),
            BarsData::Ready { points, bars } => {
                let high = bars.iter().map(|b| b.high).fold(f64::NAN, f64::max);
                let low = bars.iter().map(|b| b.low).fold(f64::NAN, f64::min);
                if !bars.is_empty() {
                    facts.push(("high", format_price(high)));
                    facts.push(("low", format_price(low)));
                    facts.push(("bars", bars.len().to_string()));
                }
                BarsState::Ready(points)
            }
        };
        Some(DetailModel {
            symbol: &detail.symbol,
            interval: detail.interval.as_str(),
            bars,
            facts,
        })
    }
}

impl App {
    fn slos_model(&self) -> SlosModel<'_> {
        let slos = &self.slos;
        let stale = slos.problem.is_some();
        let visible = slos.visible();
        let rows = visible
            .iter()
            .map(|&i| (i, &slos.set.slos[i]))
            .map(|(i, slo)| {
                let summary = slos.summaries.get(i).and_then(Option::as_ref);
                let figures = slos.figures.get(i).and_then(Option::as_ref);
                let burn = (0..slos.window_labels.len())
                    .map(|w| {
                        burn_cell(
                            summary.and_then(|s| s.burns.get(w).copied()),
                            figures.and_then(|f| f.windows.get(w)),
                        )
                    })
                    .collect();
                SloRow {
                    name: &slo.name,
                    service: &slo.service,
                    objective_pct: slo.objective * 100.0,
                    sli_pct: summary.and_then(|s| s.sli),
                    budget_remaining: summary.and_then(|s| s.budget_remaining),
                    burn,
                    alert: match summary.map(|s| s.alert.level) {
                        Some(AlertLevel::Page) => AlertLevelModel::Page,
                        Some(AlertLevel::Ticket) => AlertLevelModel::Ticket,
                        _ => AlertLevelModel::Ok,
                    },
                    alert_reason: summary.and_then(|s| s.alert.reason.as_deref()),
                    exhaustion: summary.and_then(|s| s.exhaustion),
                    events: summary.and_then(|s| s.events),
                    stale: stale && figures.is_some(),
                    period_partial: figures.is_some_and(|f| f.period.partial_history.is_some()),
                }
            })
            .collect::<Vec<_>>();
        let selected = slos.selected_position(&visible);
        let detail = selected.map(|position| {
            let i = visible[position];
            let slo = &slos.set.slos[i];
            let figures = slos.figures[i].as_ref();
            let failed = figures.and_then(|f| {
                f.windows
                    .iter()
                    .chain(std::iter::once(&f.period))
                    .find_map(|w| w.error.as_deref())
            });
            SloDetailModel {
                name: &slo.name,
                description: &slo.description,
                history: figures.map_or(&[][..], |f| &f.history),
                thresholds: slos.thresholds.iter().map(|(v, l)| (*v, l.as_str())).collect(),
                queries: slos.queries[i]
                    .iter()
                    .map(|(l, q)| (l.as_str(), q.as_str()))
                    .collect(),
                note: failed,
            }
        });
        SlosModel {
            source: &slos.source_text,
            problem: slos.problem.as_deref(),
            windows: slos.window_labels.iter().map(String::as_str).collect(),
            rows,
            selected,
            detail,
        }
    }
}

/// One window's cell: a burn rate, "no traffic", or unknown (no figures
/// yet, or the query failed).
fn burn_cell(burn: Option<Option<f64>>, figure: Option<&WindowFigure>) -> BurnCell {
    match (burn, figure) {
        (Some(Some(value)), Some(figure)) => BurnCell::Rate {
            value,
            partial: figure.partial_history.is_some(),
        },
        (Some(None), Some(figure)) if figure.error.is_none() => BurnCell::NoTraffic,
        _ => BurnCell::Unknown,
    }
}

fn format_price(price: f64) -> String {
    if price.abs() >= 1.0 {
        format!("{price:.2}")
    } else {
        format!("{price:.6}")
    }
}
