//! Confirmations and prompts of the incident actions. Opening one says what
//! will happen to what; confirming builds the `ActionPlan` from the fields
//! as typed, or says why it cannot (a bad duration, a matcher that does not
//! parse, a silence Alertmanager would refuse) and stays open.

use std::collections::BTreeMap;
use std::time::Duration;

use market_data_agent::api::IncidentActionRequest;

use super::incidents::IncidentsState;
use super::msg::{ActionPlan, ActionStep};
use crate::domain::incidents::IncidentRow;
use crate::slo::config::parse_duration;
use crate::sources::alertmanager::{
    Matcher, NewSilence, Silence, SilenceState, ack_silence, extend_ack, find_ack, silence_for,
};
use crate::sources::incidents::short_id;

/// Default length offered by the silence prompt.
const SILENCE_DEFAULT: &str = "2h";

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub label: &'static str,
    pub value: String,
}

/// What the dialog will do once confirmed.
#[derive(Debug, Clone, PartialEq)]
enum Intent {
    /// Ack the agent incidents; ACK-silence (or extend the ACK of) each
    /// alert group.
    Ack {
        incident_ids: Vec<String>,
        groups: Vec<(BTreeMap<String, String>, Option<Silence>)>,
    },
    /// Fields: duration, comment, matchers.
    Silence,
    /// Field: silence id.
    Expire,
    /// Field: comment.
    Resolve { incident_ids: Vec<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dialog {
    pub title: &'static str,
    /// What will happen, for the operator to read before confirming.
    pub lines: Vec<String>,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub error: Option<String>,
    /// Confirmed; the action runs. Only Esc is taken.
    pub busy: bool,
    /// `ActionPlan::label` of the action, to match its outcome.
    pub label: &'static str,
    intent: Intent,
}

/// Who acts and for how long an ACK lasts.
#[derive(Debug, Clone)]
pub struct ActionContext<'a> {
    pub author: &'a str,
    pub ack_duration: Duration,
    pub now_ms: i64,
}

impl Dialog {
    /// Acknowledge what `row` holds: its open agent incidents through the
    /// agent, its alert groups with an ACK silence. `Err` says why there is
    /// nothing to acknowledge.
    pub fn ack(row: &IncidentRow, state: &IncidentsState, ctx: &ActionContext) -> Result<Dialog, String> {
        let incident_ids: Vec<String> = row
            .signals
            .iter()
            .filter(|s| s.is_firing() && !s.acked)
            .filter_map(|s| s.key.strip_prefix("incident:"))
            .map(str::to_string)
            .collect();
        let firing_groups: Vec<&BTreeMap<String, String>> = {
            let mut groups = Vec::new();
            for labels in row
                .signals
                .iter()
                .filter(|s| s.is_firing())
                .filter_map(|s| s.group_labels.as_ref())
            {
                if !groups.contains(&labels) {
                    groups.push(labels);
                }
            }
            groups
        };
        if incident_ids.is_empty() && firing_groups.is_empty() {
            return Err("nothing to acknowledge: no firing signal in this incident".to_string());
        }
        if !firing_groups.is_empty() && state.alertmanager.is_none() {
            return Err("its alerts need Alertmanager to acknowledge (--alertmanager URL)".to_string());
        }
        let minutes = ctx.ack_duration.as_secs() / 60;
        let mut lines = vec![format!("Incident: {}", row.title)];
        for id in &incident_ids {
            lines.push(format!("agent: acknowledge incident {id} as {}", ctx.author));
        }
        let mut groups = Vec::new();
        for labels in firing_groups {
            let existing = find_ack(&state.silences, labels).cloned();
            let what = match &existing {
                Some(s) => format!("extend ACK silence {} to {minutes}m from now", short_id(&s.id)),
                None => format!("ACK silence for {minutes}m"),
            };
            lines.push(format!("alertmanager: {what} on {}", format_labels(labels)));
            groups.push((labels.clone(), existing));
        }
        Ok(Dialog::new(
            "Acknowledge",
            "acknowledge",
            lines,
            Vec::new(),
            Intent::Ack { incident_ids, groups },
        ))
    }

    /// Silence the row's alerts: matchers pre-filled from the first firing
    /// alert's labels (else the first alert's, else the incidents' service
    /// and component), all editable.
    pub fn silence(row: &IncidentRow, state: &IncidentsState) -> Result<Dialog, String> {
        if state.alertmanager.is_none() {
            return Err("silences need Alertmanager (--alertmanager URL)".to_string());
        }
        let alert = row
            .signals
            .iter()
            .filter(|s| s.group_labels.is_some())
            .min_by_key(|s| !s.is_firing());
        let labels = match alert {
            Some(alert) => alert.labels.clone(),
            None => ["service", "component"]
                .iter()
                .filter_map(|&name| {
                    let value = match name {
                        "service" => row.service.clone(),
                        _ => row.component.clone(),
                    };
                    value.map(|v| (name.to_string(), v))
                })
                .collect(),
        };
        let lines = vec![
            format!("Incident: {}", row.title),
            "Creates an Alertmanager silence for every alert the matchers select.".to_string(),
            "Matchers: name=\"value\", name!=\"v\", name=~\"re\", comma separated.".to_string(),
        ];
        let fields = vec![
            Field {
                label: "duration",
                value: SILENCE_DEFAULT.to_string(),
            },
            Field {
                label: "comment",
                value: String::new(),
            },
            Field {
                label: "matchers",
                value: format_labels(&labels),
            },
        ];
        Ok(Dialog::new(
            "Silence alerts",
            "silence",
            lines,
            fields,
            Intent::Silence,
        ))
    }

