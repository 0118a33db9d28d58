//! What the new billing holds for one account, check by check (client, owner, invitations,
//! payer, balance, services), as typed records. `verify` compares the target's records with
//! the rules' expectation; `migrate` stores a digest of each check's expectation (in the
//! records' one text form) so `verify` can later tell which checks the legacy data changed
//! under.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use super::records::{
    BalanceRecord, ClientRecord, InvitationRecord, Known, LedgerRecord, OwnerRecord, PayerRecord,
    ServiceRecord,
};
use super::rows;
use crate::legacy::fingerprint::RawVersion;
use crate::mappings::Mappings;
use crate::plan::Planned;
use crate::rules::Access;

/// One account per verify check as typed records: what the target holds, or what it
/// should hold. Compared as values; [`Canonical::check_text`] is their one text form.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Canonical {
    pub ledger: Option<LedgerRecord>,
    pub client: Option<ClientRecord>,
    pub owner: Vec<OwnerRecord>,
    /// legacy user id → invitation.
    pub invitations: BTreeMap<i64, InvitationRecord>,
    pub payer: Vec<PayerRecord>,
    pub balance: Vec<BalanceRecord>,
    /// legacy item id → service.
    pub services: BTreeMap<i64, ServiceRecord>,
}

/// Expected records of one planned account: what its [`NewClient`](crate::rules::NewClient)
/// writes, through the writer's own row builders (nothing for an account the rules hold).
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
    // The rows are built for this one account and dropped after: their strings move into
    // the records instead of being copied once more.
    let one = [new];
    let mut c = rows::clients(one, zone);
    t.client = Some(ClientRecord {
        name: text(&mut c.name, 0),
        currency: text(&mut c.currency, 0),
        registered_at: c.registered_at[0],
        vat_invoices_enabled: false,
    });
    t.owner.push(OwnerRecord {
        email: new.owner.email.clone(),
        permissions: mappings.full_permissions.clone(),
        legacy_user_id: Some(new.owner.legacy_user_id),
    });
    for i in &new.invitations {
        let permissions = match i.access {
            Access::Full => &mappings.full_permissions,
            Access::InvoicesOnly => &mappings.invoices_only_permissions,
        };
        t.invitations.insert(
            i.legacy_user_id,
            InvitationRecord {
                email: i.email.clone(),
                permissions: permissions.clone(),
            },
        );
    }
    let mut pay = rows::payers(one, |_| 0);
    for i in 0..pay.client_id.len() {
        t.payer.push(PayerRecord {
            legacy_profile_id: pay.legacy_profile_id[i],
            kind: text(&mut pay.kind, i),
            name: text(&mut pay.name, i),
            person: opt_text(&mut pay.person, i),
            email: opt_text(&mut pay.email, i),
            phone: opt_text(&mut pay.phone, i),
            country: opt_text(&mut pay.country, i),
            postcode: opt_text(&mut pay.postcode, i),
            city: opt_text(&mut pay.city, i),
            address: opt_text(&mut pay.address, i),
            vat_number: opt_text(&mut pay.vat_number, i),
            vat_payer: pay.vat_payer[i],
        });
    }
    if let Some(amount) = new.opening_balance {
        t.balance.push(BalanceRecord {
            amount,
            currency: new.currency.clone(),
        });
    }
    let mut s = rows::services([(new, 0)], |_, c| categories.contains(c), zone);
    for i in 0..s.len() {
        t.services.insert(
            s.legacy_item_id[i],
            ServiceRecord {
                parent_item: s.legacy_parent_id[i],
                category: text(&mut s.category, i),
                priority: s.priority[i],
                seq: s.seq[i],
                product_code: text(&mut s.product_code, i),
                label: text(&mut s.label, i),
                domain: opt_text(&mut s.domain, i),
                status: Known::parse(&s.status[i]),
                opened_at: s.opened_at[i],
                expires_at: s.expires_at[i],
                period_months: s.period_months[i],
                auto_renew_months: s.auto_renew_months[i],
                price: s.price[i],
                currency: opt_text(&mut s.currency, i),
            },
        );
    }
    t
}

