//! The gates' automatic checks, each passing and failing on the fixture,
//! and fed into the gate evaluation.

mod common;

use std::collections::BTreeMap;

use appgov_ledger::*;
use common::*;

fn gate(id: GateId) -> Gate {
    builtin_gates()
        .unwrap()
        .into_iter()
        .find(|g| g.id == id)
        .unwrap()
}

fn subject(release: Option<&str>) -> GateSubject {
    GateSubject {
        app_id: "a1".into(),
        release_id: release.map(Into::into),
        ..GateSubject::default()
    }
}

fn run(id: GateId, sub: &GateSubject, s: &LedgerSnapshot) -> BTreeMap<String, Result<(), Reason>> {
    auto_checks_detailed(&gate(id), sub, s, TODAY)
}

fn code(r: &BTreeMap<String, Result<(), Reason>>, check: &str) -> Option<&'static str> {
    match &r[check] {
        Ok(()) => None,
        Err(e) => Some(e.code),
    }
}

#[test]
fn every_gate_gets_exactly_its_checks() {
    for g in builtin_gates().unwrap() {
        let r = auto_checks(&g, &subject(Some("r2")), &fixture(), TODAY);
        let mut want: Vec<&str> = g.items.iter().filter_map(|i| i.check.as_deref()).collect();
        want.sort();
        want.dedup();
        assert_eq!(r.keys().map(String::as_str).collect::<Vec<_>>(), want);
        for (k, v) in &r {
            if let Err(e) = v {
                assert!(e.contains(" / "), "{k}: reason should be zh / en: {e}");
                assert!(!e.contains("not implemented"), "{k}");
            }
        }
    }
}

#[test]
fn unknown_app_fails_every_check() {
    let mut sub = subject(Some("r2"));
    sub.app_id = "nope".into();
    let r = run(GateId::Launch, &sub, &fixture());
    assert!(
        r.values()
            .all(|v| matches!(v, Err(e) if e.code == "app-not-found"))
    );
}

#[test]
fn no_functional_overlap() {
    let mut s = fixture();
    // The proposed app a9 against live a1.
    let mut a9 = app("a9", &["理财", "转账"]);
    a9.state = AppState::Proposed;
    s.apps.push(a9);
    let mut sub = subject(None);
    sub.app_id = "a9".into();
    let r = run(GateId::Admission, &sub, &s);
    assert_eq!(
        code(&r, "no-functional-overlap"),
        Some("functional-overlap")
    );
    assert!(
        r["no-functional-overlap"]
            .as_ref()
            .unwrap_err()
            .en
            .contains("app a1")
    );
    s.apps[1].functions = vec!["理财".into(), "养老金".into(), "保险".into()];
    assert_eq!(
        code(&run(GateId::Admission, &sub, &s), "no-functional-overlap"),
        None
    );
    s.apps[1].functions.clear();
    assert_eq!(
        code(&run(GateId::Admission, &sub, &s), "no-functional-overlap"),
        Some("functions-not-recorded")
    );
    s.apps[1].functions = vec!["x".into()];
    s.apps[1].user_segment = None;
    assert_eq!(
        code(&run(GateId::Admission, &sub, &s), "no-functional-overlap"),
        Some("segment-not-recorded")
    );
}

#[test]
fn own_publishing_accounts() {
    let mut s = fixture();
    let sub = subject(Some("r2"));
    assert_eq!(
        code(&run(GateId::Launch, &sub, &s), "own-publishing-accounts"),
        None
    );
    // Launch also wants 2FA and a fresh review; admission does not.
    s.accounts[0].two_factor = false;
    let r = run(GateId::Launch, &sub, &s);
    assert_eq!(
        code(&r, "own-publishing-accounts"),
        Some("account-without-2fa")
    );
    assert!(
        r["own-publishing-accounts"]
            .as_ref()
            .unwrap_err()
            .en
            .contains("two-factor")
    );
    assert_eq!(
        code(&run(GateId::Admission, &sub, &s), "own-publishing-accounts"),
        None
    );
    s.accounts[0].holder_org_id = Some("group".into());
    assert_eq!(
        code(&run(GateId::Admission, &sub, &s), "own-publishing-accounts"),
        Some("account-not-own")
    );
    // Several problems: one reason naming them all.
    let r = run(GateId::Launch, &sub, &s);
    let e = r["own-publishing-accounts"].as_ref().unwrap_err();
    assert_eq!(e.code, "publishing-accounts");
    assert!(e.en.contains("two-factor") && e.en.contains("not by the operating institution"));
    assert!(e.zh.contains("双因素") && e.zh.contains("；"));
    s.listings.clear();
    assert_eq!(
        code(&run(GateId::Admission, &sub, &s), "own-publishing-accounts"),
        Some("listings-not-recorded")
    );
}

