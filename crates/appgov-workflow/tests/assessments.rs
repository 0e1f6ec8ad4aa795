//! Assessments, risk exceptions and drills through the workflow (issue 6),
//! on SQLite and — when `APPGOV_TEST_POSTGRES_URL` names a server — on
//! PostgreSQL: the baseline carried forward, results recorded all or
//! nothing, completion refused while a requirement is not assessed and
//! results frozen after it; exceptions validated, never decided by their
//! requester (in a browser or through a token), approved, revoked; drills
//! planned and held, never in the future. Every change is audited.

use appgov_calendar::{Date, format_date, parse_date};
use appgov_ledger::model::{App, OrgNode};
use appgov_ledger::vocab::{AppForm, OrgKind};
use appgov_ledger::*;
use appgov_store::{Store, StoreConfig};
use appgov_workflow::assessments::{self as wa, Decision, ResultEntry};
use appgov_workflow::compliance::{self as wc, Engine};
use appgov_workflow::{Refusal, WorkflowError};

const A17_1: &str = "nfra-2024-99:a17.1";
const A12_2: &str = "nfra-2024-99:a12.2";

fn today() -> Date {
    parse_date("2026-11-20").unwrap()
}

fn days(n: i64) -> String {
    format_date(today() + time::Duration::days(n))
}

async fn stores() -> Vec<(&'static str, Store, tempfile::TempDir)> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    out.push((
        "sqlite",
        Store::open(&StoreConfig::new(dir.path())).await.unwrap(),
        dir,
    ));
    match std::env::var("APPGOV_TEST_POSTGRES_URL") {
        Ok(admin) => {
            let url = appgov_store::scratch_postgres(&admin).await.unwrap();
            let dir = tempfile::tempdir().unwrap();
            let mut cfg = StoreConfig::new(dir.path());
            cfg.database_url = Some(url);
            out.push(("postgres", Store::open(&cfg).await.unwrap(), dir));
        }
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("APPGOV_TEST_POSTGRES_URL is not set under CI")
        }
        Err(_) => eprintln!("skipping PostgreSQL: APPGOV_TEST_POSTGRES_URL not set"),
    }
    out
}

async fn app(store: &Store) -> App {
    let mut tx = store.write("fixture").await.unwrap();
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
    tx.commit().await.unwrap();
    let a = appgov_workflow::apps::new_app("掌上示范银行", AppForm::Android);
    let (mut a, _) = appgov_workflow::apps::add_app(store, "fixture", a, None)
        .await
        .unwrap();
    let mut tx = store.write("fixture").await.unwrap();
    a.state = AppState::Live;
    tx.update(&mut a).await.unwrap();
    tx.commit().await.unwrap();
    a
}

fn assessment(app: &App, period: &str) -> Assessment {
    Assessment {
        id: String::new(),
        kind: AssessmentKind::AnnualRiskAssessment,
        app_id: Some(app.id.clone()),
        title: format!("{} {period} 年度风险评估", app.name),
        period: period.into(),
        baseline_id: None,
        lead_person_id: None,
        started_on: Some(days(0)),
        completed_on: None,
        state: AssessmentState::InProgress,
        summary: None,
        obligation_id: None,
        version: 0,
    }
}

fn entry(requirement: &str, result: ResultValue, note: &str) -> ResultEntry {
    ResultEntry {
        requirement_id: requirement.into(),
        result,
        note: Some(note.into()),
    }
}

fn invalid(e: WorkflowError, words: &str) {
    match e {
        WorkflowError::Invalid(m) => assert!(m.contains(words), "{m}"),
        other => panic!("expected invalid ({words}), got {other:?}"),
    }
}

