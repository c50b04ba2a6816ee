//! An in-process fake Kubernetes API server on a loopback port, for
//! testing kube-rs code where no cluster exists. It speaks the real JSON of
//! apps/v1 Deployments (with the scale subresource), core/v1 Pods and
//! Events: lists with a resourceVersion, `limit` and `continue`; watch
//! streams of ADDED/MODIFIED/DELETED events resumed from a resourceVersion,
//! BOOKMARKs when asked for, 410 Expired once history was compacted, and
//! the stream ended at `timeoutSeconds`; merge and strategic merge patches;
//! `?dryRun=All`; errors as `Status` objects; bearer token auth.
//!
//! It runs no controllers: a test plays the deployment controller and the
//! kubelet by writing objects with [`FakeKube::put`]. It serves on its own
//! thread and runtime, so [`FakeKube::stop`] cuts every open connection as
//! a crashed API server would, and [`FakeKube::restart`] serves the same
//! objects again on the same port, like an API server in front of the same
//! etcd.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::convert::Infallible;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v1::Scale;
use serde_json::{Value, json};
use tokio::sync::{broadcast, oneshot};

/// The namespace objects go to unless they name one.
pub const NAMESPACE: &str = "trading";
/// The bearer token the server requires; the kubeconfig carries it.
pub const TOKEN: &str = "fake-token";
/// How often a watch that allows bookmarks gets one. The real server sends
/// them about once a minute; tests cannot wait that long.
const BOOKMARK_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    Deployments,
    Pods,
    Events,
    CronJobs,
    /// velero.io/v1, served only after [`FakeKube::install_velero`].
    VeleroSchedules,
    VeleroBackups,
}

impl Resource {
    const ALL: [Resource; 6] = [
        Resource::Deployments,
        Resource::Pods,
        Resource::Events,
        Resource::CronJobs,
        Resource::VeleroSchedules,
        Resource::VeleroBackups,
    ];

    /// Where a namespace's objects of this kind are listed and watched.
    fn collection_path(self) -> String {
        let root = if self.group().is_empty() { "api" } else { "apis" };
        format!(
            "/{root}/{}/namespaces/{{namespace}}/{}",
            self.api_version(),
            self.plural()
        )
    }

    fn api_version(self) -> &'static str {
        match self {
            Resource::Deployments => "apps/v1",
            Resource::Pods | Resource::Events => "v1",
            Resource::CronJobs => "batch/v1",
            Resource::VeleroSchedules | Resource::VeleroBackups => "velero.io/v1",
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Resource::Deployments => "Deployment",
            Resource::Pods => "Pod",
            Resource::Events => "Event",
            Resource::CronJobs => "CronJob",
            Resource::VeleroSchedules => "Schedule",
            Resource::VeleroBackups => "Backup",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Resource::Deployments => "deployments",
            Resource::Pods => "pods",
            Resource::Events => "events",
            Resource::CronJobs => "cronjobs",
            Resource::VeleroSchedules => "schedules",
            Resource::VeleroBackups => "backups",
        }
    }

    fn group(self) -> &'static str {
        match self {
            Resource::Deployments => "apps",
            Resource::Pods | Resource::Events => "",
            Resource::CronJobs => "batch",
            Resource::VeleroSchedules | Resource::VeleroBackups => "velero.io",
        }
    }

    /// "deployments.apps", as the API server names resources in messages.
    fn qualified(self) -> String {
        match self.group() {
            "" => self.plural().to_string(),
            group => format!("{}.{group}", self.plural()),
        }
    }
}

type Key = (Resource, String, String);

/// One stored change, as a watch sends it.
#[derive(Debug, Clone)]
struct Change {
    resource: Resource,
    namespace: String,
    kind: &'static str,
    object: Value,
    resource_version: u64,
}

