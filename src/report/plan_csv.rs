//! The dry-run report files of cli.md: accounts.csv, users.csv, payers.csv, services.csv
//! (one row per legacy row) and summary.json. cli.md's columns come first and keep their
//! places, so readers that go by position keep working; columns for support follow them
//! (docs/decisions.md): accounts.csv's `account_name, hold_reasons, warnings`, and the other
//! files' `account_held` — on a held account's rows the outcome is what would happen once
//! the hold is resolved, as `explain` says.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::files::{private_dir, private_file};
use super::summary::PlanSummary;
use crate::mappings::Mappings;
use crate::plan::{Planned, Sink};
use crate::rules::{Decision, UserOutcome, permissions_of};

type Csv = csv::Writer<BufWriter<File>>;

/// Writes the plan reports into one directory.
pub struct PlanReport<'m> {
    dir: PathBuf,
    mappings: &'m Mappings,
    accounts: Csv,
    users: Csv,
    payers: Csv,
    services: Csv,
    pub summary: PlanSummary,
}

fn open(dir: &Path, name: &str, header: &[&str]) -> anyhow::Result<Csv> {
    let file = private_file(&dir.join(name))?;
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, file));
    w.write_record(header)
        .with_context(|| format!("writing {name}"))?;
    Ok(w)
}

