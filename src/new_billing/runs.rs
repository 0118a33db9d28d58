//! `migration.runs`: one row per writing invocation. The run's own connection stays open
//! for the whole run, so a later run can tell a crashed run (its backend is gone) from one
//! still working, and marks the crashed one `interrupted`; what a crashed first load had
//! deferred is built back before the new run does anything.

use sqlx::PgPool;
use sqlx::pool::PoolConnection;
use sqlx::postgres::Postgres;

/// What a new run found of crashed ones.
#[derive(Debug, Clone, Copy, Default)]
pub struct Recovered {
    /// Runs whose backend had gone, now marked `interrupted`.
    pub interrupted_runs: u64,
    /// Foreign keys and indexes a crashed first load had deferred, now built back.
    pub rebuilt: u64,
}

/// A run in progress; holds the connection whose backend pid marks it alive.
pub struct Run {
    pub id: i64,
    conn: PoolConnection<Postgres>,
}

impl Run {
    /// Marks runs whose backend has gone as interrupted, builds back what they deferred
    /// (`first_load`), then starts a new one.
    pub async fn start(
        pool: &PgPool,
        command: &str,
        args: serde_json::Value,
    ) -> Result<(Run, Recovered), super::first_load::RebuildError> {
        let mut conn = pool.acquire().await?;
        let stale = sqlx::query(
            "UPDATE migration.runs SET status = 'interrupted', finished_at = now()
             WHERE status = 'running' AND (backend_pid IS NULL OR backend_pid NOT IN (SELECT pid FROM pg_stat_activity))",
        )
        .execute(&mut *conn)
        .await?
        .rows_affected();
        let rebuilt = super::first_load::rebuild_orphaned(&mut conn).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO migration.runs (command, args, tool_version, backend_pid) VALUES ($1, $2, $3, pg_backend_pid()) RETURNING id",
        )
        .bind(command)
        .bind(args)
        .bind(env!("CARGO_PKG_VERSION"))
        .fetch_one(&mut *conn)
        .await?;
        Ok((
            Run { id, conn },
            Recovered {
                interrupted_runs: stale,
                rebuilt,
            },
        ))
    }

    /// Ends the run with `succeeded` or `failed` and the number of accounts it handled.
    pub async fn finish(mut self, succeeded: bool, accounts: u64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE migration.runs SET status = $2, finished_at = now(), accounts_done = $3 WHERE id = $1")
            .bind(self.id)
            .bind(if succeeded { "succeeded" } else { "failed" })
            .bind(accounts as i64)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }
}
