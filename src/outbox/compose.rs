//! Turns a claimed batch of outbox rows into messages: reads what the emails talk about with
//! one query per kind of fact, mints the link tokens and stores their hashes in one
//! transaction, renders the templates and sets the headers (From, Reply-To, Date, a
//! Message-ID stable per outbox row).

use std::collections::HashMap;

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
    /// The sender's address (`mail.from`), for the transport's check.
    pub fn sender(&self) -> &lettre::Address {
        &self.from.email
    }

    /// The values were parsed with the settings; here only their presence is checked.
    pub fn from_settings(s: &Settings) -> Result<MailContext, Fatal> {
        let mut missing = Vec::new();
        let mut need = |key: &'static str, present: bool| {
            if !present {
                missing.push(key);
            }
        };
        need("mail.from", s.mail.from.is_some());
        need("mail.support_address", s.mail.support_address.is_some());
        need("links.new_billing_url", s.new_billing_url.is_some());
        need("links.old_billing_url", s.old_billing_url.is_some());
        need("cutoff.date", s.cutoff.is_some());
        let (Some(from), Some(support), Some(new_url), Some(old_url), Some(cutoff)) = (
            &s.mail.from,
            &s.mail.support_address,
            &s.new_billing_url,
            &s.old_billing_url,
            s.cutoff,
        ) else {
            return Err(Fatal::Precondition(format!(
                "sending emails needs {} in the configuration",
                missing.join(", ")
            )));
        };
        Ok(MailContext {
            domain: from.email.domain().to_owned(),
            from: from.clone(),
            reply_to: s.mail.reply_to.clone(),
            support: support.to_string(),
            new_url: new_url.base().to_owned(),
            old_url: old_url.as_str().to_owned(),
            cutoff,
            ttl_hours: s.token_ttl_hours,
            templates: Templates::new(),
        })
    }
}

/// What one claimed batch's emails talk about, read with one query per kind of fact.
struct Facts {
    names: HashMap<i64, Option<String>>,
    owned: HashMap<i64, Vec<(i64, String)>>,
    clients: HashMap<i64, (i64, String)>,
    invitations: HashMap<i64, (Vec<String>, i64, String)>,
}

async fn facts(pool: &PgPool, rows: &[Claimed]) -> anyhow::Result<Facts> {
    let users: Vec<i64> = rows.iter().filter_map(|r| r.user_id).collect();
    let welcomed: Vec<i64> = rows
        .iter()
        .filter(|r| r.kind == "owner_welcome")
        .filter_map(|r| r.user_id)
        .collect();
    let client_ids: Vec<i64> = rows
        .iter()
        .filter(|r| r.kind == "owner_client_added")
        .filter_map(|r| r.client_id)
        .collect();
    let invitation_ids: Vec<i64> = rows.iter().filter_map(|r| r.invitation_id).collect();
    let names = sqlx::query_as::<_, (i64, Option<String>)>(
        "SELECT id, name FROM billing.users WHERE id = ANY($1)",
    )
    .bind(&users)
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect();
    let mut owned: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    let rows_owned: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT m.user_id, c.legacy_account_id, c.name FROM billing.memberships m JOIN billing.clients c ON c.id = m.client_id
         WHERE m.user_id = ANY($1) AND m.role = 'owner' ORDER BY m.user_id, c.legacy_account_id",
    )
    .bind(&welcomed)
    .fetch_all(pool)
    .await?;
    for (user, number, name) in rows_owned {
        owned.entry(user).or_default().push((number, name));
    }
    let clients = sqlx::query_as::<_, (i64, i64, String)>(
        "SELECT id, legacy_account_id, name FROM billing.clients WHERE id = ANY($1)",
    )
    .bind(&client_ids)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(id, n, name)| (id, (n, name)))
    .collect();
    let invitations = sqlx::query_as::<_, (i64, Vec<String>, i64, String)>(
        "SELECT i.id, i.permissions, c.legacy_account_id, c.name FROM billing.invitations i JOIN billing.clients c ON c.id = i.client_id WHERE i.id = ANY($1)",
    )
    .bind(&invitation_ids)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(id, p, n, name)| (id, (p, n, name)))
    .collect();
    Ok(Facts {
        names,
        owned,
        clients,
        invitations,
    })
}

