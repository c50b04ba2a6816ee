//! After a restart or scale: has the deployment recovered? Recovered means
//! the rollout is complete and every pod it owns is ready, and, for a
//! restart, that those pods are the restarted ones.

use std::collections::BTreeMap;

use super::{ClusterSnapshot, Rollout};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub recovered: bool,
    /// One short line for the screen: "3/3 ready, rollout complete" or
    /// "2/3 updated, 1/3 ready, 1 pod CrashLoopBackOff".
    pub detail: String,
}

/// Judges `deployment` in `snapshot`. `restarted_at_ms` is the console's
/// clock when it restarted the deployment (`None` for other actions): the
/// deployment's pods must then carry a restart stamp from that second on
/// (the annotation is written with the same clock, so cluster clock skew
/// does not matter), or have been created since.
pub fn rollout_verdict(
    snapshot: &ClusterSnapshot,
    deployment: &str,
    restarted_at_ms: Option<i64>,
) -> Verdict {
    let Some(info) = snapshot.deployment(deployment) else {
        return Verdict {
            recovered: false,
            detail: format!("deployment {deployment} not found"),
        };
    };
    let pods: Vec<_> = snapshot.pods_of(deployment).filter(|p| !p.terminating).collect();
    let ready_pods = pods.iter().filter(|p| p.healthy).count();
    let stale = restarted_at_ms.map_or(0, |since| {
        let since_second = since - since.rem_euclid(1000);
        pods.iter()
            .filter(|p| {
                let stamped = p.restarted_at_ms.is_some_and(|at| at >= since_second);
                let created = p.created_at_ms.is_some_and(|at| at >= since);
                !(stamped || created)
            })
            .count()
    });
    let mut unhealthy: BTreeMap<&str, usize> = BTreeMap::new();
    for pod in pods.iter().filter(|p| !p.healthy) {
        *unhealthy
            .entry(pod.reason.as_deref().unwrap_or("not ready"))
            .or_default() += 1;
    }
    let desired = usize::try_from(info.desired).unwrap_or(0);
    let ready = format!("{ready_pods}/{desired} ready");
    let recovered =
        info.rollout == Rollout::Complete && unhealthy.is_empty() && stale == 0 && ready_pods >= desired;
    if recovered {
        return Verdict {
            recovered,
            detail: format!("{ready}, rollout complete"),
        };
    }
    let mut parts = Vec::new();
    match &info.rollout {
        Rollout::Complete => {}
        Rollout::Progressing { .. } if info.updated < info.desired => {
            parts.push(format!("{}/{} updated", info.updated, info.desired));
        }
        Rollout::Progressing { reason } => parts.push(reason.clone()),
        Rollout::Paused => parts.push("rollout paused".to_string()),
        Rollout::Stalled { reason } => parts.push(format!("rollout stalled: {reason}")),
    }
    parts.push(ready);
    parts.extend(
        unhealthy
            .iter()
            .map(|(reason, n)| format!("{n} {} {reason}", plural(*n))),
    );
    if stale > 0 {
        parts.push(format!("{stale} {} from before the restart", plural(stale)));
    }
    Verdict {
        recovered,
        detail: parts.join(", "),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "pod" } else { "pods" }
}

#[cfg(test)]
mod tests {
    use super::super::{DeploymentInfo, PodInfo};
    use super::*;

    const RESTART_MS: i64 = 1_795_766_400_400;

    fn deployment(desired: i32, updated: i32, rollout: Rollout) -> DeploymentInfo {
        DeploymentInfo {
            name: "web".to_string(),
            desired,
            ready: updated,
            updated,
            available: updated,
            rollout,
            created_at_ms: Some(0),
            generation: 2,
            observed_generation: 2,
        }
    }

    fn pod(name: &str, reason: Option<&str>, created_at_ms: i64) -> PodInfo {
        PodInfo {
            name: name.to_string(),
            phase: "Running".to_string(),
            ready_containers: usize::from(reason.is_none()),
            containers: 1,
            restarts: 0,
            node: None,
            reason: reason.map(str::to_string),
            created_at_ms: Some(created_at_ms),
            healthy: reason.is_none(),
            terminating: false,
            owner: Some("web".to_string()),
            restarted_at_ms: None,
            resources: Default::default(),
        }
    }

    fn snapshot(deployment: DeploymentInfo, pods: Vec<PodInfo>) -> ClusterSnapshot {
        ClusterSnapshot {
            deployments: vec![deployment],
            pods,
            events: vec![],
        }
    }

    fn verdict(snapshot: &ClusterSnapshot, since: Option<i64>) -> (bool, String) {
        let v = rollout_verdict(snapshot, "web", since);
        (v.recovered, v.detail)
    }

    #[test]
    fn complete_and_all_ready_is_recovered() {
        let s = snapshot(
            deployment(2, 2, Rollout::Complete),
            vec![pod("a", None, 0), pod("b", None, 0)],
        );
        assert_eq!(
            verdict(&s, None),
            (true, "2/2 ready, rollout complete".to_string())
        );
    }

