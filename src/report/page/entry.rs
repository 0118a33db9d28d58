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
    pub Option<String>,
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
    d: &Decision,
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
        (!with_trail).then(|| line(d)),
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
    for k in keys.into_iter().map(str::trim).filter(|k| !k.is_empty()) {
        let k = k.to_lowercase();
        if !out.split('\n').any(|seen| seen == k) {
            if !out.is_empty() {
                out.push('\n');
            }
            // A newline inside a key would split it; the legacy data has seen odder things.
            out.push_str(&k.replace('\n', " "));
        }
    }
    out
}

/// The one-line outcome of an account that migrates without warnings, in the terms of
/// accounts.csv's columns (the page has no room for 100,000 trails; `explain` has).
pub fn line(d: &Decision) -> String {
    let owner = d
        .primary
        .as_ref()
        .and_then(|p| p.email.as_deref())
        .unwrap_or("(none)");
    let moving = d.services.iter().filter(|s| s.seq.is_some()).count();
    let payer = d
        .payer
        .moving
        .map_or("no payer".to_owned(), |p| format!("payer {p} moves"));
    format!(
        "owner {owner}; {} invitation(s); {payer}; {moving} of {} service(s) move; opening balance {:.2} {}",
        d.invitations().count(),
        d.services.len(),
        d.balance.opening,
        d.balance.currency.as_deref().unwrap_or("?"),
    )
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
}
