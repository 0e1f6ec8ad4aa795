//! Single sign-on against a REAL OpenID provider on loopback: the certified
//! `oidc-provider` npm package run by `web/test/oidc-provider.mjs` (its
//! development interactions sign in any login, which becomes the
//! subject). The test drives the provider's own login and consent forms
//! over HTTP like a browser, then the callback into `appgov serve`.
//!
//! Needs node and `npm ci --prefix web`; skipped with a message when they
//! are missing locally, fails under CI (which installs them).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use appgov_testkit::web::{Client, Server};

const CLIENT_ID: &str = "appgov-test";
const CLIENT_SECRET: &str = "loopback-client-secret-0123456789";
const ADMIN_PW: &str = "Chief-Passw0rd-2026";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether node and the provider package are here (skip otherwise; under
/// CI their absence is a failure).
fn provider_available() -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let pkg = repo_root()
        .join("web/node_modules/oidc-provider/package.json")
        .is_file();
    if node && pkg {
        return true;
    }
    let why = if node {
        "web/node_modules lacks oidc-provider (run `npm ci --prefix web`)"
    } else {
        "node is not installed"
    };
    if std::env::var_os("CI").is_some() {
        panic!("single sign-on test cannot run under CI: {why}");
    }
    eprintln!("SKIPPED web_oidc: {why}");
    false
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The provider process (ended when dropped).
struct Provider {
    child: Child,
    issuer: String,
}

impl Provider {
    fn start(port: u16, redirect_uris: &[String]) -> Provider {
        let mut child = Command::new("node")
            .arg(repo_root().join("web/test/oidc-provider.mjs"))
            .arg(format!("--port={port}"))
            .arg(format!("--client_id={CLIENT_ID}"))
            .arg(format!("--client_secret={CLIENT_SECRET}"))
            .arg(format!("--redirect_uri={}", redirect_uris.join(",")))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting node");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("oidc-provider did not start");
        assert!(line.starts_with("oidc-provider ready"), "{line}");
        Provider {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
        }
    }

    fn set_mode(&self, mode: &str) {
        let mut b = Browser::new();
        let a = b.get(&format!("{}/__test/mode?set={mode}", self.issuer));
        assert_eq!(a.0, 200);
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser at the provider: keeps its cookies, follows nothing by
/// itself.
struct Browser {
    agent: ureq::Agent,
    cookies: BTreeMap<String, String>,
}

type Reply = (u16, String, Option<String>);

impl Browser {
    fn new() -> Browser {
        Browser {
            agent: ureq::Agent::config_builder()
                .max_redirects(0)
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(60)))
                .build()
                .new_agent(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn finish(&mut self, r: ureq::http::Response<ureq::Body>) -> Reply {
        let mut r = r;
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap_or("");
            let first = v.split(';').next().unwrap_or("");
            if let Some((k, val)) = first.split_once('=') {
                if val.is_empty() || v.to_ascii_lowercase().contains("max-age=0") {
                    self.cookies.remove(k.trim());
                } else {
                    self.cookies.insert(k.trim().into(), val.into());
                }
            }
        }
        let loc = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let status = r.status().as_u16();
        let body = r.body_mut().read_to_string().unwrap_or_default();
        (status, body, loc)
    }

    fn get(&mut self, url: &str) -> Reply {
        let mut req = self.agent.get(url);
        if !self.cookies.is_empty() {
            req = req.header("Cookie", &self.cookie_header());
        }
        let r = req.call().expect("HTTP to the provider");
        self.finish(r)
    }

    fn post(&mut self, url: &str, fields: &[(&str, &str)]) -> Reply {
        let mut req = self.agent.post(url);
        if !self.cookies.is_empty() {
            req = req.header("Cookie", &self.cookie_header());
        }
        let r = req
            .send_form(fields.iter().copied())
            .expect("HTTP to the provider");
        self.finish(r)
    }
}

fn absolute(base: &str, loc: &str) -> String {
    if loc.starts_with("http://") || loc.starts_with("https://") {
        loc.to_string()
    } else {
        format!("{base}{loc}")
    }
}

/// The first `<form ... action="X"` and its hidden `prompt` value.
fn form_of(html: &str) -> Option<(String, String)> {
    let i = html.find("<form")?;
    let rest = &html[i..];
    let a = rest.find("action=\"")? + 8;
    let action = rest[a..a + rest[a..].find('"')?].replace("&amp;", "&");
    let p = rest.find("name=\"prompt\" value=\"")? + 21;
    let prompt = rest[p..p + rest[p..].find('"')?].to_string();
    Some((action, prompt))
}

/// Signs in at the provider as `login` from the authorization URL until
/// the provider sends the browser back to appgov; returns that URL.
fn through_provider(issuer: &str, auth_url: &str, login: &str, appgov: &str) -> String {
    let mut b = Browser::new();
    let mut next = auth_url.to_string();
    for _ in 0..20 {
        let (status, body, loc) = b.get(&next);
        if let Some(l) = loc {
            let l = absolute(issuer, &l);
            if l.starts_with(appgov) {
                return l;
            }
            next = l;
            continue;
        }
        assert_eq!(status, 200, "provider answered {status}: {body}");
        let (action, prompt) = form_of(&body).unwrap_or_else(|| panic!("no form in {body}"));
        let action = absolute(issuer, &action);
        let (s, body, loc) = match prompt.as_str() {
            "login" => b.post(
                &action,
                &[("prompt", "login"), ("login", login), ("password", "any")],
            ),
            _ => b.post(&action, &[("prompt", prompt.as_str())]),
        };
        let l = loc.unwrap_or_else(|| panic!("provider form answered {s}: {body}"));
        let l = absolute(issuer, &l);
        if l.starts_with(appgov) {
            return l;
        }
        next = l;
    }
    panic!("the provider never sent the browser back");
}

/// Starts a sign-in at appgov: (provider URL, flow cookie).
fn start(c: &mut Client) -> (String, String) {
    let a = c.get("/auth/oidc/start?next=/account");
    assert_eq!(a.status, 303, "{}", a.body);
    let cookie = a
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| v.strip_prefix("appgov_oidc="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("flow cookie");
    (a.header("location").unwrap().to_string(), cookie)
}

/// Calls appgov's callback (the path and query of `url`) with the flow
/// cookie.
fn callback(c: &mut Client, url: &str, flow_cookie: &str) -> appgov_testkit::web::Answer {
    let path = &url[c.base.len()..];
    c.raw(
        "GET",
        path,
        &[("Cookie", &format!("appgov_oidc={flow_cookie}"))],
        None,
    )
}

fn sso(c: &mut Client, p: &Provider, login: &str) -> appgov_testkit::web::Answer {
    let (url, cookie) = start(c);
    assert!(url.starts_with(&p.issuer), "{url}");
    assert!(url.contains("code_challenge_method=S256"), "PKCE: {url}");
    assert!(url.contains("nonce="), "{url}");
    let back = through_provider(&p.issuer, &url, login, &c.base);
    callback(c, &back, &cookie)
}

fn write_config(dir: &Path, issuer: &str, create: bool, timeout: u64) -> PathBuf {
    let f = dir.join("appgov.toml");
    std::fs::write(
        &f,
        format!(
            "[oidc]\nissuer = \"{issuer}\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\nlabel = \"统一身份认证\"\ncreate_accounts = {create}\nlogin_timeout_secs = {timeout}\n"
        ),
    )
    .unwrap();
    f
}

#[test]
fn single_sign_on_against_a_real_provider() {
    if !provider_available() {
        return;
    }
    let exe = Path::new(env!("CARGO_BIN_EXE_appgov"));
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    // Server A creates accounts at first sign-in; B does not, and gives a
    // person one second at the provider.
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let conf_a = write_config(dir_a.path(), &issuer, true, 600);
    let conf_b = write_config(dir_b.path(), &issuer, false, 1);
    let a = Server::start(
        exe,
        &dir_a.path().join("data"),
        &[("APPGOV_CONFIG", conf_a.to_str().unwrap())],
    );
    let b = Server::start(
        exe,
        &dir_b.path().join("data"),
        &[("APPGOV_CONFIG", conf_b.to_str().unwrap())],
    );
    let provider = Provider::start(
        port,
        &[
            format!("{}/auth/oidc/callback", a.base),
            format!("{}/auth/oidc/callback", b.base),
        ],
    );

    // The login page offers single sign-on under its label.
    let mut admin_a = a.client();
    let r = admin_a.get("/login");
    assert!(r.body.contains("/auth/oidc/start"), "{}", r.body);
    assert!(r.body.contains("统一身份认证"));
    assert_eq!(
        admin_a
            .setup_admin(a.setup_url.as_ref().unwrap(), "admin", ADMIN_PW)
            .status,
        303
    );
    admin_a.get("/");

    // First sign-in: the account is created without grants.
    let mut zs = a.client();
    let r = sso(&mut zs, &provider, "zhang.san");
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/account"));
    assert!(zs.session.is_some(), "a session cookie was set");
    let users = admin_a.get("/api/v1/users").json();
    let u = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == "zhang.san")
        .unwrap_or_else(|| panic!("no zhang.san in {users}"))
        .clone();
    assert_eq!(u["source"], "oidc");
    assert_eq!(u["oidc_subject"], "zhang.san");
    assert_eq!(u["display_name"], "SSO zhang.san");
    assert_eq!(u["grants"].as_array().unwrap().len(), 0);
    // Without grants the session exists and knows who it is, but reaches
    // nothing of the ledger.
    let me = zs.get("/api/v1/me");
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["grants"].as_array().unwrap().len(), 0);
    assert_eq!(zs.get("/api/v1/apps").status, 403);
    assert_eq!(zs.get("/apps").status, 403);

    // An administrator grants a role; the next sign-in is the same account.
    let id = u["id"].as_str().unwrap();
    let r = admin_a.send_json(
        "PATCH",
        &format!("/api/v1/users/{id}"),
        &serde_json::json!({"grants": [{"role": "auditor"}]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // Changing grants ended the session.
    assert_eq!(zs.get("/api/v1/me").status, 401);
    let mut zs = a.client();
    assert_eq!(sso(&mut zs, &provider, "zhang.san").status, 303);
    let me = zs.get("/api/v1/me").json();
    assert_eq!(me["login"], "zhang.san");
    assert_eq!(me["id"], id);
    assert_eq!(me["grants"][0]["role"], "auditor");
    let n = admin_a
        .get("/api/v1/users")
        .json()
        .as_array()
        .unwrap()
        .len();
    assert_eq!(n, 2, "no second account for the same subject");

    // A tampered state is refused, and so is a tampered flow cookie.
    let mut x = a.client();
    let (url, cookie) = start(&mut x);
    let back = through_provider(&provider.issuer, &url, "wang.wu", &x.base);
    let forged = back.replace("state=", "state=x");
    let r = callback(&mut x, &forged, &cookie);
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("state"), "{}", r.body);
    let mut bad_cookie = cookie.clone();
    let last = bad_cookie.pop().unwrap();
    bad_cookie.push(if last == '0' { '1' } else { '0' });
    let r = callback(&mut x, &back, &bad_cookie);
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(x.session.is_none());
    // A callback without the cookie that started it (another browser).
    let r = x.get(&back[x.base.len()..]);
    assert_eq!(r.status, 403);
    assert!(x.session.is_none());

    // ID tokens with another audience, past their expiry, or another
    // nonce — each signed by the provider's real key — are refused.
    for (mode, word) in [
        ("audience", "audience"),
        ("expired", "expired"),
        ("nonce", "nonce"),
    ] {
        provider.set_mode(mode);
        let mut x = a.client();
        let r = sso(&mut x, &provider, "wang.wu");
        assert_eq!(r.status, 403, "{mode}: {}", r.body);
        assert!(
            r.body.to_lowercase().contains(word),
            "{mode}: the refusal names it: {}",
            r.body
        );
        assert!(x.session.is_none(), "{mode}: no session");
    }
    provider.set_mode("normal");
    let logins: Vec<String> = admin_a
        .get("/api/v1/users")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["login"].as_str().unwrap().to_string())
        .collect();
    assert!(!logins.contains(&"wang.wu".to_string()), "{logins:?}");

    // Server B: no account, no creation — a clear refusal.
    let mut admin_b = b.client();
    admin_b.setup_admin(b.setup_url.as_ref().unwrap(), "admin", ADMIN_PW);
    admin_b.get("/");
    let mut y = b.client();
    let r = sso(&mut y, &provider, "li.si");
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("管理员"), "{}", r.body);
    assert!(y.session.is_none());
    // Once an administrator creates it (by subject) the same person signs in.
    let r = admin_b.send_json(
        "POST",
        "/api/v1/users",
        &serde_json::json!({"login": "lisi", "display_name": "李四", "oidc_subject": "li.si",
            "grants": [{"role": "app_owner"}]}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let mut y = b.client();
    assert_eq!(sso(&mut y, &provider, "li.si").status, 303);
    assert_eq!(y.get("/api/v1/me").json()["login"], "lisi");

    // A sign-in that took longer than B's one second is refused.
    let mut z = b.client();
    let (url, cookie) = start(&mut z);
    let back = through_provider(&provider.issuer, &url, "li.si", &z.base);
    std::thread::sleep(Duration::from_millis(2100));
    let r = callback(&mut z, &back, &cookie);
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(z.session.is_none());
}
