//! The schema check every legacy command runs before it reads a row: `information_schema`
//! says which columns exist with which types, and every logical field of `fields::FIELDS`
//! resolves to a real `table.column` (the operator's `legacy_columns.csv` first, then the
//! spec's name, then BILLmanager's) or to its documented fallback. A required field that
//! resolves to nothing stops the command with exit 2 naming the column and how to map it —
//! never a raw SQL error in the middle of a run. The reader builds its queries from the
//! result, so the same code reads both known shapes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::columns::Overrides;
use super::fields::{FIELDS, FieldSpec, Kind, Origin};

/// One column as `information_schema.COLUMNS` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbColumn {
    pub table: String,
    pub column: String,
    /// `DATA_TYPE`, lower case: `int`, `varchar`, `enum`, `datetime`, …
    pub data_type: String,
}

/// How a field was resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Under a known name, from this shape.
    Found(Origin),
    /// Under the name the operator gave on this line of `legacy_columns.csv`.
    Mapped(u64),
    /// Not there; read as NULL, which means this.
    Fallback(&'static str),
    /// Not there and needed.
    Missing,
}

/// One logical field and the column it is read from.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub spec: &'static FieldSpec,
    /// The physical table (the logical one unless `legacy_columns.csv` says otherwise).
    pub table: String,
    pub column: Option<String>,
    pub data_type: Option<String>,
    pub status: Status,
    /// What the reader does with this column's type (or why it is missing).
    pub note: Option<String>,
}

/// The shape of a legacy database the tool recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// Every column under legacy-schema.md's names and types.
    Spec,
    /// At least one column under BILLmanager's name or type (docs/decisions.md).
    Billmanager,
}

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::Spec => "spec",
            Shape::Billmanager => "billmanager",
        }
    }
}

/// The resolved legacy schema.
#[derive(Debug, Clone)]
pub struct LegacySchema {
    pub fields: Vec<Resolved>,
    pub shape: Shape,
    pub overrides_file: Option<PathBuf>,
    /// Character set → tables using it (`utf8mb3` is the 3-byte `utf8`).
    pub charsets: BTreeMap<String, Vec<String>>,
    /// Foreign keys the server enforces (the tool only reads, so they change nothing).
    pub foreign_keys: u64,
    /// Each physical table's indexes, as far as the reader plans with them.
    pub keys: BTreeMap<String, TableKeys>,
}

/// A table's primary key and the columns its indexes start with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableKeys {
    pub primary: Vec<String>,
    pub leading: Vec<String>,
}

/// Resolves every field against the database's columns.
pub fn resolve(columns: &[DbColumn], overrides: &Overrides) -> LegacySchema {
    let find = |table: &str, column: &str| {
        columns
            .iter()
            .find(|c| c.table == table && c.column.eq_ignore_ascii_case(column))
            .or_else(|| {
                columns.iter().find(|c| {
                    c.table.eq_ignore_ascii_case(table) && c.column.eq_ignore_ascii_case(column)
                })
            })
    };
    let mut fields: Vec<Resolved> = FIELDS
        .iter()
        .map(|spec| {
            let table = overrides.table_of(spec.table).to_owned();
            let found = |column: &DbColumn, status: Status| Resolved {
                spec,
                table: column.table.clone(),
                column: Some(column.column.clone()),
                data_type: Some(column.data_type.clone()),
                note: type_note(spec.kind, &column.data_type),
                status,
            };
            if let Some(o) = overrides.by_field.get(spec.field) {
                return match find(&o.table, &o.column) {
                    Some(c) => found(c, Status::Mapped(o.line)),
                    None => Resolved {
                        spec,
                        table: o.table.clone(),
                        column: None,
                        data_type: None,
                        status: Status::Missing,
                        note: Some(format!(
                            "{} line {} names {}.{}, which does not exist",
                            super::columns::FILE,
                            o.line,
                            o.table,
                            o.column
                        )),
                    },
                };
            }
            for &(name, origin) in spec.names {
                if let Some(c) = find(&table, name) {
                    return found(c, Status::Found(origin));
                }
            }
            Resolved {
                spec,
                table,
                column: None,
                data_type: None,
                status: spec.fallback.map_or(Status::Missing, Status::Fallback),
                note: None,
            }
        })
        .collect();

    // A country column holding ids needs the country table to turn them into codes.
    let id_countries: Vec<&'static str> = fields
        .iter()
        .filter(|r| r.spec.kind == Kind::Country && r.data_type.as_deref().is_some_and(is_int))
        .map(|r| r.spec.field)
        .collect();
    if !id_countries.is_empty() {
        for r in fields.iter_mut().filter(|r| r.spec.table == "country") {
            if r.column.is_none() {
                r.status = Status::Missing;
                r.note = Some(format!(
                    "needed: {} holds country ids",
                    id_countries.join(", ")
                ));
            }
        }
    }

    let billmanager = !id_countries.is_empty()
        || fields
            .iter()
            .any(|r| r.status == Status::Found(Origin::Billmanager) && r.spec.table != "country");
    LegacySchema {
        fields,
        shape: if billmanager {
            Shape::Billmanager
        } else {
            Shape::Spec
        },
        overrides_file: overrides.file.clone(),
        charsets: BTreeMap::new(),
        foreign_keys: 0,
        keys: BTreeMap::new(),
    }
}

fn is_int(t: &str) -> bool {
    matches!(
        t,
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint"
    )
}

fn is_text(t: &str) -> bool {
    matches!(
        t,
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "enum" | "set"
    )
}

