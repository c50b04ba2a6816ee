//! The cluster's own backups in an environment's DR column: its RPO from
//! the newest good backup, one line per backup CronJob, and Velero's
//! schedules and the namespace's newest backups (only `Completed` ones
//! count; the others are listed with their phase so nothing looks safer
//! than it is).

use ratatui::text::{Line, Span};

use super::super::{Ctx, text};
use super::{LABEL_W, objective};
use crate::model::{KubeBackupsModel, VeleroModel};

/// Velero backups listed under the schedules.
const VELERO_ROWS: usize = 3;

pub(super) fn lines<'a>(k: &'a KubeBackupsModel, ctx: &Ctx) -> Vec<Line<'a>> {
    let th = ctx.theme;
    let label = |l: &str| Span::styled(format!("{l:<LABEL_W$}"), th.muted);
    let mut lines = vec![objective("cluster RPO", "NO BACKUP", &k.rpo, ctx)];
    match &k.cronjobs {
        Err(why) => lines.push(Line::from(vec![
            label("cronjobs"),
            Span::styled(text::sanitize(why), th.critical),
        ])),
        Ok(jobs) if jobs.is_empty() => lines.push(Line::from(vec![
            label("cronjobs"),
            Span::styled(
                format!("no backup CronJob in {}", text::sanitize(k.namespace)),
                th.muted,
            ),
        ])),
        Ok(jobs) => {
            for job in jobs {
                let mut spans = vec![
                    label("cronjob"),
                    Span::raw(format!("{} ", text::sanitize(job.name))),
                    Span::styled(format!("{} ", text::sanitize(job.schedule)), th.muted),
                    match job.last_success {
                        Some(age) => Span::styled(format!("ok {} ago", text::span(age)), th.ok),
                        None => Span::styled("never succeeded", th.warn),
                    },
                ];
                if job.suspended {
                    spans.push(Span::styled(" SUSPENDED", th.warn));
                }
                if job.active > 0 {
                    spans.push(Span::styled(format!(" {} running", job.active), th.muted));
                }
                lines.push(Line::from(spans));
            }
        }
    }
    match &k.velero {
        Err(why) => lines.push(Line::from(vec![
            label("velero"),
            Span::styled(text::sanitize(why), th.critical),
        ])),
        Ok(VeleroModel::NotInstalled) => lines.push(Line::from(vec![
            label("velero"),
            Span::styled("not installed", th.muted),
        ])),
        Ok(VeleroModel::Installed {
            schedules,
            backups,
            completed,
        }) => {
            for s in schedules {
                let mut spans = vec![
                    label("velero"),
                    Span::raw(format!("{} ", text::sanitize(s.name))),
                    Span::styled(format!("{} ", text::sanitize(s.schedule)), th.muted),
                    match s.last_backup {
                        Some(age) => Span::raw(format!("last {} ago", text::span(age))),
                        None => Span::styled("no backup yet", th.warn),
                    },
                ];
                if s.paused {
                    spans.push(Span::styled(" PAUSED", th.warn));
                }
                if !s.phase.is_empty() && s.phase != "Enabled" {
                    spans.push(Span::styled(format!(" {}", text::sanitize(s.phase)), th.critical));
                }
                lines.push(Line::from(spans));
            }
            lines.push(Line::from(vec![
                label("velero"),
                Span::raw(format!("{completed} completed of {} listed", backups.len())),
            ]));
            for b in backups.iter().take(VELERO_ROWS) {
                let style = if b.completed { th.ok } else { th.warn };
                let mut spans = vec![
                    Span::raw(" ".repeat(LABEL_W)),
                    Span::styled(format!("{} ", text::sanitize(b.phase)), style),
                    Span::raw(text::sanitize(b.name)),
                ];
                if let Some(age) = b.age {
                    spans.push(Span::styled(format!(" {} ago", text::span(age)), th.muted));
                }
                if b.errors > 0 {
                    spans.push(Span::styled(format!(" {} errors", b.errors), th.critical));
                }
                lines.push(Line::from(spans));
            }
        }
    }
    lines
}
