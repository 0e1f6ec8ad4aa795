//! The compliance browser test (the must-hold of issue 6): Debian's
//! chromium driven by playwright-core (web/test/compliance.mjs) against a
//! real `appgov serve`. The governance officer sees an overdue risk
//! assessment on the dashboard, opens it, uploads the report, sees it
//! done, and the compliance matrix's cell for that app × A17.1 turns from
//! 不符合 to 符合. A drill record goes through its typed form (a required
//! field left empty is refused), the matrix's XLSX and the evidence pack
//! are downloaded from /reports and their bytes checked; then the year's
//! risk assessment records A17.1 non-compliant and is completed (the cell
//! turns 不符合), a risk acceptance requested by the officer and approved by
//! a compliance reviewer shows 风险已接受, and a drill is recorded.
//! Screenshots (each checked with axe-core) are kept in
//! web/test-output/compliance/.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use appgov_access::{AccountRole, Grant};
use appgov_ledger::model::OrgNode;
use appgov_ledger::vocab::{AppForm, OrgKind};
use appgov_ledger::{AppState, Obligation, ObligationState};
use appgov_store::{Store, StoreConfig};
use appgov_testkit::web::Server;

const APP: &str = "掌上示范银行";

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

fn browser_tools() -> Result<(), String> {
    if Command::new("node").arg("--version").output().is_err() {
        return Err("node is not installed".into());
    }
    if !web_dir().join("node_modules/playwright-core").is_dir() {
        return Err("web/node_modules is missing (npm ci --prefix web)".into());
    }
    if !Path::new("/usr/bin/chromium").exists() {
        return Err("/usr/bin/chromium is missing (apt-get install chromium)".into());
    }
    Ok(())
}

/// The bank, a department, the governance officer, an app in service and
/// its risk assessment, due 40 days ago. The app's id.
async fn ledger(dir: &Path) -> String {
    let store = Store::open(&StoreConfig::new(dir)).await.unwrap();
    let mut tx = store.write("e2e").await.unwrap();
    let mut bank = OrgNode {
        id: String::new(),
        kind: OrgKind::Institution,
        name: "示范银行".into(),
        parent_id: None,
        credit_code: None,
        regulator: None,
        version: 0,
    };
    tx.insert(&mut bank).await.unwrap();
    let mut dept = OrgNode {
        id: String::new(),
        kind: OrgKind::Department,
        name: "金融科技部".into(),
        parent_id: Some(bank.id.clone()),
        credit_code: None,
        regulator: None,
        version: 0,
    };
    tx.insert(&mut dept).await.unwrap();
    tx.commit().await.unwrap();
    let mut a = appgov_workflow::apps::new_app(APP, AppForm::Android);
    a.department_id = Some(dept.id.clone());
    let (mut a, _) = appgov_workflow::apps::add_app(&store, "e2e", a, None)
        .await
        .unwrap();
    let today = appgov_calendar::parse_date(&appgov_workflow::today_cn()).unwrap();
    let mut tx = store.write("e2e").await.unwrap();
    a.state = AppState::Live;
    tx.update(&mut a).await.unwrap();
    let mut o = Obligation {
        id: String::new(),
        template: "nfra-2024-99/risk-assessment".into(),
        requirement_ids: vec!["nfra-2024-99:a17.1".into()],
        app_id: Some(a.id.clone()),
        org_id: Some(dept.id.clone()),
        owner_person_id: None,
        due_on: appgov_calendar::format_date(today - time::Duration::days(40)),
        state: ObligationState::Open,
        triggered_by: "schedule".into(),
        trigger_note: None,
        completed_on: None,
        completed_by: None,
        evidence_ids: vec![],
        reminded_on: None,
        escalated_on: None,
        created_on: appgov_calendar::format_date(today - time::Duration::days(400)),
        note: None,
        version: 0,
    };
    tx.insert(&mut o).await.unwrap();
    tx.commit().await.unwrap();
    let u = common::local_user(
        "li.governance",
        "李治理",
        vec![Grant {
            role: AccountRole::Governance,
            org_id: None,
        }],
    );
    common::add_user(&store, "e2e", u, "E2e-Password-2026").await;
    // A second person, who may approve a risk acceptance the first requests.
    let r = common::local_user(
        "zhou.review",
        "周合规",
        vec![Grant {
            role: AccountRole::ComplianceReviewer,
            org_id: None,
        }],
    );
    common::add_user(&store, "e2e", r, "E2e-Password-2026").await;
    store.close().await;
    a.id
}

#[test]
fn compliance_in_the_browser() {
    if let Err(why) = browser_tools() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the browser test cannot run under CI: {why}"
        );
        eprintln!("skipping the browser test: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(ledger(dir.path()));
    let server = Server::start(Path::new(env!("CARGO_BIN_EXE_appgov")), dir.path(), &[]);
    let shots = web_dir().join("test-output/compliance");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(web_dir().join("test/compliance.mjs"))
        .env("APPGOV_BASE", &server.base)
        .env("APPGOV_SHOTS", &shots)
        .env("APPGOV_PASSWORD", "E2e-Password-2026")
        .env("APPGOV_APP_NAME", APP)
        .env("APPGOV_APP_ID", &app)
        .env("APPGOV_REVIEWER", "zhou.review")
        .current_dir(web_dir())
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}\n{stderr}");
    assert!(
        out.status.success(),
        "the browser test failed:\n{stdout}\n{stderr}"
    );
    let taken = std::fs::read_dir(&shots).unwrap().count();
    assert!(taken >= 24, "screenshots kept: {taken}");
}
