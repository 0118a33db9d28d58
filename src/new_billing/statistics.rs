//! The planner statistics a load must refresh: the tables `migrate` grows, with only the
//! columns that batches, `verify` and `status` look rows up or join by. Their statistics
//! decide whether those lookups use indexes; sampling only these columns takes a third of
//! the time of the whole tables (1.5 s → 0.5 s at 100k accounts), and autovacuum fills in
//! the rest later.

use sqlx::PgPool;

use super::table_jobs::{self, TableJob};

/// Each table with the columns sampled.
const SAMPLED: &[(&str, &str)] = &[
    ("billing.clients", "id, legacy_account_id"),
    ("billing.users", "id, email"),
    ("billing.memberships", "user_id, client_id"),
    ("billing.invitations", "id, client_id, legacy_user_id"),
    ("billing.payers", "client_id"),
    ("billing.ledger_entries", "client_id, kind"),
    (
        "billing.services",
        "id, client_id, legacy_item_id, parent_id",
    ),
    ("migration.accounts", "legacy_account_id, status, client_id"),
    (
        "migration.outbox",
        "user_id, client_id, invitation_id, kind, status",
    ),
];

/// `table (columns)`, as `ANALYZE` names what it samples.
fn sampled((table, columns): &(&str, &str)) -> String {
    format!("{table} ({columns})")
}

/// All of them in one statement: the refresh in the middle of a load, on one connection
/// beside the writers.
fn all_at_once() -> String {
    let tables: Vec<String> = SAMPLED.iter().map(sampled).collect();
    format!("ANALYZE {}", tables.join(", "))
}

/// The refresh in the middle of a load (`migrate` decides when).
pub async fn refresh_during_load(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(all_at_once()))
        .execute(pool)
        .await
        .map(drop)
}

/// The refresh after a load, a table per statement two at a time: it is on the run's
/// critical path, and one `ANALYZE` of nine tables keeps one core busy.
pub async fn refresh_after_load(pool: &PgPool) -> Result<(), sqlx::Error> {
    let names: Vec<&str> = SAMPLED.iter().map(|(t, _)| *t).collect();
    // The largest first, as for any table job; the oid keeps two off one table.
    let order: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT i - 1, to_regclass(t)::oid::int8 FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i)
         ORDER BY pg_relation_size(to_regclass(t)) DESC NULLS LAST, i",
    )
    .bind(&names)
    .fetch_all(pool)
    .await?;
    let jobs = order
        .into_iter()
        .map(|(i, table)| TableJob {
            name: format!("ANALYZE {}", sampled(&SAMPLED[i as usize])),
            table,
        })
        .collect();
    table_jobs::run(pool, jobs, |mut conn, statement| async move {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(&mut *conn)
            .await
            .map(drop)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_single_statement_names_every_table_with_its_columns() {
        let sql = all_at_once();
        assert!(sql.starts_with(
            "ANALYZE billing.clients (id, legacy_account_id), billing.users (id, email), "
        ));
        assert!(
            sql.ends_with("migration.outbox (user_id, client_id, invitation_id, kind, status)")
        );
        assert_eq!(sql.matches(" (").count(), SAMPLED.len());
    }
}
