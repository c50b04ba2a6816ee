//! Kubernetes through kube-rs: connecting as kubectl would, a live cache of
//! one namespace's Deployments, Pods and Events, and the mutations runbook
//! actions make (rollout restart, scale), each with server-side dry run.

mod backups;
mod connect;
mod error;
mod mutate;
mod watch;

pub use backups::{BackupSources, read_backups};
pub use connect::{KubeConnection, KubeTarget, connect};
pub use error::KubeError;
pub use mutate::{get_scale, restart_deployment, scale_deployment};
pub use watch::{ClusterUpdate, run_cluster};
