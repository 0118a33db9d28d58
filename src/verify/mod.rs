//! `verify`: re-plans every account in scope from the legacy database as it is now and
//! compares, check by check, with what the new billing holds — a merge of two streams sorted
//! by legacy account id, read-only on both sides. Writes differences.csv and summary.json.

mod client_span;
mod columns;
mod compare;
mod partners;
mod payments;
mod seen;
mod target_read;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use chrono::NaiveDate;
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::PgPool;
use tokio::task::JoinHandle;

use crate::legacy::LegacySource;
use crate::mappings::Mappings;
use crate::new_billing::records::{AccountStatus, Known};
use crate::new_billing::transient::retrying;
use crate::plan::{self, Planned, Sink};
use crate::progress::{Progress, ProgressMode};
use crate::report::files::{private_dir, private_file};
use crate::scope::Scope;
use crate::settings::Settings;
pub use compare::Difference;
use seen::SeenIds;

/// The end of a verify run.
#[derive(Debug, Default, Serialize)]
pub struct VerifySummary {
    pub accounts_checked: u64,
    pub accounts_with_differences: u64,
    pub differences: u64,
    /// check → kind → count.
    pub by_check: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
    pub cutoff: Option<NaiveDate>,
    pub cutoff_passed: bool,
    pub seconds: f64,
    /// Where differences.csv went.
    #[serde(skip)]
    pub out: PathBuf,
    /// Support's page of this run (report.html beside differences.csv).
    #[serde(skip)]
    pub page: PathBuf,
}

impl crate::exit::CommandReport for VerifySummary {
    fn text(&self) -> String {
        let mut text = self.render();
        let file = self.out.join("differences.csv");
        text.push_str(&format!("differences written to {}\n", file.display()));
        text.push_str(&format!(
            "support's page: open {} in a browser\n",
            self.page.display()
        ));
        text
    }

    fn outcome(&self) -> crate::exit::Outcome {
        crate::exit::Outcome::attention_if(self.differences > 0)
    }
}

impl VerifySummary {
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.cutoff_passed {
            out.push_str(&format!(
                "!!! THE CUTOFF DATE {} HAS PASSED: the old billing is no longer promised to be readable. !!!\n",
                self.cutoff.map(|d| d.to_string()).unwrap_or_default()
            ));
        }
        out.push_str(&format!(
            "{} accounts checked in {:.1}s: {} differences in {} accounts\n",
            self.accounts_checked, self.seconds, self.differences, self.accounts_with_differences
        ));
        for (check, kinds) in &self.by_check {
            for (kind, n) in kinds {
                out.push_str(&format!("  {n:>10}  {check} {kind}\n"));
            }
        }
        out
    }
}

struct VerifySink {
    pool: PgPool,
    /// A handle on the legacy pool (cheap clone), for the payments behind a moved balance.
    source: LegacySource,
    mappings: Arc<Mappings>,
    zone: chrono_tz::Tz,
    csv: csv::Writer<std::io::BufWriter<std::fs::File>>,
    summary: VerifySummary,
    seen: SeenIds,
    /// The chunk being checked while the planner decides the next one.
    pending: Option<JoinHandle<anyhow::Result<Checked>>>,
}

impl Drop for VerifySink {
    /// A run that stops on an error does not leave a chunk's check querying both databases.
    fn drop(&mut self) {
        if let Some(task) = self.pending.take() {
            task.abort();
        }
    }
}

/// One chunk checked against the target.
struct Checked {
    ids: Vec<i64>,
    accounts_checked: u64,
    diffs: Vec<Vec<Difference>>,
}

impl VerifySink {
    fn record(&mut self, diffs: &[Difference]) -> anyhow::Result<()> {
        if diffs.is_empty() {
            return Ok(());
        }
        self.summary.accounts_with_differences += 1;
        for d in diffs {
            self.summary.differences += 1;
            *self
                .summary
                .by_check
                .entry(d.check)
                .or_default()
                .entry(d.kind)
                .or_default() += 1;
            self.csv.serialize(d)?;
        }
        Ok(())
    }

