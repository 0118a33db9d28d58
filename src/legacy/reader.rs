//! Reads legacy accounts with everything the rules need, chunk by chunk (`stream` splits
//! the scope into chunks and reads them side by side). Each chunk is read inside one read-only,
//! consistent-snapshot transaction with one wide query per table, so memory is bounded by
//! the chunk size and the per-account cost is a few rows, not a few queries.

use mysql_async::prelude::*;
use mysql_async::{Conn, Opts, OptsBuilder, Pool, PoolConstraints, PoolOpts};
use std::time::Duration;

use super::access::{self, WriteAccess};
use super::assemble::{self, RawChildren};
use super::child_read::{PathCounts, ReadPaths, rows};
use super::columns::{ColumnsFileError, Overrides};
use super::decode::int;
use super::integrity::KnownDuplicates;
use super::model::LegacyAccount;
use super::queries::{Exclusions, Queries};
use super::schema::{self, LegacySchema};
use super::tls;
use crate::scope::Scope;
use crate::settings::{SecretUrl, Settings};

/// Failure to reach or read the legacy database.
#[derive(Debug, thiserror::Error)]
pub enum LegacyError {
    #[error("legacy database {url}: {message}")]
    Connect { url: String, message: String },
    /// A query failed; `what` names the query in the operator's words.
    #[error("{what}: {message}")]
    Read { what: String, message: String },
    /// The schema check found a required column missing, or an exclusion it cannot apply.
    #[error("legacy database {url}: {message}")]
    Schema { url: String, message: String },
    #[error("mappings: {0}")]
    Columns(#[from] ColumnsFileError),
    #[error(
        "the legacy database user {user} can write ({privileges}); connect with a user that \
         has SELECT only (docs/runbook.md), or set legacy.allow_write_access = true \
         (BILLMIGRATE_LEGACY_ALLOW_WRITE_ACCESS=1) to accept the risk"
    )]
    CanWrite { user: String, privileges: String },
}

/// A handle on the legacy database; cheap to clone.
#[derive(Clone)]
pub struct LegacySource {
    pool: Pool,
    url: SecretUrl,
    known: std::sync::Arc<KnownDuplicates>,
    schema: std::sync::Arc<LegacySchema>,
    queries: std::sync::Arc<Queries>,
    exclusions: std::sync::Arc<Exclusions>,
    paths: std::sync::Arc<PathCounts>,
}

impl LegacySource {
    /// Connects (eagerly, so a wrong URL fails before any work) and refuses a user that can
    /// write unless `allow_write_access`.
    pub async fn connect(
        settings: &Settings,
        connections: usize,
    ) -> Result<LegacySource, LegacyError> {
        let url = &settings.legacy_url;
        let (opts, tls) = legacy_opts(url)?;
        let fail = |e: mysql_async::Error| LegacyError::Connect {
            url: url.redacted(),
            message: tls::explain(&tls, super::connect_error::describe(url, &e)),
        };
        let constraints = PoolConstraints::new(1, connections.max(1)).expect("1 <= max");
        let opts = OptsBuilder::from_opts(opts)
            // Connections stay open between chunks, and are not reset: the pool used to close
            // every idle one beyond the first (a new connection for most chunks), and a reset
            // drops every prepared statement, so each chunk prepared its ten again. Nothing a
            // read does outlives it: its snapshot ends with COMMIT, the session stays READ ONLY.
            .pool_opts(
                PoolOpts::default()
                    .with_constraints(constraints)
                    .with_inactive_connection_ttl(Duration::from_secs(60))
                    .with_reset_connection(false),
            )
            .init(vec![
                "SET SESSION TRANSACTION READ ONLY",
                "SET NAMES utf8mb4",
            ]);
        let pool = Pool::new(opts);
        let mut conn = pool.get_conn().await.map_err(fail)?;
        conn.ping().await.map_err(fail)?;
        guard_write_access(&mut conn, url, settings.legacy_allow_write_access).await?;
        let schema = inspect(&mut conn, settings).await?;
        if let Some(message) = schema.missing_message() {
            return Err(LegacyError::Schema {
                url: url.redacted(),
                message,
            });
        }
        let exclusions = Exclusions {
            ids: settings.legacy_exclude_account_ids.clone(),
            levels: settings.legacy_exclude_levels.clone(),
        };
        let queries =
            Queries::build(&schema, &exclusions).map_err(|message| LegacyError::Schema {
                url: url.redacted(),
                message,
            })?;
        let known = KnownDuplicates::find(&mut conn, &schema)
            .await
            .map_err(fail)?;
        Ok(LegacySource {
            pool,
            url: url.clone(),
            known: std::sync::Arc::new(known),
            schema: std::sync::Arc::new(schema),
            queries: std::sync::Arc::new(queries),
            exclusions: std::sync::Arc::new(exclusions),
            paths: Default::default(),
        })
    }

