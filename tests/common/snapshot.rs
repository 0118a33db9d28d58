//! A canonical text dump of every contract table of the target, keyed by legacy ids and
//! emails instead of generated ids, so two databases (or one before and after a re-run)
//! compare equal exactly when they hold the same migration.

use sqlx::PgConnection;

const QUERIES: &[(&str, &str)] = &[
    ("clients", "SELECT concat_ws('|', legacy_account_id, name, currency, registered_at, vat_invoices_enabled) FROM billing.clients"),
    ("users", "SELECT concat_ws('|', email, name, language, password_hash IS NULL) FROM billing.users"),
    ("memberships", "SELECT concat_ws('|', u.email, c.legacy_account_id, m.role, m.permissions::text, m.legacy_user_id)
        FROM billing.memberships m JOIN billing.users u ON u.id = m.user_id JOIN billing.clients c ON c.id = m.client_id"),
    ("invitations", "SELECT concat_ws('|', c.legacy_account_id, i.email, i.permissions::text, i.legacy_user_id, i.token_hash IS NULL, i.accepted_at)
        FROM billing.invitations i JOIN billing.clients c ON c.id = i.client_id"),
    ("payers", "SELECT concat_ws('|', c.legacy_account_id, p.legacy_profile_id, p.kind, p.name, p.person, p.email, p.phone, p.country, p.postcode, p.city, p.address, p.vat_number, p.vat_payer)
        FROM billing.payers p JOIN billing.clients c ON c.id = p.client_id"),
    ("ledger", "SELECT concat_ws('|', c.legacy_account_id, l.kind, l.amount, l.currency, l.memo)
        FROM billing.ledger_entries l JOIN billing.clients c ON c.id = l.client_id"),
    ("services", "SELECT concat_ws('|', c.legacy_account_id, s.legacy_item_id, p.legacy_item_id, s.category, s.priority, s.seq, s.product_code, s.label, s.domain, s.status, s.opened_at, s.expires_at, s.period_months, s.auto_renew_months, s.price, s.currency)
        FROM billing.services s JOIN billing.clients c ON c.id = s.client_id LEFT JOIN billing.services p ON p.id = s.parent_id"),
    ("accounts", "SELECT concat_ws('|', a.legacy_account_id, a.status, c.legacy_account_id, a.reasons::text, a.categories::text, a.fingerprint)
        FROM migration.accounts a LEFT JOIN billing.clients c ON c.id = a.client_id"),
    ("outbox", "SELECT concat_ws('|', o.kind, o.to_email, o.language, u.email, c.legacy_account_id, i.legacy_user_id, o.status)
        FROM migration.outbox o LEFT JOIN billing.users u ON u.id = o.user_id LEFT JOIN billing.clients c ON c.id = o.client_id
        LEFT JOIN billing.invitations i ON i.id = o.invitation_id"),
];

/// Every contract table as sorted lines, `table: row`.
pub async fn snapshot(pg: &mut PgConnection) -> String {
    let mut out = String::new();
    for (table, sql) in QUERIES {
        let mut rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(*sql))
            .fetch_all(&mut *pg)
            .await
            .unwrap();
        rows.sort();
        for row in rows {
            out.push_str(table);
            out.push_str(": ");
            out.push_str(&row);
            out.push('\n');
        }
    }
    out
}

/// Line-by-line difference of two snapshots, for assertion messages.
pub fn diff(a: &str, b: &str) -> String {
    let (la, lb): (
        std::collections::BTreeSet<&str>,
        std::collections::BTreeSet<&str>,
    ) = (a.lines().collect(), b.lines().collect());
    let mut out = String::new();
    for l in la.difference(&lb).take(20) {
        out.push_str(&format!("- {l}\n"));
    }
    for l in lb.difference(&la).take(20) {
        out.push_str(&format!("+ {l}\n"));
    }
    out
}

/// Fails with the differing lines when `got` is not the snapshot `want`.
pub fn assert_same(want: &str, got: &str, after: &str) {
    assert!(
        got == want,
        "{after}, the target differs from an uninterrupted run:\n{}",
        diff(want, got)
    );
}
