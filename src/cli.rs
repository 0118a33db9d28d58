//! The command line (cli.md). clap lives here and only here: [`Cli::into_request`] turns
//! the parsed arguments and the configuration into one validated [`Request`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::exit::Fatal;
use crate::migrate::MigrateOptions;
use crate::request::{Command, Request};
use crate::scope::Scope;
use crate::settings::Settings;

/// Moves customers from the legacy BILLmanager billing (MySQL) to the new billing (PostgreSQL).
#[derive(Debug, Parser)]
#[command(name = "billmigrate", version, about)]
pub struct Cli {
    /// Configuration file (default: billmigrate.toml in the working directory, if present).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Print the end-of-command summary as JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// No progress output (the summary is still printed).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: CliCommand,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Create or upgrade the target schema (idempotent).
    Setup,
    /// Dry run: apply every rule and write the reports; writes to no database, sends nothing.
    Plan {
        /// Directory for accounts.csv, users.csv, payers.csv, services.csv, summary.json and
        /// report.html (support's page).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        scope: ScopeArgs,
        /// Accounts read per chunk (one consistent snapshot each).
        #[arg(long, default_value_t = 2000, value_name = "N")]
        chunk_size: usize,
    },
    /// Check the legacy database's columns against every field the tool reads and print
    /// field → table.column, type and found / fallback / missing (exit 2 when one is missing).
    CheckLegacy,
    /// The decision trail of one account in plain language, with every reason code.
    Explain {
        /// The legacy account id (client number).
        account_id: i64,
    },
    /// Write accounts into the new billing in batches; idempotent and resumable.
    Migrate {
        #[command(flatten)]
        scope: ScopeArgs,
        /// Only these service categories this time (comma-separated, e.g. hosting or domain,ssl).
        #[arg(long, value_name = "LIST")]
        categories: Option<String>,
        /// Accounts per batch (one transaction each).
        #[arg(long, default_value_t = 2000, value_name = "N")]
        batch_size: usize,
        /// Batches written in parallel [default: 3, fewer if the target has fewer free connections or too small a lock table].
        #[arg(long, value_name = "N")]
        workers: Option<usize>,
    },
    /// What has been migrated, held, queued, sent and failed; the last runs.
    Status,
    /// The partner program, after the main migration: affiliates, referrals, owed rewards and
    /// the redirect map of old partner links.
    Partners {
        /// End of this month's accrual, RFC 3339 (e.g. 2023-01-15T12:00:00Z); default now.
        #[arg(long, value_name = "TIMESTAMP")]
        as_of: Option<String>,
        /// Directory for partners.csv (and redirects.csv unless --redirects).
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        /// Where to write the redirect map (old_url,new_url).
        #[arg(long, value_name = "FILE")]
        redirects: Option<PathBuf>,
        /// Write the nginx `map` block to this file instead of printing it.
        #[arg(long, value_name = "FILE")]
        nginx: Option<PathBuf>,
        /// Run even though some accounts are neither migrated nor held yet.
        #[arg(long)]
        allow_partial: bool,
    },
    /// Drain the outbox: owner password-set links, "account added" notes, invitations.
    Send {
        /// Send at most this many emails in this run.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
        /// At most this many emails per second.
        #[arg(long = "rate", value_name = "PER_SECOND")]
        per_second: Option<f64>,
        /// Also send again the emails a crashed run left `uncertain` (may duplicate them).
        #[arg(long)]
        resend_uncertain: bool,
        /// Emails in flight at once (SMTP connections in the pool).
        #[arg(long, default_value_t = 4, value_name = "N")]
        connections: usize,
    },
    /// Support: a fresh link for a customer whose link expired or got lost; the old one stops working.
    #[command(group(clap::ArgGroup::new("who").required(true).args(["email", "account"])))]
    Resend {
        /// The customer's email (owner or invited user).
        #[arg(long, value_name = "E")]
        email: Option<String>,
        /// The legacy account id: its owner and its open invitations.
        #[arg(long, value_name = "ID")]
        account: Option<i64>,
    },
    /// Compare the legacy database as it is now with what was written; re-runnable.
    Verify {
        /// Directory for differences.csv, summary.json and report.html.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        scope: ScopeArgs,
        /// A previous verify's --out directory: report.html shows what is new and what was
        /// resolved since then (compared with its differences.csv).
        #[arg(long, value_name = "PREVIOUS_DIR")]
        since: Option<PathBuf>,
    },
}

/// Builds a realistic legacy (BILLmanager-style) billing database for demos, tests and
/// benchmarks: the legacy schema, reference rows and N generated accounts with a share of
/// every awkward case the migration must handle. Existing legacy tables are dropped.
#[derive(Parser, Debug)]
#[command(name = "billmigrate-fixtures", version)]
pub struct FixturesCli {
    /// MariaDB/MySQL URL of the target database, e.g. mysql://root@127.0.0.1:3306/billmgr
    /// (created if missing).
    #[arg(long, env = "BILLMIGRATE_LEGACY_URL", value_name = "MYSQL_URL")]
    pub url: String,
    /// Number of accounts to generate (account ids 1..=N).
    #[arg(long, value_name = "N")]
    pub accounts: u64,
    /// RNG seed: the same seed, --accounts and --today always give the same data.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// The "as of" date (YYYY-MM-DD): nothing is created after it and "this month's expenses"
    /// fall in its month. Defaults to today's local date.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<chrono::NaiveDate>,
    /// Print nothing but errors (no progress, no summary).
    #[arg(long)]
    pub quiet: bool,
    /// The legacy shape: legacy-schema.md's (`spec`) or real BILLmanager's (`billmanager`),
    /// holding the same data.
    #[arg(long, value_enum, default_value_t = FixturesShape::Spec)]
    pub shape: FixturesShape,
}

