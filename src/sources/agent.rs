//! The agent as a source: REST for symbols, bars and health; the WebSocket
//! for ticks. The same code serves an embedded and a remote agent.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use market_data_agent::api::{
    Bar, BarInterval, BarsResponse, ClientFrame, DrStatus, ErrorBody, Health, Incident,
    IncidentActionRequest, IncidentsResponse, ServerFrame, SymbolsResponse,
};
use rand::Rng;
use reqwest::Url;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::{HttpEndpoint, describe_http_error, innermost, now_ms};
use crate::app::{Link, Msg, SourceId};
use crate::domain::backoff::Backoff;

/// A stream that sends nothing for this long is presumed dead; the agent
/// sends heartbeats far more often.
const STREAM_SILENCE_LIMIT: Duration = Duration::from_secs(15);

/// HTTP client for the agent's REST API.
#[derive(Clone)]
pub struct AgentClient {
    base: Url,
    http: reqwest::Client,
    timeout: Duration,
    /// Bearer token for the agent's acting routes (incident ack/resolve).
    token: Option<String>,
}

/// Keeps the token out of logs and panics.
impl std::fmt::Debug for AgentClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentClient")
            .field("base", &self.base.as_str())
            .field("timeout", &self.timeout)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// The agent's answer to a runbook action (`POST /api/v1/actions/{name}`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ActionAnswer {
    pub ok: bool,
    pub message: String,
    #[serde(default)]
    pub details: serde_json::Value,
}

/// What to do with an agent incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentVerb {
    Ack,
    Resolve,
}

impl IncidentVerb {
    fn path(self) -> &'static str {
        match self {
            IncidentVerb::Ack => "ack",
            IncidentVerb::Resolve => "resolve",
        }
    }
}

