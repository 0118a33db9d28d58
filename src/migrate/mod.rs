//! `migrate`: the planner's chunks become batches that `--workers` tasks write into the new
//! billing, one transaction per batch. Transient database errors retry the batch with
//! backoff; any other failure splits the batch so that one bad account is held with a reason
//! instead of stopping the run.

mod refresh;
mod retry;
mod summary;
mod workers;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use serde::Serialize;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;

use crate::exit::Fatal;
use crate::legacy::LegacySource;
use crate::mappings::Mappings;
use crate::new_billing::context::{BatchCounts, WriteContext};
use crate::new_billing::runs::Run;
use crate::new_billing::{first_load, transient};
use crate::plan::{self, Planned, Sink};
use crate::progress::{Progress, ProgressMode};
use crate::scope::Scope;
use crate::settings::Settings;
pub use summary::{FirstLoad, MigrateSummary};
use workers::{DEFAULT_WORKERS, TargetRoom};

/// `migrate`'s own arguments.
#[derive(Debug, Clone, Serialize)]
pub struct MigrateOptions {
    pub scope: Scope,
    /// `None` = every category.
    pub categories: Option<Vec<String>>,
    pub batch_size: usize,
    /// `None`: chosen from what the target can take ([`TargetRoom::chosen_workers`]).
    pub workers: Option<usize>,
}

/// Hands chunks to the workers; the bounded channel keeps reading at most one batch ahead
/// of writing, which bounds memory.
struct Dispatch {
    tx: mpsc::Sender<Vec<Planned>>,
}

impl Sink for Dispatch {
    fn counts_progress(&self) -> bool {
        true
    }

    async fn accept(&mut self, chunk: Vec<Planned>) -> anyhow::Result<()> {
        self.tx
            .send(chunk)
            .await
            .map_err(|_| anyhow::anyhow!("every writer stopped"))
    }
}

