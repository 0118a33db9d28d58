//! The real-database harness every integration test shares: a uniquely named MariaDB
//! database and PostgreSQL database per test, dropped when the test passes (kept, and named,
//! when it fails or `BILLMIGRATE_KEEP_TEST_DB=1`). A missing server fails the test with the
//! command that starts it — tests never skip.
#![allow(dead_code)]

pub mod faults;
pub mod pages;
pub mod private_pg;
pub mod smtp;
pub mod snapshot;
pub mod webdriver;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use mysql_async::prelude::*;
use sqlx::Connection;
use sqlx::postgres::PgConnection;

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn mysql_base() -> String {
    std::env::var("BILLMIGRATE_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

pub fn pg_base() -> String {
    std::env::var("BILLMIGRATE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

const START_MARIADB: &str = "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd (or scripts/services)";
const START_PG: &str = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start (or scripts/services)";

/// The hand-written fixtures (`fixtures/*.sql`) by name, sorted.
pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("fixtures"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".sql").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One test's pair of databases.
pub struct TestDbs {
    mysql_db: String,
    pg_db: String,
}

impl TestDbs {
    pub async fn new(tag: &str) -> TestDbs {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nonce: u32 = rand::random::<u32>() % 1_000_000;
        let tag: String = tag
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(20)
            .collect::<String>()
            .to_lowercase();
        let name = format!("bm_{tag}_{}_{n}_{nonce}", std::process::id());
        let mut my = mysql_async::Conn::from_url(mysql_base())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "MariaDB is not reachable at {} ({e}). Start it: {START_MARIADB}",
                    mysql_base()
                )
            });
        my.query_drop(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
        ))
        .await
        .unwrap();
        my.disconnect().await.unwrap();
        let mut pg = PgConnection::connect(&format!("{}/postgres", pg_base()))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is not reachable at {} ({e}). Start it: {START_PG}",
                    pg_base()
                )
            });
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut pg)
            .await
            .unwrap();
        pg.close().await.unwrap();
        TestDbs {
            mysql_db: name.clone(),
            pg_db: name,
        }
    }

    pub fn legacy_db_name(&self) -> &str {
        &self.mysql_db
    }

    pub fn target_db_name(&self) -> &str {
        &self.pg_db
    }

    pub fn legacy_url(&self) -> String {
        format!("{}/{}", mysql_base(), self.mysql_db)
    }

    pub fn target_url(&self) -> String {
        format!("{}/{}", pg_base(), self.pg_db)
    }

    pub async fn mysql(&self) -> mysql_async::Conn {
        mysql_async::Conn::from_url(self.legacy_url())
            .await
            .expect("connect to the test MariaDB database")
    }

    pub async fn pg(&self) -> PgConnection {
        PgConnection::connect(&self.target_url())
            .await
            .expect("connect to the test PostgreSQL database")
    }

    /// Runs a multi-statement script, with zero dates allowed.
    pub async fn load_legacy_sql(&self, sql: &str) {
        let mut conn = self.mysql().await;
        conn.query_drop("SET SESSION sql_mode=''").await.unwrap();
        conn.query_drop(sql)
            .await
            .unwrap_or_else(|e| panic!("loading legacy SQL: {e}"));
        conn.disconnect().await.unwrap();
    }

    pub async fn load_legacy_schema(&self) {
        for file in ["schema.sql", "indexes.sql", "reference.sql"] {
            let sql = std::fs::read_to_string(repo().join("sql/legacy").join(file)).unwrap();
            self.load_legacy_sql(&sql).await;
        }
    }

    /// Schema, reference rows and `fixtures/<name>.sql`.
    pub async fn load_fixture(&self, name: &str) {
        self.load_fixtures(&[name]).await;
    }

    /// Schema and reference rows once, then each `fixtures/<name>.sql` in turn.
    pub async fn load_fixtures(&self, names: &[&str]) {
        self.load_legacy_schema().await;
        for name in names {
            let path = repo().join("fixtures").join(format!("{name}.sql"));
            let sql = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            self.load_legacy_sql(&sql).await;
        }
    }

    /// One integer from the legacy database (`SELECT COUNT(*) …`), NULL as 0.
    pub async fn legacy_i64(&self, sql: &str) -> i64 {
        let mut conn = self.mysql().await;
        let v: Option<Option<i64>> = conn
            .query_first(sql)
            .await
            .unwrap_or_else(|e| panic!("legacy query failed: {sql}: {e}"));
        conn.disconnect().await.ok();
        v.flatten().unwrap_or(0)
    }

    /// Runs `billmigrate` with this pair of databases configured and `mappings/` of the repo.
    pub fn billmigrate(&self, args: &[&str]) -> Output {
        self.billmigrate_env(args, &[])
    }

    pub fn billmigrate_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run billmigrate")
    }

    /// `billmigrate args…` with this pair of databases configured, not yet started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_billmigrate"));
        cmd.args(args)
            .current_dir(std::env::temp_dir())
            .env("BILLMIGRATE_LEGACY_URL", self.legacy_url())
            .env("BILLMIGRATE_TARGET_URL", self.target_url())
            .env("BILLMIGRATE_MAPPINGS", repo().join("mappings"))
            // Tests connect as root; tests/secrets.rs checks the refusal with this unset.
            .env("BILLMIGRATE_LEGACY_ALLOW_WRITE_ACCESS", "1")
            .env_remove("BILLMIGRATE_CUTOFF");
        cmd
    }
}

