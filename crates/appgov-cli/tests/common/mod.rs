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

/// A tool of poppler-utils or coreutils, or a skip (a failure under CI).
pub fn tool(name: &str) -> bool {
    let found = std::process::Command::new(name).arg("-v").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is missing under CI (.ci/run installs poppler-utils)"
        );
        eprintln!("skipping the {name} part: not installed (apt install poppler-utils)");
    }
    found
}

/// The text of a PDF as poppler's `pdftotext` reads it, spaces and line
/// breaks removed (so Chinese text compares whatever the layout); None
/// without poppler.
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    if !tool("pdftotext") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftotext reads the PDF");
    Some(String::from_utf8_lossy(&out.stdout).replace([' ', '\n'], ""))
}

/// Every cell of every sheet of an XLSX file, read back with calamine,
/// tab-separated.
pub fn xlsx_text(bytes: &[u8]) -> String {
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let mut all = String::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        for row in range.rows() {
            for c in row {
                all.push_str(&c.to_string());
                all.push('\t');
            }
        }
    }
    all
}

/// A download's status, headers and bytes (the test client reads bodies
/// as text), with the session of a signed-in client.
pub fn download(
    base: &str,
    session: Option<&str>,
    path: &str,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut req = agent.get(format!("{base}{path}"));
    if let Some(s) = session {
        req = req.header("Cookie", format!("appgov_session={s}"));
    }
    let mut r = req.call().expect("HTTP exchange");
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let status = r.status().as_u16();
    let bytes = r
        .body_mut()
        .with_config()
        .limit(256 << 20)
        .read_to_vec()
        .unwrap();
    (status, headers, bytes)
}

/// A header of a [`download`].
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
