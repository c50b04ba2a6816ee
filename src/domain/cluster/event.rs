//! Events (core/v1): what the kubelet and controllers said about the
//! namespace's objects, the operator's first clue after a pod's reason.

use k8s_openapi::api::core::v1::Event;

use super::{micro_time_ms, time_ms};

/// Events kept in a snapshot: a busy namespace holds thousands, and the
/// screen shows the newest few.
pub const MAX_EVENTS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EventInfo {
    /// "Warning" or "Normal".
    pub kind: String,
    pub reason: String,
    /// "Pod/web-7d9f8-abcde".
    pub object: String,
    pub message: String,
    /// How often it happened (deduplicated by the API server or the series).
    pub count: i32,
    pub last_seen_ms: Option<i64>,
}

impl EventInfo {
    pub fn is_warning(&self) -> bool {
        self.kind == "Warning"
    }
}

/// The event as the cluster screen shows it. Old-style events carry
/// `count` and `lastTimestamp`; events.k8s.io-style ones `series` and
/// `eventTime`: both are read.
pub fn event_info(event: &Event) -> EventInfo {
    let series = event.series.as_ref();
    let involved = &event.involved_object;
    let last_seen_ms = event
        .last_timestamp
        .as_ref()
        .map(time_ms)
        .or_else(|| {
            series
                .and_then(|s| s.last_observed_time.as_ref())
                .map(micro_time_ms)
        })
        .or_else(|| event.event_time.as_ref().map(micro_time_ms))
        .or_else(|| event.first_timestamp.as_ref().map(time_ms))
        .or_else(|| event.metadata.creation_timestamp.as_ref().map(time_ms));
    EventInfo {
        kind: event.type_.clone().unwrap_or_else(|| "Normal".to_string()),
        reason: event.reason.clone().unwrap_or_default(),
        object: format!(
            "{}/{}",
            involved.kind.as_deref().unwrap_or("?"),
            involved.name.as_deref().unwrap_or("?")
        ),
        message: event.message.clone().unwrap_or_default(),
        count: event.count.or_else(|| series.and_then(|s| s.count)).unwrap_or(1),
        last_seen_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classic_event_uses_count_and_last_timestamp() {
        let event: Event = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "web-1.17f", "namespace": "trading", "creationTimestamp": "2026-11-27T07:00:00Z"},
            "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "trading"},
            "reason": "BackOff", "message": "Back-off restarting failed container app",
            "type": "Warning", "count": 12,
            "firstTimestamp": "2026-11-27T07:00:00Z", "lastTimestamp": "2026-11-27T08:00:00Z"
        }))
        .unwrap();
        let info = event_info(&event);
        assert_eq!(
            info,
            EventInfo {
                kind: "Warning".to_string(),
                reason: "BackOff".to_string(),
                object: "Pod/web-1".to_string(),
                message: "Back-off restarting failed container app".to_string(),
                count: 12,
                last_seen_ms: Some(1_795_766_400_000),
            }
        );
        assert!(info.is_warning());
    }

    #[test]
    fn series_event_uses_series_count_and_last_observed_time() {
        let event: Event = serde_json::from_value(json!({
            "metadata": {"name": "x"},
            "involvedObject": {"kind": "Deployment", "name": "web"},
            "reason": "ScalingReplicaSet", "type": "Normal",
            "eventTime": "2026-11-27T07:59:00.000000Z",
            "series": {"count": 3, "lastObservedTime": "2026-11-27T08:00:00.250000Z"}
        }))
        .unwrap();
        let info = event_info(&event);
        assert_eq!(info.count, 3);
        assert_eq!(info.last_seen_ms, Some(1_795_766_400_250));
        assert_eq!(info.object, "Deployment/web");
        assert!(!info.is_warning());
    }

    #[test]
    fn sparse_event_falls_back_to_event_time_then_creation() {
        let with_time: Event = serde_json::from_value(json!({
            "metadata": {"name": "x", "creationTimestamp": "2026-11-27T07:00:00Z"},
            "involvedObject": {}, "eventTime": "2026-11-27T08:00:00.000001Z"
        }))
        .unwrap();
        let info = event_info(&with_time);
        assert_eq!(info.last_seen_ms, Some(1_795_766_400_000));
        assert_eq!(
            (info.kind.as_str(), info.count, info.object.as_str()),
            ("Normal", 1, "?/?")
        );
        let bare: Event = serde_json::from_value(json!({
            "metadata": {"name": "x", "creationTimestamp": "2026-11-27T07:00:00Z"}, "involvedObject": {}
        }))
        .unwrap();
        assert_eq!(event_info(&bare).last_seen_ms, Some(1_795_762_800_000));
    }
}
