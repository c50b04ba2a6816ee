//! The Kubernetes source through kube-rs against an in-process fake API
//! server (tests/common/fake_kube.rs) that speaks the real apps/v1 and
//! core/v1 JSON, reached through a kubeconfig file as kubectl would: the
//! live snapshot follows deployments, pods and events; restart sets the
//! restartedAt annotation by strategic merge patch; scale goes through the
//! scale subresource; dry run reaches the server and changes nothing; API
//! errors read as the server's message; a lost API server shows as Failing
//! and recovers by itself, with fresh data.

mod common;

use std::time::Duration;

use common::fake_kube::{FakeKube, NAMESPACE, Resource, deployment, event, pod};
use common::scratch_dir;
use mdops::domain::cluster::{ClusterSnapshot, RESTARTED_AT, Rollout, rollout_verdict};
use mdops::sources::kube::{
    ClusterUpdate, KubeConnection, KubeError, KubeTarget, connect, get_scale, restart_deployment,
    run_cluster, scale_deployment,
};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// How long a test waits for the source to notice something: kube's
/// watcher backs off up to a few seconds after errors.
const PATIENCE: Duration = Duration::from_secs(20);

/// A cluster with `web` (2 replicas, one crash-looping pod) and `api`
/// (1 replica, ready), and one warning event.
fn seeded() -> FakeKube {
    let fake = FakeKube::start();
    fake.put(Resource::Deployments, deployment("web", 2, 1));
    fake.put(Resource::Deployments, deployment("api", 1, 1));
    fake.put(Resource::Pods, pod("web", "a1", None));
    fake.put(Resource::Pods, pod("web", "b2", Some("CrashLoopBackOff")));
    fake.put(Resource::Pods, pod("api", "c3", None));
    fake.put(
        Resource::Events,
        event(
            "web-b2.1",
            "Warning",
            "BackOff",
            "web-5d8c7-b2",
            "2026-11-27T08:01:00Z",
        ),
    );
    fake
}

async fn connect_to(fake: &FakeKube) -> KubeConnection {
    let dir = scratch_dir("mdops-kube");
    let target = KubeTarget {
        kubeconfig: Some(fake.write_kubeconfig(&dir)),
        ..KubeTarget::default()
    };
    let conn = connect(&target).await.expect("connecting through the kubeconfig");
    // The client keeps what it read; the file is not needed any more.
    let _ = std::fs::remove_dir_all(&dir);
    conn
}

/// The source running against `fake`, and its updates.
async fn watch(fake: &FakeKube) -> (mpsc::Receiver<ClusterUpdate>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(64);
    let task = tokio::spawn(run_cluster(connect_to(fake).await, tx));
    (rx, task)
}

/// Waits for the first update `pick` accepts; fails with the updates seen.
async fn until<T>(
    rx: &mut mpsc::Receiver<ClusterUpdate>,
    what: &str,
    mut pick: impl FnMut(&ClusterUpdate) -> Option<T>,
) -> T {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(update)) => {
                if let Some(found) = pick(&update) {
                    return found;
                }
                seen.push(update);
            }
            Ok(None) => panic!("the source ended while waiting for {what}; seen: {seen:#?}"),
            Err(_) => panic!("no {what} within {PATIENCE:?}; seen: {seen:#?}"),
        }
    }
}

