//! Hardening of the web platform against a real `appgov serve`: request
//! bodies over their route's limit answered 413 with a clear message the
//! client reads (not a reset); refusals by the cross-site check and by the
//! access guard of requests with large bodies read by the client too; the
//! cross-site check over every state-changing route of the route table;
//! and hostile and Chinese strings in the administration forms and upload
//! file names shown escaped and intact.

use std::collections::BTreeMap;
use std::path::Path;

use appgov_server::routes::CATALOG;
use appgov_testkit::web::{Answer, Client, Server, escaped};
use serde_json::json;

const PASSWORD: &str = "Harden-Passw0rd-2026";
const HOSTILE: &str = "<script>alert(1)</script>\"'&";
const CN: &str = "审计部·张三";
/// For file names: no `/` (a directory to browsers and to us) and no `"`
/// (it ends the multipart header's quoted name).
const HOSTILE_FILE: &str = "<img src=x onerror=alert(1)>'&";

fn start(dir: &Path, env: &[(&str, &str)]) -> (Server, Client) {
    let exe = Path::new(env!("CARGO_BIN_EXE_appgov"));
    Server::start_with_admin(exe, dir, env, "admin", PASSWORD)
}

/// The id of the first evidence item of a move's checklist.
fn evidence_item(admin: &mut Client, mv: &str) -> String {
    admin.get(&format!("/api/v1/moves/{mv}")).json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "evidence")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A proposed app recorded through the API; its id.
fn new_app(admin: &mut Client, name: &str) -> String {
    let a = admin.send_json(
        "POST",
        "/api/v1/apps",
        &json!({"name": name, "form": "android"}),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()["id"].as_str().unwrap().to_string()
}

/// A requested admission move of the app; its id.
fn new_move(admin: &mut Client, app: &str) -> String {
    let a = admin.send_json(
        "POST",
        &format!("/api/v1/apps/{app}/moves"),
        &json!({"to": "admitted", "reason": "准入"}),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()["move"]["id"].as_str().unwrap().to_string()
}

/// A form body of about `size` bytes (with the session's CSRF token).
fn big_form(csrf: &str, size: usize) -> Vec<u8> {
    let mut b = format!("_csrf={csrf}&name=").into_bytes();
    b.resize(size, b'a');
    b
}

fn session_head(c: &Client, line: &str, origin: &str, content_type: &str) -> String {
    format!(
        "{line}\r\nOrigin: {origin}\r\nCookie: appgov_session={}\r\nContent-Type: {content_type}",
        c.session.as_deref().unwrap()
    )
}

#[test]
fn oversize_bodies_and_refused_large_bodies_are_answered_not_reset() {
    let dir = tempfile::tempdir().unwrap();
    let (server, mut admin) = start(dir.path(), &[("APPGOV_EVIDENCE_LIMIT_MIB", "2")]);
    let base = server.base.clone();
    let csrf = admin.csrf.clone().unwrap();
    let form = "application/x-www-form-urlencoded";

    // A 2 MiB form where 1 MiB is the limit: 413, in Chinese by default.
    let (status, text) = server
        .raw_exchange(
            &session_head(&admin, "POST /admin/orgs HTTP/1.1", &base, form),
            &big_form(&csrf, 2 << 20),
        )
        .expect("the answer, not a reset");
    assert_eq!(status, 413, "{text}");
    assert!(
        text.contains("提交的内容过大：此处最多接收 1 MiB"),
        "{text}"
    );
    // Signed out, to the sign-in form: refused by its size too.
    let (status, text) = server
        .raw_exchange(
            &format!("POST /login HTTP/1.1\r\nOrigin: {base}\r\nContent-Type: {form}"),
            &big_form("", 2 << 20),
        )
        .expect("the answer, not a reset");
    assert_eq!(status, 413, "{text}");
    // JSON over the limit: a JSON 413 in the asker's language.
    let (status, text) = server
        .raw_exchange(
            "POST /api/v1/apps HTTP/1.1\r\nContent-Type: application/json\r\nAccept-Language: en",
            &vec![b' '; (1 << 20) + 10],
        )
        .expect("the answer, not a reset");
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("\"too_large\""), "{text}");
    assert!(text.contains("at most 1 MiB"), "{text}");

    // Refused by the cross-site check with an 8 MiB body: the 403 arrives.
    let (status, text) = server
        .raw_exchange(
            &session_head(
                &admin,
                "POST /apps/x/releases HTTP/1.1",
                "http://evil.example",
                "application/octet-stream",
            ),
            &vec![0u8; 8 << 20],
        )
        .expect("the 403, not a reset");
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("请求来源校验失败"), "{text}");
    // Same origin but no CSRF token on a multipart upload: 403 too.
    let (status, text) = server
        .raw_exchange(
            &session_head(
                &admin,
                "POST /apps/x/releases HTTP/1.1",
                &base,
                "multipart/form-data; boundary=x",
            ),
            &vec![b'x'; 8 << 20],
        )
        .expect("the 403, not a reset");
    assert_eq!(status, 403, "{text}");
    // Refused by the access guard (no credentials) with an 8 MiB package:
    // the 401 arrives.
    let (status, text) = server
        .raw_exchange(
            "POST /api/v1/apps/x/releases?file_name=a.apk HTTP/1.1\r\nContent-Type: application/octet-stream",
            &vec![0u8; 8 << 20],
        )
        .expect("the 401, not a reset");
    assert_eq!(status, 401, "{text}");
    assert!(
        text.to_ascii_lowercase().contains("connection: close"),
        "{text}"
    );

    // Evidence has its own limit (2 MiB here): 1 MiB is taken, 4 MiB is not.
    let app = new_app(&mut admin, "限额测试");
    let mv = new_move(&mut admin, &app);
    let item = evidence_item(&mut admin, &mv);
    let ok = admin.post_file(
        &format!("/moves/{mv}/evidence"),
        &[("item", &item)],
        "file",
        "报告.pdf",
        &vec![b'p'; 1 << 20],
    );
    assert_eq!(ok.status, 303, "{}", ok.body);
    let big = admin.post_file(
        &format!("/moves/{mv}/evidence"),
        &[("item", &item)],
        "file",
        "报告.pdf",
        &vec![b'p'; 4 << 20],
    );
    assert_eq!(big.status, 413, "{}", big.body);
    assert!(big.body.contains("最多接收 2 MiB"), "{}", big.body);
    // The server still serves.
    assert_eq!(admin.get("/").status, 200);
}

