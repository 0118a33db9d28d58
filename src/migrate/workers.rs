//! How many batches `migrate` writes at once: three by default, fewer when the target has
//! fewer free connections, or too small a lock table for that many batches' advisory locks;
//! and a warning before any work when the batches' locks may not fit whatever was asked.

/// Workers without `--workers`. On a 2-core machine running both servers, a third worker
/// keeps the server busy while another batch is in a round trip or being encoded (100k
/// accounts: 7.3–8.0 s with 3 against 8.0–8.6 s with 2); more only queue on the server's
/// cores and locks.
pub const DEFAULT_WORKERS: usize = 3;

/// What the target can take, read once before the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetRoom {
    /// Connection slots no client holds (superuser-reserved ones excluded).
    pub free_connections: i64,
    /// Objects PostgreSQL's shared lock table is sized for: `max_locks_per_transaction ×
    /// (max_connections + max_prepared_transactions)`. A batch holds one advisory lock per
    /// account until it commits; past this size a lock may fail with "out of shared memory".
    pub lock_slots: i64,
}

impl TargetRoom {
    /// Both figures in one round trip, before the run starts.
    pub async fn read(pool: &sqlx::PgPool) -> Result<TargetRoom, sqlx::Error> {
        let (free_connections, lock_slots): (i64, i64) = sqlx::query_as(
            "SELECT current_setting('max_connections')::int8
                      - current_setting('superuser_reserved_connections')::int8
                      - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
                    current_setting('max_locks_per_transaction')::int8
                      * (current_setting('max_connections')::int8
                         + current_setting('max_prepared_transactions')::int8)",
        )
        .fetch_one(pool)
        .await?;
        Ok(TargetRoom {
            free_connections,
            lock_slots,
        })
    }

    /// [`DEFAULT_WORKERS`], or fewer when the target has fewer free connections (each worker
    /// holds one; the run record and the statistics refresh two more) or a lock table too
    /// small for that many batches at once; and why, for the summary.
    pub fn chosen_workers(&self, batch_size: usize) -> (usize, String) {
        let free = self.free_connections;
        let by_connections = (free - 2).clamp(1, DEFAULT_WORKERS as i64) as usize;
        let by_locks = (self.lock_slots.max(0) as usize / batch_size.max(1)).max(1);
        if by_locks < by_connections {
            (
                by_locks,
                format!(
                    "chosen: {free} free connections, a lock table for {} locks on the target",
                    self.lock_slots
                ),
            )
        } else {
            (
                by_connections,
                format!("chosen: {free} free connections on the target"),
            )
        }
    }

    /// Said before any work when `workers` batches of `batch_size` accounts can hold more
    /// advisory locks at once than the target's lock table is sized for.
    pub fn lock_warning(&self, workers: usize, batch_size: usize) -> Option<String> {
        let most = workers.saturating_mul(batch_size);
        (most as i64 > self.lock_slots).then(|| {
            format!(
                "WARNING: {workers} worker(s) × {batch_size} accounts a batch hold up to {most} \
                 advisory locks at once; the target's lock table is sized for {} \
                 (max_locks_per_transaction × (max_connections + max_prepared_transactions)). \
                 If the run stops with \"out of shared memory\", use fewer --workers or a \
                 smaller --batch-size, or raise max_locks_per_transaction.",
                self.lock_slots
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(free_connections: i64, lock_slots: i64) -> TargetRoom {
        TargetRoom {
            free_connections,
            lock_slots,
        }
    }

    #[test]
    fn workers_are_the_default_unless_connections_or_locks_are_short() {
        // (free connections, lock slots, batch size) → workers, and whether locks decided
        let table = [
            ((95, 6400, 2000), (3, false)),
            ((95, 6400, 1000), (3, false)),
            ((4, 6400, 2000), (2, false)),
            ((1, 6400, 2000), (1, false)),
            ((95, 5000, 2000), (2, true)),
            ((95, 1280, 2000), (1, true)),
            ((95, 1280, 500), (2, true)),
            ((3, 1280, 500), (1, false)),
        ];
        for ((free, slots, batch), (workers, by_locks)) in table {
            let (n, why) = room(free, slots).chosen_workers(batch);
            assert_eq!(
                n, workers,
                "{free} free, {slots} slots, batch {batch}: {why}"
            );
            assert_eq!(why.contains("lock table"), by_locks, "{why}");
            assert!(why.contains(&format!("{free} free connections")), "{why}");
        }
    }

    #[test]
    fn a_warning_only_when_the_batches_locks_exceed_the_lock_table() {
        let r = room(95, 6400);
        assert_eq!(r.lock_warning(3, 2000), None);
        assert_eq!(r.lock_warning(1, 6400), None);
        let w = r.lock_warning(4, 2000).expect("8000 locks > 6400");
        assert!(w.contains("up to 8000 advisory locks"), "{w}");
        assert!(w.contains("sized for 6400"), "{w}");
        assert!(r.lock_warning(1, 6401).is_some());
    }
}
