//! `explain`: one account's decision trail in sentences a support person can read to the
//! customer, each ending with the reason code it stands for.

use std::fmt::{self, Write as _};

use crate::legacy::model::{ClientUser, LegacyAccount};
use crate::rules::{Decision, Hold, PayerOutcome, ServiceOutcome, UserOutcome, Warning};

/// "on 2020-01-31", or that the date is unknown. The trail's pieces are written straight
/// into it (`plan` writes one for every held or warned account of a million): a `String`
/// per piece cost more than the text itself.
struct DateOf(Option<chrono::NaiveDateTime>);

impl fmt::Display for DateOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("on an unknown date"),
            Some(t) => write!(f, "on {}", t.date()),
        }
    }
}

/// A user as the trail names them: by email, else by login, else by id.
struct Who<'a>(Option<&'a ClientUser>, &'a str, i64);

impl fmt::Display for Who<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Who(user, email, id) = *self;
        let login = user.map(|u| u.login.as_str()).unwrap_or("");
        match (email.is_empty(), login.is_empty()) {
            (false, _) => write!(f, "User {email} (id {id})"),
            (true, false) => write!(f, "User «{login}» (id {id}, no email)"),
            (true, true) => write!(f, "User id {id} (no email)"),
        }
    }
}

/// The code a row ends with. A held account writes nothing, so a row that would move (owner,
/// invitation, payer, service) says so — `[would be owner]` — as the reports' `account_held`
/// column does; a row that does not move is the same either way.
struct Tag<'a>(&'a str, bool, bool);

impl fmt::Display for Tag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Tag(code, moves, held) = *self;
        if moves && held {
            write!(f, "[would be {code}]")
        } else {
            write!(f, "[{code}]")
        }
    }
}

/// Names joined by ", ".
struct Listed<'a>(&'a [String]);

impl fmt::Display for Listed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, name) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

/// An optional number, or the word for none.
struct OrElse<T>(Option<T>, &'static str);

impl<T: fmt::Display> fmt::Display for OrElse<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(v) => v.fmt(f),
            None => f.write_str(self.1),
        }
    }
}

/// Why a hold reason holds an account, as support reads it out (explain and report.html).
pub fn hold_sentence(h: Hold) -> &'static str {
    match h {
        Hold::NoActiveFullAccessUser => {
            "no user is both enabled and has full access, so nobody can own the new account"
        }
        Hold::PrimaryEmailInvalid => {
            "the owner's email is not a valid address, so the password-set link cannot be sent"
        }
        Hold::InvalidPayerType => {
            "the payer that would move has a payer type other than individual, company or sole proprietor"
        }
        Hold::NoRateForCurrency => {
            "part of the balance is in a currency we have no exchange rate for (or whose currency record is missing)"
        }
        Hold::DuplicateLegacyId => {
            "a record of this account shares its id with another record, so we cannot tell which one is real"
        }
        Hold::UnreadableAmount => {
            "a balance or price is not a plain amount of money (not a number, or a fraction of a cent)"
        }
        Hold::AmountOutOfRange => {
            "the balance or a price is larger than any amount the new billing can hold"
        }
    }
}

/// What a warning means for a migrating account (explain and report.html).
pub fn warning_sentence(w: Warning) -> &'static str {
    match w {
        Warning::PrimaryChosenById => {
            "the owner has no creation date, so the owner was chosen by the lowest user id"
        }
        Warning::UserEmailInvalid => "a user with an invalid email cannot be invited",
        Warning::DuplicateUserEmail => "several users share one email and get one invitation",
        Warning::NoPayer => {
            "no payer moves: every payer is marked 'do not migrate' or there is none"
        }
        Warning::NegativeBalance => "the balance is a debt and moves as a negative entry",
        Warning::ServiceNotMigrated => {
            "a service's tariff has no product in the new billing, so it does not move"
        }
    }
}

