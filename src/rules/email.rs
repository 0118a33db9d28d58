//! Email validity and normalisation (rules.md "Definitions"): trimmed of Unicode white
//! space, `^[^@\s]+@[^@\s]+\.[^@\s]+$`, at most 254 Unicode scalar values, AND an address a
//! mail server takes: a dot-atom local part of at most 64 bytes and domain labels of 1–63
//! letters, digits and hyphens. Compared and stored lower-cased. Hand-checked rather than a
//! regex because the pattern is tiny and the crate list is fixed.
//!
//! "A mail server takes" is read as "our transport can send it": the test at the bottom
//! checks that every address accepted here is also accepted by lettre's `Address`, so an
//! owner who migrates can always be sent the password-set link. Where lettre is stricter
//! than the RFCs (non-letter symbols such as emoji in the local part) this rule follows
//! lettre; where it is looser (quoted local parts, IP literals, `_` in domains) the rule
//! stays with rules.md. docs/decisions.md lists both.

/// The longest valid address, in Unicode scalar values.
pub const MAX_EMAIL_CHARS: usize = 254;
/// The longest local part, in bytes of UTF-8 (RFC 5321 4.5.3.1.1).
pub const MAX_LOCAL_BYTES: usize = 64;
/// The longest domain label, in characters (and, in its DNS form, in octets).
pub const MAX_LABEL_CHARS: usize = 63;
/// The longest domain in its DNS (ASCII) form, as lettre counts it.
const MAX_DOMAIN_OCTETS: usize = 254;

/// Which clause of "valid email" an address fails (the first one, in rules.md's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// No address, or one that does not match `^[^@\s]+@[^@\s]+\.[^@\s]+$`.
    Shape,
    /// More than 254 characters.
    TooLong,
    /// A local part of more than 64 bytes.
    LocalPartTooLong,
    /// A local part that begins or ends with a dot, or has two dots in a row.
    LocalPartDots,
    /// A local part with one of `( ) < > [ ] : ; , \ "`, a control character, or a
    /// non-ASCII character that is neither a letter nor a digit (see the module header).
    LocalPartCharacter,
    /// A domain label that is empty, longer than 63 characters, has a character other than
    /// a letter, digit or hyphen, or begins or ends with a hyphen.
    DomainLabel,
    /// A domain whose DNS form (punycode) has a label over 63 octets or is over 254.
    DomainTooLongForDns,
}

/// The normalised form (trimmed, lower-cased) when `raw` is a valid email, else `None`.
pub fn normalize(raw: Option<&str>) -> Option<String> {
    let trimmed = raw?.trim();
    if trimmed.is_ascii() {
        // ASCII lower-casing keeps every character's class and the length, so one check
        // decides for both forms (the usual case: it halves the work per address).
        let lower = trimmed.to_ascii_lowercase();
        return check(&lower).is_ok().then_some(lower);
    }
    check(trimmed).ok()?;
    // The lower-cased form is what is stored and emailed, and lower-casing can lengthen a
    // string (`İ`, 2 bytes, becomes `i̇`, 3 bytes): it must pass too.
    let lower = trimmed.to_lowercase();
    check(&lower).is_ok().then_some(lower)
}

/// Why `raw` is not a valid email, in words for support (`explain`); `None` when it is.
pub fn why_invalid(raw: Option<&str>) -> Option<&'static str> {
    let Some(raw) = raw else {
        return Some("there is no address");
    };
    let trimmed = raw.trim();
    let invalid = check(trimmed)
        .and_then(|()| check(&trimmed.to_lowercase()))
        .err()?;
    Some(match invalid {
        Invalid::Shape => "it is not of the form name@domain.tld",
        Invalid::TooLong => "it is longer than 254 characters",
        Invalid::LocalPartTooLong => "the part before @ is longer than 64 bytes",
        Invalid::LocalPartDots => {
            "the part before @ begins or ends with a dot, or has two dots in a row"
        }
        Invalid::LocalPartCharacter => {
            "the part before @ has a character mail servers refuse (such as ( ) < > [ ] : ; , \\ \" or a symbol)"
        }
        Invalid::DomainLabel => {
            "a part of the domain is empty, longer than 63 characters, or has something other than letters, digits and inner hyphens"
        }
        Invalid::DomainTooLongForDns => "the domain is too long for DNS",
    })
}

/// Checks an already trimmed address against every clause of "valid email".
pub fn check(s: &str) -> Result<(), Invalid> {
    if s.is_ascii() {
        return check_ascii(s.as_bytes());
    }
    check_any(s)
}

