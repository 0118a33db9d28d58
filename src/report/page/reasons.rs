//! The one table of reason code → plain-language sentence the page shows next to held and
//! warned accounts. The sentences are explain's own (`hold_sentence`, `warning_sentence`):
//! the page and the terminal can never word a reason differently.

use serde::Serialize;

use crate::report::explain::{hold_sentence, warning_sentence};
use crate::rules::{Hold, Warning};

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Reason {
    pub code: &'static str,
    /// `hold` or `warning`.
    pub kind: &'static str,
    pub sentence: &'static str,
}

/// Every hold reason, then every warning, in rules.md's order.
pub fn table() -> Vec<Reason> {
    let holds = Hold::ALL.iter().map(|h| Reason {
        code: h.code(),
        kind: "hold",
        sentence: hold_sentence(*h),
    });
    let warnings = Warning::ALL.iter().map(|w| Reason {
        code: w.code(),
        kind: "warning",
        sentence: warning_sentence(*w),
    });
    holds.chain(warnings).collect()
}

/// Whether `code` is a hold reason (the summary counts holds and warnings in one map).
pub fn is_hold(code: &str) -> bool {
    Hold::ALL.iter().any(|h| h.code() == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_sentence() {
        let t = table();
        assert_eq!(t.len(), Hold::ALL.len() + Warning::ALL.len());
        let mut codes: Vec<_> = t.iter().map(|r| r.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), t.len(), "codes are unique");
        assert!(t.iter().all(|r| !r.sentence.is_empty()));
        assert!(is_hold("no_rate_for_currency") && !is_hold("no_payer"));
    }
}
