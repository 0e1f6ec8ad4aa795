//! The compliance engine on the web platform (issue 6), against a real
//! `appgov serve`: the recurring obligations planned at start-up; an
//! overdue risk assessment on the dashboard, in the obligations list and
//! in the matrix as non-compliant; evidence uploaded through the page's
//! form closes it (done, the next instance open) and turns the matrix cell
//! compliant; a major incident dated weeks ago opens its obligations,
//! overdue; hostile names come back escaped; a user of another department
//! neither sees nor acts on the obligation.

mod common;

use std::path::Path;

use appgov_access::{AccountRole, Grant};
use appgov_ledger::AppState;
use appgov_ledger::model::{App, OrgNode};
use appgov_ledger::vocab::{AppForm, OrgKind};
use appgov_ledger::{Obligation, ObligationState};
use appgov_store::{Store, StoreConfig};
use appgov_testkit::web::{Client, Server, escaped};
use serde_json::{Value, json};

const PW: &str = "Compliance-Passw0rd-2026";
const HOSTILE: &str = "<script>alert(1)</script>\"'&";
const A17_1: &str = "nfra-2024-99:a17.1";

fn days_ago(n: i64) -> String {
    let today = appgov_calendar::parse_date(&appgov_workflow::today_cn()).unwrap();
    appgov_calendar::format_date(today - time::Duration::days(n))
}

struct Fixture {
    app: String,
    hostile_app: String,
    obligation: String,
}

async fn org(tx: &mut appgov_store::Tx, name: &str, kind: OrgKind, parent: Option<&str>) -> String {
    let mut o = OrgNode {
        id: String::new(),
        kind,
        name: name.into(),
        parent_id: parent.map(Into::into),
        credit_code: None,
        regulator: None,
        version: 0,
    };
    tx.insert(&mut o).await.unwrap();
    o.id
}

async fn live_app(store: &Store, name: &str, dept: &str) -> App {
    let mut a = appgov_workflow::apps::new_app(name, AppForm::Android);
    a.department_id = Some(dept.into());
    let (mut a, _) = appgov_workflow::apps::add_app(store, "fixture", a, None)
        .await
        .unwrap();
    // In service (the lifecycle's gates are another test's subject).
    let mut tx = store.write("fixture").await.unwrap();
    a.state = AppState::Live;
    tx.update(&mut a).await.unwrap();
    tx.commit().await.unwrap();
    a
}

async fn build(dir: &Path) -> Fixture {
    let store = Store::open(&StoreConfig::new(dir)).await.unwrap();
    let mut tx = store.write("fixture").await.unwrap();
    let bank = org(&mut tx, "示范银行", OrgKind::Institution, None).await;
    let dept_a = org(&mut tx, "金融科技部", OrgKind::Department, Some(&bank)).await;
    let dept_b = org(&mut tx, "信用卡中心", OrgKind::Department, Some(&bank)).await;
    tx.commit().await.unwrap();
    let app = live_app(&store, "掌上示范银行", &dept_a).await;
    let hostile = live_app(&store, &format!("恶意{HOSTILE}"), &dept_a).await;
    // Last year's risk assessment, never done: due 40 days ago.
    let mut o = Obligation {
        id: String::new(),
        template: "nfra-2024-99/risk-assessment".into(),
        requirement_ids: vec![A17_1.into()],
        app_id: Some(app.id.clone()),
        org_id: Some(dept_a.clone()),
        owner_person_id: None,
        due_on: days_ago(40),
        state: ObligationState::Open,
        triggered_by: "schedule".into(),
        trigger_note: None,
        completed_on: None,
        completed_by: None,
        evidence_ids: vec![],
        reminded_on: None,
        escalated_on: None,
        created_on: days_ago(400),
        note: None,
        version: 0,
    };
    let mut tx = store.write("fixture").await.unwrap();
    tx.insert(&mut o).await.unwrap();
    tx.commit().await.unwrap();
    for (login, role, org_id) in [
        ("gov", AccountRole::Governance, None),
        ("owner_a", AccountRole::AppOwner, Some(dept_a.clone())),
        ("owner_b", AccountRole::AppOwner, Some(dept_b.clone())),
    ] {
        let u = common::local_user(login, login, vec![Grant { role, org_id }]);
        common::add_user(&store, "fixture", u, PW).await;
    }
    store.close().await;
    Fixture {
        app: app.id,
        hostile_app: hostile.id,
        obligation: o.id,
    }
}

