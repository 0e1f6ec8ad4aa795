//! The compliance engine on a small fictional ledger: the library's
//! integrity, the ledger checks' output (pinned), and the matrix moving
//! as obligations fall due, are met with evidence, or are excepted.

use std::collections::BTreeSet;

use appgov_calendar::{Date, HolidayCalendar, parse_date};
use appgov_compliance::*;
use appgov_ledger::*;

fn d(s: &str) -> Date {
    parse_date(s).unwrap()
}

fn app(id: &str, name: &str, form: AppForm, state: AppState, segment: UserSegment) -> App {
    App {
        id: id.into(),
        name: name.into(),
        aliases: vec![],
        form,
        operator_id: Some("bank".into()),
        purpose: None,
        functions: vec![],
        user_segment: Some(segment),
        regions: vec![],
        department_id: Some("retail".into()),
        responsible_person_id: Some("wang".into()),
        tech_owner_id: None,
        security_owner_id: None,
        data_owner_id: Some("wu".into()),
        state,
        important_system: false,
        mlps_level: Some(3),
        elderly_mode: true,
        minors_policy: Some(MinorsPolicy::NotForMinors),
        privacy_policy_url: None,
        complaint_channel: Some("95500".into()),
        third_party_operated: false,
        merged_into: None,
        version: 1,
    }
}

fn person(id: &str, name: &str) -> Person {
    Person {
        id: id.into(),
        name: name.into(),
        org_id: None,
        title: None,
        contact: None,
        roles: vec![],
        external: false,
        version: 1,
    }
}

fn admitted(app_id: &str) -> Transition {
    Transition {
        id: format!("t-{app_id}"),
        object_kind: "app".into(),
        object_id: app_id.into(),
        from_state: "proposed".into(),
        to_state: "admitted".into(),
        gate: Some(GateId::Admission),
        requested_by: "wang".into(),
        requested_at: "2025-01-01T00:00:00Z".into(),
        reason: "new".into(),
        status: TransitionStatus::Approved,
        approval: None,
        version: 1,
    }
}

/// A bank with a well-kept app, one with gaps, a staff app, and registers.
fn ledger() -> ComplianceData {
    let mut good = app(
        "a-good",
        "掌上银行",
        AppForm::Android,
        AppState::Live,
        UserSegment::Retail,
    );
    good.important_system = true;
    let mut gaps = app(
        "a-gaps",
        "信用卡<script>",
        AppForm::Android,
        AppState::Live,
        UserSegment::Retail,
    );
    gaps.responsible_person_id = Some("gone".into());
    gaps.data_owner_id = None;
    gaps.elderly_mode = false;
    gaps.minors_policy = None;
    gaps.mlps_level = None;
    gaps.third_party_operated = true;
    let staff = app(
        "a-staff",
        "移动办公",
        AppForm::WechatMini,
        AppState::Live,
        UserSegment::Staff,
    );
    let filing = |app_id: &str, kind, state, number: Option<&str>| Filing {
        id: format!("f-{app_id}-{kind:?}"),
        app_id: app_id.into(),
        kind,
        authority: None,
        number: number.map(str::to_string),
        state,
        filed: FiledFacts::default(),
        submitted_on: None,
        approved_on: None,
        version: 1,
    };
    ComplianceData {
        people: vec![person("wang", "王立新"), person("wu", "吴磊")],
        transitions: vec![admitted("a-good"), admitted("a-staff")],
        filings: vec![
            filing(
                "a-good",
                FilingKind::MiitApp,
                FilingState::Approved,
                Some("沪ICP备2024000001号-1A"),
            ),
            filing(
                "a-good",
                FilingKind::ImportantSystem,
                FilingState::Submitted,
                None,
            ),
        ],
        accounts: vec![PublishingAccount {
            id: "acc-vendor".into(),
            channel: Channel::Xiaomi,
            account_name: "开发者账号".into(),
            holder: "某外包公司".into(),
            holder_org_id: None,
            admin_person_id: None,
            two_factor: false,
            last_access_review: Some("2026-01-10".into()),
            status: AccountStatus::Active,
            version: 1,
        }],
        listings: vec![Listing {
            id: "l-gaps".into(),
            app_id: "a-gaps".into(),
            channel: Channel::Xiaomi,
            account_id: Some("acc-vendor".into()),
            store_url: None,
            listed_version: None,
            observed_sha256: None,
            observed_on: None,
            state: ListingState::Listed,
            version: 1,
        }],
        incidents: vec![Incident {
            id: "inc-1".into(),
            app_id: Some("a-good".into()),
            title: "转账中断".into(),
            severity: IncidentSeverity::Major,
            category: None,
            occurred_on: "2026-11-02".into(),
            detected_on: "2026-11-02".into(),
            description: None,
            regulator_reported_on: None,
            state: IncidentState::Resolved,
            closed_on: None,
            version: 1,
        }],
        complaints: vec![Complaint {
            id: "c-1".into(),
            app_id: Some("a-good".into()),
            received_on: "2026-10-08".into(),
            channel: None,
            category: ComplaintCategory::PiDeletion,
            summary: "删除个人信息".into(),
            due_on: "2026-10-29".into(),
            due_exact: true,
            handled_on: None,
            outcome: None,
            state: ComplaintState::Open,
            version: 1,
        }],
        counterfeits: vec![CounterfeitCase {
            id: "cf-1".into(),
            app_id: Some("a-good".into()),
            counterfeit_name: "掌上銀行Pro".into(),
            found_at: "https://apk.example.net".into(),
            detected_on: "2026-11-20".into(),
            state: CounterfeitState::Detected,
            confirmed_on: None,
            clarified_on: None,
            clarification_url: None,
            reported_on: None,
            taken_down_on: None,
            closed_on: None,
            note: None,
            version: 1,
        }],
        apps: vec![good, gaps, staff],
        ..Default::default()
    }
}

