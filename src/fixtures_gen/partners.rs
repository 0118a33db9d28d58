//! The partner program: `account2project` rows, and for referred accounts their monthly
//! charges (`expense`, including `--today`'s month) and the partner's accruals
//! (`affiliatereward`, paid and unpaid).
//!
//! Whether an account is a partner is a pure function of (seed, account id) — about 1% of
//! accounts, plus the showcase partner — so any chunk can pick a partner as a referer without
//! seeing the chunk that generates it.

use rand::Rng;

use super::cases::{Cases, Ctx, Force, SHOWCASE_PARTNER, forced, mix};
use super::model::{Account2Project, AffiliateReward, Chunk, Expense, Flag, Ref, When};
use super::money::{Sub, charge};

/// How far a referral looks for a partner before giving up (only matters for tiny datasets).
const SCAN_LIMIT: u64 = 20_000;

/// The partner program (affiliate id) of a partner account, or None.
pub fn program(ctx: &Ctx, id: i64) -> Option<i32> {
    if id < 1 || id as u64 > ctx.accounts {
        return None;
    }
    if id == SHOWCASE_PARTNER {
        return Some(1);
    }
    if forced(id).is_some() {
        return None;
    }
    let h = mix(ctx.seed, id as u64);
    (h % 1000 < 10).then_some(if (h >> 32) % 3 == 0 { 2 } else { 1 })
}

/// Reward percent of a program, as in reference.sql.
fn reward_percent(program: i32) -> i64 {
    if program == 2 { 15 } else { 10 }
}

/// A random partner other than `id`, or None when the dataset has none nearby.
fn find_partner<R: Rng>(ctx: &Ctx, rng: &mut R, id: i64) -> Option<(i64, i32)> {
    let n = ctx.accounts;
    let start = rng.random_range(0..n);
    (0..n.min(SCAN_LIMIT))
        .map(|k| ((start + k) % n + 1) as i64)
        .filter(|&p| p != id)
        .find_map(|p| program(ctx, p).map(|prog| (p, prog)))
}

/// The referer of an account: a partner (5%), a plain account (0.3%) or a missing one (0.1%).
enum Referer {
    None,
    Partner(i64, i32),
    Other(i64),
}

fn referer<R: Rng>(ctx: &Ctx, rng: &mut R, cases: &Cases, id: i64) -> Referer {
    if cases.is(Force::Referred) && (SHOWCASE_PARTNER as u64) <= ctx.accounts {
        return Referer::Partner(SHOWCASE_PARTNER, 1);
    }
    if cases.chance(rng, Force::RefererNotPartner, 0.003) {
        let n = ctx.accounts as i64;
        let other = (1..=n)
            .find(|&a| a != id && program(ctx, a).is_none())
            .unwrap_or(id + n);
        let pick = rng.random_range(1..=n);
        return Referer::Other(if pick != id && program(ctx, pick).is_none() {
            pick
        } else {
            other
        });
    }
    if !cases.random() {
        return Referer::None;
    }
    match rng.random_range(0..1000) {
        0..50 => match find_partner(ctx, rng, id) {
            Some((p, prog)) => Referer::Partner(p, prog),
            None => Referer::None,
        },
        // A referer account that does not exist (deleted long ago).
        50..51 => Referer::Other(ctx.accounts as i64 + 5_000_000 + id),
        _ => Referer::None,
    }
}

/// Writes the account's `account2project` row; for a referred account also its monthly
/// charges and the partner's accruals. Returns true when it did write the account's charges
/// (so the caller does not add ordinary ones).
#[allow(clippy::too_many_arguments)]
pub fn generate<R: Rng>(
    ctx: &Ctx,
    rng: &mut R,
    cases: &Cases,
    chunk: &mut Chunk,
    id: i64,
    project: i32,
    subs: &[Sub],
    items: &[(Ref, i64)],
) -> bool {
    let referer = referer(ctx, rng, cases, id);
    chunk.account2project.push(Account2Project {
        account: id,
        project,
        affiliate: program(ctx, id),
        affiliatereferer: match referer {
            Referer::None => None,
            Referer::Partner(p, _) | Referer::Other(p) => Some(p),
        },
    });
    let (Referer::Partner(partner, prog), Some(main)) = (referer, subs.first()) else {
        return false;
    };
    let pct = reward_percent(prog);
    let months = if cases.is(Force::Referred) {
        4
    } else {
        rng.random_range(1..=6)
    };
    for back in (1..=months).rev() {
        let from = ctx.month_back(back);
        let to = ctx.month_back(back - 1) - chrono::Duration::seconds(1);
        let mut month_total = 0;
        for _ in 0..rng.random_range(1..=2) {
            let (item, amount) = charge(rng, items, main.currency);
            let cdate = When::At(ctx.between(rng, from, to));
            chunk.expense.push(Expense {
                subaccount: main.r,
                item,
                amount,
                cdate,
            });
            month_total += amount;
        }
        if back == 1 && cases.is(Force::Referred) {
            // The last second of the previous month: not part of this month's accrual.
            let (item, amount) = charge(rng, items, main.currency);
            chunk.expense.push(Expense {
                subaccount: main.r,
                item,
                amount,
                cdate: When::At(to),
            });
            month_total += amount;
        }
        // Accrued at the start of the next month; older months are mostly paid out.
        let paid = match (back, rng.random_range(0..100)) {
            (1, _) if cases.is(Force::Referred) => Flag::Off,
            (1..=2, 0..60) => Flag::Off,
            (1..=2, 60..80) => Flag::Null,
            (_, 0..5) => Flag::Off,
            _ => Flag::On,
        };
        chunk.affiliatereward.push(AffiliateReward {
            account: partner,
            referral: id,
            amount: (month_total * pct + 50) / 100,
            cdate: When::At(ctx.month_back(back - 1)),
            paid,
        });
    }
    // This month's charges, not accrued yet.
    if cases.is(Force::Referred) {
        let (item, amount) = charge(rng, items, main.currency);
        chunk.expense.push(Expense {
            subaccount: main.r,
            item,
            amount,
            cdate: When::At(ctx.month_start),
        });
    }
    for _ in 0..rng.random_range(1..=2) {
        let (item, amount) = charge(rng, items, main.currency);
        let cdate = When::At(ctx.between(rng, ctx.month_start, ctx.now));
        chunk.expense.push(Expense {
            subaccount: main.r,
            item,
            amount,
            cdate,
        });
    }
    true
}
