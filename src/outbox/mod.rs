//! The outbox (R7): `send` drains `migration.outbox` through the configured transport with a
//! claim → sending → sent/pending/failed state machine; `resend` replaces a customer's link.
//! Link tokens are minted at send time and only their hashes are stored.

mod compose;
mod outcomes;
pub mod resend;
pub mod sender;
mod smtp_pool;
pub mod templates;
pub mod tokens;
pub mod transport;

pub use compose::MailContext;

use crate::progress::{Progress, ProgressMode};
use crate::settings::Settings;
use sender::{SendOptions, SendSummary};

/// The mail settings every email needs, checked before anything is claimed.
pub fn compose_context(settings: &Settings) -> Result<MailContext, crate::exit::Fatal> {
    MailContext::from_settings(settings)
}

/// `send` (and `resend`'s own sending): drains the due outbox rows, or only `only`, as one
/// recorded run.
pub async fn send(
    settings: &Settings,
    mut opts: SendOptions,
    mode: ProgressMode,
    only: Option<Vec<i64>>,
) -> anyhow::Result<SendSummary> {
    let ctx = compose_context(settings)?;
    let mailer = transport::Mailer::new(&settings.mail.transport, opts.connections as u32)?;
    let pool = crate::new_billing::open(&settings.target_url, opts.connections as u32 + 2).await?;
    opts.only = only;
    let (run, _) =
        crate::new_billing::runs::Run::start(&pool, "send", serde_json::to_value(&opts)?).await?;
    // The total is set by `sender::run` once it knows what it may take.
    let mut progress = Progress::new(mode, "send", 0);
    let result = sender::run(&pool, ctx, mailer, run.id, &opts, &mut progress).await;
    progress.finish();
    run.finish(&pool, result.is_ok(), result.as_ref().map_or(0, |s| s.sent))
        .await?;
    pool.close().await;
    result
}

/// Checks the configured transport (see `transport::Mailer::check`) without sending: for
/// `resend`, which must not revoke a customer's live link when no new one can go out.
pub async fn check_transport(settings: &Settings) -> Result<(), crate::exit::Fatal> {
    let ctx = MailContext::from_settings(settings)?;
    let mailer = transport::Mailer::new(&settings.mail.transport, 1)?;
    let checked = mailer.check(ctx.sender()).await;
    mailer.close().await;
    checked
}
