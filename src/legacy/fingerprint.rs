//! A fingerprint of everything the rules read of one account, kept with the migrated
//! account so `verify` can tell "the old billing changed since the move" (a payment, a new
//! service) from "the new billing holds something else than we wrote".
//!
//! Two versions exist. `migrate` stores the current one (`raw2`, a digest of the account's
//! compact binary encoding); accounts migrated by earlier versions carry `raw`, a digest of
//! the account's JSON, which `verify` still computes for them.

use sha2::{Digest, Sha256};

use super::model::LegacyAccount;

/// Which digest of the legacy account a stored fingerprint holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawVersion {
    /// SHA-256 of the canonical JSON form (written before December 2026).
    Json,
    /// SHA-256 of the postcard encoding: the same fields in the same order, without field
    /// names, escaping or number formatting (JSON cost a tenth of `migrate`'s own CPU).
    Binary,
}

impl RawVersion {
    /// The part's name inside `migration.accounts.fingerprint`.
    pub fn part(self) -> &'static str {
        match self {
            RawVersion::Json => "raw",
            RawVersion::Binary => "raw2",
        }
    }
}

/// The largest encoding buffer a thread keeps between accounts; a rare huge account's is
/// dropped after use.
const KEPT_BUFFER: usize = 1 << 20;

thread_local! {
    static ENCODED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// SHA-256 (hex) of the account in the given version's encoding.
pub fn fingerprint(account: &LegacyAccount, version: RawVersion) -> String {
    // The model serialises deterministically: fields in declaration order, children sorted
    // by id, money as exact decimal strings. Both encodings are streamed into the hash.
    let mut hasher = Sha256::new();
    match version {
        RawVersion::Json => {
            serde_json::to_writer(&mut hasher, account).expect("the legacy model always serialises")
        }
        // Length-prefixed strings and tagged options: two different accounts never encode
        // alike (the model has no skipped or flattened fields). Encoded whole, then hashed:
        // fed to the hash a varint at a time, the hash's buffering cost more than encoding.
        // The buffer is kept per thread: grown from empty for every account, its copies on
        // each doubling were most of the encoding's cost.
        RawVersion::Binary => {
            let mut buf = ENCODED.take();
            buf.clear();
            postcard::serialize_with_flavor(account, Appended(&mut buf))
                .expect("the legacy model always serialises");
            hasher.update(&buf);
            if buf.capacity() <= KEPT_BUFFER {
                ENCODED.set(buf);
            }
        }
    }
    hex_digest(&hasher.finalize())
}

/// Lower-case hex of a digest. `hex::encode` builds its string a character at a time;
/// writing into a buffer is the same text at a fraction of the cost.
pub fn hex_digest(digest: &[u8]) -> String {
    let mut text = vec![0; digest.len() * 2];
    hex::encode_to_slice(digest, &mut text).expect("the buffer is twice the digest");
    String::from_utf8(text).expect("hex digits are ASCII")
}

/// postcard's output appended to a reused buffer a slice at a time. Its own `Extend`
/// flavor pushes a string's bytes one by one: that loop was a third of the encoding.
struct Appended<'a>(&'a mut Vec<u8>);

impl postcard::ser_flavors::Flavor for Appended<'_> {
    type Output = ();

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(data);
        Ok(())
    }

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

/// The model's dates and times as chrono writes them (`2024-01-31T09:05:00`,
/// `2024-01-31`), without chrono's formatter for the usual ones: postcard formats such a
/// value twice (once to learn its length), and chrono writes it a character at a time.
/// A time with a fraction of a second or a year outside 0–9999 goes through chrono.
pub mod as_chrono {
    use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
    use serde::Serializer;

