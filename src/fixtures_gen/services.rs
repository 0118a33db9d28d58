//! The `item` (service) and `itemparam` rows of one generated account.
//!
//! Owns the service mix: tariffs of every item type with realistic prices and periods, every
//! status (1–5, plus 0 and NULL), `domain` item parameters for hosting / domain / SSL
//! services, add-ons (tariffs 801 / 802) under a main service or under another add-on, and
//! the broken cases: add-ons whose parent is missing, in another account or in a cycle;
//! unmapped tariffs (901, 902), a tariff whose item type is missing (903) and a pricelist id
//! with no row (950).

use chrono::{Duration, Months, NaiveDateTime};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::cases::{Cases, Ctx, Force};
use super::model::legacy_date;
use super::model::{Chunk, Item, ItemParam, Ref, When};
use super::money::from_uah;
use super::names;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Hosting,
    Domain,
    Ssl,
    Vps,
    Dedicated,
    License,
    Other,
}

/// (pricelist id, weight among main services, price per month in UAH cents, kind).
const TARIFFS: &[(i32, u32, i64, Kind)] = &[
    (101, 180, 9_900, Kind::Hosting),
    (102, 130, 19_900, Kind::Hosting),
    (103, 60, 39_900, Kind::Hosting),
    (201, 170, 2_000, Kind::Domain),
    (202, 110, 3_750, Kind::Domain),
    (203, 60, 5_000, Kind::Domain),
    (301, 35, 10_000, Kind::Ssl),
    (302, 10, 50_000, Kind::Ssl),
    (401, 45, 30_000, Kind::Vps),
    (402, 30, 55_000, Kind::Vps),
    (403, 15, 99_000, Kind::Vps),
    (501, 12, 450_000, Kind::Dedicated),
    (502, 8, 250_000, Kind::Dedicated),
    (601, 15, 60_000, Kind::License),
    (602, 15, 25_000, Kind::License),
    (701, 25, 5_000, Kind::Other),
    (702, 15, 10_000, Kind::Other),
    (703, 10, 15_000, Kind::Other),
    // Not in mappings/tariffs.csv (901, 902), item type with no row (903), no pricelist (950).
    (901, 14, 7_000, Kind::Hosting),
    (902, 8, 20_000, Kind::Vps),
    (903, 3, 10_000, Kind::Other),
    (950, 5, 12_345, Kind::Other),
];
const UNMAPPED: [i32; 4] = [901, 902, 903, 950];
/// A parent id no item has.
const MISSING_PARENT_BASE: i64 = 9_000_000_000;

fn status<R: Rng>(rng: &mut R) -> Option<i32> {
    Some(match rng.random_range(0..1000) {
        0..680 => 2,
        680..760 => 3,
        760..800 => 1,
        800..820 => 5,
        820..970 => 4,
        970..985 => 0,
        _ => return None,
    })
}

struct Account<'a> {
    id: i64,
    reg: NaiveDateTime,
    slug: Option<&'a str>,
    currency: i32,
}