/// The API server's storage: objects, their history, and who watches.
struct Store {
    objects: BTreeMap<Key, Value>,
    resource_version: u64,
    history: Vec<Change>,
    /// Watches from before this resource version get 410 Expired.
    compacted: u64,
    changes: broadcast::Sender<Change>,
    requests: Vec<String>,
    /// Kinds the token may not list or watch, as RBAC would refuse them.
    forbidden: Vec<Resource>,
    /// Whether the velero.io CRDs are served.
    velero: bool,
}

impl Store {
    /// Stores `object` under a new resource version and tells the watches.
    fn write(&mut self, resource: Resource, namespace: &str, mut object: Value) -> Value {
        let name = object["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let key = (resource, namespace.to_string(), name);
        self.resource_version += 1;
        let rv = self.resource_version;
        object["apiVersion"] = json!(resource.api_version());
        object["kind"] = json!(resource.kind());
        let metadata = &mut object["metadata"];
        metadata["namespace"] = json!(namespace);
        metadata["resourceVersion"] = json!(rv.to_string());
        if metadata["uid"].is_null() {
            metadata["uid"] = json!(format!("00000000-0000-4000-8000-{rv:012}"));
        }
        if metadata["creationTimestamp"].is_null() {
            metadata["creationTimestamp"] = json!(now_rfc3339());
        }
        if resource == Resource::Deployments && metadata["generation"].is_null() {
            metadata["generation"] = json!(1);
        }
        let kind = if self.objects.contains_key(&key) {
            "MODIFIED"
        } else {
            "ADDED"
        };
        self.objects.insert(key, object.clone());
        self.record(resource, namespace, kind, object.clone());
        object
    }

    fn remove(&mut self, resource: Resource, namespace: &str, name: &str) -> Option<Value> {
        let mut object = self
            .objects
            .remove(&(resource, namespace.to_string(), name.to_string()))?;
        self.resource_version += 1;
        object["metadata"]["resourceVersion"] = json!(self.resource_version.to_string());
        self.record(resource, namespace, "DELETED", object.clone());
        Some(object)
    }

    fn record(&mut self, resource: Resource, namespace: &str, kind: &'static str, object: Value) {
        let change = Change {
            resource,
            namespace: namespace.to_string(),
            kind,
            object,
            resource_version: self.resource_version,
        };
        self.history.push(change.clone());
        // No receiver is fine: nobody watches.
        let _ = self.changes.send(change);
    }

    fn get(&self, resource: Resource, namespace: &str, name: &str) -> Option<&Value> {
        self.objects
            .get(&(resource, namespace.to_string(), name.to_string()))
    }
}

type Shared = Arc<Mutex<Store>>;

fn lock(shared: &Shared) -> MutexGuard<'_, Store> {
    shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Running {
    stop: oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

/// The fake server and its storage; stopped on drop.
pub struct FakeKube {
    store: Shared,
    port: u16,
    running: Option<Running>,
}

impl FakeKube {
    /// Serves an empty cluster on a free loopback port.
    pub fn start() -> FakeKube {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let (changes, _) = broadcast::channel(1024);
        let store = Arc::new(Mutex::new(Store {
            objects: BTreeMap::new(),
            resource_version: 1000,
            history: Vec::new(),
            compacted: 0,
            changes,
            requests: Vec::new(),
            forbidden: Vec::new(),
            velero: false,
        }));
        let running = Some(serve(listener, store.clone()));
        FakeKube { store, port, running }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops serving at once: open watches are cut, new connections refused.
    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop.send(());
            let _ = running.thread.join();
        }
    }

    /// Serves the same storage on the same port again.
    pub fn restart(&mut self) {
        self.stop();
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("binding the same port again");
        self.running = Some(serve(listener, self.store.clone()));
    }

    /// Creates or replaces an object, as a controller or the kubelet would;
    /// the namespace is the object's own or [`NAMESPACE`]. Returns it as stored.
    pub fn put(&self, resource: Resource, object: Value) -> Value {
        let namespace = object["metadata"]["namespace"]
            .as_str()
            .unwrap_or(NAMESPACE)
            .to_string();
        lock(&self.store).write(resource, &namespace, object)
    }

    pub fn delete(&self, resource: Resource, name: &str) {
        lock(&self.store).remove(resource, NAMESPACE, name);
    }

    pub fn get(&self, resource: Resource, name: &str) -> Option<Value> {
        lock(&self.store).get(resource, NAMESPACE, name).cloned()
    }

    /// Forgets the change history, as etcd compaction does: a watch resumed
    /// from an older resource version gets 410 Expired and must re-list.
    pub fn compact(&self) {
        let mut store = lock(&self.store);
        store.compacted = store.resource_version + 1;
        store.history.clear();
    }

    /// From now on, listing and watching `resource` is refused with 403,
    /// as when the service account's role does not grant it.
    pub fn forbid(&self, resource: Resource) {
        lock(&self.store).forbidden.push(resource);
    }

    /// Serves the velero.io/v1 Schedules and Backups from now on, as once
    /// Velero's CRDs are installed; before, they are 404 as on a cluster
    /// without Velero.
    pub fn install_velero(&self) {
        lock(&self.store).velero = true;
    }

    /// Every request so far: "PATCH /apis/...?dryRun=All application/merge-patch+json".
    pub fn requests(&self) -> Vec<String> {
        lock(&self.store).requests.clone()
    }

    /// A kubeconfig with one context, "fake", for [`NAMESPACE`] with the token.
    pub fn write_kubeconfig(&self, dir: &Path) -> PathBuf {
        let path = dir.join("kubeconfig");
        let yaml = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\n\
             clusters:\n- name: fake\n  cluster:\n    server: {}\n\
             contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: {NAMESPACE}\n\
             users:\n- name: fake\n  user:\n    token: {TOKEN}\n",
            self.url()
        );
        std::fs::write(&path, yaml).expect("writing the kubeconfig");
        path
    }
}

