//! Real BILLmanager databases (issue #13): the same legacy data in legacy-schema.md's shape
//! and in BILLmanager's (sql/legacy/to_billmanager.sql) gives byte-identical plan reports
//! and identical target rows with no configuration; the schema check names a missing column
//! and takes the operator's names; fixtures/billmanager/01_real_shape.sql (utf8 tables,
//! enforced foreign keys) reads as the public facts say; out-of-scope rows are listed.

mod common;

use common::snapshot::{diff, snapshot};
use common::{TestDbs, code, fixture_names, read, repo, text};

const REPORTS: &[&str] = &["accounts.csv", "users.csv", "payers.csv", "services.csv"];

const LINKS: &[(&str, &str)] = &[
    (
        "BILLMIGRATE_LINKS_OLD_BILLING_URL",
        "https://my.example.ua/billmgr",
    ),
    (
        "BILLMIGRATE_LINKS_NEW_BILLING_URL",
        "https://cabinet.example.ua/",
    ),
];

/// Loads a spec-shaped fixture, then turns it into BILLmanager's shape when asked.
async fn load(name: &str, billmanager: bool) -> TestDbs {
    let dbs = TestDbs::new(if billmanager { "bmshape" } else { "specshape" }).await;
    dbs.load_fixture(name).await;
    if billmanager {
        let sql = read(&repo().join("sql/legacy/to_billmanager.sql"));
        dbs.load_legacy_sql(&sql).await;
    }
    dbs
}

fn plan(dbs: &TestDbs, env: &[(&str, &str)]) -> (tempfile::TempDir, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let out = dbs.billmigrate_env(
        &["plan", "--quiet", "--out", dir.path().to_str().unwrap()],
        env,
    );
    (dir, out)
}

fn summary(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&read(&dir.join("summary.json"))).unwrap()
}

