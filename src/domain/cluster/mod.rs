//! The cluster screen's model: a namespace's Deployments, Pods and Events
//! reduced to what an operator reads (replicas, rollout state, why a pod is
//! not ready, recent warnings), and the verdict after a runbook action.
//! Pure conversions from the k8s-openapi types, so every derivation is tested
//! on the JSON the API server sends, without a server.

mod deployment;
mod event;
mod pod;
mod resources;
mod verdict;

pub use deployment::{DeploymentInfo, Rollout, deployment_info};
pub use event::{EventInfo, MAX_EVENTS, event_info};
pub use pod::{PodInfo, RESTARTED_AT, pod_info};
pub use resources::{PodResources, parse_quantity, pod_resources};
pub use verdict::{Verdict, rollout_verdict};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};

/// One consistent view of a namespace, sorted for display.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClusterSnapshot {
    /// By name.
    pub deployments: Vec<DeploymentInfo>,
    /// Unhealthy first (they are what the operator came for), then by name.
    pub pods: Vec<PodInfo>,
    /// Warnings first, each group newest first; at most [`MAX_EVENTS`].
    pub events: Vec<EventInfo>,
}

impl ClusterSnapshot {
    /// Converts and sorts the objects of one namespace.
    pub fn from_objects<'a>(
        deployments: impl IntoIterator<Item = &'a Deployment>,
        pods: impl IntoIterator<Item = &'a Pod>,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> ClusterSnapshot {
        let mut deployments: Vec<DeploymentInfo> = deployments.into_iter().map(deployment_info).collect();
        deployments.sort_by(|a, b| a.name.cmp(&b.name));
        let mut pods: Vec<PodInfo> = pods.into_iter().map(pod_info).collect();
        pods.sort_by(|a, b| a.healthy.cmp(&b.healthy).then_with(|| a.name.cmp(&b.name)));
        let mut events: Vec<EventInfo> = events.into_iter().map(event_info).collect();
        events.sort_by(|a, b| {
            b.is_warning()
                .cmp(&a.is_warning())
                .then_with(|| b.last_seen_ms.cmp(&a.last_seen_ms))
                .then_with(|| a.object.cmp(&b.object))
        });
        events.truncate(MAX_EVENTS);
        ClusterSnapshot {
            deployments,
            pods,
            events,
        }
    }

    pub fn deployment(&self, name: &str) -> Option<&DeploymentInfo> {
        self.deployments.iter().find(|d| d.name == name)
    }

    /// The pods a deployment owns (through its ReplicaSets).
    pub fn pods_of<'a>(&'a self, deployment: &'a str) -> impl Iterator<Item = &'a PodInfo> {
        self.pods
            .iter()
            .filter(move |p| p.owner.as_deref() == Some(deployment))
    }
}

fn time_ms(time: &Time) -> i64 {
    time.0.as_millisecond()
}

fn micro_time_ms(time: &MicroTime) -> i64 {
    time.0.as_millisecond()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, ready: bool) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name},
            "spec": {"containers": [{"name": "app"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "app", "ready": ready, "restartCount": 0, "image": "x", "imageID": ""}
            ]}
        }))
        .unwrap()
    }

    fn event(name: &str, kind: &str, last: &str) -> Event {
        serde_json::from_value(json!({
            "metadata": {"name": name},
            "involvedObject": {"kind": "Pod", "name": name},
            "type": kind, "reason": "R", "message": "m", "lastTimestamp": last
        }))
        .unwrap()
    }

    fn deployment(name: &str) -> Deployment {
        serde_json::from_value(json!({"metadata": {"name": name}})).unwrap()
    }

    #[test]
    fn snapshot_sorts_for_display() {
        let deployments = [deployment("web"), deployment("api")];
        let pods = [pod("a-ok", true), pod("z-bad", false), pod("b-ok", true)];
        let events = [
            event("old-warning", "Warning", "2026-01-01T00:00:00Z"),
            event("new-normal", "Normal", "2026-01-01T00:05:00Z"),
            event("new-warning", "Warning", "2026-01-01T00:02:00Z"),
        ];
        let snapshot = ClusterSnapshot::from_objects(&deployments, &pods, &events);
        let names = |v: Vec<&str>| v.into_iter().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            snapshot
                .deployments
                .iter()
                .map(|d| d.name.clone())
                .collect::<Vec<_>>(),
            names(vec!["api", "web"])
        );
        assert_eq!(
            snapshot.pods.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
            names(vec!["z-bad", "a-ok", "b-ok"])
        );
        assert_eq!(
            snapshot
                .events
                .iter()
                .map(|e| e.object.clone())
                .collect::<Vec<_>>(),
            names(vec!["Pod/new-warning", "Pod/old-warning", "Pod/new-normal"])
        );
    }

    #[test]
    fn snapshot_keeps_the_newest_events_only() {
        let events: Vec<Event> = (0..MAX_EVENTS + 5)
            .map(|i| {
                event(
                    &format!("e{i:04}"),
                    "Normal",
                    &format!("2026-01-01T00:{:02}:{:02}Z", i / 60, i % 60),
                )
            })
            .collect();
        let snapshot = ClusterSnapshot::from_objects([], [], &events);
        assert_eq!(snapshot.events.len(), MAX_EVENTS);
        assert_eq!(snapshot.events[0].object, format!("Pod/e{:04}", MAX_EVENTS + 4));
        assert!(snapshot.events.iter().all(|e| e.object != "Pod/e0000"));
    }
}
