//! What the report-page tests read: report CSV rows by column name, counts of their values,
//! and the numbers the page's charts state.

use std::collections::BTreeMap;
use std::path::Path;

use super::webdriver::Browser;

/// Rows of a report CSV as column name → value.
pub fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

/// chart id → label → value, as the page's SVG states them.
pub fn charts(b: &Browser) -> BTreeMap<String, BTreeMap<String, String>> {
    let v = b.js(
        "return Array.from(document.querySelectorAll('figure.chart')).map(f => [f.id, \
         Array.from(f.querySelectorAll('[data-value]')).map(g => [g.dataset.label, g.dataset.value])]);",
    );
    serde_json::from_value::<Vec<(String, Vec<(String, String)>)>>(v)
        .unwrap()
        .into_iter()
        .map(|(id, bars)| (id, bars.into_iter().collect()))
        .collect()
}

/// How many times each item occurs, as text (the charts' `data-value`).
pub fn count<'a>(items: impl Iterator<Item = &'a str>) -> BTreeMap<String, String> {
    let mut n: BTreeMap<String, u64> = BTreeMap::new();
    for i in items {
        *n.entry(i.to_owned()).or_default() += 1;
    }
    n.into_iter().map(|(k, v)| (k, v.to_string())).collect()
}
