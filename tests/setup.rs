//! `setup`: every contract table and column of target-schema.md exists after it, a second
//! run changes nothing, and a missing server or database is exit 2 with a way forward.

mod common;

use common::{TestDbs, code, text};

/// target-schema.md's contract, table by table.
const CONTRACT: &[(&str, &str, &[&str])] = &[
    (
        "billing",
        "clients",
        &[
            "id",
            "legacy_account_id",
            "name",
            "currency",
            "registered_at",
            "vat_invoices_enabled",
        ],
    ),
    (
        "billing",
        "users",
        &["id", "email", "name", "language", "password_hash"],
    ),
    (
        "billing",
        "memberships",
        &[
            "id",
            "user_id",
            "client_id",
            "role",
            "permissions",
            "legacy_user_id",
        ],
    ),
    (
        "billing",
        "invitations",
        &[
            "id",
            "client_id",
            "email",
            "permissions",
            "legacy_user_id",
            "token_hash",
            "expires_at",
            "sent_at",
            "accepted_at",
        ],
    ),
    (
        "billing",
        "password_tokens",
        &[
            "id",
            "user_id",
            "purpose",
            "token_hash",
            "expires_at",
            "used_at",
            "revoked_at",
        ],
    ),
    (
        "billing",
        "payers",
        &[
            "id",
            "client_id",
            "legacy_profile_id",
            "kind",
            "name",
            "person",
            "email",
            "phone",
            "country",
            "postcode",
            "city",
            "address",
            "vat_number",
            "vat_payer",
        ],
    ),
    (
        "billing",
        "ledger_entries",
        &[
            "id",
            "client_id",
            "kind",
            "amount",
            "currency",
            "memo",
            "created_at",
        ],
    ),
    (
        "billing",
        "services",
        &[
            "id",
            "client_id",
            "legacy_item_id",
            "parent_id",
            "category",
            "priority",
            "seq",
            "product_code",
            "label",
            "domain",
            "status",
            "opened_at",
            "expires_at",
            "period_months",
            "auto_renew_months",
            "price",
            "currency",
        ],
    ),
    (
        "billing",
        "affiliates",
        &[
            "id",
            "client_id",
            "reward_percent",
            "code",
            "opening_balance",
            "currency",
        ],
    ),
    ("billing", "referrals", &["id", "affiliate_id", "client_id"]),
    (
        "migration",
        "runs",
        &[
            "id",
            "command",
            "started_at",
            "finished_at",
            "status",
            "args",
            "tool_version",
        ],
    ),
    (
        "migration",
        "accounts",
        &[
            "legacy_account_id",
            "status",
            "client_id",
            "reasons",
            "categories",
            "run_id",
            "migrated_at",
            "fingerprint",
        ],
    ),
    (
        "migration",
        "outbox",
        &[
            "id",
            "kind",
            "dedupe_key",
            "to_email",
            "language",
            "user_id",
            "client_id",
            "invitation_id",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "message_id",
            "sent_at",
        ],
    ),
];

#[tokio::test]
async fn setup_creates_every_contract_column_and_is_idempotent() {
    let dbs = TestDbs::new("setup").await;
    let first = dbs.billmigrate(&["setup"]);
    assert_eq!(code(&first), 0, "{}", text(&first));
    assert!(
        text(&first).contains("applied target schema migrations [1, 2, 3, 4]"),
        "{}",
        text(&first)
    );

    let mut pg = dbs.pg().await;
    for (schema, table, columns) in CONTRACT {
        let found: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
        )
        .bind(schema)
        .bind(table)
        .fetch_all(&mut pg)
        .await
        .unwrap();
        for column in *columns {
            assert!(
                found.iter().any(|c| c == column),
                "{schema}.{table}.{column} missing; have {found:?}"
            );
        }
    }
    let money: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = 'billing' AND column_name IN ('amount', 'price', 'opening_balance')
           AND NOT (data_type = 'numeric' AND numeric_precision = 20 AND numeric_scale = 2)",
    )
    .fetch_all(&mut pg)
    .await
    .unwrap();
    assert!(
        money.is_empty(),
        "money columns must be numeric(20,2): {money:?}"
    );
    let one_opening: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_indexes WHERE schemaname = 'billing' AND indexname = 'ledger_entries_one_opening_balance' AND indexdef LIKE '%UNIQUE%WHERE%opening_balance%'",
    )
    .fetch_one(&mut pg)
    .await
    .unwrap();
    assert_eq!(
        one_opening, 1,
        "the unique partial index on opening balances"
    );
    let bad_role = sqlx::query("INSERT INTO billing.memberships (user_id, client_id, role, permissions) VALUES (1, 1, 'boss', '{}')")
        .execute(&mut pg)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        bad_role.contains("check constraint") || bad_role.contains("foreign key"),
        "{bad_role}"
    );

    // BILLmanager rewards may exceed 100 % (target-schema.md): numeric(6,2).
    let reward: (i32, i32) = sqlx::query_as(
        "SELECT numeric_precision, numeric_scale FROM information_schema.columns \
         WHERE table_schema = 'billing' AND table_name = 'affiliates' AND column_name = 'reward_percent'",
    )
    .fetch_one(&mut pg)
    .await
    .unwrap();
    assert_eq!(reward, (6, 2));

    let tables_before: i64 = sqlx::query_scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema IN ('billing','migration')")
        .fetch_one(&mut pg)
        .await
        .unwrap();
    let second = dbs.billmigrate(&["setup"]);
    assert_eq!(code(&second), 0, "{}", text(&second));
    assert!(
        text(&second).contains("target schema is up to date (version 4)"),
        "{}",
        text(&second)
    );
    let tables_after: i64 = sqlx::query_scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema IN ('billing','migration')")
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(tables_before, tables_after);
}

#[tokio::test]
async fn setup_explains_a_missing_database_or_server() {
    let dbs = TestDbs::new("setupmiss").await;
    let missing = format!("{}/{}_absent", common::pg_base(), dbs.target_db_name());
    let out = dbs.billmigrate_env(&["setup"], &[("BILLMIGRATE_TARGET_URL", &missing)]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains(
            "does not exist; create it first, e.g. `createdb -h 127.0.0.1 -p 5432 -U postgres"
        ),
        "{}",
        text(&out)
    );

    let out = dbs.billmigrate_env(
        &["setup"],
        &[(
            "BILLMIGRATE_TARGET_URL",
            "postgres://postgres:Secret9@127.0.0.1:9/billing",
        )],
    );
    assert_eq!(code(&out), 2, "{}", text(&out));
    let s = text(&out);
    assert!(
        s.contains("target database postgres://postgres:***@127.0.0.1:9/billing: nothing listens on 127.0.0.1:9;")
            && s.contains("pg_ctlcluster"),
        "{s}"
    );
    assert!(!s.contains("Secret9"), "{s}");
}
