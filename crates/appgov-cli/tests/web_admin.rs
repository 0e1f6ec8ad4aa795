//! Administration and accounts through a real `appgov serve`: users with
//! grants scoped to the org tree, the password policy, lockout and unlock,
//! disabling (a live session stops at once), passwords that must be
//! changed, API tokens (shown once, scoped no wider than the user's roles,
//! revoked and expired ones refused), and the institution's policy
//! (validated, versioned in the audit trail).

use std::path::Path;

use appgov_testkit::web::{Answer, Client, Server};

const ADMIN_PW: &str = "Chief-Passw0rd-2026";
const USER_PW: &str = "Branch-Owner-2026!";

fn server(dir: &Path) -> (Server, Client) {
    let exe = Path::new(env!("CARGO_BIN_EXE_appgov"));
    Server::start_with_admin(exe, dir, &[], "admin", ADMIN_PW)
}

/// The id of the org node named `name` on the org tree page.
fn org_id(admin: &mut Client, name: &str) -> String {
    let page = admin.get("/admin/orgs").body;
    let at = page
        .find(&format!("name=\"name\" required value=\"{name}\""))
        .unwrap_or_else(|| panic!("no org {name} in {page}"));
    let before = &page[..at];
    let i = before.rfind("action=\"/admin/orgs/").unwrap() + "action=\"/admin/orgs/".len();
    before[i..i + before[i..].find('"').unwrap()].to_string()
}

fn create_user(
    admin: &mut Client,
    login: &str,
    pw: &str,
    grants: &[(&str, &str)],
    must_change: bool,
) -> Answer {
    let mut f: Vec<(String, String)> = vec![
        ("login".into(), login.into()),
        ("display_name".into(), format!("{login} 测试")),
        ("password".into(), pw.into()),
        ("password2".into(), pw.into()),
    ];
    if must_change {
        f.push(("must_change".into(), "1".into()));
    }
    for (i, (role, org)) in grants.iter().enumerate() {
        f.push((format!("grant_{i}_role"), role.to_string()));
        f.push((format!("grant_{i}_org"), org.to_string()));
    }
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    admin.post_form("/admin/users", &f)
}

fn token_in(body: &str) -> Option<String> {
    let i = body.find("agv_")?;
    let t: String = body[i..].chars().take(68).collect();
    (t.len() == 68 && t[4..].bytes().all(|b| b.is_ascii_hexdigit())).then_some(t)
}

