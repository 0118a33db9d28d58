//! When `migrate` refreshes the target's planner statistics while it loads: once 20k, 80k,
//! 320k, … accounts are written, counted as batches commit.
//!
//! Statistics from an empty start make the planner pick whole-table scans for each batch's
//! lookups, and those grow with the table. Counting what was handed to the writers instead
//! ran the first `ANALYZE` while the first batches were still open: it found their pages
//! but none of their rows (uncommitted), stored a density of zero rows a page, and until the
//! next refresh every estimate of those tables was one row — the add-ons' link joined the
//! services by full index scans, 0.3 → 2.8 s a batch as the table grew (docs/performance.md).

use std::sync::atomic::{AtomicU64, Ordering};

/// The first refresh; each later one comes after four times as many accounts.
const FIRST: u64 = 20_000;
const GROWTH: u64 = 4;

/// The accounts written so far and the count at which the next refresh is due.
#[derive(Debug)]
pub struct Schedule {
    written: AtomicU64,
    next: AtomicU64,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            written: AtomicU64::new(0),
            next: AtomicU64::new(FIRST),
        }
    }
}

impl Schedule {
    /// Counts `n` accounts of a batch that just committed (or was held); true for exactly
    /// one caller each time the count passes a threshold, however many writers report at once.
    fn written(&self, n: u64) -> bool {
        let written = self.written.fetch_add(n, Ordering::Relaxed) + n;
        let mut due = self.next.load(Ordering::Relaxed);
        while written >= due {
            let after = due.saturating_mul(GROWTH);
            match self
                .next
                .compare_exchange(due, after, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(moved) => due = moved,
            }
        }
        false
    }

    /// Counts a written batch and, when a refresh is due, runs one beside the writers. A
    /// failed refresh only leaves the statistics older; the load goes on.
    pub fn after_batch(&self, n: u64, pool: &sqlx::PgPool) {
        if self.written(n) {
            let pool = pool.clone();
            tokio::spawn(async move {
                let _ = crate::new_billing::statistics::refresh_during_load(&pool).await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refresh_is_due_at_20k_80k_320k_written_accounts() {
        // (batch size, the batches after which a refresh is due, of the first 200)
        let cases: &[(u64, &[u64])] = &[
            (2_000, &[10, 40, 160]),
            (4_000, &[5, 20, 80]),
            (3_000, &[7, 27, 107]),
            // A batch past several thresholds starts one refresh; the next batch another.
            (100_000, &[1, 2, 4, 13, 52]),
        ];
        for &(batch, want) in cases {
            let schedule = Schedule::default();
            let due: Vec<u64> = (1..=200).filter(|_| schedule.written(batch)).collect();
            assert_eq!(due, want, "batches of {batch}");
        }
    }

    #[test]
    fn writers_reporting_at_once_start_one_refresh_per_threshold() {
        let schedule = Schedule::default();
        let due = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..100 {
                        if schedule.written(1_000) {
                            due.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        // 400,000 accounts: past 20k, 80k and 320k.
        assert_eq!(due.load(Ordering::Relaxed), 3);
    }
}