fn cell(c: &mut Client, app: &str, requirement: &str) -> Value {
    let m = c.get("/api/v1/compliance/matrix");
    assert_eq!(m.status, 200, "{}", m.body);
    let m = m.json();
    let row = m["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["app_id"] == app)
        .unwrap_or_else(|| panic!("no matrix row for {app}"))
        .clone();
    row["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["requirement_id"] == requirement)
        .unwrap()
        .clone()
}

fn no_raw_markup(page: &str, what: &str) {
    for raw in [HOSTILE, "<script>alert(1)"] {
        assert!(!page.contains(raw), "{what} shows markup unescaped");
    }
}

#[test]
fn overdue_obligation_evidence_matrix_and_scopes() {
    let dir = tempfile::tempdir().unwrap();
    let fx = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(build(dir.path()));
    let server = Server::start(Path::new(env!("CARGO_BIN_EXE_appgov")), dir.path(), &[]);
    let mut gov = server.client();
    assert_eq!(gov.login("gov", PW).status, 303);

    // Planned at start-up: the app's other recurring duties, the
    // institution's account review; our overdue one left as it is.
    let all = gov.get("/api/v1/obligations").json();
    let all = all.as_array().unwrap();
    assert!(
        all.iter()
            .any(|o| o["template"] == "nfra-2024-99/drill" && o["app_id"] == fx.app),
        "recurring duties planned at start-up"
    );
    assert!(
        all.iter().any(|o| o["app_id"].is_null()),
        "institution-wide duty"
    );
    assert_eq!(all[0]["id"], fx.obligation, "overdue first");
    assert_eq!(all[0]["status"], "overdue");
    assert_eq!(all[0]["days"], 40);
    assert_eq!(
        all.iter()
            .filter(|o| o["template"] == "nfra-2024-99/risk-assessment" && o["app_id"] == fx.app)
            .count(),
        1,
        "no second instance while one is open"
    );

    // The dashboard: the overdue list and the counts.
    let home = gov.get("/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("合规概览"), "{}", home.body);
    assert!(
        home.body
            .contains(&format!("/obligations/{}", fx.obligation))
    );
    assert!(home.body.contains("已逾期 40 天"));
    no_raw_markup(&home.body, "dashboard");

    // The list, filtered to overdue.
    let list = gov.get("/obligations?status=overdue");
    assert_eq!(list.status, 200);
    assert!(
        list.body
            .contains(&format!("/obligations/{}", fx.obligation))
    );
    assert!(list.body.contains("年度移动应用风险评估"));
    assert!(!list.body.contains("未到期（"), "filtered to overdue");

    // The matrix says non-compliant, with the reason.
    let before = cell(&mut gov, &fx.app, A17_1);
    assert_eq!(before["value"], "non_compliant", "{before}");
    assert!(
        before["reasons"].to_string().contains("GOV-028"),
        "{before}"
    );
    let matrix = gov.get("/compliance/matrix");
    assert_eq!(matrix.status, 200);
    assert!(matrix.body.contains("A17.1"));
    no_raw_markup(&matrix.body, "matrix");
    assert!(matrix.body.contains(&escaped(&format!("恶意{HOSTILE}"))));

    // Another department's owner: not on their lists, refused on the record.
    let mut owner_b = server.client();
    assert_eq!(owner_b.login("owner_b", PW).status, 303);
    let theirs = owner_b.get("/api/v1/obligations").json();
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["app_id"] != fx.app),
        "owner_b sees no obligation of dept A"
    );
    assert_eq!(
        owner_b
            .get(&format!("/obligations/{}", fx.obligation))
            .status,
        403
    );
    assert_eq!(
        owner_b
            .get(&format!("/api/v1/obligations/{}", fx.obligation))
            .status,
        403
    );
    let refused = owner_b.post_file(
        &format!("/obligations/{}/evidence", fx.obligation),
        &[("kind", "risk_assessment_report")],
        "file",
        "x.pdf",
        b"x",
    );
    assert_eq!(refused.status, 403);
    let m = owner_b.get("/api/v1/compliance/matrix").json();
    assert!(
        m["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["app_id"] != fx.app),
        "owner_b's matrix has no row of dept A"
    );
    assert!(!owner_b.get("/").body.contains(&fx.obligation));
    assert!(owner_b.get("/obligations/no-such-obligation").status == 404);

    // Evidence of the wrong kind is refused on the page, nothing changes.
    let today = appgov_workflow::today_cn();
    let page = format!("/obligations/{}", fx.obligation);
    let wrong = gov.post_file(
        &format!("{page}/evidence"),
        &[("kind", "drill_record"), ("effective_on", &today)],
        "file",
        "drill.pdf",
        b"drill",
    );
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(wrong.body.contains("role=\"alert\""));

    // Upload the report through the form: done, the next instance open.
    let report = "2026 年度风险评估报告（正式版）".as_bytes();
    let up = gov.post_file(
        &format!("{page}/evidence"),
        &[
            ("kind", "risk_assessment_report"),
            ("title", "2026 年度风险评估报告"),
            ("effective_on", &today),
        ],
        "file",
        "risk-assessment-2026.pdf",
        report,
    );
    assert_eq!(up.status, 303, "{}", up.body);
    assert_eq!(up.header("location"), Some(page.as_str()));
    let done = gov.get(&page);
    assert!(done.body.contains("已完成"), "{}", done.body);
    assert!(done.body.contains("下一期义务已生成"));
    assert!(done.body.contains("risk-assessment-2026.pdf"));
    // The document downloads from the obligation, as it was uploaded.
    let detail = gov
        .get(&format!("/api/v1/obligations/{}", fx.obligation))
        .json();
    assert_eq!(detail["obligation"]["state"], "done");
    let sha = detail["evidence"][0]["revisions"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let file = gov.get(&format!("{page}/evidence/{sha}"));
    assert_eq!(file.status, 200);
    assert_eq!(file.body.as_bytes(), report);
    assert!(
        file.header("content-disposition")
            .is_some_and(|h| h.starts_with("attachment"))
    );
    let next = detail["next"].clone();
    assert_eq!(next["state"], "open", "{detail}");
    assert!(next["due_on"].as_str().unwrap() > today.as_str());
    // Closed once: a second upload is refused.
    let again = gov.post_file(
        &format!("{page}/evidence"),
        &[("kind", "risk_assessment_report"), ("effective_on", &today)],
        "file",
        "again.pdf",
        b"again",
    );
    assert_eq!(again.status, 422, "closed already: {}", again.body);

    // The matrix follows.
    let after = cell(&mut gov, &fx.app, A17_1);
    assert_eq!(after["value"], "compliant", "{after}");

    // A major incident detected three weeks ago: its report and special
    // audit are opened and overdue; the hostile title is escaped.
    let title = format!("交易中断{HOSTILE}");
    let i = gov.send_json(
        "POST",
        "/api/v1/incidents",
        &json!({
            "app": fx.app, "title": title, "severity": "major",
            "occurred_on": days_ago(21), "detected_on": days_ago(21),
        }),
    );
    assert_eq!(i.status, 201, "{}", i.body);
    let i = i.json();
    let opened = i["obligations"].as_array().unwrap();
    assert_eq!(opened.len(), 2, "{i}");
    assert!(opened.iter().all(|o| o["status"] == "overdue"), "{i}");
    let incidents = gov.get("/incidents");
    no_raw_markup(&incidents.body, "incidents");
    assert!(incidents.body.contains(&escaped(&title)));
    assert!(incidents.body.contains("向监管") || incidents.body.contains("专项审计"));
    let home = gov.get("/");
    no_raw_markup(&home.body, "dashboard after the incident");

    // The incident form on the page, with a hostile title.
    let r = gov.post_form(
        "/incidents",
        &[
            ("app", &fx.hostile_app),
            ("title", HOSTILE),
            ("severity", "minor"),
            ("occurred_on", &today),
            ("detected_on", &today),
            ("description", HOSTILE),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let incidents = gov.get("/incidents");
    no_raw_markup(&incidents.body, "incidents after the form");

    // Registers: a complaint past due, then handled; a counterfeit case
    // confirmed opens its obligations.
    let c = gov.send_json(
        "POST",
        "/api/v1/complaints",
        &json!({"app": fx.app, "received_on": days_ago(60), "category": "pi_deletion", "summary": "要求删除个人信息"}),
    );
    assert_eq!(c.status, 201, "{}", c.body);
    let c = c.json();
    assert_eq!(c["overdue"], true, "{c}");
    let cid = c["id"].as_str().unwrap();
    let h = gov.post_form(
        &format!("/complaints/{cid}/handled"),
        &[("outcome", "已删除并告知用户"), ("handled_on", &today)],
    );
    assert_eq!(h.status, 303, "{}", h.body);
    let list = gov.get("/api/v1/complaints").json();
    assert_eq!(list[0]["state"], "handled");
    let f = gov.send_json(
        "POST",
        "/api/v1/counterfeits",
        &json!({"app": fx.app, "counterfeit_name": "掌上示范銀行", "found_at": "https://evil.example/app.apk", "detected_on": today}),
    );
    assert_eq!(f.status, 201, "{}", f.body);
    let fid = f.json()["id"].as_str().unwrap().to_string();
    let a = gov.post_form(
        &format!("/counterfeits/{fid}/advance"),
        &[("state", "confirmed"), ("clarification_url", "")],
    );
    assert_eq!(a.status, 303, "{}", a.body);
    let cases = gov.get("/api/v1/counterfeits").json();
    assert_eq!(cases[0]["state"], "confirmed");
    assert_eq!(
        cases[0]["obligations"].as_array().unwrap().len(),
        2,
        "{cases}"
    );
    // owner_b cannot move it.
    let refused = owner_b.post_form(
        &format!("/counterfeits/{fid}/advance"),
        &[
            ("state", "clarified"),
            ("clarification_url", "https://bank.example/notice"),
        ],
    );
    assert_eq!(refused.status, 403);

    // The other pages render.
    for p in [
        "/compliance/requirements",
        "/compliance/checks",
        "/os-releases",
        "/complaints",
        "/counterfeits",
    ] {
        let a = gov.get(p);
        assert_eq!(a.status, 200, "{p}: {}", a.body);
        no_raw_markup(&a.body, p);
    }
    let findings = gov.get("/api/v1/compliance/findings").json();
    assert!(
        findings
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "GOV-027" || f["rule"] == "GOV-030"),
        "{findings}"
    );
    // In English too.
    let mut en = server.client();
    en.lang = Some("en".into());
    en.login("owner_a", PW);
    let p = en.get(&page);
    assert_eq!(p.status, 200);
    assert!(
        p.body.contains("Annual") || p.body.contains("risk assessment"),
        "{}",
        p.body
    );
}

/// The standard GB/T 41391-2022 beside the notice: its requirements page
/// with the mappings both ways, its matrix on the page and in the API,
/// and an unknown library refused.
#[test]
fn a_second_library_and_its_mappings() {
    let dir = tempfile::tempdir().unwrap();
    let fx = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(build(dir.path()));
    let server = Server::start(Path::new(env!("CARGO_BIN_EXE_appgov")), dir.path(), &[]);
    let mut gov = server.client();
    assert_eq!(gov.login("gov", PW).status, 303);

    let notice = gov.get("/compliance/requirements");
    assert_eq!(notice.status, 200);
    // article 16 names the standard's clauses that map onto it
    assert!(
        notice
            .body
            .contains("/compliance/requirements?library=gbt-41391-2022#%E9%99%84%E5%BD%95F"),
        "annex F linked from the notice's a16.1"
    );
    assert!(
        notice.body.contains("完全覆盖"),
        "the relation seen from the notice"
    );
    let gbt = gov.get("/compliance/requirements?library=gbt-41391-2022");
    assert_eq!(gbt.status, 200);
    assert!(gbt.body.contains(&escaped("GB/T 41391-2022")));
    for needle in ["附录F", "第6章", "最小必要收集", "PKG-017"] {
        assert!(gbt.body.contains(needle), "{needle} missing");
    }
    assert!(gbt.body.contains("覆盖其一部分"));
    assert!(
        gbt.body
            .contains("/compliance/requirements?library=nfra-2024-99#A16.1")
    );

    let api = gov.get("/api/v1/compliance/requirements?library=gbt-41391-2022");
    assert_eq!(api.status, 200, "{}", api.body);
    let api = api.json();
    assert_eq!(api["reference"], "GB/T 41391-2022");
    let six_six = api["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "gbt-41391-2022:6.6")
        .unwrap();
    let related: Vec<&str> = six_six["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(related, ["nfra-2024-99:a16.1", "nfra-2024-99:a6.2"]);

    let m = gov.get("/api/v1/compliance/matrix?library=gbt-41391-2022");
    assert_eq!(m.status, 200, "{}", m.body);
    let m = m.json();
    assert_eq!(m["library"], "gbt-41391-2022");
    let columns: Vec<&str> = m["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["short"].as_str().unwrap())
        .collect();
    assert_eq!(
        columns,
        [
            "5", "6.1", "6.2", "6.3", "6.4", "6.5", "6.6", "6.7", "附录E", "附录F"
        ]
    );
    let rows = m["rows"].as_array().unwrap();
    assert!(
        rows.iter().all(|r| !r["app_id"].is_null()),
        "no institution row"
    );
    assert!(rows.iter().any(|r| r["app_id"] == fx.app));
    let page = gov.get("/compliance/matrix?library=gbt-41391-2022");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("附录F") && page.body.contains("第6章"));

    for path in [
        "/compliance/matrix?library=nope",
        "/api/v1/compliance/requirements?library=nope",
    ] {
        let r = gov.get(path);
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        assert!(r.body.contains("nfra-2024-99"), "known libraries named");
    }
}
