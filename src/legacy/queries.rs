//! The reader's SQL, built once per connection from the resolved schema: each logical field
//! becomes its real column (or `NULL` for a documented fallback), a country id becomes its
//! `country.iso2`, and the operator's out-of-scope accounts are left out of every account
//! read. The column order is what `assemble` expects, whatever the shape.

use super::child_read::{ChildQuery, ChildSql, DomainQuery};
use super::schema::LegacySchema;

/// Which account rows the operator declared out of scope (typed ids and levels, never SQL).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exclusions {
    pub ids: Vec<i64>,
    pub levels: Vec<i64>,
}

impl Exclusions {
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty() && self.levels.is_empty()
    }
}

/// Every statement the reader runs on account data.
#[derive(Debug, Clone)]
pub struct Queries {
    pub accounts: String,
    pub count: String,
    /// Where a chunk ends: among the accounts with `? <= id <= ?`, the id at `OFFSET ?`.
    pub chunk_end: String,
    pub all_ids: String,
    /// `(id, level)` of the out-of-scope accounts in an id range.
    pub out_of_scope: Option<String>,
    pub users: ChildQuery,
    pub profiles: ChildQuery,
    pub subaccounts: ChildQuery,
    /// Item rows with their pricelist and currency ids, resolved through the two below.
    pub items: ChildQuery,
    /// `(pricelist id, itemtype.intname)` of every pricelist.
    pub pricelist_types: String,
    /// `(currency id, iso)` of every currency.
    pub currencies: String,
    pub domains: DomainQuery,
    pub partners: String,
    pub referrals: String,
    pub unpaid: String,
    pub expenses: String,
    /// Credited payments (status 4) per account and currency, each account after its own
    /// time: `WINDOW` stands for the derived table of (account, since) pairs. `None` when the
    /// database has no readable payment table.
    pub credited_payments: Option<String>,
}

impl Queries {
    /// The same reads, every child table through its account (or item) index only.
    pub fn without_key_reads(&self) -> Queries {
        let mut q = self.clone();
        for child in [
            &mut q.users,
            &mut q.profiles,
            &mut q.subaccounts,
            &mut q.items,
        ] {
            child.by_key = None;
        }
        q.domains.by_key = None;
        q
    }
}

