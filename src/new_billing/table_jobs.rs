//! Statements over whole tables at the end of a load (building back deferred indexes and
//! foreign keys, refreshing statistics) run two at a time on their own connections, never
//! two on one table, in the order given (largest table first).
//!
//! Why: each of them is one backend on one core, and after the load the machine has
//! nothing else to do. Two, not more: the servers this tool is measured on have two cores.
//! Two on the same table would queue on its lock instead (`VALIDATE CONSTRAINT` and
//! `ANALYZE` take the table's SHARE UPDATE EXCLUSIVE lock, `CREATE INDEX` its SHARE lock,
//! and the first conflicts with both), so a job is only started while no other job holds
//! its table.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};

/// One statement's worth of work on one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableJob {
    /// What the runner is handed (an object's name, a statement).
    pub name: String,
    /// The table's oid; `None` when it could not be told: such a job runs alone.
    pub table: Option<i64>,
}

/// Jobs waiting, and the tables of those running.
#[derive(Debug, Default)]
struct Board {
    waiting: Vec<TableJob>,
    running: Vec<Option<i64>>,
}

/// What a runner should do next.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    Run(TableJob),
    Wait,
    Done,
}

impl Board {
    /// The first waiting job whose table no running job holds (jobs are in priority order).
    fn take(&mut self) -> Next {
        if self.waiting.is_empty() {
            return Next::Done;
        }
        let alone = self.running.contains(&None);
        let free = |job: &TableJob| match job.table {
            _ if alone => false,
            None => self.running.is_empty(),
            Some(t) => !self.running.contains(&Some(t)),
        };
        match self.waiting.iter().position(free) {
            Some(i) => {
                let job = self.waiting.remove(i);
                self.running.push(job.table);
                Next::Run(job)
            }
            None => Next::Wait,
        }
    }

    fn finished(&mut self, table: Option<i64>) {
        if let Some(i) = self.running.iter().position(|t| *t == table) {
            self.running.remove(i);
        }
    }
}

/// Runs `jobs` (in priority order) two at a time, each on a connection of `pool`; the
/// first error is returned and the other job is dropped (its transaction rolls back).
pub async fn run<E, F>(
    pool: &PgPool,
    jobs: Vec<TableJob>,
    job: impl Fn(PoolConnection<Postgres>, String) -> F,
) -> Result<(), E>
where
    E: From<sqlx::Error>,
    F: Future<Output = Result<(), E>>,
{
    let board = Mutex::new(Board {
        waiting: jobs,
        running: Vec::new(),
    });
    let runner = || async {
        loop {
            let next = board.lock().expect("no runner panics holding it").take();
            let taken = match next {
                Next::Done => return Ok::<(), E>(()),
                // A job on a busy table: its turn comes when that one ends (seconds).
                Next::Wait => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
                Next::Run(taken) => taken,
            };
            let done = job(pool.acquire().await?, taken.name).await;
            board
                .lock()
                .expect("no runner panics holding it")
                .finished(taken.table);
            done?;
        }
    };
    tokio::try_join!(runner(), runner())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(name: &str, table: Option<i64>) -> TableJob {
        TableJob {
            name: name.into(),
            table,
        }
    }

    /// Jobs waiting (name, table), tables running, and the job the next runner gets.
    type Case<'a> = (
        &'a [(&'a str, Option<i64>)],
        &'a [Option<i64>],
        Option<&'a str>,
    );

    #[test]
    fn a_job_starts_only_while_no_other_holds_its_table() {
        let cases: &[Case] = &[
            (&[("a", Some(1)), ("b", Some(2))], &[], Some("a")),
            // The first in order whose table is free, not merely the first.
            (&[("a", Some(1)), ("b", Some(2))], &[Some(1)], Some("b")),
            (&[("a", Some(1)), ("b", Some(1))], &[Some(1)], None),
            // A job whose table is unknown runs alone, and nothing joins it.
            (&[("a", None), ("b", Some(2))], &[Some(3)], Some("b")),
            (&[("a", None)], &[Some(3)], None),
            (&[("a", None)], &[], Some("a")),
            (&[("b", Some(2))], &[None], None),
        ];
        for (waiting, running, want) in cases {
            let mut board = Board {
                waiting: waiting.iter().map(|(n, t)| job(n, *t)).collect(),
                running: running.to_vec(),
            };
            let got = match board.take() {
                Next::Run(j) => Some(j.name),
                Next::Wait => None,
                Next::Done => panic!("jobs were waiting"),
            };
            assert_eq!(got.as_deref(), *want, "{waiting:?} while {running:?} run");
        }
    }

    #[test]
    fn a_finished_job_frees_its_table_and_an_empty_board_is_done() {
        let mut board = Board {
            waiting: vec![job("a", Some(1)), job("b", Some(1))],
            running: Vec::new(),
        };
        assert_eq!(board.take(), Next::Run(job("a", Some(1))));
        assert_eq!(board.take(), Next::Wait);
        board.finished(Some(1));
        assert_eq!(board.take(), Next::Run(job("b", Some(1))));
        board.finished(Some(1));
        assert_eq!(board.take(), Next::Done);
        assert!(board.running.is_empty());
    }
}
