//! The first load into an empty target: the foreign keys and non-unique indexes of the
//! tables `migrate` writes are dropped before it and built after it, as a bulk loader does.
//! Per row, a foreign key costs a trigger and a lookup; building it afterwards is one join.
//! Unique constraints and primary keys stay, so upserts and duplicates behave as always.
//! Every dropped object's definition is kept in `migration.deferred_ddl` in the same
//! transaction as the drop, so a run killed mid-load leaves what to rebuild, and the next
//! writing command (`Run::start`) rebuilds it before doing anything else.

use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection, PgPool};

use super::table_jobs::{self, TableJob};
use super::transient::Transient;

/// Serialises deferring, and the brief rebuild steps (indexes, keys added unchecked),
/// between concurrent runs; validating a key claims its own `deferred_ddl` row instead, so
/// two can run at once. The two-key form: its key space is apart from the per-account
/// locks' single keys.
const LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext('billmigrate'), hashtext('first_load'))";

/// The tables `migrate` writes; their foreign keys and non-unique indexes are deferred.
const WRITTEN: &[&str] = &[
    "billing.clients",
    "billing.users",
    "billing.memberships",
    "billing.invitations",
    "billing.payers",
    "billing.ledger_entries",
    "billing.services",
    "migration.accounts",
    "migration.outbox",
];

/// Indexes each batch reads through while loading (the owner-welcome lookup by user), so
/// dropping them would make every batch scan a growing table.
const READ_DURING_LOAD: &[&str] = &["migration.outbox_user_id"];

/// What a first load deferred, and what building it back took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Deferred {
    pub foreign_keys: u64,
    pub indexes: u64,
}

/// Drops the deferrable objects if the target holds no account and no other run is
/// working; `None` (nothing dropped) otherwise: a re-run or a later phase takes the normal
/// path.
pub async fn defer_if_empty(pool: &PgPool, run_id: i64) -> Result<Option<Deferred>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    sqlx::query(LOCK).execute(&mut *tx).await?;
    // Names in the catalog's text below come out schema-qualified whatever the role's
    // search_path, so what is stored rebuilds in any session.
    sqlx::query("SET LOCAL search_path = pg_catalog")
        .execute(&mut *tx)
        .await?;
    // A retry after a commit whose reply was lost: this run's deferral already happened.
    let already: Vec<(String, i64)> = sqlx::query_as(
        "SELECT kind, count(*) FROM migration.deferred_ddl WHERE run_id = $1 GROUP BY kind",
    )
    .bind(run_id)
    .fetch_all(&mut *tx)
    .await?;
    if !already.is_empty() {
        let count = |k: &str| {
            already
                .iter()
                .find(|(kind, _)| kind == k)
                .map_or(0, |(_, n)| *n)
        };
        return Ok(Some(Deferred {
            foreign_keys: count("foreign_key") as u64,
            indexes: count("index") as u64,
        }));
    }
    let empty: bool = sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM migration.accounts)
            AND NOT EXISTS (SELECT 1 FROM billing.clients)
            AND NOT EXISTS (SELECT 1 FROM migration.deferred_ddl)
            AND NOT EXISTS (SELECT 1 FROM migration.runs WHERE status = 'running' AND id <> $1)",
    )
    .bind(run_id)
    .fetch_one(&mut *tx)
    .await?;
    if !empty {
        return Ok(None);
    }
    let tables: Vec<String> = WRITTEN.iter().map(|t| t.to_string()).collect();
    let kept: Vec<String> = READ_DURING_LOAD.iter().map(|t| t.to_string()).collect();
    // Definitions from the catalog, not copied from the migrations: whatever the schema
    // version, what is rebuilt is exactly what was dropped.
    let objects: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT format('%s.%I', c.connamespace::regnamespace, c.conname), 'foreign_key',
                format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)),
                format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname)
         FROM pg_constraint c
         WHERE c.contype = 'f' AND c.conrelid = ANY($1::regclass[])
         UNION ALL
         SELECT i.indexrelid::regclass::text, 'index', pg_get_indexdef(i.indexrelid),
                format('DROP INDEX %s', i.indexrelid::regclass)
         FROM pg_index i
         WHERE i.indrelid = ANY($1::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary
           AND NOT i.indexrelid = ANY($2::regclass[])
         ORDER BY 2, 1",
    )
    .bind(&tables)
    .bind(&kept)
    .fetch_all(&mut *tx)
    .await?;
    let mut deferred = Deferred::default();
    for (name, kind, create, drop) in &objects {
        sqlx::query("INSERT INTO migration.deferred_ddl (name, kind, create_ddl, run_id) VALUES ($1, $2, $3, $4)")
            .bind(name)
            .bind(kind)
            .bind(create)
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(drop.clone()))
            .execute(&mut *tx)
            .await?;
        match kind.as_str() {
            "foreign_key" => deferred.foreign_keys += 1,
            _ => deferred.indexes += 1,
        }
    }
    tx.commit().await?;
    Ok(Some(deferred))
}

