//! User accounts and API tokens: audited records (every change is in the
//! hash-chained audit log). Password hashes are not part of them — they are
//! kept apart so the audit log never carries one.

use appgov_ledger::model::Entity;
use serde::{Deserialize, Serialize};

use crate::roles::{Grant, TokenScope};

appgov_ledger::vocabulary! {
    /// Where an account signs in.
    AccountSource {
        /// A password kept by appgov.
        Local = "local", "本地账号", "Local account";
        /// The institution's identity provider (OpenID Connect).
        Oidc = "oidc", "单点登录", "Single sign-on", "sso";
    }
}

/// Someone who signs in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserAccount {
    pub id: String,
    /// Lower-case, unique.
    pub login: String,
    pub display_name: String,
    /// The ledger's person this account is (for "gates waiting for me").
    pub person_id: Option<String>,
    pub email: Option<String>,
    /// `zh-CN` or `en`; None follows the browser.
    pub locale: Option<String>,
    pub grants: Vec<Grant>,
    pub source: AccountSource,
    /// For single sign-on: the provider's issuer and the subject it names.
    pub oidc_issuer: Option<String>,
    pub oidc_subject: Option<String>,
    pub disabled: bool,
    pub created_at: String,
    pub version: i64,
}

impl Entity for UserAccount {
    const KIND: &'static str = "user_account";
    fn id(&self) -> &str {
        &self.id
    }
    fn set_id(&mut self, id: String) {
        self.id = id;
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn set_version(&mut self, v: i64) {
        self.version = v;
    }
    fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if !valid_login(&self.login) {
            p.push(format!(
                "login {:?}: 1–64 characters of a–z, 0–9, . _ - @, lower case",
                self.login
            ));
        }
        if self.display_name.trim().is_empty() {
            p.push("the display name is empty".into());
        }
        if self.source == AccountSource::Oidc
            && (self.oidc_issuer.is_none() || self.oidc_subject.is_none())
        {
            p.push("a single sign-on account names its issuer and subject".into());
        }
        p
    }
}

/// Logins are plain so they read the same in the audit log and in URLs.
pub fn valid_login(login: &str) -> bool {
    !login.is_empty()
        && login.len() <= 64
        && login
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' | b'@'))
}

/// A token a CI pipeline presents as `Authorization: Bearer agv_…`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub name: String,
    /// SHA-256 of the token (the token itself is shown once).
    pub token_sha256: String,
    /// The token's first characters, to recognise it in lists.
    pub hint: String,
    pub scopes: Vec<TokenScope>,
    pub created_at: String,
    /// RFC 3339; tokens always expire.
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub version: i64,
}

impl Entity for ApiToken {
    const KIND: &'static str = "api_token";
    fn id(&self) -> &str {
        &self.id
    }
    fn set_id(&mut self, id: String) {
        self.id = id;
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn set_version(&mut self, v: i64) {
        self.version = v;
    }
    fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.scopes.is_empty() {
            p.push("a token needs at least one scope".into());
        }
        if self.name.trim().is_empty() {
            p.push("a token needs a name".into());
        }
        if self.token_sha256.len() != 64 {
            p.push("token digest is not a SHA-256".into());
        }
        p
    }
}

impl ApiToken {
    /// In force at `now` (RFC 3339 UTC text compares in time order).
    pub fn active(&self, now: &str) -> bool {
        self.revoked_at.is_none() && self.expires_at.as_str() > now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_plain() {
        assert!(valid_login("zhang.san@bank"));
        assert!(!valid_login("Zhang"));
        assert!(!valid_login("张三"));
        assert!(!valid_login(""));
        assert!(!valid_login("a b"));
    }

    #[test]
    fn tokens_expire_and_revoke() {
        let mut t = ApiToken {
            id: "t".into(),
            user_id: "u".into(),
            name: "ci".into(),
            token_sha256: "0".repeat(64),
            hint: "agv_ab".into(),
            scopes: vec![TokenScope::Releases],
            created_at: "2026-01-01T00:00:00Z".into(),
            expires_at: "2026-06-01T00:00:00Z".into(),
            revoked_at: None,
            version: 1,
        };
        assert!(t.active("2026-05-31T23:59:59Z"));
        assert!(!t.active("2026-06-01T00:00:00Z"));
        t.revoked_at = Some("2026-02-01T00:00:00Z".into());
        assert!(!t.active("2026-03-01T00:00:00Z"));
        assert!(t.problems().is_empty());
    }
}
