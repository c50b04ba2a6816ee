//! Alertmanager API v2 client: alerts, alert groups, silences and status,
//! with timeouts. Decoding is pure (`decode_*`), so every answer
//! Alertmanager can give is tested without a server, and so are the silence
//! helpers (`ack_silence`, `silence_for`, `find_ack`, `extend_ack`).
//!
//! Time: every timestamp is Unix milliseconds ([`UnixMs`]), the console's
//! time base (`now_ms`, the agent's incidents). Alertmanager's RFC 3339
//! times are converted when decoding and encoding, nowhere else.
//!
//! Errors are one line for the screen: `HTTP 400: bad matcher format: foo`
//! (Alertmanager answers a JSON string, a `{"code","message"}` object or
//! plain text, depending on the error), `timed out after 3.0s`, or the
//! innermost transport cause (`Connection refused (os error 111)`).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use reqwest::{Method, Url};
use serde::{Deserialize, Deserializer, Serialize};

use super::{HttpEndpoint, describe_http_error};

/// Milliseconds since the Unix epoch, UTC.
pub type UnixMs = i64;

/// How long an "ACK" silence lasts unless the operator says otherwise; it
/// is extended while the group still fires (karma's idiom).
pub const ACK_DURATION: Duration = Duration::from_secs(15 * 60);

/// Every ACK silence's comment starts with this (karma's convention), which
/// is how ACKs are told apart from other silences.
pub const ACK_PREFIX: &str = "ACK!";

/// What went wrong, worded for the screen.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AmError {
    /// Timeout, connection refused, DNS ...: the request got no answer.
    #[error("{0}")]
    Transport(String),
    /// Alertmanager answered with an error status and this message.
    #[error("HTTP {status}: {message}")]
    Api { status: u16, message: String },
    /// A success status with a body that is not what the API promises.
    #[error("unexpected answer: {0}")]
    Decode(String),
    /// A silence Alertmanager would refuse, caught before sending it.
    #[error("invalid silence: {0}")]
    Invalid(String),
}

/// `GET /api/v2/alerts` query: which alerts to include, and label matchers
/// in Alertmanager's syntax (`service="market-data-agent"`, `severity=~"page|ticket"`).
/// The default includes everything, as Alertmanager does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertFilter {
    /// Alerts neither silenced nor inhibited.
    pub active: bool,
    pub silenced: bool,
    pub inhibited: bool,
    pub matchers: Vec<String>,
}

impl Default for AlertFilter {
    fn default() -> AlertFilter {
        AlertFilter {
            active: true,
            silenced: true,
            inhibited: true,
            matchers: Vec::new(),
        }
    }
}

/// One alert as Alertmanager holds it. Its serde form (for recordings) is
/// not Alertmanager's JSON, which `parse` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub fingerprint: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: UnixMs,
    /// For a firing alert, when it will be considered resolved unless
    /// Prometheus sends it again (in the future); for a resolved one, when it
    /// resolved.
    pub ends_at: UnixMs,
    pub updated_at: UnixMs,
    /// Link to the expression in Prometheus; absent for alerts posted by hand.
    pub generator_url: Option<String>,
    /// Names of the receivers the alert is routed to.
    pub receivers: Vec<String>,
    pub status: AlertStatus,
}

impl Alert {
    pub fn name(&self) -> &str {
        self.labels.get("alertname").map(String::as_str).unwrap_or("")
    }

    /// Still firing at `now` (Alertmanager keeps resolved alerts for a while).
    pub fn is_firing(&self, now: UnixMs) -> bool {
        self.ends_at > now
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertStatus {
    pub state: AlertState,
    #[serde(default)]
    pub silenced_by: Vec<String>,
    #[serde(default)]
    pub inhibited_by: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    /// Notified (neither silenced nor inhibited).
    Active,
    /// Silenced or inhibited: `silenced_by` / `inhibited_by` say which.
    Suppressed,
    /// Received but not yet through the silence and inhibition checks.
    Unprocessed,
}

/// Alerts routed to one receiver and grouped by the route's `group_by`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertGroup {
    /// The `group_by` labels and their values.
    pub labels: BTreeMap<String, String>,
    pub receiver: String,
    pub alerts: Vec<Alert>,
}

/// One label matcher of a silence (`name="value"`, `name!~"re"` ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Matcher {
    pub name: String,
    pub value: String,
    pub is_regex: bool,
    /// `false` for `!=` and `!~`. Alertmanager before 0.22 did not send it;
    /// absent means equal.
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl Matcher {
    /// `name="value"`.
    pub fn equal(name: &str, value: &str) -> Matcher {
        Matcher {
            name: name.to_string(),
            value: value.to_string(),
            is_regex: false,
            is_equal: true,
        }
    }

    /// Whether the matcher matches a series without the label (value `""`),
    /// as Alertmanager decides it. `None` for a regex that does not compile.
    fn matches_empty(&self) -> Option<bool> {
        let hit = if self.is_regex {
            regex::Regex::new(&format!("^(?:{})$", self.value))
                .ok()?
                .is_match("")
        } else {
            self.value.is_empty()
        };
        Some(hit == self.is_equal)
    }
}

/// Alertmanager's matcher syntax, as `filter=` takes it and `amtool` shows
/// it: `service="market-data-agent"`, `code!~"5.."`.
impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match (self.is_equal, self.is_regex) {
            (true, false) => "=",
            (false, false) => "!=",
            (true, true) => "=~",
            (false, true) => "!~",
        };
        write!(f, "{}{op}\"", self.name)?;
        for c in self.value.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                c => write!(f, "{c}")?,
            }
        }
        f.write_str("\"")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SilenceState {
    Active,
    /// Starts in the future.
    Pending,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    pub starts_at: UnixMs,
    pub ends_at: UnixMs,
    pub updated_at: UnixMs,
    pub created_by: String,
    pub comment: String,
    pub status: SilenceState,
}

