//! Every logical field the tool reads from the legacy database, with the column names it is
//! known by: legacy-schema.md's name first, then real BILLmanager's (docs/decisions.md,
//! "Real BILLmanager databases"), and what happens when none exists. `schema` resolves this
//! table against `information_schema` before any command reads a row.

/// How a field's values are decoded; decides which column types are expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An id or another whole number.
    Int,
    Text,
    /// 'on' or an integer 1 is on; everything else off.
    Flag,
    /// DATETIME, DATE or text; unreadable text is an unknown date.
    Date,
    /// DECIMAL; anything that is not whole cents holds the account.
    Money,
    /// A country: ISO code text, or a `country.id` read as `country.iso2`.
    Country,
}

/// Which known shape a column name comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// legacy-schema.md's table.
    Spec,
    /// Real BILLmanager (its own name, or a column only BILLmanager has).
    Billmanager,
}

/// One logical field.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// `table.column` as legacy-schema.md names it (BILLmanager-only fields: BILLmanager's).
    pub field: &'static str,
    /// The logical table; `legacy_columns.csv` may point it at another physical table.
    pub table: &'static str,
    /// Column names tried in order, each with the shape it belongs to.
    pub names: &'static [(&'static str, Origin)],
    pub kind: Kind,
    /// `None`: required (a missing column stops every legacy command with exit 2).
    /// `Some(what)`: read as NULL when missing, and `what` says what that means.
    pub fallback: Option<&'static str>,
}

use Kind::*;
use Origin::{Billmanager as B, Spec as S};

const fn req(
    field: &'static str,
    table: &'static str,
    names: &'static [(&'static str, Origin)],
    kind: Kind,
) -> FieldSpec {
    FieldSpec {
        field,
        table,
        names,
        kind,
        fallback: None,
    }
}

const fn opt(
    field: &'static str,
    table: &'static str,
    names: &'static [(&'static str, Origin)],
    kind: Kind,
    fallback: &'static str,
) -> FieldSpec {
    FieldSpec {
        field,
        table,
        names,
        kind,
        fallback: Some(fallback),
    }
}

const UNKNOWN_DATE: &str = "every date unknown";
const NO_TEXT: &str = "empty (NULL)";
const OFF: &str = "off for every row";

