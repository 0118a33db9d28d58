//! Reads what the new billing holds for a chunk of legacy accounts, one bulk query per
//! table, inside one read-only snapshot — the target half of verify's merge. Rows are read
//! as typed values into the same records the expected side builds; no formatting in SQL.

use foldhash::{HashMap, HashMapExt};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{Connection, PgPool};

use super::client_span::ClientSpan;
use super::columns::{Columns, by_position};

use crate::new_billing::records::{
    BalanceRecord, ClientRecord, InvitationRecord, Known, LedgerRecord, OwnerRecord, PayerRecord,
    ServiceRecord,
};

pub use crate::new_billing::canonical::Canonical as TargetAccount;

/// The chunk's accounts' target data, by position in the chunk.
pub struct ChunkTargets {
    /// The chunk's legacy account ids, ascending.
    ids: Vec<i64>,
    accounts: Vec<Option<TargetAccount>>,
    /// Each of the chunk's clients (by target client id), its account's position.
    position_of_client: HashMap<i64, usize>,
}

impl ChunkTargets {
    /// The position of a chunk's account; `None` for an id outside the chunk.
    fn position(&self, id: i64) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }

    /// What the target holds of the chunk's `i`th account, if anything.
    pub fn at(&self, i: usize) -> Option<&TargetAccount> {
        self.accounts.get(i)?.as_ref()
    }

    /// What the target holds of account `id`, if it is the chunk's.
    pub fn get(&self, id: i64) -> Option<&TargetAccount> {
        self.at(self.position(id)?)
    }

    /// The chunk's legacy account ids, ascending.
    pub fn into_ids(self) -> Vec<i64> {
        self.ids
    }

    fn slot(&mut self, i: usize) -> &mut TargetAccount {
        self.accounts[i].get_or_insert_default()
    }

    /// The account a client of the chunk belongs to (rows are moved into it, not cloned).
    fn of_client(&mut self, client: i64) -> Option<&mut TargetAccount> {
        let i = *self.position_of_client.get(&client)?;
        Some(self.slot(i))
    }
}

