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
use appgov_ledger::{
    EvidenceKind, EvidenceRequest, Obligation, ObligationState, Person, RequestState,
};
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
    /// A person of the ledger (dept A), the `ev_owner` account's.
    person: String,
    /// An open evidence request due five days ago.
    overdue_request: String,
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
    // A person of the ledger with an account, asked for evidence; and a
    // request to them that is five days overdue.
    let mut tx = store.write("fixture").await.unwrap();
    let mut person = Person {
        id: String::new(),
        name: "王证据".into(),
        org_id: Some(dept_a.clone()),
        title: None,
        contact: None,
        roles: vec![],
        external: false,
        version: 0,
    };
    tx.insert(&mut person).await.unwrap();
    let mut overdue = EvidenceRequest {
        id: String::new(),
        kind: EvidenceKind::PentestReport,
        app_id: Some(app.id.clone()),
        requirement_id: None,
        obligation_id: None,
        assignee_person_id: Some(person.id.clone()),
        requested_by: "gov".into(),
        requested_on: days_ago(30),
        due_on: days_ago(5),
        message: "请提供渗透测试报告".into(),
        state: RequestState::Open,
        evidence_id: None,
        version: 0,
    };
    tx.insert(&mut overdue).await.unwrap();
    tx.commit().await.unwrap();
    let mut u = common::local_user(
        "ev_owner",
        "王证据",
        vec![Grant {
            role: AccountRole::AppOwner,
            org_id: Some(dept_a.clone()),
        }],
    );
    u.person_id = Some(person.id.clone());
    common::add_user(&store, "fixture", u, PW).await;
    store.close().await;
    Fixture {
        app: app.id,
        hostile_app: hostile.id,
        obligation: o.id,
        person: person.id,
        overdue_request: overdue.id,
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
            ("field.assessor", "信息科技部"),
            ("field.period", "2026 年度"),
            ("field.report_date", &today),
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
        &[
            ("kind", "risk_assessment_report"),
            ("effective_on", &today),
            ("field.assessor", "信息科技部"),
            ("field.period", "2026 年度"),
            ("field.report_date", &today),
        ],
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

    // The reports page offers the standard's matrix; it downloads.
    let reports = gov.get("/reports");
    assert!(
        reports
            .body
            .contains("report-compliance-matrix-gbt-41391-2022")
    );
    let x = gov.get("/reports/compliance-matrix?format=html&library=gbt-41391-2022");
    assert_eq!(x.status, 200);
    assert!(x.body.contains("附录F"));
    let api = gov.get("/api/v1/reports/compliance-matrix?format=html&library=gbt-41391-2022");
    assert_eq!(api.status, 200);
    assert!(
        api.header("content-disposition")
            .is_some_and(|h| h.contains("gbt-41391-2022"))
    );
    assert_eq!(
        gov.get("/api/v1/reports/ledger?library=gbt-41391-2022")
            .status,
        422,
        "only the matrix is judged against another library"
    );

    for path in [
        "/compliance/matrix?library=nope",
        "/api/v1/compliance/requirements?library=nope",
    ] {
        let r = gov.get(path);
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        assert!(r.body.contains("nfra-2024-99"), "known libraries named");
    }
}

fn days_ahead(n: i64) -> String {
    let today = appgov_calendar::parse_date(&appgov_workflow::today_cn()).unwrap();
    appgov_calendar::format_date(today + time::Duration::days(n))
}

