//! `partners`: the separate, later partner-program phase (R6). Refuses to run while the main
//! migration has not decided every account (unless `--allow-partial`), then moves each
//! partner's program, owed money and referrals, writes partners.csv and the redirect map of
//! old partner links, and prints (or writes) an nginx `map` for the redirects.

mod links;

use std::path::PathBuf;

use anyhow::Context;
use std::collections::HashMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::exit::Fatal;
use crate::legacy::LegacySource;
use crate::mappings::Mappings;
use crate::new_billing::partners as store;
use crate::new_billing::runs::Run;
use crate::report::files::{private_dir, private_file};
use crate::rules::PartnerOutcome;
use crate::rules::partners::{PartnerClient, PartnerDecision, decide_partner};
use crate::settings::Settings;

/// `partners`' own arguments.
#[derive(Debug, Clone, Serialize)]
pub struct PartnerOptions {
    /// The accrual's end (inclusive); the month of this instant is accrued.
    pub as_of: DateTime<FixedOffset>,
    pub out: PathBuf,
    pub redirects: Option<PathBuf>,
    pub nginx: Option<PathBuf>,
    pub allow_partial: bool,
}

#[derive(Debug, Default, Serialize)]
pub struct PartnerSummary {
    pub partners: u64,
    pub migrated: u64,
    pub partner_not_migrated: u64,
    pub no_rate_for_currency: u64,
    pub referral_not_migrated: u64,
    pub affiliates_created: u64,
    pub referrals_created: u64,
    pub undecided_accounts: u64,
    /// The nginx map, when it was not written to a file.
    #[serde(skip)]
    pub nginx_map: Option<String>,
    /// Where partners.csv went.
    #[serde(skip)]
    pub out: PathBuf,
}

impl crate::exit::CommandReport for PartnerSummary {
    fn text(&self) -> String {
        let mut text = self.render();
        text.push_str(&format!("partners.csv written to {}\n", self.out.display()));
        if let Some(map) = &self.nginx_map {
            text.push_str(map);
        }
        text
    }

    fn outcome(&self) -> crate::exit::Outcome {
        let attention =
            self.partner_not_migrated + self.no_rate_for_currency + self.referral_not_migrated;
        crate::exit::Outcome::attention_if(attention > 0)
    }
}

impl PartnerSummary {
    pub fn render(&self) -> String {
        let changed = if self.affiliates_created + self.referrals_created == 0 {
            "nothing changed: every partner was already moved".to_owned()
        } else {
            format!(
                "{} affiliates and {} referrals created",
                self.affiliates_created, self.referrals_created
            )
        };
        format!(
            "{} partners: {} migrated, {} not migrated, {} without a currency rate; {} referrals not migrated\n{changed}\n",
            self.partners,
            self.migrated,
            self.partner_not_migrated,
            self.no_rate_for_currency,
            self.referral_not_migrated
        )
    }
}

/// The accrual window in legacy wall-clock time: the as-of month's first day, 00:00, up to
/// and including the as-of instant.
pub fn accrual_window(
    as_of: DateTime<FixedOffset>,
    zone: chrono_tz::Tz,
) -> (NaiveDateTime, NaiveDateTime) {
    let until = as_of.with_timezone(&zone).naive_local();
    let from = NaiveDate::from_ymd_opt(until.year(), until.month(), 1)
        .expect("day 1 exists")
        .and_hms_opt(0, 0, 0)
        .expect("midnight");
    (from, until)
}

