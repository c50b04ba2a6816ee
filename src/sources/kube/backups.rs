//! Reads the cluster's backups for the DR screen: backup CronJobs of the
//! namespace and, when its CRDs are served, Velero's Schedules and Backups.
//! Polled (a few objects that change hourly need no watch); each part
//! fails on its own and says why.

use k8s_openapi::api::batch::v1::CronJob;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};

use super::{KubeConnection, KubeError};
use crate::domain::kube_backups::{
    self, KubeBackups, Velero, cronjob_backup, is_backup_cronjob, namespace_backups, velero_schedule,
};

/// Which objects count, from `[dr]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSources {
    /// A CronJob whose name contains this is a backup job.
    pub cronjob_name_match: String,
    /// Where Velero keeps its Schedules and Backups.
    pub velero_namespace: String,
}

impl Default for BackupSources {
    fn default() -> BackupSources {
        BackupSources {
            cronjob_name_match: kube_backups::DEFAULT_NAME_MATCH.to_string(),
            velero_namespace: "velero".to_string(),
        }
    }
}

/// One read of both parts.
pub async fn read_backups(connection: &KubeConnection, sources: &BackupSources) -> KubeBackups {
    let (cronjobs, velero) = tokio::join!(
        read_cronjobs(connection, &sources.cronjob_name_match),
        read_velero(connection, &sources.velero_namespace),
    );
    KubeBackups {
        namespace: connection.namespace.clone(),
        cronjobs: cronjobs.map_err(|e| format!("CronJobs: {e}")),
        velero: velero.map_err(|e| format!("Velero: {e}")),
    }
}

async fn read_cronjobs(
    connection: &KubeConnection,
    name_match: &str,
) -> Result<Vec<kube_backups::CronJobBackup>, KubeError> {
    let api: Api<CronJob> = Api::namespaced(connection.client.clone(), &connection.namespace);
    let list = api.list(&ListParams::default()).await?;
    let mut jobs: Vec<_> = list
        .items
        .iter()
        .filter(|job| is_backup_cronjob(job, name_match))
        .map(cronjob_backup)
        .collect();
    jobs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(jobs)
}

/// A 404 on the Schedules list means the velero.io CRDs are not served.
async fn read_velero(connection: &KubeConnection, namespace: &str) -> Result<Velero, KubeError> {
    let schedules = match list_velero(connection, namespace, "Schedule", "schedules").await {
        Ok(items) => items,
        Err(error) if error.is_not_found() => return Ok(Velero::NotInstalled),
        Err(error) => return Err(error),
    };
    let backups = list_velero(connection, namespace, "Backup", "backups").await?;
    let mut schedules: Vec<_> = schedules.iter().map(velero_schedule).collect();
    schedules.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Velero::Installed {
        schedules,
        backups: namespace_backups(&backups, &connection.namespace),
    })
}

async fn list_velero(
    connection: &KubeConnection,
    namespace: &str,
    kind: &str,
    plural: &str,
) -> Result<Vec<serde_json::Value>, KubeError> {
    let gvk = GroupVersionKind::gvk("velero.io", "v1", kind);
    let resource = ApiResource::from_gvk_with_plural(&gvk, plural);
    let api: Api<DynamicObject> = Api::namespaced_with(connection.client.clone(), namespace, &resource);
    let list = api.list(&ListParams::default()).await?;
    list.items
        .into_iter()
        .map(|object| serde_json::to_value(object).map_err(|e| KubeError::Invalid(format!("a {kind}: {e}"))))
        .collect()
}
