//! `resend`: support's fresh link for a customer whose link expired or got lost. The old
//! token stops working at once (revoked, or its hash replaced), a new outbox row is queued
//! and sent right away by the same sender as `send`.

use serde::Serialize;
use sqlx::{Connection, PgPool};

/// Whose links to replace.
#[derive(Debug, Clone, Serialize)]
pub enum ResendTarget {
    Email(String),
    Account(i64),
}

/// What `resend` queued.
#[derive(Debug, Default, Serialize)]
pub struct Queued {
    pub owners: Vec<String>,
    pub invitations: Vec<String>,
    pub tokens_revoked: u64,
    #[serde(skip)]
    pub outbox_ids: Vec<i64>,
}

pub async fn queue(pool: &PgPool, target: &ResendTarget) -> anyhow::Result<Queued> {
    let (email, account): (Option<String>, Option<i64>) = match target {
        ResendTarget::Email(e) => (Some(e.trim().to_lowercase()), None),
        ResendTarget::Account(a) => (None, Some(*a)),
    };
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let owners: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT DISTINCT u.id, u.email, u.language FROM billing.users u
         JOIN billing.memberships m ON m.user_id = u.id AND m.role = 'owner' JOIN billing.clients c ON c.id = m.client_id
         WHERE ($1::text IS NOT NULL AND u.email = $1) OR c.legacy_account_id = $2 ORDER BY u.id",
    )
    .bind(&email)
    .bind(account)
    .fetch_all(&mut *tx)
    .await?;
    let invitations: Vec<(i64, i64, String, i64)> = sqlx::query_as(
        "SELECT i.id, i.client_id, i.email, i.legacy_user_id FROM billing.invitations i JOIN billing.clients c ON c.id = i.client_id
         WHERE i.accepted_at IS NULL AND (($1::text IS NOT NULL AND i.email = $1) OR c.legacy_account_id = $2) ORDER BY i.id",
    )
    .bind(&email)
    .bind(account)
    .fetch_all(&mut *tx)
    .await?;
    let mut out = Queued::default();
    for (user_id, email, language) in owners {
        out.tokens_revoked += sqlx::query(
            "UPDATE billing.password_tokens SET revoked_at = now() WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO migration.outbox (kind, dedupe_key, to_email, language, user_id, resend_of)
             VALUES ('owner_welcome', 'owner_welcome:' || $1 || ':resend:' || (SELECT count(*) FROM migration.outbox WHERE user_id = $1 AND resend_of IS NOT NULL) + 1,
                     $2, $3, $1, (SELECT id FROM migration.outbox WHERE dedupe_key = 'owner_welcome:' || $1))
             RETURNING id",
        )
        .bind(user_id)
        .bind(&email)
        .bind(language)
        .fetch_one(&mut *tx)
        .await?;
        out.outbox_ids.push(id);
        out.owners.push(email);
    }
    for (invitation_id, client_id, email, legacy_user_id) in invitations {
        out.tokens_revoked += sqlx::query("UPDATE billing.invitations SET token_hash = NULL WHERE id = $1 AND token_hash IS NOT NULL")
            .bind(invitation_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO migration.outbox (kind, dedupe_key, to_email, language, client_id, invitation_id, resend_of)
             SELECT 'invitation', 'invitation:' || $1 || ':resend:' || (SELECT count(*) FROM migration.outbox WHERE invitation_id = $2 AND resend_of IS NOT NULL) + 1,
                    $3, o.language, $4, $2, o.id
             FROM migration.outbox o WHERE o.dedupe_key = 'invitation:' || $1
             RETURNING id",
        )
        .bind(legacy_user_id)
        .bind(invitation_id)
        .bind(&email)
        .bind(client_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| anyhow::anyhow!("invitation {invitation_id} has no original outbox row"))?;
        out.outbox_ids.push(id);
        out.invitations.push(email);
    }
    tx.commit().await?;
    Ok(out)
}

/// What `resend` did: the links it replaced and how sending them went.
#[derive(Debug, Serialize)]
pub struct Resent {
    pub queued: Queued,
    pub send: super::sender::SendSummary,
}

impl crate::exit::CommandReport for Resent {
    fn text(&self) -> String {
        format!(
            "revoked {} live link(s); new link sent to owner(s) {:?} and invitee(s) {:?}\n{}",
            self.queued.tokens_revoked,
            self.queued.owners,
            self.queued.invitations,
            self.send.render()
        )
    }

    fn outcome(&self) -> crate::exit::Outcome {
        crate::exit::Outcome::attention_if(self.send.sent as usize != self.queued.outbox_ids.len())
    }
}

/// `resend`: revokes the customer's live links, queues fresh ones and sends them at once.
pub async fn run(
    settings: &crate::settings::Settings,
    target: &ResendTarget,
) -> anyhow::Result<Resent> {
    // Before any old link is revoked: a misconfigured server would leave none alive.
    super::check_transport(settings).await?;
    let pool = crate::new_billing::open(&settings.target_url, 2).await?;
    let queued = queue(&pool, target).await;
    pool.close().await;
    let queued = queued?;
    if queued.outbox_ids.is_empty() {
        return Err(crate::exit::Fatal::Usage(format!(
            "nothing to resend: no owner or open invitation matches {target:?}"
        ))
        .into());
    }
    let opts = super::sender::SendOptions {
        connections: 1,
        ..Default::default()
    };
    let only = Some(queued.outbox_ids.clone());
    let send = super::send(settings, opts, crate::progress::ProgressMode::Quiet, only).await?;
    Ok(Resent { queued, send })
}
