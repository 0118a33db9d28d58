//! The servers misbehave under a running `migrate`: the target PostgreSQL is stopped and
//! started again (a private instance of the test's own), the legacy MariaDB connections are
//! `KILL`ed mid-read, and the target runs out of disk space mid-batch. Each run retries or
//! stops cleanly, nothing is half-written, and a re-run ends exactly like one uninterrupted
//! run of the same data.

mod common;

use std::process::Child;
use std::time::{Duration, Instant};

use common::faults::{generated, reference, spawn};
use common::private_pg::PrivatePg;
use common::snapshot::{assert_same, snapshot};
use common::{TestDbs, code, mysql_base, text};
use mysql_async::prelude::Queryable;
use sqlx::{Connection, PgConnection};

const MIGRATE: &[&str] = &[
    "migrate",
    "--quiet",
    "--batch-size",
    "100",
    "--workers",
    "2",
];

async fn count_at(url: &str) -> i64 {
    match PgConnection::connect(url).await {
        Ok(mut pg) => sqlx::query_scalar("SELECT count(*) FROM migration.accounts")
            .fetch_one(&mut pg)
            .await
            .unwrap_or(0),
        Err(_) => 0,
    }
}

/// Waits until at least `n` accounts are recorded, or the run ended; true if still running.
async fn wait_for(child: &mut Child, url: &str, n: i64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if count_at(url).await >= n {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("migrate made no progress in 60 s");
}

#[tokio::test]
async fn postgres_restarted_mid_migrate_then_the_target_equals_an_uninterrupted_run() {
    let want = reference().await;
    let dbs = generated("pgrestart").await;
    let pg = PrivatePg::start();
    let mut admin = PgConnection::connect(&pg.url("postgres")).await.unwrap();
    sqlx::raw_sql("CREATE DATABASE target")
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let url = pg.url("target");
    let env = [("BILLMIGRATE_TARGET_URL", url.as_str())];
    let setup = dbs.billmigrate_env(&["setup"], &env);
    assert_eq!(code(&setup), 0, "{}", text(&setup));

    let mut child = spawn(&dbs, MIGRATE, &env);
    assert!(
        wait_for(&mut child, &url, 300).await,
        "the run ended before the restart"
    );
    pg.ctl("stop");
    // Down long enough for several batches to fail and back off, short of the retry budget.
    tokio::time::sleep(Duration::from_secs(2)).await;
    pg.ctl("start");
    let out = child.wait_with_output().unwrap();
    assert!(
        pg.log().contains("shutting down") || pg.log().contains("shut down"),
        "{}",
        pg.log()
    );
    if code(&out) == 2 {
        // Stopped cleanly instead of retrying long enough: the re-run finishes the job.
        let again = dbs.billmigrate_env(&["migrate", "--quiet"], &env);
        assert!(code(&again) <= 1, "{}", text(&again));
    } else {
        assert_eq!(code(&out), 1, "{}", text(&out));
    }
    let mut target = PgConnection::connect(&url).await.unwrap();
    let got = snapshot(&mut target).await;
    assert_same(&want, &got, "after a restart");
}

#[tokio::test]
async fn mariadb_connections_killed_mid_read_are_read_again() {
    let want = reference().await;
    let dbs = generated("mykill").await;
    let target = dbs.target_url();
    let mut child = spawn(
        &dbs,
        &["migrate", "--quiet", "--batch-size", "50", "--workers", "2"],
        &[],
    );
    let mut admin = mysql_async::Conn::from_url(mysql_base()).await.unwrap();
    let mut killed = 0;
    for _ in 0..3 {
        if !wait_for(&mut child, &target, 200 + 600 * killed).await {
            break;
        }
        let ids: Vec<u64> = admin
            .exec(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()",
                (dbs.legacy_db_name(),),
            )
            .await
            .unwrap();
        for id in ids {
            if admin.query_drop(format!("KILL {id}")).await.is_ok() {
                killed += 1;
            }
        }
    }
    admin.disconnect().await.unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(killed > 0, "the test never caught a legacy connection");
    assert_eq!(
        code(&out),
        1,
        "killed legacy connections must be read again, not fatal: {}",
        text(&out)
    );
    let got = snapshot(&mut dbs.pg().await).await;
    assert_same(&want, &got, "after killed reads");
}

/// Makes every insert into billing.clients from legacy account `from` on fail the way a
/// full disk does (SQLSTATE 53100), until [`free_disk`].
async fn fill_disk(dbs: &TestDbs, from: i64) {
    let sql = format!(
        r#"CREATE FUNCTION public.disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF NEW.legacy_account_id >= {from} THEN
               RAISE EXCEPTION 'could not extend file "base/16384/2619": No space left on device'
                 USING ERRCODE = '53100', HINT = 'Check free disk space.';
             END IF;
             RETURN NEW;
           END $$;
           CREATE TRIGGER disk_full BEFORE INSERT ON billing.clients
             FOR EACH ROW EXECUTE FUNCTION public.disk_full();"#
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut dbs.pg().await)
        .await
        .unwrap();
}

async fn free_disk(dbs: &TestDbs) {
    sqlx::raw_sql("DROP TRIGGER disk_full ON billing.clients; DROP FUNCTION public.disk_full()")
        .execute(&mut dbs.pg().await)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_full_disk_rolls_the_batch_back_and_stops_the_run() {
    let want = reference().await;
    let dbs = generated("diskfull").await;
    let middle = dbs
        .legacy_i64("SELECT id FROM account ORDER BY id LIMIT 1 OFFSET 1500")
        .await;
    fill_disk(&dbs, middle).await;
    let out = dbs.billmigrate(MIGRATE);
    assert_eq!(
        code(&out),
        2,
        "a full disk must stop the run: {}",
        text(&out)
    );
    let message = text(&out);
    assert!(
        message.contains("out of resources") && message.contains("No space left on device"),
        "{message}"
    );

    let mut pg = dbs.pg().await;
    let (clients, recorded, beyond, held): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM billing.clients),
                (SELECT count(*) FROM migration.accounts WHERE status = 'migrated'),
                (SELECT count(*) FROM migration.accounts WHERE legacy_account_id >= $1),
                (SELECT count(*) FROM migration.accounts WHERE reasons::text LIKE '%write_failed%')",
    )
    .bind(middle)
    .fetch_one(&mut pg)
    .await
    .unwrap();
    assert!(clients > 0, "the batches before the full disk committed");
    assert_eq!(clients, recorded, "no client without its ledger row");
    assert_eq!(beyond, 0, "nothing at or after the failing batch");
    assert_eq!(held, 0, "a full disk is not the accounts' fault");

    free_disk(&dbs).await;
    let again = dbs.billmigrate(&["migrate", "--quiet"]);
    assert!(code(&again) <= 1, "{}", text(&again));
    let got = snapshot(&mut pg).await;
    assert_same(&want, &got, "after the disk was freed");
}
