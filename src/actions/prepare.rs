//! From a runbook action and what is selected to a request ready to run,
//! with every safety check on the way: read-only mode, the operator's role,
//! the target the scope needs, the bounds of a prompt, and the target's
//! name typed for a destructive action. Pure, so the console and
//! `mdops action` refuse and confirm alike.

use std::collections::BTreeMap;

use super::exec::Invocation;
use super::runbook::{Action, Kind, Role, Scope, substitute};

/// What an action would act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub scope: Scope,
    pub name: String,
}

/// Who acts, where, and under which restrictions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionEnv {
    pub user: String,
    pub role: Role,
    pub read_only: bool,
    /// Kubernetes context and namespace, when a cluster is configured.
    pub kube: Option<(String, String)>,
    pub agent_url: String,
    pub alertmanager: bool,
}

impl ActionEnv {
    /// Where an action acts, for the audit log.
    pub fn context(&self) -> BTreeMap<String, String> {
        let mut context = BTreeMap::from([("agent".to_string(), self.agent_url.clone())]);
        if let Some((kube_context, namespace)) = &self.kube {
            context.insert("kube_context".to_string(), kube_context.clone());
            context.insert("namespace".to_string(), namespace.clone());
        }
        context
    }
}

/// An editable value the operator gives before confirming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptField {
    /// The request parameter it fills.
    pub param: &'static str,
    pub label: &'static str,
    pub initial: String,
}

/// An action about to be confirmed: what it will do, what it asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub action: Action,
    pub target: Option<String>,
    /// What will happen, for the operator to read first.
    pub lines: Vec<String>,
    pub prompts: Vec<PromptField>,
    /// The name that must be typed to confirm (destructive actions).
    pub confirm_name: Option<String>,
    /// The API can try it first without changing anything.
    pub dry_run_supported: bool,
    fixed: BTreeMap<String, String>,
}

/// A confirmed action, as the engine runs it and the audit log records it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub action: Action,
    pub target: Option<String>,
    pub params: BTreeMap<String, String>,
    pub dry_run: bool,
    pub user: String,
    pub context: BTreeMap<String, String>,
    /// For `exec`: the program as it will run.
    pub invocation: Option<Invocation>,
}

impl Request {
    /// `restart deployment mda-agent`, `backup-now`.
    pub fn describe(&self) -> String {
        match &self.target {
            Some(target) => format!("{} {} {target}", self.action.name, self.action.scope.as_str()),
            None => self.action.name.clone(),
        }
    }
}

/// Why an action cannot be offered or run.
pub fn refusal(action: &Action, target: Option<&Target>, env: &ActionEnv) -> Option<String> {
    if env.read_only && action.mutates {
        return Some("read-only (--read-only or a replay)".to_string());
    }
    if !action.roles.contains(&env.role) {
        let roles: Vec<&str> = action.roles.iter().map(|r| r.as_str()).collect();
        return Some(format!(
            "needs role {} (you are {})",
            roles.join(" or "),
            env.role.as_str()
        ));
    }
    let kube = matches!(action.kind, Kind::KubeRestart | Kind::KubeScale { .. });
    if kube && env.kube.is_none() {
        return Some("needs Kubernetes: --kube-context / --namespace or a kubeconfig".to_string());
    }
    if action.kind == Kind::AlertmanagerSilence && !env.alertmanager {
        return Some("needs Alertmanager (--alertmanager URL)".to_string());
    }
    if action.scope != Scope::Global && target.is_none_or(|t| t.scope != action.scope) {
        return Some(format!("select a {} first", action.scope.as_str()));
    }
    None
}