    pub fn datetime<S: Serializer>(value: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            None => s.serialize_none(),
            Some(v) => match plain_datetime(v) {
                Some(text) => s.serialize_some(ascii(&text)),
                None => s.serialize_some(v),
            },
        }
    }

    pub fn date<S: Serializer>(value: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            None => s.serialize_none(),
            Some(v) => match plain_date(v) {
                Some(text) => s.serialize_some(ascii(&text)),
                None => s.serialize_some(v),
            },
        }
    }

    fn ascii(text: &[u8]) -> &str {
        std::str::from_utf8(text).expect("digits and separators are ASCII")
    }

    fn plain_date(d: &NaiveDate) -> Option<[u8; 10]> {
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
    fn digits(slot: &mut [u8], mut n: u32) {
        for place in slot.iter_mut().rev() {
            *place = b'0' + (n % 10) as u8;
            n /= 10;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::legacy::model::{ClientUser, Subaccount};

    fn account() -> LegacyAccount {
        LegacyAccount {
            id: 7,
            subaccounts: vec![Subaccount {
                id: 1,
                balance: "10.00".parse().unwrap(),
                ..Subaccount::default()
            }],
            ..LegacyAccount::default()
        }
    }

    #[test]
    fn any_change_to_the_balance_changes_the_fingerprint() {
        for version in [RawVersion::Json, RawVersion::Binary] {
            let mut a = account();
            let before = fingerprint(&a, version);
            assert_eq!(before.len(), 64);
            assert_eq!(before, fingerprint(&a.clone(), version));
            a.subaccounts[0].balance = "10.01".parse().unwrap();
            assert_ne!(before, fingerprint(&a, version), "{version:?}");
        }
    }

    /// Without field names, a value must not be able to move from one string field to its
    /// neighbour unnoticed (length prefixes see to it).
    #[test]
    fn text_moved_between_neighbouring_fields_changes_the_binary_fingerprint() {
        let user = |login: &str, email: &str| LegacyAccount {
            users: vec![ClientUser {
                id: 3,
                login: login.into(),
                email: Some(email.into()),
                ..ClientUser::default()
            }],
            ..account()
        };
        assert_ne!(
            fingerprint(&user("ab", "c@d"), RawVersion::Binary),
            fingerprint(&user("a", "bc@d"), RawVersion::Binary)
        );
    }

    /// Accounts migrated by earlier versions stored this digest of this account; `verify`
    /// must keep computing it byte for byte.
    #[test]
    fn the_json_digest_is_the_one_earlier_versions_stored() {
        assert_eq!(
            fingerprint(&account(), RawVersion::Json),
            "afedff608a9e8f1e8aed67e7b929798e7eab7a5cbcf59eceeb08a290739df7d4"
        );
    }

    /// Every kind of field, dates and times included (one with a fraction of a second, one
    /// past year 9999): both digests are pinned to what earlier versions stored.
    fn full_account() -> LegacyAccount {
        use crate::legacy::model::{Item, Profile};
        let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").ok();
        LegacyAccount {
            id: 41,
            name: "Тест \"quoted\"".into(),
            registration_date: at("2019-03-04 05:06:07"),
            project: Some(2),
            users: vec![ClientUser {
                id: 3,
                login: "owner".into(),
                email: Some("A@B.ua".into()),
                realname: Some("Ім'я".into()),
                language: Some("uk".into()),
                enabled: true,
                superuser: true,
                createdate: at("2020-12-31 23:59:59.250"),
            }],
            profiles: vec![Profile {
                id: 5,
                name: "ТОВ".into(),
                profiletype: Some(2),
                createdate: at("0999-01-02 00:00:00"),
                nomigrate: false,
                ..Profile::default()
            }],
            subaccounts: vec![Subaccount {
                id: 1,
                currency_id: Some(3),
                currency: Some("UAH".into()),
                balance: "-10.50".parse().unwrap(),
            }],
            items: vec![Item {
                id: 9,
                itemtype: Some("vhost".into()),
                name: "site".into(),
                opendate: chrono::NaiveDate::from_ymd_opt(12345, 6, 7)
                    .and_then(|d| d.and_hms_micro_opt(8, 9, 10, 11)),
                expiredate: chrono::NaiveDate::from_ymd_opt(2027, 1, 31),
                cost: "99.00".parse().unwrap(),
                domain: Some("example.ua".into()),
                ..Item::default()
            }],
            damage: Vec::new(),
        }
    }

    #[test]
    fn the_digests_of_every_kind_of_field_are_the_ones_earlier_versions_stored() {
        assert_eq!(
            fingerprint(&full_account(), RawVersion::Json),
            "19ca035b3676cca7530be9b1c316b483db9b31231bf7f234af9ea471688fb47e"
        );
        assert_eq!(
            fingerprint(&full_account(), RawVersion::Binary),
            "2b6c9fa7548efb2573c10dcc349a243a8a60bf7f6d56b3fdd1e6d03b7be6ca8f"
        );
    }

    /// A date and time as written by `as_chrono` and as chrono writes it, in both encodings.
    #[derive(serde::Serialize)]
    struct Ours(
        #[serde(serialize_with = "as_chrono::datetime")] Option<chrono::NaiveDateTime>,
        #[serde(serialize_with = "as_chrono::date")] Option<chrono::NaiveDate>,
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

    #[test]
    fn the_hex_of_a_digest_is_hex_encodes() {
        let digest: Vec<u8> = (0..=255).collect();
        assert_eq!(hex_digest(&digest), hex::encode(&digest));
    }
}
