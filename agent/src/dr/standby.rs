//! Replication status: a standby agent's own `/api/v1/dr` is polled and its
//! newest good backup compared with this agent's. The standby is trusted
//! for nothing but its answer; an unreachable or garbled one is reported as
//! such, never guessed.

use std::time::Duration;

use crate::api::{DrReplication, DrStatus, ReplicationState};

use super::status::newest_good;

/// Longest wait for the standby's answer.
const POLL_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest answer read from the standby.
const MAX_ANSWER_BYTES: usize = 4 << 20;

/// Replication status before any poll.
pub(crate) fn initial(standby: &str) -> DrReplication {
    DrReplication {
        state: if standby.is_empty() {
            ReplicationState::NotConfigured
        } else {
            ReplicationState::Unknown
        },
        standby: (!standby.is_empty()).then(|| standby.to_string()),
        last_poll_at: None,
        standby_newest_backup_at: None,
        lag_ms: None,
        error: None,
    }
}

/// The status after a poll at `now`: `answer` is the standby's document or
/// why there is none; `ours` is this agent's newest good backup time.
pub(crate) fn judge(
    standby: &str,
    now: i64,
    ours: Option<i64>,
    answer: Result<DrStatus, String>,
) -> DrReplication {
    let mut status = DrReplication {
        last_poll_at: Some(now),
        ..initial(standby)
    };
    match answer {
        Err(error) => {
            status.state = ReplicationState::Unreachable;
            status.error = Some(error);
        }
        Ok(theirs) => match newest_good(&theirs.backups) {
            None => {
                status.state = ReplicationState::NoBackup;
                status.error = Some("the standby has no good backup".to_string());
            }
            Some(newest) => {
                status.state = ReplicationState::Ok;
                status.standby_newest_backup_at = Some(newest.created_at);
                status.lag_ms =
                    Some(ours.map_or(0, |ours| u64::try_from(ours - newest.created_at).unwrap_or(0)));
            }
        },
    }
    status
}

/// Polls the standby once.
pub(crate) async fn fetch(client: &reqwest::Client, standby: &str) -> Result<DrStatus, String> {
    let url = format!("{standby}/api/v1/dr");
    let response = client
        .get(&url)
        .timeout(POLL_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {}", causes(&e)))?;
    let code = response.status();
    if !code.is_success() {
        return Err(format!("GET {url}: HTTP {code}"));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("GET {url}: {}", causes(&e)))?;
    if body.len() > MAX_ANSWER_BYTES {
        return Err(format!("GET {url}: answer larger than {MAX_ANSWER_BYTES} bytes"));
    }
    serde_json::from_slice(&body).map_err(|e| format!("GET {url}: not a DR status: {e}"))
}

/// An error with its causes (reqwest's own text leaves out "connection
/// refused" and the like).
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{DrBackup, DrObjective};

    fn theirs(backups: &[(i64, bool)]) -> DrStatus {
        let objective = DrObjective {
            current_ms: None,
            target_ms: 1,
            met: false,
        };
        DrStatus {
            now: 0,
            backup_dir: Some("b".into()),
            backup_dir_error: None,
            schedule_enabled: true,
            interval_s: 300,
            backups: backups
                .iter()
                .map(|&(created_at, good)| DrBackup {
                    id: format!("backup-{created_at}"),
                    created_at,
                    size_bytes: 1,
                    checksum: "c".into(),
                    verified: good,
                    verified_at: None,
                    problem: (!good).then(|| "corrupt".to_string()),
                })
                .collect(),
            storage_bytes: 1,
            rpo: objective.clone(),
            rto: objective,
            last_backup: None,
            last_drill: None,
            restored_at_start: None,
            replication: initial(""),
        }
    }

    #[test]
    fn lag_is_how_far_the_standby_backup_is_behind_ours() {
        let s = "http://standby:8080";
        let ok = judge(
            s,
            100,
            Some(50_000),
            Ok(theirs(&[(49_000, false), (20_000, true)])),
        );
        assert_eq!(ok.state, ReplicationState::Ok);
        assert_eq!(ok.standby_newest_backup_at, Some(20_000));
        assert_eq!(ok.lag_ms, Some(30_000), "the corrupt newer one does not count");
        let ahead = judge(s, 100, Some(1_000), Ok(theirs(&[(2_000, true)])));
        assert_eq!(ahead.lag_ms, Some(0));
        let none = judge(s, 100, Some(1_000), Ok(theirs(&[(2_000, false)])));
        assert_eq!((none.state, none.lag_ms), (ReplicationState::NoBackup, None));
        let down = judge(s, 100, None, Err("refused".into()));
        assert_eq!(down.state, ReplicationState::Unreachable);
        assert_eq!(down.error.as_deref(), Some("refused"));
        assert_eq!(down.last_poll_at, Some(100));
        assert_eq!(initial("").state, ReplicationState::NotConfigured);
        assert_eq!(initial(s).state, ReplicationState::Unknown);
    }
}
