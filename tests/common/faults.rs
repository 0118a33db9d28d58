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

/// Runs `billmigrate args…` while another transaction holds `lock` (a `LOCK TABLE …`
/// statement), terminates the backend of the run that waits on that lock running a
/// statement `LIKE waiting`, then lets the lock go. Returns how many backends were
/// terminated (the caller expects one) and the run's output: a way to kill one exact
/// statement of a run, where a loop over every active backend hits whatever runs then.
pub async fn kill_the_waiter(
    dbs: &TestDbs,
    lock: &str,
    waiting: &str,
    args: &[&str],
) -> (i64, std::process::Output) {
    use sqlx::Connection;
    let mut holder = dbs.pg().await;
    let mut held = holder.begin().await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(lock.to_owned()))
        .execute(&mut *held)
        .await
        .unwrap();
    let child = spawn(dbs, args, &[]);
    let killed = kill_waiting(dbs, waiting).await;
    held.commit().await.unwrap();
    (killed, child.wait_with_output().unwrap())
}

/// Terminates the target's backends waiting on a lock while running a statement `LIKE
/// waiting`, as soon as there is one (within a minute); returns how many.
pub async fn kill_waiting(dbs: &TestDbs, waiting: &str) -> i64 {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(&format!("{}/postgres", super::pg_base()))
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut killed = 0i64;
    while killed == 0 && std::time::Instant::now() < deadline {
        killed = sqlx::query_scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE $2",
        )
        .bind(dbs.target_db_name())
        .bind(waiting)
        .fetch_one(&mut admin)
        .await
        .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    killed
}

/// Once `lock` (a `SELECT … FOR …` statement on the target, polled in one open transaction
/// for up to a minute) locks `rows` rows, holds them, terminates the backend waiting on them
/// running a statement `LIKE waiting`, then lets go. Returns the rows locked and the
/// backends terminated: a way to kill a statement that only comes once a run has made its
/// rows, where `kill_the_waiter` locks a table before the run starts.
pub async fn kill_the_waiter_on_rows(
    dbs: &TestDbs,
    lock: &str,
    rows: u64,
    waiting: &str,
) -> (u64, i64) {
    use sqlx::Connection;
    let mut holder = dbs.pg().await;
    let mut held = holder.begin().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut locked = 0;
    while locked < rows && std::time::Instant::now() < deadline {
        locked = sqlx::query(sqlx::AssertSqlSafe(lock.to_owned()))
            .execute(&mut *held)
            .await
            .unwrap()
            .rows_affected();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let killed = if locked == rows {
        kill_waiting(dbs, waiting).await
    } else {
        0
    };
    held.commit().await.unwrap();
    (locked, killed)
}
