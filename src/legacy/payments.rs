//! Payments, read only to explain why a migrated account's balance moved in the old billing
//! (`verify`). Only credited payments count: BILLmanager's `payment.status` 4 (docs/
//! decisions.md); the amount is `amount` or BILLmanager's `paymethodamount`, the date
//! `paydate` or `createdate`, whichever the schema check found.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use mysql_async::Value;
use mysql_async::prelude::*;
use rust_decimal::Decimal;

use super::decode::{iso_code, money};
use super::reader::{LegacyError, LegacySource};

/// Credited payments per currency (`None`: the subaccount's currency is unknown).
pub type Credited = BTreeMap<Option<String>, Decimal>;

impl LegacySource {
    /// Credited payments of each `(account, since)` after its own `since` (a wall-clock time
    /// in `legacy.timezone`), summed per currency: one query for a whole verify chunk, not
    /// one per account. `None` when the database has no readable payment table.
    pub async fn credited_payments_since(
        &self,
        windows: &[(i64, NaiveDateTime)],
    ) -> Result<Option<BTreeMap<i64, Credited>>, LegacyError> {
        let Some(template) = self.queries().credited_payments.clone() else {
            return Ok(None);
        };
        if windows.is_empty() {
            return Ok(Some(BTreeMap::new()));
        }
        let fail = |e: mysql_async::Error| LegacyError::Read {
            what: format!(
                "reading the credited payments of {} accounts from id {}",
                windows.len(),
                windows[0].0
            ),
            message: self.url().scrub(&e.to_string()),
        };
        // The window as a derived table of bound pairs: every account keeps its own `since`.
        let window = vec!["SELECT ? AS account, ? AS since"; windows.len()].join(" UNION ALL ");
        let sql = template.replacen("WINDOW", &window, 1);
        let params: Vec<Value> = windows
            .iter()
            .flat_map(|(account, since)| [Value::from(*account), Value::from(*since)])
            .collect();
        let mut conn = self.pool().get_conn().await.map_err(fail)?;
        let rows: Vec<(i64, Value, Value)> = conn.exec(sql.as_str(), params).await.map_err(fail)?;
        let mut out: BTreeMap<i64, Credited> =
            windows.iter().map(|(a, _)| (*a, Credited::new())).collect();
        for (account, currency, sum) in rows {
            // A sum that is not whole cents cannot explain anything: left out.
            if let Ok(Some(amount)) = money(sum) {
                *out.entry(account)
                    .or_default()
                    .entry(iso_code(currency))
                    .or_default() += amount;
            }
        }
        Ok(Some(out))
    }
}
