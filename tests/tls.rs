//! TLS to servers across a network (issue #13): a private MariaDB and a private PostgreSQL of
//! this test's own, started with a certificate from a throw-away CA (openssl), never the
//! shared servers. `legacy.url`'s `ssl-mode` / `ssl-ca` and `target.url`'s
//! `sslmode=verify-full` / `sslrootcert` connect when the certificate verifies and stop with
//! exit 2 and a plain message when it does not.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use common::private_pg::PrivatePg;
use common::{code, repo, text};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {}", text(&out));
}

/// A CA, a server certificate for IP 127.0.0.1 only (so `localhost` does not match), and a
/// second CA that signed nothing of it.
fn certificates(dir: &Path) {
    let openssl = |args: &[&str]| run(Command::new("openssl").args(args).current_dir(dir));
    for ca in ["ca", "other-ca"] {
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &format!("{ca}.key"),
            "-out",
            &format!("{ca}.pem"),
            "-days",
            "2",
            "-subj",
            &format!("/CN=billmigrate {ca}"),
        ]);
    }
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
}

/// A MariaDB server of this test's own, with TLS, on a free port.
struct PrivateMariaDb {
    child: Child,
    port: u16,
}

impl PrivateMariaDb {
    fn start(dir: &Path) -> PrivateMariaDb {
        let data = dir.join("mariadb");
        let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
        let user = if root { "root" } else { "" };
        let mut install = Command::new("mariadb-install-db");
        install
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
        if root {
            install.arg(format!("--user={user}"));
        }
        run(&mut install);
        let port = free_port();
        let path = |f: &str| dir.join(f).display().to_string();
        let mut server = Command::new("/usr/sbin/mariadbd");
        server
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--port={port}"))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--socket={}", path("mariadb.sock")))
            .arg(format!("--pid-file={}", path("mariadb.pid")))
            .arg(format!("--log-error={}", path("mariadb.err")))
            .arg(format!("--ssl-cert={}", path("server.pem")))
            .arg(format!("--ssl-key={}", path("server.key")))
            .arg(format!("--ssl-ca={}", path("ca.pem")))
            .args(["--skip-log-bin", "--innodb-buffer-pool-size=16M"]);
        if root {
            server.arg("--user=root");
        }
        let child = server.spawn().unwrap();
        let db = PrivateMariaDb { child, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return db;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!(
            "private MariaDB did not start: {}",
            std::fs::read_to_string(dir.join("mariadb.err")).unwrap_or_default()
        );
    }

    /// Runs SQL as root over plain TCP (the server accepts both).
    fn sql(&self, database: &str, sql: &str) {
        let mut cmd = Command::new("mysql");
        cmd.args(["--protocol=tcp", "-h127.0.0.1", "-uroot"])
            .arg(format!("-P{}", self.port))
            .arg(database)
            .arg("-e")
            .arg(sql);
        run(&mut cmd);
    }
}

impl Drop for PrivateMariaDb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn billmigrate(legacy: &str, target: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_billmigrate"))
        .args(args)
        .current_dir(std::env::temp_dir())
        .env("BILLMIGRATE_LEGACY_URL", legacy)
        .env("BILLMIGRATE_TARGET_URL", target)
        .env("BILLMIGRATE_MAPPINGS", repo().join("mappings"))
        .env_remove("BILLMIGRATE_LEGACY_ALLOW_WRITE_ACCESS")
        .output()
        .unwrap()
}

