//! Table-driven tests of rules.md R1–R5, one or more per clause, named after it.

use std::path::Path;
use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::*;
use crate::legacy::model::{ClientUser, Item, LegacyAccount, Profile, Subaccount};
use crate::mappings::Mappings;

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
fn r1_1_only_enabled_superusers_are_candidates() {
    let mut a = base();
    a.users = vec![
        user(1, "off@x.ua", false, true, at(1)),
        user(2, "limited@x.ua", true, false, at(1)),
        user(3, "full@x.ua", true, true, at(9)),
    ];
    let d = decide_one(&a);
    assert_eq!(d.primary.as_ref().unwrap().legacy_user_id, 3);
    assert_eq!(
        outcomes(&d),
        [(1, "disabled"), (2, "invite_invoices"), (3, "owner")]
    );
}

#[test]
fn r1_2_earliest_createdate_wins() {
    let mut a = base();
    a.users = vec![
        user(1, "late@x.ua", true, true, at(20)),
        user(2, "early@x.ua", true, true, at(2)),
    ];
    let d = decide_one(&a);
    assert_eq!(d.primary.unwrap().legacy_user_id, 2);
    assert!(d.warnings.is_empty());
}

#[test]
fn r1_2_undated_candidate_sorts_first() {
    let mut a = base();
    a.users = vec![
        user(1, "dated@x.ua", true, true, at(1)),
        user(5, "undated@x.ua", true, true, None),
    ];
    let d = decide_one(&a);
    assert_eq!(d.primary.as_ref().unwrap().legacy_user_id, 5);
    assert_eq!(d.warnings, [Warning::PrimaryChosenById]);
}

#[test]
fn r1_2_ties_broken_by_lower_id() {
    for (created, note) in [(at(3), "same date"), (None, "all undated")] {
        let mut a = base();
        a.users = vec![
            user(9, "b@x.ua", true, true, created),
            user(4, "a@x.ua", true, true, created),
        ];
        assert_eq!(decide_one(&a).primary.unwrap().legacy_user_id, 4, "{note}");
    }
}

#[test]
fn r1_2_only_undated_candidate_still_warns() {
    let mut a = base();
    a.users = vec![user(1, "solo@x.ua", true, true, None)];
    let d = decide_one(&a);
    assert!(d.migrates());
    assert_eq!(d.reason_codes(), ["primary_chosen_by_id"]);
}

#[test]
fn r1_3_no_candidate_holds() {
    let cases: &[(&str, Vec<ClientUser>)] = &[
        ("no users", vec![]),
        ("only limited", vec![user(1, "a@x.ua", true, false, at(1))]),
        ("only disabled", vec![user(1, "a@x.ua", false, true, at(1))]),
    ];
    for (note, users) in cases {
        let mut a = base();
        a.users = users.clone();
        let d = decide_one(&a);
        assert_eq!(d.reason_codes(), ["no_active_full_access_user"], "{note}");
        assert!(d.primary.is_none());
    }
}

#[test]
fn r1_4_invalid_primary_email_holds() {
    for email in [None, Some(""), Some("no-at-sign"), Some("a b@x.ua")] {
        let mut a = base();
        a.users[0].email = email.map(str::to_owned);
        let d = decide_one(&a);
        assert_eq!(d.reason_codes(), ["primary_email_invalid"], "{email:?}");
    }
}

#[test]
fn r1_5_owner_email_is_trimmed_and_lower_cased() {
    let mut a = base();
    a.users[0].email = Some("  Ivan.Petrenko@Example.COM ".into());
    let d = decide_one(&a);
    assert_eq!(
        d.primary.unwrap().email.as_deref(),
        Some("ivan.petrenko@example.com")
    );
}

