//! The planner: walks the legacy accounts in scope chunk by chunk, applies the rules to each
//! and hands every chunk of decisions to a sink. `plan` (reports), `migrate` (the target
//! database) and `verify` differ only in their sink, so a dry run and a real run can never
//! disagree about what the rules say.

use anyhow::Context;

use crate::legacy::{LegacyAccount, LegacySource};
use crate::mappings::Mappings;
use crate::progress::Progress;
use crate::rules::{self, Decision, RulesContext};
use crate::scope::Scope;
use crate::settings::Settings;

/// The rules' context from the settings: built here once for plan, migrate, verify and
/// explain, so they can never decide with different defaults.
pub fn rules_context<'a>(settings: &'a Settings, mappings: &'a Mappings) -> RulesContext<'a> {
    RulesContext {
        mappings,
        default_currency: &settings.default_currency,
        default_language: settings.default_language,
    }
}

/// A planned account: the legacy data and what the rules decided about it.
pub struct Planned {
    pub account: LegacyAccount,
    pub decision: Decision,
}

/// Where decided accounts go.
pub trait Sink {
    /// Takes one chunk, in account id order.
    fn accept(
        &mut self,
        chunk: Vec<Planned>,
    ) -> impl std::future::Future<Output = anyhow::Result<()>>;

    /// Whether the sink counts progress itself, when its work is really done (migrate's
    /// writers count a batch when it commits, not when it is queued).
    fn counts_progress(&self) -> bool {
        false
    }
}

/// Totals of one planner pass.
#[derive(Debug, Default, Clone, Copy)]
pub struct PassTotals {
    pub accounts: u64,
    pub held: u64,
}

/// Reads, decides and sinks every account in `scope`.
pub async fn run<S: Sink>(
    source: &LegacySource,
    scope: &Scope,
    ctx: &RulesContext<'_>,
    chunk_size: usize,
    progress: &Progress,
    sink: &mut S,
) -> anyhow::Result<PassTotals> {
    let mut totals = PassTotals::default();
    let mut chunks = source.stream(scope.clone(), chunk_size);
    while let Some(chunk) = chunks.recv().await {
        let chunk = chunk.context("reading the legacy database")?;
        let planned: Vec<Planned> = chunk
            .into_iter()
            .map(|account| {
                let decision = rules::decide(&account, ctx);
                Planned { account, decision }
            })
            .collect();
        let n = planned.len() as u64;
        let held = planned.iter().filter(|p| !p.decision.migrates()).count() as u64;
        let first = planned.first().map(|p| p.account.id);
        sink.accept(planned)
            .await
            .with_context(|| format!("chunk starting at account {}", first.unwrap_or_default()))?;
        totals.accounts += n;
        totals.held += held;
        if !sink.counts_progress() {
            let held_so_far = totals.held;
            progress.advance(n, || format!("{held_so_far} held"));
        }
    }
    Ok(totals)
}
