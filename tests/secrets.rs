//! Secrets never leak: every command runs with passwords inside its URLs (and fails on
//! purpose in the ways that print URLs: wrong database, closed port, refused login, SMTP
//! authentication), and no password, no legacy password hash and no link token appears in
//! any output, report, redirect map or row of the target database. The legacy connection is
//! refused when its user can write.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use base64::Engine as _;
use common::smtp::SmtpSink;
use common::{TestDbs, code, drop_mysql_user, mysql_base, pg_base, text};
use mysql_async::prelude::Queryable;

const LEGACY_PW: &str = "Leg4cyPw9d1e";
const TARGET_PW: &str = "T4rgetPw51ac";
const SMTP_PW: &str = "SmtpPw7f3b20";

/// A SELECT-only MariaDB user with [`LEGACY_PW`]; returns (user, URL).
async fn reader_with_password(dbs: &TestDbs) -> (String, String) {
    let user = format!("sec_{}", rand::random::<u32>() % 1_000_000);
    let mut my = mysql_async::Conn::from_url(mysql_base()).await.unwrap();
    for host in ["127.0.0.1", "localhost"] {
        my.query_drop(format!(
            "CREATE USER '{user}'@'{host}' IDENTIFIED BY '{LEGACY_PW}'"
        ))
        .await
        .unwrap();
        my.query_drop(format!(
            "GRANT SELECT ON `{}`.* TO '{user}'@'{host}'",
            dbs.legacy_db_name()
        ))
        .await
        .unwrap();
    }
    my.disconnect().await.unwrap();
    let url = format!(
        "mysql://{user}:{LEGACY_PW}@127.0.0.1:3306/{}",
        dbs.legacy_db_name()
    );
    (user, url)
}

fn every_file(dir: &Path, into: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            every_file(&path, into);
        } else {
            let body = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            into.push((path.display().to_string(), body));
        }
    }
}

fn tokens_in(eml: &str) -> Vec<String> {
    // Quoted-printable may wrap a link and spells `=` as `=3D`; undo both first. Parts that
    // are mostly Cyrillic are base64: decode every run of base64 lines and search that too.
    let mut flat = eml
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let mut run = String::new();
    for line in eml.lines().chain([""]) {
        let line = line.trim_end();
        if !line.is_empty()
            && line
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
        {
            run.push_str(line);
            continue;
        }
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&run) {
            flat.push_str(&String::from_utf8_lossy(&bytes));
        }
        run.clear();
    }
    flat.match_indices("token=")
        .map(|(i, _)| {
            flat[i + 6..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
        })
        .filter(|t| t.len() >= 40)
        .collect()
}

