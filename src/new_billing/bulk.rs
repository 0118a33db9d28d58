//! One binary `COPY` per table for the rows a batch inserts outright (clients, invitations,
//! payers, opening balances, services, memberships, new `migration.accounts` rows), from
//! the column structs of [`super::rows`]. Rows that may meet an existing row — owner users,
//! outbox emails that an earlier run could have queued, accounts held by an earlier run —
//! keep their `INSERT … ON CONFLICT`.

use rust_decimal::Decimal;
use sqlx::PgConnection;

use super::copy::CopyRows;
use super::rows::{ClientRows, InvitationRows, PayerRows, ServiceRows};

/// `n` ids from the sequence behind `table.id`, in one round trip: children then name
/// their parents without `RETURNING`.
pub async fn reserve_ids(
    tx: &mut PgConnection,
    table: &str,
    n: usize,
) -> Result<Vec<i64>, sqlx::Error> {
    if n == 0 {
        return Ok(Vec::new());
    }
    sqlx::query_scalar(
        "SELECT nextval((SELECT pg_get_serial_sequence($1, 'id'))) FROM generate_series(1, $2)",
    )
    .bind(table)
    .bind(n as i64)
    .fetch_all(tx)
    .await
}

pub async fn clients(
    tx: &mut PgConnection,
    ids: &[i64],
    c: &ClientRows<'_>,
) -> Result<u64, sqlx::Error> {
    let mut rows = CopyRows::new(
        "COPY billing.clients (id, legacy_account_id, name, currency, registered_at) FROM STDIN (FORMAT binary)",
        5,
        ids.len(),
    );
    for (i, id) in ids.iter().enumerate() {
        rows.row()
            .value(id)?
            .value(&c.legacy_account_id[i])?
            .value(&c.name[i])?
            .value(&c.currency[i])?
            .value(&c.registered_at[i])?;
    }
    rows.send(tx).await
}

pub async fn invitations(
    tx: &mut PgConnection,
    ids: &[i64],
    inv: &InvitationRows,
    full: &[String],
    invoices_only: &[String],
) -> Result<u64, sqlx::Error> {
    let mut rows = CopyRows::new(
        "COPY billing.invitations (id, client_id, email, permissions, legacy_user_id) FROM STDIN (FORMAT binary)",
        5,
        ids.len(),
    );
    for (i, id) in ids.iter().enumerate() {
        let permissions = if inv.full[i] { full } else { invoices_only };
        rows.row()
            .value(id)?
            .value(&inv.client_id[i])?
            .value(&inv.email[i])?
            .value(&permissions)?
            .value(&inv.legacy_user_id[i])?;
    }
    rows.send(tx).await
}

pub async fn payers(tx: &mut PgConnection, p: &PayerRows<'_>) -> Result<u64, sqlx::Error> {
    let mut rows = CopyRows::new(
        "COPY billing.payers (client_id, legacy_profile_id, kind, name, person, email, phone, country, postcode, city, address, vat_number, vat_payer) FROM STDIN (FORMAT binary)",
        13,
        p.client_id.len(),
    );
    for i in 0..p.client_id.len() {
        rows.row()
            .value(&p.client_id[i])?
            .value(&p.legacy_profile_id[i])?
            .value(&p.kind[i])?
            .value(&p.name[i])?
            .value(&p.person[i])?
            .value(&p.email[i])?
            .value(&p.phone[i])?
            .value(&p.country[i])?
            .value(&p.postcode[i])?
            .value(&p.city[i])?
            .value(&p.address[i])?
            .value(&p.vat_number[i])?
            .value(&p.vat_payer[i])?;
    }
    rows.send(tx).await
}

/// Opening balances: (client id, amount, currency, memo).
pub async fn opening_balances(
    tx: &mut PgConnection,
    entries: &[(i64, Decimal, String, String)],
) -> Result<u64, sqlx::Error> {
    let mut rows = CopyRows::new(
        "COPY billing.ledger_entries (client_id, kind, amount, currency, memo) FROM STDIN (FORMAT binary)",
        5,
        entries.len(),
    );
    for (client, amount, currency, memo) in entries {
        rows.row()
            .value(client)?
            .value(&"opening_balance")?
            .value(amount)?
            .value(currency)?
            .value(memo)?;
    }
    rows.send(tx).await
}

