//! The `account` and `user` rows of one generated account.
//!
//! Owns who the customer is (person or company, display name, registration date, project),
//! its client users (owner, invited colleagues, disabled and invoices-only users, staff rows,
//! invalid / padded / duplicate / shared emails, undated users). Payers are in `payers`.

use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::cases::{Cases, Ctx, Force};
use super::model::{Account, Chunk, Flag, Kind, User, When, legacy_date};
use super::names::{self, Person};

/// What later generators need to know about the account.
pub struct Basics {
    /// The real registration time (even when the stored value is NULL / zero).
    pub reg: NaiveDateTime,
    /// Latin slug of the company, if the customer is one (for domains).
    pub slug: Option<String>,
}

fn language<R: Rng>(rng: &mut R) -> Option<String> {
    let l = match rng.random_range(0..100) {
        0..50 => "uk",
        50..83 => "ru",
        83..93 => "en",
        93..97 => return None,
        97 => "ua",
        98 => "UK",
        _ => "de",
    };
    Some(l.to_string())
}

/// Generates the account row, its users and payers.
pub fn generate<R: Rng>(
    ctx: &Ctx,
    rng: &mut R,
    cases: &Cases,
    chunk: &mut Chunk,
    id: i64,
) -> Basics {
    let kind = match rng.random_range(0..100) {
        0..55 => Kind::Individual,
        55..82 => Kind::Company,
        _ => Kind::SoleProprietor,
    };
    let person = names::person(rng);
    let (company, slug) = match kind {
        Kind::Company => {
            let (n, s) = names::company(rng);
            (Some(n), Some(s))
        }
        _ => (None, None),
    };
    let payer_name = match kind {
        Kind::Individual => person.full.clone(),
        Kind::Company => company.clone().unwrap_or_default(),
        Kind::SoleProprietor => format!("ФОП {}", person.full),
    };
    let name = if cases.chance(rng, Force::AwkwardName, 0.015) {
        names::awkward_name(rng)
    } else {
        payer_name.clone()
    };
    let reg = ctx.between(rng, ctx.epoch, ctx.now - Duration::days(1));
    let project = if cases.chance(rng, Force::Project2, 0.06) {
        2
    } else {
        1
    };
    chunk.account.push(Account {
        id,
        name,
        registration_date: legacy_date(rng, cases, reg),
        project,
    });

    users(ctx, rng, cases, chunk, id, reg, &person, slug.as_deref());
    super::payers::generate(
        ctx,
        rng,
        cases,
        chunk,
        id,
        reg,
        kind,
        &person,
        &payer_name,
        slug.as_deref(),
    );
    Basics { reg, slug }
}

