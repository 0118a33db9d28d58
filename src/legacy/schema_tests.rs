//! Resolution of the field table against column lists shaped like the spec, like real
//! BILLmanager, and like neither.

use std::path::Path;

use super::*;

/// The columns of sql/legacy/schema.sql (the spec's shape), with their types.
fn spec_columns() -> Vec<DbColumn> {
    let mut out = Vec::new();
    for f in FIELDS {
        let (name, origin) = f.names[0];
        if origin == Origin::Billmanager {
            continue;
        }
        let data_type = match f.kind {
            Kind::Int => "int",
            Kind::Text | Kind::Country => "varchar",
            Kind::Flag => "enum",
            Kind::Date => "datetime",
            Kind::Money => "decimal",
        };
        out.push(col(f.table, name, data_type));
    }
    out
}

fn col(table: &str, column: &str, data_type: &str) -> DbColumn {
    DbColumn {
        table: table.into(),
        column: column.into(),
        data_type: data_type.into(),
    }
}

fn without(mut cols: Vec<DbColumn>, table: &str, column: &str) -> Vec<DbColumn> {
    cols.retain(|c| !(c.table == table && c.column == column));
    cols
}

/// The spec's columns changed the way a real BILLmanager database differs.
fn billmanager_columns() -> Vec<DbColumn> {
    let mut cols = without(spec_columns(), "account2project", "affiliate");
    cols = without(cols, "payment", "amount");
    cols = without(cols, "payment", "paydate");
    for c in cols.iter_mut() {
        match (c.table.as_str(), c.column.as_str()) {
            ("user", "superuser") => c.data_type = "int".into(),
            ("profile", "nomigrate") | ("user", "createdate") => c.data_type = "varchar".into(),
            ("profile", "country_legal") => c.data_type = "int".into(),
            _ => {}
        }
    }
    cols.extend([
        col("account2project", "affiliateprogram", "int"),
        col("payment", "paymethodamount", "decimal"),
        col("payment", "createdate", "datetime"),
        col("profile", "country_physical", "int"),
        col("profile", "postcode_physical", "varchar"),
        col("profile", "city_physical", "varchar"),
        col("profile", "address_physical", "varchar"),
        col("country", "id", "int"),
        col("country", "iso2", "varchar"),
        col("account", "level", "int"),
    ]);
    cols
}

#[test]
fn the_spec_shape_resolves_every_required_field_under_its_own_name() {
    let s = resolve(&spec_columns(), &Overrides::default());
    assert_eq!(s.shape, Shape::Spec);
    assert!(s.missing().is_empty(), "{}", s.render());
    assert_eq!(s.expr("account2project.affiliate", "a"), "a.`affiliate`");
    assert_eq!(s.expr("profile.country_physical", "p"), "NULL");
    assert!(matches!(
        s.get("profile.address_physical").status,
        Status::Fallback(_)
    ));
    assert_eq!(s.table("user"), "`user`");
}

#[test]
fn the_billmanager_shape_is_recognised_per_column() {
    let s = resolve(&billmanager_columns(), &Overrides::default());
    assert_eq!(s.shape, Shape::Billmanager, "{}", s.render());
    assert!(s.missing().is_empty(), "{}", s.render());
    assert_eq!(
        s.expr("account2project.affiliate", "a"),
        "a.`affiliateprogram`"
    );
    assert_eq!(s.expr("payment.amount", "p"), "p.`paymethodamount`");
    assert_eq!(s.expr("payment.paydate", "p"), "p.`createdate`");
    assert!(s.is_integer("user.superuser"));
    assert!(s.is_integer("profile.country_legal"));
    let table = s.render();
    assert!(
        table.contains("legacy database shape: billmanager"),
        "{table}"
    );
    assert!(
        table.contains("account2project.affiliateprogram") && table.contains("found (BILLmanager)"),
        "{table}"
    );
    assert!(table.contains("integer flag: 1 is on"), "{table}");
    assert!(table.contains("text date"), "{table}");
}

#[test]
fn a_missing_required_column_names_it_and_how_to_map_it() {
    let s = resolve(
        &without(spec_columns(), "user", "superuser"),
        &Overrides::default(),
    );
    let message = s.missing_message().unwrap();
    assert!(
        message.contains("user.superuser (looked for user.superuser"),
        "{message}"
    );
    assert!(
        message.contains("`user.superuser,user,<column>` to mappings/legacy_columns.csv"),
        "{message}"
    );
    assert!(s.render().contains("MISSING"));
    // Optional fields never stop a command.
    let s = resolve(
        &without(spec_columns(), "item", "autoprolong"),
        &Overrides::default(),
    );
    assert_eq!(s.missing_message(), None);
    assert_eq!(s.expr("item.autoprolong", "i"), "NULL");
}

