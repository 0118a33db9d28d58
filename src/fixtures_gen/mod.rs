//! `billmigrate-fixtures`: builds a realistic legacy (BILLmanager-style) database.
//!
//! Owns the public entry point [`generate`]: prepare the database (create it if missing, drop
//! the legacy tables, create them, reference rows), bulk-load N generated accounts, then
//! build the secondary indexes once. The data is a pure function of (seed, accounts, today):
//! account ids run 1..=N in chunks of [`cases::CHUNK_ACCOUNTS`], each generated from its own
//! ChaCha8 stream, and ids of child rows are assigned in chunk order — so the result does not
//! depend on the number of threads or connections.
//!
//! Submodules: `cases` (context, rates, showcase), `people`, `payers`, `money`, `services`, `partners`
//! (row generators), `chunkgen` (one chunk), `model` (rows), `names` (text), `sqlgen` (INSERT
//! text), `schema` (DDL), `load` (pipeline), `progress` (stderr output).

pub mod cases;
mod chunkgen;
mod load;
pub mod model;
mod money;
mod names;
mod partners;
mod payers;
mod people;
mod progress;
pub mod schema;
mod services;
mod sqlgen;

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use mysql_async::Conn;
use mysql_async::prelude::Queryable;

pub use chunkgen::generate_chunk;
pub use load::write_chunk;

/// What to generate, and where.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    /// `mysql://user[:password]@host:port/DBNAME`; the database is created if missing.
    pub url: String,
    /// Number of accounts (ids 1..=accounts).
    pub accounts: u64,
    /// RNG seed: the same seed, accounts and `today` give the same data.
    pub seed: u64,
    /// The date the data is "as of": nothing happens after its midnight (only paid-until dates
    /// lie ahead), and "this month's expenses" fall in its month.
    pub today: NaiveDate,
    /// No progress output.
    pub quiet: bool,
    /// The legacy shape to leave behind (the data is the same either way).
    pub shape: Shape,
}

/// Which known legacy shape the generator writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shape {
    /// legacy-schema.md's table.
    #[default]
    Spec,
    /// Real BILLmanager's: the same facts, turned by sql/legacy/to_billmanager.sql after the
    /// load (docs/decisions.md, "Real BILLmanager databases").
    Billmanager,
}

/// Turns a loaded spec-shaped database into BILLmanager's shape.
pub const TO_BILLMANAGER_SQL: &str = include_str!("../../sql/legacy/to_billmanager.sql");

/// What [`generate`] wrote.
#[derive(Clone, Debug, Default)]
pub struct GenerateReport {
    /// Rows per legacy table, in schema order.
    pub rows: Vec<(String, u64)>,
    /// Wall-clock seconds of the whole run (schema, load, indexes).
    pub seconds: f64,
    /// Seconds spent building the secondary indexes (part of `seconds`).
    pub index_seconds: f64,
}

impl GenerateReport {
    pub fn total_rows(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }

    pub fn rows_of(&self, table: &str) -> u64 {
        self.rows
            .iter()
            .find(|(t, _)| t == table)
            .map_or(0, |(_, n)| *n)
    }
}

impl fmt::Display for GenerateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} accounts, {} rows in {:.1} s (indexes {:.1} s)",
            self.rows_of("account"),
            self.total_rows(),
            self.seconds,
            self.index_seconds
        )?;
        for (t, n) in &self.rows {
            writeln!(f, "  {t:<16} {n:>12}")?;
        }
        Ok(())
    }
}

/// Creates the legacy schema in the database named by `opts.url` and fills it.
pub async fn generate(opts: &GenerateOptions) -> Result<GenerateReport> {
    let start = Instant::now();
    let ctx = cases::Ctx::new(opts.seed, opts.accounts, opts.today);
    let progress = Arc::new(progress::Progress::new(opts.accounts, opts.quiet));
    let mysql = schema::prepare_database(&opts.url).await?;

    progress.phase("creating the legacy schema");
    let mut conn = Conn::new(mysql.clone())
        .await
        .context("cannot connect to the legacy database")?;
    schema::load_session(&mut conn).await?;
    schema::create(&mut conn).await?;

    progress.phase(&format!(
        "loading {} accounts (seed {}, today {})",
        opts.accounts, opts.seed, opts.today
    ));
    let loaded = load::load(&ctx, &mysql, progress.clone()).await;
    progress.finish();
    let generated = loaded?;

    progress.phase("building indexes");
    let index_start = Instant::now();
    build_indexes(&mysql).await?;
    let index_seconds = index_start.elapsed().as_secs_f64();

    if opts.shape == Shape::Billmanager {
        progress.phase("turning the data into BILLmanager's shape");
        conn.query_drop(TO_BILLMANAGER_SQL)
            .await
            .context("running sql/legacy/to_billmanager.sql")?;
    }

    let mut rows = Vec::new();
    for table in schema::table_names() {
        let n = match generated.iter().find(|(t, _)| *t == table) {
            Some((_, n)) => *n,
            None => conn
                .query_first::<u64, _>(format!(
                    "SELECT COUNT(*) FROM {}",
                    schema::quote_ident(&table)
                ))
                .await?
                .unwrap_or(0),
        };
        rows.push((table, n));
    }
    conn.disconnect().await.ok();
    Ok(GenerateReport {
        rows,
        seconds: start.elapsed().as_secs_f64(),
        index_seconds,
    })
}

/// Runs indexes.sql, one connection per group of tables, [`load::WRITERS`] at a time.
async fn build_indexes(mysql: &mysql_async::Opts) -> Result<()> {
    let groups = schema::index_groups();
    let queue = Arc::new(std::sync::Mutex::new(groups));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..load::WRITERS.min(2) {
        let (queue, mysql) = (queue.clone(), mysql.clone());
        set.spawn(async move {
            let mut conn = Conn::new(mysql)
                .await
                .context("cannot connect to build indexes")?;
            loop {
                let Some(group) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop() else {
                    break;
                };
                for s in group {
                    conn.query_drop(&s)
                        .await
                        .with_context(|| format!("indexes.sql failed at: {s}"))?;
                }
            }
            conn.disconnect().await.ok();
            anyhow::Ok(())
        });
    }
    while let Some(r) = set.join_next().await {
        r.context("index task failed")??;
    }
    Ok(())
}

/// Runs [`generate`] on its own runtime and prints the report unless quiet.
pub fn run(opts: &GenerateOptions) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(generate(opts))?;
    if !opts.quiet {
        print!("{report}");
    }
    Ok(())
}