    #[test]
    fn rolling_with_a_crashing_pod_is_not_yet() {
        let rollout = Rollout::Progressing {
            reason: "2 out of 3 new replicas have been updated".to_string(),
        };
        let pods = vec![
            pod("a", None, 0),
            pod("b", Some("CrashLoopBackOff"), 0),
            pod("c", None, 0),
        ];
        let s = snapshot(deployment(3, 2, rollout), pods);
        assert_eq!(
            verdict(&s, None),
            (
                false,
                "2/3 updated, 2/3 ready, 1 pod CrashLoopBackOff".to_string()
            )
        );
    }

    #[test]
    fn stalled_and_paused_say_so() {
        let stalled = Rollout::Stalled {
            reason: "ProgressDeadlineExceeded".to_string(),
        };
        let pods = vec![
            pod("a", Some("ImagePullBackOff"), 0),
            pod("b", Some("ImagePullBackOff"), 0),
        ];
        let s = snapshot(deployment(2, 2, stalled), pods);
        assert_eq!(
            verdict(&s, None),
            (
                false,
                "rollout stalled: ProgressDeadlineExceeded, 0/2 ready, 2 pods ImagePullBackOff".to_string()
            )
        );
        let s = snapshot(deployment(1, 1, Rollout::Paused), vec![pod("a", None, 0)]);
        assert_eq!(
            verdict(&s, None),
            (false, "rollout paused, 1/1 ready".to_string())
        );
    }

    #[test]
    fn progressing_without_missing_updates_gives_kubectls_reason() {
        let rollout = Rollout::Progressing {
            reason: "1 old replicas are pending termination".to_string(),
        };
        let s = snapshot(deployment(1, 1, rollout), vec![pod("a", None, 0)]);
        assert_eq!(
            verdict(&s, None),
            (
                false,
                "1 old replicas are pending termination, 1/1 ready".to_string()
            )
        );
    }

    #[test]
    fn restart_needs_pods_from_after_the_restart() {
        let old = pod("old", None, RESTART_MS - 60_000);
        let s = snapshot(deployment(1, 1, Rollout::Complete), vec![old.clone()]);
        assert_eq!(
            verdict(&s, Some(RESTART_MS)),
            (false, "1/1 ready, 1 pod from before the restart".to_string())
        );
        let created_after = pod("new", None, RESTART_MS + 1);
        let s = snapshot(deployment(1, 1, Rollout::Complete), vec![created_after]);
        assert!(verdict(&s, Some(RESTART_MS)).0);
    }

    #[test]
    fn restart_stamp_in_the_same_second_counts_even_with_a_slow_cluster_clock() {
        let mut stamped = pod("new", None, RESTART_MS - 5_000);
        stamped.restarted_at_ms = Some(RESTART_MS - RESTART_MS % 1000);
        let s = snapshot(deployment(1, 1, Rollout::Complete), vec![stamped.clone()]);
        assert!(verdict(&s, Some(RESTART_MS)).0);
        stamped.restarted_at_ms = Some(RESTART_MS - RESTART_MS % 1000 - 1000);
        let s = snapshot(deployment(1, 1, Rollout::Complete), vec![stamped]);
        assert!(!verdict(&s, Some(RESTART_MS)).0);
    }

    #[test]
    fn terminating_old_pods_do_not_hold_back_the_verdict() {
        let mut leaving = pod("old", Some("Terminating"), RESTART_MS - 60_000);
        leaving.terminating = true;
        let s = snapshot(
            deployment(1, 1, Rollout::Complete),
            vec![leaving, pod("new", None, RESTART_MS + 10)],
        );
        assert_eq!(
            verdict(&s, Some(RESTART_MS)),
            (true, "1/1 ready, rollout complete".to_string())
        );
    }

    #[test]
    fn fewer_ready_pods_than_desired_is_not_yet() {
        let s = snapshot(deployment(3, 3, Rollout::Complete), vec![pod("a", None, 0)]);
        assert_eq!(verdict(&s, None), (false, "1/3 ready".to_string()));
    }

    #[test]
    fn scaled_to_zero_with_no_pods_is_recovered() {
        let s = snapshot(deployment(0, 0, Rollout::Complete), vec![]);
        assert!(verdict(&s, None).0);
    }

    #[test]
    fn missing_deployment_is_not_recovered() {
        let v = rollout_verdict(&ClusterSnapshot::default(), "web", None);
        assert_eq!(
            (v.recovered, v.detail.as_str()),
            (false, "deployment web not found")
        );
    }

    #[test]
    fn pods_of_other_deployments_do_not_count() {
        let mut other = pod("api-1", Some("CrashLoopBackOff"), 0);
        other.owner = Some("api".to_string());
        let s = snapshot(
            deployment(1, 1, Rollout::Complete),
            vec![pod("a", None, 0), other],
        );
        assert!(verdict(&s, None).0);
    }
}
