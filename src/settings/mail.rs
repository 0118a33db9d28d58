//! The mail and link settings as typed values, parsed with the rest of the configuration so
//! that every command — not only `send` and `partners` — stops before any work on a bad
//! `mail.from`, `mail.reply_to`, `mail.support_address`, `links.*` or `mail.transport` TLS
//! policy. Each error names the key, says what is wrong once and how to write it instead.

use std::fmt;

use lettre::Address;
use lettre::message::Mailbox;

use super::ConfigError;
use super::secret::SecretUrl;

/// How an SMTP connection is secured (cli.md `mail.transport`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsPolicy {
    /// `smtp://` (the default): STARTTLS, and refuse to send without it.
    Required,
    /// `smtp://…?tls=opportunistic`: STARTTLS when the server offers it.
    Opportunistic,
    /// `smtp://…?tls=none`: plain text, for a local relay only.
    None,
    /// `smtps://`: TLS from the first byte.
    Implicit,
}

impl TlsPolicy {
    /// How the policy is written in the URL.
    pub fn describe(self) -> &'static str {
        match self {
            TlsPolicy::Required => "STARTTLS required",
            TlsPolicy::Opportunistic => "STARTTLS when offered",
            TlsPolicy::None => "no TLS (tls=none)",
            TlsPolicy::Implicit => "implicit TLS (smtps)",
        }
    }
}

/// An SMTP server: its URL (password kept secret) and the TLS policy read from it.
#[derive(Debug, Clone, PartialEq)]
pub struct SmtpServer {
    pub url: SecretUrl,
    pub tls: TlsPolicy,
    pub host: String,
    /// The port written in the URL, if any (lettre picks 587 / 465 / 25 otherwise).
    pub port: Option<u16>,
}

impl SmtpServer {
    /// `url` is an `smtp://` or `smtps://` URL whose scheme was checked by the caller.
    pub fn parse(url: SecretUrl) -> Result<SmtpServer, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            key: "mail.transport".into(),
            message,
        };
        let parsed = url::Url::parse(url.expose()).map_err(|e| invalid(format!("{url}: {e}")))?;
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| invalid(format!("{url} names no server; write smtp://HOST:587")))?
            .to_owned();
        let tls_values: Vec<String> = parsed
            .query_pairs()
            .filter(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned())
            .collect();
        let tls = match (parsed.scheme(), tls_values.as_slice()) {
            ("smtps", []) => TlsPolicy::Implicit,
            ("smtps", _) => {
                return Err(invalid(format!(
                    "{url}: smtps:// is always TLS; remove ?tls=, or use smtp://…?tls=none for a local relay"
                )));
            }
            (_, []) => TlsPolicy::Required,
            (_, [one]) => match one.as_str() {
                "required" => TlsPolicy::Required,
                "opportunistic" => TlsPolicy::Opportunistic,
                "none" => TlsPolicy::None,
                other => {
                    return Err(invalid(format!(
                        "{url}: tls={other:?} is not a TLS policy; write tls=required (the default), tls=opportunistic or tls=none (a local relay only)"
                    )));
                }
            },
            (_, _) => return Err(invalid(format!("{url}: tls= is given more than once"))),
        };
        Ok(SmtpServer {
            tls,
            host,
            port: parsed.port(),
            url,
        })
    }

    /// `host:port` as the operator would type it (port as written, or lettre's default).
    pub fn endpoint(&self) -> String {
        let port = self.port.unwrap_or(match self.tls {
            TlsPolicy::Implicit => 465,
            TlsPolicy::None => 25,
            _ => 587,
        });
        format!("{}:{port}", self.host)
    }
}

/// A base URL for links (`links.new_billing_url`, `links.old_billing_url`): http or https
/// with a host, kept as written for quoting and without a trailing `/` for joining.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkBase {
    written: String,
    url: url::Url,
}

impl LinkBase {
    pub fn parse(key: &str, raw: &str) -> Result<LinkBase, ConfigError> {
        let invalid = |cause: String| ConfigError::Invalid {
            key: key.into(),
            message: format!("{cause}; write an address like https://my.example.ua"),
        };
        let written = raw.trim();
        let url = url::Url::parse(written)
            .map_err(|e| invalid(format!("{written:?} is not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(invalid(format!("{written:?} is not an http(s) address")));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(format!(
                "{written:?} has a ?query or #fragment, and links are built by appending a path"
            )));
        }
        Ok(LinkBase {
            written: written.to_owned(),
            url,
        })
    }

    /// As written in the configuration (quoted in emails).
    pub fn as_str(&self) -> &str {
        &self.written
    }

    /// Without a trailing `/`, ready for `format!("{base}/path")`.
    pub fn base(&self) -> &str {
        self.written.trim_end_matches('/')
    }

    /// `scheme://host[:port]`.
    pub fn origin(&self) -> String {
        let port = self.url.port().map(|p| format!(":{p}")).unwrap_or_default();
        let host = self.url.host_str().unwrap_or_default();
        format!("{}://{host}{port}", self.url.scheme())
    }
}

impl fmt::Display for LinkBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

/// `mail.from` / `mail.reply_to`: `Name <address>` or a bare address.
pub fn mailbox(key: &str, raw: &str) -> Result<Mailbox, ConfigError> {
    raw.trim()
        .parse::<Mailbox>()
        .map_err(|e| ConfigError::Invalid {
            key: key.into(),
            message: format!(
                "{raw:?} is not a mail address ({e}); write \"Billing <billing@example.ua>\" or billing@example.ua"
            ),
        })
}

