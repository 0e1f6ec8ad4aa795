//! Fixtures the web tests write straight into a data directory's store
//! before (or beside) a running server: accounts with grants and passwords,
//! API tokens. Each test file takes what it needs (`mod common;`), so some
//! helpers go unused in some files.
#![allow(dead_code)]

use appgov_access::{AccountSource, ApiToken, Grant, TokenScope, UserAccount, password, secret};
use appgov_store::Store;

/// A local account (no id yet) with these grants.
pub fn local_user(login: &str, display_name: &str, grants: Vec<Grant>) -> UserAccount {
    UserAccount {
        id: String::new(),
        login: login.into(),
        display_name: display_name.into(),
        person_id: None,
        email: None,
        locale: None,
        grants,
        source: AccountSource::Local,
        oidc_issuer: None,
        oidc_subject: None,
        disabled: false,
        created_at: "2026-12-01T00:00:00Z".into(),
        version: 0,
    }
}

/// Records `user` with `pw` as its password (not to be changed at first
/// sign-in); returns its id.
pub async fn add_user(store: &Store, actor: &str, mut user: UserAccount, pw: &str) -> String {
    let mut tx = store.write(actor).await.unwrap();
    tx.insert(&mut user).await.unwrap();
    tx.commit().await.unwrap();
    store
        .set_password(actor, &user.id, &password::hash(pw), false)
        .await
        .unwrap();
    user.id
}

/// An API token of `user_id`, made as the token pages make one (only its
/// digest is stored); returns its id and the secret.
pub async fn add_token(
    store: &Store,
    actor: &str,
    user_id: &str,
    name: &str,
    scopes: Vec<TokenScope>,
) -> (String, String) {
    let token = secret::new_token();
    let mut t = ApiToken {
        id: String::new(),
        user_id: user_id.into(),
        name: name.into(),
        token_sha256: secret::digest(&token),
        hint: token[..8].into(),
        scopes,
        created_at: "2026-12-01T00:00:00Z".into(),
        expires_at: "2099-01-01T00:00:00Z".into(),
        revoked_at: None,
        version: 0,
    };
    let mut tx = store.write(actor).await.unwrap();
    tx.insert(&mut t).await.unwrap();
    tx.commit().await.unwrap();
    (t.id, token)
}
