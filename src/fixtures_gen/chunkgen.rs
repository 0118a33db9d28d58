//! Generation of one chunk: accounts `index * CHUNK_ACCOUNTS + 1 ..` in id order, from the
//! chunk's own RNG stream, plus the orphan rows born next to some of them.
//!
//! Owns the order in which one account's generators run and the orphans: rows of `user`,
//! `profile`, `subaccount`, `item` and `itemparam` whose account id has no `account` row
//! (id `accounts + id` of the account they follow, so never a real account).

use chrono::Duration;
use rand::Rng;

use super::cases::{CHUNK_ACCOUNTS, Cases, Ctx, Force, forced};
use super::model::{Chunk, Flag, ItemParam, User, When};
use super::{money, names, partners, people, services};

/// Generates chunk `index` of the run described by `ctx`.
pub fn generate_chunk(ctx: &Ctx, index: u64) -> Chunk {
    let mut rng = ctx.chunk_rng(index);
    let mut chunk = Chunk {
        index,
        ..Chunk::default()
    };
    let first = index * CHUNK_ACCOUNTS + 1;
    let last = ((index + 1) * CHUNK_ACCOUNTS).min(ctx.accounts);
    for id in first..=last {
        let id = id as i64;
        let cases = Cases { force: forced(id) };
        let basics = people::generate(ctx, &mut rng, &cases, &mut chunk, id);
        let project = chunk.account.last().map_or(1, |a| a.project);
        let subs = money::subaccounts(&mut rng, &cases, &mut chunk, id);
        let currency = money::price_currency(&subs);
        let items = services::generate(
            ctx,
            &mut rng,
            &cases,
            &mut chunk,
            id,
            basics.reg,
            basics.slug.as_deref(),
            currency,
        );
        let referred = partners::generate(
            ctx, &mut rng, &cases, &mut chunk, id, project, &subs, &items,
        );
        if !referred {
            money::expenses(ctx, &mut rng, &mut chunk, basics.reg, &subs, &items);
        }
        money::payments(ctx, &mut rng, &mut chunk, basics.reg, &subs);
        if cases.chance(&mut rng, Force::Orphans, 0.004) {
            orphans(ctx, &mut rng, &mut chunk, ctx.accounts as i64 + id);
        }
    }
    chunk.accounts_done = chunk.account.len() as u64;
    chunk
}

/// What is left of a deleted account: a user, maybe a payer, a balance and a service or two.
fn orphans<R: Rng>(ctx: &Ctx, rng: &mut R, chunk: &mut Chunk, ghost: i64) {
    let none = Cases { force: None };
    let p = names::person(rng);
    let created = ctx.between(rng, ctx.epoch, ctx.now - Duration::days(400));
    chunk.user.push(User {
        account: ghost,
        level: 16,
        name: p.latin.clone(),
        email: Some(names::email(rng, &p.latin, None)),
        realname: Some(p.full.clone()),
        language: Some("uk".into()),
        enabled: Flag::On,
        superuser: Flag::On,
        createdate: When::At(created),
        password: names::password_hash(rng),
    });
    if rng.random_bool(0.5) {
        let (city, postcode, address) = names::address(rng);
        chunk.profile.push(super::model::Profile {
            account: ghost,
            name: p.full,
            person: None,
            profiletype: Some(1),
            email: None,
            phone: Some(names::phone(rng)),
            country_legal: Some("Україна".into()),
            postcode_legal: Some(postcode),
            city_legal: Some(city),
            address_legal: Some(address),
            vatnum: None,
            vatpayer: Flag::Off,
            createdate: When::At(created),
            nomigrate: Flag::Off,
        });
    }
    chunk.subaccount.push(super::model::Subaccount {
        account: ghost,
        currency: money::UAH,
        balance: rng.random_range(-10_000..100_000),
    });
    let items = services::generate(ctx, rng, &none, chunk, ghost, created, None, money::UAH);
    if items.is_empty() {
        // Always leave at least one orphan service behind.
        let r = Chunk::local(chunk.item.len());
        chunk.item.push(super::model::Item {
            account: ghost,
            pricelist: 101,
            parent: None,
            status: Some(3),
            name: "orphan-site.com.ua".into(),
            createdate: When::At(created),
            opendate: When::At(created),
            expiredate: When::day(created.date()),
            period: 1,
            autoprolong: 0,
            cost: 9_900,
            currency: money::UAH,
        });
        chunk.itemparam.push(ItemParam {
            item: r,
            intname: "domain",
            value: "orphan-site.com.ua".into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::super::model::Offsets;
    use super::super::sqlgen::statements;
    use super::*;

    fn ctx(seed: u64) -> Ctx {
        Ctx::new(seed, 5000, NaiveDate::from_ymd_opt(2025, 3, 15).unwrap())
    }

    #[test]
    fn a_chunk_is_a_pure_function_of_seed_and_index() {
        let c = ctx(3);
        // Chunk 1 generated alone, or after chunk 0, is the same.
        let alone = statements(&generate_chunk(&c, 1), &Offsets::default());
        let _ = generate_chunk(&c, 0);
        let again = statements(&generate_chunk(&c, 1), &Offsets::default());
        assert_eq!(alone, again);
        let other = statements(&generate_chunk(&ctx(4), 1), &Offsets::default());
        assert_ne!(alone, other);
    }

    #[test]
    fn chunks_cover_every_account_once() {
        let c = ctx(1);
        let ids: Vec<i64> = (0..c.chunks())
            .flat_map(|i| generate_chunk(&c, i).account)
            .map(|a| a.id)
            .collect();
        assert_eq!(ids, (1..=5000).collect::<Vec<_>>());
    }

    #[test]
    fn showcase_accounts_get_their_case() {
        assert_eq!(forced(1), None);
        assert_eq!(forced(2), Some(Force::ZeroDates));
        assert_eq!(forced(super::super::cases::SHOWCASE.len() as i64 + 2), None);
        let chunk = generate_chunk(&ctx(1), 0);
        assert_eq!(chunk.account[1].registration_date, When::Zero);
    }
}