/// [`check`] for any text: each clause in turn, by Unicode character.
fn check_any(s: &str) -> Result<(), Invalid> {
    let mut parts = s.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Invalid::Shape);
    };
    let clean = |p: &str| !p.is_empty() && !p.chars().any(char::is_whitespace);
    // `[^@\s]+\.[^@\s]+`: some dot with at least one character on each side.
    let dotted = domain
        .char_indices()
        .any(|(i, c)| c == '.' && i > 0 && i + 1 < domain.len());
    if !clean(local) || !clean(domain) || !dotted {
        return Err(Invalid::Shape);
    }
    if s.chars().count() > MAX_EMAIL_CHARS {
        return Err(Invalid::TooLong);
    }
    check_local(local)?;
    check_domain(domain)
}

fn check_local(local: &str) -> Result<(), Invalid> {
    if local.len() > MAX_LOCAL_BYTES {
        return Err(Invalid::LocalPartTooLong);
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(Invalid::LocalPartDots);
    }
    if !local.chars().all(|c| c == '.' || is_atext(c)) {
        return Err(Invalid::LocalPartCharacter);
    }
    Ok(())
}

/// RFC 5322 `atext` (the specials, white space and controls excluded), with non-ASCII
/// limited to letters and digits: lettre refuses other non-ASCII characters.
fn is_atext(c: char) -> bool {
    if c.is_ascii() {
        is_ascii_atext(c as u8)
    } else {
        c.is_alphanumeric()
    }
}

/// [`is_atext`] of an ASCII byte: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
fn is_ascii_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'/'
                | b'='
                | b'?'
                | b'^'
                | b'_'
                | b'`'
                | b'{'
                | b'|'
                | b'}'
                | b'~'
        )
}

fn check_domain(domain: &str) -> Result<(), Invalid> {
    for label in domain.split('.') {
        let ok = (1..=MAX_LABEL_CHARS).contains(&label.chars().count())
            && label.chars().all(|c| c == '-' || c.is_alphanumeric())
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(Invalid::DomainLabel);
        }
    }
    // A label of 63 characters may be 126 bytes of UTF-8; what DNS limits is its ASCII
    // (punycode) form. lettre takes the domain as it is when every label fits in 63 bytes
    // and the whole in 254, and converts it to that form otherwise: do the same.
    let fits = |d: &str| d.len() <= MAX_DOMAIN_OCTETS && d.split('.').all(|l| l.len() <= 63);
    if fits(domain) {
        return Ok(());
    }
    match url::Host::parse(domain) {
        Ok(url::Host::Domain(ascii)) if fits(&ascii) => Ok(()),
        _ => Err(Invalid::DomainTooLongForDns),
    }
}

/// [`check_any`]'s verdict for an ASCII address, clause for clause in the same order, in
/// a few passes over its bytes. Nearly every legacy address is ASCII, and the general path
/// walks each one a dozen times by character: it was a sixth of the rules' time in `plan`.
/// A property test holds the two to the same verdict on any ASCII text.
fn check_ascii(s: &[u8]) -> Result<(), Invalid> {
    // `char::is_whitespace` on ASCII.
    let space = |c: &u8| matches!(c, b' ' | b'\t'..=b'\r');
    let Some(at) = s.iter().position(|&c| c == b'@') else {
        return Err(Invalid::Shape);
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    // Some dot with at least one byte on each side of it inside the domain.
    let dotted = domain.len() > 2 && domain[1..domain.len() - 1].contains(&b'.');
    if local.is_empty()
        || domain.contains(&b'@')
        || local.iter().any(space)
        || domain.iter().any(space)
        || !dotted
    {
        return Err(Invalid::Shape);
    }
    if s.len() > MAX_EMAIL_CHARS {
        return Err(Invalid::TooLong);
    }
    if local.len() > MAX_LOCAL_BYTES {
        return Err(Invalid::LocalPartTooLong);
    }
    if local[0] == b'.' || local[local.len() - 1] == b'.' || local.windows(2).any(|w| w == b"..") {
        return Err(Invalid::LocalPartDots);
    }
    if !local.iter().all(|&c| c == b'.' || is_ascii_atext(c)) {
        return Err(Invalid::LocalPartCharacter);
    }
    for label in domain.split(|&c| c == b'.') {
        let ok = (1..=MAX_LABEL_CHARS).contains(&label.len())
            && label
                .iter()
                .all(|c| *c == b'-' || c.is_ascii_alphanumeric())
            && label[0] != b'-'
            && label[label.len() - 1] != b'-';
        if !ok {
            return Err(Invalid::DomainLabel);
        }
    }
    // At most 254 bytes in all with labels of at most 63: an ASCII domain is already in the
    // form DNS takes.
    Ok(())
}

#[cfg(test)]
#[path = "email_tests.rs"]
mod tests;
