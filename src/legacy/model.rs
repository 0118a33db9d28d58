//! One legacy account with everything the rules read, as plain values. The reader fills
//! these from MySQL rows after decoding the legacy conventions (flags, zero dates, odd text);
//! the rules and tests build them directly. Nothing here knows about databases.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

/// A legacy `account` row and its dependent rows. Child lists are ordered by their id.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct LegacyAccount {
    pub id: i64,
    pub name: String,
    /// Wall-clock time in `legacy.timezone`; `None` when unknown.
    #[serde(serialize_with = "crate::legacy::chrono_text::datetime")]
    pub registration_date: Option<NaiveDateTime>,
    pub project: Option<i64>,
    /// Client users only (`user.level = 16`); staff rows never reach the rules.
    pub users: Vec<ClientUser>,
    pub profiles: Vec<Profile>,
    pub subaccounts: Vec<Subaccount>,
    pub items: Vec<Item>,
    /// Rows the reader could not trust; any entry holds the account (rules `decide`).
    pub damage: Vec<Damage>,
}

/// A legacy row whose meaning the reader cannot vouch for. Never guessed around: an account
/// with damage is held until a person repairs the row, because a guess could move money.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Damage {
    /// The same id on two rows of `table` (a table without a primary key, or a reference
    /// table whose duplicate rows double a join). The id may also be in another account.
    DuplicateId { table: &'static str, id: i64 },
    /// A balance or price that is not a whole number of cents: text that is no number, a
    /// fraction of a cent, or more digits than any amount can have.
    UnreadableAmount { table: &'static str, id: i64 },
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Damage::DuplicateId { table, id } => write!(f, "{table} id {id} is on several rows"),
            Damage::UnreadableAmount { table, id } => {
                write!(
                    f,
                    "{table} {id} has an amount that is not a number of cents"
                )
            }
        }
    }
}

/// A `user` row with `level = 16`. The legacy password hash is never read.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct ClientUser {
    pub id: i64,
    pub login: String,
    pub email: Option<String>,
    pub realname: Option<String>,
    pub language: Option<String>,
    /// `enabled` is exactly `'on'`.
    pub enabled: bool,
    /// `superuser` is exactly `'on'` (full access).
    pub superuser: bool,
    /// `None` for NULL, zero or impossible dates.
    #[serde(serialize_with = "crate::legacy::chrono_text::datetime")]
    pub createdate: Option<NaiveDateTime>,
}

/// A `profile` row: a payer.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Profile {
    pub id: i64,
    pub name: String,
    pub person: Option<String>,
    /// `None` when NULL or not a number at all.
    pub profiletype: Option<i64>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub country: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub address: Option<String>,
    pub vatnum: Option<String>,
    pub vatpayer: bool,
    #[serde(serialize_with = "crate::legacy::chrono_text::datetime")]
    pub createdate: Option<NaiveDateTime>,
    /// The client's "do not migrate" mark is exactly `'on'`.
    pub nomigrate: bool,
}

/// A `subaccount` row: one balance in one currency.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Subaccount {
    pub id: i64,
    pub currency_id: Option<i64>,
    /// ISO code from the `currency` row; `None` when that row is missing.
    pub currency: Option<String>,
    pub balance: Decimal,
}

/// An `item` row: a service or an add-on, with its tariff's item type resolved.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Item {
    pub id: i64,
    pub pricelist: Option<i64>,
    /// `itemtype.intname` via the pricelist; `None` when the pricelist or itemtype row is missing.
    pub itemtype: Option<String>,
    pub parent: Option<i64>,
    pub status: Option<i64>,
    pub name: String,
    #[serde(serialize_with = "crate::legacy::chrono_text::datetime")]
    pub opendate: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::legacy::chrono_text::date")]
    pub expiredate: Option<NaiveDate>,
    pub period: Option<i64>,
    pub autoprolong: Option<i64>,
    pub cost: Decimal,
    /// ISO code of the item's price currency; `None` when unknown.
    pub currency: Option<String>,
    /// The smallest non-empty `itemparam` value named `domain`.
    pub domain: Option<String>,
}

/// What the legacy database says about one partner.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PartnerFacts {
    pub account_id: i64,
    /// The program's reward percent; `None` when the program row is missing.
    pub reward_percent: Option<Decimal>,
    /// Sum of unpaid `affiliatereward` rows (in the partner's client currency).
    pub unpaid: Decimal,
    /// This month's expenses of every referred account, per currency (`None`: unknown).
    pub expenses: BTreeMap<Option<String>, Decimal>,
    /// Accounts whose `affiliatereferer` is this partner, ascending.
    pub referrals: Vec<i64>,
}

/// An `account` row the operator declared out of scope (`legacy.exclude_account_ids`,
/// `legacy.exclude_levels`): never migrated nor held, but always listed with its reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutOfScope {
    pub account_id: i64,
    /// `excluded_account_id` or `excluded_level`.
    pub reason: &'static str,
    /// The row's `account.level`, when the database has one.
    pub level: Option<i64>,
}