/// The text at `i`, moved out when the row owns it (a borrowed one is copied).
fn text(column: &mut [Cow<'_, str>], i: usize) -> String {
    std::mem::take(&mut column[i]).into_owned()
}

fn opt_text(column: &mut [Option<Cow<'_, str>>], i: usize) -> Option<String> {
    column[i].take().map(Cow::into_owned)
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
        let mut text = String::new();
        self.write_check(check, &mut text)
            .expect("writing to a String cannot fail");
        text
    }

    /// Writes [`Canonical::check_text`] to `out`.
    fn write_check(&self, check: &str, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        match check {
            "client" => match &self.client {
                Some(c) => write!(out, "{c}"),
                None => Ok(()),
            },
            "owner" => lines(out, self.owner.iter().map(|r| (None::<i64>, r))),
            "invitations" => lines(out, self.invitations.iter().map(|(k, v)| (Some(k), v))),
            "payer" => lines(out, self.payer.iter().map(|r| (None::<i64>, r))),
            "balance" => lines(out, self.balance.iter().map(|r| (None::<i64>, r))),
            "services" => lines(out, self.services.iter().map(|(k, v)| (Some(k), v))),
            _ => Ok(()),
        }
    }
}

/// One record per line (`key: record` for keyed ones), no trailing newline.
fn lines<K: std::fmt::Display, T: std::fmt::Display>(
    out: &mut impl std::fmt::Write,
    records: impl Iterator<Item = (Option<K>, T)>,
) -> std::fmt::Result {
    for (i, (key, record)) in records.enumerate() {
        if i > 0 {
            out.write_char('\n')?;
        }
        match key {
            Some(k) => write!(out, "{k}: {record}")?,
            None => write!(out, "{record}")?,
        }
    }
    Ok(())
}

/// The first 12 bytes of the SHA-256 of one check's text, as hex. The text is written
/// into `buf` first: fed to the hash a field at a time, the hash's own buffering cost more
/// than the formatting.
fn check_hash(want: &Canonical, check: &str, buf: &mut String) -> String {
    buf.clear();
    want.write_check(check, buf)
        .expect("writing to a String cannot fail");
    crate::legacy::fingerprint::hex_digest(&Sha256::digest(buf.as_bytes())[..12])
}

/// What `migrate` stores in `migration.accounts.fingerprint`: a digest of the whole legacy
/// account and one of each check's expectation (services over every category).
pub fn fingerprint(p: &Planned, mappings: &Mappings, zone: Tz) -> String {
    // Over every category, whatever this run moves: verify compares with the same.
    let want = expected(p, crate::mappings::every_category(), mappings, zone);
    let raw = RawVersion::Binary;
    let mut print = format!(
        "{}:{}",
        raw.part(),
        crate::legacy::fingerprint::fingerprint(&p.account, raw)
    );
    let mut buf = String::with_capacity(1024);
    for check in CHECKS {
        write!(print, ";{check}:{}", check_hash(&want, check, &mut buf))
            .expect("writing to a String cannot fail");
    }
    print
}

/// The stored digest of one part (`raw2`, `raw` or a check) of a fingerprint.
pub fn part<'a>(fingerprint: &'a str, name: &str) -> Option<&'a str> {
    fingerprint
        .split(';')
        .find_map(|p| p.strip_prefix(name)?.strip_prefix(':'))
}

/// The digest `fingerprint` would store for one check of `want`.
pub fn check_digest(want: &Canonical, check: &str) -> String {
    check_hash(want, check, &mut String::new())
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use sha2::{Digest, Sha256};

    use super::*;

    /// `migrate` hashes each check while writing it; the digest must be the one of the text
    /// `verify` compares (and that earlier versions stored): the first 12 bytes of its SHA-256.
    #[test]
    fn a_check_digest_is_the_hash_of_the_check_text() {
        let owner = |email: &str| OwnerRecord {
            email: email.into(),
            permissions: vec!["billing".into(), "services".into()],
            legacy_user_id: Some(7),
        };
        let invitation = |email: &str| InvitationRecord {
            email: email.into(),
            permissions: vec!["invoices".into()],
        };
        let want = Canonical {
            client: Some(ClientRecord {
                name: "Тест".into(),
                currency: "UAH".into(),
                registered_at: None,
                vat_invoices_enabled: false,
            }),
            owner: vec![owner("a@b.ua"), owner("c@d.ua")],
            invitations: [(3, invitation("e@f.ua")), (9, invitation("g@h.ua"))].into(),
            balance: vec![BalanceRecord {
                amount: Decimal::new(-1250, 2),
                currency: "UAH".into(),
            }],
            ..Canonical::default()
        };
        for check in CHECKS {
            let text = want.check_text(check);
            let full = hex::encode(Sha256::digest(text.as_bytes()));
            assert_eq!(check_digest(&want, check), full[..24], "{check}: {text:?}");
        }
        assert_eq!(
            want.check_text("invitations"),
            "3: e@f.ua|invoices\n9: g@h.ua|invoices"
        );
        assert_eq!(want.check_text("payer"), "");
    }
}
