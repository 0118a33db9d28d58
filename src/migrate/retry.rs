//! Getting one batch written no matter what: transient errors (lost connection, server
//! restart, serialization failure) retry the whole batch after a backoff; other errors split
//! the batch into single-account transactions so only the bad account is held, with a
//! reason, and the rest migrate.

use sqlx::{Connection, PgPool};

use crate::new_billing::context::{BatchCounts, WriteContext};
use crate::new_billing::writer::{WriteError, record_held_reasons, write_batch};
use crate::plan::Planned;
use crate::progress::Progress;

use crate::new_billing::transient::{Transient, retrying};

/// Whether the server ran out of something no retry or split can fix: disk full (53100),
/// out of memory (53200), configuration limits (53400), I/O errors (58xxx). The batch is
/// rolled back and the run stops, instead of holding every account as `write_failed`.
pub fn is_out_of_resources(e: &WriteError) -> bool {
    let WriteError::Db(sqlx::Error::Database(db)) = e else {
        return false;
    };
    db.code()
        .is_some_and(|c| (c.starts_with("53") && c.as_ref() != "53300") || c.starts_with("58"))
}

fn out_of_resources(batch: &[Planned], e: WriteError) -> anyhow::Error {
    anyhow::Error::new(e).context(format!(
        "{}: the target database is out of resources; nothing of this batch was written. \
         Free space (or memory) on the target server and run migrate again",
        describe(batch)
    ))
}

async fn attempt(
    pool: &PgPool,
    batch: &[Planned],
    ctx: &WriteContext,
) -> Result<BatchCounts, WriteError> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let counts = write_batch(&mut tx, batch, ctx).await?;
    tx.commit().await?;
    Ok(counts)
}

/// Retries transient failures; `Err` only when they persist.
async fn with_retries(
    pool: &PgPool,
    batch: &[Planned],
    ctx: &WriteContext,
) -> Result<BatchCounts, WriteError> {
    retrying(|| attempt(pool, batch, ctx)).await
}

fn describe(batch: &[Planned]) -> String {
    match (batch.first(), batch.last()) {
        (Some(a), Some(b)) => format!(
            "batch of accounts {}–{} ({} accounts)",
            a.account.id,
            b.account.id,
            batch.len()
        ),
        _ => "empty batch".into(),
    }
}

pub async fn write_batch_reliably(
    pool: &PgPool,
    batch: Vec<Planned>,
    ctx: &WriteContext,
    progress: &Progress,
) -> anyhow::Result<BatchCounts> {
    match with_retries(pool, &batch, ctx).await {
        Ok(c) => Ok(c),
        Err(e) if e.is_transient() => Err(anyhow::Error::new(e).context(format!(
            "{}: the target database kept failing",
            describe(&batch)
        ))),
        Err(e) if is_out_of_resources(&e) => Err(out_of_resources(&batch, e)),
        Err(first) => {
            progress.println(format!(
                "{}: {:#}; writing its accounts one by one",
                describe(&batch),
                anyhow::Error::new(first)
            ));
            let mut total = BatchCounts::default();
            for one in batch.chunks(1) {
                match with_retries(pool, one, ctx).await {
                    Ok(c) => total += c,
                    Err(e) if e.is_transient() => {
                        return Err(anyhow::Error::new(e).context(describe(one)));
                    }
                    Err(e) if is_out_of_resources(&e) => return Err(out_of_resources(one, e)),
                    Err(e) => {
                        let reason = match e {
                            WriteError::Conservation { .. } => "conservation_mismatch",
                            WriteError::Db(_) => "write_failed",
                        };
                        let id = one[0].account.id;
                        progress.println(format!(
                            "account {id}: held ({reason}): {:#}",
                            anyhow::Error::new(e)
                        ));
                        let mut conn = pool.acquire().await?;
                        let mut tx = conn.begin().await?;
                        // The account's lock, as every batch takes it: a concurrent run's
                        // write of this account never meets this row half-way.
                        sqlx::query("SELECT pg_advisory_xact_lock($1)")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        record_held_reasons(&mut tx, &[id], &[reason.to_owned()], ctx.run_id)
                            .await?;
                        tx.commit().await?;
                        total.held += 1;
                    }
                }
            }
            Ok(total)
        }
    }
}
