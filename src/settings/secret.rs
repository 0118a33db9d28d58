//! Connection URLs that may carry a password. The password is kept for connecting and is
//! never shown: `Display` and `Debug` print the URL with `***` in its place, so a settings
//! dump, a log line or an error chain cannot leak it.

use std::fmt;

/// A URL whose password must not be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl {
    raw: String,
    /// The password was set from the environment, not written in the URL: an "access
    /// denied" message says which of the two to correct.
    password_from_env: bool,
}

impl SecretUrl {
    /// Wraps `raw`; when `env_password` is set, it becomes the URL's password (secrets may
    /// live in the environment alone).
    pub fn new(raw: &str, env_password: Option<String>) -> Result<SecretUrl, String> {
        let mut url = url::Url::parse(raw).map_err(|e| format!("not a URL ({e})"))?;
        let mut password_from_env = false;
        if let Some(password) = env_password.filter(|p| !p.is_empty()) {
            url.set_password(Some(&password))
                .map_err(|()| "cannot carry a password".to_owned())?;
            password_from_env = true;
        }
        Ok(SecretUrl {
            raw: url.to_string(),
            password_from_env,
        })
    }

    /// Where the password came from and where to correct it, for an "access denied"
    /// message: `key` is the URL's setting, `env_var` the variable that may supply the password.
    pub fn password_origin(&self, key: &str, env_var: &str) -> String {
        match (self.password_from_env, self.password()) {
            (true, _) => format!("the password came from {env_var}: correct it there"),
            (false, Some(p)) if !p.is_empty() => {
                format!("the password came from {key}: correct it there or set {env_var}")
            }
            _ => format!("no password was given: set {env_var}"),
        }
    }

    /// `host:port` of the URL (`default_port` when it names none), for "nothing listens".
    pub fn host_port(&self, default_port: u16) -> String {
        match url::Url::parse(&self.raw) {
            Ok(u) => format!(
                "{}:{}",
                u.host_str().unwrap_or("localhost"),
                u.port().unwrap_or(default_port)
            ),
            Err(_) => "?".to_owned(),
        }
    }

    /// The real URL, password included: only for handing to a driver.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The URL's scheme (`mysql`, `postgres`, `smtp`, …).
    pub fn scheme(&self) -> &str {
        self.raw.split(':').next().unwrap_or("")
    }

    /// The URL with any password masked.
    pub fn redacted(&self) -> String {
        redact(&self.raw)
    }

    /// `message` with this URL's password masked (drivers may echo the URL in errors).
    pub fn scrub(&self, message: &str) -> String {
        match self.password() {
            Some(p) if !p.is_empty() => message.replace(&p, "***"),
            _ => message.to_owned(),
        }
    }

    /// The password, when the URL has one — for scrubbing it out of driver error messages.
    pub fn password(&self) -> Option<String> {
        let url = url::Url::parse(&self.raw).ok()?;
        url.password().map(percent_decode)
    }
}

fn percent_decode(p: &str) -> String {
    url::form_urlencoded::parse(format!("p={p}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Masks the password in any URL-like text; text that is not a URL is returned unchanged.
pub fn redact(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({})", self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_never_displayed() {
        let url = SecretUrl::new("mysql://reader:s3cr%21t@db.example:3306/billmgr", None).unwrap();
        for shown in [url.to_string(), format!("{url:?}"), url.redacted()] {
            assert!(!shown.contains("s3cr"), "{shown}");
            assert!(shown.contains("reader:***@db.example"), "{shown}");
        }
        assert_eq!(url.password().as_deref(), Some("s3cr!t"));
        assert!(url.expose().contains("s3cr%21t"));
    }

    #[test]
    fn password_from_environment_is_applied_and_hidden() {
        let url = SecretUrl::new(
            "postgres://postgres@127.0.0.1/billing",
            Some("hunter2".into()),
        )
        .unwrap();
        assert!(url.expose().contains(":hunter2@"));
        assert!(!format!("{url} {url:?}").contains("hunter2"));
        let plain = SecretUrl::new("postgres://postgres@127.0.0.1/billing", None).unwrap();
        assert_eq!(plain.to_string(), "postgres://postgres@127.0.0.1/billing");
    }
}
