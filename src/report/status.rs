//! `status`: what has been migrated, held (by reason), not yet seen, queued, sent, failed,
//! and the last runs — read from the target's bookkeeping tables.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use sqlx::PgPool;

/// One past run.
#[derive(Debug, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub command: String,
    pub status: String,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub seconds: Option<f64>,
    pub accounts: i64,
}

#[derive(Debug, Serialize)]
pub struct Status {
    pub migrated: i64,
    pub held: i64,
    pub held_by_reason: BTreeMap<String, i64>,
    /// Legacy accounts with no `migration.accounts` row; `None` when the legacy database
    /// could not be counted.
    pub not_yet_seen: Option<i64>,
    /// Legacy account rows the operator declared out of scope, per reason (never migrated,
    /// never held; `plan` lists them one by one in out_of_scope.csv).
    pub out_of_scope: BTreeMap<String, i64>,
    pub outbox: BTreeMap<String, i64>,
    pub runs: Vec<RunRow>,
}

pub async fn read(pool: &PgPool, legacy_total: Option<u64>) -> anyhow::Result<Status> {
    let by_status: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM migration.accounts GROUP BY status")
            .fetch_all(pool)
            .await?;
    let count = |s: &str| {
        by_status
            .iter()
            .find(|(k, _)| k == s)
            .map_or(0, |(_, n)| *n)
    };
    let held_by_reason = sqlx::query_as::<_, (String, i64)>(
        "SELECT r, count(*) FROM migration.accounts, unnest(reasons) AS r WHERE status = 'held' GROUP BY r",
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect();
    let outbox = sqlx::query_as::<_, (String, i64)>(
        "SELECT status, count(*) FROM migration.outbox GROUP BY status",
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect();
    let runs = sqlx::query_as::<_, (i64, String, String, chrono::DateTime<chrono::Utc>, Option<f64>, i64)>(
        "SELECT id, command, status, started_at,
                extract(epoch FROM (coalesce(finished_at, now()) - started_at))::float8 AS seconds, accounts_done AS accounts
         FROM migration.runs ORDER BY id DESC LIMIT 5",
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(id, command, status, started_at, seconds, accounts)| RunRow { id, command, status, started_at, seconds, accounts })
    .collect();
    let (migrated, held) = (count("migrated"), count("held"));
    let not_yet_seen = legacy_total.map(|t| (t as i64 - migrated - held).max(0));
    Ok(Status {
        migrated,
        held,
        held_by_reason,
        not_yet_seen,
        out_of_scope: BTreeMap::new(),
        outbox,
        runs,
    })
}

impl Status {
    pub fn render(&self) -> String {
        let mut out = String::new();
        let seen = self
            .not_yet_seen
            .map_or("unknown (legacy database not reachable)".into(), |n| {
                n.to_string()
            });
        let _ = writeln!(
            out,
            "accounts: {} migrated, {} held, {} not yet seen",
            self.migrated, self.held, seen
        );
        for (reason, n) in &self.held_by_reason {
            let _ = writeln!(out, "  held {n:>10}  {reason}");
        }
        for (reason, n) in &self.out_of_scope {
            let _ = writeln!(out, "  out of scope {n:>10}  {reason}");
        }
        let outbox: Vec<String> = self
            .outbox
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        let _ = writeln!(
            out,
            "outbox: {}",
            if outbox.is_empty() {
                "empty".into()
            } else {
                outbox.join(", ")
            }
        );
        let _ = writeln!(out, "last runs:");
        for r in &self.runs {
            let secs = r.seconds.unwrap_or(0.0);
            let _ = writeln!(
                out,
                "  #{:<5} {:<9} {:<11} {}  {:>8.1}s  {:>9} accounts  {:>8.0}/s",
                r.id,
                r.command,
                r.status,
                r.started_at.format("%Y-%m-%d %H:%M:%S"),
                secs,
                r.accounts,
                r.accounts as f64 / secs.max(1e-3)
            );
        }
        out
    }

    /// A person must look when accounts are held or emails failed.
    pub fn needs_attention(&self) -> bool {
        self.held > 0
            || self.outbox.get("failed").is_some_and(|n| *n > 0)
            || self.outbox.get("uncertain").is_some_and(|n| *n > 0)
    }
}