#[tokio::test]
async fn no_password_token_or_legacy_hash_reaches_any_output_report_or_error() {
    let dbs = TestDbs::new("secrets").await;
    dbs.load_fixtures(&["01_simple_account", "06_other_users", "22_partners"])
        .await;
    let (user, legacy_url) = reader_with_password(&dbs).await;
    let base = pg_base();
    let host = base.rsplit('@').next().unwrap();
    let target_url = format!(
        "postgres://postgres:{TARGET_PW}@{host}/{}",
        dbs.target_db_name()
    );
    let work = tempfile::tempdir().unwrap();
    let dir = |name: &str| work.path().join(name).to_str().unwrap().to_owned();
    let mail_dir = work.path().join("mail");
    let file_transport = format!("file:{}", mail_dir.display());
    let sink = SmtpSink::start_with_auth(&format!("mailer:{SMTP_PW}"));
    let smtp_with_password = format!(
        "smtp://mailer:{SMTP_PW}@127.0.0.1:{}?tls=none",
        sink.url()
            .split(':')
            .nth(2)
            .unwrap()
            .split('?')
            .next()
            .unwrap()
    );

    let run = |args: &[&str], overrides: &[(&str, &str)]| -> Output {
        let mut env = vec![
            ("BILLMIGRATE_LEGACY_URL", legacy_url.as_str()),
            ("BILLMIGRATE_TARGET_URL", target_url.as_str()),
            // The reader has SELECT only: nothing to allow.
            ("BILLMIGRATE_LEGACY_ALLOW_WRITE_ACCESS", ""),
            ("BILLMIGRATE_MAIL_TRANSPORT", file_transport.as_str()),
            ("BILLMIGRATE_MAIL_FROM", "billing@hosting.example"),
            (
                "BILLMIGRATE_MAIL_SUPPORT_ADDRESS",
                "support@hosting.example",
            ),
            (
                "BILLMIGRATE_LINKS_NEW_BILLING_URL",
                "https://cabinet.hosting.example",
            ),
            (
                "BILLMIGRATE_LINKS_OLD_BILLING_URL",
                "https://old.hosting.example",
            ),
            ("BILLMIGRATE_CUTOFF", "2023-02-09"),
        ];
        env.extend_from_slice(overrides);
        dbs.billmigrate_env(args, &env)
    };
    let bad_db = legacy_url.replace(dbs.legacy_db_name(), "no_such_db_here");
    let bad_login = legacy_url.replace(LEGACY_PW, &format!("{LEGACY_PW}x"));
    let closed_target = target_url.replace(host, "127.0.0.1:1");
    let nginx = dir("nginx.conf");
    let d_plan = dir("plan");
    let d_verify = dir("verify");
    let d_partners = dir("partners");
    let d_bad_db = dir("bad-db");
    let d_bad_login = dir("bad-login");
    // (arguments, environment overrides, expected exit code)
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, i32);
    let expectations: Vec<Case> = vec![
        (vec!["setup"], vec![], 0),
        (vec!["plan", "--out", &d_plan], vec![], 1),
        (vec!["explain", "2203"], vec![], 0),
        (vec!["migrate"], vec![], 1),
        (vec!["status"], vec![], 1),
        (vec!["--json", "status"], vec![], 1),
        (vec!["verify", "--out", &d_verify], vec![], 0),
        (
            vec![
                "partners",
                "--out",
                &d_partners,
                "--nginx",
                &nginx,
                "--as-of",
                "2023-01-15T12:00:00Z",
            ],
            vec![],
            1,
        ),
        (vec!["send"], vec![], 0),
        (vec!["resend", "--account", "101"], vec![], 0),
        (vec!["send"], vec![], 0),
        // The failures that print URLs and driver messages.
        (
            vec!["plan", "--out", &d_bad_db],
            vec![("BILLMIGRATE_LEGACY_URL", &bad_db)],
            2,
        ),
        (
            vec!["plan", "--out", &d_bad_login],
            vec![("BILLMIGRATE_LEGACY_URL", &bad_login)],
            2,
        ),
        (
            vec!["migrate"],
            vec![("BILLMIGRATE_TARGET_URL", &closed_target)],
            2,
        ),
        (
            vec!["status"],
            vec![("BILLMIGRATE_TARGET_URL", &closed_target)],
            2,
        ),
        (
            vec!["resend", "--account", "2201"],
            vec![("BILLMIGRATE_MAIL_TRANSPORT", &smtp_with_password)],
            0,
        ),
    ];
    let mut haystacks: Vec<(String, String)> = Vec::new();
    for (args, overrides, expected) in &expectations {
        let out = run(args, overrides);
        let label = format!("`billmigrate {}` {overrides:?}", args.join(" "));
        assert!(
            code(&out) == *expected || (*expected != 2 && code(&out) <= 1),
            "{label}: exit {} (expected {expected}): {}",
            code(&out),
            text(&out)
        );
        haystacks.push((label, text(&out)));
    }

    let mut files = Vec::new();
    every_file(work.path(), &mut files);
    let (emails, reports): (Vec<_>, Vec<_>) =
        files.into_iter().partition(|(p, _)| p.ends_with(".eml"));
    assert!(!emails.is_empty(), "the file transport wrote no email");
    assert!(reports.len() >= 8, "expected reports, found {reports:?}");
    let tokens: Vec<String> = emails.iter().flat_map(|(_, b)| tokens_in(b)).collect();
    // Every email with a link (welcomes, invitations, the resend) carries its token.
    assert!(tokens.len() >= 3, "link tokens in {emails:?}");
    haystacks.extend(reports);

    let dump = Command::new("pg_dump")
        .args([
            "--data-only",
            "--no-owner",
            &format!("{}/{}", pg_base(), dbs.target_db_name()),
        ])
        .output()
        .expect("pg_dump (postgresql-client) is needed");
    assert!(dump.status.success(), "{}", text(&dump));
    let dump = String::from_utf8_lossy(&dump.stdout).into_owned();
    assert!(
        dump.contains("owner01@example.com"),
        "the dump holds the migrated data"
    );
    haystacks.push(("target database dump".into(), dump));

    let secrets = [LEGACY_PW, TARGET_PW, SMTP_PW, "LEGACYHASH"];
    for (where_, body) in &haystacks {
        for secret in secrets
            .iter()
            .copied()
            .chain(tokens.iter().map(String::as_str))
        {
            assert!(
                !body.contains(secret),
                "{secret:?} leaked into {where_}:\n{body}"
            );
        }
    }
    for (path, body) in &emails {
        for secret in secrets {
            assert!(!body.contains(secret), "{secret:?} leaked into {path}");
        }
    }
    let received = sink.received();
    assert!(
        !received.is_empty(),
        "the resend through the authenticating SMTP server arrived"
    );
    assert!(!received.iter().any(|m| m.to_string().contains(SMTP_PW)));
    let smtp_tokens: Vec<String> = received
        .iter()
        .flat_map(|m| tokens_in(&m.to_string()))
        .collect();
    for (where_, body) in &haystacks {
        for token in &smtp_tokens {
            assert!(
                !body.contains(token.as_str()),
                "an SMTP link token leaked into {where_}"
            );
        }
    }
    drop(sink);
    drop_mysql_user(&format!("mysql://{user}:x@h/db")).await;
}