fn list(values: &[i64]) -> String {
    values
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Queries {
    /// Builds the statements; `Err` when an exclusion needs a column the database lacks.
    pub fn build(s: &LegacySchema, ex: &Exclusions) -> Result<Queries, String> {
        let e = |field: &str, alias: &str| s.expr(field, alias);
        let t = |logical: &str| s.table(logical);
        if !ex.levels.is_empty() && !s.has("account.level") {
            return Err(
                "legacy.exclude_levels is set, but the legacy `account` table has no level \
                 column (map account.level in mappings/legacy_columns.csv, or use \
                 legacy.exclude_account_ids)"
                    .into(),
            );
        }
        let id = e("account.id", "a");
        // "Excluded" as one SQL condition; a NULL level is never excluded by level.
        let mut excluded = Vec::new();
        if !ex.ids.is_empty() {
            excluded.push(format!("{id} IN ({})", list(&ex.ids)));
        }
        if !ex.levels.is_empty() {
            excluded.push(format!(
                "COALESCE({} IN ({}), FALSE)",
                e("account.level", "a"),
                list(&ex.levels)
            ));
        }
        let excluded = (!excluded.is_empty()).then(|| excluded.join(" OR "));
        let keep = excluded
            .as_ref()
            .map_or_else(String::new, |x| format!(" AND NOT ({x})"));
        let account = t("account");

        // A country column holding ids reads as the code of its `country` row.
        let country = |field: &str| {
            if s.is_integer(field) {
                format!(
                    "(SELECT MIN({}) FROM {} c WHERE {} = {})",
                    e("country.iso2", "c"),
                    t("country"),
                    e("country.id", "c"),
                    e(field, "p")
                )
            } else {
                e(field, "p")
            }
        };
        let profile_columns = [
            "profile.account",
            "profile.id",
            "profile.name",
            "profile.person",
            "profile.profiletype",
            "profile.email",
            "profile.phone",
            "profile.country_legal",
            "profile.postcode_legal",
            "profile.city_legal",
            "profile.address_legal",
            "profile.vatnum",
            "profile.vatpayer",
            "profile.createdate",
            "profile.nomigrate",
            "profile.country_physical",
            "profile.postcode_physical",
            "profile.city_physical",
            "profile.address_physical",
        ]
        .map(|f| {
            if f.starts_with("profile.country_") {
                country(f)
            } else {
                e(f, "p")
            }
        })
        .join(", ");
        let paid_off = if s.is_integer("affiliatereward.paid") {
            format!("({0} IS NULL OR {0} <> 1)", e("affiliatereward.paid", "r"))
        } else {
            format!(
                "({0} IS NULL OR {0} <> 'on')",
                e("affiliatereward.paid", "r")
            )
        };
        // The primary key of a child table the reader may read by ranges of it.
        let key = |table: &str, alias: &str| {
            let id = format!("{table}.id");
            s.keyed(&id, &format!("{table}.account"))
                .then(|| e(&id, alias))
        };

        let payments = [
            "payment.subaccount",
            "payment.amount",
            "payment.paydate",
            "payment.status",
        ];
        let credited_payments = payments.iter().all(|f| s.has(f)).then(|| {
            format!(
                "SELECT w.account, {}, SUM({}) FROM {} p JOIN {} s ON {} = {} \
                 JOIN (WINDOW) w ON w.account = {} AND {} > w.since \
                 LEFT JOIN {} c ON {} = {} WHERE {} = 4 GROUP BY w.account, {0}",
                e("currency.iso", "c"),
                e("payment.amount", "p"),
                t("payment"),
                t("subaccount"),
                e("subaccount.id", "s"),
                e("payment.subaccount", "p"),
                e("subaccount.account", "s"),
                e("payment.paydate", "p"),
                t("currency"),
                e("currency.id", "c"),
                e("subaccount.currency", "s"),
                e("payment.status", "p"),
            )
        });
        Ok(Queries {
            credited_payments,
            accounts: format!(
                "SELECT {id}, {}, {}, {} FROM {account} a WHERE {id} >= ? AND {id} <= ?{keep} \
                 ORDER BY {id} LIMIT ?",
                e("account.name", "a"),
                e("account.registration_date", "a"),
                e("account.project", "a"),
            ),
            chunk_end: format!(
                "SELECT {id} FROM {account} a WHERE {id} >= ? AND {id} <= ?{keep} \
                 ORDER BY {id} LIMIT 1 OFFSET ?"
            ),
            count: format!("SELECT COUNT(*) FROM {account} a WHERE {id} >= ? AND {id} <= ?{keep}"),
            all_ids: format!("SELECT {id} FROM {account} a WHERE TRUE{keep} ORDER BY {id}"),
            out_of_scope: excluded.map(|x| {
                format!(
                    "SELECT {id}, {} FROM {account} a WHERE {id} >= ? AND {id} <= ? AND ({x}) \
                     ORDER BY {id}",
                    e("account.level", "a")
                )
            }),
            users: ChildQuery::build(ChildSql {
                columns: [
                    "user.account",
                    "user.id",
                    "user.name",
                    "user.email",
                    "user.realname",
                    "user.language",
                    "user.enabled",
                    "user.superuser",
                    "user.createdate",
                ]
                .map(|f| e(f, "u"))
                .join(", "),
                table: t("user"),
                alias: "u",
                joins: String::new(),
                owner: e("user.account", "u"),
                filter: format!("{} = 16", e("user.level", "u")),
                id: key("user", "u"),
            }),
            profiles: ChildQuery::build(ChildSql {
                columns: profile_columns,
                table: t("profile"),
                alias: "p",
                joins: String::new(),
                owner: e("profile.account", "p"),
                filter: String::new(),
                id: key("profile", "p"),
            }),
            subaccounts: ChildQuery::build(ChildSql {
                columns: [
                    e("subaccount.account", "s"),
                    e("subaccount.id", "s"),
                    e("subaccount.currency", "s"),
                    e("currency.iso", "c"),
                    e("subaccount.balance", "s"),
                ]
                .join(", "),
                table: t("subaccount"),
                alias: "s",
                joins: format!(
                    " LEFT JOIN {} c ON {} = {}",
                    t("currency"),
                    e("currency.id", "c"),
                    e("subaccount.currency", "s")
                ),
                owner: e("subaccount.account", "s"),
                filter: String::new(),
                id: key("subaccount", "s"),
            }),
            // Small reference tables are joined in the reader, not per item row: the three
            // joins doubled MariaDB's work on the largest table (docs/performance.md).
            items: ChildQuery::build(ChildSql {
                columns: [
                    "item.account",
                    "item.id",
                    "item.pricelist",
                    "item.parent",
                    "item.status",
                    "item.name",
                    "item.opendate",
                    "item.expiredate",
                    "item.period",
                    "item.autoprolong",
                    "item.cost",
                    "item.currency",
                ]
                .map(|f| e(f, "i"))
                .join(", "),
                table: t("item"),
                alias: "i",
                joins: String::new(),
                owner: e("item.account", "i"),
                filter: String::new(),
                id: key("item", "i"),
            }),
            pricelist_types: format!(
                "SELECT {}, {} FROM {} pl LEFT JOIN {} t ON {} = {}",
                e("pricelist.id", "pl"),
                e("itemtype.intname", "t"),
                t("pricelist"),
                t("itemtype"),
                e("itemtype.id", "t"),
                e("pricelist.itemtype", "pl"),
            ),
            currencies: format!(
                "SELECT {}, {} FROM {} c",
                e("currency.id", "c"),
                e("currency.iso", "c"),
                t("currency"),
            ),
            domains: DomainQuery::build(
                format!(
                    "SELECT {}, {} FROM {} i JOIN {} ip ON {0} = {} \
                     WHERE {} BETWEEN ? AND ? AND {} = 'domain'",
                    e("itemparam.item", "ip"),
                    e("itemparam.value", "ip"),
                    t("item"),
                    t("itemparam"),
                    e("item.id", "i"),
                    e("item.account", "i"),
                    e("itemparam.intname", "ip"),
                ),
                &t("itemparam"),
                "ip",
                &format!(
                    "{}, {}",
                    e("itemparam.item", "ip"),
                    e("itemparam.value", "ip")
                ),
                s.keyed("itemparam.id", "itemparam.item")
                    .then(|| (e("itemparam.item", "ip"), e("itemparam.id", "ip"))),
                &format!("{} = 'domain'", e("itemparam.intname", "ip")),
            ),
            partners: format!(
                "SELECT {}, {}, {} FROM {} a LEFT JOIN {} f ON {} = {1} \
                 WHERE {1} IS NOT NULL ORDER BY {0}, {}",
                e("account2project.account", "a"),
                e("account2project.affiliate", "a"),
                e("affiliate.reward", "f"),
                t("account2project"),
                t("affiliate"),
                e("affiliate.id", "f"),
                e("account2project.project", "a"),
            ),
            referrals: format!(
                "SELECT DISTINCT {0}, {1} FROM {2} a WHERE {1} IS NOT NULL ORDER BY {0}",
                e("account2project.account", "a"),
                e("account2project.affiliatereferer", "a"),
                t("account2project"),
            ),
            unpaid: format!(
                "SELECT {0}, SUM({1}) FROM {2} r WHERE {paid_off} GROUP BY {0}",
                e("affiliatereward.account", "r"),
                e("affiliatereward.amount", "r"),
                t("affiliatereward"),
            ),
            expenses: format!(
                "SELECT {0}, {1}, SUM({2}) FROM {3} x JOIN {4} s ON {5} = {6} \
                 LEFT JOIN {11} c ON {12} = {13} \
                 WHERE {7} >= ? AND {7} <= ? AND {0} IN \
                 (SELECT {8} FROM {9} a WHERE {10} IS NOT NULL) GROUP BY {0}, {1}",
                e("subaccount.account", "s"),
                e("currency.iso", "c"),
                e("expense.amount", "x"),
                t("expense"),
                t("subaccount"),
                e("subaccount.id", "s"),
                e("expense.subaccount", "x"),
                e("expense.cdate", "x"),
                e("account2project.account", "a"),
                t("account2project"),
                e("account2project.affiliatereferer", "a"),
                t("currency"),
                e("currency.id", "c"),
                e("subaccount.currency", "s"),
            ),
        })
    }
}
