//! verify's report.html: the days left until the cutoff, differences by check and kind as a
//! chart, and the list with expected / actual. With `--since PREVIOUS_DIR` it compares with
//! that run's differences.csv — the question asked every morning until the cutoff: what is
//! new, what got resolved. It reads the differences.csv verify has just written (our own
//! file, one sequential read) rather than reaching into verify's internals.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::html::{PageFile, escape, head, script_json, tail};
use super::svg::{Bar, bar_chart, thousands};

const VERIFY_JS: &str = include_str!("verify.js");

/// What the page needs from the verify run.
#[derive(Debug, Clone)]
pub struct VerifyFacts<'a> {
    /// The run's directory, holding its differences.csv; the page is written there.
    pub dir: &'a Path,
    /// The previous run's directory (`--since`).
    pub since: Option<&'a Path>,
    pub today: NaiveDate,
    pub cutoff: Option<NaiveDate>,
    pub accounts_checked: u64,
}

/// One row of differences.csv.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    pub legacy_account_id: i64,
    pub check: String,
    pub kind: String,
    pub expected: String,
    pub actual: String,
}

impl Row {
    /// A difference is "the same" across days when the account, check and kind are: the
    /// expected amount of a balance that keeps changing must not count as new every day.
    fn key(&self) -> (i64, &str, &str) {
        (self.legacy_account_id, &self.check, &self.kind)
    }
}

pub fn read_differences(dir: &Path) -> anyhow::Result<Vec<Row>> {
    let path = dir.join("differences.csv");
    let mut reader =
        csv::Reader::from_path(&path).with_context(|| format!("opening {}", path.display()))?;
    reader
        .deserialize()
        .collect::<Result<Vec<Row>, _>>()
        .with_context(|| format!("reading {}", path.display()))
}

/// The line at the top: days left, today, or passed.
pub fn cutoff_line(cutoff: Option<NaiveDate>, today: NaiveDate) -> (String, bool) {
    match cutoff {
        None => (
            "No cutoff date is configured (cutoff.date).".to_owned(),
            false,
        ),
        Some(c) => match (c - today).num_days() {
            n if n < 0 => (
                format!(
                    "The cutoff date {c} has passed: the old billing is no longer promised to be readable."
                ),
                true,
            ),
            0 => (format!("Today, {c}, is the cutoff date."), false),
            1 => (format!("1 day left until the cutoff on {c}."), false),
            n => (format!("{n} days left until the cutoff on {c}."), false),
        },
    }
}

