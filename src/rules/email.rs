//! Email validity and normalisation (rules.md "Definitions"): trimmed of Unicode white
//! space, `^[^@\s]+@[^@\s]+\.[^@\s]+$`, at most 254 Unicode scalar values; compared and
//! stored lower-cased. Hand-checked rather than a regex because the pattern is tiny and the
//! crate list is fixed.

/// The longest valid address, in Unicode scalar values.
pub const MAX_EMAIL_CHARS: usize = 254;

/// The normalised form (trimmed, lower-cased) when `raw` is a valid email, else `None`.
pub fn normalize(raw: Option<&str>) -> Option<String> {
    let trimmed = raw?.trim();
    is_valid_trimmed(trimmed).then(|| trimmed.to_lowercase())
}

fn is_valid_trimmed(s: &str) -> bool {
    if s.chars().count() > MAX_EMAIL_CHARS {
        return false;
    }
    let mut parts = s.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let clean = |p: &str| !p.is_empty() && !p.chars().any(char::is_whitespace);
    if !clean(local) || !clean(domain) {
        return false;
    }
    // `[^@\s]+\.[^@\s]+`: some dot with at least one character on each side.
    domain
        .char_indices()
        .any(|(i, c)| c == '.' && i > 0 && i + 1 < domain.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_valid_email_table() {
        let long_local = "a".repeat(250);
        let cases: &[(Option<&str>, Option<&str>)] = &[
            (Some("ivan@example.com"), Some("ivan@example.com")),
            (Some("  Ivan@Example.COM \t"), Some("ivan@example.com")),
            (
                Some("\u{00a0}olha@приклад.укр\u{2003}"),
                Some("olha@приклад.укр"),
            ),
            (Some("ІВАН@ПРИКЛАД.УКР"), Some("іван@приклад.укр")),
            (Some("a@b.c"), Some("a@b.c")),
            (Some("a@b..c"), Some("a@b..c")),
            (None, None),
            (Some(""), None),
            (Some("   "), None),
            (Some("no-at-sign.example.com"), None),
            (Some("two@@example.com"), None),
            (Some("a@b@example.com"), None),
            (Some("@example.com"), None),
            (Some("ivan@"), None),
            (Some("ivan@localhost"), None),
            (Some("ivan@.com"), None),
            (Some("ivan@example."), None),
            (Some("iv an@example.com"), None),
            (Some("ivan@exa\u{2003}mple.com"), None),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize(*raw).as_deref(), *want, "input {raw:?}");
        }
        let at_limit = format!("{}@x.ua", "a".repeat(MAX_EMAIL_CHARS - 5));
        assert_eq!(at_limit.chars().count(), 254);
        assert!(normalize(Some(&at_limit)).is_some());
        assert!(normalize(Some(&format!("{long_local}@x.uaa"))).is_none());
        // Counted in scalar values, not bytes: 254 Cyrillic letters are 508 bytes.
        let cyr = format!("{}@х.уа", "ж".repeat(MAX_EMAIL_CHARS - 5));
        assert!(normalize(Some(&cyr)).is_some());
    }
}
