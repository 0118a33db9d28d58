//! TLS to the legacy MariaDB/MySQL server, set in `legacy.url` with the MySQL client's own
//! option names: `?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/billmigrate/legacy-ca.pem`.
//!
//! | ssl-mode | encrypted | certificate checked against | host name checked |
//! |---|---|---|---|
//! | `DISABLED` (or none given) | no | - | - |
//! | `REQUIRED` | yes | nothing | no |
//! | `VERIFY_CA` (default when only `ssl-ca` is given) | yes | `ssl-ca`, else the built-in roots | yes (see below) |
//! | `VERIFY_IDENTITY` | yes | `ssl-ca`, else the built-in roots | yes |
//!
//! A server across a network should be reached with `VERIFY_IDENTITY`. `VERIFY_CA` asks the
//! driver to skip the host-name check, but mysql_async 0.37 recognises the skip only by an
//! older rustls error text, so in practice it checks the name too: stricter, never weaker
//! (tests/tls.rs pins this; docs/decisions.md). The two options are
//! taken out of the URL before the driver reads it (it refuses options it does not know).

use std::path::PathBuf;

use mysql_async::{Opts, OptsBuilder, SslOpts};

/// The `ssl-mode` values, as the MySQL client spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disabled,
    Required,
    VerifyCa,
    VerifyIdentity,
}

/// What `legacy.url` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyTls {
    pub mode: SslMode,
    pub ca: Option<PathBuf>,
}

/// Splits the TLS options off a legacy URL: the URL the driver reads, and the TLS request.
pub fn split(raw: &str) -> Result<(String, LegacyTls), String> {
    let mut url = url::Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
    let mut mode = None;
    let mut ca = None;
    let mut kept: Vec<(String, String)> = Vec::new();
    for (key, value) in url.query_pairs() {
        match key.replace('_', "-").to_ascii_lowercase().as_str() {
            "ssl-mode" | "sslmode" => {
                mode = Some(
                    match value.to_ascii_uppercase().replace('-', "_").as_str() {
                        "DISABLED" => SslMode::Disabled,
                        "REQUIRED" => SslMode::Required,
                        "VERIFY_CA" => SslMode::VerifyCa,
                        "VERIFY_IDENTITY" => SslMode::VerifyIdentity,
                        other => {
                            return Err(format!(
                                "ssl-mode={other}: expected DISABLED, REQUIRED, VERIFY_CA or \
                             VERIFY_IDENTITY"
                            ));
                        }
                    },
                )
            }
            "ssl-ca" => ca = Some(PathBuf::from(value.as_ref())),
            _ => kept.push((key.into_owned(), value.into_owned())),
        }
    }
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(&kept);
    }
    let mode = mode.unwrap_or(if ca.is_some() {
        SslMode::VerifyCa
    } else {
        SslMode::Disabled
    });
    if let Some(ca) = &ca {
        if mode == SslMode::Disabled {
            return Err("ssl-ca is given but ssl-mode=DISABLED".into());
        }
        if !ca.is_file() {
            return Err(format!("ssl-ca={}: no such file", ca.display()));
        }
    }
    Ok((url.to_string(), LegacyTls { mode, ca }))
}

/// The driver's options for a legacy URL, TLS included.
pub fn opts(raw: &str) -> Result<(Opts, LegacyTls), String> {
    let (url, tls) = split(raw)?;
    let opts = Opts::from_url(&url).map_err(|e| e.to_string())?;
    let ssl = match tls.mode {
        SslMode::Disabled => None,
        mode => {
            let mut ssl = SslOpts::default()
                .with_danger_accept_invalid_certs(mode == SslMode::Required)
                .with_danger_skip_domain_validation(mode != SslMode::VerifyIdentity);
            if let Some(ca) = &tls.ca {
                ssl = ssl
                    .with_root_certs(vec![ca.clone().into()])
                    .with_disable_built_in_roots(true);
            }
            Some(ssl)
        }
    };
    // TLS must cover the whole session: no switch to a Unix socket behind its back.
    let opts = OptsBuilder::from_opts(opts)
        .prefer_socket(ssl.is_none())
        .ssl_opts(ssl);
    Ok((opts.into(), tls))
}

/// A connection error made plain when TLS was asked for and the handshake is what failed.
pub fn explain(tls: &LegacyTls, message: String) -> String {
    let lower = message.to_ascii_lowercase();
    let tls_failed = ["certificate", "tls", "ssl", "handshake", "unknownissuer"]
        .iter()
        .any(|w| lower.contains(w));
    if tls.mode == SslMode::Disabled || !tls_failed {
        return message;
    }
    let against = tls.ca.as_ref().map_or_else(
        || "the built-in root certificates".to_owned(),
        |ca| format!("ssl-ca={}", ca.display()),
    );
    format!(
        "TLS to the legacy server failed: {message}. Its certificate did not verify against \
         {against}{} — check the CA file and the host name in legacy.url (never switch \
         verification off for a server across a network)",
        if tls.mode == SslMode::VerifyIdentity {
            " and the URL's host name"
        } else {
            ""
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_options_are_split_off_and_read() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "x").unwrap();
        let ca_s = ca.display().to_string();
        let base = "mysql://ro:pw@db.example:3306/billmgr";
        // (query, URL left for the driver, mode)
        let cases = [
            (String::new(), base.to_owned(), SslMode::Disabled),
            (
                "?ssl-mode=REQUIRED".into(),
                base.to_owned(),
                SslMode::Required,
            ),
            (
                format!("?ssl-ca={ca_s}"),
                base.to_owned(),
                SslMode::VerifyCa,
            ),
            (
                format!("?ssl_mode=verify_identity&ssl-ca={ca_s}&stmt_cache_size=10"),
                format!("{base}?stmt_cache_size=10"),
                SslMode::VerifyIdentity,
            ),
        ];
        for (query, url, mode) in cases {
            let (left, tls) = split(&format!("{base}{query}")).unwrap();
            assert_eq!((left.as_str(), tls.mode), (url.as_str(), mode), "{query}");
        }
        for bad in [
            "?ssl-mode=PREFERRED".to_owned(),
            "?ssl-ca=/nonexistent/ca.pem".to_owned(),
            format!("?ssl-mode=DISABLED&ssl-ca={ca_s}"),
        ] {
            assert!(split(&format!("{base}{bad}")).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_failed_handshake_is_explained_only_when_tls_was_asked_for() {
        let tls = LegacyTls {
            mode: SslMode::VerifyIdentity,
            ca: Some("/etc/ca.pem".into()),
        };
        let m = explain(&tls, "invalid peer certificate: UnknownIssuer".into());
        assert!(
            m.contains("ssl-ca=/etc/ca.pem") && m.contains("host name"),
            "{m}"
        );
        let off = LegacyTls {
            mode: SslMode::Disabled,
            ca: None,
        };
        assert_eq!(explain(&off, "certificate".into()), "certificate");
        assert_eq!(
            explain(&tls, "Connection refused".into()),
            "Connection refused"
        );
    }
}
