//! The validated request: what one invocation will do, with its settings. `cli` builds it
//! from clap's types, `app` executes it and `main` joins the two; nothing here knows clap.

use std::path::PathBuf;

use crate::scope::Scope;
use crate::settings::Settings;

/// A command with its own arguments, free of clap.
#[derive(Debug, Clone)]
pub enum Command {
    Setup,
    Plan {
        out: PathBuf,
        scope: Scope,
        chunk_size: usize,
    },
    Explain {
        account_id: i64,
    },
    /// The legacy schema check alone (`check-legacy`).
    CheckLegacy,
    Migrate(crate::migrate::MigrateOptions),
    Status,
    Verify {
        out: PathBuf,
        scope: Scope,
        /// A previous verify's directory: its differences.csv exists (checked in `cli`).
        since: Option<PathBuf>,
    },
    Partners(crate::partners::PartnerOptions),
    Send(crate::outbox::sender::SendOptions),
    Resend(crate::outbox::resend::ResendTarget),
}

/// Everything a run needs, validated.
#[derive(Debug, Clone)]
pub struct Request {
    pub settings: Settings,
    pub command: Command,
    pub json: bool,
    pub quiet: bool,
}