/// A Deployment as the API server stores it, `ready` of `replicas` ready.
pub fn deployment(name: &str, replicas: i64, ready: i64) -> Value {
    json!({
        "metadata": {"name": name, "generation": 1, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": name, "image": format!("registry.local/{name}:1.4.2")}]}
            },
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
        },
        "status": {
            "observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
            "readyReplicas": ready, "availableReplicas": ready,
            "conditions": [{"type": "Available", "status": if ready == replicas { "True" } else { "False" },
                            "reason": "MinimumReplicasAvailable"},
                           {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]
        }
    })
}

/// A pod of deployment `owner`'s ReplicaSet `owner-5d8c7`, running and
/// ready, or waiting with `waiting` as the reason.
pub fn pod(owner: &str, suffix: &str, waiting: Option<&str>) -> Value {
    let ready = waiting.is_none();
    let state = match waiting {
        None => json!({"running": {"startedAt": "2026-11-27T08:00:05Z"}}),
        Some(reason) => {
            json!({"waiting": {"reason": reason, "message": "back-off 40s restarting failed container"}})
        }
    };
    json!({
        "metadata": {
            "name": format!("{owner}-5d8c7-{suffix}"),
            "labels": {"app": owner, "pod-template-hash": "5d8c7"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{owner}-5d8c7"),
                                 "uid": "6f1c2a9e-0000-4000-8000-000000000001", "controller": true,
                                 "blockOwnerDeletion": true}]
        },
        "spec": {"nodeName": "worker-2", "containers": [{"name": owner, "image": "registry.local/app:1.4.2"}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "PodScheduled", "status": "True"},
                           {"type": "Ready", "status": if ready { "True" } else { "False" },
                            "reason": if ready { Value::Null } else { json!("ContainersNotReady") }}],
            "containerStatuses": [{"name": owner, "ready": ready, "restartCount": if ready { 0 } else { 5 },
                                   "image": "registry.local/app:1.4.2", "imageID": "", "state": state}]
        }
    })
}

