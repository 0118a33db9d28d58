//! The TOML file's shape and the environment overrides: every key of cli.md's table, with
//! its default, its environment variable, and `deny_unknown_fields` so a misspelt key is an
//! error naming it rather than a silently ignored setting.

use std::path::Path;

use serde::Deserialize;

use super::{ConfigError, Env};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    legacy: Legacy,
    #[serde(default)]
    target: Target,
    #[serde(default)]
    mappings: MappingsSection,
    #[serde(default)]
    mail: Mail,
    #[serde(default)]
    links: Links,
    #[serde(default)]
    cutoff: Cutoff,
    #[serde(default)]
    tokens: Tokens,
    #[serde(default)]
    defaults: Defaults,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Legacy {
    url: Option<String>,
    timezone: Option<String>,
    allow_write_access: Option<bool>,
    exclude_account_ids: Option<Vec<i64>>,
    exclude_levels: Option<Vec<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Target {
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingsSection {
    dir: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Mail {
    transport: Option<String>,
    from: Option<String>,
    reply_to: Option<String>,
    support_address: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Links {
    new_billing_url: Option<String>,
    old_billing_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cutoff {
    date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Tokens {
    ttl_hours: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    currency: Option<String>,
    language: Option<String>,
}

/// Every key with the file, environment and default applied, not yet validated.
#[derive(Debug)]
pub struct Values {
    pub legacy_url: String,
    pub legacy_timezone: String,
    pub legacy_allow_write_access: Option<String>,
    pub legacy_exclude_account_ids: Vec<i64>,
    pub legacy_exclude_levels: Vec<i64>,
    pub target_url: String,
    pub mappings_dir: String,
    pub mail_transport: String,
    pub mail_from: Option<String>,
    pub mail_reply_to: Option<String>,
    pub mail_support_address: Option<String>,
    pub new_billing_url: Option<String>,
    pub old_billing_url: Option<String>,
    pub cutoff_date: Option<String>,
    pub tokens_ttl_hours: u32,
    pub defaults_currency: String,
    pub defaults_language: String,
}

/// Environment variable of every key (cli.md names the first five; the rest follow
/// `BILLMIGRATE_<SECTION>_<KEY>`).
pub const ENV_VARS: &[(&str, &str)] = &[
    ("legacy.url", "BILLMIGRATE_LEGACY_URL"),
    ("target.url", "BILLMIGRATE_TARGET_URL"),
    ("mappings.dir", "BILLMIGRATE_MAPPINGS"),
    ("mail.transport", "BILLMIGRATE_MAIL_TRANSPORT"),
    ("cutoff.date", "BILLMIGRATE_CUTOFF"),
    ("legacy.timezone", "BILLMIGRATE_LEGACY_TIMEZONE"),
    (
        "legacy.allow_write_access",
        "BILLMIGRATE_LEGACY_ALLOW_WRITE_ACCESS",
    ),
    ("mail.from", "BILLMIGRATE_MAIL_FROM"),
    ("mail.reply_to", "BILLMIGRATE_MAIL_REPLY_TO"),
    ("mail.support_address", "BILLMIGRATE_MAIL_SUPPORT_ADDRESS"),
    ("links.new_billing_url", "BILLMIGRATE_LINKS_NEW_BILLING_URL"),
    ("links.old_billing_url", "BILLMIGRATE_LINKS_OLD_BILLING_URL"),
    ("tokens.ttl_hours", "BILLMIGRATE_TOKENS_TTL_HOURS"),
    ("defaults.currency", "BILLMIGRATE_DEFAULTS_CURRENCY"),
    ("defaults.language", "BILLMIGRATE_DEFAULTS_LANGUAGE"),
];

pub fn read(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        file: path.to_owned(),
        error,
    })?;
    toml::from_str(&text).map_err(|e| {
        // toml's Display draws the line with a caret over several lines; one line is enough.
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        let at = match line {
            // An unknown key names itself in toml's message; a wrong value does not.
            Some(n) => match key_on_line(&text, n) {
                Some(key) if !e.message().contains(key.rsplit('.').next().unwrap_or(&key)) => {
                    format!("line {n}: {key}: ")
                }
                _ => format!("line {n}: "),
            },
            None => String::new(),
        };
        ConfigError::Parse {
            file: path.to_owned(),
            message: format!(
                "{at}{} (billmigrate.example.toml shows every key)",
                e.message().trim_end()
            ),
        }
    })
}

/// The dotted key (`legacy.exclude_levels`) set on line `n` (1-based) of a TOML file, so a
/// value of the wrong type is reported by the key it is for.
fn key_on_line(text: &str, n: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let key = lines.get(n - 1)?.split_once('=')?.0.trim();
    if key.is_empty() || key.starts_with('#') {
        return None;
    }
    let section = lines[..n - 1]
        .iter()
        .rev()
        .find_map(|l| l.trim().strip_prefix('[')?.strip_suffix(']'));
    Some(match section {
        Some(s) => format!("{}.{key}", s.trim()),
        None => key.to_owned(),
    })
}

impl FileConfig {
    /// Applies the environment over the file, then the defaults of cli.md.
    pub fn with_env(self, env: Env<'_>) -> Values {
        let var = |key: &str| {
            let name = ENV_VARS.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)?;
            env(name).filter(|v| !v.is_empty())
        };
        let pick = |key: &str, file: Option<String>| var(key).or(file);
        Values {
            legacy_url: pick("legacy.url", self.legacy.url)
                .unwrap_or_else(|| "mysql://root@127.0.0.1:3306/billmgr".into()),
            legacy_timezone: pick("legacy.timezone", self.legacy.timezone)
                .unwrap_or_else(|| "UTC".into()),
            legacy_allow_write_access: var("legacy.allow_write_access")
                .or(self.legacy.allow_write_access.map(|b| b.to_string())),
            legacy_exclude_account_ids: self.legacy.exclude_account_ids.unwrap_or_default(),
            legacy_exclude_levels: self.legacy.exclude_levels.unwrap_or_default(),
            target_url: pick("target.url", self.target.url)
                .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/billing".into()),
            mappings_dir: pick("mappings.dir", self.mappings.dir)
                .unwrap_or_else(|| "mappings".into()),
            mail_transport: pick("mail.transport", self.mail.transport)
                .unwrap_or_else(|| "file:outbox-mail".into()),
            mail_from: pick("mail.from", self.mail.from),
            mail_reply_to: pick("mail.reply_to", self.mail.reply_to),
            mail_support_address: pick("mail.support_address", self.mail.support_address),
            new_billing_url: pick("links.new_billing_url", self.links.new_billing_url),
            old_billing_url: pick("links.old_billing_url", self.links.old_billing_url),
            cutoff_date: pick("cutoff.date", self.cutoff.date),
            tokens_ttl_hours: match var("tokens.ttl_hours") {
                // An unparsable override must not fall back silently: 0 fails validation.
                Some(v) => v.trim().parse().unwrap_or(0),
                None => self.tokens.ttl_hours.unwrap_or(168),
            },
            defaults_currency: pick("defaults.currency", self.defaults.currency)
                .unwrap_or_else(|| "UAH".into()),
            defaults_language: pick("defaults.language", self.defaults.language)
                .unwrap_or_else(|| "uk".into()),
        }
    }
}
