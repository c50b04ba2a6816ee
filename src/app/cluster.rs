//! State of the cluster screen: the latest snapshot of the namespace from
//! the Kubernetes watch, which pane has the focus, and the selection in
//! each pane (kept by name, so it follows its object as the lists change).

use mdops_views::model::ClusterPane;

use crate::domain::cluster::{ClusterSnapshot, Rollout};

#[derive(Debug)]
pub struct ClusterState {
    /// `context prod-eu, namespace mda`.
    pub context_text: String,
    pub namespace: String,
    pub snapshot: Option<ClusterSnapshot>,
    /// Each deployment's rollout in words, in `snapshot.deployments` order.
    pub rollout_text: Vec<String>,
    pub focus: ClusterPane,
    /// Selected deployment, pod and event, by name (events by position).
    pub selected_deployment: Option<String>,
    pub selected_pod: Option<String>,
    pub selected_event: usize,
}

impl ClusterState {
    pub fn new(context: &str, namespace: &str) -> ClusterState {
        ClusterState {
            context_text: format!("context {context}, namespace {namespace}"),
            namespace: namespace.to_string(),
            snapshot: None,
            rollout_text: Vec::new(),
            focus: ClusterPane::Deployments,
            selected_deployment: None,
            selected_pod: None,
            selected_event: 0,
        }
    }

    pub fn apply(&mut self, snapshot: ClusterSnapshot) {
        self.rollout_text = snapshot
            .deployments
            .iter()
            .map(|d| rollout_words(&d.rollout))
            .collect();
        let keep = |selected: &Option<String>, names: Vec<&String>| {
            selected
                .as_ref()
                .filter(|name| names.contains(name))
                .cloned()
                .or_else(|| names.first().map(|n| n.to_string()))
        };
        self.selected_deployment = keep(
            &self.selected_deployment,
            snapshot.deployments.iter().map(|d| &d.name).collect(),
        );
        self.selected_pod = keep(
            &self.selected_pod,
            snapshot.pods.iter().map(|p| &p.name).collect(),
        );
        self.selected_event = self.selected_event.min(snapshot.events.len().saturating_sub(1));
        self.snapshot = Some(snapshot);
    }

    /// Index of the selection in the focused pane.
    pub fn selected_index(&self) -> Option<usize> {
        let snapshot = self.snapshot.as_ref()?;
        match self.focus {
            ClusterPane::Deployments => {
                let name = self.selected_deployment.as_ref()?;
                snapshot.deployments.iter().position(|d| &d.name == name)
            }
            ClusterPane::Pods => {
                let name = self.selected_pod.as_ref()?;
                snapshot.pods.iter().position(|p| &p.name == name)
            }
            ClusterPane::Events => (!snapshot.events.is_empty()).then_some(self.selected_event),
        }
    }

    /// Moves the selection of the focused pane by `delta` rows
    /// (`isize::MIN` / `MAX`: first / last).
    pub fn move_selection(&mut self, delta: isize) {
        let Some(snapshot) = self.snapshot.as_ref() else {
            return;
        };
        let len = match self.focus {
            ClusterPane::Deployments => snapshot.deployments.len(),
            ClusterPane::Pods => snapshot.pods.len(),
            ClusterPane::Events => snapshot.events.len(),
        };
        if len == 0 {
            return;
        }
        let current = self.selected_index().unwrap_or(0);
        let target = match delta {
            isize::MIN => 0,
            isize::MAX => len - 1,
            _ => current.saturating_add_signed(delta).min(len - 1),
        };
        match self.focus {
            ClusterPane::Deployments => {
                self.selected_deployment = Some(snapshot.deployments[target].name.clone())
            }
            ClusterPane::Pods => self.selected_pod = Some(snapshot.pods[target].name.clone()),
            ClusterPane::Events => self.selected_event = target,
        }
    }

    /// Focus on the next (or previous) pane.
    pub fn cycle_focus(&mut self, forward: bool) {
        const ORDER: [ClusterPane; 3] = [ClusterPane::Deployments, ClusterPane::Pods, ClusterPane::Events];
        let i = ORDER.iter().position(|&p| p == self.focus).unwrap_or(0);
        self.focus = ORDER[if forward { (i + 1) % 3 } else { (i + 2) % 3 }];
    }

    /// The selected deployment's desired replicas: the scale prompt's start.
    pub fn desired_replicas(&self, deployment: &str) -> Option<i32> {
        self.snapshot.as_ref()?.deployment(deployment).map(|d| d.desired)
    }
}

/// `complete`, `progressing`, `paused`, `stalled: <reason>`.
pub fn rollout_words(rollout: &Rollout) -> String {
    match rollout {
        Rollout::Complete => "complete".to_string(),
        Rollout::Progressing { .. } => "progressing".to_string(),
        Rollout::Paused => "paused".to_string(),
        Rollout::Stalled { reason } => format!("stalled: {reason}"),
    }
}
