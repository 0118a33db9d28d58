//! Every dataset of fixtures/hostile/ (one kind of legacy damage each) goes through plan,
//! migrate and verify next to the healthy accounts of `_control.sql`: the damaged account is
//! migrated or held with the reasons its header names, nothing crashes, money is conserved,
//! exit codes say when a person must look, and the control accounts end exactly as when they
//! are migrated alone. See fixtures/hostile/README.md for the header format.

mod common;

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use common::snapshot::snapshot;
use common::{TestDbs, code, read, repo, text};
use rust_decimal::Decimal;

const CONTROL_IDS: [&str; 2] = ["1", "99999"];

struct Dataset {
    name: String,
    sql: String,
    /// account id → (decision, reasons as accounts.csv spells them).
    expects: BTreeMap<i64, (String, String)>,
    /// (SQL returning one value, that value as text).
    targets: Vec<(String, String)>,
    /// (account id, text its `explain` must contain).
    explains: Vec<(String, String)>,
}

fn datasets() -> Vec<Dataset> {
    let dir = repo().join("fixtures/hostile");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sql") && !n.starts_with('_'))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|file| {
            let sql = read(&dir.join(&file));
            let mut expects = BTreeMap::new();
            let mut targets = Vec::new();
            let mut explains = Vec::new();
            for line in sql.lines() {
                if let Some(rest) = line.strip_prefix("-- explain ") {
                    let (id, said) = rest.split_once(": ").expect("explain <id>: <text>");
                    explains.push((id.to_owned(), said.to_owned()));
                }
                if let Some(rest) = line.strip_prefix("-- expect ") {
                    let (id, outcome) = rest.split_once(": ").expect("expect <id>: <outcome>");
                    let (decision, reasons) = outcome.split_once(' ').unwrap_or((outcome, "-"));
                    let reasons = if reasons == "-" { "" } else { reasons };
                    let id = id.parse().unwrap_or_else(|_| panic!("{file}: bad id {id}"));
                    expects.insert(id, (decision.to_owned(), reasons.to_owned()));
                } else if let Some(rest) = line.strip_prefix("-- target: ") {
                    let (q, v) = rest.rsplit_once(" => ").expect("target: <sql> => <value>");
                    targets.push((q.to_owned(), v.to_owned()));
                }
            }
            assert!(!expects.is_empty(), "{file}: no `-- expect` line");
            Dataset {
                name: file.trim_end_matches(".sql").to_owned(),
                sql,
                expects,
                targets,
                explains,
            }
        })
        .collect()
}

