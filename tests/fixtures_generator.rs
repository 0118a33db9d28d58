//! `billmigrate-fixtures` against a real MariaDB: deterministic for a seed and `--today`,
//! different for another seed, and every awkward case of rules.md / legacy-schema.md present.

mod common;

use std::process::Command;

use common::TestDbs;
use mysql_async::prelude::Queryable;
use sha2::{Digest, Sha256};

const TODAY: &str = "2025-03-15";
const ACCOUNTS: &str = "300";
const TABLES: [&str; 14] = [
    "account",
    "user",
    "profile",
    "currency",
    "subaccount",
    "itemtype",
    "pricelist",
    "item",
    "itemparam",
    "account2project",
    "affiliate",
    "affiliatereward",
    "expense",
    "payment",
];

fn run_fixtures(url: &str, seed: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_billmigrate-fixtures"))
        .args([
            "--url",
            url,
            "--accounts",
            ACCOUNTS,
            "--seed",
            seed,
            "--today",
            TODAY,
            "--quiet",
        ])
        .env_remove("BILLMIGRATE_LEGACY_URL")
        .output()
        .expect("run billmigrate-fixtures")
}

fn generate(dbs: &TestDbs, seed: &str) {
    let out = run_fixtures(&dbs.legacy_url(), seed);
    assert!(
        out.status.success(),
        "billmigrate-fixtures failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "--quiet printed something"
    );
}

/// SHA-256 of every legacy table's rows in primary-key order, with the row count per table.
async fn digest(dbs: &TestDbs) -> Vec<(String, u64, String)> {
    let mut conn = dbs.mysql().await;
    conn.query_drop("SET SESSION sql_mode=''").await.unwrap();
    let mut out = Vec::new();
    for t in TABLES {
        let rows: Vec<mysql_async::Row> = conn
            .query(format!("SELECT * FROM `{t}` ORDER BY 1, 2"))
            .await
            .unwrap();
        let mut h = Sha256::new();
        for row in &rows {
            for v in row.clone().unwrap() {
                h.update(v.as_sql(false).as_bytes());
                h.update([0x1f]);
            }
            h.update([0x1e]);
        }
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        out.push((t.to_string(), rows.len() as u64, hex));
    }
    conn.disconnect().await.ok();
    out
}

#[tokio::test]
async fn same_seed_and_today_give_identical_data_and_another_seed_differs() {
    let a = TestDbs::new("fixtures_det_a").await;
    let b = TestDbs::new("fixtures_det_b").await;
    let c = TestDbs::new("fixtures_det_c").await;
    generate(&a, "7");
    generate(&b, "7");
    generate(&c, "8");
    let (da, db, dc) = (digest(&a).await, digest(&b).await, digest(&c).await);
    assert_eq!(da, db, "same seed and --today must give identical data");
    for t in ["account", "user", "item", "subaccount", "expense"] {
        let x = da.iter().find(|r| r.0 == t).unwrap();
        let y = dc.iter().find(|r| r.0 == t).unwrap();
        assert_ne!(x.2, y.2, "table {t} is the same for seeds 7 and 8");
    }
    // Regenerating into a database that already has the legacy tables replaces them.
    generate(&a, "7");
    assert_eq!(
        digest(&a).await,
        db,
        "a second run into the same database must give the same data"
    );
}

