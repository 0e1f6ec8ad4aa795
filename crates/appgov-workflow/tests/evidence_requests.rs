//! Typed evidence, evidence requests and the evidence pack through the
//! workflow on a real SQLite store: a drill record missing a required
//! field or with a bad date is refused (both languages) and nothing is
//! stored; a request made from an obligation takes its kind, app and
//! requirement; fulfilling it closes the obligation; a fulfilled or
//! cancelled request refuses a second answer; the pack's index carries the
//! typed fields.

use std::collections::BTreeMap;
use std::io::Read;

use appgov_calendar::{Date, format_date, parse_date};
use appgov_ledger::model::{OrgNode, Person};
use appgov_ledger::vocab::{AppForm, OrgKind};
use appgov_ledger::{
    AppState, EvidenceKind, EvidenceRequest, Obligation, ObligationState, RequestState,
};
use appgov_store::{Store, StoreConfig};
use appgov_workflow::WorkflowError;
use appgov_workflow::compliance::{
    Engine, EvidenceSubmission, NewEvidenceRequest, cancel_request, load, request_evidence,
    submit_evidence,
};

fn today() -> Date {
    parse_date("2026-12-02").unwrap()
}

fn day(n: i64) -> String {
    format_date(today() + time::Duration::days(n))
}

struct Fx {
    store: Store,
    engine: Engine,
    app: String,
    person: String,
    obligation: String,
}

async fn fixture(dir: &std::path::Path) -> Fx {
    let store = Store::open(&StoreConfig::new(dir)).await.unwrap();
    let engine = Engine::builtin().unwrap();
    let mut tx = store.write("t").await.unwrap();
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
    let mut person = Person {
        id: String::new(),
        name: "王证据".into(),
        org_id: Some(bank.id.clone()),
        title: None,
        contact: None,
        roles: vec![],
        external: false,
        version: 0,
    };
    tx.insert(&mut person).await.unwrap();
    tx.commit().await.unwrap();
    let mut a = appgov_workflow::apps::new_app("掌上示范银行", AppForm::Android);
    a.department_id = Some(bank.id.clone());
    let (mut a, _) = appgov_workflow::apps::add_app(&store, "t", a, None)
        .await
        .unwrap();
    let mut tx = store.write("t").await.unwrap();
    a.state = AppState::Live;
    tx.update(&mut a).await.unwrap();
    let mut o = Obligation {
        id: String::new(),
        template: "nfra-2024-99/drill".into(),
        requirement_ids: vec!["nfra-2024-99:a15.1".into()],
        app_id: Some(a.id.clone()),
        org_id: Some(bank.id.clone()),
        owner_person_id: None,
        due_on: day(10),
        state: ObligationState::Open,
        triggered_by: "schedule".into(),
        trigger_note: None,
        completed_on: None,
        completed_by: None,
        evidence_ids: vec![],
        reminded_on: None,
        escalated_on: None,
        created_on: day(-300),
        note: None,
        version: 0,
    };
    tx.insert(&mut o).await.unwrap();
    tx.commit().await.unwrap();
    Fx {
        store,
        engine,
        app: a.id,
        person: person.id,
        obligation: o.id,
    }
}

fn drill(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn submission<'a>(
    fields: BTreeMap<String, String>,
    request: Option<&str>,
    bytes: &'a [u8],
) -> EvidenceSubmission<'a> {
    EvidenceSubmission {
        evidence_id: None,
        title: "2026 年度切换演练".into(),
        kind: EvidenceKind::DrillRecord,
        app_ids: vec![],
        requirement_ids: vec![],
        org_id: None,
        file_name: "drill.pdf".into(),
        bytes,
        effective_on: day(-2),
        expires_on: None,
        fields,
        note: None,
        obligation_id: None,
        request_id: request.map(str::to_string),
    }
}