/// Generates the account's services; returns every item with its price (for charges).
#[allow(clippy::too_many_arguments)]
pub fn generate<R: Rng>(
    ctx: &Ctx,
    rng: &mut R,
    cases: &Cases,
    chunk: &mut Chunk,
    id: i64,
    reg: NaiveDateTime,
    slug: Option<&str>,
    currency: i32,
) -> Vec<(Ref, i64)> {
    let acc = Account {
        id,
        reg,
        slug,
        currency,
    };
    let first_item = chunk.item.len();
    let mut out = Vec::new();
    let mut plan: Vec<(i32, Option<i32>)> = Vec::new();
    if cases.is(Force::AllStatuses) {
        plan = [Some(1), Some(2), Some(3), Some(4), Some(5), Some(0), None]
            .iter()
            .map(|s| (101, *s))
            .collect();
    } else if cases.is(Force::Unmapped) {
        plan = [202]
            .iter()
            .chain(UNMAPPED.iter())
            .map(|t| (*t, Some(2)))
            .collect();
    } else {
        let n = match rng.random_range(0..100) {
            0..5 => 0,
            5..40 => 1,
            40..70 => 2,
            70..88 => 3,
            _ => 4,
        };
        let n = if cases.random() { n } else { n.max(1) };
        for i in 0..n {
            let (t, _, _, _) = if cases.random() {
                *TARIFFS.choose_weighted(rng, |t| t.1).unwrap()
            } else {
                // Showcase accounts: a clean hosting plan first, mapped tariffs after it.
                let mapped: Vec<_> = TARIFFS
                    .iter()
                    .filter(|t| !UNMAPPED.contains(&t.0))
                    .collect();
                if i == 0 {
                    TARIFFS[0]
                } else {
                    **mapped.choose_weighted(rng, |t| t.1).unwrap()
                }
            };
            let s = if cases.random() { status(rng) } else { Some(2) };
            plan.push((t, s));
        }
    }
    for (t, s) in plan {
        let r = service(ctx, rng, cases, chunk, &acc, t, s, None);
        out.push(r);
    }
    addons(ctx, rng, cases, chunk, &acc, first_item, &mut out);
    out
}

fn addons<R: Rng>(
    ctx: &Ctx,
    rng: &mut R,
    cases: &Cases,
    chunk: &mut Chunk,
    acc: &Account,
    first_item: usize,
    out: &mut Vec<(Ref, i64)>,
) {
    let hosts: Vec<usize> = (first_item..chunk.item.len())
        .filter(
            |&i| matches!(chunk.item[i].pricelist, 101..=103 | 401..=403 | 501 | 502 | 901 | 902),
        )
        .collect();
    let addon_tariff = |rng: &mut R| *[801, 802].choose(rng).unwrap();
    if let Some(&main) = hosts.first() {
        if cases.is(Force::AddOns) {
            let ip = service(
                ctx,
                rng,
                cases,
                chunk,
                acc,
                801,
                Some(2),
                Some(Chunk::local(main)),
            );
            out.push(ip);
            // An add-on of an add-on.
            out.push(service(
                ctx,
                rng,
                cases,
                chunk,
                acc,
                802,
                Some(2),
                Some(ip.0),
            ));
        } else if cases.random() && rng.random_bool(0.10) {
            let main = *hosts.choose(rng).unwrap();
            let s = if rng.random_bool(0.1) {
                Some(4)
            } else {
                chunk.item[main].status
            };
            let t = addon_tariff(rng);
            let a = service(ctx, rng, cases, chunk, acc, t, s, Some(Chunk::local(main)));
            out.push(a);
            if rng.random_bool(0.1) {
                out.push(service(ctx, rng, cases, chunk, acc, 802, s, Some(a.0)));
            }
        }
    }
    if cases.chance(rng, Force::AddonMissingParent, 0.003) {
        let parent = Ref::Abs(MISSING_PARENT_BASE + acc.id);
        let t = addon_tariff(rng);
        out.push(service(
            ctx,
            rng,
            cases,
            chunk,
            acc,
            t,
            Some(2),
            Some(parent),
        ));
    }
    if cases.chance(rng, Force::AddonCrossParent, 0.002) && first_item > 0 {
        // The parent is a service of an earlier account of the chunk.
        let parent = Chunk::local(rng.random_range(0..first_item));
        let t = addon_tariff(rng);
        out.push(service(
            ctx,
            rng,
            cases,
            chunk,
            acc,
            t,
            Some(2),
            Some(parent),
        ));
    }
    if cases.chance(rng, Force::AddonCycle, 0.0005) {
        let a = service(ctx, rng, cases, chunk, acc, 801, Some(2), None);
        let b = service(ctx, rng, cases, chunk, acc, 802, Some(2), Some(a.0));
        if let Ref::Local(i) = a.0 {
            chunk.item[i as usize].parent = Some(b.0);
        }
        out.extend([a, b]);
    }
}

