//! A real SMTP server for email tests: tests/smtp_sink.py (aiosmtpd) on a free loopback
//! port, with scripted faults; what it accepted is read back as parsed JSON.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct SmtpSink {
    child: Child,
    pub port: u16,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts the sink; `faults` maps a recipient to actions ("451", "550", "drop", "slow").
    pub fn start(faults: serde_json::Value) -> SmtpSink {
        Self::start_with(faults, &[])
    }

    /// A sink that requires `AUTH` with exactly `user:password` (over plain SMTP).
    pub fn start_with_auth(user_password: &str) -> SmtpSink {
        Self::start_with(serde_json::json!({}), &["--auth", user_password])
    }

    /// A sink that does not offer SMTPUTF8: it cannot take a non-ASCII address.
    pub fn start_without_smtputf8() -> SmtpSink {
        Self::start_with(serde_json::json!({}), &["--no-smtputf8"])
    }

    fn start_with(faults: serde_json::Value, extra: &[&str]) -> SmtpSink {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("received.jsonl");
        let faults_file = dir.path().join("faults.json");
        std::fs::write(&faults_file, faults.to_string()).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let script = super::repo().join("tests/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string(), "--out"])
            .arg(&out)
            .arg("--faults")
            .arg(&faults_file)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 is needed for the SMTP sink");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "the SMTP sink did not start (is aiosmtpd installed? run scripts/services)"
        );
        SmtpSink {
            child,
            port,
            out,
            _dir: dir,
        }
    }

    /// `smtp://` URL of the sink (plain: the test server has no certificate).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// Every accepted message so far.
    pub fn received(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
