//! Reads what the new billing holds for a range of legacy account ids, one bulk query per
//! table, inside one read-only snapshot — the target half of verify's merge.

use std::collections::{BTreeMap, HashMap};

use sqlx::{Connection, PgPool};

pub use crate::new_billing::canonical::Canonical as TargetAccount;

fn slot(map: &mut BTreeMap<i64, TargetAccount>, id: i64) -> &mut TargetAccount {
    map.entry(id).or_default()
}

/// Target data of every legacy account id in `lo..=hi`.
pub async fn read_range(
    pool: &PgPool,
    lo: i64,
    hi: i64,
) -> Result<BTreeMap<i64, TargetAccount>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await?;
    let mut out: BTreeMap<i64, TargetAccount> = BTreeMap::new();

    let rows: Vec<(i64, String, Vec<String>, Option<String>)> = sqlx::query_as(
        "SELECT legacy_account_id, status, categories, fingerprint FROM migration.accounts WHERE legacy_account_id BETWEEN $1 AND $2",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(&mut *tx)
    .await?;
    for (id, status, categories, print) in rows {
        slot(&mut out, id).ledger = Some((status, categories, print));
    }

    // The range's clients by their unique index; every other table by client id (and no
    // join back to a million-row table, which a planner may turn into a full scan).
    let clients: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT id, legacy_account_id, concat_ws('|', name, currency, coalesce(to_char(registered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '∅'), CASE WHEN vat_invoices_enabled THEN 'true' ELSE 'false' END)
         FROM billing.clients WHERE legacy_account_id BETWEEN $1 AND $2",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(&mut *tx)
    .await?;
    let ids: Vec<i64> = clients.iter().map(|c| c.0).collect();
    let mut legacy_of: HashMap<i64, i64> = HashMap::with_capacity(clients.len());
    for (client, id, canonical) in clients {
        legacy_of.insert(client, id);
        slot(&mut out, id).client = Some(canonical);
    }
    let mut put = |client: i64, f: &mut dyn FnMut(&mut TargetAccount)| {
        if let Some(id) = legacy_of.get(&client) {
            f(slot(&mut out, *id));
        }
    };

    let owners: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT client_id, user_id, concat_ws('|', array_to_string(permissions, ';'), coalesce(legacy_user_id::text, '∅'))
         FROM billing.memberships WHERE role = 'owner' AND client_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    let user_ids: Vec<i64> = owners.iter().map(|o| o.1).collect();
    let emails: HashMap<i64, String> = sqlx::query_as::<_, (i64, String)>(
        "SELECT id, email FROM billing.users WHERE id = ANY($1)",
    )
    .bind(&user_ids)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    for (client, user, rest) in owners {
        let email = emails.get(&user).cloned().unwrap_or_default();
        put(client, &mut |t| t.owner.push(format!("{email}|{rest}")));
    }

    let invitations: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT client_id, coalesce(legacy_user_id, 0), concat_ws('|', email, array_to_string(permissions, ';'))
         FROM billing.invitations WHERE client_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    for (client, user, v) in invitations {
        put(client, &mut |t| {
            t.invitations.insert(user, v.clone());
        });
    }

    let payers: Vec<(i64, String)> = sqlx::query_as(
        "SELECT client_id, concat_ws('|', legacy_profile_id, kind, name, coalesce(person::text, '∅'), coalesce(email::text, '∅'), coalesce(phone::text, '∅'), coalesce(country::text, '∅'), coalesce(postcode::text, '∅'), coalesce(city::text, '∅'), coalesce(address::text, '∅'), coalesce(vat_number::text, '∅'), CASE WHEN vat_payer THEN 'true' ELSE 'false' END)
         FROM billing.payers WHERE client_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    for (client, v) in payers {
        put(client, &mut |t| t.payer.push(v.clone()));
    }

    let balances: Vec<(i64, String)> = sqlx::query_as(
        "SELECT client_id, concat_ws(' ', amount, currency) FROM billing.ledger_entries WHERE kind = 'opening_balance' AND client_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    for (client, v) in balances {
        put(client, &mut |t| t.balance.push(v.clone()));
    }

    let services: Vec<(i64, i64, i64, Option<i64>, String)> = sqlx::query_as(
        "SELECT client_id, legacy_item_id, id, parent_id, concat_ws('|', category, priority, seq, product_code, label, coalesce(domain::text, '∅'), status,
                coalesce(to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '∅'), coalesce(expires_at::text, '∅'),
                coalesce(period_months::text, '∅'), coalesce(auto_renew_months::text, '∅'), price, coalesce(currency::text, '∅'))
         FROM billing.services WHERE client_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    // Parents are services of the same client, so they are in this result too.
    let item_of: HashMap<i64, i64> = services.iter().map(|s| (s.2, s.1)).collect();
    for (client, item, _, parent, rest) in services {
        let parent = parent
            .and_then(|p| item_of.get(&p))
            .map_or_else(|| "∅".to_owned(), |p| p.to_string());
        put(client, &mut |t| {
            t.services.insert(item, format!("{parent}|{rest}"));
        });
    }
    tx.commit().await?;
    Ok(out)
}