/// `mail.support_address`: a bare address (it is quoted in the emails' text).
pub fn address(key: &str, raw: &str) -> Result<Address, ConfigError> {
    raw.trim()
        .parse::<Address>()
        .map_err(|e| ConfigError::Invalid {
            key: key.into(),
            message: format!(
                "{raw:?} is not a mail address ({e}); write a bare address like support@example.ua"
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(url: &str) -> Result<SmtpServer, String> {
        SmtpServer::parse(SecretUrl::new(url, None).unwrap()).map_err(|e| e.to_string())
    }

    #[test]
    fn tls_policy_is_read_from_the_url() {
        let tls = |u: &str| server(u).map(|s| (s.tls, s.endpoint()));
        assert_eq!(
            tls("smtp://mx.example"),
            Ok((TlsPolicy::Required, "mx.example:587".into()))
        );
        assert_eq!(
            tls("smtp://127.0.0.1:2525?tls=none"),
            Ok((TlsPolicy::None, "127.0.0.1:2525".into()))
        );
        assert_eq!(
            tls("smtp://mx.example?tls=opportunistic").unwrap().0,
            TlsPolicy::Opportunistic
        );
        assert_eq!(
            tls("smtps://u:p@mx.example"),
            Ok((TlsPolicy::Implicit, "mx.example:465".into()))
        );
        let err = server("smtp://mx.example?tls=maybe").unwrap_err();
        assert!(
            err.starts_with("mail.transport: ") && err.contains("tls=none"),
            "{err}"
        );
        assert!(server("smtps://mx.example?tls=none").is_err());
        assert!(server("smtp://mx.example?tls=none&tls=required").is_err());
    }

    #[test]
    fn link_bases_are_http_addresses() {
        let b = LinkBase::parse("links.new_billing_url", "https://my.example.ua/").unwrap();
        assert_eq!(
            (b.as_str(), b.base(), b.origin().as_str()),
            (
                "https://my.example.ua/",
                "https://my.example.ua",
                "https://my.example.ua"
            )
        );
        let old =
            LinkBase::parse("links.old_billing_url", "https://old.example:8443/billmgr").unwrap();
        assert_eq!(old.origin(), "https://old.example:8443");
        for bad in [
            "my.example.ua",
            "ftp://x.example",
            "mailto:a@b.c",
            "https://x.example/?a=1",
        ] {
            let err = LinkBase::parse("links.new_billing_url", bad)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("links.new_billing_url: ") && err.contains("https://"),
                "{err}"
            );
        }
    }

    #[test]
    fn addresses_parse_or_say_how_to_write_them() {
        assert_eq!(
            mailbox("mail.from", "Білінг <billing@hosting.example>")
                .unwrap()
                .email
                .to_string(),
            "billing@hosting.example"
        );
        let err = mailbox("mail.from", "billing at hosting")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("mail.from: \"billing at hosting\" is not a mail address"),
            "{err}"
        );
        assert!(address("mail.support_address", "support@hosting.example").is_ok());
        assert!(address("mail.support_address", "Support <support@hosting.example>").is_err());
    }

    /// Through the whole configuration: a bad value stops loading (so every command) with
    /// the key, not only `send`.
    #[test]
    fn every_mail_and_link_value_is_checked_when_the_settings_load() {
        let load = |name: &str, value: &str| {
            let env = |n: &str| (n == name).then(|| value.to_owned());
            let values = super::super::file::FileConfig::default().with_env(&env);
            super::super::Settings::from_values(None, values, &env)
        };
        for (var, value, key) in [
            ("BILLMIGRATE_MAIL_FROM", "billing-desk", "mail.from"),
            ("BILLMIGRATE_MAIL_REPLY_TO", "a@@b", "mail.reply_to"),
            (
                "BILLMIGRATE_MAIL_SUPPORT_ADDRESS",
                "support-desk",
                "mail.support_address",
            ),
            (
                "BILLMIGRATE_LINKS_NEW_BILLING_URL",
                "cabinet.example",
                "links.new_billing_url",
            ),
            (
                "BILLMIGRATE_LINKS_OLD_BILLING_URL",
                "ftp://old.example",
                "links.old_billing_url",
            ),
            (
                "BILLMIGRATE_MAIL_TRANSPORT",
                "smtp://mx.example?tls=yes",
                "mail.transport",
            ),
        ] {
            let err = load(var, value).unwrap_err().to_string();
            assert!(err.starts_with(&format!("{key}: ")), "{var}={value}: {err}");
            assert_eq!(err.matches(value).count(), 1, "the value once: {err}");
        }
        let s = load("BILLMIGRATE_MAIL_FROM", "Білінг <billing@hosting.example>").unwrap();
        assert_eq!(s.mail.from.unwrap().email.domain(), "hosting.example");
        let s = load(
            "BILLMIGRATE_MAIL_TRANSPORT",
            "smtp://127.0.0.1:2525?tls=none",
        )
        .unwrap();
        let super::super::MailTransport::Smtp(server) = s.mail.transport else {
            panic!("an SMTP transport")
        };
        assert_eq!(
            (server.tls, server.endpoint().as_str()),
            (TlsPolicy::None, "127.0.0.1:2525")
        );
    }
}
