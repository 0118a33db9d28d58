//! The mapping loaders' checks: each malformed file, unknown category or duplicate key
//! stops with the file name and line.

use super::*;

/// A copy of the shipped mappings with one file replaced.
fn with_file(name: &str, body: &str) -> (tempfile::TempDir, Result<Mappings, MappingError>) {
    let dir = tempfile::tempdir().unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings");
    for f in [
        "service_types.csv",
        "tariffs.csv",
        "currency_rates.csv",
        "permissions.csv",
    ] {
        std::fs::copy(shipped.join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(dir.path().join(name), body).unwrap();
    let result = Mappings::load(dir.path());
    (dir, result)
}

fn error_of(name: &str, body: &str) -> String {
    let (dir, result) = with_file(name, body);
    let message = result.unwrap_err().to_string();
    message.replace(&format!("{}/", dir.path().display()), "")
}

#[test]
fn shipped_defaults_match_rules_md() {
    let m = Mappings::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings")).unwrap();
    for (intname, name, priority) in [
        ("vhost", "hosting", 1),
        ("domain", "domain", 2),
        ("certificate", "ssl", 3),
        ("vds", "vps", 4),
        ("dedic", "dedicated", 5),
        ("colocation", "dedicated", 5),
        ("soft", "license", 6),
        ("softexternal", "license", 6),
        ("dnshost", "other", 7),
        ("anything", "other", 7),
    ] {
        assert_eq!(
            m.category(intname),
            &Category {
                name: name.into(),
                priority
            },
            "{intname}"
        );
    }
    assert_eq!(
        m.full_permissions.join(","),
        "affiliates,domains,invoices,payers,payments,profile,services,tickets,users"
    );
    assert_eq!(m.invoices_only_permissions, ["invoices"]);
    assert_eq!(
        m.rate("USD", "UAH").map(|r| r.to_string()).as_deref(),
        Some("41.50")
    );
    assert_eq!(m.rate("UAH", "UAH"), Some(Decimal::ONE));
    assert_eq!(m.rate("RUB", "UAH"), None);
    assert_eq!(m.product_code(101), Some("hosting-start"));
    assert_eq!(m.product_code(901), None);
}

#[test]
fn unknown_category_names_file_and_line() {
    let msg = error_of(
        "service_types.csv",
        "intname,category,priority\nvhost,hosting,1\nvds,cloud,4\n*,other,7\n",
    );
    assert_eq!(
        msg,
        "service_types.csv:3: unknown category \"cloud\" (expected one of hosting, domain, ssl, vps, dedicated, license, other)"
    );
}

#[test]
fn duplicate_keys_name_file_and_line() {
    assert_eq!(
        error_of(
            "service_types.csv",
            "intname,category,priority\nvhost,hosting,1\n*,other,7\nvhost,vps,4\n"
        ),
        "service_types.csv:4: duplicate intname \"vhost\""
    );
    assert_eq!(
        error_of(
            "tariffs.csv",
            "pricelist_id,product_code\n101,a\n102,b\n101,c\n"
        ),
        "tariffs.csv:4: duplicate pricelist_id 101"
    );
    assert_eq!(
        error_of(
            "currency_rates.csv",
            "from,to,rate\nUSD,UAH,41\nusd,uah,42\n"
        ),
        "currency_rates.csv:3: duplicate rate USD → UAH"
    );
    assert_eq!(
        error_of(
            "permissions.csv",
            "set,permissions\nfull,a;b\ninvoices_only,invoices\nfull,c\n"
        ),
        "permissions.csv:4: duplicate set \"full\""
    );
}

#[test]
fn malformed_lines_name_file_and_line() {
    assert_eq!(
        error_of("tariffs.csv", "pricelist_id,product_code\n101,a\nabc,b\n"),
        "tariffs.csv:3: malformed row: field 0: invalid digit found in string"
    );
    assert_eq!(
        error_of("currency_rates.csv", "from,to,rate\nUSD,UAH\n"),
        "currency_rates.csv:2: malformed row: expected 3 fields, found 2"
    );
    assert_eq!(
        error_of("currency_rates.csv", "from,to,rate\nUSD,UAH,-1\n"),
        "currency_rates.csv:2: rate must be positive, got -1"
    );
    assert_eq!(
        error_of("currency_rates.csv", "from,to,rate\nUSD,UAH,4l.5\n"),
        "currency_rates.csv:2: rate \"4l.5\" is not a decimal number"
    );
    assert_eq!(
        error_of(
            "service_types.csv",
            "intname,category,priority\nvhost,hosting,1\n"
        ),
        "service_types.csv:1: no default row with intname \"*\""
    );
    assert_eq!(
        error_of("permissions.csv", "set,permissions\nfull,a;b\nadmin,x\n"),
        "permissions.csv:3: unknown set \"admin\" (expected full or invoices_only)"
    );
}

#[test]
fn missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let msg = Mappings::load(dir.path()).unwrap_err().to_string();
    assert!(msg.contains("service_types.csv: cannot read"), "{msg}");
}