/// What the reader does with a column of this type, when that is worth saying.
fn type_note(kind: Kind, t: &str) -> Option<String> {
    let unexpected = |what: &str| Some(format!("unexpected type {t}: {what}"));
    match kind {
        Kind::Int if is_int(t) => None,
        Kind::Int if is_text(t) || t == "decimal" => {
            Some("read as a number; text that is not a whole number is NULL".into())
        }
        Kind::Int => unexpected("values that are not whole numbers read as NULL"),
        Kind::Text if is_text(t) => None,
        Kind::Text => Some(format!("{t} read as its text")),
        Kind::Flag if is_int(t) => Some("integer flag: 1 is on, anything else off".into()),
        Kind::Flag if is_text(t) => None,
        Kind::Flag => unexpected("every value is off"),
        Kind::Date if matches!(t, "datetime" | "timestamp" | "date") => None,
        Kind::Date if is_text(t) => {
            Some("text date: YYYY-MM-DD[ HH:MM:SS] is read, other text is unknown".into())
        }
        Kind::Date => unexpected("every value is an unknown date"),
        Kind::Money if t == "decimal" || is_int(t) => None,
        Kind::Money if matches!(t, "float" | "double") => Some(
            "binary float: read by its shortest decimal spelling; not whole cents holds the \
             account (unreadable_amount)"
                .into(),
        ),
        Kind::Money => unexpected(
            "read as text; a value that is not whole cents holds the account (unreadable_amount)",
        ),
        Kind::Country if is_int(t) => Some("country ids: read as country.iso2".into()),
        Kind::Country if is_text(t) => None,
        Kind::Country => unexpected("read as its text"),
    }
}

impl LegacySchema {
    /// The resolution of `field` (a name from [`FIELDS`]).
    pub fn get(&self, field: &str) -> &Resolved {
        self.fields
            .iter()
            .find(|r| r.spec.field == field)
            .unwrap_or_else(|| panic!("unknown legacy field {field}"))
    }

    /// The SQL that reads `field` from the table aliased `alias` (`NULL` for a fallback).
    pub fn expr(&self, field: &str, alias: &str) -> String {
        match &self.get(field).column {
            Some(c) => format!("{alias}.{}", quote(c)),
            None => "NULL".into(),
        }
    }

    /// The quoted physical table of a logical table.
    pub fn table(&self, logical: &str) -> String {
        let r = self
            .fields
            .iter()
            .find(|r| r.spec.table == logical && r.column.is_some())
            .or_else(|| self.fields.iter().find(|r| r.spec.table == logical))
            .expect("every logical table has fields");
        quote(&r.table)
    }

    /// Whether `field` was found with an integer type.
    pub fn is_integer(&self, field: &str) -> bool {
        self.get(field).data_type.as_deref().is_some_and(is_int)
    }

    /// Whether `field` exists in the database (found or mapped).
    pub fn has(&self, field: &str) -> bool {
        self.get(field).column.is_some()
    }

    /// Whether a chunk's rows of `id_field`'s table can be read as ranges of its primary
    /// key (`legacy::key_ranges`): `id_field` is an integer column that is the whole
    /// primary key, and an index starts with `owner_field`, so the ids are found in the
    /// index alone.
    pub fn keyed(&self, id_field: &str, owner_field: &str) -> bool {
        let (id, owner) = (self.get(id_field), self.get(owner_field));
        let (Some(id_column), Some(owner_column)) = (&id.column, &owner.column) else {
            return false;
        };
        let Some(keys) = self.keys.get(&id.table) else {
            return false;
        };
        id.table == owner.table
            && self.is_integer(id_field)
            && matches!(keys.primary.as_slice(), [p] if p.eq_ignore_ascii_case(id_column))
            && keys
                .leading
                .iter()
                .any(|c| c.eq_ignore_ascii_case(owner_column))
    }

    /// Fields that are needed and absent.
    pub fn missing(&self) -> Vec<&Resolved> {
        self.fields
            .iter()
            .filter(|r| r.status == Status::Missing)
            .collect()
    }
}

/// Reads the columns, character sets and foreign keys of the connected database.
pub async fn inspect(
    conn: &mut mysql_async::Conn,
    overrides: &Overrides,
) -> Result<LegacySchema, mysql_async::Error> {
    use mysql_async::prelude::*;
    let rows: Vec<(String, String, String)> = conn
        .query(
            "SELECT TABLE_NAME, COLUMN_NAME, LOWER(DATA_TYPE) FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE()",
        )
        .await?;
    let columns: Vec<DbColumn> = rows
        .into_iter()
        .map(|(table, column, data_type)| DbColumn {
            table,
            column,
            data_type,
        })
        .collect();
    let mut schema = resolve(&columns, overrides);
    let tables: Vec<(String, Option<String>)> = conn
        .query(
            "SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE()",
        )
        .await?;
    let read: std::collections::BTreeSet<&str> =
        schema.fields.iter().map(|r| r.table.as_str()).collect();
    for (table, collation) in tables {
        if !read.contains(table.as_str()) {
            continue;
        }
        let charset = collation
            .as_deref()
            .and_then(|c| c.split('_').next())
            .map_or("unknown", |c| if c == "utf8" { "utf8mb3" } else { c })
            .to_owned();
        schema.charsets.entry(charset).or_default().push(table);
    }
    let fks: Option<u64> = conn
        .query_first(
            "SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = DATABASE()",
        )
        .await?;
    schema.foreign_keys = fks.unwrap_or(0);
    let index_columns: Vec<(String, String, u64, String)> = conn
        .query(
            "SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME \
             FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
             ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        )
        .await?;
    for (table, index, seq, column) in index_columns {
        let keys = schema.keys.entry(table).or_default();
        if index == "PRIMARY" {
            keys.primary.push(column);
        } else if seq == 1 {
            keys.leading.push(column);
        }
    }
    Ok(schema)
}

/// A MySQL identifier in backticks (names come from information_schema).
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