/// A core/v1 Event about `pod`.
pub fn event(name: &str, kind: &str, reason: &str, pod: &str, last: &str) -> Value {
    json!({
        "metadata": {"name": name},
        "involvedObject": {"kind": "Pod", "name": pod, "namespace": NAMESPACE, "apiVersion": "v1"},
        "reason": reason, "message": format!("{reason} on {pod}"), "type": kind, "count": 3,
        "firstTimestamp": "2026-11-27T08:00:00Z", "lastTimestamp": last,
        "source": {"component": "kubelet", "host": "worker-2"}
    })
}

impl Drop for FakeKube {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Serves on a thread of its own with its own runtime: dropping the runtime
/// drops every connection task, so a stop looks like a crash to clients.
fn serve(listener: TcpListener, store: Shared) -> Running {
    listener.set_nonblocking(true).expect("non-blocking listener");
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("fake API server runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            tokio::select! {
                _ = axum::serve(listener, router(store)) => {}
                _ = stopped => {}
            }
        });
    });
    Running { stop, thread }
}

fn router(store: Shared) -> Router {
    let mut router = Router::new();
    for resource in Resource::ALL {
        router = router.route(
            &resource.collection_path(),
            get(
                move |s: State<Shared>, p: UrlPath<String>, q: Query<HashMap<String, String>>| {
                    collection(resource, s, p, q)
                },
            ),
        );
    }
    let deployments = Resource::Deployments.collection_path();
    router
        .route(
            &format!("{deployments}/{{name}}"),
            get(get_deployment).patch(patch_deployment),
        )
        .route(
            &format!("{deployments}/{{name}}/scale"),
            get(get_scale).patch(patch_scale).put(put_scale),
        )
        .fallback(|| async {
            failure(
                StatusCode::NOT_FOUND,
                "NotFound",
                "the server could not find the requested resource",
            )
        })
        .layer(from_fn_with_state(store.clone(), admit))
        .with_state(store)
}

/// Logs the request and checks the bearer token.
async fn admit(State(store): State<Shared>, request: Request, next: Next) -> Response {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| format!(" {v}"))
        .unwrap_or_default();
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    lock(&store)
        .requests
        .push(format!("{} {target}{content_type}", request.method()));
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == format!("Bearer {TOKEN}").as_bytes());
    if !authorized {
        return failure(StatusCode::UNAUTHORIZED, "Unauthorized", "Unauthorized").into_response();
    }
    next.run(request).await
}

