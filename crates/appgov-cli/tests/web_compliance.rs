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
const A12_2: &str = "nfra-2024-99:a12.2";

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
        ("rev", AccountRole::ComplianceReviewer, None),
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

fn days_ahead(n: i64) -> String {
    days_ago(-n)
}

/// An approved risk acceptance of the hostile app that ran out yesterday.
async fn expired_exception(dir: &Path, app: &str) -> String {
    let store = Store::open(&StoreConfig::new(dir)).await.unwrap();
    let mut e = appgov_ledger::RiskException {
        id: String::new(),
        kind: appgov_ledger::ExceptionKind::Exception,
        app_id: Some(app.into()),
        requirement_id: A17_1.into(),
        reason: "去年的例外".into(),
        compensating_controls: None,
        requested_by: "owner_a".into(),
        approver: Some("rev".into()),
        approved_on: Some(days_ago(200)),
        expires_on: days_ago(1),
        state: appgov_ledger::ExceptionState::Approved,
        version: 0,
    };
    let mut tx = store.write("fixture").await.unwrap();
    tx.insert(&mut e).await.unwrap();
    tx.commit().await.unwrap();
    store.close().await;
    e.id
}

fn location_id(a: &appgov_testkit::web::Answer, prefix: &str) -> String {
    let l = a.header("location").unwrap_or_default();
    assert!(l.starts_with(prefix), "{l}");
    l[prefix.len()..]
        .split(['#', '?'])
        .next()
        .unwrap()
        .to_string()
}