#[tokio::test]
async fn generated_data_has_every_awkward_case() {
    let dbs = TestDbs::new("fixtures_cases").await;
    generate(&dbs, "1");
    let checks: &[(&str, &str)] = &[
        ("accounts", "SELECT COUNT(*) = 300 FROM account"),
        (
            "every account has an account2project row with its project",
            "SELECT COUNT(*) = 300 FROM account a JOIN account2project p ON p.account = a.id AND p.project = a.project",
        ),
        (
            "project 2 accounts",
            "SELECT COUNT(*) FROM account WHERE project = 2",
        ),
        (
            "zero registration dates",
            "SELECT COUNT(*) FROM account WHERE registration_date = '0000-00-00 00:00:00'",
        ),
        (
            "NULL registration dates",
            "SELECT COUNT(*) FROM account WHERE registration_date IS NULL",
        ),
        (
            "zero user dates",
            "SELECT COUNT(*) FROM `user` WHERE createdate = '0000-00-00 00:00:00'",
        ),
        (
            "NULL user dates",
            "SELECT COUNT(*) FROM `user` WHERE createdate IS NULL",
        ),
        (
            "zero / NULL payer dates",
            "SELECT SUM(createdate IS NULL) > 0 AND SUM(createdate = '0000-00-00 00:00:00') > 0 FROM profile",
        ),
        (
            "zero / NULL service dates",
            "SELECT SUM(createdate IS NULL) > 0 AND SUM(createdate = '0000-00-00 00:00:00') > 0 FROM item",
        ),
        (
            "disabled users",
            "SELECT COUNT(*) FROM `user` WHERE level = 16 AND (enabled IS NULL OR enabled <> 'on')",
        ),
        (
            "users without full access",
            "SELECT COUNT(*) FROM `user` WHERE level = 16 AND enabled = 'on' AND (superuser IS NULL OR superuser <> 'on')",
        ),
        (
            "staff users",
            "SELECT COUNT(*) FROM `user` WHERE level IN (28, 29)",
        ),
        (
            "invalid emails",
            "SELECT COUNT(*) FROM `user` WHERE email IS NULL OR email = '' OR email NOT LIKE '%_@_%._%' OR TRIM(email) LIKE '% %'",
        ),
        (
            "padded / upper-case emails",
            "SELECT COUNT(*) FROM `user` WHERE email <> TRIM(email) OR BINARY email <> BINARY LOWER(email)",
        ),
        (
            "duplicate emails within an account",
            "SELECT COUNT(*) FROM (SELECT account FROM `user` WHERE level = 16 AND email LIKE '%@%' GROUP BY account, LOWER(TRIM(email)) HAVING COUNT(*) > 1) d",
        ),
        (
            "one owner email on several accounts",
            "SELECT COUNT(*) FROM (SELECT LOWER(TRIM(email)) FROM `user` WHERE level = 16 GROUP BY 1 HAVING COUNT(DISTINCT account) > 1) d",
        ),
        (
            "accounts with no active full-access user",
            "SELECT COUNT(*) FROM account a WHERE NOT EXISTS (SELECT 1 FROM `user` u WHERE u.account = a.id AND u.level = 16 AND u.enabled = 'on' AND u.superuser = 'on')",
        ),
        (
            "nomigrate marks",
            "SELECT COUNT(*) FROM profile WHERE nomigrate = 'on'",
        ),
        (
            "accounts with several payers",
            "SELECT COUNT(*) FROM (SELECT account FROM profile GROUP BY account HAVING COUNT(*) > 1) d",
        ),
        (
            "accounts without payer",
            "SELECT COUNT(*) FROM account a WHERE NOT EXISTS (SELECT 1 FROM profile p WHERE p.account = a.id)",
        ),
        (
            "invalid profile types 0, 7 and NULL",
            "SELECT SUM(profiletype = 0) > 0 AND SUM(profiletype = 7) > 0 AND SUM(profiletype IS NULL) > 0 FROM profile",
        ),
        (
            "multi-currency accounts",
            "SELECT COUNT(*) FROM (SELECT account FROM subaccount GROUP BY account HAVING COUNT(DISTINCT currency) > 1) d",
        ),
        (
            "USD and EUR subaccounts",
            "SELECT SUM(currency = 2) > 0 AND SUM(currency = 3) > 0 FROM subaccount",
        ),
        (
            "negative balances",
            "SELECT COUNT(*) FROM subaccount WHERE balance < 0",
        ),
        (
            "RUB subaccounts (no rate)",
            "SELECT COUNT(*) FROM subaccount WHERE currency = 4 AND balance <> 0",
        ),
        (
            "subaccounts with a missing currency",
            "SELECT COUNT(*) FROM subaccount WHERE currency NOT IN (SELECT id FROM currency)",
        ),
        (
            "accounts without subaccount",
            "SELECT COUNT(*) FROM account a WHERE NOT EXISTS (SELECT 1 FROM subaccount s WHERE s.account = a.id)",
        ),
        (
            "every service status 1-5",
            "SELECT COUNT(DISTINCT status) = 5 FROM item WHERE status BETWEEN 1 AND 5",
        ),
        (
            "deleted services",
            "SELECT COUNT(*) FROM item WHERE status = 4",
        ),
        (
            "services with status 0 / NULL",
            "SELECT SUM(status = 0) > 0 AND SUM(status IS NULL) > 0 FROM item",
        ),
        (
            "domain item parameters",
            "SELECT COUNT(*) FROM itemparam WHERE intname = 'domain'",
        ),
        (
            "add-ons under a main service of the same account",
            "SELECT COUNT(*) FROM item a JOIN item p ON p.id = a.parent AND p.account = a.account WHERE a.pricelist IN (801, 802)",
        ),
        (
            "add-ons with a missing parent",
            "SELECT COUNT(*) FROM item a WHERE a.parent IS NOT NULL AND NOT EXISTS (SELECT 1 FROM item p WHERE p.id = a.parent)",
        ),
        (
            "add-ons with a parent in another account",
            "SELECT COUNT(*) FROM item a JOIN item p ON p.id = a.parent WHERE p.account <> a.account",
        ),
        (
            "unmapped tariffs 901 / 902",
            "SELECT COUNT(*) FROM item WHERE pricelist IN (901, 902)",
        ),
        (
            "tariff ids without pricelist row",
            "SELECT COUNT(*) FROM item WHERE pricelist NOT IN (SELECT id FROM pricelist)",
        ),
        (
            "orphan users",
            "SELECT COUNT(*) FROM `user` u WHERE NOT EXISTS (SELECT 1 FROM account a WHERE a.id = u.account)",
        ),
        (
            "orphan services",
            "SELECT COUNT(*) FROM item i WHERE NOT EXISTS (SELECT 1 FROM account a WHERE a.id = i.account)",
        ),
        (
            "orphan subaccounts",
            "SELECT COUNT(*) FROM subaccount s WHERE NOT EXISTS (SELECT 1 FROM account a WHERE a.id = s.account)",
        ),
        (
            "partners",
            "SELECT COUNT(*) FROM account2project WHERE affiliate IN (1, 2)",
        ),
        (
            "referrals of partners",
            "SELECT COUNT(*) FROM account2project r JOIN account2project p ON p.account = r.affiliatereferer AND p.affiliate IS NOT NULL",
        ),
        (
            "paid rewards",
            "SELECT COUNT(*) FROM affiliatereward WHERE paid = 'on'",
        ),
        (
            "unpaid rewards",
            "SELECT COUNT(*) FROM affiliatereward WHERE paid IS NULL OR paid <> 'on'",
        ),
        (
            "this month's expenses of referred accounts",
            "SELECT COUNT(*) FROM expense e JOIN subaccount s ON s.id = e.subaccount JOIN account2project r ON r.account = s.account AND r.affiliatereferer IS NOT NULL WHERE e.cdate >= '2025-03-01 00:00:00' AND e.cdate <= '2025-03-15 00:00:00'",
        ),
        ("payments", "SELECT COUNT(*) FROM payment"),
        (
            "non-ASCII (Cyrillic) names",
            "SELECT COUNT(*) FROM account WHERE CHAR_LENGTH(name) <> LENGTH(name)",
        ),
        (
            "nothing created after --today",
            "SELECT (SELECT COUNT(*) FROM expense WHERE cdate > '2025-03-15 00:00:00') \
             + (SELECT COUNT(*) FROM `user` WHERE createdate > '2025-03-15 00:00:00') \
             + (SELECT COUNT(*) FROM profile WHERE createdate > '2025-03-15 00:00:00') \
             + (SELECT COUNT(*) FROM account WHERE registration_date > '2025-03-15 00:00:00') \
             + (SELECT COUNT(*) FROM item WHERE createdate > '2025-03-15 00:00:00' OR opendate > '2025-03-15 00:00:00') \
             + (SELECT COUNT(*) FROM affiliatereward WHERE cdate > '2025-03-15 00:00:00') \
             + (SELECT COUNT(*) FROM payment WHERE paydate > '2025-03-15 00:00:00') = 0",
        ),
        (
            "child rows reference existing parents",
            "SELECT (SELECT COUNT(*) FROM itemparam p WHERE NOT EXISTS (SELECT 1 FROM item i WHERE i.id = p.item)) + (SELECT COUNT(*) FROM expense e WHERE NOT EXISTS (SELECT 1 FROM subaccount s WHERE s.id = e.subaccount)) = 0",
        ),
    ];
    let mut missing = Vec::new();
    for (what, sql) in checks {
        if dbs.legacy_i64(sql).await <= 0 {
            missing.push(*what);
        }
    }
    assert!(missing.is_empty(), "generated data lacks: {missing:?}");
    let rows = {
        let mut n = 0;
        for t in TABLES {
            n += dbs.legacy_i64(&format!("SELECT COUNT(*) FROM `{t}`")).await;
        }
        n
    };
    assert!(
        (8 * 300..=13 * 300).contains(&rows),
        "{rows} rows for 300 accounts"
    );
}