    /// Expire one of the row's active silences, the first by default.
    pub fn expire(row: &IncidentRow, state: &IncidentsState) -> Result<Dialog, String> {
        let active: Vec<&Silence> = state
            .silences_of(row)
            .into_iter()
            .filter(|s| s.status != SilenceState::Expired)
            .collect();
        let Some(first) = active.first() else {
            return Err("no active silence on this incident".to_string());
        };
        let mut lines = vec![
            format!("Incident: {}", row.title),
            "Expires the silence now; its alerts notify again.".to_string(),
        ];
        for silence in &active {
            let matchers: Vec<String> = silence.matchers.iter().map(Matcher::to_string).collect();
            lines.push(format!(
                "{}  by {}: {}  [{}]",
                short_id(&silence.id),
                silence.created_by,
                silence.comment,
                matchers.join(", ")
            ));
        }
        let fields = vec![Field {
            label: "silence id",
            value: short_id(&first.id).to_string(),
        }];
        Ok(Dialog::new(
            "Expire silence",
            "expire",
            lines,
            fields,
            Intent::Expire,
        ))
    }

    /// Resolve the row's open agent incidents.
    pub fn resolve(row: &IncidentRow, ctx: &ActionContext) -> Result<Dialog, String> {
        let incident_ids: Vec<String> = row
            .signals
            .iter()
            .filter(|s| s.is_firing())
            .filter_map(|s| s.key.strip_prefix("incident:"))
            .map(str::to_string)
            .collect();
        if incident_ids.is_empty() {
            return Err(
                "no open agent incident here: alerts resolve when their condition clears".to_string(),
            );
        }
        let mut lines = vec![format!("Incident: {}", row.title)];
        for id in &incident_ids {
            lines.push(format!("agent: resolve incident {id} as {}", ctx.author));
        }
        lines.push("The agent opens a new incident if the condition is still there.".to_string());
        let fields = vec![Field {
            label: "comment",
            value: String::new(),
        }];
        Ok(Dialog::new(
            "Resolve",
            "resolve",
            lines,
            fields,
            Intent::Resolve { incident_ids },
        ))
    }

    fn new(
        title: &'static str,
        label: &'static str,
        lines: Vec<String>,
        fields: Vec<Field>,
        intent: Intent,
    ) -> Dialog {
        Dialog {
            title,
            lines,
            fields,
            focus: 0,
            error: None,
            busy: false,
            label,
            intent,
        }
    }

    pub fn focused_mut(&mut self) -> Option<&mut String> {
        self.fields.get_mut(self.focus).map(|f| &mut f.value)
    }

    pub fn move_focus(&mut self, forward: bool) {
        let n = self.fields.len();
        if n > 0 {
            self.focus = if forward {
                (self.focus + 1) % n
            } else {
                (self.focus + n - 1) % n
            };
        }
    }

    /// The plan the fields describe, or why there is none.
    pub fn plan(&self, state: &IncidentsState, ctx: &ActionContext) -> Result<ActionPlan, String> {
        let steps = match &self.intent {
            Intent::Ack { incident_ids, groups } => {
                let request = request(
                    ctx.author,
                    Some(format!("acknowledged in mdops by {}", ctx.author)),
                );
                let mut steps: Vec<ActionStep> = incident_ids
                    .iter()
                    .map(|id| ActionStep::AckIncident {
                        id: id.clone(),
                        request: request.clone(),
                    })
                    .collect();
                for (labels, existing) in groups {
                    let silence = match existing {
                        Some(ack) => extend_ack(ack, ctx.now_ms, ctx.ack_duration),
                        None => ack_silence(labels, ctx.author, ctx.now_ms, ctx.ack_duration)
                            .map_err(|e| e.to_string())?,
                    };
                    steps.push(ActionStep::CreateSilence(silence));
                }
                steps
            }
            Intent::Silence => vec![ActionStep::CreateSilence(self.silence_from_fields(ctx)?)],
            Intent::Expire => {
                let wanted = self.fields[0].value.trim();
                let id = state
                    .silences
                    .iter()
                    .filter(|s| s.status != SilenceState::Expired)
                    .find(|s| !wanted.is_empty() && (s.id == wanted || short_id(&s.id) == wanted))
                    .map(|s| s.id.clone())
                    .ok_or_else(|| format!("no active silence {wanted:?}"))?;
                vec![ActionStep::ExpireSilence { id }]
            }
            Intent::Resolve { incident_ids } => {
                let comment = self.fields[0].value.trim();
                let comment = (!comment.is_empty()).then(|| comment.to_string());
                let request = request(ctx.author, comment);
                incident_ids
                    .iter()
                    .map(|id| ActionStep::ResolveIncident {
                        id: id.clone(),
                        request: request.clone(),
                    })
                    .collect()
            }
        };
        Ok(ActionPlan {
            label: self.label.to_string(),
            steps,
        })
    }