/// Target data of the chunk's legacy account ids (ascending). Rows of the target whose
/// legacy id lies between the chunk's first and last but is not the chunk's are left out:
/// the accounts `verify` did not see are `vanished`'s to report.
pub async fn read_chunk(pool: &PgPool, ids: Vec<i64>) -> Result<ChunkTargets, sqlx::Error> {
    debug_assert!(ids.is_sorted());
    let mut out = ChunkTargets {
        accounts: (0..ids.len()).map(|_| None).collect(),
        ids,
        position_of_client: HashMap::new(),
    };
    let (Some(&lo), Some(&hi)) = (out.ids.first(), out.ids.last()) else {
        return Ok(out);
    };
    let mut conn = pool.acquire().await?;
    let mut tx = conn
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await?;

    type LedgerRow = (
        i64,
        String,
        Vec<String>,
        Option<String>,
        Option<DateTime<Utc>>,
    );
    let rows: Vec<LedgerRow> = sqlx::query(
        "SELECT legacy_account_id, status, categories, fingerprint, migrated_at FROM migration.accounts WHERE legacy_account_id BETWEEN $1 AND $2",
    )
    .bind(lo)
    .bind(hi)
    .try_map(by_position(|c| Ok((c.get(0)?, c.get(1)?, c.get(2)?, c.get(3)?, c.get(4)?))))
    .fetch_all(&mut *tx)
    .await?;
    for (id, status, categories, fingerprint, migrated_at) in rows {
        let Some(i) = out.position(id) else { continue };
        out.slot(i).ledger = Some(LedgerRecord {
            status: Known::parse(&status),
            categories,
            fingerprint,
            migrated_at,
        });
    }

    // The range's clients by their unique index; every other table by client id, as one
    // range of ids where the clients make one (`ClientSpan`), and no join back to a
    // million-row table, which a planner may turn into a full scan.
    type ClientRow = (i64, i64, String, String, Option<DateTime<Utc>>, bool);
    let clients: Vec<ClientRow> = sqlx::query(
        "SELECT id, legacy_account_id, name, currency::text, registered_at, vat_invoices_enabled
         FROM billing.clients WHERE legacy_account_id BETWEEN $1 AND $2",
    )
    .bind(lo)
    .bind(hi)
    .try_map(by_position(|c| {
        Ok((
            c.get(0)?,
            c.get(1)?,
            c.get(2)?,
            c.get(3)?,
            c.get(4)?,
            c.get(5)?,
        ))
    }))
    .fetch_all(&mut *tx)
    .await?;
    let span = ClientSpan::of(clients.iter().map(|c| c.0).collect());
    out.position_of_client.reserve(clients.len());
    for (client, id, name, currency, registered_at, vat_invoices_enabled) in clients {
        let Some(i) = out.position(id) else { continue };
        out.position_of_client.insert(client, i);
        out.slot(i).client = Some(ClientRecord {
            name,
            currency,
            registered_at,
            vat_invoices_enabled,
        });
    }

    // The owner's email with its membership: one statement, each user by its primary key.
    let owners: Vec<(i64, String, Vec<String>, Option<i64>)> = span
        .select(
            "SELECT m.client_id, coalesce(u.email, ''), m.permissions, m.legacy_user_id
            FROM billing.memberships m LEFT JOIN billing.users u ON u.id = m.user_id
            WHERE m.role = 'owner' AND",
            "m.client_id",
        )
        .try_map(by_position(|c| {
            Ok((c.get(0)?, c.get(1)?, c.get(2)?, c.get(3)?))
        }))
        .fetch_all(&mut *tx)
        .await?;
    for (client, email, permissions, legacy_user_id) in owners {
        if let Some(t) = out.of_client(client) {
            t.owner.push(OwnerRecord {
                email,
                permissions,
                legacy_user_id,
            });
        }
    }

    let invitations: Vec<(i64, Option<i64>, String, Vec<String>)> = span
        .select(
            "SELECT client_id, legacy_user_id, email, permissions
            FROM billing.invitations WHERE",
            "client_id",
        )
        .try_map(by_position(|c| {
            Ok((c.get(0)?, c.get(1)?, c.get(2)?, c.get(3)?))
        }))
        .fetch_all(&mut *tx)
        .await?;
    for (client, user, email, permissions) in invitations {
        if let Some(t) = out.of_client(client) {
            let record = InvitationRecord { email, permissions };
            t.invitations.insert(user.unwrap_or(0), record);
        }
    }

    let payers: Vec<PayerRow> = span
        .select(
            "SELECT client_id, legacy_profile_id, kind, name, person, email, phone, country, postcode, city, address, vat_number, vat_payer
            FROM billing.payers WHERE",
            "client_id",
        )
        .try_map(by_position(PayerRow::decode))
        .fetch_all(&mut *tx)
        .await?;
    for p in payers {
        if let Some(t) = out.of_client(p.client_id) {
            t.payer.push(p.record());
        }
    }

    let balances: Vec<(i64, Decimal, String)> = span
        .select(
            "SELECT client_id, amount, currency::text FROM billing.ledger_entries WHERE kind = 'opening_balance' AND",
            "client_id",
        )
        .try_map(by_position(|c| Ok((c.get(0)?, c.get(1)?, c.get(2)?))))
        .fetch_all(&mut *tx)
        .await?;
    for (client, amount, currency) in balances {
        if let Some(t) = out.of_client(client) {
            t.balance.push(BalanceRecord { amount, currency });
        }
    }

    let services: Vec<ServiceRow> = span
        .select(
            "SELECT client_id, legacy_item_id, id, parent_id, category, priority, seq, product_code, label, domain, status,
                opened_at, expires_at, period_months, auto_renew_months, price, currency::text AS currency
            FROM billing.services WHERE",
            "client_id",
        )
        .try_map(by_position(ServiceRow::decode))
        .fetch_all(&mut *tx)
        .await?;
    // Parents are services of the same client, so they are in this result too.
    let item_of: HashMap<i64, i64> = services.iter().map(|s| (s.id, s.legacy_item_id)).collect();
    for s in services {
        let parent_item = s.parent_id.and_then(|p| item_of.get(&p).copied());
        if let Some(t) = out.of_client(s.client_id) {
            t.services.insert(s.legacy_item_id, s.record(parent_item));
        }
    }
    tx.commit().await?;
    Ok(out)
}