#[tokio::test]
async fn assessments_carry_forward_record_and_complete() {
    let engine = Engine::builtin().unwrap();
    for (backend, store, _dir) in stores().await {
        let app = app(&store).await;
        let (last, results) =
            wc::start_assessment(&store, &engine, "zheng", assessment(&app, "2025"))
                .await
                .unwrap();
        assert!(
            last.baseline_id.is_none(),
            "{backend}: first one has no baseline"
        );
        assert!(results.len() > 5, "{backend}: {} results", results.len());
        assert!(results.iter().any(|r| r.requirement_id == A17_1));
        assert!(
            results
                .iter()
                .all(|r| r.result == ResultValue::NotAssessed && !r.carried_forward)
        );
        // The same period twice is refused.
        let again = wc::start_assessment(&store, &engine, "zheng", assessment(&app, "2025")).await;
        invalid(again.unwrap_err(), "已有评估");

        // A batch with an unknown requirement changes nothing.
        let bad = wa::record_results(
            &store,
            "lin",
            &last.id,
            &[
                entry(A17_1, ResultValue::Compliant, "ok"),
                entry("nfra-2024-99:a99.9", ResultValue::Compliant, "?"),
            ],
            today(),
        )
        .await;
        invalid(bad.unwrap_err(), "a99.9");
        let stored = store
            .find::<AssessmentResult>("assessment_id", &last.id)
            .await
            .unwrap();
        assert!(
            stored.iter().all(|r| r.result == ResultValue::NotAssessed),
            "{backend}: all or nothing"
        );
        // "Not assessed" is not a result one records.
        let none = wa::record_results(
            &store,
            "lin",
            &last.id,
            &[entry(A17_1, ResultValue::NotAssessed, "")],
            today(),
        )
        .await;
        invalid(none.unwrap_err(), "not applicable");

        // Completing with requirements not assessed is refused, naming how many.
        let early = wa::complete_assessment(&store, "zheng", &last.id, None, today()).await;
        invalid(
            early.unwrap_err(),
            &format!("{} requirements", results.len()),
        );

        // Every requirement: A17.1 non-compliant, the rest compliant.
        let all: Vec<ResultEntry> = results
            .iter()
            .map(|r| {
                if r.requirement_id == A17_1 {
                    entry(A17_1, ResultValue::NonCompliant, "评估报告未按期出具")
                } else {
                    entry(&r.requirement_id, ResultValue::Compliant, "")
                }
            })
            .collect();
        let (_, recorded) = wa::record_results(&store, "lin", &last.id, &all, today())
            .await
            .unwrap();
        let a17 = recorded.iter().find(|r| r.requirement_id == A17_1).unwrap();
        assert_eq!(a17.result, ResultValue::NonCompliant);
        assert_eq!(a17.assessed_by.as_deref(), Some("lin"));
        assert_eq!(a17.note.as_deref(), Some("评估报告未按期出具"));
        assert!(
            recorded
                .iter()
                .filter(|r| r.requirement_id != A17_1)
                .all(|r| r.note.is_none()),
            "{backend}: an empty note is no note"
        );
        let done =
            wa::complete_assessment(&store, "zheng", &last.id, Some("总体可控".into()), today())
                .await
                .unwrap();
        assert_eq!(done.state, AssessmentState::Completed);
        assert_eq!(done.completed_on.as_deref(), Some("2026-11-20"));
        assert_eq!(done.summary.as_deref(), Some("总体可控"));
        // Closed: neither a batch, a single result nor a second completion.
        let late = wa::record_results(
            &store,
            "lin",
            &last.id,
            &[entry(A17_1, ResultValue::Compliant, "")],
            today(),
        )
        .await;
        invalid(late.unwrap_err(), "no longer change");
        let single = wc::record_result(
            &store,
            "lin",
            &a17.id,
            ResultValue::Compliant,
            None,
            today(),
        )
        .await;
        invalid(single.unwrap_err(), "no longer change");
        let twice = wa::complete_assessment(&store, "zheng", &last.id, None, today()).await;
        invalid(twice.unwrap_err(), "completed already");

        // Next year's starts from it: every result carried forward.
        let (next, carried) =
            wc::start_assessment(&store, &engine, "zheng", assessment(&app, "2026"))
                .await
                .unwrap();
        assert_eq!(next.baseline_id.as_deref(), Some(last.id.as_str()));
        assert!(carried.iter().all(|r| r.carried_forward), "{backend}");
        let c17 = carried.iter().find(|r| r.requirement_id == A17_1).unwrap();
        assert_eq!(c17.result, ResultValue::NonCompliant);
        assert_eq!(c17.note.as_deref(), Some("评估报告未按期出具"));
        // Carried-forward results count as results: it may be completed,
        // and re-assessing one clears the mark.
        let (_, after) = wa::record_results(
            &store,
            "lin",
            &next.id,
            &[entry(A17_1, ResultValue::Compliant, "已按期出具")],
            today(),
        )
        .await
        .unwrap();
        let r17 = after.iter().find(|r| r.requirement_id == A17_1).unwrap();
        assert!(!r17.carried_forward);
        assert_eq!(
            after.iter().filter(|r| r.carried_forward).count(),
            after.len() - 1
        );
        wa::complete_assessment(&store, "zheng", &next.id, None, today())
            .await
            .unwrap();

        // Audited: each result recorded, each completion.
        let events = store.audit_events().await.unwrap();
        assert!(
            events.iter().any(|e| e.object_kind == "assessment"
                && e.object_id == last.id
                && e.actor == "zheng"
                && e.after_json
                    .as_deref()
                    .is_some_and(|j| j.contains("completed"))),
            "{backend}: completion audited"
        );
        assert!(
            events
                .iter()
                .filter(|e| e.object_kind == "assessment_result" && e.actor == "lin")
                .count()
                > results.len(),
            "{backend}: every result written, and the re-assessed one again"
        );
        assert!(store.verify_audit().await.unwrap().intact(), "{backend}");
        store.close().await;
    }
}

