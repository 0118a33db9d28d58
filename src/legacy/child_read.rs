//! One child table's rows for a chunk of accounts: through the account index, or, where the
//! schema allows (`LegacySchema::keyed`), as ranges of the table's primary key found from
//! the ids the account index holds (`key_ranges`). Both give the same rows: the ranges read
//! keeps the account condition, and the ids come from the chunk's own snapshot.

use std::sync::atomic::{AtomicU64, Ordering};

use mysql_async::prelude::*;
use mysql_async::{Conn, Row, Value};

use super::decode::int;
use super::key_ranges::{self, Access, SLOTS};

/// The SQL pieces of a child table's read.
pub struct ChildSql {
    /// The select list, in `assemble`'s order.
    pub columns: String,
    /// The quoted physical table and its alias.
    pub table: String,
    pub alias: &'static str,
    /// Joined lookups (` LEFT JOIN …`), or empty.
    pub joins: String,
    /// The account column, qualified by the alias.
    pub owner: String,
    /// A further condition on the rows, or empty.
    pub filter: String,
    /// The primary key column, qualified; `None` when the table cannot be read by key.
    pub id: Option<String>,
}

/// How the reader reads one child table.
#[derive(Debug, Clone)]
pub struct ChildQuery {
    /// The chunk's rows through the account index: `owner BETWEEN ? AND ?`.
    pub by_owner: String,
    pub by_key: Option<ByKey>,
}

/// The statements of a read by primary key.
#[derive(Debug, Clone)]
pub struct ByKey {
    /// The ids of the chunk's rows, from the account index alone.
    pub ids: String,
    /// The rows in up to `slots` id ranges.
    pub rows: PerSlots,
}

/// Which way a chunk's table was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// The id lookup found no rows: nothing more was read.
    Nothing,
    ByKey,
    ByOwner,
}

/// How many chunk reads of a child table went each way (`LegacySource::read_paths`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadPaths {
    pub nothing: u64,
    pub by_key: u64,
    pub by_owner: u64,
}

/// [`ReadPaths`] kept by the reading tasks of one source.
#[derive(Debug, Default)]
pub struct PathCounts([AtomicU64; 3]);

impl PathCounts {
    pub fn add(&self, path: Path) {
        let i = match path {
            Path::Nothing => 0,
            Path::ByKey => 1,
            Path::ByOwner => 2,
        };
        self.0[i].fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> ReadPaths {
        let [nothing, by_key, by_owner] = self.0.each_ref().map(|n| n.load(Ordering::Relaxed));
        ReadPaths {
            nothing,
            by_key,
            by_owner,
        }
    }
}

impl ChildQuery {
    pub fn build(sql: ChildSql) -> ChildQuery {
        let ChildSql {
            columns,
            table,
            alias,
            joins,
            owner,
            filter,
            id,
        } = sql;
        let filter = if filter.is_empty() {
            String::new()
        } else {
            format!(" AND {filter}")
        };
        let by_owner = format!(
            "SELECT {columns} FROM {table} {alias}{joins} WHERE {owner} BETWEEN ? AND ?{filter}"
        );
        let by_key = id.map(|id| ByKey {
            ids: format!("SELECT {id} FROM {table} {alias} WHERE {owner} BETWEEN ? AND ?"),
            // FORCE: with the account condition also there, the optimizer would count the
            // ranges' rows of other accounts and pick the account index.
            rows: per_slots(|n| {
                format!(
                    "SELECT {columns} FROM {table} {alias} FORCE INDEX (PRIMARY){joins} \
                     WHERE {owner} BETWEEN ? AND ?{filter} AND {}",
                    within(&id, n)
                )
            }),
        });
        ChildQuery { by_owner, by_key }
    }

    /// The rows of the accounts `lo..=hi`, in the caller's snapshot; `paths` counts the way.
    pub async fn read(
        &self,
        conn: &mut Conn,
        lo: i64,
        hi: i64,
        paths: &PathCounts,
    ) -> Result<Vec<Vec<Value>>, mysql_async::Error> {
        let access = match &self.by_key {
            Some(by_key) => planned_ids(conn, &by_key.ids, (lo, hi)).await?,
            None => Access::ByOwner,
        };
        let ranged = self.by_key.as_ref().map(|k| &k.rows);
        let fallback = (self.by_owner.as_str(), lo, hi);
        read_planned(
            conn,
            access,
            fallback,
            ranged,
            vec![lo.into(), hi.into()],
            paths,
        )
        .await
    }
}

/// `(item id, value)` of the chunk's items' `itemparam` rows named `domain`: through the
/// item index joined per item, or, where `itemparam` is keyed by its id and its items are
/// indexed, as ranges of its id found from ranges of the chunk's item ids. The ranges may
/// bring other chunks' items' rows, which `assemble` drops as it drops any row of an item
/// the chunk does not have.
#[derive(Debug, Clone)]
pub struct DomainQuery {
    pub by_items: String,
    pub by_key: Option<DomainsByKey>,
}

/// The statements of a domain read by primary key.
#[derive(Debug, Clone)]
pub struct DomainsByKey {
    /// The ids of the parameters of items in up to `slots` item-id ranges.
    pub ids: PerSlots,
    /// The domain rows in up to `slots` id ranges.
    pub rows: PerSlots,
}

/// `(slots, statement)` for each of `SLOTS`.
pub type PerSlots = Vec<(usize, String)>;

impl DomainQuery {
    /// `by_items` takes the chunk's account bounds; `item` and `id` are `itemparam`'s
    /// columns, `domain` the condition on its name, all qualified by `alias`.
    pub fn build(
        by_items: String,
        table: &str,
        alias: &str,
        columns: &str,
        keys: Option<(String, String)>,
        domain: &str,
    ) -> DomainQuery {
        let by_key = keys.map(|(item, id)| {
            let ids = per_slots(|n| {
                format!(
                    "SELECT {id} FROM {table} {alias} WHERE {}",
                    within(&item, n)
                )
            });
            let rows = per_slots(|n| {
                format!(
                    "SELECT {columns} FROM {table} {alias} FORCE INDEX (PRIMARY) \
                     WHERE {domain} AND {}",
                    within(&id, n)
                )
            });
            DomainsByKey { ids, rows }
        });
        DomainQuery { by_items, by_key }
    }