    /// Waits for a chunk's check, if any, and writes what it found.
    async fn settle(
        &mut self,
        task: Option<JoinHandle<anyhow::Result<Checked>>>,
    ) -> anyhow::Result<()> {
        let Some(task) = task else {
            return Ok(());
        };
        let checked = match task.await {
            Ok(checked) => checked?,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => anyhow::bail!("checking a chunk was cancelled: {e}"),
        };
        self.seen.extend(checked.ids);
        self.summary.accounts_checked += checked.accounts_checked;
        for account in &checked.diffs {
            self.record(account)?;
        }
        Ok(())
    }
}

impl Sink for VerifySink {
    /// Starts checking `chunk` on its own task, then writes what the previous chunk's check
    /// found: the target's reads and the comparison overlap the planner's reading and
    /// deciding instead of waiting for each other. Differences stay in account order.
    async fn accept(&mut self, chunk: Vec<Planned>) -> anyhow::Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        let task = tokio::spawn(check_chunk(
            self.pool.clone(),
            self.source.clone(),
            self.mappings.clone(),
            self.zone,
            chunk,
        ));
        // Held by the sink before waiting: should the previous chunk fail, dropping the sink
        // stops this one too.
        let previous = self.pending.replace(task);
        self.settle(previous).await
    }
}

/// Reads the target's side of a chunk and compares each account with its plan.
async fn check_chunk(
    pool: PgPool,
    source: LegacySource,
    mappings: Arc<Mappings>,
    zone: chrono_tz::Tz,
    chunk: Vec<Planned>,
) -> anyhow::Result<Checked> {
    let (lo, hi) = (chunk[0].account.id, chunk[chunk.len() - 1].account.id);
    // Named here: the error surfaces while the planner hands over the next chunk.
    let context = || format!("checking accounts {lo}-{hi}");
    let ids: Vec<i64> = chunk.iter().map(|p| p.account.id).collect();
    // Read-only and in its own snapshot: a lost connection costs a read again, not the run.
    let target = retrying(|| target_read::read_chunk(&pool, ids.clone()))
        .await
        .context("reading the target database")
        .with_context(context)?;
    let migrated = Known::Is(AccountStatus::Migrated);
    let mut accounts_checked = 0;
    let mut diffs = Vec::with_capacity(chunk.len());
    for (i, p) in chunk.iter().enumerate() {
        let t = target.at(i);
        if t.is_some_and(|t| t.ledger.as_ref().is_some_and(|l| l.status == migrated)) {
            accounts_checked += 1;
        }
        diffs.push(compare::compare(p, t, &mappings, zone));
    }
    let migrated_at = |id: i64| target.get(id)?.ledger.as_ref()?.migrated_at;
    payments::annotate(&mut diffs, migrated_at, &source, zone)
        .await
        .with_context(context)?;
    // The chunk's ids, handed back by the target side, which kept them for its lookups.
    Ok(Checked {
        ids: target.into_ids(),
        accounts_checked,
        diffs,
    })
}

/// Accounts the target knows (migrated, or a client without a ledger row) whose legacy
/// account was not seen: the legacy account disappeared after the move. Read again from the
/// start should the connection be lost.
async fn vanished(pool: &PgPool, scope: &Scope, seen: &SeenIds) -> anyhow::Result<Vec<Difference>> {
    Ok(retrying(|| vanished_once(pool, scope, seen)).await?)
}