/// Prepares `action` on `target`; `current_replicas` pre-fills the scale
/// prompt. `Err` is the refusal, worded for the operator.
pub fn prepare(
    action: &Action,
    target: Option<&Target>,
    env: &ActionEnv,
    current_replicas: Option<i32>,
) -> Result<Prepared, String> {
    if let Some(why) = refusal(action, target, env) {
        return Err(why);
    }
    let target_name = (action.scope != Scope::Global)
        .then(|| target.map(|t| t.name.clone()))
        .flatten();
    let on = |what: &str| match &target_name {
        Some(name) => format!("{what} {name}"),
        None => what.to_string(),
    };
    let namespace = env.kube.as_ref().map_or("", |(_, ns)| ns.as_str());
    let mut fixed = BTreeMap::new();
    let mut prompts = Vec::new();
    let mut lines = vec![action.description.clone()];
    match &action.kind {
        Kind::KubeRestart => lines.push(format!(
            "patch {} in namespace {namespace}: pod template annotation kubectl.kubernetes.io/restartedAt = now",
            on("deployment")
        )),
        Kind::KubeScale { min, max } => {
            let current = current_replicas.map_or("unknown".to_string(), |r| r.to_string());
            lines.push(format!(
                "set {} in namespace {namespace} to the replicas given ({min} to {max}; now {current})",
                on("deployment")
            ));
            prompts.push(PromptField {
                param: "replicas",
                label: "replicas",
                initial: current_replicas.map(|r| r.to_string()).unwrap_or_default(),
            });
        }
        Kind::AgentCircuit { state } => {
            fixed.insert("source".to_string(), target_name.clone().unwrap_or_default());
            fixed.insert("state".to_string(), state.as_str().to_string());
            lines.push(format!("agent {}: circuit breaker of {} -> {}", env.agent_url, on("source"), state.as_str()));
        }
        Kind::AgentFailover | Kind::AgentCacheFlush | Kind::AgentBackupNow | Kind::AgentRestoreDrill => {
            let route = action.kind.agent_action().unwrap_or_default();
            lines.push(format!("agent {}: POST /api/v1/actions/{route}", env.agent_url));
        }
        Kind::AlertmanagerSilence => {
            lines.push("Alertmanager: a silence with the matchers, duration and comment given".to_string());
            for (param, label, initial) in [
                ("matchers", "matchers", String::new()),
                ("duration", "duration", "2h".to_string()),
                ("comment", "comment", String::new()),
            ] {
                prompts.push(PromptField { param, label, initial });
            }
        }
        Kind::Exec(spec) => {
            let invocation = invocation(spec, target_name.as_deref(), env);
            lines.push(format!("run: {}", invocation.display()));
            lines.push(format!("killed after {}s", spec.timeout.as_secs()));
        }
    }
    let confirm_name = action
        .destructive
        .then(|| target_name.clone().unwrap_or_else(|| action.name.clone()));
    Ok(Prepared {
        action: action.clone(),
        target: target_name,
        lines,
        prompts,
        confirm_name,
        dry_run_supported: matches!(action.kind, Kind::KubeRestart | Kind::KubeScale { .. }),
        fixed,
    })
}

impl Prepared {
    /// The request once the prompts are answered and the name typed, or
    /// why not. `values` are in `prompts` order.
    pub fn confirm(
        &self,
        values: &[String],
        typed_name: &str,
        dry_run: bool,
        env: &ActionEnv,
    ) -> Result<Request, String> {
        if let Some(name) = &self.confirm_name
            && !dry_run
            && typed_name.trim() != name
        {
            return Err(format!("type {name:?} to confirm"));
        }
        let mut params = self.fixed.clone();
        for (field, value) in self.prompts.iter().zip(values) {
            params.insert(field.param.to_string(), value.trim().to_string());
        }
        if let Kind::KubeScale { min, max } = self.action.kind {
            let replicas = params.get("replicas").map(String::as_str).unwrap_or_default();
            match replicas.parse::<i32>() {
                Ok(n) if (min..=max).contains(&n) => {}
                _ => {
                    return Err(format!(
                        "replicas: a whole number from {min} to {max}, got {replicas:?}"
                    ));
                }
            }
        }
        if self.action.kind == Kind::AlertmanagerSilence {
            for param in ["matchers", "duration", "comment"] {
                if params.get(param).is_none_or(|v| v.is_empty()) {
                    return Err(format!("{param}: required"));
                }
            }
        }
        let invocation = match &self.action.kind {
            Kind::Exec(spec) => Some(invocation(spec, self.target.as_deref(), env)),
            _ => None,
        };
        Ok(Request {
            action: self.action.clone(),
            target: self.target.clone(),
            params,
            dry_run,
            user: env.user.clone(),
            context: env.context(),
            invocation,
        })
    }
}

