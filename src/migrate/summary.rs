//! What a `migrate` run reports: its summary and the exit code it asks for.

use std::time::Duration;

use serde::Serialize;

/// The objects a first load built after loading (`new_billing::first_load`).
#[derive(Debug, Clone, Serialize)]
pub struct FirstLoad {
    pub foreign_keys: u64,
    pub indexes: u64,
    pub build_ms: u64,
}

/// What a `migrate` run did.
#[derive(Debug, Clone, Serialize)]
pub struct MigrateSummary {
    pub run_id: i64,
    /// Batches written in parallel, and why that many.
    pub workers: usize,
    pub workers_why: String,
    pub interrupted_runs_found: u64,
    /// Foreign keys and indexes a crashed first load had deferred, built back at the start.
    pub rebuilt_at_start: u64,
    /// A first load into an empty target: what it built after the load, and how long that took.
    pub first_load: Option<FirstLoad>,
    pub accounts_seen: u64,
    pub migrated: u64,
    pub phase_added: u64,
    pub held: u64,
    pub skipped: u64,
    pub services: u64,
    pub emails_queued: u64,
    pub elapsed_ms: u64,
}

impl MigrateSummary {
    fn load_notes(&self) -> String {
        let mut notes = String::new();
        if self.rebuilt_at_start > 0 {
            notes += &format!(
                "  note: built back {} foreign keys and indexes a crashed first load had deferred\n",
                self.rebuilt_at_start
            );
        }
        if let Some(f) = &self.first_load {
            notes += &format!(
                "  first load into an empty target: {} foreign keys and {} indexes built after the load ({:.1?})\n",
                f.foreign_keys,
                f.indexes,
                Duration::from_millis(f.build_ms)
            );
        }
        notes
    }

    fn elapsed(&self) -> Duration {
        Duration::from_millis(self.elapsed_ms)
    }

    pub fn render(&self) -> String {
        // Only a run that added services to accounts migrated earlier (a later phase) says
        // so: "services added (phase): 0" on an ordinary run was noise.
        let phase = if self.phase_added > 0 {
            format!(
                "  services added to accounts migrated earlier: {}\n",
                self.phase_added
            )
        } else {
            String::new()
        };
        format!(
            "run {}: {} accounts in {:.1}s ({}/s), {} workers ({})\n  migrated now:        {}\n{phase}  held:                {}\n  already done:        {}\n  services written:    {}\n  emails queued:       {}\n{}",
            self.run_id,
            self.accounts_seen,
            self.elapsed().as_secs_f32(),
            self.accounts_seen * 1000 / self.elapsed_ms.max(1),
            self.workers,
            self.workers_why,
            self.migrated,
            self.held,
            self.skipped,
            self.services,
            self.emails_queued,
            if self.interrupted_runs_found > 0 {
                format!(
                    "  note: {} earlier run(s) had crashed and were marked interrupted\n",
                    self.interrupted_runs_found
                )
            } else {
                String::new()
            }
        ) + &self.load_notes()
            + if self.held > 0 {
                "next: `billmigrate status` counts the held accounts by reason, `billmigrate explain \
             ID` says why one is held; fix the old billing and run migrate again (held accounts \
             are retried)\n"
            } else {
                ""
            }
    }
}

impl crate::exit::CommandReport for MigrateSummary {
    fn text(&self) -> String {
        self.render()
    }

    fn outcome(&self) -> crate::exit::Outcome {
        crate::exit::Outcome::attention_if(self.held > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::MigrateSummary;

    fn summary(phase_added: u64) -> MigrateSummary {
        MigrateSummary {
            run_id: 3,
            workers: 3,
            workers_why: "chosen: 90 free connections on the target".into(),
            interrupted_runs_found: 0,
            rebuilt_at_start: 0,
            first_load: None,
            accounts_seen: 10,
            migrated: 8,
            phase_added,
            held: 2,
            skipped: 0,
            services: 12,
            emails_queued: 9,
            elapsed_ms: 1000,
        }
    }

    #[test]
    fn only_a_run_that_added_services_to_earlier_accounts_mentions_it() {
        let ordinary = summary(0).render();
        assert!(!ordinary.contains("services added"), "{ordinary}");
        assert!(
            ordinary.ends_with("(held accounts are retried)\n"),
            "{ordinary}"
        );
        assert!(!ordinary.contains("phase"), "{ordinary}");
        let phased = summary(4).render();
        assert!(
            phased.contains("  services added to accounts migrated earlier: 4\n"),
            "{phased}"
        );
    }
}
