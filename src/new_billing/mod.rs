//! The new billing database (PostgreSQL): connecting, and the versioned schema.

pub mod canonical;
pub mod context;
pub mod partners;
pub mod records;
pub mod rows;
pub mod runs;
pub mod schema;
pub mod write_new;
pub mod writer;

use std::str::FromStr;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::settings::SecretUrl;

/// Why the target database could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error(
        "target database {url} does not exist; create it first, e.g. `createdb -h {host} -p {port} -U {user} {db}`"
    )]
    MissingDatabase {
        url: String,
        host: String,
        port: u16,
        user: String,
        db: String,
    },
    #[error(
        "cannot reach PostgreSQL at {url}: {message}. Is it running? On this machine: `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (or scripts/services)"
    )]
    Unreachable { url: String, message: String },
    #[error("target database {url}: {message}")]
    Other { url: String, message: String },
    /// TLS was asked for (`sslmode=…`) and the handshake failed: never "is it running?".
    #[error(
        "TLS to the target database {url} failed: {message}. With sslmode=verify-full the \
         server's certificate must verify against sslrootcert (or the system roots) and name \
         the URL's host; check both (never lower sslmode for a server across a network)"
    )]
    Tls { url: String, message: String },
}

/// Connects to the target, telling a missing database from an unreachable server.
/// The one way a command opens the new billing: connected, and its schema checked to be the
/// one this tool writes (`setup` has run).
pub async fn open(url: &SecretUrl, max_connections: u32) -> anyhow::Result<PgPool> {
    let pool = connect(url, max_connections).await?;
    schema::require_current(&pool).await?;
    Ok(pool)
}

pub async fn connect(url: &SecretUrl, max_connections: u32) -> Result<PgPool, TargetError> {
    let redacted = url.redacted();
    let options = PgConnectOptions::from_str(url.expose()).map_err(|e| TargetError::Other {
        url: redacted.clone(),
        message: url.scrub(&e.to_string()),
    })?;

    // One plain connection first: it fails at once (a pool would retry until its timeout)
    // and its error tells a missing database from an unreachable server.
    let probe = sqlx::PgConnection::connect_with(&options).await;
    match probe {
        Ok(conn) => {
            let _ = conn.close().await;
            Ok(PgPoolOptions::new()
                .max_connections(max_connections.max(1))
                .acquire_timeout(std::time::Duration::from_secs(30))
                .connect_lazy_with(options))
        }
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("3D000") => {
            Err(TargetError::MissingDatabase {
                url: redacted,
                host: options.get_host().to_owned(),
                port: options.get_port(),
                user: options.get_username().to_owned(),
                db: options.get_database().unwrap_or("billing").to_owned(),
            })
        }
        // rustls reports a certificate that does not verify as an I/O error.
        Err(e @ (sqlx::Error::Tls(_) | sqlx::Error::Io(_)))
            if matches!(e, sqlx::Error::Tls(_))
                || e.to_string().to_ascii_lowercase().contains("certificate") =>
        {
            Err(TargetError::Tls {
                url: redacted,
                message: url.scrub(&e.to_string()),
            })
        }
        Err(e @ (sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut)) => {
            Err(TargetError::Unreachable {
                url: redacted,
                message: url.scrub(&e.to_string()),
            })
        }
        Err(e) => Err(TargetError::Other {
            url: redacted,
            message: url.scrub(&e.to_string()),
        }),
    }
}
