//! report.html: the one self-contained page support opens from disk. `plan` writes it next to
//! its CSV files from what the plan's sink already sees (no second pass over the legacy
//! database): every account's entry is streamed into the page's JSON data as its chunk
//! passes, and the charts are drawn at the end from the same totals as summary.json.
//! `verify` writes its own page (`verify_page`).

mod entry;
mod html;
mod plan_body;
mod svg;
pub mod verify_page;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::mappings::Mappings;
use crate::plan::{Planned, Sink};
use crate::report::plan_csv::PlanReport;
use crate::report::summary::PlanSummary;
use html::{PageFile, ScriptSafe, head, script_json, tail};
use plan_body::PageFacts;

const PLAN_JS: &str = include_str!("plan.js");
const OPEN_DATA: &str = "<script type=\"application/json\" class=\"accounts\">[";
const CLOSE_DATA: &str = "]</script>\n";

/// Entries per `<script type="application/json" class="accounts">` element: one string of a
/// million entries would pass what a browser's JavaScript can hold in one string (V8: 512 MiB).
/// Small enough that the 400-account browser test crosses element boundaries.
const ENTRIES_PER_ELEMENT: u64 = 256;

/// Up to this many accounts in a plan, every account carries its whole trail (a plan of
/// one customer's accounts, a fixture); beyond, only held and warned ones do (performance.md).
pub const ALL_TRAILS_UP_TO: u64 = 5_000;

/// The plan's sink: the CSV reports, and the page beside them.
pub struct PlanPage<'m> {
    report: PlanReport,
    mappings: &'m Mappings,
    page: PageFile,
    facts: PageFacts,
    written: u64,
    buf: Vec<u8>,
}

/// The written page, for the end-of-plan message.
#[derive(Debug, Clone)]
pub struct PageWritten {
    pub path: PathBuf,
    pub bytes: u64,
}

impl<'m> PlanPage<'m> {
    /// `expected` is the number of accounts in scope (from the count before the run).
    pub fn create(
        dir: &Path,
        mappings: &'m Mappings,
        expected: u64,
    ) -> anyhow::Result<PlanPage<'m>> {
        let report = PlanReport::create(dir, mappings)?;
        let mut page = PageFile::create(dir)?;
        page.write(&head("Migration plan — billmigrate", PLAN_JS))?;
        // The data comes first: the charts need the totals, known only at the end, and a
        // JSON element is not drawn, so where it stands does not change what people see.
        page.write(OPEN_DATA)?;
        Ok(PlanPage {
            report,
            mappings,
            page,
            facts: PageFacts {
                all_trails: expected <= ALL_TRAILS_UP_TO,
                generated: chrono::Local::now().format("%Y-%m-%d %H:%M").to_string(),
                ..PageFacts::default()
            },
            written: 0,
            buf: Vec::with_capacity(1 << 14),
        })
    }

    /// The legacy shape and the out-of-scope rows, for the CSV reports (`PlanReport::legacy`).
    pub fn legacy(
        &mut self,
        shape: &'static str,
        out_of_scope: &[crate::legacy::model::OutOfScope],
    ) -> anyhow::Result<()> {
        self.report.legacy(shape, out_of_scope)
    }

    fn add(&mut self, p: &Planned) -> anyhow::Result<()> {
        let d = &p.decision;
        let e = entry::entry(&p.account, d, self.mappings, self.facts.all_trails);
        if e.5.is_some() {
            self.facts.trails += 1;
        }
        if d.migrates() && !d.warnings.is_empty() {
            self.facts.warned += 1;
        }
        if let (true, Some(_), Some(c)) = (d.migrates(), d.opening_entry(), &d.balance.currency) {
            *self.facts.balance_accounts.entry(c.clone()).or_default() += 1;
        }
        if self.written > 0 && self.written % ENTRIES_PER_ELEMENT == 0 {
            self.page.write(CLOSE_DATA)?;
            self.page.write(OPEN_DATA)?;
        } else if self.written > 0 {
            self.page.write(",\n")?;
        }
        // One entry into a reused buffer, then escaped in one pass: serde_json's many small
        // writes straight through the escaping writer cost more than the entry itself.
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, &e)?;
        ScriptSafe(&mut self.page.out).write_all(&self.buf)?;
        self.written += 1;
        Ok(())
    }

    /// Finishes the CSV reports and summary.json, then the page; returns the summary and
    /// what was written.
    pub fn finish(mut self) -> anyhow::Result<(PlanSummary, PageWritten)> {
        let summary = self.report.finish()?;
        let meta = serde_json::json!({
            "reasons": entry::reason_table(),
            "accounts": summary.accounts,
            "all_trails": self.facts.all_trails,
        });
        self.page.write(CLOSE_DATA)?;
        self.page.write(&plan_body::body(&summary, &self.facts))?;
        self.page.write(&format!(
            "\n<script type=\"application/json\" id=\"meta\">{}</script>\n",
            script_json(&meta)?
        ))?;
        self.page.write(&tail(PLAN_JS))?;
        let path = self.page.finish()?;
        let bytes = std::fs::metadata(&path)
            .with_context(|| format!("reading the size of {}", path.display()))?
            .len();
        Ok((summary, PageWritten { path, bytes }))
    }
}

impl Sink for PlanPage<'_> {
    async fn accept(&mut self, chunk: Vec<Planned>) -> anyhow::Result<()> {
        for p in &chunk {
            self.add(p)
                .with_context(|| format!("writing account {} into report.html", p.account.id))?;
        }
        self.report.accept(chunk).await
    }
}
