//! The dry run's totals: counts per decision, per reason, per outcome and category, and the
//! opening balance per currency. Written as summary.json and printed as one screen.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::rules::Decision;

/// Totals of a plan.
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct PlanSummary {
    pub accounts: u64,
    /// `migrate` / `hold` → accounts.
    pub decisions: BTreeMap<&'static str, u64>,
    /// Every hold reason of held accounts and warning of migrating accounts → accounts
    /// (cli.md's one list, kept for its readers; `holds` and `warnings` split it).
    pub reasons: BTreeMap<&'static str, u64>,
    /// Hold reason → held accounts (an account can have several).
    pub holds: BTreeMap<&'static str, u64>,
    /// Warning → migrating accounts (an account can have several).
    pub warnings: BTreeMap<&'static str, u64>,
    pub users: BTreeMap<&'static str, u64>,
    pub payers: BTreeMap<&'static str, u64>,
    pub services: BTreeMap<&'static str, u64>,
    /// Migrating services per category (migrating accounts only).
    pub categories: BTreeMap<String, u64>,
    /// Opening-balance entries per currency (migrating accounts only).
    #[serde(with = "decimal_map")]
    pub opening_balance: BTreeMap<String, Decimal>,
    /// The legacy database shape the schema check recognised (`spec` / `billmanager`).
    pub legacy_shape: Option<&'static str>,
    /// Account rows the operator declared out of scope (listed in out_of_scope.csv).
    pub out_of_scope: u64,
}

mod decimal_map {
    use super::*;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<String, Decimal>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let as_text: BTreeMap<&String, String> =
            map.iter().map(|(k, v)| (k, format!("{v:.2}"))).collect();
        as_text.serialize(s)
    }
}

/// Adds `amount` under `key`, copying the key only when it first appears (an `entry` by
/// owned key copied it once per service and account).
fn add<V: std::ops::AddAssign>(totals: &mut BTreeMap<String, V>, key: &str, amount: V) {
    match totals.get_mut(key) {
        Some(total) => *total += amount,
        None => {
            totals.insert(key.to_owned(), amount);
        }
    }
}

impl PlanSummary {
    pub fn add(&mut self, d: &Decision) {
        self.accounts += 1;
        let decision = if d.migrates() { "migrate" } else { "hold" };
        *self.decisions.entry(decision).or_default() += 1;
        for code in d.reason_codes() {
            *self.reasons.entry(code).or_default() += 1;
        }
        let split = if d.migrates() {
            &mut self.warnings
        } else {
            &mut self.holds
        };
        for code in d.reason_codes() {
            *split.entry(code).or_default() += 1;
        }
        for u in &d.users {
            *self.users.entry(u.outcome.code()).or_default() += 1;
        }
        for (_, outcome) in &d.payer.outcomes {
            *self.payers.entry(outcome.code()).or_default() += 1;
        }
        for s in &d.services {
            *self.services.entry(s.outcome.code()).or_default() += 1;
        }
        if d.migrates() {
            for s in d.migrating_services() {
                add(
                    &mut self.categories,
                    s.category.as_deref().unwrap_or_default(),
                    1,
                );
            }
            if let (Some(amount), Some(currency)) = (d.opening_entry(), &d.balance.currency) {
                add(&mut self.opening_balance, currency, amount);
            }
        }
    }

    fn count(&self, decision: &str) -> u64 {
        self.decisions.get(decision).copied().unwrap_or(0)
    }

    pub fn held(&self) -> u64 {
        self.count("hold")
    }

    /// One screen for an operator.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} accounts: {} migrate, {} hold",
            self.accounts,
            self.count("migrate"),
            self.count("hold")
        );
        if self.out_of_scope > 0 {
            let _ = writeln!(
                out,
                "{} account rows out of scope (legacy.exclude_*; listed in out_of_scope.csv)",
                self.out_of_scope
            );
        }
        // Two lists: a warning never stops an account, a hold always does, and a count of
        // 870 warnings above 511 holds read as if the warnings mattered more.
        let lists = [
            (
                "held accounts by reason (an account can have several):",
                &self.holds,
            ),
            (
                "warnings on migrating accounts (an account can have several):",
                &self.warnings,
            ),
        ];
        for (title, counts) in lists {
            let mut counts: Vec<_> = counts.iter().collect();
            counts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            if !counts.is_empty() {
                let _ = writeln!(out, "{title}");
                for (code, n) in counts {
                    let _ = writeln!(out, "  {n:>10}  {code}");
                }
            }
        }
        if !self.categories.is_empty() {
            let cats: Vec<String> = self
                .categories
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            let _ = writeln!(out, "services migrating: {}", cats.join(", "));
        }
        if !self.opening_balance.is_empty() {
            let _ = writeln!(out, "opening balance:");
            for (currency, total) in &self.opening_balance {
                let _ = writeln!(out, "  {total:>20.2} {currency}");
            }
        }
        out
    }
}