/// A refusal, answered as the API server answers every error: a `Status`
/// object with the HTTP status as its `code`.
pub struct Refusal {
    code: StatusCode,
    reason: &'static str,
    message: String,
    details: Value,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut body = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "code": self.code.as_u16()
        });
        if !self.details.is_null() {
            body["details"] = self.details;
        }
        (
            self.code,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

fn status(code: StatusCode, reason: &'static str, message: &str, details: Value) -> Refusal {
    Refusal {
        code,
        reason,
        message: message.to_string(),
        details,
    }
}

fn failure(code: StatusCode, reason: &'static str, message: &str) -> Refusal {
    status(code, reason, message, Value::Null)
}

fn not_found(resource: Resource, name: &str) -> Refusal {
    let details = json!({"name": name, "group": resource.group(), "kind": resource.plural()});
    let message = format!("{} \"{name}\" not found", resource.qualified());
    status(StatusCode::NOT_FOUND, "NotFound", &message, details)
}

fn invalid(resource: Resource, kind: &str, name: &str, cause: &str) -> Refusal {
    let details = json!({"name": name, "group": resource.group(), "kind": kind});
    let message = format!("{kind}.{} \"{name}\" is invalid: {cause}", resource.group());
    status(StatusCode::UNPROCESSABLE_ENTITY, "Invalid", &message, details)
}

fn conflict(resource: Resource, name: &str) -> Refusal {
    let message = format!(
        "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; \
         please apply your changes to the latest version and try again",
        resource.qualified()
    );
    let details = json!({"name": name, "group": resource.group(), "kind": resource.plural()});
    status(StatusCode::CONFLICT, "Conflict", &message, details)
}

fn json_response(object: &Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        object.to_string(),
    )
        .into_response()
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

// ---- collections: list and watch ----

async fn collection(
    resource: Resource,
    State(store): State<Shared>,
    UrlPath(namespace): UrlPath<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    for selector in ["labelSelector", "fieldSelector"] {
        if query.get(selector).is_some_and(|s| !s.is_empty()) {
            let message = format!("the fake API server does not filter by {selector}");
            return failure(StatusCode::BAD_REQUEST, "BadRequest", &message).into_response();
        }
    }
    let watching = matches!(query.get("watch").map(String::as_str), Some("1" | "true"));
    let velero = matches!(resource, Resource::VeleroSchedules | Resource::VeleroBackups);
    if velero && !lock(&store).velero {
        let message = "the server could not find the requested resource";
        return failure(StatusCode::NOT_FOUND, "NotFound", message).into_response();
    }
    if lock(&store).forbidden.contains(&resource) {
        let message = format!(
            "{} is forbidden: User \"system:serviceaccount:{namespace}:mdops\" cannot {} resource \"{}\" \
             in API group \"{}\" in the namespace \"{namespace}\"",
            resource.plural(),
            if watching { "watch" } else { "list" },
            resource.plural(),
            resource.group()
        );
        let details = json!({"group": resource.group(), "kind": resource.plural()});
        return status(StatusCode::FORBIDDEN, "Forbidden", &message, details).into_response();
    }
    if watching {
        watch(resource, &store, &namespace, &query)
    } else {
        list(resource, &store, &namespace, &query)
    }
}

/// Items come sorted by name, without kind and apiVersion (the list has
/// them), as the real server sends them.
fn list(resource: Resource, store: &Shared, namespace: &str, query: &HashMap<String, String>) -> Response {
    let limit = match query.get("limit").map(|l| l.parse::<usize>()) {
        None => usize::MAX,
        Some(Ok(0)) => usize::MAX,
        Some(Ok(limit)) => limit,
        Some(Err(_)) => {
            return failure(StatusCode::BAD_REQUEST, "BadRequest", "limit: must be a number").into_response();
        }
    };
    let after = query.get("continue").cloned().unwrap_or_default();
    let store = lock(store);
    let mut items: Vec<Value> = store
        .objects
        .iter()
        .filter(|((r, ns, name), _)| *r == resource && ns == namespace && *name > after)
        .map(|(_, object)| {
            let mut item = object.clone();
            if let Some(fields) = item.as_object_mut() {
                fields.remove("kind");
                fields.remove("apiVersion");
            }
            item
        })
        .collect();
    let mut metadata = json!({"resourceVersion": store.resource_version.to_string()});
    if items.len() > limit {
        items.truncate(limit);
        let last = items[limit - 1]["metadata"]["name"].as_str().unwrap_or_default();
        metadata["continue"] = json!(last);
    }
    json_response(&json!({
        "kind": format!("{}List", resource.kind()),
        "apiVersion": resource.api_version(),
        "metadata": metadata,
        "items": items
    }))
}

fn watch_event(kind: &str, object: &Value) -> Bytes {
    Bytes::from(format!("{}\n", json!({"type": kind, "object": object})))
}

fn bookmark(resource: Resource, resource_version: u64) -> Bytes {
    watch_event(
        "BOOKMARK",
        &json!({"kind": resource.kind(), "apiVersion": resource.api_version(),
                "metadata": {"resourceVersion": resource_version.to_string()}}),
    )
}

/// A watch stream: the changes after `resourceVersion` from history (or
/// every current object as ADDED when it is unset or "0"), then live ones.
fn watch(resource: Resource, store: &Shared, namespace: &str, query: &HashMap<String, String>) -> Response {
    let bookmarks = query.get("allowWatchBookmarks").is_some_and(|b| b == "true");
    let timeout = match query.get("timeoutSeconds").map(|t| t.parse::<u64>()) {
        None => Duration::from_secs(1800),
        Some(Ok(seconds)) => Duration::from_secs(seconds),
        Some(Err(_)) => {
            return failure(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "timeoutSeconds: must be a number",
            )
            .into_response();
        }
    };
    let store = lock(store);
    let mut backlog = VecDeque::new();
    let mut expired = false;
    match query.get("resourceVersion").map(String::as_str) {
        None | Some("" | "0") => {
            for ((r, ns, _), object) in &store.objects {
                if *r == resource && ns == namespace {
                    backlog.push_back(watch_event("ADDED", object));
                }
            }
        }
        Some(version) => {
            let Ok(from) = version.parse::<u64>() else {
                let message = format!("resourceVersion: Invalid value: {version:?}");
                return failure(StatusCode::BAD_REQUEST, "BadRequest", &message).into_response();
            };
            if from < store.compacted {
                let gone = json!({
                    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": format!("too old resource version: {from} ({})", store.compacted),
                    "reason": "Expired", "code": 410
                });
                backlog.push_back(watch_event("ERROR", &gone));
                expired = true;
            } else {
                for change in &store.history {
                    if change.resource_version > from
                        && change.resource == resource
                        && change.namespace == namespace
                    {
                        backlog.push_back(watch_event(change.kind, &change.object));
                    }
                }
            }
        }
    }
    let state = Watch {
        resource,
        namespace: namespace.to_string(),
        backlog,
        expired,
        changes: store.changes.subscribe(),
        resource_version: store.resource_version,
        deadline: tokio::time::Instant::now() + timeout,
        bookmarks: bookmarks
            .then(|| tokio::time::interval_at(tokio::time::Instant::now() + BOOKMARK_EVERY, BOOKMARK_EVERY)),
    };
    let stream = futures_util::stream::unfold(state, |mut state| async move {
        let chunk = state.next().await?;
        Some((Ok::<Bytes, Infallible>(chunk), state))
    });
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        "application/json".parse().expect("static header"),
    );
    (StatusCode::OK, headers, Body::from_stream(stream)).into_response()
}

