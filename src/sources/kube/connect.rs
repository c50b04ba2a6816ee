//! Which cluster and namespace, decided as kubectl decides: the kubeconfig
//! (`--kubeconfig`, else `KUBECONFIG`'s merged files, else
//! `~/.kube/config`) and its current or named context; in a pod without a
//! kubeconfig, the service account's in-cluster config.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

/// What the operator asked for; `None` means "as kubectl would choose".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubeTarget {
    /// An explicit kubeconfig file (kubectl's `--kubeconfig`), over
    /// `KUBECONFIG` and `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
}

/// A client for one cluster and the namespace the console watches.
#[derive(Clone)]
pub struct KubeConnection {
    pub client: Client,
    pub namespace: String,
    /// The kubeconfig context's name, or "in-cluster".
    pub context: String,
}

impl std::fmt::Debug for KubeConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeConnection")
            .field("namespace", &self.namespace)
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

/// The context name shown for the service account's own cluster.
const IN_CLUSTER: &str = "in-cluster";

/// Loads the configuration and builds the client. Nothing is sent to the
/// API server yet: an unreachable one shows in the watch, not here.
pub async fn connect(target: &KubeTarget) -> anyhow::Result<KubeConnection> {
    let (config, context) = load(target).await?;
    let namespace = match &target.namespace {
        Some(namespace) => namespace.clone(),
        None => config.default_namespace.clone(),
    };
    check_namespace(&namespace)?;
    let client =
        Client::try_from(config).with_context(|| format!("building the Kubernetes client for {context}"))?;
    Ok(KubeConnection {
        client,
        namespace,
        context,
    })
}

async fn load(target: &KubeTarget) -> anyhow::Result<(Config, String)> {
    let Some(kubeconfig) = read_kubeconfig(target.kubeconfig.as_deref())? else {
        if let Some(context) = &target.context {
            bail!(
                "kube context {context:?} asked for, but there is no kubeconfig (KUBECONFIG or ~/.kube/config)"
            );
        }
        if std::env::var_os("KUBERNETES_SERVICE_HOST").is_none() {
            bail!("no kubeconfig (KUBECONFIG or ~/.kube/config) and not running in a pod");
        }
        let config = Config::incluster().context("loading the in-cluster service account config")?;
        return Ok((config, IN_CLUSTER.to_string()));
    };
    let context = match (&target.context, &kubeconfig.current_context) {
        (Some(context), _) => context.clone(),
        (None, Some(current)) if !current.is_empty() => current.clone(),
        _ => bail!("the kubeconfig has no current-context: pass a context (--kube-context)"),
    };
    if !kubeconfig.contexts.iter().any(|c| c.name == context) {
        let known: Vec<&str> = kubeconfig.contexts.iter().map(|c| c.name.as_str()).collect();
        bail!(
            "kube context {context:?} is not in the kubeconfig (contexts: {})",
            known.join(", ")
        );
    }
    let options = KubeConfigOptions {
        context: Some(context.clone()),
        ..KubeConfigOptions::default()
    };
    let config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .with_context(|| format!("loading kube context {context:?}"))?;
    Ok((config, context))
}

/// The kubeconfig kubectl would read, `None` when there is none at all.
fn read_kubeconfig(explicit: Option<&Path>) -> anyhow::Result<Option<Kubeconfig>> {
    if let Some(path) = explicit {
        let config =
            Kubeconfig::read_from(path).with_context(|| format!("reading kubeconfig {}", path.display()))?;
        return Ok(Some(config));
    }
    if let Some(config) = Kubeconfig::from_env().context("reading the kubeconfig files in KUBECONFIG")? {
        return Ok(Some(config));
    }
    let Some(path) = std::env::home_dir().map(|home| home.join(".kube").join("config")) else {
        return Ok(None);
    };
    if !path.exists() {
        return Ok(None);
    }
    let config =
        Kubeconfig::read_from(&path).with_context(|| format!("reading kubeconfig {}", path.display()))?;
    Ok(Some(config))
}

/// A namespace is a DNS label (RFC 1123): caught here, a typo gets a clear
/// message instead of an empty screen or a 404 per request.
fn check_namespace(namespace: &str) -> anyhow::Result<()> {
    let valid = !namespace.is_empty()
        && namespace.len() <= 63
        && namespace
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !namespace.starts_with('-')
        && !namespace.ends_with('-');
    if !valid {
        bail!(
            "invalid namespace {namespace:?}: lower-case letters, digits and '-', at most 63, starting and ending alphanumeric"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_follow_the_dns_label_rules() {
        for good in ["default", "trading", "team-a", "a", "x1"] {
            assert!(check_namespace(good).is_ok(), "{good}");
        }
        for bad in ["", "Trading", "-a", "a-", "a_b", "a.b", &"a".repeat(64)] {
            let error = check_namespace(bad).unwrap_err().to_string();
            assert!(error.starts_with("invalid namespace"), "{bad}: {error}");
        }
    }
}
