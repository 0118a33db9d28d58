//! `migrate` on the hand-written fixtures: what lands in the target matches the plan, a
//! re-run changes nothing, phases add only their categories, the conservation guard holds a
//! skewed account back, and the legacy side is only ever read.

mod common;

use common::snapshot::{diff, snapshot};
use common::{TestDbs, code, read, repo, select_only_user, text};

/// Every fixture loaded into one legacy database (they use disjoint id blocks).
async fn all_fixtures(tag: &str) -> TestDbs {
    let dbs = TestDbs::new(tag).await;
    dbs.load_legacy_schema().await;
    let mut names: Vec<_> = std::fs::read_dir(repo().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    names.sort();
    for path in names {
        dbs.load_legacy_sql(&read(&path)).await;
    }
    let out = dbs.billmigrate(&["setup"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    dbs
}

async fn scalar(dbs: &TestDbs, sql: &'static str) -> i64 {
    let mut pg = dbs.pg().await;
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&mut pg)
        .await
        .unwrap()
}

#[tokio::test]
async fn migrate_writes_what_plan_decides_and_a_rerun_changes_nothing() {
    let dbs = all_fixtures("migrate").await;
    let plan_dir = tempfile::tempdir().unwrap();
    let out = dbs.billmigrate(&[
        "plan",
        "--quiet",
        "--out",
        plan_dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let accounts = read(&plan_dir.path().join("accounts.csv"));
    let mut reader = csv::Reader::from_reader(accounts.as_bytes());
    let (mut migrate, mut hold, mut invitations, mut services) = (0i64, 0i64, 0i64, 0i64);
    for row in reader.records() {
        let row = row.unwrap();
        if &row[1] == "migrate" {
            migrate += 1;
            invitations += row[5].parse::<i64>().unwrap();
            services += row[9].parse::<i64>().unwrap();
        } else {
            hold += 1;
        }
    }

    let ro_url = select_only_user(&dbs).await;
    let out = dbs.billmigrate_env(
        &["migrate", "--quiet", "--batch-size", "7"],
        &[("BILLMIGRATE_LEGACY_URL", &ro_url)],
    );
    assert_eq!(code(&out), 1, "held accounts → exit 1: {}", text(&out));
    assert_eq!(
        scalar(&dbs, "SELECT count(*) FROM billing.clients").await,
        migrate
    );
    assert_eq!(
        scalar(
            &dbs,
            "SELECT count(*) FROM migration.accounts WHERE status = 'held' AND client_id IS NULL"
        )
        .await,
        hold
    );
    assert_eq!(
        scalar(&dbs, "SELECT count(*) FROM billing.invitations").await,
        invitations
    );
    assert_eq!(
        scalar(&dbs, "SELECT count(*) FROM billing.services").await,
        services
    );
    assert_eq!(
        scalar(
            &dbs,
            "SELECT count(*) FROM billing.memberships WHERE role = 'owner'"
        )
        .await,
        migrate
    );
    assert_eq!(
        scalar(
            &dbs,
            "SELECT count(*) FROM billing.clients WHERE vat_invoices_enabled"
        )
        .await,
        0,
        "R3.6"
    );
    assert_eq!(
        scalar(
            &dbs,
            "SELECT count(*) FROM billing.users WHERE password_hash IS NOT NULL"
        )
        .await,
        0,
        "R1.6"
    );
    // R1.5: one person owning two accounts is one user with two owner memberships.
    assert_eq!(
        scalar(&dbs, "SELECT count(*) FROM billing.memberships m JOIN billing.users u ON u.id = m.user_id WHERE u.email = (SELECT u2.email FROM billing.users u2 JOIN billing.memberships m2 ON m2.user_id = u2.id GROUP BY u2.email HAVING count(*) > 1 ORDER BY u2.email LIMIT 1)").await,
        2
    );
    // R4: the ledger holds exactly the plan's opening balances.
    let summary: serde_json::Value =
        serde_json::from_str(&read(&plan_dir.path().join("summary.json"))).unwrap();
    let mut pg = dbs.pg().await;
    let sums: Vec<(String, String)> = sqlx::query_as("SELECT currency::text, to_char(sum(amount), 'FM999999999990.00') FROM billing.ledger_entries GROUP BY currency")
        .fetch_all(&mut pg)
        .await
        .unwrap();
    for (currency, sum) in &sums {
        assert_eq!(
            summary["opening_balance"][currency].as_str(),
            Some(sum.as_str()),
            "{currency}"
        );
    }
    // R5.5: every migrated add-on hangs under its migrated parent, and nothing else does.
    let pairs: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT s.legacy_item_id, p.legacy_item_id FROM billing.services s LEFT JOIN billing.services p ON p.id = s.parent_id",
    )
    .fetch_all(&mut pg)
    .await
    .unwrap();
    let mut my = dbs.mysql().await;
    use mysql_async::prelude::Queryable;
    let mut addons = 0;
    for (item, parent) in &pairs {
        let legacy_parent: Option<Option<i64>> = my
            .exec_first("SELECT parent FROM item WHERE id = ?", (item,))
            .await
            .unwrap();
        assert_eq!(legacy_parent.flatten(), *parent, "item {item}");
        addons += i32::from(parent.is_some());
    }
    assert!(addons >= 3, "the fixtures migrate add-ons");
    my.disconnect().await.unwrap();
    // Legacy passwords never reach the target.
    let leaked: i64 = sqlx::query_scalar("SELECT count(*) FROM billing.users WHERE coalesce(password_hash, '') LIKE '%LEGACYHASH%' OR coalesce(name, '') LIKE '%LEGACYHASH%'")
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(leaked, 0);

    let before = snapshot(&mut pg).await;
    let again = dbs.billmigrate_env(
        &["migrate", "--quiet"],
        &[("BILLMIGRATE_LEGACY_URL", &ro_url)],
    );
    assert_eq!(code(&again), 1, "{}", text(&again));
    assert!(
        text(&again).contains("migrated now:        0"),
        "{}",
        text(&again)
    );
    let after = snapshot(&mut pg).await;
    assert_eq!(
        before,
        after,
        "a re-run changed the target:\n{}",
        diff(&before, &after)
    );
    let runs: Vec<String> = sqlx::query_scalar("SELECT status FROM migration.runs ORDER BY id")
        .fetch_all(&mut pg)
        .await
        .unwrap();
    assert_eq!(runs, ["succeeded", "succeeded"]);

    let status = dbs.billmigrate(&["status", "--json"]);
    let json: serde_json::Value =
        serde_json::from_slice(&status.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&status)));
    assert_eq!(json["migrated"], migrate);
    assert_eq!(json["held"], hold);
    assert_eq!(json["not_yet_seen"], 0);
    assert_eq!(code(&status), 1, "held accounts need a person");
    common::drop_mysql_user(&ro_url).await;
}

#[tokio::test]
async fn phases_add_only_their_categories_and_end_like_one_full_run() {
    let phased = all_fixtures("phased").await;
    let full = all_fixtures("full").await;
    assert!(code(&full.billmigrate(&["migrate", "--quiet"])) <= 1);

    let out = phased.billmigrate(&["migrate", "--quiet", "--categories", "hosting"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    assert_eq!(
        scalar(
            &phased,
            "SELECT count(*) FROM billing.services WHERE category <> 'hosting'"
        )
        .await,
        0
    );
    assert!(scalar(&phased, "SELECT count(*) FROM billing.services").await > 0);
    let clients = scalar(&phased, "SELECT count(*) FROM billing.clients").await;

    let out = phased.billmigrate(&["migrate", "--quiet", "--categories", "domain,ssl"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    assert_eq!(scalar(&phased, "SELECT count(*) FROM billing.services WHERE category NOT IN ('hosting', 'domain', 'ssl')").await, 0);
    assert_eq!(
        scalar(&phased, "SELECT count(*) FROM billing.clients").await,
        clients,
        "a phase adds services only"
    );
    let services = scalar(&phased, "SELECT count(*) FROM billing.services").await;
    let out = phased.billmigrate(&["migrate", "--quiet", "--categories", "domain,ssl"]);
    assert!(code(&out) <= 1);
    assert_eq!(
        scalar(&phased, "SELECT count(*) FROM billing.services").await,
        services,
        "re-running a phase adds nothing"
    );

    let out = phased.billmigrate(&["migrate", "--quiet"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    let (a, b) = (
        snapshot(&mut phased.pg().await).await,
        snapshot(&mut full.pg().await).await,
    );
    // Categories recorded differ only in order of arrival; everything else must be equal.
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("accounts: "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&a), strip(&b), "phased ≠ full:\n{}", diff(&a, &b));

    let bad = phased.billmigrate(&["migrate", "--categories", "hosting,cloud"]);
    assert_eq!(code(&bad), 2);
    assert!(
        text(&bad).contains("unknown category \"cloud\""),
        "{}",
        text(&bad)
    );
}

#[tokio::test]
async fn conservation_guard_holds_a_skewed_account_and_writes_nothing_of_it() {
    let dbs = all_fixtures("conserve").await;
    // The fault lives in the target, not in the tool: a trigger adds a cent to account
    // 1001's opening entry as it is written, and the guard must see it in what it reads back.
    let mut pg = dbs.pg().await;
    sqlx::raw_sql(
        "CREATE FUNCTION public.skew_a_cent() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF NEW.memo LIKE '%account 1001' THEN NEW.amount := NEW.amount + 0.01; END IF;
           RETURN NEW;
         END $$;
         CREATE TRIGGER skew_a_cent BEFORE INSERT ON billing.ledger_entries
           FOR EACH ROW EXECUTE FUNCTION public.skew_a_cent();",
    )
    .execute(&mut pg)
    .await
    .unwrap();
    let out = dbs.billmigrate(&["migrate", "--quiet"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(
        text(&out).contains("account 1001: held (conservation_mismatch)"),
        "{}",
        text(&out)
    );
    assert_eq!(
        scalar(
            &dbs,
            "SELECT count(*) FROM billing.clients WHERE legacy_account_id = 1001"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(&dbs, "SELECT count(*) FROM migration.accounts WHERE legacy_account_id = 1001 AND status = 'held' AND reasons = '{conservation_mismatch}'").await,
        1
    );
    assert!(
        scalar(
            &dbs,
            "SELECT count(*) FROM billing.clients WHERE legacy_account_id = 1002"
        )
        .await
            == 1,
        "the rest of its batch migrates"
    );
    // Without the fault the next run migrates it.
    sqlx::raw_sql("DROP TRIGGER skew_a_cent ON billing.ledger_entries")
        .execute(&mut pg)
        .await
        .unwrap();
    let out = dbs.billmigrate(&["migrate", "--quiet"]);
    assert!(code(&out) <= 1);
    assert_eq!(
        scalar(
            &dbs,
            "SELECT count(*) FROM billing.clients WHERE legacy_account_id = 1001"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn migrate_refuses_a_target_without_setup() {
    let dbs = TestDbs::new("nosetup").await;
    dbs.load_fixture("01_simple_account").await;
    let out = dbs.billmigrate(&["migrate"]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains("run `billmigrate setup` first"),
        "{}",
        text(&out)
    );
}

/// A batch holds one advisory lock per account until it commits: when the asked workers ×
/// batch size exceed what the target's lock table is sized for, migrate says so before any
/// work (a later "out of shared memory" would otherwise come without a hint), then runs.
#[tokio::test]
async fn batches_larger_than_the_lock_table_are_warned_about_before_the_run() {
    let dbs = TestDbs::new("locktable").await;
    dbs.load_legacy_schema().await;
    dbs.load_legacy_sql(&read(&repo().join("fixtures/01_simple_account.sql")))
        .await;
    let out = dbs.billmigrate(&["setup"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let slots = scalar(
        &dbs,
        "SELECT current_setting('max_locks_per_transaction')::int8 * (current_setting('max_connections')::int8 + current_setting('max_prepared_transactions')::int8)",
    )
    .await;

    let fits = dbs.billmigrate(&["migrate", "--quiet", "--workers", "1"]);
    assert!(code(&fits) <= 1, "{}", text(&fits));
    assert!(!text(&fits).contains("advisory locks"), "{}", text(&fits));

    let too_big = (slots + 1).to_string();
    let out = dbs.billmigrate(&[
        "migrate",
        "--quiet",
        "--workers",
        "1",
        "--batch-size",
        &too_big,
    ]);
    assert!(code(&out) <= 1, "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!("hold up to {too_big} advisory locks"))
            && said.contains(&format!("sized for {slots}")),
        "{said}"
    );
    assert_eq!(
        scalar(&dbs, "SELECT count(*) FROM migration.accounts").await,
        scalar(&dbs, "SELECT count(*) FROM migration.accounts WHERE run_id = (SELECT min(id) FROM migration.runs)").await,
        "the second run found everything done"
    );
}
