//! The authorization matrix: every route of the server's route table ×
//! every role (scoped to one branch), an institution-wide role, a user of
//! another branch, an API token with one scope, and no one — each gets
//! exactly what the access rules of appgov-access say, from the real
//! server. Nothing in the matrix may answer 500.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use appgov_access::roles::OrgTree;
use appgov_access::{AccountRole, Action, Grant, Principal, TokenScope, UserAccount, password};
use appgov_ledger::model::*;
use appgov_ledger::vocab::{AppForm, Channel, OrgKind};
use appgov_server::routes::{CATALOG, Object, RouteSpec};
use appgov_store::jobs::NewJob;
use appgov_store::{Store, StoreConfig};
use appgov_testkit::CorpusFile;
use appgov_testkit::web::{Answer, Client, Server};

const PW: &str = "Matrix-Password-2026";
const PACKAGE: &str = "apk-signing/apksig__golden-aligned-v2-out.apk";

struct Persona {
    name: &'static str,
    grants: Vec<Grant>,
    token_scopes: Option<Vec<TokenScope>>,
}

fn org(id: &str, kind: OrgKind, parent: Option<&str>) -> OrgNode {
    OrgNode {
        id: id.into(),
        kind,
        name: format!("机构 {id}"),
        parent_id: parent.map(Into::into),
        credit_code: None,
        regulator: None,
        version: 0,
    }
}

fn user(login: &str, grants: Vec<Grant>) -> UserAccount {
    common::local_user(login, login, grants)
}

fn grant(role: AccountRole, org: Option<&str>) -> Grant {
    Grant {
        role,
        org_id: org.map(Into::into),
    }
}

/// The fixtures every route's placeholders are filled with.
struct Fixtures {
    ids: BTreeMap<&'static str, String>,
    tokens: BTreeMap<&'static str, String>,
    tree: OrgTree,
}

