//! The fuzz target's body (fuzz/fuzz_targets/decode_and_rules.rs), kept in the crate so the
//! regressions it finds replay in `cargo test` (tests/fuzz_regressions.rs) without libFuzzer.
//! Arbitrary bytes become arbitrary driver values in the reader's row shapes; they are
//! assembled into accounts exactly as the reader does, decided by the rules, explained, and
//! the rules' invariants are checked. Any panic is a bug.
#![doc(hidden)]

use std::path::Path;
use std::sync::OnceLock;

use arbitrary::{Result, Unstructured};
use mysql_async::Value;

use crate::legacy::assemble::{self, RawChildren};
use crate::legacy::integrity::KnownDuplicates;
use crate::mappings::Mappings;
use crate::rules::{Language, RulesContext, UserOutcome, decide};

fn mappings() -> &'static Mappings {
    static M: OnceLock<Mappings> = OnceLock::new();
    M.get_or_init(|| {
        Mappings::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings"))
            .expect("the repository's mappings/ load")
    })
}

/// Texts the legacy data is known to hold, so the fuzzer reaches the interesting branches
/// without having to guess them byte by byte.
const SHAPES: &[&[u8]] = &[
    b"on",
    b"off",
    b"ON",
    b"",
    b" ",
    b"1",
    b"2",
    b"16",
    b"-0.00",
    b"12,50",
    b"1.005",
    b"999999999999999999.99",
    b"0000-00-00 00:00:00",
    b"2011-02-30 10:00:00",
    b"2015-01-01 00:00:00",
    b"uk",
    b"ru",
    b"en",
    b"UAH",
    b"usd",
    b"???",
    b"owner@example.com",
    b" Owner@Example.COM ",
    b"a@b",
    b"x@y.z\r\nBcc: v@w.x",
];

fn value(u: &mut Unstructured) -> Result<Value> {
    Ok(match u.int_in_range(0..=8u8)? {
        0 => Value::NULL,
        1 => Value::Bytes(u.arbitrary()?),
        2 | 3 => Value::Bytes(u.choose(SHAPES)?.to_vec()),
        4 => Value::Int(u.int_in_range(-3..=20)?),
        5 => Value::Int(u.arbitrary()?),
        6 => Value::UInt(u.arbitrary()?),
        7 => Value::Double(u.arbitrary()?),
        _ => Value::Date(
            u.arbitrary()?,
            u.arbitrary()?,
            u.arbitrary()?,
            u.arbitrary()?,
            u.arbitrary()?,
            u.arbitrary()?,
            u.arbitrary()?,
        ),
    })
}

/// An id: mostly one of a few small numbers so rows find their account and parent.
fn id(u: &mut Unstructured) -> Result<Value> {
    Ok(match u.int_in_range(0..=9u8)? {
        0 => value(u)?,
        _ => Value::Int(u.int_in_range(0..=6)?),
    })
}

/// `columns` values; the first `ids` are ids. Sometimes short (a missing column is NULL).
fn row(u: &mut Unstructured, ids: usize, columns: usize) -> Result<Vec<Value>> {
    let len = if u.ratio(1, 16)? {
        u.int_in_range(0..=columns)?
    } else {
        columns
    };
    (0..len)
        .map(|i| if i < ids { id(u) } else { value(u) })
        .collect()
}

fn rows(u: &mut Unstructured, max: usize, ids: usize, columns: usize) -> Result<Vec<Vec<Value>>> {
    let n = u.int_in_range(0..=max)?;
    (0..n).map(|_| row(u, ids, columns)).collect()
}

/// One fuzz input. Panics exactly when decoding or the rules misbehave.
pub fn decode_and_decide(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let _ = run(&mut u);
}

fn run(u: &mut Unstructured) -> Result<()> {
    let account_rows = rows(u, 4, 1, 4)?;
    let children = RawChildren {
        users: rows(u, 8, 2, 9)?,
        // 15 spec columns, then the four `*_physical` address columns (BILLmanager).
        profiles: rows(u, 4, 2, 19)?,
        subaccounts: rows(u, 4, 2, 5)?,
        items: rows(u, 10, 2, 12)?,
        pricelist_types: rows(u, 4, 1, 2)?,
        currencies: rows(u, 3, 1, 2)?,
        domains: rows(u, 4, 1, 2)?,
    };
    let mut known = KnownDuplicates::default();
    if u.ratio(1, 8)? {
        known.insert("item", u.int_in_range(0..=6)?);
    }
    let mut accounts = assemble::accounts(account_rows);
    assemble::attach(&mut accounts, children, &known);

    let ctx = RulesContext {
        mappings: mappings(),
        default_currency: "UAH",
        default_language: Language::Uk,
    };
    for account in &accounts {
        let d = decide(account, &ctx);
        assert_eq!(d, decide(account, &ctx), "the rules are deterministic");
        let owners = d
            .users
            .iter()
            .filter(|x| x.outcome == UserOutcome::Owner)
            .count();
        assert!(owners <= 1, "at most one owner: {d:?}");
        assert!(
            d.migrates() || !d.reason_codes().is_empty(),
            "a hold names its reason"
        );
        if d.migrates() {
            let seqs: Vec<_> = d.migrating_services().iter().map(|s| s.seq).collect();
            let dense: Vec<_> = (1..=seqs.len()).map(|n| Some(n as i32)).collect();
            assert_eq!(seqs, dense, "seq is dense and ordered");
            let parts = d
                .balance
                .parts
                .iter()
                .filter_map(|p| p.converted)
                .fold(rust_decimal::Decimal::ZERO, |a, b| a + b);
            assert_eq!(d.balance.opening, parts, "the opening balance is its parts");
            assert!(crate::rules::balance::fits_target(d.balance.opening));
        }
        let text = crate::report::explain::explain(account, &d, &[], &[]);
        assert!(text.contains(&account.id.to_string()));
    }
    Ok(())
}
