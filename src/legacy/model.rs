//! One legacy account with everything the rules read, as plain values. The reader fills
//! these from MySQL rows after decoding the legacy conventions (flags, zero dates, odd text);
//! the rules and tests build them directly. Nothing here knows about databases.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

/// A legacy `account` row and its dependent rows. Child lists are ordered by their id.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct LegacyAccount {
    pub id: i64,
    pub name: String,
    /// Wall-clock time in `legacy.timezone`; `None` when unknown.
    pub registration_date: Option<NaiveDateTime>,
    pub project: Option<i64>,
    /// Client users only (`user.level = 16`); staff rows never reach the rules.
    pub users: Vec<ClientUser>,
    pub profiles: Vec<Profile>,
    pub subaccounts: Vec<Subaccount>,
    pub items: Vec<Item>,
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
    pub opendate: Option<NaiveDateTime>,
    pub expiredate: Option<NaiveDate>,
    pub period: Option<i64>,
    pub autoprolong: Option<i64>,
    pub cost: Decimal,
    /// ISO code of the item's price currency; `None` when unknown.
    pub currency: Option<String>,
    /// The smallest non-empty `itemparam` value named `domain`.
    pub domain: Option<String>,
}
