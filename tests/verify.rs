//! `verify`: clean after `migrate`; each kind of difference, caused by one targeted change
//! in the legacy or the target database, is reported with the right check and kind and
//! nothing else; the cutoff warning; read-only on both sides; a target connection lost
//! mid-run costs a read again, not the run.

mod common;

use std::collections::BTreeSet;

use common::snapshot::snapshot;
use common::{TestDbs, code, read, select_only_user, text};
use mysql_async::prelude::Queryable;

type Row = (i64, String, String);

/// differences.csv's rows, in file order.
fn difference_rows(dir: &std::path::Path) -> Vec<Row> {
    let mut r = csv::Reader::from_path(dir.join("differences.csv")).unwrap();
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["legacy_account_id", "check", "kind", "expected", "actual"]
    );
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (x[0].parse().unwrap(), x[1].to_owned(), x[2].to_owned())
        })
        .collect()
}

fn differences(dir: &std::path::Path) -> BTreeSet<Row> {
    difference_rows(dir).into_iter().collect()
}

fn row(id: i64, check: &str, kind: &str) -> Row {
    (id, check.to_owned(), kind.to_owned())
}

#[tokio::test]
async fn verify_reports_each_kind_of_difference_and_nothing_else() {
    let dbs = TestDbs::new("verify").await;
    dbs.load_fixtures(&[
        "01_simple_account",
        "06_other_users",
        "08_payers",
        "16_addons",
        "17_carried_fields",
    ])
    .await;
    assert_eq!(code(&dbs.billmigrate(&["setup"])), 0);
    let out = dbs.billmigrate(&["migrate", "--quiet"]);
    assert!(code(&out) <= 1, "{}", text(&out));

    let ro_url = select_only_user(&dbs).await;
    let out_dir = tempfile::tempdir().unwrap();
    let dir = out_dir.path().join("verify");
    let verify = |extra: &[(&str, &str)]| {
        let mut env = vec![("BILLMIGRATE_LEGACY_URL", ro_url.as_str())];
        env.extend_from_slice(extra);
        dbs.billmigrate_env(&["verify", "--out", dir.to_str().unwrap()], &env)
    };
    let mut pg = dbs.pg().await;
    let before = snapshot(&mut pg).await;
    let out = verify(&[]);
    assert_eq!(code(&out), 0, "clean after migrate: {}", text(&out));
    assert!(differences(&dir).is_empty());
    assert_eq!(
        snapshot(&mut pg).await,
        before,
        "verify wrote to the target"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&read(&dir.join("summary.json"))).unwrap();
    assert!(summary["accounts_checked"].as_u64().unwrap() >= 5);

    let mut want = BTreeSet::new();
    let mut my = dbs.mysql().await;
    let mut step = |change: &str, new: Row| {
        want.insert(new);
        let out = verify(&[]);
        assert_eq!(code(&out), 1, "{change}: {}", text(&out));
        assert_eq!(differences(&dir), want, "after: {change}");
    };

    // A payment in the old billing after the move.
    my.query_drop("UPDATE subaccount SET balance = balance + 25 WHERE account = 101")
        .await
        .unwrap();
    step("legacy payment", row(101, "balance", "legacy_changed"));
    let q = |sql: &'static str| sqlx::query(sql);
    q("UPDATE billing.services SET price = price + 1 WHERE legacy_item_id = (SELECT min(s.legacy_item_id) FROM billing.services s JOIN billing.clients c ON c.id = s.client_id WHERE c.legacy_account_id = 1601)").execute(&mut pg).await.unwrap();
    step("target price edited", row(1601, "services", "mismatch"));
    q("DELETE FROM migration.outbox WHERE invitation_id IN (SELECT i.id FROM billing.invitations i JOIN billing.clients c ON c.id = i.client_id WHERE c.legacy_account_id = 601)").execute(&mut pg).await.unwrap();
    q("DELETE FROM billing.invitations WHERE client_id = (SELECT id FROM billing.clients WHERE legacy_account_id = 601)").execute(&mut pg).await.unwrap();
    step(
        "invitations deleted",
        row(601, "invitations", "missing_in_target"),
    );
    q("INSERT INTO billing.services (client_id, legacy_item_id, category, priority, seq, product_code, label, status, price)
       SELECT id, 99999901, 'other', 7, 999, 'x', 'stray', 'active', 1 FROM billing.clients WHERE legacy_account_id = 1701").execute(&mut pg).await.unwrap();
    step(
        "stray service",
        row(1701, "services", "unexpected_in_target"),
    );
    q("UPDATE billing.payers SET name = name || ' (edited)' WHERE client_id = (SELECT id FROM billing.clients WHERE legacy_account_id = 801)").execute(&mut pg).await.unwrap();
    step("payer edited", row(801, "payer", "mismatch"));
    q("DELETE FROM billing.memberships WHERE client_id = (SELECT id FROM billing.clients WHERE legacy_account_id = 802)").execute(&mut pg).await.unwrap();
    step(
        "owner membership deleted",
        row(802, "owner", "missing_in_target"),
    );
    // The owner's email is read with its membership (one join): an edited address shows.
    q("UPDATE billing.users SET email = 'edited.owner@example.com' WHERE id = (SELECT m.user_id FROM billing.memberships m JOIN billing.clients c ON c.id = m.client_id WHERE c.legacy_account_id = 602 AND m.role = 'owner')").execute(&mut pg).await.unwrap();
    step("owner email edited", row(602, "owner", "mismatch"));
    q("INSERT INTO billing.clients (legacy_account_id, name, currency) VALUES (4242, 'no ledger row', 'UAH')").execute(&mut pg).await.unwrap();
    step(
        "client without a ledger row",
        row(4242, "client", "unexpected_in_target"),
    );
    // The owner's address broke after the move: the rules hold the account today, which
    // verify says once, with the hold reason, instead of once per check.
    my.query_drop("UPDATE user SET email = 'no address' WHERE id = 16101")
        .await
        .unwrap();
    step(
        "now held by the rules",
        row(1602, "client", "legacy_changed"),
    );
    my.query_drop("DELETE FROM account WHERE id = 803")
        .await
        .unwrap();
    step(
        "legacy account deleted",
        row(803, "client", "legacy_changed"),
    );
    my.disconnect().await.unwrap();

    let out = verify(&[("BILLMIGRATE_CUTOFF", "2023-02-09")]);
    assert!(
        text(&out).contains("THE CUTOFF DATE 2023-02-09 HAS PASSED"),
        "{}",
        text(&out)
    );
    assert_eq!(code(&out), 1, "verify still runs after the cutoff");
    let out = verify(&[("BILLMIGRATE_CUTOFF", "2999-12-31")]);
    assert!(!text(&out).contains("HAS PASSED"), "{}", text(&out));
    common::drop_mysql_user(&ro_url).await;
}

/// Verify checks a chunk while the planner decides the next: over several chunks, every
/// account is counted once, and differences come out in account order, the last chunk's too.
#[tokio::test]
async fn differences_over_several_chunks_are_all_reported_in_account_order() {
    let dbs = common::faults::generated("verifychunks").await;
    let out = dbs.billmigrate(&["migrate", "--quiet"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    let mut pg = dbs.pg().await;
    let migrated: Vec<i64> = sqlx::query_scalar(
        "SELECT legacy_account_id FROM migration.accounts WHERE status = 'migrated' ORDER BY 1",
    )
    .fetch_all(&mut pg)
    .await
    .unwrap();
    // verify reads 2,000 accounts a chunk; the 3,000 generated ones make two.
    let later = *migrated
        .iter()
        .find(|id| **id > 2000)
        .expect("a second chunk");
    let (first, last) = (migrated[0], *migrated.last().unwrap());
    assert!(last > 2000 && later < last, "{migrated:?}");
    // Changed in reverse order, so that no physical row order can stand in for account order.
    for id in [last, later, first] {
        sqlx::query(
            "UPDATE billing.clients SET name = name || ' (edited)' WHERE legacy_account_id = $1",
        )
        .bind(id)
        .execute(&mut pg)
        .await
        .unwrap();
    }

    let ro_url = select_only_user(&dbs).await;
    let out_dir = tempfile::tempdir().unwrap();
    let dir = out_dir.path().join("verify");
    let out = dbs.billmigrate_env(
        &["verify", "--quiet", "--out", dir.to_str().unwrap()],
        &[("BILLMIGRATE_LEGACY_URL", ro_url.as_str())],
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    let mismatch = |id| row(id, "client", "mismatch");
    assert_eq!(
        difference_rows(&dir),
        vec![mismatch(first), mismatch(later), mismatch(last)]
    );
    let summary: serde_json::Value =
        serde_json::from_str(&read(&dir.join("summary.json"))).unwrap();
    assert_eq!(summary["accounts_checked"], migrated.len() as u64);
    common::drop_mysql_user(&ro_url).await;
}

/// verify type-checks the target's columns on the first row of each result only
/// (docs/decisions.md): a column retyped under the tool must still stop verify with an
/// error naming the types, not be read wrongly — also when the first row holds NULL there.
/// Read unchecked, a `bool` from the text `'false'` comes out `true`, and text from a
/// `bytea` column comes out as the same text.
#[tokio::test]
async fn a_target_column_of_another_type_is_an_error_not_a_misread() {
    let dbs = TestDbs::new("verifytypes").await;
    dbs.load_fixture("08_payers").await;
    assert_eq!(code(&dbs.billmigrate(&["setup"])), 0);
    let out = dbs.billmigrate(&["migrate", "--quiet"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    let mut pg = dbs.pg().await;
    let payers: i64 = sqlx::query_scalar("SELECT count(*) FROM billing.payers")
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert!(
        payers >= 2,
        "rows after the first are read unchecked: {payers}"
    );

    let out_dir = tempfile::tempdir().unwrap();
    let dir = out_dir.path().join("verify");
    let verify = || dbs.billmigrate(&["verify", "--out", dir.to_str().unwrap()]);
    let out = verify();
    assert_eq!(code(&out), 0, "clean before the change: {}", text(&out));

    let cases = [
        (
            "ALTER TABLE billing.payers ALTER COLUMN vat_payer TYPE text USING vat_payer::text",
            "ALTER TABLE billing.payers ALTER COLUMN vat_payer TYPE boolean USING vat_payer::boolean",
            "`TEXT`",
        ),
        (
            // NULL in every row but the last client's: the first row has nothing to check.
            "UPDATE billing.payers SET person = CASE WHEN client_id = (SELECT max(client_id) FROM billing.payers) THEN 'Тест' END;
             ALTER TABLE billing.payers ALTER COLUMN person TYPE bytea USING convert_to(person, 'UTF8')",
            "",
            "`BYTEA`",
        ),
    ];
    for (change, undo, named) in cases {
        sqlx::raw_sql(change).execute(&mut pg).await.unwrap();
        let out = verify();
        assert!(
            code(&out) > 1,
            "verify must fail after {change}: {}",
            text(&out)
        );
        let wanted = format!("is not compatible with SQL type {named}");
        assert!(text(&out).contains(&wanted), "{}", text(&out));
        if !undo.is_empty() {
            sqlx::raw_sql(undo).execute(&mut pg).await.unwrap();
        }
    }
}

/// verify reads a chunk's target rows by a range of client ids when the clients of the
/// chunk's account range fill it, and by their list when a client of an account outside
/// that range lies between them (docs/decisions.md). Here account 1602's client, migrated
/// in a run of its own, sits between the clients of accounts 101–1601, and verify checks
/// 1–1601: a clean verify stays clean, and a change to each table read by client is found.
#[tokio::test]
async fn a_chunk_whose_clients_are_not_one_run_of_ids_is_checked_all_the_same() {
    let dbs = TestDbs::new("verifygaps").await;
    dbs.load_fixtures(&[
        "01_simple_account",
        "06_other_users",
        "08_payers",
        "16_addons",
    ])
    .await;
    assert_eq!(code(&dbs.billmigrate(&["setup"])), 0);
    let checked = "1-1601";
    for scope in ["101", "1602", checked] {
        let out = dbs.billmigrate(&["migrate", "--quiet", "--accounts", scope]);
        assert!(code(&out) <= 1, "{scope}: {}", text(&out));
    }
    let mut pg = dbs.pg().await;
    // What verify's one chunk reads the clients of: the legacy range of the checked accounts.
    let (clients, low, high): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), min(id), max(id) FROM billing.clients WHERE legacy_account_id BETWEEN 1 AND 1601",
    )
    .fetch_one(&mut pg)
    .await
    .unwrap();
    assert!(
        clients >= 5 && high - low + 1 > clients,
        "a gap: {clients} in {low}..={high}"
    );

    let out_dir = tempfile::tempdir().unwrap();
    let dir = out_dir.path().join("verify");
    let verify = || {
        let dir = dir.to_str().unwrap();
        dbs.billmigrate(&["verify", "--accounts", checked, "--out", dir])
    };
    let out = verify();
    assert_eq!(code(&out), 0, "clean after migrate: {}", text(&out));
    assert!(differences(&dir).is_empty());

    let client_of = "(SELECT id FROM billing.clients WHERE legacy_account_id = $1)";
    let changes = [
        (
            "UPDATE billing.payers SET name = name || ' (edited)' WHERE client_id = ",
            801,
            "payer",
            "mismatch",
        ),
        (
            "DELETE FROM billing.memberships WHERE client_id = ",
            802,
            "owner",
            "missing_in_target",
        ),
        (
            "UPDATE billing.ledger_entries SET amount = amount + 1 WHERE kind = 'opening_balance' AND client_id = ",
            101,
            "balance",
            "mismatch",
        ),
        (
            "UPDATE billing.services SET label = label || ' (edited)' WHERE client_id = ",
            1601,
            "services",
            "mismatch",
        ),
        (
            "UPDATE billing.invitations SET permissions = '{}' WHERE client_id = ",
            601,
            "invitations",
            "mismatch",
        ),
    ];
    let mut want = BTreeSet::new();
    for (change, account, check, kind) in changes {
        let done = sqlx::query(sqlx::AssertSqlSafe(format!("{change}{client_of}")))
            .bind(account)
            .execute(&mut pg)
            .await
            .unwrap();
        assert!(done.rows_affected() > 0, "{change}{account}");
        want.insert(row(account, check, kind));
    }
    let out = verify();
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert_eq!(differences(&dir), want);
}

#[tokio::test]
async fn a_target_read_killed_mid_verify_is_read_again() {
    let dbs = common::faults::generated("verifykill").await;
    let out = dbs.billmigrate(&["migrate", "--quiet"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    let out_dir = tempfile::tempdir().unwrap();
    // The chunks' reads of the services wait on the held table and are killed there (the
    // second chunk's check may be waiting beside the first's).
    let (killed, out) = common::faults::kill_the_waiter(
        &dbs,
        "LOCK TABLE billing.services IN ACCESS EXCLUSIVE MODE",
        "SELECT client_id, legacy_item_id, id, parent_id%",
        &[
            "verify",
            "--quiet",
            "--out",
            out_dir.path().to_str().unwrap(),
        ],
    )
    .await;
    assert!(killed >= 1, "verify never read the held table");
    assert_eq!(
        code(&out),
        0,
        "a killed target read must be read again, and a clean migration verify clean: {}",
        text(&out)
    );
    assert!(difference_rows(out_dir.path()).is_empty());
    let migrated: i64 =
        sqlx::query_scalar("SELECT count(*) FROM migration.accounts WHERE status = 'migrated'")
            .fetch_one(&mut dbs.pg().await)
            .await
            .unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&read(&out_dir.path().join("summary.json"))).unwrap();
    assert_eq!(
        summary["accounts_checked"], migrated,
        "every migrated account checked once"
    );
}
