//! `send` and `resend` against a real SMTP server (aiosmtpd): every kind in every language,
//! tokens whose hashes are what the database keeps, exactly-once delivery, retries on 4xx and
//! dropped connections, failures on 5xx, the `uncertain` window after a SIGKILL, a database
//! connection lost after the server accepted, resent links that kill the old ones, and the
//! file transport's permissions.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::smtp::SmtpSink;
use common::{TestDbs, code, text};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn account(id: i64, owner_email: &str, lang: &str, invitee: Option<(&str, &str)>) -> String {
    let mut sql = format!(
        "INSERT INTO account (id, name, registration_date, project) VALUES ({id}, 'Клієнт {id} & Co', '2015-01-01 00:00:00', 1);
         INSERT INTO `user` (id, account, level, name, email, realname, language, enabled, superuser, createdate, password)
           VALUES ({id}1, {id}, 16, 'owner{id}', '{owner_email}', 'Власник {id}', '{lang}', 'on', 'on', '2015-01-01 00:00:00', 'LEGACYHASH');
         INSERT INTO subaccount (id, account, currency, balance) VALUES ({id}, {id}, 1, 10.00);\n"
    );
    if let Some((email, l)) = invitee {
        sql.push_str(&format!(
            "INSERT INTO `user` (id, account, level, name, email, language, enabled, superuser, createdate, password)
               VALUES ({id}2, {id}, 16, 'inv{id}', '{email}', '{l}', 'on', 'off', '2016-01-01 00:00:00', 'LEGACYHASH');\n"
        ));
    }
    sql
}

async fn dataset(tag: &str, accounts: &[String]) -> TestDbs {
    let dbs = TestDbs::new(tag).await;
    dbs.load_legacy_schema().await;
    dbs.load_legacy_sql(&accounts.join("\n")).await;
    assert_eq!(code(&dbs.billmigrate(&["setup"])), 0);
    dbs
}

fn mail_env(transport: &str) -> Vec<(&'static str, String)> {
    vec![
        ("BILLMIGRATE_MAIL_TRANSPORT", transport.to_owned()),
        (
            "BILLMIGRATE_MAIL_FROM",
            "Білінг Хостинг <billing@hosting.example>".to_owned(),
        ),
        (
            "BILLMIGRATE_MAIL_REPLY_TO",
            "support@hosting.example".to_owned(),
        ),
        (
            "BILLMIGRATE_MAIL_SUPPORT_ADDRESS",
            "support@hosting.example".to_owned(),
        ),
        (
            "BILLMIGRATE_LINKS_NEW_BILLING_URL",
            "https://cabinet.hosting.example".to_owned(),
        ),
        (
            "BILLMIGRATE_LINKS_OLD_BILLING_URL",
            "https://old.hosting.example/billmgr".to_owned(),
        ),
        ("BILLMIGRATE_CUTOFF", "2023-02-09".to_owned()),
    ]
}

fn send(dbs: &TestDbs, transport: &str, args: &[&str]) -> std::process::Output {
    let env = mail_env(transport);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut all = vec!["send", "--quiet"];
    all.extend_from_slice(args);
    dbs.billmigrate_env(&all, &env)
}

