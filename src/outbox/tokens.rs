//! Link tokens (R7.5): 32 bytes from the operating system's CSPRNG, base64url without
//! padding in the link; only the SHA-256 (lower-case hex) of that string is ever stored.

use base64::Engine as _;
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// A freshly minted token: the secret goes into the email only, the hash into the database.
pub struct Token {
    pub secret: String,
    pub hash: String,
}

pub fn mint() -> Token {
    let mut bytes = [0u8; 32];
    OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random source");
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&secret);
    Token { secret, hash }
}

/// SHA-256 of the token string as it appears in the link, lower-case hex.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r7_5_tokens_are_32_random_bytes_and_only_hashes_are_kept() {
        let a = mint();
        let b = mint();
        assert_eq!(
            a.secret.len(),
            43,
            "32 bytes are 43 base64url characters without padding"
        );
        assert!(
            a.secret
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.hash.len(), 64);
        assert_eq!(a.hash, hash(&a.secret));
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
