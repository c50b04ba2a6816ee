//! Runbook definitions (`config/runbooks.toml`): parsed, then checked as a
//! whole, every error naming the file, the line and the action.

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

/// The built-in runbooks.
pub const EMBEDDED: &str = include_str!("../../config/runbooks.toml");

/// Variables an `exec` argument may contain.
pub const EXEC_VARIABLES: [&str; 5] = ["target", "namespace", "context", "user", "agent"];

/// What an action acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Deployment,
    Pod,
    Source,
    Incident,
    Global,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Deployment => "deployment",
            Scope::Pod => "pod",
            Scope::Source => "source",
            Scope::Incident => "incident",
            Scope::Global => "global",
        }
    }
}

/// Who the operator is to the console; the agent checks its own tokens too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Operator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

/// The breaker state `agent.circuit` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CircuitState {
    Open,
    Closed,
    Auto,
}

impl CircuitState {
    pub fn as_str(self) -> &'static str {
        match self {
            CircuitState::Open => "open",
            CircuitState::Closed => "closed",
            CircuitState::Auto => "auto",
        }
    }
}

/// What an action does.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    KubeRestart,
    KubeScale { min: i32, max: i32 },
    AgentCircuit { state: CircuitState },
    AgentFailover,
    AgentCacheFlush,
    AgentBackupNow,
    AgentRestoreDrill,
    AlertmanagerSilence,
    Exec(ExecSpec),
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::KubeRestart => "kube.restart",
            Kind::KubeScale { .. } => "kube.scale",
            Kind::AgentCircuit { .. } => "agent.circuit",
            Kind::AgentFailover => "agent.failover",
            Kind::AgentCacheFlush => "agent.cache_flush",
            Kind::AgentBackupNow => "agent.backup_now",
            Kind::AgentRestoreDrill => "agent.restore_drill",
            Kind::AlertmanagerSilence => "alertmanager.silence",
            Kind::Exec(_) => "exec",
        }
    }

    /// The agent's action route name (`POST /api/v1/actions/{name}`).
    pub fn agent_action(&self) -> Option<&'static str> {
        match self {
            Kind::AgentCircuit { .. } => Some("circuit"),
            Kind::AgentFailover => Some("failover"),
            Kind::AgentCacheFlush => Some("cache_flush"),
            Kind::AgentBackupNow => Some("backup_now"),
            Kind::AgentRestoreDrill => Some("restore_drill"),
            _ => None,
        }
    }
}

/// A program run without a shell.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecSpec {
    pub program: String,
    /// Each one a single argument after variable substitution, never split.
    pub args: Vec<String>,
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub name: String,
    /// A single character, bound on the screens of the action's scope.
    pub key: Option<char>,
    pub description: String,
    pub scope: Scope,
    pub roles: Vec<Role>,
    pub destructive: bool,
    /// Changes something: refused in `--read-only` mode.
    pub mutates: bool,
    pub kind: Kind,
    /// How long recovery is watched for afterwards; zero: not watched.
    pub verify: Duration,
}

/// The runbooks in use.
#[derive(Debug, Clone, PartialEq)]
pub struct Runbooks {
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunbookError {
    pub origin: String,
    pub line: Option<usize>,
    pub action: Option<String>,
    pub reason: String,
}

impl fmt::Display for RunbookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(action) = &self.action {
            write!(f, ": action `{action}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for RunbookError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    action: Vec<Spanned<RawAction>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    name: String,
    key: Option<String>,
    description: String,
    scope: Scope,
    roles: Vec<Role>,
    #[serde(default)]
    destructive: bool,
    kind: String,
    #[serde(default)]
    verify_s: u64,
    min: Option<i32>,
    max: Option<i32>,
    state: Option<CircuitState>,
    program: Option<String>,
    args: Option<Vec<String>>,
    timeout_s: Option<u64>,
    mutates: Option<bool>,
}

/// Longest verification window: an hour.
const MAX_VERIFY_S: u64 = 3_600;
/// Longest exec timeout: ten minutes.
const MAX_TIMEOUT_S: u64 = 600;

impl Runbooks {
    pub fn embedded() -> Runbooks {
        Runbooks::parse(EMBEDDED, "config/runbooks.toml").expect("the embedded runbooks are valid")
    }

    pub fn load(path: &std::path::Path) -> Result<Runbooks, RunbookError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| RunbookError {
            origin: origin.clone(),
            line: None,
            action: None,
            reason: format!("cannot read: {e}"),
        })?;
        Runbooks::parse(&text, &origin)
    }

