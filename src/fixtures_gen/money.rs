//! Balances and money movements of one generated account: `subaccount`, ordinary `expense`
//! rows and `payment` rows.
//!
//! Owns the currency mix (mostly one UAH subaccount; USD / EUR main currencies; several
//! currencies; RUB without a rate; a currency id with no `currency` row; no subaccount at all)
//! and the balance mix (zero, prepaid, debt, a few cents). All money is integer cents.

use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::cases::{Cases, Ctx, Force};
use super::model::{Chunk, Expense, Payment, Ref, Subaccount, When};

pub const UAH: i32 = 1;
pub const USD: i32 = 2;
pub const EUR: i32 = 3;
pub const RUB: i32 = 4;
/// A currency id with no `currency` row.
pub const MISSING_CURRENCY: i32 = 99;

/// A subaccount of the account being generated.
#[derive(Clone, Copy)]
pub struct Sub {
    pub r: Ref,
    pub currency: i32,
}

/// Converts an amount in UAH cents to `currency` cents (roughly; fixtures need no exact rate).
pub fn from_uah(cents: i64, currency: i32) -> i64 {
    match currency {
        USD => cents / 41,
        EUR => cents / 45,
        RUB => cents * 2,
        _ => cents,
    }
}

fn random_balance<R: Rng>(rng: &mut R, currency: i32) -> i64 {
    let uah = match rng.random_range(0..100) {
        0..55 => 0,
        55..75 => rng.random_range(100..50_000),
        75..88 => rng.random_range(50_000..500_000),
        88..90 => rng.random_range(500_000..5_000_000),
        90..98 => -rng.random_range(100..300_000),
        _ => rng.random_range(-99..100),
    };
    from_uah(uah, currency)
}

fn push(chunk: &mut Chunk, account: i64, currency: i32, balance: i64) -> Sub {
    let r = Chunk::local(chunk.subaccount.len());
    chunk.subaccount.push(Subaccount {
        account,
        currency,
        balance,
    });
    Sub { r, currency }
}

/// Generates the account's subaccounts; the first returned is the main one (lowest id).
pub fn subaccounts<R: Rng>(
    rng: &mut R,
    cases: &Cases,
    chunk: &mut Chunk,
    account: i64,
) -> Vec<Sub> {
    let mut subs = Vec::new();
    if cases.chance(rng, Force::NoSubaccount, 0.015) {
        return subs;
    }
    if cases.is(Force::MultiCurrency) {
        subs.push(push(
            chunk,
            account,
            UAH,
            rng.random_range(100_000..500_000),
        ));
        subs.push(push(chunk, account, USD, rng.random_range(1_000..5_000)));
        subs.push(push(chunk, account, EUR, -rng.random_range(500..2_000)));
        return subs;
    }
    let main = if cases.is(Force::UsdMain) {
        USD
    } else if cases.random() {
        match rng.random_range(0..100) {
            0..92 => UAH,
            92..97 => USD,
            _ => EUR,
        }
    } else {
        UAH
    };
    let balance = if cases.is(Force::NegativeBalance) {
        -rng.random_range(100..300_000)
    } else {
        random_balance(rng, main)
    };
    subs.push(push(chunk, account, main, balance));
    if cases.random() && rng.random_bool(0.04) {
        let other = *[UAH, USD, EUR]
            .iter()
            .filter(|c| **c != main)
            .collect::<Vec<_>>()
            .choose(rng)
            .unwrap();
        let b = random_balance(rng, *other);
        subs.push(push(chunk, account, *other, b));
    }
    if cases.chance(rng, Force::RubNonZero, 0.005) {
        let b = rng.random_range(1_000..100_000);
        subs.push(push(chunk, account, RUB, b));
    } else if cases.chance(rng, Force::RubZero, 0.004) {
        subs.push(push(chunk, account, RUB, 0));
    }
    if cases.chance(rng, Force::MissingCurrency, 0.003) {
        let b = if rng.random_bool(0.5) {
            0
        } else {
            rng.random_range(100..10_000)
        };
        subs.push(push(chunk, account, MISSING_CURRENCY, b));
    }
    subs
}

/// The currency the account's services are priced in.
pub fn price_currency(subs: &[Sub]) -> i32 {
    match subs.first().map(|s| s.currency) {
        Some(c @ (UAH | USD | EUR)) => c,
        _ => UAH,
    }
}

/// A random charge time: mostly within the last 18 months, 12% in `--today`'s month.
fn charge_time<R: Rng>(ctx: &Ctx, rng: &mut R, reg: NaiveDateTime) -> NaiveDateTime {
    if rng.random_bool(0.12) {
        ctx.between(rng, ctx.month_start, ctx.now)
    } else {
        ctx.between(rng, reg.max(ctx.now - Duration::days(540)), ctx.now)
    }
}

/// Ordinary charges of an account that nobody referred (0–3 rows, 0.85 on average).
pub fn expenses<R: Rng>(
    ctx: &Ctx,
    rng: &mut R,
    chunk: &mut Chunk,
    reg: NaiveDateTime,
    subs: &[Sub],
    items: &[(Ref, i64)],
) {
    let Some(main) = subs.first() else { return };
    let n = match rng.random_range(0..100) {
        0..50 => 0,
        50..75 => 1,
        75..90 => 2,
        _ => 3,
    };
    for _ in 0..n {
        let cdate = When::At(charge_time(ctx, rng, reg));
        let (item, amount) = charge(rng, items, main.currency);
        chunk.expense.push(Expense {
            subaccount: main.r,
            item,
            amount,
            cdate,
        });
    }
}

/// One charge: for one of the account's services (its price) or, 15% of the time, for nothing
/// in particular.
pub fn charge<R: Rng>(rng: &mut R, items: &[(Ref, i64)], currency: i32) -> (Option<Ref>, i64) {
    match items.choose(rng) {
        Some(&(r, cost)) if rng.random_bool(0.85) && cost > 0 => (Some(r), cost),
        _ => (
            None,
            from_uah(rng.random_range(1_000..50_000), currency).max(1),
        ),
    }
}

/// A top-up for a quarter of the accounts that have a subaccount.
pub fn payments<R: Rng>(
    ctx: &Ctx,
    rng: &mut R,
    chunk: &mut Chunk,
    reg: NaiveDateTime,
    subs: &[Sub],
) {
    let Some(main) = subs.first() else { return };
    if !rng.random_bool(0.25) {
        return;
    }
    let amount = from_uah(rng.random_range(1..50) * 10_000, main.currency);
    let status = match rng.random_range(0..10) {
        0 => 1,
        1 => 4,
        _ => 2,
    };
    let paydate = When::At(ctx.between(rng, reg, ctx.now));
    chunk.payment.push(Payment {
        subaccount: main.r,
        amount,
        paydate,
        status,
    });
}
