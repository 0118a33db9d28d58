//! The canonical text form of what the new billing holds for one account, check by check
//! (client, owner, invitations, payer, balance, services). `verify` compares the target's
//! rows in this form with the rules' expectation; `migrate` stores a digest of each check's
//! expectation so `verify` can later tell which checks the legacy data changed under.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use super::rows;
use crate::mappings::Mappings;
use crate::plan::Planned;
use crate::rules::permissions_of;

/// One account in canonical text per verify check: what the target holds, or what it
/// should hold.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Canonical {
    /// `migration.accounts`: status, categories, fingerprint.
    pub ledger: Option<(String, Vec<String>, Option<String>)>,
    pub client: Option<String>,
    pub owner: Vec<String>,
    /// legacy user id → canonical invitation.
    pub invitations: BTreeMap<i64, String>,
    pub payer: Vec<String>,
    /// Opening-balance entries as `amount currency`.
    pub balance: Vec<String>,
    /// legacy item id → canonical service.
    pub services: BTreeMap<i64, String>,
}

const NONE: &str = "∅";

fn ts(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || NONE.to_owned(),
        |t| t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
    )
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| NONE.to_owned(), |v| v.to_string())
}

/// Expected canonical rows of one planned account: what its [`NewClient`] writes (nothing
/// for an account the rules hold).
pub fn expected(
    p: &Planned,
    categories: &BTreeSet<String>,
    mappings: &Mappings,
    zone: Tz,
) -> Canonical {
    let mut t = Canonical::default();
    let Some(new) = &p.decision.new_client else {
        return t;
    };
    let one = [new];
    let c = rows::clients(one, zone);
    t.client = Some(format!(
        "{}|{}|{}|false",
        c.name[0],
        c.currency[0],
        ts(c.registered_at[0])
    ));
    t.owner.push(format!(
        "{}|{}|{}",
        new.owner.email,
        mappings.full_permissions.join(";"),
        new.owner.legacy_user_id
    ));
    for i in &new.invitations {
        t.invitations.insert(
            i.legacy_user_id,
            format!("{}|{}", i.email, permissions_of(mappings, Some(i.access))),
        );
    }
    let pay = rows::payers(one, |_| 0);
    for i in 0..pay.client_id.len() {
        let o = |v: &Option<String>| v.clone().unwrap_or_else(|| NONE.to_owned());
        t.payer.push(format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            pay.legacy_profile_id[i],
            pay.kind[i],
            pay.name[i],
            o(&pay.person[i]),
            o(&pay.email[i]),
            o(&pay.phone[i]),
            o(&pay.country[i]),
            o(&pay.postcode[i]),
            o(&pay.city[i]),
            o(&pay.address[i]),
            o(&pay.vat_number[i]),
            pay.vat_payer[i]
        ));
    }
    if let Some(amount) = new.opening_balance {
        t.balance.push(format!("{amount:.2} {}", new.currency));
    }
    let s = rows::services([(new, 0)], |_, c| categories.contains(c), zone);
    for i in 0..s.len() {
        t.services.insert(
            s.legacy_item_id[i],
            format!(
                "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{:.2}|{}",
                opt(s.legacy_parent_id[i]),
                s.category[i],
                s.priority[i],
                s.seq[i],
                s.product_code[i],
                s.label[i],
                opt(s.domain[i].clone()),
                s.status[i],
                ts(s.opened_at[i]),
                opt(s.expires_at[i]),
                opt(s.period_months[i]),
                opt(s.auto_renew_months[i]),
                s.price[i],
                opt(s.currency[i].clone())
            ),
        );
    }
    t
}

/// The verify checks, in report order.
pub const CHECKS: &[&str] = &[
    "client",
    "owner",
    "invitations",
    "payer",
    "balance",
    "services",
];

impl Canonical {
    /// The canonical rows of one check, joined.
    pub fn check_text(&self, check: &str) -> String {
        match check {
            "client" => self.client.clone().unwrap_or_default(),
            "owner" => self.owner.join("\n"),
            "invitations" => self
                .invitations
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
            "payer" => self.payer.join("\n"),
            "balance" => self.balance.join("\n"),
            "services" => self
                .services
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
            _ => String::new(),
        }
    }
}

fn short_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What `migrate` stores in `migration.accounts.fingerprint`: a digest of the whole legacy
/// account and one of each check's expectation (services over every category).
pub fn fingerprint(p: &Planned, mappings: &Mappings, zone: Tz) -> String {
    let all: BTreeSet<String> = crate::mappings::CATEGORIES
        .iter()
        .map(|c| c.to_string())
        .collect();
    let want = expected(p, &all, mappings, zone);
    let mut parts = vec![format!(
        "raw:{}",
        crate::legacy::fingerprint::fingerprint(&p.account)
    )];
    for check in CHECKS {
        parts.push(format!(
            "{check}:{}",
            short_hash(want.check_text(check).as_bytes())
        ));
    }
    parts.join(";")
}

/// The stored digest of one part (`raw` or a check) of a fingerprint.
pub fn part<'a>(fingerprint: &'a str, name: &str) -> Option<&'a str> {
    fingerprint
        .split(';')
        .find_map(|p| p.strip_prefix(name)?.strip_prefix(':'))
}

/// The digest `fingerprint` would store for one check of `want`.
pub fn check_digest(want: &Canonical, check: &str) -> String {
    short_hash(want.check_text(check).as_bytes())
}