#[tokio::test]
async fn every_fixture_plans_byte_identically_in_billmanager_shape() {
    let names = fixture_names();
    assert!(names.len() >= 20, "{names:?}");
    let mut mismatches = Vec::new();
    for name in &names {
        let dbs = load(name, true).await;
        let (dir, out) = plan(&dbs, &[]);
        assert!(code(&out) <= 1, "{name}: {}", text(&out));
        assert_eq!(summary(dir.path())["legacy_shape"], "billmanager", "{name}");
        for report in REPORTS {
            let expected = read(&repo().join("fixtures/expected").join(name).join(report));
            if read(&dir.path().join(report)) != expected {
                mismatches.push(format!("{name}/{report}"));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "differ from fixtures/expected: {mismatches:?}"
    );
}

/// Runs setup, migrate, verify and partners; returns the target's canonical dump, the
/// partner report and every exit code.
async fn run_everything(dbs: &TestDbs) -> (String, String, Vec<i32>) {
    let dir = tempfile::tempdir().unwrap();
    let mut codes = Vec::new();
    for args in [
        vec!["setup"],
        vec!["migrate", "--quiet"],
        vec![
            "verify",
            "--quiet",
            "--out",
            dir.path().join("v").to_str().unwrap(),
        ],
        vec![
            "partners",
            "--as-of",
            "2023-01-15T12:00:00Z",
            "--out",
            dir.path().join("p").to_str().unwrap(),
        ],
    ] {
        let out = dbs.billmigrate_env(&args, LINKS);
        assert!(code(&out) <= 1, "{args:?}: {}", text(&out));
        codes.push(code(&out));
    }
    let mut pg = dbs.pg().await;
    let mut dump = snapshot(&mut pg).await;
    let affiliates: Vec<String> = sqlx::query_scalar(
        "SELECT concat_ws('|', c.legacy_account_id, f.reward_percent, f.opening_balance, f.currency,
                (SELECT string_agg(rc.legacy_account_id::text, ',' ORDER BY rc.legacy_account_id)
                 FROM billing.referrals r JOIN billing.clients rc ON rc.id = r.client_id
                 WHERE r.affiliate_id = f.id))
         FROM billing.affiliates f JOIN billing.clients c ON c.id = f.client_id
         ORDER BY c.legacy_account_id",
    )
    .fetch_all(&mut pg)
    .await
    .unwrap();
    for a in affiliates {
        dump.push_str(&format!("affiliates: {a}\n"));
    }
    let verify = read(&dir.path().join("v/differences.csv"));
    dump.push_str(&format!("differences.csv:\n{verify}"));
    (dump, read(&dir.path().join("p/partners.csv")), codes)
}

#[tokio::test]
async fn migrate_verify_and_partners_write_the_same_rows_in_both_shapes() {
    for name in [
        "22_partners",
        "08_payers",
        "17_carried_fields",
        "20_odd_text",
    ] {
        let spec = load(name, false).await;
        let bm = load(name, true).await;
        let (spec_dump, spec_partners, spec_codes) = run_everything(&spec).await;
        let (bm_dump, bm_partners, bm_codes) = run_everything(&bm).await;
        assert!(spec_dump.contains("clients: "), "{name}: nothing migrated");
        assert_eq!(spec_codes, bm_codes, "{name}: exit codes");
        assert!(
            spec_dump == bm_dump,
            "{name}: target rows differ between shapes:\n{}",
            diff(&spec_dump, &bm_dump)
        );
        assert_eq!(spec_partners, bm_partners, "{name}: partners.csv");
    }
}

#[tokio::test]
async fn check_legacy_names_a_missing_column_and_takes_the_operators_names() {
    let dbs = load("01_simple_account", true).await;
    let ok = dbs.billmigrate(&["check-legacy"]);
    assert_eq!(code(&ok), 0, "{}", text(&ok));
    let table = text(&ok);
    assert!(
        table.contains("legacy database shape: billmanager"),
        "{table}"
    );
    assert!(
        table.contains("account2project.affiliateprogram") && table.contains("found (BILLmanager)"),
        "{table}"
    );
    assert!(table.contains("integer flag: 1 is on"), "{table}");
    let json = dbs.billmigrate(&["check-legacy", "--json"]);
    assert_eq!(code(&json), 0, "{}", text(&json));
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["shape"], "billmanager");
    let affiliate = json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "account2project.affiliate")
        .unwrap();
    assert_eq!(
        (
            &affiliate["column"],
            &affiliate["status"],
            &affiliate["detail"]
        ),
        (
            &serde_json::json!("affiliateprogram"),
            &serde_json::json!("found"),
            &serde_json::json!("billmanager")
        )
    );

    let mut my = dbs.mysql().await;
    use mysql_async::prelude::*;
    my.query_drop("ALTER TABLE `user` CHANGE superuser is_admin INT NULL")
        .await
        .unwrap();
    my.query_drop("ALTER TABLE expense MODIFY cdate BIGINT NULL")
        .await
        .unwrap();
    my.disconnect().await.unwrap();
    for command in [
        &["check-legacy"][..],
        &["plan", "--out", "/nonexistent/never"][..],
    ] {
        let out = dbs.billmigrate(command);
        assert_eq!(code(&out), 2, "{command:?}: {}", text(&out));
        let message = text(&out);
        assert!(
            message.contains("user.superuser (looked for user.superuser")
                && message.contains("`user.superuser,user,<column>`")
                && message.contains("legacy_columns.csv"),
            "{command:?}: {message}"
        );
        assert!(!message.contains("Unknown column"), "{message}");
    }

    // The operator's own name, in a mappings directory of their own.
    let mappings = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(repo().join("mappings")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), mappings.path().join(f.file_name())).unwrap();
    }
    std::fs::write(
        mappings.path().join("legacy_columns.csv"),
        "field,table,column\nuser.superuser,user,is_admin\n",
    )
    .unwrap();
    let env = [("BILLMIGRATE_MAPPINGS", mappings.path().to_str().unwrap())];
    let out = dbs.billmigrate_env(&["check-legacy"], &env);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("user.is_admin")
            && text(&out).contains("mapped, legacy_columns.csv line 2"),
        "{}",
        text(&out)
    );
    // An unexpected type is reported with what the reader will do.
    assert!(
        text(&out).contains("unexpected type bigint: every value is an unknown date"),
        "{}",
        text(&out)
    );
    let (dir, planned) = plan(&dbs, &env);
    assert_eq!(code(&planned), 0, "{}", text(&planned));
    assert_eq!(
        read(&dir.path().join("accounts.csv")),
        read(&repo().join("fixtures/expected/01_simple_account/accounts.csv"))
    );

    // A malformed mapping line stops every legacy command, naming the file and line.
    std::fs::write(
        mappings.path().join("legacy_columns.csv"),
        "field,table,column\nuser.superuser,user,is admin\n",
    )
    .unwrap();
    let out = dbs.billmigrate_env(&["check-legacy"], &env);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains("legacy_columns.csv:2"),
        "{}",
        text(&out)
    );
}