impl Silence {
    /// An ACK: a silence whose comment starts with `ACK!`.
    pub fn is_ack(&self) -> bool {
        self.comment.starts_with(ACK_PREFIX)
    }
}

/// A silence to create (`id` `None`) or to update (`id` of an existing one).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSilence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub matchers: Vec<Matcher>,
    #[serde(serialize_with = "ms_as_rfc3339")]
    pub starts_at: UnixMs,
    #[serde(serialize_with = "ms_as_rfc3339")]
    pub ends_at: UnixMs,
    pub created_by: String,
    pub comment: String,
}

impl NewSilence {
    /// Alertmanager's own checks, so a mistake is reported before sending:
    /// at least one matcher, one of which does not match the empty string
    /// (a silence must never mute everything), valid regexes and names, an
    /// end after the start, an author and a comment.
    pub fn validate(&self) -> Result<(), AmError> {
        let invalid = |text: &str| Err(AmError::Invalid(text.to_string()));
        if self.matchers.is_empty() {
            return invalid("no matchers: it would silence every alert");
        }
        let mut all_match_empty = true;
        for matcher in &self.matchers {
            if matcher.name.is_empty() {
                return invalid("a matcher has no label name");
            }
            match matcher.matches_empty() {
                Some(empty) => all_match_empty &= empty,
                None => {
                    return Err(AmError::Invalid(format!(
                        "{matcher}: not a valid regular expression"
                    )));
                }
            }
        }
        if all_match_empty {
            return invalid("every matcher matches an empty label: it would silence every alert");
        }
        if self.ends_at <= self.starts_at {
            return invalid("it must end after it starts");
        }
        if self.created_by.trim().is_empty() {
            return invalid("no author");
        }
        if self.comment.trim().is_empty() {
            return invalid("no comment");
        }
        Ok(())
    }
}

/// Alertmanager's version, start time and cluster state.
#[derive(Debug, Clone, PartialEq)]
pub struct AmStatus {
    pub version: String,
    /// When Alertmanager started: the API's field is called `uptime` but
    /// holds this time, not a duration.
    pub started_at: UnixMs,
    /// `ready`, `settling`, or `disabled` when clustering is off.
    pub cluster_status: String,
    pub cluster_peers: usize,
}

impl AmStatus {
    /// Time since Alertmanager started (zero if its clock is ahead of ours).
    pub fn uptime(&self, now: UnixMs) -> Duration {
        Duration::from_millis(u64::try_from(now - self.started_at).unwrap_or(0))
    }
}

// ---------------------------------------------------------------- helpers

/// Pre-filled silence for an alert's or a group's labels: one equality
/// matcher per label, from `now` for `duration`. A draft for the operator to
/// edit; [`NewSilence::validate`] says whether it can be sent.
pub fn silence_for(
    labels: &BTreeMap<String, String>,
    author: &str,
    now: UnixMs,
    duration: Duration,
    comment: &str,
) -> NewSilence {
    NewSilence {
        id: None,
        matchers: labels
            .iter()
            .map(|(name, value)| Matcher::equal(name, value))
            .collect(),
        starts_at: now,
        ends_at: now.saturating_add(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)),
        created_by: author.to_string(),
        comment: comment.to_string(),
    }
}

/// karma's "ACK": a short silence ([`ACK_DURATION`] by default) on exactly
/// the group's labels, with a comment starting `ACK!`, so the alerts stop
/// notifying while someone works on them and come back if nobody extends it.
/// Refused for a group without labels (a route with `group_by: []`): its
/// silence would match every alert.
pub fn ack_silence(
    group_labels: &BTreeMap<String, String>,
    author: &str,
    now: UnixMs,
    duration: Duration,
) -> Result<NewSilence, AmError> {
    let comment = format!("{ACK_PREFIX} acknowledged by {author} in mdops");
    let silence = silence_for(group_labels, author, now, duration, &comment);
    silence.validate()?;
    Ok(silence)
}