fn exception(app: &App, requirement: &str, expires: &str) -> RiskException {
    RiskException {
        id: String::new(),
        kind: ExceptionKind::RiskAcceptance,
        app_id: Some(app.id.clone()),
        requirement_id: requirement.into(),
        reason: "加固方案更换中".into(),
        compensating_controls: Some("服务端风控".into()),
        requested_by: "someone else".into(),
        approver: Some("whoever".into()),
        approved_on: None,
        expires_on: expires.into(),
        state: ExceptionState::Approved,
        version: 0,
    }
}

#[tokio::test]
async fn exceptions_are_decided_by_someone_else() {
    let engine = Engine::builtin().unwrap();
    for (backend, store, _dir) in stores().await {
        let app = app(&store).await;
        let req = |e: RiskException| {
            let store = &store;
            let engine = &engine;
            async move { wa::request_exception(store, engine, "he", e, today()).await }
        };
        invalid(
            req(exception(&app, A12_2, &days(0))).await.unwrap_err(),
            "after today",
        );
        invalid(
            req(exception(&app, A12_2, &days(-3))).await.unwrap_err(),
            "after today",
        );
        invalid(
            req(exception(&app, A12_2, &days(2000))).await.unwrap_err(),
            "three years",
        );
        invalid(
            req(exception(&app, A12_2, "2027-02-30")).await.unwrap_err(),
            "YYYY-MM-DD",
        );
        invalid(
            req(exception(&app, "nfra-2024-99:a99.9", &days(30)))
                .await
                .unwrap_err(),
            "no requirement",
        );
        let mut no_app = exception(&app, A12_2, &days(30));
        no_app.app_id = None;
        invalid(req(no_app).await.unwrap_err(), "per app");
        let mut no_reason = exception(&app, A12_2, &days(30));
        no_reason.reason = "  ".into();
        invalid(req(no_reason).await.unwrap_err(), "reason");

        // Requested by the actor, whatever the input said.
        let e = req(exception(&app, A12_2, &days(90))).await.unwrap();
        assert_eq!(e.state, ExceptionState::Requested, "{backend}");
        assert_eq!(e.requested_by, "he");
        assert!(e.approver.is_none());

        // The requester cannot approve or reject it, not through a token either.
        for (who, decision) in [
            ("he", Decision::Approve),
            ("HE", Decision::Reject),
            ("he (API token)", Decision::Approve),
        ] {
            match wa::decide_exception(&store, who, &e.id, decision, today()).await {
                Err(WorkflowError::Refused(Refusal::SelfAcceptance { login })) => {
                    assert_eq!(login, who)
                }
                other => panic!("{backend}: {who} decided their own: {other:?}"),
            }
        }
        let ok = wa::decide_exception(&store, "zhou", &e.id, Decision::Approve, today())
            .await
            .unwrap();
        assert_eq!(ok.state, ExceptionState::Approved);
        assert_eq!(ok.approver.as_deref(), Some("zhou"));
        assert_eq!(ok.approved_on.as_deref(), Some("2026-11-20"));
        assert!(!wa::expired(&ok, today()));
        assert!(wa::expired(&ok, today() + time::Duration::days(91)));
        // Decided once.
        let twice = wa::decide_exception(&store, "wu", &e.id, Decision::Reject, today()).await;
        invalid(twice.unwrap_err(), "approved");
        // Anyone who may decide ends an acceptance, the requester too.
        let revoked = wa::decide_exception(&store, "he", &e.id, Decision::Revoke, today())
            .await
            .unwrap();
        assert_eq!(revoked.state, ExceptionState::Revoked);
        assert_eq!(
            revoked.approver.as_deref(),
            Some("zhou"),
            "the approver stays"
        );

        // A rejection names who rejected it; approve_exception keeps its rule.
        let f = req(exception(&app, A17_1, &days(30))).await.unwrap();
        let rejected = wa::decide_exception(&store, "zhou", &f.id, Decision::Reject, today())
            .await
            .unwrap();
        assert_eq!(rejected.state, ExceptionState::Rejected);
        let g = req(exception(&app, A17_1, &days(30))).await.unwrap();
        assert!(matches!(
            wc::approve_exception(&store, "he", &g.id, today()).await,
            Err(WorkflowError::Refused(Refusal::SelfAcceptance { .. }))
        ));
        assert!(matches!(
            wa::decide_exception(&store, "zhou", "no-such", Decision::Approve, today()).await,
            Err(WorkflowError::NotFound(_))
        ));
        let events = store.audit_events().await.unwrap();
        assert!(events.iter().any(|x| x.object_kind == "risk_exception"
            && x.object_id == e.id
            && x.actor == "zhou"));
        assert!(store.verify_audit().await.unwrap().intact(), "{backend}");
        store.close().await;
    }
}

