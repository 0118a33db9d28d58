//! `status`: what has been migrated, held (by reason), not yet seen, queued, sent, failed,
//! and the last runs — read from the target's bookkeeping tables — and, when a person must
//! look, what to run next.

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
    /// How many `unit`s the run handled (`migration.runs.accounts_done`).
    pub done: i64,
    /// What `done` counts: each command records its own thing there.
    pub unit: &'static str,
}

/// What a run of `command` counts in `accounts_done`: `send` its emails sent, `partners` its
/// partner accounts, `migrate` its accounts.
pub fn unit_of(command: &str) -> &'static str {
    match command {
        "send" => "emails",
        "partners" => "partners",
        _ => "accounts",
    }
}

#[derive(Debug, Serialize)]
pub struct Status {
    pub migrated: i64,
    pub held: i64,
    /// Hold reason → held accounts; an account can have several reasons.
    pub held_by_reason: BTreeMap<String, i64>,
    /// The lowest held account, for a ready-to-run `explain`.
    pub first_held: Option<i64>,
    /// Legacy accounts with no `migration.accounts` row; `None` when the legacy database
    /// could not be counted.
    pub not_yet_seen: Option<i64>,
    /// Why the legacy accounts could not be counted.
    pub legacy_error: Option<String>,
    /// Legacy account rows the operator declared out of scope, per reason (never migrated,
    /// never held; `plan` lists them one by one in out_of_scope.csv).
    pub out_of_scope: BTreeMap<String, i64>,
    pub outbox: BTreeMap<String, i64>,
    pub runs: Vec<RunRow>,
    /// Foreign keys and indexes a first load that is no longer running (killed, crashed)
    /// deferred and nobody has built back yet.
    pub deferred_objects: i64,
}

/// `legacy_total` is the number of legacy accounts, or why they could not be counted.
pub async fn read(pool: &PgPool, legacy_total: Result<u64, String>) -> anyhow::Result<Status> {
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
    let first_held: Option<i64> = sqlx::query_scalar(
        "SELECT min(legacy_account_id) FROM migration.accounts WHERE status = 'held'",
    )
    .fetch_one(pool)
    .await?;
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
    .map(|(id, command, status, started_at, seconds, done)| RunRow {
        unit: unit_of(&command),
        id,
        command,
        status,
        started_at,
        seconds,
        done,
    })
    .collect();
    // Only what a dead run left: a load still working builds its own back. A run is alive
    // while its backend is (the same test `Run::start` marks crashed runs by).
    let deferred_objects: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM migration.deferred_ddl d JOIN migration.runs r ON r.id = d.run_id
         WHERE NOT (r.status = 'running' AND r.backend_pid IN (SELECT pid FROM pg_stat_activity))",
    )
    .fetch_one(pool)
    .await?;
    let (migrated, held) = (count("migrated"), count("held"));
    let not_yet_seen = legacy_total
        .as_ref()
        .ok()
        .map(|t| (*t as i64 - migrated - held).max(0));
    let legacy_error = legacy_total.err();
    Ok(Status {
        migrated,
        held,
        held_by_reason,
        first_held,
        not_yet_seen,
        legacy_error,
        out_of_scope: BTreeMap::new(),
        outbox,
        runs,
        deferred_objects,
    })
}

impl Status {
    pub fn render(&self) -> String {
        let mut out = String::new();
        let seen = match (self.not_yet_seen, &self.legacy_error) {
            (Some(n), _) => format!(", {n} not yet seen"),
            (None, Some(why)) => format!("; not yet seen: unknown, {why}"),
            (None, None) => "; not yet seen: unknown".to_owned(),
        };
        let _ = writeln!(
            out,
            "accounts: {} migrated, {} held{seen}",
            self.migrated, self.held
        );
        if !self.held_by_reason.is_empty() {
            let _ = writeln!(
                out,
                "held accounts by reason (an account can have several, so these may add up to more than {}):",
                self.held
            );
        }
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
        let _ = writeln!(out, "last runs (times in UTC):");
        for r in &self.runs {
            let secs = r.seconds.unwrap_or(0.0);
            let _ = writeln!(
                out,
                "  #{:<5} {:<9} {:<11} {} UTC  {:>8.1}s  {:>9} {:<8}  {:>8.0}/s",
                r.id,
                r.command,
                r.status,
                r.started_at.format("%Y-%m-%d %H:%M:%S"),
                secs,
                r.done,
                r.unit,
                r.done as f64 / secs.max(1e-3)
            );
        }
        for step in self.next_steps() {
            let _ = writeln!(out, "next: {step}");
        }
        out
    }

    /// What a person does about each thing that needs one, as commands to run.
    pub fn next_steps(&self) -> Vec<String> {
        let mut steps = Vec::new();
        if self.held > 0 {
            let example = self.first_held.unwrap_or_default();
            steps.push(format!(
                "{} held account(s) wait for the old billing to be fixed: `billmigrate explain \
                 {example}` tells one account's story, `billmigrate plan --out DIR` lists them all \
                 (accounts.csv, decision hold); after the fix, run `billmigrate migrate` again",
                self.held
            ));
        }
        if self.deferred_objects > 0 {
            steps.push(format!(
                "a first load was cut short before it built back {} foreign keys and indexes \
                 (listed in migration.deferred_ddl): the next `billmigrate migrate` builds them \
                 first",
                self.deferred_objects
            ));
        }
        if self.not_yet_seen.is_some_and(|n| n > 0) {
            steps.push(
                "some accounts were never migrated nor held: run `billmigrate migrate`".into(),
            );
        }
        let outbox = |s: &str| self.outbox.get(s).copied().unwrap_or(0);
        if outbox("pending") > 0 {
            steps.push(format!(
                "{} email(s) wait: run `billmigrate send`",
                outbox("pending")
            ));
        }
        if outbox("failed") > 0 {
            steps.push(format!(
                "{} email(s) failed for good: see their last_error in migration.outbox and \
                 docs/support.md (outbox states); fix the address, then `billmigrate resend \
                 --account ID`",
                outbox("failed")
            ));
        }
        if outbox("uncertain") > 0 {
            steps.push(format!(
                "{} email(s) may or may not have arrived: ask the customer, or run `billmigrate \
                 send --resend-uncertain` (they may get it twice)",
                outbox("uncertain")
            ));
        }
        steps
    }

    /// A person must look when accounts are held or emails failed.
    pub fn needs_attention(&self) -> bool {
        self.held > 0
            || self.outbox.get("failed").is_some_and(|n| *n > 0)
            || self.outbox.get("uncertain").is_some_and(|n| *n > 0)
    }
}
