//! Fault injection on purpose ("chaos"): a share of the requests to chosen
//! routes is answered with HTTP 500, and/or delayed, so SLO burn can be
//! produced in tests and demos.
//!
//! The layer sits inside the metrics layer ([`super::layers::Observe`]), so
//! injected errors and delays are counted in `mda_http_requests_total` and
//! `mda_http_request_duration_seconds` exactly like real ones. With chaos
//! off a request costs one relaxed atomic load more.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::time::Sleep;
use tower_layer::Layer;
use tower_service::Service;

use super::errors::ApiError;
use crate::api::{ChaosSettings, ChaosUpdate};
use crate::config::ChaosConfig;
use crate::metrics::{ChaosKind, ChaosMetrics};

/// Mixed into the configured seed, so chaos draws do not repeat the
/// simulator's.
const SEED_SALT: u64 = 0x6368_616f_735f_7631;

/// The live chaos settings and the random source of its draws.
pub(crate) struct Chaos {
    /// Whether any injection can happen: error rate or latency above 0 and
    /// at least one route. The hot path reads only this while it is false.
    active: AtomicBool,
    state: Mutex<State>,
    metrics: ChaosMetrics,
}

struct State {
    settings: ChaosSettings,
    rng: SmallRng,
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Injection {
    /// Answer with HTTP 500 instead of calling the handler.
    error: bool,
    /// Wait this long before answering.
    delay: Duration,
    /// The error rate the decision was drawn with, for the error message.
    error_rate: f64,
}

impl Chaos {
    /// Chaos with `config`'s settings; with the same `seed` the sequence of
    /// draws is the same.
    pub fn new(config: &ChaosConfig, seed: u64, metrics: ChaosMetrics) -> Chaos {
        let settings = ChaosSettings {
            error_rate: config.error_rate,
            extra_latency_ms: config.extra_latency_ms,
            routes: config.routes.clone(),
        };
        metrics.set_settings(settings.error_rate, settings.extra_latency_ms);
        Chaos {
            active: AtomicBool::new(is_active(&settings)),
            state: Mutex::new(State {
                settings,
                rng: SmallRng::seed_from_u64(seed ^ SEED_SALT),
            }),
            metrics,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Nothing panics while holding the lock; recover anyway rather than
        // turning every later request into a panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether faults can be injected at all.
    pub fn is_on(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    /// The settings in force.
    pub fn settings(&self) -> ChaosSettings {
        self.lock().settings.clone()
    }

    /// Applies an update (already validated): the fields it has replace
    /// the current ones. Returns the old and the new settings.
    pub fn update(&self, update: ChaosUpdate) -> (ChaosSettings, ChaosSettings) {
        let mut state = self.lock();
        let old = state.settings.clone();
        let settings = &mut state.settings;
        if let Some(rate) = update.error_rate {
            settings.error_rate = rate;
        }
        if let Some(ms) = update.extra_latency_ms {
            settings.extra_latency_ms = ms;
        }
        if let Some(routes) = update.routes {
            settings.routes = routes;
        }
        self.metrics
            .set_settings(settings.error_rate, settings.extra_latency_ms);
        self.active.store(is_active(settings), Ordering::Relaxed);
        (old, settings.clone())
    }

    /// The injection for a request to `route`, if any.
    fn decide(&self, route: Option<&str>) -> Option<Injection> {
        let route = route?;
        let mut state = self.lock();
        let State { settings, rng } = &mut *state;
        if !settings.routes.iter().any(|r| r == route) {
            return None;
        }
        let error = match settings.error_rate {
            rate if rate <= 0.0 => false,
            rate if rate >= 1.0 => true,
            rate => rng.random::<f64>() < rate,
        };
        let delay = Duration::from_millis(settings.extra_latency_ms);
        (error || !delay.is_zero()).then_some(Injection {
            error,
            delay,
            error_rate: settings.error_rate,
        })
    }
}

fn is_active(settings: &ChaosSettings) -> bool {
    (settings.error_rate > 0.0 || settings.extra_latency_ms > 0) && !settings.routes.is_empty()
}

/// For logging a change: `error_rate=0.2 extra_latency_ms=50 routes=[...]`.
pub(crate) struct Shown<'a>(pub &'a ChaosSettings);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        write!(
            f,
            "error_rate={} extra_latency_ms={} routes=[{}]",
            s.error_rate,
            s.extra_latency_ms,
            s.routes.join(", ")
        )
    }
}

#[derive(Clone)]
pub(crate) struct ChaosLayer {
    chaos: Arc<Chaos>,
}

impl ChaosLayer {
    pub fn new(chaos: Arc<Chaos>) -> ChaosLayer {
        ChaosLayer { chaos }
    }
}

impl<S> Layer<S> for ChaosLayer {
    type Service = ChaosService<S>;

