//! What went wrong connecting to the legacy database, in one sentence an operator can act
//! on. mysql_async's own text nests each layer's message in the next (`Input/output error:
//! Input/output error: Connection refused`) and names neither the server nor the setting
//! to change; the cases an operator meets on day one get their own wording here.

use std::io::ErrorKind;

use mysql_async::{Error, IoError};

use crate::settings::SecretUrl;

/// MariaDB's "Access denied for user".
const ACCESS_DENIED: u16 = 1045;
/// MariaDB's "Unknown database".
const UNKNOWN_DATABASE: u16 = 1049;
const DEFAULT_PORT: u16 = 3306;
const PASSWORD_VAR: &str = "BILLMIGRATE_LEGACY_PASSWORD";

/// The cause and the fix, without the URL (the caller names the server first).
pub fn describe(url: &SecretUrl, error: &Error) -> String {
    let at = url.host_port(DEFAULT_PORT);
    match error {
        Error::Io(IoError::Io(io)) if io.kind() == ErrorKind::ConnectionRefused => format!(
            "nothing listens on {at}; check the host and port of legacy.url \
             (BILLMIGRATE_LEGACY_URL), or start MariaDB (scripts/services)"
        ),
        Error::Io(IoError::Io(io)) => format!(
            "cannot reach {at} ({}); check the host and port of legacy.url \
             (BILLMIGRATE_LEGACY_URL)",
            url.scrub(&io.to_string())
        ),
        Error::Server(s) if s.code == ACCESS_DENIED => format!(
            "{}; {}",
            url.scrub(&s.message),
            url.password_origin("legacy.url", PASSWORD_VAR)
        ),
        Error::Server(s) if s.code == UNKNOWN_DATABASE => format!(
            "{}; check the database name at the end of legacy.url",
            url.scrub(&s.message)
        ),
        // Any other server message is already one sentence; the driver's prefixes are not.
        Error::Server(s) => url.scrub(&format!("{} (error {})", s.message, s.code)),
        other => url.scrub(&innermost(other)),
    }
}

/// The deepest error's text: every outer layer of the chain repeats it.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut e = error;
    while let Some(source) = e.source() {
        e = source;
    }
    e.to_string()
}
