//! `migration.runs`: one row per writing invocation. The run's own connection stays open
//! for the whole run, so a later run can tell a crashed run (its backend is gone) from one
//! still working, and marks the crashed one `interrupted`; what a crashed first load had
//! deferred is built back before the new run does anything.
//!
//! Starting and finishing are retried like every other step against the target
//! (`transient`): a backend killed there must cost a retry, not a run that did all its
//! work and then reports failure.

use sqlx::pool::PoolConnection;
use sqlx::postgres::Postgres;
use sqlx::{PgConnection, PgPool};

use super::transient::retrying;

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
    /// (`first_load`), then starts a new one. Retried whole on a new connection: should an
    /// attempt's `INSERT` commit and its reply be lost, its row names that attempt's dead
    /// backend, and the next attempt's first statement marks it interrupted like any other.
    pub async fn start(
        pool: &PgPool,
        command: &str,
        args: serde_json::Value,
    ) -> Result<(Run, Recovered), super::first_load::RebuildError> {
        retrying(|| Run::try_start(pool, command, &args)).await
    }

    async fn try_start(
        pool: &PgPool,
        command: &str,
        args: &serde_json::Value,
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
    /// Should the run's own connection have been lost, the same update goes through a new
    /// one from `pool` (it sets the row by id, so repeating it changes nothing).
    pub async fn finish(
        self,
        pool: &PgPool,
        succeeded: bool,
        accounts: u64,
    ) -> Result<(), sqlx::Error> {
        let Run { id, conn } = self;
        let mut own = Some(conn);
        retrying(|| {
            let own = own.take();
            async move {
                let mut conn = match own {
                    Some(conn) => conn,
                    None => pool.acquire().await?,
                };
                close(&mut conn, id, succeeded, accounts).await
            }
        })
        .await
    }
}

async fn close(
    conn: &mut PgConnection,
    id: i64,
    succeeded: bool,
    accounts: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE migration.runs SET status = $2, finished_at = now(), accounts_done = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(if succeeded { "succeeded" } else { "failed" })
    .bind(accounts as i64)
    .execute(conn)
    .await?;
    Ok(())
}