    fn layer(&self, inner: S) -> ChaosService<S> {
        ChaosService {
            inner,
            chaos: Arc::clone(&self.chaos),
        }
    }
}

/// Passes requests through, except those chaos picks: delayed, or answered
/// with HTTP 500 `chaos_injected` without calling the handler.
#[derive(Clone)]
pub(crate) struct ChaosService<S> {
    inner: S,
    chaos: Arc<Chaos>,
}

impl<S> Service<Request> for ChaosService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ChaosFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if !self.chaos.is_on() {
            return ChaosFuture::Pass(self.inner.call(req));
        }
        let Some(injection) = self
            .chaos
            .decide(req.extensions().get::<MatchedPath>().map(MatchedPath::as_str))
        else {
            return ChaosFuture::Pass(self.inner.call(req));
        };
        let then = if injection.error {
            Then::Error(Some(
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "chaos_injected",
                    format!(
                        "error injected on purpose (chaos error_rate {}); see /api/v1/admin/chaos",
                        injection.error_rate
                    ),
                )
                .into_response(),
            ))
        } else {
            // Handler futures are lazy: the handler runs after the delay.
            Then::Inner(self.inner.call(req))
        };
        let delay = (!injection.delay.is_zero()).then(|| Box::pin(tokio::time::sleep(injection.delay)));
        ChaosFuture::Injected(Box::new(Injected {
            delay,
            then,
            chaos: Arc::clone(&self.chaos),
        }))
    }
}

/// The common case is `Pass`; the rest is boxed so chaos adds one word to
/// the future of every request, not the size of a response.
pub(crate) enum ChaosFuture<F> {
    Pass(F),
    Injected(Box<Injected<F>>),
}

pub(crate) struct Injected<F> {
    delay: Option<Pin<Box<Sleep>>>,
    then: Then<F>,
    chaos: Arc<Chaos>,
}

enum Then<F> {
    Inner(F),
    Error(Option<Response>),
}

impl<F> Future for ChaosFuture<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            ChaosFuture::Pass(inner) => Pin::new(inner).poll(cx),
            ChaosFuture::Injected(injected) => {
                // Counted when done, so a request dropped half-way (client
                // gone) is in neither these counters nor the HTTP ones.
                if let Some(delay) = injected.delay.as_mut() {
                    ready!(delay.as_mut().poll(cx));
                    injected.delay = None;
                    injected.chaos.metrics.injected(ChaosKind::Latency);
                }
                match &mut injected.then {
                    Then::Inner(inner) => Pin::new(inner).poll(cx),
                    Then::Error(response) => {
                        injected.chaos.metrics.injected(ChaosKind::Error);
                        Poll::Ready(Ok(response.take().unwrap_or_default()))
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::QUOTES;
    use crate::metrics::Metrics;

    fn chaos(error_rate: f64, extra_latency_ms: u64, seed: u64) -> Chaos {
        let config = ChaosConfig {
            error_rate,
            extra_latency_ms,
            ..ChaosConfig::default()
        };
        Chaos::new(&config, seed, Metrics::new().unwrap().chaos_metrics())
    }

    fn active(chaos: &Chaos) -> bool {
        chaos.active.load(Ordering::Relaxed)
    }

    #[test]
    fn active_only_with_something_to_inject() {
        assert!(!active(&chaos(0.0, 0, 1)));
        assert!(active(&chaos(0.1, 0, 1)));
        assert!(active(&chaos(0.0, 5, 1)));
        let c = chaos(0.5, 0, 1);
        let (old, new) = c.update(ChaosUpdate {
            routes: Some(Vec::new()),
            ..ChaosUpdate::default()
        });
        assert_eq!((old.error_rate, old.routes.len()), (0.5, 1));
        assert_eq!((new.error_rate, new.routes.len()), (0.5, 0));
        assert!(!active(&c));
        assert_eq!(c.decide(Some(QUOTES)), None);
        c.update(ChaosUpdate {
            routes: Some(vec![QUOTES.to_string()]),
            error_rate: Some(0.0),
            extra_latency_ms: Some(1),
        });
        assert!(active(&c));
        assert_eq!(c.settings().extra_latency_ms, 1);
    }

    #[test]
    fn applies_to_listed_routes_only() {
        let c = chaos(1.0, 20, 1);
        let injection = c.decide(Some(QUOTES)).unwrap();
        assert!(injection.error);
        assert_eq!(injection.delay, Duration::from_millis(20));
        assert_eq!(c.decide(Some("/health")), None);
        assert_eq!(c.decide(None), None);
        let only_latency = chaos(0.0, 20, 1).decide(Some(QUOTES)).unwrap();
        assert!(!only_latency.error);
    }

    #[test]
    fn draws_follow_the_rate_and_repeat_with_the_seed() {
        let draws = |seed| {
            let c = chaos(0.25, 0, seed);
            (0..10_000)
                .map(|_| c.decide(Some(QUOTES)).is_some())
                .collect::<Vec<_>>()
        };
        let first = draws(7);
        assert_eq!(first, draws(7));
        assert_ne!(first, draws(8));
        let share = first.iter().filter(|&&e| e).count() as f64 / first.len() as f64;
        assert!((share - 0.25).abs() < 0.02, "{share}");
    }
}