/// Builds back what run `run_id` deferred: every foreign key added unchecked (a catalog
/// change), then the indexes built and the keys validated over every row, two at a time on
/// their own connections, largest table first, never two on one table (they would queue on
/// its lock: [`table_jobs`]). A definition stays in `migration.deferred_ddl` until its
/// object is whole, so a rebuild cut short at any step is finished by the next run.
pub async fn rebuild(pool: &PgPool, run_id: i64) -> Result<Duration, RebuildError> {
    let started = Instant::now();
    let mut conn = pool.acquire().await?;
    for (name, kind) in deferred_of(&mut conn, Some(run_id)).await? {
        if kind == "foreign_key" {
            build(&mut conn, &name, Step::AddUnchecked).await?;
        }
    }
    let jobs = finishing_order(&mut conn, run_id).await?;
    drop(conn);
    table_jobs::run(pool, jobs, |mut conn, name| async move {
        build(&mut conn, &name, Step::Finish).await
    })
    .await?;
    Ok(started.elapsed())
}

/// What run `run_id` still has to finish, with the table each object is on: a key's from
/// the catalog (it was just added unchecked), an index's from its definition. Largest
/// table first, so the longest jobs do not come last and leave one connection working alone.
async fn finishing_order(
    conn: &mut PgConnection,
    run_id: i64,
) -> Result<Vec<TableJob>, sqlx::Error> {
    let rows: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT d.name, t.oid::int8
         FROM migration.deferred_ddl d
         LEFT JOIN LATERAL (
             SELECT COALESCE(
                 (SELECT c.conrelid FROM pg_constraint c
                  WHERE c.contype = 'f' AND format('%s.%I', c.connamespace::regnamespace, c.conname) = d.name),
                 to_regclass(substring(d.create_ddl from ' ON (?:ONLY )?(\\S+) USING '))::oid) AS oid
         ) t ON true
         WHERE d.run_id = $1
         ORDER BY pg_relation_size(t.oid) DESC NULLS LAST, d.kind DESC, d.name",
    )
    .bind(run_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, table)| TableJob { name, table })
        .collect())
}

/// Builds back what runs that are no longer working (crashed, killed) deferred.
pub async fn rebuild_orphaned(conn: &mut PgConnection) -> Result<u64, RebuildError> {
    let orphaned: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM migration.deferred_ddl d JOIN migration.runs r ON r.id = d.run_id
         WHERE r.status <> 'running'",
    )
    .fetch_one(&mut *conn)
    .await?;
    if orphaned > 0 {
        rebuild_where(conn, None).await?;
    }
    Ok(orphaned as u64)
}