#[test]
fn no_open_high_findings() {
    let mut s = fixture();
    assert_eq!(
        code(
            &run(GateId::Change, &subject(Some("r2")), &s),
            "no-open-high-findings"
        ),
        None
    );
    s.findings.push(ReleaseFinding {
        id: "x1".into(),
        release_id: "r2".into(),
        rule: "PKG-008".into(),
        severity: "critical".into(),
        title: "签名证书不在登记中".into(),
        location: None,
        version: 1,
    });
    let r = run(GateId::Change, &subject(Some("r2")), &s);
    assert_eq!(
        code(&r, "no-open-high-findings"),
        Some("open-high-findings")
    );
    assert!(
        r["no-open-high-findings"]
            .as_ref()
            .unwrap_err()
            .en
            .contains("PKG-008")
    );
    // The counts alone also hold a release back.
    s.findings.clear();
    s.releases[1].findings_high = 1;
    assert_eq!(
        code(
            &run(GateId::Change, &subject(Some("r2")), &s),
            "no-open-high-findings"
        ),
        Some("open-high-findings")
    );
    // And a move without a release cannot be decided.
    assert_eq!(
        code(
            &run(GateId::Change, &subject(None), &s),
            "no-open-high-findings"
        ),
        Some("release-not-named")
    );
    assert_eq!(
        code(
            &run(GateId::Change, &subject(Some("zz")), &s),
            "no-open-high-findings"
        ),
        Some("release-not-found")
    );
    s.releases[1].state = ReleaseState::Draft;
    assert_eq!(
        code(
            &run(GateId::Change, &subject(Some("r2")), &s),
            "no-open-high-findings"
        ),
        Some("release-not-analysed")
    );
}

#[test]
fn sdks_disclosed_and_contracted() {
    let mut s = fixture();
    let sub = subject(Some("r2"));
    assert_eq!(
        code(
            &run(GateId::Launch, &sub, &s),
            "sdks-disclosed-and-contracted"
        ),
        None
    );
    // jpush drops out of the agreement.
    s.agreements[0].sdks = vec!["umeng-analytics".into()];
    let r = run(GateId::Launch, &sub, &s);
    let e = r["sdks-disclosed-and-contracted"].as_ref().unwrap_err();
    assert_eq!(e.code, "sdk-without-agreement");
    assert!(
        e.en.contains("jpush name") && !e.en.contains("umeng"),
        "{}",
        e.en
    );
    // An SDK that collects nothing needs no agreement.
    s.sdk_usages[2].collects.clear();
    assert_eq!(
        code(
            &run(GateId::Launch, &sub, &s),
            "sdks-disclosed-and-contracted"
        ),
        None
    );
    // Expired or draft agreements cover nothing.
    s.agreements[0].ends_on = Some("2026-01-31".into());
    assert_eq!(
        code(
            &run(GateId::Launch, &sub, &s),
            "sdks-disclosed-and-contracted"
        ),
        Some("sdk-without-agreement")
    );
    s.agreements[0].ends_on = None;
    s.agreements[0].state = AgreementState::Draft;
    assert!(run(GateId::Launch, &sub, &s)["sdks-disclosed-and-contracted"].is_err());
    s.agreements[0].state = AgreementState::Active;
    // The analysis's "not disclosed" finding, and a missing privacy policy.
    s.findings.push(ReleaseFinding {
        id: "x".into(),
        release_id: "r2".into(),
        rule: "PKG-020".into(),
        severity: "medium".into(),
        title: "t".into(),
        location: None,
        version: 1,
    });
    assert_eq!(
        code(
            &run(GateId::Launch, &sub, &s),
            "sdks-disclosed-and-contracted"
        ),
        Some("sdk-not-disclosed")
    );
    s.findings.clear();
    s.apps[0].privacy_policy_url = None;
    assert_eq!(
        code(
            &run(GateId::Launch, &sub, &s),
            "sdks-disclosed-and-contracted"
        ),
        Some("privacy-policy-not-recorded")
    );
}

#[test]
fn signer_registered() {
    let mut s = fixture();
    let sub = subject(Some("r2"));
    assert_eq!(
        code(&run(GateId::Launch, &sub, &s), "signer-registered"),
        None
    );
    s.releases[1].signer_sha256 = vec![CERT_B.into()];
    assert_eq!(
        code(&run(GateId::Launch, &sub, &s), "signer-registered"),
        Some("unknown-certificate")
    );
    s.releases[1].signer_sha256 = vec![CERT_A.into()];
    s.releases[1].identifier = "com.other".into();
    assert_eq!(
        code(&run(GateId::Launch, &sub, &s), "signer-registered"),
        Some("unknown-identifier")
    );
}

