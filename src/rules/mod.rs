//! The migration rules of rules.md R1–R5 as pure functions: one legacy account plus the
//! mappings in, one [`Decision`] with reason codes out. No IO, no clock, no randomness — the
//! dry run, the real run, `explain` and `verify` all call [`decide`] and differ only in what
//! they do with the answer.

pub mod balance;
pub mod email;
pub mod new_client;
pub mod partners;
pub mod payer;
pub mod reasons;
pub mod services;
pub mod users;

#[cfg(test)]
mod tests;

use rust_decimal::Decimal;

use crate::legacy::model::{Damage, LegacyAccount};
use crate::mappings::Mappings;
pub use balance::BalanceDecision;
pub use new_client::{NewClient, NewInvitation, NewOwner, NewPayer, NewService};
pub use payer::{PayerDecision, PayerKind};
pub use reasons::{Hold, PartnerOutcome, PayerOutcome, ServiceOutcome, UserOutcome, Warning};
pub use services::{ServiceDecision, ServiceStatus};
pub use users::{Access, Primary, UserDecision, permissions_of};

pub use crate::language::Language;

/// What the rules need besides the account.
#[derive(Debug, Clone, Copy)]
pub struct RulesContext<'a> {
    pub mappings: &'a Mappings,
    /// R4.2: the currency of an account without subaccounts.
    pub default_currency: &'a str,
    /// R7.3: the language of a user whose own is not one of ours.
    pub default_language: Language,
}

/// Everything the rules decide about one account.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub account_id: i64,
    /// Hold reasons in rules.md order; empty means the account migrates.
    pub holds: Vec<Hold>,
    /// Warnings in rules.md order (meaningful only when the account migrates).
    pub warnings: Vec<Warning>,
    pub primary: Option<Primary>,
    /// The owner's language (R7.3), when there is a primary.
    pub owner_language: Option<Language>,
    pub users: Vec<UserDecision>,
    pub payer: PayerDecision,
    pub balance: BalanceDecision,
    pub services: Vec<ServiceDecision>,
    /// Everything a migrating account writes; `None` exactly when the account is held.
    pub new_client: Option<NewClient>,
}

impl Decision {
    pub fn migrates(&self) -> bool {
        self.holds.is_empty()
    }

    /// The codes a report shows: hold reasons of a held account, else its warnings.
    pub fn reason_codes(&self) -> Vec<&'static str> {
        if self.migrates() {
            self.warnings.iter().map(|w| w.code()).collect()
        } else {
            self.holds.iter().map(|h| h.code()).collect()
        }
    }

    /// Invitations to create (R2), one per user with an `invite_*` outcome.
    pub fn invitations(&self) -> impl Iterator<Item = &UserDecision> {
        self.users.iter().filter(|u| {
            matches!(
                u.outcome,
                UserOutcome::InviteFull | UserOutcome::InviteInvoices
            )
        })
    }

    /// Services that move, in `seq` order.
    pub fn migrating_services(&self) -> Vec<&ServiceDecision> {
        let mut moving: Vec<_> = self.services.iter().filter(|s| s.seq.is_some()).collect();
        moving.sort_by_key(|s| s.seq);
        moving
    }

    /// The opening-balance ledger amount, when one is written (R4.4).
    pub fn opening_entry(&self) -> Option<Decimal> {
        (!self.balance.opening.is_zero()).then_some(self.balance.opening)
    }
}

/// The user's email language per R7.3.
pub fn language_of(raw: Option<&str>, default: Language) -> Language {
    raw.and_then(Language::parse_exact).unwrap_or(default)
}

/// Applies R1–R5 to one account.
pub fn decide(account: &LegacyAccount, ctx: &RulesContext<'_>) -> Decision {
    let users = users::decide_users(&account.users);
    let payer = payer::decide_payer(&account.profiles);
    let balance = balance::decide_balance(&account.subaccounts, ctx.mappings, ctx.default_currency);
    let services = services::decide_services(&account.items, ctx.mappings);

    let mut holds: Vec<Hold> = [&users.holds, &payer.holds, &balance.holds]
        .into_iter()
        .flatten()
        .copied()
        .collect();
    holds.extend(account.damage.iter().map(|d| match d {
        Damage::DuplicateId { .. } => Hold::DuplicateLegacyId,
        Damage::UnreadableAmount { .. } => Hold::UnreadableAmount,
    }));
    // Almost never true: look up which services move only when some price is too large.
    let price_too_large = account.items.iter().any(|i| {
        !balance::fits_target(i.cost)
            && services
                .services
                .iter()
                .any(|s| s.legacy_item_id == i.id && s.seq.is_some())
    });
    if price_too_large {
        holds.push(Hold::AmountOutOfRange);
    }
    holds.sort();
    holds.dedup();
    let mut warnings: Vec<Warning> = [
        &users.warnings,
        &payer.warnings,
        &balance.warnings,
        &services.warnings,
    ]
    .into_iter()
    .flatten()
    .copied()
    .collect();
    warnings.sort();
    warnings.dedup();

    let owner_language = users.primary.as_ref().map(|p| {
        let raw = account.users.iter().find(|u| u.id == p.legacy_user_id);
        language_of(
            raw.and_then(|u| u.language.as_deref()),
            ctx.default_language,
        )
    });

    let new_client = if holds.is_empty() {
        let built = new_client::build(
            account,
            new_client::Decided {
                primary: users.primary.as_ref(),
                owner_language,
                users: &users.users,
                payer: &payer,
                currency: balance.currency.as_deref(),
                opening: balance.opening,
                services: &services.services,
            },
            ctx,
        );
        built.map_err(|hold| holds.push(hold)).ok()
    } else {
        None
    };

    Decision {
        account_id: account.id,
        holds,
        warnings,
        primary: users.primary,
        owner_language,
        users: users.users,
        payer,
        balance,
        services: services.services,
        new_client,
    }
}
