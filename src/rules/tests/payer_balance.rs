//! R3 (the payer that moves) and R4 (the opening balance), clause by clause.

use super::*;

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