/// R6 for every partner as of `as_of`, with the migrated clients involved.
pub async fn decide_all(
    source: &LegacySource,
    pool: &sqlx::PgPool,
    mappings: &Mappings,
    as_of: DateTime<FixedOffset>,
    zone: chrono_tz::Tz,
) -> anyhow::Result<(Vec<PartnerDecision>, HashMap<i64, store::ClientRef>)> {
    let (from, until) = accrual_window(as_of, zone);
    let facts = source.partner_facts(from, until).await?;
    let mut ids: Vec<i64> = facts
        .iter()
        .flat_map(|f| std::iter::once(f.account_id).chain(f.referrals.iter().copied()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let clients = store::migrated_clients(pool, &ids).await?;
    let decisions = facts
        .iter()
        .map(|f| {
            let client = clients.get(&f.account_id).map(|c| PartnerClient {
                currency: c.currency.clone(),
            });
            decide_partner(f, client.as_ref(), |id| clients.contains_key(&id), mappings)
        })
        .collect();
    Ok((decisions, clients))
}

/// Counts legacy ids without a `migration.accounts` row (both lists ascending).
fn undecided(legacy: &[i64], decided: &[i64]) -> u64 {
    legacy
        .iter()
        .filter(|id| decided.binary_search(id).is_err())
        .count() as u64
}

pub async fn run(
    settings: &Settings,
    mappings: &Mappings,
    opts: &PartnerOptions,
) -> anyhow::Result<PartnerSummary> {
    let link = links::Links::from_settings(settings)?;
    let pool = crate::new_billing::open(&settings.target_url, 2).await?;
    let source = LegacySource::connect(settings, 1).await?;

    let missing = undecided(&source.all_ids().await?, &store::decided_ids(&pool).await?);
    if missing > 0 && !opts.allow_partial {
        return Err(Fatal::Precondition(format!(
            "{missing} legacy accounts are neither migrated nor held yet: finish `billmigrate migrate` first, or pass --allow-partial"
        ))
        .into());
    }
    let (run, _) = Run::start(&pool, "partners", serde_json::to_value(opts)?).await?;

    let (decisions, clients) = decide_all(
        &source,
        &pool,
        mappings,
        opts.as_of,
        settings.legacy_timezone,
    )
    .await?;
    source.close().await;
    let writes = store::write(&pool, &decisions, &clients)
        .await
        .context("writing affiliates and referrals")?;
    let stored = store::stored(&pool).await?;
    run.finish(&pool, true, decisions.len() as u64).await?;
    pool.close().await;

    let mut summary = PartnerSummary {
        partners: decisions.len() as u64,
        affiliates_created: writes.affiliates_created,
        referrals_created: writes.referrals_created,
        undecided_accounts: missing,
        out: opts.out.clone(),
        ..PartnerSummary::default()
    };
    private_dir(&opts.out)?;
    let mut csv = csv::Writer::from_writer(private_file(&opts.out.join("partners.csv"))?);
    csv.write_record([
        "legacy_account_id",
        "outcome",
        "referrals",
        "opening_balance",
    ])?;
    let mut redirects: Vec<(String, String)> = Vec::new();
    for d in &decisions {
        match d.outcome {
            PartnerOutcome::Migrated => summary.migrated += 1,
            PartnerOutcome::NoRateForCurrency => summary.no_rate_for_currency += 1,
            _ => summary.partner_not_migrated += 1,
        }
        match (d.outcome, stored.get(&d.account_id)) {
            (PartnerOutcome::Migrated, Some((code, referrals, owed))) => {
                csv.write_record([
                    d.account_id.to_string(),
                    "migrated".into(),
                    referrals.to_string(),
                    format!("{owed:.2}"),
                ])?;
                redirects.push((link.old_link(d.account_id), link.new_link(code)));
            }
            (outcome, _) => csv.write_record([
                d.account_id.to_string(),
                outcome.code().into(),
                String::new(),
                String::new(),
            ])?,
        }
        for r in &d.not_migrated {
            summary.referral_not_migrated += 1;
            csv.write_record([
                r.to_string(),
                "referral_not_migrated".into(),
                String::new(),
                String::new(),
            ])?;
        }
    }
    csv.flush()?;

    let redirects_path = opts
        .redirects
        .clone()
        .unwrap_or_else(|| opts.out.join("redirects.csv"));
    let mut map = csv::Writer::from_writer(private_file(&redirects_path)?);
    map.write_record(["old_url", "new_url"])?;
    for (old, new) in &redirects {
        map.write_record([old, new])?;
    }
    map.flush()?;
    let nginx = links::nginx_map(&redirects);
    match &opts.nginx {
        Some(path) => {
            std::fs::write(path, nginx).with_context(|| format!("writing {}", path.display()))?
        }
        None => summary.nginx_map = Some(nginx),
    }
    Ok(summary)
}
