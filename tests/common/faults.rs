//! Generated legacy data large enough to be cut mid-run, and the reference result of one
//! clean, uninterrupted migration of it — what every fault test must end equal to.

use std::process::{Child, Command, Stdio};

use super::snapshot::snapshot;
use super::{TestDbs, code, text};

const ACCOUNTS: &str = "3000";

/// Fresh databases with 3,000 generated accounts (seed 7) and the target schema set up.
pub async fn generated(tag: &str) -> TestDbs {
    let dbs = TestDbs::new(tag).await;
    let out = Command::new(env!("CARGO_BIN_EXE_billmigrate-fixtures"))
        .args([
            "--url",
            &dbs.legacy_url(),
            "--accounts",
            ACCOUNTS,
            "--seed",
            "7",
            "--today",
            "2026-11-15",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = dbs.billmigrate(&["setup"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    dbs
}

/// `billmigrate args…` started in the background with its output captured.
pub fn spawn(dbs: &TestDbs, args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut cmd = dbs.command(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The reference: one clean run on the same generated data, in its own databases.
pub async fn reference() -> String {
    let dbs = generated("faultref").await;
    let out = dbs.billmigrate(&["migrate", "--quiet"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    snapshot(&mut dbs.pg().await).await
}

/// Accounts recorded as migrated or held so far.
pub async fn migrated_count(dbs: &TestDbs) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM migration.accounts")
        .fetch_one(&mut dbs.pg().await)
        .await
        .unwrap()
}
