//! Runs one validated [`Request`]: connects what the command needs, does the work, prints
//! the one-screen summary (or JSON) and says how it ended.

use anyhow::Context;

use crate::exit::{Fatal, Outcome};
use crate::legacy::LegacySource;
use crate::mappings::Mappings;
use crate::new_billing;
use crate::progress::{Progress, ProgressMode};
use crate::report::explain::explain;
use crate::report::page::PlanPage;
use crate::request::{Command, Request};
use crate::rules::{self, RulesContext};
use crate::scope::Scope;
use crate::settings::Settings;

/// Runs a validated request on a tokio runtime.
pub fn run(request: Request) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(execute(request))
}

fn load_mappings(settings: &Settings) -> Result<Mappings, Fatal> {
    Ok(Mappings::load(&settings.mappings_dir)?)
}

fn rules_context<'a>(settings: &'a Settings, mappings: &'a Mappings) -> RulesContext<'a> {
    RulesContext {
        mappings,
        default_currency: &settings.default_currency,
        default_language: settings.default_language,
    }
}

/// Runs the outbox sender (all due rows, or only `only`).
async fn send(
    settings: &Settings,
    mut opts: crate::outbox::sender::SendOptions,
    quiet: bool,
    only: Option<Vec<i64>>,
) -> anyhow::Result<crate::outbox::sender::SendSummary> {
    let ctx = crate::outbox::compose_context(settings)?;
    let mailer =
        crate::outbox::transport::Mailer::new(&settings.mail.transport, opts.connections as u32)?;
    let pool = new_billing::connect(&settings.target_url, opts.connections as u32 + 2).await?;
    new_billing::schema::require_current(&pool).await?;
    opts.only = only;
    let (run, _) =
        crate::new_billing::runs::Run::start(&pool, "send", serde_json::to_value(&opts)?).await?;
    let pending: i64 =
        sqlx::query_scalar("SELECT count(*) FROM migration.outbox WHERE status = 'pending'")
            .fetch_one(&pool)
            .await?;
    let mut progress = Progress::new(ProgressMode::detect(quiet), "send", pending as u64);
    let result = crate::outbox::sender::run(&pool, ctx, mailer, run.id, &opts, &mut progress).await;
    progress.finish();
    run.finish(result.is_ok(), result.as_ref().map_or(0, |s| s.sent))
        .await?;
    pool.close().await;
    result
}

