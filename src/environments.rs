//! Environments: the agents (with their Prometheus, Alertmanager and
//! cluster) one console watches, e.g. prod-us and prod-eu. Without
//! `[[environments]]` there is one, built from the flags and the sections
//! exactly as before, named by `console.environment`.

use serde::Deserialize;

use crate::cli::GlobalArgs;
use crate::config::Config;
use crate::sources::kube::KubeTarget;

/// One `[[environments]]` entry.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnvironmentSection {
    pub name: String,
    /// Base URL of its agent; empty: an agent started in-process.
    pub agent: String,
    /// Bearer token file for its agent's acting routes (chmod 600).
    pub agent_token_file: String,
    /// Empty: its SLOs come from scraping its agent (active environment
    /// only; the overview says "no Prometheus" for the others).
    pub prometheus: String,
    pub alertmanager: String,
    /// Kubernetes context; it or `namespace` set turns the cluster on.
    pub kube_context: String,
    pub namespace: String,
}

/// An environment as the console reaches it.
#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    pub name: String,
    /// `None`: the agent runs in-process.
    pub agent: Option<String>,
    pub token_file: String,
    pub prometheus: Option<String>,
    pub alertmanager: Option<String>,
    pub kube: Option<KubeTarget>,
    /// Configured by `[[environments]]` (the header then names it).
    pub named: bool,
}

/// The longest environment name: it heads a column of the overview.
const MAX_NAME: usize = 32;

/// Checks `[[environments]]`: the failing key and why.
pub fn validate(config: &Config) -> Result<(), (String, String)> {
    let implicit = &config.console.environment;
    if let Err(why) = check_name(implicit) {
        return Err(("console.environment".to_string(), why));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, env) in config.environments.iter().enumerate() {
        let key = |field: &str| format!("environments[{i}].{field}");
        check_name(&env.name).map_err(|why| (key("name"), why))?;
        if seen.contains(&env.name.as_str()) {
            return Err((key("name"), format!("duplicate environment name `{}`", env.name)));
        }
        seen.push(&env.name);
        for (field, url) in [
            ("agent", &env.agent),
            ("prometheus", &env.prometheus),
            ("alertmanager", &env.alertmanager),
        ] {
            if !url.is_empty() {
                check_url(url).map_err(|why| (key(field), why))?;
            }
        }
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(format!("must be 1 to {MAX_NAME} characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!("`{name}`: letters, digits, `-`, `_` and `.` only"));
    }
    Ok(())
}

fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("`{url}`: scheme must be http or https"));
    }
    Ok(())
}

/// Every environment, in config order, and the index of the one the console
/// starts on (`--env`, else the first).
pub fn resolve(global: &GlobalArgs, config: &Config) -> anyhow::Result<(Vec<Environment>, usize)> {
    let environments = if config.environments.is_empty() {
        vec![implicit(global, config)]
    } else {
        let flags = [
            ("--agent", global.agent.is_some()),
            ("--prometheus", global.prometheus.is_some()),
            ("--alertmanager", global.alertmanager.is_some()),
            ("--kube-context", global.kube_context.is_some()),
            ("--namespace", global.namespace.is_some()),
        ];
        if let Some((flag, _)) = flags.iter().find(|(_, set)| *set) {
            anyhow::bail!(
                "{flag} cannot be combined with [[environments]] in the config: \
                 set it on the environment, and pick one with --env NAME"
            );
        }
        config.environments.iter().map(|e| named(e, config)).collect()
    };
    let active = match global.env.as_deref() {
        None => 0,
        Some(name) => environments.iter().position(|e| e.name == name).ok_or_else(|| {
            let known: Vec<&str> = environments.iter().map(|e| e.name.as_str()).collect();
            anyhow::anyhow!(
                "unknown environment `{name}` (--env): configured are {}",
                known.join(", ")
            )
        })?,
    };
    Ok((environments, active))
}

/// The environment a header target names (`prod-us: agent ...`, as
/// `Upstream` words it for named environments); `None` for the implicit one.
pub fn named_in_target(target: &str) -> Option<&str> {
    let (name, rest) = target.split_once(": agent ")?;
    (check_name(name).is_ok() && !rest.is_empty()).then_some(name)
}

fn nonempty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_string())
}

/// The one environment of a config without `[[environments]]`.
fn implicit(global: &GlobalArgs, config: &Config) -> Environment {
    use crate::upstream::first_set;
    Environment {
        name: config.console.environment.clone(),
        agent: first_set(&[global.agent.as_deref(), Some(config.agent.url.as_str())]).map(str::to_string),
        token_file: config.agent.token_file.clone(),
        prometheus: first_set(&[global.prometheus.as_deref(), Some(config.prometheus.url.as_str())])
            .map(str::to_string),
        alertmanager: first_set(&[
            global.alertmanager.as_deref(),
            Some(config.alertmanager.url.as_str()),
        ])
        .map(str::to_string),
        kube: crate::upstream::kube_target(global, config),
        named: false,
    }
}

