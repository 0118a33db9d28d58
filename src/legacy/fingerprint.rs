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
            let buf =
                postcard::to_extend(account, buf).expect("the legacy model always serialises");
            hasher.update(&buf);
            if buf.capacity() <= KEPT_BUFFER {
                ENCODED.set(buf);
            }
        }
    }
    hex::encode(hasher.finalize())
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
}
