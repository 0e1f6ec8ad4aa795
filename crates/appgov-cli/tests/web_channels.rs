//! Editing an app and recording where it is published, against a real
//! `appgov serve`: the org tree is made with the CLI, the accounts through
//! the administration API, everything else through the pages' forms and
//! the JSON API as people and CI would use them. What is checked: the edit
//! form saves every attribute and refuses a stale version without losing
//! the newer data; a department outside the editor's scope is refused; a
//! listing with a new publishing account records the account as held by
//! the operating institution; the same channel twice is refused; an
//! account held by the bank is kept by the bank's governance office, not a
//! branch owner; the admission gate's automatic items (functional overlap,
//! own publishing accounts) turn from open to met once these records
//! exist; hostile and Chinese text comes back escaped and intact.

use std::path::Path;
use std::process::Command;

use appgov_testkit::web::{Answer, Client, Server};
use serde_json::{Value, json};

const ADMIN_PW: &str = "Root-Keeper-2026-Pass!";
const PW: &str = "Channel-Password-2026";
const HOSTILE: &str = "<script>alert(1)</script>转账汇款";

fn exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_appgov"))
}

/// `appgov org add` through the real binary; returns the new node's id.
fn org_add(dir: &Path, kind: &str, name: &str, parent: Option<&str>) -> String {
    let mut c = Command::new(exe());
    c.args(["--data-dir"])
        .arg(dir)
        .args(["org", "add", "--kind", kind, "--name", name]);
    if let Some(p) = parent {
        c.args(["--parent", p]);
    }
    let out = c.env("APPGOV_ACTOR", "测试准备").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn user(admin: &mut Client, login: &str, role: &str, org: Option<&str>) {
    let a = admin.send_json(
        "POST",
        "/api/v1/users",
        &json!({"login": login, "display_name": login, "password": PW, "must_change": false,
                "grants": [{"role": role, "org_id": org}]}),
    );
    assert_eq!(a.status, 201, "{login}: {}", a.body);
}

fn signed_in(server: &Server, login: &str) -> Client {
    let mut c = server.client();
    let a = c.login(login, PW);
    assert_eq!(a.status, 303, "{login} signs in: {}", a.body);
    c.get("/");
    c
}

fn location(a: &Answer) -> String {
    a.header("location").unwrap_or_default().to_string()
}

fn app_json(c: &mut Client, id: &str) -> Value {
    let a = c.get(&format!("/api/v1/apps/{id}"));
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

fn attr(app: &Value, key: &str) -> String {
    app["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == key)
        .unwrap_or_else(|| panic!("attribute {key}"))["value"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Each of a move's checklist items: id, met, and why it is open.
fn items(c: &mut Client, mv: &str) -> Vec<(String, bool, String)> {
    let a = c.get(&format!("/api/v1/moves/{mv}"));
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["met"].as_bool().unwrap(),
                i["detail"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn editing_apps_listings_and_publishing_accounts() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let bank = org_add(dir, "institution", "示例银行", None);
    let sh = org_add(dir, "branch", "上海分行", Some(&bank));
    let bj = org_add(dir, "branch", "北京分行", Some(&bank));
    let mut server = Server::start(exe(), dir, &[]);
    let setup = server
        .setup_url
        .clone()
        .expect("a fresh server offers its setup link");
    let mut admin = server.client();
    let a = admin.setup_admin(&setup, "admin", ADMIN_PW);
    assert!(a.status < 400, "{}", a.body);
    admin.get("/");
    user(&mut admin, "owner-sh", "app_owner", Some(&sh));
    user(&mut admin, "gov", "governance", None);
    user(&mut admin, "auditor", "auditor", None);

    // The Shanghai owner records an app in their branch.
    let mut owner = signed_in(&server, "owner-sh");
    let a = owner.post_form(
        "/apps",
        &[
            ("name", "掌上示例银行"),
            ("form", "android"),
            ("department_id", &sh),
            ("package", "com.example.bank"),
        ],
    );
    assert_eq!(a.status, 303, "{}", a.body);
    let app = location(&a).trim_start_matches("/apps/").to_string();
    let page = owner.get(&format!("/apps/{app}"));
    assert!(
        page.body.contains(&format!("/apps/{app}/edit")),
        "the owner is offered the edit page"
    );
    let edit = owner.get(&format!("/apps/{app}/edit"));
    assert_eq!(edit.status, 200);
    assert!(edit.body.contains("掌上示例银行") && edit.body.contains("name=\"functions\""));
    let version = app_json(&mut owner, &app)["version"].as_i64().unwrap();

    // Save every kind of field; functions one a line, regions by 、.
    let functions = format!("账户查询\n{HOSTILE}\n\n理财");
    let v = version.to_string();
    let a = owner.post_form(
        &format!("/apps/{app}/edit"),
        &[
            ("version", &v),
            ("name", "掌上示例银行"),
            ("aliases", "示例银行App\n掌银"),
            ("form", "android"),
            ("purpose", "零售客户的手机银行"),
            ("functions", &functions),
            ("user_segment", "retail"),
            ("regions", "上海、江苏"),
            ("department_id", &sh),
            ("responsible_person_id", ""),
            ("tech_owner_id", ""),
            ("security_owner_id", ""),
            ("data_owner_id", ""),
            ("important_system", "on"),
            ("mlps_level", "3"),
            ("minors_policy", "not_for_minors"),
            ("privacy_policy_url", "https://bank.example/privacy"),
            ("complaint_channel", "95555"),
        ],
    );
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(location(&a), format!("/apps/{app}#overview"));
    let j = app_json(&mut owner, &app);
    assert_eq!(j["version"].as_i64().unwrap(), version + 1);
    assert_eq!(
        attr(&j, "attr.functions"),
        format!("账户查询、{HOSTILE}、理财")
    );
    assert_eq!(attr(&j, "attr.user_segment"), "个人客户");
    assert_eq!(attr(&j, "attr.regions"), "上海、江苏");
    assert_eq!(attr(&j, "attr.important_system"), "是");
    assert_eq!(
        attr(&j, "attr.elderly_mode"),
        "否",
        "an unticked box saves false"
    );
    assert_eq!(attr(&j, "attr.aliases"), "示例银行App、掌银");
    let page = owner.get(&format!("/apps/{app}"));
    assert!(
        !page.body.contains("<script>alert(1)</script>"),
        "functions are escaped"
    );
    let shown = page
        .body
        .find("转账汇款")
        .map(|i| &page.body[i.saturating_sub(60)..i + 12]);
    assert!(
        page.body
            .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;转账汇款"),
        "{shown:?}"
    );

    // A second save at the old version: refused, the newer data kept.
    let a = owner.post_form(
        &format!("/apps/{app}/edit"),
        &[
            ("version", &v),
            ("name", "旧名称"),
            ("form", "android"),
            ("department_id", &sh),
        ],
    );
    assert_eq!(a.status, 409, "{}", a.body);
    assert!(
        a.body.contains("旧名称"),
        "the refused form keeps what was typed"
    );
    assert_eq!(app_json(&mut owner, &app)["name"], "掌上示例银行");

    // Moving the app to a branch outside one's scope: refused.
    let cur = app_json(&mut owner, &app)["version"]
        .as_i64()
        .unwrap()
        .to_string();
    let a = owner.post_form(
        &format!("/apps/{app}/edit"),
        &[
            ("version", &cur),
            ("name", "掌上示例银行"),
            ("form", "android"),
            ("department_id", &bj),
        ],
    );
    assert_eq!(a.status, 403, "{}", a.body);
    // Nor can the lifecycle state be set by an edit (the API has no such field).
    let a = owner.send_json(
        "PATCH",
        &format!("/api/v1/apps/{app}"),
        &json!({"version": cur.parse::<i64>().unwrap(), "state": "live"}),
    );
    assert_eq!(a.status, 422, "unknown fields are refused: {}", a.body);

    // Ask for admission now: the automatic items on functions and
    // channels — functions are recorded, but no listing yet.
    let a = owner.send_json(
        "POST",
        &format!("/api/v1/apps/{app}/moves"),
        &json!({"to": "admitted", "reason": "准入"}),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let mv = a.json()["move"]["id"].as_str().unwrap().to_string();
    let met = |v: &[(String, bool, String)], id: &str| {
        v.iter()
            .find(|(i, _, _)| i == id)
            .map(|(_, m, _)| *m)
            .expect(id)
    };
    let before = items(&mut owner, &mv);
    assert!(
        met(&before, "no-overlap"),
        "functions and segment recorded: {before:?}"
    );
    assert!(!met(&before, "own-channels"), "no listing yet: {before:?}");
    let why = before
        .iter()
        .find(|(i, _, _)| i == "own-channels")
        .unwrap()
        .2
        .clone();
    assert!(
        why.contains("未登记发布渠道"),
        "the reason is shown in Chinese: {why}"
    );

    // A listing through a new account held by the operating institution.
    let a = owner.post_form(
        &format!("/apps/{app}/listings"),
        &[
            ("channel", "huawei_appgallery"),
            ("state", "planned"),
            ("account_id", ""),
            ("new_account_name", "示例银行官方<b>"),
            ("store_url", "https://appgallery.example/app/1"),
        ],
    );
    assert_eq!(a.status, 303, "{}", a.body);
    let j = app_json(&mut owner, &app);
    let listing = &j["listings"][0];
    assert_eq!(listing["channel"], "huawei_appgallery");
    assert_eq!(listing["state"], "planned");
    assert_eq!(
        listing["account"], "示例银行官方<b> (示例银行)",
        "held by the bank, named as typed"
    );
    let listing_id = listing["id"].as_str().unwrap().to_string();
    // The same channel again: refused.
    let a = owner.post_form(
        &format!("/apps/{app}/listings"),
        &[("channel", "huawei_appgallery")],
    );
    assert_eq!(a.status, 409, "{}", a.body);
    assert!(
        a.body.contains("已有上架记录，请修改那条记录"),
        "{}",
        a.body
    );

    // The gate's automatic items are now met.
    let after = items(&mut owner, &mv);
    assert!(met(&after, "no-overlap"), "{after:?}");
    assert!(
        met(&after, "own-channels"),
        "the listing goes through the bank's account: {after:?}"
    );

    // The account: visible to the branch owner, kept by the governance office.
    let accounts = owner.get("/api/v1/accounts");
    assert_eq!(accounts.status, 200);
    let acc = accounts.json()[0].clone();
    assert_eq!(acc["holder_org_id"], bank.as_str());
    assert_eq!(acc["listings"], 1);
    assert_eq!(acc["may_edit"], false);
    let acc_id = acc["id"].as_str().unwrap().to_string();
    let page = owner.get("/accounts");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.body.matches("aria-current=\"page\"").count(),
        1,
        "one menu entry is current (not also 我的账号 for /account)"
    );
    assert!(
        page.body.contains("示例银行官方&lt;b&gt;"),
        "account names are escaped"
    );
    let a = owner.post_form(
        &format!("/accounts/{acc_id}"),
        &[("version", "1"), ("two_factor", "true")],
    );
    assert_eq!(
        a.status, 403,
        "a branch owner does not keep the bank's account"
    );
    let mut gov = signed_in(&server, "gov");
    let a = gov.post_form(
        &format!("/accounts/{acc_id}"),
        &[
            ("version", &acc["version"].to_string()),
            ("account_name", "示例银行官方"),
            ("two_factor", "true"),
            ("last_access_review", "2026-11-30"),
            ("status", "active"),
        ],
    );
    assert_eq!(a.status, 303, "{}", a.body);
    let acc = gov.get("/api/v1/accounts").json()[0].clone();
    assert_eq!(acc["two_factor"], true);
    assert_eq!(acc["last_access_review"], "2026-11-30");
    assert_eq!(acc["account_name"], "示例银行官方");
    // A second account on the same channel with the same name: refused.
    let a = gov.send_json(
        "POST",
        "/api/v1/accounts",
        &json!({"channel": "huawei_appgallery", "account_name": "示例银行官方", "holder_org_id": bank}),
    );
    assert_eq!(a.status, 409, "{}", a.body);
    // The owner may record an account held by the bank (above their
    // branch) but not by another branch.
    let a = owner.send_json(
        "POST",
        "/api/v1/accounts",
        &json!({"channel": "xiaomi", "account_name": "北京分行小米", "holder_org_id": bj}),
    );
    assert_eq!(a.status, 403, "{}", a.body);
    let a = owner.send_json(
        "POST",
        "/api/v1/accounts",
        &json!({"channel": "xiaomi", "account_name": "示例银行小米", "holder_org_id": bank, "two_factor": true}),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let xiaomi = a.json()["id"].as_str().unwrap().to_string();
    assert_eq!(a.json()["holder"], "示例银行");

    // Listings over the API: add on Xiaomi through that account, a
    // mismatched channel refused, then mark it listed.
    let a = owner.send_json(
        "POST",
        &format!("/api/v1/apps/{app}/listings"),
        &json!({"channel": "oppo", "account_id": xiaomi}),
    );
    assert_eq!(a.status, 422, "an account on another channel: {}", a.body);
    let a = owner.send_json(
        "POST",
        &format!("/api/v1/apps/{app}/listings"),
        &json!({"channel": "xiaomi", "account_id": xiaomi, "listed_version": "1.0.0"}),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let xl = a.json()["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["channel"] == "xiaomi")
        .unwrap()
        .clone();
    let a = owner.send_json(
        "PATCH",
        &format!("/api/v1/apps/{app}/listings/{}", xl["id"].as_str().unwrap()),
        &json!({"version": xl["version"], "state": "listed"}),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    // A listing of this app named under another app's path: not found.
    let a = owner.post_form(
        &format!("/apps/{app}/listings/{}", "no-such-listing"),
        &[("version", "1")],
    );
    assert_eq!(a.status, 404, "{}", a.body);
    // Delisting the Huawei listing on the page form.
    let a = owner.post_form(
        &format!("/apps/{app}/listings/{listing_id}"),
        &[
            ("version", "1"),
            ("state", "delisted"),
            ("account_id", &acc_id),
        ],
    );
    assert_eq!(a.status, 303, "{}", a.body);

    // Identities: another platform's, then the Android one's certificates.
    let fp = "AB:CD:".repeat(15) + "AB:CD";
    let a = owner.post_form(
        &format!("/apps/{app}/identities"),
        &[
            ("platform", "ios"),
            ("identifier", "com.example.bank.ios"),
            ("certificates", &fp),
        ],
    );
    assert_eq!(a.status, 303, "{}", a.body);
    let j = app_json(&mut owner, &app);
    let ids = j["identities"].as_array().unwrap();
    assert_eq!(ids.len(), 2, "{ids:?}");
    let ios = ids
        .iter()
        .find(|i| i["identifier"] == "com.example.bank.ios")
        .unwrap();
    assert_eq!(
        ios["certificates"][0],
        "abcd".repeat(16),
        "fingerprints are normalised"
    );
    let android = ids
        .iter()
        .find(|i| i["identifier"] == "com.example.bank")
        .unwrap()
        .clone();
    let a = owner.send_json(
        "PATCH",
        &format!("/api/v1/apps/{app}/identities/{}", android["id"].as_str().unwrap()),
        &json!({"version": android["version"], "certificates": format!("{}\n{}", "11".repeat(32), "22".repeat(32)), "key_custodian": "信息科技部密钥管理岗"}),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let after = a.json()["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["identifier"] == "com.example.bank")
        .unwrap()
        .clone();
    assert_eq!(after["certificates"].as_array().unwrap().len(), 2);
    assert_eq!(after["key_custodian"], "信息科技部密钥管理岗");
    // A bad fingerprint is refused by the ledger's validation; the same
    // identifier twice is refused too.
    let a = owner.post_form(
        &format!("/apps/{app}/identities"),
        &[
            ("platform", "android"),
            ("identifier", "com.example.other"),
            ("certificates", "not-a-hash"),
        ],
    );
    assert_eq!(a.status, 422, "{}", a.body);
    let a = owner.post_form(
        &format!("/apps/{app}/identities"),
        &[("platform", "ios"), ("identifier", "com.example.bank.ios")],
    );
    assert_eq!(a.status, 409, "{}", a.body);

    // PATCH over the API: a partial change; an auditor may not.
    let j = app_json(&mut owner, &app);
    let a = owner.send_json(
        "PATCH",
        &format!("/api/v1/apps/{app}"),
        &json!({"version": j["version"], "elderly_mode": true, "mlps_level": 0}),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let j = a.json();
    assert_eq!(attr(&j, "attr.elderly_mode"), "是");
    assert_eq!(attr(&j, "attr.mlps_level"), "—", "0 clears the level");
    assert_eq!(
        attr(&j, "attr.user_segment"),
        "个人客户",
        "absent fields stay"
    );
    let mut auditor = signed_in(&server, "auditor");
    let a = auditor.send_json(
        "PATCH",
        &format!("/api/v1/apps/{app}"),
        &json!({"version": j["version"], "name": "x"}),
    );
    assert_eq!(a.status, 403);
    let page = auditor.get(&format!("/apps/{app}"));
    assert!(
        !page.body.contains(&format!("/apps/{app}/edit")),
        "no edit link for an auditor"
    );
    assert!(
        !page.body.contains("/listings\""),
        "no listing form for an auditor"
    );

    // A CI token: its last use is noted (when, from where) and shown.
    let t = owner.send_json(
        "POST",
        "/api/v1/tokens",
        &json!({"name": "流水线", "scopes": ["read"]}),
    );
    assert_eq!(t.status, 201, "{}", t.body);
    let secret = t.json()["token"].as_str().unwrap().to_string();
    let mine = owner.get("/api/v1/tokens").json();
    assert!(mine[0]["last_used_at"].is_null(), "not used yet: {mine}");
    assert!(owner.get("/account").body.contains("从未使用"));
    let mut ci = server.client();
    ci.token = Some(secret);
    assert_eq!(ci.get("/api/v1/accounts").status, 200);
    assert_eq!(ci.get("/api/v1/me").status, 200);
    let mine = owner.get("/api/v1/tokens").json();
    assert!(
        mine[0]["last_used_at"]
            .as_str()
            .is_some_and(|s| s.starts_with("20")),
        "{mine}"
    );
    assert_eq!(mine[0]["last_used_from"], "127.0.0.1");
    assert!(
        !owner.get("/account").body.contains("从未使用"),
        "the account page shows the use"
    );

    // Every change is in the app's history.
    let hist = app_json(&mut gov, &app)["history"]
        .as_array()
        .unwrap()
        .len();
    assert!(hist >= 6, "history entries: {hist}");
    server.kill();
}

/// Refused single-sign-on callbacks count against the client's address
/// like wrong passwords: after 50 in the window the address is blocked
/// (429) and the provider is no longer asked. The provider here does not
/// even exist — every refusal happens before appgov would contact it.
#[test]
fn refused_sso_callbacks_are_throttled_per_address() {
    let data = tempfile::tempdir().unwrap();
    let conf = data.path().join("appgov.toml");
    std::fs::write(
        &conf,
        "[oidc]\nissuer = \"http://127.0.0.1:9/idp\"\nclient_id = \"appgov\"\nclient_secret = \"not-used\"\n",
    )
    .unwrap();
    let server = Server::start(
        exe(),
        data.path(),
        &[("APPGOV_CONFIG", conf.to_str().unwrap())],
    );
    let mut c = server.client();
    for i in 0..50 {
        let a = c.get(&format!(
            "/auth/oidc/callback?code=forged{i}&state=forged{i}"
        ));
        assert!(
            (400..500).contains(&a.status) && a.status != 429,
            "attempt {i}: {} {}",
            a.status,
            a.body
        );
    }
    let a = c.get("/auth/oidc/callback?code=forged&state=forged");
    assert_eq!(a.status, 429, "{}", a.body);
    assert!(
        a.body.contains("尝试次数过多") || a.body.contains("过多"),
        "{}",
        a.body
    );
    // Local sign-in from the same address is blocked too (one counter).
    let a = c.login("nobody", "whatever-password-1");
    assert!(a.body.contains("过多"), "{} {}", a.status, a.body);
}