#[test]
fn administration_accounts_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let (s, mut admin) = server(&dir.path().join("data"));

    // The org tree: an institution and a branch under it.
    let r = admin.add_org("示例银行", "institution", "");
    assert_eq!(r.status, 303, "{}", r.body);
    let bank = org_id(&mut admin, "示例银行");
    let r = admin.add_org("上海分行", "branch", &bank);
    assert_eq!(r.status, 303, "{}", r.body);
    let branch = org_id(&mut admin, "上海分行");
    // A node cannot move under its own subtree.
    let r = admin.post_form(
        &format!("/admin/orgs/{bank}"),
        &[("name", "示例银行"), ("parent_id", &branch)],
    );
    assert_eq!(r.status, 409, "{}", r.body);
    // Rename works.
    let r = admin.post_form(
        &format!("/admin/orgs/{branch}"),
        &[("name", "上海分行营业部"), ("parent_id", &bank)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(admin.get("/admin/orgs").body.contains("上海分行营业部"));

    // Password policy: refused with the reason, nothing created.
    let r = create_user(&mut admin, "weak", "short1A!", &[], false);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("12"), "{}", r.body);
    let r = create_user(&mut admin, "weak", "weak-Password-1", &[], false);
    assert_eq!(r.status, 422, "contains the login: {}", r.body);
    let r = create_user(&mut admin, "weak", "alllowercaseletters", &[], false);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        !admin.get("/api/v1/users").body.contains("\"weak\""),
        "refused users are not created"
    );

    // The pages render, hostile names escaped.
    let r = admin.get("/admin/users/new");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("上海分行营业部"),
        "the org tree in the grant select"
    );
    let r = create_user(&mut admin, "xss", USER_PW, &[], false);
    assert_eq!(r.status, 303);
    let xss_id = admin.user_id("xss");
    let r = admin.post_form(
        &format!("/admin/users/{xss_id}/details"),
        &[
            ("display_name", "<script>alert(1)</script>张三"),
            ("email", ""),
            ("person", ""),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = admin.get("/admin");
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("<script>alert(1)"));
    assert!(r.body.contains("&lt;script&gt;alert(1)"), "{}", r.body);
    let r = admin.post_form(
        &format!("/admin/users/{xss_id}/details"),
        &[("display_name", "王五"), ("person", "没有这个人")],
    );
    assert_eq!(r.status, 422, "an unknown person: {}", r.body);

    // A branch app owner and an auditor.
    let r = create_user(
        &mut admin,
        "owner.sh",
        USER_PW,
        &[("app_owner", &branch)],
        true,
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = create_user(
        &mut admin,
        "auditor",
        USER_PW,
        &[("auditor", ""), ("", "")],
        false,
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let users = admin.get("/api/v1/users").json();
    let owner = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == "owner.sh")
        .unwrap();
    assert_eq!(owner["grants"][0]["role"], "app_owner");
    assert_eq!(owner["grants"][0]["org_id"], branch.as_str());
    let owner_id = owner["id"].as_str().unwrap().to_string();

    // The owner was created with "must change": sent to the password page
    // until changed.
    let mut o = s.client();
    assert_eq!(o.login("owner.sh", USER_PW).status, 303);
    let r = o.get("/");
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/account/password"));
    assert_eq!(o.get("/api/v1/me").status, 409);
    let r = o.get("/account/password");
    assert_eq!(r.status, 200);
    let r = o.post_form(
        "/account/password",
        &[
            ("current", "wrong-Current-1"),
            ("password", "New-Branch-Pass-2026"),
            ("password2", "New-Branch-Pass-2026"),
        ],
    );
    assert_eq!(r.status, 422, "wrong current password");
    let r = o.post_form(
        "/account/password",
        &[
            ("current", USER_PW),
            ("password", "short"),
            ("password2", "short"),
        ],
    );
    assert_eq!(r.status, 422, "policy applies to changes");
    let old_cookie = o.session.clone();
    let r = o.post_form(
        "/account/password",
        &[
            ("current", USER_PW),
            ("password", "New-Branch-Pass-2026"),
            ("password2", "New-Branch-Pass-2026"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_ne!(o.session, old_cookie, "a new session after the change");
    let me = o.get("/api/v1/me").json();
    assert_eq!(me["login"], "owner.sh");
    // The old session cookie no longer works.
    let mut stale = s.client();
    stale.session = old_cookie;
    assert_eq!(stale.get("/api/v1/me").status, 401);
    // A branch grant does not reach administration.
    assert_eq!(o.get("/admin").status, 403);
    assert_eq!(o.get("/api/v1/users").status, 403);

    // Lockout after five wrong passwords, even for the right one; the
    // administrator's unlock ends it.
    let mut a = s.client();
    for _ in 0..5 {
        assert_eq!(a.login("auditor", "Wrong-Password-99").status, 401);
    }
    let r = a.login("auditor", USER_PW);
    assert_eq!(r.status, 401, "locked");
    assert!(r.body.contains("锁定"), "{}", r.body);
    let auditor_id = admin.user_id("auditor");
    assert!(
        admin
            .get(&format!("/admin/users/{auditor_id}"))
            .body
            .contains("登录锁定至")
    );
    let r = admin.post_form(&format!("/admin/users/{auditor_id}/unlock"), &[]);
    assert_eq!(r.status, 303);
    assert_eq!(a.login("auditor", USER_PW).status, 303);
    // Created without "must change" (the box was not ticked).
    assert_eq!(a.get("/api/v1/me").json()["login"], "auditor");

    // Tokens: the auditor may only read.
    let r = a.get("/account");
    assert!(r.body.contains("value=\"read\""));
    assert!(!r.body.contains("value=\"releases\""));
    let r = a.post_form(
        "/account/tokens",
        &[
            ("name", "ci"),
            ("scope", "releases"),
            ("expires_days", "30"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(token_in(&r.body).is_none());
    let r = a.send_json(
        "POST",
        "/api/v1/tokens",
        &serde_json::json!({"name": "ci", "scopes": ["read", "ledger"]}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    let r = a.send_json(
        "POST",
        "/api/v1/tokens",
        &serde_json::json!({"name": "ci", "scopes": ["read"], "expires_days": 400}),
    );
    assert_eq!(r.status, 422, "at most a year: {}", r.body);

    // The owner's token: shown once, works as Bearer with its scopes.
    let r = o.get("/account");
    assert!(r.body.contains("value=\"releases\""));
    let r = o.post_form(
        "/account/tokens",
        &[
            ("name", "流水线"),
            ("scope", "read"),
            ("scope", "releases"),
            ("expires_days", ""),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let token = token_in(&r.body).expect("the token is shown");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let page = o.get("/account").body;
    assert!(!page.contains(&token), "shown once only");
    assert!(page.contains(&token[..10]), "its hint is listed");
    let mut ci = s.client();
    ci.token = Some(token.clone());
    let me = ci.get("/api/v1/me").json();
    assert_eq!(me["login"], "owner.sh");
    assert_eq!(me["token_scopes"], serde_json::json!(["read", "releases"]));
    // A token cannot mint tokens, nor administer.
    let r = ci.send_json(
        "POST",
        "/api/v1/tokens",
        &serde_json::json!({"name": "x", "scopes": ["read"]}),
    );
    assert_eq!(r.status, 403);
    let mine = o.get("/api/v1/tokens").json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let tid = mine[0]["id"].as_str().unwrap().to_string();
    assert_eq!(mine[0]["state"], "active");
    let expires = mine[0]["expires_at"].as_str().unwrap();
    let created = mine[0]["created_at"].as_str().unwrap();
    assert!(expires > created);
    // Revoked → 401.
    let r = o.post_form(&format!("/account/tokens/{tid}/revoke"), &[]);
    assert_eq!(r.status, 303);
    assert_eq!(ci.get("/api/v1/me").status, 401);
    assert_eq!(o.get("/api/v1/tokens").json()[0]["state"], "revoked");
    // Another user cannot revoke someone else's token (it is not theirs).
    let r = a.send_json(
        "DELETE",
        &format!("/api/v1/tokens/{tid}"),
        &serde_json::json!({}),
    );
    assert_eq!(r.status, 404);

    // An expired token → 401 (its expiry moved into the past in the store,
    // as an audited change).
    let r = o.send_json(
        "POST",
        "/api/v1/tokens",
        &serde_json::json!({"name": "short", "scopes": ["read"], "expires_days": 1}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let created = r.json();
    let short = created["token"].as_str().unwrap().to_string();
    let short_id = created["id"].as_str().unwrap().to_string();
    let mut ci2 = s.client();
    ci2.token = Some(short);
    assert_eq!(ci2.get("/api/v1/me").status, 200);
    expire_token(&s.data_dir, &short_id);
    assert_eq!(ci2.get("/api/v1/me").status, 401);
    // The administrator sees everyone's tokens, and may revoke any.
    let all = admin.get("/admin/tokens");
    assert!(all.body.contains("流水线") && all.body.contains("owner.sh"));
    let r = create_token_for(&mut o, "third");
    let third = r.0;
    let mut ci3 = s.client();
    ci3.token = Some(r.1);
    assert_eq!(ci3.get("/api/v1/me").status, 200);
    let r = admin.post_form(&format!("/admin/tokens/{third}/revoke"), &[]);
    assert_eq!(r.status, 303);
    assert_eq!(ci3.get("/api/v1/me").status, 401);

    // Changing grants ends the user's sessions; a token's reach follows
    // the user's current roles.
    let (_, t4) = create_token_for(&mut o, "fourth");
    let mut ci4 = s.client();
    ci4.token = Some(t4);
    let r = admin.post_form(
        &format!("/admin/users/{owner_id}/grants"),
        &[("grant_0_role", "auditor"), ("grant_0_org", &branch)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(o.get("/api/v1/me").status, 401, "session ended");
    assert_eq!(
        ci4.get("/api/v1/me").json()["grants"][0]["role"],
        "auditor",
        "the token acts with the user's current roles"
    );

    // Disabling: a live session stops at once, the token too.
    let mut a2 = s.client();
    assert_eq!(a2.login("auditor", USER_PW).status, 303);
    assert_eq!(a2.get("/api/v1/me").status, 200);
    let r = admin.post_form(&format!("/admin/users/{auditor_id}/disable"), &[]);
    assert_eq!(r.status, 303);
    assert_eq!(a2.get("/api/v1/me").status, 401);
    assert_eq!(a.get("/api/v1/me").status, 401);
    let r = a2.login("auditor", USER_PW);
    assert_eq!(r.status, 401);
    let r = admin.post_form(&format!("/admin/users/{owner_id}/disable"), &[]);
    assert_eq!(r.status, 303);
    assert_eq!(ci4.get("/api/v1/me").status, 401, "a disabled user's token");
    // Enabled again: signs in.
    admin.post_form(&format!("/admin/users/{auditor_id}/enable"), &[]);
    assert_eq!(a2.login("auditor", USER_PW).status, 303);

    // Nobody removes the last administrator, nor disables themself.
    let admin_id = admin.user_id("admin");
    let r = admin.post_form(&format!("/admin/users/{admin_id}/disable"), &[]);
    assert_eq!(r.status, 409);
    let r = admin.post_form(
        &format!("/admin/users/{admin_id}/grants"),
        &[("grant_0_role", "governance")],
    );
    assert_eq!(r.status, 409, "{}", r.body);

    // Password reset by the administrator ends sessions and must be changed.
    let r = admin.post_form(
        &format!("/admin/users/{auditor_id}/password"),
        &[
            ("password", "Reset-By-Admin-2026"),
            ("password2", "Reset-By-Admin-2026"),
            ("must_change", "1"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(a2.get("/api/v1/me").status, 401);
    assert_eq!(a2.login("auditor", "Reset-By-Admin-2026").status, 303);
    assert_eq!(
        a2.get("/account").header("location"),
        Some("/account/password")
    );
}

fn create_token_for(c: &mut Client, name: &str) -> (String, String) {
    let r = c.send_json(
        "POST",
        "/api/v1/tokens",
        &serde_json::json!({"name": name, "scopes": ["read"]}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let j = r.json();
    (
        j["id"].as_str().unwrap().to_string(),
        j["token"].as_str().unwrap().to_string(),
    )
}

/// Moves a token's expiry into the past, through the store (audited), as
/// time passing would.
fn expire_token(data_dir: &Path, id: &str) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = appgov_store::Store::open(&appgov_store::StoreConfig::new(data_dir))
                .await
                .unwrap();
            let mut t = store
                .get::<appgov_access::ApiToken>(id)
                .await
                .unwrap()
                .unwrap();
            t.expires_at = "2020-01-01T00:00:00Z".into();
            let mut tx = store.write("test clock").await.unwrap();
            tx.update(&mut t).await.unwrap();
            tx.commit().await.unwrap();
            store.close().await;
        });
}

#[test]
fn the_institution_policy_is_validated_and_versioned() {
    let dir = tempfile::tempdir().unwrap();
    let (s, mut admin) = server(&dir.path().join("data"));
    assert!(admin.get("/admin/policy").body.contains("尚未设置"));

    // An unknown SDK id: refused, with its line, nothing saved.
    let bad = "schema = 1\ninstitution = \"示例银行\"\n\n[sdks]\nblocked = [\"no-such-sdk\"]\n";
    let r = admin.post_form("/admin/policy", &[("text", bad)]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("no-such-sdk"), "{}", r.body);
    assert!(r.body.contains("line 5"), "{}", r.body);
    assert!(r.body.contains("示例银行"), "the draft is kept for fixing");
    // A TOML syntax error names its line too.
    let r = admin.post_form("/admin/policy", &[("text", "schema = 1\n[minimums\n")]);
    assert_eq!(r.status, 422);
    assert!(r.body.contains("line 2"), "{}", r.body);
    // So does the API.
    let r = admin.send_json(
        "PUT",
        "/api/v1/policy",
        &serde_json::json!({"text": "schema = 2\n"}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.json()["message"].as_str().unwrap().contains("schema"));
    assert_eq!(
        admin.get("/api/v1/policy").json()["versions"],
        serde_json::json!([])
    );

    // A valid one is saved as a version, in the audit trail.
    let good = "schema = 1\ninstitution = \"示例银行\"\n\n[minimums]\ntarget_sdk = 34\n";
    let r = admin.post_form("/admin/policy", &[("text", &good.replace('\n', "\r\n"))]);
    assert_eq!(r.status, 303, "{}", r.body);
    let p = admin.get("/api/v1/policy").json();
    assert_eq!(p["text"], good, "stored as appgov scan reads it (LF)");
    assert_eq!(p["versions"].as_array().unwrap().len(), 1);
    assert_eq!(p["versions"][0]["actor"], "admin");
    let first = p["sha256"].as_str().unwrap().to_string();
    let better = format!("{good}min_sdk = 24\n");
    let r = admin.send_json(
        "PUT",
        "/api/v1/policy",
        &serde_json::json!({"text": better}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let p = r.json();
    assert_eq!(p["versions"].as_array().unwrap().len(), 2);
    assert_ne!(p["sha256"], first.as_str());
    // The earlier version can still be read.
    let r = admin.get(&format!("/admin/policy?version={first}"));
    assert!(r.body.contains("历史版本"), "{}", r.body);
    // Governance may manage the policy; an auditor may not.
    let r = admin.send_json(
        "POST",
        "/api/v1/users",
        &serde_json::json!({"login": "gov", "display_name": "治理办", "password": USER_PW,
            "must_change": false, "grants": [{"role": "governance"}]}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = admin.send_json(
        "POST",
        "/api/v1/users",
        &serde_json::json!({"login": "aud", "display_name": "审计", "password": USER_PW,
            "must_change": false, "grants": [{"role": "auditor"}]}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let mut g = s.client();
    g.login("gov", USER_PW);
    assert_eq!(g.get("/admin/policy").status, 200);
    assert_eq!(g.get("/admin").status, 403);
    let mut au = s.client();
    au.login("aud", USER_PW);
    assert_eq!(au.get("/admin/policy").status, 403);
    assert_eq!(au.post_form("/admin/policy", &[("text", good)]).status, 403);
    drop(s);

    // The audit trail holds every version and is intact.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_appgov"))
        .args(["--data-dir"])
        .arg(dir.path().join("data"))
        .args(["audit", "verify"])
        .env_remove("APPGOV_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
