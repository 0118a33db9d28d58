//! The dry-run report files of cli.md: accounts.csv, users.csv, payers.csv, services.csv
//! (one row per legacy row) and summary.json. cli.md's columns come first and keep their
//! places, so readers that go by position keep working; columns for support follow them
//! (docs/decisions.md): accounts.csv's `account_name, hold_reasons, warnings`, and the other
//! files' `account_held` — on a held account's rows the outcome is what would happen once
//! the hold is resolved, as `explain` says.

use std::fmt::Write as _;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::files::{private_dir, private_file};
use super::summary::PlanSummary;
use crate::mappings::Mappings;
use crate::plan::{Planned, Sink};
use crate::rules::{Access, Decision, UserOutcome, permissions_of};

type Csv = csv::Writer<BufWriter<File>>;

/// Writes the plan reports into one directory.
pub struct PlanReport {
    dir: PathBuf,
    accounts: Csv,
    users: Csv,
    payers: Csv,
    services: Csv,
    /// users.csv's permissions of each access level, joined once.
    full_permissions: String,
    invoices_only_permissions: String,
    /// The account's codes and opening balance as text, reused row after row.
    codes: String,
    opening: String,
    pub summary: PlanSummary,
}

fn open(dir: &Path, name: &str, header: &[&str]) -> anyhow::Result<Csv> {
    let file = private_file(&dir.join(name))?;
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, file));
    w.write_record(header)
        .with_context(|| format!("writing {name}"))?;
    Ok(w)
}

impl PlanReport {
    pub fn create(dir: &Path, mappings: &Mappings) -> anyhow::Result<PlanReport> {
        private_dir(dir)?;
        Ok(PlanReport {
            dir: dir.to_owned(),
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
            full_permissions: permissions_of(mappings, Some(Access::Full)),
            invoices_only_permissions: permissions_of(mappings, Some(Access::InvoicesOnly)),
            codes: String::new(),
            opening: String::new(),
            summary: PlanSummary::default(),
        })
    }

    fn write(&mut self, name: &str, d: &Decision) -> csv::Result<()> {
        // A million accounts write several million rows: numbers go through stack buffers
        // and the codes through one reused string, not a fresh `String` per field.
        let mut id = itoa::Buffer::new();
        let id = id.format(d.account_id);
        // rules.md: a held account has no warnings, only hold reasons, and one that migrates
        // has no hold reasons: its one list of codes is either column.
        self.codes.clear();
        for (i, code) in d.reason_codes().into_iter().enumerate() {
            if i > 0 {
                self.codes.push(';');
            }
            self.codes.push_str(code);
        }
        let reasons = self.codes.as_str();
        let (holds, warnings) = if d.migrates() {
            ("", reasons)
        } else {
            (reasons, "")
        };
        // Support needs the very user and address R1 chose, above all when that address is
        // why the account is held: the owner row carries the address as the legacy data has it.
        let mut primary_id = itoa::Buffer::new();
        let primary_id = number(
            &mut primary_id,
            d.primary.as_ref().map(|p| p.legacy_user_id),
        );
        let primary_email = d
            .primary
            .as_ref()
            .and_then(|p| p.email.as_deref())
            .or_else(|| {
                // The owner row, not a row with the owner's id: a damaged table may repeat ids.
                d.users
                    .iter()
                    .find(|u| u.outcome == UserOutcome::Owner)
                    .map(|u| u.email.as_str())
            })
            .unwrap_or_default();
        if d.migrates() {
            let migrated = d.services.iter().filter(|s| s.seq.is_some()).count();
            let (mut invitations, mut payer) = (itoa::Buffer::new(), itoa::Buffer::new());
            let (mut moving, mut staying) = (itoa::Buffer::new(), itoa::Buffer::new());
            self.opening.clear();
            let _ = write!(self.opening, "{:.2}", d.balance.opening);
            self.accounts.write_record([
                id,
                "migrate",
                reasons,
                primary_id,
                primary_email,
                invitations.format(d.invitations().count()),
                number(&mut payer, d.payer.moving),
                d.balance.currency.as_deref().unwrap_or(""),
                &self.opening,
                moving.format(migrated),
                staying.format(d.services.len() - migrated),
                name,
                holds,
                warnings,
            ])?;
        } else {
            // Nothing of a held account moves: the counts stay empty, not a misleading 0.
            self.accounts.write_record([
                id,
                "hold",
                reasons,
                primary_id,
                primary_email,
                "",
                "",
                "",
                "",
                "",
                "",
                name,
                holds,
                warnings,
            ])?;
        }
        let held = if d.migrates() { "false" } else { "true" };
        let mut number_buf = itoa::Buffer::new();
        for u in &d.users {
            let permissions = match u.access {
                Some(Access::Full) => self.full_permissions.as_str(),
                Some(Access::InvoicesOnly) => self.invoices_only_permissions.as_str(),
                None => "",
            };
            self.users.write_record([
                id,
                number_buf.format(u.legacy_user_id),
                &u.email,
                u.outcome.code(),
                permissions,
                held,
            ])?;
        }
        for (profile, outcome) in &d.payer.outcomes {
            self.payers
                .write_record([id, number_buf.format(*profile), outcome.code(), held])?;
        }
        let (mut priority, mut seq) = (itoa::Buffer::new(), itoa::Buffer::new());
        for s in &d.services {
            self.services.write_record([
                id,
                number_buf.format(s.legacy_item_id),
                s.itemtype.as_deref().unwrap_or(""),
                s.category.as_deref().unwrap_or(""),
                number(&mut priority, s.priority),
                number(&mut seq, s.seq),
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

/// A number as the reports spell it, or nothing.
fn number<T: itoa::Integer>(buf: &mut itoa::Buffer, value: Option<T>) -> &str {
    value.map_or("", |v| buf.format(v))
}

impl Sink for PlanReport {
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