#[test]
fn filing_matches_release() {
    let mut s = fixture();
    // r1 matches its filing; r2 adds jpush, which the filing lacks.
    assert_eq!(
        code(
            &run(GateId::Launch, &subject(Some("r1")), &s),
            "filing-matches-release"
        ),
        None
    );
    let r = run(GateId::Launch, &subject(Some("r2")), &s);
    let e = r["filing-matches-release"].as_ref().unwrap_err();
    assert_eq!(e.code, "drift-sdks");
    assert!(e.en.contains("jpush"), "{}", e.en);
    // A version difference alone is not drift.
    s.filings[0].filed.version_name = Some("0.9".into());
    assert_eq!(
        code(
            &run(GateId::Launch, &subject(Some("r1")), &s),
            "filing-matches-release"
        ),
        None
    );
    // MD5-only filings cannot be compared: not a pass.
    s.filings[0].filed.signer_sha256.clear();
    s.filings[0].filed.signer_md5 = vec!["00".repeat(16)];
    assert_eq!(
        code(
            &run(GateId::Launch, &subject(Some("r1")), &s),
            "filing-matches-release"
        ),
        Some("signer-md5-not-comparable")
    );
    s.filings.clear();
    assert_eq!(
        code(
            &run(GateId::Launch, &subject(Some("r1")), &s),
            "filing-matches-release"
        ),
        Some("filing-not-recorded")
    );
}

#[test]
fn release_diff_reviewed() {
    let mut s = fixture();
    let mut sub = subject(Some("r2"));
    let r = run(GateId::Change, &sub, &s);
    let e = r["release-diff-reviewed"].as_ref().unwrap_err();
    assert_eq!(e.code, "diff-not-reviewed");
    let ix = LedgerIndex::new(&s);
    let diff = release_diff(
        ix.release_by_id["r1"],
        ix.release_by_id["r2"],
        ix.sdks_of("r1"),
        ix.sdks_of("r2"),
    );
    let keys: Vec<&str> = diff.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "domain+:cdn.examplebank.com",
            "sdk+:jpush",
            "target_sdk:34->35"
        ]
    );
    // Confirm two of three: still open, naming the third.
    sub.reviewed_diff = keys[..2].iter().map(|k| k.to_string()).collect();
    let r = run(GateId::Change, &sub, &s);
    let e = r["release-diff-reviewed"].as_ref().unwrap_err();
    assert!(
        e.en.contains("Target SDK changed from 34 to 35") && !e.en.contains("jpush"),
        "{}",
        e.en
    );
    sub.reviewed_diff.insert(keys[2].to_string());
    assert_eq!(
        code(&run(GateId::Change, &sub, &s), "release-diff-reviewed"),
        None
    );
    // A key change is a diff item of its own.
    s.releases[1].signer_sha256 = vec![CERT_B.into()];
    let r = run(GateId::Change, &sub, &s);
    let e = r["release-diff-reviewed"].as_ref().unwrap_err();
    assert!(
        e.en.contains(&format!("New signing certificate {CERT_B}")),
        "{}",
        e.en
    );
    assert!(e.en.contains(&format!("Removed signing certificate {CERT_A}")));
    // Without a previous live release there is nothing to compare.
    s.releases[0].state = ReleaseState::Withdrawn;
    assert_eq!(
        code(&run(GateId::Change, &sub, &s), "release-diff-reviewed"),
        Some("previous-not-recorded")
    );
    sub.previous_release_id = Some("r1".into());
    assert_eq!(
        code(&run(GateId::Change, &sub, &s), "release-diff-reviewed"),
        Some("diff-not-reviewed")
    );
}

