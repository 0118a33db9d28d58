//! Runs one validated [`Request`]: hands it to the module that owns the command and prints
//! what comes back — the one-screen summary, or JSON — the same way for every command.

use std::io::Write;

use anyhow::Context;

use crate::exit::{CommandReport, Fatal, Outcome};
use crate::legacy::LegacySource;
use crate::mappings::Mappings;
use crate::progress::ProgressMode;
use crate::request::{Command, Request};
use crate::settings::Settings;
use crate::{migrate, new_billing, outbox, partners, report, verify};

/// Runs a validated request on a tokio runtime.
pub fn run(request: Request) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(execute(request)).map_err(operator_fixable)
}

/// A server that cannot be reached or refuses us is the operator's to fix, like a bad
/// setting: its message names the server, the cause and what to change ("nothing listens on
/// 127.0.0.1:5433"). Typed as a precondition, `exit::ended` prints it as it is, without the
/// note that calls an error unexpected.
fn operator_fixable(err: anyhow::Error) -> anyhow::Error {
    use crate::legacy::reader::LegacyError;
    let connecting = err.chain().any(|e| {
        e.is::<new_billing::TargetError>()
            || matches!(
                e.downcast_ref::<LegacyError>(),
                Some(LegacyError::Connect { .. } | LegacyError::CanWrite { .. })
            )
    });
    if connecting {
        Fatal::Precondition(format!("{err:#}")).into()
    } else {
        err
    }
}

fn mappings(settings: &Settings) -> Result<Mappings, Fatal> {
    Ok(Mappings::load(&settings.mappings_dir)?)
}

async fn execute(request: Request) -> anyhow::Result<Outcome> {
    let Request {
        settings,
        command,
        json,
        quiet,
    } = request;
    let s = &settings;
    let mode = ProgressMode::detect(quiet);
    match command {
        Command::Setup => emit(&new_billing::schema::run(s).await?, json),
        Command::Plan {
            out,
            scope,
            chunk_size,
        } => emit(
            &report::commands::plan(s, &out, &scope, chunk_size, mode).await?,
            json,
        ),
        Command::Explain { account_id } => emit(
            &report::commands::explain_account(s, account_id).await?,
            json,
        ),
        Command::Migrate(opts) => emit(&migrate::run(s, mappings(s)?, opts, mode).await?, json),
        Command::Verify { out, scope, since } => {
            let today = chrono::Local::now().date_naive();
            let mappings = mappings(s)?;
            let summary =
                verify::run(s, &mappings, &out, &scope, since.as_deref(), today, mode).await?;
            emit(&summary, json)
        }
        Command::Partners(opts) => emit(&partners::run(s, &mappings(s)?, &opts).await?, json),
        Command::Send(opts) => emit(&outbox::send(s, opts, mode, None).await?, json),
        Command::Resend(target) => emit(&outbox::resend::run(s, &target).await?, json),
        Command::Status => emit(&report::commands::status(s).await?, json),
        Command::CheckLegacy => {
            let schema = LegacySource::check(s).await?;
            emit(&schema, json)?;
            match schema.missing_message() {
                Some(message) => Err(Fatal::Precondition(message).into()),
                None => Ok(Outcome::Done),
            }
        }
    }
}

/// Prints a command's report on stdout and says how the command ended. A reader that goes
/// away (`billmigrate status | head -1`) is no error: the work is done, the rest unread.
fn emit(report: &impl CommandReport, json: bool) -> anyhow::Result<Outcome> {
    let text = if json {
        serde_json::to_string_pretty(report)? + "\n"
    } else {
        report.text()
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("writing to standard output"))
        }
        _ => Ok(report.outcome()),
    }
}
