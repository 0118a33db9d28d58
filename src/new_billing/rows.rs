//! Transposes the rules' [`NewClient`]s into the column arrays the bulk `INSERT … SELECT FROM
//! UNNEST` statements bind: one array per column, one element per row. Nothing is decided
//! here — only what PostgreSQL's types demand (no NUL in text, `char(3)`, `int`, instants).

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use crate::legacy::model::LegacyAccount;
use crate::legacy::time::to_utc;
use crate::rules::{Access, NewClient, NewService};

/// PostgreSQL text cannot hold NUL; legacy text sometimes does. The row borrows the
/// decision's text unless it had to change: a batch's rows are encoded once by `COPY` and
/// dropped, so a copy of every string was pure allocation (100k `migrate`: own CPU ~9 %
/// less without it).
pub fn pg_text(s: &str) -> Cow<'_, str> {
    if s.as_bytes().contains(&0) {
        Cow::Owned(s.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(s)
    }
}

fn pg_opt(s: Option<&str>) -> Option<Cow<'_, str>> {
    s.map(pg_text)
}

/// A 3-letter code, or `None` (a `char(3)` column refuses anything else).
fn currency_code(s: Option<&str>) -> Option<Cow<'_, str>> {
    s.filter(|c| c.len() == 3 && c.is_ascii())
        .map(Cow::Borrowed)
}

/// A legacy INT that must fit PostgreSQL's `int`.
fn int4(v: Option<i64>) -> Option<i32> {
    v.and_then(|n| i32::try_from(n).ok())
}

#[derive(Default)]
pub struct ClientRows<'a> {
    pub legacy_account_id: Vec<i64>,
    pub name: Vec<Cow<'a, str>>,
    pub currency: Vec<Cow<'a, str>>,
    pub registered_at: Vec<Option<DateTime<Utc>>>,
}

pub fn clients<'a>(batch: impl IntoIterator<Item = &'a NewClient>, zone: Tz) -> ClientRows<'a> {
    let mut rows = ClientRows::default();
    for c in batch {
        rows.legacy_account_id.push(c.legacy_account_id);
        rows.name.push(pg_text(&c.name));
        rows.currency.push(Cow::Borrowed(&c.currency));
        rows.registered_at
            .push(c.registered_at.map(|t| to_utc(t, zone)));
    }
    rows
}

/// One owner user per distinct email, from the lowest legacy account that names it.
#[derive(Default)]
pub struct OwnerRows {
    pub email: Vec<String>,
    pub name: Vec<Option<String>>,
    pub language: Vec<String>,
    pub first_legacy_account_id: Vec<i64>,
}

pub fn owners<'a>(batch: impl IntoIterator<Item = &'a NewClient>) -> OwnerRows {
    let mut by_email: std::collections::BTreeMap<&str, &NewClient> = Default::default();
    for c in batch {
        let first = by_email.entry(&c.owner.email).or_insert(c);
        if c.legacy_account_id < first.legacy_account_id {
            *first = c;
        }
    }
    // Sorted by email: concurrent batches lock shared users in the same order (no deadlock).
    let mut rows = OwnerRows::default();
    for (email, c) in by_email {
        rows.email.push(email.to_owned());
        rows.name
            .push(pg_opt(c.owner.name.as_deref()).map(Cow::into_owned));
        rows.language.push(c.owner.language.as_str().to_owned());
        rows.first_legacy_account_id.push(c.legacy_account_id);
    }
    rows
}

#[derive(Default)]
pub struct InvitationRows {
    pub client_id: Vec<i64>,
    pub email: Vec<String>,
    pub legacy_user_id: Vec<i64>,
    pub full: Vec<bool>,
}

pub fn invitations<'a>(
    batch: impl IntoIterator<Item = &'a NewClient>,
    client_of: impl Fn(i64) -> i64,
) -> InvitationRows {
    let mut rows = InvitationRows::default();
    for c in batch {
        for i in &c.invitations {
            rows.client_id.push(client_of(c.legacy_account_id));
            rows.email.push(i.email.clone());
            rows.legacy_user_id.push(i.legacy_user_id);
            rows.full.push(i.access == Access::Full);
        }
    }
    rows
}

#[derive(Default)]
pub struct PayerRows<'a> {
    pub client_id: Vec<i64>,
    pub legacy_profile_id: Vec<i64>,
    pub kind: Vec<Cow<'a, str>>,
    pub name: Vec<Cow<'a, str>>,
    pub person: Vec<Option<Cow<'a, str>>>,
    pub email: Vec<Option<Cow<'a, str>>>,
    pub phone: Vec<Option<Cow<'a, str>>>,
    pub country: Vec<Option<Cow<'a, str>>>,
    pub postcode: Vec<Option<Cow<'a, str>>>,
    pub city: Vec<Option<Cow<'a, str>>>,
    pub address: Vec<Option<Cow<'a, str>>>,
    pub vat_number: Vec<Option<Cow<'a, str>>>,
    pub vat_payer: Vec<bool>,
}

