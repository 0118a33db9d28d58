//! The legacy schema around a load: database creation, dropping old legacy tables, running
//! sql/legacy/schema.sql and reference.sql before the data, and indexes.sql after it.
//!
//! The SQL files are compiled in (`include_str!`), so the binary works from any directory.

use anyhow::{Context, Result, bail};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder};

pub const SCHEMA_SQL: &str = include_str!("../../sql/legacy/schema.sql");
pub const INDEXES_SQL: &str = include_str!("../../sql/legacy/indexes.sql");
pub const REFERENCE_SQL: &str = include_str!("../../sql/legacy/reference.sql");

/// The legacy tables schema.sql creates, in file order.
pub fn table_names() -> Vec<String> {
    statements(SCHEMA_SQL)
        .iter()
        .filter_map(|s| {
            let rest = s.strip_prefix("CREATE TABLE ")?;
            let name = rest.split_whitespace().next()?;
            Some(name.trim_matches('`').to_string())
        })
        .collect()
}

/// Splits a simple SQL script into statements: `--` comment lines dropped, split at `;` that
/// ends a line. (The repository's legacy scripts have no `;` inside literals at line ends.)
pub fn statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in script.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with("--") {
            continue;
        }
        if !cur.is_empty() {
            cur.push('\n');
        }
        cur.push_str(t);
        if t.ends_with(';') {
            cur.pop();
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// Quotes a MySQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// MySQL error "Unknown database".
const ER_BAD_DB_ERROR: u16 = 1049;

/// Parses the URL and makes sure it names a database; creates that database if missing.
pub async fn prepare_database(url: &str) -> Result<Opts> {
    let opts = Opts::from_url(url).map_err(|e| anyhow::anyhow!("invalid MySQL URL: {e}"))?;
    let Some(db) = opts.db_name().map(str::to_string) else {
        bail!("the MySQL URL names no database (expected mysql://user@host:port/DBNAME)");
    };
    let cannot = || format!("cannot connect to MariaDB/MySQL at {}", redact(url));
    match Conn::new(opts.clone()).await {
        Ok(conn) => {
            conn.disconnect().await.ok();
            return Ok(opts);
        }
        Err(mysql_async::Error::Server(e)) if e.code == ER_BAD_DB_ERROR => {}
        Err(e) => return Err(anyhow::Error::new(e).context(cannot())),
    }
    let server = OptsBuilder::from_opts(opts.clone()).db_name(None::<String>);
    let mut conn = Conn::new(server).await.with_context(cannot)?;
    conn.query_drop(format!(
        "CREATE DATABASE IF NOT EXISTS {} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
        quote_ident(&db)
    ))
    .await
    .with_context(|| format!("cannot create database {db}"))?;
    conn.disconnect().await.ok();
    Ok(opts)
}

/// Session settings for loading: zero dates allowed, checks off, no binary log when allowed.
pub async fn load_session(conn: &mut Conn) -> Result<()> {
    conn.query_drop(
        "SET SESSION sql_mode='', unique_checks=0, foreign_key_checks=0, time_zone='+00:00'",
    )
    .await
    .context("cannot set session options")?;
    // Needs a privilege a plain user may lack; the load works without it.
    let _ = conn.query_drop("SET SESSION sql_log_bin=0").await;
    Ok(())
}

/// Drops the legacy tables, then creates them empty and loads the reference rows.
pub async fn create(conn: &mut Conn) -> Result<()> {
    let drops: Vec<String> = table_names().iter().map(|t| quote_ident(t)).collect();
    conn.query_drop(format!("DROP TABLE IF EXISTS {}", drops.join(", ")))
        .await
        .context("cannot drop the existing legacy tables")?;
    for s in statements(SCHEMA_SQL) {
        conn.query_drop(&s)
            .await
            .with_context(|| format!("schema.sql failed at: {}", first_line(&s)))?;
    }
    for s in statements(REFERENCE_SQL) {
        conn.query_drop(&s)
            .await
            .with_context(|| format!("reference.sql failed at: {}", first_line(&s)))?;
    }
    Ok(())
}

/// The statements of indexes.sql grouped by table (statements on one table run in order on
/// one connection; different tables can be indexed in parallel).
pub fn index_groups() -> Vec<Vec<String>> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for s in statements(INDEXES_SQL) {
        let table = s
            .split_once(" ON ")
            .and_then(|(_, r)| r.split_whitespace().next())
            .map(|t| t.trim_matches('`').to_string())
            .unwrap_or_default();
        match groups.iter_mut().find(|(t, _)| *t == table) {
            Some((_, v)) => v.push(s),
            None => groups.push((table, vec![s])),
        }
    }
    groups.into_iter().map(|(_, v)| v).collect()
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_tables_and_index_groups() {
        let t = table_names();
        assert_eq!(t.len(), 14, "{t:?}");
        assert!(t.contains(&"user".to_string()) && t.contains(&"payment".to_string()));
        let n: usize = index_groups().iter().map(Vec::len).sum();
        assert_eq!(n, statements(INDEXES_SQL).len());
    }

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact("mysql://u:secret@h:3306/db"),
            "mysql://u:***@h:3306/db"
        );
        assert_eq!(redact("mysql://root@h/db"), "mysql://root@h/db");
    }
}