/// Fills a route's `{placeholders}`.
fn fill(path: &str, ids: &BTreeMap<&str, String>) -> String {
    let mut out = path.to_string();
    for (k, v) in ids {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    assert!(!out.contains('{'), "no fixture for {path}");
    out
}

/// Whether the answer is the cross-site check's refusal.
fn is_csrf_refusal(a: &Answer) -> bool {
    a.status == 403 && (a.body.contains("请求来源校验失败") || a.body.contains("\"csrf\""))
}

#[test]
fn every_state_changing_route_needs_our_origin_and_the_sessions_token() {
    let dir = tempfile::tempdir().unwrap();
    let (server, mut admin) = start(dir.path(), &[]);
    let base = server.base.clone();
    let app = new_app(&mut admin, "跨站测试");
    let mv = new_move(&mut admin, &app);
    let r = admin.add_org("示例银行", "institution", "");
    assert_eq!(r.status, 303, "{}", r.body);
    let r = admin.post_form(
        "/admin/users",
        &[
            ("login", "target"),
            ("display_name", "目标"),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let user = admin.user_id("target");
    let t = admin.send_json(
        "POST",
        "/api/v1/tokens",
        &json!({"name": "跨站", "scopes": ["read"]}),
    );
    assert_eq!(t.status, 201, "{}", t.body);
    let token = t.json()["id"].as_str().unwrap().to_string();
    let orgs = admin.get("/admin/orgs").body;
    let at = orgs.find("action=\"/admin/orgs/").unwrap() + "action=\"/admin/orgs/".len();
    let org = orgs[at..at + orgs[at..].find('"').unwrap()].to_string();
    let ids: BTreeMap<&str, String> = [
        ("app", app),
        ("move", mv),
        ("user", user),
        ("token", token),
        ("org", org),
        // Records that need a scanned package: absent ids (404 once past
        // the check) serve as well for the check itself.
        ("release", "no-release".to_string()),
        ("job", "no-job".to_string()),
        ("listing", "no-listing".to_string()),
        ("account", "no-account".to_string()),
        ("identity", "no-identity".to_string()),
        ("obligation", "no-obligation".to_string()),
        ("complaint", "no-complaint".to_string()),
        ("counterfeit", "no-counterfeit".to_string()),
        ("request", "no-request".to_string()),
        ("assessment", "no-assessment".to_string()),
        ("exception", "no-exception".to_string()),
        ("drill", "no-drill".to_string()),
    ]
    .into_iter()
    .collect();

    // Signing out ends the session: it goes last.
    let mut routes: Vec<_> = CATALOG.iter().filter(|r| r.method != "GET").collect();
    routes.sort_by_key(|r| r.path == "/logout");
    assert!(routes.len() >= 40, "{} routes", routes.len());
    let csrf = admin.csrf.clone().unwrap();
    for spec in routes {
        let path = fill(spec.path, &ids);
        let api = path.starts_with("/api/");
        let form = ("application/x-www-form-urlencoded", b"name=x".to_vec());
        // No token.
        let a = admin.raw(spec.method, &path, &[("Origin", &base)], Some(form.clone()));
        assert!(
            is_csrf_refusal(&a),
            "{} {path} without a token: {} {}",
            spec.method,
            a.status,
            a.body
        );
        // The right token from another site.
        let a = admin.raw(
            spec.method,
            &path,
            &[("Origin", "http://evil.example"), ("X-CSRF-Token", &csrf)],
            Some(form.clone()),
        );
        assert!(
            is_csrf_refusal(&a),
            "{} {path} cross-site: {} {}",
            spec.method,
            a.status,
            a.body
        );
        // From our origin with the token — the way its clients send it —
        // the check lets it through (what the handler then says is its own).
        let a = if api {
            admin.raw(
                spec.method,
                &path,
                &[("Origin", &base), ("X-CSRF-Token", &csrf)],
                Some(("application/json", b"{}".to_vec())),
            )
        } else {
            let body = format!("_csrf={csrf}").into_bytes();
            admin.raw(
                spec.method,
                &path,
                &[("Origin", &base)],
                Some(("application/x-www-form-urlencoded", body)),
            )
        };
        assert!(
            !is_csrf_refusal(&a),
            "{} {path} with the token: {} {}",
            spec.method,
            a.status,
            a.body
        );
        // Still signed in (until /logout).
        if spec.path != "/logout" {
            assert_eq!(
                admin.get("/account").status,
                200,
                "after {} {path}",
                spec.method
            );
        }
    }
}

/// No raw markup; the escaped text intact.
fn shows_escaped(page: &str, text: &str, what: &str) {
    for raw in [text, "<script>alert(1)", "<img src=x"] {
        assert!(!page.contains(raw), "{what} unescaped:\n{page}");
    }
    assert!(
        page.contains(&escaped(text)),
        "{what} not shown intact:\n{page}"
    );
}

#[test]
fn hostile_and_chinese_strings_in_administration_forms_come_back_escaped_and_intact() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, mut admin) = start(dir.path(), &[]);
    let name = format!("{CN}{HOSTILE}");

    // A user's display name: on the list and the user's page.
    let r = admin.post_form(
        "/admin/users",
        &[
            ("login", "zhangsan"),
            ("display_name", &name),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    shows_escaped(&admin.get("/admin").body, &name, "display name on the list");
    let id = admin.user_id("zhangsan");
    shows_escaped(
        &admin.get(&format!("/admin/users/{id}")).body,
        &name,
        "display name",
    );
    // A changed display name, through the details form.
    let renamed = format!("{HOSTILE}{CN}二");
    let r = admin.post_form(
        &format!("/admin/users/{id}/details"),
        &[("display_name", &renamed)],
    );
    assert!(
        r.status == 303 || r.status == 200,
        "{} {}",
        r.status,
        r.body
    );
    shows_escaped(
        &admin.get(&format!("/admin/users/{id}")).body,
        &renamed,
        "renamed",
    );

    // A hostile login is refused, and the refusal echoes it escaped.
    let r = admin.post_form(
        "/admin/users",
        &[
            ("login", &name),
            ("display_name", "x"),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(!r.body.contains("<script>alert(1)"), "{}", r.body);

    // An org node's name.
    let r = admin.add_org(&name, "institution", "");
    assert_eq!(r.status, 303, "{}", r.body);
    shows_escaped(&admin.get("/admin/orgs").body, &name, "org name");
    shows_escaped(
        &admin.get("/admin/users/new").body,
        &name,
        "org in the grant select",
    );

    // A token's name: on one's account and the administrator's list.
    let r = admin.post_form(
        "/account/tokens",
        &[("name", &name), ("scope", "read"), ("expires_days", "30")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    shows_escaped(&r.body, &name, "new token");
    shows_escaped(&admin.get("/account").body, &name, "token on the account");
    shows_escaped(
        &admin.get("/admin/tokens").body,
        &name,
        "token on the admin list",
    );

    // Policy text: a refused draft comes back escaped for fixing; a saved
    // one shows its institution escaped.
    let draft = format!("schema = 1\ninstitution = \"{CN}\"\n[broken\n# {HOSTILE}\n");
    let r = admin.post_form("/admin/policy", &[("text", &draft)]);
    assert_eq!(r.status, 422, "{}", r.body);
    shows_escaped(&r.body, HOSTILE, "policy draft");
    assert!(r.body.contains(CN));
    let good = format!("schema = 1\ninstitution = \"{CN}&lt;{}\"\n", "<b>x</b>");
    let r = admin.post_form("/admin/policy", &[("text", &good)]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(!r.body.contains("<b>x</b>"));
    let page = admin.get("/admin/policy").body;
    assert!(!page.contains("<b>x</b>"), "{page}");
    assert!(page.contains(&escaped("<b>x</b>")), "{page}");

    // An upload's file name: on its job page (the package need not be
    // readable for that).
    let app = new_app(&mut admin, "上传测试");
    let file_name = format!("{CN}{HOSTILE_FILE}.apk");
    let r = admin.post_file(
        &format!("/apps/{app}/releases"),
        &[],
        "package",
        &file_name,
        b"PK not really a package",
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let job = r.header("location").unwrap().to_string();
    shows_escaped(&admin.get(&job).body, &file_name, "uploaded file name");
    // And an evidence document's file name, on its move.
    let mv = new_move(&mut admin, &app);
    let item = evidence_item(&mut admin, &mv);
    let doc = format!("{CN}{HOSTILE_FILE}.pdf");
    let r = admin.post_file(
        &format!("/moves/{mv}/evidence"),
        &[("item", &item)],
        "file",
        &doc,
        b"%PDF-1.4",
    );
    assert_eq!(r.status, 303, "{}", r.body);
    shows_escaped(
        &admin.get(&format!("/moves/{mv}")).body,
        &doc,
        "evidence file name",
    );
}
