//! What the mail server's answer does to the outbox: an accepted batch becomes `sent`, a
//! temporary refusal `pending` again after a backoff (`sender::backoff`), a permanent one
//! (or the last attempt) `failed`; a failed attempt's link is revoked in the same
//! statement. Each statement sets rows by id, so it is repeated after a lost database
//! connection (`new_billing::transient`): a blip must not turn delivered emails into
//! uncertain ones that need a person.

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

/// Records a failed attempt and takes back its link in one go: whatever the number of
/// attempts, the only live token of an email is the one of the attempt that reached the
/// server (or is still in flight). `retry_after` `None` gives the email up (`failed`);
/// otherwise it is `pending` again once that much time has passed. `reply` is the server's.
pub async fn failed_attempt(
    pool: &PgPool,
    id: i64,
    retry_after: Option<Duration>,
    reply: &str,
    token_hash: Option<&str>,
) -> Result<(), sqlx::Error> {
    let record = || {
        sqlx::query(
            "WITH o AS (UPDATE migration.outbox
                        SET status = CASE WHEN $2::interval IS NULL THEN 'failed' ELSE 'pending' END,
                            next_attempt_at = coalesce(now() + $2, next_attempt_at), last_error = $3
                        WHERE id = $1)
                , revoked AS (UPDATE billing.password_tokens SET revoked_at = now()
                              WHERE token_hash = $4 AND used_at IS NULL AND revoked_at IS NULL)
             UPDATE billing.invitations SET token_hash = NULL, expires_at = NULL WHERE token_hash = $4",
        )
        .bind(id)
        .bind(retry_after)
        .bind(reply)
        .bind(token_hash)
        .execute(pool)
    };
    retrying(record).await?;
    Ok(())
}