/// The fields, in the order `check-legacy` prints them.
pub const FIELDS: &[FieldSpec] = &[
    req("account.id", "account", &[("id", S)], Int),
    req("account.name", "account", &[("name", S)], Text),
    opt(
        "account.registration_date",
        "account",
        &[("registration_date", S)],
        Date,
        UNKNOWN_DATE,
    ),
    opt(
        "account.project",
        "account",
        &[("project", S)],
        Int,
        "no project",
    ),
    opt(
        "account.level",
        "account",
        &[("level", B)],
        Int,
        "legacy.exclude_levels cannot be used",
    ),
    req("user.id", "user", &[("id", S)], Int),
    req("user.account", "user", &[("account", S)], Int),
    req("user.level", "user", &[("level", S)], Int),
    req("user.name", "user", &[("name", S)], Text),
    req("user.email", "user", &[("email", S)], Text),
    opt("user.realname", "user", &[("realname", S)], Text, NO_TEXT),
    opt(
        "user.language",
        "user",
        &[("language", S)],
        Text,
        "every user gets defaults.language",
    ),
    req("user.enabled", "user", &[("enabled", S)], Flag),
    req("user.superuser", "user", &[("superuser", S)], Flag),
    opt(
        "user.createdate",
        "user",
        &[("createdate", S)],
        Date,
        UNKNOWN_DATE,
    ),
    req("profile.id", "profile", &[("id", S)], Int),
    req("profile.account", "profile", &[("account", S)], Int),
    req("profile.name", "profile", &[("name", S)], Text),
    opt("profile.person", "profile", &[("person", S)], Text, NO_TEXT),
    req("profile.profiletype", "profile", &[("profiletype", S)], Int),
    opt("profile.email", "profile", &[("email", S)], Text, NO_TEXT),
    opt("profile.phone", "profile", &[("phone", S)], Text, NO_TEXT),
    opt(
        "profile.country_legal",
        "profile",
        &[("country_legal", S)],
        Country,
        NO_TEXT,
    ),
    opt(
        "profile.postcode_legal",
        "profile",
        &[("postcode_legal", S)],
        Text,
        NO_TEXT,
    ),
    opt(
        "profile.city_legal",
        "profile",
        &[("city_legal", S)],
        Text,
        NO_TEXT,
    ),
    opt(
        "profile.address_legal",
        "profile",
        &[("address_legal", S)],
        Text,
        NO_TEXT,
    ),
    opt(
        "profile.country_physical",
        "profile",
        &[("country_physical", B)],
        Country,
        NO_TEXT,
    ),
    opt(
        "profile.postcode_physical",
        "profile",
        &[("postcode_physical", B)],
        Text,
        NO_TEXT,
    ),
    opt(
        "profile.city_physical",
        "profile",
        &[("city_physical", B)],
        Text,
        NO_TEXT,
    ),
    opt(
        "profile.address_physical",
        "profile",
        &[("address_physical", B)],
        Text,
        NO_TEXT,
    ),
    opt("profile.vatnum", "profile", &[("vatnum", S)], Text, NO_TEXT),
    opt("profile.vatpayer", "profile", &[("vatpayer", S)], Flag, OFF),
    opt(
        "profile.createdate",
        "profile",
        &[("createdate", S)],
        Date,
        UNKNOWN_DATE,
    ),
    opt(
        "profile.nomigrate",
        "profile",
        &[("nomigrate", S)],
        Flag,
        "no payer is marked do-not-migrate",
    ),
    req("currency.id", "currency", &[("id", S)], Int),
    req("currency.iso", "currency", &[("iso", S)], Text),
    req("subaccount.id", "subaccount", &[("id", S)], Int),
    req("subaccount.account", "subaccount", &[("account", S)], Int),
    req("subaccount.currency", "subaccount", &[("currency", S)], Int),
    req("subaccount.balance", "subaccount", &[("balance", S)], Money),
    req("itemtype.id", "itemtype", &[("id", S)], Int),
    req("itemtype.intname", "itemtype", &[("intname", S)], Text),
    req("pricelist.id", "pricelist", &[("id", S)], Int),
    req("pricelist.itemtype", "pricelist", &[("itemtype", S)], Int),
    req("item.id", "item", &[("id", S)], Int),
    req("item.account", "item", &[("account", S)], Int),
    req("item.pricelist", "item", &[("pricelist", S)], Int),
    req("item.parent", "item", &[("parent", S)], Int),
    req("item.status", "item", &[("status", S)], Int),
    req("item.name", "item", &[("name", S)], Text),
    opt(
        "item.opendate",
        "item",
        &[("opendate", S)],
        Date,
        UNKNOWN_DATE,
    ),
    opt(
        "item.expiredate",
        "item",
        &[("expiredate", S)],
        Date,
        UNKNOWN_DATE,
    ),
    opt(
        "item.period",
        "item",
        &[("period", S)],
        Int,
        "period_months NULL",
    ),
    opt(
        "item.autoprolong",
        "item",
        &[("autoprolong", S)],
        Int,
        "no auto-renewal (0)",
    ),
    req("item.cost", "item", &[("cost", S)], Money),
    req("item.currency", "item", &[("currency", S)], Int),
    opt(
        "itemparam.id",
        "itemparam",
        &[("id", S)],
        Int,
        "domains are read through the item index only",
    ),
    req("itemparam.item", "itemparam", &[("item", S)], Int),
    req("itemparam.intname", "itemparam", &[("intname", S)], Text),
    req("itemparam.value", "itemparam", &[("value", S)], Text),
    req(
        "account2project.account",
        "account2project",
        &[("account", S)],
        Int,
    ),
    req(
        "account2project.project",
        "account2project",
        &[("project", S)],
        Int,
    ),
    req(
        "account2project.affiliate",
        "account2project",
        &[("affiliate", S), ("affiliateprogram", B)],
        Int,
    ),
    req(
        "account2project.affiliatereferer",
        "account2project",
        &[("affiliatereferer", S)],
        Int,
    ),
    req("affiliate.id", "affiliate", &[("id", S)], Int),
    req("affiliate.reward", "affiliate", &[("reward", S)], Money),
    req(
        "affiliatereward.account",
        "affiliatereward",
        &[("account", S)],
        Int,
    ),
    req(
        "affiliatereward.amount",
        "affiliatereward",
        &[("amount", S)],
        Money,
    ),
    req(
        "affiliatereward.paid",
        "affiliatereward",
        &[("paid", S)],
        Flag,
    ),
    req("expense.subaccount", "expense", &[("subaccount", S)], Int),
    req("expense.amount", "expense", &[("amount", S)], Money),
    req("expense.cdate", "expense", &[("cdate", S)], Date),
    opt(
        "payment.subaccount",
        "payment",
        &[("subaccount", S)],
        Int,
        "payments are not read",
    ),
    opt(
        "payment.amount",
        "payment",
        &[("amount", S), ("paymethodamount", B)],
        Money,
        "payments are not read",
    ),
    opt(
        "payment.paydate",
        "payment",
        &[("paydate", S), ("createdate", B)],
        Date,
        "payments are not read",
    ),
    opt(
        "payment.status",
        "payment",
        &[("status", S)],
        Int,
        "payments are not read",
    ),
    opt(
        "country.id",
        "country",
        &[("id", B)],
        Int,
        "only needed when a country column holds country ids",
    ),
    opt(
        "country.iso2",
        "country",
        &[("iso2", B)],
        Text,
        "only needed when a country column holds country ids",
    ),
];

/// The spec of `field`; panics on a name not in [`FIELDS`] (a bug, caught by every test).
pub fn spec(field: &str) -> &'static FieldSpec {
    FIELDS
        .iter()
        .find(|f| f.field == field)
        .unwrap_or_else(|| panic!("unknown legacy field {field}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_unique_and_name_their_table() {
        let mut seen = std::collections::BTreeSet::new();
        for f in FIELDS {
            assert!(seen.insert(f.field), "{} twice", f.field);
            assert!(f.field.starts_with(&format!("{}.", f.table)), "{}", f.field);
            assert!(!f.names.is_empty(), "{}", f.field);
        }
    }
}