/// The ACK silence in force (active or pending) for a group: an `ACK!`
/// silence whose matchers are exactly the group's labels as equality
/// matchers, in any order. The one that lasts longest when there are several.
pub fn find_ack<'a>(silences: &'a [Silence], group_labels: &BTreeMap<String, String>) -> Option<&'a Silence> {
    let mut wanted: Vec<Matcher> = group_labels.iter().map(|(n, v)| Matcher::equal(n, v)).collect();
    wanted.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.value.cmp(&b.value)));
    silences
        .iter()
        .filter(|s| s.status != SilenceState::Expired && s.is_ack())
        .filter(|s| {
            let mut have = s.matchers.clone();
            have.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.value.cmp(&b.value)));
            have == wanted
        })
        .max_by_key(|s| s.ends_at)
}

/// Update of an ACK silence that pushes its end to `now + duration` (same
/// id, matchers, start and comment: Alertmanager updates an active silence
/// in place only when nothing but its end changes).
pub fn extend_ack(silence: &Silence, now: UnixMs, duration: Duration) -> NewSilence {
    NewSilence {
        id: Some(silence.id.clone()),
        matchers: silence.matchers.clone(),
        starts_at: silence.starts_at,
        ends_at: now
            .saturating_add(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX))
            .max(silence.ends_at),
        created_by: silence.created_by.clone(),
        comment: silence.comment.clone(),
    }
}

// ---------------------------------------------------------------- decoding

fn rfc3339_ms<'de, D: Deserializer<'de>>(deserializer: D) -> Result<UnixMs, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_time(&text).map_err(serde::de::Error::custom)
}

/// An RFC 3339 time (`2024-05-01T12:00:00.123Z`) as Unix milliseconds.
pub fn parse_time(text: &str) -> Result<UnixMs, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("bad time {text:?}: {e}"))
}

/// Unix milliseconds as the RFC 3339 time Alertmanager takes.
pub fn format_time(ms: UnixMs) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn ms_as_rfc3339<S: serde::Serializer>(ms: &UnixMs, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_time(*ms))
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireAlert {
    fingerprint: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(deserialize_with = "rfc3339_ms")]
    starts_at: UnixMs,
    #[serde(deserialize_with = "rfc3339_ms")]
    ends_at: UnixMs,
    #[serde(deserialize_with = "rfc3339_ms")]
    updated_at: UnixMs,
    #[serde(rename = "generatorURL", default)]
    generator_url: Option<String>,
    #[serde(default)]
    receivers: Vec<Named>,
    status: AlertStatus,
}

impl From<WireAlert> for Alert {
    fn from(w: WireAlert) -> Alert {
        Alert {
            fingerprint: w.fingerprint,
            labels: w.labels,
            annotations: w.annotations,
            starts_at: w.starts_at,
            ends_at: w.ends_at,
            updated_at: w.updated_at,
            generator_url: w.generator_url.filter(|u| !u.is_empty()),
            receivers: w.receivers.into_iter().map(|r| r.name).collect(),
            status: w.status,
        }
    }
}

#[derive(Deserialize)]
struct WireGroup {
    #[serde(default)]
    labels: BTreeMap<String, String>,
    receiver: Named,
    #[serde(default)]
    alerts: Vec<WireAlert>,
}

