//! Turns one claimed outbox row into a message: reads what the email talks about, mints and
//! stores the link token (hash only) in the same step, renders the templates and sets the
//! headers (From, Reply-To, Date, a Message-ID stable per outbox row).

use chrono::{Duration, Utc};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use minijinja::context;
use sqlx::{Connection, PgPool};

use super::templates::{Templates, long_date, permission_words};
use super::tokens;
use crate::exit::Fatal;
use crate::rules::Language;
use crate::settings::Settings;

/// One outbox row being sent.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub kind: String,
    pub to_email: String,
    pub language: String,
    pub user_id: Option<i64>,
    pub client_id: Option<i64>,
    pub invitation_id: Option<i64>,
}

/// Everything every email needs from the configuration, checked before sending starts.
pub struct MailContext {
    from: Mailbox,
    reply_to: Option<Mailbox>,
    support: String,
    new_url: String,
    old_url: String,
    cutoff: chrono::NaiveDate,
    ttl_hours: u32,
    domain: String,
    templates: Templates,
}

impl MailContext {
    pub fn from_settings(s: &Settings) -> Result<MailContext, Fatal> {
        let mut missing = Vec::new();
        let mut need = |key: &'static str, v: &Option<String>| {
            v.clone().unwrap_or_else(|| {
                missing.push(key);
                String::new()
            })
        };
        let from = need("mail.from", &s.mail.from);
        let support = need("mail.support_address", &s.mail.support_address);
        let new_url = need("links.new_billing_url", &s.new_billing_url);
        let old_url = need("links.old_billing_url", &s.old_billing_url);
        if s.cutoff.is_none() {
            missing.push("cutoff.date");
        }
        if !missing.is_empty() {
            return Err(Fatal::Precondition(format!(
                "sending emails needs {} in the configuration",
                missing.join(", ")
            )));
        }
        let mailbox = |key: &str, v: &str| {
            v.parse::<Mailbox>()
                .map_err(|e| Fatal::Usage(format!("{key} {v:?}: {e}")))
        };
        let from = mailbox("mail.from", &from)?;
        let reply_to = s
            .mail
            .reply_to
            .as_deref()
            .map(|r| mailbox("mail.reply_to", r))
            .transpose()?;
        Ok(MailContext {
            domain: from.email.domain().to_owned(),
            from,
            reply_to,
            support,
            new_url: new_url.trim_end_matches('/').to_owned(),
            old_url,
            cutoff: s.cutoff.expect("checked above"),
            ttl_hours: s.token_ttl_hours,
            templates: Templates::new(),
        })
    }
}

async fn client_line(pool: &PgPool, client_id: i64) -> anyhow::Result<minijinja::Value> {
    let (number, name): (i64, String) =
        sqlx::query_as("SELECT legacy_account_id, name FROM billing.clients WHERE id = $1")
            .bind(client_id)
            .fetch_one(pool)
            .await?;
    Ok(context! { number, name })
}

/// Builds the message for `row`, storing a new token hash when the email carries a link.
pub async fn compose(pool: &PgPool, ctx: &MailContext, row: &Claimed) -> anyhow::Result<Message> {
    let language = Language::parse_exact(&row.language).unwrap_or(Language::Uk);
    let ttl_days = ctx.ttl_hours.div_ceil(24);
    let expires = Utc::now() + Duration::hours(ctx.ttl_hours.into());
    let common = context! {
        support => &ctx.support, new_billing_url => &ctx.new_url, old_billing_url => &ctx.old_url,
        cutoff => long_date(ctx.cutoff, language), ttl_days,
    };
    let (vars, to_name) = match row.kind.as_str() {
        "owner_welcome" | "owner_client_added" => {
            let user_id = row
                .user_id
                .ok_or_else(|| anyhow::anyhow!("outbox row {} has no user", row.id))?;
            let name: Option<String> =
                sqlx::query_scalar("SELECT name FROM billing.users WHERE id = $1")
                    .bind(user_id)
                    .fetch_one(pool)
                    .await?;
            if row.kind == "owner_client_added" {
                let client = client_line(pool, row.client_id.unwrap_or_default()).await?;
                (context! { name => &name, client, ..common }, name)
            } else {
                let clients: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT c.legacy_account_id, c.name FROM billing.memberships m JOIN billing.clients c ON c.id = m.client_id
                     WHERE m.user_id = $1 AND m.role = 'owner' ORDER BY c.legacy_account_id",
                )
                .bind(user_id)
                .fetch_all(pool)
                .await?;
                let clients: Vec<_> = clients
                    .into_iter()
                    .map(|(number, name)| context! { number, name })
                    .collect();
                let token = tokens::mint();
                let mut conn = pool.acquire().await?;
                let mut tx = conn.begin().await?;
                // A new link replaces every earlier unused one of this user.
                sqlx::query("UPDATE billing.password_tokens SET revoked_at = now() WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO billing.password_tokens (user_id, purpose, token_hash, expires_at) VALUES ($1, 'set_password', $2, $3)")
                    .bind(user_id)
                    .bind(&token.hash)
                    .bind(expires)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                let link = format!("{}/set-password?token={}", ctx.new_url, token.secret);
                (context! { name => &name, clients, link, ..common }, name)
            }
        }
        "invitation" => {
            let invitation = row
                .invitation_id
                .ok_or_else(|| anyhow::anyhow!("outbox row {} has no invitation", row.id))?;
            let (client_id, permissions): (i64, Vec<String>) = sqlx::query_as(
                "SELECT client_id, permissions FROM billing.invitations WHERE id = $1",
            )
            .bind(invitation)
            .fetch_one(pool)
            .await?;
            let client = client_line(pool, client_id).await?;
            let token = tokens::mint();
            // Replacing the hash is what makes an earlier link of this invitation stop working.
            sqlx::query(
                "UPDATE billing.invitations SET token_hash = $2, expires_at = $3 WHERE id = $1",
            )
            .bind(invitation)
            .bind(&token.hash)
            .bind(expires)
            .execute(pool)
            .await?;
            let words: Vec<String> = permissions
                .iter()
                .map(|p| permission_words(p, language))
                .collect();
            let link = format!("{}/invitation?token={}", ctx.new_url, token.secret);
            (
                context! { client, permissions => words, link, ..common },
                None,
            )
        }
        other => anyhow::bail!("outbox row {}: unknown kind {other:?}", row.id),
    };
    let rendered = ctx.templates.render(&row.kind, language, &vars)?;
    let to = Mailbox::new(
        to_name.filter(|n| !n.trim().is_empty()),
        row.to_email.parse()?,
    );
    let mut builder = Message::builder()
        .from(ctx.from.clone())
        .to(to)
        .subject(rendered.subject)
        .date_now()
        .message_id(Some(format!(
            "<billmigrate.outbox.{}@{}>",
            row.id, ctx.domain
        )));
    if let Some(r) = &ctx.reply_to {
        builder = builder.reply_to(r.clone());
    }
    let body = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(rendered.text),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(rendered.html),
        );
    Ok(builder.multipart(body)?)
}