/// Pushes one service (and its `domain` parameters); returns its reference and price.
#[allow(clippy::too_many_arguments)]
fn service<R: Rng>(
    ctx: &Ctx,
    rng: &mut R,
    cases: &Cases,
    chunk: &mut Chunk,
    acc: &Account,
    tariff: i32,
    status: Option<i32>,
    parent: Option<Ref>,
) -> (Ref, i64) {
    let (monthly, kind) = match tariff {
        801 => (6_000, Kind::Other),
        802 => (8_000, Kind::Other),
        t => TARIFFS
            .iter()
            .find(|x| x.0 == t)
            .map(|x| (x.2, x.3))
            .unwrap_or((10_000, Kind::Other)),
    };
    let period = match kind {
        Kind::Domain | Kind::Ssl => *[12, 12, 12, 24].choose(rng).unwrap(),
        Kind::Hosting => *[1, 1, 3, 6, 12, 12].choose(rng).unwrap(),
        Kind::Vps | Kind::Other => *[1, 1, 3, 12].choose(rng).unwrap(),
        Kind::Dedicated => 1,
        Kind::License => *[1, 12].choose(rng).unwrap(),
    };
    let cost = from_uah(monthly * i64::from(period), acc.currency);
    let domain = names::domain(rng, acc.slug);
    let name = if parent.is_some() {
        match tariff {
            801 => format!(
                "IPv4 {}.{}.{}.{}",
                185,
                rng.random_range(0..256),
                rng.random_range(0..256),
                rng.random_range(1..255)
            ),
            _ => "Додатковий диск 50 ГБ".to_string(),
        }
    } else if cases.is(Force::AwkwardName) || (cases.random() && rng.random_bool(0.005)) {
        names::awkward_name(rng)
    } else {
        match kind {
            Kind::Hosting if rng.random_bool(0.4) => format!("Хостинг {domain}"),
            Kind::Domain if rng.random_bool(0.05) => domain.to_uppercase(),
            Kind::Hosting | Kind::Domain | Kind::Ssl => domain.clone(),
            Kind::Vps => format!("vps{}.{domain}", rng.random_range(1..10)),
            Kind::Dedicated => format!("Сервер {domain}"),
            Kind::License => format!("Ліцензія для {domain}"),
            Kind::Other => format!("{domain} (додаткова послуга)"),
        }
    };
    let created = ctx.between(rng, acc.reg, ctx.now);
    let opened = (created + Duration::seconds(rng.random_range(0..172_800))).min(ctx.now);
    let expires = (opened + Months::new(period as u32 * rng.random_range(1..4))).date();
    let opendate = if status == Some(1) {
        When::Null
    } else {
        legacy_date(rng, cases, opened)
    };
    let expiredate = match rng.random_range(0..100) {
        _ if status == Some(1) => When::Null,
        0..2 if cases.random() => When::Null,
        2..4 if cases.random() => When::Zero,
        _ => When::day(expires),
    };
    let r = Chunk::local(chunk.item.len());
    chunk.item.push(Item {
        account: acc.id,
        pricelist: tariff,
        parent,
        status,
        name,
        createdate: legacy_date(rng, cases, created),
        opendate,
        expiredate,
        period,
        autoprolong: if rng.random_bool(0.7) { period } else { 0 },
        cost,
        currency: acc.currency,
    });
    let with_domain = match kind {
        Kind::Hosting => rng.random_bool(0.95),
        Kind::Domain => true,
        Kind::Ssl => rng.random_bool(0.8),
        _ => false,
    };
    if with_domain && parent.is_none() {
        chunk.itemparam.push(ItemParam {
            item: r,
            intname: "domain",
            value: domain.to_lowercase(),
        });
        if kind == Kind::Hosting && rng.random_bool(0.08) {
            // A second site on the same hosting: the tool must take the smallest value.
            let extra = names::domain(rng, acc.slug);
            chunk.itemparam.push(ItemParam {
                item: r,
                intname: "domain",
                value: extra,
            });
        }
    }
    (r, cost)
}
