//! The partner phase (R6) on fixture 22: the refusal before the main migration, the owed
//! amount at a fixed `--as-of`, referral outcomes, idempotence, and the redirect map served
//! by a real nginx on a loopback port.

mod common;

use std::net::TcpListener;
use std::process::Command;

use common::{TestDbs, code, read, text};

const LINKS: &[(&str, &str)] = &[
    (
        "BILLMIGRATE_LINKS_OLD_BILLING_URL",
        "https://my.tuthost.ua/billmgr",
    ),
    (
        "BILLMIGRATE_LINKS_NEW_BILLING_URL",
        "https://cabinet.tuthost.ua/",
    ),
];

fn rows(path: &std::path::Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn partner_phase_moves_owed_money_referrals_and_links_once() {
    let dbs = TestDbs::new("partners").await;
    dbs.load_fixture("22_partners").await;
    assert_eq!(code(&dbs.billmigrate(&["setup"])), 0);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    let nginx_file = dir.path().join("partners.map");
    let args = [
        "partners",
        "--as-of",
        "2023-01-15T12:00:00Z",
        "--out",
        out.to_str().unwrap(),
        "--nginx",
        nginx_file.to_str().unwrap(),
    ];

    let refused = dbs.billmigrate_env(&args, LINKS);
    assert_eq!(code(&refused), 2, "{}", text(&refused));
    assert!(
        text(&refused).contains("5 legacy accounts are neither migrated nor held yet"),
        "{}",
        text(&refused)
    );

    let m = dbs.billmigrate(&["migrate", "--quiet"]);
    assert_eq!(code(&m), 1, "{}", text(&m));
    let first = dbs.billmigrate_env(&args, LINKS);
    assert_eq!(
        code(&first),
        1,
        "unlinked referrals need a look: {}",
        text(&first)
    );
    assert!(
        text(&first).contains("1 affiliates and 1 referrals created"),
        "{}",
        text(&first)
    );
    let partners = rows(&out.join("partners.csv"));
    assert_eq!(
        partners,
        [
            vec!["2201", "migrated", "1", "31.46"],
            vec!["2203", "referral_not_migrated", "", ""],
            vec!["2204", "partner_not_migrated", "", ""],
        ]
    );

    let mut pg = dbs.pg().await;
    let (reward, code_, owed, currency): (String, String, String, String) = sqlx::query_as(
        "SELECT f.reward_percent::text, f.code, f.opening_balance::text, f.currency::text FROM billing.affiliates f
         JOIN billing.clients c ON c.id = f.client_id WHERE c.legacy_account_id = 2201",
    )
    .fetch_one(&mut pg)
    .await
    .unwrap();
    assert_eq!(
        (reward.as_str(), owed.as_str(), currency.as_str()),
        ("10.00", "31.46", "UAH")
    );
    assert_eq!(code_.len(), 22);
    assert!(
        code_
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{code_}"
    );
    let referral: i64 = sqlx::query_scalar("SELECT c.legacy_account_id FROM billing.referrals r JOIN billing.clients c ON c.id = r.client_id")
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(referral, 2202);
    let new_link = format!("https://cabinet.tuthost.ua/affiliate/{code_}");
    assert_eq!(
        rows(&out.join("redirects.csv")),
        [vec![
            "https://my.tuthost.ua/mancgi/partnerprogram?partner=2201&project=1".to_owned(),
            new_link.clone()
        ]]
    );

    // Idempotent: nothing new, same code, same amount.
    let again = dbs.billmigrate_env(&args, LINKS);
    assert!(text(&again).contains("nothing changed"), "{}", text(&again));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM billing.affiliates")
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(count, 1);
    assert_eq!(rows(&out.join("partners.csv")), partners);
    assert!(read(&out.join("redirects.csv")).contains(&new_link));

    // verify covers the partner phase: clean now; a reward paid in the old billing changes
    // what is owed (legacy_changed); a referral removed from the target is missing.
    let vdir = dir.path().join("verify");
    let verify = || dbs.billmigrate(&["verify", "--out", vdir.to_str().unwrap()]);
    let partner_rows = || -> Vec<Vec<String>> {
        rows(&vdir.join("differences.csv"))
            .into_iter()
            .filter(|r| r[1] == "partner")
            .collect()
    };
    let out = verify();
    assert_eq!(
        code(&out),
        0,
        "clean after the partner phase: {}",
        text(&out)
    );
    let mut my = dbs.mysql().await;
    use mysql_async::prelude::Queryable;
    my.query_drop("UPDATE affiliatereward SET paid = 'on' WHERE id = 22001")
        .await
        .unwrap();
    my.disconnect().await.unwrap();
    assert_eq!(code(&verify()), 1);
    let got = partner_rows();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (
            got[0][0].as_str(),
            got[0][2].as_str(),
            got[0][3].as_str(),
            got[0][4].as_str()
        ),
        ("2201", "legacy_changed", "owed 19.12", "owed 31.46")
    );
    sqlx::query("DELETE FROM billing.referrals")
        .execute(&mut pg)
        .await
        .unwrap();
    assert_eq!(code(&verify()), 1);
    let got = partner_rows();
    assert!(
        got.iter()
            .any(|r| r[0] == "2202" && r[2] == "missing_in_target"),
        "{got:?}"
    );

    serve_redirect_with_nginx(&nginx_file, &new_link);
}