/// `billmigrate-fixtures --shape`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FixturesShape {
    Spec,
    Billmanager,
}

impl FixturesCli {
    pub fn into_options(self) -> crate::fixtures_gen::GenerateOptions {
        crate::fixtures_gen::GenerateOptions {
            url: self.url,
            accounts: self.accounts,
            seed: self.seed,
            today: self
                .today
                .unwrap_or_else(|| chrono::Local::now().date_naive()),
            quiet: self.quiet,
            shape: match self.shape {
                FixturesShape::Spec => crate::fixtures_gen::Shape::Spec,
                FixturesShape::Billmanager => crate::fixtures_gen::Shape::Billmanager,
            },
        }
    }
}

/// Which accounts a command works on (none = every account).
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct ScopeArgs {
    /// Inclusive account id ranges, comma-separated, e.g. 1-5000,7001.
    #[arg(long, value_name = "RANGES")]
    pub accounts: Option<String>,
    /// A file with one account id a line.
    #[arg(long, value_name = "FILE")]
    pub account_file: Option<PathBuf>,
}

impl ScopeArgs {
    fn into_scope(self) -> Result<Scope, Fatal> {
        match (self.accounts, self.account_file) {
            (Some(spec), _) => {
                Scope::parse_ranges(&spec).map_err(|m| Fatal::Usage(format!("--accounts: {m}")))
            }
            (None, Some(file)) => {
                Scope::read_file(&file).map_err(|m| Fatal::Usage(format!("--account-file: {m}")))
            }
            (None, None) => Ok(Scope::All),
        }
    }
}

impl Cli {
    /// Loads the configuration and validates every argument: after this, no work can fail
    /// for a reason an operator could have caught at the prompt.
    pub fn into_request(self) -> Result<Request, Fatal> {
        let env = |name: &str| std::env::var(name).ok();
        let settings = Settings::load(self.config.as_deref(), &env)?;
        let command = match self.command {
            CliCommand::Setup => Command::Setup,
            CliCommand::Plan {
                out,
                scope,
                chunk_size,
            } => {
                if chunk_size == 0 {
                    return Err(Fatal::Usage("--chunk-size must be at least 1".into()));
                }
                Command::Plan {
                    out,
                    scope: scope.into_scope()?,
                    chunk_size,
                }
            }
            CliCommand::Explain { account_id } => Command::Explain { account_id },
            CliCommand::CheckLegacy => Command::CheckLegacy,
            CliCommand::Migrate {
                scope,
                categories,
                batch_size,
                workers,
            } => {
                if batch_size == 0 || workers == Some(0) {
                    return Err(Fatal::Usage(
                        "--batch-size and --workers must be at least 1".into(),
                    ));
                }
                Command::Migrate(MigrateOptions {
                    scope: scope.into_scope()?,
                    categories: categories
                        .as_deref()
                        .map(crate::migrate::parse_categories)
                        .transpose()?,
                    batch_size,
                    workers,
                })
            }
            CliCommand::Status => Command::Status,
            CliCommand::Partners {
                as_of,
                out,
                redirects,
                nginx,
                allow_partial,
            } => {
                let as_of = match as_of {
                    Some(t) => chrono::DateTime::parse_from_rfc3339(&t).map_err(|e| {
                        Fatal::Usage(format!(
                            "--as-of {t:?}: {e} (expected e.g. 2023-01-15T12:00:00Z)"
                        ))
                    })?,
                    None => chrono::Utc::now().fixed_offset(),
                };
                Command::Partners(crate::partners::PartnerOptions {
                    as_of,
                    out,
                    redirects,
                    nginx,
                    allow_partial,
                })
            }
            CliCommand::Send {
                limit,
                per_second,
                resend_uncertain,
                connections,
            } => {
                if per_second.is_some_and(|r| r.is_nan() || r <= 0.0) {
                    return Err(Fatal::Usage(
                        "--rate must be a positive number of emails per second".into(),
                    ));
                }
                Command::Send(crate::outbox::sender::SendOptions {
                    limit,
                    per_second,
                    resend_uncertain,
                    only: None,
                    connections,
                })
            }
            CliCommand::Resend { email, account } => Command::Resend(match (email, account) {
                (Some(e), _) => crate::outbox::resend::ResendTarget::Email(e),
                (None, Some(a)) => crate::outbox::resend::ResendTarget::Account(a),
                (None, None) => {
                    return Err(Fatal::Usage("resend needs --email or --account".into()));
                }
            }),
            CliCommand::Verify { out, scope, since } => {
                if let Some(dir) = &since
                    && !dir.join("differences.csv").is_file()
                {
                    return Err(Fatal::Usage(format!(
                        "--since {}: no differences.csv there (give the --out directory of an earlier verify)",
                        dir.display()
                    )));
                }
                // This run overwrites --out's differences.csv before the page compares.
                if let Some(dir) = &since
                    && dir.canonicalize().ok() == out.canonicalize().ok()
                {
                    return Err(Fatal::Usage(
                        "--since must be an earlier verify's directory, not --out itself".into(),
                    ));
                }
                Command::Verify {
                    out,
                    scope: scope.into_scope()?,
                    since,
                }
            }
        };
        Ok(Request {
            settings,
            command,
            json: self.json,
            quiet: self.quiet,
        })
    }
}