/// Owner memberships: (user id, client id, legacy user id).
pub async fn owner_memberships(
    tx: &mut PgConnection,
    members: &[(i64, i64, i64)],
    full: &[String],
) -> Result<u64, sqlx::Error> {
    let mut rows = CopyRows::new(
        "COPY billing.memberships (user_id, client_id, role, permissions, legacy_user_id) FROM STDIN (FORMAT binary)",
        5,
        members.len(),
    );
    for (user, client, legacy_user) in members {
        rows.row()
            .value(user)?
            .value(client)?
            .value(&"owner")?
            .value(&full)?
            .value(legacy_user)?;
    }
    rows.send(tx).await
}

/// A `migration.accounts` row of an account migrated now that no earlier run recorded.
pub struct MigratedAccount<'a> {
    pub legacy_account_id: i64,
    pub client_id: i64,
    pub reasons: Vec<String>,
    pub fingerprint: &'a str,
}

pub async fn migrated_accounts(
    tx: &mut PgConnection,
    accounts: &[MigratedAccount<'_>],
    categories: &[String],
    run_id: i64,
) -> Result<u64, sqlx::Error> {
    // `migrated_at` is left to its default, the transaction's start, as before.
    let mut rows = CopyRows::new(
        "COPY migration.accounts (legacy_account_id, status, client_id, reasons, categories, run_id, fingerprint) FROM STDIN (FORMAT binary)",
        7,
        accounts.len(),
    );
    for a in accounts {
        rows.row()
            .value(&a.legacy_account_id)?
            .value(&"migrated")?
            .value(&a.client_id)?
            .value(&a.reasons)?
            .value(&categories)?
            .value(&run_id)?
            .value(&a.fingerprint)?;
    }
    rows.send(tx).await
}

/// Services (of any accounts), then add-ons linked to their parents by legacy id.
pub async fn services(tx: &mut PgConnection, s: &ServiceRows<'_>) -> Result<u64, sqlx::Error> {
    if s.is_empty() {
        return Ok(0);
    }
    let mut rows = CopyRows::new(
        "COPY billing.services (client_id, legacy_item_id, category, priority, seq, product_code, label, domain, status,
                               opened_at, expires_at, period_months, auto_renew_months, price, currency) FROM STDIN (FORMAT binary)",
        15,
        s.len(),
    );
    for i in 0..s.len() {
        rows.row()
            .value(&s.client_id[i])?
            .value(&s.legacy_item_id[i])?
            .value(&s.category[i])?
            .value(&s.priority[i])?
            .value(&s.seq[i])?
            .value(&s.product_code[i])?
            .value(&s.label[i])?
            .value(&s.domain[i])?
            .value(&s.status[i])?
            .value(&s.opened_at[i])?
            .value(&s.expires_at[i])?
            .value(&s.period_months[i])?
            .value(&s.auto_renew_months[i])?
            .value(&s.price[i])?
            .value(&s.currency[i])?;
    }
    let written = rows.send(&mut *tx).await?;
    // Add-ons may come before their parents, and in a later phase the parent was written by
    // an earlier run: linked by legacy id once all are in. Only add-ons are sent.
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
    Ok(written)
}

/// One email queued in `migration.outbox`.
pub struct QueuedEmail {
    pub kind: &'static str,
    pub dedupe_key: String,
    pub to_email: String,
    pub language: String,
    pub user_id: Option<i64>,
    pub client_id: Option<i64>,
    pub invitation_id: Option<i64>,
}

/// Emails whose dedupe keys no existing row can hold.
pub async fn outbox(tx: &mut PgConnection, emails: &[QueuedEmail]) -> Result<u64, sqlx::Error> {
    let mut rows = CopyRows::new(
        "COPY migration.outbox (kind, dedupe_key, to_email, language, user_id, client_id, invitation_id) FROM STDIN (FORMAT binary)",
        7,
        emails.len(),
    );
    for e in emails {
        rows.row()
            .value(&e.kind)?
            .value(&e.dedupe_key)?
            .value(&e.to_email)?
            .value(&e.language)?
            .value(&e.user_id)?
            .value(&e.client_id)?
            .value(&e.invitation_id)?;
    }
    rows.send(tx).await
}
