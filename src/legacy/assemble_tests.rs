//! Decoding and attaching rows: addresses, periods, item types and currencies through the
//! reference rows, and the doubled rows a repeated reference row gives.

use super::*;

#[test]
fn the_legal_address_wins_when_any_of_it_is_filled_else_the_physical() {
    let s = |v: &str| Some(v.to_owned());
    let legal = |c: Option<String>, a: Option<String>| Profile {
        country: c,
        address: a,
        ..Profile::default()
    };
    let physical = [s("PL"), s("00-001"), s("Warszawa"), s("Marszałkowska 1")];
    // (legal set, physical set, expected country and address)
    let cases = [
        (legal(s("UA"), None), physical.clone(), (s("UA"), None)),
        (
            legal(None, s("Kyiv 1")),
            physical.clone(),
            (None, s("Kyiv 1")),
        ),
        (
            legal(None, None),
            physical.clone(),
            (s("PL"), s("Marszałkowska 1")),
        ),
        (
            legal(s(" "), s("")),
            physical.clone(),
            (s("PL"), s("Marszałkowska 1")),
        ),
        (
            legal(s(""), None),
            [None, None, s("  "), None],
            (s(""), None),
        ),
        (legal(None, None), [None, None, None, None], (None, None)),
    ];
    for (mut profile, physical, (country, address)) in cases {
        let before = profile.clone();
        choose_address(&mut profile, physical.clone());
        assert_eq!(
            (profile.country, profile.address),
            (country, address),
            "{before:?} / {physical:?}"
        );
    }
}

fn item_row(period: Value, autoprolong: Value) -> Vec<Value> {
    vec![
        Value::Int(1),
        Value::Int(10),
        Value::Int(101),
        Value::NULL,
        Value::Int(2),
        Value::Bytes(b"x".to_vec()),
        Value::NULL,
        Value::NULL,
        period,
        autoprolong,
        Value::Bytes(b"1.00".to_vec()),
        Value::Int(980),
    ]
}

/// The item's type and price currency come from the reference rows read with the
/// chunk, as the left joins gave them: an id without a row, or a NULL id, is unknown.
#[test]
fn item_type_and_currency_resolve_through_the_reference_rows() {
    let row = |pricelist: Value, currency: Value| {
        let mut r = item_row(Value::Int(1), Value::Int(1));
        r[2] = pricelist;
        r[11] = currency;
        r
    };
    let raw = RawChildren {
        items: vec![
            row(Value::Int(101), Value::Int(980)),
            row(Value::Int(102), Value::Int(1)),
            row(Value::NULL, Value::NULL),
            row(Value::Int(103), Value::Bytes(b"980".to_vec())),
        ],
        pricelist_types: vec![
            vec![Value::Int(101), Value::Bytes(b"vhost".to_vec())],
            vec![Value::Int(103), Value::NULL],
        ],
        currencies: vec![
            vec![Value::Int(980), Value::Bytes(b"uah".to_vec())],
            vec![Value::Int(1), Value::Bytes(b"euro".to_vec())],
        ],
        ..RawChildren::default()
    };
    let got: Vec<(Option<String>, Option<String>)> = raw
        .items
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut accounts = vec![LegacyAccount {
                id: 1,
                ..LegacyAccount::default()
            }];
            let one = RawChildren {
                items: vec![r.clone()],
                pricelist_types: raw.pricelist_types.clone(),
                currencies: raw.currencies.clone(),
                ..RawChildren::default()
            };
            attach(&mut accounts, one, &KnownDuplicates::default());
            let item = &accounts[0].items[0];
            assert_eq!(item.id, 10, "row {i}");
            (item.itemtype.clone(), item.currency.clone())
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some("vhost".into()), Some("UAH".into())),
            (None, None),
            (None, None),
            (None, Some("UAH".into())),
        ]
    );

    // A repeated reference row doubles the item, as the join did: the account then
    // carries the item id twice, which the rules hold as `duplicate_legacy_id`.
    let mut accounts = vec![LegacyAccount {
        id: 1,
        ..LegacyAccount::default()
    }];
    let mut doubled = raw.clone();
    doubled.items.truncate(1);
    doubled
        .pricelist_types
        .push(vec![Value::Int(101), Value::Bytes(b"domain".to_vec())]);
    attach(&mut accounts, doubled, &KnownDuplicates::default());
    let types: Vec<_> = accounts[0]
        .items
        .iter()
        .map(|i| (i.id, i.itemtype.clone()))
        .collect();
    assert_eq!(
        types,
        [(10, Some("vhost".into())), (10, Some("domain".into()))]
    );
}

#[test]
fn trial_and_null_periods_and_null_autoprolong_read_as_documented() {
    // (period, autoprolong) as stored → (period_months, auto-renewal months)
    let cases = [
        (Value::Int(12), Value::Int(1), Some(12), Some(1)),
        (Value::Int(-100), Value::NULL, None, Some(0)),
        (Value::Int(0), Value::Int(0), None, Some(0)),
        (Value::Int(-1), Value::Int(-5), None, Some(-5)),
        (Value::NULL, Value::Bytes(b"".to_vec()), None, Some(0)),
        (Value::Bytes(b"3".to_vec()), Value::Int(3), Some(3), Some(3)),
    ];
    for (period, autoprolong, months, renew) in cases {
        let mut accounts = vec![LegacyAccount {
            id: 1,
            ..LegacyAccount::default()
        }];
        let raw = RawChildren {
            items: vec![item_row(period.clone(), autoprolong.clone())],
            ..RawChildren::default()
        };
        attach(&mut accounts, raw, &KnownDuplicates::default());
        let item = &accounts[0].items[0];
        assert_eq!(
            (item.period, item.autoprolong),
            (months, renew),
            "{period:?} / {autoprolong:?}"
        );
    }
}
