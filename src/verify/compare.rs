//! Verify's comparison of one account: what the rules say now (from the legacy data as it
//! is today) against what the target holds, check by check. Pure; the expected side comes
//! from the writer's own row builders, both sides are the same typed records, compared as
//! values and spelled by the records' one `Display`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

use chrono_tz::Tz;
use serde::Serialize;

use super::target_read::TargetAccount;
use crate::legacy::LegacyAccount;
use crate::legacy::fingerprint::{RawVersion, fingerprint};
use crate::mappings::Mappings;
use crate::new_billing::canonical;
use crate::new_billing::records::{AccountStatus, Known};
use crate::plan::Planned;

/// One row of differences.csv.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub legacy_account_id: i64,
    pub check: &'static str,
    pub kind: &'static str,
    pub expected: String,
    pub actual: String,
}

struct Out<'a> {
    id: i64,
    /// Whether a check's expectation differs from the one stored at migration time; asked
    /// only of a check that shows a difference (hashing every check of every account cost
    /// verify 6 % of its CPU).
    changed: &'a dyn Fn(&str) -> bool,
    diffs: &'a mut Vec<Difference>,
}

impl Out<'_> {
    fn push(&mut self, check: &'static str, kind: &'static str, expected: String, actual: String) {
        let kind = if (self.changed)(check) {
            "legacy_changed"
        } else {
            kind
        };
        self.diffs.push(Difference {
            legacy_account_id: self.id,
            check,
            kind,
            expected,
            actual,
        });
    }

    fn lists<T: PartialEq + Display>(&mut self, check: &'static str, want: &[T], got: &[T]) {
        let text = |v: &[T]| {
            v.iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(" / ")
        };
        match (want.first(), got.first()) {
            _ if want == got => {}
            (Some(w), None) => self.push(check, "missing_in_target", w.to_string(), String::new()),
            (None, Some(g)) => {
                self.push(check, "unexpected_in_target", String::new(), g.to_string())
            }
            _ => self.push(check, "mismatch", text(want), text(got)),
        }
    }

    fn keyed<T: PartialEq + Display>(
        &mut self,
        check: &'static str,
        want: &BTreeMap<i64, T>,
        got: &BTreeMap<i64, T>,
    ) {
        for (k, w) in want {
            match got.get(k) {
                None => self.push(
                    check,
                    "missing_in_target",
                    format!("{k}: {w}"),
                    String::new(),
                ),
                Some(g) if g != w => {
                    self.push(check, "mismatch", format!("{k}: {w}"), format!("{k}: {g}"))
                }
                _ => {}
            }
        }
        for (k, g) in got {
            if !want.contains_key(k) {
                self.push(
                    check,
                    "unexpected_in_target",
                    String::new(),
                    format!("{k}: {g}"),
                );
            }
        }
    }
}

/// Differences for one account present in the legacy database.
pub fn compare(
    p: &Planned,
    target: Option<&TargetAccount>,
    mappings: &Mappings,
    zone: Tz,
) -> Vec<Difference> {
    let mut diffs = Vec::new();
    let Some(target) = target else { return diffs };
    let id = p.account.id;
    let migrated = match &target.ledger {
        Some(l) if l.status == Known::Is(AccountStatus::Migrated) => {
            Some((&l.categories, &l.fingerprint))
        }
        _ => None,
    };
    let Some((categories, print)) = migrated else {
        // Held or never migrated: the target must hold nothing of it.
        if let Some(client) = &target.client {
            diffs.push(Difference {
                legacy_account_id: id,
                check: "client",
                kind: "unexpected_in_target",
                expected: String::new(),
                actual: client.to_string(),
            });
        }
        return diffs;
    };
    if p.decision.new_client.is_none() {
        // Migrated once, held by the rules today: the legacy data changed under it. One row
        // that says why, not one per check.
        diffs.push(Difference {
            legacy_account_id: id,
            check: "client",
            kind: "legacy_changed",
            expected: format!("held now: {}", p.decision.reason_codes().join(";")),
            actual: target
                .client
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_default(),
        });
        return diffs;
    }
    let categories: BTreeSet<String> = categories.iter().cloned().collect();
    let want = canonical::expected(p, &categories, mappings, zone);
    let print = print.as_deref().unwrap_or("");
    // A check's expectation moved since the migration only if the legacy data under it
    // changed: compare with the digest stored then (over every category, like then).
    let all = crate::mappings::every_category();
    // Built at most once, and only for an account that shows a difference.
    let want_all = std::cell::OnceCell::new();
    let changed = |check: &str| {
        let reference = if &categories == all {
            &want
        } else {
            want_all.get_or_init(|| canonical::expected(p, all, mappings, zone))
        };
        canonical::part(print, check) != Some(canonical::check_digest(reference, check).as_str())
    };
    let raw_changed = legacy_changed(print, &p.account);
    let mut out = Out {
        id,
        changed: &changed,
        diffs: &mut diffs,
    };
    out.lists("client", want.client.as_slice(), target.client.as_slice());
    out.lists("owner", &want.owner, &target.owner);
    out.keyed("invitations", &want.invitations, &target.invitations);
    out.lists("payer", &want.payer, &target.payer);
    out.lists("balance", &want.balance, &target.balance);
    out.keyed("services", &want.services, &target.services);
    if raw_changed && diffs.is_empty() {
        // Changed in a way no check shows (a new disabled user, a renamed login): still worth
        // knowing before the cutoff.
        let note = "legacy data changed since the account was migrated".to_owned();
        diffs.push(Difference {
            legacy_account_id: id,
            check: "client",
            kind: "legacy_changed",
            expected: note,
            actual: String::new(),
        });
    }
    diffs
}

/// Whether the legacy account differs from the one the stored fingerprint was taken of.
/// Accounts migrated by an earlier version carry the JSON digest (`raw`), later ones the
/// binary one (`raw2`); a fingerprint with neither counts as changed.
fn legacy_changed(print: &str, account: &LegacyAccount) -> bool {
    [RawVersion::Binary, RawVersion::Json]
        .into_iter()
        .find_map(|v| canonical::part(print, v.part()).map(|stored| (v, stored)))
        .is_none_or(|(v, stored)| stored != fingerprint(account, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_digest_of_either_version_recognises_an_unchanged_account() {
        let account = LegacyAccount {
            id: 5,
            name: "Тест".into(),
            ..LegacyAccount::default()
        };
        let mut changed = account.clone();
        changed.name.push('!');
        let print = |v: RawVersion, a: &LegacyAccount| {
            format!("{}:{};client:00", v.part(), fingerprint(a, v))
        };
        for v in [RawVersion::Binary, RawVersion::Json] {
            assert!(!legacy_changed(&print(v, &account), &account), "{v:?}");
            assert!(legacy_changed(&print(v, &changed), &account), "{v:?}");
        }
        // A JSON digest under the binary name is not mistaken for a match, nor the reverse.
        let swapped = format!("raw2:{}", fingerprint(&account, RawVersion::Json));
        assert!(legacy_changed(&swapped, &account));
        let swapped = format!("raw:{}", fingerprint(&account, RawVersion::Binary));
        assert!(legacy_changed(&swapped, &account));
        assert!(legacy_changed("client:00", &account));
        assert!(legacy_changed("", &account));
    }
}
