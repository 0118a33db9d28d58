//! Turns planned accounts into the column arrays the bulk `INSERT … SELECT FROM UNNEST`
//! statements bind: one array per column, one element per row. Pure, so what is written can
//! be checked without a database.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use crate::legacy::model::{Item, LegacyAccount};
use crate::legacy::time::to_utc;
use crate::plan::Planned;
use crate::rules::{Access, ServiceDecision, email};

/// PostgreSQL text cannot hold NUL; legacy text sometimes does.
pub fn pg_text(s: &str) -> String {
    if s.contains('\0') {
        s.replace('\0', "\u{FFFD}")
    } else {
        s.to_owned()
    }
}

fn pg_opt(s: Option<&str>) -> Option<String> {
    s.map(pg_text)
}

/// A 3-letter code, or `None` (a `char(3)` column refuses anything else).
fn currency_code(s: Option<&str>) -> Option<String> {
    s.filter(|c| c.len() == 3 && c.is_ascii())
        .map(str::to_owned)
}

/// A legacy INT that must fit PostgreSQL's `int`.
fn int4(v: Option<i64>) -> Option<i32> {
    v.and_then(|n| i32::try_from(n).ok())
}

#[derive(Default)]
pub struct ClientRows {
    pub legacy_account_id: Vec<i64>,
    pub name: Vec<String>,
    pub currency: Vec<String>,
    pub registered_at: Vec<Option<DateTime<Utc>>>,
}