struct Watch {
    resource: Resource,
    namespace: String,
    backlog: VecDeque<Bytes>,
    /// Only the 410 error is sent, then the stream ends.
    expired: bool,
    changes: broadcast::Receiver<Change>,
    resource_version: u64,
    deadline: tokio::time::Instant,
    bookmarks: Option<tokio::time::Interval>,
}

impl Watch {
    /// The next line of the stream; `None` ends it (timeout, expiry, or a
    /// watcher too slow for the change buffer, which then re-watches).
    async fn next(&mut self) -> Option<Bytes> {
        if let Some(chunk) = self.backlog.pop_front() {
            return Some(chunk);
        }
        if self.expired {
            return None;
        }
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(self.deadline) => return None,
                _ = tick(&mut self.bookmarks) => return Some(bookmark(self.resource, self.resource_version)),
                change = self.changes.recv() => {
                    let change = change.ok()?;
                    self.resource_version = change.resource_version;
                    if change.resource == self.resource && change.namespace == self.namespace {
                        return Some(watch_event(change.kind, &change.object));
                    }
                }
            }
        }
    }
}

async fn tick(interval: &mut Option<tokio::time::Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

// ---- one deployment: get, patch, and its scale subresource ----

async fn get_deployment(
    State(store): State<Shared>,
    UrlPath((namespace, name)): UrlPath<(String, String)>,
) -> Response {
    match lock(&store).get(Resource::Deployments, &namespace, &name) {
        Some(object) => json_response(object),
        None => not_found(Resource::Deployments, &name).into_response(),
    }
}

/// `dryRun` must be absent or "All", as on the real server.
fn dry_run(query: &HashMap<String, String>) -> Result<bool, Refusal> {
    match query.get("dryRun").map(String::as_str) {
        None => Ok(false),
        Some("All") => Ok(true),
        Some(other) => {
            let message = format!("Invalid dry run value: {other}; the only valid value is All");
            Err(failure(StatusCode::BAD_REQUEST, "BadRequest", &message))
        }
    }
}

/// The patch body and whether it is a strategic merge patch.
fn read_patch(headers: &HeaderMap, body: &Bytes) -> Result<(Value, bool), Refusal> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let strategic = match content_type {
        "application/merge-patch+json" => false,
        "application/strategic-merge-patch+json" => true,
        other => {
            let message = format!(
                "the body of the request was in an unknown format ({other}) - accepted media types \
                 of this fake include: application/merge-patch+json, application/strategic-merge-patch+json"
            );
            return Err(failure(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaType",
                &message,
            ));
        }
    };
    match serde_json::from_slice::<Value>(body) {
        Ok(patch) if patch.is_object() => Ok((patch, strategic)),
        Ok(_) => Err(failure(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "the patch is not a JSON object",
        )),
        Err(e) => {
            let message = format!("error decoding patch: {e}");
            Err(failure(StatusCode::BAD_REQUEST, "BadRequest", &message))
        }
    }
}