const TODAY: &str = "2026-12-02";

#[test]
fn builtin_library_covers_every_article_and_check() {
    let lib = Library::builtin().expect("the built-in library is valid");
    let articles: BTreeSet<u32> = lib.requirements.iter().map(|r| r.article).collect();
    assert_eq!(articles, (1..=18).collect(), "every article has an item");
    let mapped: BTreeSet<&str> = lib
        .requirements
        .iter()
        .flat_map(|r| r.ledger_checks.iter().map(String::as_str))
        .collect();
    for r in LEDGER_RULES {
        let m = r.meta();
        assert!(mapped.contains(m.id), "{} satisfies no requirement", m.id);
        assert!(m.id.starts_with("GOV-"));
        let (zh, en) = m
            .doc
            .split_once("<!-- en -->")
            .expect("doc in both languages");
        for h in ["## 检查内容", "## 为何重要", "## 修复", "## 依据"] {
            assert!(zh.contains(h), "{}: {h}", m.id);
        }
        for h in [
            "## What it does",
            "## Why it matters",
            "## Fix",
            "## References",
        ] {
            assert!(en.contains(h), "{}: {h}", m.id);
        }
        // References name the articles the check claims.
        for a in m.articles {
            assert!(
                en.contains(&a.to_string()),
                "{} doc does not cite article {a}",
                m.id
            );
        }
    }
    let ids: BTreeSet<&str> = LEDGER_RULES.iter().map(|r| r.meta().id).collect();
    assert_eq!(ids.len(), LEDGER_RULES.len(), "ledger check ids are unique");
    for t in &lib.obligations {
        assert!(
            t.recurrence.is_some() || t.due_after_event.is_some(),
            "{}",
            t.id
        );
        assert!(!t.evidence_kinds.is_empty());
    }
}

#[test]
fn library_refuses_dangling_references() {
    let text = NFRA
        .replacen("\"PKG-019\"", "\"PKG-999\"", 1)
        .replacen(
            "evidence = [\"pentest_report\"]",
            "evidence = [\"selfie\"]",
            1,
        )
        .replacen(
            "ledger_checks = [\"GOV-002\"]",
            "ledger_checks = [\"GOV-777\"]",
            1,
        )
        .replacen("every = \"36 months\"", "every = \"3 years\"", 1)
        .replacen("sources = [\"notice\"]", "sources = [\"rumour\"]", 1);
    let err = Library::parse(&text, "broken.toml", &KnownIds::builtin()).unwrap_err();
    let msg = err.to_string();
    for needle in ["PKG-999", "selfie", "GOV-777", "3 years", "rumour"] {
        assert!(msg.contains(needle), "{needle} not named in: {msg}");
    }
    assert!(
        Library::parse(
            "schema = 1\n[library]\nid = 1",
            "x.toml",
            &KnownIds::builtin()
        )
        .unwrap_err()
        .to_string()
        .contains("x.toml")
    );
}

const NFRA: &str = appgov_compliance::library::NFRA_2024_99;

