//! The first line an operator reads when a command cannot run: the key or server, the cause
//! once, and what to change (issues #14.4 and #17.5). Each case asserts that exact line, so a
//! message that repeats its cause, loses the server's name or its fix fails here.

mod common;

use std::path::Path;
use std::process::Output;

use common::{code, repo, text};

/// `billmigrate args…` in `dir`, with only the given BILLMIGRATE_ variables set.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_billmigrate"));
    cmd.args(args).current_dir(dir);
    for (name, _) in std::env::vars() {
        if name.starts_with("BILLMIGRATE_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("BILLMIGRATE_MAPPINGS", repo().join("mappings"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run billmigrate")
}

/// The first line of stderr, after checking the command could not run (exit 2) and said so
/// in that one line: no note calling an operator's mistake unexpected.
fn first_line(out: &Output) -> String {
    assert_eq!(code(out), 2, "{}", text(out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr.lines().next().unwrap_or_default().to_owned()
}

fn status_with(env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    first_line(&run_in(dir.path(), &["status"], env))
}

fn explain_with(env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    first_line(&run_in(dir.path(), &["explain", "1"], env))
}

/// The test MariaDB server's URL with `password` set, for the access-denied cases.
fn mysql_url(password: Option<&str>) -> url::Url {
    let mut url = url::Url::parse(&format!("{}/billmgr", common::mysql_base())).unwrap();
    url.set_password(password).unwrap();
    url
}

#[test]
fn a_password_that_breaks_the_url_names_the_key_and_the_fix_once() {
    let line = status_with(&[(
        "BILLMIGRATE_TARGET_URL",
        "postgres://billing:pa#ss@127.0.0.1:5432/billing",
    )]);
    assert_eq!(
        line,
        "error: configuration: target.url: not a URL (invalid port number); if its password contains #, @, / \
         or ?, percent-encode them (%23, %40, %2F, %3F) or move the password to \
         BILLMIGRATE_TARGET_PASSWORD"
    );
    assert!(!line.contains("pa#ss"), "{line}");
}

#[test]
fn a_missing_mappings_folder_says_where_it_was_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        &["explain", "1"],
        &[("BILLMIGRATE_MAPPINGS", "mappings")],
    );
    let cwd = dir.path().canonicalize().unwrap();
    assert_eq!(
        first_line(&out),
        format!(
            "error: mappings: no folder \"mappings\" in the working directory {}; run \
             billmigrate where that folder is, or set mappings.dir in billmigrate.toml or \
             BILLMIGRATE_MAPPINGS to its full path",
            cwd.display()
        )
    );
}

#[test]
fn a_mappings_folder_without_a_file_names_the_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let line = explain_with(&[("BILLMIGRATE_MAPPINGS", dir.path().to_str().unwrap())]);
    assert_eq!(
        line,
        format!(
            "error: mappings: {}/service_types.csv: cannot read (No such file or directory (os error 2)); \
             mappings.dir must hold service_types.csv, tariffs.csv, currency_rates.csv, \
             permissions.csv",
            dir.path().display()
        )
    );
}

#[test]
fn a_wrong_mysql_port_names_host_and_port() {
    let line = explain_with(&[("BILLMIGRATE_LEGACY_URL", "mysql://root@127.0.0.1:9/billmgr")]);
    assert_eq!(
        line,
        "error: legacy database mysql://root@127.0.0.1:9/billmgr: nothing listens on \
         127.0.0.1:9; check the host and port of legacy.url (BILLMIGRATE_LEGACY_URL), or start \
         MariaDB (scripts/services)"
    );
}

#[test]
fn a_wrong_mysql_password_says_it_came_from_the_url() {
    let url = mysql_url(Some("not-the-password"));
    let line = explain_with(&[("BILLMIGRATE_LEGACY_URL", url.as_str())]);
    let (user, host) = (url.username(), url.host_str().unwrap());
    let shown = url.as_str().replace("not-the-password", "***");
    assert_eq!(
        line,
        format!(
            "error: legacy database {shown}: Access denied for user '{user}'@'{host}' (using \
             password: YES); the password came from legacy.url: correct it there or set \
             BILLMIGRATE_LEGACY_PASSWORD"
        )
    );
}

#[test]
fn a_wrong_mysql_password_says_it_came_from_the_environment() {
    let url = mysql_url(None);
    let line = explain_with(&[
        ("BILLMIGRATE_LEGACY_URL", url.as_str()),
        ("BILLMIGRATE_LEGACY_PASSWORD", "not-the-password"),
    ]);
    let (user, host) = (url.username(), url.host_str().unwrap());
    let shown = mysql_url(Some("***")).to_string();
    assert_eq!(
        line,
        format!(
            "error: legacy database {shown}: Access denied for user '{user}'@'{host}' (using \
             password: YES); the password came from BILLMIGRATE_LEGACY_PASSWORD: correct it there"
        )
    );
}

#[test]
fn a_missing_postgres_role_says_how_to_create_it() {
    let base = url::Url::parse(&common::pg_base()).unwrap();
    let (host, port) = (base.host_str().unwrap(), base.port().unwrap_or(5432));
    let target = format!("postgres://nosuchuser@{host}:{port}/billing");
    let line = status_with(&[("BILLMIGRATE_TARGET_URL", &target)]);
    assert_eq!(
        line,
        format!(
            "error: target database {target}: PostgreSQL at {host}:{port} has no role \
             \"nosuchuser\"; use an existing user in target.url, or create it: `createuser -h \
             {host} -p {port} -U postgres nosuchuser`"
        )
    );
}

#[test]
fn a_mistyped_postgres_port_says_nothing_listens_before_suggesting_a_start() {
    let line = status_with(&[(
        "BILLMIGRATE_TARGET_URL",
        "postgres://postgres@127.0.0.1:9/billing",
    )]);
    assert_eq!(
        line,
        "error: target database postgres://postgres@127.0.0.1:9/billing: nothing listens on \
         127.0.0.1:9; check the host and port of target.url (BILLMIGRATE_TARGET_URL); if they \
         are right, start PostgreSQL: `pg_ctlcluster --skip-systemctl-redirect $(ls \
         /etc/postgresql) main start` (or scripts/services)"
    );
}

#[tokio::test]
async fn an_empty_target_database_says_to_run_setup() {
    let dbs = common::TestDbs::new("errnosetup").await;
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        &["status"],
        &[("BILLMIGRATE_TARGET_URL", &dbs.target_url())],
    );
    let line = first_line(&out);
    assert!(
        line.starts_with(
            "error: the target database has no billmigrate schema yet, this tool needs version "
        ) && line.ends_with(": run `billmigrate setup` first"),
        "{line}"
    );
}

#[test]
fn an_unknown_key_names_file_line_and_where_every_key_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("billmigrate.toml"),
        "[legacy]\nurll = \"x\"\n",
    )
    .unwrap();
    let line = first_line(&run_in(dir.path(), &["status"], &[]));
    // The list of known keys grows with the configuration; the rest of the line is exact.
    assert!(
        line.starts_with(
            "error: configuration: billmigrate.toml: line 2: unknown field `urll`, expected one of `url`, "
        ) && line.ends_with("` (billmigrate.example.toml shows every key)")
            && line.matches("urll").count() == 1,
        "{line}"
    );
}

#[test]
fn a_value_that_is_no_url_at_all_shows_what_one_looks_like() {
    let line = status_with(&[("BILLMIGRATE_LEGACY_URL", "billmgr")]);
    assert_eq!(
        line,
        "error: configuration: legacy.url: not a URL (relative URL without a base); write it like \
         mysql://user@host/name"
    );
}
