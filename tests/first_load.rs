//! A first load into an empty target builds its foreign keys and non-unique indexes after
//! the load: it must end with exactly the schema `setup` created, a run killed mid-load
//! must leave what to rebuild and the next run must rebuild it, and a rebuild that finds a
//! broken reference must fail loudly and keep the definition for the next attempt.

mod common;

use std::time::{Duration, Instant};

use common::faults::{generated, migrated_count, reference, spawn};
use common::snapshot::{assert_same, snapshot};
use common::{TestDbs, code, text};

/// Every constraint and index of the two schemas, with its definition, one per line.
async fn schema_objects(dbs: &TestDbs) -> String {
    sqlx::query_scalar::<_, String>(
        "SELECT string_agg(x, E'\\n' ORDER BY x) FROM (
           SELECT format('%s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) AS x
           FROM pg_constraint WHERE connamespace IN ('billing'::regnamespace, 'migration'::regnamespace)
           UNION ALL
           SELECT indexdef FROM pg_indexes WHERE schemaname IN ('billing', 'migration')) AS objects",
    )
    .fetch_one(&mut dbs.pg().await)
    .await
    .unwrap()
}

async fn deferred_names(dbs: &TestDbs) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM migration.deferred_ddl ORDER BY name")
        .fetch_all(&mut dbs.pg().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_first_load_ends_with_the_schema_setup_created_and_a_rerun_takes_the_normal_path() {
    let dbs = generated("firstload").await;
    let fresh = schema_objects(&dbs).await;
    assert!(fresh.contains("FOREIGN KEY"), "{fresh}");

    let out = dbs.billmigrate(&["migrate", "--quiet", "--batch-size", "500"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    assert!(
        text(&out).contains(
            "first load into an empty target: 14 foreign keys and 7 indexes built after the load"
        ),
        "{}",
        text(&out)
    );
    assert_eq!(schema_objects(&dbs).await, fresh, "after the first load");
    assert!(deferred_names(&dbs).await.is_empty());
    // The statistics refresh after the load, a table per statement: every table it grew.
    let analyzed: String = sqlx::query_scalar(
        "SELECT string_agg(schemaname || '.' || relname, ' ' ORDER BY schemaname, relname)
         FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL",
    )
    .fetch_one(&mut dbs.pg().await)
    .await
    .unwrap();
    assert_eq!(
        analyzed,
        "billing.clients billing.invitations billing.ledger_entries billing.memberships \
         billing.payers billing.services billing.users migration.accounts migration.outbox"
    );
    // Without --workers the run chooses, and says how many and why.
    assert!(
        text(&out).contains(" workers (chosen: ")
            && text(&out).contains(" free connections on the target)"),
        "{}",
        text(&out)
    );

    // The target now holds accounts: a re-run defers nothing and changes nothing.
    let before = snapshot(&mut dbs.pg().await).await;
    let out = dbs.billmigrate(&["migrate", "--quiet", "--workers", "2"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    assert!(!text(&out).contains("first load"), "{}", text(&out));
    assert!(
        text(&out).contains(", 2 workers (--workers)"),
        "{}",
        text(&out)
    );
    assert_eq!(schema_objects(&dbs).await, fresh, "after a re-run");
    assert_same(&before, &snapshot(&mut dbs.pg().await).await, "a re-run");
}

/// Starts a first load and SIGKILLs it once `threshold` accounts are recorded.
async fn kill_first_load_at(dbs: &TestDbs, threshold: i64) {
    let mut child = spawn(
        dbs,
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
    while migrated_count(dbs).await < threshold && Instant::now() < deadline {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the load ended before it could be killed"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = child.kill(); // SIGKILL
    child.wait().unwrap();
}

#[tokio::test]
async fn a_first_load_killed_mid_run_is_built_back_by_the_next_run() {
    let want = reference().await;
    let dbs = generated("firstloadkill").await;
    let fresh = schema_objects(&dbs).await;
    kill_first_load_at(&dbs, 800).await;

    let deferred = deferred_names(&dbs).await;
    assert_eq!(deferred.len(), 21, "{deferred:?}");
    assert!(
        deferred.contains(&"billing.services_client_id_fkey".to_owned()),
        "{deferred:?}"
    );
    assert_ne!(
        schema_objects(&dbs).await,
        fresh,
        "the killed load left them dropped"
    );
    // The killed run's row still says `running`; its backend is gone, and status says what
    // is left and what will build it back.
    let status = dbs.billmigrate(&["status"]);
    assert!(
        text(&status).contains(
            "a first load was cut short before it built back 21 foreign keys and indexes"
        ),
        "{}",
        text(&status)
    );

    let out = dbs.billmigrate(&["migrate", "--quiet"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("built back 21 foreign keys and indexes a crashed first load had deferred"),
        "{said}"
    );
    // Not empty any more: the rest of the load takes the normal path.
    assert!(!said.contains("first load into an empty target"), "{said}");
    assert_eq!(schema_objects(&dbs).await, fresh);
    assert!(deferred_names(&dbs).await.is_empty());
    assert_same(
        &want,
        &snapshot(&mut dbs.pg().await).await,
        "after the kill and a re-run",
    );
}

#[tokio::test]
async fn a_broken_reference_fails_the_rebuild_loudly_and_keeps_the_definition() {
    let dbs = generated("firstloadbroken").await;
    kill_first_load_at(&dbs, 300).await;
    // With the foreign key dropped, something outside the tool writes a payer of no client.
    sqlx::query(
        "INSERT INTO billing.payers (client_id, legacy_profile_id, kind, name) VALUES (987654321, 987654321, 'individual', 'Nobody')",
    )
    .execute(&mut dbs.pg().await)
    .await
    .unwrap();

    let out = dbs.billmigrate(&["migrate", "--quiet"]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("building back billing.payers_client_id_fkey after the first load failed"),
        "{said}"
    );
    assert!(
        said.contains("987654321"),
        "the server names the row: {said}"
    );
    assert!(
        deferred_names(&dbs)
            .await
            .contains(&"billing.payers_client_id_fkey".to_owned())
    );

    // Once the row is gone, the next run builds it back.
    sqlx::query("DELETE FROM billing.payers WHERE client_id = 987654321")
        .execute(&mut dbs.pg().await)
        .await
        .unwrap();
    let out = dbs.billmigrate(&["migrate", "--quiet"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    assert!(deferred_names(&dbs).await.is_empty(), "{}", text(&out));
}

#[tokio::test]
async fn any_writing_command_builds_back_what_a_killed_first_load_left() {
    let dbs = generated("firstloadpartners").await;
    let fresh = schema_objects(&dbs).await;
    kill_first_load_at(&dbs, 300).await;
    assert!(!deferred_names(&dbs).await.is_empty());

    // The partner phase, not migrate, is the next writing command here.
    let dir = tempfile::tempdir().unwrap();
    let (out, map) = (dir.path().join("p"), dir.path().join("partners.map"));
    let partners = dbs.billmigrate_env(
        &[
            "partners",
            "--allow-partial",
            "--as-of",
            "2026-11-15T12:00:00Z",
            "--out",
            out.to_str().unwrap(),
            "--nginx",
            map.to_str().unwrap(),
        ],
        &[
            (
                "BILLMIGRATE_LINKS_OLD_BILLING_URL",
                "https://old.example/billmgr",
            ),
            ("BILLMIGRATE_LINKS_NEW_BILLING_URL", "https://new.example"),
        ],
    );
    assert!(code(&partners) <= 1, "{}", text(&partners));
    assert!(deferred_names(&dbs).await.is_empty(), "{}", text(&partners));
    assert_eq!(schema_objects(&dbs).await, fresh);
}

/// The rebuild adds every foreign key unchecked, then validates them: a run killed between
/// the two leaves keys in the catalog that were never checked over the existing rows, with
/// their definitions still recorded. The next run validates them (it does not add them
/// twice) and the schema ends as `setup` made it.
#[tokio::test]
async fn keys_left_unchecked_by_a_rebuild_cut_short_are_validated_by_the_next_run() {
    let dbs = generated("firstloadunchecked").await;
    let fresh = schema_objects(&dbs).await;
    let out = dbs.billmigrate(&["migrate", "--quiet"]);
    assert!(code(&out) <= 1, "{}", text(&out));

    let mut pg = dbs.pg().await;
    for statement in [
        "ALTER TABLE billing.payers DROP CONSTRAINT payers_client_id_fkey",
        "ALTER TABLE billing.payers ADD CONSTRAINT payers_client_id_fkey
           FOREIGN KEY (client_id) REFERENCES billing.clients(id) NOT VALID",
        "INSERT INTO migration.deferred_ddl (name, kind, create_ddl, run_id)
         SELECT 'billing.payers_client_id_fkey', 'foreign_key',
                'ALTER TABLE billing.payers ADD CONSTRAINT payers_client_id_fkey FOREIGN KEY (client_id) REFERENCES billing.clients(id)',
                max(id) FROM migration.runs",
    ] {
        sqlx::query(statement).execute(&mut pg).await.unwrap();
    }
    let cut_short = schema_objects(&dbs).await;
    assert!(
        cut_short.contains(
            "payers_client_id_fkey FOREIGN KEY (client_id) REFERENCES billing.clients(id) NOT VALID"
        ),
        "{cut_short}"
    );

    let out = dbs.billmigrate(&["migrate", "--quiet"]);
    assert!(code(&out) <= 1, "{}", text(&out));
    assert!(deferred_names(&dbs).await.is_empty(), "{}", text(&out));
    assert_eq!(schema_objects(&dbs).await, fresh, "after the next run");
}
