//! End to end: the real `mdops` in tmux against the in-process fake
//! Kubernetes API server. The cluster screen lists the namespace; `r` on a
//! deployment shows the server's dry-run answer, needs the name typed, then
//! restarts it; the console watches the rollout until the (simulated)
//! controller has replaced the pods, reports RECOVERED, and the audit log
//! holds the attempt before, after and its verification.

mod common;

use std::time::Duration;

use common::fake_kube::{FakeKube, NAMESPACE, Resource, deployment, pod};
use common::scratch_dir;
use common::tmux::{Tmux, mdops_bin};
use mdops::actions::audit::{Phase, read_entries};
use mdops::domain::cluster::RESTARTED_AT;
use serde_json::json;

#[test]
fn restart_from_the_cluster_screen_is_dry_run_confirmed_audited_and_verified() {
    let fake = FakeKube::start();
    fake.put(Resource::Deployments, deployment("api", 1, 1));
    fake.put(Resource::Deployments, deployment("web", 2, 1));
    fake.put(Resource::Pods, pod("web", "a1", None));
    fake.put(Resource::Pods, pod("web", "b2", Some("CrashLoopBackOff")));
    fake.put(Resource::Pods, pod("api", "c3", None));
    let dir = scratch_dir("mdops-cluster-e2e");
    let kubeconfig = fake.write_kubeconfig(&dir);
    let audit = dir.join("audit.jsonl");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[incidents]\nauthor = \"e2e-operator\"\n[actions]\naudit_file = \"{}\"\n",
            audit.display()
        ),
    )
    .unwrap();
    let command = format!(
        "KUBECONFIG='{}' '{}' --config '{}' --namespace {NAMESPACE}",
        kubeconfig.display(),
        mdops_bin().display(),
        config.display()
    );
    let tmux = Tmux::start(&command, 140, 40);
    tmux.keys(&["6"]);
    tmux.wait_for("the namespace's objects", Duration::from_secs(30), |s| {
        s.contains("web") && s.contains("CrashLoopBackOff") && s.contains(NAMESPACE)
    });

    // Deployments are sorted by name: api, then web.
    tmux.keys(&["j"]);
    tmux.keys(&["r"]);
    tmux.wait_for(
        "the confirmation with the server's dry run",
        Duration::from_secs(10),
        |s| s.contains("server dry run accepted") && s.contains("type the name"),
    );
    let template = |fake: &FakeKube| {
        fake.get(Resource::Deployments, "web").unwrap()["spec"]["template"]["metadata"]["annotations"]
            [RESTARTED_AT]
            .clone()
    };
    assert!(template(&fake).is_null(), "the dry run changed nothing");

    tmux.keys(&["Enter"]);
    tmux.wait_for("the refusal without the name", Duration::from_secs(5), |s| {
        s.contains("to confirm")
    });
    tmux.keys(&["w", "e", "b", "Enter"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while template(&fake).is_null() {
        assert!(
            std::time::Instant::now() < deadline,
            "the restart never reached the API server"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    tmux.wait_for("the watch for recovery", Duration::from_secs(10), |s| {
        s.contains("verifying")
    });

    // The controller's part: new pods from the restarted template, ready.
    let restarted_at = template(&fake);
    fake.delete(Resource::Pods, "web-5d8c7-a1");
    fake.delete(Resource::Pods, "web-5d8c7-b2");
    for suffix in ["n1", "n2"] {
        let mut replacement = pod("web", suffix, None);
        replacement["metadata"]["annotations"] = json!({ RESTARTED_AT: restarted_at });
        fake.put(Resource::Pods, replacement);
    }
    fake.put(Resource::Deployments, {
        let mut web = deployment("web", 2, 2);
        web["spec"]["template"]["metadata"]["annotations"] = json!({ RESTARTED_AT: restarted_at });
        web
    });
    tmux.wait_for("RECOVERED", Duration::from_secs(20), |s| s.contains("RECOVERED"));

    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_file("exit", Duration::from_secs(15)).trim(), "0");
    let entries = read_entries(&audit).unwrap();
    let restart: Vec<(Phase, bool, Option<&str>)> = entries
        .iter()
        .filter(|e| e.action == "restart")
        .map(|e| (e.phase, e.dry_run, e.result.as_deref()))
        .collect();
    assert_eq!(
        restart,
        [
            (Phase::Started, true, None),
            (Phase::Finished, true, Some("ok")),
            (Phase::Started, false, None),
            (Phase::Finished, false, Some("ok")),
            (Phase::Verified, false, Some("recovered")),
        ]
    );
    assert!(entries.iter().all(|e| e.user == "e2e-operator"));
    assert!(entries.iter().all(|e| e.target.as_deref() == Some("web")));
    assert_eq!(entries[2].context["namespace"], NAMESPACE);
    let _ = std::fs::remove_dir_all(&dir);
}
