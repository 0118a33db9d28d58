//! The first write of an account: client, owner user and membership, invitations, payer,
//! opening balance, services, outbox rows and the `migration.accounts` row — each as one
//! bulk statement for the whole batch.

use std::collections::HashMap;

use sqlx::PgConnection;

use super::canonical;
use super::context::WriteContext;
use super::rows::{self, ServiceRows};
use crate::plan::Planned;
use crate::rules::NewClient;

/// The batch's owner users, as the database holds them after the upsert.
#[derive(Default)]
struct Owners {
    /// email → user id.
    ids: HashMap<String, i64>,
    /// user id → the user's language (a lower account, maybe of an earlier batch, decides it).
    languages: HashMap<i64, String>,
    /// Users this batch created.
    new_users: std::collections::HashSet<i64>,
}

/// What the first write of a batch produced.
pub struct Written {
    /// legacy account id → new client id.
    pub clients: HashMap<i64, i64>,
    pub services: u64,
    pub emails: u64,
}

pub async fn write_new_accounts(
    tx: &mut PgConnection,
    fresh: &[(&Planned, &NewClient)],
    ctx: &WriteContext,
) -> Result<Written, sqlx::Error> {
    let new: Vec<&NewClient> = fresh.iter().map(|(_, new)| *new).collect();
    let c = rows::clients(new.iter().copied(), ctx.zone);
    let clients: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
        "INSERT INTO billing.clients (legacy_account_id, name, currency, registered_at, vat_invoices_enabled)
         SELECT a, n, c, r, false FROM unnest($1::int8[], $2::text[], $3::text[], $4::timestamptz[]) AS t(a, n, c, r)
         RETURNING legacy_account_id, id",
    )
    .bind(&c.legacy_account_id)
    .bind(&c.name)
    .bind(&c.currency)
    .bind(&c.registered_at)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    let client_of = |account: i64| clients[&account];

    let inv = rows::invitations(new.iter().copied(), client_of);
    let invitation_ids: Vec<(i64, i64, String, i64)> = sqlx::query_as(
        "INSERT INTO billing.invitations (client_id, email, permissions, legacy_user_id)
         SELECT c, e, CASE WHEN f THEN $5::text[] ELSE $6::text[] END, l
         FROM unnest($1::int8[], $2::text[], $3::int8[], $4::bool[]) AS t(c, e, l, f)
         RETURNING id, client_id, email, legacy_user_id",
    )
    .bind(&inv.client_id)
    .bind(&inv.email)
    .bind(&inv.legacy_user_id)
    .bind(&inv.full)
    .bind(&ctx.mappings.full_permissions)
    .bind(&ctx.mappings.invoices_only_permissions)
    .fetch_all(&mut *tx)
    .await?;

    let pay = rows::payers(new.iter().copied(), client_of);
    sqlx::query(
        "INSERT INTO billing.payers (client_id, legacy_profile_id, kind, name, person, email, phone, country, postcode, city, address, vat_number, vat_payer)
         SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bool[])",
    )
    .bind(&pay.client_id)
    .bind(&pay.legacy_profile_id)
    .bind(&pay.kind)
    .bind(&pay.name)
    .bind(&pay.person)
    .bind(&pay.email)
    .bind(&pay.phone)
    .bind(&pay.country)
    .bind(&pay.postcode)
    .bind(&pay.city)
    .bind(&pay.address)
    .bind(&pay.vat_number)
    .bind(&pay.vat_payer)
    .execute(&mut *tx)
    .await?;

    let (mut l_client, mut l_amount, mut l_currency, mut l_memo) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for n in &new {
        let Some(amount) = n.opening_balance else {
            continue;
        };
        l_client.push(client_of(n.legacy_account_id));
        l_amount.push(amount);
        l_currency.push(n.currency.clone());
        l_memo.push(format!(
            "Opening balance moved from the old billing, account {}",
            n.legacy_account_id
        ));
    }
    sqlx::query(
        "INSERT INTO billing.ledger_entries (client_id, kind, amount, currency, memo)
         SELECT c, 'opening_balance', a, cur, m FROM unnest($1::int8[], $2::numeric[], $3::text[], $4::text[]) AS t(c, a, cur, m)",
    )
    .bind(&l_client)
    .bind(&l_amount)
    .bind(&l_currency)
    .bind(&l_memo)
    .execute(&mut *tx)
    .await?;

    let services = rows::services(
        new.iter().map(|n| (*n, client_of(n.legacy_account_id))),
        |_, category| ctx.categories.contains(category),
        ctx.zone,
    );
    let service_count = insert_services(tx, &services).await?;

    let ids: Vec<i64> = fresh.iter().map(|(p, _)| p.account.id).collect();
    let client_list: Vec<i64> = ids.iter().map(|a| clients[a]).collect();
    let reasons: Vec<String> = fresh
        .iter()
        .map(|(p, _)| p.decision.reason_codes().join(","))
        .collect();
    let prints: Vec<String> = fresh
        .iter()
        .map(|(p, _)| canonical::fingerprint(p, &ctx.mappings, ctx.zone))
        .collect();
    let categories: Vec<String> = ctx.categories.iter().cloned().collect();
    sqlx::query(
        "INSERT INTO migration.accounts (legacy_account_id, status, client_id, reasons, categories, run_id, fingerprint)
         SELECT a, 'migrated', c, string_to_array(r, ','), $5::text[], $6, f
         FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[]) AS t(a, c, r, f)
         ON CONFLICT (legacy_account_id) DO UPDATE
           SET status = 'migrated', client_id = EXCLUDED.client_id, reasons = EXCLUDED.reasons,
               categories = EXCLUDED.categories, run_id = EXCLUDED.run_id, migrated_at = now(),
               fingerprint = EXCLUDED.fingerprint
           WHERE migration.accounts.status = 'held'",
    )
    .bind(&ids)
    .bind(&client_list)
    .bind(&reasons)
    .bind(&prints)
    .bind(&categories)
    .bind(ctx.run_id)
    .execute(&mut *tx)
    .await?;

    // Owners last: a user shared with an account in a concurrent batch is locked from
    // this insert to our commit, so the shorter that stretch, the shorter the other waits.
    let o = rows::owners(new.iter().copied());
    // Returned: users inserted now (`xmax = 0`) and users this batch's lower account took
    // over (`xmax <> 0`); an existing user the batch does not take over is not returned.
    let upserted: Vec<(i64, String, String, bool)> = sqlx::query_as(
        "INSERT INTO billing.users (email, name, language, first_legacy_account_id)
         SELECT e, n, l, f FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[]) AS t(e, n, l, f)
         ON CONFLICT (email) DO UPDATE
           SET name = EXCLUDED.name, language = EXCLUDED.language, first_legacy_account_id = EXCLUDED.first_legacy_account_id
           WHERE billing.users.first_legacy_account_id > EXCLUDED.first_legacy_account_id
         RETURNING id, email, language, xmax = 0",
    )
    .bind(&o.email)
    .bind(&o.name)
    .bind(&o.language)
    .bind(&o.first_legacy_account_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut owners = Owners::default();
    let mut taken_over = Vec::new();
    for (id, email, language, inserted) in upserted {
        if inserted {
            owners.new_users.insert(id);
        } else {
            taken_over.push(id);
        }
        owners.ids.insert(email, id);
        owners.languages.insert(id, language);
    }
    let existing: Vec<&String> = o
        .email
        .iter()
        .filter(|e| !owners.ids.contains_key(*e))
        .collect();
    if !existing.is_empty() {
        let rows: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT email, id, language FROM billing.users WHERE email = ANY($1)")
                .bind(&existing)
                .fetch_all(&mut *tx)
                .await?;
        for (email, id, language) in rows {
            owners.ids.insert(email, id);
            owners.languages.insert(id, language);
        }
    }
    // A lower account may just have taken over a user an earlier batch created: its
    // still-pending owner emails follow the user's language, whatever order batches commit in.
    // Only taken-over users can need it, and most batches take over none.
    if !taken_over.is_empty() {
        sqlx::query(
            "UPDATE migration.outbox o SET language = u.language FROM billing.users u
             WHERE o.user_id = u.id AND u.id = ANY($1) AND o.status = 'pending' AND o.language <> u.language",
        )
        .bind(&taken_over)
        .execute(&mut *tx)
        .await?;
    }
    let user_ids = &owners.ids;

    let (mut m_user, mut m_client, mut m_legacy) = (Vec::new(), Vec::new(), Vec::new());
    for n in &new {
        m_user.push(user_ids[&n.owner.email]);
        m_client.push(client_of(n.legacy_account_id));
        m_legacy.push(n.owner.legacy_user_id);
    }
    sqlx::query(
        "INSERT INTO billing.memberships (user_id, client_id, role, permissions, legacy_user_id)
         SELECT u, c, 'owner', $4::text[], l FROM unnest($1::int8[], $2::int8[], $3::int8[]) AS t(u, c, l)",
    )
    .bind(&m_user)
    .bind(&m_client)
    .bind(&m_legacy)
    .bind(&ctx.mappings.full_permissions)
    .execute(&mut *tx)
    .await?;

    let emails = queue_emails(tx, &new, &owners, &clients, &invitation_ids).await?;

    Ok(Written {
        clients,
        services: service_count,
        emails,
    })
}

