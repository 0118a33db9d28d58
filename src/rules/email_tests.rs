//! Table tests of the valid-email definition (rules.md "Definitions"), one per clause, and
//! its agreement with what the mail transport (lettre) accepts.

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

/// The ASCII path gives the general path's verdict, clause for clause, on any ASCII text:
/// arbitrary bytes, and text built from the pieces an address is made of (so that most
/// cases get past the shape and reach the later clauses).
mod ascii_path {
    use super::*;
    use proptest::prelude::*;

    /// Address-like text: a local part and domain labels of ordinary characters, each with
    /// one arbitrary ASCII character somewhere (so every character meets every clause), now
    /// and then long runs for the length clauses and a second `@`.
    fn address_like() -> impl Strategy<Value = String> {
        let odd = "[\u{0}-\u{7f}]{0,1}";
        let local = (
            "[a-z0-9.]{0,4}",
            odd,
            "[a-z0-9.]{0,4}",
            prop_oneof![Just(0), 55..70usize],
        );
        let label = (
            "[a-z0-9-]{0,4}",
            odd,
            "[a-z0-9-]{0,3}",
            prop_oneof![Just(0), 60..66usize],
        );
        (
            local,
            prop::collection::vec(label, 1..4),
            "[a-z]{1,3}",
            0..8usize,
        )
            .prop_map(|((a, b, c, long), labels, tld, ats)| {
                let mut s = format!("{a}{b}{}{c}", "x".repeat(long));
                s.push_str(if ats == 0 { "@@" } else { "@" });
                for (a, b, c, long) in labels {
                    s.push_str(&format!("{a}{b}{}{c}.", "y".repeat(long)));
                }
                s + &tld
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]
        #[test]
        fn agrees_on_address_like_text(s in address_like()) {
            prop_assert_eq!(check_ascii(s.as_bytes()), check_any(&s), "{:?}", s);
        }

        #[test]
        fn agrees_on_any_ascii(s in "[\u{0}-\u{7f}]{0,40}") {
            prop_assert_eq!(check_ascii(s.as_bytes()), check_any(&s), "{:?}", s);
        }

        #[test]
        fn agrees_at_the_length_limits(local in 60..70usize, domain in 180..200usize) {
            let s = format!("{}@{}.com", "a".repeat(local), "b.".repeat(domain / 2));
            prop_assert_eq!(check_ascii(s.as_bytes()), check_any(&s), "{:?}", s);
        }
    }

    #[test]
    fn every_clause_is_reached() {
        let cases = [
            ("a@b.c", Ok(())),
            ("a@@b.c", Err(Invalid::Shape)),
            ("a b@c.d", Err(Invalid::Shape)),
            ("a@.b", Err(Invalid::Shape)),
            (&*format!("{}@b.com", "a".repeat(64)), Ok(())),
            (
                &*format!("{}@b.com", "a".repeat(65)),
                Err(Invalid::LocalPartTooLong),
            ),
            (
                &*format!("a@{}com", "b.".repeat(126)),
                Err(Invalid::TooLong),
            ),
            (".a@b.c", Err(Invalid::LocalPartDots)),
            ("a..b@c.d", Err(Invalid::LocalPartDots)),
            ("a(b@c.d", Err(Invalid::LocalPartCharacter)),
            ("a@b..c", Err(Invalid::DomainLabel)),
            ("a@-b.c", Err(Invalid::DomainLabel)),
            ("a@b_c.d", Err(Invalid::DomainLabel)),
            (
                &*format!("a@{}.com", "b".repeat(64)),
                Err(Invalid::DomainLabel),
            ),
        ];
        for (s, want) in cases {
            assert_eq!(check_ascii(s.as_bytes()), want, "{s}");
            assert_eq!(check_any(s), want, "{s}");
        }
    }
}

/// The local part's characters, one ASCII byte at a time, against rules.md's list (RFC 5322
/// `atext` plus inner dots): both paths share that set, so only a table holds it.
#[test]
fn every_ascii_character_of_the_local_part() {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b);
    for b in 0u8..128 {
        let s = format!("a{}b@example.com", b as char);
        let want = if allowed(b) {
            Ok(())
        } else if b == b'@' || (b as char).is_whitespace() {
            Err(Invalid::Shape)
        } else {
            Err(Invalid::LocalPartCharacter)
        };
        assert_eq!(check(&s), want, "{s:?}");
        if want.is_ok() {
            assert!(
                s.parse::<lettre::Address>().is_ok(),
                "the rule accepts {s:?} but lettre does not"
            );
        }
    }
}