async fn build(dir: &Path, personas: &[Persona], package: &Path) -> Fixtures {
    let store = Store::open(&StoreConfig::new(dir)).await.unwrap();
    let mut tx = store.write("matrix").await.unwrap();
    let mut orgs = vec![
        org("bank", OrgKind::Institution, None),
        org("branch-a", OrgKind::Branch, Some("bank")),
        org("branch-b", OrgKind::Branch, Some("bank")),
    ];
    for o in &mut orgs {
        tx.insert(o).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut ids = BTreeMap::new();
    let mut app_a = appgov_workflow::apps::new_app("分行A手机银行", AppForm::Android);
    app_a.department_id = Some("branch-a".into());
    let (app_a, _) = appgov_workflow::apps::add_app(&store, "matrix", app_a, None)
        .await
        .unwrap();
    let mut app_b = appgov_workflow::apps::new_app("分行B小程序", AppForm::WechatMini);
    app_b.department_id = Some("branch-b".into());
    appgov_workflow::apps::add_app(&store, "matrix", app_b, None)
        .await
        .unwrap();
    // A real release of app A.
    let knowledge = appgov_knowledge::Knowledge::builtin().unwrap();
    let options = appgov_options::scan_options(&knowledge).unwrap();
    let analysed = appgov_workflow::analyse_file(
        package,
        "release.apk",
        &knowledge,
        &options,
        None,
        "2026-12-01",
    );
    let bytes = std::fs::read(package).unwrap();
    let sha = store.files().put(&bytes).unwrap();
    let rec = appgov_workflow::releases::record_release(
        &store,
        "matrix",
        &app_a.id,
        &analysed.facts,
        &analysed.analysis,
    )
    .await
    .unwrap();
    let mv = appgov_workflow::moves::request_app_move(&store, "owner_a", &app_a.id, "admitted", "")
        .await
        .unwrap();
    let job = store
        .enqueue_scan(&NewJob {
            app_id: app_a.id.clone(),
            package_sha256: sha,
            file_name: "again.apk".into(),
            size: bytes.len() as i64,
            requested_by: "matrix".into(),
            request_move: None,
            source: "web".into(),
        })
        .await
        .unwrap();
    let evidence = appgov_workflow::moves::add_evidence(
        &store,
        "matrix",
        &mv.id,
        "business-compliance-review",
        Some("review.txt".into()),
        "业务合规审查".as_bytes(),
    )
    .await
    .unwrap();
    ids.insert("sha", evidence.document_sha256.clone().unwrap());
    ids.insert("app", app_a.id.clone());
    ids.insert("release", rec.release.id.clone());
    ids.insert("move", mv.id.clone());
    ids.insert("job", job.id.clone());
    // A listing of app A through a publishing account held by branch A.
    let mut acc = appgov_workflow::channels::new_account(Channel::Xiaomi, "分行A小米账号");
    acc.holder_org_id = Some("branch-a".into());
    let acc = appgov_workflow::channels::add_account(&store, "matrix", acc)
        .await
        .unwrap();
    let mut listing = appgov_workflow::channels::new_listing(&app_a.id, Channel::Xiaomi);
    listing.account_id = Some(acc.id.clone());
    let (listing, _) = appgov_workflow::channels::add_listing(&store, "matrix", listing, None)
        .await
        .unwrap();
    ids.insert("account", acc.id.clone());
    ids.insert("listing", listing.id.clone());
    ids.insert("identity", "no-identity".to_string());
    // Compliance records of app A (branch A): an obligation, a complaint,
    // a counterfeit case.
    let engine = appgov_workflow::compliance::Engine::builtin().unwrap();
    let mut ob = appgov_ledger::Obligation {
        id: String::new(),
        template: "nfra-2024-99/risk-assessment".into(),
        requirement_ids: vec!["nfra-2024-99:a17.1".into()],
        app_id: Some(app_a.id.clone()),
        org_id: Some("branch-a".into()),
        owner_person_id: None,
        due_on: "2026-11-01".into(),
        state: appgov_ledger::ObligationState::Open,
        triggered_by: "schedule".into(),
        trigger_note: None,
        completed_on: None,
        completed_by: None,
        evidence_ids: vec![],
        reminded_on: None,
        escalated_on: None,
        created_on: "2026-01-01".into(),
        note: None,
        version: 0,
    };
    let mut tx = store.write("matrix").await.unwrap();
    tx.insert(&mut ob).await.unwrap();
    tx.commit().await.unwrap();
    ids.insert("obligation", ob.id.clone());
    let complaint = appgov_workflow::compliance::record_complaint(
        &store,
        &engine,
        "matrix",
        appgov_ledger::Complaint {
            id: String::new(),
            app_id: Some(app_a.id.clone()),
            received_on: "2026-11-20".into(),
            channel: None,
            category: appgov_ledger::ComplaintCategory::Privacy,
            summary: "隐私投诉".into(),
            due_on: String::new(),
            due_exact: true,
            handled_on: None,
            outcome: None,
            state: appgov_ledger::ComplaintState::Open,
            version: 0,
        },
    )
    .await
    .unwrap();
    ids.insert("complaint", complaint.id.clone());
    let (case, _) = appgov_workflow::compliance::save_counterfeit(
        &store,
        &engine,
        "matrix",
        appgov_ledger::CounterfeitCase {
            id: String::new(),
            app_id: Some(app_a.id.clone()),
            counterfeit_name: "分行A手机銀行".into(),
            found_at: "https://evil.example/a.apk".into(),
            detected_on: "2026-11-20".into(),
            state: appgov_ledger::CounterfeitState::Detected,
            confirmed_on: None,
            clarified_on: None,
            clarification_url: None,
            reported_on: None,
            taken_down_on: None,
            closed_on: None,
            note: None,
            version: 0,
        },
        appgov_calendar::parse_date("2026-11-20").unwrap(),
    )
    .await
    .unwrap();
    ids.insert("counterfeit", case.id.clone());
    // An evidence request about app A (branch A), and a report to download.
    let mut rq = appgov_ledger::EvidenceRequest {
        id: String::new(),
        kind: appgov_ledger::EvidenceKind::PentestReport,
        app_id: Some(app_a.id.clone()),
        requirement_id: None,
        obligation_id: None,
        assignee_person_id: None,
        requested_by: "matrix".into(),
        requested_on: "2026-11-20".into(),
        due_on: "2026-12-20".into(),
        message: String::new(),
        state: appgov_ledger::RequestState::Open,
        evidence_id: None,
        version: 0,
    };
    let mut tx = store.write("matrix").await.unwrap();
    tx.insert(&mut rq).await.unwrap();
    tx.commit().await.unwrap();
    ids.insert("request", rq.id.clone());
    ids.insert("kind", "ledger".to_string());
    // An assessment, a risk acceptance and a drill of app A.
    let (assessment, _) = appgov_workflow::compliance::start_assessment(
        &store,
        &engine,
        "matrix",
        appgov_ledger::Assessment {
            id: String::new(),
            kind: appgov_ledger::AssessmentKind::AnnualRiskAssessment,
            app_id: Some(app_a.id.clone()),
            title: "分行A手机银行 2026 年度风险评估".into(),
            period: "2026".into(),
            baseline_id: None,
            lead_person_id: None,
            started_on: Some("2026-11-20".into()),
            completed_on: None,
            state: appgov_ledger::AssessmentState::InProgress,
            summary: None,
            obligation_id: None,
            version: 0,
        },
    )
    .await
    .unwrap();
    ids.insert("assessment", assessment.id.clone());
    let mut exception = appgov_ledger::RiskException {
        id: String::new(),
        kind: appgov_ledger::ExceptionKind::RiskAcceptance,
        app_id: Some(app_a.id.clone()),
        requirement_id: "nfra-2024-99:a17.1".into(),
        reason: "评估延期".into(),
        compensating_controls: None,
        requested_by: "matrix".into(),
        approver: None,
        approved_on: None,
        expires_on: "2099-01-01".into(),
        state: appgov_ledger::ExceptionState::Requested,
        version: 0,
    };
    let mut drill = appgov_ledger::Drill {
        id: String::new(),
        app_id: Some(app_a.id.clone()),
        scenario: "机房切换演练".into(),
        planned_on: "2099-01-01".into(),
        held_on: None,
        participants: None,
        outcome: None,
        state: appgov_ledger::DrillState::Planned,
        version: 0,
    };
    let mut tx = store.write("matrix").await.unwrap();
    tx.insert(&mut exception).await.unwrap();
    tx.insert(&mut drill).await.unwrap();
    tx.commit().await.unwrap();
    ids.insert("exception", exception.id.clone());
    ids.insert("drill", drill.id.clone());
    ids.insert("org", "branch-a".to_string());
    ids.insert("name", "app.css".to_string());
    // A user and a token that administrative routes act on (never a persona).
    let mut victim = user(
        "victim",
        vec![grant(AccountRole::AppOwner, Some("branch-a"))],
    );
    let mut tx = store.write("matrix").await.unwrap();
    tx.insert(&mut victim).await.unwrap();
    tx.commit().await.unwrap();
    let (victim_token, _) = make_token(&store, &victim.id, vec![TokenScope::Read]).await;
    ids.insert("user", victim.id.clone());
    ids.insert("token", victim_token);
    let mut tokens = BTreeMap::new();
    for p in personas {
        let mut u = user(p.name, p.grants.clone());
        let mut tx = store.write("matrix").await.unwrap();
        tx.insert(&mut u).await.unwrap();
        tx.commit().await.unwrap();
        store
            .set_password("matrix", &u.id, &password::hash(PW), false)
            .await
            .unwrap();
        if let Some(scopes) = &p.token_scopes {
            let (_, token) = make_token(&store, &u.id, scopes.clone()).await;
            tokens.insert(p.name, token);
        }
    }
    let tree = OrgTree::new(&orgs);
    store.close().await;
    Fixtures { ids, tokens, tree }
}

async fn make_token(store: &Store, user_id: &str, scopes: Vec<TokenScope>) -> (String, String) {
    common::add_token(store, "matrix", user_id, "matrix", scopes).await
}

fn fill(path: &str, ids: &BTreeMap<&'static str, String>) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('}').expect("closed placeholder") + i;
        let name = &rest[i + 1..j];
        let v = ids.get(name).unwrap_or_else(|| {
            panic!("the matrix has no fixture for {{{name}}} in {path}: add one")
        });
        out.push_str(v);
        rest = &rest[j + 1..];
    }
    out.push_str(rest);
    out
}

