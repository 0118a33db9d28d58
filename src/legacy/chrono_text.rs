//! The model's dates and times serialised exactly as chrono serialises them
//! (`2024-01-31T09:05:00`, `2024-01-31`), without chrono's formatter for the usual ones:
//! postcard formats a `collect_str` value twice (once to learn its length), and chrono
//! writes it a character at a time (its `write_char` alone was 17 % of the legacy digest's
//! samples in a 100k `migrate`).
//! A time with a fraction of a second or a year outside 0–9999 goes through chrono. The
//! same digit writers spell the new billing's instants in check texts (`records::Instant`).

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use serde::{Serialize, Serializer};

/// An optional date and time, as chrono's own `Serialize` writes it.
pub fn datetime<S: Serializer>(value: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    plain_or_chrono(value, plain_datetime, s)
}

/// An optional date, as chrono's own `Serialize` writes it.
pub fn date<S: Serializer>(value: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    plain_or_chrono(value, plain_date, s)
}

/// The plain text where `plain` can write it, chrono's otherwise.
fn plain_or_chrono<T: Serialize, const N: usize, S: Serializer>(
    value: &Option<T>,
    plain: fn(&T) -> Option<[u8; N]>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        None => s.serialize_none(),
        Some(v) => match plain(v) {
            Some(text) => s.serialize_some(ascii(&text)),
            None => s.serialize_some(v),
        },
    }
}

fn ascii(text: &[u8]) -> &str {
    std::str::from_utf8(text).expect("digits and separators are ASCII")
}

/// `YYYY-MM-DD` for a year 0–9999 (chrono's text for it); `None` for any other year.
pub(crate) fn plain_date(d: &NaiveDate) -> Option<[u8; 10]> {
    let year = u32::try_from(d.year()).ok().filter(|y| *y <= 9999)?;
    let mut text = *b"0000-00-00";
    digits(&mut text[0..4], year);
    digits(&mut text[5..7], d.month());
    digits(&mut text[8..10], d.day());
    Some(text)
}

fn plain_datetime(v: &NaiveDateTime) -> Option<[u8; 19]> {
    // A leap second is a nanosecond count past one second: excluded with the fractions.
    if v.nanosecond() != 0 {
        return None;
    }
    let mut text = *b"0000-00-00T00:00:00";
    text[..10].copy_from_slice(&plain_date(&v.date())?);
    digits(&mut text[11..13], v.hour());
    digits(&mut text[14..16], v.minute());
    digits(&mut text[17..19], v.second());
    Some(text)
}

/// `n` in decimal, zero-padded to the slot's width.
pub(crate) fn digits(slot: &mut [u8], mut n: u32) {
    for place in slot.iter_mut().rev() {
        *place = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A date and time as written here and as chrono writes it, in both encodings.
    #[derive(serde::Serialize)]
    struct Ours(
        #[serde(serialize_with = "datetime")] Option<chrono::NaiveDateTime>,
        #[serde(serialize_with = "date")] Option<chrono::NaiveDate>,
    );
    #[derive(serde::Serialize)]
    struct Chronos(Option<chrono::NaiveDateTime>, Option<chrono::NaiveDate>);

    proptest::proptest! {
        #[test]
        fn dates_and_times_encode_exactly_as_chrono_writes_them(
            days in -200_000_000i64..200_000_000,
            seconds in 0u32..86_400,
            nanos in proptest::prop_oneof![proptest::strategy::Just(0u32), 0u32..2_000_000_000],
            present in proptest::bool::ANY,
        ) {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
            let date = epoch.checked_add_signed(chrono::TimeDelta::days(days));
            let time = chrono::NaiveTime::from_num_seconds_from_midnight_opt(seconds, nanos);
            let at = date.zip(time).map(|(d, t)| d.and_time(t)).filter(|_| present);
            let date = date.filter(|_| present);
            let (ours, theirs) = (Ours(at, date), Chronos(at, date));
            proptest::prop_assert_eq!(
                serde_json::to_string(&ours).unwrap(),
                serde_json::to_string(&theirs).unwrap()
            );
            proptest::prop_assert_eq!(
                postcard::to_stdvec(&ours).unwrap(),
                postcard::to_stdvec(&theirs).unwrap()
            );
        }
    }
}
