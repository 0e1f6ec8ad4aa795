//! The password policy and argon2id hashing.
//!
//! Policy (after NIST SP 800-63B §5.1.1 and the MLPS level-3 requirement
//! for complex passwords): 12 to 128 characters; at least three of lower
//! case, upper case, digits and other characters — or 20 characters and
//! more, for passphrases; not containing the login; not one of the
//! passwords every cracking list starts with.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Why a password is refused, in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weak {
    pub zh: &'static str,
    pub en: &'static str,
}

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// Passwords on every cracking list's first page (lower-cased); a longer
/// list would add little once length and classes are required.
const COMMON: &[&str] = &[
    "password1234",
    "password@123",
    "p@ssw0rd1234",
    "qwerty123456",
    "1qaz2wsx3edc",
    "1q2w3e4r5t6y",
    "abc123456789",
    "admin@123456",
    "administrator",
    "iloveyou1234",
    "welcome12345",
    "woaini1314520",
];

/// Checks `password` against the policy.
pub fn check_policy(password: &str, login: &str) -> Result<(), Weak> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(Weak {
            zh: "密码至少 12 个字符",
            en: "a password has at least 12 characters",
        });
    }
    if n > MAX_LEN {
        return Err(Weak {
            zh: "密码最多 128 个字符",
            en: "a password has at most 128 characters",
        });
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password
            .chars()
            .any(|c| !c.is_alphanumeric() || !c.is_ascii()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if classes < 3 && n < 20 {
        return Err(Weak {
            zh: "密码需包含大写字母、小写字母、数字、符号中的至少三类（或长度不少于 20 个字符）",
            en: "use at least three of upper case, lower case, digits and symbols (or 20 characters and more)",
        });
    }
    let lower = password.to_lowercase();
    if !login.is_empty() && lower.contains(&login.to_lowercase()) {
        return Err(Weak {
            zh: "密码不能包含登录名",
            en: "a password must not contain the login",
        });
    }
    if COMMON.contains(&lower.as_str()) {
        return Err(Weak {
            zh: "这是常见密码，请换一个",
            en: "this is a common password; choose another",
        });
    }
    Ok(())
}

/// An argon2id hash (PHC string) with the crate's default parameters
/// (19 MiB, 2 passes — OWASP's recommendation).
pub fn hash(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system's random source");
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .expect("argon2 with default parameters and a 16-byte salt")
        .to_string()
}

/// Whether `password` matches the stored PHC hash (false for a malformed
/// hash).
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the login is unknown, so an unknown
/// login takes as long as a wrong password (no account enumeration by
/// timing).
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password that never matches"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(check_policy("short1A!", "zs").is_err());
        assert!(check_policy("alllowercaseletters", "zs").is_err());
        assert!(check_policy("Correct-Horse-9", "zs").is_ok());
        assert!(check_policy("correct horse battery staple", "zs").is_ok());
        assert!(check_policy("Zhangsan-2026!", "zhangsan").is_err());
        assert!(check_policy("Password1234", "zs").is_err());
        assert!(check_policy("密码是长长的中文句子12AB", "zs").is_ok());
        assert!(check_policy(&"Aa1!".repeat(40), "zs").is_err());
    }

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash("Correct-Horse-9");
        let b = hash("Correct-Horse-9");
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify("Correct-Horse-9", &a));
        assert!(!verify("Correct-Horse-8", &a));
        assert!(!verify("x", "not a hash"));
        assert!(!verify("x", decoy_hash()));
    }
}
