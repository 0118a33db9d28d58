//! The outbox (R7): `send` drains `migration.outbox` through the configured transport with a
//! claim → sending → sent/pending/failed state machine; `resend` replaces a customer's link.
//! Link tokens are minted at send time and only their hashes are stored.

mod compose;
pub mod resend;
pub mod sender;
mod smtp_pool;
pub mod templates;
pub mod tokens;
pub mod transport;

pub use compose::MailContext;

/// The mail settings every email needs, checked before anything is claimed.
pub fn compose_context(
    settings: &crate::settings::Settings,
) -> Result<MailContext, crate::exit::Fatal> {
    MailContext::from_settings(settings)
}

/// Checks the configured transport (see `transport::Mailer::check`) without sending: for
/// `resend`, which must not revoke a customer's live link when no new one can go out.
pub async fn check_transport(
    settings: &crate::settings::Settings,
) -> Result<(), crate::exit::Fatal> {
    let ctx = MailContext::from_settings(settings)?;
    let mailer = transport::Mailer::new(&settings.mail.transport, 1)?;
    let checked = mailer.check(ctx.sender()).await;
    mailer.close().await;
    checked
}
