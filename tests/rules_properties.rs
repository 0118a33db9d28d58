//! Properties of the rules over generated accounts: total (never panics), deterministic, at
//! most one owner and one moving payer, money conserved to the cent, `seq` dense and in
//! priority order, and invitations only for enabled, valid, non-owner users.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use billmigrate::legacy::model::{ClientUser, Item, LegacyAccount, Profile, Subaccount};
use billmigrate::mappings::Mappings;
use billmigrate::rules::{self, Language, PayerOutcome, RulesContext, UserOutcome, email};
use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};

fn mappings() -> &'static Mappings {
    static M: OnceLock<Mappings> = OnceLock::new();
    M.get_or_init(|| {
        Mappings::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings")).unwrap()
    })
}

fn date() -> impl Strategy<Value = Option<NaiveDateTime>> {
    prop_oneof![
        Just(None),
        (2008i32..2024, 1u32..13, 1u32..29).prop_map(
            |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).and_then(|x| x.and_hms_opt(0, 0, 0))
        )
    ]
}

fn email_str() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some(String::new())),
        (0u8..4).prop_map(|n| Some(format!(" User{n}@Example.com "))),
        (0u8..4).prop_map(|n| Some(format!("user{n}@example.com"))),
        Just(Some("broken".to_owned())),
    ]
}

fn users() -> impl Strategy<Value = Vec<ClientUser>> {
    prop::collection::vec(
        (
            email_str(),
            any::<bool>(),
            any::<bool>(),
            date(),
            prop::option::of("uk|ru|en|de"),
        ),
        0..6,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(
                |(i, (email, enabled, superuser, createdate, language))| ClientUser {
                    id: 100 + i as i64,
                    email,
                    enabled,
                    superuser,
                    createdate,
                    language,
                    ..ClientUser::default()
                },
            )
            .collect()
    })
}

fn money() -> impl Strategy<Value = Decimal> {
    (-10_000_000i64..10_000_000).prop_map(|c| Decimal::new(c, 2))
}

fn accounts() -> impl Strategy<Value = LegacyAccount> {
    let profiles = prop::collection::vec((date(), any::<bool>(), prop::option::of(0i64..5)), 0..4);
    let subs = prop::collection::vec(
        (
            prop::option::of(prop::sample::select(vec!["UAH", "USD", "EUR", "RUB"])),
            money(),
        ),
        0..4,
    );
    let items = prop::collection::vec(
        (
            prop::sample::select(vec![101i64, 201, 301, 401, 501, 601, 701, 801, 901, 950]),
            prop::option::of(0i64..7),
            prop::option::of(0usize..8),
        ),
        0..8,
    );
    (users(), profiles, subs, items).prop_map(|(users, profiles, subs, items)| {
        let intname = |p: i64| match p {
            101 | 901 => Some("vhost"),
            201 => Some("domain"),
            301 => Some("certificate"),
            401 => Some("vds"),
            501 => Some("dedic"),
            601 => Some("soft"),
            701 => Some("dnshost"),
            801 => Some("ip"),
            _ => None,
        };
        LegacyAccount {
            id: 1,
            users,
            profiles: profiles
                .into_iter()
                .enumerate()
                .map(|(i, (createdate, nomigrate, profiletype))| Profile {
                    id: 200 + i as i64,
                    createdate,
                    nomigrate,
                    profiletype,
                    ..Profile::default()
                })
                .collect(),
            subaccounts: subs
                .into_iter()
                .enumerate()
                .map(|(i, (currency, balance))| Subaccount {
                    id: 300 + i as i64,
                    currency: currency.map(str::to_owned),
                    currency_id: Some(1),
                    balance,
                })
                .collect(),
            items: items
                .into_iter()
                .enumerate()
                .map(|(i, (pricelist, status, parent))| Item {
                    id: 400 + i as i64,
                    pricelist: Some(pricelist),
                    itemtype: intname(pricelist).map(str::to_owned),
                    status,
                    parent: parent.map(|p| 400 + p as i64),
                    ..Item::default()
                })
                .collect(),
            ..LegacyAccount::default()
        }
    })
}