/// Writes `dir/report.html`.
pub fn write(f: &VerifyFacts<'_>) -> anyhow::Result<PathBuf> {
    let rows = read_differences(f.dir)?;
    let previous = f.since.map(read_differences).transpose()?;
    let mut by_kind: BTreeMap<(String, String), u64> = BTreeMap::new();
    for r in &rows {
        *by_kind
            .entry((r.check.clone(), r.kind.clone()))
            .or_default() += 1;
    }
    let mut bars: Vec<Bar> = by_kind
        .iter()
        .map(|((check, kind), n)| Bar::count(&format!("{check} · {kind}"), *n, "hold"))
        .collect();
    bars.sort_by(|a, b| b.length.cmp(&a.length).then(a.label.cmp(&b.label)));
    let accounts: BTreeSet<i64> = rows.iter().map(|r| r.legacy_account_id).collect();

    let (new, resolved): (BTreeSet<usize>, Vec<&Row>) = match &previous {
        None => (BTreeSet::new(), Vec::new()),
        Some(prev) => {
            let before: BTreeSet<_> = prev.iter().map(Row::key).collect();
            let now: BTreeSet<_> = rows.iter().map(Row::key).collect();
            let new = (0..rows.len())
                .filter(|i| !before.contains(&rows[*i].key()))
                .collect();
            let resolved = prev.iter().filter(|r| !now.contains(&r.key())).collect();
            (new, resolved)
        }
    };

    let mut page = PageFile::create(f.dir)?;
    page.write(&head("Verify — billmigrate", VERIFY_JS))?;
    let (cutoff, passed) = cutoff_line(f.cutoff, f.today);
    let mut out = String::new();
    let _ = write!(
        out,
        "<header><h1>Verify: the old billing now against the new one</h1>\
         <p class=\"cutoff{}\" id=\"cutoff\">{}</p><p>Checked on {}.</p></header><main>\
         <section class=\"tiles\">",
        if passed { " passed" } else { "" },
        escape(&cutoff),
        f.today
    );
    let mut tile = |id: &str, label: &str, n: u64, tone: &str| {
        let _ = write!(
            out,
            "<div class=\"tile {tone}\" id=\"{id}\" data-value=\"{n}\"><b>{}</b><span>{}</span></div>",
            thousands(n),
            escape(label)
        );
    };
    tile(
        "t-checked",
        "migrated accounts checked",
        f.accounts_checked,
        "info",
    );
    tile("t-differences", "differences", rows.len() as u64, "hold");
    tile(
        "t-accounts",
        "accounts with differences",
        accounts.len() as u64,
        "warn",
    );
    if let Some(since) = f.since {
        // The directory's own name (e.g. 2023-02-01): the full path is in the command line.
        let name = since.file_name().unwrap_or(since.as_os_str());
        let label = format!("new since {}", name.to_string_lossy());
        tile("t-new", &label, new.len() as u64, "hold");
        tile(
            "t-resolved",
            "resolved since then",
            resolved.len() as u64,
            "ok",
        );
    }
    out.push_str("</section><section class=\"charts\">");
    out.push_str(&bar_chart(
        "chart-differences",
        "Differences by check and kind",
        &bars,
    ));
    out.push_str(
        "</section><section class=\"card\" id=\"list\"><h2>Differences</h2>\
         <div class=\"filters\"><select id=\"check\" aria-label=\"Check\"></select>\
         <select id=\"kind\" aria-label=\"Kind\"></select>\
         <label id=\"new-only-label\" hidden><input type=\"checkbox\" id=\"new-only\"> new only</label>\
         <input id=\"filter\" type=\"search\" placeholder=\"account id or text\" aria-label=\"Filter\"></div>\
         <table><thead><tr><th>Account</th><th>Check</th><th>Kind</th><th>Expected</th><th>Actual</th>\
         </tr></thead><tbody id=\"rows\"></tbody></table>\
         <p><button id=\"more\" type=\"button\" hidden>Show more</button> \
         <span id=\"count\" class=\"hint\"></span></p></section>",
    );
    if f.since.is_some() {
        out.push_str(
            "<section class=\"card\" id=\"resolved\"><h2>Resolved since the previous verify</h2>\
             <table><thead><tr><th>Account</th><th>Check</th><th>Kind</th><th>Expected then</th>\
             <th>Actual then</th></tr></thead><tbody id=\"resolved-rows\"></tbody></table></section>",
        );
    }
    out.push_str("</main>\n");
    page.write(&out)?;
    let cells =
        |r: &Row| serde_json::json!([r.legacy_account_id, r.check, r.kind, r.expected, r.actual]);
    let data = serde_json::json!({
        "rows": rows.iter().map(cells).collect::<Vec<_>>(),
        "new": new,
        "since": f.since.is_some(),
        "resolved": resolved.iter().map(|r| cells(r)).collect::<Vec<_>>(),
    });
    page.write(&format!(
        "<script type=\"application/json\" id=\"data\">{}</script>\n",
        script_json(&data)?
    ))?;
    page.write(&tail(VERIFY_JS))?;
    page.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_line_counts_days() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let today = d("2023-02-01");
        assert_eq!(
            cutoff_line(Some(d("2023-02-09")), today).0,
            "8 days left until the cutoff on 2023-02-09."
        );
        assert!(cutoff_line(Some(d("2023-01-31")), today).1);
        assert!(cutoff_line(Some(today), today).0.starts_with("Today"));
        assert!(!cutoff_line(None, today).1);
    }
}
