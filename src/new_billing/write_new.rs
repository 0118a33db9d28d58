//! The first write of an account: client, owner user and membership, invitations, payer,
//! opening balance, services, outbox rows and the `migration.accounts` row — each as one
//! bulk statement for the whole batch (a `COPY` where no existing row can be met, see
//! [`super::bulk`]). Client and invitation ids are reserved up front, so children name their
//! parents without a round trip per table.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use sqlx::PgConnection;

use super::bulk;
use super::canonical;
use super::context::WriteContext;
use super::rows;
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
    new_users: HashSet<i64>,
}

/// What the first write of a batch produced.
pub struct Written {
    /// legacy account id → new client id.
    pub clients: HashMap<i64, i64>,
    pub services: u64,
    pub emails: u64,
}

/// Writes `fresh` (accounts in id order that no earlier run migrated); `held_before` names
/// those an earlier run held.
pub async fn write_new_accounts(
    tx: &mut PgConnection,
    fresh: &[(&Planned, &NewClient)],
    held_before: &HashSet<i64>,
    ctx: &WriteContext,
) -> Result<Written, sqlx::Error> {
    let new: Vec<&NewClient> = fresh.iter().map(|(_, new)| *new).collect();
    let c = rows::clients(new.iter().copied(), ctx.zone);
    let client_ids = bulk::reserve_ids(tx, "billing.clients", new.len()).await?;
    bulk::clients(tx, &client_ids, &c).await?;
    let clients: HashMap<i64, i64> = c
        .legacy_account_id
        .iter()
        .copied()
        .zip(client_ids.iter().copied())
        .collect();
    let client_of = |account: i64| clients[&account];

    let inv = rows::invitations(new.iter().copied(), client_of);
    let ids = bulk::reserve_ids(tx, "billing.invitations", inv.email.len()).await?;
    let (full, invoices_only) = (
        &ctx.mappings.full_permissions,
        &ctx.mappings.invoices_only_permissions,
    );
    bulk::invitations(tx, &ids, &inv, full, invoices_only).await?;

    bulk::payers(tx, &rows::payers(new.iter().copied(), client_of)).await?;

    let balances: Vec<(i64, rust_decimal::Decimal, String, String)> = new
        .iter()
        .filter_map(|n| {
            let amount = n.opening_balance?;
            Some((
                client_of(n.legacy_account_id),
                amount,
                n.currency.clone(),
                format!(
                    "Opening balance moved from the old billing, account {}",
                    n.legacy_account_id
                ),
            ))
        })
        .collect();
    bulk::opening_balances(tx, &balances).await?;

    let services = rows::services(
        new.iter().map(|n| (*n, client_of(n.legacy_account_id))),
        |_, category| ctx.categories.contains(category),
        ctx.zone,
    );
    let service_count = bulk::services(tx, &services).await?;

    record_migrated(tx, fresh, held_before, &clients, ctx).await?;

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

    let members: Vec<(i64, i64, i64)> = new
        .iter()
        .map(|n| {
            (
                user_ids[&n.owner.email],
                client_of(n.legacy_account_id),
                n.owner.legacy_user_id,
            )
        })
        .collect();
    bulk::owner_memberships(tx, &members, full).await?;

    let emails = queue_emails(tx, &new, &owners, &clients, (&ids, &inv)).await?;

    Ok(Written {
        clients,
        services: service_count,
        emails,
    })
}

/// The `migration.accounts` rows of the accounts migrated now: copied for accounts no
/// earlier run recorded, upserted over the `held` rows of accounts an earlier run held.
async fn record_migrated(
    tx: &mut PgConnection,
    fresh: &[(&Planned, &NewClient)],
    held_before: &HashSet<i64>,
    clients: &HashMap<i64, i64>,
    ctx: &WriteContext,
) -> Result<(), sqlx::Error> {
    let prints: Vec<String> = fresh
        .iter()
        .map(|(p, _)| canonical::fingerprint(p, &ctx.mappings, ctx.zone))
        .collect();
    let categories: Vec<String> = ctx.categories.iter().cloned().collect();
    let (mut first, mut again) = (Vec::new(), Vec::new());
    for ((p, _), print) in fresh.iter().zip(&prints) {
        let row = bulk::MigratedAccount {
            legacy_account_id: p.account.id,
            client_id: clients[&p.account.id],
            reasons: p
                .decision
                .reason_codes()
                .iter()
                .map(|r| r.to_string())
                .collect(),
            fingerprint: print,
        };
        if held_before.contains(&p.account.id) {
            again.push(row);
        } else {
            first.push(row);
        }
    }
    bulk::migrated_accounts(tx, &first, &categories, ctx.run_id).await?;
    if again.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = again.iter().map(|a| a.legacy_account_id).collect();
    let client_list: Vec<i64> = again.iter().map(|a| a.client_id).collect();
    let reasons: Vec<String> = again.iter().map(|a| a.reasons.join(",")).collect();
    let prints: Vec<&str> = again.iter().map(|a| a.fingerprint).collect();
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
    .execute(tx)
    .await?;
    Ok(())
}

