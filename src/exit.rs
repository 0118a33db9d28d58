//! Exit codes (cli.md): 0 all done; 1 done, but a person must look; 2 could not run. Errors
//! that mean "could not run" are typed so `main` can tell them apart from bugs' context.

use crate::mappings::MappingError;
use crate::settings::ConfigError;

/// How a command that ran ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything done.
    Done,
    /// Done, but something needs a person: held accounts, differences, failed emails.
    NeedsAttention,
}

impl Outcome {
    pub fn code(self) -> u8 {
        match self {
            Outcome::Done => 0,
            Outcome::NeedsAttention => 1,
        }
    }
}

/// What a command that ran hands back: its one-screen summary, the same as JSON, and how it
/// ended. `app` prints it one way for every command.
pub trait CommandReport: serde::Serialize {
    /// The one-screen summary (ends with a newline).
    fn text(&self) -> String;
    fn outcome(&self) -> Outcome;
}

impl Outcome {
    /// `NeedsAttention` when `look` is true.
    pub fn attention_if(look: bool) -> Outcome {
        if look {
            Outcome::NeedsAttention
        } else {
            Outcome::Done
        }
    }
}

/// The exit code of a command that could not run.
pub const COULD_NOT_RUN: u8 = 2;

/// A reason the command could not start or continue.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("mappings: {0}")]
    Mapping(#[from] MappingError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Precondition(String),
}