/// Fills the legacy database with `accounts` generated accounts (`billmigrate-fixtures`).
pub fn generate(dbs: &TestDbs, accounts: &str, seed: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_billmigrate-fixtures"))
        .args([
            "--url",
            &dbs.legacy_url(),
            "--accounts",
            accounts,
            "--seed",
            seed,
        ])
        .args(["--today", "2026-11-15", "--quiet"])
        .output()
        .expect("run billmigrate-fixtures");
    assert!(out.status.success(), "{}", text(&out));
}

/// stdout and stderr of a finished command, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn drop_databases(mysql_db: &str, pg_db: &str) {
    let (mysql_db, pg_db) = (mysql_db.to_owned(), pg_db.to_owned());
    let done = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            if let Ok(mut my) = mysql_async::Conn::from_url(mysql_base()).await {
                let _ = my
                    .query_drop(format!("DROP DATABASE IF EXISTS `{mysql_db}`"))
                    .await;
                let _ = my.disconnect().await;
            }
            if let Ok(mut pg) = PgConnection::connect(&format!("{}/postgres", pg_base())).await {
                let sql = format!("DROP DATABASE IF EXISTS \"{pg_db}\" WITH (FORCE)");
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut pg)
                    .await;
                let _ = pg.close().await;
            }
        });
    });
    let _ = done.join();
}

impl Drop for TestDbs {
    fn drop(&mut self) {
        let keep = std::env::var("BILLMIGRATE_KEEP_TEST_DB").as_deref() == Ok("1");
        if std::thread::panicking() || keep {
            eprintln!(
                "kept test databases: MariaDB `{}`, PostgreSQL \"{}\"",
                self.mysql_db, self.pg_db
            );
        } else {
            drop_databases(&self.mysql_db, &self.pg_db);
        }
    }
}

/// Creates a MariaDB user that may only SELECT from `db`; returns its URL.
pub async fn select_only_user(dbs: &TestDbs) -> String {
    let user = format!("ro_{}", rand::random::<u32>() % 1_000_000);
    let mut my = mysql_async::Conn::from_url(mysql_base()).await.unwrap();
    for sql in [
        format!("CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY 'ro-pass'"),
        format!("CREATE USER '{user}'@'localhost' IDENTIFIED BY 'ro-pass'"),
        format!(
            "GRANT SELECT ON `{}`.* TO '{user}'@'127.0.0.1'",
            dbs.legacy_db_name()
        ),
        format!(
            "GRANT SELECT ON `{}`.* TO '{user}'@'localhost'",
            dbs.legacy_db_name()
        ),
    ] {
        my.query_drop(sql).await.unwrap();
    }
    my.disconnect().await.unwrap();
    let base = mysql_base();
    let host = base.rsplit('@').next().unwrap_or("127.0.0.1:3306");
    format!("mysql://{user}:ro-pass@{host}/{}", dbs.legacy_db_name())
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Drops a user made by [`select_only_user`].
pub async fn drop_mysql_user(url: &str) {
    let user = url
        .trim_start_matches("mysql://")
        .split(':')
        .next()
        .unwrap()
        .to_owned();
    let mut my = mysql_async::Conn::from_url(mysql_base()).await.unwrap();
    for host in ["127.0.0.1", "localhost"] {
        my.query_drop(format!("DROP USER IF EXISTS '{user}'@'{host}'"))
            .await
            .unwrap();
    }
    my.disconnect().await.unwrap();
}
