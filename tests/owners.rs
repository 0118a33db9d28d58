//! Owner users are copied when their emails are new and upserted otherwise
//! (`new_billing::owners`): the result must be the upsert's in every case, including an email
//! a concurrent batch inserts between the lookup and the copy.

mod common;

use std::time::{Duration, Instant};

use billmigrate::new_billing::owners::{Owners, write_owners};
use billmigrate::new_billing::rows::OwnerRows;
use common::{TestDbs, code, text};
use sqlx::{Connection, PgConnection};

async fn set_up(tag: &str) -> TestDbs {
    let dbs = TestDbs::new(tag).await;
    let out = dbs.billmigrate(&["setup"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    dbs
}

/// Owner rows for (email, name, language, lowest legacy account), sorted by email as
/// `rows::owners` gives them.
fn owner_rows(owners: &[(&str, &str, &str, i64)]) -> OwnerRows {
    let mut sorted = owners.to_vec();
    sorted.sort();
    let mut rows = OwnerRows::default();
    for (email, name, language, account) in sorted {
        rows.email.push(email.into());
        rows.name.push(Some(name.into()));
        rows.language.push(language.into());
        rows.first_legacy_account_id.push(account);
    }
    rows
}

async fn insert_user(pg: &mut PgConnection, email: &str, language: &str, account: i64) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO billing.users (email, name, language, first_legacy_account_id)
         VALUES ($1, 'Earlier', $2, $3) RETURNING id",
    )
    .bind(email)
    .bind(language)
    .bind(account)
    .fetch_one(pg)
    .await
    .unwrap()
}

/// (email, name, language, first legacy account) of every user, by email.
async fn users(pg: &mut PgConnection) -> Vec<(String, Option<String>, String, Option<i64>)> {
    sqlx::query_as(
        "SELECT email, name, language, first_legacy_account_id FROM billing.users ORDER BY email",
    )
    .fetch_all(pg)
    .await
    .unwrap()
}

#[tokio::test]
async fn new_emails_are_copied_and_emails_the_target_holds_are_upserted() {
    let dbs = set_up("ownerscopy").await;
    let mut pg = dbs.pg().await;
    let higher = insert_user(&mut pg, "higher@example.com", "en", 500).await;
    let lower = insert_user(&mut pg, "lower@example.com", "en", 5).await;

    let mut tx = dbs.pg().await;
    sqlx::query("BEGIN").execute(&mut tx).await.unwrap();
    let rows = owner_rows(&[
        ("new@example.com", "New", "uk", 40),
        ("higher@example.com", "Takes over", "ru", 41),
        ("lower@example.com", "Stays", "uk", 42),
    ]);
    let owners: Owners = write_owners(&mut tx, &rows).await.unwrap();
    sqlx::query("COMMIT").execute(&mut tx).await.unwrap();

    assert!(!owners.copy_undone);
    let new = owners.ids["new@example.com"];
    assert_eq!(owners.ids["higher@example.com"], higher);
    assert_eq!(owners.ids["lower@example.com"], lower);
    assert_eq!(owners.new_users, [new].into());
    assert_eq!(owners.taken_over, vec![higher]);
    // The language the database holds: a lower account elsewhere keeps its own.
    assert_eq!(owners.languages[&new], "uk");
    assert_eq!(owners.languages[&higher], "ru");
    assert_eq!(owners.languages[&lower], "en");
    let s = |v: &str| v.to_owned();
    assert_eq!(
        users(&mut pg).await,
        vec![
            (
                s("higher@example.com"),
                Some(s("Takes over")),
                s("ru"),
                Some(41)
            ),
            (s("lower@example.com"), Some(s("Earlier")), s("en"), Some(5)),
            (s("new@example.com"), Some(s("New")), s("uk"), Some(40)),
        ]
    );
    // The copied user's id came from the table's own sequence: the next default follows it.
    let next = insert_user(&mut pg, "later@example.com", "en", 900).await;
    assert!(next > new, "{next} after {new}");
}

#[tokio::test]
async fn an_email_a_concurrent_batch_inserts_first_undoes_the_copy_and_is_upserted() {
    let dbs = set_up("ownersrace").await;
    // The other batch has inserted the email but not committed: our lookup cannot see it.
    let mut other = dbs.pg().await;
    sqlx::query("BEGIN").execute(&mut other).await.unwrap();
    let theirs = insert_user(&mut other, "shared@example.com", "en", 900).await;

    let mut ours = dbs.pg().await;
    let our_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut ours)
        .await
        .unwrap();
    let write = tokio::spawn(async move {
        sqlx::query("BEGIN").execute(&mut ours).await.unwrap();
        let rows = owner_rows(&[
            ("alone@example.com", "Alone", "uk", 10),
            ("shared@example.com", "Lower account", "uk", 11),
        ]);
        let owners = write_owners(&mut ours, &rows).await;
        (ours, owners)
    });

    // Our copy waits on the other batch's row; once it commits, the copy meets the email.
    let mut watch = dbs.pg().await;
    let started = Instant::now();
    loop {
        let waiting: Option<String> =
            sqlx::query_scalar("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1")
                .bind(our_pid)
                .fetch_one(&mut watch)
                .await
                .unwrap();
        if waiting.as_deref() == Some("Lock") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "our write never waited on the other batch's uncommitted user"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sqlx::query("COMMIT").execute(&mut other).await.unwrap();

    let (mut ours, owners) = write.await.unwrap();
    let owners = owners.expect("the copy is undone and the upsert takes over, no error");
    sqlx::query("COMMIT").execute(&mut ours).await.unwrap();

    assert!(owners.copy_undone, "the copy should have met the email");
    let alone = owners.ids["alone@example.com"];
    assert_eq!(owners.ids["shared@example.com"], theirs);
    assert_eq!(owners.new_users, [alone].into());
    // Our account (11) is lower than theirs (900): the user follows ours.
    assert_eq!(owners.taken_over, vec![theirs]);
    assert_eq!(owners.languages[&theirs], "uk");
    let s = |v: &str| v.to_owned();
    assert_eq!(
        users(&mut watch).await,
        vec![
            (s("alone@example.com"), Some(s("Alone")), s("uk"), Some(10)),
            (
                s("shared@example.com"),
                Some(s("Lower account")),
                s("uk"),
                Some(11)
            ),
        ]
    );
    for conn in [ours, other, watch] {
        conn.close().await.unwrap();
    }
}