async fn real_shape() -> TestDbs {
    let dbs = TestDbs::new("realshape").await;
    let sql = read(&repo().join("fixtures/billmanager/01_real_shape.sql"));
    dbs.load_legacy_sql(&sql).await;
    dbs
}

fn csv_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn a_real_billmanager_database_reads_as_the_public_facts_say() {
    let dbs = real_shape().await;
    let check = dbs.billmigrate(&["check-legacy"]);
    assert_eq!(code(&check), 0, "{}", text(&check));
    assert!(text(&check).contains("utf8mb3 ("), "{}", text(&check));
    assert!(
        !text(&check).contains("enforced foreign keys: 0"),
        "{}",
        text(&check)
    );

    // No configuration: every account row is in scope, the provider's rows are held.
    let (dir, out) = plan(&dbs, &[]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let decisions: Vec<(String, String, String)> = csv_rows(&dir.path().join("accounts.csv"))
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
        .collect();
    let expect = |id: &str, decision: &str, reasons: &str| {
        (id.to_owned(), decision.to_owned(), reasons.to_owned())
    };
    assert_eq!(
        decisions,
        [
            expect("1", "hold", "no_active_full_access_user"),
            expect("2", "hold", "no_active_full_access_user"),
            expect("10", "migrate", ""),
            expect("11", "migrate", "primary_chosen_by_id;negative_balance"),
            expect("12", "migrate", "primary_chosen_by_id;no_payer"),
        ]
    );
    assert_eq!(csv_rows(&dir.path().join("out_of_scope.csv")).len(), 0);

    // The operator says which rows are not clients: listed, never migrated nor held.
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        "[legacy]\nexclude_account_ids = [1]\nexclude_levels = [30]\n",
    )
    .unwrap();
    let cfg = ["--config", config.path().to_str().unwrap()];
    let plan_dir = tempfile::tempdir().unwrap();
    let mut args = cfg.to_vec();
    args.extend([
        "plan",
        "--quiet",
        "--out",
        plan_dir.path().to_str().unwrap(),
    ]);
    let out = dbs.billmigrate(&args);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(
        read(&plan_dir.path().join("out_of_scope.csv")),
        "legacy_account_id,reason,level\n1,excluded_account_id,29\n2,excluded_level,30\n"
    );
    let ids: Vec<String> = csv_rows(&plan_dir.path().join("accounts.csv"))
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(ids, ["10", "11", "12"]);
    let mut args = cfg.to_vec();
    args.extend(["explain", "2"]);
    let out = dbs.billmigrate(&args);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("Account 2 is out of scope (excluded_level"),
        "{}",
        text(&out)
    );
    let s = summary(plan_dir.path());
    assert_eq!(
        (s["legacy_shape"].as_str(), s["out_of_scope"].as_u64()),
        (Some("billmanager"), Some(2))
    );

    for command in [
        vec!["setup"],
        vec!["migrate", "--quiet"],
        vec![
            "partners",
            "--as-of",
            "2025-03-15T12:00:00Z",
            "--out",
            plan_dir.path().to_str().unwrap(),
        ],
        vec![
            "verify",
            "--quiet",
            "--out",
            plan_dir.path().join("v").to_str().unwrap(),
        ],
        vec!["status"],
    ] {
        let mut args = cfg.to_vec();
        args.extend(command.iter().copied());
        let out = dbs.billmigrate_env(&args, LINKS);
        assert_eq!(code(&out), 0, "{command:?}: {}", text(&out));
        if command[0] == "status" {
            assert!(text(&out).contains("out of scope"), "{}", text(&out));
            assert!(text(&out).contains("0 not yet seen"), "{}", text(&out));
        }
    }

    // Balances move in the old billing after the move: only credited payments (status 4)
    // are named as what explains it.
    dbs.load_legacy_sql(
        "UPDATE subaccount SET balance = balance + 100 WHERE id = 1001;
         UPDATE subaccount SET balance = balance + 10 WHERE id = 1101;
         INSERT INTO payment (id, subaccount, paymethodamount, createdate, status) VALUES
           (3, 1001, 100.00, '2099-01-01 00:00:00', 4),
           (4, 1001, 70.00, '2099-01-01 00:00:00', 1),
           (5, 1101, 10.00, '2099-01-01 00:00:00', 2);",
    )
    .await;
    let mut args = cfg.to_vec();
    let verify_dir = plan_dir.path().join("v2");
    args.extend(["verify", "--quiet", "--out", verify_dir.to_str().unwrap()]);
    let out = dbs.billmigrate(&args);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let balance: Vec<(String, String, String)> = csv_rows(&verify_dir.join("differences.csv"))
        .into_iter()
        .filter(|r| r[1] == "balance")
        .map(|r| (r[0].clone(), r[2].clone(), r[3].clone()))
        .collect();
    assert_eq!(
        balance,
        [
            (
                "10".to_owned(),
                "legacy_changed".to_owned(),
                "220.50 UAH (credited payments since the move: 100.00 UAH)".to_owned()
            ),
            (
                "11".to_owned(),
                "legacy_changed".to_owned(),
                "-30.00 UAH (no credited payment since the move)".to_owned()
            ),
        ]
    );

    let mut pg = dbs.pg().await;
    assert_eq!(
        rows(&mut pg, "SELECT concat_ws('/', legacy_item_id, coalesce(period_months::text, 'NULL'), auto_renew_months) FROM billing.services ORDER BY legacy_item_id").await,
        ["1001/NULL/0", "1002/12/12", "1101/1/0"]
    );
    assert_eq!(
        rows(&mut pg, "SELECT concat_ws('/', legacy_profile_id, kind, country, postcode, city, address) FROM billing.payers ORDER BY legacy_profile_id").await,
        [
            "1001/individual/UA/01001/Kyiv/Khreshchatyk 1",
            "1101/company/PL/00-001/Warszawa/Marszałkowska 1"
        ]
    );
    assert_eq!(
        rows(
            &mut pg,
            "SELECT concat_ws('/', reward_percent, opening_balance) FROM billing.affiliates"
        )
        .await,
        ["1000.00/53.00"]
    );
    assert_eq!(
        rows(
            &mut pg,
            "SELECT legacy_account_id::text FROM migration.accounts ORDER BY legacy_account_id"
        )
        .await,
        ["10", "11", "12"]
    );
}

