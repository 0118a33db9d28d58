//! Which target errors a retry can get past, and the one retry loop with backoff that every
//! step against the target shares: a batch, the first load's steps, the start-up checks, the
//! run record, verify's reads, what `send` records after the mail server answered.
//! An operator restarting PostgreSQL, or killing a backend, mid-run must cost a retry, not
//! the run (tests/migrate_faults.rs kills backends at any moment of a `migrate`).

use std::time::Duration;

/// Attempts before a transient failure is given up on.
const ATTEMPTS: u32 = 6;

/// An error that can say whether a retry may get past it; what `retrying` retries.
pub trait Transient {
    fn is_transient(&self) -> bool;
}

/// A lost connection, a restarting server, a serialization failure or deadlock, too many
/// connections.
impl Transient for sqlx::Error {
    fn is_transient(&self) -> bool {
        match self {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Protocol(_) => true,
            sqlx::Error::Database(db) => db.code().is_some_and(|c| {
                c.starts_with("08")
                    || matches!(
                        c.as_ref(),
                        "40001" | "40P01" | "57P01" | "57P02" | "57P03" | "53300"
                    )
            }),
            _ => false,
        }
    }
}

/// Backoff before retry `attempt` (1-based): 0.5 s doubling to 16 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 * 2u64.pow(attempt.min(6)))
}

/// Runs `op` again after a backoff while it fails with a transient error, up to
/// [`ATTEMPTS`] times in all.
pub async fn retrying<T, E: Transient, F, Fut>(mut op: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut n = 0;
    loop {
        n += 1;
        match op().await {
            Err(e) if e.is_transient() && n < ATTEMPTS => tokio::time::sleep(backoff(n)).await,
            other => return other,
        }
    }
}