impl AgentClient {
    pub fn new(base: &str, timeout: Duration) -> anyhow::Result<AgentClient> {
        let HttpEndpoint { base, http, timeout } = HttpEndpoint::new("agent", base, timeout)?;
        Ok(AgentClient {
            base,
            http,
            timeout,
            token: None,
        })
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The same client, sending `token` on the routes that act.
    pub fn with_token(mut self, token: Option<String>) -> AgentClient {
        self.token = token;
        self
    }

    /// Every incident the agent holds, resolved ones included.
    pub async fn incidents(&self) -> Result<Vec<Incident>, String> {
        let response: IncidentsResponse = self.get_json("api/v1/incidents").await?;
        Ok(response.incidents)
    }

    /// Runs the agent's action `name` with `params`, as `author`.
    pub async fn action(
        &self,
        name: &str,
        params: &std::collections::BTreeMap<String, String>,
        author: &str,
    ) -> Result<ActionAnswer, String> {
        let mut url = self.url("api/v1/actions/")?;
        url.path_segments_mut()
            .map_err(|()| "agent URL cannot take a path".to_string())?
            .pop_if_empty()
            .push(name);
        let body = serde_json::json!({ "params": params, "author": author });
        let mut post = self.http.post(url).json(&body);
        if let Some(token) = &self.token {
            post = post.bearer_auth(token);
        }
        let answer = self.answer(post.send().await).await?;
        serde_json::from_slice(&answer).map_err(|e| format!("unexpected response: {e}"))
    }

    /// Acknowledges or resolves incident `id`; returns it as updated.
    pub async fn incident_action(
        &self,
        id: &str,
        verb: IncidentVerb,
        request: &IncidentActionRequest,
    ) -> Result<Incident, String> {
        let mut url = self.url("api/v1/incidents/")?;
        url.path_segments_mut()
            .map_err(|()| "agent URL cannot take a path".to_string())?
            .pop_if_empty()
            .push(id)
            .push(verb.path());
        let mut post = self.http.post(url).json(request);
        if let Some(token) = &self.token {
            post = post.bearer_auth(token);
        }
        let body = self.answer(post.send().await).await?;
        serde_json::from_slice(&body).map_err(|e| format!("unexpected response: {e}"))
    }

    /// `ws://` (or `wss://`) URL of the tick stream.
    pub fn stream_url(&self) -> String {
        let mut url = self.base.join("ws").expect("`ws` is a valid relative URL");
        let scheme = if self.base.scheme() == "https" {
            "wss"
        } else {
            "ws"
        };
        url.set_scheme(scheme).expect("ws and wss are valid schemes");
        url.to_string()
    }

    pub async fn symbols(&self) -> Result<Vec<String>, String> {
        let response: SymbolsResponse = self.get_json("api/v1/symbols").await?;
        Ok(response.symbols)
    }

    pub async fn health(&self) -> Result<Health, String> {
        self.get_json("health").await
    }

    /// Backups, RPO / RTO figures and the last restore drill.
    pub async fn dr(&self) -> Result<DrStatus, String> {
        self.get_json("api/v1/dr").await
    }

    pub async fn bars(&self, symbol: &str, interval: BarInterval, limit: usize) -> Result<Vec<Bar>, String> {
        let mut url = self.url("api/v1/bars/")?;
        url.path_segments_mut()
            .map_err(|()| "agent URL cannot take a path".to_string())?
            .pop_if_empty()
            .push(symbol);
        url.query_pairs_mut()
            .append_pair("interval", interval.as_str())
            .append_pair("limit", &limit.to_string());
        let response: BarsResponse = self.fetch(url).await?;
        Ok(response.bars)
    }

    fn url(&self, path: &str) -> Result<Url, String> {
        self.base.join(path).map_err(|e| format!("bad path {path}: {e}"))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, String> {
        self.fetch(self.url(path)?).await
    }

    /// The agent's `/metrics` exposition, as raw bytes for `metrics_text`.
    pub async fn metrics(&self) -> Result<Vec<u8>, String> {
        self.get(self.url("metrics")?).await
    }

    /// GETs `url` and decodes JSON.
    async fn fetch<T: serde::de::DeserializeOwned>(&self, url: Url) -> Result<T, String> {
        let body = self.get(url).await?;
        serde_json::from_slice(&body).map_err(|e| format!("unexpected response: {e}"))
    }

    /// GETs `url`; any failure becomes one readable line fit for the header
    /// (status and the agent's error message when it sent one).
    async fn get(&self, url: Url) -> Result<Vec<u8>, String> {
        self.answer(self.http.get(url).send().await).await
    }

    /// The body of a successful answer; any failure as one readable line.
    async fn answer(&self, sent: reqwest::Result<reqwest::Response>) -> Result<Vec<u8>, String> {
        let response = sent.map_err(|e| describe_http_error(&e, self.timeout))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| describe_http_error(&e, self.timeout))?;
        if !status.is_success() {
            let detail = serde_json::from_slice::<ErrorBody>(&body)
                .map(|body| body.error.message)
                .unwrap_or_else(|_| String::from_utf8_lossy(&body).chars().take(120).collect());
            return Err(format!("HTTP {}: {detail}", status.as_u16()));
        }
        Ok(body.to_vec())
    }
}

/// Sends `msg`; `false` once the app has gone away and the task should end.
async fn send(tx: &mpsc::Sender<Msg>, msg: Msg) -> bool {
    tx.send(msg).await.is_ok()
}

async fn report_link(tx: &mpsc::Sender<Msg>, source: SourceId, link: Link) -> bool {
    send(
        tx,
        Msg::Link {
            source,
            link,
            at_ms: now_ms(),
        },
    )
    .await
}

fn jittered(backoff: &Backoff, attempt: u32) -> Duration {
    backoff.delay(attempt, rand::rng().random::<f64>())
}

/// REST side: symbols once, then health on an interval, with backoff on failure.
pub async fn run_api(client: AgentClient, tx: mpsc::Sender<Msg>, health_every: Duration, backoff: Backoff) {
    let source = SourceId::AgentApi;
    let mut attempt = 0u32;
    let mut have_symbols = false;
    loop {
        let outcome = if have_symbols {
            client.health().await.map(|health| Msg::Health {
                health,
                at_ms: now_ms(),
            })
        } else {
            client.symbols().await.map(|symbols| Msg::Symbols {
                symbols,
                at_ms: now_ms(),
            })
        };
        let wait = match outcome {
            Ok(msg) => {
                let first_answer = !have_symbols;
                have_symbols = true;
                attempt = 0;
                if !send(&tx, msg).await {
                    return;
                }
                if first_answer {
                    Duration::ZERO
                } else {
                    health_every
                }
            }
            Err(error) => {
                attempt += 1;
                tracing::warn!(%error, attempt, "agent API request failed");
                let link = Link::Reconnecting {
                    attempt,
                    last_error: error,
                };
                if !report_link(&tx, source, link).await {
                    return;
                }
                jittered(&backoff, attempt)
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// WebSocket side: connect, subscribe to every symbol, forward frames;
/// reconnect with backoff whenever the stream fails or goes silent.
pub async fn run_stream(client: AgentClient, tx: mpsc::Sender<Msg>, backoff: Backoff) {
    let source = SourceId::AgentStream;
    let url = client.stream_url();
    let mut attempt = 0u32;
    loop {
        if !report_link(&tx, source, Link::Connecting).await {
            return;
        }
        let error = match stream_once(&url, &tx, client.timeout, &mut attempt).await {
            StreamEnd::AppGone => return,
            StreamEnd::Failed(error) => error,
        };
        attempt += 1;
        tracing::warn!(%error, attempt, "agent stream lost");
        if !report_link(
            &tx,
            source,
            Link::Reconnecting {
                attempt,
                last_error: error,
            },
        )
        .await
        {
            return;
        }
        tokio::time::sleep(jittered(&backoff, attempt)).await;
    }
}

enum StreamEnd {
    AppGone,
    Failed(String),
}

/// One connection's lifetime. Resets `attempt` once the agent has answered
/// the subscription, so backoff restarts only after a healthy connection.
async fn stream_once(url: &str, tx: &mpsc::Sender<Msg>, timeout: Duration, attempt: &mut u32) -> StreamEnd {
    let connect = tokio::time::timeout(timeout, tokio_tungstenite::connect_async(url)).await;
    let mut socket = match connect {
        Err(_) => return StreamEnd::Failed(format!("connect timed out after {:.1}s", timeout.as_secs_f64())),
        Ok(Err(error)) => return StreamEnd::Failed(innermost(&error)),
        Ok(Ok((socket, _response))) => socket,
    };
    let subscribe = ClientFrame::Subscribe {
        symbols: vec!["*".to_string()],
    };
    let text = serde_json::to_string(&subscribe).expect("a subscribe frame serializes");
    if let Err(error) = socket.send(Message::text(text)).await {
        return StreamEnd::Failed(innermost(&error));
    }
    let mut last_seq: Option<u64> = None;
    loop {
        let next = match tokio::time::timeout(STREAM_SILENCE_LIMIT, socket.next()).await {
            Err(_) => {
                return StreamEnd::Failed(format!("no frame for {}s", STREAM_SILENCE_LIMIT.as_secs()));
            }
            Ok(None) => return StreamEnd::Failed("connection closed".to_string()),
            Ok(Some(Err(error))) => return StreamEnd::Failed(innermost(&error)),
            Ok(Some(Ok(message))) => message,
        };
        let text = match next {
            Message::Text(text) => text,
            Message::Close(frame) => {
                let reason = frame
                    .map(|f| format!("closed by agent ({} {})", u16::from(f.code), f.reason))
                    .unwrap_or_else(|| "closed by agent".to_string());
                return StreamEnd::Failed(reason);
            }
            _ => continue,
        };
        let at_ms = now_ms();
        let msg = match ServerFrame::from_json(&text) {
            Ok(ServerFrame::Ticks { seq, ticks }) => {
                if let Some(previous) = last_seq.filter(|&previous| seq != previous + 1) {
                    tracing::warn!(previous, seq, "tick frames missed");
                }
                last_seq = Some(seq);
                Msg::Ticks { quotes: ticks, at_ms }
            }
            Ok(ServerFrame::Snapshot { quotes, .. }) => Msg::Snapshot { quotes, at_ms },
            Ok(ServerFrame::Subscribed { .. }) => {
                *attempt = 0;
                Msg::Link {
                    source: SourceId::AgentStream,
                    link: Link::Connected,
                    at_ms,
                }
            }
            Ok(ServerFrame::Heartbeat { .. }) => Msg::Heartbeat {
                source: SourceId::AgentStream,
                at_ms,
            },
            Ok(ServerFrame::Error { error }) => {
                tracing::warn!(code = %error.code, message = %error.message, "agent rejected a frame");
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, frame = %text.chars().take(200).collect::<String>(), "unreadable frame from agent");
                continue;
            }
        };
        if !send(tx, msg).await {
            return StreamEnd::AppGone;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_url_follows_base_scheme_and_path() {
        let client = AgentClient::new("http://127.0.0.1:8080", Duration::from_secs(1)).unwrap();
        assert_eq!(client.stream_url(), "ws://127.0.0.1:8080/ws");
        let client = AgentClient::new("https://h.example/mda", Duration::from_secs(1)).unwrap();
        assert_eq!(client.stream_url(), "wss://h.example/mda/ws");
    }

    #[test]
    fn rejects_non_http_urls() {
        assert!(AgentClient::new("ftp://h", Duration::from_secs(1)).is_err());
        assert!(AgentClient::new("not a url", Duration::from_secs(1)).is_err());
    }
}
