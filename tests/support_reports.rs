//! What support reads in the dry-run reports and `explain` about a held account (issues
//! #14.6, #14.7, #17.3, #17.4): the primary R1 chose, holds apart from warnings, the account's
//! name, and rows of a held account marked as what would happen once the hold is resolved.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{TestDbs, code, read, repo, text};

/// A CSV report as one map per row, column name → value.
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

fn row<'a>(
    rows: &'a [HashMap<String, String>],
    keys: &[(&str, &str)],
) -> &'a HashMap<String, String> {
    rows.iter()
        .find(|r| keys.iter().all(|(k, v)| r[*k] == *v))
        .unwrap_or_else(|| panic!("no row with {keys:?} in {rows:?}"))
}

/// Fixtures 05 (invalid owner emails), 09 (payer types) and 23 (several reasons) together.
async fn planned() -> (TestDbs, tempfile::TempDir, String) {
    let dbs = TestDbs::new("support").await;
    dbs.load_fixture("05_primary_email_invalid").await;
    for name in ["09_payer_none_and_type", "23_reason_lists"] {
        let sql = read(&repo().join("fixtures").join(format!("{name}.sql")));
        dbs.load_legacy_sql(&sql).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dbs.billmigrate(&["plan", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (dbs, dir, stdout)
}

#[tokio::test]
async fn held_accounts_show_the_chosen_primary_and_holds_apart_from_warnings() {
    let (_dbs, dir, summary) = planned().await;
    let accounts = rows(&dir.path().join("accounts.csv"));
    let header = read(&dir.path().join("accounts.csv"));
    assert!(
        header.starts_with(
            "legacy_account_id,decision,reasons,primary_user_id,primary_email,invitations,\
             payer_profile_id,currency,opening_balance,services_migrated,services_skipped,\
             account_name,hold_reasons,warnings\n"
        ),
        "cli.md's columns first, in their places: {header}"
    );

    // R1 chose user 5021, whose address is why the account is held: support needs both.
    let invalid = row(&accounts, &[("legacy_account_id", "503")]);
    assert_eq!(invalid["decision"], "hold");
    assert_eq!(invalid["primary_user_id"], "5021");
    assert_eq!(invalid["primary_email"], "owner.example.com");
    assert_eq!(invalid["hold_reasons"], "primary_email_invalid");
    assert_eq!(invalid["reasons"], "primary_email_invalid");
    let payer = row(&accounts, &[("legacy_account_id", "903")]);
    assert_eq!(
        (
            payer["primary_user_id"].as_str(),
            payer["primary_email"].as_str()
        ),
        ("9021", "owner09c@example.com")
    );
    assert_eq!(payer["account_name"], "Payer Type Four");
    assert_eq!(payer["warnings"], "");
    for a in &accounts {
        assert!(
            !a["account_name"].is_empty(),
            "every row names its account: {a:?}"
        );
        let (holds, warnings) = (&a["hold_reasons"], &a["warnings"]);
        if a["decision"] == "hold" {
            assert_eq!((&a["reasons"], warnings.as_str()), (holds, ""), "{a:?}");
        } else {
            assert_eq!((&a["reasons"], holds.as_str()), (warnings, ""), "{a:?}");
        }
    }
    let migrating = row(&accounts, &[("legacy_account_id", "901")]);
    assert_eq!(migrating["warnings"], "no_payer");

    // The summary lists holds and warnings apart, holds first, in text and JSON.
    let holds_at = summary.find("held accounts by reason (an account can have several):");
    let warnings_at = summary.find("warnings on migrating accounts (an account can have several):");
    assert!(holds_at.is_some() && warnings_at > holds_at, "{summary}");
    assert!(!summary.contains("top reasons"), "{summary}");
    assert!(
        summary.contains("\nnext: `billmigrate explain ID` says in words why"),
        "{summary}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("summary.json"))).unwrap();
    let with = |column: &str, code: &str| {
        let n = accounts
            .iter()
            .filter(|a| a[column].split(';').any(|c| c == code))
            .count();
        serde_json::json!(n)
    };
    assert_eq!(
        json["holds"]["invalid_payer_type"],
        with("hold_reasons", "invalid_payer_type")
    );
    assert_eq!(json["warnings"]["no_payer"], with("warnings", "no_payer"));
    assert!(json["holds"].get("no_payer").is_none(), "{json}");
    assert!(
        json["warnings"].get("invalid_payer_type").is_none(),
        "{json}"
    );
    assert_eq!(
        json["reasons"]["no_payer"],
        with("reasons", "no_payer"),
        "cli.md's list stays"
    );
}

#[tokio::test]
async fn rows_of_a_held_account_are_marked_account_held() {
    let (_dbs, dir, _) = planned().await;
    let users = rows(&dir.path().join("users.csv"));
    let payers = rows(&dir.path().join("payers.csv"));
    let held_owner = row(&users, &[("legacy_user_id", "9021")]);
    assert_eq!(
        (
            held_owner["outcome"].as_str(),
            held_owner["account_held"].as_str()
        ),
        ("owner", "true")
    );
    let owner = row(&users, &[("legacy_user_id", "9001")]);
    assert_eq!(
        (owner["outcome"].as_str(), owner["account_held"].as_str()),
        ("owner", "false")
    );
    let held_payer = row(&payers, &[("legacy_profile_id", "9022")]);
    assert_eq!(
        (
            held_payer["outcome"].as_str(),
            held_payer["account_held"].as_str()
        ),
        ("migrated", "true")
    );
    let services = rows(&dir.path().join("services.csv"));
    assert!(!services.is_empty());
    for s in &services {
        let accounts = rows(&dir.path().join("accounts.csv"));
        let account = row(&accounts, &[("legacy_account_id", &s["legacy_account_id"])]);
        let held = if account["decision"] == "hold" {
            "true"
        } else {
            "false"
        };
        assert_eq!(s["account_held"], held, "{s:?}");
    }
}

#[tokio::test]
async fn explain_tags_what_would_happen_to_a_held_accounts_rows() {
    let dbs = TestDbs::new("explainheld").await;
    dbs.load_fixture("09_payer_none_and_type").await;
    let out = dbs.billmigrate(&["explain", "903"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let s = text(&out);
    let payer = s
        .lines()
        .find(|l| l.contains("(id 9022)"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(
        payer.contains("(id 9022) would move: ")
            && payer.contains("but its payer type 4 is not valid: the account is held until it is 1 (individual), 2 (company) or 3 (sole proprietor)")
            && payer.ends_with("[would be migrated]"),
        "{payer}"
    );
    assert!(!s.contains("[migrated]") && !s.contains("[owner]"), "{s}");
    assert!(s.contains("[would be owner]"), "{s}");
    assert!(
        s.contains("[not_last_payer]"),
        "a row that stays, stays either way: {s}"
    );

    let migrating = text(&dbs.billmigrate(&["explain", "905"]));
    assert!(
        migrating.contains("[owner]") && migrating.contains("[migrated]"),
        "{migrating}"
    );
    assert!(!migrating.contains("would be"), "{migrating}");
}