fn row(c: &mut Client, app: &str) -> Vec<Value> {
    let m = c.get("/api/v1/compliance/matrix").json();
    m["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["app_id"] == app)
        .unwrap()["cells"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn assessments_exceptions_and_drills() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fx = rt.block_on(build(dir.path()));
    let expired = rt.block_on(expired_exception(dir.path(), &fx.hostile_app));
    let server = Server::start(Path::new(env!("CARGO_BIN_EXE_appgov")), dir.path(), &[]);
    let mut gov = server.client();
    assert_eq!(gov.login("gov", PW).status, 303);
    let mut owner_a = server.client();
    assert_eq!(owner_a.login("owner_a", PW).status, 303);
    let mut owner_b = server.client();
    assert_eq!(owner_b.login("owner_b", PW).status, 303);
    let mut rev = server.client();
    assert_eq!(rev.login("rev", PW).status, 303);
    let year = appgov_workflow::today_cn()[..4].to_string();

    // ---- assessments: started from the page, every applicable requirement
    // not assessed (no earlier one to carry forward).
    let start = owner_a.post_form(
        "/assessments",
        &[("app", &fx.app), ("kind", ""), ("period", "")],
    );
    assert_eq!(start.status, 303, "{}", start.body);
    let id = location_id(&start, "/assessments/");
    let d = owner_a.get(&format!("/api/v1/assessments/{id}")).json();
    assert_eq!(d["assessment"]["state"], "in_progress", "{d}");
    assert_eq!(d["assessment"]["kind"], "annual_risk_assessment");
    assert_eq!(d["assessment"]["period"], year.as_str());
    assert!(d["assessment"]["baseline_id"].is_null());
    assert_eq!(d["open"], true);
    assert_eq!(d["may_record"], true);
    let results = d["results"].as_array().unwrap().clone();
    assert!(results.len() > 5, "{d}");
    assert_eq!(d["not_assessed"], results.len());
    assert!(results.iter().all(|r| r["result"] == "not_assessed"
        && r["carried_forward"] == false
        && r["requirement"]["id"].is_string()
        && r["requirement"]["short"].is_string()));
    let counts = d["assessment"]["counts"].as_array().unwrap();
    assert_eq!(counts.len(), 5, "every value counted: {d}");
    assert!(
        counts
            .iter()
            .any(|c| c["value"] == "not_assessed" && c["count"] == results.len())
    );
    let a17 = results
        .iter()
        .find(|r| r["requirement"]["id"] == A17_1)
        .expect("A17.1 applies");
    // The list shows it under this year; the same period again is refused.
    let list = owner_a.get(&format!("/assessments?year={year}"));
    assert_eq!(list.status, 200);
    assert!(list.body.contains(&format!("/assessments/{id}")));
    let again = owner_a.post_form("/assessments", &[("app", &fx.app), ("period", &year)]);
    assert_eq!(again.status, 422, "{}", again.body);
    assert!(again.body.contains("已有评估"), "{}", again.body);
    let bad = owner_a.send_json(
        "POST",
        "/api/v1/assessments",
        &json!({"app": fx.app, "period": "20x6"}),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.json()["error"], "invalid");

    // Completing before every requirement has a result is refused.
    let early = owner_a.post_form(&format!("/assessments/{id}/complete"), &[("summary", "")]);
    assert_eq!(early.status, 422, "{}", early.body);
    assert!(
        early
            .body
            .contains(&format!("还有 {} 项要求未评估", results.len()))
    );

    // Before: a requirement with nothing on record yet.
    let before = row(&mut gov, &fx.app);
    let blank = results
        .iter()
        .map(|r| r["requirement"]["id"].as_str().unwrap().to_string())
        .find(|rid| {
            before
                .iter()
                .any(|c| c["requirement_id"] == rid.as_str() && c["value"] == "no_evidence")
        })
        .expect("a requirement without records");

    // The page's form: everything compliant, A17.1 non-compliant with a
    // hostile note.
    let mut fields: Vec<(String, String)> = results
        .iter()
        .map(|r| {
            let v = if r["id"] == a17["id"] {
                "non_compliant"
            } else {
                "compliant"
            };
            (
                format!("result-{}", r["id"].as_str().unwrap()),
                v.to_string(),
            )
        })
        .collect();
    fields.push((
        format!("note-{}", a17["id"].as_str().unwrap()),
        HOSTILE.into(),
    ));
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = owner_a.post_form(&format!("/assessments/{id}/results"), &borrowed);
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = owner_a.get(&format!("/assessments/{id}"));
    assert_eq!(page.status, 200);
    no_raw_markup(&page.body, "assessment page");
    assert!(page.body.contains(&escaped(HOSTILE)));
    let d = owner_a.get(&format!("/api/v1/assessments/{id}")).json();
    assert_eq!(d["not_assessed"], 0, "{d}");
    let r17 = d["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["requirement"]["id"] == A17_1)
        .unwrap()
        .clone();
    assert_eq!(r17["result"], "non_compliant");
    assert_eq!(r17["note"], HOSTILE);
    assert_eq!(r17["assessed_by"], "owner_a");
    // The workflow state did not move with the results.
    assert_eq!(d["assessment"]["state"], "in_progress");
    // Not yet in the matrix: only a completed assessment counts.
    assert_eq!(
        row(&mut gov, &fx.app)
            .iter()
            .find(|c| c["requirement_id"] == blank.as_str())
            .unwrap()["value"],
        "no_evidence"
    );
    // An unknown result value is refused over JSON.
    let wrong = owner_a.send_json(
        "POST",
        &format!("/api/v1/assessments/{id}/results"),
        &json!({"results": [{"requirement_id": A17_1, "result": "great"}]}),
    );
    assert_eq!(wrong.status, 422, "{}", wrong.body);

    // Another department: neither sees nor records.
    assert_eq!(owner_b.get(&format!("/assessments/{id}")).status, 403);
    assert_eq!(
        owner_b.get(&format!("/api/v1/assessments/{id}")).status,
        403
    );
    let refused = owner_b.send_json(
        "POST",
        &format!("/api/v1/assessments/{id}/results"),
        &json!({"results": [{"requirement_id": A17_1, "result": "compliant"}]}),
    );
    assert_eq!(refused.status, 403);
    assert_eq!(
        owner_b
            .post_form(&format!("/assessments/{id}/complete"), &[])
            .status,
        403
    );
    let theirs = owner_b.get("/api/v1/assessments").json();
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != id.as_str())
    );
    let start_b = owner_b.post_form("/assessments", &[("app", &fx.app)]);
    assert_eq!(start_b.status, 403, "{}", start_b.body);

    // Completed through the form: the matrix follows.
    let done = owner_a.post_form(
        &format!("/assessments/{id}/complete"),
        &[("summary", "总体风险可控")],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    let d = owner_a.get(&format!("/api/v1/assessments/{id}")).json();
    assert_eq!(d["assessment"]["state"], "completed");
    assert_eq!(d["open"], false);
    assert_eq!(d["may_record"], false);
    assert_eq!(d["summary"], "总体风险可控");
    let after = row(&mut gov, &fx.app);
    let c17 = after.iter().find(|c| c["requirement_id"] == A17_1).unwrap();
    assert_eq!(c17["value"], "non_compliant");
    assert!(c17["reasons"].to_string().contains("结论：不符合"), "{c17}");
    assert_eq!(
        after
            .iter()
            .find(|c| c["requirement_id"] == blank.as_str())
            .unwrap()["value"],
        "compliant",
        "{blank} assessed compliant"
    );
    let late = owner_a.send_json(
        "POST",
        &format!("/api/v1/assessments/{id}/results"),
        &json!({"results": [{"requirement_id": A17_1, "result": "compliant"}]}),
    );
    assert_eq!(late.status, 422, "{}", late.body);

    // Next year's, over the API: the baseline carried forward, shown as such.
    let next_year = (year.parse::<i32>().unwrap() + 1).to_string();
    let n = owner_a.send_json(
        "POST",
        "/api/v1/assessments",
        &json!({"app": fx.app, "period": next_year}),
    );
    assert_eq!(n.status, 201, "{}", n.body);
    let n = n.json();
    assert_eq!(n["assessment"]["baseline_id"], id.as_str());
    assert_eq!(n["assessment"]["carried_forward"], results.len());
    assert_eq!(n["not_assessed"], 0);
    let nid = n["assessment"]["id"].as_str().unwrap().to_string();
    let np = owner_a.get(&format!("/assessments/{nid}"));
    assert!(np.body.contains("沿用上期，尚未复核"));
    let all = owner_a.get("/api/v1/assessments").json();
    assert_eq!(all[0]["id"], nid.as_str(), "newest period first: {all}");
    assert_eq!(
        owner_a
            .get(&format!("/api/v1/assessments?year={year}"))
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // ---- exceptions: requested by the owner, refused on bad dates.
    let past = days_ago(2);
    for (expires, words) in [("2026-02-30", "YYYY-MM-DD"), (past.as_str(), "after today")] {
        let r = owner_a.post_form(
            "/exceptions",
            &[
                ("app", &fx.app),
                ("requirement_id", A17_1),
                ("reason", "评估报告延期"),
                ("expires_on", expires),
            ],
        );
        assert_eq!(r.status, 422, "{expires}: {}", r.body);
        assert!(r.body.contains(words), "{expires}: {}", r.body);
    }
    let far = days_ahead(60);
    let req = owner_a.post_form(
        "/exceptions",
        &[
            ("app", &fx.app),
            ("requirement_id", A17_1),
            ("kind", "risk_acceptance"),
            ("reason", "年度评估整改中"),
            ("compensating_controls", HOSTILE),
            ("expires_on", &far),
        ],
    );
    assert_eq!(req.status, 303, "{}", req.body);
    let eid = location_id(&req, "/exceptions#exception-");
    let list = owner_a.get("/api/v1/exceptions").json();
    let e = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == eid.as_str())
        .unwrap()
        .clone();
    assert_eq!(e["status"], "requested", "{e}");
    assert_eq!(e["requested_by"], "owner_a");
    assert_eq!(e["requirement"]["short"], "A17.1");
    assert_eq!(e["own"], true);
    assert_eq!(e["may_decide"], false);
    assert_eq!(e["days_left"], 60);
    let page = owner_a.get("/exceptions");
    no_raw_markup(&page.body, "exceptions");
    assert!(page.body.contains("本人提出，须由他人审批"));
    // The owner may not decide at all; another department sees nothing.
    let own = owner_a.post_form(
        &format!("/exceptions/{eid}/decide"),
        &[("decision", "approve")],
    );
    assert_eq!(own.status, 403);
    assert_eq!(
        owner_b
            .post_form(
                &format!("/exceptions/{eid}/decide"),
                &[("decision", "approve")]
            )
            .status,
        403
    );
    assert!(
        owner_b
            .get("/api/v1/exceptions")
            .json()
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["id"] != eid.as_str())
    );

    // The governance office may request and approve — but not its own.
    let g = gov.send_json(
        "POST",
        "/api/v1/exceptions",
        &json!({"app": fx.hostile_app, "requirement_id": A12_2, "reason": "加固方案更换中", "expires_on": days_ahead(30)}),
    );
    assert_eq!(g.status, 201, "{}", g.body);
    let g = g.json();
    assert_eq!(g["kind"], "risk_acceptance", "the default kind");
    let gid = g["id"].as_str().unwrap();
    let selfie = gov.send_json(
        "POST",
        &format!("/api/v1/exceptions/{gid}/decide"),
        &json!({"decision": "approve"}),
    );
    assert_eq!(selfie.status, 409, "{}", selfie.body);
    let body = selfie.json();
    assert_eq!(body["reason"], "self_acceptance");
    assert!(
        body["message"].as_str().unwrap().contains("不能由本人批准"),
        "{body}"
    );
    let page = gov.post_form(
        &format!("/exceptions/{gid}/decide"),
        &[("decision", "approve")],
    );
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("不能由本人批准或驳回"), "{}", page.body);
    let mut en = server.client();
    en.lang = Some("en".into());
    en.login("gov", PW);
    let en_refusal = en.send_json(
        "POST",
        &format!("/api/v1/exceptions/{gid}/decide"),
        &json!({"decision": "reject"}),
    );
    assert!(
        en_refusal.json()["message"]
            .as_str()
            .unwrap()
            .contains("cannot also approve or reject")
    );
    assert!(
        en.get("/exceptions")
            .body
            .contains("Risk acceptances and exceptions")
    );
    let bad_decision = rev.send_json(
        "POST",
        &format!("/api/v1/exceptions/{gid}/decide"),
        &json!({"decision": "maybe"}),
    );
    assert_eq!(bad_decision.status, 422);

    // The reviewer approves the owner's: the matrix shows the accepted risk.
    let ok = rev.post_form(
        &format!("/exceptions/{eid}/decide"),
        &[("decision", "approve")],
    );
    assert_eq!(ok.status, 303, "{}", ok.body);
    let e = rev.get("/api/v1/exceptions").json();
    let e = e
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == eid.as_str())
        .unwrap()
        .clone();
    assert_eq!(e["status"], "approved", "{e}");
    assert_eq!(e["approver"], "rev");
    assert_eq!(e["may_revoke"], true);
    let c = cell(&mut gov, &fx.app, A17_1);
    assert_eq!(c["value"], "accepted", "{c}");
    assert_eq!(c["label"], "风险已接受");
    assert!(
        c["reasons"].to_string().contains("风险接受经 rev 批准"),
        "{c}"
    );
    let matrix = gov.get("/compliance/matrix");
    assert!(matrix.body.contains("风险已接受"));
    // Decided once.
    let twice = rev.post_form(
        &format!("/exceptions/{eid}/decide"),
        &[("decision", "reject")],
    );
    assert_eq!(twice.status, 422, "{}", twice.body);
    // The expired one is shown as expired and covers nothing.
    let x = gov.get("/api/v1/exceptions").json();
    let x = x
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == expired.as_str())
        .unwrap()
        .clone();
    assert_eq!(x["status"], "expired", "{x}");
    assert_eq!(x["state"], "approved");
    assert_eq!(x["days_left"], -1);
    assert_eq!(x["may_revoke"], false);
    // Revoked: the cell is back to non-compliant.
    let rv = rev.send_json(
        "POST",
        &format!("/api/v1/exceptions/{eid}/decide"),
        &json!({"decision": "revoke"}),
    );
    assert_eq!(rv.status, 200, "{}", rv.body);
    assert_eq!(rv.json()["status"], "revoked");
    assert_eq!(cell(&mut gov, &fx.app, A17_1)["value"], "non_compliant");

    // ---- drills: refused in the future or without an outcome; planned,
    // then held; the app's open drill obligation named beside it.
    let today = appgov_workflow::today_cn();
    for (body, words) in [
        (
            json!({"app": fx.app, "scenario": "机房切换", "planned_on": today, "held_on": days_ahead(3), "outcome": "成功"}),
            "in the future",
        ),
        (
            json!({"app": fx.app, "scenario": "机房切换", "planned_on": today, "held_on": today}),
            "how the drill went",
        ),
        (
            json!({"app": fx.app, "scenario": "机房切换", "planned_on": "2026-13-40"}),
            "planned_on",
        ),
    ] {
        let r = owner_a.send_json("POST", "/api/v1/drills", &body);
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert!(r.body.contains(words), "{}", r.body);
    }
    let planned = owner_a.post_form(
        "/drills",
        &[
            ("app", &fx.app),
            ("scenario", HOSTILE),
            ("planned_on", &days_ahead(20)),
            ("participants", "信息科技部"),
        ],
    );
    assert_eq!(planned.status, 303, "{}", planned.body);
    let did = location_id(&planned, "/drills#drill-");
    let list = owner_a.get("/api/v1/drills").json();
    let dv = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == did.as_str())
        .unwrap()
        .clone();
    assert_eq!(dv["state"], "planned", "{dv}");
    assert_eq!(
        dv["open_obligation"]["template"], "nfra-2024-99/drill",
        "{dv}"
    );
    let page = owner_a.get("/drills");
    assert_eq!(page.status, 200);
    no_raw_markup(&page.body, "drills");
    assert_eq!(
        owner_b
            .post_form(&format!("/drills/{did}/held"), &[("outcome", "成功")])
            .status,
        403
    );
    let held = owner_a.post_form(
        &format!("/drills/{did}/held"),
        &[("held_on", &today), ("outcome", "切换成功，RTO 18 分钟")],
    );
    assert_eq!(held.status, 303, "{}", held.body);
    let dv = owner_a.get("/api/v1/drills").json();
    let dv = dv
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == did.as_str())
        .unwrap()
        .clone();
    assert_eq!(dv["state"], "held");
    assert_eq!(dv["held_on"], today.as_str());
    assert_eq!(dv["participants"], "信息科技部");
    let again = owner_a.post_form(&format!("/drills/{did}/held"), &[("outcome", "再次")]);
    assert_eq!(again.status, 422, "{}", again.body);
    assert!(
        owner_b
            .get("/api/v1/drills")
            .json()
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["id"] != did.as_str())
    );

    // Described in the API document; linked from the compliance menu.
    let doc = gov.get("/api/openapi.json").json();
    for p in [
        "/api/v1/assessments",
        "/api/v1/assessments/{assessment}/results",
        "/api/v1/assessments/{assessment}/complete",
        "/api/v1/exceptions",
        "/api/v1/exceptions/{exception}/decide",
        "/api/v1/drills",
        "/api/v1/drills/{drill}/held",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} in the OpenAPI document");
    }
    let nav = gov.get("/obligations").body;
    for href in ["/assessments", "/exceptions", "/drills"] {
        assert!(
            nav.contains(&format!("href=\"{}\"", escaped(href))),
            "{href} in the menu"
        );
    }
}
