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

impl LegacySource {
    /// Credited payments of `account` after `since` (a wall-clock time in `legacy.timezone`),
    /// summed per currency (`None`: the subaccount's currency is unknown). `None` when the
    /// database has no readable payment table.
    pub async fn credited_payments_since(
        &self,
        account: i64,
        since: NaiveDateTime,
    ) -> Result<Option<BTreeMap<Option<String>, Decimal>>, LegacyError> {
        let Some(sql) = self.queries().credited_payments.clone() else {
            return Ok(None);
        };
        let fail = |e: mysql_async::Error| LegacyError::Read {
            what: format!("reading the credited payments of account {account}"),
            message: self.url().scrub(&e.to_string()),
        };
        let mut conn = self.pool().get_conn().await.map_err(fail)?;
        let rows: Vec<(Value, Value)> = conn
            .exec(sql.as_str(), (account, since))
            .await
            .map_err(fail)?;
        let mut out = BTreeMap::new();
        for (currency, sum) in rows {
            // A sum that is not whole cents cannot explain anything: left out.
            if let Ok(Some(amount)) = money(sum) {
                *out.entry(iso_code(currency)).or_default() += amount;
            }
        }
        Ok(Some(out))
    }
}
