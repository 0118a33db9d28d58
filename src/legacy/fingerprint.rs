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

    #[test]
    fn the_hex_of_a_digest_is_hex_encodes() {
        let digest: Vec<u8> = (0..=255).collect();
        assert_eq!(hex_digest(&digest), hex::encode(&digest));
    }
}
