//! What the mail server's answer does to the outbox: an accepted batch becomes `sent`, a
//! temporary refusal `pending` again after a backoff, a permanent one (or the last attempt)
//! `failed`; a failed attempt's link is revoked in the same statement. Each statement sets
//! rows by id, so it is repeated after a lost database connection (`new_billing::transient`):
//! a blip must not turn delivered emails into uncertain ones that need a person.

use std::time::Duration;

use sqlx::PgPool;

use crate::new_billing::transient::retrying;

/// Records the accepted emails of a batch as `sent` (and their invitations as sent).
pub async fn mark_sent(pool: &PgPool, ids: &[i64]) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let mark = || {
        sqlx::query(
            "WITH sent AS (UPDATE migration.outbox SET status = 'sent', sent_at = now(),
                                  message_id = 'billmigrate.outbox.' || id, last_error = NULL
                           WHERE id = ANY($1) RETURNING invitation_id)
             UPDATE billing.invitations SET sent_at = now()
             WHERE id IN (SELECT invitation_id FROM sent WHERE invitation_id IS NOT NULL)",
        )
        .bind(ids)
        .execute(pool)
    };
    retrying(mark).await?;
    Ok(())
}

/// The wait before the next attempt after `attempts`: 2 s doubling, at most an hour.
fn backoff(attempts: i32) -> Duration {
    Duration::from_secs(2u64.saturating_pow(attempts.clamp(1, 12) as u32).min(3600))
}

/// Statements that record a failed attempt and take back its link in one go: whatever the
/// number of attempts, the only live token of an email is the one of the attempt that
/// reached the server (or is still in flight). `$1` outbox id, then as numbered.
const RETRY_LATER: &str = "WITH o AS (UPDATE migration.outbox SET status = 'pending', next_attempt_at = now() + $2, last_error = $3 WHERE id = $1)
    , revoked AS (UPDATE billing.password_tokens SET revoked_at = now() WHERE token_hash = $4 AND used_at IS NULL AND revoked_at IS NULL)
    UPDATE billing.invitations SET token_hash = NULL, expires_at = NULL WHERE token_hash = $4";
const GIVE_UP: &str = "WITH o AS (UPDATE migration.outbox SET status = 'failed', last_error = $2 WHERE id = $1)
    , revoked AS (UPDATE billing.password_tokens SET revoked_at = now() WHERE token_hash = $3 AND used_at IS NULL AND revoked_at IS NULL)
    UPDATE billing.invitations SET token_hash = NULL, expires_at = NULL WHERE token_hash = $3";

/// A temporary refusal of attempt `attempts`: `pending` again after the backoff, with the
/// server's reply; the attempt's link (`token_hash`, if one was minted) revoked.
pub async fn retry_later(
    pool: &PgPool,
    id: i64,
    attempts: i32,
    reply: &str,
    token_hash: Option<&str>,
) -> Result<(), sqlx::Error> {
    let later = || {
        sqlx::query(RETRY_LATER)
            .bind(id)
            .bind(backoff(attempts))
            .bind(reply)
            .bind(token_hash)
            .execute(pool)
    };
    retrying(later).await?;
    Ok(())
}

/// A permanent refusal, or the last attempt: `failed` with the server's reply; the
/// attempt's link revoked.
pub async fn give_up(
    pool: &PgPool,
    id: i64,
    reply: &str,
    token_hash: Option<&str>,
) -> Result<(), sqlx::Error> {
    let give_up = || {
        sqlx::query(GIVE_UP)
            .bind(id)
            .bind(reply)
            .bind(token_hash)
            .execute(pool)
    };
    retrying(give_up).await?;
    Ok(())
}
