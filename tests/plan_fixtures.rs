//! `plan` over every hand-written fixture in fixtures/, compared with the reports checked in
//! next to it (fixtures/expected/<name>/). `BILLMIGRATE_BLESS=1` rewrites the expectations
//! after a deliberate rule change; review the diff like code.

mod common;

use common::{TestDbs, code, fixture_names, read, repo, text};

const REPORTS: &[&str] = &["accounts.csv", "users.csv", "payers.csv", "services.csv"];

#[tokio::test]
async fn plan_reports_of_every_fixture_match_expectations() {
    let names = fixture_names();
    assert!(
        names.len() >= 20,
        "expected the hand-written fixtures, found {names:?}"
    );
    let bless = std::env::var("BILLMIGRATE_BLESS").as_deref() == Ok("1");
    let mut mismatches = Vec::new();
    for name in &names {
        let dbs = TestDbs::new("plan").await;
        dbs.load_fixture(name).await;
        let out_dir = tempfile::tempdir().unwrap();
        let out = dbs.billmigrate(&["plan", "--quiet", "--out", out_dir.path().to_str().unwrap()]);
        assert!(code(&out) == 0 || code(&out) == 1, "{name}: {}", text(&out));
        let accounts = read(&out_dir.path().join("accounts.csv"));
        let any_held = accounts
            .lines()
            .skip(1)
            .any(|l| l.split(',').nth(1) == Some("hold"));
        assert_eq!(
            code(&out),
            i32::from(any_held),
            "{name}: exit code 1 exactly when an account is held"
        );
        let expected_dir = repo().join("fixtures/expected").join(name);
        for report in REPORTS {
            let actual = read(&out_dir.path().join(report));
            let expected_path = expected_dir.join(report);
            if bless {
                std::fs::create_dir_all(&expected_dir).unwrap();
                std::fs::write(&expected_path, &actual).unwrap();
            } else if std::fs::read_to_string(&expected_path).ok().as_deref()
                != Some(actual.as_str())
            {
                mismatches.push(format!("{name}/{report}:\n{actual}"));
            }
        }
        let summary: serde_json::Value =
            serde_json::from_str(&read(&out_dir.path().join("summary.json"))).unwrap();
        assert_eq!(
            summary["accounts"].as_u64().unwrap() as usize,
            accounts.lines().count() - 1,
            "{name}"
        );
    }
    assert!(
        mismatches.is_empty(),
        "reports differ from fixtures/expected:\n{}",
        mismatches.join("\n")
    );
}
