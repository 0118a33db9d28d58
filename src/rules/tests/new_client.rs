//! What a migrating decision carries for the writer (`NewClient`), and the payer's contact
//! email.

use super::*;

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
        assert_eq!(
            crate::rules::new_client::contact_email(raw).as_deref(),
            want,
            "{raw:?}"
        );
    }
}