#[tokio::test]
async fn typed_fields_requests_and_the_pack() {
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture(dir.path()).await;

    // From the obligation: its kind, app and requirement.
    let r = request_evidence(
        &fx.store,
        &fx.engine,
        "gov",
        NewEvidenceRequest {
            obligation_id: Some(fx.obligation.clone()),
            assignee_person_id: Some(fx.person.clone()),
            due_on: day(7),
            message: "请上传演练记录".into(),
            ..Default::default()
        },
        today(),
    )
    .await
    .unwrap();
    assert_eq!(r.kind, EvidenceKind::DrillRecord);
    assert_eq!(r.app_id.as_deref(), Some(fx.app.as_str()));
    assert_eq!(r.requirement_id.as_deref(), Some("nfra-2024-99:a15.1"));
    assert_eq!(r.requested_on, "2026-12-02");

    // Refused requests: a past due date, no assignee, a kind that does not
    // prove the requirement, an unknown person.
    for (new, word) in [
        (
            NewEvidenceRequest {
                obligation_id: Some(fx.obligation.clone()),
                assignee_person_id: Some(fx.person.clone()),
                due_on: day(-1),
                ..Default::default()
            },
            "before today",
        ),
        (
            NewEvidenceRequest {
                obligation_id: Some(fx.obligation.clone()),
                due_on: day(3),
                ..Default::default()
            },
            "choose who",
        ),
        (
            NewEvidenceRequest {
                requirement_id: Some("nfra-2024-99:a15.1".into()),
                kind: Some(EvidenceKind::FilingReceipt),
                assignee_person_id: Some(fx.person.clone()),
                due_on: day(3),
                ..Default::default()
            },
            "is proved by",
        ),
    ] {
        match request_evidence(&fx.store, &fx.engine, "gov", new, today()).await {
            Err(WorkflowError::Invalid(m)) => assert!(m.contains(word), "{m}"),
            other => panic!("expected invalid ({word}), got {other:?}"),
        }
    }
    let unknown = request_evidence(
        &fx.store,
        &fx.engine,
        "gov",
        NewEvidenceRequest {
            obligation_id: Some(fx.obligation.clone()),
            assignee_person_id: Some("nobody".into()),
            due_on: day(3),
            ..Default::default()
        },
        today(),
    )
    .await;
    assert!(matches!(unknown, Err(WorkflowError::NotFound(_))));

    // A drill record without its scenario and with a date that does not
    // exist: both problems, in both languages; nothing stored.
    let bad = drill(&[
        ("drill_date", "2026-11-31"),
        ("participants", "科技部"),
        ("outcome", "passed"),
    ]);
    match submit_evidence(
        &fx.store,
        &fx.engine,
        "owner",
        submission(bad, Some(&r.id), b"drill"),
        today(),
    )
    .await
    {
        Err(WorkflowError::Invalid(m)) => {
            for w in [
                "演练日期",
                "Drill date",
                "请填写「演练场景」",
                "“Scenario” is required",
            ] {
                assert!(m.contains(w), "{w} in {m}");
            }
        }
        other => panic!("expected invalid fields, got {other:?}"),
    }
    let data = load(&fx.store).await.unwrap();
    assert!(data.evidence.is_empty() && data.revisions.is_empty());

    // Good fields through the request: the request and the obligation close.
    let good = drill(&[
        ("drill_date", &day(-2)),
        ("scenario", "主数据中心断电"),
        ("participants", "科技部、运营部"),
        ("outcome", "partial"),
        ("follow_ups", "切换耗时超出预案"),
    ]);
    let s = submit_evidence(
        &fx.store,
        &fx.engine,
        "owner",
        submission(good.clone(), Some(&r.id), b"drill record"),
        today(),
    )
    .await
    .unwrap();
    assert_eq!(s.revision.fields["scenario"], "主数据中心断电");
    let closed = s.closed.expect("the request's obligation closed");
    assert_eq!(closed.id, fx.obligation);
    assert_eq!(closed.state, ObligationState::Done);
    assert!(s.evidence.app_ids.contains(&fx.app));
    let r2: EvidenceRequest = fx.store.get(&r.id).await.unwrap().unwrap();
    assert_eq!(r2.state, RequestState::Fulfilled);
    assert_eq!(r2.evidence_id.as_deref(), Some(s.evidence.id.as_str()));

    // Answered once; a cancelled one takes no answer and is not cancelled
    // twice.
    let again = submit_evidence(
        &fx.store,
        &fx.engine,
        "owner",
        submission(good.clone(), Some(&r.id), b"again"),
        today(),
    )
    .await;
    assert!(matches!(again, Err(WorkflowError::Invalid(m)) if m.contains("fulfilled")));
    let other = request_evidence(
        &fx.store,
        &fx.engine,
        "gov",
        NewEvidenceRequest {
            requirement_id: Some("nfra-2024-99:a15.1".into()),
            app_id: Some(fx.app.clone()),
            kind: Some(EvidenceKind::DrillRecord),
            assignee_person_id: Some(fx.person.clone()),
            due_on: day(30),
            ..Default::default()
        },
        today(),
    )
    .await
    .unwrap();
    assert_eq!(other.obligation_id, None);
    let c = cancel_request(&fx.store, "gov", &other.id).await.unwrap();
    assert_eq!(c.state, RequestState::Cancelled);
    assert!(cancel_request(&fx.store, "gov", &other.id).await.is_err());
    let late = submit_evidence(
        &fx.store,
        &fx.engine,
        "owner",
        submission(good, Some(&other.id), b"late"),
        today(),
    )
    .await;
    assert!(matches!(late, Err(WorkflowError::Invalid(m)) if m.contains("cancelled")));

    // The pack: the file, its hash, the fields in both indexes.
    let data = load(&fx.store).await.unwrap();
    let pack = appgov_workflow::reports::build_pack(
        fx.store.files(),
        &fx.engine,
        &data,
        today(),
        "2026-12-02 10:00",
    )
    .unwrap();
    assert_eq!(pack.files, 1);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(pack.bytes)).unwrap();
    let mut csv = String::new();
    zip.by_name("index.csv")
        .unwrap()
        .read_to_string(&mut csv)
        .unwrap();
    assert!(
        csv.contains("\"\"scenario\"\":\"\"主数据中心断电\"\""),
        "{csv}"
    );
    let mut html = String::new();
    zip.by_name("index.html")
        .unwrap()
        .read_to_string(&mut html)
        .unwrap();
    assert!(
        html.contains("演练结果：部分达到预期"),
        "labels and choices"
    );
    fx.store.close().await;
}
