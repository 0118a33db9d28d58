//! R1 (the owner) and R2 (the other users), clause by clause.

use super::*;

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
