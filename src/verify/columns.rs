//! Decoding the target's rows by column position, with the type check made once per
//! result instead of once per value. `Row::try_get` builds and compares type descriptions
//! for every value it decodes; over the ~50 million values a 1M-account verify reads, that
//! was a fifth of verify's own CPU in its target reads (docs/performance.md). Every row of a
//! result has the same columns, so the first row checks each column's declared type
//! against the Rust type it is read as — from the result's column description, so a NULL in
//! the first row does not leave its column unchecked (sqlx's own check skips NULL values).

use sqlx::postgres::PgRow;
use sqlx::{Column, Decode, Postgres, Row, Type};

/// One row's values, by position.
pub struct Columns<'r> {
    row: &'r PgRow,
    /// Whether each column's type is checked (the first row of a result).
    checked: bool,
}

impl<'r> Columns<'r> {
    /// Column `i` as `T`; a column of another type (checked on a result's first row), a
    /// NULL where `T` is no `Option`, or a value that does not decode is an error.
    pub fn get<T: Decode<'r, Postgres> + Type<Postgres>>(
        &self,
        i: usize,
    ) -> Result<T, sqlx::Error> {
        if self.checked {
            let declared = self.row.try_column(i)?.type_info();
            if !T::compatible(declared) {
                return Err(sqlx::Error::ColumnDecode {
                    index: i.to_string(),
                    source: sqlx::error::mismatched_types::<Postgres, T>(declared),
                });
            }
        }
        self.row.try_get_unchecked(i)
    }
}

/// A row mapper for `Query::try_map`: the first row of the result checks every column's
/// type, the rest are decoded without the check.
pub fn by_position<O>(
    mut decode: impl FnMut(&Columns<'_>) -> Result<O, sqlx::Error> + Send,
) -> impl FnMut(PgRow) -> Result<O, sqlx::Error> + Send {
    let mut first = true;
    move |row| {
        let checked = std::mem::take(&mut first);
        decode(&Columns { row: &row, checked })
    }
}
