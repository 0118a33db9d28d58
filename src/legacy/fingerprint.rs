//! A fingerprint of everything the rules read of one account, kept with the migrated
//! account so `verify` can tell "the old billing changed since the move" (a payment, a new
//! service) from "the new billing holds something else than we wrote".

use sha2::{Digest, Sha256};

use super::model::LegacyAccount;

/// SHA-256 (hex) of the account's canonical JSON form.
pub fn fingerprint(account: &LegacyAccount) -> String {
    // The model serialises deterministically: fields in declaration order, children sorted
    // by id, money as exact decimal strings.
    // Streamed into the hash: no JSON text is kept (migrate fingerprints every account).
    let mut hasher = Sha256::new();
    serde_json::to_writer(&mut hasher, account).expect("the legacy model always serialises");
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::legacy::model::Subaccount;

    #[test]
    fn any_change_to_the_balance_changes_the_fingerprint() {
        let mut a = LegacyAccount {
            id: 7,
            subaccounts: vec![Subaccount {
                id: 1,
                balance: "10.00".parse().unwrap(),
                ..Subaccount::default()
            }],
            ..LegacyAccount::default()
        };
        let before = fingerprint(&a);
        assert_eq!(before.len(), 64);
        assert_eq!(before, fingerprint(&a.clone()));
        a.subaccounts[0].balance = "10.01".parse().unwrap();
        assert_ne!(before, fingerprint(&a));
    }
}