#[tokio::test]
async fn bad_url_exits_2_with_the_error_chain() {
    let out = Command::new(env!("CARGO_BIN_EXE_billmigrate-fixtures"))
        .args([
            "--url",
            "mysql://root@127.0.0.1:1/nothing_here",
            "--accounts",
            "10",
            "--quiet",
        ])
        .output()
        .expect("run billmigrate-fixtures");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect") && err.contains("127.0.0.1:1"),
        "{err}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_billmigrate-fixtures"))
        .args(["--url", "mysql://root@127.0.0.1:3306", "--accounts", "10"])
        .output()
        .expect("run billmigrate-fixtures");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("names no database"));
}

/// Writers load disjoint chunks, yet InnoDB can still pick one as a deadlock victim (CI saw
/// it once). Here a heavy transaction and a chunk take each other's rows; the chunk, being
/// lighter, is the victim and must be written again whole once the other side gives way.
#[tokio::test]
async fn a_chunk_picked_as_deadlock_victim_is_written_again_whole() {
    let dbs = TestDbs::new("deadlock").await;
    let mut other = dbs.mysql().await;
    other
        .query_drop("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB")
        .await
        .unwrap();
    other.query_drop("START TRANSACTION").await.unwrap();
    other.query_drop("INSERT INTO t VALUES (1)").await.unwrap();
    let heavy: Vec<String> = (100..400).map(|i| format!("({i})")).collect();
    other
        .query_drop(format!("INSERT INTO t VALUES {}", heavy.join(",")))
        .await
        .unwrap();

    let mut writer = dbs.mysql().await;
    let writer_id = writer.id();
    let chunk = tokio::spawn(async move {
        let sql = ["INSERT INTO t VALUES (2)", "INSERT INTO t VALUES (1)"].map(String::from);
        billmigrate::fixtures_gen::write_chunk(&mut writer, 7, &sql).await
    });
    let mut watch = dbs.mysql().await;
    let mut waited = 0;
    loop {
        // The writer's own transaction: other tests may be waiting on locks meanwhile.
        let waiting: Option<i64> = watch
            .exec_first(
                "SELECT COUNT(*) FROM information_schema.innodb_trx
                 WHERE trx_state = 'LOCK WAIT' AND trx_mysql_thread_id = ?",
                (writer_id,),
            )
            .await
            .unwrap();
        if waiting == Some(1) {
            break;
        }
        waited += 1;
        assert!(waited < 200, "the chunk never waited for row 1");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Row 2 is the chunk's: a deadlock, and InnoDB rolls back the lighter transaction. That
    // this insert succeeds at all shows the chunk's first attempt was undone.
    other
        .query_drop("INSERT INTO t VALUES (2)")
        .await
        .expect("the heavy transaction survives the deadlock");
    other.query_drop("ROLLBACK").await.unwrap();

    chunk
        .await
        .unwrap()
        .expect("the chunk is retried after the deadlock");
    let ids: Vec<i64> = watch.query("SELECT id FROM t ORDER BY id").await.unwrap();
    assert_eq!(ids, vec![1, 2]);
}