#[tokio::test]
async fn a_legacy_user_that_can_write_is_refused_unless_allowed() {
    let dbs = TestDbs::new("writable").await;
    dbs.load_fixture("01_simple_account").await;
    let work = tempfile::tempdir().unwrap();
    let plan_dir = work.path().join("plan");
    let plan = |allow: &str, url: &str| {
        dbs.billmigrate_env(
            &["plan", "--quiet", "--out", plan_dir.to_str().unwrap()],
            &[
                ("BILLMIGRATE_LEGACY_ALLOW_WRITE_ACCESS", allow),
                ("BILLMIGRATE_LEGACY_URL", url),
            ],
        )
    };
    let root = dbs.legacy_url();
    let refused = plan("", &root);
    assert_eq!(code(&refused), 2, "{}", text(&refused));
    let message = text(&refused);
    assert!(
        message.contains("can write")
            && message.contains("INSERT")
            && message.contains("SELECT only"),
        "{message}"
    );
    assert!(!plan_dir.exists(), "a refused run writes no report");

    let allowed = plan("1", &root);
    assert_eq!(code(&allowed), 0, "{}", text(&allowed));
    let warned = String::from_utf8_lossy(&allowed.stderr).into_owned();
    assert!(
        warned.contains("WARNING") && warned.contains("can write"),
        "{warned}"
    );

    let (user, reader) = reader_with_password(&dbs).await;
    let clean = plan("", &reader);
    assert_eq!(code(&clean), 0, "{}", text(&clean));
    assert!(!text(&clean).contains("WARNING"), "{}", text(&clean));
    let bad = plan("maybe", &reader);
    assert_eq!(code(&bad), 2);
    assert!(
        text(&bad).contains("legacy.allow_write_access"),
        "{}",
        text(&bad)
    );
    drop_mysql_user(&format!("mysql://{user}:x@h/db")).await;
}