#[test]
fn r2_each_user_outcome_in_order() {
    let mut a = base();
    a.users = vec![
        owner(1),
        user(2, "OWNER1@example.com ", true, true, at(5)),
        user(3, "not valid", true, true, at(5)),
        user(4, "not valid either", false, true, at(5)),
        user(5, "full@x.ua", true, true, at(5)),
        user(6, "invoices@x.ua", true, false, at(5)),
        user(7, "owner1@example.com", false, false, at(5)),
    ];
    let d = decide_one(&a);
    assert_eq!(
        outcomes(&d),
        [
            (1, "owner"),
            (2, "same_as_owner"),
            (3, "invalid_email"),
            (4, "disabled"),
            (5, "invite_full"),
            (6, "invite_invoices"),
            (7, "disabled"),
        ]
    );
    assert_eq!(d.reason_codes(), ["user_email_invalid"]);
    assert_eq!(d.invitations().count(), 2);
}

#[test]
fn r2_duplicates_merge_into_widest_with_lowest_id() {
    let mut a = base();
    a.users = vec![
        owner(1),
        user(2, "dup@x.ua", true, false, at(5)),
        user(3, "DUP@x.ua", true, true, at(5)),
        user(4, "dup@x.ua ", true, true, at(5)),
        user(5, "dup@x.ua", false, true, at(5)),
    ];
    let d = decide_one(&a);
    assert_eq!(
        outcomes(&d),
        [
            (1, "owner"),
            (2, "merged_duplicate"),
            (3, "invite_full"),
            (4, "merged_duplicate"),
            (5, "disabled")
        ]
    );
    assert_eq!(d.users[1].merged_into, Some(3));
    assert_eq!(d.reason_codes(), ["duplicate_user_email"]);
}

#[test]
fn r2_duplicates_of_invoices_only_keep_lowest_id() {
    let mut a = base();
    a.users = vec![
        owner(1),
        user(8, "x@x.ua", true, false, at(5)),
        user(6, "x@x.ua", true, false, at(5)),
    ];
    let d = decide_one(&a);
    assert_eq!(
        outcomes(&d),
        [
            (1, "owner"),
            (6, "invite_invoices"),
            (8, "merged_duplicate")
        ]
    );
}

#[test]
fn r2_no_duplicate_warning_from_disabled_or_owner_addresses() {
    let mut a = base();
    a.users = vec![
        owner(1),
        user(2, "owner1@example.com", true, false, at(5)),
        user(3, "owner1@example.com", true, false, at(5)),
        user(4, "y@x.ua", true, false, at(5)),
        user(5, "y@x.ua", false, false, at(5)),
    ];
    let d = decide_one(&a);
    assert!(d.reason_codes().is_empty(), "{:?}", d.reason_codes());
}

#[test]
fn r3_2_last_created_unmarked_payer_moves() {
    let mut a = base();
    a.profiles = vec![
        profile(1, at(1), false, Some(1)),
        profile(2, at(10), false, Some(2)),
        profile(3, at(20), true, Some(1)),
        profile(4, None, false, Some(3)),
    ];
    let d = decide_one(&a);
    assert_eq!(d.payer.moving, Some(2));
    assert_eq!(d.payer.kind, Some(PayerKind::Company));
    let codes: Vec<_> = d
        .payer
        .outcomes
        .iter()
        .map(|(id, o)| (*id, o.code()))
        .collect();
    assert_eq!(
        codes,
        [
            (1, "not_last_payer"),
            (2, "migrated"),
            (3, "marked_do_not_migrate"),
            (4, "not_last_payer")
        ]
    );
}

#[test]
fn r3_2_undated_sort_before_dated_and_ties_go_to_higher_id() {
    let mut a = base();
    a.profiles = vec![
        profile(7, None, false, Some(1)),
        profile(3, None, false, Some(1)),
    ];
    assert_eq!(decide_one(&a).payer.moving, Some(7));
    a.profiles = vec![
        profile(7, at(5), false, Some(1)),
        profile(9, at(5), false, Some(1)),
        profile(11, None, false, Some(1)),
    ];
    assert_eq!(decide_one(&a).payer.moving, Some(9));
}

#[test]
fn r3_4_no_candidate_payer_warns_no_payer() {
    for profiles in [vec![], vec![profile(1, at(1), true, Some(1))]] {
        let mut a = base();
        a.profiles = profiles;
        let d = decide_one(&a);
        assert!(d.migrates());
        assert_eq!(d.reason_codes(), ["no_payer"]);
        assert_eq!(d.payer.moving, None);
    }
}