/// Why a deferred object could not be built back.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error(
        "building back {name} after the first load failed: {reason}. Its definition stays in \
         migration.deferred_ddl; the next migrate, partners or send builds it again"
    )]
    Object {
        name: String,
        reason: String,
        source: sqlx::Error,
    },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Transient as the database error underneath: a build cut by a lost connection is tried
/// again, one that failed on the data is not.
impl Transient for RebuildError {
    fn is_transient(&self) -> bool {
        match self {
            RebuildError::Object { source, .. } | RebuildError::Db(source) => source.is_transient(),
        }
    }
}

async fn rebuild_where(
    conn: &mut PgConnection,
    run_id: Option<i64>,
) -> Result<Duration, RebuildError> {
    let started = Instant::now();
    for (name, _) in deferred_of(conn, run_id).await? {
        build(conn, &name, Step::Finish).await?;
    }
    Ok(started.elapsed())
}

/// (name, kind) of what run `run_id` deferred, or with `None` what finished runs left:
/// indexes first, so the keys' checks can use them.
async fn deferred_of(
    conn: &mut PgConnection,
    run_id: Option<i64>,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT d.name, d.kind FROM migration.deferred_ddl d JOIN migration.runs r ON r.id = d.run_id
         WHERE CASE WHEN $1::int8 IS NULL THEN r.status <> 'running' ELSE d.run_id = $1 END
         ORDER BY d.kind DESC, d.name",
    )
    .bind(run_id)
    .fetch_all(conn)
    .await
}

/// How far to take one deferred object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// A foreign key in the catalog, not yet checked over the existing rows; its
    /// definition stays recorded.
    AddUnchecked,
    /// The object whole (a key checked over every row), its definition then forgotten.
    Finish,
}

/// Takes one deferred object to `step`, in one transaction. The catalog says how far an
/// earlier attempt got: a foreign key already there unchecked is only validated.
async fn build(conn: &mut PgConnection, name: &str, step: Step) -> Result<(), RebuildError> {
    let mut tx = conn.begin().await?;
    let claim = match step {
        // Adding or building is brief: serialised with other runs' deferrals and rebuilds.
        Step::AddUnchecked => {
            sqlx::query(LOCK).execute(&mut *tx).await?;
            "SELECT create_ddl FROM migration.deferred_ddl WHERE name = $1"
        }
        // Validating is long and claims its own row: the other validator takes another.
        Step::Finish => "DELETE FROM migration.deferred_ddl WHERE name = $1 RETURNING create_ddl",
    };
    // Gone: a concurrent run built it first.
    let Some(ddl) = sqlx::query_scalar::<_, String>(claim)
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(());
    };
    let present: Option<(String, String, bool)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, quote_ident(c.conname), c.convalidated
         FROM pg_constraint c
         WHERE c.contype = 'f' AND format('%s.%I', c.connamespace::regnamespace, c.conname) = $1",
    )
    .bind(name)
    .fetch_optional(&mut *tx)
    .await?;
    let statement = match (present, step) {
        (None, Step::AddUnchecked) => Some(format!("{ddl} NOT VALID")),
        (None, Step::Finish) => Some(ddl),
        (Some((table, constraint, false)), Step::Finish) => Some(format!(
            "ALTER TABLE {table} VALIDATE CONSTRAINT {constraint}"
        )),
        (Some(_), _) => None,
    };
    if let Some(statement) = statement {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(&mut *tx)
            .await
            .map_err(|e| RebuildError::Object {
                name: name.to_owned(),
                reason: server_reason(&e),
                source: e,
            })?;
    }
    tx.commit().await?;
    Ok(())
}

/// The server's message and detail (which row breaks a constraint), without the driver's
/// prefix and source line.
fn server_reason(e: &sqlx::Error) -> String {
    let Some(db) = e.as_database_error() else {
        return e.to_string();
    };
    let detail = db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .and_then(|pg| pg.detail());
    match detail {
        Some(detail) => format!("{} ({detail})", db.message()),
        None => db.message().to_owned(),
    }
}
