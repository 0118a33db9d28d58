//! `migration.runs`: one row per writing invocation. The run's own connection stays open
//! for the whole run, so a later run can tell a crashed run (its backend is gone) from one
//! still working, and marks the crashed one `interrupted`.

use sqlx::PgPool;
use sqlx::pool::PoolConnection;
use sqlx::postgres::Postgres;

/// A run in progress; holds the connection whose backend pid marks it alive.
pub struct Run {
    pub id: i64,
    conn: PoolConnection<Postgres>,
}

impl Run {
    /// Marks runs whose backend has gone as interrupted, then starts a new one.
    pub async fn start(
        pool: &PgPool,
        command: &str,
        args: serde_json::Value,
    ) -> Result<(Run, u64), sqlx::Error> {
        let mut conn = pool.acquire().await?;
        let stale = sqlx::query(
            "UPDATE migration.runs SET status = 'interrupted', finished_at = now()
             WHERE status = 'running' AND (backend_pid IS NULL OR backend_pid NOT IN (SELECT pid FROM pg_stat_activity))",
        )
        .execute(&mut *conn)
        .await?
        .rows_affected();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO migration.runs (command, args, tool_version, backend_pid) VALUES ($1, $2, $3, pg_backend_pid()) RETURNING id",
        )
        .bind(command)
        .bind(args)
        .bind(env!("CARGO_PKG_VERSION"))
        .fetch_one(&mut *conn)
        .await?;
        Ok((Run { id, conn }, stale))
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