#[derive(Deserialize)]
struct WireSilenceStatus {
    state: SilenceState,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSilence {
    id: String,
    matchers: Vec<Matcher>,
    #[serde(deserialize_with = "rfc3339_ms")]
    starts_at: UnixMs,
    #[serde(deserialize_with = "rfc3339_ms")]
    ends_at: UnixMs,
    #[serde(deserialize_with = "rfc3339_ms")]
    updated_at: UnixMs,
    created_by: String,
    comment: String,
    status: WireSilenceStatus,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSilenceId {
    #[serde(rename = "silenceID")]
    silence_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireStatus {
    cluster: WireCluster,
    version_info: WireVersion,
    #[serde(deserialize_with = "rfc3339_ms")]
    uptime: UnixMs,
}

#[derive(Deserialize)]
struct WireCluster {
    status: String,
    #[serde(default)]
    peers: Vec<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct WireVersion {
    version: String,
}

#[derive(Deserialize)]
struct WireErrorObject {
    message: String,
}

/// The error of a non-2xx answer. Alertmanager sends a JSON string
/// (`"silence not found"`), a JSON object (`{"code":602,"message":"..."}`)
/// or plain text, depending on where the error comes from.
pub fn api_error(status: u16, body: &[u8]) -> AmError {
    let message = if let Ok(text) = serde_json::from_slice::<String>(body) {
        text
    } else if let Ok(object) = serde_json::from_slice::<WireErrorObject>(body) {
        object.message
    } else {
        String::from_utf8_lossy(body).chars().take(200).collect()
    };
    let mut message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if message.is_empty() {
        message = reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("no message")
            .to_string();
    }
    AmError::Api { status, message }
}

fn decode_json<'a, T: Deserialize<'a>>(status: u16, body: &'a [u8]) -> Result<T, AmError> {
    if !(200..300).contains(&status) {
        return Err(api_error(status, body));
    }
    serde_json::from_slice(body).map_err(|e| AmError::Decode(e.to_string()))
}

/// `GET /api/v2/alerts` (any status code).
pub fn decode_alerts(status: u16, body: &[u8]) -> Result<Vec<Alert>, AmError> {
    let alerts: Vec<WireAlert> = decode_json(status, body)?;
    Ok(alerts.into_iter().map(Alert::from).collect())
}

/// `GET /api/v2/alerts/groups` (any status code).
pub fn decode_groups(status: u16, body: &[u8]) -> Result<Vec<AlertGroup>, AmError> {
    let groups: Vec<WireGroup> = decode_json(status, body)?;
    Ok(groups
        .into_iter()
        .map(|g| AlertGroup {
            labels: g.labels,
            receiver: g.receiver.name,
            alerts: g.alerts.into_iter().map(Alert::from).collect(),
        })
        .collect())
}

/// `GET /api/v2/silences` (any status code).
pub fn decode_silences(status: u16, body: &[u8]) -> Result<Vec<Silence>, AmError> {
    let silences: Vec<WireSilence> = decode_json(status, body)?;
    Ok(silences
        .into_iter()
        .map(|s| Silence {
            id: s.id,
            matchers: s.matchers,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            updated_at: s.updated_at,
            created_by: s.created_by,
            comment: s.comment,
            status: s.status.state,
        })
        .collect())
}

/// `POST /api/v2/silences`: the silence's id.
pub fn decode_silence_id(status: u16, body: &[u8]) -> Result<String, AmError> {
    let answer: WireSilenceId = decode_json(status, body)?;
    Ok(answer.silence_id)
}

/// `DELETE /api/v2/silence/{id}`: an empty 200, or an error.
pub fn decode_expired(status: u16, body: &[u8]) -> Result<(), AmError> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(api_error(status, body))
    }
}

/// `GET /api/v2/status`.
pub fn decode_status(status: u16, body: &[u8]) -> Result<AmStatus, AmError> {
    let answer: WireStatus = decode_json(status, body)?;
    Ok(AmStatus {
        version: answer.version_info.version,
        started_at: answer.uptime,
        cluster_status: answer.cluster.status,
        cluster_peers: answer.cluster.peers.len(),
    })
}

// ---------------------------------------------------------------- client

#[derive(Debug, Clone)]
pub struct AlertmanagerClient {
    base: Url,
    http: reqwest::Client,
    timeout: Duration,
}

impl AlertmanagerClient {
    pub fn new(base: &str, timeout: Duration) -> anyhow::Result<AlertmanagerClient> {
        let HttpEndpoint { base, http, timeout } = HttpEndpoint::new("Alertmanager", base, timeout)?;
        Ok(AlertmanagerClient { base, http, timeout })
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    pub async fn alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, AmError> {
        let mut url = self.url("api/v2/alerts")?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("active", bool_str(filter.active))
                .append_pair("silenced", bool_str(filter.silenced))
                .append_pair("inhibited", bool_str(filter.inhibited));
            for matcher in &filter.matchers {
                query.append_pair("filter", matcher);
            }
        }
        let (status, body) = self.send(Method::GET, url, None).await?;
        decode_alerts(status, &body)
    }

    /// Alert groups as the routing tree forms them, silenced and inhibited
    /// alerts included.
    pub async fn groups(&self) -> Result<Vec<AlertGroup>, AmError> {
        let url = self.url("api/v2/alerts/groups")?;
        let (status, body) = self.send(Method::GET, url, None).await?;
        decode_groups(status, &body)
    }

    /// Every silence Alertmanager still holds, expired ones included.
    pub async fn silences(&self) -> Result<Vec<Silence>, AmError> {
        let url = self.url("api/v2/silences")?;
        let (status, body) = self.send(Method::GET, url, None).await?;
        decode_silences(status, &body)
    }

    /// Creates the silence (or updates it when `id` is set); returns its id.
    /// Checked with [`NewSilence::validate`] first.
    pub async fn create_silence(&self, silence: &NewSilence) -> Result<String, AmError> {
        silence.validate()?;
        let url = self.url("api/v2/silences")?;
        let body = serde_json::to_vec(silence).map_err(|e| AmError::Decode(e.to_string()))?;
        let (status, answer) = self.send(Method::POST, url, Some(body)).await?;
        decode_silence_id(status, &answer)
    }

    /// Expires the silence now (Alertmanager keeps it, as expired).
    pub async fn expire_silence(&self, id: &str) -> Result<(), AmError> {
        let mut url = self.url("api/v2/silence/")?;
        url.path_segments_mut()
            .map_err(|()| AmError::Transport("Alertmanager URL cannot take a path".into()))?
            .pop_if_empty()
            .push(id);
        let (status, body) = self.send(Method::DELETE, url, None).await?;
        decode_expired(status, &body)
    }

    pub async fn status(&self) -> Result<AmStatus, AmError> {
        let url = self.url("api/v2/status")?;
        let (status, body) = self.send(Method::GET, url, None).await?;
        decode_status(status, &body)
    }

    fn url(&self, path: &str) -> Result<Url, AmError> {
        self.base
            .join(path)
            .map_err(|e| AmError::Transport(format!("bad path {path}: {e}")))
    }

    async fn send(&self, method: Method, url: Url, json: Option<Vec<u8>>) -> Result<(u16, Vec<u8>), AmError> {
        let mut request = self.http.request(method, url);
        if let Some(json) = json {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(json);
        }
        let transport = |e: reqwest::Error| AmError::Transport(describe_http_error(&e, self.timeout));
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(transport)?;
        Ok((status, body.to_vec()))
    }
}

fn bool_str(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2024-05-01T12:00:00Z
    const T0: UnixMs = 1_714_564_800_000;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Two alerts as Alertmanager 0.25 answers `GET /api/v2/alerts`: one
    /// from Prometheus, one posted by hand (no `generatorURL`) and silenced.
    const ALERTS: &str = r#"[
      {"annotations":{"summary":"Source sim is down","runbook_url":"docs/runbooks/source-down.md"},
       "endsAt":"2024-05-01T12:05:00.026Z","fingerprint":"6110e75fe0018e6c",
       "receivers":[{"name":"page"}],"startsAt":"2024-05-01T12:00:00.026Z",
       "status":{"inhibitedBy":[],"silencedBy":[],"state":"active"},
       "updatedAt":"2024-05-01T12:00:30.5+00:00",
       "generatorURL":"http://127.0.0.1:9090/graph?g0.expr=mda_source_state%7Bstate%3D%22down%22%7D+%3D%3D+1",
       "labels":{"alertname":"MdaSourceDown","component":"feed","service":"market-data-agent","severity":"page","source":"sim"}},
      {"annotations":{},"endsAt":"2024-05-01T12:05:00Z","fingerprint":"a6950fcaac74d968",
       "receivers":[{"name":"ticket"}],"startsAt":"2024-05-01T12:00:00Z",
       "status":{"inhibitedBy":[],"silencedBy":["b3c304c3-277f-40f7-b3dd-24019335dce6"],"state":"suppressed"},
       "updatedAt":"2024-05-01T12:00:00Z",
       "labels":{"alertname":"MdaTicksRejected","service":"market-data-agent","severity":"ticket"}}
    ]"#;

    #[test]
    fn decodes_alerts_with_real_field_names() {
        let alerts = decode_alerts(200, ALERTS.as_bytes()).unwrap();
        assert_eq!(alerts.len(), 2);
        let a = &alerts[0];
        assert_eq!(a.fingerprint, "6110e75fe0018e6c");
        assert_eq!(a.name(), "MdaSourceDown");
        assert_eq!(a.labels["source"], "sim");
        assert_eq!(a.annotations["summary"], "Source sim is down");
        assert_eq!(a.starts_at, T0 + 26);
        assert_eq!(a.ends_at, T0 + 300_026);
        assert_eq!(a.updated_at, T0 + 30_500);
        assert!(
            a.generator_url
                .as_deref()
                .unwrap()
                .starts_with("http://127.0.0.1:9090/graph")
        );
        assert_eq!(a.receivers, vec!["page"]);
        assert_eq!(a.status.state, AlertState::Active);
        assert!(a.is_firing(T0 + 60_000));
        assert!(!a.is_firing(T0 + 400_000));
        let b = &alerts[1];
        assert_eq!(b.generator_url, None);
        assert_eq!(b.status.state, AlertState::Suppressed);
        assert_eq!(b.status.silenced_by, vec!["b3c304c3-277f-40f7-b3dd-24019335dce6"]);
        assert!(b.status.inhibited_by.is_empty());
    }

    #[test]
    fn decodes_groups_with_their_receiver() {
        let body = format!(
            r#"[{{"alerts":{ALERTS},"labels":{{"alertname":"MdaSourceDown","service":"market-data-agent"}},"receiver":{{"name":"page"}}}},
               {{"alerts":[],"labels":{{}},"receiver":{{"name":"ticket"}}}}]"#
        );
        let groups = decode_groups(200, body.as_bytes()).unwrap();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].receiver, "page");
        assert_eq!(
            groups[0].labels,
            labels(&[("alertname", "MdaSourceDown"), ("service", "market-data-agent")])
        );
        assert_eq!(groups[0].alerts.len(), 2);
        assert!(groups[1].labels.is_empty() && groups[1].alerts.is_empty());
    }

    #[test]
    fn decodes_silences_and_ids() {
        let body = br#"[{"id":"b3c304c3-277f-40f7-b3dd-24019335dce6","status":{"state":"active"},
            "updatedAt":"2024-05-01T12:00:01.274Z","comment":"ACK! acknowledged by ana in mdops",
            "createdBy":"ana","endsAt":"2024-05-01T12:15:00.000Z",
            "matchers":[{"isEqual":true,"isRegex":false,"name":"alertname","value":"MdaSourceDown"},
                        {"isEqual":false,"isRegex":true,"name":"source","value":"sim|replay"}],
            "startsAt":"2024-05-01T12:00:00.000Z"},
           {"id":"0a0b","status":{"state":"expired"},"updatedAt":"2024-05-01T11:00:00Z","comment":"maintenance",
            "createdBy":"bo","endsAt":"2024-05-01T11:00:00Z",
            "matchers":[{"isRegex":false,"name":"service","value":"x"}],"startsAt":"2024-05-01T10:00:00Z"},
           {"id":"0c0d","status":{"state":"pending"},"updatedAt":"2024-05-01T11:00:00Z","comment":"later",
            "createdBy":"bo","endsAt":"2024-05-02T11:00:00Z",
            "matchers":[{"isRegex":false,"isEqual":true,"name":"service","value":"x"}],"startsAt":"2024-05-02T10:00:00Z"}]"#;
        let silences = decode_silences(200, body).unwrap();
        let s = &silences[0];
        assert_eq!(s.id, "b3c304c3-277f-40f7-b3dd-24019335dce6");
        assert_eq!(s.status, SilenceState::Active);
        assert_eq!(s.created_by, "ana");
        assert!(s.is_ack());
        assert_eq!(
            (s.starts_at, s.ends_at, s.updated_at),
            (T0, T0 + 900_000, T0 + 1_274)
        );
        assert_eq!(s.matchers[0], Matcher::equal("alertname", "MdaSourceDown"));
        assert_eq!(s.matchers[1].to_string(), r#"source!~"sim|replay""#);
        // Alertmanager before 0.22 sent no isEqual: it means equal.
        assert!(silences[1].matchers[0].is_equal);
        assert_eq!(silences[1].status, SilenceState::Expired);
        assert!(!silences[1].is_ack());
        assert_eq!(silences[2].status, SilenceState::Pending);

        let id = decode_silence_id(200, br#"{"silenceID":"b3c304c3-277f-40f7-b3dd-24019335dce6"}"#).unwrap();
        assert_eq!(id, "b3c304c3-277f-40f7-b3dd-24019335dce6");
        assert_eq!(decode_expired(200, b""), Ok(()));
    }

    #[test]
    fn decodes_status() {
        let body = br#"{"cluster":{"peers":[],"status":"disabled"},
            "config":{"original":"route:\n  receiver: page\n"},
            "uptime":"2024-05-01T12:00:00.000Z",
            "versionInfo":{"branch":"debian/sid","buildDate":"20230409-09:50:43","buildUser":"team",
                           "goVersion":"go1.19.8","revision":"0.25.0-1+b4","version":"0.25.0"}}"#;
        let status = decode_status(200, body).unwrap();
        assert_eq!(status.version, "0.25.0");
        assert_eq!(status.cluster_status, "disabled");
        assert_eq!(status.cluster_peers, 0);
        assert_eq!(status.started_at, T0);
        assert_eq!(status.uptime(T0 + 90_000), Duration::from_secs(90));
        assert_eq!(status.uptime(T0 - 1), Duration::ZERO);
        let clustered = br#"{"cluster":{"name":"01H","peers":[{"address":"10.0.0.2:9094","name":"01J"}],"status":"ready"},
            "uptime":"2024-05-01T12:00:00Z","versionInfo":{"version":"0.27.0"}}"#;
        let status = decode_status(200, clustered).unwrap();
        assert_eq!(
            (status.cluster_status.as_str(), status.cluster_peers),
            ("ready", 1)
        );
    }

    #[test]
    fn errors_keep_alertmanagers_message_in_every_shape() {
        // A JSON string (most handlers).
        let e = decode_expired(500, br#""silence not found""#).unwrap_err();
        assert_eq!(e.to_string(), "HTTP 500: silence not found");
        let e = decode_alerts(400, br#""bad matcher format: foo""#).unwrap_err();
        assert_eq!(e.to_string(), "HTTP 400: bad matcher format: foo");
        // A JSON object (request validation).
        let e =
            decode_silence_id(422, br#"{"code":602,"message":"comment in body is required"}"#).unwrap_err();
        assert_eq!(
            e,
            AmError::Api {
                status: 422,
                message: "comment in body is required".into()
            }
        );
        // Plain text (a proxy in front, or the router's 404), on one line.
        let e = decode_groups(502, b"<html>\n  Bad Gateway\n</html>\n").unwrap_err();
        assert_eq!(e.to_string(), "HTTP 502: <html> Bad Gateway </html>");
        let e = decode_status(404, b"404 page not found\n").unwrap_err();
        assert_eq!(e.to_string(), "HTTP 404: 404 page not found");
        // Nothing at all: the status's reason.
        assert_eq!(
            decode_silences(503, b"").unwrap_err().to_string(),
            "HTTP 503: Service Unavailable"
        );
        let long = "x".repeat(1000);
        let AmError::Api { message, .. } = api_error(500, long.as_bytes()) else {
            panic!("api error expected")
        };
        assert_eq!(message.len(), 200);
    }

    #[test]
    fn bad_success_bodies_are_decode_errors() {
        assert!(matches!(
            decode_alerts(200, b"{not json"),
            Err(AmError::Decode(_))
        ));
        let bad_time = br#"[{"fingerprint":"f","labels":{},"annotations":{},"startsAt":"yesterday",
            "endsAt":"2024-05-01T12:05:00Z","updatedAt":"2024-05-01T12:05:00Z",
            "status":{"state":"active","silencedBy":[],"inhibitedBy":[]}}]"#;
        let error = decode_alerts(200, bad_time).unwrap_err().to_string();
        assert!(
            error.starts_with("unexpected answer: bad time \"yesterday\""),
            "{error}"
        );
        let bad_state = br#"[{"fingerprint":"f","startsAt":"2024-05-01T12:05:00Z",
            "endsAt":"2024-05-01T12:05:00Z","updatedAt":"2024-05-01T12:05:00Z",
            "status":{"state":"sleeping"}}]"#;
        let error = decode_alerts(200, bad_state).unwrap_err().to_string();
        assert!(error.contains("sleeping"), "{error}");
    }

    #[test]
    fn times_round_trip_through_rfc3339() {
        assert_eq!(format_time(T0 + 5), "2024-05-01T12:00:00.005Z");
        assert_eq!(parse_time(&format_time(T0 + 5)), Ok(T0 + 5));
        assert_eq!(parse_time("2024-05-01T14:00:00+02:00"), Ok(T0));
        assert!(parse_time("2024-05-01").is_err());
    }

    #[test]
    fn new_silences_are_sent_with_alertmanagers_field_names() {
        let silence = silence_for(
            &labels(&[("alertname", "MdaSourceDown"), ("service", "market-data-agent")]),
            "ana",
            T0,
            Duration::from_secs(3600),
            "maintenance of the feed",
        );
        let json: serde_json::Value = serde_json::to_value(&silence).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "matchers": [
                    {"name": "alertname", "value": "MdaSourceDown", "isRegex": false, "isEqual": true},
                    {"name": "service", "value": "market-data-agent", "isRegex": false, "isEqual": true}
                ],
                "startsAt": "2024-05-01T12:00:00.000Z",
                "endsAt": "2024-05-01T13:00:00.000Z",
                "createdBy": "ana",
                "comment": "maintenance of the feed"
            })
        );
        assert_eq!(silence.validate(), Ok(()));
        let update = NewSilence {
            id: Some("abc".into()),
            ..silence
        };
        assert_eq!(serde_json::to_value(&update).unwrap()["id"], "abc");
    }

    #[test]
    fn ack_is_a_short_acked_silence_on_the_groups_labels() {
        let group = labels(&[("alertname", "MdaSourceDown"), ("service", "market-data-agent")]);
        let ack = ack_silence(&group, "ana", T0, ACK_DURATION).unwrap();
        assert_eq!(ACK_DURATION, Duration::from_secs(15 * 60));
        assert_eq!(ack.id, None);
        assert_eq!(
            ack.matchers,
            vec![
                Matcher::equal("alertname", "MdaSourceDown"),
                Matcher::equal("service", "market-data-agent")
            ]
        );
        assert!(ack.comment.starts_with("ACK!"), "{}", ack.comment);
        assert!(ack.comment.contains("ana"));
        assert_eq!(ack.created_by, "ana");
        assert_eq!((ack.starts_at, ack.ends_at), (T0, T0 + 15 * 60_000));
        // A group without labels (group_by: []) would silence everything.
        let error = ack_silence(&BTreeMap::new(), "ana", T0, ACK_DURATION).unwrap_err();
        assert!(error.to_string().contains("every alert"), "{error}");
        let error = ack_silence(&labels(&[("cluster", "")]), "ana", T0, ACK_DURATION).unwrap_err();
        assert!(error.to_string().contains("every alert"), "{error}");
        assert!(ack_silence(&group, " ", T0, ACK_DURATION).is_err());
    }

    #[test]
    fn acks_are_found_and_extended() {
        let group = labels(&[("alertname", "MdaSourceDown"), ("service", "market-data-agent")]);
        let silence = |id: &str, comment: &str, status, ends_at, matchers: Vec<Matcher>| Silence {
            id: id.into(),
            matchers,
            starts_at: T0,
            ends_at,
            updated_at: T0,
            created_by: "ana".into(),
            comment: comment.into(),
            status,
        };
        let exact = vec![
            Matcher::equal("service", "market-data-agent"),
            Matcher::equal("alertname", "MdaSourceDown"),
        ];
        let silences = vec![
            silence(
                "expired",
                "ACK! old",
                SilenceState::Expired,
                T0 + 10,
                exact.clone(),
            ),
            silence(
                "other",
                "maintenance",
                SilenceState::Active,
                T0 + 99_000,
                exact.clone(),
            ),
            silence(
                "wider",
                "ACK! x",
                SilenceState::Active,
                T0 + 99_000,
                exact[..1].to_vec(),
            ),
            silence("ack1", "ACK! x", SilenceState::Active, T0 + 60_000, exact.clone()),
            silence("ack2", "ACK! y", SilenceState::Active, T0 + 90_000, exact.clone()),
        ];
        let found = find_ack(&silences, &group).unwrap();
        assert_eq!(found.id, "ack2");
        assert!(find_ack(&silences[..3], &group).is_none());

        let extended = extend_ack(found, T0 + 80_000, ACK_DURATION);
        assert_eq!(extended.id.as_deref(), Some("ack2"));
        assert_eq!(extended.starts_at, T0);
        assert_eq!(extended.ends_at, T0 + 80_000 + 900_000);
        assert_eq!(extended.comment, "ACK! y");
        // Never shortens a silence.
        assert_eq!(extend_ack(found, T0, Duration::from_secs(1)).ends_at, T0 + 90_000);
    }

    #[test]
    fn validation_mirrors_alertmanager() {
        let ok = silence_for(
            &labels(&[("service", "a")]),
            "ana",
            T0,
            Duration::from_secs(60),
            "why",
        );
        assert_eq!(ok.validate(), Ok(()));
        let with = |f: &dyn Fn(&mut NewSilence)| {
            let mut s = ok.clone();
            f(&mut s);
            s.validate().unwrap_err().to_string()
        };
        assert!(with(&|s| s.matchers.clear()).contains("no matchers"));
        assert!(
            with(&|s| s.matchers = vec![Matcher {
                name: "a".into(),
                value: ".*".into(),
                is_regex: true,
                is_equal: true
            }])
            .contains("every alert")
        );
        let bad_regex = with(&|s| {
            s.matchers[0].value = "(".into();
            s.matchers[0].is_regex = true
        });
        assert_eq!(
            bad_regex,
            r#"invalid silence: service=~"(": not a valid regular expression"#
        );
        assert!(with(&|s| s.ends_at = s.starts_at).contains("end after"));
        assert!(with(&|s| s.comment = "  ".into()).contains("no comment"));
        assert!(with(&|s| s.matchers[0].name.clear()).contains("no label name"));
        // `a!="x"` matches the empty label, but with `service="a"` the silence is fine.
        let mut both = ok.clone();
        both.matchers.push(Matcher {
            name: "a".into(),
            value: "x".into(),
            is_regex: false,
            is_equal: false,
        });
        assert_eq!(both.validate(), Ok(()));
    }

    #[test]
    fn matchers_print_in_alertmanagers_syntax() {
        let m = |value: &str, is_regex, is_equal| Matcher {
            name: "l".into(),
            value: value.into(),
            is_regex,
            is_equal,
        };
        assert_eq!(m("v", false, true).to_string(), r#"l="v""#);
        assert_eq!(m("v", false, false).to_string(), r#"l!="v""#);
        assert_eq!(m("5..", true, true).to_string(), r#"l=~"5..""#);
        assert_eq!(m("5..", true, false).to_string(), r#"l!~"5..""#);
        assert_eq!(m("a\"b\\c\nd", false, true).to_string(), r#"l="a\"b\\c\nd""#);
    }

    #[test]
    fn client_rejects_bad_urls_and_keeps_a_base_path() {
        assert!(AlertmanagerClient::new("ftp://x", Duration::from_secs(1)).is_err());
        assert!(AlertmanagerClient::new("not a url", Duration::from_secs(1)).is_err());
        let client = AlertmanagerClient::new("http://127.0.0.1:9093/am", Duration::from_secs(1)).unwrap();
        assert_eq!(client.base().as_str(), "http://127.0.0.1:9093/am/");
        assert_eq!(
            client.url("api/v2/alerts").unwrap().as_str(),
            "http://127.0.0.1:9093/am/api/v2/alerts"
        );
    }
}
