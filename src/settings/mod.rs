//! Configuration: `billmigrate.toml` (or `--config PATH`) with environment overrides,
//! validated into one [`Settings`] value before any work starts. Unknown keys are errors;
//! passwords are held in [`SecretUrl`]s and never printed.

mod file;
mod mail;
pub mod secret;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::language::Language;
pub use mail::{LinkBase, SmtpServer, TlsPolicy};
pub use secret::SecretUrl;

/// The file read when `--config` is not given (it may be absent).
pub const DEFAULT_CONFIG_FILE: &str = "billmigrate.toml";

/// A configuration defect. Always fatal: exit 2.
///
/// Each message is the whole story, printed once: the key (or file), the cause, the fix. No
/// variant has a `source`, so an error chain printed with `{:#}` cannot repeat the cause.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "{file}: cannot read the configuration file ({error}); check the path given to --config"
    )]
    Read {
        file: PathBuf,
        error: std::io::Error,
    },
    #[error("{file}: {message}")]
    Parse { file: PathBuf, message: String },
    #[error("{key}: {message}")]
    Invalid { key: String, message: String },
}

/// Where emails go.
#[derive(Debug, Clone, PartialEq)]
pub enum MailTransport {
    /// Writes `.eml` files into this directory.
    File(PathBuf),
    /// An SMTP server (`smtp://`, `smtps://`) with its TLS policy.
    Smtp(SmtpServer),
}

/// Email settings (R7).
#[derive(Debug, Clone, PartialEq)]
pub struct MailSettings {
    pub transport: MailTransport,
    pub from: Option<lettre::message::Mailbox>,
    pub reply_to: Option<lettre::message::Mailbox>,
    pub support_address: Option<lettre::Address>,
}

/// The validated configuration every command runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The file the settings came from, if any.
    pub source: Option<PathBuf>,
    pub legacy_url: SecretUrl,
    pub legacy_timezone: Tz,
    /// Accept a legacy user that can write (with a loud warning) instead of refusing it.
    pub legacy_allow_write_access: bool,
    /// Legacy account ids that are not clients (out of scope, listed, never migrated).
    pub legacy_exclude_account_ids: Vec<i64>,
    /// Legacy `account.level` values that are not clients (provider's own, client groups).
    pub legacy_exclude_levels: Vec<i64>,
    pub target_url: SecretUrl,
    pub mappings_dir: PathBuf,
    pub mail: MailSettings,
    pub new_billing_url: Option<LinkBase>,
    pub old_billing_url: Option<LinkBase>,
    pub cutoff: Option<NaiveDate>,
    pub token_ttl_hours: u32,
    pub default_currency: String,
    pub default_language: Language,
}