/// Waits until the source has a watch open on each kind, so that stopping
/// the server cuts them as a crash would.
async fn watches_open(fake: &FakeKube) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while fake
        .requests()
        .iter()
        .filter(|r| r.contains("watch=true"))
        .count()
        < 3
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no watches: {:#?}",
            fake.requests()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn snapshot_where(
    rx: &mut mpsc::Receiver<ClusterUpdate>,
    what: &str,
    accept: impl Fn(&ClusterSnapshot) -> bool,
) -> ClusterSnapshot {
    until(rx, what, |update| match update {
        ClusterUpdate::Snapshot(snapshot) if accept(snapshot) => Some(snapshot.clone()),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn snapshot_follows_deployments_pods_and_events() {
    let fake = seeded();
    let (mut rx, task) = watch(&fake).await;

    let first = snapshot_where(&mut rx, "the seeded namespace", |s| s.pods.len() == 3).await;
    let names: Vec<&str> = first.deployments.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["api", "web"]);
    let web = first.deployment("web").unwrap();
    assert_eq!((web.desired, web.ready, web.updated, web.available), (2, 1, 2, 1));
    assert_eq!(
        web.rollout,
        Rollout::Progressing {
            reason: "1 of 2 updated replicas are available".to_string()
        }
    );
    assert_eq!(first.deployment("api").unwrap().rollout, Rollout::Complete);
    let crashing = &first.pods[0];
    assert_eq!(crashing.name, "web-5d8c7-b2", "unhealthy pods come first");
    assert_eq!(crashing.reason.as_deref(), Some("CrashLoopBackOff"));
    assert_eq!((crashing.restarts, crashing.owner.as_deref()), (5, Some("web")));
    assert_eq!(crashing.node.as_deref(), Some("worker-2"));
    assert_eq!(first.events.len(), 1);
    assert_eq!(
        (first.events[0].kind.as_str(), first.events[0].object.as_str()),
        ("Warning", "Pod/web-5d8c7-b2")
    );
    let verdict = rollout_verdict(&first, "web", None);
    assert!(!verdict.recovered);
    assert_eq!(
        verdict.detail,
        "1 of 2 updated replicas are available, 1/2 ready, 1 pod CrashLoopBackOff"
    );

    // The kubelet reports the pod ready, the controller the deployment available.
    fake.put(Resource::Pods, pod("web", "b2", None));
    fake.put(Resource::Deployments, deployment("web", 2, 2));
    let healed = snapshot_where(&mut rx, "web healed", |s| {
        s.pods.iter().all(|p| p.healthy)
            && s.deployment("web")
                .is_some_and(|d| d.rollout == Rollout::Complete)
    })
    .await;
    assert!(rollout_verdict(&healed, "web", None).recovered);

    fake.delete(Resource::Pods, "api-5d8c7-c3");
    fake.put(
        Resource::Events,
        event(
            "api.2",
            "Warning",
            "FailedScheduling",
            "api-5d8c7-d4",
            "2026-11-27T08:09:00Z",
        ),
    );
    let later = snapshot_where(&mut rx, "the pod deleted and the new event", |s| {
        s.pods.len() == 2 && s.events.len() == 2
    })
    .await;
    assert!(later.pods.iter().all(|p| p.name != "api-5d8c7-c3"));
    assert_eq!(later.events[0].reason, "FailedScheduling", "newest first");

    drop(rx);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("run_cluster ends when the app goes away")
        .unwrap();
}

/// A rollout writes many objects in quick succession: the app gets a
/// snapshot at most every 250 ms, not one per change.
#[tokio::test]
async fn changes_are_coalesced() {
    let fake = seeded();
    let (mut rx, _task) = watch(&fake).await;
    snapshot_where(&mut rx, "the seeded namespace", |s| s.pods.len() == 3).await;
    let started = tokio::time::Instant::now();
    for i in 0..20 {
        fake.put(
            Resource::Pods,
            pod("api", &format!("n{i:02}"), Some("ContainerCreating")),
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut snapshots = 0u32;
    let mut last = started;
    until(&mut rx, "all 23 pods", |update| match update {
        ClusterUpdate::Snapshot(s) => {
            snapshots += 1;
            last = tokio::time::Instant::now();
            (s.pods.len() == 23).then_some(())
        }
        _ => None,
    })
    .await;
    while let Ok(Some(update)) = tokio::time::timeout(Duration::from_millis(600), rx.recv()).await {
        assert!(matches!(update, ClusterUpdate::Snapshot(_)), "{update:?}");
        snapshots += 1;
        last = tokio::time::Instant::now();
    }
    // One at once, then one per 250 ms window at most (a slow machine only
    // widens the allowance). Without coalescing this is one per change.
    let windows = (last - started).as_millis() / 250;
    assert!(
        u128::from(snapshots) <= windows + 2,
        "{snapshots} snapshots for 20 changes over {:?}",
        last - started
    );
}

#[tokio::test]
async fn connect_reads_the_kubeconfig_as_kubectl_does() {
    let fake = FakeKube::start();
    let dir = scratch_dir("mdops-kube-connect");
    let path = dir.join("config");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: prod\n\
             clusters:\n- name: fake\n  cluster:\n    server: {url}\n\
             contexts:\n\
             - name: prod\n  context:\n    cluster: fake\n    user: u\n    namespace: trading\n\
             - name: staging\n  context:\n    cluster: fake\n    user: u\n\
             users:\n- name: u\n  user:\n    token: fake-token\n",
            url = fake.url()
        ),
    )
    .unwrap();
    let target = |context: Option<&str>, namespace: Option<&str>| KubeTarget {
        kubeconfig: Some(path.clone()),
        context: context.map(str::to_string),
        namespace: namespace.map(str::to_string),
    };

    let current = connect(&target(None, None)).await.unwrap();
    assert_eq!(
        (current.context.as_str(), current.namespace.as_str()),
        ("prod", "trading")
    );
    let staging = connect(&target(Some("staging"), None)).await.unwrap();
    assert_eq!(
        (staging.context.as_str(), staging.namespace.as_str()),
        ("staging", "default")
    );
    let flagged = connect(&target(Some("staging"), Some("risk"))).await.unwrap();
    assert_eq!(flagged.namespace, "risk");

    // The client really talks to the cluster the context names, with its token.
    fake.put(Resource::Deployments, deployment("web", 3, 3));
    assert_eq!(get_scale(&current.client, "trading", "web").await, Ok(3));

    let error = |target: KubeTarget| async move { format!("{:#}", connect(&target).await.unwrap_err()) };
    let unknown = error(target(Some("dev"), None)).await;
    assert!(
        unknown.contains("\"dev\" is not in the kubeconfig (contexts: prod, staging)"),
        "{unknown}"
    );
    let bad_namespace = error(target(None, Some("Trading_Desk"))).await;
    assert!(
        bad_namespace.starts_with("invalid namespace \"Trading_Desk\""),
        "{bad_namespace}"
    );
    let missing = error(KubeTarget {
        kubeconfig: Some(dir.join("nope")),
        ..KubeTarget::default()
    })
    .await;
    assert!(
        missing.contains("reading kubeconfig") && missing.contains("nope"),
        "{missing}"
    );
    std::fs::write(&path, "clusters: [unclosed").unwrap();
    let garbage = error(target(None, None)).await;
    assert!(garbage.contains("reading kubeconfig"), "{garbage}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn restart_sets_the_restarted_at_annotation_as_kubectl_does() {
    let fake = seeded();
    let conn = connect_to(&fake).await;
    let before = fake.get(Resource::Deployments, "web").unwrap();

    let started = chrono::Utc::now().timestamp();
    let said = restart_deployment(&conn.client, NAMESPACE, "web", false)
        .await
        .unwrap();

    let after = fake.get(Resource::Deployments, "web").unwrap();
    let stamp = after["spec"]["template"]["metadata"]["annotations"][RESTARTED_AT]
        .as_str()
        .expect("the annotation is set")
        .to_string();
    let stamped = chrono::DateTime::parse_from_rfc3339(&stamp)
        .expect("RFC 3339")
        .timestamp();
    assert!((started..=started + 5).contains(&stamped), "{stamp}");
    assert_eq!(
        said,
        format!("deployment trading/web restarted ({RESTARTED_AT}={stamp})")
    );
    assert_eq!(
        after["metadata"]["generation"],
        json!(2),
        "a template change is a new generation"
    );
    assert_eq!(
        after["spec"]["template"]["spec"], before["spec"]["template"]["spec"],
        "nothing else changes"
    );
    let patches: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("PATCH"))
        .collect();
    assert_eq!(patches.len(), 1, "{patches:?}");
    assert!(
        patches[0].starts_with("PATCH /apis/apps/v1/namespaces/trading/deployments/web?")
            && patches[0].ends_with(" application/strategic-merge-patch+json"),
        "{patches:?}"
    );
}

#[tokio::test]
async fn scale_sets_replicas_through_the_scale_subresource() {
    let fake = seeded();
    let conn = connect_to(&fake).await;
    assert_eq!(get_scale(&conn.client, NAMESPACE, "web").await, Ok(2));

    let said = scale_deployment(&conn.client, NAMESPACE, "web", 5, false)
        .await
        .unwrap();
    assert_eq!(said, "deployment trading/web scaled from 2 to 5 replicas");
    let after = fake.get(Resource::Deployments, "web").unwrap();
    assert_eq!(after["spec"]["replicas"], json!(5));
    assert_eq!(get_scale(&conn.client, NAMESPACE, "web").await, Ok(5));
    let patches: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("PATCH"))
        .collect();
    assert_eq!(patches.len(), 1, "{patches:?}");
    assert!(
        patches[0].starts_with("PATCH /apis/apps/v1/namespaces/trading/deployments/web/scale?"),
        "{patches:?}"
    );

    let to_zero = scale_deployment(&conn.client, NAMESPACE, "web", 0, false)
        .await
        .unwrap();
    assert_eq!(to_zero, "deployment trading/web scaled from 5 to 0 replicas");
    assert_eq!(
        fake.get(Resource::Deployments, "web").unwrap()["spec"]["replicas"],
        json!(0)
    );
}

#[tokio::test]
async fn dry_run_reaches_the_server_and_changes_nothing() {
    let fake = seeded();
    let conn = connect_to(&fake).await;
    let before = fake.get(Resource::Deployments, "web").unwrap();

    let restart = restart_deployment(&conn.client, NAMESPACE, "web", true)
        .await
        .unwrap();
    assert!(
        restart.starts_with("dry run: deployment trading/web would be restarted"),
        "{restart}"
    );
    let scale = scale_deployment(&conn.client, NAMESPACE, "web", 7, true)
        .await
        .unwrap();
    assert_eq!(
        scale,
        "dry run: deployment trading/web would scale from 2 to 7 replicas"
    );

    assert_eq!(fake.get(Resource::Deployments, "web").unwrap(), before);
    let patches: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("PATCH"))
        .collect();
    assert_eq!(patches.len(), 2, "{patches:?}");
    assert!(patches.iter().all(|p| p.contains("dryRun=All")), "{patches:?}");
}

#[tokio::test]
async fn refusals_read_as_the_api_servers_message() {
    let fake = seeded();
    let conn = connect_to(&fake).await;

    let missing = restart_deployment(&conn.client, NAMESPACE, "nope", false)
        .await
        .unwrap_err();
    assert!(missing.is_not_found());
    assert_eq!(
        missing.to_string(),
        "deployments.apps \"nope\" not found (404 NotFound)"
    );
    let missing_scale = scale_deployment(&conn.client, NAMESPACE, "nope", 2, true)
        .await
        .unwrap_err();
    assert!(missing_scale.is_not_found(), "{missing_scale}");
    assert!(
        get_scale(&conn.client, NAMESPACE, "nope")
            .await
            .unwrap_err()
            .is_not_found()
    );

    let mut paused = deployment("batch", 1, 1);
    paused["spec"]["paused"] = json!(true);
    fake.put(Resource::Deployments, paused);
    let refused = restart_deployment(&conn.client, NAMESPACE, "batch", false)
        .await
        .unwrap_err();
    assert!(matches!(refused, KubeError::Invalid(_)));
    assert!(refused.to_string().contains("batch is paused"), "{refused}");
    assert!(
        fake.get(Resource::Deployments, "batch").unwrap()["spec"]["template"]["metadata"]["annotations"]
            .is_null()
    );

    let too_many = scale_deployment(&conn.client, NAMESPACE, "web", u32::MAX, false)
        .await
        .unwrap_err();
    assert!(matches!(too_many, KubeError::Invalid(_)), "{too_many}");

    let mut stranger = conn.clone();
    let dir = scratch_dir("mdops-kube-token");
    let path = fake.write_kubeconfig(&dir);
    let yaml = std::fs::read_to_string(&path)
        .unwrap()
        .replace("fake-token", "stolen");
    std::fs::write(&path, yaml).unwrap();
    stranger.client = connect(&KubeTarget {
        kubeconfig: Some(path),
        ..KubeTarget::default()
    })
    .await
    .unwrap()
    .client;
    let unauthorized = get_scale(&stranger.client, NAMESPACE, "web").await.unwrap_err();
    assert_eq!(unauthorized.to_string(), "Unauthorized (401 Unauthorized)");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The API server goes away: Failing with the transport error, then, once
/// it serves again on the same port, Recovered and the changes made
/// meanwhile (another client scaled `api`, its new pod started).
#[tokio::test]
async fn lost_api_server_shows_failing_and_recovers_with_fresh_data() {
    let mut fake = seeded();
    let (mut rx, _task) = watch(&fake).await;
    snapshot_where(&mut rx, "the seeded namespace", |s| s.pods.len() == 3).await;
    watches_open(&fake).await;

    fake.stop();
    // First the cut watch ("unexpected EOF ..."), then each retry is refused;
    // the outage keeps the time it started.
    let since_ms = until(&mut rx, "Failing", |update| match update {
        ClusterUpdate::Failing { since_ms, .. } => Some(*since_ms),
        _ => None,
    })
    .await;
    assert!((mdops::sources::now_ms() - since_ms).abs() < 10_000);
    let (error, retry_since_ms) = until(&mut rx, "a refused retry", |update| match update {
        ClusterUpdate::Failing { error, since_ms } if error.contains("Connection refused") => {
            Some((error.clone(), *since_ms))
        }
        _ => None,
    })
    .await;
    assert!(
        error.starts_with("watching ") || error.starts_with("listing "),
        "{error}"
    );
    assert_eq!(retry_since_ms, since_ms);

    fake.put(Resource::Deployments, deployment("api", 2, 2));
    fake.put(Resource::Pods, pod("api", "e5", None));
    fake.restart();
    until(&mut rx, "Recovered", |update| {
        matches!(update, ClusterUpdate::Recovered).then_some(())
    })
    .await;
    let fresh = snapshot_where(&mut rx, "the changes made while it was down", |s| {
        s.pods.len() == 4 && s.deployment("api").is_some_and(|d| d.desired == 2)
    })
    .await;
    assert!(fresh.pods.iter().any(|p| p.name == "api-5d8c7-e5"));
}

/// An API server that is down when the console starts: Failing, retried
/// without ever claiming recovery or showing an empty namespace, until it
/// serves; then Recovered and the namespace.
#[tokio::test]
async fn api_server_down_at_start_is_failing_until_it_serves() {
    let mut fake = seeded();
    fake.stop();
    let (mut rx, _task) = watch(&fake).await;
    let mut failures = 0;
    while let Ok(Some(update)) = tokio::time::timeout(Duration::from_secs(3), rx.recv()).await {
        match update {
            ClusterUpdate::Failing { error, .. } => {
                assert!(error.contains("Connection refused"), "{error}");
                failures += 1;
            }
            other => panic!("while the server is down: {other:?}"),
        }
        if failures >= 6 {
            break;
        }
    }
    assert!(failures >= 3, "retries are reported: {failures}");
    fake.restart();
    until(&mut rx, "Recovered", |update| {
        matches!(update, ClusterUpdate::Recovered).then_some(())
    })
    .await;
    snapshot_where(&mut rx, "the namespace", |s| s.pods.len() == 3).await;
}

/// A role that may not read events: the rest of the namespace shows, and
/// the refusal stays on screen, never flapping to Recovered on retries.
#[tokio::test]
async fn a_kind_the_role_may_not_read_fails_alone_and_steadily() {
    let fake = seeded();
    fake.forbid(Resource::Events);
    let (mut rx, _task) = watch(&fake).await;
    let shown = snapshot_where(&mut rx, "deployments and pods", |s| s.pods.len() == 3).await;
    assert_eq!(shown.deployments.len(), 2);
    assert!(shown.events.is_empty());
    let mut failures = 0;
    while let Ok(Some(update)) = tokio::time::timeout(Duration::from_secs(4), rx.recv()).await {
        match update {
            ClusterUpdate::Failing { error, .. } => {
                assert!(
                    error.starts_with("listing events: events is forbidden"),
                    "{error}"
                );
                assert!(error.ends_with("(403 Forbidden)"), "{error}");
                failures += 1;
            }
            ClusterUpdate::Snapshot(_) => {}
            ClusterUpdate::Recovered => panic!("recovered while events are still forbidden"),
        }
        if failures >= 4 {
            break;
        }
    }
    assert!(failures >= 2, "retries are reported: {failures}");
}

/// In a quiet namespace a resumed watch says nothing: recovery is still
/// noticed (the source probes while failing).
#[tokio::test]
async fn recovery_is_noticed_when_nothing_changed() {
    let mut fake = seeded();
    let (mut rx, _task) = watch(&fake).await;
    snapshot_where(&mut rx, "the seeded namespace", |s| s.pods.len() == 3).await;
    watches_open(&fake).await;
    fake.stop();
    until(&mut rx, "Failing", |update| {
        matches!(update, ClusterUpdate::Failing { .. }).then_some(())
    })
    .await;
    fake.restart();
    until(&mut rx, "Recovered", |update| {
        matches!(update, ClusterUpdate::Recovered).then_some(())
    })
    .await;
}

/// After compaction a resumed watch gets 410 Expired: the watcher re-lists,
/// and objects deleted meanwhile disappear from the snapshot.
#[tokio::test]
async fn expired_history_is_relisted() {
    let mut fake = seeded();
    let (mut rx, _task) = watch(&fake).await;
    snapshot_where(&mut rx, "the seeded namespace", |s| s.pods.len() == 3).await;
    watches_open(&fake).await;
    fake.stop();
    until(&mut rx, "Failing", |update| {
        matches!(update, ClusterUpdate::Failing { .. }).then_some(())
    })
    .await;
    fake.delete(Resource::Pods, "web-5d8c7-b2");
    fake.delete(Resource::Events, "web-b2.1");
    fake.compact();
    let before_restart = fake.requests().len();
    fake.restart();
    // Each kind re-lists on its own.
    let relisted = snapshot_where(&mut rx, "the re-listed namespace", |s| {
        s.pods.len() == 2 && s.events.is_empty()
    })
    .await;
    assert!(relisted.pods.iter().all(|p| p.healthy));
    let full_lists = fake.requests()[before_restart..]
        .iter()
        .filter(|r| r.starts_with("GET /api/v1/namespaces/trading/pods?") && r.contains("limit=500"))
        .count();
    // Once, or twice when the first re-listed watch raced the restart on a
    // loaded machine; never a loop.
    assert!((1..=2).contains(&full_lists), "{:#?}", fake.requests());
}

/// The fake's own fidelity, for what the source does not exercise every
/// time: paginated lists, the scale subresource replaced with a
/// resourceVersion precondition, strategic merge of named lists against a
/// merge patch's replacement, and refusals of what it does not speak.
#[tokio::test]
async fn fake_api_server_answers_as_the_real_one_does() {
    use k8s_openapi::api::apps::v1::Deployment;
    use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};

    let fake = seeded();
    fake.put(Resource::Deployments, deployment("batch", 1, 1));
    let conn = connect_to(&fake).await;
    let api: Api<Deployment> = Api::namespaced(conn.client.clone(), NAMESPACE);

    let first = api.list(&ListParams::default().limit(2)).await.unwrap();
    let token = first.metadata.continue_.clone().expect("a continue token");
    let rest = api
        .list(&ListParams::default().limit(2).continue_token(&token))
        .await
        .unwrap();
    let names: Vec<String> = first
        .items
        .iter()
        .chain(&rest.items)
        .map(|d| d.metadata.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["api", "batch", "web"]);
    assert_eq!(rest.metadata.continue_, None);

    let mut scale = api.get_scale("web").await.unwrap();
    assert_eq!(
        scale.status.as_ref().unwrap().selector.as_deref(),
        Some("app=web")
    );
    scale.spec.as_mut().unwrap().replicas = Some(4);
    let replaced = api
        .replace_scale("web", &PostParams::default(), &scale)
        .await
        .unwrap();
    assert_eq!(replaced.spec.unwrap().replicas, Some(4));
    let stale = api
        .replace_scale("web", &PostParams::default(), &scale)
        .await
        .unwrap_err();
    assert!(
        matches!(&stale, kube::Error::Api(s) if s.code == 409 && s.reason == "Conflict"),
        "{stale}"
    );

    let sidecar =
        json!({"spec": {"template": {"spec": {"containers": [{"name": "proxy", "image": "envoy:1.30"}]}}}});
    let merged = api
        .patch("web", &PatchParams::default(), &Patch::Strategic(&sidecar))
        .await
        .unwrap();
    let containers = |d: &Deployment| -> Vec<String> {
        d.spec
            .as_ref()
            .unwrap()
            .template
            .spec
            .as_ref()
            .unwrap()
            .containers
            .iter()
            .map(|c| c.name.clone())
            .collect()
    };
    assert_eq!(
        containers(&merged),
        ["web", "proxy"],
        "strategic merge keys containers by name"
    );
    let replaced = api
        .patch("web", &PatchParams::default(), &Patch::Merge(&sidecar))
        .await
        .unwrap();
    assert_eq!(containers(&replaced), ["proxy"], "a merge patch replaces lists");

    let negative = api
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": -1}})),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&negative, kube::Error::Api(s) if s.code == 422 && s.message.contains("must be greater than or equal to 0")),
        "{negative}"
    );

    let http = reqwest::Client::new();
    let url = format!(
        "{}/apis/apps/v1/namespaces/{NAMESPACE}/deployments/web",
        fake.url()
    );
    let json_patch = http
        .patch(&url)
        .bearer_auth(common::fake_kube::TOKEN)
        .header("content-type", "application/json-patch+json")
        .body(r#"[{"op":"replace","path":"/spec/replicas","value":1}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(json_patch.status(), 415);
    let status: Value = json_patch.json().await.unwrap();
    assert_eq!(
        (status["kind"].as_str(), status["code"].as_u64()),
        (Some("Status"), Some(415))
    );
    let bad_dry_run = http
        .patch(format!("{url}?dryRun=Some"))
        .bearer_auth(common::fake_kube::TOKEN)
        .header("content-type", "application/merge-patch+json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_dry_run.status(), 400);
    let unknown = http
        .get(format!(
            "{}/apis/batch/v1/namespaces/{NAMESPACE}/jobs",
            fake.url()
        ))
        .bearer_auth(common::fake_kube::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.json::<Value>().await.unwrap()["reason"], "NotFound");
}