/// R7 outbox rows: a welcome per new owner user, "another account added" for owners whose
/// welcome already went out, an invitation email per invitation.
async fn queue_emails(
    tx: &mut PgConnection,
    new: &[&NewClient],
    owners: &Owners,
    clients: &HashMap<i64, i64>,
    (invitation_ids, inv): (&[i64], &rows::InvitationRows),
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

    // Rows whose dedupe key no other row can hold (a welcome of a user this batch created,
    // a notice naming a client this batch created, an invitation) are copied; the rest
    // keep the upsert's guard against a row an earlier run or a concurrent batch wrote.
    let (mut certain, mut guarded) = (Vec::new(), Vec::new());
    let mut welcomed_now = HashSet::new();
    for n in new {
        let email = n.owner.email.clone();
        let user_id = user_ids[&email];
        let client_id = clients[&n.legacy_account_id];
        let (kind, dedupe_key, client) = match welcomed.get(&user_id).map(String::as_str) {
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
        let row = bulk::QueuedEmail {
            kind,
            dedupe_key,
            to_email: email,
            // The user's language as the database holds it now: a lower account in this or
            // an earlier batch decides it (R7.1), not necessarily this one.
            language: languages
                .get(&user_id)
                .cloned()
                .unwrap_or_else(|| n.owner.language.as_str().to_owned()),
            user_id: Some(user_id),
            client_id: client,
            invitation_id: None,
        };
        if owners.new_users.contains(&user_id) || client.is_some() {
            certain.push(row);
        } else {
            guarded.push(row);
        }
    }
    let invitee_language: HashMap<i64, &'static str> = new
        .iter()
        .flat_map(|n| &n.invitations)
        .map(|i| (i.legacy_user_id, i.language.as_str()))
        .collect();
    // An invitation's email row is only ever written with its invitation, in one
    // transaction, and neither is deleted: the batch's invitations just went in past their
    // unique legacy_user_id, so no row can hold their dedupe keys either.
    for (i, id) in invitation_ids.iter().enumerate() {
        let legacy_user_id = inv.legacy_user_id[i];
        certain.push(bulk::QueuedEmail {
            kind: "invitation",
            dedupe_key: format!("invitation:{legacy_user_id}"),
            to_email: inv.email[i].clone(),
            // Every invitation here is one of this batch's.
            language: invitee_language[&legacy_user_id].to_owned(),
            user_id: None,
            client_id: Some(inv.client_id[i]),
            invitation_id: Some(*id),
        });
    }
    let copied = bulk::outbox(tx, &certain).await?;
    if guarded.is_empty() {
        return Ok(copied);
    }
    let column = |f: fn(&bulk::QueuedEmail) -> String| guarded.iter().map(f).collect::<Vec<_>>();
    let id_column =
        |f: fn(&bulk::QueuedEmail) -> Option<i64>| guarded.iter().map(f).collect::<Vec<_>>();
    let done = sqlx::query(
        "INSERT INTO migration.outbox (kind, dedupe_key, to_email, language, user_id, client_id, invitation_id)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::int8[])
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(column(|e| e.kind.to_owned()))
    .bind(column(|e| e.dedupe_key.clone()))
    .bind(column(|e| e.to_email.clone()))
    .bind(column(|e| e.language.clone()))
    .bind(id_column(|e| e.user_id))
    .bind(id_column(|e| e.client_id))
    .bind(id_column(|e| e.invitation_id))
    .execute(&mut *tx)
    .await?;
    Ok(copied + done.rows_affected())
}