#[test]
fn r3_5_payer_kinds_and_invalid_type() {
    let table = [
        (Some(1), Some(PayerKind::Individual)),
        (Some(2), Some(PayerKind::Company)),
        (Some(3), Some(PayerKind::SoleProprietor)),
        (Some(0), None),
        (Some(4), None),
        (None, None),
    ];
    for (profiletype, kind) in table {
        let mut a = base();
        a.profiles = vec![profile(1, at(1), false, profiletype)];
        let d = decide_one(&a);
        assert_eq!(d.payer.kind, kind, "{profiletype:?}");
        assert_eq!(d.migrates(), kind.is_some());
        if kind.is_none() {
            assert_eq!(d.reason_codes(), ["invalid_payer_type"]);
        }
    }
}

#[test]
fn r3_5_type_of_a_payer_that_stays_does_not_matter() {
    let mut a = base();
    a.profiles = vec![
        profile(1, at(1), false, Some(9)),
        profile(2, at(2), true, None),
        profile(3, at(3), false, Some(1)),
    ];
    assert!(decide_one(&a).migrates());
}

#[test]
fn r4_1_balance_is_the_sum_per_currency() {
    let mut a = base();
    a.subaccounts = vec![
        sub(1, Some("UAH"), "10.10"),
        sub(2, Some("UAH"), "-0.05"),
        sub(3, Some("UAH"), "5.00"),
    ];
    assert_eq!(decide_one(&a).opening_entry(), Some(dec("15.05")));
}

#[test]
fn r4_2_client_currency_is_the_lowest_subaccounts() {
    let mut a = base();
    a.subaccounts = vec![sub(9, Some("UAH"), "0.00"), sub(2, Some("USD"), "1.00")];
    let d = decide_one(&a);
    assert_eq!(d.balance.currency.as_deref(), Some("USD"));
    assert_eq!(d.opening_entry(), Some(dec("1.00")));
    a.subaccounts.clear();
    let d = decide_one(&a);
    assert_eq!(d.balance.currency.as_deref(), Some("UAH"));
    assert_eq!(d.opening_entry(), None);
}

#[test]
fn r4_3_conversion_rounds_half_away_from_zero() {
    // (client balance, other currency, other total, expected opening)
    let table = [
        ("0.00", "USD", "10.01", "415.42"),   // 415.415 → 415.42
        ("0.00", "USD", "-10.01", "-415.42"), // -415.415 → -415.42
        ("1.00", "EUR", "0.01", "1.45"),      // 0.452 → 0.45
        ("0.00", "EUR", "0.05", "2.26"),      // 2.26
        ("100.00", "USD", "0.00", "100.00"),
    ];
    for (uah, other, total, want) in table {
        let mut a = base();
        a.subaccounts = vec![sub(1, Some("UAH"), uah), sub(2, Some(other), total)];
        let d = decide_one(&a);
        assert_eq!(d.balance.opening, dec(want), "{uah} UAH + {total} {other}");
    }
}

#[test]
fn r4_3_missing_rate_or_currency_row_holds() {
    let mut a = base();
    a.subaccounts = vec![sub(1, Some("UAH"), "1.00"), sub(2, Some("RUB"), "5.00")];
    assert_eq!(decide_one(&a).reason_codes(), ["no_rate_for_currency"]);
    a.subaccounts = vec![sub(1, Some("UAH"), "1.00"), sub(2, Some("RUB"), "0.00")];
    assert!(decide_one(&a).migrates(), "a zero total needs no rate");
    a.subaccounts = vec![sub(1, Some("UAH"), "1.00"), sub(2, None, "0.00")];
    assert_eq!(
        decide_one(&a).reason_codes(),
        ["no_rate_for_currency"],
        "missing currency row, even at zero"
    );
    a.subaccounts = vec![sub(1, None, "1.00")];
    assert_eq!(decide_one(&a).reason_codes(), ["no_rate_for_currency"]);
}

