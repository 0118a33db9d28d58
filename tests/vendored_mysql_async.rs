//! The vendored mysql_async's one change (vendor/README.md): a packet counts as an OK or
//! ERR packet by its header byte before it is parsed as one. What a reader sees must not
//! change: a result set ends where the server ends it, the connection stays usable after
//! it, and an error the server sends after some rows of a result set comes out as that
//! error — in the binary protocol every legacy read uses and in the text protocol.

mod common;

use common::TestDbs;
use mysql_async::prelude::Queryable;
use mysql_async::{Error, Row};

/// Rows 1 and 2 go out, then row 3 overflows: the server sends an ERR packet mid-result.
const FAILS_AT_THE_THIRD_ROW: &str =
    "SELECT seq, IF(seq = 3, 18446744073709551615 + seq, seq) AS v FROM seq_1_to_5";

fn server_code(e: &Error) -> Option<u16> {
    match e {
        Error::Server(s) => Some(s.code),
        _ => None,
    }
}

#[tokio::test]
async fn result_sets_end_where_the_server_ends_them_and_errors_mid_result_are_the_servers() {
    let dbs = TestDbs::new("vendormysql").await;
    // A packet taken for the wrong kind leaves the client waiting for rows that never
    // come: fail, don't hang.
    tokio::time::timeout(std::time::Duration::from_secs(30), reads(&dbs))
        .await
        .expect("a read hung: a packet was taken for the wrong kind");
}

async fn reads(dbs: &TestDbs) {
    let mut conn = dbs.mysql().await;

    // Binary protocol (prepared statements), as `LegacySource` reads.
    let rows: Vec<(i64, i64)> = conn
        .exec("SELECT seq, seq * 10 FROM seq_1_to_5 WHERE seq > ?", (0,))
        .await
        .unwrap();
    assert_eq!(rows, [(1, 10), (2, 20), (3, 30), (4, 40), (5, 50)]);
    let empty: Vec<Row> = conn
        .exec("SELECT seq FROM seq_1_to_5 WHERE seq > ?", (9,))
        .await
        .unwrap();
    assert!(empty.is_empty());
    let err = conn
        .exec::<Row, _, _>(FAILS_AT_THE_THIRD_ROW, ())
        .await
        .expect_err("row 3 overflows");
    assert_eq!(server_code(&err), Some(1690), "{err:?}");
    // The connection is still in step with the server after the error.
    let after: Option<i64> = conn.exec_first("SELECT ? + 1", (41,)).await.unwrap();
    assert_eq!(after, Some(42));

    // Text protocol.
    let rows: Vec<i64> = conn.query("SELECT seq FROM seq_1_to_3").await.unwrap();
    assert_eq!(rows, [1, 2, 3]);
    let err = conn
        .query::<Row, _>(FAILS_AT_THE_THIRD_ROW)
        .await
        .expect_err("row 3 overflows");
    assert_eq!(server_code(&err), Some(1690), "{err:?}");
    let after: Option<i64> = conn.query_first("SELECT 42").await.unwrap();
    assert_eq!(after, Some(42));
    conn.disconnect().await.unwrap();
}
