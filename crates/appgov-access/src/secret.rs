//! Random secrets: session ids, CSRF tokens and API tokens. The database
//! keeps only their SHA-256, so a copy of the database signs no one in.

use sha2::{Digest, Sha256};

/// 32 random bytes from the operating system, as hex.
pub fn random_hex() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source");
    hex::encode(b)
}

/// The prefix of API tokens (so secret scanners and people recognise them).
pub const TOKEN_PREFIX: &str = "agv_";

/// A new API token.
pub fn new_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_hex())
}

/// Whether `s` is shaped like an API token (before any lookup).
pub fn looks_like_token(s: &str) -> bool {
    s.strip_prefix(TOKEN_PREFIX)
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_recognisable() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert!(looks_like_token(&a));
        assert!(!looks_like_token("agv_xyz"));
        assert!(!looks_like_token(&a[1..]));
        assert_eq!(digest(&a).len(), 64);
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b));
    }
}
