//! The runs of the commands whose work is a report for people: `plan` (the dry run's
//! files), `explain` (one account's trail) and `status` (the migration so far). Each opens
//! what it needs, does its work and hands back a [`CommandReport`] for `app` to print.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::explain::explain;
use super::page::{PageWritten, PlanPage};
use super::status::Status;
use super::summary::PlanSummary;
use crate::exit::{CommandReport, Fatal, Outcome};
use crate::legacy::LegacySource;
use crate::mappings::Mappings;
use crate::progress::{Progress, ProgressMode};
use crate::rules::{self, Decision};
use crate::scope::Scope;
use crate::settings::Settings;

/// What `plan` did: the summary (its JSON is summary.json's), where and how fast.
#[derive(Debug, Serialize)]
pub struct PlanRun {
    #[serde(flatten)]
    pub summary: PlanSummary,
    #[serde(skip)]
    pub out: PathBuf,
    #[serde(skip)]
    pub elapsed: Duration,
    /// report.html, support's page.
    #[serde(skip)]
    pub page: PageWritten,
}

impl CommandReport for PlanRun {
    fn text(&self) -> String {
        let seconds = self.elapsed.as_secs_f64();
        let per_second = self.summary.accounts * 1000 / (self.elapsed.as_millis() as u64).max(1);
        let next = if self.summary.held() > 0 {
            "next: `billmigrate explain ID` says in words why an account is held (the ids are \
             in accounts.csv, decision hold); fix the old billing, then plan again\n"
        } else {
            ""
        };
        format!(
            "{}reports written to {} in {seconds:.1}s ({per_second} accounts/s)\n\
             support's page: open {} in a browser ({:.1} MB)\n{next}",
            self.summary.render(),
            self.out.display(),
            self.page.path.display(),
            self.page.bytes as f64 / 1e6,
        )
    }

    fn outcome(&self) -> Outcome {
        Outcome::attention_if(self.summary.held() > 0)
    }
}

/// `plan`: the dry run. Reads and decides every account in scope and writes the reports;
/// writes nothing to either database.
pub async fn plan(
    settings: &Settings,
    out: &Path,
    scope: &Scope,
    chunk_size: usize,
    mode: ProgressMode,
) -> anyhow::Result<PlanRun> {
    let mappings = Mappings::load(&settings.mappings_dir).map_err(Fatal::from)?;
    let ctx = crate::plan::rules_context(settings, &mappings);
    let source = LegacySource::connect(settings, crate::legacy::stream::CONNECTIONS).await?;
    let total = source.count(scope).await?;
    let progress = Progress::new(mode, "plan", total);
    let mut report = PlanPage::create(out, &mappings, total)?;
    report.legacy(
        source.schema().shape.name(),
        &source.out_of_scope(scope).await?,
    )?;
    crate::plan::run(&source, scope, &ctx, chunk_size, &progress, &mut report).await?;
    let elapsed = progress.finish();
    source.close().await;
    let (summary, page) = report.finish()?;
    Ok(PlanRun {
        summary,
        out: out.to_owned(),
        elapsed,
        page,
    })
}

/// One account's decision trail; its JSON is the decision and its reason codes.
#[derive(Debug, Serialize)]
pub struct Explained {
    pub legacy_account_id: i64,
    pub decision: &'static str,
    pub reasons: Vec<&'static str>,
    #[serde(skip)]
    pub trail: String,
}

impl CommandReport for Explained {
    fn text(&self) -> String {
        self.trail.clone()
    }

    fn outcome(&self) -> Outcome {
        Outcome::attention_if(self.decision == "hold")
    }
}

/// `explain`: what the rules decide for one account, in words, with every reason code.
pub async fn explain_account(settings: &Settings, account_id: i64) -> anyhow::Result<Explained> {
    let mappings = Mappings::load(&settings.mappings_dir).map_err(Fatal::from)?;
    let ctx = crate::plan::rules_context(settings, &mappings);
    let source = LegacySource::connect(settings, 1).await?;
    let account = source.read_account(account_id).await;
    let excluded = match &account {
        Ok(None) => source.why_out_of_scope(account_id).await?,
        _ => None,
    };
    source.close().await;
    if let Some(row) = excluded {
        // Declared not a client by the operator: never migrated nor held, nothing to fix.
        return Ok(Explained {
            legacy_account_id: account_id,
            decision: "out_of_scope",
            reasons: vec![row.reason],
            trail: format!(
                "Account {account_id} is out of scope ({}; legacy.exclude_account_ids / \
                 legacy.exclude_levels): it is never migrated nor held.\n",
                row.reason
            ),
        });
    }
    let Some(account) = account? else {
        return Err(Fatal::Usage(format!(
            "account {account_id} does not exist in the legacy database"
        ))
        .into());
    };
    let decision: Decision = rules::decide(&account, &ctx);
    Ok(Explained {
        legacy_account_id: account_id,
        decision: if decision.migrates() {
            "migrate"
        } else {
            "hold"
        },
        reasons: decision.reason_codes(),
        trail: explain(
            &account,
            &decision,
            &mappings.full_permissions,
            &mappings.invoices_only_permissions,
        ),
    })
}

impl CommandReport for Status {
    fn text(&self) -> String {
        self.render()
    }

    fn outcome(&self) -> Outcome {
        Outcome::attention_if(self.needs_attention())
    }
}

/// `status`: the bookkeeping of the target, plus how many legacy accounts were never seen
/// (unknown, not an error, when the legacy database cannot be reached).
pub async fn status(settings: &Settings) -> anyhow::Result<Status> {
    let pool = crate::new_billing::open(&settings.target_url, 2).await?;
    // status still reports without the legacy side, and says why it could not count.
    let (legacy_total, out_of_scope) = match LegacySource::connect(settings, 1).await {
        Ok(source) => {
            let n = source.count(&Scope::All).await.map_err(|e| e.to_string());
            let excluded = source.out_of_scope(&Scope::All).await.unwrap_or_default();
            source.close().await;
            (n, excluded)
        }
        Err(e) => (Err(e.to_string()), Vec::new()),
    };
    let status = super::status::read(&pool, legacy_total).await;
    pool.close().await;
    let mut status = status?;
    for row in out_of_scope {
        *status
            .out_of_scope
            .entry(row.reason.to_owned())
            .or_default() += 1;
    }
    Ok(status)
}
