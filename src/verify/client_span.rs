//! Which of the target's clients a chunk's reads name, and how a statement selects their
//! rows. `migrate` reserves a batch's client ids in one run of the sequence, so a chunk's
//! clients are almost always every id between two bounds: then each table is read as one
//! range of its `client_id` index instead of one index descent per client (at 2,000 clients
//! a chunk, a twentieth of the buffer visits: docs/performance.md). Clients migrated in
//! separate runs or by concurrent workers can leave another chunk's ids between them; such
//! a chunk is read by its list of ids, as before. Either way a statement returns exactly the
//! chunk's clients' rows.

use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, Postgres};

/// A chunk's client ids, as the statements bind them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientSpan {
    /// Every id in `first..=last` is one of the chunk's clients, and there are no others.
    Dense { first: i64, last: i64 },
    /// The chunk's clients, where other ids lie between them (or there are none).
    List(Vec<i64>),
}

impl ClientSpan {
    /// The span of distinct client ids (a primary key's values), in any order.
    pub fn of(ids: Vec<i64>) -> Self {
        let (Some(&first), Some(&last)) = (ids.iter().min(), ids.iter().max()) else {
            return ClientSpan::List(ids);
        };
        // Distinct ids fill their bounds exactly when there are as many as the bounds hold.
        match u64::try_from(ids.len()) {
            Ok(n) if last.abs_diff(first) == n - 1 => ClientSpan::Dense { first, last },
            _ => ClientSpan::List(ids),
        }
    }

    /// The condition on `column` (a client id) that selects the chunk's clients, with its
    /// parameters numbered from `$1`.
    fn condition(&self, column: &str) -> String {
        match self {
            ClientSpan::Dense { .. } => format!("{column} BETWEEN $1 AND $2"),
            ClientSpan::List(_) => format!("{column} = ANY($1)"),
        }
    }

    /// The statement `head` followed by the condition on `column`, its parameters bound.
    /// Both parts are the program's own text, never data: the SQL is safe as assembled.
    pub fn select(
        &self,
        head: &'static str,
        column: &'static str,
    ) -> Query<'_, Postgres, PgArguments> {
        let sql = format!("{head} {}", self.condition(column));
        let query = sqlx::query(AssertSqlSafe(sql));
        match self {
            ClientSpan::Dense { first, last } => query.bind(first).bind(last),
            ClientSpan::List(ids) => query.bind(ids),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ClientSpan::{self, Dense, List};

    #[test]
    fn a_span_is_dense_only_when_no_other_id_lies_between_its_bounds() {
        let cases: &[(&[i64], ClientSpan)] = &[
            (&[], List(vec![])),
            (&[7], Dense { first: 7, last: 7 }),
            (&[3, 1, 2], Dense { first: 1, last: 3 }),
            (
                &[10, 11, 12, 13],
                Dense {
                    first: 10,
                    last: 13,
                },
            ),
            // Another chunk's client (2) between this chunk's.
            (&[1, 3], List(vec![1, 3])),
            (&[5, 1, 2, 3], List(vec![5, 1, 2, 3])),
            (&[i64::MIN, i64::MAX], List(vec![i64::MIN, i64::MAX])),
            (
                &[i64::MAX - 1, i64::MAX],
                Dense {
                    first: i64::MAX - 1,
                    last: i64::MAX,
                },
            ),
        ];
        for (ids, want) in cases {
            assert_eq!(&ClientSpan::of(ids.to_vec()), want, "{ids:?}");
        }
    }

    #[test]
    fn the_condition_numbers_the_parameters_it_binds() {
        let dense = Dense { first: 1, last: 9 };
        assert_eq!(
            dense.condition("m.client_id"),
            "m.client_id BETWEEN $1 AND $2"
        );
        assert_eq!(
            List(vec![1, 3]).condition("client_id"),
            "client_id = ANY($1)"
        );
    }
}