/// What the access rules say (the expectation; the server's guard is the
/// thing under test).
fn expected_allowed(p: &Principal, spec: &RouteSpec, tree: &OrgTree) -> bool {
    match spec.object {
        Object::Public => true,
        Object::SignedIn => p.token_scopes.is_none() || p.may_somewhere(spec.action),
        Object::Somewhere => p.may_somewhere(spec.action),
        Object::Institution => p.may(spec.action, None, tree),
        Object::App
        | Object::Release
        | Object::Move
        | Object::Job
        | Object::Account
        | Object::Obligation
        | Object::Complaint
        | Object::Counterfeit
        | Object::EvidenceRequest
        | Object::Assessment
        | Object::Exception
        | Object::Drill => p.may(spec.action, Some("branch-a"), tree),
    }
}

fn request(c: &mut Client, spec: &RouteSpec, path: &str) -> Answer {
    if spec.method == "GET" {
        return c.get(path);
    }
    let base = c.base.clone();
    let csrf = c.csrf.clone().unwrap_or_default();
    let mut headers = vec![("Origin", base.as_str())];
    if c.token.is_none() && !csrf.is_empty() {
        headers.push(("X-CSRF-Token", csrf.as_str()));
    }
    // An empty form: allowed callers get a validation answer, not a change.
    c.raw(
        spec.method,
        path,
        &headers,
        Some(("application/x-www-form-urlencoded", b"matrix=1".to_vec())),
    )
}