    pub fn parse(text: &str, origin: &str) -> Result<Runbooks, RunbookError> {
        let line_of = |at: usize| {
            text.as_bytes()[..at.min(text.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1
        };
        let file: File = toml::from_str(text).map_err(|e| RunbookError {
            origin: origin.to_string(),
            line: e.span().map(|s| line_of(s.start)),
            action: None,
            reason: e.message().to_string(),
        })?;
        let mut names = HashSet::new();
        let mut actions = Vec::new();
        for spanned in file.action {
            let line = line_of(spanned.span().start);
            let raw = spanned.into_inner();
            let fail = |reason: String| RunbookError {
                origin: origin.to_string(),
                line: Some(line),
                action: Some(raw.name.clone()),
                reason,
            };
            if !names.insert(raw.name.clone()) {
                return Err(fail("a second action with this name".to_string()));
            }
            actions.push(action(&raw).map_err(fail)?);
        }
        let runbooks = Runbooks { actions };
        runbooks.check_keys().map_err(|(name, reason)| RunbookError {
            origin: origin.to_string(),
            line: None,
            action: Some(name),
            reason,
        })?;
        Ok(runbooks)
    }

    pub fn get(&self, name: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.name == name)
    }

    /// Two actions whose scopes meet on a screen may not share a key, nor
    /// take a key the console already uses there.
    fn check_keys(&self) -> Result<(), (String, String)> {
        for (i, a) in self.actions.iter().enumerate() {
            let Some(key) = a.key else { continue };
            if let Some(builtin) = builtin_key_clash(a.scope, key) {
                return Err((a.name.clone(), format!("key `{key}` is already {builtin}")));
            }
            for b in &self.actions[..i] {
                if b.key == Some(key) && scopes_meet(a.scope, b.scope) {
                    return Err((
                        a.name.clone(),
                        format!("key `{key}` is already bound to action `{}`", b.name),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Scopes whose keys are live on one screen at once.
fn scopes_meet(a: Scope, b: Scope) -> bool {
    a == b
        || a == Scope::Global
        || b == Scope::Global
        || matches!(
            (a, b),
            (Scope::Deployment, Scope::Pod) | (Scope::Pod, Scope::Deployment)
        )
}

/// The console's own key a runbook key would shadow on the screens of
/// `scope`, worded for the error.
fn builtin_key_clash(scope: Scope, key: char) -> Option<String> {
    const GLOBAL: &str = "123456789q?:x/";
    const PRICES: &str = "jkgGsSi";
    const INCIDENTS: &str = "jkgGrasRe";
    const CLUSTER: &str = "jkgGhl";
    const SLOS: &str = "jkgG";
    const TIMELINE: &str = "jkgGsaicue";
    let screens: &[(&str, &str)] = match scope {
        Scope::Deployment | Scope::Pod => &[("the cluster screen", CLUSTER)],
        Scope::Source => &[("the prices screen", PRICES)],
        Scope::Incident => &[("the incidents screen", INCIDENTS)],
        Scope::Global => &[
            ("the prices screen", PRICES),
            ("the SLO screen", SLOS),
            ("the incidents screen", INCIDENTS),
            ("the cluster screen", CLUSTER),
            ("the timeline screen", TIMELINE),
        ],
    };
    if GLOBAL.contains(key) {
        return Some("a global key of the console".to_string());
    }
    screens
        .iter()
        .find(|(_, keys)| keys.contains(key))
        .map(|(screen, _)| format!("a key of {screen}"))
}

fn action(raw: &RawAction) -> Result<Action, String> {
    if raw.name.is_empty()
        || !raw
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err("name: letters, digits, - and _ only".to_string());
    }
    let key = match raw.key.as_deref() {
        None => None,
        Some(text) => {
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if !c.is_control() && !c.is_whitespace() => Some(c),
                _ => return Err(format!("key {text:?}: one printable character")),
            }
        }
    };
    if raw.roles.is_empty() {
        return Err("roles: at least one of viewer, operator, admin".to_string());
    }
    if raw.verify_s > MAX_VERIFY_S {
        return Err(format!("verify_s: at most {MAX_VERIFY_S}"));
    }
    let unexpected = |field: &str, present: bool| {
        if present {
            Err(format!("`{field}` does not apply to kind {}", raw.kind))
        } else {
            Ok(())
        }
    };
    let exec_fields =
        raw.program.is_some() || raw.args.is_some() || raw.timeout_s.is_some() || raw.mutates.is_some();
    if raw.kind != "exec" {
        unexpected("program/args/timeout_s/mutates", exec_fields)?;
    }
    if raw.kind != "kube.scale" {
        unexpected("min/max", raw.min.is_some() || raw.max.is_some())?;
    }
    if raw.kind != "agent.circuit" {
        unexpected("state", raw.state.is_some())?;
    }
    let needs_scope = |scope: Scope| {
        if raw.scope == scope {
            Ok(())
        } else {
            Err(format!(
                "kind {} acts on a {}: scope must be \"{}\"",
                raw.kind,
                scope.as_str(),
                scope.as_str()
            ))
        }
    };
    let kind = match raw.kind.as_str() {
        "kube.restart" => {
            needs_scope(Scope::Deployment)?;
            Kind::KubeRestart
        }
        "kube.scale" => {
            needs_scope(Scope::Deployment)?;
            let (Some(min), Some(max)) = (raw.min, raw.max) else {
                return Err("kube.scale needs `min` and `max` replicas".to_string());
            };
            if min < 0 || max < min {
                return Err(format!("min {min} and max {max}: need 0 <= min <= max"));
            }
            Kind::KubeScale { min, max }
        }
        "agent.circuit" => {
            needs_scope(Scope::Source)?;
            let state = raw
                .state
                .ok_or("agent.circuit needs `state`: open, closed or auto")?;
            Kind::AgentCircuit { state }
        }
        "agent.failover" => Kind::AgentFailover,
        "agent.cache_flush" => Kind::AgentCacheFlush,
        "agent.backup_now" => Kind::AgentBackupNow,
        "agent.restore_drill" => Kind::AgentRestoreDrill,
        "alertmanager.silence" => {
            needs_scope(Scope::Incident)?;
            Kind::AlertmanagerSilence
        }
        "exec" => Kind::Exec(exec_spec(raw)?),
        other => {
            return Err(format!(
                "unknown kind {other:?}: kube.restart, kube.scale, agent.circuit, agent.failover, \
                 agent.cache_flush, agent.backup_now, agent.restore_drill, alertmanager.silence or exec"
            ));
        }
    };
    Ok(Action {
        name: raw.name.clone(),
        key,
        description: raw.description.clone(),
        scope: raw.scope,
        roles: raw.roles.clone(),
        destructive: raw.destructive,
        mutates: raw.mutates.unwrap_or(true),
        kind,
        verify: Duration::from_secs(raw.verify_s),
    })
}

fn exec_spec(raw: &RawAction) -> Result<ExecSpec, String> {
    let program = raw
        .program
        .clone()
        .filter(|p| !p.trim().is_empty())
        .ok_or("exec needs `program`")?;
    let args = raw.args.clone().unwrap_or_default();
    for text in std::iter::once(&program).chain(&args) {
        for name in variables(text)? {
            if !EXEC_VARIABLES.contains(&name) {
                return Err(format!(
                    "unknown variable {{{name}}} in {text:?}; known: {}",
                    EXEC_VARIABLES.join(", ")
                ));
            }
        }
    }
    let timeout_s = raw.timeout_s.unwrap_or(30);
    if !(1..=MAX_TIMEOUT_S).contains(&timeout_s) {
        return Err(format!("timeout_s: from 1 to {MAX_TIMEOUT_S}"));
    }
    Ok(ExecSpec {
        program,
        args,
        timeout: Duration::from_secs(timeout_s),
    })
}

/// The `{name}` variables in `text`; `{{` and `}}` stand for braces.
pub fn variables(text: &str) -> Result<Vec<&str>, String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        let after = &rest[open + 1..];
        if rest[open..].starts_with("{{") || rest[open..].starts_with("}}") {
            rest = &after[1..];
            continue;
        }
        if rest.as_bytes()[open] == b'}' {
            return Err(format!("unmatched }} in {text:?}"));
        }
        let close = after
            .find('}')
            .ok_or_else(|| format!("unclosed {{ in {text:?}"))?;
        found.push(&after[..close]);
        rest = &after[close + 1..];
    }
    Ok(found)
}

/// `text` with every `{name}` replaced by its value (`{{`/`}}`: braces).
pub fn substitute(text: &str, value_of: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        match tail[1..].find('}').filter(|_| tail.starts_with('{')) {
            Some(close) => {
                out.push_str(&value_of(&tail[1..1 + close]));
                rest = &tail[close + 2..];
            }
            None => {
                out.push_str(tail);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(body: &str) -> Result<Runbooks, RunbookError> {
        Runbooks::parse(&format!("[[action]]\n{body}"), "mine.toml")
    }

    const BASE: &str = "name = \"x\"\ndescription = \"d\"\nroles = [\"operator\"]\n";

    #[test]
    fn the_embedded_runbooks_cover_every_kind() {
        let runbooks = Runbooks::embedded();
        let kinds: HashSet<&str> = runbooks.actions.iter().map(|a| a.kind.name()).collect();
        for kind in [
            "kube.restart",
            "kube.scale",
            "agent.circuit",
            "agent.failover",
            "agent.cache_flush",
            "agent.backup_now",
            "agent.restore_drill",
            "alertmanager.silence",
            "exec",
        ] {
            assert!(kinds.contains(kind), "{kind} missing");
        }
        let restart = runbooks.get("restart").unwrap();
        assert_eq!(
            (restart.key, restart.destructive, restart.scope),
            (Some('r'), true, Scope::Deployment)
        );
        assert!(!runbooks.get("rollout-status").unwrap().mutates);
    }

    #[test]
    fn errors_name_the_file_line_and_action() {
        let error = Runbooks::parse(
            "[[action]]\nname = \"a\"\ndescription = \"d\"\nscope = \"global\"\nroles = [\"admin\"]\nkind = \"agent.failover\"\n\n[[action]]\nname = \"b\"\ndescription = \"d\"\nscope = \"deployment\"\nroles = [\"admin\"]\nkind = \"kube.scale\"\n",
            "mine.toml",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "mine.toml:8: action `b`: kube.scale needs `min` and `max` replicas"
        );
        let typo = one(&format!(
            "{BASE}scope = \"global\"\nkind = \"agent.failover\"\nverfy_s = 3\n"
        ))
        .unwrap_err();
        assert!(typo.to_string().starts_with("mine.toml:"), "{typo}");
        assert!(typo.reason.contains("verfy_s"), "{typo}");
    }

    #[test]
    fn kinds_check_their_scope_and_fields() {
        for (body, expected) in [
            (
                "scope = \"global\"\nkind = \"kube.restart\"\n",
                "scope must be \"deployment\"",
            ),
            ("scope = \"source\"\nkind = \"agent.circuit\"\n", "needs `state`"),
            (
                "scope = \"global\"\nkind = \"agent.failover\"\nmin = 1\n",
                "`min/max` does not apply",
            ),
            (
                "scope = \"deployment\"\nkind = \"kube.scale\"\nmin = 5\nmax = 2\n",
                "need 0 <= min <= max",
            ),
            ("scope = \"global\"\nkind = \"exec\"\n", "exec needs `program`"),
            (
                "scope = \"global\"\nkind = \"exec\"\nprogram = \"echo\"\nargs = [\"{pod}\"]\n",
                "unknown variable {pod}",
            ),
            (
                "scope = \"global\"\nkind = \"exec\"\nprogram = \"echo\"\ntimeout_s = 0\n",
                "timeout_s",
            ),
            ("scope = \"global\"\nkind = \"teleport\"\n", "unknown kind"),
            (
                "scope = \"global\"\nkind = \"agent.failover\"\nkey = \"ab\"\n",
                "one printable character",
            ),
        ] {
            let error = one(&format!("{BASE}{body}")).unwrap_err();
            assert!(error.reason.contains(expected), "{body}: {error}");
        }
    }

    #[test]
    fn key_clashes_name_both_bindings() {
        let error = Runbooks::parse(
            "[[action]]\nname = \"a\"\nkey = \"F\"\ndescription = \"d\"\nscope = \"global\"\nroles = [\"admin\"]\nkind = \"agent.failover\"\n\
             [[action]]\nname = \"b\"\nkey = \"F\"\ndescription = \"d\"\nscope = \"deployment\"\nroles = [\"admin\"]\nkind = \"kube.restart\"\n",
            "mine.toml",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "mine.toml: action `b`: key `F` is already bound to action `a`"
        );
        let builtin = one(&format!(
            "{BASE}key = \"j\"\nscope = \"global\"\nkind = \"agent.failover\"\n"
        ))
        .unwrap_err();
        assert!(
            builtin.reason.contains("already a key of the prices screen"),
            "{builtin}"
        );
        // Different screens: no clash.
        Runbooks::parse(
            "[[action]]\nname = \"a\"\nkey = \"Z\"\ndescription = \"d\"\nscope = \"incident\"\nroles = [\"admin\"]\nkind = \"alertmanager.silence\"\n\
             [[action]]\nname = \"b\"\nkey = \"Z\"\ndescription = \"d\"\nscope = \"deployment\"\nroles = [\"admin\"]\nkind = \"kube.restart\"\n",
            "mine.toml",
        )
        .unwrap();
    }

    #[test]
    fn variables_are_found_and_replaced_whole() {
        assert_eq!(variables("deployment/{target} {{x}}").unwrap(), ["target"]);
        assert!(variables("a}b").is_err());
        assert!(variables("{open").is_err());
        let value = |name: &str| match name {
            "target" => "mda; rm -rf /".to_string(),
            other => format!("<{other}>"),
        };
        assert_eq!(
            substitute("deployment/{target}", value),
            "deployment/mda; rm -rf /"
        );
        assert_eq!(
            substitute("{{literal}} {namespace}", value),
            "{literal} <namespace>"
        );
    }
}