/// Mints a token for every email with a link and stores the hashes in one transaction,
/// before anything is sent: a link that reaches the customer always works.
async fn store_tokens(
    pool: &PgPool,
    ctx: &MailContext,
    rows: &[Claimed],
) -> anyhow::Result<HashMap<i64, tokens::Token>> {
    let expires = Utc::now() + Duration::hours(ctx.ttl_hours.into());
    let mut minted = HashMap::new();
    let (mut users, mut user_hashes, mut invitations, mut invitation_hashes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in rows {
        let token = tokens::mint();
        match (r.kind.as_str(), r.user_id, r.invitation_id) {
            ("owner_welcome", Some(user), _) => {
                users.push(user);
                user_hashes.push(token.hash.clone());
            }
            ("invitation", _, Some(invitation)) => {
                invitations.push(invitation);
                invitation_hashes.push(token.hash.clone());
            }
            _ => continue,
        }
        minted.insert(r.id, token);
    }
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    // A new link replaces every earlier unused one of the same user.
    sqlx::query("UPDATE billing.password_tokens SET revoked_at = now() WHERE user_id = ANY($1) AND used_at IS NULL AND revoked_at IS NULL")
        .bind(&users)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO billing.password_tokens (user_id, purpose, token_hash, expires_at)
         SELECT u, 'set_password', h, $3 FROM unnest($1::int8[], $2::text[]) AS t(u, h)",
    )
    .bind(&users)
    .bind(&user_hashes)
    .bind(expires)
    .execute(&mut *tx)
    .await?;
    // Replacing an invitation's hash is what makes its earlier link stop working.
    sqlx::query(
        "UPDATE billing.invitations i SET token_hash = t.h, expires_at = $3 FROM unnest($1::int8[], $2::text[]) AS t(id, h) WHERE i.id = t.id",
    )
    .bind(&invitations)
    .bind(&invitation_hashes)
    .bind(expires)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(minted)
}

/// One claimed row's message (or why it could not be built) and the hash of the link token
/// minted for it: an attempt that fails revokes exactly that token (issue #14.3).
pub struct Composed {
    pub message: Result<Message, String>,
    pub token_hash: Option<String>,
}

/// Builds the messages of a claimed batch (a failure to build one is that row's error).
pub async fn compose_batch(
    pool: &PgPool,
    ctx: &MailContext,
    rows: &[Claimed],
) -> anyhow::Result<Vec<Composed>> {
    let facts = facts(pool, rows).await?;
    let mut minted = store_tokens(pool, ctx, rows).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let token = minted.remove(&r.id);
            let token_hash = token.as_ref().map(|t| t.hash.clone());
            let message = compose(ctx, &facts, r, token).map_err(|e| format!("{e:#}"));
            Composed {
                message,
                token_hash,
            }
        })
        .collect())
}

fn compose(
    ctx: &MailContext,
    facts: &Facts,
    row: &Claimed,
    token: Option<tokens::Token>,
) -> anyhow::Result<Message> {
    let language = Language::parse_exact(&row.language).unwrap_or(Language::Uk);
    let common = context! {
        support => &ctx.support, new_billing_url => &ctx.new_url, old_billing_url => &ctx.old_url,
        cutoff => long_date(ctx.cutoff, language), ttl_days => ctx.ttl_hours.div_ceil(24),
    };
    let name = row
        .user_id
        .and_then(|u| facts.names.get(&u).cloned().flatten());
    let line = |(number, name): &(i64, String)| context! { number, name };
    let vars = match (row.kind.as_str(), &token) {
        ("owner_welcome", Some(token)) => {
            let owned = row
                .user_id
                .and_then(|u| facts.owned.get(&u))
                .map(Vec::as_slice)
                .unwrap_or_default();
            let clients: Vec<_> = owned.iter().map(line).collect();
            let link = format!("{}/set-password?token={}", ctx.new_url, token.secret);
            context! { name => &name, clients, link, ..common }
        }
        ("owner_client_added", _) => {
            let client = row
                .client_id
                .and_then(|c| facts.clients.get(&c))
                .ok_or_else(|| anyhow::anyhow!("outbox row {}: its client is gone", row.id))?;
            context! { name => &name, client => line(client), ..common }
        }
        ("invitation", Some(token)) => {
            let (permissions, number, client) = row
                .invitation_id
                .and_then(|i| facts.invitations.get(&i))
                .ok_or_else(|| anyhow::anyhow!("outbox row {}: its invitation is gone", row.id))?;
            let words: Vec<String> = permissions
                .iter()
                .map(|p| permission_words(p, language))
                .collect();
            let link = format!("{}/invitation?token={}", ctx.new_url, token.secret);
            context! { client => context! { number, name => client }, permissions => words, link, ..common }
        }
        (other, _) => anyhow::bail!("outbox row {}: cannot compose kind {other:?}", row.id),
    };
    let rendered = ctx.templates.render(&row.kind, language, &vars)?;
    let to_name = if row.kind == "invitation" { None } else { name };
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