#[test]
fn r4_4_zero_writes_nothing_and_debt_warns() {
    let mut a = base();
    a.subaccounts = vec![sub(1, Some("UAH"), "10.00"), sub(2, Some("UAH"), "-10.00")];
    let d = decide_one(&a);
    assert_eq!((d.opening_entry(), d.reason_codes().len()), (None, 0));
    assert_eq!(format!("{:.2}", d.balance.opening), "0.00");
    a.subaccounts = vec![sub(1, Some("UAH"), "-0.00")];
    assert_eq!(format!("{:.2}", decide_one(&a).balance.opening), "0.00");
    a.subaccounts = vec![sub(1, Some("UAH"), "-12.34")];
    let d = decide_one(&a);
    assert_eq!(d.opening_entry(), Some(dec("-12.34")));
    assert_eq!(d.reason_codes(), ["negative_balance"]);
}

fn services_of(items: Vec<Item>) -> Decision {
    let mut a = base();
    a.items = items;
    decide_one(&a)
}

fn svc(d: &Decision, id: i64) -> &ServiceDecision {
    d.services.iter().find(|s| s.legacy_item_id == id).unwrap()
}

#[test]
fn r5_1_status_mapping() {
    let table = [
        (Some(1), "migrated", Some(ServiceStatus::Pending)),
        (Some(2), "migrated", Some(ServiceStatus::Active)),
        (Some(3), "migrated", Some(ServiceStatus::Suspended)),
        (Some(5), "migrated", Some(ServiceStatus::Pending)),
        (Some(4), "deleted", None),
        (Some(0), "unknown_status", None),
        (Some(6), "unknown_status", None),
        (None, "unknown_status", None),
    ];
    for (status, outcome, new_status) in table {
        let d = services_of(vec![item(1, 101, Some("vhost"), status, None)]);
        assert_eq!(
            (svc(&d, 1).outcome.code(), svc(&d, 1).status),
            (outcome, new_status),
            "{status:?}"
        );
    }
}

#[test]
fn r5_1_deleted_is_judged_before_the_tariff() {
    let d = services_of(vec![
        item(1, 901, Some("vhost"), Some(4), None),
        item(2, 950, None, Some(4), None),
    ]);
    assert_eq!(svc(&d, 1).outcome, ServiceOutcome::Deleted);
    assert_eq!(svc(&d, 2).outcome, ServiceOutcome::Deleted);
    assert!(d.reason_codes().is_empty(), "only unmapped_tariff warns");
}

#[test]
fn r5_2_category_and_priority_from_item_type() {
    let table = [
        (101, "vhost", "hosting", 1),
        (201, "domain", "domain", 2),
        (301, "certificate", "ssl", 3),
        (401, "vds", "vps", 4),
        (501, "dedic", "dedicated", 5),
        (502, "colocation", "dedicated", 5),
        (601, "soft", "license", 6),
        (602, "softexternal", "license", 6),
        (701, "dnshost", "other", 7),
        (703, "backup", "other", 7),
    ];
    for (pricelist, intname, category, priority) in table {
        let d = services_of(vec![item(1, pricelist, Some(intname), Some(2), None)]);
        let s = svc(&d, 1);
        assert_eq!(
            (s.category.as_deref(), s.priority),
            (Some(category), Some(priority)),
            "{intname}"
        );
    }
}

#[test]
fn r5_3_unmapped_tariff_or_missing_rows_warn() {
    let d = services_of(vec![
        item(1, 901, Some("vhost"), Some(2), None), // tariff not in tariffs.csv
        item(2, 950, None, Some(2), None),          // pricelist row missing
        item(3, 903, None, Some(2), None),          // itemtype row missing
        item(4, 101, Some("vhost"), Some(2), None),
    ]);
    for id in 1..=3 {
        assert_eq!(
            svc(&d, id).outcome,
            ServiceOutcome::UnmappedTariff,
            "item {id}"
        );
        assert_eq!(svc(&d, id).seq, None);
    }
    assert_eq!(svc(&d, 4).seq, Some(1));
    assert!(d.migrates());
    assert_eq!(d.reason_codes(), ["service_not_migrated"]);
}

