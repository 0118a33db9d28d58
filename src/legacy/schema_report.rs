//! What the schema check tells people: the `check-legacy` table (and its JSON), and the
//! exit-2 message naming each missing column with the `legacy_columns.csv` line that would
//! map it.

use std::fmt::Write as _;

use super::columns::FILE;
use super::fields::Origin;
use super::schema::{LegacySchema, Status};

impl LegacySchema {
    /// The error for missing fields, naming each column and how to map it.
    pub fn missing_message(&self) -> Option<String> {
        let missing = self.missing();
        if missing.is_empty() {
            return None;
        }
        let mut m = String::from("the legacy database lacks required columns:");
        for r in &missing {
            let looked: Vec<String> = r
                .spec
                .names
                .iter()
                .map(|(n, _)| format!("{}.{n}", r.table))
                .collect();
            let _ = write!(m, " {} (looked for {}", r.spec.field, looked.join(" or "));
            if let Some(note) = &r.note {
                let _ = write!(m, "; {note}");
            }
            let _ = write!(
                m,
                "; if it has another name, add the line `{},{},<column>` to \
                 mappings/{});",
                r.spec.field, r.table, FILE
            );
        }
        m.push_str(" `billmigrate check-legacy` prints every field");
        Some(m)
    }

    /// The same as [`LegacySchema::render`], for `--json`.
    pub fn to_json(&self) -> serde_json::Value {
        let fields: Vec<serde_json::Value> = self
            .fields
            .iter()
            .map(|r| {
                let (status, detail) = match &r.status {
                    Status::Found(Origin::Spec) => ("found", None),
                    Status::Found(Origin::Billmanager) => ("found", Some("billmanager".into())),
                    Status::Mapped(line) => ("found", Some(format!("mapped on line {line}"))),
                    Status::Fallback(what) => ("fallback", Some((*what).to_owned())),
                    Status::Missing => ("missing", None),
                };
                serde_json::json!({
                    "field": r.spec.field,
                    "table": r.table,
                    "column": r.column,
                    "type": r.data_type,
                    "status": status,
                    "detail": detail,
                    "note": r.note,
                })
            })
            .collect();
        serde_json::json!({
            "shape": self.shape,
            "charsets": self.charsets,
            "foreign_keys": self.foreign_keys,
            "fields": fields,
        })
    }

    /// The table `check-legacy` prints.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let bm = self
            .fields
            .iter()
            .filter(|r| r.status == Status::Found(Origin::Billmanager))
            .count();
        let mapped = self
            .fields
            .iter()
            .filter(|r| matches!(r.status, Status::Mapped(_)))
            .count();
        let _ = writeln!(
            out,
            "legacy database shape: {} ({bm} fields under BILLmanager names, {mapped} mapped by {})",
            self.shape.name(),
            self.overrides_file.as_ref().map_or_else(
                || format!("mappings/{} (absent)", FILE),
                |p| p.display().to_string()
            )
        );
        let sets: Vec<String> = self
            .charsets
            .iter()
            .map(|(cs, tables)| format!("{cs} ({} tables)", tables.len()))
            .collect();
        let _ = writeln!(
            out,
            "character sets: {}; enforced foreign keys: {} (read through utf8mb4 either way; \
             the tool only reads)",
            if sets.is_empty() {
                "-".into()
            } else {
                sets.join(", ")
            },
            self.foreign_keys
        );
        let _ = writeln!(
            out,
            "{:<34} {:<40} {:<10} status",
            "field", "table.column", "type"
        );
        for r in &self.fields {
            let at = r
                .column
                .as_ref()
                .map_or_else(|| "-".into(), |c| format!("{}.{c}", r.table));
            let status = match &r.status {
                Status::Found(Origin::Spec) => "found".to_owned(),
                Status::Found(Origin::Billmanager) => "found (BILLmanager)".to_owned(),
                Status::Mapped(line) => {
                    format!("found (mapped, {} line {line})", FILE)
                }
                Status::Fallback(what) => format!("fallback: {what}"),
                Status::Missing => "MISSING".to_owned(),
            };
            let _ = write!(
                out,
                "{:<34} {:<40} {:<10} {status}",
                r.spec.field,
                at,
                r.data_type.as_deref().unwrap_or("-")
            );
            if let Some(note) = &r.note {
                let _ = write!(out, " — {note}");
            }
            out.push('\n');
        }
        out
    }
}

impl serde::Serialize for LegacySchema {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// `check-legacy`'s report; a missing required column is not an outcome but a refusal
/// (exit 2), which `app` raises after printing the table.
impl crate::exit::CommandReport for LegacySchema {
    fn text(&self) -> String {
        self.render()
    }

    fn outcome(&self) -> crate::exit::Outcome {
        crate::exit::Outcome::Done
    }
}
