//! The live cache: one kube-rs reflector per kind (Deployments, Pods,
//! Events) of the namespace, turned into coalesced [`ClusterSnapshot`]s, and
//! the API server's reachability into `Failing` / `Recovered`.
//!
//! The watchers recover by themselves (kube's default backoff, then they
//! resume from the last resource version, or re-list after a 410). A
//! resumed watch in a quiet namespace yields nothing, though, so while a
//! kind is failing it is also probed with a one-item list on our own
//! backoff: the first success, of the watch or of the probe, clears it.

use std::fmt::Debug;
use std::hash::Hash;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::{self, BoxStream};
use futures_util::{FutureExt, StreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams};
use kube::runtime::reflector::{self, store::Writer};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, Resource};
use rand::Rng;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{KubeConnection, KubeError};
use crate::domain::backoff::Backoff;
use crate::domain::cluster::ClusterSnapshot;
use crate::sources::now_ms;

/// What the cluster task tells the app.
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterUpdate {
    /// The namespace changed; sent at most every [`COALESCE`].
    Snapshot(ClusterSnapshot),
    /// The API server cannot be read since `since_ms`; repeated with the
    /// latest error at each failed retry, `since_ms` unchanged.
    Failing { error: String, since_ms: i64 },
    /// Every kind can be read again after a `Failing`.
    Recovered,
}

/// A burst of changes (a rollout touches dozens of objects) becomes one
/// snapshot.
const COALESCE: Duration = Duration::from_millis(250);

/// The server ends each watch after this long and the watcher starts a new
/// one; kube notices a silently dead connection after it plus 5 s, instead
/// of the default 290 s.
const WATCH_TIMEOUT_S: u32 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Deployments,
    Pods,
    Events,
}

const KINDS: [Kind; 3] = [Kind::Deployments, Kind::Pods, Kind::Events];

impl Kind {
    fn index(self) -> usize {
        self as usize
    }

    fn plural(self) -> &'static str {
        match self {
            Kind::Deployments => "deployments",
            Kind::Pods => "pods",
            Kind::Events => "events",
        }
    }
}

/// One item of a kind's watch stream, reduced to what the loop needs.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// A (re-)list is about to be requested: nothing is known yet.
    Starting,
    /// The API server answered; `changed` when the store's content changed
    /// (an object applied or deleted, or a (re-)list completed), `listed`
    /// when a list completed.
    Answered {
        changed: bool,
        listed: bool,
    },
    Failed(String),
}

/// Watches the connection's namespace until `tx` closes. Never panics and
/// never spins: every retry waits on a backoff.
pub async fn run_cluster(conn: KubeConnection, tx: mpsc::Sender<ClusterUpdate>) {
    let KubeConnection {
        client, namespace, ..
    } = conn;
    let (deployments, deployment_writer) = reflector::store::<Deployment>();
    let (pods, pod_writer) = reflector::store::<Pod>();
    let (events, event_writer) = reflector::store::<Event>();
    let mut steps = stream::select_all([
        reflect(
            Kind::Deployments,
            Api::namespaced(client.clone(), &namespace),
            deployment_writer,
        ),
        reflect(
            Kind::Pods,
            Api::namespaced(client.clone(), &namespace),
            pod_writer,
        ),
        reflect(
            Kind::Events,
            Api::namespaced(client.clone(), &namespace),
            event_writer,
        ),
    ]);
    let backoff = Backoff::default();
    let mut health = Health::default();
    let mut dirty = false;
    let mut next_flush = Instant::now();
    let mut probe_attempt = 0u32;
    let mut next_probe: Option<Instant> = None;
    let mut probing: Option<BoxFuture<'static, Vec<(Kind, Step)>>> = None;
    loop {
        let mut updates = Vec::new();
        tokio::select! {
            _ = tx.closed() => return,
            step = steps.next() => {
                let Some((kind, step)) = step else { return };
                dirty |= matches!(step, Step::Answered { changed: true, .. });
                updates.extend(health.apply(kind, step, now_ms()));
            }
            results = wait(&mut probing), if probing.is_some() => {
                probing = None;
                for (kind, step) in results {
                    updates.extend(health.apply(kind, step, now_ms()));
                }
            }
            _ = sleep_until(next_probe), if next_probe.is_some() && probing.is_none() => {
                next_probe = None;
                probing = Some(probe(client.clone(), namespace.clone(), health.failing_kinds()).boxed());
            }
            _ = tokio::time::sleep_until(next_flush), if dirty && health.can_show() => {
                dirty = false;
                next_flush = Instant::now() + COALESCE;
                updates.push(ClusterUpdate::Snapshot(snapshot(&deployments, &pods, &events)));
            }
        }
        if !health.is_failing() {
            probe_attempt = 0;
            next_probe = None;
        } else if next_probe.is_none() && probing.is_none() {
            probe_attempt += 1;
            next_probe = Some(Instant::now() + backoff.delay(probe_attempt, rand::rng().random::<f64>()));
        }
        for update in updates {
            if tx.send(update).await.is_err() {
                return;
            }
        }
    }
}

