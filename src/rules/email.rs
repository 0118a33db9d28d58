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
        c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
    } else {
        c.is_alphanumeric()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(s: &str) -> bool {
        normalize(Some(s)).is_some()
    }

    /// `n` copies of `c`.
    fn rep(c: &str, n: usize) -> String {
        c.repeat(n)
    }

    #[test]
    fn valid_email_is_trimmed_and_lower_cased() {
        let cases: &[(Option<&str>, Option<&str>)] = &[
            (Some("ivan@example.com"), Some("ivan@example.com")),
            (Some("  Ivan@Example.COM \t"), Some("ivan@example.com")),
            (
                Some("\u{00a0}olha@приклад.укр\u{2003}"),
                Some("olha@приклад.укр"),
            ),
            (Some("ІВАН@ПРИКЛАД.УКР"), Some("іван@приклад.укр")),
            (None, None),
            (Some(""), None),
            (Some("   "), None),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize(*raw).as_deref(), *want, "input {raw:?}");
        }
    }

    #[test]
    fn an_invalid_email_says_which_clause_it_fails() {
        assert_eq!(why_invalid(Some(" ivan@example.com ")), None);
        assert_eq!(why_invalid(None), Some("there is no address"));
        assert_eq!(
            why_invalid(Some("owner@example..com")),
            Some(
                "a part of the domain is empty, longer than 63 characters, or has something other than letters, digits and inner hyphens"
            )
        );
        assert_eq!(
            why_invalid(Some(&format!("{}@example.com", rep("a", 242)))),
            Some("the part before @ is longer than 64 bytes")
        );
        assert_eq!(
            why_invalid(Some(&format!("{}@example.com", rep("İ", 32)))),
            Some("the part before @ is longer than 64 bytes"),
            "as stored, lower-cased"
        );
    }

    #[test]
    fn valid_email_matches_the_pattern() {
        for (s, want) in [
            ("a@b.c", true),
            ("no-at-sign.example.com", false),
            ("two@@example.com", false),
            ("a@b@example.com", false),
            ("@example.com", false),
            ("ivan@", false),
            ("ivan@localhost", false),
            ("ivan@.com", false),
            ("ivan@example.", false),
            ("iv an@example.com", false),
            ("ivan@exa\u{2003}mple.com", false),
        ] {
            assert_eq!(valid(s), want, "{s:?}");
            if !want {
                assert_eq!(check(s), Err(Invalid::Shape), "{s:?}");
            }
        }
    }

    #[test]
    fn valid_email_at_most_254_characters() {
        // 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254: every other clause holds.
        let at_limit = format!(
            "{}@{}.{}.{}",
            rep("a", 64),
            rep("b", 63),
            rep("c", 63),
            rep("d", 61)
        );
        assert_eq!(at_limit.chars().count(), 254);
        assert!(valid(&at_limit));
        let over = format!("{at_limit}d");
        assert_eq!(check(&over), Err(Invalid::TooLong));
        // Counted in scalar values, not bytes: 254 Cyrillic characters are 507 bytes.
        let cyr = format!(
            "{}@{}.{}.{}.{}",
            rep("я", 32),
            rep("ж", 55),
            rep("ж", 55),
            rep("ж", 55),
            rep("ж", 53)
        );
        assert_eq!(cyr.chars().count(), 254);
        assert!(cyr.len() > 500);
        assert!(valid(&cyr), "{:?}", check(&cyr));
        assert_eq!(check(&format!("{cyr}ж")), Err(Invalid::TooLong));
    }

    #[test]
    fn valid_email_local_part_at_most_64_bytes() {
        for (s, want) in [
            (format!("{}@example.com", rep("a", 64)), Ok(())),
            (
                format!("{}@example.com", rep("a", 65)),
                Err(Invalid::LocalPartTooLong),
            ),
            // Bytes of UTF-8, not characters: 32 Cyrillic letters are 64 bytes, 33 are 66.
            (format!("{}@приклад.укр", rep("я", 32)), Ok(())),
            (
                format!("{}@приклад.укр", rep("я", 33)),
                Err(Invalid::LocalPartTooLong),
            ),
            (
                format!("{}@example.com", rep("a", 242)),
                Err(Invalid::LocalPartTooLong),
            ),
        ] {
            assert_eq!(check(&s), want, "{s}");
        }
        // 32 × `İ` is 64 bytes, but its lower-case form (stored, emailed) is 96.
        let dotted_i = format!("{}@example.com", rep("İ", 32));
        assert_eq!(check(&dotted_i), Ok(()));
        assert_eq!(normalize(Some(&dotted_i)), None);
    }

    #[test]
    fn valid_email_local_part_not_beginning_or_ending_with_a_dot_nor_two_in_a_row() {
        for (s, want) in [
            ("first.last@example.com", Ok(())),
            ("a.b.c@example.com", Ok(())),
            (".ivan@example.com", Err(Invalid::LocalPartDots)),
            ("ivan.@example.com", Err(Invalid::LocalPartDots)),
            ("iv..an@example.com", Err(Invalid::LocalPartDots)),
            (".@example.com", Err(Invalid::LocalPartDots)),
        ] {
            assert_eq!(check(s), want, "{s}");
        }
    }

    #[test]
    fn valid_email_local_part_without_specials() {
        for c in ['(', ')', '<', '>', '[', ']', ':', ';', ',', '\\', '"'] {
            let s = format!("iv{c}an@example.com");
            assert_eq!(check(&s), Err(Invalid::LocalPartCharacter), "{s}");
        }
        for s in [
            "o'brien@example.com",
            "ivan+billing@example.com",
            "a!#$%&'*+-/=?^_`{|}~z@example.com",
            "олена@приклад.укр",
            "用户@例子.中国",
            "٣٤@example.com",
        ] {
            assert_eq!(check(s), Ok(()), "{s}");
        }
        // What lettre refuses, and so no mail could be sent to: controls, and non-ASCII
        // characters that are neither letters nor digits.
        for s in [
            "iv\u{1}an@example.com",
            "iv\u{7f}an@example.com",
            "😀@example.com",
            "a\u{200d}b@example.com",
            "©@example.com",
        ] {
            assert_eq!(check(s), Err(Invalid::LocalPartCharacter), "{s:?}");
        }
    }

    #[test]
    fn valid_email_domain_labels_of_1_to_63_letters_digits_and_hyphens() {
        for (s, want) in [
            (format!("a@{}.com", rep("b", 63)), Ok(())),
            (format!("a@{}.com", rep("b", 64)), Err(Invalid::DomainLabel)),
            ("a@my-host.example.com".into(), Ok(())),
            ("a@123.example.com".into(), Ok(())),
            ("a@приклад.укр".into(), Ok(())),
            ("a@example..com".into(), Err(Invalid::DomainLabel)),
            ("a@b..c".into(), Err(Invalid::DomainLabel)),
            ("a@-host.example.com".into(), Err(Invalid::DomainLabel)),
            ("a@host-.example.com".into(), Err(Invalid::DomainLabel)),
            ("a@ex_ample.com".into(), Err(Invalid::DomainLabel)),
            ("a@exa!mple.com".into(), Err(Invalid::DomainLabel)),
            ("a@[127.0.0.1]".into(), Err(Invalid::DomainLabel)),
            ("a@example.com.".into(), Err(Invalid::DomainLabel)),
        ] {
            assert_eq!(check(&s), want, "{s}");
        }
    }

    #[test]
    fn valid_email_domain_labels_fit_dns_in_their_ascii_form() {
        // 55 Cyrillic letters are 110 bytes but `xn--` + 57 octets: fine.
        assert_eq!(check(&format!("a@{}.укр", rep("ж", 55))), Ok(()));
        // 63 Cyrillic letters are 63 characters, but their punycode is 69 octets.
        assert_eq!(
            check(&format!("a@{}.укр", rep("ж", 63))),
            Err(Invalid::DomainTooLongForDns)
        );
    }

    /// Every address the rule accepts is one lettre (the transport `send` uses) accepts;
    /// where the two differ, it is lettre that takes more (documented in decisions.md).
    #[test]
    fn valid_email_agrees_with_the_mail_transport() {
        use lettre::Address;
        let lettre_ok = |s: &str| s.parse::<Address>().is_ok();
        let mut accepted = vec![
            "ivan@example.com".to_owned(),
            "олена@приклад.укр".into(),
            "a!#$%&'*+-/=?^_`{|}~z@example.com".into(),
            format!(
                "{}@{}.{}.{}",
                rep("a", 64),
                rep("b", 63),
                rep("c", 63),
                rep("d", 61)
            ),
            format!(
                "{}@{}.{}.{}.{}",
                rep("я", 32),
                rep("ж", 55),
                rep("ж", 55),
                rep("ж", 55),
                rep("ж", 53)
            ),
            format!("a@{}.укр", rep("ж", 55)),
        ];
        // Rejected by both.
        let both_reject = [
            format!("{}@example.com", rep("a", 65)),
            format!("{}@приклад.укр", rep("я", 33)),
            ".ivan@example.com".into(),
            "ivan.@example.com".into(),
            "iv..an@example.com".into(),
            "iv(an@example.com".into(),
            "iv,an@example.com".into(),
            "😀@example.com".into(),
            "a@example..com".into(),
            "a@-host.com".into(),
            "a@host-.com".into(),
            format!("a@{}.com", rep("b", 64)),
            format!("a@{}.укр", rep("ж", 63)),
            "a@b@example.com".into(),
        ];
        for s in &both_reject {
            assert!(normalize(Some(s)).is_none() && !lettre_ok(s), "{s}");
        }
        // Rejected by the rule, taken by lettre: rules.md's pattern and label clauses are
        // narrower than what lettre parses.
        for s in [
            "ivan@localhost",
            "a@ex_ample.com",
            "a@[127.0.0.1]",
            "\"iv an\"@example.com",
        ] {
            assert!(normalize(Some(s)).is_none() && lettre_ok(s), "{s}");
        }
        // And a deterministic sweep over awkward alphabets (a simple LCG, no global RNG).
        let alphabet: Vec<char> = "ab.-_@!+я𝔸٣😀\u{200d}\u{301}(\"ЖZ0".chars().collect();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut s = String::new();
            for _ in 0..(x % 12 + 3) {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                s.push(alphabet[(x >> 33) as usize % alphabet.len()]);
            }
            if normalize(Some(&s)).is_some() {
                accepted.push(s);
            }
        }
        assert!(accepted.len() > 6, "the sweep found valid addresses");
        for s in &accepted {
            assert!(valid(s), "{s}");
            assert!(lettre_ok(s), "the rule accepts {s:?} but lettre does not");
            // And as stored: lower-cased.
            assert!(lettre_ok(&s.to_lowercase()), "{s:?} lower-cased");
        }
    }
}
