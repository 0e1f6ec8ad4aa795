//! Signing in and staying safe, against a real `appgov serve`: the
//! one-time setup link, sign-in and sign-out, throttling and lockout,
//! session fixation, the cross-site request checks, the security headers,
//! and 401 for anonymous API calls.

mod common;

use appgov_access::{AccountRole, Grant};
use appgov_store::{Store, StoreConfig};
use appgov_testkit::web::{Client, Server};

const ADMIN_PW: &str = "Correct-Horse-9x";

fn start(dir: &std::path::Path) -> Server {
    Server::start(std::path::Path::new(env!("CARGO_BIN_EXE_appgov")), dir, &[])
}

/// Adds a local user with a password straight into the store (the
/// admin pages have their own tests).
async fn add_user(dir: &std::path::Path, login: &str, pw: &str, grants: Vec<Grant>) -> String {
    let store = Store::open(&StoreConfig::new(dir)).await.unwrap();
    let id = common::add_user(&store, "test", common::local_user(login, login, grants), pw).await;
    store.close().await;
    id
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn setup_link_sign_in_sign_out_and_headers() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let setup = server
        .setup_url
        .clone()
        .expect("a fresh server prints its setup link");
    let mut anon = server.client();
    // Anonymous: pages redirect to sign-in, the API answers 401 with a
    // WWW-Authenticate challenge.
    let a = anon.get("/");
    assert_eq!(a.status, 303);
    assert_eq!(a.header("location"), Some("/login?next=/"));
    let a = anon.get("/api/v1/me");
    assert_eq!(a.status, 401);
    assert_eq!(a.json()["error"], "unauthenticated");
    assert!(a.header("www-authenticate").is_some());
    // Security headers on every answer.
    let a = anon.get("/login");
    assert_eq!(a.status, 200);
    assert!(
        a.body.contains("<html lang=\"zh-CN\">"),
        "Chinese by default"
    );
    let csp = a.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(a.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(a.header("x-frame-options"), Some("DENY"));
    // English on request.
    let mut en = server.client();
    let a = en.raw(
        "GET",
        "/login",
        &[("Accept-Language", "en-US,en;q=0.9")],
        None,
    );
    assert!(a.body.contains("<html lang=\"en\">") && a.body.contains("Sign in"));

    // A weak password is refused; the link still works afterwards.
    let mut admin = server.client();
    let a = admin.setup_admin(&setup, "admin", "short");
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(a.body.contains("12"), "names the rule: {}", a.body);
    let a = admin.setup_admin(&setup, "admin", ADMIN_PW);
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(admin.session.is_some());
    // The link works once.
    let mut second = server.client();
    let a = second.setup_admin(&setup, "mallory", ADMIN_PW);
    assert_eq!(a.status, 404);
    let me = admin.get("/api/v1/me").json();
    assert_eq!(me["login"], "admin");
    assert_eq!(me["grants"][0]["role"], "administrator");

    // Sign out ends the session server-side: the old cookie is worthless.
    admin.get("/");
    let old = admin.session.clone().unwrap();
    let a = admin.post_form("/logout", &[]);
    assert_eq!(a.status, 303);
    let mut replay = server.client();
    replay.session = Some(old);
    assert_eq!(replay.get("/api/v1/me").status, 401);

    // Signing in again works, with a different session id.
    let mut again = server.client();
    let a = again.login("admin", ADMIN_PW);
    assert_eq!(a.status, 303);
    assert_eq!(again.get("/api/v1/me").status, 200);
}

#[test]
fn throttling_locks_a_login_and_session_fixation_fails() {
    let dir = tempfile::tempdir().unwrap();
    {
        // The store before the server: accounts exist, so no setup link.
        rt().block_on(add_user(
            dir.path(),
            "zhang.san",
            "Branch-Owner-2026",
            vec![Grant {
                role: AccountRole::AppOwner,
                org_id: None,
            }],
        ));
    }
    let server = start(dir.path());
    assert!(
        server.setup_url.is_none(),
        "no setup link once accounts exist"
    );
    let mut c = server.client();
    // An unknown login and a wrong password look alike.
    let a = c.login("nobody", "Whatever-2026-x");
    let b = c.login("zhang.san", "Wrong-Password-1");
    assert_eq!((a.status, b.status), (401, 401));
    assert!(a.body.contains("登录名或密码不正确") && b.body.contains("登录名或密码不正确"));
    for _ in 0..4 {
        assert_eq!(c.login("zhang.san", "Wrong-Password-1").status, 401);
    }
    // Five failures: locked, even with the right password now.
    let a = c.login("zhang.san", "Branch-Owner-2026");
    assert_eq!(a.status, 401);
    assert!(a.body.contains("锁定"), "{}", a.body);
    assert!(c.session.is_none());

    // Session fixation: a session id planted before sign-in is not
    // adopted; signing in issues a new one.
    let dir2 = tempfile::tempdir().unwrap();
    rt().block_on(add_user(dir2.path(), "li.si", "Branch-Owner-2026", vec![]));
    let server2 = start(dir2.path());
    let mut victim = server2.client();
    let planted = "a".repeat(64);
    victim.session = Some(planted.clone());
    let a = victim.login("li.si", "Branch-Owner-2026");
    assert_eq!(a.status, 303);
    let issued = victim.session.clone().unwrap();
    assert_ne!(issued, planted);
    let mut attacker = server2.client();
    attacker.session = Some(planted);
    assert_eq!(attacker.get("/api/v1/me").status, 401);
    // The session cookie is HttpOnly and SameSite.
    let mut fresh = server2.client();
    let a = fresh.login("li.si", "Branch-Owner-2026");
    let cookie = a.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

#[test]
fn cross_site_requests_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let mut admin = server.client();
    admin.setup_admin(server.setup_url.as_deref().unwrap(), "admin", ADMIN_PW);
    admin.get("/");
    let token = admin.csrf.clone().expect("pages carry the CSRF token");
    let base = server.base.clone();
    let form = |t: &str| -> Option<(&'static str, Vec<u8>)> {
        Some((
            "application/x-www-form-urlencoded",
            format!("_csrf={t}").into_bytes(),
        ))
    };
    // Another site's form: wrong Origin, even with the right token.
    let a = admin.raw(
        "POST",
        "/logout",
        &[("Origin", "https://evil.example")],
        form(&token),
    );
    assert_eq!(a.status, 403);
    // No Origin and no Sec-Fetch-Site: refused.
    let a = admin.raw("POST", "/logout", &[], form(&token));
    assert_eq!(a.status, 403);
    // Sec-Fetch-Site cross-site: refused.
    let a = admin.raw(
        "POST",
        "/logout",
        &[("Sec-Fetch-Site", "cross-site")],
        form(&token),
    );
    assert_eq!(a.status, 403);
    // Our origin but no token, or another token: refused.
    let a = admin.raw("POST", "/logout", &[("Origin", &base)], form(""));
    assert_eq!(a.status, 403);
    let a = admin.raw(
        "POST",
        "/logout",
        &[("Origin", &base)],
        form(&"0".repeat(64)),
    );
    assert_eq!(a.status, 403);
    // Still signed in after all that.
    assert_eq!(admin.get("/api/v1/me").status, 200);
    // Same-origin (by Sec-Fetch-Site) with the token in the header: accepted.
    let a = admin.raw(
        "POST",
        "/logout",
        &[("Sec-Fetch-Site", "same-origin"), ("X-CSRF-Token", &token)],
        None,
    );
    assert_eq!(a.status, 303);
    assert_eq!(admin.get("/api/v1/me").status, 401);
    // Signing in from another site's form is refused too (login CSRF).
    let mut c = Client::new(&base);
    let a = c.raw(
        "POST",
        "/login",
        &[("Origin", "https://evil.example")],
        Some((
            "application/x-www-form-urlencoded",
            format!("login=admin&password={ADMIN_PW}").into_bytes(),
        )),
    );
    assert_eq!(a.status, 403);
    assert!(c.session.is_none());
}

#[test]
fn next_after_sign_in_never_leaves_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let mut admin = server.client();
    admin.setup_admin(server.setup_url.as_deref().unwrap(), "admin", ADMIN_PW);
    admin.post_form("/logout", &[]);
    for (next, to) in [
        ("/apps?x=1", "/apps?x=1"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ] {
        let mut c = server.client();
        let a = c.post_form(
            "/login",
            &[("login", "admin"), ("password", ADMIN_PW), ("next", next)],
        );
        assert_eq!(a.status, 303);
        assert_eq!(a.header("location"), Some(to), "next={next}");
    }
}
