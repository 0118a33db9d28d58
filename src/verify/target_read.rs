//! Reads what the new billing holds for a range of legacy account ids, one bulk query per
//! table, inside one read-only snapshot — the target half of verify's merge.

use std::collections::BTreeMap;

use sqlx::{Connection, PgPool};

pub use crate::target::canonical::Canonical as TargetAccount;

/// Stores one fetched row (optional key, canonical text) into an account.
type Put = fn(&mut TargetAccount, Option<i64>, String);

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

    let queries: [(&str, Put); 6] = [
        (
            "SELECT legacy_account_id, NULL::int8, concat_ws('|', name, currency, coalesce(to_char(registered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '∅'), CASE WHEN vat_invoices_enabled THEN 'true' ELSE 'false' END) FROM billing.clients WHERE legacy_account_id BETWEEN $1 AND $2",
            |t, _, v| t.client = Some(v),
        ),
        (
            "SELECT c.legacy_account_id, NULL::int8, concat_ws('|', u.email, array_to_string(m.permissions, ';'), coalesce(m.legacy_user_id::text, '∅'))
             FROM billing.memberships m JOIN billing.clients c ON c.id = m.client_id JOIN billing.users u ON u.id = m.user_id
             WHERE m.role = 'owner' AND c.legacy_account_id BETWEEN $1 AND $2",
            |t, _, v| t.owner.push(v),
        ),
        (
            "SELECT c.legacy_account_id, i.legacy_user_id, concat_ws('|', i.email, array_to_string(i.permissions, ';'))
             FROM billing.invitations i JOIN billing.clients c ON c.id = i.client_id WHERE c.legacy_account_id BETWEEN $1 AND $2",
            |t, k, v| {
                t.invitations.insert(k.unwrap_or_default(), v);
            },
        ),
        (
            "SELECT c.legacy_account_id, NULL::int8, concat_ws('|', p.legacy_profile_id, p.kind, p.name, coalesce(p.person::text, '∅'), coalesce(p.email::text, '∅'), coalesce(p.phone::text, '∅'), coalesce(p.country::text, '∅'), coalesce(p.postcode::text, '∅'), coalesce(p.city::text, '∅'), coalesce(p.address::text, '∅'), coalesce(p.vat_number::text, '∅'), CASE WHEN p.vat_payer THEN 'true' ELSE 'false' END)
             FROM billing.payers p JOIN billing.clients c ON c.id = p.client_id WHERE c.legacy_account_id BETWEEN $1 AND $2",
            |t, _, v| t.payer.push(v),
        ),
        (
            "SELECT c.legacy_account_id, NULL::int8, concat_ws(' ', l.amount, l.currency)
             FROM billing.ledger_entries l JOIN billing.clients c ON c.id = l.client_id
             WHERE l.kind = 'opening_balance' AND c.legacy_account_id BETWEEN $1 AND $2",
            |t, _, v| t.balance.push(v),
        ),
        (
            "SELECT c.legacy_account_id, s.legacy_item_id, concat_ws('|', coalesce(p.legacy_item_id::text, '∅'), s.category, s.priority, s.seq, s.product_code, s.label, coalesce(s.domain::text, '∅'), s.status, coalesce(to_char(s.opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '∅'), coalesce(s.expires_at::text, '∅'), coalesce(s.period_months::text, '∅'), coalesce(s.auto_renew_months::text, '∅'), s.price, coalesce(s.currency::text, '∅'))
             FROM billing.services s JOIN billing.clients c ON c.id = s.client_id LEFT JOIN billing.services p ON p.id = s.parent_id
             WHERE c.legacy_account_id BETWEEN $1 AND $2",
            |t, k, v| {
                t.services.insert(k.unwrap_or_default(), v);
            },
        ),
    ];
    for (sql, put) in queries {
        let rows: Vec<(i64, Option<i64>, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(lo)
            .bind(hi)
            .fetch_all(&mut *tx)
            .await?;
        for (id, key, value) in rows {
            put(slot(&mut out, id), key, value);
        }
    }
    tx.commit().await?;
    Ok(out)
}
