//! The new billing database (PostgreSQL): connecting, and the versioned schema.

pub mod bulk;
pub mod canonical;
pub mod context;
pub mod copy;
pub mod first_load;
pub mod partners;
pub mod records;
pub mod rows;
pub mod runs;
pub mod schema;
pub mod statistics;
pub mod table_jobs;
pub mod transient;
pub mod write_new;
pub mod writer;

use std::str::FromStr;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::settings::SecretUrl;

/// Why the target database could not be reached. Each message names the server, says the
/// cause once and what to change; the driver's own text (nested prefixes, a server source
/// line) is reduced to the server's message.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error(
        "target database {url} does not exist; create it first, e.g. `createdb -h {host} -p {port} -U {user} {db}`, then run `billmigrate setup`"
    )]
    MissingDatabase {
        url: String,
        host: String,
        port: u16,
        user: String,
        db: String,
    },
    #[error("target database {url}: {message}")]
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

const START_PG: &str = "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (or scripts/services)";

/// The one way a command opens the new billing: connected, and its schema checked to be the
/// one this tool writes (`setup` has run).
pub async fn open(url: &SecretUrl, max_connections: u32) -> anyhow::Result<PgPool> {
    let pool = connect(url, max_connections).await?;
    schema::require_current(&pool).await?;
    Ok(pool)
}

/// Connects to the target, telling a missing database from an unreachable server.
pub async fn connect(url: &SecretUrl, max_connections: u32) -> Result<PgPool, TargetError> {
    let redacted = url.redacted();
    let options = PgConnectOptions::from_str(url.expose()).map_err(|e| TargetError::Other {
        url: redacted.clone(),
        message: url.scrub(&e.to_string()),
    })?;
    let at = format!("{}:{}", options.get_host(), options.get_port());

    // One plain connection first: it fails at once (a pool would retry until its timeout)
    // and its error tells a missing database from an unreachable server.
    let probe = sqlx::PgConnection::connect_with(&options).await;
    let other = |message: String| TargetError::Other {
        url: redacted.clone(),
        message,
    };
    match probe {
        Ok(conn) => {
            let _ = conn.close().await;
            Ok(PgPoolOptions::new()
                .max_connections(max_connections.max(1))
                .acquire_timeout(std::time::Duration::from_secs(30))
                .connect_lazy_with(options))
        }
        Err(sqlx::Error::Database(db)) => match db.code().as_deref() {
            Some("3D000") => Err(TargetError::MissingDatabase {
                url: redacted,
                host: options.get_host().to_owned(),
                port: options.get_port(),
                user: options.get_username().to_owned(),
                db: options.get_database().unwrap_or("billing").to_owned(),
            }),
            // invalid_authorization_specification: the role does not exist.
            Some("28000") if db.message().starts_with("role ") => Err(other(format!(
                "PostgreSQL at {at} has no {}; use an existing user in target.url, or create \
                 it: `createuser -h {} -p {} -U postgres {}`",
                db.message().trim_end_matches(" does not exist"),
                options.get_host(),
                options.get_port(),
                options.get_username()
            ))),
            Some("28P01") => Err(other(format!(
                "{}; {}",
                url.scrub(db.message()),
                url.password_origin("target.url", "BILLMIGRATE_TARGET_PASSWORD")
            ))),
            _ => Err(other(url.scrub(db.message()))),
        },
        Err(sqlx::Error::Io(io)) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err(TargetError::Unreachable {
                url: redacted,
                message: format!(
                    "nothing listens on {at}; check the host and port of target.url \
                     (BILLMIGRATE_TARGET_URL); if they are right, start PostgreSQL: {START_PG}"
                ),
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
                message: format!(
                    "cannot reach PostgreSQL at {at} ({}); check the host and port of \
                     target.url (BILLMIGRATE_TARGET_URL); if they are right, is it running? \
                     {START_PG}",
                    url.scrub(&e.to_string())
                ),
            })
        }
        Err(e) => Err(other(url.scrub(&e.to_string()))),
    }
}