/// `send --quiet args…` started in the background, its output captured.
fn spawn_send(dbs: &TestDbs, transport: &str, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_billmigrate"))
        .args(["send", "--quiet"])
        .args(args)
        .env("BILLMIGRATE_TARGET_URL", dbs.target_url())
        .envs(mail_env(transport))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn token_of(text: &str) -> String {
    let start = text.find("token=").expect("a link with a token") + "token=".len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

fn sha256(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn scalar_text(dbs: &TestDbs, sql: &str, bind: &str) -> Option<String> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bind)
        .fetch_optional(&mut dbs.pg().await)
        .await
        .unwrap()
        .flatten()
}

#[tokio::test]
async fn every_kind_in_every_language_is_delivered_once_with_working_tokens() {
    let langs = [("uk", 9101), ("ru", 9102), ("en", 9103)];
    let mut accounts: Vec<String> = langs
        .iter()
        .map(|(l, id)| {
            account(
                *id,
                &format!("owner-{l}@client.example"),
                l,
                Some((&format!("invitee-{l}@client.example"), l)),
            )
        })
        .collect();
    // Second accounts of the same owners, migrated after their welcome went out.
    accounts.extend(
        langs
            .iter()
            .map(|(l, id)| account(id + 10, &format!("OWNER-{l}@client.example"), l, None)),
    );
    let dbs = dataset("sendall", &accounts).await;
    assert!(code(&dbs.billmigrate(&["migrate", "--quiet", "--accounts", "9101-9103"])) <= 1);
    let sink = SmtpSink::start(json!({}));
    let out = send(&dbs, &sink.url(), &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(code(&dbs.billmigrate(&["migrate", "--quiet"])) <= 1);
    let out = send(&dbs, &sink.url(), &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));

    let got = sink.received();
    assert_eq!(
        got.len(),
        9,
        "3 welcomes, 3 invitations, 3 'account added': {got:#?}"
    );
    let mut tokens = Vec::new();
    for m in &got {
        assert_eq!(m["content_type"], "multipart/alternative");
        assert!(m["text"].is_string() && m["html"].is_string(), "{m}");
        assert_eq!(m["from"], "Білінг Хостинг <billing@hosting.example>");
        assert_eq!(m["reply_to"], "support@hosting.example");
        assert!(
            m["message_id"]
                .as_str()
                .unwrap()
                .ends_with("@hosting.example>")
                && !m["date"].as_str().unwrap().is_empty()
        );
        let to = m["rcpt"][0].as_str().unwrap();
        let lang = ["uk", "ru", "en"]
            .into_iter()
            .find(|l| to.contains(&format!("-{l}@")))
            .unwrap();
        let subject = m["subject"].as_str().unwrap();
        let text = m["text"].as_str().unwrap();
        let expect_subject = match (to.starts_with("owner"), text.contains("token="), lang) {
            (true, true, "uk") => "Ваш кабінет клієнта переїхав у новий білінг",
            (true, true, "ru") => "Ваш кабинет клиента переехал в новый биллинг",
            (true, true, _) => "Your client account has moved to the new billing",
            (true, false, "uk") => "До вашого кабінету додано ще один обліковий запис",
            (true, false, "ru") => "В ваш кабинет добавлена ещё одна учётная запись",
            (true, false, _) => "Another account was added to your client area",
            (false, _, "uk") => "Запрошення до кабінету клієнта «Клієнт",
            (false, _, "ru") => "Приглашение в кабинет клиента «Клієнт",
            (false, _, _) => "Invitation to the client area of \"Клієнт",
        };
        assert!(subject.starts_with(expect_subject), "{to}: {subject}");
        if to.starts_with("owner") && text.contains("token=") {
            let cutoff = match lang {
                "uk" => "9 лютого 2023 р.",
                "ru" => "9 февраля 2023 г.",
                _ => "9 February 2023",
            };
            assert!(
                text.contains(cutoff)
                    && text.contains("https://old.hosting.example/billmgr")
                    && text.contains("support@hosting.example"),
                "{text}"
            );
            let token = token_of(text);
            assert_eq!(token.len(), 43);
            let stored = scalar_text(&dbs, "SELECT token_hash FROM billing.password_tokens t JOIN billing.users u ON u.id = t.user_id WHERE u.email = $1 AND t.revoked_at IS NULL", to).await;
            assert_eq!(stored, Some(sha256(&token)), "{to}");
            tokens.push(token);
        } else if to.starts_with("invitee") {
            let token = token_of(text);
            let stored = scalar_text(
                &dbs,
                "SELECT token_hash FROM billing.invitations WHERE email = $1",
                to,
            )
            .await;
            assert_eq!(stored, Some(sha256(&token)), "{to}");
            let words = match lang {
                "uk" => "переглядати та сплачувати рахунки",
                "ru" => "просматривать и оплачивать счета",
                _ => "view and pay invoices",
            };
            assert!(text.contains(words), "{text}");
            tokens.push(token);
        } else {
            assert!(!text.contains("token="), "'account added' carries no link");
        }
    }
    // A third send sends nothing; tokens appear nowhere in the database or the output.
    let out = send(&dbs, &sink.url(), &[]);
    assert!(text(&out).contains("sent 0"), "{}", text(&out));
    assert_eq!(sink.received().len(), 9);
    let dump = common::snapshot::snapshot(&mut dbs.pg().await).await;
    let errors: Vec<Option<String>> = sqlx::query_scalar("SELECT last_error FROM migration.outbox")
        .fetch_all(&mut dbs.pg().await)
        .await
        .unwrap();
    for t in &tokens {
        assert!(!dump.contains(t.as_str()) && !text(&out).contains(t.as_str()));
        assert!(errors.iter().flatten().all(|e| !e.contains(t.as_str())));
    }
}

#[tokio::test]
async fn smtp_faults_retry_fail_and_recover() {
    let accounts = vec![
        account(
            9201,
            "owner-a@client.example",
            "en",
            Some(("busy@client.example", "en")),
        ),
        account(
            9202,
            "owner-b@client.example",
            "en",
            Some(("gone@client.example", "en")),
        ),
        account(
            9203,
            "owner-c@client.example",
            "en",
            Some(("flaky@client.example", "en")),
        ),
    ];
    let dbs = dataset("sendfault", &accounts).await;
    assert!(code(&dbs.billmigrate(&["migrate", "--quiet"])) <= 1);
    let sink = SmtpSink::start(
        json!({"busy@client.example": ["451"], "gone@client.example": ["550"], "flaky@client.example": ["drop"]}),
    );
    let out = send(&dbs, &sink.url(), &[]);
    assert_eq!(
        code(&out),
        1,
        "a failed email needs a person: {}",
        text(&out)
    );
    let rows: Vec<(String, String, i32, Option<String>)> = sqlx::query_as(
        "SELECT to_email, status, attempts, last_error FROM migration.outbox ORDER BY to_email",
    )
    .fetch_all(&mut dbs.pg().await)
    .await
    .unwrap();
    let row = |e: &str| rows.iter().find(|r| r.0 == e).unwrap().clone();
    assert_eq!(
        (
            row("busy@client.example").1.as_str(),
            row("busy@client.example").2
        ),
        ("sent", 2),
        "451 then 250: retried"
    );
    assert_eq!(
        (
            row("flaky@client.example").1.as_str(),
            row("flaky@client.example").2
        ),
        ("sent", 2),
        "dropped mid-DATA: retried"
    );
    let gone = row("gone@client.example");
    assert_eq!(gone.1, "failed");
    assert!(
        gone.3.unwrap().contains("mailbox unavailable"),
        "the server's reply is recorded"
    );
    let delivered: Vec<String> = sink
        .received()
        .iter()
        .map(|m| m["rcpt"][0].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(delivered.len(), 5, "{delivered:?}");
    assert!(!delivered.contains(&"gone@client.example".to_owned()));
}

#[tokio::test]
async fn a_send_killed_mid_flight_leaves_uncertain_rows_that_are_never_sent_twice() {
    let accounts: Vec<String> = (0..6)
        .map(|i| account(9301 + i, &format!("slow{i}@client.example"), "uk", None))
        .collect();
    let dbs = dataset("sendkill", &accounts).await;
    assert!(code(&dbs.billmigrate(&["migrate", "--quiet"])) <= 1);
    let faults: Value = (0..6)
        .map(|i| (format!("slow{i}@client.example"), json!(["slow"])))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let sink = SmtpSink::start(faults);
    let mut child = spawn_send(&dbs, &sink.url(), &["--connections", "2"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while sink.received().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // The server has accepted some and holds others in their slow DATA: kill now.
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let before = sink.received().len();
    let out = send(&dbs, &sink.url(), &[]);
    assert_eq!(
        code(&out),
        1,
        "uncertain emails need a person: {}",
        text(&out)
    );
    let uncertain: i64 =
        sqlx::query_scalar("SELECT count(*) FROM migration.outbox WHERE status = 'uncertain'")
            .fetch_one(&mut dbs.pg().await)
            .await
            .unwrap();
    assert!(uncertain >= 1, "{}", text(&out));
    let mut per_rcpt = std::collections::HashMap::new();
    for m in sink.received() {
        *per_rcpt
            .entry(m["rcpt"][0].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    assert!(
        per_rcpt.values().all(|n| *n == 1),
        "nothing delivered twice: {per_rcpt:?}"
    );
    // Every row that is not uncertain was delivered exactly once; an uncertain one may or may
    // not have reached the server before the kill, and was not sent again.
    let delivered = sink.received().len() as i64;
    assert!(
        delivered >= 6 - uncertain && delivered <= 6,
        "delivered {delivered}, uncertain {uncertain}, before {before}"
    );
    let out = send(&dbs, &sink.url(), &["--resend-uncertain"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let statuses: Vec<String> = sqlx::query_scalar("SELECT DISTINCT status FROM migration.outbox")
        .fetch_all(&mut dbs.pg().await)
        .await
        .unwrap();
    assert_eq!(statuses, ["sent"]);
}

#[tokio::test]
async fn a_database_connection_lost_after_the_server_accepted_is_recorded_again() {
    // One slow second each: the time the test has to hold the claimed rows.
    const WELCOMES: i64 = 5;
    let accounts: Vec<String> = (0..WELCOMES)
        .map(|i| account(9401 + i, &format!("mark{i}@client.example"), "uk", None))
        .collect();
    let dbs = dataset("sendmarkkill", &accounts).await;
    assert!(code(&dbs.billmigrate(&["migrate", "--quiet"])) <= 1);
    let faults: Value = (0..WELCOMES)
        .map(|i| (format!("mark{i}@client.example"), json!(["slow"])))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let sink = SmtpSink::start(faults);
    let child = spawn_send(&dbs, &sink.url(), &["--connections", "1"]);
    // The rows are committed as `sending` before the server is contacted; held from then on
    // the way recording them as sent needs, while the slow server takes them.
    let (locked, killed) = common::faults::kill_the_waiter_on_rows(
        &dbs,
        "SELECT 1 FROM migration.outbox WHERE status = 'sending' FOR NO KEY UPDATE",
        WELCOMES as u64,
        "WITH sent AS (UPDATE migration.outbox SET status = 'sent'%",
    )
    .await;
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        locked, WELCOMES as u64,
        "the welcomes were never claimed together"
    );
    assert_eq!(
        killed, 1,
        "recording the sent emails never waited on the held rows"
    );
    assert_eq!(
        code(&out),
        0,
        "delivered emails must be recorded as sent after a lost connection: {}",
        text(&out)
    );
    let statuses: Vec<String> = sqlx::query_scalar("SELECT DISTINCT status FROM migration.outbox")
        .fetch_all(&mut dbs.pg().await)
        .await
        .unwrap();
    assert_eq!(statuses, ["sent"], "none left sending or uncertain");
    let mut rcpts: Vec<String> = sink
        .received()
        .iter()
        .map(|m| m["rcpt"][0].as_str().unwrap().to_owned())
        .collect();
    rcpts.sort();
    let want: Vec<String> = (0..WELCOMES)
        .map(|i| format!("mark{i}@client.example"))
        .collect();
    assert_eq!(rcpts, want, "each delivered once");
}

#[tokio::test]
async fn resend_revokes_the_old_link_and_sends_a_new_one() {
    let dbs = dataset(
        "resend",
        &[account(
            9401,
            "owner@client.example",
            "ru",
            Some(("helper@client.example", "en")),
        )],
    )
    .await;
    assert!(code(&dbs.billmigrate(&["migrate", "--quiet"])) <= 1);
    let sink = SmtpSink::start(json!({}));
    assert_eq!(code(&send(&dbs, &sink.url(), &[])), 0);
    let old: Vec<String> = sink
        .received()
        .iter()
        .map(|m| token_of(m["text"].as_str().unwrap()))
        .collect();
    let env = mail_env(&sink.url());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = dbs.billmigrate_env(&["resend", "--account", "9401"], &env);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("revoked 2 live link(s)"),
        "{}",
        text(&out)
    );
    let got = sink.received();
    assert_eq!(got.len(), 4);
    let mut pg = dbs.pg().await;
    for (old_token, m) in old.iter().zip(&got[2..]) {
        let new_token = token_of(m["text"].as_str().unwrap());
        assert_ne!(&new_token, old_token);
        let live: Vec<String> = sqlx::query_scalar(
            "SELECT token_hash FROM billing.password_tokens WHERE revoked_at IS NULL UNION ALL SELECT token_hash FROM billing.invitations WHERE token_hash IS NOT NULL",
        )
        .fetch_all(&mut pg)
        .await
        .unwrap();
        assert!(live.contains(&sha256(&new_token)), "the new link works");
        assert!(
            !live.contains(&sha256(old_token)),
            "the old link stopped working"
        );
    }
    let out = dbs.billmigrate_env(&["resend", "--email", "nobody@client.example"], &env);
    assert_eq!(code(&out), 2, "{}", text(&out));
}

#[tokio::test]
async fn file_transport_writes_private_eml_files() {
    use std::os::unix::fs::PermissionsExt;
    let dbs = dataset(
        "sendfile",
        &[account(
            9501,
            "owner@client.example",
            "uk",
            Some(("x@client.example", "uk")),
        )],
    )
    .await;
    assert!(code(&dbs.billmigrate(&["migrate", "--quiet"])) <= 1);
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("outbox-mail");
    let out = send(&dbs, &format!("file:{}", mail.display()), &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(
        std::fs::metadata(&mail).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let files: Vec<_> = std::fs::read_dir(&mail)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2);
    for f in files {
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600,
            "{}",
            f.display()
        );
        let body = std::fs::read_to_string(&f).unwrap();
        assert!(
            body.contains("Content-Type: multipart/alternative"),
            "{body}"
        );
    }
}

/// What a run left behind: (rows not pending or attempted, password tokens, invitation
/// hashes). A run stopped by a configuration error must leave (0, 0, 0).
async fn touched(dbs: &TestDbs) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM migration.outbox WHERE status <> 'pending' OR attempts > 0 OR last_error IS NOT NULL),
                (SELECT count(*) FROM billing.password_tokens),
                (SELECT count(*) FROM billing.invitations WHERE token_hash IS NOT NULL)",
    )
    .fetch_one(&mut dbs.pg().await)
    .await
    .unwrap()
}

/// #14.2: a server without STARTTLS, refused credentials, a TLS handshake that fails or a
/// port where nothing listens stop `send` at once with exit 2 and what to change — before
/// any email is claimed or any token made; `resend` does not revoke the live link either.
#[tokio::test]
async fn a_misconfigured_mail_server_stops_send_before_any_email_is_claimed() {
    let dbs = dataset(
        "sendcfg",
        &[account(
            9501,
            "tls@client.example",
            "uk",
            Some(("helper@client.example", "en")),
        )],
    )
    .await;
    assert!(code(&dbs.billmigrate(&["migrate", "--quiet"])) <= 1);
    let plain = SmtpSink::start(json!({}));
    let auth = SmtpSink::start_with_auth("mailer:right-password");
    let nobody = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cases = [
        // The sink offers no STARTTLS: a URL that does not opt out must not send in clear.
        (
            format!("smtp://127.0.0.1:{}", plain.port),
            "does not offer STARTTLS",
            "?tls=none",
        ),
        (
            format!("smtp://mailer:Wr0ngPw9@127.0.0.1:{}?tls=none", auth.port),
            "refused the credentials",
            "BILLMIGRATE_SMTP_PASSWORD",
        ),
        (
            format!("smtp://127.0.0.1:{}?tls=none", auth.port),
            "wants authentication",
            "smtp://USER@",
        ),
        (
            format!("smtps://127.0.0.1:{}", plain.port),
            "TLS handshake",
            "smtp://127.0.0.1",
        ),
        (
            format!("smtp://127.0.0.1:{nobody}?tls=none"),
            "nothing answers",
            "the port",
        ),
    ];
    for (url, cause, fix) in &cases {
        let started = Instant::now();
        let out = send(&dbs, url, &[]);
        assert_eq!(code(&out), 2, "{url}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: configuration: mail.transport: ")
                && first.contains(cause)
                && first.contains(fix),
            "{url}: {stderr}"
        );
        assert!(!stderr.contains("Wr0ngPw9"), "no password shown: {stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{url}: at once"
        );
        assert_eq!(
            touched(&dbs).await,
            (0, 0, 0),
            "{url}: nothing claimed, no token"
        );
    }
    // resend checks the server before it revokes anything.
    let env = mail_env(&cases[0].0);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = dbs.billmigrate_env(&["resend", "--account", "9501"], &env);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let resends: i64 =
        sqlx::query_scalar("SELECT count(*) FROM migration.outbox WHERE resend_of IS NOT NULL")
            .fetch_one(&mut dbs.pg().await)
            .await
            .unwrap();
    assert_eq!(resends, 0, "nothing queued by a resend that could not send");
    assert!(plain.received().is_empty() && auth.received().is_empty());
    // Fixed: the right credentials, and the relay that cannot do TLS said so.
    let out = send(
        &dbs,
        &format!(
            "smtp://mailer:right-password@127.0.0.1:{}?tls=none",
            auth.port
        ),
        &[],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(auth.received().len(), 2);
}

/// The hashes of the links that still work for `email` (owner tokens and invitations).
async fn live_tokens(dbs: &TestDbs, email: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT t.token_hash FROM billing.password_tokens t JOIN billing.users u ON u.id = t.user_id
         WHERE u.email = $1 AND t.revoked_at IS NULL AND t.used_at IS NULL
         UNION ALL SELECT token_hash FROM billing.invitations WHERE email = $1 AND token_hash IS NOT NULL",
    )
    .bind(email)
    .fetch_all(&mut dbs.pg().await)
    .await
    .unwrap()
}

/// #14.3 and #14.8: an email that needs several attempts has one live token at the end (the
/// one in the email that arrived), an email that failed for good has none, and the progress
/// count is of emails — it never passes its total; retries are shown apart.
#[tokio::test]
async fn one_live_token_per_email_whatever_the_attempts() {
    let dbs = dataset(
        "sendtokens",
        &[
            account(
                9601,
                "owner-retry@client.example",
                "uk",
                Some(("invitee-retry@client.example", "en")),
            ),
            account(
                9602,
                "owner-gone@client.example",
                "ru",
                Some(("invitee-gone@client.example", "ru")),
            ),
        ],
    )
    .await;
    assert!(code(&dbs.billmigrate(&["migrate", "--quiet"])) <= 1);
    let sink = SmtpSink::start(json!({
        "owner-retry@client.example": ["451", "451"],
        "invitee-retry@client.example": ["451", "drop"],
        "owner-gone@client.example": ["550"],
        "invitee-gone@client.example": ["451", "550"],
    }));
    // Not --quiet and not a terminal: plain progress lines on stderr.
    let env = mail_env(&sink.url());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = dbs.billmigrate_env(&["send"], &env);
    assert_eq!(code(&out), 1, "two emails failed for good: {}", text(&out));
    let mut pg = dbs.pg().await;
    let attempts: Vec<(String, String, i32)> =
        sqlx::query_as("SELECT to_email, status, attempts FROM migration.outbox ORDER BY to_email")
            .fetch_all(&mut pg)
            .await
            .unwrap();
    assert_eq!(
        attempts,
        [
            ("invitee-gone@client.example".into(), "failed".into(), 2),
            ("invitee-retry@client.example".into(), "sent".into(), 3),
            ("owner-gone@client.example".into(), "failed".into(), 1),
            ("owner-retry@client.example".into(), "sent".into(), 3),
        ]
    );
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM billing.password_tokens t JOIN billing.users u ON u.id = t.user_id WHERE u.email = 'owner-retry@client.example'")
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(rows, 3, "one token per attempt, two of them revoked");
    for m in sink.received() {
        let to = m["rcpt"][0].as_str().unwrap();
        let token = token_of(m["text"].as_str().unwrap());
        assert_eq!(
            live_tokens(&dbs, to).await,
            [sha256(&token)],
            "{to}: only the delivered link works"
        );
    }
    assert_eq!(sink.received().len(), 2);
    for gone in ["owner-gone@client.example", "invitee-gone@client.example"] {
        assert!(
            live_tokens(&dbs, gone).await.is_empty(),
            "{gone}: a failed email leaves no live link"
        );
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut lines = 0;
    for line in stderr.lines().filter(|l| l.starts_with("send: ")) {
        let counts = line["send: ".len()..].split(' ').next().unwrap();
        let (done, total) = counts.split_once('/').unwrap();
        let (done, total): (u64, u64) = (done.parse().unwrap(), total.parse().unwrap());
        assert!(done <= total && total == 4, "{line}");
        assert!(line.contains("attempts to retry"), "{line}");
        lines += 1;
    }
    assert!(lines >= 1, "the run takes over 5 s of backoff: {stderr}");
}

/// A valid Cyrillic address to a server without SMTPUTF8: lettre will not hand it over, and
/// retrying cannot change that — `failed` at the first attempt, its link taken back.
#[tokio::test]
async fn an_address_the_server_cannot_take_fails_at_once() {
    let dbs = dataset(
        "sendutf8",
        &[account(
            9701,
            "owner-ascii@client.example",
            "uk",
            Some(("олена@приклад.укр", "uk")),
        )],
    )
    .await;
    assert!(code(&dbs.billmigrate(&["migrate", "--quiet"])) <= 1);
    let sink = SmtpSink::start_without_smtputf8();
    let started = Instant::now();
    let out = send(&dbs, &sink.url(), &[]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(started.elapsed() < Duration::from_secs(20), "no backoff");
    let (status, attempts, error): (String, i32, Option<String>) = sqlx::query_as(
        "SELECT status, attempts, last_error FROM migration.outbox WHERE kind = 'invitation'",
    )
    .fetch_one(&mut dbs.pg().await)
    .await
    .unwrap();
    assert_eq!((status.as_str(), attempts), ("failed", 1));
    assert!(error.unwrap_or_default().contains("SMTPUTF8"));
    assert!(live_tokens(&dbs, "олена@приклад.укр").await.is_empty());
    assert_eq!(sink.received().len(), 1, "the owner's welcome went out");
}

/// #18.4: mail addresses, link bases and the TLS policy are parsed with the settings, so a
/// bad one stops every command before it does any work — here `plan`, which sends nothing,
/// against databases that do not even exist.
#[test]
fn a_bad_mail_or_link_value_stops_every_command_before_work() {
    for (var, value, key) in [
        ("BILLMIGRATE_MAIL_FROM", "billing-desk", "mail.from"),
        (
            "BILLMIGRATE_LINKS_NEW_BILLING_URL",
            "cabinet.example",
            "links.new_billing_url",
        ),
        (
            "BILLMIGRATE_MAIL_TRANSPORT",
            "smtp://127.0.0.1:1?tls=yes",
            "mail.transport",
        ),
    ] {
        let out_dir = tempfile::tempdir().unwrap();
        let reports = out_dir.path().join("reports");
        for args in [
            vec!["plan", "--quiet", "--out", reports.to_str().unwrap()],
            vec!["status"],
            vec!["send", "--quiet"],
        ] {
            let out = Command::new(env!("CARGO_BIN_EXE_billmigrate"))
                .args(&args)
                .current_dir(out_dir.path())
                .env("BILLMIGRATE_LEGACY_URL", "mysql://root@127.0.0.1:1/nothing")
                .env(
                    "BILLMIGRATE_TARGET_URL",
                    "postgres://postgres@127.0.0.1:1/nothing",
                )
                .env(var, value)
                .output()
                .unwrap();
            assert_eq!(code(&out), 2, "{args:?}: {}", text(&out));
            let stderr = String::from_utf8_lossy(&out.stderr);
            let first = stderr.lines().next().unwrap_or_default();
            assert!(
                first.starts_with("error: configuration: ")
                    && first.contains(&format!("{key}: "))
                    && first.matches(value).count() == 1,
                "{args:?}: {stderr}"
            );
            assert!(!stderr.contains("note:"), "a typed error: {stderr}");
            assert!(!reports.exists(), "{args:?}: no work was done");
        }
    }
}

#[tokio::test]
async fn two_welcomes_of_one_owner_in_one_batch_leave_one_live_link() {
    let dbs = dataset(
        "sendtwice",
        &[account(9701, "owner-twice@client.example", "en", None)],
    )
    .await;
    assert!(code(&dbs.billmigrate(&["migrate", "--quiet"])) <= 1);
    // A second pending welcome for the same user, as a resend queues one: both would fit in
    // one claimed batch.
    let mut pg = dbs.pg().await;
    sqlx::query(
        "INSERT INTO migration.outbox (kind, dedupe_key, to_email, language, user_id)
         SELECT 'owner_welcome', 'test-second-welcome', to_email, language, user_id
         FROM migration.outbox WHERE kind = 'owner_welcome' AND to_email = 'owner-twice@client.example'",
    )
    .execute(&mut pg)
    .await
    .unwrap();
    let sink = SmtpSink::start(json!({}));
    let out = send(&dbs, &sink.url(), &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let received = sink.received();
    assert_eq!(received.len(), 2, "both welcomes are delivered");
    let delivered: Vec<String> = received
        .iter()
        .map(|m| sha256(&token_of(m["text"].as_str().unwrap())))
        .collect();
    let live = live_tokens(&dbs, "owner-twice@client.example").await;
    assert_eq!(
        live.len(),
        1,
        "one live link, not one per welcome: {live:?}"
    );
    assert!(
        delivered.contains(&live[0]),
        "the live link is one that was delivered"
    );
}
