//! Reading a chunk's child tables as ranges of their primary keys (`legacy::child_read`)
//! gives exactly the accounts the account indexes give: on generated data, whose rows lie
//! in id order, and after their ids are scattered so that some chunks fall back to the
//! account index.

mod common;

use std::collections::HashMap;

use billmigrate::legacy::{LegacyAccount, LegacySource};
use billmigrate::settings::Settings;
use common::{TestDbs, repo};
use mysql_async::prelude::Queryable;

async fn source(dbs: &TestDbs) -> LegacySource {
    let env: HashMap<&str, String> = HashMap::from([
        ("BILLMIGRATE_LEGACY_URL", dbs.legacy_url()),
        ("BILLMIGRATE_TARGET_URL", dbs.target_url()),
        (
            "BILLMIGRATE_MAPPINGS",
            repo().join("mappings").display().to_string(),
        ),
        ("BILLMIGRATE_LEGACY_ALLOW_WRITE_ACCESS", "1".into()),
    ]);
    let settings = Settings::load(None, &|k| env.get(k).cloned()).expect("settings");
    LegacySource::connect(&settings, 3).await.expect("connect")
}

/// Every account, 40 at a time, as `source` reads them.
async fn read_all(source: &LegacySource) -> Vec<LegacyAccount> {
    let mut all = Vec::new();
    for from in (1..=400).step_by(40) {
        all.extend(
            source
                .read_chunk(from, from + 39, usize::MAX)
                .await
                .expect("read"),
        );
    }
    all
}

#[tokio::test]
async fn reads_by_key_give_the_accounts_the_account_index_gives() {
    let dbs = TestDbs::new("keyreads").await;
    common::generate(&dbs, "400", "3");

    let keyed = source(&dbs).await;
    let plain = source(&dbs).await.without_key_reads();
    let want = read_all(&plain).await;
    assert_eq!(want.len(), 400);
    assert!(
        want.iter()
            .any(|a| a.items.iter().any(|i| i.domain.is_some()))
    );
    assert_eq!(read_all(&keyed).await, want, "generated data, in id order");
    let paths = keyed.read_paths();
    assert_eq!(paths.by_owner, 0, "{paths:?}");
    assert!(paths.by_key >= 50, "five tables in ten chunks: {paths:?}");
    assert_eq!(plain.read_paths().by_key, 0);

    // Every third account's users and every second item's parameters far from the rest:
    // too scattered to read by key in every chunk, mixed with those that still are.
    let mut conn = dbs.mysql().await;
    conn.query_drop("UPDATE `user` SET id = id * 1000 + 7 WHERE account % 3 = 0")
        .await
        .unwrap();
    conn.query_drop("UPDATE itemparam SET id = id * 1000 + 7 WHERE item % 2 = 0")
        .await
        .unwrap();
    conn.disconnect().await.unwrap();
    let want = read_all(&plain).await;
    let scattered = source(&dbs).await;
    assert_eq!(read_all(&scattered).await, want, "scattered ids");
    let paths = scattered.read_paths();
    // Every chunk has scattered users; most chunks still read the rest by key.
    assert!(paths.by_owner >= 10 && paths.by_key >= 30, "{paths:?}");
}
