//! Middleware around every route, in one pass to keep the hot path short:
//! the request body bound, then the HTTP request metrics (by matched route,
//! so path parameters do not multiply the series).
//!
//! A plain tower layer rather than `axum::middleware::from_fn`: it adds no
//! boxed future and no clone of the inner service per request.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::AppState;
use super::errors::ApiError;

/// Route label of requests that matched no route.
const UNMATCHED: &str = "unmatched";

#[derive(Clone)]
pub(crate) struct ObserveLayer {
    state: AppState,
}

impl ObserveLayer {
    pub fn new(state: AppState) -> ObserveLayer {
        ObserveLayer { state }
    }
}

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe {
            inner,
            state: self.state.clone(),
        }
    }
}

/// Refuses a request whose declared body is over `http.max_body_bytes`
/// before anything reads it (extractors that read bodies are bounded by
/// axum's `DefaultBodyLimit` with the same value), and counts and times each
/// request by route, method and status code.
#[derive(Clone)]
pub(crate) struct Observe<S> {
    inner: S,
    state: AppState,
}

impl<S> Service<Request> for Observe<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ObserveFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let start = Instant::now();
        let route = req.extensions().get::<MatchedPath>().cloned();
        let method = req.method().clone();
        let answer = match oversized(&req, self.state.inner.config.http.max_body_bytes) {
            Some(refusal) => Answer::Refused(Some(refusal.into_response())),
            None => Answer::Inner(self.inner.call(req)),
        };
        ObserveFuture {
            answer,
            start,
            route,
            method,
            state: self.state.clone(),
        }
    }
}

enum Answer<F> {
    Inner(F),
    Refused(Option<Response>),
}

pub(crate) struct ObserveFuture<F> {
    answer: Answer<F>,
    start: Instant,
    route: Option<MatchedPath>,
    method: Method,
    state: AppState,
}

impl<F> Future for ObserveFuture<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let response = match &mut this.answer {
            Answer::Inner(inner) => match Pin::new(inner).poll(cx) {
                Poll::Ready(Ok(response)) => response,
                Poll::Ready(Err(never)) => match never {},
                Poll::Pending => return Poll::Pending,
            },
            Answer::Refused(refusal) => refusal.take().unwrap_or_default(),
        };
        let route = this.route.as_ref().map_or(UNMATCHED, MatchedPath::as_str);
        let metrics = &this.state.inner.metrics;
        metrics
            .http_requests
            .with_label_values(&[route, this.method.as_str(), response.status().as_str()])
            .inc();
        metrics
            .http_duration
            .with_label_values(&[route])
            .observe(this.start.elapsed().as_secs_f64());
        Poll::Ready(Ok(response))
    }
}

fn oversized(req: &Request, max: usize) -> Option<ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse::<u64>()
        .ok()?;
    (declared > max as u64).then(|| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body of {declared} bytes is over the limit of {max}"),
        )
    })
}
