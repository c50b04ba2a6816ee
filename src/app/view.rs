//! Builds the frame's view model from state. Borrowing keeps it cheap: the
//! renderer formats only the rows it draws.

use std::time::Duration;

use market_data_agent::api::HealthStatus;
use mdops_views::model::{
    AppView, BarsState, BodyModel, DetailModel, FilterModel, HeaderModel, HelpModel, LinkState,
    NotConfiguredModel, PricesModel, SourceBadge, StatusModel, TabsModel,
};

use super::keys::{HELP, HINTS};
use super::prices::BarsData;
use super::{App, Link, Screen, SourceId};

impl App {
    pub fn view(&self) -> AppView<'_> {
        AppView {
            header: HeaderModel {
                target: &self.config.target,
                sources: SourceId::ALL.iter().map(|&id| self.badge(id)).collect(),
                clock: &self.clock_text,
            },
            tabs: TabsModel {
                titles: &Screen::TITLES,
                selected: self.screen.index(),
            },
            body: self.body(),
            status: StatusModel {
                hints: HINTS,
                filter: (self.screen == Screen::Prices
                    && (self.prices.filter_editing || !self.prices.filter.is_empty()))
                .then(|| FilterModel {
                    text: &self.prices.filter,
                    editing: self.prices.filter_editing,
                }),
                message: self.health_message(),
            },
            help: self.show_help.then_some(HelpModel { sections: HELP }),
        }
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

    fn body(&self) -> BodyModel<'_> {
        if let Some(requirement) = self.screen.requirement() {
            return BodyModel::NotConfigured(NotConfiguredModel {
                screen: self.screen.title(),
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
        })
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

fn format_price(price: f64) -> String {
    if price.abs() >= 1.0 {
        format!("{price:.2}")
    } else {
        format!("{price:.6}")
    }
}