    fn silence_from_fields(&self, ctx: &ActionContext) -> Result<NewSilence, String> {
        let duration = parse_duration(self.fields[0].value.trim()).map_err(|e| format!("duration: {e}"))?;
        let comment = self.fields[1].value.trim();
        if comment.is_empty() {
            return Err("comment: say why (it is shown to everyone the silence mutes)".to_string());
        }
        let matchers = parse_matchers(&self.fields[2].value).map_err(|e| format!("matchers: {e}"))?;
        let mut silence = silence_for(&BTreeMap::new(), ctx.author, ctx.now_ms, duration, comment);
        silence.matchers = matchers;
        silence.validate().map_err(|e| e.to_string())?;
        Ok(silence)
    }
}

fn request(author: &str, comment: Option<String>) -> IncidentActionRequest {
    IncidentActionRequest {
        author: author.to_string(),
        comment,
    }
}

/// `a="1", b="2"`: labels as equality matchers in Alertmanager's syntax.
pub fn format_labels(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(name, value)| Matcher::equal(name, value).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Matchers as typed: `name="value"` (also `!=`, `=~`, `!~`), separated by
/// commas; values in double quotes with `\"` and `\\` escapes, or bare
/// words without commas or spaces.
pub fn parse_matchers(text: &str) -> Result<Vec<Matcher>, String> {
    let mut matchers = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let name_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if name_len == 0 {
            return Err(format!("expected a label name at {:?}", clip(rest)));
        }
        let name = &rest[..name_len];
        rest = rest[name_len..].trim_start();
        let (is_equal, is_regex, op_len) = if rest.starts_with("=~") {
            (true, true, 2)
        } else if rest.starts_with("!~") {
            (false, true, 2)
        } else if rest.starts_with("!=") {
            (false, false, 2)
        } else if rest.starts_with('=') {
            (true, false, 1)
        } else {
            return Err(format!("expected =, !=, =~ or !~ after {name}"));
        };
        rest = rest[op_len..].trim_start();
        let (value, after) = if let Some(quoted) = rest.strip_prefix('"') {
            unquote(quoted).ok_or_else(|| format!("unterminated quote in the value of {name}"))?
        } else {
            let end = rest.find([',', ' ']).unwrap_or(rest.len());
            (rest[..end].to_string(), &rest[end..])
        };
        matchers.push(Matcher {
            name: name.to_string(),
            value,
            is_regex,
            is_equal,
        });
        rest = after.trim_start();
        if let Some(next) = rest.strip_prefix(',') {
            rest = next.trim_start();
        } else if !rest.is_empty() {
            return Err(format!("expected a comma before {:?}", clip(rest)));
        }
    }
    if matchers.is_empty() {
        return Err("none given".to_string());
    }
    Ok(matchers)
}

/// The value of a quoted string (after its opening quote) and the text
/// after its closing quote.
fn unquote(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &text[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}

fn clip(text: &str) -> String {
    text.chars().take(20).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_round_trip_through_their_display() {
        let typed =
            r#"alertname="MdaFeedStale", service!="x", symbol=~"AA.*", code!~"5..", note="a \"q\" \\ b""#;
        let matchers = parse_matchers(typed).unwrap();
        assert_eq!(matchers.len(), 5);
        assert_eq!(matchers[4].value, r#"a "q" \ b"#);
        let shown: Vec<String> = matchers.iter().map(Matcher::to_string).collect();
        assert_eq!(parse_matchers(&shown.join(", ")).unwrap(), matchers);
    }

    #[test]
    fn bare_values_and_spacing_are_accepted() {
        let matchers = parse_matchers(" service = mda ,component=feed").unwrap();
        assert_eq!(
            matchers,
            vec![
                Matcher::equal("service", "mda"),
                Matcher::equal("component", "feed")
            ]
        );
    }

    #[test]
    fn malformed_matchers_say_what_is_wrong() {
        for (text, expected) in [
            ("", "none given"),
            ("=x", "expected a label name"),
            ("a x", "expected =, !=, =~ or !~ after a"),
            (r#"a="open"#, "unterminated quote"),
            (r#"a="1" b="2""#, "expected a comma"),
        ] {
            let error = parse_matchers(text).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}