/// The decision trail of one account.
pub fn explain(
    account: &LegacyAccount,
    d: &Decision,
    full: &[String],
    invoices: &[String],
) -> String {
    let mut out = String::new();
    let w = &mut out;
    let held = !d.migrates();
    let moves = if held { "would move" } else { "moves" };
    let _ = writeln!(w, "Account {} «{}»", account.id, account.name);
    if d.migrates() {
        let _ = writeln!(
            w,
            "Decision: MIGRATE{}",
            if d.warnings.is_empty() {
                ""
            } else {
                ", with warnings:"
            }
        );
        for warning in &d.warnings {
            let _ = writeln!(w, "  - {} [{}]", warning_sentence(*warning), warning.code());
        }
    } else {
        let _ = writeln!(
            w,
            "Decision: HOLD — nothing of this account is written until the old billing is fixed:"
        );
        for hold in &d.holds {
            let _ = writeln!(w, "  - {} [{}]", hold_sentence(*hold), hold.code());
        }
        for damage in &account.damage {
            let _ = writeln!(w, "    damaged record: {damage}");
        }
    }

    if !d.migrates() {
        let _ = writeln!(w, "\nWhat would happen once the hold is resolved:");
    }
    let _ = writeln!(w, "\nUsers");
    if d.users.is_empty() {
        let _ = writeln!(w, "  (no client users)");
    }
    for u in &d.users {
        let raw = account.users.iter().find(|x| x.id == u.legacy_user_id);
        let name = Who(raw, &u.email, u.legacy_user_id);
        let _ = write!(w, "  - ");
        let _ = match u.outcome {
            UserOutcome::Owner => {
                let p = d.primary.as_ref().expect("an owner row implies a primary");
                let _ = write!(w, "{name} is the owner: ");
                let _ = if p.chosen_by_id {
                    write!(
                        w,
                        "has no known creation date, so among {} candidate(s) the lowest id decided",
                        p.candidates
                    )
                } else {
                    write!(
                        w,
                        "the earliest of {} active user(s) with full access, created {}",
                        p.candidates,
                        DateOf(p.createdate)
                    )
                };
                let lang = d.owner_language.map(|l| l.as_str()).unwrap_or("-");
                write!(
                    w,
                    ". Gets a password-set link by email (language {lang}); the password is not moved"
                )
            }
            UserOutcome::InviteFull => write!(
                w,
                "{name} gets an invitation with full access ({})",
                Listed(full)
            ),
            UserOutcome::InviteInvoices => write!(
                w,
                "{name} gets an invitation to see invoices only ({}): the user had no full access; the owner can widen it later",
                Listed(invoices)
            ),
            UserOutcome::Disabled => {
                write!(
                    w,
                    "{name} is not migrated: the user is disabled in the old billing"
                )
            }
            UserOutcome::InvalidEmail => write!(
                w,
                "{name} is not migrated: the email {:?} is not a valid address ({})",
                u.email,
                crate::rules::email::why_invalid(raw.and_then(|x| x.email.as_deref()))
                    .unwrap_or("invalid")
            ),
            UserOutcome::SameAsOwner => {
                write!(w, "{name} is not migrated: same email as the owner")
            }
            UserOutcome::MergedDuplicate => write!(
                w,
                "{name} gets no separate invitation: the same email is invited once, recorded on user {}",
                u.merged_into.unwrap_or_default()
            ),
        };
        let moving = u.access.is_some();
        let _ = writeln!(w, " {}", Tag(u.outcome.code(), moving, held));
    }

    let _ = writeln!(w, "\nPayers");
    if d.payer.outcomes.is_empty() {
        let _ = writeln!(w, "  (no payers)");
    }
    for (id, outcome) in &d.payer.outcomes {
        let p = account
            .profiles
            .iter()
            .find(|p| p.id == *id)
            .expect("outcome of a read profile");
        let _ = write!(w, "  - Payer «{}» (id {id}) ", p.name);
        let _ = match outcome {
            PayerOutcome::Migrated => {
                let _ = write!(
                    w,
                    "{moves}: the most recently created payer not marked 'do not migrate' (created {}); ",
                    DateOf(p.createdate)
                );
                let _ = match d.payer.kind {
                    None => write!(
                        w,
                        "but its payer type {} is not valid: the account is held until it is \
                         1 (individual), 2 (company) or 3 (sole proprietor)",
                        OrElse(p.profiletype, "(empty)")
                    ),
                    Some(k) => write!(w, "it becomes a payer of kind {k}"),
                };
                if p.vatpayer {
                    w.push_str("; VAT payer (VAT invoices stay off until the certificate is seen)");
                }
                Ok(())
            }
            PayerOutcome::MarkedDoNotMigrate => {
                write!(w, "stays: marked 'do not migrate' by the client")
            }
            PayerOutcome::NotLastPayer => write!(
                w,
                "stays: a more recently created payer moves instead (this one created {})",
                DateOf(p.createdate)
            ),
        };
        let moving = *outcome == PayerOutcome::Migrated;
        let _ = writeln!(w, " {}", Tag(outcome.code(), moving, held));
    }

    let _ = writeln!(w, "\nBalance");
    let b = &d.balance;
    let client = b.currency.as_deref().unwrap_or("?");
    if account.subaccounts.is_empty() {
        let _ = writeln!(
            w,
            "  - no balance records: the client gets the default currency {client}"
        );
    }
    for part in &b.parts {
        match (part.rate, part.converted) {
            (_, Some(c)) if part.currency == client => {
                let _ = writeln!(w, "  - {:.2} {} (the client currency)", c, part.currency);
            }
            (Some(r), Some(c)) => {
                let _ = writeln!(
                    w,
                    "  - {:.2} {} × {} = {:.2} {client} (rounded to the cent)",
                    part.total, part.currency, r, c
                );
            }
            _ => {
                let _ = writeln!(
                    w,
                    "  - {:.2} {}: no rate to {client} in mappings/currency_rates.csv",
                    part.total, part.currency
                );
            }
        }
    }
    for id in &b.unknown_currency_subaccounts {
        let _ = writeln!(
            w,
            "  - balance record {id} points at a currency that does not exist in the old billing"
        );
    }
    if d.migrates() {
        match d.opening_entry() {
            Some(amount) => {
                let _ = writeln!(
                    w,
                    "  = opening balance {amount:.2} {client}, moved as one ledger entry"
                );
            }
            None => {
                let _ = writeln!(w, "  = 0.00 {client}: no ledger entry is written");
            }
        }
    }

    let _ = writeln!(w, "\nServices");
    if d.services.is_empty() {
        let _ = writeln!(w, "  (no services)");
    }
    let mut services: Vec<_> = d.services.iter().collect();
    services.sort_by_key(|s| (s.seq.is_none(), s.seq, s.legacy_item_id));
    for s in services {
        let item = account
            .items
            .iter()
            .find(|i| i.id == s.legacy_item_id)
            .expect("decision of a read item");
        let _ = write!(w, "  - ");
        if s.outcome == ServiceOutcome::Migrated {
            let _ = write!(
                w,
                "#{} {} ",
                s.seq.unwrap_or_default(),
                s.category.as_deref().unwrap_or("")
            );
        }
        let _ = write!(
            w,
            "«{}» (item {}, tariff {})",
            item.name,
            item.id,
            OrElse(item.pricelist, "none")
        );
        let _ = match s.outcome {
            ServiceOutcome::Migrated => {
                let _ = write!(
                    w,
                    " {moves} as {} product {}",
                    s.status.map(|x| x.as_str()).unwrap_or(""),
                    s.product_code.as_deref().unwrap_or("")
                );
                match s.parent {
                    Some(p) => write!(w, ", as an add-on of item {p}"),
                    None => Ok(()),
                }
            }
            ServiceOutcome::Deleted => write!(w, " does not move: deleted in the old billing"),
            ServiceOutcome::UnknownStatus => {
                write!(w, " does not move: unknown status {:?}", item.status)
            }
            ServiceOutcome::UnmappedTariff => write!(
                w,
                " does not move: its tariff has no product in the new billing (mappings/tariffs.csv) or the tariff record is missing — support must add it by hand"
            ),
            ServiceOutcome::ParentNotMigrated => write!(
                w,
                " does not move: it is an add-on of item {}, which is missing, belongs to another account, does not move, or forms a cycle",
                OrElse(item.parent, "none")
            ),
        };
        let moving = s.seq.is_some();
        let _ = writeln!(w, " {}", Tag(s.outcome.code(), moving, held));
    }
    out
}
