//! billmigrate: moves a hosting provider's customers from its legacy BILLmanager-style
//! billing (MySQL) to its new billing (PostgreSQL).
//!
//! The pipeline, one module each: [`legacy`] reads, [`rules`] decides (pure), [`plan`] drives
//! reading and deciding into a sink, [`report`] writes the dry-run reports and `explain`,
//! [`new_billing`] owns the new billing's schema and writes. docs/architecture.md draws the
//! whole flow and what each module may import.

pub mod app;
pub mod cli;
pub mod exit;
pub mod fixtures_gen;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod language;
pub mod legacy;
pub mod mappings;
pub mod migrate;
pub mod new_billing;
pub mod outbox;
pub mod partners;
pub mod plan;
pub mod progress;
pub mod report;
pub mod request;
pub mod rules;
pub mod scope;
pub mod settings;
pub mod verify;