#[test]
fn every_route_for_every_role() {
    let Some(package) = CorpusFile::named(PACKAGE) else {
        eprintln!("skipping: corpus file {PACKAGE} absent (../shared/corpus)");
        return;
    };
    let a = Some("branch-a");
    let personas = vec![
        Persona {
            name: "owner_a",
            grants: vec![grant(AccountRole::AppOwner, a)],
            token_scopes: None,
        },
        Persona {
            name: "security_a",
            grants: vec![grant(AccountRole::SecurityReviewer, a)],
            token_scopes: None,
        },
        Persona {
            name: "compliance_a",
            grants: vec![grant(AccountRole::ComplianceReviewer, a)],
            token_scopes: None,
        },
        Persona {
            name: "auditor_a",
            grants: vec![grant(AccountRole::Auditor, a)],
            token_scopes: None,
        },
        Persona {
            name: "governance_a",
            grants: vec![grant(AccountRole::Governance, a)],
            token_scopes: None,
        },
        Persona {
            name: "owner_b",
            grants: vec![grant(AccountRole::AppOwner, Some("branch-b"))],
            token_scopes: None,
        },
        Persona {
            name: "ci_token",
            grants: vec![grant(AccountRole::Governance, None)],
            token_scopes: Some(vec![TokenScope::Releases]),
        },
        Persona {
            name: "read_token",
            grants: vec![grant(AccountRole::AppOwner, a)],
            token_scopes: Some(vec![TokenScope::Read]),
        },
        Persona {
            name: "governance",
            grants: vec![grant(AccountRole::Governance, None)],
            token_scopes: None,
        },
        // Signed in by single sign-on, not yet granted any role.
        Persona {
            name: "no_grants",
            grants: vec![],
            token_scopes: None,
        },
        // Last: administrative routes act on the fixtures' victim account.
        Persona {
            name: "admin",
            grants: vec![grant(AccountRole::Administrator, None)],
            token_scopes: None,
        },
    ];
    let dir = tempfile::tempdir().unwrap();
    let fx = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(build(dir.path(), &personas, &package.path));
    let server = Server::start(Path::new(env!("CARGO_BIN_EXE_appgov")), dir.path(), &[]);
    let mut failures = Vec::new();
    let mut checked = 0;
    // No one signed in.
    let mut anon = server.client();
    for spec in CATALOG {
        let path = fill(spec.path, &fx.ids);
        let ans = request(&mut anon, spec, &path);
        checked += 1;
        let ok = match spec.object {
            Object::Public => ans.status != 401 && ans.status != 403 && ans.status < 500,
            _ if spec.path.starts_with("/api/") => ans.status == 401,
            _ => {
                ans.status == 303
                    && ans
                        .header("location")
                        .is_some_and(|l| l.starts_with("/login"))
            }
        };
        if !ok {
            failures.push(format!(
                "anonymous {} {} → {}",
                spec.method, spec.path, ans.status
            ));
        }
    }
    for persona in &personas {
        let mut c = server.client();
        let principal = Principal {
            user_id: String::new(),
            login: persona.name.into(),
            grants: persona.grants.clone(),
            token_scopes: persona.token_scopes.clone(),
        };
        if let Some(t) = fx.tokens.get(persona.name) {
            c.token = Some(t.clone());
        } else {
            let a = c.login(persona.name, PW);
            assert_eq!(a.status, 303, "{} signs in: {}", persona.name, a.body);
        }
        for spec in CATALOG {
            if spec.path == "/logout" || spec.path == "/login" || spec.path == "/setup" {
                continue;
            }
            let path = fill(spec.path, &fx.ids);
            let ans = request(&mut c, spec, &path);
            checked += 1;
            let allowed = expected_allowed(&principal, spec, &fx.tree);
            let forbidden = ans.status == 403;
            let refused_token = c.token.is_some() && ans.status == 401;
            let ok = if ans.status >= 500 {
                false
            } else if allowed {
                !forbidden && ans.status != 401
            } else {
                forbidden || refused_token
            };
            if !ok {
                failures.push(format!(
                    "{} {} {} → {} (expected {})",
                    persona.name,
                    spec.method,
                    spec.path,
                    ans.status,
                    if allowed { "allowed" } else { "403" }
                ));
            }
        }
    }
    // Independent spot checks (not derived from the rules' code): another
    // branch's owner and an auditor.
    let mut owner_b = server.client();
    owner_b.login("owner_b", PW);
    let app = fx.ids["app"].clone();
    assert_eq!(owner_b.get("/api/v1/me").status, 200);
    for spec in CATALOG.iter().filter(|s| {
        matches!(
            s.object,
            Object::App
                | Object::Release
                | Object::Move
                | Object::Job
                | Object::Account
                | Object::Obligation
                | Object::Complaint
                | Object::Counterfeit
                | Object::EvidenceRequest
                | Object::Assessment
                | Object::Exception
                | Object::Drill
        )
    }) {
        let ans = request(&mut owner_b, spec, &fill(spec.path, &fx.ids));
        assert_eq!(
            ans.status, 403,
            "owner_b {} {} (app {app})",
            spec.method, spec.path
        );
    }
    let mut auditor = server.client();
    auditor.login("auditor_a", PW);
    for spec in CATALOG
        .iter()
        .filter(|s| s.action.writes() && s.object != Object::Public)
    {
        let ans = request(&mut auditor, spec, &fill(spec.path, &fx.ids));
        assert_eq!(ans.status, 403, "auditor {} {}", spec.method, spec.path);
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "authorization matrix: {checked} route × caller checks, {} routes",
        CATALOG.len()
    );
    let _ = Action::ALL;
}