#[test]
fn ledger_checks_on_a_small_bank() {
    let lib = Library::builtin().unwrap();
    let cal = HolidayCalendar::builtin().unwrap();
    let data = ledger();
    let cx = LedgerContext::new(&data, &lib, &cal, d(TODAY));
    let findings = run_ledger_checks(&cx);
    let lines: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {:?} {} | {} | {}",
                f.rule,
                f.severity,
                f.app_id.as_deref().unwrap_or("-"),
                f.message_zh,
                f.message_en
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn matrix_follows_obligations_evidence_and_exceptions() {
    let lib = Library::builtin().unwrap();
    let cal = HolidayCalendar::builtin().unwrap();
    let today = d(TODAY);
    let mut data = ledger();
    let plan = plan_recurring(&lib, &data, today);
    for (i, mut o) in plan.create.into_iter().enumerate() {
        o.id = format!("o{i}");
        data.obligations.push(o);
    }
    let judge = |data: &ComplianceData| {
        let cx = LedgerContext::new(data, &lib, &cal, today);
        let f = run_ledger_checks(&cx);
        matrix(&lib, data, &f, today)
    };
    let ra = "nfra-2024-99:a17.1";
    // Planned, not yet due, nothing done: no evidence either way.
    let m = judge(&data);
    assert_eq!(
        m.cell(Some("a-good"), ra).unwrap().value,
        CellValue::NoEvidence
    );
    // Overdue.
    let idx = data
        .obligations
        .iter()
        .position(|o| {
            o.app_id.as_deref() == Some("a-good") && o.template.ends_with("/risk-assessment")
        })
        .unwrap();
    data.obligations[idx].due_on = "2026-11-01".into();
    let m = judge(&data);
    let cell = m.cell(Some("a-good"), ra).unwrap();
    assert_eq!(cell.value, CellValue::NonCompliant);
    assert!(
        cell.reasons.iter().any(|r| r.zh.contains("逾期 31 天")),
        "{:?}",
        cell.reasons
    );
    // Done with evidence.
    complete(
        &mut data.obligations[idx],
        d("2026-11-30"),
        "zheng",
        &["ev-1".into()],
    );
    let m = judge(&data);
    assert_eq!(
        m.cell(Some("a-good"), ra).unwrap().value,
        CellValue::Compliant
    );
    // The staff app is not held to customer-facing items; institution-wide
    // items are judged on the institution row only.
    assert_eq!(
        m.cell(Some("a-staff"), "nfra-2024-99:a5.1").unwrap().value,
        CellValue::NotApplicable
    );
    assert_eq!(
        m.cell(Some("a-good"), "nfra-2024-99:a1.1").unwrap().value,
        CellValue::NotApplicable
    );
    // A failing ledger check, then an approved exception for it.
    let owners = "nfra-2024-99:a3.1";
    assert_eq!(
        m.cell(Some("a-gaps"), owners).unwrap().value,
        CellValue::NonCompliant
    );
    data.exceptions.push(RiskException {
        id: "ex-1".into(),
        kind: ExceptionKind::Exception,
        app_id: Some("a-gaps".into()),
        requirement_id: owners.into(),
        reason: "新责任人待任命".into(),
        compensating_controls: None,
        requested_by: "wang".into(),
        approver: Some("zhou".into()),
        approved_on: Some("2026-11-30".into()),
        expires_on: "2026-12-31".into(),
        state: ExceptionState::Approved,
        version: 1,
    });
    let m = judge(&data);
    assert_eq!(
        m.cell(Some("a-gaps"), owners).unwrap().value,
        CellValue::Accepted
    );
    // Expired: back to non-compliant.
    data.exceptions[0].expires_on = "2026-12-01".into();
    assert_eq!(
        judge(&data).cell(Some("a-gaps"), owners).unwrap().value,
        CellValue::NonCompliant
    );
}

#[test]
fn the_standard_loads_beside_the_notice_and_maps_onto_it() {
    let libs = builtin_libraries().expect("the built-in libraries are valid");
    let ids: Vec<&str> = libs.iter().map(|l| l.library.id.as_str()).collect();
    assert_eq!(ids, ["nfra-2024-99", "gbt-41391-2022"], "the notice first");
    let gbt = &libs[1];
    assert_eq!(gbt.library.numbering, Numbering::Clauses);
    for r in &gbt.requirements {
        assert!(r.clause.is_some(), "{}", r.id);
        assert!(!r.sources.is_empty(), "{}", r.id);
    }
    assert_eq!(
        gbt.place(gbt.requirement("gbt-41391-2022:6.5").unwrap(), "zh"),
        "6.5"
    );
    let notice = &libs[0];
    let a16 = notice.requirement("nfra-2024-99:a16.1").unwrap();
    assert_eq!(notice.place(a16, "zh"), "第16条");
    assert_eq!(notice.place(a16, "en"), "Art. 16");
    // Seen from the notice, the standard's subsets are items it covers all
    // of; the mapping is declared once, in the standard's file.
    let seen = related(&libs, "nfra-2024-99:a16.1");
    let annex_f = seen
        .iter()
        .find(|x| x.requirement.id == "gbt-41391-2022:annex-f")
        .expect("annex F maps onto article 16");
    assert_eq!(annex_f.relation, Relation::Superset);
    assert_eq!(annex_f.library.id, "gbt-41391-2022");
    assert!(seen.len() >= 8, "{}", seen.len());
    let back = related(&libs, "gbt-41391-2022:6.6");
    let targets: BTreeSet<(&str, Relation)> = back
        .iter()
        .map(|x| (x.requirement.id.as_str(), x.relation))
        .collect();
    assert_eq!(
        targets,
        BTreeSet::from([
            ("nfra-2024-99:a16.1", Relation::Subset),
            ("nfra-2024-99:a6.2", Relation::Intersect),
        ])
    );
    // Every package check the standard names is one the notice's items
    // name too: the standard adds no test appgov cannot run.
    let notice_rules: BTreeSet<&str> = notice
        .requirements
        .iter()
        .flat_map(|r| r.package_rules.iter().map(String::as_str))
        .collect();
    for r in &gbt.requirements {
        for rule in &r.package_rules {
            assert!(notice_rules.contains(rule.as_str()), "{rule}");
        }
    }
}

#[test]
fn mappings_are_checked() {
    let gbt = appgov_compliance::library::GBT_41391_2022;
    let known = KnownIds::builtin();
    let bad_relation = gbt.replacen("relation = \"intersect\"", "relation = \"kinda\"", 1);
    let err = Library::parse(&bad_relation, "gbt.toml", &known).unwrap_err();
    assert!(err.to_string().contains("kinda"), "{err}");
    let onto_itself = gbt.replacen(
        "to = \"nfra-2024-99:a6.2\"",
        "to = \"gbt-41391-2022:6.5\"",
        1,
    );
    let err = Library::parse(&onto_itself, "gbt.toml", &known).unwrap_err();
    assert!(err.to_string().contains("its own library"), "{err}");
    let no_clause = gbt.replacen("clause = \"6.4\"\n", "", 1);
    let err = Library::parse(&no_clause, "gbt.toml", &known).unwrap_err();
    assert!(err.to_string().contains("needs its clause"), "{err}");
    // A target that no loaded library has is named once all are loaded.
    let dangling = gbt.replacen(
        "to = \"nfra-2024-99:a6.2\"",
        "to = \"nfra-2024-99:a99.1\"",
        1,
    );
    let libs = vec![
        Library::builtin().unwrap(),
        Library::parse(&dangling, "gbt.toml", &known).unwrap(),
    ];
    let problems = appgov_compliance::library::check_mappings(&libs);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("a99.1"));
}

