//! Owner users of a batch: one per distinct email, shared across accounts and batches, the
//! lowest legacy account deciding the user's name and language (R7.1).
//!
//! Emails the target does not hold yet are copied with reserved ids; the others go through
//! the upsert that takes a user over for a lower account. Whether an email is new is read
//! at the start of the write, so a concurrent batch may insert one of them in between: the
//! copy then fails on the unique email index (after waiting for that batch's commit, as the
//! upsert would have), is rolled back to its savepoint, and those emails join the upsert.
//! The unique index, not the lookup, is what keeps a user from being created twice.

use std::collections::{HashMap, HashSet};

use sqlx::PgConnection;

use super::bulk;
use super::copy::CopyRows;
use super::rows::OwnerRows;

/// The batch's owner users, as the database holds them once they are written.
#[derive(Default)]
pub struct Owners {
    /// email → user id.
    pub ids: HashMap<String, i64>,
    /// user id → the user's language (a lower account, maybe of an earlier batch, decides it).
    pub languages: HashMap<i64, String>,
    /// Users this batch created.
    pub new_users: HashSet<i64>,
    /// Users this batch's lower account took over from a higher one of an earlier batch.
    pub taken_over: Vec<i64>,
    /// Whether a concurrent batch created one of the emails first (the copy was undone).
    pub copy_undone: bool,
}

/// Writes the owner users `o` (sorted by email) and returns their ids and languages.
pub async fn write_owners(tx: &mut PgConnection, o: &OwnerRows) -> Result<Owners, sqlx::Error> {
    let mut owners = Owners::default();
    let present: HashSet<String> =
        sqlx::query_scalar("SELECT email FROM billing.users WHERE email = ANY($1)")
            .bind(&o.email)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    let (fresh, mut upsert): (Vec<usize>, Vec<usize>) =
        (0..o.email.len()).partition(|&i| !present.contains(&o.email[i]));

    if !fresh.is_empty() {
        let ids = bulk::reserve_ids(tx, "billing.users", fresh.len()).await?;
        sqlx::query("SAVEPOINT new_owners")
            .execute(&mut *tx)
            .await?;
        match copy_users(tx, o, &fresh, &ids).await {
            Ok(_) => {
                sqlx::query("RELEASE SAVEPOINT new_owners")
                    .execute(&mut *tx)
                    .await?;
                for (&i, &id) in fresh.iter().zip(&ids) {
                    owners.ids.insert(o.email[i].clone(), id);
                    owners.languages.insert(id, o.language[i].clone());
                    owners.new_users.insert(id);
                }
            }
            Err(e) if is_unique_violation(&e) => {
                sqlx::query("ROLLBACK TO SAVEPOINT new_owners")
                    .execute(&mut *tx)
                    .await?;
                owners.copy_undone = true;
                upsert.extend(fresh);
                // In email order, like every batch: shared users are locked in one order.
                upsert.sort_unstable();
            }
            Err(e) => return Err(e),
        }
    }
    if !upsert.is_empty() {
        upsert_users(tx, o, &upsert, &mut owners).await?;
    }
    Ok(owners)
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505"))
}

async fn copy_users(
    tx: &mut PgConnection,
    o: &OwnerRows,
    rows: &[usize],
    ids: &[i64],
) -> Result<u64, sqlx::Error> {
    let mut copy = CopyRows::new(
        "COPY billing.users (id, email, name, language, first_legacy_account_id) FROM STDIN (FORMAT binary)",
        5,
    );
    for (&i, id) in rows.iter().zip(ids) {
        copy.row()
            .value(id)?
            .value(&o.email[i])?
            .value(&o.name[i])?
            .value(&o.language[i])?
            .value(&o.first_legacy_account_id[i])?;
    }
    copy.send(tx).await
}

/// The upsert of the rows `rows` of `o`: inserts a missing user, takes a user over for a
/// lower account; users neither inserted nor taken over are read back.
async fn upsert_users(
    tx: &mut PgConnection,
    o: &OwnerRows,
    rows: &[usize],
    owners: &mut Owners,
) -> Result<(), sqlx::Error> {
    let column = |c: &[String]| rows.iter().map(|&i| c[i].clone()).collect::<Vec<_>>();
    let names: Vec<Option<String>> = rows.iter().map(|&i| o.name[i].clone()).collect();
    let firsts: Vec<i64> = rows.iter().map(|&i| o.first_legacy_account_id[i]).collect();
    let emails = column(&o.email);
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
    .bind(&emails)
    .bind(&names)
    .bind(column(&o.language))
    .bind(&firsts)
    .fetch_all(&mut *tx)
    .await?;
    for (id, email, language, inserted) in upserted {
        if inserted {
            owners.new_users.insert(id);
        } else {
            owners.taken_over.push(id);
        }
        owners.ids.insert(email, id);
        owners.languages.insert(id, language);
    }
    let existing: Vec<&String> = emails
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
    Ok(())
}