/// RFC 7386 JSON merge patch; as a strategic merge patch, lists of objects
/// with a `name` (containers, env, volumes) merge by name instead of being
/// replaced. Strategic directives (`$patch`, `$setElementOrder`) are refused.
fn merge(target: &mut Value, patch: &Value, strategic: bool) -> Result<(), String> {
    match patch {
        Value::Object(fields) => {
            if !target.is_object() {
                *target = json!({});
            }
            let Some(target) = target.as_object_mut() else {
                return Ok(());
            };
            for (key, value) in fields {
                if strategic && key.starts_with('$') {
                    return Err(format!(
                        "the fake API server does not support the directive {key}"
                    ));
                }
                if value.is_null() {
                    target.remove(key);
                } else {
                    merge(target.entry(key.clone()).or_insert(Value::Null), value, strategic)?;
                }
            }
        }
        Value::Array(items) if strategic && items.iter().all(|i| i["name"].is_string()) => {
            if !target.is_array() {
                *target = json!([]);
            }
            let Some(list) = target.as_array_mut() else {
                return Ok(());
            };
            for item in items {
                match list.iter_mut().find(|existing| existing["name"] == item["name"]) {
                    Some(existing) => merge(existing, item, strategic)?,
                    None => list.push(item.clone()),
                }
            }
        }
        other => *target = other.clone(),
    }
    Ok(())
}

/// The stored deployment after `change`, checked as the real server would:
/// a resourceVersion precondition, a valid Deployment, server-owned fields
/// kept, generation bumped when the spec changed. With `dry_run` nothing is
/// stored.
fn update_deployment(
    store: &mut Store,
    namespace: &str,
    name: &str,
    dry_run: bool,
    change: impl FnOnce(&mut Value) -> Result<(), Refusal>,
) -> Result<Value, Refusal> {
    let resource = Resource::Deployments;
    let Some(current) = store.get(resource, namespace, name).cloned() else {
        return Err(not_found(resource, name));
    };
    let mut updated = current.clone();
    change(&mut updated)?;
    let precondition = &updated["metadata"]["resourceVersion"];
    if !precondition.is_null() && *precondition != current["metadata"]["resourceVersion"] {
        return Err(conflict(resource, name));
    }
    for field in ["apiVersion", "kind"] {
        updated[field] = current[field].clone();
    }
    for field in [
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "resourceVersion",
        "generation",
    ] {
        updated["metadata"][field] = current["metadata"][field].clone();
    }
    if let Err(e) = serde_json::from_value::<Deployment>(updated.clone()) {
        return Err(invalid(resource, "Deployment", name, &e.to_string()));
    }
    if updated["spec"] != current["spec"] {
        updated["metadata"]["generation"] =
            json!(current["metadata"]["generation"].as_i64().unwrap_or(1) + 1);
    }
    if dry_run || updated == current {
        return Ok(updated);
    }
    Ok(store.write(resource, namespace, updated))
}

async fn patch_deployment(
    State(store): State<Shared>,
    UrlPath((namespace, name)): UrlPath<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let outcome = dry_run(&query).and_then(|dry_run| {
        let (patch, strategic) = read_patch(&headers, &body)?;
        let mut store = lock(&store);
        update_deployment(&mut store, &namespace, &name, dry_run, |object| {
            merge(object, &patch, strategic)
                .map_err(|message| invalid(Resource::Deployments, "Deployment", &name, &message))
        })
    });
    match outcome {
        Ok(object) => json_response(&object),
        Err(refusal) => refusal.into_response(),
    }
}

