//! Table-driven tests of rules.md R1–R5, one or more per clause, named after it: the shared
//! builders and the cross-cutting cases here, each rule's clauses in its own file.

use std::path::Path;
use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::*;
use crate::legacy::model::{ClientUser, Item, LegacyAccount, Profile, Subaccount};
use crate::mappings::Mappings;

mod new_client;
mod payer_balance;
mod services;
mod users;

fn mappings() -> &'static Mappings {
    static M: OnceLock<Mappings> = OnceLock::new();
    M.get_or_init(|| {
        Mappings::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings")).unwrap()
    })
}

fn decide_one(account: &LegacyAccount) -> Decision {
    let ctx = RulesContext {
        mappings: mappings(),
        default_currency: "UAH",
        default_language: Language::Uk,
    };
    decide(account, &ctx)
}

fn at(day: u32) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(2011, 3, day).and_then(|d| d.and_hms_opt(12, 0, 0))
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn user(
    id: i64,
    email: &str,
    enabled: bool,
    superuser: bool,
    created: Option<NaiveDateTime>,
) -> ClientUser {
    ClientUser {
        id,
        login: format!("login{id}"),
        email: Some(email.to_owned()),
        enabled,
        superuser,
        createdate: created,
        ..ClientUser::default()
    }
}

fn owner(id: i64) -> ClientUser {
    user(id, &format!("owner{id}@example.com"), true, true, at(1))
}

fn profile(id: i64, created: Option<NaiveDateTime>, nomigrate: bool, kind: Option<i64>) -> Profile {
    Profile {
        id,
        name: format!("payer {id}"),
        profiletype: kind,
        createdate: created,
        nomigrate,
        ..Profile::default()
    }
}

fn sub(id: i64, currency: Option<&str>, balance: &str) -> Subaccount {
    Subaccount {
        id,
        currency_id: Some(id),
        currency: currency.map(str::to_owned),
        balance: dec(balance),
    }
}

fn item(
    id: i64,
    pricelist: i64,
    intname: Option<&str>,
    status: Option<i64>,
    parent: Option<i64>,
) -> Item {
    Item {
        id,
        pricelist: Some(pricelist),
        itemtype: intname.map(str::to_owned),
        parent,
        status,
        name: format!("item {id}"),
        cost: dec("10.00"),
        ..Item::default()
    }
}

/// A plain account that migrates with no warnings; tests change one thing at a time.
fn base() -> LegacyAccount {
    LegacyAccount {
        id: 1,
        name: "Test".into(),
        users: vec![owner(10)],
        profiles: vec![profile(20, at(1), false, Some(1))],
        subaccounts: vec![sub(30, Some("UAH"), "100.00")],
        ..LegacyAccount::default()
    }
}

fn outcomes(d: &Decision) -> Vec<(i64, &'static str)> {
    d.users
        .iter()
        .map(|u| (u.legacy_user_id, u.outcome.code()))
        .collect()
}

#[test]
fn base_account_migrates_cleanly() {
    let d = decide_one(&base());
    assert!(d.migrates());
    assert!(d.reason_codes().is_empty());
    assert_eq!(d.opening_entry(), Some(dec("100.00")));
}

#[test]
fn held_account_reports_all_holds_in_order_and_no_warnings() {
    let mut a = base();
    a.users = vec![user(1, "broken", true, true, None)];
    a.profiles = vec![profile(1, at(1), false, Some(8))];
    a.subaccounts = vec![sub(1, Some("UAH"), "-5.00"), sub(2, Some("RUB"), "1.00")];
    a.items = vec![item(1, 901, Some("vhost"), Some(2), None)];
    let d = decide_one(&a);
    assert_eq!(
        d.reason_codes(),
        [
            "primary_email_invalid",
            "invalid_payer_type",
            "no_rate_for_currency"
        ]
    );
}

#[test]
fn migrated_account_lists_every_warning_in_order() {
    let mut a = base();
    a.users = vec![
        user(1, "o@x.ua", true, true, None),
        user(2, "bad", true, false, None),
        user(3, "d@x.ua", true, false, None),
        user(4, "d@x.ua", true, false, None),
    ];
    a.profiles = vec![];
    a.subaccounts = vec![sub(1, Some("UAH"), "-1.00")];
    a.items = vec![item(1, 901, Some("vhost"), Some(2), None)];
    assert_eq!(
        decide_one(&a).reason_codes(),
        [
            "primary_chosen_by_id",
            "user_email_invalid",
            "duplicate_user_email",
            "no_payer",
            "negative_balance",
            "service_not_migrated"
        ]
    );
}

