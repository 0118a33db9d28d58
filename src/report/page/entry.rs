//! What the page says about accounts. One account as the page carries it: id, state, name,
//! what the search box matches, a one-line outcome, the reason codes and — for held and
//! warned accounts, or every account of a small plan — the whole trail `explain` prints,
//! made by `explain` itself. And the one table of reason code → plain-language sentence the
//! page shows next to held and warned accounts: explain's own `hold_sentence` and
//! `warning_sentence`, so the page and the terminal can never word a reason differently.

use serde::Serialize;

use crate::legacy::LegacyAccount;
use crate::mappings::Mappings;
use crate::report::explain::{explain, hold_sentence, warning_sentence};
use crate::rules::{Decision, Hold, Warning};

/// Serialized as a JSON array (one per account, 100,000s of them: no repeated key names):
/// `[id, state, name, keys, line or null, trail or null, [codes]]`. plan.js reads it by
/// position. An account has either its trail or its one-line outcome, never both.
#[derive(Debug, Serialize)]
pub struct Entry<'a>(
    pub i64,
    /// `hold`, `warn` (migrates with warnings) or `ok`.
    pub &'static str,
    pub &'a str,
    /// Lower-case search keys besides the name (plan.js lower-cases that), one a line.
    pub String,
    pub Option<Line<'a>>,
    pub Option<String>,
    pub Vec<&'static str>,
);

/// Whether the account is one support asks about: held, or migrating with warnings.
pub fn flagged(d: &Decision) -> bool {
    !d.migrates() || !d.warnings.is_empty()
}

/// The entry of one account; `full` gives it its trail even when it is not flagged.
pub fn entry<'a>(
    account: &'a LegacyAccount,
    d: &'a Decision,
    mappings: &Mappings,
    full: bool,
) -> Entry<'a> {
    let state = match (d.migrates(), d.warnings.is_empty()) {
        (false, _) => "hold",
        (true, false) => "warn",
        (true, true) => "ok",
    };
    let with_trail = full || flagged(d);
    let trail = with_trail.then(|| {
        explain(
            account,
            d,
            &mappings.full_permissions,
            &mappings.invoices_only_permissions,
        )
    });
    Entry(
        account.id,
        state,
        &account.name,
        keys(account, with_trail),
        (!with_trail).then_some(Line(d)),
        trail,
        d.reason_codes(),
    )
}

/// What the search box matches besides the id and the account name: every user's email and
/// every service's domain always; payer names and service labels with the trail (at 100,000
/// accounts they would double the page for the accounts nobody asks about).
fn keys(account: &LegacyAccount, everything: bool) -> String {
    let mut keys: Vec<&str> = Vec::new();
    keys.extend(account.users.iter().filter_map(|u| u.email.as_deref()));
    keys.extend(account.items.iter().filter_map(|i| i.domain.as_deref()));
    if everything {
        keys.extend(account.profiles.iter().map(|p| p.name.as_str()));
        keys.extend(account.items.iter().map(|i| i.name.as_str()));
    }
    let mut out = String::new();
    let mut key = String::new();
    for k in keys.into_iter().map(str::trim).filter(|k| !k.is_empty()) {
        // Lower-cased into one reused buffer: emails and domains are nearly always ASCII.
        key.clear();
        if k.is_ascii() {
            key.push_str(k);
            key.make_ascii_lowercase();
        } else {
            key.push_str(&k.to_lowercase());
        }
        if !out.split('\n').any(|seen| seen == key) {
            if !out.is_empty() {
                out.push('\n');
            }
            // A newline inside a key would split it; the legacy data has seen odder things.
            if key.contains('\n') {
                out.push_str(&key.replace('\n', " "));
            } else {
                out.push_str(&key);
            }
        }
    }
    out
}

/// The one-line outcome of an account that migrates without warnings, in the terms of
/// accounts.csv's columns (the page has no room for 100,000 trails; `explain` has). Written
/// straight into the page's JSON (`collect_str`), never held as a `String` of its own.
#[derive(Debug)]
pub struct Line<'a>(pub &'a Decision);

impl std::fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.0;
        let owner = d
            .primary
            .as_ref()
            .and_then(|p| p.email.as_deref())
            .unwrap_or("(none)");
        let moving = d.services.iter().filter(|s| s.seq.is_some()).count();
        write!(
            f,
            "owner {owner}; {} invitation(s); ",
            d.invitations().count()
        )?;
        match d.payer.moving {
            Some(p) => write!(f, "payer {p} moves")?,
            None => f.write_str("no payer")?,
        }
        write!(
            f,
            "; {moving} of {} service(s) move; opening balance {:.2} {}",
            d.services.len(),
            d.balance.opening,
            d.balance.currency.as_deref().unwrap_or("?"),
        )
    }
}

impl Serialize for Line<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Reason {
    pub code: &'static str,
    /// `hold` or `warning`.
    pub kind: &'static str,
    pub sentence: &'static str,
}

/// Every hold reason, then every warning, in rules.md's order.
pub fn reason_table() -> Vec<Reason> {
    let holds = Hold::ALL.iter().map(|h| Reason {
        code: h.code(),
        kind: "hold",
        sentence: hold_sentence(*h),
    });
    let warnings = Warning::ALL.iter().map(|w| Reason {
        code: w.code(),
        kind: "warning",
        sentence: warning_sentence(*w),
    });
    holds.chain(warnings).collect()
}

/// Whether `code` is a hold reason (the summary counts holds and warnings in one map).
pub fn is_hold(code: &str) -> bool {
    Hold::ALL.iter().any(|h| h.code() == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_sentence() {
        let t = reason_table();
        assert_eq!(t.len(), Hold::ALL.len() + Warning::ALL.len());
        let mut codes: Vec<_> = t.iter().map(|r| r.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), t.len(), "codes are unique");
        assert!(t.iter().all(|r| !r.sentence.is_empty()));
        assert!(is_hold("no_rate_for_currency") && !is_hold("no_payer"));
    }

    #[test]
    fn search_keys_are_lower_cased_once_each_on_their_own_line() {
        let user = |email: Option<&str>| crate::legacy::model::ClientUser {
            email: email.map(str::to_owned),
            ..Default::default()
        };
        let item = |name: &str, domain: Option<&str>| crate::legacy::model::Item {
            name: name.to_owned(),
            domain: domain.map(str::to_owned),
            ..Default::default()
        };
        let account = LegacyAccount {
            users: vec![
                user(Some("Ivan@Example.COM")),
                user(Some(" ivan@example.com ")),
                user(None),
                user(Some("   ")),
                user(Some("ОЛЕГ@Приклад.УКР")),
                user(Some("two\nLines@x.io")),
            ],
            items: vec![item("Хостинг PRO", Some("Сайт.РФ")), item("VPS", None)],
            profiles: vec![crate::legacy::model::Profile {
                name: "ТОВ Ромашка".into(),
                ..Default::default()
            }],
            ..LegacyAccount::default()
        };
        // ASCII and Cyrillic alike, a repeat after lower-casing kept once, blanks left out,
        // a newline inside a key turned into a space.
        assert_eq!(
            keys(&account, false),
            "ivan@example.com\nолег@приклад.укр\ntwo lines@x.io\nсайт.рф"
        );
        assert_eq!(
            keys(&account, true),
            "ivan@example.com\nолег@приклад.укр\ntwo lines@x.io\nсайт.рф\nтов ромашка\nхостинг pro\nvps"
        );
    }
}
