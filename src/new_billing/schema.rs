//! The target schema's versioned migrations (`sql/migrations/`), embedded in the binary so
//! `setup` works from any directory, and applied with sqlx's migrator (a lock, a checksum
//! per version, and a no-op when everything is applied).

use super::transient::retrying;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{PgPool, SqlSafeStr};

/// `(version, description, sql)` of every migration, in order.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "billing",
        include_str!("../../sql/migrations/0001_billing.sql"),
    ),
    (
        2,
        "migration",
        include_str!("../../sql/migrations/0002_migration.sql"),
    ),
    (
        3,
        "affiliate reward over 100",
        include_str!("../../sql/migrations/0003_affiliate_reward_over_100.sql"),
    ),
    (
        4,
        "first load deferred",
        include_str!("../../sql/migrations/0004_first_load_deferred.sql"),
    ),
];

fn migrator() -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                description.into(),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

/// What `setup` did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SetupReport {
    pub applied: Vec<i64>,
    pub already: Vec<i64>,
}

/// Applies every migration not yet applied.
pub async fn setup(pool: &PgPool) -> anyhow::Result<SetupReport> {
    let migrator = migrator();
    let before: Vec<i64> = applied_versions(pool).await?;
    migrator
        .run(pool)
        .await
        .map_err(|e| anyhow::anyhow!("applying the target schema: {e}"))?;
    let after = applied_versions(pool).await?;
    Ok(SetupReport {
        applied: after
            .iter()
            .copied()
            .filter(|v| !before.contains(v))
            .collect(),
        already: before,
    })
}

async fn applied_versions(pool: &PgPool) -> Result<Vec<i64>, sqlx::Error> {
    let exists: bool =
        sqlx::query_scalar("SELECT to_regclass('public._sqlx_migrations') IS NOT NULL")
            .fetch_one(pool)
            .await?;
    if !exists {
        return Ok(Vec::new());
    }
    let versions =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(pool)
            .await?;
    Ok(versions)
}

/// The latest schema version this binary knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// Refuses to write into a database `setup` has not brought to this binary's version.
pub async fn require_current(pool: &PgPool) -> anyhow::Result<()> {
    // Every command's first statement: a backend killed or a server restarting right then
    // costs a retry, as it would a moment later in a batch.
    let applied = retrying(|| applied_versions(pool)).await?;
    if applied.last().copied() != Some(latest_version()) {
        // "version None" meant nothing to a person: an empty database says so.
        let found = applied.last().map_or_else(
            || "has no billmigrate schema yet".to_owned(),
            |v| format!("has schema version {v}"),
        );
        return Err(crate::exit::Fatal::Precondition(format!(
            "the target database {found}, this tool needs version {}: run `billmigrate setup` first",
            latest_version()
        ))
        .into());
    }
    Ok(())
}

/// `setup`: creates or upgrades the target schema.
pub async fn run(settings: &crate::settings::Settings) -> anyhow::Result<SetupReport> {
    let pool = super::connect(&settings.target_url, 1).await?;
    let report = setup(&pool).await;
    pool.close().await;
    report
}

impl crate::exit::CommandReport for SetupReport {
    fn text(&self) -> String {
        if self.applied.is_empty() {
            format!(
                "target schema is up to date (version {})\n",
                latest_version()
            )
        } else {
            format!("applied target schema migrations {:?}\n", self.applied)
        }
    }

    fn outcome(&self) -> crate::exit::Outcome {
        crate::exit::Outcome::Done
    }
}
