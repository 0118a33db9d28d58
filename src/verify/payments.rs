//! A balance that moved in the old billing after the move is `legacy_changed`; this says
//! how much of that the old billing's credited payments (status 4) since the move account
//! for, so support knows whether a ledger entry for those payments closes the gap. Other
//! payment statuses never count (docs/decisions.md, "Real BILLmanager databases").

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::compare::Difference;
use crate::legacy::LegacySource;

/// Appends the credited payments since the account's migration to its `balance`
/// `legacy_changed` rows (no other rows are touched, and nothing is read without one).
pub async fn annotate(
    diffs: &mut [Difference],
    pool: &PgPool,
    source: &LegacySource,
    zone: chrono_tz::Tz,
) -> anyhow::Result<()> {
    let Some(d) = diffs
        .iter_mut()
        .find(|d| d.check == "balance" && d.kind == "legacy_changed")
    else {
        return Ok(());
    };
    let id = d.legacy_account_id;
    let migrated_at: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT migrated_at FROM migration.accounts WHERE legacy_account_id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    .with_context(|| format!("reading when account {id} was migrated"))?;
    let Some(migrated_at) = migrated_at else {
        return Ok(());
    };
    let since = migrated_at.with_timezone(&zone).naive_local();
    let Some(paid) = source
        .credited_payments_since(id, since)
        .await
        .with_context(|| format!("reading credited payments of account {id}"))?
    else {
        return Ok(());
    };
    let paid: Vec<String> = paid
        .iter()
        .map(|(currency, amount)| format!("{amount:.2} {}", currency.as_deref().unwrap_or("?")))
        .collect();
    let note = if paid.is_empty() {
        "no credited payment since the move".to_owned()
    } else {
        format!("credited payments since the move: {}", paid.join(", "))
    };
    d.expected = format!("{} ({note})", d.expected);
    Ok(())
}