#[test]
fn country_ids_need_the_country_table() {
    let mut cols = without(billmanager_columns(), "country", "iso2");
    cols = without(cols, "country", "id");
    let s = resolve(&cols, &Overrides::default());
    let message = s.missing_message().unwrap();
    assert!(message.contains("country.iso2"), "{message}");
    assert!(message.contains("holds country ids"), "{message}");
}

#[test]
fn operator_overrides_win_and_a_wrong_one_is_missing() {
    let cols = without(spec_columns(), "user", "superuser");
    let mut cols = cols;
    cols.push(col("user", "is_admin", "tinyint"));
    let o = Overrides::parse(
        Path::new("legacy_columns.csv"),
        "field,table,column\nuser.superuser,user,is_admin\n",
    )
    .unwrap();
    let s = resolve(&cols, &o);
    assert!(s.missing().is_empty(), "{}", s.render());
    assert_eq!(s.get("user.superuser").status, Status::Mapped(2));
    assert_eq!(s.expr("user.superuser", "u"), "u.`is_admin`");
    assert!(s.render().contains("mapped, legacy_columns.csv line 2"));

    let o = Overrides::parse(
        Path::new("legacy_columns.csv"),
        "field,table,column\nuser.realname,user,full_name\n",
    )
    .unwrap();
    let s = resolve(&spec_columns(), &o);
    let message = s.missing_message().unwrap();
    assert!(
        message.contains("user.full_name, which does not exist"),
        "{message}"
    );
}

#[test]
fn unexpected_types_say_what_the_reader_does() {
    let cases = [
        (
            Kind::Flag,
            "bit",
            Some("unexpected type bit: every value is off"),
        ),
        (Kind::Flag, "varchar", None),
        (
            Kind::Date,
            "int",
            Some("unexpected type int: every value is an unknown date"),
        ),
        (Kind::Date, "date", None),
        (Kind::Money, "decimal", None),
        (Kind::Money, "double", Some("binary float")),
        (Kind::Money, "varchar", Some("unexpected type varchar")),
        (
            Kind::Int,
            "varchar",
            Some("text that is not a whole number is NULL"),
        ),
        (Kind::Country, "varchar", None),
        (Kind::Country, "bigint", Some("country.iso2")),
    ];
    for (kind, t, expected) in cases {
        let note = type_note(kind, t);
        match expected {
            None => assert_eq!(note, None, "{kind:?} {t}"),
            Some(needle) => assert!(
                note.as_deref().is_some_and(|n| n.contains(needle)),
                "{kind:?} {t}: {note:?}"
            ),
        }
    }
}

#[test]
fn keyed_needs_an_integer_whole_primary_key_and_an_index_leading_with_the_owner() {
    let keys = |primary: &[&str], leading: &[&str]| TableKeys {
        primary: primary.iter().map(|c| c.to_string()).collect(),
        leading: leading.iter().map(|c| c.to_string()).collect(),
    };
    let varchar_id = {
        let mut cols = without(spec_columns(), "user", "id");
        cols.push(col("user", "id", "varchar"));
        cols
    };
    let cases = [
        (
            "as indexed.sql has it",
            spec_columns(),
            Some(keys(&["id"], &["account"])),
            true,
        ),
        (
            "names in another case",
            spec_columns(),
            Some(keys(&["ID"], &["Account"])),
            true,
        ),
        ("no index statistics", spec_columns(), None, false),
        (
            "no account index",
            spec_columns(),
            Some(keys(&["id"], &["email"])),
            false,
        ),
        (
            "a two-column key",
            spec_columns(),
            Some(keys(&["id", "account"], &["account"])),
            false,
        ),
        (
            "the key is another column",
            spec_columns(),
            Some(keys(&["name"], &["account"])),
            false,
        ),
        (
            "a text id",
            varchar_id,
            Some(keys(&["id"], &["account"])),
            false,
        ),
    ];
    for (what, columns, user_keys, want) in cases {
        let mut s = resolve(&columns, &Overrides::default());
        if let Some(k) = user_keys {
            s.keys.insert("user".into(), k);
        }
        assert_eq!(s.keyed("user.id", "user.account"), want, "{what}");
    }
    // An optional id that is not there: domains stay on the item index, whatever the
    // statistics say.
    let mut s = resolve(
        &without(spec_columns(), "itemparam", "id"),
        &Overrides::default(),
    );
    s.keys.insert("itemparam".into(), keys(&["id"], &["item"]));
    assert!(!s.keyed("itemparam.id", "itemparam.item"));
    s = resolve(&spec_columns(), &Overrides::default());
    s.keys.insert("itemparam".into(), keys(&["id"], &["item"]));
    assert!(s.keyed("itemparam.id", "itemparam.item"));
}