/// The typed form of a drill record refuses a missing required field and
/// a bad date (in the viewer's language), then records the fields, shown
/// on the obligation; an evidence request is created from an obligation,
/// listed (mine, overdue marked), fulfilled by its assignee — the
/// obligation closes — and another is cancelled over the API; every report
/// downloads in every format (PDF read back by pdftotext, XLSX by
/// calamine, the evidence pack's zip with the typed fields in its index)
/// for an institution-wide viewer and is refused to a department's.
#[test]
fn typed_evidence_requests_and_report_downloads() {
    let dir = tempfile::tempdir().unwrap();
    let fx = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(build(dir.path()));
    let server = Server::start(Path::new(env!("CARGO_BIN_EXE_appgov")), dir.path(), &[]);
    let mut gov = server.client();
    assert_eq!(gov.login("gov", PW).status, 303);
    let today = appgov_workflow::today_cn();

    // ---- the typed drill-record form
    let all = gov.get("/api/v1/obligations").json();
    let drill = all
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["template"] == "nfra-2024-99/drill" && o["app_id"] == fx.app)
        .expect("the app's drill duty")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = format!("/obligations/{drill}");
    let form = gov.get(&page);
    assert_eq!(form.status, 200);
    for f in [
        "field.drill_date",
        "field.scenario",
        "field.participants",
        "field.outcome",
        "field.follow_ups",
        "演练日期",
        "达到预期",
    ] {
        assert!(form.body.contains(f), "the drill form has {f}");
    }
    let detail = gov.get(&format!("/api/v1/obligations/{drill}")).json();
    assert_eq!(detail["forms"][0]["kind"], "drill_record", "{detail}");
    let drill_fields = |date: &str, scenario: &str| -> Vec<(String, String)> {
        let mut v = vec![
            ("kind".to_string(), "drill_record".to_string()),
            ("effective_on".to_string(), today.clone()),
            ("field.drill_date".to_string(), date.to_string()),
            (
                "field.participants".to_string(),
                "金融科技部、运营部".to_string(),
            ),
            ("field.outcome".to_string(), "passed".to_string()),
        ];
        if !scenario.is_empty() {
            v.push(("field.scenario".to_string(), scenario.to_string()));
        }
        v
    };
    let post = |c: &mut appgov_testkit::web::Client, url: &str, fields: &[(String, String)]| {
        let f: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        c.post_file(url, &f, "file", "drill.pdf", "演练记录".as_bytes())
    };
    // A missing required field.
    let missing = post(
        &mut gov,
        &format!("{page}/evidence"),
        &drill_fields(&today, ""),
    );
    assert_eq!(missing.status, 422, "{}", missing.body);
    assert!(missing.body.contains("role=\"alert\""));
    assert!(
        missing.body.contains("请填写「演练场景」"),
        "{}",
        missing.body
    );
    // A date that does not exist.
    let bad = post(
        &mut gov,
        &format!("{page}/evidence"),
        &drill_fields("2026-02-30", "主数据中心断电"),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(
        bad.body.contains("「演练日期」不是有效日期"),
        "{}",
        bad.body
    );
    // The same over the API, in English.
    let mut en = server.client();
    en.lang = Some("en".into());
    assert_eq!(en.login("owner_a", PW).status, 303);
    en.get("/");
    let api_bad = post(
        &mut en,
        &format!("/api/v1/obligations/{drill}/evidence"),
        &drill_fields(&today, ""),
    );
    assert_eq!(api_bad.status, 422, "{}", api_bad.body);
    assert!(
        api_bad.json()["message"]
            .as_str()
            .unwrap()
            .contains("“Scenario” is required"),
        "{}",
        api_bad.body
    );
    assert_eq!(
        gov.get(&format!("/api/v1/obligations/{drill}")).json()["obligation"]["state"],
        "open",
        "refused forms change nothing"
    );
    // A good one: done, the fields on the obligation.
    let ok = post(
        &mut gov,
        &format!("{page}/evidence"),
        &drill_fields(&days_ago(3), "主数据中心断电，切换至同城灾备"),
    );
    assert_eq!(ok.status, 303, "{}", ok.body);
    let done = gov.get(&page);
    assert!(done.body.contains("主数据中心断电，切换至同城灾备"));
    assert!(done.body.contains("达到预期"), "the choice by its label");
    let d = gov.get(&format!("/api/v1/obligations/{drill}")).json();
    assert_eq!(d["obligation"]["state"], "done");
    let fields = &d["evidence"][0]["revisions"][0]["fields"];
    assert!(
        fields
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["key"] == "drill_date" && f["value"] == days_ago(3)),
        "{fields}"
    );

    // ---- evidence requests
    let list = gov.get("/evidence-requests");
    assert_eq!(list.status, 200);
    assert!(
        list.body
            .contains(&format!("/evidence-requests/{}", fx.overdue_request))
    );
    assert!(list.body.contains("已逾期 5 天"), "overdue marked");
    let new_form = gov.get(&format!(
        "/evidence-requests/new?obligation={}",
        fx.obligation
    ));
    assert_eq!(new_form.status, 200, "{}", new_form.body);
    assert!(
        new_form.body.contains("王证据"),
        "the ledger's people to choose"
    );
    // A due date before today is refused on the form.
    let past = gov.post_form(
        "/evidence-requests",
        &[
            ("obligation", &fx.obligation),
            ("assignee", &fx.person),
            ("due_on", &days_ago(1)),
            ("message", ""),
        ],
    );
    assert_eq!(past.status, 422, "{}", past.body);
    assert!(past.body.contains("早于今天"), "{}", past.body);
    let created = gov.post_form(
        "/evidence-requests",
        &[
            ("obligation", &fx.obligation),
            ("assignee", &fx.person),
            ("due_on", &days_ahead(7)),
            ("message", "请上传年度风险评估报告"),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.body);
    let at = created.header("location").unwrap().to_string();
    let request_id = at.rsplit('/').next().unwrap().to_string();
    // The assignee finds it among theirs, with the overdue one.
    let mut assignee = server.client();
    assert_eq!(assignee.login("ev_owner", PW).status, 303);
    let mine = assignee.get("/api/v1/evidence-requests?mine=true").json();
    let mine = mine.as_array().unwrap();
    assert_eq!(mine.len(), 2, "{mine:?}");
    let req = mine.iter().find(|r| r["id"] == request_id).unwrap();
    assert_eq!(
        req["kind"], "risk_assessment_report",
        "the obligation's kind"
    );
    assert_eq!(req["obligation_id"], fx.obligation);
    assert_eq!(req["overdue"], false);
    let old = mine.iter().find(|r| r["id"] == fx.overdue_request).unwrap();
    assert_eq!(
        (old["overdue"].clone(), old["days_overdue"].clone()),
        (json!(true), json!(5))
    );
    assert!(assignee.get("/evidence-requests").body.contains("与我有关"));
    // Another department sees none of it.
    let mut owner_b = server.client();
    assert_eq!(owner_b.login("owner_b", PW).status, 303);
    assert_eq!(owner_b.get(&at).status, 403);
    assert!(
        owner_b
            .get("/api/v1/evidence-requests")
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Fulfilled by the assignee: the request and the obligation close.
    let page = assignee.get(&at);
    assert!(
        page.body.contains("field.assessor"),
        "the kind's typed form"
    );
    let up = assignee.post_file(
        &format!("{at}/evidence"),
        &[
            ("effective_on", &today),
            ("field.assessor", "信息科技部"),
            ("field.period", "2026 年度"),
            ("field.report_date", &today),
            ("field.high_risks", "2"),
        ],
        "file",
        "风险评估报告.pdf",
        "报告".as_bytes(),
    );
    assert_eq!(up.status, 303, "{}", up.body);
    let r = assignee
        .get("/api/v1/evidence-requests")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == request_id)
        .unwrap()
        .clone();
    assert_eq!(r["state"], "fulfilled", "{r}");
    assert!(r["evidence_id"].is_string());
    let o = gov
        .get(&format!("/api/v1/obligations/{}", fx.obligation))
        .json();
    assert_eq!(o["obligation"]["state"], "done", "{o}");
    assert_eq!(o["evidence"][0]["id"], r["evidence_id"]);
    // Fulfilled once.
    let again = assignee.post_file(
        &format!("{at}/evidence"),
        &[("field.assessor", "x")],
        "file",
        "x.pdf",
        b"x",
    );
    assert_eq!(again.status, 422, "{}", again.body);
    // From a requirement over the API, then cancelled.
    let c = gov.send_json(
        "POST",
        "/api/v1/evidence-requests",
        &json!({"requirement": "nfra-2024-99:a15.1", "app": fx.app, "kind": "drill_record",
                "assignee": fx.person, "due_on": days_ahead(10), "message": "下一次演练记录"}),
    );
    assert_eq!(c.status, 201, "{}", c.body);
    let c = c.json();
    assert_eq!(c["requirement"]["short"], "A15.1");
    let wrong_kind = gov.send_json(
        "POST",
        "/api/v1/evidence-requests",
        &json!({"requirement": "nfra-2024-99:a15.1", "kind": "filing_receipt",
                "assignee": fx.person, "due_on": days_ahead(10)}),
    );
    assert_eq!(wrong_kind.status, 422, "{}", wrong_kind.body);
    let cid = c["id"].as_str().unwrap();
    let cancelled = gov.send_json(
        "POST",
        &format!("/api/v1/evidence-requests/{cid}/cancel"),
        &json!({}),
    );
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.json()["state"], "cancelled");
    let twice = gov.send_json(
        "POST",
        &format!("/api/v1/evidence-requests/{cid}/cancel"),
        &json!({}),
    );
    assert_eq!(twice.status, 422);

    // ---- reports
    let reports = gov.get("/reports");
    assert_eq!(reports.status, 200);
    for href in [
        "/reports/ledger?format=xlsx",
        "/reports/compliance-matrix?format=pdf",
        "/reports/evidence-pack?format=zip",
    ] {
        assert!(
            reports.body.contains(&escaped(href)),
            "/reports links {href}"
        );
    }
    assert!(
        reports
            .body
            .contains("action=\"/reports/annual-risk-assessment\""),
        "the year's form"
    );
    let session = gov.session.clone();
    let get = |path: &str| common::download(&server.base, session.as_deref(), path);
    let kinds = [
        ("ledger", "移动应用台账", true),
        ("compliance-matrix", "移动应用合规矩阵", true),
        ("annual-risk-assessment", "移动应用年度风险评估报告", false),
    ];
    for (kind, title, names_app) in kinds {
        for (format, ctype) in [
            ("html", "text/html"),
            ("xlsx", "spreadsheetml"),
            ("pdf", "application/pdf"),
        ] {
            let (status, headers, bytes) = get(&format!("/reports/{kind}?format={format}"));
            assert_eq!(
                status,
                200,
                "{kind}.{format}: {}",
                String::from_utf8_lossy(&bytes)
            );
            assert!(
                common::header(&headers, "content-type").is_some_and(|h| h.contains(ctype)),
                "{kind}.{format}: {headers:?}"
            );
            let cd = common::header(&headers, "content-disposition").unwrap();
            let encoded: String = title.bytes().map(|b| format!("%{b:02X}")).collect();
            assert!(
                cd.starts_with("attachment;")
                    && cd.contains(&format!("filename*=UTF-8''{encoded}")),
                "{cd}"
            );
            assert!(
                cd.contains(&format!("filename=\"{kind}-")),
                "ASCII fallback: {cd}"
            );
            let text = match format {
                "html" => String::from_utf8(bytes).unwrap(),
                "xlsx" => common::xlsx_text(&bytes),
                _ => {
                    assert!(bytes.starts_with(b"%PDF"), "{kind}.pdf is a PDF");
                    match common::pdf_text(&bytes) {
                        Some(t) => t,
                        None => continue,
                    }
                }
            };
            if format != "xlsx" {
                assert!(text.contains(title), "{kind}.{format} lacks {title}");
            }
            if names_app {
                assert!(
                    text.contains("掌上示范银行"),
                    "{kind}.{format} lacks the app"
                );
            }
        }
    }
    // The year and the language are chosen.
    let (status, headers, _) = get("/reports/annual-risk-assessment?format=html&year=2025");
    assert_eq!(status, 200);
    assert!(
        common::header(&headers, "content-disposition")
            .unwrap()
            .contains("-2025.html")
    );
    let (_, _, en_html) = get("/reports/compliance-matrix?format=html&lang=en");
    let en_html = String::from_utf8(en_html).unwrap();
    assert!(en_html.contains("lang=\"en\"") && en_html.contains("Compliance matrix"));
    // The evidence pack: the drill record with its typed fields.
    let (status, headers, zip_bytes) = get("/reports/evidence-pack?format=zip");
    assert_eq!(status, 200);
    assert_eq!(
        common::header(&headers, "content-type"),
        Some("application/zip")
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
    for n in ["SHA256SUMS", "index.csv", "index.html"] {
        assert!(names.iter().any(|x| x == n), "{n} in {names:?}");
    }
    let mut sums = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("SHA256SUMS").unwrap(), &mut sums).unwrap();
    assert_eq!(
        sums.lines().count(),
        2,
        "the drill record and the report: {sums}"
    );
    let mut csv = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("index.csv").unwrap(), &mut csv).unwrap();
    assert!(
        csv.contains("drill_date") && csv.contains("主数据中心断电"),
        "{csv}"
    );
    // The API, and clear refusals.
    let (status, _, bytes) = get("/api/v1/reports/compliance-matrix?format=xlsx");
    assert_eq!(status, 200);
    assert!(common::xlsx_text(&bytes).contains("掌上示范银行"));
    for (path, want) in [
        ("/api/v1/reports/no-such-report", 404),
        ("/api/v1/reports/ledger?format=doc", 422),
        ("/api/v1/reports/evidence-pack?format=pdf", 422),
        ("/api/v1/reports/annual-risk-assessment?year=1900", 422),
    ] {
        let a = gov.get(path);
        assert_eq!(a.status, want, "{path}: {}", a.body);
        assert!(a.json()["message"].is_string());
    }
    // Institution-wide only: a department's owner is told so and refused.
    let mut owner_a = server.client();
    assert_eq!(owner_a.login("owner_a", PW).status, 303);
    let p = owner_a.get("/reports");
    assert_eq!(p.status, 200);
    assert!(p.body.contains("仅限具有全机构查看权限的用户下载"));
    assert!(!p.body.contains(&escaped("/reports/ledger?format=")));
    assert_eq!(owner_a.get("/reports/ledger?format=html").status, 403);
    assert_eq!(owner_a.get("/api/v1/reports/ledger").status, 403);
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
    // the period is asked for, before any right is weighed
    let empty = owner_a.post_form(
        "/assessments",
        &[("app", &fx.app), ("kind", ""), ("period", "")],
    );
    assert_eq!(empty.status, 422, "{}", empty.body);
    assert!(empty.body.contains("请填写评估期间"));
    let start = owner_a.post_form(
        "/assessments",
        &[("app", &fx.app), ("kind", ""), ("period", &year)],
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
    let start_b = owner_b.post_form("/assessments", &[("app", &fx.app), ("period", &year)]);
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