#[test]
fn filing_update_raised() {
    let mut s = fixture();
    // r1 matches: nothing to raise.
    assert_eq!(
        code(
            &run(GateId::Change, &subject(Some("r1")), &s),
            "filing-update-raised"
        ),
        None
    );
    // r2 adds jpush: the update must be raised.
    let r = run(GateId::Change, &subject(Some("r2")), &s);
    assert_eq!(
        code(&r, "filing-update-raised"),
        Some("filing-update-not-raised")
    );
    assert!(
        r["filing-update-raised"]
            .as_ref()
            .unwrap_err()
            .en
            .contains("sdks")
    );
    // Submitted, but with the old facts: not raised for this release.
    s.filings.push(filing(
        "f2",
        "a1",
        FilingKind::MiitApp,
        FilingState::Submitted,
        filed_for_r1(),
    ));
    assert!(run(GateId::Change, &subject(Some("r2")), &s)["filing-update-raised"].is_err());
    // Submitted with r2's facts: raised.
    s.filings[1].filed.sdks.push("jpush".into());
    assert_eq!(
        code(
            &run(GateId::Change, &subject(Some("r2")), &s),
            "filing-update-raised"
        ),
        None
    );
    // Returned by the authority: still open, and said so.
    s.filings[1].state = FilingState::ChangeRequired;
    let r = run(GateId::Change, &subject(Some("r2")), &s);
    assert!(
        r["filing-update-raised"]
            .as_ref()
            .unwrap_err()
            .en
            .contains("returned")
    );
    s.filings.clear();
    assert_eq!(
        code(
            &run(GateId::Change, &subject(Some("r2")), &s),
            "filing-update-raised"
        ),
        Some("filing-not-recorded")
    );
}

#[test]
fn delisted_everywhere() {
    let mut s = fixture();
    s.apps[0].state = AppState::Retiring;
    let sub = subject(None);
    let r = run(GateId::Retirement, &sub, &s);
    let e = r["delisted-everywhere"].as_ref().unwrap_err();
    assert!(
        e.en.contains("Not yet delisted") && e.en.contains("still active"),
        "{}",
        e.en
    );
    s.listings[0].state = ListingState::Delisted;
    let e = run(GateId::Retirement, &sub, &s)["delisted-everywhere"]
        .clone()
        .unwrap_err();
    assert!(
        !e.en.contains("Not yet delisted") && e.en.contains("account acc1"),
        "{}",
        e.en
    );
    // Dormant under control is fine; so is an account still serving another app.
    s.accounts[0].status = AccountStatus::Dormant;
    assert_eq!(
        code(&run(GateId::Retirement, &sub, &s), "delisted-everywhere"),
        None
    );
    s.accounts[0].status = AccountStatus::Active;
    s.apps.push(app("a2", &["x"]));
    s.listings.push(listing("l2", "a2", Some("acc1")));
    assert_eq!(
        code(&run(GateId::Retirement, &sub, &s), "delisted-everywhere"),
        None
    );
    s.listings.retain(|l| l.app_id != "a1");
    assert_eq!(
        code(&run(GateId::Retirement, &sub, &s), "delisted-everywhere"),
        Some("listings-not-recorded")
    );
}

#[test]
fn activity_metrics_attached() {
    let mut s = fixture();
    let sub = subject(None);
    assert_eq!(
        code(
            &run(GateId::Retirement, &sub, &s),
            "activity-metrics-attached"
        ),
        None
    );
    for m in &mut s.metrics {
        m.period = m.period.replace("2026", "2024");
    }
    assert_eq!(
        code(
            &run(GateId::Retirement, &sub, &s),
            "activity-metrics-attached"
        ),
        Some("metrics-stale")
    );
    s.metrics.clear();
    assert_eq!(
        code(
            &run(GateId::Retirement, &sub, &s),
            "activity-metrics-attached"
        ),
        Some("metrics-not-recorded")
    );
}

#[test]
fn computed_checks_feed_the_gate() {
    let s = fixture();
    let g = gate(GateId::Launch);
    let mut input = gate_input(&g, &subject(Some("r1")), &s, TODAY);
    for i in &g.items {
        match i.kind {
            ItemKind::Evidence => {
                input.evidence.insert(i.id.clone(), vec!["ef".repeat(32)]);
            }
            ItemKind::Attest => {
                input.attestations.insert(i.id.clone(), "王五".into());
            }
            ItemKind::Auto => {}
        }
    }
    let result = evaluate(&g, &input);
    assert!(result.passed(), "{:?}", result.open().collect::<Vec<_>>());
    // r2 (with jpush not in the filing) leaves exactly the filing item open.
    let mut input2 = gate_input(&g, &subject(Some("r2")), &s, TODAY);
    input2.evidence = input.evidence.clone();
    input2.attestations = input.attestations.clone();
    let result = evaluate(&g, &input2);
    let open: Vec<&str> = result.open().map(|(id, _)| id.as_str()).collect();
    assert_eq!(open, vec!["filing-matches"]);
    match &result
        .items
        .iter()
        .find(|(id, _)| id == "filing-matches")
        .unwrap()
        .1
    {
        ItemStatus::Open { reason } => assert!(reason.contains("jpush")),
        other => panic!("{other:?}"),
    }
}