/// The control accounts' rows of a target snapshot.
fn control_rows(snapshot: &str) -> String {
    snapshot
        .lines()
        .filter(|line| {
            let row = line.split_once(": ").map_or("", |(_, r)| r);
            CONTROL_IDS.contains(&row.split('|').next().unwrap_or(""))
                || row.contains("@control.example")
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

async fn loaded(tag: &str, dataset: Option<&str>) -> TestDbs {
    let dbs = TestDbs::new(tag).await;
    dbs.load_legacy_schema().await;
    dbs.load_legacy_sql(&read(&repo().join("fixtures/hostile/_control.sql")))
        .await;
    if let Some(sql) = dataset {
        dbs.load_legacy_sql(sql).await;
    }
    dbs
}

/// accounts.csv as id → (decision, reasons, opening balance).
fn planned(dir: &std::path::Path) -> BTreeMap<i64, (String, String, String)> {
    let mut r = csv::Reader::from_path(dir.join("accounts.csv")).unwrap();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (
                x[0].parse().unwrap(),
                (x[1].to_owned(), x[2].to_owned(), x[8].to_owned()),
            )
        })
        .collect()
}

/// Runs one dataset; returns what went wrong, empty when nothing did.
async fn check(d: &Dataset, baseline: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let dbs = loaded("hostile", Some(&d.sql)).await;
    let setup = dbs.billmigrate(&["setup"]);
    assert_eq!(code(&setup), 0, "{}: {}", d.name, text(&setup));
    let out = tempfile::tempdir().unwrap();
    let plan_dir = out.path().join("plan");
    let plan = dbs.billmigrate(&["plan", "--quiet", "--out", plan_dir.to_str().unwrap()]);
    let accounts = if plan_dir.join("accounts.csv").exists() {
        planned(&plan_dir)
    } else {
        errors.push(format!("plan wrote no report: {}", text(&plan)));
        return errors;
    };
    let any_held = accounts.values().any(|(decision, ..)| decision == "hold");
    if code(&plan) != i32::from(any_held) {
        errors.push(format!(
            "plan exit {} (held: {any_held}): {}",
            code(&plan),
            text(&plan)
        ));
    }
    for (id, (decision, reasons)) in &d.expects {
        match accounts.get(id) {
            Some((dec, rea, _)) if dec == decision && rea == reasons => {}
            other => errors.push(format!(
                "account {id}: expected {decision} [{reasons}], planned {other:?}"
            )),
        }
    }
    for id in CONTROL_IDS {
        let found = accounts.get(&id.parse().unwrap());
        if !matches!(found, Some((dec, rea, _)) if dec == "migrate" && rea.is_empty()) {
            errors.push(format!("control account {id} planned {found:?}"));
        }
    }

    for (id, said) in &d.explains {
        let out = dbs.billmigrate(&["explain", id]);
        if !text(&out).contains(said.as_str()) {
            errors.push(format!(
                "explain {id} does not say {said:?}:\n{}",
                text(&out)
            ));
        }
    }

    let migrate = dbs.billmigrate(&["migrate", "--quiet"]);
    if code(&migrate) != i32::from(any_held) {
        errors.push(format!(
            "migrate exit {}: {}",
            code(&migrate),
            text(&migrate)
        ));
    }
    let mut pg = dbs.pg().await;
    let ledger: Vec<(i64, String)> = sqlx::query_as(
        "SELECT c.legacy_account_id, coalesce(sum(l.amount), 0)::text FROM billing.clients c \
         LEFT JOIN billing.ledger_entries l ON l.client_id = c.id GROUP BY 1",
    )
    .fetch_all(&mut pg)
    .await
    .unwrap();
    let ledger: BTreeMap<i64, Decimal> = ledger
        .into_iter()
        .map(|(id, sum)| (id, Decimal::from_str(&sum).unwrap()))
        .collect();
    for (id, (decision, _, opening)) in &accounts {
        let written = ledger.get(id);
        let conserved = match decision.as_str() {
            "migrate" => written == Some(&Decimal::from_str(opening).unwrap()),
            _ => written.is_none(),
        };
        if !conserved {
            errors.push(format!(
                "account {id} ({decision}, planned {opening:?}): target ledger {written:?}"
            ));
        }
    }
    if ledger.keys().any(|id| !accounts.contains_key(id)) {
        errors.push(format!("clients the plan does not know: {ledger:?}"));
    }
    for (q, expected) in &d.targets {
        let sql = format!("SELECT ({q})::text");
        match sqlx::query_scalar::<_, Option<String>>(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut pg)
            .await
        {
            Ok(v) if v.as_deref() == Some(expected.as_str()) => {}
            other => errors.push(format!("{q}\n    expected {expected:?}, got {other:?}")),
        }
    }

    let verify_dir = out.path().join("verify");
    let verify = dbs.billmigrate(&["verify", "--quiet", "--out", verify_dir.to_str().unwrap()]);
    if code(&verify) != 0 {
        errors.push(format!("verify exit {}: {}", code(&verify), text(&verify)));
    }
    let controls = control_rows(&snapshot(&mut pg).await);
    if controls != baseline {
        errors.push(format!(
            "control accounts differ from a control-only run:\n{}",
            common::snapshot::diff(baseline, &controls)
        ));
    }
    if !errors.is_empty() {
        // Keep the databases for a look (TestDbs drops them only when nothing panicked).
        eprintln!(
            "{}: kept MariaDB `{}`, PostgreSQL \"{}\"",
            d.name,
            dbs.legacy_db_name(),
            dbs.target_db_name()
        );
        std::mem::forget(dbs);
    }
    errors
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn every_hostile_dataset_is_migrated_or_held_with_its_damage_named() {
    let all = datasets();
    assert!(
        all.len() >= 40,
        "fixtures/hostile has {} datasets",
        all.len()
    );

    let control = loaded("hostilecontrol", None).await;
    assert_eq!(code(&control.billmigrate(&["setup"])), 0);
    let out = control.billmigrate(&["migrate", "--quiet"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let baseline = control_rows(&snapshot(&mut control.pg().await).await);
    assert!(
        baseline.lines().count() >= 15,
        "control snapshot too small:\n{baseline}"
    );
    let baseline = Arc::new(baseline);

    // Two datasets at a time: each runs three processes against both servers.
    let slots = Arc::new(tokio::sync::Semaphore::new(2));
    let mut runs = tokio::task::JoinSet::new();
    for d in all {
        let (slots, baseline) = (slots.clone(), baseline.clone());
        runs.spawn(async move {
            let _slot = slots.acquire().await.unwrap();
            let errors = check(&d, &baseline).await;
            (d.name, errors)
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = runs.join_next().await {
        let (name, errors) = done.unwrap();
        for e in errors {
            failures.push(format!("{name}: {e}"));
        }
    }
    failures.sort();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