/// The legacy total in the client currency, computed here independently of the rules.
fn expected_total(a: &LegacyAccount, client: &str) -> Option<Decimal> {
    let mut per: BTreeMap<&str, Decimal> = BTreeMap::new();
    for s in &a.subaccounts {
        *per.entry(s.currency.as_deref()?).or_default() += s.balance;
    }
    let mut total = Decimal::ZERO;
    for (c, t) in per {
        if t.is_zero() {
            continue;
        }
        total += (t * mappings().rate(c, client)?)
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    }
    Some(total)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decisions_are_total_consistent_and_conserve_money(account in accounts()) {
        let ctx = RulesContext { mappings: mappings(), default_currency: "UAH", default_language: Language::Uk };
        let d = rules::decide(&account, &ctx);
        prop_assert_eq!(&d, &rules::decide(&account, &ctx), "deterministic");

        prop_assert!(d.users.iter().filter(|u| u.outcome == UserOutcome::Owner).count() <= 1);
        prop_assert!(d.payer.outcomes.iter().filter(|(_, o)| *o == PayerOutcome::Migrated).count() <= 1);
        prop_assert_eq!(d.users.len(), account.users.len());
        prop_assert_eq!(d.services.len(), account.items.len());

        let owner_email = d.primary.as_ref().and_then(|p| p.email.clone());
        for inv in d.invitations() {
            let user = account.users.iter().find(|u| u.id == inv.legacy_user_id).unwrap();
            prop_assert!(user.enabled);
            let normalized = email::normalize(user.email.as_deref());
            prop_assert!(normalized.is_some());
            prop_assert!(normalized != owner_email);
        }
        let invited: Vec<&String> = d.invitations().map(|u| &u.email).collect();
        let mut unique = invited.clone();
        unique.sort();
        unique.dedup();
        prop_assert_eq!(unique.len(), invited.len(), "one invitation per email");

        if d.migrates() {
            let client = d.balance.currency.clone().unwrap();
            prop_assert_eq!(Some(d.balance.opening), expected_total(&account, &client), "money conserved");
            prop_assert_eq!(d.balance.opening.scale(), 2);
        }

        // What the writer writes is exactly what the outcome lists say: nothing dropped on
        // the way from the decision to the NewClient.
        prop_assert_eq!(d.new_client.is_some(), d.migrates(), "a NewClient exactly when migrating");
        if let Some(new) = &d.new_client {
            let moving: Vec<i64> = d.migrating_services().iter().map(|s| s.legacy_item_id).collect();
            let written: Vec<i64> = new.services.iter().map(|s| s.legacy_item_id).collect();
            prop_assert_eq!(written, moving, "every moving service, in seq order");
            let invited: Vec<i64> = d.invitations().map(|u| u.legacy_user_id).collect();
            let written: Vec<i64> = new.invitations.iter().map(|i| i.legacy_user_id).collect();
            prop_assert_eq!(written, invited, "every invitation");
            prop_assert_eq!(new.payer.as_ref().map(|p| p.legacy_profile_id), d.payer.moving);
            prop_assert_eq!(new.opening_balance, d.opening_entry());
        }

        let moving = d.migrating_services();
        for (n, s) in moving.iter().enumerate() {
            prop_assert_eq!(s.seq, Some(n as i32 + 1), "seq dense from 1");
        }
        for w in moving.windows(2) {
            prop_assert!((w[0].priority, w[0].legacy_item_id) < (w[1].priority, w[1].legacy_item_id), "priority then id");
        }
        for s in &moving {
            if let Some(parent) = s.parent {
                prop_assert!(moving.iter().any(|p| p.legacy_item_id == parent), "an add-on moves only with its parent");
            }
        }
    }
}
