//! The agent's DR status (`/api/v1/dr`), polled on an interval, and read
//! once more on demand after a backup or a drill.

use std::time::Duration;

use tokio::sync::mpsc;

use super::agent::AgentClient;
use super::{now_ms, poll_every};
use crate::app::{Msg, SourceId};
use crate::domain::backoff::Backoff;

pub async fn run_dr(client: AgentClient, every: Duration, tx: mpsc::Sender<Msg>, backoff: Backoff) {
    poll_every(SourceId::AgentDr, every, backoff, tx, || {
        let client = client.clone();
        async move { read(&client).await }
    })
    .await;
}

/// One read, as the message the app takes.
pub async fn read(client: &AgentClient) -> Result<Msg, String> {
    let status = client.dr().await?;
    Ok(Msg::Dr {
        status: Box::new(status),
        at_ms: now_ms(),
    })
}
