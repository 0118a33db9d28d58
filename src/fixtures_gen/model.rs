//! Typed rows of one generated chunk of accounts, before they become SQL.
//!
//! Owns the row structs of every generated legacy table, the [`Chunk`] that groups the rows of
//! a run of consecutive accounts, and the id scheme: rows of generated tables carry
//! *chunk-local* ids (0-based positions in the chunk's vector of that table); the loader adds
//! the per-table offset of the chunk (the number of rows of that table in all earlier chunks)
//! when it writes them, so ids are dense, start at 1, and do not depend on how many workers
//! generated the chunks. References to rows that must NOT exist (orphans, missing parents)
//! are absolute ids.

use chrono::{NaiveDate, NaiveDateTime};
use rand::Rng;

use super::cases::{Cases, Force};

/// A reference to a row of a generated table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ref {
    /// Position of the row in the same chunk's vector of that table.
    Local(u32),
    /// A literal id, used for rows that deliberately do not exist.
    Abs(i64),
}

/// A DATETIME / DATE value as the legacy database holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Null,
    /// MySQL zero date (`0000-00-00 00:00:00` or `0000-00-00`).
    Zero,
    At(NaiveDateTime),
}

impl When {
    pub fn day(d: NaiveDate) -> When {
        When::At(d.and_hms_opt(0, 0, 0).expect("midnight exists"))
    }
}

/// A legacy ENUM('on','off') flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    On,
    Off,
    Null,
}

impl Flag {
    pub fn from_bool(on: bool) -> Flag {
        if on { Flag::On } else { Flag::Off }
    }
}

pub struct Account {
    pub id: i64,
    pub name: String,
    pub registration_date: When,
    pub project: i32,
}

pub struct User {
    pub account: i64,
    pub level: i32,
    pub name: String,
    pub email: Option<String>,
    pub realname: Option<String>,
    pub language: Option<String>,
    pub enabled: Flag,
    pub superuser: Flag,
    pub createdate: When,
    pub password: String,
}

pub struct Profile {
    pub account: i64,
    pub name: String,
    pub person: Option<String>,
    pub profiletype: Option<i32>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub country_legal: Option<String>,
    pub postcode_legal: Option<String>,
    pub city_legal: Option<String>,
    pub address_legal: Option<String>,
    pub vatnum: Option<String>,
    pub vatpayer: Flag,
    pub createdate: When,
    pub nomigrate: Flag,
}

pub struct Subaccount {
    pub account: i64,
    pub currency: i32,
    /// Balance in cents (DECIMAL(20,2)).
    pub balance: i64,
}

pub struct Item {
    pub account: i64,
    pub pricelist: i32,
    pub parent: Option<Ref>,
    pub status: Option<i32>,
    pub name: String,
    pub createdate: When,
    pub opendate: When,
    /// DATE column: the time part is ignored.
    pub expiredate: When,
    pub period: i32,
    pub autoprolong: i32,
    /// Price in cents.
    pub cost: i64,
    pub currency: i32,
}

pub struct ItemParam {
    pub item: Ref,
    pub intname: &'static str,
    pub value: String,
}

pub struct Account2Project {
    pub account: i64,
    pub project: i32,
    pub affiliate: Option<i32>,
    pub affiliatereferer: Option<i64>,
}

pub struct AffiliateReward {
    pub account: i64,
    pub referral: i64,
    pub amount: i64,
    pub cdate: When,
    pub paid: Flag,
}

pub struct Expense {
    pub subaccount: Ref,
    pub item: Option<Ref>,
    pub amount: i64,
    pub cdate: When,
}

pub struct Payment {
    pub subaccount: Ref,
    pub amount: i64,
    pub paydate: When,
    pub status: i32,
}

/// Every generated row of a run of consecutive accounts (and the orphans born with them).
#[derive(Default)]
pub struct Chunk {
    pub index: u64,
    /// Number of real `account` rows (the progress bar counts these).
    pub accounts_done: u64,
    pub account: Vec<Account>,
    pub user: Vec<User>,
    pub profile: Vec<Profile>,
    pub subaccount: Vec<Subaccount>,
    pub item: Vec<Item>,
    pub itemparam: Vec<ItemParam>,
    pub account2project: Vec<Account2Project>,
    pub affiliatereward: Vec<AffiliateReward>,
    pub expense: Vec<Expense>,
    pub payment: Vec<Payment>,
}

/// Tables whose ids the loader assigns from chunk-local positions, in [`Offsets`] order.
pub const ID_TABLES: [&str; 8] = [
    "user",
    "profile",
    "subaccount",
    "item",
    "itemparam",
    "affiliatereward",
    "expense",
    "payment",
];

/// For each table of [`ID_TABLES`], the number of rows written before a chunk: its ids start
/// at `offset + 1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Offsets(pub [u64; 8]);

impl Chunk {
    pub fn local(v: usize) -> Ref {
        Ref::Local(u32::try_from(v).expect("chunk tables stay far below 2^32 rows"))
    }

    /// Row counts of the chunk in [`ID_TABLES`] order.
    pub fn id_counts(&self) -> [u64; 8] {
        [
            self.user.len() as u64,
            self.profile.len() as u64,
            self.subaccount.len() as u64,
            self.item.len() as u64,
            self.itemparam.len() as u64,
            self.affiliatereward.len() as u64,
            self.expense.len() as u64,
            self.payment.len() as u64,
        ]
    }

    /// Row counts of every generated table, by name.
    pub fn table_counts(&self) -> Vec<(&'static str, u64)> {
        let mut v = vec![("account", self.account.len() as u64)];
        v.extend(ID_TABLES.iter().copied().zip(self.id_counts()));
        v.push(("account2project", self.account2project.len() as u64));
        v
    }
}

impl Offsets {
    pub fn advance(&mut self, chunk: &Chunk) {
        for (o, n) in self.0.iter_mut().zip(chunk.id_counts()) {
            *o += n;
        }
    }
}

/// The kind of payer a generated customer is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Individual,
    Company,
    SoleProprietor,
}

/// Stores `real` as it would be in a legacy row: NULL or zero for a forced date case, else
/// NULL 3% / zero 2% of the time for ordinary accounts.
pub fn legacy_date<R: Rng>(rng: &mut R, cases: &Cases, real: NaiveDateTime) -> When {
    if cases.is(Force::ZeroDates) {
        return When::Zero;
    }
    if cases.is(Force::NullDates) {
        return When::Null;
    }
    if cases.random() {
        match rng.random_range(0..100) {
            0..3 => return When::Null,
            3..5 => return When::Zero,
            _ => {}
        }
    }
    When::At(real)
}
