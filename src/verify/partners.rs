//! Verify's partner check, once the partner phase has run: the affiliates and referrals the
//! rules give now (as of that phase's `--as-of`) against what the new billing holds.
//! Owed amounts move whenever the old billing pays or accrues rewards, so a different amount
//! is reported as `legacy_changed`; a missing or extra affiliate or referral, or another
//! reward percent, as a real difference.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use sqlx::PgPool;

use super::Difference;
use crate::legacy::LegacySource;
use crate::mappings::Mappings;
use crate::rules::PartnerOutcome;
use crate::scope::Scope;

fn diff(id: i64, kind: &'static str, expected: String, actual: String) -> Difference {
    Difference {
        legacy_account_id: id,
        check: "partner",
        kind,
        expected,
        actual,
    }
}

pub async fn check(
    pool: &PgPool,
    source: &LegacySource,
    mappings: &Mappings,
    zone: chrono_tz::Tz,
    scope: &Scope,
) -> anyhow::Result<Vec<Difference>> {
    let as_of: Option<String> = sqlx::query_scalar(
        "SELECT args->>'as_of' FROM migration.runs WHERE command = 'partners' AND status = 'succeeded' ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?
    .flatten();
    let Some(as_of) = as_of else {
        return Ok(Vec::new());
    };
    let as_of = chrono::DateTime::parse_from_rfc3339(&as_of)?;
    let (decisions, _) = crate::partners::decide_all(source, pool, mappings, as_of, zone).await?;

    let affiliates: BTreeMap<i64, (Decimal, Decimal, String)> = sqlx::query_as::<_, (i64, Decimal, Decimal, String)>(
        "SELECT c.legacy_account_id, f.reward_percent, f.opening_balance, f.currency::text FROM billing.affiliates f JOIN billing.clients c ON c.id = f.client_id",
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(id, r, o, c)| (id, (r, o, c)))
    .collect();
    let referrals: BTreeSet<(i64, i64)> = sqlx::query_as(
        "SELECT pc.legacy_account_id, rc.legacy_account_id FROM billing.referrals r JOIN billing.affiliates f ON f.id = r.affiliate_id
         JOIN billing.clients pc ON pc.id = f.client_id JOIN billing.clients rc ON rc.id = r.client_id",
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect();

    let mut out = Vec::new();
    for d in decisions.iter().filter(|d| scope.contains(d.account_id)) {
        let id = d.account_id;
        let stored = affiliates.get(&id);
        match (d.outcome, stored) {
            (PartnerOutcome::Migrated, None) => out.push(diff(
                id,
                "missing_in_target",
                format!("affiliate {}%", d.reward_percent),
                String::new(),
            )),
            (PartnerOutcome::Migrated, Some((reward, owed, _))) => {
                if *reward != d.reward_percent {
                    out.push(diff(
                        id,
                        "mismatch",
                        format!("reward {}%", d.reward_percent),
                        format!("reward {reward}%"),
                    ));
                }
                if Some(*owed) != d.owed {
                    out.push(diff(
                        id,
                        "legacy_changed",
                        format!("owed {:.2}", d.owed.unwrap_or_default()),
                        format!("owed {owed:.2}"),
                    ));
                }
                for r in &d.linked {
                    if !referrals.contains(&(id, *r)) {
                        out.push(diff(
                            *r,
                            "missing_in_target",
                            format!("referral of {id}"),
                            String::new(),
                        ));
                    }
                }
            }
            (_, Some((_, owed, _))) => out.push(diff(
                id,
                "unexpected_in_target",
                d.outcome.code().to_owned(),
                format!("affiliate owed {owed:.2}"),
            )),
            (_, None) => {}
        }
    }
    let linked: BTreeSet<(i64, i64)> = decisions
        .iter()
        .flat_map(|d| d.linked.iter().map(move |r| (d.account_id, *r)))
        .collect();
    for (partner, referral) in &referrals {
        if scope.contains(*partner) && !linked.contains(&(*partner, *referral)) {
            out.push(diff(
                *referral,
                "unexpected_in_target",
                String::new(),
                format!("referral of {partner}"),
            ));
        }
    }
    for id in affiliates.keys() {
        if scope.contains(*id) && !decisions.iter().any(|d| d.account_id == *id) {
            out.push(diff(
                *id,
                "unexpected_in_target",
                "not a partner".into(),
                "affiliate".into(),
            ));
        }
    }
    Ok(out)
}