pub fn payers<'a>(
    batch: impl IntoIterator<Item = &'a NewClient>,
    client_of: impl Fn(i64) -> i64,
) -> PayerRows<'a> {
    let mut rows = PayerRows::default();
    for c in batch {
        let Some(p) = &c.payer else { continue };
        rows.client_id.push(client_of(c.legacy_account_id));
        rows.legacy_profile_id.push(p.legacy_profile_id);
        rows.kind.push(Cow::Borrowed(p.kind.as_str()));
        rows.name.push(pg_text(&p.name));
        rows.person.push(pg_opt(p.person.as_deref()));
        rows.email.push(pg_opt(p.email.as_deref()));
        rows.phone.push(pg_opt(p.phone.as_deref()));
        rows.country.push(pg_opt(p.country.as_deref()));
        rows.postcode.push(pg_opt(p.postcode.as_deref()));
        rows.city.push(pg_opt(p.city.as_deref()));
        rows.address.push(pg_opt(p.address.as_deref()));
        rows.vat_number.push(pg_opt(p.vat_number.as_deref()));
        rows.vat_payer.push(p.vat_payer);
    }
    rows
}

#[derive(Default)]
pub struct ServiceRows<'a> {
    pub client_id: Vec<i64>,
    pub legacy_item_id: Vec<i64>,
    pub category: Vec<Cow<'a, str>>,
    pub priority: Vec<i16>,
    pub seq: Vec<i32>,
    pub product_code: Vec<Cow<'a, str>>,
    pub label: Vec<Cow<'a, str>>,
    pub domain: Vec<Option<Cow<'a, str>>>,
    pub status: Vec<Cow<'a, str>>,
    pub opened_at: Vec<Option<DateTime<Utc>>>,
    pub expires_at: Vec<Option<chrono::NaiveDate>>,
    pub period_months: Vec<Option<i32>>,
    pub auto_renew_months: Vec<Option<i32>>,
    pub price: Vec<Decimal>,
    pub currency: Vec<Option<Cow<'a, str>>>,
    /// Legacy parent item id of add-ons (resolved to `parent_id` after the insert).
    pub legacy_parent_id: Vec<Option<i64>>,
}

impl<'a> ServiceRows<'a> {
    fn push(&mut self, client_id: i64, s: &'a NewService, zone: Tz) {
        self.client_id.push(client_id);
        self.legacy_item_id.push(s.legacy_item_id);
        self.category.push(Cow::Borrowed(&s.category));
        self.priority.push(s.priority);
        self.seq.push(s.seq);
        self.product_code.push(Cow::Borrowed(&s.product_code));
        self.label.push(pg_text(&s.label));
        self.domain.push(pg_opt(s.domain.as_deref()));
        self.status.push(Cow::Borrowed(s.status.as_str()));
        self.opened_at.push(s.opened_at.map(|t| to_utc(t, zone)));
        self.expires_at.push(s.expires_at);
        self.period_months.push(int4(s.period_months));
        self.auto_renew_months.push(int4(s.auto_renew_months));
        self.price.push(s.price);
        self.currency.push(currency_code(s.currency.as_deref()));
        self.legacy_parent_id.push(s.legacy_parent_id);
    }

    pub fn len(&self) -> usize {
        self.legacy_item_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.legacy_item_id.is_empty()
    }
}

/// Moving services of `categories`, in `seq` order, for every client of the batch.
pub fn services<'a>(
    batch: impl IntoIterator<Item = (&'a NewClient, i64)>,
    categories: impl Fn(i64, &str) -> bool,
    zone: Tz,
) -> ServiceRows<'a> {
    let mut rows = ServiceRows::default();
    for (c, client_id) in batch {
        for s in &c.services {
            if categories(c.legacy_account_id, &s.category) {
                rows.push(client_id, s, zone);
            }
        }
    }
    rows
}

/// The legacy total of an account in its client currency, computed from the subaccounts
/// directly (not from the decision) so the conservation check is an independent sum.
pub fn legacy_total(
    account: &LegacyAccount,
    client_currency: &str,
    rate: impl Fn(&str, &str) -> Option<Decimal>,
) -> Option<Decimal> {
    let mut per_currency: std::collections::BTreeMap<&str, Decimal> = Default::default();
    for s in &account.subaccounts {
        *per_currency.entry(s.currency.as_deref()?).or_default() += s.balance;
    }
    let mut total = Decimal::ZERO;
    for (currency, amount) in per_currency {
        if amount.is_zero() {
            continue;
        }
        let converted = amount * rate(currency, client_currency)?;
        total += converted
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    }
    Some(total)
}