#[test]
fn legacy_and_target_connect_over_verified_tls_and_refuse_a_certificate_that_does_not_verify() {
    let dir = tempfile::tempdir().unwrap();
    certificates(dir.path());
    let file = |f: &str| -> PathBuf { dir.path().join(f) };
    let ca = file("ca.pem").display().to_string();
    let other_ca = file("other-ca.pem").display().to_string();

    // Legacy: a user that may only connect over TLS, and only read.
    let maria = PrivateMariaDb::start(dir.path());
    maria.sql("", "CREATE DATABASE billmgr CHARACTER SET utf8mb4");
    for f in ["schema.sql", "indexes.sql", "reference.sql"] {
        let sql = std::fs::read_to_string(repo().join("sql/legacy").join(f)).unwrap();
        maria.sql("billmgr", &sql);
    }
    let fixture = std::fs::read_to_string(repo().join("fixtures/01_simple_account.sql")).unwrap();
    maria.sql("billmgr", &format!("SET SESSION sql_mode=''; {fixture}"));
    maria.sql(
        "",
        "CREATE USER 'tls_ro'@'%' IDENTIFIED BY 'ro-pass' REQUIRE SSL; \
         GRANT SELECT ON billmgr.* TO 'tls_ro'@'%';",
    );
    let legacy = |host: &str, query: &str| {
        format!(
            "mysql://tls_ro:ro-pass@{host}:{}/billmgr{query}",
            maria.port
        )
    };

    // Target: a private PostgreSQL with ssl = on.
    let pg = PrivatePg::start();
    let data = pg.path().join("data");
    for f in ["server.pem", "server.key"] {
        std::fs::copy(file(f), data.join(f)).unwrap();
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        data.join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    if Command::new("id").arg("-u").output().unwrap().stdout == b"0\n" {
        run(Command::new("chown")
            .args(["postgres"])
            .arg(data.join("server.key"))
            .arg(data.join("server.pem")));
    }
    let mut conf = std::fs::OpenOptions::new()
        .append(true)
        .open(data.join("postgresql.conf"))
        .unwrap();
    std::io::Write::write_all(
        &mut conf,
        b"\nssl = on\nssl_cert_file = 'server.pem'\nssl_key_file = 'server.key'\n",
    )
    .unwrap();
    pg.ctl("restart");
    let target = |host: &str, root: &str| {
        format!(
            "postgres://postgres@{host}:{}/postgres?sslmode=verify-full&sslrootcert={root}",
            pg.port
        )
    };
    let good_target = target("127.0.0.1", &ca);

    // Both verify: setup and plan run, over TLS only (the legacy user requires it).
    let out = billmigrate("mysql://unused@127.0.0.1:1/x", &good_target, &["setup"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let reports = dir.path().join("plan");
    let good_legacy = legacy(
        "127.0.0.1",
        &format!("?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"),
    );
    let out = billmigrate(
        &good_legacy,
        &good_target,
        &["plan", "--quiet", "--out", reports.to_str().unwrap()],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(reports.join("accounts.csv")).unwrap(),
        std::fs::read_to_string(repo().join("fixtures/expected/01_simple_account/accounts.csv"))
            .unwrap()
    );
    let out = billmigrate(&good_legacy, &good_target, &["migrate", "--quiet"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    // Without TLS the legacy user is refused by the server itself.
    let out = billmigrate(&legacy("127.0.0.1", ""), &good_target, &["check-legacy"]);
    assert_eq!(code(&out), 2, "{}", text(&out));

    // Certificates that do not verify: exit 2 with a plain message, nothing read.
    let cases = [
        (
            legacy(
                "127.0.0.1",
                &format!("?ssl-mode=VERIFY_IDENTITY&ssl-ca={other_ca}"),
            ),
            "TLS to the legacy server failed",
        ),
        (
            legacy(
                "localhost",
                &format!("?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"),
            ),
            "not valid for name",
        ),
        // VERIFY_CA checks the name too (mysql_async 0.37; src/legacy/tls.rs).
        (
            legacy("localhost", &format!("?ssl-mode=VERIFY_CA&ssl-ca={ca}")),
            "TLS to the legacy server failed",
        ),
        (
            legacy("127.0.0.1", "?ssl-mode=VERIFY_IDENTITY"),
            "the built-in root certificates",
        ),
    ];
    for (url, needle) in cases {
        let out = billmigrate(&url, &good_target, &["check-legacy"]);
        assert_eq!(code(&out), 2, "{url}: {}", text(&out));
        assert!(text(&out).contains(needle), "{url}: {}", text(&out));
        assert!(!text(&out).contains("ro-pass"), "{}", text(&out));
    }
    for (url, needle) in [
        (target("127.0.0.1", &other_ca), "TLS to the target database"),
        (target("localhost", &ca), "TLS to the target database"),
    ] {
        let out = billmigrate(&good_legacy, &url, &["status"]);
        assert_eq!(code(&out), 2, "{url}: {}", text(&out));
        assert!(text(&out).contains(needle), "{url}: {}", text(&out));
        assert!(
            !text(&out).contains("Is it running"),
            "{url}: {}",
            text(&out)
        );
    }
}
