//! R3: which payer profile moves (the last created one not marked "do not migrate") and
//! what kind of payer it becomes.

use std::fmt;

use super::reasons::{Hold, PayerOutcome, Warning};
use crate::legacy::model::Profile;

/// The new billing's payer kinds (`payers.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayerKind {
    Individual,
    Company,
    SoleProprietor,
}

impl PayerKind {
    /// `profiletype` 1/2/3; anything else is not a payer kind.
    pub fn from_profiletype(value: Option<i64>) -> Option<PayerKind> {
        match value? {
            1 => Some(PayerKind::Individual),
            2 => Some(PayerKind::Company),
            3 => Some(PayerKind::SoleProprietor),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PayerKind::Individual => "individual",
            PayerKind::Company => "company",
            PayerKind::SoleProprietor => "sole_proprietor",
        }
    }
}

impl fmt::Display for PayerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Result of R3 for one account.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PayerDecision {
    /// The profile that moves, if any.
    pub moving: Option<i64>,
    /// Its kind; `None` when there is no moving payer or its type is invalid.
    pub kind: Option<PayerKind>,
    /// Every profile with its outcome, by id.
    pub outcomes: Vec<(i64, PayerOutcome)>,
    pub holds: Vec<Hold>,
    pub warnings: Vec<Warning>,
}

/// Applies R3 to an account's profiles.
pub fn decide_payer(profiles: &[Profile]) -> PayerDecision {
    let mut out = PayerDecision::default();
    // Greatest createdate wins; undated ones sort before every dated one; ties → higher id.
    let moving = profiles
        .iter()
        .filter(|p| !p.nomigrate)
        .max_by_key(|p| (p.createdate.is_some(), p.createdate, p.id));
    out.moving = moving.map(|p| p.id);
    match moving {
        None => out.warnings.push(Warning::NoPayer),
        Some(p) => {
            out.kind = PayerKind::from_profiletype(p.profiletype);
            if out.kind.is_none() {
                out.holds.push(Hold::InvalidPayerType);
            }
        }
    }
    let mut ids: Vec<&Profile> = profiles.iter().collect();
    ids.sort_by_key(|p| p.id);
    out.outcomes = ids
        .into_iter()
        .map(|p| {
            let outcome = if Some(p.id) == out.moving {
                PayerOutcome::Migrated
            } else if p.nomigrate {
                PayerOutcome::MarkedDoNotMigrate
            } else {
                PayerOutcome::NotLastPayer
            };
            (p.id, outcome)
        })
        .collect();
    out
}
