//! R6.3: what a partner is owed and which of its referrals can be linked — pure, like the
//! rest of the rules: legacy sums and the migration state in, an outcome with amounts out.

use rust_decimal::Decimal;

use super::balance::round_cents;
use super::reasons::PartnerOutcome;
use crate::legacy::model::PartnerFacts;
use crate::mappings::Mappings;

/// The partner's migrated client, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerClient {
    pub currency: String,
}

/// The decision for one partner.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerDecision {
    pub account_id: i64,
    pub outcome: PartnerOutcome,
    pub reward_percent: Decimal,
    /// Unpaid rewards plus this month's accrual, in the client currency.
    pub owed: Option<Decimal>,
    pub accrual: Option<Decimal>,
    /// Referrals to link (both accounts migrated).
    pub linked: Vec<i64>,
    /// Referrals that cannot be linked because they are not migrated.
    pub not_migrated: Vec<i64>,
}

/// Applies R6 to one partner; `migrated(id)` says whether a legacy account is migrated.
pub fn decide_partner(
    facts: &PartnerFacts,
    client: Option<&PartnerClient>,
    migrated: impl Fn(i64) -> bool,
    mappings: &Mappings,
) -> PartnerDecision {
    let reward_percent = facts.reward_percent.unwrap_or_default();
    let mut d = PartnerDecision {
        account_id: facts.account_id,
        outcome: PartnerOutcome::PartnerNotMigrated,
        reward_percent,
        owed: None,
        accrual: None,
        linked: Vec::new(),
        not_migrated: Vec::new(),
    };
    let Some(client) = client else { return d };
    let mut base = Decimal::ZERO;
    for (currency, total) in &facts.expenses {
        if total.is_zero() {
            continue;
        }
        match currency
            .as_deref()
            .and_then(|c| mappings.rate(c, &client.currency))
        {
            Some(rate) => base += round_cents(*total * rate),
            None => {
                d.outcome = PartnerOutcome::NoRateForCurrency;
                return d;
            }
        }
    }
    let accrual = round_cents(base * reward_percent / Decimal::ONE_HUNDRED);
    d.accrual = Some(accrual);
    d.owed = Some(round_cents(facts.unpaid + accrual));
    d.outcome = PartnerOutcome::Migrated;
    for &r in &facts.referrals {
        if migrated(r) {
            d.linked.push(r)
        } else {
            d.not_migrated.push(r)
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn mappings() -> Mappings {
        Mappings::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings")).unwrap()
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn facts() -> PartnerFacts {
        PartnerFacts {
            account_id: 1,
            reward_percent: Some(d("10.00")),
            unpaid: d("18.45"),
            expenses: [(Some("UAH".to_owned()), d("130.05"))]
                .into_iter()
                .collect(),
            referrals: vec![2, 3],
        }
    }

    #[test]
    fn r6_3_owed_is_unpaid_plus_rounded_accrual() {
        let uah = PartnerClient {
            currency: "UAH".into(),
        };
        let out = decide_partner(&facts(), Some(&uah), |id| id == 2, &mappings());
        assert_eq!(out.outcome, PartnerOutcome::Migrated);
        assert_eq!(
            out.accrual,
            Some(d("13.01")),
            "13.005 rounds half away from zero"
        );
        assert_eq!(out.owed, Some(d("31.46")));
        assert_eq!((out.linked, out.not_migrated), (vec![2], vec![3]));
    }

    #[test]
    fn r6_3_other_currencies_convert_or_block() {
        let uah = PartnerClient {
            currency: "UAH".into(),
        };
        let mut f = facts();
        f.expenses.insert(Some("USD".into()), d("1.00"));
        assert_eq!(
            decide_partner(&f, Some(&uah), |_| true, &mappings()).owed,
            Some(d("35.61"))
        );
        f.expenses.insert(Some("RUB".into()), d("1.00"));
        let out = decide_partner(&f, Some(&uah), |_| true, &mappings());
        assert_eq!(
            (out.outcome, out.owed),
            (PartnerOutcome::NoRateForCurrency, None)
        );
        f.expenses.insert(Some("RUB".into()), d("0.00"));
        f.expenses.insert(None, d("2.00"));
        assert_eq!(
            decide_partner(&f, Some(&uah), |_| true, &mappings()).outcome,
            PartnerOutcome::NoRateForCurrency
        );
    }

    #[test]
    fn r6_2_partner_not_migrated_links_nothing() {
        let out = decide_partner(&facts(), None, |_| true, &mappings());
        assert_eq!(out.outcome, PartnerOutcome::PartnerNotMigrated);
        assert!(out.linked.is_empty() && out.not_migrated.is_empty());
    }
}
