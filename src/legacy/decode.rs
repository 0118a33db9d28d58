//! Turning raw MySQL values into the model's types while surviving legacy conventions:
//! NULL flags are off, zero and impossible dates are unknown, text may be any bytes, numbers
//! may arrive as text. Decoding never fails — a value that cannot mean anything becomes
//! `None` and the rules decide what that implies.

use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use mysql_async::Value;
use rust_decimal::Decimal;

/// Text, replacing invalid UTF-8 rather than failing (legacy columns hold anything).
pub fn text(value: Value) -> Option<String> {
    match value {
        Value::NULL => None,
        Value::Bytes(bytes) => Some(match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }),
        Value::Int(n) => Some(n.to_string()),
        Value::UInt(n) => Some(n.to_string()),
        other => Some(other.as_sql(true).trim_matches('\'').to_owned()),
    }
}

/// Text where the model wants a string even for NULL.
pub fn text_or_empty(value: Value) -> String {
    text(value).unwrap_or_default()
}

/// An integer; text that does not parse (e.g. `''`) is `None`.
pub fn int(value: Value) -> Option<i64> {
    match value {
        Value::Int(n) => Some(n),
        Value::UInt(n) => i64::try_from(n).ok(),
        Value::Bytes(bytes) => std::str::from_utf8(&bytes).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// An ISO 4217 code: trimmed, upper-cased, exactly three ASCII letters. Anything else
/// (`''`, `'???'`, `'US'`) names no currency, exactly like a missing `currency` row.
pub fn iso_code(value: Value) -> Option<String> {
    let code = text(value)?.trim().to_ascii_uppercase();
    (code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())).then_some(code)
}

/// A legacy flag: on only when exactly `'on'` (an ENUM or text column) or the integer 1 (an
/// integer column: BILLmanager 4 stored `superuser` as 1). Text `'1'`, `'ON'` or `' on'`
/// stays off, as the legacy code compared exactly; the driver hands integer columns over as
/// integers, so the column's type decides which spelling counts.
pub fn flag(value: Value) -> bool {
    match value {
        Value::Bytes(ref b) => b.as_slice() == b"on",
        Value::Int(n) => n == 1,
        Value::UInt(n) => n == 1,
        _ => false,
    }
}

/// A money value that is not a whole number of cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreadable;

/// A money value: NULL is `Ok(None)`; a number with at most two decimals is `Ok(Some)`;
/// anything else (text that is no number, `12,50`, a fraction of a cent, more than 28
/// digits) is `Err` — never a silent zero, because that would lose money. A binary float
/// (a DOUBLE column) counts by its shortest decimal spelling, the one the legacy UI showed.
pub fn money(value: Value) -> Result<Option<Decimal>, Unreadable> {
    let parsed = match value {
        Value::NULL => return Ok(None),
        Value::Bytes(bytes) => std::str::from_utf8(&bytes)
            .ok()
            .map(str::trim)
            // Plain notation only: `1e3` or `0x10` in a text column is not an amount.
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit() || b"+-.".contains(&b)))
            .and_then(|s| Decimal::from_str(s).ok()),
        Value::Int(n) => Some(Decimal::from(n)),
        Value::UInt(n) => Some(Decimal::from(n)),
        Value::Float(x) => Decimal::from_str(&x.to_string()).ok(),
        Value::Double(x) => Decimal::from_str(&x.to_string()).ok(),
        _ => None,
    };
    match parsed {
        Some(mut amount) if amount.normalize().scale() <= 2 => {
            amount.rescale(2);
            Ok(Some(amount))
        }
        _ => Err(Unreadable),
    }
}

/// A known DATETIME: not NULL, not a zero date, a real calendar date and time.
pub fn datetime(value: Value) -> Option<NaiveDateTime> {
    match value {
        Value::Date(y, mo, d, h, mi, s, us) => NaiveDate::from_ymd_opt(
            y.into(),
            mo.into(),
            d.into(),
        )?
        .and_hms_micro_opt(h.into(), mi.into(), s.into(), us),
        Value::Bytes(bytes) => parse_datetime(std::str::from_utf8(&bytes).ok()?),
        _ => None,
    }
}

/// A known DATE (a DATETIME's date part is accepted too).
pub fn date(value: Value) -> Option<NaiveDate> {
    match value {
        Value::Date(y, mo, d, ..) => NaiveDate::from_ymd_opt(y.into(), mo.into(), d.into()),
        Value::Bytes(bytes) => {
            let s = std::str::from_utf8(&bytes).ok()?.trim();
            NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
        }
        _ => None,
    }
}

fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()?
                .and_hms_opt(0, 0, 0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_impossible_dates_are_unknown() {
        assert_eq!(datetime(Value::Date(0, 0, 0, 0, 0, 0, 0)), None);
        assert_eq!(datetime(Value::Date(2011, 2, 30, 0, 0, 0, 0)), None);
        assert_eq!(datetime(Value::Date(2011, 0, 15, 0, 0, 0, 0)), None);
        assert_eq!(
            datetime(Value::Bytes(b"0000-00-00 00:00:00".to_vec())),
            None
        );
        assert_eq!(datetime(Value::NULL), None);
        let known = datetime(Value::Date(2011, 3, 2, 10, 5, 1, 0)).unwrap();
        assert_eq!(known.to_string(), "2011-03-02 10:05:01");
        assert_eq!(
            datetime(Value::Bytes(b"2011-03-02 10:05:01".to_vec())),
            Some(known)
        );
        assert_eq!(date(Value::Bytes(b"0000-00-00".to_vec())), None);
        assert_eq!(
            date(Value::Date(2024, 2, 29, 0, 0, 0, 0))
                .unwrap()
                .to_string(),
            "2024-02-29"
        );
    }

    #[test]
    fn currency_codes_are_three_letters_or_nothing() {
        let code = |s: &str| iso_code(Value::Bytes(s.as_bytes().to_vec()));
        assert_eq!(code(" uah ").as_deref(), Some("UAH"));
        for bad in ["", "???", "US", "USDT", "У.Е"] {
            assert_eq!(code(bad), None, "{bad:?}");
        }
        assert_eq!(iso_code(Value::NULL), None);
    }

    #[test]
    fn flags_are_on_only_when_exactly_on_or_integer_one() {
        // (value as the driver returns it, on?) for ENUM, VARCHAR and integer columns.
        let cases = [
            (Value::Bytes(b"on".to_vec()), true),
            (Value::Int(1), true),
            (Value::UInt(1), true),
            (Value::NULL, false),
            (Value::Bytes(b"off".to_vec()), false),
            (Value::Bytes(b"ON".to_vec()), false),
            (Value::Bytes(b" on".to_vec()), false),
            (Value::Bytes(b"1".to_vec()), false),
            (Value::Bytes(b"yes".to_vec()), false),
            (Value::Bytes(Vec::new()), false),
            (Value::Int(0), false),
            (Value::Int(2), false),
            (Value::Int(-1), false),
            (Value::Double(1.0), false),
        ];
        for (value, on) in cases {
            assert_eq!(flag(value.clone()), on, "{value:?}");
        }
    }

    #[test]
    fn text_keeps_any_valid_utf8_and_replaces_what_is_not() {
        let long = "Поліщук Андрій ".repeat(20);
        let some = |s: &str| Some(s.to_owned());
        let cases: Vec<(Value, Option<String>)> = vec![
            (Value::NULL, None),
            (Value::Bytes(Vec::new()), some("")),
            (
                Value::Bytes("ivan@example.com".into()),
                some("ivan@example.com"),
            ),
            (Value::Bytes(long.clone().into()), some(&long)),
            (Value::Bytes("Тест 😀".into()), some("Тест 😀")),
            (Value::Bytes(b"ab\xffcd".to_vec()), some("ab\u{fffd}cd")),
            // A character cut in half at the end of a long value.
            (
                Value::Bytes([long.as_bytes(), &[0xd0]].concat()),
                Some(format!("{long}\u{fffd}")),
            ),
            (Value::Int(-5), some("-5")),
            (Value::UInt(7), some("7")),
        ];
        for (value, want) in cases {
            assert_eq!(text(value.clone()), want, "{value:?}");
        }
    }

    #[test]
    fn text_dates_read_like_datetimes_and_garbage_is_unknown() {
        let text = |s: &str| Value::Bytes(s.as_bytes().to_vec());
        let cases = [
            ("2011-03-02 10:05:01", Some("2011-03-02 10:05:01")),
            (" 2011-03-02 10:05:01 ", Some("2011-03-02 10:05:01")),
            ("2011-03-02", Some("2011-03-02 00:00:00")),
            ("0000-00-00 00:00:00", None),
            ("2011-02-30 00:00:00", None),
            ("", None),
            ("yesterday", None),
            ("02.03.2011", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(
                datetime(text(raw)).map(|d| d.to_string()).as_deref(),
                expected,
                "{raw:?}"
            );
        }
    }

    #[test]
    fn odd_values_decode_without_failing() {
        assert_eq!(int(Value::Bytes(b"".to_vec())), None);
        assert_eq!(int(Value::Bytes(b" 3 ".to_vec())), Some(3));
        assert_eq!(
            text(Value::Bytes(vec![b'a', 0xff, b'b'])).unwrap(),
            "a\u{fffd}b"
        );
        assert_eq!(
            money(Value::Bytes(b"-0.00".to_vec())).unwrap(),
            Some(Decimal::ZERO)
        );
        assert_eq!(
            money(Value::Bytes(b"123456789012345678.99".to_vec()))
                .unwrap()
                .unwrap()
                .to_string(),
            "123456789012345678.99"
        );
        assert_eq!(money(Value::NULL), Ok(None));
        assert_eq!(
            money(Value::Double(12.34)).unwrap().unwrap().to_string(),
            "12.34"
        );
        assert_eq!(money(Value::Int(7)).unwrap().unwrap().to_string(), "7.00");
        for garbage in [
            Value::Bytes(b"12,50".to_vec()),
            Value::Bytes(b"".to_vec()),
            Value::Bytes(b"1.005".to_vec()),
            Value::Bytes(b"1e3".to_vec()),
            Value::Bytes(vec![0xff]),
            Value::Bytes(b"99999999999999999999999999999999.00".to_vec()),
            Value::Double(0.1 + 0.2),
        ] {
            assert_eq!(money(garbage.clone()), Err(Unreadable), "{garbage:?}");
        }
    }
}
