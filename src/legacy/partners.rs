//! Reads the partner program from the legacy database (R6): who is a partner with which
//! program, who referred whom, unpaid rewards, and this month's expenses of referred
//! accounts per currency. A few grouped queries over the whole program — partners are few.
//! Also the whole-table lists: every in-scope account id, and the out-of-scope rows.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use mysql_async::Value;
use mysql_async::prelude::*;

use super::decode::{int, iso_code, money};
use super::model::{OutOfScope, PartnerFacts};
use super::reader::{LegacyError, LegacySource};
use crate::scope::Scope;

impl LegacySource {
    /// Every partner's facts, for expenses with `from <= cdate <= until` (wall-clock times).
    pub async fn partner_facts(
        &self,
        from: NaiveDateTime,
        until: NaiveDateTime,
    ) -> Result<Vec<PartnerFacts>, LegacyError> {
        let fail = |e: mysql_async::Error| LegacyError::Read {
            what:
                "reading the partner program (account2project, affiliate, affiliatereward, expense)"
                    .into(),
            message: self.url().scrub(&e.to_string()),
        };
        let mut conn = self.pool().get_conn().await.map_err(fail)?;
        conn.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            .await
            .map_err(fail)?;

        // A partner with rows in several projects takes the row of its lowest project.
        let rows: Vec<(Value, Value, Value)> = conn
            .query(self.queries().partners.as_str())
            .await
            .map_err(fail)?;
        let mut partners: BTreeMap<i64, PartnerFacts> = BTreeMap::new();
        for (account, _, reward) in rows {
            let Some(account) = int(account) else {
                continue;
            };
            partners.entry(account).or_insert_with(|| PartnerFacts {
                account_id: account,
                reward_percent: money(reward).ok().flatten(),
                ..PartnerFacts::default()
            });
        }

        let referrals: Vec<(Value, Value)> = conn
            .query(self.queries().referrals.as_str())
            .await
            .map_err(fail)?;
        let mut referred_by: BTreeMap<i64, i64> = BTreeMap::new();
        for (account, referer) in referrals {
            if let (Some(a), Some(r)) = (int(account), int(referer)) {
                // One referer per account: the first (lowest project) row wins.
                if partners.contains_key(&r) && a != r {
                    referred_by.entry(a).or_insert(r);
                }
            }
        }
        for (&account, &partner) in &referred_by {
            partners
                .get_mut(&partner)
                .expect("filtered above")
                .referrals
                .push(account);
        }

        let unpaid: Vec<(Value, Value)> = conn
            .query(self.queries().unpaid.as_str())
            .await
            .map_err(fail)?;
        for (account, sum) in unpaid {
            if let Some(p) = int(account).and_then(|a| partners.get_mut(&a)) {
                p.unpaid = money(sum).ok().flatten().unwrap_or_default();
            }
        }

        let expenses: Vec<(Value, Value, Value)> = conn
            .exec(self.queries().expenses.as_str(), (from, until))
            .await
            .map_err(fail)?;
        let referred: BTreeSet<i64> = referred_by.keys().copied().collect();
        for (account, iso, sum) in expenses {
            let Some(account) = int(account).filter(|a| referred.contains(a)) else {
                continue;
            };
            let partner = referred_by[&account];
            let currency = iso_code(iso);
            *partners
                .get_mut(&partner)
                .expect("referer is a partner")
                .expenses
                .entry(currency)
                .or_default() += money(sum).ok().flatten().unwrap_or_default();
        }
        let _ = conn.query_drop("COMMIT").await;
        Ok(partners.into_values().collect())
    }

    /// The account rows in `scope` the operator declared out of scope, ascending.
    pub async fn out_of_scope(&self, scope: &Scope) -> Result<Vec<OutOfScope>, LegacyError> {
        let mut out = Vec::new();
        for (lo, hi) in scope.ranges() {
            out.extend(self.out_of_scope_between(lo, hi).await?);
        }
        Ok(out)
    }

    /// Why account `id` is out of scope, when it is (for `explain`).
    pub async fn why_out_of_scope(&self, id: i64) -> Result<Option<OutOfScope>, LegacyError> {
        Ok(self.out_of_scope_between(id, id).await?.into_iter().next())
    }

    async fn out_of_scope_between(&self, lo: i64, hi: i64) -> Result<Vec<OutOfScope>, LegacyError> {
        let Some(sql) = self.queries().out_of_scope.clone() else {
            return Ok(Vec::new());
        };
        let fail = |e: mysql_async::Error| LegacyError::Read {
            what: format!("reading the out-of-scope account rows from id {lo}"),
            message: self.url().scrub(&e.to_string()),
        };
        let mut conn = self.pool().get_conn().await.map_err(fail)?;
        let rows: Vec<(Value, Value)> = conn.exec(sql.as_str(), (lo, hi)).await.map_err(fail)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, level)| {
                let account_id = int(id)?;
                let reason = if self.exclusions().ids.contains(&account_id) {
                    "excluded_account_id"
                } else {
                    "excluded_level"
                };
                Some(OutOfScope {
                    account_id,
                    reason,
                    level: int(level),
                })
            })
            .collect())
    }

    /// Every legacy account id, ascending (for the "all accounts decided" precondition).
    pub async fn all_ids(&self) -> Result<Vec<i64>, LegacyError> {
        let fail = |e: mysql_async::Error| LegacyError::Read {
            what: "listing every legacy account id".into(),
            message: self.url().scrub(&e.to_string()),
        };
        let mut conn = self.pool().get_conn().await.map_err(fail)?;
        conn.query(self.queries().all_ids.as_str())
            .await
            .map_err(fail)
    }
}
