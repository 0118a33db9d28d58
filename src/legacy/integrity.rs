//! Ids that appear on more than one row. The real legacy database has no foreign keys and
//! some copies of it lost their primary keys, so a `user`, `profile`, `subaccount` or `item`
//! id can repeat — within one account, across two accounts, or because a duplicated
//! reference row (`currency`, `pricelist`) doubles a join. Any of these would write one legacy
//! row twice or count a balance twice, so the accounts that hold such a row are held with
//! `duplicate_legacy_id` until a person decides which copy is real.

use std::collections::{BTreeMap, BTreeSet};

use mysql_async::Conn;
use mysql_async::prelude::*;

use super::model::{Damage, LegacyAccount};
use super::schema::{LegacySchema, quote};

/// The tables whose ids the reader relies on being unique.
const TABLES: &[&str] = &["account", "user", "profile", "subaccount", "item"];

/// Ids repeated anywhere in their table, found once per connection to the legacy database.
#[derive(Debug, Default, Clone)]
pub struct KnownDuplicates {
    by_table: BTreeMap<&'static str, BTreeSet<i64>>,
}

impl KnownDuplicates {
    /// Scans only the tables without a single-column unique index on `id`: with one, a
    /// repeat is impossible, and the scan would cost a full table read for nothing.
    pub async fn find(
        conn: &mut Conn,
        schema: &LegacySchema,
    ) -> Result<KnownDuplicates, mysql_async::Error> {
        let unique: Vec<String> = conn
            .query(
                "SELECT TABLE_NAME FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 0 \
                 GROUP BY TABLE_NAME, INDEX_NAME \
                 HAVING COUNT(*) = 1 AND MAX(COLUMN_NAME) = 'id'",
            )
            .await?;
        let mut known = KnownDuplicates::default();
        for &table in TABLES {
            // The physical table and id column (the operator may have renamed them).
            let id = schema.get(&format!("{table}.id"));
            let Some(column) = &id.column else { continue };
            if unique.contains(&id.table) && column.eq_ignore_ascii_case("id") {
                continue;
            }
            let (physical, column) = (quote(&id.table), quote(column));
            // As values, not i64: a copy may have made `id` a text column.
            let ids: Vec<mysql_async::Value> = conn
                .query(format!(
                    "SELECT {column} FROM {physical} WHERE {column} IS NOT NULL \
                     GROUP BY {column} HAVING COUNT(*) > 1"
                ))
                .await?;
            let ids: BTreeSet<i64> = ids.into_iter().filter_map(super::decode::int).collect();
            if !ids.is_empty() {
                known.by_table.insert(table, ids);
            }
        }
        Ok(known)
    }

    /// Records `id` as repeated in `table` (for tests and the fuzz target).
    pub fn insert(&mut self, table: &'static str, id: i64) {
        self.by_table.entry(table).or_default().insert(id);
    }

    fn contains(&self, table: &str, id: i64) -> bool {
        self.by_table
            .get(table)
            .is_some_and(|ids| ids.contains(&id))
    }
}

/// Records every repeated id of one account (its child lists sorted by id) as damage.
/// Runs for every account read, so it walks the lists in place and allocates only for
/// damage.
pub fn mark_duplicates(account: &mut LegacyAccount, known: &KnownDuplicates) {
    let mut found = Vec::new();
    let mut check = |table: &'static str, ids: &mut dyn Iterator<Item = i64>| {
        let mut previous = None;
        for id in ids {
            if previous == Some(id) || known.contains(table, id) {
                found.push(Damage::DuplicateId { table, id });
            }
            previous = Some(id);
        }
    };
    check("account", &mut std::iter::once(account.id));
    check("user", &mut account.users.iter().map(|u| u.id));
    check("profile", &mut account.profiles.iter().map(|p| p.id));
    check("subaccount", &mut account.subaccounts.iter().map(|s| s.id));
    check("item", &mut account.items.iter().map(|i| i.id));
    if !found.is_empty() || !account.damage.is_empty() {
        account.damage.append(&mut found);
        account.damage.sort();
        account.damage.dedup();
    }
}

/// Folds rows of the same account id (an `account` table without a primary key) into the
/// first; the repeat is recorded so the account is held rather than written twice
/// (`mark_duplicates` removes the repeated entries).
pub fn fold_repeated_accounts(accounts: &mut Vec<LegacyAccount>) {
    accounts.dedup_by(|later, first| {
        let same = later.id == first.id;
        if same {
            first.damage.push(Damage::DuplicateId {
                table: "account",
                id: first.id,
            });
        }
        same
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::legacy::model::{Item, Subaccount};

    #[test]
    fn repeats_within_an_account_and_known_elsewhere_are_damage() {
        let mut account = LegacyAccount {
            id: 7,
            subaccounts: vec![
                Subaccount {
                    id: 1,
                    ..Default::default()
                },
                Subaccount {
                    id: 1,
                    ..Default::default()
                },
            ],
            items: vec![
                Item {
                    id: 40,
                    ..Default::default()
                },
                Item {
                    id: 41,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let mut known = KnownDuplicates::default();
        known.by_table.insert("item", [41].into_iter().collect());
        mark_duplicates(&mut account, &known);
        assert_eq!(
            account.damage,
            [
                Damage::DuplicateId {
                    table: "item",
                    id: 41
                },
                Damage::DuplicateId {
                    table: "subaccount",
                    id: 1
                },
            ]
        );
    }

    #[test]
    fn repeated_account_rows_fold_into_one_held_account() {
        let mut accounts = vec![
            LegacyAccount {
                id: 1,
                ..Default::default()
            },
            LegacyAccount {
                id: 2,
                ..Default::default()
            },
            LegacyAccount {
                id: 2,
                ..Default::default()
            },
            LegacyAccount {
                id: 2,
                ..Default::default()
            },
        ];
        fold_repeated_accounts(&mut accounts);
        for account in &mut accounts {
            mark_duplicates(account, &KnownDuplicates::default());
        }
        assert_eq!(accounts.len(), 2);
        assert!(accounts[0].damage.is_empty());
        assert_eq!(
            accounts[1].damage,
            [Damage::DuplicateId {
                table: "account",
                id: 2
            }]
        );
    }
}