    /// The schema check alone (`check-legacy`): the resolution, whether or not a required
    /// column is missing. Connects once, reads only `information_schema`.
    pub async fn check(settings: &Settings) -> Result<LegacySchema, LegacyError> {
        let url = &settings.legacy_url;
        let (opts, tls) = legacy_opts(url)?;
        let fail = |e: mysql_async::Error| LegacyError::Connect {
            url: url.redacted(),
            message: tls::explain(&tls, url.scrub(&e.to_string())),
        };
        let mut conn = Conn::new(opts).await.map_err(fail)?;
        let schema = inspect(&mut conn, settings).await;
        let _ = conn.disconnect().await;
        schema
    }

    /// How the child tables' chunk reads went so far (`legacy::child_read`).
    pub fn read_paths(&self) -> ReadPaths {
        self.paths.get()
    }

    /// This source, reading every child table through its account index only: what the
    /// reads by primary key must give the same accounts as.
    pub fn without_key_reads(mut self) -> LegacySource {
        self.queries = std::sync::Arc::new(self.queries.without_key_reads());
        self
    }

    /// The resolved legacy schema this source reads through.
    pub fn schema(&self) -> &LegacySchema {
        &self.schema
    }

    pub(super) fn queries(&self) -> &Queries {
        &self.queries
    }

    pub(super) fn exclusions(&self) -> &Exclusions {
        &self.exclusions
    }

    async fn conn(&self) -> Result<Conn, mysql_async::Error> {
        self.pool.get_conn().await
    }

    pub(super) fn pool(&self) -> &Pool {
        &self.pool
    }

    pub(super) fn url(&self) -> &SecretUrl {
        &self.url
    }

    /// Number of accounts in scope (for progress and ETA).
    pub async fn count(&self, scope: &Scope) -> Result<u64, LegacyError> {
        let fail = |e: mysql_async::Error| LegacyError::Read {
            what: "counting the legacy accounts in scope".into(),
            message: self.url.scrub(&e.to_string()),
        };
        let mut conn = self.conn().await.map_err(fail)?;
        let mut total = 0u64;
        for (lo, hi) in scope.ranges() {
            let n: Option<u64> = conn
                .exec_first(self.queries.count.as_str(), (lo, hi))
                .await
                .map_err(fail)?;
            total += n.unwrap_or(0);
        }
        Ok(total)
    }

    /// One account, or `None` when it does not exist.
    pub async fn read_account(&self, id: i64) -> Result<Option<LegacyAccount>, LegacyError> {
        let mut chunk = self.read_chunk(id, id, 1).await?;
        Ok(chunk.pop())
    }

    /// Up to `limit` accounts with `from <= id <= upto`, in id order, from one snapshot.
    pub async fn read_chunk(
        &self,
        from: i64,
        upto: i64,
        limit: usize,
    ) -> Result<Vec<LegacyAccount>, LegacyError> {
        let fail = |e: mysql_async::Error| LegacyError::Read {
            what: format!("reading legacy accounts from id {from}"),
            message: self.url.scrub(&e.to_string()),
        };
        // A fresh snapshot is as good as the lost one: nothing was consumed yet.
        retrying(|| self.try_read_chunk(from, upto, limit))
            .await
            .map_err(fail)
    }

    async fn try_read_chunk(
        &self,
        from: i64,
        upto: i64,
        limit: usize,
    ) -> Result<Vec<LegacyAccount>, mysql_async::Error> {
        let mut conn = self.conn().await?;
        conn.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            .await?;
        let result = read_in_snapshot(
            &mut conn,
            &self.queries,
            &self.known,
            &self.paths,
            from,
            upto,
            limit,
        )
        .await;
        // A read-only snapshot has nothing to commit; ending it frees the undo history.
        let _ = conn.query_drop("COMMIT").await;
        result
    }

    pub async fn close(self) {
        let _ = self.pool.disconnect().await;
    }
}