/// The environment, as a lookup function (tests pass a map; the binary passes `std::env`).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Settings {
    /// Reads `config` (or `billmigrate.toml` in the working directory when present), applies
    /// environment overrides and validates every value.
    pub fn load(config: Option<&Path>, env: Env<'_>) -> Result<Settings, ConfigError> {
        let (source, values) = match config {
            Some(path) => (Some(path.to_owned()), file::read(path)?),
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                let path = PathBuf::from(DEFAULT_CONFIG_FILE);
                let values = file::read(&path)?;
                (Some(path), values)
            }
            None => (None, file::FileConfig::default()),
        };
        Self::from_values(source, values.with_env(env), env)
    }

    fn from_values(
        source: Option<PathBuf>,
        v: file::Values,
        env: Env<'_>,
    ) -> Result<Settings, ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            key: key.into(),
            message,
        };
        let url = |key: &str, raw: &str, schemes: &[&str], password_var: &str| {
            // The likeliest cause of an unparsable URL is a password with a character that
            // ends the user-info part early (`#` starts a fragment, `/` a path, …).
            let url = SecretUrl::new(raw, env(password_var)).map_err(|m| {
                let hint = if raw.contains("://") {
                    format!(
                        "if its password contains #, @, / or ?, percent-encode them (%23, %40, \
                         %2F, %3F) or move the password to {password_var}"
                    )
                } else {
                    format!("write it like {}://user@host/name", schemes[0])
                };
                invalid(key, format!("{m}; {hint}"))
            })?;
            if !schemes.contains(&url.scheme()) {
                let message = format!("{url}: expected a {} URL", schemes.join(" or "));
                return Err(invalid(key, message));
            }
            Ok(url)
        };
        let legacy_url = url(
            "legacy.url",
            &v.legacy_url,
            &["mysql"],
            "BILLMIGRATE_LEGACY_PASSWORD",
        )?;
        let target_url = url(
            "target.url",
            &v.target_url,
            &["postgres", "postgresql"],
            "BILLMIGRATE_TARGET_PASSWORD",
        )?;
        let legacy_timezone = Tz::from_str(&v.legacy_timezone).map_err(|_| {
            invalid(
                "legacy.timezone",
                format!(
                    "{:?} is not an IANA time zone name; use one like Europe/Kyiv or UTC",
                    v.legacy_timezone
                ),
            )
        })?;
        let legacy_allow_write_access = match v.legacy_allow_write_access.as_deref() {
            None => false,
            Some("1" | "true" | "yes") => true,
            Some("0" | "false" | "no") => false,
            Some(other) => {
                let message = format!("{other:?}: expected true or false");
                return Err(invalid("legacy.allow_write_access", message));
            }
        };
        let transport = if let Some(dir) = v.mail_transport.strip_prefix("file:") {
            if dir.is_empty() {
                return Err(invalid("mail.transport", "file: needs a directory".into()));
            }
            MailTransport::File(PathBuf::from(dir))
        } else {
            let url = url(
                "mail.transport",
                &v.mail_transport,
                &["smtp", "smtps"],
                "BILLMIGRATE_SMTP_PASSWORD",
            )?;
            MailTransport::Smtp(SmtpServer::parse(url)?)
        };
        let cutoff = v
            .cutoff_date
            .as_deref()
            .map(|d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                    invalid(
                        "cutoff.date",
                        format!("{d:?} is not a date like 2023-02-09"),
                    )
                })
            })
            .transpose()?;
        if v.tokens_ttl_hours == 0 {
            return Err(invalid(
                "tokens.ttl_hours",
                "must be a whole number of hours, at least 1 (default 168)".into(),
            ));
        }
        let currency = v.defaults_currency.trim().to_ascii_uppercase();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            let message = format!(
                "{:?} is not a 3-letter currency code; use one like UAH",
                v.defaults_currency
            );
            return Err(invalid("defaults.currency", message));
        }
        let default_language = Language::parse_exact(&v.defaults_language).ok_or_else(|| {
            invalid(
                "defaults.language",
                format!("{:?}: expected uk, ru or en", v.defaults_language),
            )
        })?;
        let link = |key: &str, v: Option<String>| v.map(|v| LinkBase::parse(key, &v)).transpose();
        let new_billing_url = link("links.new_billing_url", v.new_billing_url)?;
        let old_billing_url = link("links.old_billing_url", v.old_billing_url)?;
        let mailbox = |key: &str, v: Option<String>| v.map(|v| mail::mailbox(key, &v)).transpose();
        let mail = MailSettings {
            transport,
            from: mailbox("mail.from", v.mail_from)?,
            reply_to: mailbox("mail.reply_to", v.mail_reply_to)?,
            support_address: v
                .mail_support_address
                .map(|v| mail::address("mail.support_address", &v))
                .transpose()?,
        };
        Ok(Settings {
            source,
            legacy_url,
            legacy_timezone,
            legacy_allow_write_access,
            legacy_exclude_account_ids: v.legacy_exclude_account_ids,
            legacy_exclude_levels: v.legacy_exclude_levels,
            target_url,
            mappings_dir: PathBuf::from(v.mappings_dir),
            mail,
            new_billing_url,
            old_billing_url,
            cutoff,
            token_ttl_hours: v.tokens_ttl_hours,
            default_currency: currency,
            default_language,
        })
    }
}

#[cfg(test)]
mod tests;