/// Inserts services (any accounts), then links add-ons to their parents by legacy id.
pub async fn insert_services(tx: &mut PgConnection, s: &ServiceRows) -> Result<u64, sqlx::Error> {
    if s.is_empty() {
        return Ok(0);
    }
    sqlx::query(
        "INSERT INTO billing.services (client_id, legacy_item_id, category, priority, seq, product_code, label, domain, status,
                                       opened_at, expires_at, period_months, auto_renew_months, price, currency)
         SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[], $4::int2[], $5::int4[], $6::text[], $7::text[], $8::text[],
                              $9::text[], $10::timestamptz[], $11::date[], $12::int4[], $13::int4[], $14::numeric[], $15::text[])",
    )
    .bind(&s.client_id)
    .bind(&s.legacy_item_id)
    .bind(&s.category)
    .bind(&s.priority)
    .bind(&s.seq)
    .bind(&s.product_code)
    .bind(&s.label)
    .bind(&s.domain)
    .bind(&s.status)
    .bind(&s.opened_at)
    .bind(&s.expires_at)
    .bind(&s.period_months)
    .bind(&s.auto_renew_months)
    .bind(&s.price)
    .bind(&s.currency)
    .execute(&mut *tx)
    .await?;
    // Add-ons may have lower item ids (and so be inserted before) their parents. Only the
    // add-ons are sent: binding every service made this a join over the whole batch.
    let (children, parents): (Vec<i64>, Vec<i64>) = s
        .legacy_item_id
        .iter()
        .zip(&s.legacy_parent_id)
        .filter_map(|(item, parent)| Some((*item, (*parent)?)))
        .unzip();
    if !children.is_empty() {
        sqlx::query(
            "UPDATE billing.services child SET parent_id = parent.id
             FROM unnest($1::int8[], $2::int8[]) AS t(item, parent_item)
             JOIN billing.services parent ON parent.legacy_item_id = t.parent_item
             WHERE child.legacy_item_id = t.item",
        )
        .bind(&children)
        .bind(&parents)
        .execute(&mut *tx)
        .await?;
    }
    Ok(s.len() as u64)
}

