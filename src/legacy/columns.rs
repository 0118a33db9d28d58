//! `legacy_columns.csv` in `mappings.dir`: the operator's own column names. One line per
//! logical field (`field,table,column`, e.g. `user.superuser,user,is_admin`) points it at a
//! differently named column; the file is optional and checked when the legacy database is
//! opened, like the other mapping files: a bad line stops the command (exit 2) naming the
//! file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::fields::{FIELDS, FieldSpec};

/// The file's name inside `mappings.dir`.
pub const FILE: &str = "legacy_columns.csv";

/// A defect in `legacy_columns.csv`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ColumnsFileError {
    pub file: PathBuf,
    pub line: u64,
    pub message: String,
}

/// One operator line: the physical table and column of a logical field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub table: String,
    pub column: String,
    /// Line in the file, for messages.
    pub line: u64,
}

/// Every override, by logical field name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub file: Option<PathBuf>,
    pub by_field: BTreeMap<&'static str, Override>,
}

impl Overrides {
    /// Reads `dir/legacy_columns.csv`; a missing file means no overrides.
    pub fn load(dir: &Path) -> Result<Overrides, ColumnsFileError> {
        let path = dir.join(FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Overrides::parse(&path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Overrides::default()),
            Err(e) => Err(ColumnsFileError {
                file: path,
                line: 0,
                message: format!("cannot read: {e}"),
            }),
        }
    }

    /// Parses the file's text (header `field,table,column`).
    pub fn parse(path: &Path, text: &str) -> Result<Overrides, ColumnsFileError> {
        let fail = |line: u64, message: String| ColumnsFileError {
            file: path.to_owned(),
            line,
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| fail(1, e.to_string()))?
            .iter()
            .map(str::to_owned)
            .collect();
        if header != ["field", "table", "column"] {
            return Err(fail(
                1,
                format!("header {header:?}: expected field,table,column"),
            ));
        }
        let mut out = Overrides {
            file: Some(path.to_owned()),
            by_field: BTreeMap::new(),
        };
        // One physical table per logical table: the reader joins on it.
        let mut tables: BTreeMap<&'static str, (String, u64)> = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                fail(line, e.to_string())
            })?;
            let line = record.position().map_or(0, |p| p.line());
            let [field, table, column] = [0, 1, 2].map(|i| record.get(i).unwrap_or(""));
            let spec: &FieldSpec = FIELDS.iter().find(|f| f.field == field).ok_or_else(|| {
                fail(
                    line,
                    format!(
                        "unknown field {field:?}; `billmigrate check-legacy` lists every field"
                    ),
                )
            })?;
            for (what, name) in [("table", table), ("column", column)] {
                if !is_identifier(name) {
                    return Err(fail(
                        line,
                        format!("{what} {name:?}: expected letters, digits and _ only"),
                    ));
                }
            }
            if let Some((other, at)) = tables.get(spec.table)
                && !other.eq_ignore_ascii_case(table)
            {
                return Err(fail(
                    line,
                    format!(
                        "the {} fields are already read from table {other} (line {at}); \
                         one logical table cannot span two tables",
                        spec.table
                    ),
                ));
            }
            tables.insert(spec.table, (table.to_owned(), line));
            let previous = out.by_field.insert(
                spec.field,
                Override {
                    table: table.to_owned(),
                    column: column.to_owned(),
                    line,
                },
            );
            if let Some(previous) = previous {
                return Err(fail(
                    line,
                    format!("{field} is mapped twice (first on line {})", previous.line),
                ));
            }
        }
        Ok(out)
    }

    /// The physical table a logical table is read from.
    pub fn table_of<'a>(&'a self, logical: &'a str) -> &'a str {
        self.by_field
            .iter()
            .find(|(f, _)| f.split('.').next() == Some(logical))
            .map_or(logical, |(_, o)| o.table.as_str())
    }
}

/// Table and column names the tool will quote into SQL: plain identifiers only.
fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Overrides, ColumnsFileError> {
        Overrides::parse(Path::new("m/legacy_columns.csv"), text)
    }

    #[test]
    fn lines_point_fields_at_other_columns() {
        let o = parse("field,table,column\nuser.superuser,user,is_admin\n# note\n").unwrap();
        assert_eq!(o.by_field["user.superuser"].column, "is_admin");
        assert_eq!(o.table_of("user"), "user");
        assert_eq!(o.table_of("profile"), "profile");
        let o = parse("field,table,column\nuser.email,users,mail\nuser.id,users,id\n").unwrap();
        assert_eq!(o.table_of("user"), "users");
    }

    #[test]
    fn bad_lines_name_the_file_and_line() {
        let cases = [
            ("field,column\n", 1, "header"),
            ("field,table,column\nuser.nope,user,x\n", 2, "unknown field"),
            (
                "field,table,column\nuser.email,user,`x`\n",
                2,
                "letters, digits",
            ),
            (
                "field,table,column\nuser.email,user,\n",
                2,
                "letters, digits",
            ),
            (
                "field,table,column\nuser.email,user,a\nuser.email,user,b\n",
                3,
                "mapped twice",
            ),
            (
                "field,table,column\nuser.email,users,a\nuser.id,user,id\n",
                3,
                "two tables",
            ),
        ];
        for (text, line, needle) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.line, line, "{text:?}: {err}");
            assert!(err.to_string().contains(needle), "{text:?}: {err}");
            assert!(
                err.to_string().starts_with("m/legacy_columns.csv:"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_missing_file_is_no_overrides() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Overrides::load(dir.path()).unwrap(), Overrides::default());
    }
}