pub async fn run(
    settings: &Settings,
    mappings: Mappings,
    opts: MigrateOptions,
    mode: ProgressMode,
) -> anyhow::Result<MigrateSummary> {
    // The writers, the run record and the statistics refresh.
    let most = opts.workers.unwrap_or(DEFAULT_WORKERS).max(1);
    let pool = crate::new_billing::open(&settings.target_url, most as u32 + 2).await?;
    let room = transient::retrying(|| TargetRoom::read(&pool))
        .await
        .context("counting the target's free connections and lock table")?;
    let (workers, workers_why) = match opts.workers {
        Some(n) => (n.max(1), "--workers".to_owned()),
        None => room.chosen_workers(opts.batch_size),
    };
    if let Some(warning) = room.lock_warning(workers, opts.batch_size) {
        eprintln!("{warning}");
    }
    let source = LegacySource::connect(settings, crate::legacy::stream::CONNECTIONS).await?;
    let args = serde_json::to_value(&opts)?;
    let started = std::time::Instant::now();
    // Counted before the first load may drop anything: from that drop to the rebuild
    // below, nothing returns early.
    let total = source.count(&opts.scope).await?;
    let (run, recovered) = Run::start(&pool, "migrate", args)
        .await
        .context("recording the run")?;
    let deferred = transient::retrying(|| first_load::defer_if_empty(&pool, run.id))
        .await
        .context("preparing the first load into the empty target")?;

    let mappings = Arc::new(mappings);
    let categories: BTreeSet<String> = match &opts.categories {
        Some(list) => list.iter().cloned().collect(),
        None => crate::mappings::every_category().clone(),
    };
    let ctx = Arc::new(WriteContext {
        mappings: mappings.clone(),
        zone: settings.legacy_timezone,
        categories,
        run_id: run.id,
        default_language: settings.default_language,
    });

    // Counted by the writers as batches commit (or their accounts are held), so the bar
    // never runs ahead of what is really in the target.
    let progress = Progress::new(mode, "migrate", total);
    let held_so_far = Arc::new(AtomicU64::new(0));
    let statistics = Arc::new(refresh::Schedule::default());

    // One batch waits while the workers write theirs (and the planner holds the next):
    // the writers are the slower side, so a longer queue only holds more accounts in memory.
    let (tx, rx) = mpsc::channel::<Vec<Planned>>(1);
    let rx = Arc::new(Mutex::new(rx));
    let mut tasks = JoinSet::new();
    for _ in 0..workers {
        let (rx, pool, ctx) = (rx.clone(), pool.clone(), ctx.clone());
        let (progress, held_so_far) = (progress.clone(), held_so_far.clone());
        let statistics = statistics.clone();
        tasks.spawn(async move {
            let mut total = BatchCounts::default();
            loop {
                let batch = rx.lock().await.recv().await;
                let Some(batch) = batch else {
                    return Ok::<_, anyhow::Error>(total);
                };
                let n = batch.len() as u64;
                match retry::write_batch_reliably(&pool, batch, &ctx, &progress).await {
                    Ok(c) => {
                        total += c;
                        let held = held_so_far.fetch_add(c.held, Ordering::Relaxed) + c.held;
                        progress.advance(n, || format!("{held} held"));
                        statistics.after_batch(n, &pool);
                    }
                    Err(e) => {
                        // Stop the reader feeding batches nobody should write any more.
                        rx.lock().await.close();
                        return Err(e);
                    }
                }
            }
        });
    }
    // Only the workers hold the receiver: when they all stop, sending fails at once.
    drop(rx);

    let rules_ctx = plan::rules_context(settings, &mappings);
    let mut dispatch = Dispatch { tx };
    let planned = plan::run(
        &source,
        &opts.scope,
        &rules_ctx,
        opts.batch_size,
        &progress,
        &mut dispatch,
    )
    .await;
    drop(dispatch);

    let mut counts = BatchCounts::default();
    let mut failure = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(c)) => counts += c,
            Ok(Err(e)) => {
                failure.get_or_insert(e);
                // The others' open transactions roll back; committed batches stay whole.
                tasks.abort_all();
            }
            Err(e) if e.is_cancelled() => {}
            Err(e) => {
                failure.get_or_insert(anyhow::anyhow!("a writer task panicked: {e}"));
                tasks.abort_all();
            }
        }
    }
    // A writer's error is the cause; the reader's "every writer stopped" only its echo.
    let mut failure = failure.or(planned.err());
    progress.finish();
    source.close().await;
    // Built back whether or not the load succeeded: what committed is whole, and the
    // constraints are validated over it. A failed build stays recorded for the next run.
    let first_load = match deferred {
        Some(d) => match transient::retrying(|| first_load::rebuild(&pool, run.id)).await {
            Ok(took) => Some(FirstLoad {
                foreign_keys: d.foreign_keys,
                indexes: d.indexes,
                build_ms: took.as_millis() as u64,
            }),
            Err(e) => {
                let e = anyhow::Error::new(e);
                // The run's own failure is the news; the rebuild's comes after it.
                failure = Some(match failure {
                    Some(f) => anyhow::anyhow!("{f:#}\nalso: {e:#}"),
                    None => e,
                });
                None
            }
        },
        None => None,
    };
    if failure.is_none() && counts.migrated + counts.phase_added > 0 {
        // Fresh statistics after a bulk load: without them the planner may scan whole tables
        // for verify's and the next batches' index lookups (autovacuum comes much later).
        // After every batch has committed: a killed backend here costs a retry, not a run
        // that reports failure over a complete load.
        transient::retrying(|| crate::new_billing::statistics::refresh_after_load(&pool))
            .await
            .context("refreshing planner statistics")?;
    }
    let accounts = counts.migrated + counts.phase_added + counts.held + counts.skipped;
    run.finish(&pool, failure.is_none(), accounts)
        .await
        .context("closing the run record")?;
    pool.close().await;
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(MigrateSummary {
        run_id: ctx.run_id,
        workers,
        workers_why,
        interrupted_runs_found: recovered.interrupted_runs,
        rebuilt_at_start: recovered.rebuilt,
        first_load,
        accounts_seen: accounts,
        migrated: counts.migrated,
        phase_added: counts.phase_added,
        held: counts.held,
        skipped: counts.skipped,
        services: counts.services,
        emails_queued: counts.emails,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

/// Validates `--categories` against the categories mappings can produce.
pub fn parse_categories(list: &str) -> Result<Vec<String>, Fatal> {
    let mut out = Vec::new();
    for c in list.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        if !crate::mappings::CATEGORIES.contains(&c) {
            return Err(Fatal::Usage(format!(
                "--categories: unknown category {c:?} (expected {})",
                crate::mappings::CATEGORIES.join(", ")
            )));
        }
        out.push(c.to_owned());
    }
    if out.is_empty() {
        return Err(Fatal::Usage("--categories: no category given".into()));
    }
    Ok(out)
}