#[test]
fn r5_4_seq_follows_priority_then_item_id() {
    let d = services_of(vec![
        item(50, 601, Some("soft"), Some(2), None),
        item(40, 201, Some("domain"), Some(2), None),
        item(30, 101, Some("vhost"), Some(2), None),
        item(20, 701, Some("dnshost"), Some(2), None),
        item(10, 201, Some("domain"), Some(2), None),
        item(5, 401, Some("vds"), Some(4), None),
    ]);
    let order: Vec<_> = d
        .migrating_services()
        .iter()
        .map(|s| (s.seq.unwrap(), s.legacy_item_id))
        .collect();
    assert_eq!(order, [(1, 30), (2, 10), (3, 40), (4, 50), (5, 20)]);
}

#[test]
fn r5_5_add_ons_follow_their_top_service() {
    let d = services_of(vec![
        item(1, 101, Some("vhost"), Some(2), None),
        item(2, 801, Some("ip"), Some(2), Some(1)), // add-on of hosting
        item(3, 802, Some("storage"), Some(3), Some(2)), // add-on of an add-on
        item(4, 401, Some("vds"), Some(4), None),   // deleted VPS
        item(5, 801, Some("ip"), Some(2), Some(4)), // add-on of a deleted parent
        item(6, 801, Some("ip"), Some(2), Some(999)), // parent missing / other account
        item(7, 801, Some("ip"), Some(2), Some(7)), // its own parent
        item(8, 801, Some("ip"), Some(2), Some(9)), // 2-cycle
        item(9, 801, Some("ip"), Some(2), Some(8)),
        item(10, 801, Some("ip"), Some(4), Some(1)), // deleted add-on
        item(11, 901, Some("vhost"), Some(2), Some(1)), // add-on with unmapped tariff
        item(12, 201, Some("domain"), Some(2), None),
    ]);
    let s2 = svc(&d, 2);
    assert_eq!(
        (s2.category.as_deref(), s2.priority, s2.parent),
        (Some("hosting"), Some(1), Some(1))
    );
    assert_eq!(s2.product_code.as_deref(), Some("addon-ipv4"));
    assert_eq!(svc(&d, 3).category.as_deref(), Some("hosting"));
    assert_eq!(svc(&d, 3).status, Some(ServiceStatus::Suspended));
    for id in [5, 6, 7, 8, 9] {
        assert_eq!(
            svc(&d, id).outcome,
            ServiceOutcome::ParentNotMigrated,
            "item {id}"
        );
    }
    assert_eq!(svc(&d, 10).outcome, ServiceOutcome::Deleted);
    assert_eq!(svc(&d, 11).outcome, ServiceOutcome::UnmappedTariff);
    let order: Vec<_> = d
        .migrating_services()
        .iter()
        .map(|s| s.legacy_item_id)
        .collect();
    assert_eq!(order, [1, 2, 3, 12]);
    assert_eq!(d.reason_codes(), ["service_not_migrated"]);
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
fn r5_5_deep_add_on_chains_resolve_without_recursion() {
    // 20,000 add-ons, each under the previous one: all follow the hosting service.
    let mut items = vec![item(1, 101, Some("vhost"), Some(2), None)];
    items.extend((2..=20_000).map(|id| item(id, 801, Some("ip"), Some(2), Some(id - 1))));
    let d = services_of(items);
    assert_eq!(d.migrating_services().len(), 20_000);
    assert!(
        d.services
            .iter()
            .all(|s| s.category.as_deref() == Some("hosting"))
    );
    // And a long chain that ends in a cycle moves nothing of it.
    let mut items: Vec<Item> = (1..=5_000)
        .map(|id| item(id, 801, Some("ip"), Some(2), Some(id + 1)))
        .collect();
    items.push(item(5_001, 801, Some("ip"), Some(2), Some(4_000)));
    let d = services_of(items);
    assert!(
        d.services
            .iter()
            .all(|s| s.outcome == ServiceOutcome::ParentNotMigrated)
    );
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

/// A migrating decision carries every value that is written; the writer only transposes.
#[test]
fn new_client_carries_everything_a_migrating_account_writes() {
    let mut a = base();
    a.users = vec![
        ClientUser {
            realname: Some("Іван Петренко".into()),
            language: Some("ru".into()),
            ..user(10, "  Owner@Example.COM ", true, true, at(1))
        },
        ClientUser {
            language: Some("en".into()),
            ..user(11, "Accountant@x.ua", true, false, at(2))
        },
        ClientUser {
            language: Some("de".into()),
            ..user(12, "admin@x.ua", true, true, at(3))
        },
    ];
    a.profiles[0].email = Some("  NOT AN ADDRESS ".into());
    a.profiles[0].vatpayer = true;
    a.subaccounts.push(sub(31, Some("USD"), "1.00"));
    a.items = vec![
        item(50, 201, Some("domain"), Some(2), None),
        item(40, 101, Some("vhost"), Some(3), None),
        item(60, 101, Some("vhost"), Some(4), None),
    ];
    let d = decide_one(&a);
    let new = d.new_client.as_ref().expect("migrates");
    assert_eq!(new.legacy_account_id, 1);
    assert_eq!((new.name.as_str(), new.currency.as_str()), ("Test", "UAH"));
    assert_eq!(new.owner.email, "owner@example.com");
    assert_eq!(new.owner.name.as_deref(), Some("Іван Петренко"));
    assert_eq!(new.owner.language, Language::Ru);
    let invited: Vec<_> = new
        .invitations
        .iter()
        .map(|i| (i.legacy_user_id, i.email.as_str(), i.access, i.language))
        .collect();
    assert_eq!(
        invited,
        [
            (11, "accountant@x.ua", Access::InvoicesOnly, Language::En),
            (12, "admin@x.ua", Access::Full, Language::Uk),
        ]
    );
    let payer = new.payer.as_ref().expect("a payer moves");
    assert_eq!(payer.legacy_profile_id, 20);
    assert_eq!(payer.kind, PayerKind::Individual);
    assert_eq!(payer.email.as_deref(), Some("not an address"));
    assert!(payer.vat_payer);
    assert_eq!(new.opening_balance, d.opening_entry());
    let services: Vec<_> = new
        .services
        .iter()
        .map(|s| (s.legacy_item_id, s.seq, s.category.as_str(), s.status))
        .collect();
    assert_eq!(
        services,
        [
            (40, 1, "hosting", ServiceStatus::Suspended),
            (50, 2, "domain", ServiceStatus::Active),
        ]
    );
}

#[test]
fn new_client_is_none_exactly_when_the_account_is_held() {
    let cases: Vec<(&str, LegacyAccount)> = vec![
        ("base", base()),
        (
            "no owner",
            LegacyAccount {
                users: vec![],
                ..base()
            },
        ),
        ("bad owner email", {
            let mut a = base();
            a.users[0].email = Some("owner@example..com".into());
            a
        }),
        (
            "no payer",
            LegacyAccount {
                profiles: vec![],
                ..base()
            },
        ),
        (
            "no subaccount",
            LegacyAccount {
                subaccounts: vec![],
                ..base()
            },
        ),
        ("missing currency row", {
            let mut a = base();
            a.subaccounts[0].currency = None;
            a
        }),
    ];
    for (name, account) in cases {
        let d = decide_one(&account);
        assert_eq!(d.new_client.is_some(), d.migrates(), "{name}");
    }
}

#[test]
fn payer_contact_email_is_trimmed_and_lower_cased_valid_or_not() {
    let cases = [
        (Some(" Pay@X.UA "), Some("pay@x.ua")),
        (Some(" Not Valid "), Some("not valid")),
        (Some("   "), None),
        (None, None),
    ];
    for (raw, want) in cases {
        assert_eq!(new_client::contact_email(raw).as_deref(), want, "{raw:?}");
    }
}