fn snapshot(
    deployments: &reflector::Store<Deployment>,
    pods: &reflector::Store<Pod>,
    events: &reflector::Store<Event>,
) -> ClusterSnapshot {
    let (deployments, pods, events) = (deployments.state(), pods.state(), events.state());
    ClusterSnapshot::from_objects(
        deployments.iter().map(AsRef::as_ref),
        pods.iter().map(AsRef::as_ref),
        events.iter().map(AsRef::as_ref),
    )
}

async fn wait(probing: &mut Option<BoxFuture<'static, Vec<(Kind, Step)>>>) -> Vec<(Kind, Step)> {
    match probing {
        Some(probe) => probe.await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// `watcher(...).default_backoff().reflect(writer)` for one kind.
fn reflect<K>(kind: Kind, api: Api<K>, writer: Writer<K>) -> BoxStream<'static, (Kind, Step)>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    K::DynamicType: Default + Eq + Hash + Clone + Send + Sync,
{
    let config = watcher::Config::default().timeout(WATCH_TIMEOUT_S);
    watcher(api, config)
        .default_backoff()
        .reflect(writer)
        .map(move |item| (kind, step(kind, item)))
        .boxed()
}

fn step<K>(kind: Kind, item: Result<watcher::Event<K>, watcher::Error>) -> Step {
    match item {
        // Emitted before the list request, so it proves nothing: counting it
        // as an answer would flap Failing/Recovered while the server is down.
        Ok(watcher::Event::Init) => Step::Starting,
        Ok(event) => Step::Answered {
            changed: matches!(
                event,
                watcher::Event::Apply(_) | watcher::Event::Delete(_) | watcher::Event::InitDone
            ),
            listed: matches!(event, watcher::Event::InitDone),
        },
        // 410 Gone: the resource version is too old; the watcher re-lists.
        // The API server answered, so it is not a failure.
        Err(watcher::Error::WatchError(status)) if status.code == 410 => Step::Answered {
            changed: false,
            listed: false,
        },
        Err(error) => Step::Failed(describe(kind, &error)),
    }
}

/// "watching pods: Connection refused (os error 111)".
fn describe(kind: Kind, error: &watcher::Error) -> String {
    let kind = kind.plural();
    match error {
        watcher::Error::InitialListFailed(e) => format!("listing {kind}: {}", KubeError::from(e)),
        watcher::Error::WatchStartFailed(e) | watcher::Error::WatchFailed(e) => {
            format!("watching {kind}: {}", KubeError::from(e))
        }
        watcher::Error::WatchError(status) => {
            format!("watching {kind}: {}", KubeError::from(status.as_ref()))
        }
        other => format!("watching {kind}: {other}"),
    }
}

/// One-item lists of the failing kinds: any answer proves the API server
/// serves them again.
async fn probe(client: Client, namespace: String, kinds: Vec<Kind>) -> Vec<(Kind, Step)> {
    let mut results = Vec::with_capacity(kinds.len());
    for kind in kinds {
        let one = ListParams::default().limit(1);
        let listed = match kind {
            Kind::Deployments => Api::<Deployment>::namespaced(client.clone(), &namespace)
                .list(&one)
                .await
                .map(drop),
            Kind::Pods => Api::<Pod>::namespaced(client.clone(), &namespace)
                .list(&one)
                .await
                .map(drop),
            Kind::Events => Api::<Event>::namespaced(client.clone(), &namespace)
                .list(&one)
                .await
                .map(drop),
        };
        let step = match listed {
            Ok(()) => Step::Answered {
                changed: false,
                listed: false,
            },
            Err(error) => Step::Failed(format!("listing {}: {}", kind.plural(), KubeError::from(error))),
        };
        results.push((kind, step));
    }
    results
}

/// Which kinds fail, since when, and which have been listed once.
#[derive(Debug, Default)]
struct Health {
    failing: [Option<String>; 3],
    listed: [bool; 3],
    since_ms: Option<i64>,
}

impl Health {
    /// The update to send, if any, after `step` of `kind` at `now_ms`.
    fn apply(&mut self, kind: Kind, step: Step, now_ms: i64) -> Option<ClusterUpdate> {
        match step {
            Step::Starting => None,
            Step::Failed(error) => {
                self.failing[kind.index()] = Some(error.clone());
                let since_ms = *self.since_ms.get_or_insert(now_ms);
                Some(ClusterUpdate::Failing { error, since_ms })
            }
            Step::Answered { listed, .. } => {
                self.listed[kind.index()] |= listed;
                self.failing[kind.index()] = None;
                if self.since_ms.is_some() && !self.is_failing() {
                    self.since_ms = None;
                    return Some(ClusterUpdate::Recovered);
                }
                None
            }
        }
    }

    fn is_failing(&self) -> bool {
        self.failing.iter().any(Option::is_some)
    }

    fn failing_kinds(&self) -> Vec<Kind> {
        KINDS
            .into_iter()
            .filter(|k| self.failing[k.index()].is_some())
            .collect()
    }

    /// A snapshot is worth showing once every kind has been listed or has
    /// said why it cannot be: never a half-loaded namespace.
    fn can_show(&self) -> bool {
        KINDS
            .iter()
            .all(|k| self.listed[k.index()] || self.failing[k.index()].is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(listed: bool) -> Step {
        Step::Answered {
            changed: true,
            listed,
        }
    }

    fn failed(error: &str) -> Step {
        Step::Failed(error.to_string())
    }

    #[test]
    fn failing_keeps_its_start_and_recovers_when_every_kind_answers() {
        let mut health = Health::default();
        assert_eq!(
            health.apply(Kind::Pods, failed("a"), 100),
            Some(ClusterUpdate::Failing {
                error: "a".to_string(),
                since_ms: 100
            })
        );
        assert_eq!(
            health.apply(Kind::Events, failed("b"), 200),
            Some(ClusterUpdate::Failing {
                error: "b".to_string(),
                since_ms: 100
            })
        );
        assert_eq!(health.failing_kinds(), vec![Kind::Pods, Kind::Events]);
        assert_eq!(health.apply(Kind::Pods, answered(false), 300), None);
        assert!(health.is_failing());
        assert_eq!(
            health.apply(Kind::Events, answered(false), 400),
            Some(ClusterUpdate::Recovered)
        );
        assert!(!health.is_failing());
        assert_eq!(health.apply(Kind::Events, answered(false), 500), None);
        assert_eq!(
            health.apply(Kind::Deployments, failed("c"), 600),
            Some(ClusterUpdate::Failing {
                error: "c".to_string(),
                since_ms: 600
            })
        );
    }

    #[test]
    fn shows_snapshots_only_once_every_kind_listed_or_failed() {
        let mut health = Health::default();
        health.apply(Kind::Deployments, answered(true), 0);
        health.apply(Kind::Pods, answered(true), 0);
        assert!(!health.can_show());
        health.apply(Kind::Events, failed("events are forbidden"), 0);
        assert!(health.can_show());
        let mut health = Health::default();
        for kind in KINDS {
            health.apply(kind, answered(true), 0);
        }
        assert!(health.can_show());
    }

    #[test]
    fn gone_is_an_answer_and_other_errors_are_described() {
        let gone = kube::core::Status::failure("too old resource version: 1 (5)", "Expired").with_code(410);
        let expired = step::<Pod>(Kind::Pods, Err(watcher::Error::WatchError(gone.boxed())));
        assert_eq!(
            expired,
            Step::Answered {
                changed: false,
                listed: false
            }
        );
        let forbidden =
            kube::core::Status::failure("pods is forbidden: User \"x\" cannot watch", "Forbidden")
                .with_code(403);
        let refused = step::<Pod>(Kind::Pods, Err(watcher::Error::WatchError(forbidden.boxed())));
        assert_eq!(
            refused,
            failed("watching pods: pods is forbidden: User \"x\" cannot watch (403 Forbidden)")
        );
        let buffered = step::<Pod>(Kind::Pods, Ok(watcher::Event::InitApply(Pod::default())));
        assert_eq!(
            buffered,
            Step::Answered {
                changed: false,
                listed: false
            }
        );
        let done = step::<Pod>(Kind::Pods, Ok(watcher::Event::InitDone));
        assert_eq!(done, answered(true));
        assert_eq!(step::<Pod>(Kind::Pods, Ok(watcher::Event::Init)), Step::Starting);
    }

    #[test]
    fn starting_a_list_neither_fails_nor_recovers() {
        let mut health = Health::default();
        health.apply(Kind::Pods, failed("refused"), 100);
        assert_eq!(health.apply(Kind::Pods, Step::Starting, 200), None);
        assert_eq!(health.failing_kinds(), vec![Kind::Pods]);
    }
}
