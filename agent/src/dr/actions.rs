//! The DR actions of `POST /api/v1/actions/{name}`: `backup_now` and
//! `restore_drill`; their details are the backup run and the drill.

use crate::http::{Outcome, Params, no_params};

use super::{Dr, Trigger};

/// `backup_now`: no params.
pub(crate) async fn backup_now(dr: &Dr, params: &Params) -> Result<Outcome, String> {
    no_params(params)?;
    let run = dr.backup(Trigger::Action).await;
    let message = match (&run.backup, &run.error) {
        (Some(b), _) => format!(
            "backup {} written: {} bytes in {} ms",
            b.id, b.size_bytes, run.duration_ms
        ),
        (None, Some(e)) => format!("backup failed: {e}"),
        (None, None) => "backup written".to_string(),
    };
    Ok(Outcome {
        ok: run.ok,
        message,
        details: serde_json::to_value(&run).map_err(|e| e.to_string())?,
    })
}

/// `restore_drill`: optional `backup` (an id); the newest good one without.
pub(crate) async fn restore_drill(dr: &Dr, params: &Params) -> Result<Outcome, String> {
    let mut backup = None;
    for (key, value) in params {
        match (key.as_str(), value) {
            ("backup", serde_json::Value::String(id))
                if id.starts_with("backup-") && !id.contains(['/', '\\']) =>
            {
                backup = Some(id.clone());
            }
            ("backup", _) => return Err("backup: a backup id like \"backup-1795758447463\"".to_string()),
            (other, _) => return Err(format!("unknown param {other:?}; restore_drill takes \"backup\"")),
        }
    }
    if let Some(id) = &backup
        && !dr.knows(id)
    {
        return Err(format!("backup: no backup {id:?}; see /api/v1/dr"));
    }
    let drill = dr.drill(backup).await;
    let message = match (&drill.backup_id, &drill.error) {
        (Some(id), None) => format!("drill of {id} passed in {} ms", drill.duration_ms),
        (_, Some(e)) => format!("drill failed: {e}"),
        (None, None) => "drill passed".to_string(),
    };
    Ok(Outcome {
        ok: drill.ok,
        message,
        details: serde_json::to_value(&drill).map_err(|e| e.to_string())?,
    })
}