/// The autoscaling/v1 Scale of a deployment.
fn scale_of(deployment: &Value) -> Value {
    let metadata = &deployment["metadata"];
    let selector = deployment["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": metadata["name"], "namespace": metadata["namespace"], "uid": metadata["uid"],
                     "resourceVersion": metadata["resourceVersion"],
                     "creationTimestamp": metadata["creationTimestamp"]},
        "spec": {"replicas": deployment["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {"replicas": deployment["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector}
    })
}

async fn get_scale(
    State(store): State<Shared>,
    UrlPath((namespace, name)): UrlPath<(String, String)>,
) -> Response {
    match lock(&store).get(Resource::Deployments, &namespace, &name) {
        Some(object) => json_response(&scale_of(object)),
        None => not_found(Resource::Deployments, &name).into_response(),
    }
}

/// Applies a changed Scale to its deployment: `spec.replicas` must be a
/// non-negative integer, and a resourceVersion in it is a precondition.
fn rescale(
    store: &Shared,
    namespace: &str,
    name: &str,
    dry_run: bool,
    change: impl FnOnce(&mut Value) -> Result<(), Refusal>,
) -> Response {
    let mut store = lock(store);
    let outcome = update_deployment(&mut store, namespace, name, dry_run, |deployment| {
        let mut scale = scale_of(deployment);
        change(&mut scale)?;
        let parsed = serde_json::from_value::<Scale>(scale.clone())
            .map_err(|e| invalid(Resource::Deployments, "Scale", name, &e.to_string()))?;
        let replicas = parsed.spec.and_then(|s| s.replicas).unwrap_or(0);
        if replicas < 0 {
            let cause =
                format!("spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0");
            return Err(invalid(Resource::Deployments, "Scale", name, &cause));
        }
        if scale["metadata"]["resourceVersion"] != deployment["metadata"]["resourceVersion"] {
            return Err(conflict(Resource::Deployments, name));
        }
        deployment["spec"]["replicas"] = json!(replicas);
        Ok(())
    });
    match outcome {
        Ok(deployment) => json_response(&scale_of(&deployment)),
        Err(refusal) => refusal.into_response(),
    }
}

async fn patch_scale(
    State(store): State<Shared>,
    UrlPath((namespace, name)): UrlPath<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (dry_run, (patch, strategic)) =
        match dry_run(&query).and_then(|d| Ok((d, read_patch(&headers, &body)?))) {
            Ok(parsed) => parsed,
            Err(refusal) => return refusal.into_response(),
        };
    rescale(&store, &namespace, &name, dry_run, |scale| {
        merge(scale, &patch, strategic)
            .map_err(|message| invalid(Resource::Deployments, "Scale", &name, &message))
    })
}

async fn put_scale(
    State(store): State<Shared>,
    UrlPath((namespace, name)): UrlPath<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let dry_run = match dry_run(&query) {
        Ok(dry_run) => dry_run,
        Err(refusal) => return refusal.into_response(),
    };
    let new: Value = match serde_json::from_slice(&body) {
        Ok(new) => new,
        Err(e) => {
            return failure(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("error decoding Scale: {e}"),
            )
            .into_response();
        }
    };
    if let Some(other) = new["metadata"]["name"].as_str().filter(|n| *n != name) {
        let message = format!("the name of the object ({other}) does not match the name on the URL ({name})");
        return failure(StatusCode::BAD_REQUEST, "BadRequest", &message).into_response();
    }
    rescale(&store, &namespace, &name, dry_run, |scale| {
        scale["spec"] = new["spec"].clone();
        if !new["metadata"]["resourceVersion"].is_null() {
            scale["metadata"]["resourceVersion"] = new["metadata"]["resourceVersion"].clone();
        }
        Ok(())
    })
}
