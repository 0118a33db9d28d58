//! Exit codes (cli.md): 0 all done; 1 done, but a person must look; 2 could not run. Errors
//! that mean "could not run" are typed so `main` can tell them apart from bugs' context:
//! [`ended`] looks for a [`Fatal`] (or a configuration / mapping error) in the chain.

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

/// How a command that failed ends: its exit code and what to print on stderr.
///
/// A [`Fatal`] — bad configuration, a bad mapping file, a usage error, a refused
/// precondition — is the operator's to fix and its message says how, so it is printed as it
/// is. Anything else is an unexpected failure (a connection lost mid-run, a bug): it is
/// printed with its whole chain of context and a line saying it is not a configuration
/// problem. Both are cli.md's exit 2, "could not run".
pub fn ended(err: &anyhow::Error) -> (u8, String) {
    let typed = err
        .chain()
        .any(|e| e.is::<Fatal>() || e.is::<ConfigError>() || e.is::<MappingError>());
    let text = chain_once(err);
    if typed {
        (COULD_NOT_RUN, format!("error: {text}"))
    } else {
        (
            COULD_NOT_RUN,
            format!(
                "error: {text}\nnote: this is not a configuration error; if it happens again, report it with the line above"
            ),
        )
    }
}

/// The chain of context as `a: b: c`, leaving out a cause whose text the message already
/// holds (a typed error that quotes its source would otherwise say it twice).
fn chain_once(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_errors_are_told_apart_from_unexpected_ones() {
        let config = anyhow::Error::from(Fatal::Config(ConfigError::Invalid {
            key: "mail.from".into(),
            message: "\"x\" is not a mail address".into(),
        }));
        let (code, text) = ended(&config);
        assert_eq!(code, COULD_NOT_RUN);
        assert_eq!(
            text,
            "error: configuration: mail.from: \"x\" is not a mail address"
        );
        let wrapped = anyhow::Error::from(Fatal::Precondition("run setup".into())).context("send");
        assert!(!ended(&wrapped).1.contains("note:"));
        let other = anyhow::anyhow!("connection reset").context("reading legacy accounts");
        let (code, text) = ended(&other);
        assert_eq!(code, COULD_NOT_RUN);
        assert!(text.starts_with("error: reading legacy accounts: connection reset\nnote: "));
    }
}