/// R7 outbox rows: a welcome per new owner user, "another account added" for owners whose
/// welcome already went out, an invitation email per invitation.
async fn queue_emails(
    tx: &mut PgConnection,
    new: &[&NewClient],
    owners: &Owners,
    clients: &HashMap<i64, i64>,
    invitations: &[(i64, i64, String, i64)],
) -> Result<u64, sqlx::Error> {
    let (user_ids, languages) = (&owners.ids, &owners.languages);
    // A user created by this batch has no email yet: only earlier users are looked up.
    let earlier: Vec<i64> = user_ids
        .values()
        .copied()
        .filter(|id| !owners.new_users.contains(id))
        .collect();
    let welcomed: HashMap<i64, String> = if earlier.is_empty() {
        HashMap::new()
    } else {
        sqlx::query_as::<_, (i64, String)>(
            "SELECT user_id, status FROM migration.outbox WHERE kind = 'owner_welcome' AND user_id = ANY($1)",
        )
        .bind(&earlier)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect()
    };

    let (mut kind, mut key, mut to, mut lang, mut user, mut client, mut invitation) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::<Option<i64>>::new(),
        Vec::<Option<i64>>::new(),
    );
    let mut welcomed_now = std::collections::HashSet::new();
    for n in new {
        let email = n.owner.email.clone();
        let user_id = user_ids[&email];
        let client_id = clients[&n.legacy_account_id];
        let (k, dedupe, c) = match welcomed.get(&user_id).map(String::as_str) {
            // The welcome is per user and lists every client at send time: it names no
            // client, so it does not depend on which of the user's accounts committed first.
            None if welcomed_now.insert(user_id) => {
                ("owner_welcome", format!("owner_welcome:{user_id}"), None)
            }
            // A pending welcome lists every client the user owns when it is sent.
            None | Some("pending") => continue,
            Some(_) => (
                "owner_client_added",
                format!("owner_client_added:{client_id}"),
                Some(client_id),
            ),
        };
        kind.push(k.to_owned());
        key.push(dedupe);
        to.push(email);
        // The user's language as the database holds it now: a lower account in this or an
        // earlier batch decides it (R7.1), not necessarily this one.
        lang.push(
            languages
                .get(&user_id)
                .cloned()
                .unwrap_or_else(|| n.owner.language.as_str().to_owned()),
        );
        user.push(Some(user_id));
        client.push(c);
        invitation.push(None);
    }
    let invitee_language: HashMap<i64, &'static str> = new
        .iter()
        .flat_map(|n| &n.invitations)
        .map(|i| (i.legacy_user_id, i.language.as_str()))
        .collect();
    for (id, client_id, email, legacy_user_id) in invitations {
        kind.push("invitation".to_owned());
        key.push(format!("invitation:{legacy_user_id}"));
        to.push(email.clone());
        // Every row RETURNING gave back is one of this batch's invitations.
        lang.push(invitee_language[legacy_user_id].to_owned());
        user.push(None);
        client.push(Some(*client_id));
        invitation.push(Some(*id));
    }
    let done = sqlx::query(
        "INSERT INTO migration.outbox (kind, dedupe_key, to_email, language, user_id, client_id, invitation_id)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::int8[])
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(&kind)
    .bind(&key)
    .bind(&to)
    .bind(&lang)
    .bind(&user)
    .bind(&client)
    .bind(&invitation)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected())
}
