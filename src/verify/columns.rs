//! Decoding the target's rows by column position, with sqlx's type check made once per
//! result instead of once per value. `Row::try_get` builds and compares type descriptions
//! for every value it decodes; over the ~50 million values a 1M-account verify reads, that
//! was a fifth of verify's own CPU in its target reads (docs/performance.md). Every row of a
//! result has the same column types, so checking the first row of each result in full
//! catches the same mismatch (a schema that changed under us) as checking them all.

use sqlx::postgres::PgRow;
use sqlx::{Decode, Postgres, Row, Type};

/// One row's values, by position.
pub struct Columns<'r> {
    row: &'r PgRow,
    /// Whether each value is type-checked (the first row of a result).
    checked: bool,
}

impl<'r> Columns<'r> {
    /// Column `i` as `T`; a NULL, a wrong type (on a checked row) or a value that does not
    /// decode is an error, as with `try_get`.
    pub fn get<T: Decode<'r, Postgres> + Type<Postgres>>(
        &self,
        i: usize,
    ) -> Result<T, sqlx::Error> {
        if self.checked {
            self.row.try_get(i)
        } else {
            self.row.try_get_unchecked(i)
        }
    }
}

/// A row mapper for `Query::try_map`: the first row of the result is decoded with every
/// value type-checked, the rest without the check.
pub fn by_position<O>(
    mut decode: impl FnMut(&Columns<'_>) -> Result<O, sqlx::Error> + Send,
) -> impl FnMut(PgRow) -> Result<O, sqlx::Error> + Send {
    let mut first = true;
    move |row| {
        let checked = std::mem::take(&mut first);
        decode(&Columns { row: &row, checked })
    }
}
