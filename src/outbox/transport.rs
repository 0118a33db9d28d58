//! Where messages go: `.eml` files in a private directory (the default — they hold live
//! links, so 0700/0600), or an SMTP server through lettre's pooled async transport, with
//! TLS required unless the URL explicitly says `?tls=none`.

use std::io::Write as _;
use std::path::PathBuf;

use lettre::{Address, Message};

use super::smtp_pool::{CheckError, SmtpPool, Stage};

use crate::exit::Fatal;
use crate::report::files::{private_dir, private_file};
use crate::settings::{ConfigError, MailTransport, SmtpServer, TlsPolicy};

/// Why a message was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// 4xx, a dropped connection, a timeout: try again later.
    Transient(String),
    /// 5xx: the server refused it for good.
    Permanent(String),
}

pub enum Mailer {
    Files(PathBuf),
    Smtp {
        pool: Box<SmtpPool>,
        server: SmtpServer,
    },
}

/// lettre's URL with our TLS policy (parsed in the settings): `smtp://` means STARTTLS
/// required unless `tls=none` (or `tls=opportunistic`) is written; `smtps://` is implicit TLS.
pub fn lettre_url(server: &SmtpServer) -> String {
    let mut parsed = url::Url::parse(server.url.expose()).expect("checked in the settings");
    let others: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "tls")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parsed.set_query(None);
    let tls = match server.tls {
        TlsPolicy::Required => Some("required"),
        TlsPolicy::Opportunistic => Some("opportunistic"),
        TlsPolicy::None | TlsPolicy::Implicit => None,
    };
    if tls.is_some() || !others.is_empty() {
        let mut q = parsed.query_pairs_mut();
        q.extend_pairs(others);
        if let Some(tls) = tls {
            q.append_pair("tls", tls);
        }
    }
    parsed.to_string()
}

impl Mailer {
    pub fn new(transport: &MailTransport, connections: u32) -> Result<Mailer, Fatal> {
        match transport {
            MailTransport::File(dir) => Ok(Mailer::Files(dir.clone())),
            MailTransport::Smtp(server) => {
                let pool = SmtpPool::from_url(&lettre_url(server), connections as usize)
                    .map_err(|e| Fatal::Usage(format!("mail.transport {}: {e}", server.url)))?;
                Ok(Mailer::Smtp {
                    pool: Box::new(pool),
                    server: server.clone(),
                })
            }
        }
    }

    /// Checks the transport before any email is claimed: the file transport's directory can
    /// be made private, the SMTP server takes a connection (TLS, AUTH) and the sender. A
    /// failure is a configuration error (exit 2) saying what to change, or — for a server
    /// that answers "try later" — a refused precondition; either way nothing was claimed.
    pub async fn check(&self, from: &Address) -> Result<(), Fatal> {
        match self {
            Mailer::Files(dir) => private_dir(dir).map_err(|e| {
                config(format!(
                    "cannot write emails to {} ({e:#}); make it writable or set file:DIR to another directory",
                    dir.display()
                ))
            }),
            Mailer::Smtp { pool, server } => match pool.check(from).await {
                Ok(()) => Ok(()),
                Err(e) => Err(advice(server, pool.port(), from, e)),
            },
        }
    }

    /// Ends open SMTP sessions politely (QUIT).
    pub async fn close(&self) {
        if let Mailer::Smtp { pool, .. } = self {
            pool.close().await;
        }
    }

    /// Delivers one message; `file_name` names it for the file transport.
    pub async fn send(&self, message: &Message, file_name: &str) -> Result<(), SendError> {
        match self {
            Mailer::Files(dir) => {
                let write = || -> anyhow::Result<()> {
                    private_dir(dir)?;
                    let mut file = private_file(&dir.join(file_name))?;
                    file.write_all(&message.formatted())?;
                    Ok(file.sync_all()?)
                };
                write().map_err(|e| SendError::Transient(format!("{e:#}")))
            }
            Mailer::Smtp { pool, .. } => match pool.send(message).await {
                Ok(_) => Ok(()),
                // A client error (a non-ASCII address to a server without SMTPUTF8, …) is
                // lettre refusing the message itself: retrying cannot help.
                Err(e) if e.is_permanent() || e.is_client() => {
                    Err(SendError::Permanent(e.to_string()))
                }
                Err(e) => Err(SendError::Transient(e.to_string())),
            },
        }
    }
}