pub fn clients(batch: &[&Planned], zone: Tz) -> ClientRows {
    let mut rows = ClientRows::default();
    for p in batch {
        rows.legacy_account_id.push(p.account.id);
        rows.name.push(pg_text(&p.account.name));
        rows.currency
            .push(p.decision.balance.currency.clone().unwrap_or_default());
        rows.registered_at
            .push(p.account.registration_date.map(|t| to_utc(t, zone)));
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

pub fn owners(batch: &[&Planned]) -> OwnerRows {
    let mut by_email: std::collections::BTreeMap<String, (Option<String>, String, i64)> =
        Default::default();
    for p in batch {
        let Some(primary) = &p.decision.primary else {
            continue;
        };
        let Some(email) = &primary.email else {
            continue;
        };
        match by_email.get(email) {
            Some((_, _, first)) if *first <= p.account.id => continue,
            _ => {}
        }
        let legacy = p
            .account
            .users
            .iter()
            .find(|u| u.id == primary.legacy_user_id);
        let name = pg_opt(
            legacy
                .and_then(|u| u.realname.as_deref())
                .filter(|n| !n.trim().is_empty()),
        );
        let language = p
            .decision
            .owner_language
            .map_or("uk", |l| l.as_str())
            .to_owned();
        by_email.insert(email.clone(), (name, language, p.account.id));
    }
    // Sorted by email: concurrent batches lock shared users in the same order (no deadlock).
    let mut rows = OwnerRows::default();
    for (email, (name, language, first)) in by_email {
        rows.email.push(email);
        rows.name.push(name);
        rows.language.push(language);
        rows.first_legacy_account_id.push(first);
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

pub fn invitations(batch: &[&Planned], client_of: impl Fn(i64) -> i64) -> InvitationRows {
    let mut rows = InvitationRows::default();
    for p in batch {
        for u in p.decision.invitations() {
            rows.client_id.push(client_of(p.account.id));
            rows.email.push(u.email.clone());
            rows.legacy_user_id.push(u.legacy_user_id);
            rows.full.push(u.access == Some(Access::Full));
        }
    }
    rows
}

#[derive(Default)]
pub struct PayerRows {
    pub client_id: Vec<i64>,
    pub legacy_profile_id: Vec<i64>,
    pub kind: Vec<String>,
    pub name: Vec<String>,
    pub person: Vec<Option<String>>,
    pub email: Vec<Option<String>>,
    pub phone: Vec<Option<String>>,
    pub country: Vec<Option<String>>,
    pub postcode: Vec<Option<String>>,
    pub city: Vec<Option<String>>,
    pub address: Vec<Option<String>>,
    pub vat_number: Vec<Option<String>>,
    pub vat_payer: Vec<bool>,
}

pub fn payers(batch: &[&Planned], client_of: impl Fn(i64) -> i64) -> PayerRows {
    let mut rows = PayerRows::default();
    for p in batch {
        let (Some(id), Some(kind)) = (p.decision.payer.moving, p.decision.payer.kind) else {
            continue;
        };
        let Some(profile) = p.account.profiles.iter().find(|x| x.id == id) else {
            continue;
        };
        rows.client_id.push(client_of(p.account.id));
        rows.legacy_profile_id.push(id);
        rows.kind.push(kind.as_str().to_owned());
        rows.name.push(pg_text(&profile.name));
        rows.person.push(pg_opt(profile.person.as_deref()));
        // Emails are stored trimmed and lower-cased (target-schema.md), valid or not.
        rows.email.push(
            email::normalize(profile.email.as_deref())
                .or_else(|| {
                    profile
                        .email
                        .as_deref()
                        .map(|e| pg_text(&e.trim().to_lowercase()))
                })
                .filter(|e| !e.is_empty()),
        );
        rows.phone.push(pg_opt(profile.phone.as_deref()));
        rows.country.push(pg_opt(profile.country.as_deref()));
        rows.postcode.push(pg_opt(profile.postcode.as_deref()));
        rows.city.push(pg_opt(profile.city.as_deref()));
        rows.address.push(pg_opt(profile.address.as_deref()));
        rows.vat_number.push(pg_opt(profile.vatnum.as_deref()));
        rows.vat_payer.push(profile.vatpayer);
    }
    rows
}

#[derive(Default)]
pub struct ServiceRows {
    pub client_id: Vec<i64>,
    pub legacy_item_id: Vec<i64>,
    pub category: Vec<String>,
    pub priority: Vec<i16>,
    pub seq: Vec<i32>,
    pub product_code: Vec<String>,
    pub label: Vec<String>,
    pub domain: Vec<Option<String>>,
    pub status: Vec<String>,
    pub opened_at: Vec<Option<DateTime<Utc>>>,
    pub expires_at: Vec<Option<chrono::NaiveDate>>,
    pub period_months: Vec<Option<i32>>,
    pub auto_renew_months: Vec<Option<i32>>,
    pub price: Vec<Decimal>,
    pub currency: Vec<Option<String>>,
    /// Legacy parent item id of add-ons (resolved to `parent_id` after the insert).
    pub legacy_parent_id: Vec<Option<i64>>,
}

impl ServiceRows {
    fn push(&mut self, client_id: i64, s: &ServiceDecision, item: &Item, zone: Tz) {
        self.client_id.push(client_id);
        self.legacy_item_id.push(item.id);
        self.category.push(s.category.clone().unwrap_or_default());
        self.priority.push(s.priority.unwrap_or_default());
        self.seq.push(s.seq.unwrap_or_default());
        self.product_code
            .push(s.product_code.clone().unwrap_or_default());
        self.label.push(pg_text(&item.name));
        self.domain.push(pg_opt(item.domain.as_deref()));
        self.status
            .push(s.status.map(|x| x.as_str()).unwrap_or("pending").to_owned());
        self.opened_at.push(item.opendate.map(|t| to_utc(t, zone)));
        self.expires_at.push(item.expiredate);
        self.period_months.push(int4(item.period));
        self.auto_renew_months.push(int4(item.autoprolong));
        self.price.push(item.cost);
        self.currency.push(currency_code(item.currency.as_deref()));
        self.legacy_parent_id.push(s.parent);
    }

    pub fn len(&self) -> usize {
        self.legacy_item_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.legacy_item_id.is_empty()
    }
}

/// Migrating services of `categories`, in `seq` order, for every account of the batch.
pub fn services(
    batch: &[(&Planned, i64)],
    categories: impl Fn(i64, &str) -> bool,
    zone: Tz,
) -> ServiceRows {
    let mut rows = ServiceRows::default();
    for (p, client_id) in batch {
        // Items are sorted by id (the reader and the model promise it): a binary search, not a
        // scan per service — accounts with 20,000 services exist.
        for s in p.decision.migrating_services() {
            if !categories(p.account.id, s.category.as_deref().unwrap_or("")) {
                continue;
            }
            let found = p
                .account
                .items
                .binary_search_by_key(&s.legacy_item_id, |i| i.id);
            let item = found.ok().map(|i| &p.account.items[i]).or_else(|| {
                // Unsorted items (hand-built in a test): still correct, just slower.
                p.account.items.iter().find(|i| i.id == s.legacy_item_id)
            });
            if let Some(item) = item {
                rows.push(*client_id, s, item, zone);
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