#[test]
fn the_standards_matrix_judges_apps_on_their_packages() {
    let libs = builtin_libraries().unwrap();
    let gbt = &libs[1];
    let cal = HolidayCalendar::builtin().unwrap();
    let today = d(TODAY);
    let mut data = ledger();
    let release = |id: &str, app_id: &str| Release {
        id: id.into(),
        app_id: app_id.into(),
        platform: Platform::Android,
        identifier: "com.example.bank".into(),
        version_name: Some("9.0.1".into()),
        version_code: Some(901),
        file_name: "bank.apk".into(),
        artifact_sha256: "b".repeat(64),
        artifact_size: 1,
        facts_sha256: None,
        analyser_version: None,
        signer_sha256: vec![],
        min_sdk: Some(24),
        target_sdk: Some(35),
        domains: vec![],
        findings_high: 0,
        findings_medium: 1,
        findings_low: 0,
        state: ReleaseState::Live,
        version: 1,
    };
    data.releases = vec![release("r-good", "a-good"), release("r-gaps", "a-gaps")];
    data.findings = vec![ReleaseFinding {
        id: "f-1".into(),
        release_id: "r-gaps".into(),
        rule: "PKG-017".into(),
        severity: "medium".into(),
        title: "采集不可变设备标识".into(),
        location: None,
        version: 1,
    }];
    let cx = LedgerContext::new(&data, gbt, &cal, today);
    let findings = run_ledger_checks(&cx);
    let m = matrix(gbt, &data, &findings, today);
    assert!(
        m.rows.iter().all(|r| r.app_id.is_some()),
        "a standard about apps has no institution row"
    );
    let f = "gbt-41391-2022:annex-f";
    let gaps = m.cell(Some("a-gaps"), f).unwrap();
    assert_eq!(gaps.value, CellValue::Partial);
    assert!(
        gaps.reasons.iter().any(|r| r.en.contains("PKG-017")),
        "{gaps:?}"
    );
    assert_eq!(
        m.cell(Some("a-good"), f).unwrap().value,
        CellValue::Compliant
    );
    // The same finding shows on the notice's article 16 for that app.
    let notice = &libs[0];
    let m = matrix(
        notice,
        &data,
        &run_ledger_checks(&LedgerContext::new(&data, notice, &cal, today)),
        today,
    );
    assert_ne!(
        m.cell(Some("a-gaps"), "nfra-2024-99:a16.1").unwrap().value,
        CellValue::Compliant
    );
}