    /// The domain rows of the accounts `lo..=hi`, whose items' ids are `items` (`None`
    /// when one is not a whole number); `paths` counts the way.
    pub async fn read(
        &self,
        conn: &mut Conn,
        lo: i64,
        hi: i64,
        items: Option<Vec<i64>>,
        paths: &PathCounts,
    ) -> Result<Vec<Vec<Value>>, mysql_async::Error> {
        let access = match (&self.by_key, items) {
            (Some(by_key), Some(mut items)) => match key_ranges::plan(&mut items) {
                Access::Ranges(item_ranges) => {
                    let (sql, params) = bind(&by_key.ids, Vec::new(), &item_ranges);
                    planned_ids(conn, sql, params).await?
                }
                no_ranges => no_ranges,
            },
            _ => Access::ByOwner,
        };
        let ranged = self.by_key.as_ref().map(|k| &k.rows);
        let fallback = (self.by_items.as_str(), lo, hi);
        read_planned(conn, access, fallback, ranged, Vec::new(), paths).await
    }
}

/// The ids `sql` returns, planned into ranges; an id that is not a whole number cannot
/// bound one.
async fn planned_ids(
    conn: &mut Conn,
    sql: &str,
    params: impl Into<mysql_async::Params> + Send,
) -> Result<Access, mysql_async::Error> {
    let found: Vec<Value> = conn
        .exec_map(sql, params, |mut row: Row| {
            row.take(0).unwrap_or(Value::NULL)
        })
        .await?;
    let ids: Option<Vec<i64>> = found.into_iter().map(int).collect();
    Ok(ids.map_or(Access::ByOwner, |mut ids| key_ranges::plan(&mut ids)))
}

/// Reads what `access` says: nothing, the `fallback` statement with its account bounds, or
/// `ranged`'s statement for the ranges after the parameters `first`; counts the way.
async fn read_planned(
    conn: &mut Conn,
    access: Access,
    (fallback, lo, hi): (&str, i64, i64),
    ranged: Option<&PerSlots>,
    first: Vec<Value>,
    paths: &PathCounts,
) -> Result<Vec<Vec<Value>>, mysql_async::Error> {
    let (found, path) = match (access, ranged) {
        (Access::Nothing, _) => (Vec::new(), Path::Nothing),
        (Access::Ranges(ranges), Some(ranged)) => {
            let (sql, params) = bind(ranged, first, &ranges);
            (rows(conn, sql, params).await?, Path::ByKey)
        }
        _ => (rows(conn, fallback, (lo, hi)).await?, Path::ByOwner),
    };
    paths.add(path);
    Ok(found)
}

/// One statement per slot count, `make` given the count.
fn per_slots(make: impl Fn(usize) -> String) -> PerSlots {
    SLOTS.iter().map(|&n| (n, make(n))).collect()
}

/// `(column BETWEEN ? AND ? OR …)`, `slots` times.
fn within(column: &str, slots: usize) -> String {
    format!(
        "({})",
        vec![format!("{column} BETWEEN ? AND ?"); slots].join(" OR ")
    )
}

/// The statement for `ranges` and its parameters: `first`, then every range, the last one
/// repeated into the unused slots.
fn bind<'q>(
    statements: &'q PerSlots,
    first: Vec<Value>,
    ranges: &[(i64, i64)],
) -> (&'q str, Vec<Value>) {
    let slots = key_ranges::slots_for(ranges.len());
    let (_, sql) = statements
        .iter()
        .find(|(s, _)| *s == slots)
        .expect("a statement for every slot count");
    let last = *ranges.last().expect("at least one range");
    let mut params = first;
    for &(from, to) in ranges.iter().chain(std::iter::repeat(&last)).take(slots) {
        params.extend([from.into(), to.into()]);
    }
    (sql, params)
}

/// Every row of `query`, as the driver's values.
pub(super) async fn rows(
    conn: &mut Conn,
    query: &str,
    params: impl Into<mysql_async::Params> + Send,
) -> Result<Vec<Vec<Value>>, mysql_async::Error> {
    conn.exec_map(query, params, |row: Row| row.unwrap()).await
}