async fn vanished_once(
    pool: &PgPool,
    scope: &Scope,
    seen: &SeenIds,
) -> Result<Vec<Difference>, sqlx::Error> {
    // Every migrated account and client of the target, streamed: at a million rows,
    // collecting them first was most of verify's peak memory.
    let mut rows = sqlx::query(
        "SELECT coalesce(a.legacy_account_id, c.legacy_account_id), coalesce(a.status = 'migrated', FALSE), c.id IS NOT NULL
         FROM migration.accounts a FULL JOIN billing.clients c ON c.legacy_account_id = a.legacy_account_id
         WHERE a.status = 'migrated' OR c.id IS NOT NULL",
    )
    .try_map(columns::by_position(|c| {
        Ok::<(i64, bool, bool), _>((c.get(0)?, c.get(1)?, c.get(2)?))
    }))
    .fetch(pool);
    let mut out = Vec::new();
    while let Some((id, migrated, has_client)) = rows.try_next().await? {
        if !scope.contains(id) || seen.contains(id) {
            continue;
        }
        let (kind, expected) = match migrated {
            true => ("legacy_changed", "the legacy account no longer exists"),
            false => (
                "unexpected_in_target",
                "no migration.accounts row for this client",
            ),
        };
        let actual = if has_client {
            "client present".to_owned()
        } else {
            "client missing".to_owned()
        };
        out.push(Difference {
            legacy_account_id: id,
            check: "client",
            kind,
            expected: expected.to_owned(),
            actual,
        });
    }
    out.sort_by_key(|d| d.legacy_account_id);
    Ok(out)
}

pub async fn run(
    settings: &Settings,
    mappings: &Mappings,
    out: &Path,
    scope: &Scope,
    since: Option<&Path>,
    today: NaiveDate,
    mode: ProgressMode,
) -> anyhow::Result<VerifySummary> {
    let started = std::time::Instant::now();
    let pool = crate::new_billing::open(&settings.target_url, 2).await?;
    let source = LegacySource::connect(settings, crate::legacy::stream::CONNECTIONS).await?;
    private_dir(out)?;
    let file = private_file(&out.join("differences.csv"))?;
    // The header is written by hand so that a clean run still has one.
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(std::io::BufWriter::new(file));
    csv.write_record(["legacy_account_id", "check", "kind", "expected", "actual"])?;
    let mut sink = VerifySink {
        pool: pool.clone(),
        source: source.clone(),
        mappings: Arc::new(mappings.clone()),
        zone: settings.legacy_timezone,
        csv,
        summary: VerifySummary {
            cutoff: settings.cutoff,
            cutoff_passed: settings.cutoff.is_some_and(|c| today > c),
            ..VerifySummary::default()
        },
        seen: SeenIds::default(),
        pending: None,
    };
    let ctx = plan::rules_context(settings, mappings);
    let total = source.count(scope).await?;
    let progress = Progress::new(mode, "verify", total);
    plan::run(&source, scope, &ctx, 2000, &progress, &mut sink).await?;
    let last = sink.pending.take();
    sink.settle(last).await?;
    progress.finish();
    let partner_diffs = partners::check(&pool, &source, mappings, settings.legacy_timezone, scope)
        .await
        .context("checking the partner phase")?;
    source.close().await;
    let mut gone = vanished(&pool, scope, &sink.seen).await?;
    gone.extend(partner_diffs);
    sink.record(&[])?;
    for d in &gone {
        sink.record(std::slice::from_ref(d))?;
    }
    pool.close().await;
    sink.csv.flush()?;
    let mut summary = std::mem::take(&mut sink.summary);
    summary.seconds = started.elapsed().as_secs_f64();
    summary.out = out.to_owned();
    if summary.cutoff_passed {
        // Also on stderr: whoever reads only the log of a daily job must not miss it.
        eprintln!("{}", summary.render().lines().next().unwrap_or_default());
    }
    let json = serde_json::to_vec_pretty(&summary)?;
    std::io::Write::write_all(&mut private_file(&out.join("summary.json"))?, &json)?;
    summary.page =
        crate::report::page::verify_page::write(&crate::report::page::verify_page::VerifyFacts {
            dir: out,
            since,
            today,
            cutoff: summary.cutoff,
            accounts_checked: summary.accounts_checked,
        })?;
    Ok(summary)
}
