//! The visible part of the plan page: the at-a-glance numbers and charts (from the plan's
//! own [`PlanSummary`], the same totals as summary.json), the search box, the list of held and
//! warned accounts and the reason legend. plan.js fills the search and the list from the
//! embedded data.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::entry::is_hold;
use super::html::escape;
use super::svg::{Bar, bar_chart, group, thousands};
use crate::report::summary::PlanSummary;

/// What the page knows beyond the summary.
#[derive(Debug, Default)]
pub struct PageFacts {
    /// Migrating accounts with at least one warning.
    pub warned: u64,
    /// Migrating accounts with an opening-balance entry, per currency.
    pub balance_accounts: BTreeMap<String, u64>,
    /// Accounts whose whole trail the page carries.
    pub trails: u64,
    /// Every account carries its trail (a small plan).
    pub all_trails: bool,
    /// When the plan ran, as people read it.
    pub generated: String,
}

fn tile(out: &mut String, id: &str, label: &str, n: u64, tone: &str) {
    let _ = write!(
        out,
        "<div class=\"tile {tone}\" id=\"{id}\" data-value=\"{n}\"><b>{}</b><span>{label}</span></div>",
        thousands(n)
    );
}

fn by_count(map: impl Iterator<Item = (String, u64)>, tone: &'static str) -> Vec<Bar> {
    let mut bars: Vec<Bar> = map.map(|(k, n)| Bar::count(&k, n, tone)).collect();
    bars.sort_by(|a, b| b.length.cmp(&a.length).then(a.label.cmp(&b.label)));
    bars
}

/// Everything between the data and the script.
pub fn body(s: &PlanSummary, f: &PageFacts) -> String {
    let count = |d: &str| s.decisions.get(d).copied().unwrap_or(0);
    let (migrate, hold) = (count("migrate"), count("hold"));
    let mut out = String::new();
    let _ = write!(
        out,
        "<header><h1>Migration plan</h1><p>Dry run of {generated} — {n} legacy accounts. \
         Nothing has been written yet; this page reads only the plan's own files.</p></header>\
         <main><section class=\"tiles\">",
        generated = escape(&f.generated),
        n = thousands(s.accounts),
    );
    tile(&mut out, "t-accounts", "accounts", s.accounts, "info");
    tile(&mut out, "t-migrate", "migrate", migrate, "ok");
    tile(
        &mut out,
        "t-warn",
        "of these, with warnings",
        f.warned,
        "warn",
    );
    tile(&mut out, "t-hold", "held", hold, "hold");
    out.push_str("</section><section class=\"charts\">");
    out.push_str(&bar_chart(
        "chart-decisions",
        "Accounts: migrating vs held",
        &[
            Bar::count("migrate", migrate, "ok"),
            Bar::count("hold", hold, "hold"),
        ],
    ));
    let reasons = |hold: bool| {
        s.reasons
            .iter()
            .filter(move |(code, _)| is_hold(code) == hold)
            .map(|(code, n)| (code.to_string(), *n))
    };
    out.push_str(&bar_chart(
        "chart-holds",
        "Why accounts are held (accounts per reason)",
        &by_count(reasons(true), "hold"),
    ));
    out.push_str(&bar_chart(
        "chart-warnings",
        "Warnings on migrating accounts (accounts per warning)",
        &by_count(reasons(false), "warn"),
    ));
    out.push_str(&bar_chart(
        "chart-categories",
        "Services moving, by category",
        &by_count(
            s.categories
                .iter()
                .map(|(c, n)| (if c.is_empty() { "(none)" } else { c }.to_owned(), *n)),
            "info",
        ),
    ));
    // Currencies are not comparable amounts: the bar is the number of accounts, the number
    // next to it the total that moves in that currency.
    let balance: Vec<Bar> = s
        .opening_balance
        .iter()
        .map(|(currency, total)| {
            let accounts = f.balance_accounts.get(currency).copied().unwrap_or(0);
            Bar {
                label: currency.clone(),
                length: accounts,
                text: format!(
                    "{} {currency} · {} accounts",
                    group(&format!("{total:.2}")),
                    thousands(accounts)
                ),
                value: format!("{total:.2}"),
                tone: "info",
            }
        })
        .collect();
    out.push_str(&bar_chart(
        "chart-balance",
        "Opening balance per currency (bar: accounts; number: total)",
        &balance,
    ));
    out.push_str("</section>");
    let coverage = if f.all_trails {
        "Every account carries its whole decision trail.".to_owned()
    } else {
        format!(
            "The {} held and warned accounts carry their whole decision trail; the others show \
             their one-line outcome (<code>billmigrate explain ID</code> prints the rest).",
            thousands(f.trails)
        )
    };
    let _ = write!(
        out,
        "<section class=\"card\" id=\"find\"><h2>Find an account</h2>\
         <p class=\"hint\">Account number, any user's email, the payer's name, a service's \
         name or domain. {coverage}</p>\
         <input id=\"search\" type=\"search\" autocomplete=\"off\" spellcheck=\"false\" \
         placeholder=\"e.g. 1042 or ivan@example.com\" aria-label=\"Find an account\">\
         <p id=\"matches\" class=\"hint\"></p><ul id=\"results\"></ul>\
         <article id=\"account\" hidden><h3 id=\"account-title\"></h3>\
         <p id=\"account-line\"></p><ul id=\"account-reasons\"></ul>\
         <pre id=\"trail\"></pre></article></section>\
         <section class=\"card\" id=\"flagged\"><h2>Held accounts and accounts with warnings</h2>\
         <div class=\"filters\"><select id=\"reason\" aria-label=\"Reason\"></select>\
         <input id=\"filter\" type=\"search\" placeholder=\"filter by id, name or email\" \
         aria-label=\"Filter the list\"></div><p id=\"reason-sentence\" class=\"say\"></p>\
         <table><thead><tr><th>Account</th><th>Name</th><th>Decision</th><th>Why (read this out)</th>\
         </tr></thead><tbody id=\"flagged-rows\"></tbody></table>\
         <p><button id=\"more\" type=\"button\" hidden>Show more</button> \
         <span id=\"flagged-count\" class=\"hint\"></span></p></section>\
         <section class=\"card\" id=\"legend\"><h2>What each reason means</h2>\
         <table><thead><tr><th>Code</th><th>Kind</th><th>Accounts</th><th>Sentence</th></tr></thead>\
         <tbody id=\"legend-rows\"></tbody></table></section></main>"
    );
    out
}
