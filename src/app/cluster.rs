//! State of the cluster screen: the latest snapshot of the namespace from
//! the Kubernetes watch, which pane has the focus, and the selection in
//! each pane (kept by name, so it follows its object as the lists change).

use mdops_views::model::ClusterPane;

use super::filter::FilterInput;
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
    /// Narrows every pane: deployments by name and rollout, pods by name,
    /// phase, node and reason, events by every field.
    pub filter: FilterInput,
    pub filter_editing: bool,
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
            filter: FilterInput::default(),
            filter_editing: false,
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

    /// Indexes into the snapshot's list of `pane` of the rows the filter
    /// lets through, in order.
    pub fn shown(&self, pane: ClusterPane) -> Vec<usize> {
        let Some(snapshot) = self.snapshot.as_ref() else {
            return Vec::new();
        };
        let f = &self.filter;
        let keep = |i: usize, pass: bool| pass.then_some(i);
        match pane {
            ClusterPane::Deployments => (snapshot.deployments.iter().enumerate())
                .filter_map(|(i, d)| {
                    let rollout = self.rollout_text.get(i).map_or("", String::as_str);
                    keep(i, f.matches_any([d.name.as_str(), rollout]))
                })
                .collect(),
            ClusterPane::Pods => (snapshot.pods.iter().enumerate())
                .filter_map(|(i, p)| {
                    let texts = [
                        Some(p.name.as_str()),
                        Some(p.phase.as_str()),
                        p.node.as_deref(),
                        p.reason.as_deref(),
                    ];
                    keep(i, f.matches_any(texts.into_iter().flatten()))
                })
                .collect(),
            ClusterPane::Events => (snapshot.events.iter().enumerate())
                .filter_map(|(i, e)| {
                    keep(
                        i,
                        f.matches_any([&e.kind, &e.reason, &e.object, &e.message].map(String::as_str)),
                    )
                })
                .collect(),
        }
    }

    /// Index into the snapshot's list of `pane` of its selected row.
    fn selected_in(&self, pane: ClusterPane) -> Option<usize> {
        let snapshot = self.snapshot.as_ref()?;
        match pane {
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

    /// Index of the selection among the shown rows of the focused pane.
    pub fn selected_index(&self) -> Option<usize> {
        let selected = self.selected_in(self.focus)?;
        self.shown(self.focus).iter().position(|&i| i == selected)
    }

    /// Selects shown row `position` of the focused pane (clamped to the last).
    pub fn select(&mut self, position: usize) {
        let shown = self.shown(self.focus);
        let (Some(snapshot), Some(&last)) = (self.snapshot.as_ref(), shown.last()) else {
            return;
        };
        let target = shown.get(position).copied().unwrap_or(last);
        match self.focus {
            ClusterPane::Deployments => {
                self.selected_deployment = Some(snapshot.deployments[target].name.clone())
            }
            ClusterPane::Pods => self.selected_pod = Some(snapshot.pods[target].name.clone()),
            ClusterPane::Events => self.selected_event = target,
        }
    }

    /// Moves the selection of the focused pane by `delta` shown rows
    /// (`isize::MIN` / `MAX`: first / last).
    pub fn move_selection(&mut self, delta: isize) {
        let len = self.shown(self.focus).len();
        if len == 0 {
            return;
        }
        let current = self.selected_index().unwrap_or(0);
        self.select(super::selection::step(current, delta, len));
    }

    /// After the filter changed: each pane's selection stays where it
    /// still shows, else goes to the pane's first shown row.
    pub fn follow_filter(&mut self) {
        let focus = self.focus;
        for pane in [ClusterPane::Deployments, ClusterPane::Pods, ClusterPane::Events] {
            let shown = self.shown(pane);
            let kept = self.selected_in(pane).is_some_and(|i| shown.contains(&i));
            if !kept && !shown.is_empty() {
                self.focus = pane;
                self.select(0);
            }
        }
        self.focus = focus;
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
