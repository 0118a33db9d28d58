//! The `profile` (payer) rows of one generated account.
//!
//! Owns the payer mix: one payer mostly; none; several (the last created moves, with ties on
//! the same second); "do not migrate" marks on the last or on every payer; invalid profile
//! types (0, 7, NULL); undated payers; companies with EDRPOU codes and VAT payers.

use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::cases::{Cases, Ctx, Force};
use super::model::{Chunk, Flag, Kind, Profile, legacy_date};
use super::names::{self, Person};

/// Generates the account's payers; `kind`, `person` and `payer_name` describe the customer.
#[allow(clippy::too_many_arguments)]
pub fn generate<R: Rng>(
    ctx: &Ctx,
    rng: &mut R,
    cases: &Cases,
    chunk: &mut Chunk,
    id: i64,
    reg: NaiveDateTime,
    kind: Kind,
    person: &Person,
    payer_name: &str,
    slug: Option<&str>,
) {
    let count = if cases.is(Force::NoProfile) {
        0
    } else if cases.is(Force::SeveralPayers) || cases.is(Force::Nomigrate) {
        3
    } else if cases.is(Force::AllNomigrate) {
        2
    } else if cases.random() {
        match rng.random_range(0..100) {
            0..3 => 0,
            3..91 => 1,
            91..98 => 2,
            _ => 3,
        }
    } else {
        1
    };
    let mut created = reg + Duration::seconds(rng.random_range(60..3600));
    for n in 0..count {
        let (kind, name, contact) = if n == 0 {
            (kind, payer_name.to_string(), person.full.clone())
        } else {
            // A later payer: often the same person, now trading as a company.
            let (c, _) = names::company(rng);
            let p = names::person(rng);
            (Kind::Company, c, p.full)
        };
        let (city, postcode, address) = names::address(rng);
        let mut profiletype = Some(match kind {
            Kind::Individual => 1,
            Kind::Company => 2,
            Kind::SoleProprietor => 3,
        });
        if cases.is(Force::ProfileType0) {
            profiletype = Some(0);
        } else if cases.is(Force::ProfileType7) {
            profiletype = Some(7);
        } else if cases.is(Force::ProfileTypeNull) {
            profiletype = None;
        } else if cases.random() && rng.random_bool(0.015) {
            profiletype = *[Some(0), Some(7), None].choose(rng).unwrap();
        }
        let vatnum = match kind {
            Kind::Company => Some(format!("{:08}", rng.random_range(0..100_000_000))),
            Kind::SoleProprietor => Some(format!("{:010}", rng.random_range(0..10_000_000_000u64))),
            Kind::Individual if rng.random_bool(0.3) => {
                Some(format!("{:010}", rng.random_range(0..10_000_000_000u64)))
            }
            Kind::Individual => None,
        };
        let vat_p = if kind == Kind::Company { 0.35 } else { 0.05 };
        let vatpayer = if rng.random_bool(vat_p) {
            Flag::On
        } else {
            *[Flag::Off, Flag::Off, Flag::Null].choose(rng).unwrap()
        };
        let last = n + 1 == count;
        let forced_mark = cases.is(Force::AllNomigrate) || (cases.is(Force::Nomigrate) && last);
        let nomigrate = if forced_mark || (cases.random() && rng.random_bool(0.03)) {
            Flag::On
        } else {
            *[Flag::Off, Flag::Off, Flag::Off, Flag::Null]
                .choose(rng)
                .unwrap()
        };
        let email = if rng.random_bool(0.9) {
            Some(names::email(
                rng,
                &person.latin,
                slug.map(|s| names::company_mail_domain(s, id)).as_deref(),
            ))
        } else {
            None
        };
        chunk.profile.push(Profile {
            account: id,
            name,
            person: (kind != Kind::Individual || rng.random_bool(0.5)).then_some(contact),
            profiletype,
            email,
            phone: rng.random_bool(0.85).then(|| names::phone(rng)),
            country_legal: Some(
                if rng.random_bool(0.9) {
                    "Україна"
                } else {
                    "UA"
                }
                .to_string(),
            ),
            postcode_legal: Some(postcode),
            city_legal: Some(city),
            address_legal: Some(address),
            vatnum,
            vatpayer,
            createdate: legacy_date(rng, cases, created),
            nomigrate,
        });
        // The next payer is later; sometimes at the very same second (ties go to the higher id).
        if !rng.random_bool(0.1) {
            created = ctx.between(rng, created, ctx.now);
        }
    }
}
