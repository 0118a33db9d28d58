//! R4: the account's balance in its client currency, as one opening-balance amount. Every
//! conversion is written down so `explain` and `verify` can show the arithmetic.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};

use super::reasons::{Hold, Warning};
use crate::legacy::model::Subaccount;
use crate::mappings::Mappings;

/// One currency's part of the balance.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrencyPart {
    pub currency: String,
    /// Sum of the subaccounts in this currency.
    pub total: Decimal,
    /// The direct rate to the client currency (1 for the client currency itself).
    pub rate: Option<Decimal>,
    /// `total × rate`, rounded half away from zero to 2 decimals; `None` without a rate.
    pub converted: Option<Decimal>,
}

/// Result of R4 for one account.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BalanceDecision {
    /// The client's currency; `None` only when the lowest subaccount's currency row is missing.
    pub currency: Option<String>,
    /// Per currency, client currency first, then alphabetical.
    pub parts: Vec<CurrencyPart>,
    /// Subaccounts whose currency id has no `currency` row.
    pub unknown_currency_subaccounts: Vec<i64>,
    /// The opening-balance amount (2 decimals); zero means no ledger entry.
    pub opening: Decimal,
    pub holds: Vec<Hold>,
    pub warnings: Vec<Warning>,
}

/// Rounds money half away from zero to cents.
pub fn round_cents(amount: Decimal) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    // -0.00 is 0.00: a sign on zero must not leak into reports or the ledger.
    if rounded.is_zero() {
        Decimal::new(0, 2)
    } else {
        rounded
    }
}

/// Whether an amount fits the target's `numeric(20, 2)` (and the legacy DECIMAL(20,2)).
pub fn fits_target(amount: Decimal) -> bool {
    amount.abs() < Decimal::from(1_000_000_000_000_000_000_i64)
}

/// Applies R4 to an account's subaccounts.
pub fn decide_balance(
    subaccounts: &[Subaccount],
    mappings: &Mappings,
    default_currency: &str,
) -> BalanceDecision {
    let mut out = BalanceDecision::default();
    let lowest = subaccounts.iter().min_by_key(|s| s.id);
    out.currency = match lowest {
        None => Some(default_currency.to_owned()),
        Some(s) => s.currency.clone(),
    };

    let mut totals: BTreeMap<&str, Decimal> = BTreeMap::new();
    let mut total_overflow = false;
    for sub in subaccounts {
        match &sub.currency {
            Some(code) => {
                let total = totals.entry(code.as_str()).or_default();
                match total.checked_add(sub.balance) {
                    Some(sum) => *total = sum,
                    None => total_overflow = true,
                }
            }
            None => out.unknown_currency_subaccounts.push(sub.id),
        }
    }
    out.unknown_currency_subaccounts.sort_unstable();
    let mut missing_rate = !out.unknown_currency_subaccounts.is_empty();
    let mut out_of_range = false;

    let mut opening = Decimal::ZERO;
    for (code, total) in totals {
        let rate = out
            .currency
            .as_deref()
            .and_then(|client| mappings.rate(code, client));
        // Checked: a damaged 28-digit total times a rate must hold the account, not panic.
        let converted = rate.and_then(|r| total.checked_mul(r).map(round_cents));
        match converted {
            Some(amount) => match opening.checked_add(amount) {
                Some(sum) => opening = sum,
                None => out_of_range = true,
            },
            None if rate.is_some() => out_of_range = true,
            None if !total.is_zero() => missing_rate = true,
            None => {}
        }
        out.parts.push(CurrencyPart {
            currency: code.to_owned(),
            total,
            rate,
            converted,
        });
    }
    let client = out.currency.clone();
    out.parts
        .sort_by_key(|p| (Some(&p.currency) != client.as_ref(), p.currency.clone()));

    if missing_rate {
        out.holds.push(Hold::NoRateForCurrency);
    }
    out.opening = round_cents(opening);
    if out_of_range || total_overflow || !fits_target(out.opening) {
        out.holds.push(Hold::AmountOutOfRange);
    }
    if out.opening.is_sign_negative() && !out.opening.is_zero() {
        out.warnings.push(Warning::NegativeBalance);
    }
    out
}