/// Attempts per chunk: a killed connection or a restarting server is retried with backoff
/// (0.4 s, 0.8 s, … 6.4 s), then the read fails and the command stops (exit 2).
pub(super) const READ_ATTEMPTS: u32 = 6;

/// Runs `read` again after a transient error, with backoff, up to `READ_ATTEMPTS` times.
pub(super) async fn retrying<T, F, Fut>(mut read: F) -> Result<T, mysql_async::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, mysql_async::Error>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match read().await {
            Err(e) if is_transient(&e) && attempt < READ_ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            other => return other,
        }
    }
}

/// Errors after which reading the same chunk again can succeed.
pub(super) fn is_transient(e: &mysql_async::Error) -> bool {
    match e {
        mysql_async::Error::Io(_) => true,
        mysql_async::Error::Driver(d) => matches!(d, mysql_async::DriverError::ConnectionClosed),
        // Killed connection or query, server going away or shutting down, too many
        // connections, lock wait timeout, deadlock.
        mysql_async::Error::Server(s) => {
            matches!(
                s.code,
                1927 | 1317 | 2006 | 2013 | 1053 | 1040 | 1205 | 1213
            )
        }
        _ => false,
    }
}

async fn guard_write_access(
    conn: &mut Conn,
    url: &SecretUrl,
    allowed: bool,
) -> Result<(), LegacyError> {
    match access::check(conn).await {
        WriteAccess::ReadOnly => Ok(()),
        WriteAccess::Writable { user, privileges } if !allowed => Err(LegacyError::CanWrite {
            user,
            privileges: privileges.join(", "),
        }),
        WriteAccess::Writable { user, privileges } => {
            eprintln!(
                "WARNING: the legacy database user {user} can write ({}); continuing because \
                 legacy.allow_write_access is set. Every session is READ ONLY, but only a \
                 SELECT-only user makes that the server's promise.",
                privileges.join(", ")
            );
            Ok(())
        }
        WriteAccess::Unknown { user, why } => {
            eprintln!(
                "WARNING: cannot tell whether the legacy database user {user} can write ({}). \
                 Every session is READ ONLY; use a user with SELECT only to be sure.",
                url.scrub(&why)
            );
            Ok(())
        }
    }
}

/// The driver's options for `legacy.url`, with its TLS options (`legacy::tls`).
fn legacy_opts(url: &SecretUrl) -> Result<(Opts, tls::LegacyTls), LegacyError> {
    tls::opts(url.expose()).map_err(|message| LegacyError::Connect {
        url: url.redacted(),
        message: url.scrub(&message),
    })
}

/// Reads the operator's column names and resolves the schema.
async fn inspect(conn: &mut Conn, settings: &Settings) -> Result<LegacySchema, LegacyError> {
    let overrides = Overrides::load(&settings.mappings_dir)?;
    schema::inspect(conn, &overrides)
        .await
        .map_err(|e| LegacyError::Read {
            what: "reading information_schema (the schema check)".into(),
            message: settings.legacy_url.scrub(&e.to_string()),
        })
}

async fn read_in_snapshot(
    conn: &mut Conn,
    q: &Queries,
    known: &KnownDuplicates,
    paths: &PathCounts,
    from: i64,
    upto: i64,
    limit: usize,
) -> Result<Vec<LegacyAccount>, mysql_async::Error> {
    let account_rows = rows(conn, &q.accounts, (from, upto, limit as u64)).await?;
    let mut accounts = assemble::accounts(account_rows);
    let (Some(lo), Some(hi)) = (
        accounts.first().map(|a| a.id),
        accounts.last().map(|a| a.id),
    ) else {
        return Ok(accounts);
    };
    let items = q.items.read(conn, lo, hi, paths).await?;
    // The second column of an item row is its id (`assemble`); `None` if one is not a number.
    let item_ids = items
        .iter()
        .map(|row| row.get(1).cloned().and_then(int))
        .collect();
    let children = RawChildren {
        users: q.users.read(conn, lo, hi, paths).await?,
        profiles: q.profiles.read(conn, lo, hi, paths).await?,
        subaccounts: q.subaccounts.read(conn, lo, hi, paths).await?,
        domains: q.domains.read(conn, lo, hi, item_ids, paths).await?,
        items,
        // Read in the chunk's snapshot, like the items they name.
        pricelist_types: rows(conn, &q.pricelist_types, ()).await?,
        currencies: rows(conn, &q.currencies, ()).await?,
    };
    assemble::attach(&mut accounts, children, known);
    Ok(accounts)
}