async fn execute(request: Request) -> anyhow::Result<Outcome> {
    let Request {
        settings,
        command,
        json,
        quiet,
    } = request;
    match command {
        Command::Setup => {
            let pool = new_billing::connect(&settings.target_url, 1).await?;
            let report = new_billing::schema::setup(&pool).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if report.applied.is_empty() {
                println!(
                    "target schema is up to date (version {})",
                    new_billing::schema::latest_version()
                );
            } else {
                println!("applied target schema migrations {:?}", report.applied);
            }
            pool.close().await;
            Ok(Outcome::Done)
        }
        Command::Plan {
            out,
            scope,
            chunk_size,
        } => {
            let mappings = load_mappings(&settings)?;
            let ctx = rules_context(&settings, &mappings);
            let source = LegacySource::connect(&settings, 2).await?;
            let total = source.count(&scope).await?;
            let mut progress = Progress::new(ProgressMode::detect(quiet), "plan", total);
            let mut report = PlanPage::create(&out, &mappings, total)?;
            crate::plan::run(
                &source,
                &scope,
                &ctx,
                chunk_size,
                &mut progress,
                &mut report,
            )
            .await?;
            let elapsed = progress.finish();
            source.close().await;
            let (summary, page) = report.finish()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                print!("{}", summary.render());
                println!(
                    "reports written to {} in {:.1}s ({:.0} accounts/s)",
                    out.display(),
                    elapsed.as_secs_f64(),
                    summary.accounts as f64 / elapsed.as_secs_f64().max(1e-3)
                );
                println!(
                    "support's page: open {} in a browser ({:.1} MB)",
                    page.path.display(),
                    page.bytes as f64 / 1e6
                );
            }
            Ok(if summary.held() > 0 {
                Outcome::NeedsAttention
            } else {
                Outcome::Done
            })
        }
        Command::Migrate(opts) => {
            let mappings = load_mappings(&settings)?;
            let summary =
                crate::migrate::run(&settings, mappings, opts, ProgressMode::detect(quiet)).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                print!("{}", summary.render());
            }
            Ok(if summary.held > 0 {
                Outcome::NeedsAttention
            } else {
                Outcome::Done
            })
        }
        Command::Verify { out, scope, since } => {
            let mappings = load_mappings(&settings)?;
            let today = chrono::Local::now().date_naive();
            let summary = crate::verify::run(
                &settings,
                &mappings,
                &out,
                &scope,
                today,
                ProgressMode::detect(quiet),
            )
            .await?;
            let page = crate::report::page::verify_page::write(
                &crate::report::page::verify_page::VerifyFacts {
                    dir: &out,
                    since: since.as_deref(),
                    today,
                    cutoff: summary.cutoff,
                    accounts_checked: summary.accounts_checked,
                },
            )?;
            if summary.cutoff_passed {
                eprint!("{}", summary.render().lines().next().unwrap_or_default());
                eprintln!();
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                print!("{}", summary.render());
                println!(
                    "differences written to {}",
                    out.join("differences.csv").display()
                );
                println!("support's page: open {} in a browser", page.display());
            }
            Ok(if summary.differences > 0 {
                Outcome::NeedsAttention
            } else {
                Outcome::Done
            })
        }
        Command::Partners(opts) => {
            let mappings = load_mappings(&settings)?;
            let summary = crate::partners::run(&settings, &mappings, &opts).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                print!("{}", summary.render());
                println!("partners.csv written to {}", opts.out.display());
                if let Some(map) = &summary.nginx_map {
                    print!("{map}");
                }
            }
            let attention = summary.partner_not_migrated
                + summary.no_rate_for_currency
                + summary.referral_not_migrated;
            Ok(if attention > 0 {
                Outcome::NeedsAttention
            } else {
                Outcome::Done
            })
        }
        Command::Send(opts) => {
            let summary = send(&settings, opts, quiet, None).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                print!("{}", summary.render());
            }
            Ok(if summary.failed_total + summary.uncertain_total > 0 {
                Outcome::NeedsAttention
            } else {
                Outcome::Done
            })
        }
        Command::Resend(target) => {
            let pool = new_billing::connect(&settings.target_url, 2).await?;
            new_billing::schema::require_current(&pool).await?;
            let queued = crate::outbox::resend::queue(&pool, &target).await?;
            pool.close().await;
            if queued.outbox_ids.is_empty() {
                return Err(Fatal::Usage(format!(
                    "nothing to resend: no owner or open invitation matches {target:?}"
                ))
                .into());
            }
            let opts = crate::outbox::sender::SendOptions {
                connections: 1,
                ..Default::default()
            };
            let summary = send(&settings, opts, true, Some(queued.outbox_ids.clone())).await?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "queued": queued, "send": summary })
                );
            } else {
                println!(
                    "revoked {} live link(s); new link sent to owner(s) {:?} and invitee(s) {:?}",
                    queued.tokens_revoked, queued.owners, queued.invitations
                );
                print!("{}", summary.render());
            }
            Ok(if summary.sent as usize == queued.outbox_ids.len() {
                Outcome::Done
            } else {
                Outcome::NeedsAttention
            })
        }
        Command::Status => {
            let pool = new_billing::connect(&settings.target_url, 2).await?;
            new_billing::schema::require_current(&pool).await?;
            let legacy_total = match LegacySource::connect(&settings, 1).await {
                Ok(source) => {
                    let n = source.count(&Scope::All).await.ok();
                    source.close().await;
                    n
                }
                Err(_) => None,
            };
            let status = crate::report::status::read(&pool, legacy_total).await?;
            pool.close().await;
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                print!("{}", status.render());
            }
            Ok(if status.needs_attention() {
                Outcome::NeedsAttention
            } else {
                Outcome::Done
            })
        }
        Command::Explain { account_id } => {
            let mappings = load_mappings(&settings)?;
            let ctx = rules_context(&settings, &mappings);
            let source = LegacySource::connect(&settings, 1).await?;
            let account = source.read_account(account_id).await?;
            source.close().await;
            let Some(account) = account else {
                return Err(Fatal::Usage(format!(
                    "account {account_id} does not exist in the legacy database"
                ))
                .into());
            };
            let decision = rules::decide(&account, &ctx);
            if json {
                let codes = serde_json::json!({
                    "legacy_account_id": account_id,
                    "decision": if decision.migrates() { "migrate" } else { "hold" },
                    "reasons": decision.reason_codes(),
                });
                println!("{}", serde_json::to_string_pretty(&codes)?);
            } else {
                print!(
                    "{}",
                    explain(
                        &account,
                        &decision,
                        &mappings.full_permissions,
                        &mappings.invoices_only_permissions
                    )
                );
            }
            Ok(if decision.migrates() {
                Outcome::Done
            } else {
                Outcome::NeedsAttention
            })
        }
    }
}
