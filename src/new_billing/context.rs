//! What every batch of a run shares, and how one batch went: the values the batch writer
//! and the new-account writer both use, kept below both so neither imports the other.

use std::collections::BTreeSet;

use chrono_tz::Tz;

use crate::mappings::Mappings;

/// What every batch of a run shares.
pub struct WriteContext {
    pub mappings: std::sync::Arc<Mappings>,
    pub zone: Tz,
    /// Categories this run migrates (all of them unless `--categories`).
    pub categories: BTreeSet<String>,
    pub run_id: i64,
    /// R7.3: the language of an invitee whose own is not uk, ru or en.
    pub default_language: crate::rules::Language,
}

/// How one batch went.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BatchCounts {
    pub migrated: u64,
    pub phase_added: u64,
    pub held: u64,
    pub skipped: u64,
    pub services: u64,
    pub emails: u64,
}

impl std::ops::AddAssign for BatchCounts {
    fn add_assign(&mut self, o: Self) {
        self.migrated += o.migrated;
        self.phase_added += o.phase_added;
        self.held += o.held;
        self.skipped += o.skipped;
        self.services += o.services;
        self.emails += o.emails;
    }
}