fn invocation(spec: &super::runbook::ExecSpec, target: Option<&str>, env: &ActionEnv) -> Invocation {
    let value_of = |name: &str| match name {
        "target" => target.unwrap_or_default().to_string(),
        "namespace" => env.kube.as_ref().map(|(_, ns)| ns.clone()).unwrap_or_default(),
        "context" => env.kube.as_ref().map(|(c, _)| c.clone()).unwrap_or_default(),
        "user" => env.user.clone(),
        "agent" => env.agent_url.clone(),
        _ => String::new(),
    };
    Invocation {
        program: substitute(&spec.program, value_of),
        args: spec.args.iter().map(|arg| substitute(arg, value_of)).collect(),
        timeout: spec.timeout,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::runbook::Runbooks;

    fn env() -> ActionEnv {
        ActionEnv {
            user: "ann".to_string(),
            role: Role::Operator,
            read_only: false,
            kube: Some(("prod-eu".to_string(), "mda".to_string())),
            agent_url: "http://127.0.0.1:8080/".to_string(),
            alertmanager: true,
        }
    }

    fn deployment(name: &str) -> Target {
        Target {
            scope: Scope::Deployment,
            name: name.to_string(),
        }
    }

    #[test]
    fn read_only_role_and_target_are_checked_before_anything_is_shown() {
        let runbooks = Runbooks::embedded();
        let restart = runbooks.get("restart").unwrap();
        let read_only = ActionEnv {
            read_only: true,
            ..env()
        };
        assert!(
            prepare(restart, Some(&deployment("mda")), &read_only, None)
                .unwrap_err()
                .contains("read-only")
        );
        // A read-only command still runs in read-only mode.
        let status = runbooks.get("rollout-status").unwrap();
        assert!(prepare(status, Some(&deployment("mda")), &read_only, None).is_ok());
        let viewer = ActionEnv {
            role: Role::Viewer,
            ..env()
        };
        assert_eq!(
            prepare(restart, Some(&deployment("mda")), &viewer, None).unwrap_err(),
            "needs role operator or admin (you are viewer)"
        );
        assert_eq!(
            prepare(restart, None, &env(), None).unwrap_err(),
            "select a deployment first"
        );
        let no_kube = ActionEnv { kube: None, ..env() };
        assert!(
            prepare(restart, Some(&deployment("mda")), &no_kube, None)
                .unwrap_err()
                .contains("Kubernetes")
        );
        let cache = runbooks.get("cache-flush").unwrap();
        assert!(
            prepare(cache, None, &env(), None)
                .unwrap_err()
                .contains("needs role admin")
        );
    }

    #[test]
    fn destructive_actions_need_the_target_name_typed() {
        let runbooks = Runbooks::embedded();
        let prepared = prepare(
            runbooks.get("restart").unwrap(),
            Some(&deployment("mda-agent")),
            &env(),
            None,
        )
        .unwrap();
        assert_eq!(prepared.confirm_name.as_deref(), Some("mda-agent"));
        assert!(prepared.dry_run_supported);
        assert!(prepared.lines.iter().any(|l| l.contains("restartedAt")));
        assert_eq!(
            prepared.confirm(&[], "mda", false, &env()).unwrap_err(),
            "type \"mda-agent\" to confirm"
        );
        let request = prepared.confirm(&[], " mda-agent ", false, &env()).unwrap();
        assert_eq!(request.describe(), "restart deployment mda-agent");
        assert_eq!(request.context["namespace"], "mda");
        // A dry run changes nothing, so it needs no typed name.
        assert!(prepared.confirm(&[], "", true, &env()).unwrap().dry_run);
    }

    #[test]
    fn scale_is_bounded_by_the_runbook() {
        let runbooks = Runbooks::embedded();
        let prepared = prepare(
            runbooks.get("scale").unwrap(),
            Some(&deployment("mda")),
            &env(),
            Some(3),
        )
        .unwrap();
        assert_eq!(prepared.prompts[0].initial, "3");
        for bad in ["0", "13", "two", ""] {
            let error = prepared
                .confirm(&[bad.to_string()], "", false, &env())
                .unwrap_err();
            assert!(error.contains("from 1 to 12"), "{bad}: {error}");
        }
        let request = prepared.confirm(&["5".to_string()], "", false, &env()).unwrap();
        assert_eq!(request.params["replicas"], "5");
    }

    #[test]
    fn circuit_actions_carry_source_and_state() {
        let runbooks = Runbooks::embedded();
        let source = Target {
            scope: Scope::Source,
            name: "sim".to_string(),
        };
        let prepared = prepare(runbooks.get("open-circuit").unwrap(), Some(&source), &env(), None).unwrap();
        let request = prepared.confirm(&[], "sim", false, &env()).unwrap();
        assert_eq!(request.params["source"], "sim");
        assert_eq!(request.params["state"], "open");
    }

    #[test]
    fn exec_arguments_are_substituted_whole_never_split() {
        let runbooks = Runbooks::embedded();
        let hostile = deployment("mda; kubectl delete ns mda");
        let prepared = prepare(
            runbooks.get("rollout-status").unwrap(),
            Some(&hostile),
            &env(),
            None,
        )
        .unwrap();
        let request = prepared.confirm(&[], "", false, &env()).unwrap();
        let invocation = request.invocation.unwrap();
        assert_eq!(invocation.program, "kubectl");
        assert!(
            invocation
                .args
                .contains(&"deployment/mda; kubectl delete ns mda".to_string())
        );
        assert!(invocation.args.contains(&"prod-eu".to_string()));
    }
}
