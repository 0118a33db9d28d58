//! `migrate` under interruption and concurrency, on generated data large enough to be cut
//! mid-run: SIGKILL at several points then a re-run, two processes at once on overlapping
//! scopes, and database connections killed mid-batch — each must end exactly like one
//! uninterrupted run.

mod common;

use std::time::{Duration, Instant};

use common::faults::{
    generated, kill_the_waiter, kill_the_waiter_on_rows, migrated_count, reference, spawn,
};
use common::snapshot::{assert_same, snapshot};
use common::{code, text};
use sqlx::Connection;

#[tokio::test]
async fn sigkill_at_several_points_then_rerun_equals_an_uninterrupted_run() {
    let want = reference().await;
    let dbs = generated("sigkill").await;
    // Kill while the first batches commit, in the middle, and near the end.
    for threshold in [1, 1200, 2600] {
        let mut child = spawn(
            &dbs,
            &[
                "migrate",
                "--quiet",
                "--batch-size",
                "100",
                "--workers",
                "2",
            ],
            &[],
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        while migrated_count(&dbs).await < threshold && Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
    }
    let out = dbs.billmigrate(&["migrate", "--quiet"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    let got = snapshot(&mut dbs.pg().await).await;
    assert_same(&want, &got, "after SIGKILLs and a re-run");
    let statuses: Vec<String> = sqlx::query_scalar("SELECT status FROM migration.runs ORDER BY id")
        .fetch_all(&mut dbs.pg().await)
        .await
        .unwrap();
    assert_eq!(statuses.last().map(String::as_str), Some("succeeded"));
    assert!(
        statuses.iter().any(|s| s == "interrupted"),
        "killed runs are marked interrupted: {statuses:?}"
    );
    assert!(!statuses.iter().any(|s| s == "running"), "{statuses:?}");
}

#[tokio::test]
async fn two_concurrent_runs_on_overlapping_scopes_never_write_twice() {
    let want = reference().await;
    let dbs = generated("concurrent").await;
    let a = spawn(
        &dbs,
        &[
            "migrate",
            "--quiet",
            "--accounts",
            "1-2000",
            "--batch-size",
            "50",
        ],
        &[],
    );
    let b = spawn(
        &dbs,
        &[
            "migrate",
            "--quiet",
            "--accounts",
            "1000-3000",
            "--batch-size",
            "70",
        ],
        &[],
    );
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(code(&out) <= 1, "{}", text(&out));
    }
    let out = dbs.billmigrate(&["migrate", "--quiet"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    assert!(
        text(&out).contains("migrated now:        0"),
        "the two runs covered everything: {}",
        text(&out)
    );
    let got = snapshot(&mut dbs.pg().await).await;
    assert_same(&want, &got, "after two concurrent runs");
}

#[tokio::test]
async fn connections_killed_mid_batch_are_retried_without_leaving_anything_partial() {
    let want = reference().await;
    let dbs = generated("connkill").await;
    let child = spawn(&dbs, &["migrate", "--quiet", "--batch-size", "100"], &[]);
    let mut admin = sqlx::PgConnection::connect(&format!("{}/postgres", common::pg_base()))
        .await
        .unwrap();
    let mut killed = 0u64;
    let deadline = Instant::now() + Duration::from_secs(30);
    while killed < 3 && Instant::now() < deadline {
        // Backends of this database that are inside a transaction: the batch writers.
        let n: i64 = sqlx::query_scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = $1 AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')
               AND query NOT LIKE '%migration.runs%'",
        )
        .bind(dbs.target_db_name())
        .fetch_one(&mut admin)
        .await
        .unwrap();
        killed += n as u64;
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    let out = child.wait_with_output().unwrap();
    assert!(killed > 0, "the test never caught a batch in flight");
    assert!(
        code(&out) <= 1,
        "killed connections must be retried, not fatal: {}",
        text(&out)
    );
    let got = snapshot(&mut dbs.pg().await).await;
    assert_same(&want, &got, "after killed connections");
}

#[tokio::test]
async fn a_backend_killed_during_the_start_up_schema_check_is_retried() {
    let dbs = generated("schemakill").await;
    // The check's read waits on the held schema table, where it is caught and killed.
    let (killed, out) = kill_the_waiter(
        &dbs,
        "LOCK TABLE public._sqlx_migrations IN ACCESS EXCLUSIVE MODE",
        "%FROM _sqlx_migrations%",
        &["migrate", "--quiet"],
    )
    .await;
    assert_eq!(killed, 1, "the schema check never waited on the held table");
    assert!(
        code(&out) <= 1,
        "a killed start-up check must be retried: {}",
        text(&out)
    );
    assert!(migrated_count(&dbs).await > 0, "{}", text(&out));
}

/// The runs `migrate` recorded: (status, accounts done), oldest first.
async fn runs(dbs: &common::TestDbs) -> Vec<(String, Option<i64>)> {
    sqlx::query_as("SELECT status, accounts_done FROM migration.runs ORDER BY id")
        .fetch_all(&mut dbs.pg().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_backend_killed_while_the_run_is_recorded_is_retried() {
    let dbs = generated("runstartkill").await;
    // The run's first write, marking crashed runs, waits on the held table and is killed.
    let (killed, out) = kill_the_waiter(
        &dbs,
        "LOCK TABLE migration.runs IN SHARE MODE",
        "UPDATE migration.runs SET status = 'interrupted'%",
        &["migrate", "--quiet"],
    )
    .await;
    assert_eq!(
        killed, 1,
        "recording the run never waited on the held table"
    );
    assert!(
        code(&out) <= 1,
        "a killed start of the run record must be retried: {}",
        text(&out)
    );
    assert_eq!(migrated_count(&dbs).await, 3000, "{}", text(&out));
    assert_eq!(
        runs(&dbs).await,
        [("succeeded".to_owned(), Some(3000))],
        "one run, recorded once"
    );
}

#[tokio::test]
async fn a_backend_killed_while_the_run_is_closed_is_retried() {
    let dbs = generated("runfinishkill").await;
    // A first small run takes the first-load path (whose foreign-key drops lock the runs
    // table); the second, on a populated target, the normal one.
    let out = dbs.billmigrate(&["migrate", "--quiet", "--accounts", "1-10"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    let child = spawn(&dbs, &["migrate", "--quiet"], &[]);
    // Once the run is recorded, its row is held the way the closing update needs it (a
    // plain key lock, as the rows that reference the run take, still goes through).
    let (locked, killed) = kill_the_waiter_on_rows(
        &dbs,
        "SELECT 1 FROM migration.runs WHERE status = 'running' FOR NO KEY UPDATE",
        1,
        "UPDATE migration.runs SET status = $2%",
    )
    .await;
    let out = child.wait_with_output().unwrap();
    assert_eq!(locked, 1, "the run was never recorded");
    assert_eq!(killed, 1, "closing the run never waited on the held row");
    assert!(
        code(&out) <= 1,
        "a killed close of the run record must be retried: {}",
        text(&out)
    );
    assert_eq!(migrated_count(&dbs).await, 3000, "{}", text(&out));
    assert_eq!(
        runs(&dbs).await[1..],
        [("succeeded".to_owned(), Some(3000))],
        "the second run, closed once"
    );
}

#[tokio::test]
async fn a_backend_killed_during_the_closing_statistics_refresh_is_retried() {
    let dbs = generated("analyzekill").await;
    // A first small run takes the first-load path; the second, on a populated target, the
    // normal one, which locks nothing that the held lock conflicts with until the closing
    // `ANALYZE`.
    let out = dbs.billmigrate(&["migrate", "--quiet", "--accounts", "1-10"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    let (killed, out) = kill_the_waiter(
        &dbs,
        "LOCK TABLE billing.clients IN SHARE UPDATE EXCLUSIVE MODE",
        "ANALYZE billing.clients%",
        &["migrate", "--quiet"],
    )
    .await;
    assert_eq!(
        killed, 1,
        "the closing refresh never waited on the held table"
    );
    assert!(
        code(&out) <= 1,
        "a killed closing refresh must be retried: {}",
        text(&out)
    );
    assert_eq!(migrated_count(&dbs).await, 3000, "{}", text(&out));
}