fn drill(app: &App, planned: &str, held: Option<&str>, outcome: Option<&str>) -> Drill {
    Drill {
        id: String::new(),
        app_id: Some(app.id.clone()),
        scenario: "同城双活切换演练".into(),
        planned_on: planned.into(),
        held_on: held.map(Into::into),
        participants: Some("信息科技部".into()),
        outcome: outcome.map(Into::into),
        state: DrillState::Cancelled,
        version: 0,
    }
}

#[tokio::test]
async fn drills_are_planned_then_held() {
    for (backend, store, _dir) in stores().await {
        let app = app(&store).await;
        let future = wa::record_drill(
            &store,
            "fang",
            drill(&app, &days(-1), Some(&days(1)), Some("成功")),
            today(),
        )
        .await;
        invalid(future.unwrap_err(), "in the future");
        let silent = wa::record_drill(
            &store,
            "fang",
            drill(&app, &days(-5), Some(&days(-2)), None),
            today(),
        )
        .await;
        invalid(silent.unwrap_err(), "how the drill went");
        let bad = wa::record_drill(
            &store,
            "fang",
            drill(&app, "2026-13-01", None, None),
            today(),
        )
        .await;
        invalid(bad.unwrap_err(), "planned_on");

        let held = wa::record_drill(
            &store,
            "fang",
            drill(
                &app,
                &days(-5),
                Some(&days(-2)),
                Some("切换成功，RTO 18 分钟"),
            ),
            today(),
        )
        .await
        .unwrap();
        assert_eq!(
            held.state,
            DrillState::Held,
            "{backend}: a date held makes it held"
        );
        let planned = wa::record_drill(&store, "fang", drill(&app, &days(30), None, None), today())
            .await
            .unwrap();
        assert_eq!(planned.state, DrillState::Planned);
        let early = wa::drill_held(
            &store,
            "fang",
            &planned.id,
            days(3),
            None,
            Some("ok".into()),
            today(),
        )
        .await;
        invalid(early.unwrap_err(), "in the future");
        let d = wa::drill_held(
            &store,
            "fang",
            &planned.id,
            days(0),
            Some("信息科技部、运营部".into()),
            Some("恢复用时 25 分钟".into()),
            today(),
        )
        .await
        .unwrap();
        assert_eq!(d.state, DrillState::Held);
        assert_eq!(d.participants.as_deref(), Some("信息科技部、运营部"));
        let stored = store.get::<Drill>(&planned.id).await.unwrap().unwrap();
        assert_eq!(stored.held_on.as_deref(), Some("2026-11-20"));
        let again = wa::drill_held(
            &store,
            "fang",
            &planned.id,
            days(0),
            None,
            Some("x".into()),
            today(),
        )
        .await;
        invalid(again.unwrap_err(), "held already");
        assert!(store.verify_audit().await.unwrap().intact(), "{backend}");
        store.close().await;
    }
}
