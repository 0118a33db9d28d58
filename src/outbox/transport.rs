//! Where messages go: `.eml` files in a private directory (the default — they hold live
//! links, so 0700/0600), or an SMTP server through lettre's pooled async transport, with
//! TLS required unless the URL explicitly says `?tls=none`.

use std::io::Write as _;
use std::path::PathBuf;

use lettre::Message;

use super::smtp_pool::SmtpPool;

use crate::exit::Fatal;
use crate::report::files::{private_dir, private_file};
use crate::settings::{MailTransport, SmtpServer, TlsPolicy};

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
    Smtp(SmtpPool),
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
                Ok(Mailer::Smtp(pool))
            }
        }
    }

    /// Ends open SMTP sessions politely (QUIT).
    pub async fn close(&self) {
        if let Mailer::Smtp(pool) = self {
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
            Mailer::Smtp(smtp) => match smtp.send(message).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
                Err(e) => Err(SendError::Transient(e.to_string())),
            },
        }
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
