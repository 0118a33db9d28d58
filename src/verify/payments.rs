//! A balance that moved in the old billing after the move is `legacy_changed`; this says
//! how much of that the old billing's credited payments (status 4) since the move account
//! for, so support knows whether a ledger entry for those payments closes the gap. Other
//! payment statuses never count (docs/decisions.md, "Real BILLmanager databases").

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::compare::Difference;
use crate::legacy::LegacySource;

/// Appends the credited payments since each account's migration to its `balance`
/// `legacy_changed` row, for one verify chunk with one legacy query (no other rows are
/// touched, and nothing is read when no balance changed). `migrated_at` comes from the
/// target's ledger rows verify has already read.
pub async fn annotate(
    chunk: &mut [Vec<Difference>],
    migrated_at: impl Fn(i64) -> Option<DateTime<Utc>>,
    source: &LegacySource,
    zone: chrono_tz::Tz,
) -> anyhow::Result<()> {
    let is_changed_balance = |d: &Difference| d.check == "balance" && d.kind == "legacy_changed";
    let windows: Vec<(i64, chrono::NaiveDateTime)> = chunk
        .iter()
        .flatten()
        .filter(|d| is_changed_balance(d))
        .filter_map(|d| {
            let since = migrated_at(d.legacy_account_id)?;
            Some((
                d.legacy_account_id,
                since.with_timezone(&zone).naive_local(),
            ))
        })
        .collect();
    if windows.is_empty() {
        return Ok(());
    }
    let Some(credited) = source
        .credited_payments_since(&windows)
        .await
        .context("reading credited payments")?
    else {
        return Ok(());
    };
    for d in chunk.iter_mut().flatten().filter(|d| is_changed_balance(d)) {
        let Some(paid) = credited.get(&d.legacy_account_id) else {
            continue;
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
    }
    Ok(())
}
