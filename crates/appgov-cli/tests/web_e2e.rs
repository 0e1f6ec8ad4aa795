//! The browser end-to-end test: Debian's chromium driven by playwright-core
//! (web/test/e2e.mjs) against a real `appgov serve`. Two people — an app
//! owner and a governance officer — sign in; the owner creates an app,
//! uploads a corpus APK, waits for the background scan, sees its findings
//! and SDKs, and requests the admission move; the officer works through
//! the checklist and approves it; the ledger is exported. Screenshots of
//! every step are kept in web/test-output/e2e/.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use appgov_access::{AccountRole, Grant};
use appgov_ledger::model::OrgNode;
use appgov_ledger::vocab::OrgKind;
use appgov_store::{Store, StoreConfig};
use appgov_testkit::CorpusFile;
use appgov_testkit::web::Server;

const PACKAGE: &str = "apk-signing/apksig__golden-aligned-v2-out.apk";

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

/// node, playwright-core and chromium, or why not.
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

async fn people(dir: &Path) {
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
    for (login, name, role) in [
        ("zhang.owner", "张应用", AccountRole::AppOwner),
        ("li.governance", "李治理", AccountRole::Governance),
    ] {
        // The owner works within the bank; the governance office
        // institution-wide (it also reads the audit trail).
        let org_id = (role == AccountRole::AppOwner).then(|| bank.id.clone());
        let u = common::local_user(login, name, vec![Grant { role, org_id }]);
        common::add_user(&store, "e2e", u, "E2e-Password-2026").await;
    }
    store.close().await;
}

#[test]
fn browser_end_to_end() {
    if let Err(why) = browser_tools() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the browser test cannot run under CI: {why}"
        );
        eprintln!("skipping the browser test: {why}");
        return;
    }
    let Some(package) = CorpusFile::named(PACKAGE) else {
        eprintln!("skipping: corpus file {PACKAGE} absent (../shared/corpus)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(people(dir.path()));
    let server = Server::start(Path::new(env!("CARGO_BIN_EXE_appgov")), dir.path(), &[]);
    let shots = web_dir().join("test-output/e2e");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(web_dir().join("test/e2e.mjs"))
        .env("APPGOV_BASE", &server.base)
        .env("APPGOV_PACKAGE", &package.path)
        .env("APPGOV_SHOTS", &shots)
        .env("APPGOV_PASSWORD", "E2e-Password-2026")
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
    assert!(taken >= 8, "screenshots kept: {taken}");
    // The ledger says what the browser saw: the app admitted, with its
    // release and its approval by the second person.
    let exported = std::fs::read_dir(&shots)
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().ends_with(".xlsx"))
        .expect("the export was downloaded");
    let sheet = appgov_sheet::read_any(
        &std::fs::read(exported.path()).unwrap(),
        &appgov_sheet::Mapping::new(),
        &appgov_sheet::Limits::default(),
    )
    .expect("the exported workbook reads back");
    assert_eq!(sheet.format, "xlsx");
    assert!(
        sheet.valid_rows().any(|r| r.name == "掌上示范银行"),
        "the app created in the browser is in the export"
    );
}