#[test]
fn r7_3_language_is_exact_or_default() {
    let table = [
        (Some("uk"), Language::Uk),
        (Some("ru"), Language::Ru),
        (Some("en"), Language::En),
        (Some("EN"), Language::Uk),
        (Some(" ru"), Language::Uk),
        (Some("de"), Language::Uk),
        (None, Language::Uk),
    ];
    for (raw, want) in table {
        assert_eq!(language_of(raw, Language::Uk), want, "{raw:?}");
        let mut a = base();
        a.users[0].language = raw.map(str::to_owned);
        assert_eq!(decide_one(&a).owner_language, Some(want));
    }
    assert_eq!(language_of(Some("xx"), Language::En), Language::En);
}

#[test]
fn damage_holds_the_account_with_a_code_naming_it() {
    use crate::legacy::model::Damage;
    let cases: &[(&[Damage], &[Hold])] = &[
        (
            &[Damage::DuplicateId {
                table: "item",
                id: 5,
            }],
            &[Hold::DuplicateLegacyId],
        ),
        (
            &[Damage::UnreadableAmount {
                table: "subaccount",
                id: 30,
            }],
            &[Hold::UnreadableAmount],
        ),
        (
            &[
                Damage::DuplicateId {
                    table: "user",
                    id: 10,
                },
                Damage::DuplicateId {
                    table: "profile",
                    id: 20,
                },
                Damage::UnreadableAmount {
                    table: "item",
                    id: 7,
                },
            ],
            &[Hold::DuplicateLegacyId, Hold::UnreadableAmount],
        ),
    ];
    for (damage, holds) in cases {
        let mut a = base();
        a.damage = damage.to_vec();
        assert_eq!(decide_one(&a).holds, *holds, "{damage:?}");
    }
}

#[test]
fn amounts_beyond_numeric_20_2_hold_instead_of_overflowing() {
    const MAX: &str = "999999999999999999.99";
    type Balances = &'static [(&'static str, &'static str)];
    let cases: &[(Balances, Option<Hold>)] = &[
        (&[("UAH", MAX)], None),
        (&[("UAH", "-999999999999999999.99")], None),
        (
            &[("UAH", MAX), ("UAH", "0.01")],
            Some(Hold::AmountOutOfRange),
        ),
        (
            &[("UAH", "1.00"), ("USD", MAX)],
            Some(Hold::AmountOutOfRange),
        ),
        // 28 digits times a rate overflows Decimal itself: still a hold, not a panic.
        (
            &[("UAH", "1.00"), ("USD", "7922816251426433759354395033")],
            Some(Hold::AmountOutOfRange),
        ),
    ];
    for (subs, hold) in cases {
        let mut a = base();
        a.subaccounts = subs
            .iter()
            .enumerate()
            .map(|(i, (c, b))| sub(30 + i as i64, Some(c), b))
            .collect();
        let d = decide_one(&a);
        assert_eq!(d.holds.first().copied(), *hold, "{subs:?}");
    }
    let mut a = base();
    let mut big = item(1, 101, Some("vhost"), Some(2), None);
    big.cost = dec("1000000000000000000.00");
    a.items = vec![big.clone()];
    assert_eq!(decide_one(&a).holds, [Hold::AmountOutOfRange]);
    big.status = Some(4);
    a.items = vec![big];
    assert!(
        decide_one(&a).migrates(),
        "a deleted service's price is not written"
    );
}

#[test]
fn a_repeated_user_id_still_gives_one_owner() {
    // Found by the fuzz target: two rows with one id (a table without a primary key).
    let mut a = base();
    a.users = vec![owner(10), owner(10)];
    let d = decide_one(&a);
    let owners = d
        .users
        .iter()
        .filter(|u| u.outcome == UserOutcome::Owner)
        .count();
    assert_eq!(owners, 1, "{:?}", d.users);
}