async fn rows(pg: &mut sqlx::PgConnection, sql: &'static str) -> Vec<String> {
    sqlx::query_scalar::<_, String>(sql)
        .fetch_all(pg)
        .await
        .unwrap()
}

fn generate(dbs: &TestDbs, shape: &str) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_billmigrate-fixtures"))
        .args([
            "--url",
            &dbs.legacy_url(),
            "--accounts",
            "400",
            "--seed",
            "7",
        ])
        .args(["--today", "2025-03-15", "--quiet", "--shape", shape])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{shape}: {}", text(&out));
}

#[tokio::test]
async fn generated_data_plans_and_partners_identically_in_both_shapes() {
    let spec = TestDbs::new("genspec").await;
    let bm = TestDbs::new("genbm").await;
    generate(&spec, "spec");
    generate(&bm, "billmanager");
    let (spec_dir, spec_out) = plan(&spec, &[]);
    let (bm_dir, bm_out) = plan(&bm, &[]);
    assert_eq!(code(&spec_out), 1, "{}", text(&spec_out));
    assert_eq!(code(&bm_out), 1, "{}", text(&bm_out));
    assert_eq!(summary(spec_dir.path())["legacy_shape"], "spec");
    assert_eq!(summary(bm_dir.path())["legacy_shape"], "billmanager");
    for report in REPORTS {
        let (a, b) = (
            read(&spec_dir.path().join(report)),
            read(&bm_dir.path().join(report)),
        );
        assert!(a.lines().count() > 400, "{report}");
        assert!(a == b, "{report} differs between shapes");
    }
    let (spec_dump, spec_partners, _) = run_everything(&spec).await;
    let (bm_dump, bm_partners, _) = run_everything(&bm).await;
    assert!(
        spec_dump == bm_dump,
        "target rows differ between shapes:\n{}",
        diff(&spec_dump, &bm_dump)
    );
    assert_eq!(spec_partners, bm_partners);
}