fn named(section: &EnvironmentSection, config: &Config) -> Environment {
    let asked = !section.kube_context.is_empty() || !section.namespace.is_empty();
    Environment {
        name: section.name.clone(),
        agent: nonempty(&section.agent),
        token_file: section.agent_token_file.clone(),
        prometheus: nonempty(&section.prometheus),
        alertmanager: nonempty(&section.alertmanager),
        kube: asked.then(|| KubeTarget {
            kubeconfig: nonempty(&config.kube.kubeconfig).map(std::path::PathBuf::from),
            context: nonempty(&section.kube_context),
            namespace: nonempty(&section.namespace),
        }),
        named: true,
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    const TWO: &str = r#"
[[environments]]
name = "prod-us"
agent = "http://us.example:8080"
prometheus = "http://prom-us.example:9090"
kube_context = "us"
namespace = "mda"

[[environments]]
name = "prod-eu"
agent = "https://eu.example"
agent_token_file = "eu.token"
"#;

    fn global(args: &[&str]) -> GlobalArgs {
        let mut argv = vec!["mdops"];
        argv.extend_from_slice(args);
        crate::cli::Cli::parse_from(argv).global
    }

    #[test]
    fn two_environments_parse_in_order_and_the_first_is_active() {
        let config = Config::parse(TWO, "mine.toml").unwrap();
        let (envs, active) = resolve(&global(&[]), &config).unwrap();
        assert_eq!(active, 0);
        assert_eq!(envs.len(), 2);
        let us = &envs[0];
        assert_eq!(us.name, "prod-us");
        assert_eq!(us.agent.as_deref(), Some("http://us.example:8080"));
        assert_eq!(us.prometheus.as_deref(), Some("http://prom-us.example:9090"));
        let kube = us.kube.as_ref().unwrap();
        assert_eq!(kube.context.as_deref(), Some("us"));
        assert_eq!(kube.namespace.as_deref(), Some("mda"));
        assert!(us.named);
        let eu = &envs[1];
        assert_eq!(eu.token_file, "eu.token");
        assert_eq!(eu.prometheus, None);
        assert_eq!(eu.kube, None, "no kube key: no cluster");
    }

    #[test]
    fn env_flag_picks_the_start_and_an_unknown_one_is_named() {
        let config = Config::parse(TWO, "mine.toml").unwrap();
        let (_, active) = resolve(&global(&["--env", "prod-eu"]), &config).unwrap();
        assert_eq!(active, 1);
        let err = resolve(&global(&["--env", "prod-ap"]), &config)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown environment `prod-ap`"), "{err}");
        assert!(err.contains("prod-us, prod-eu"), "{err}");
    }

    #[test]
    fn without_environments_one_implicit_environment_comes_from_flags_and_sections() {
        let config = Config::parse(
            "[console]\nenvironment = \"staging\"\n[prometheus]\nurl = \"http://p:9090\"\n",
            "mine.toml",
        )
        .unwrap();
        let (envs, active) = resolve(&global(&["--agent", "http://a:1"]), &config).unwrap();
        assert_eq!((envs.len(), active), (1, 0));
        assert_eq!(envs[0].name, "staging");
        assert_eq!(envs[0].agent.as_deref(), Some("http://a:1"));
        assert_eq!(envs[0].prometheus.as_deref(), Some("http://p:9090"));
        assert!(!envs[0].named);
        let (envs, _) = resolve(&global(&[]), &Config::default()).unwrap();
        assert_eq!(envs[0].name, "local");
        assert_eq!(envs[0].agent, None, "no URL: the embedded agent");
        let err = resolve(&global(&["--env", "prod"]), &Config::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("configured are local"), "{err}");
    }

    #[test]
    fn a_target_names_its_environment_when_it_has_one() {
        assert_eq!(named_in_target("prod-eu: agent http://eu:1"), Some("prod-eu"));
        assert_eq!(named_in_target("agent 127.0.0.1:1 (embedded)"), None);
        assert_eq!(named_in_target("bad name: agent http://x"), None);
    }

    #[test]
    fn upstream_flags_and_environments_do_not_mix() {
        let config = Config::parse(TWO, "mine.toml").unwrap();
        let err = resolve(&global(&["--agent", "http://a:1"]), &config)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--agent cannot be combined"), "{err}");
    }

    #[test]
    fn bad_environments_fail_with_their_key() {
        let cases = [
            (
                "[[environments]]\nname = \"a\"\n[[environments]]\nname = \"a\"\n",
                "environments[1].name",
                "duplicate environment name `a`",
            ),
            (
                "[[environments]]\nname = \"a\"\nagent = \"not a url\"\n",
                "environments[0].agent",
                "is not a URL",
            ),
            (
                "[[environments]]\nname = \"a\"\nprometheus = \"ftp://p\"\n",
                "environments[0].prometheus",
                "scheme must be http or https",
            ),
            (
                "[[environments]]\nagent = \"http://a\"\n",
                "environments[0].name",
                "1 to 32",
            ),
            (
                "[[environments]]\nname = \"prod us\"\n",
                "environments[0].name",
                "letters, digits",
            ),
            (
                "[console]\nenvironment = \"\"\n",
                "console.environment",
                "1 to 32",
            ),
        ];
        for (text, key, why) in cases {
            let err = Config::parse(text, "mine.toml").unwrap_err().to_string();
            assert!(err.starts_with("mine.toml"), "{err}");
            assert!(err.contains(key) && err.contains(why), "{text}: {err}");
        }
        let err = Config::parse("[[environments]]\nname = \"a\"\nagnet = \"x\"\n", "mine.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("agnet"), "a typo is named: {err}");
    }
}