fn serve_redirect_with_nginx(map: &std::path::Path, new_link: &str) {
    let nginx = ["/usr/sbin/nginx", "nginx"]
        .into_iter()
        .find(|p| Command::new(p).arg("-v").output().is_ok())
        .expect("nginx is missing: run scripts/services (installs nginx-light)");
    let prefix = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let p = prefix.path().display();
    let conf = prefix.path().join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "daemon off; master_process off; pid {p}/nginx.pid; error_log {p}/error.log; worker_processes 1;
events {{ worker_connections 16; }}
http {{
  access_log off; client_body_temp_path {p}/body; proxy_temp_path {p}/proxy; fastcgi_temp_path {p}/fcgi;
  uwsgi_temp_path {p}/uwsgi; scgi_temp_path {p}/scgi;
  include {map};
  server {{
    listen 127.0.0.1:{port};
    if ($billmigrate_partner_redirect) {{ return 301 $billmigrate_partner_redirect; }}
    location / {{ return 404; }}
  }}
}}
",
            map = map.display()
        ),
    )
    .unwrap();
    let check = Command::new(nginx)
        .args([
            "-t",
            "-p",
            &p.to_string(),
            "-e",
            &format!("{p}/error.log"),
            "-c",
        ])
        .arg(&conf)
        .output()
        .unwrap();
    assert!(check.status.success(), "nginx -t: {}", text(&check));
    let mut server = Command::new(nginx)
        .args(["-p", &p.to_string(), "-e", &format!("{p}/error.log"), "-c"])
        .arg(&conf)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/mancgi/partnerprogram?partner=2201&project=1");
    let mut answer = String::new();
    for _ in 0..50 {
        let out = Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{redirect_url}",
                &url,
            ])
            .output()
            .unwrap();
        answer = String::from_utf8_lossy(&out.stdout).into_owned();
        if answer.starts_with("301") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let other = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &format!("http://127.0.0.1:{port}/mancgi/partnerprogram?partner=9&project=1"),
        ])
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(answer, format!("301 {new_link}"));
    assert_eq!(
        String::from_utf8_lossy(&other.stdout),
        "404",
        "unknown partners are not redirected"
    );
}

#[tokio::test]
async fn allow_partial_runs_before_every_account_is_decided() {
    let dbs = TestDbs::new("partpart").await;
    dbs.load_fixture("22_partners").await;
    assert_eq!(code(&dbs.billmigrate(&["setup"])), 0);
    assert!(code(&dbs.billmigrate(&["migrate", "--quiet", "--accounts", "2201-2202"])) <= 1);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    let args = [
        "partners",
        "--allow-partial",
        "--as-of",
        "2023-01-15T12:00:00Z",
        "--out",
        out.to_str().unwrap(),
        "--nginx",
        "/dev/null",
    ];
    let run = dbs.billmigrate_env(&args, LINKS);
    assert!(code(&run) <= 1, "{}", text(&run));
    let partners = rows(&out.join("partners.csv"));
    assert_eq!(partners[0], ["2201", "migrated", "1", "31.46"]);
}
