//! `plan` and `explain` end to end: read-only on the legacy side (a SELECT-only user), no
//! target connection at all, the documented exit codes, and explanations a person can read.

mod common;

use common::{TestDbs, code, read, select_only_user, text};
use mysql_async::prelude::*;

async fn legacy_checksum(dbs: &TestDbs) -> Vec<(String, Option<i64>)> {
    let mut conn = dbs.mysql().await;
    let rows: Vec<(String, Option<i64>)> = conn
        .query("CHECKSUM TABLE account, `user`, profile, currency, subaccount, itemtype, pricelist, item, itemparam, account2project, affiliate, affiliatereward, expense, payment")
        .await
        .unwrap();
    conn.disconnect().await.unwrap();
    rows
}

#[tokio::test]
async fn plan_reads_with_select_only_grants_and_never_touches_the_target() {
    let dbs = TestDbs::new("planro").await;
    dbs.load_fixture("10_multi_currency_balance").await;
    dbs.load_legacy_sql(&common::read(
        &common::repo().join("fixtures/04_no_active_full_access.sql"),
    ))
    .await;
    let before = legacy_checksum(&dbs).await;
    let ro_url = select_only_user(&dbs).await;
    let out_dir = tempfile::tempdir().unwrap();
    let reports = out_dir.path().join("reports");
    let out = dbs.billmigrate_env(
        &["plan", "--out", reports.to_str().unwrap()],
        // Nothing listens on port 9: any attempt to reach the target would fail the run.
        &[
            ("BILLMIGRATE_LEGACY_URL", &ro_url),
            (
                "BILLMIGRATE_TARGET_URL",
                "postgres://nobody@127.0.0.1:9/none",
            ),
        ],
    );
    common::drop_mysql_user(&ro_url).await;
    assert_eq!(code(&out), 1, "held accounts → exit 1: {}", text(&out));
    assert!(
        !text(&out).contains("ro-pass"),
        "password leaked: {}",
        text(&out)
    );
    assert_eq!(
        legacy_checksum(&dbs).await,
        before,
        "plan changed the legacy database"
    );
    let accounts = read(&reports.join("accounts.csv"));
    assert!(accounts.starts_with("legacy_account_id,decision,reasons,primary_user_id,primary_email,invitations,payer_profile_id,currency,opening_balance,services_migrated,services_skipped,account_name,hold_reasons,warnings\n"));
    assert!(
        accounts.contains(",hold,no_active_full_access_user,"),
        "{accounts}"
    );
    let summary = text(&out);
    assert!(
        summary.contains("migrate")
            && summary.contains("hold")
            && summary.contains("opening balance"),
        "{summary}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&reports), 0o700);
    for f in [
        "accounts.csv",
        "users.csv",
        "payers.csv",
        "services.csv",
        "summary.json",
    ] {
        assert_eq!(mode(&reports.join(f)), 0o600, "{f}");
    }
}

#[tokio::test]
async fn plan_exit_codes_and_json_summary() {
    let dbs = TestDbs::new("planexit").await;
    dbs.load_fixture("01_simple_account").await;
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("r");
    let out = dbs.billmigrate(&["plan", "--json", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "nothing held → 0: {}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("--json prints JSON");
    assert_eq!(json["decisions"]["migrate"], 1);
    assert_eq!(json["opening_balance"]["UAH"], "150.00");

    let out = dbs.billmigrate_env(
        &["plan", "--out", out_dir.to_str().unwrap()],
        &[("BILLMIGRATE_LEGACY_URL", "mysql://root@127.0.0.1:9/nothing")],
    );
    assert_eq!(
        code(&out),
        2,
        "unreachable legacy database → 2: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("legacy database mysql://root@127.0.0.1:9/nothing"),
        "{}",
        text(&out)
    );

    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[legacy]\nurll = \"x\"\n").unwrap();
    let out = dbs.billmigrate(&[
        "plan",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains("unknown field `urll`"),
        "{}",
        text(&out)
    );

    let out = dbs.billmigrate_env(
        &["plan", "--out", out_dir.to_str().unwrap()],
        &[("BILLMIGRATE_MAPPINGS", "/nonexistent")],
    );
    assert_eq!(code(&out), 2);
    assert!(
        text(&out).contains("mappings: no folder \"/nonexistent\" on this machine"),
        "{}",
        text(&out)
    );

    let out = dbs.billmigrate(&[
        "plan",
        "--accounts",
        "9-1",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 2);
}

#[tokio::test]
async fn plan_scope_limits_the_accounts() {
    let dbs = TestDbs::new("planscope").await;
    dbs.load_fixture("08_payers").await;
    let dir = tempfile::tempdir().unwrap();
    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, "803\n801\n").unwrap();
    let out_dir = dir.path().join("r");
    let out = dbs.billmigrate(&[
        "plan",
        "--account-file",
        ids.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(code(&out) <= 1, "{}", text(&out));
    let ids: Vec<String> = read(&out_dir.join("accounts.csv"))
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["801", "803"]);
    let out = dbs.billmigrate(&[
        "plan",
        "--accounts",
        "802-802",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(code(&out) <= 1);
    assert_eq!(read(&out_dir.join("accounts.csv")).lines().count(), 2);
}

#[tokio::test]
async fn explain_reads_like_sentences_with_reason_codes() {
    let dbs = TestDbs::new("explain").await;
    dbs.load_fixture("08_payers").await;
    dbs.load_legacy_sql(&read(
        &common::repo().join("fixtures/04_no_active_full_access.sql"),
    ))
    .await;
    dbs.load_legacy_sql(&read(
        &common::repo().join("fixtures/10_multi_currency_balance.sql"),
    ))
    .await;

    let held = dbs.billmigrate(&["explain", "401"]);
    assert_eq!(
        code(&held),
        1,
        "a held account needs a person: {}",
        text(&held)
    );
    let s = text(&held);
    assert!(s.contains("Decision: HOLD"), "{s}");
    assert!(s.contains("no user is both enabled and has full access, so nobody can own the new account [no_active_full_access_user]"), "{s}");
    assert!(
        s.contains("What would happen once the hold is resolved"),
        "{s}"
    );

    let payers = dbs.billmigrate(&["explain", "801"]);
    assert_eq!(code(&payers), 0, "{}", text(&payers));
    let s = text(&payers);
    assert!(
        s.contains("moves: the most recently created payer not marked 'do not migrate'"),
        "{s}"
    );
    assert!(
        s.contains("[marked_do_not_migrate]") || s.contains("[not_last_payer]"),
        "{s}"
    );
    assert!(s.contains("is the owner: the earliest"), "{s}");

    let money = dbs.billmigrate(&["explain", "1001"]);
    let s = text(&money);
    assert!(s.contains(" USD × 41.50 = "), "{s}");
    assert!(s.contains("moved as one ledger entry"), "{s}");

    let missing = dbs.billmigrate(&["explain", "999999"]);
    assert_eq!(code(&missing), 2);
    assert!(
        text(&missing).contains("account 999999 does not exist"),
        "{}",
        text(&missing)
    );
}

#[tokio::test]
async fn a_reader_that_closes_the_pipe_early_is_a_clean_exit_not_a_panic() {
    let dbs = TestDbs::new("pipe").await;
    dbs.load_fixture("01_simple_account").await;
    assert_eq!(code(&dbs.billmigrate(&["setup"])), 0);
    for args in [&["status"][..], &["explain", "101"], &["setup", "--json"]] {
        // `billmigrate status | head -0`: the reading end is gone before anything is printed
        // (connecting to the databases takes far longer than closing a pipe).
        let mut child = dbs
            .command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert!(
            matches!(code(&out), 0 | 1),
            "{args:?}: exit {} {stderr}",
            code(&out)
        );
    }
}