struct PayerRow {
    client_id: i64,
    legacy_profile_id: i64,
    kind: String,
    name: String,
    person: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    country: Option<String>,
    postcode: Option<String>,
    city: Option<String>,
    address: Option<String>,
    vat_number: Option<String>,
    vat_payer: bool,
}

impl PayerRow {
    fn record(self) -> PayerRecord {
        PayerRecord {
            legacy_profile_id: self.legacy_profile_id,
            kind: self.kind,
            name: self.name,
            person: self.person,
            email: self.email,
            phone: self.phone,
            country: self.country,
            postcode: self.postcode,
            city: self.city,
            address: self.address,
            vat_number: self.vat_number,
            vat_payer: self.vat_payer,
        }
    }
}

struct ServiceRow {
    client_id: i64,
    legacy_item_id: i64,
    id: i64,
    parent_id: Option<i64>,
    category: String,
    priority: i16,
    seq: i32,
    product_code: String,
    label: String,
    domain: Option<String>,
    status: String,
    opened_at: Option<DateTime<Utc>>,
    expires_at: Option<NaiveDate>,
    period_months: Option<i32>,
    auto_renew_months: Option<i32>,
    price: Decimal,
    currency: Option<String>,
}

impl ServiceRow {
    fn record(self, parent_item: Option<i64>) -> ServiceRecord {
        ServiceRecord {
            parent_item,
            category: self.category,
            priority: self.priority,
            seq: self.seq,
            product_code: self.product_code,
            label: self.label,
            domain: self.domain,
            status: Known::parse(&self.status),
            opened_at: self.opened_at,
            expires_at: self.expires_at,
            period_months: self.period_months,
            auto_renew_months: self.auto_renew_months,
            price: self.price,
            currency: self.currency,
        }
    }
}

// By position, in the order of the statement's columns.
impl PayerRow {
    fn decode(r: &Columns<'_>) -> Result<Self, sqlx::Error> {
        Ok(PayerRow {
            client_id: r.get(0)?,
            legacy_profile_id: r.get(1)?,
            kind: r.get(2)?,
            name: r.get(3)?,
            person: r.get(4)?,
            email: r.get(5)?,
            phone: r.get(6)?,
            country: r.get(7)?,
            postcode: r.get(8)?,
            city: r.get(9)?,
            address: r.get(10)?,
            vat_number: r.get(11)?,
            vat_payer: r.get(12)?,
        })
    }
}

impl ServiceRow {
    fn decode(r: &Columns<'_>) -> Result<Self, sqlx::Error> {
        Ok(ServiceRow {
            client_id: r.get(0)?,
            legacy_item_id: r.get(1)?,
            id: r.get(2)?,
            parent_id: r.get(3)?,
            category: r.get(4)?,
            priority: r.get(5)?,
            seq: r.get(6)?,
            product_code: r.get(7)?,
            label: r.get(8)?,
            domain: r.get(9)?,
            status: r.get(10)?,
            opened_at: r.get(11)?,
            expires_at: r.get(12)?,
            period_months: r.get(13)?,
            auto_renew_months: r.get(14)?,
            price: r.get(15)?,
            currency: r.get(16)?,
        })
    }
}