#[allow(clippy::too_many_arguments)]
fn users<R: Rng>(
    ctx: &Ctx,
    rng: &mut R,
    cases: &Cases,
    chunk: &mut Chunk,
    id: i64,
    reg: NaiveDateTime,
    person: &Person,
    slug: Option<&str>,
) {
    let company_domain = slug.map(|s| names::company_mail_domain(s, id));
    // Staff rows come first (lower ids, earlier dates): a tool that forgets `level = 16`
    // would pick them as owners.
    if cases.chance(rng, Force::StaffUser, 0.02) {
        let level = *[28, 29].choose(rng).unwrap();
        let u = user(
            rng,
            id,
            level,
            "support",
            Some("support@hoster.com.ua".into()),
            reg - Duration::days(30),
        );
        chunk.user.push(User {
            realname: Some("Служба підтримки".into()),
            ..u
        });
    }
    if cases.chance(rng, Force::NoUser, 0.004) {
        return;
    }
    let mut email = names::email(rng, &person.latin, company_domain.as_deref());
    if cases.chance(rng, Force::SharedOwnerEmail, 0.015) {
        // A bookkeeper who owns several customers' accounts.
        let pool = (ctx.accounts / 150).max(3);
        let k = if cases.random() {
            rng.random_range(0..pool)
        } else {
            0
        };
        email = format!("buh{k}@buhgalteriya-pro.com.ua");
    }
    let stored_email = if cases.chance(rng, Force::OwnerEmailInvalid, 0.012) {
        invalid_email(rng, &person.latin)
    } else if cases.chance(rng, Force::OwnerEmailPadded, 0.03) {
        Some(padded(rng, &email))
    } else {
        Some(email.clone())
    };
    let created = reg + Duration::seconds(rng.random_range(0..600));
    let mut owner = user(rng, id, 16, &person.latin, stored_email, created);
    owner.realname = Some(person.full.clone());
    if cases.chance(rng, Force::OnlyUserDisabled, 0.006) {
        owner.enabled = *[Flag::Off, Flag::Null].choose(rng).unwrap();
    }
    if cases.chance(rng, Force::OwnerNotFullAccess, 0.006) {
        owner.superuser = *[Flag::Off, Flag::Null].choose(rng).unwrap();
    }
    let undated = cases.is(Force::UndatedPrimary);
    if undated {
        owner.createdate = When::Null;
    }
    chunk.user.push(owner);

    if undated {
        // Two undated full-access candidates: the lower id wins, with primary_chosen_by_id.
        let mut u = colleague(ctx, rng, id, reg);
        u.createdate = When::Null;
        chunk.user.push(u);
    }
    if cases.is(Force::ExtraUsers) {
        chunk.user.push(colleague(ctx, rng, id, reg));
        let mut inv = colleague(ctx, rng, id, reg);
        inv.superuser = Flag::Off;
        chunk.user.push(inv);
        let mut dis = colleague(ctx, rng, id, reg);
        dis.enabled = Flag::Off;
        chunk.user.push(dis);
    } else if cases.random() && rng.random_bool(0.15) {
        for _ in 0..rng.random_range(1..=3) {
            let mut u = colleague(ctx, rng, id, reg);
            match rng.random_range(0..100) {
                0..35 => {}
                35..60 => u.superuser = Flag::Off,
                60..70 => u.superuser = Flag::Null,
                70..82 => u.enabled = Flag::Off,
                82..85 => u.enabled = Flag::Null,
                85..95 => u.email = invalid_email(rng, &u.name),
                _ => u.createdate = When::Null,
            }
            chunk.user.push(u);
        }
    }
    if cases.is(Force::UserEmailsInvalid) {
        for e in [None, Some(String::new()), Some("no-at-sign".to_string())] {
            let mut u = colleague(ctx, rng, id, reg);
            u.email = e;
            chunk.user.push(u);
        }
    }
    if cases.chance(rng, Force::DuplicateEmails, 0.015) {
        let p = names::person(rng);
        let e = names::email(rng, &p.latin, None);
        let mut a = colleague(ctx, rng, id, reg);
        a.email = Some(e.to_uppercase());
        a.superuser = Flag::Off;
        let mut b = colleague(ctx, rng, id, reg);
        b.email = Some(format!(" {e} "));
        let mut c = colleague(ctx, rng, id, reg);
        c.email = Some(e);
        chunk.user.extend([a, b, c]);
    }
    if cases.chance(rng, Force::SameAsOwner, 0.01) {
        let mut u = colleague(ctx, rng, id, reg);
        u.email = Some(email.to_uppercase());
        chunk.user.push(u);
    }
}

/// A client user with full access, enabled, created after `reg` (with the usual undated share).
fn colleague<R: Rng>(ctx: &Ctx, rng: &mut R, account: i64, reg: NaiveDateTime) -> User {
    let created = ctx.between(rng, reg, ctx.now);
    let p = names::person(rng);
    let email = names::email(rng, &p.latin, None);
    let mut u = user(rng, account, 16, &p.latin, Some(email), created);
    u.realname = Some(p.full);
    if rng.random_bool(0.03) {
        u.createdate = *[When::Null, When::Zero].choose(rng).unwrap();
    }
    u
}

fn user<R: Rng>(
    rng: &mut R,
    account: i64,
    level: i32,
    login: &str,
    email: Option<String>,
    created: NaiveDateTime,
) -> User {
    User {
        account,
        level,
        name: login.to_string(),
        email,
        realname: None,
        language: language(rng),
        enabled: Flag::On,
        superuser: Flag::On,
        createdate: When::At(created),
        password: names::password_hash(rng),
    }
}

/// An email that is not valid under rules.md (NULL, empty, no `@`, no dot, inner space, …).
pub fn invalid_email<R: Rng>(rng: &mut R, latin: &str) -> Option<String> {
    let e = match rng.random_range(0..7) {
        0 => return None,
        1 => String::new(),
        2 => "no-at-sign".to_string(),
        3 => format!("{latin}@localhost"),
        4 => format!("{latin} x@gmail.com"),
        5 => format!("{latin}@@ukr.net"),
        _ => format!("{latin}.ukr.net"),
    };
    Some(e)
}

/// A valid email hidden behind white space and upper case.
fn padded<R: Rng>(rng: &mut R, email: &str) -> String {
    match rng.random_range(0..4) {
        0 => format!(" {} ", email.to_uppercase()),
        1 => format!("\t{email}\n"),
        2 => format!("\u{a0}{email}"),
        _ => {
            let mut c = email.chars();
            let first = c
                .next()
                .map(|f| f.to_uppercase().collect::<String>())
                .unwrap_or_default();
            format!("{first}{}  ", c.as_str())
        }
    }
}
