//! Writes the partner phase: affiliates with their owed opening balance and a new code, and
//! referrals between migrated accounts — one transaction, idempotent (existing affiliates
//! and referrals are kept as they are, so a re-run changes nothing).

use std::collections::HashMap;

use base64::Engine as _;
use rand::TryRngCore;
use rand::rngs::OsRng;
use rust_decimal::Decimal;
use sqlx::{Connection, PgPool};

use crate::rules::partners::PartnerDecision;

/// A migrated legacy account's client.
#[derive(Debug, Clone)]
pub struct ClientRef {
    pub client_id: i64,
    pub currency: String,
}

/// Migrated clients of these legacy accounts.
pub async fn migrated_clients(
    pool: &PgPool,
    ids: &[i64],
) -> Result<HashMap<i64, ClientRef>, sqlx::Error> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT a.legacy_account_id, c.id, c.currency::text FROM migration.accounts a JOIN billing.clients c ON c.id = a.client_id
         WHERE a.status = 'migrated' AND a.legacy_account_id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(a, client_id, currency)| {
            (
                a,
                ClientRef {
                    client_id,
                    currency,
                },
            )
        })
        .collect())
}

/// Every legacy account id that has a `migration.accounts` row, ascending.
pub async fn decided_ids(pool: &PgPool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT legacy_account_id FROM migration.accounts ORDER BY 1")
        .fetch_all(pool)
        .await
}

/// A new affiliate code: 16 bytes from the OS CSPRNG, URL-safe base64 (22 characters).
pub fn new_code() -> String {
    let mut bytes = [0u8; 16];
    OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random source");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the phase wrote.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct PartnerWrites {
    pub affiliates_created: u64,
    pub referrals_created: u64,
}

pub async fn write(
    pool: &PgPool,
    decisions: &[PartnerDecision],
    clients: &HashMap<i64, ClientRef>,
) -> Result<PartnerWrites, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let (mut client, mut reward, mut code, mut owed, mut currency) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::<Decimal>::new(),
        Vec::new(),
    );
    for d in decisions.iter().filter(|d| d.owed.is_some()) {
        let c = &clients[&d.account_id];
        client.push(c.client_id);
        reward.push(d.reward_percent);
        code.push(new_code());
        owed.push(d.owed.unwrap_or_default());
        currency.push(c.currency.clone());
    }
    let affiliates = sqlx::query(
        "INSERT INTO billing.affiliates (client_id, reward_percent, code, opening_balance, currency)
         SELECT * FROM unnest($1::int8[], $2::numeric[], $3::text[], $4::numeric[], $5::text[])
         ON CONFLICT (client_id) DO NOTHING",
    )
    .bind(&client)
    .bind(&reward)
    .bind(&code)
    .bind(&owed)
    .bind(&currency)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let (mut partner_client, mut referral_client) = (Vec::new(), Vec::new());
    for d in decisions {
        for r in &d.linked {
            partner_client.push(clients[&d.account_id].client_id);
            referral_client.push(clients[r].client_id);
        }
    }
    let referrals = sqlx::query(
        "INSERT INTO billing.referrals (affiliate_id, client_id)
         SELECT f.id, t.r FROM unnest($1::int8[], $2::int8[]) AS t(p, r) JOIN billing.affiliates f ON f.client_id = t.p
         ON CONFLICT (client_id) DO NOTHING",
    )
    .bind(&partner_client)
    .bind(&referral_client)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(PartnerWrites {
        affiliates_created: affiliates,
        referrals_created: referrals,
    })
}

/// Affiliate codes and referral counts by legacy partner account, as stored.
pub async fn stored(pool: &PgPool) -> Result<HashMap<i64, (String, i64, Decimal)>, sqlx::Error> {
    let rows: Vec<(i64, String, i64, Decimal)> = sqlx::query_as(
        "SELECT c.legacy_account_id, f.code, (SELECT count(*) FROM billing.referrals r WHERE r.affiliate_id = f.id), f.opening_balance
         FROM billing.affiliates f JOIN billing.clients c ON c.id = f.client_id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(a, code, n, owed)| (a, (code, n, owed)))
        .collect())
}