impl<'m> PlanReport<'m> {
    pub fn create(dir: &Path, mappings: &'m Mappings) -> anyhow::Result<PlanReport<'m>> {
        private_dir(dir)?;
        Ok(PlanReport {
            dir: dir.to_owned(),
            mappings,
            accounts: open(
                dir,
                "accounts.csv",
                &[
                    "legacy_account_id",
                    "decision",
                    "reasons",
                    "primary_user_id",
                    "primary_email",
                    "invitations",
                    "payer_profile_id",
                    "currency",
                    "opening_balance",
                    "services_migrated",
                    "services_skipped",
                    "account_name",
                    "hold_reasons",
                    "warnings",
                ],
            )?,
            users: open(
                dir,
                "users.csv",
                &[
                    "legacy_account_id",
                    "legacy_user_id",
                    "email",
                    "outcome",
                    "permissions",
                    "account_held",
                ],
            )?,
            payers: open(
                dir,
                "payers.csv",
                &[
                    "legacy_account_id",
                    "legacy_profile_id",
                    "outcome",
                    "account_held",
                ],
            )?,
            services: open(
                dir,
                "services.csv",
                &[
                    "legacy_account_id",
                    "legacy_item_id",
                    "itemtype",
                    "category",
                    "priority",
                    "seq",
                    "product_code",
                    "outcome",
                    "account_held",
                ],
            )?,
            summary: PlanSummary::default(),
        })
    }

    fn write(&mut self, name: &str, d: &Decision) -> csv::Result<()> {
        let id = d.account_id.to_string();
        let reasons = d.reason_codes().join(";");
        let holds = join(d.holds.iter().map(|h| h.code()));
        // rules.md: a held account has no warnings, only hold reasons.
        let warnings = if d.migrates() {
            join(d.warnings.iter().map(|w| w.code()))
        } else {
            String::new()
        };
        // Support needs the very user and address R1 chose, above all when that address is
        // why the account is held: the owner row carries the address as the legacy data has it.
        let primary_id = d.primary.as_ref().map(|p| p.legacy_user_id);
        let primary_email = d
            .primary
            .as_ref()
            .and_then(|p| p.email.clone())
            .or_else(|| {
                // The owner row, not a row with the owner's id: a damaged table may repeat ids.
                d.users
                    .iter()
                    .find(|u| u.outcome == UserOutcome::Owner)
                    .map(|u| u.email.clone())
            })
            .unwrap_or_default();
        let primary_id = primary_id.map(|p| p.to_string()).unwrap_or_default();
        if d.migrates() {
            let migrated = d.services.iter().filter(|s| s.seq.is_some()).count();
            self.accounts.write_record([
                id.as_str(),
                "migrate",
                &reasons,
                &primary_id,
                &primary_email,
                &d.invitations().count().to_string(),
                &d.payer.moving.map(|p| p.to_string()).unwrap_or_default(),
                d.balance.currency.as_deref().unwrap_or(""),
                &format!("{:.2}", d.balance.opening),
                &migrated.to_string(),
                &(d.services.len() - migrated).to_string(),
                name,
                &holds,
                &warnings,
            ])?;
        } else {
            // Nothing of a held account moves: the counts stay empty, not a misleading 0.
            self.accounts.write_record([
                id.as_str(),
                "hold",
                &reasons,
                &primary_id,
                &primary_email,
                "",
                "",
                "",
                "",
                "",
                "",
                name,
                &holds,
                &warnings,
            ])?;
        }
        let held = if d.migrates() { "false" } else { "true" };
        for u in &d.users {
            self.users.write_record([
                id.as_str(),
                &u.legacy_user_id.to_string(),
                &u.email,
                u.outcome.code(),
                &permissions_of(self.mappings, u.access),
                held,
            ])?;
        }
        for (profile, outcome) in &d.payer.outcomes {
            self.payers
                .write_record([id.as_str(), &profile.to_string(), outcome.code(), held])?;
        }
        for s in &d.services {
            self.services.write_record([
                id.as_str(),
                &s.legacy_item_id.to_string(),
                s.itemtype.as_deref().unwrap_or(""),
                s.category.as_deref().unwrap_or(""),
                &s.priority.map(|p| p.to_string()).unwrap_or_default(),
                &s.seq.map(|n| n.to_string()).unwrap_or_default(),
                s.product_code.as_deref().unwrap_or(""),
                s.outcome.code(),
                held,
            ])?;
        }
        self.summary.add(d);
        Ok(())
    }

    /// Flushes the CSV files and writes summary.json.
    /// Names the legacy shape in summary.json and lists the out-of-scope account rows in
    /// out_of_scope.csv (`legacy_account_id, reason, level`; only the header when none), so
    /// no account row leaves a plan unaccounted for.
    pub fn legacy(
        &mut self,
        shape: &'static str,
        out_of_scope: &[crate::legacy::model::OutOfScope],
    ) -> anyhow::Result<()> {
        self.summary.legacy_shape = Some(shape);
        self.summary.out_of_scope = out_of_scope.len() as u64;
        let mut w = open(
            &self.dir,
            "out_of_scope.csv",
            &["legacy_account_id", "reason", "level"],
        )?;
        for row in out_of_scope {
            let level = row.level.map(|l| l.to_string()).unwrap_or_default();
            w.write_record([row.account_id.to_string().as_str(), row.reason, &level])
                .context("writing out_of_scope.csv")?;
        }
        w.flush().context("flushing out_of_scope.csv")?;
        Ok(())
    }

    pub fn finish(mut self) -> anyhow::Result<PlanSummary> {
        for w in [
            &mut self.accounts,
            &mut self.users,
            &mut self.payers,
            &mut self.services,
        ] {
            w.flush().context("flushing plan reports")?;
        }
        let json = serde_json::to_vec_pretty(&self.summary)?;
        let path = self.dir.join("summary.json");
        std::io::Write::write_all(&mut private_file(&path)?, &json)
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(self.summary)
    }
}

fn join<'a>(codes: impl Iterator<Item = &'a str>) -> String {
    codes.collect::<Vec<_>>().join(";")
}

impl Sink for PlanReport<'_> {
    async fn accept(&mut self, chunk: Vec<Planned>) -> anyhow::Result<()> {
        for planned in &chunk {
            self.write(&planned.account.name, &planned.decision)
                .with_context(|| {
                    format!("writing the report rows of account {}", planned.account.id)
                })?;
        }
        Ok(())
    }
}