fn config(message: String) -> Fatal {
    Fatal::Config(ConfigError::Invalid {
        key: "mail.transport".into(),
        message,
    })
}

/// What the operator should change, from where the first connection failed.
fn advice(server: &SmtpServer, port: u16, from: &Address, e: CheckError) -> Fatal {
    let at = format!("{}:{port}", server.host);
    let e = match e {
        CheckError::Unreachable(cause) => {
            return config(format!(
                "nothing answers at {at} ({cause}); check the host and the port (587 for smtp:// with STARTTLS, 465 for smtps://)"
            ));
        }
        CheckError::Smtp(stage, e) => (stage, e),
    };
    match e {
        (_, e) if e.is_transient() => Fatal::Precondition(format!(
            "the mail server at {at} is not taking mail now ({e}); nothing was sent or claimed: run send again later"
        )),
        (Stage::Hello, e) if e.to_string().contains("STARTTLS") => config(format!(
            "the server at {at} does not offer STARTTLS, and smtp:// requires it so that links never travel in clear text; for a relay on this machine or network that cannot do TLS write {}?tls=none, otherwise use the server's submission port (smtp://{}:587) or smtps://{}:465",
            server.url.to_string().split('?').next().unwrap_or_default(),
            server.host,
            server.host
        )),
        (Stage::Hello, e) if server.tls == TlsPolicy::Implicit => config(format!(
            "the TLS handshake with {at} failed ({e}); smtps:// is TLS from the first byte (usually port 465): if this port speaks plain SMTP, write smtp://{at} (STARTTLS), and check the server's certificate is valid for {}",
            server.host
        )),
        (Stage::Hello, e) if e.is_tls() || server.tls != TlsPolicy::None => config(format!(
            "connecting to {at} with {} failed ({e}); check the port and that the server's certificate is valid for {}",
            server.tls.describe(),
            server.host
        )),
        (Stage::Hello, e) => config(format!(
            "the server at {at} refused the connection ({e}); check the host and the port"
        )),
        (Stage::Auth, e) => config(format!(
            "the server at {at} refused the credentials ({e}); check the user name in the URL and the password (in the URL, percent-encoded, or in BILLMIGRATE_SMTP_PASSWORD)"
        )),
        (Stage::Sender, e) if e.status().is_some_and(|c| c.to_string().starts_with("53")) => {
            config(format!(
                "the server at {at} wants authentication ({e}); write the user in the URL (smtp://USER@{at}) and the password in BILLMIGRATE_SMTP_PASSWORD"
            ))
        }
        (Stage::Sender, e) => Fatal::Config(ConfigError::Invalid {
            key: "mail.from".into(),
            message: format!(
                "the server at {at} does not let us send from {from} ({e}); use an address it accepts as sender"
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_requires_tls_unless_the_url_opts_out() {
        let url = |s: &str| {
            let url = crate::settings::SecretUrl::new(s, None).unwrap();
            SmtpServer::parse(url).map(|s| lettre_url(&s))
        };
        assert_eq!(
            url("smtp://mx.example:587").unwrap(),
            "smtp://mx.example:587?tls=required"
        );
        assert_eq!(
            url("smtp://127.0.0.1:2525?tls=none").unwrap(),
            "smtp://127.0.0.1:2525"
        );
        assert_eq!(
            url("smtps://u:p@mx.example").unwrap(),
            "smtps://u:p@mx.example"
        );
        assert!(url("smtp://mx.example?tls=maybe").is_err());
    }
}
