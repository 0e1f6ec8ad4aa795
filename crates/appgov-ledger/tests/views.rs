//! The derived views, each rule seen to fire and to stay quiet.

mod common;

use appgov_ledger::*;
use common::*;

fn quality(s: &LedgerSnapshot) -> Vec<AppQuality> {
    ledger_quality(s, TODAY)
}

#[test]
fn a_clean_ledger_has_nothing_to_report() {
    let s = fixture();
    assert_eq!(quality(&s), vec![]);
    assert_eq!(certificate_continuity(&s), vec![]);
    assert_eq!(filing_drift(&s), vec![]);
    assert_eq!(
        consolidation_candidates(&s, &ConsolidationRules::default()),
        vec![]
    );
}

#[test]
fn missing_and_dangling_owners() {
    let mut s = fixture();
    s.apps[0].responsible_person_id = None;
    s.apps[0].department_id = None;
    s.apps[0].security_owner_id = Some("nobody".into());
    s.apps[0].data_owner_id = None;
    let q = quality(&s);
    let c = codes(&q, "a1");
    for want in [
        "missing-responsible-person",
        "missing-department",
        "dangling-security-owner",
        "missing-data-owner",
    ] {
        assert!(c.contains(&want), "{want} not in {c:?}");
    }
    assert_eq!(c.len(), 4, "{c:?}");
    let i = &q[0].issues[0];
    assert!(!i.reason.zh.is_empty() && !i.reason.en.is_empty());
    // A proposed app needs a department and a responsible person, not yet
    // the technical, security and data owners.
    s.apps[0].state = AppState::Proposed;
    let c = codes(&quality(&s), "a1");
    assert!(c.contains(&"missing-responsible-person"));
    assert!(!c.contains(&"missing-data-owner"), "{c:?}");
    // Retired apps are not judged.
    s.apps[0].state = AppState::Retired;
    assert!(quality(&s).is_empty());
}

#[test]
fn identities_and_certificates() {
    let mut s = fixture();
    s.identities[0].certificates.clear();
    assert_eq!(
        codes(&quality(&s), "a1"),
        vec!["identity-without-certificate"]
    );
    // Mini-program AppIDs carry no certificate: not an issue there.
    s.apps[0].form = AppForm::WechatMini;
    s.identities[0].platform = Platform::Wechat;
    assert_eq!(codes(&quality(&s), "a1"), Vec::<&str>::new());
    s.identities.clear();
    assert_eq!(codes(&quality(&s), "a1"), vec!["no-identity"]);
    s.apps[0].state = AppState::Admitted;
    assert!(!codes(&quality(&s), "a1").contains(&"no-identity"));
}

#[test]
fn live_apps_need_filings_and_customer_channels() {
    let mut s = fixture();
    s.filings[0].state = FilingState::Submitted;
    s.apps[0].important_system = true;
    s.apps[0].privacy_policy_url = None;
    s.apps[0].complaint_channel = Some("  ".into());
    let c = codes(&quality(&s), "a1");
    assert_eq!(
        c,
        vec![
            "no-miit-filing",
            "no-important-system-report",
            "missing-privacy-policy",
            "missing-complaint-channel"
        ]
    );
    // A staff app owes no public privacy policy or complaint channel; an
    // important-system report, once submitted, is there.
    s.apps[0].user_segment = Some(UserSegment::Staff);
    s.filings.push(filing(
        "f2",
        "a1",
        FilingKind::ImportantSystem,
        FilingState::Submitted,
        FiledFacts::default(),
    ));
    assert_eq!(codes(&quality(&s), "a1"), vec!["no-miit-filing"]);
    // Official accounts are not MIIT app filings' business.
    s.apps[0].form = AppForm::OfficialAccount;
    s.identities[0].platform = Platform::Wechat;
    assert_eq!(codes(&quality(&s), "a1"), Vec::<&str>::new());
}

#[test]
fn listings_go_through_the_institutions_own_accounts() {
    let mut s = fixture();
    s.listings.push(listing("l2", "a1", None));
    s.listings.push(listing("l3", "a1", Some("ghost")));
    s.accounts.push(account("acc2", None));
    s.listings.push(listing("l4", "a1", Some("acc2")));
    // Held by the group above the bank: not the operating institution.
    s.accounts.push(account("acc3", Some("group")));
    s.listings.push(listing("l5", "a1", Some("acc3")));
    // Held by the bank's own department: fine.
    s.accounts.push(account("acc4", Some("dept")));
    s.listings.push(listing("l6", "a1", Some("acc4")));
    // Delisted listings are history, not a problem.
    let mut gone = listing("l7", "a1", None);
    gone.state = ListingState::Delisted;
    s.listings.push(gone);
    let q = quality(&s);
    let got: Vec<(&str, Option<&str>)> = q[0]
        .issues
        .iter()
        .map(|i| (i.reason.code, i.object_id.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("listing-without-account", Some("l2")),
            ("dangling-account", Some("l3")),
            ("account-not-own", Some("l4")),
            ("account-not-own", Some("l5")),
        ]
    );
}

#[test]
fn account_hygiene() {
    let mut s = fixture();
    s.accounts[0].two_factor = false;
    s.accounts[0].last_access_review = Some("2025-12-01".into()); // 104 days
    s.accounts[0].admin_person_id = Some("gone".into());
    assert_eq!(
        codes(&quality(&s), "a1"),
        vec![
            "account-without-2fa",
            "account-review-stale",
            "dangling-account-admin"
        ]
    );
    s.accounts[0].two_factor = true;
    s.accounts[0].admin_person_id = None;
    s.accounts[0].last_access_review = Some("2025-12-15".into()); // exactly 90 days
    assert_eq!(codes(&quality(&s), "a1"), Vec::<&str>::new());
    s.accounts[0].last_access_review = None;
    assert_eq!(codes(&quality(&s), "a1"), vec!["account-never-reviewed"]);
}

#[test]
fn continuity_same_key_passes_other_key_alerts() {
    let mut s = fixture();
    s.releases[1].signer_sha256 = vec![CERT_A.into(), CERT_B.into()];
    let alerts = certificate_continuity(&s);
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(a.release_id, "r2");
    assert_eq!(a.kind, ContinuityKind::UnknownCertificate);
    assert_eq!(a.unknown_certificates, vec![CERT_B.to_string()]);
    assert_eq!(a.expected_certificates, vec![CERT_A.to_string()]);
    assert!(a.reason.en.starts_with("ALERT"), "{}", a.reason.en);
    assert!(a.reason.zh.contains(CERT_B) && a.reason.zh.contains(CERT_A));
    // A rotated key recorded on the identity is known again.
    s.identities[0].certificates.push(KnownCertificate {
        sha256: CERT_B.into(),
        subject: None,
        not_after: None,
    });
    assert!(certificate_continuity(&s).is_empty());
}

#[test]
fn continuity_identifier_and_missing_identity() {
    let mut s = fixture();
    s.releases[1].identifier = "com.examplebank.mobile.fake".into();
    let a = certificate_continuity(&s);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].kind, ContinuityKind::UnknownIdentifier);
    assert_eq!(a[0].known_identifiers, vec![PKG.to_string()]);
    assert_eq!(a[0].expected_certificates, vec![CERT_A.to_string()]);
    s.releases[1].identifier = PKG.into();
    s.releases[1].signer_sha256.clear();
    assert_eq!(certificate_continuity(&s)[0].kind, ContinuityKind::Unsigned);
    s.identities.clear();
    let a = certificate_continuity(&s);
    assert_eq!(a.len(), 2, "both releases lack a baseline");
    assert!(a.iter().all(|x| x.kind == ContinuityKind::NoIdentity));
}

#[test]
fn filing_drift_on_the_current_release() {
    let mut s = fixture();
    // r2 becomes live: new SDK, new domain (covered? cdn is under the
    // filed examplebank.com, so no), and a new key.
    s.releases[0].state = ReleaseState::Superseded;
    s.releases[1].state = ReleaseState::Live;
    s.releases[1].signer_sha256 = vec![CERT_B.into()];
    s.releases[1].domains.push("api.pay-partner.cn".into());
    s.filings[0].filed.version_name = Some("1.100".into());
    let d = filing_drift(&s);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].release_id, "r2");
    let fields: Vec<(&str, Vec<String>, Vec<String>, bool)> = d[0]
        .items
        .iter()
        .map(|i| (i.field, i.added.clone(), i.removed.clone(), i.material))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("signer", vec![CERT_B.into()], vec![CERT_A.into()], true),
            ("domains", vec!["api.pay-partner.cn".into()], vec![], true),
            ("sdks", vec!["jpush".into()], vec![], true),
            ("version", vec!["1.101".into()], vec!["1.100".into()], false),
        ]
    );
    assert!(d[0].material());
}

#[test]
fn filing_drift_says_what_it_cannot_compare() {
    let mut s = fixture();
    s.filings[0].filed.signer_sha256.clear();
    s.filings[0].filed.signer_md5 = vec!["0123456789abcdef0123456789abcdef".into()];
    s.filings[0].filed.domains = vec!["examplebank.com".into(), "old-brand.com".into()];
    let d = filing_drift(&s);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].not_comparable[0].code, "signer-md5-not-comparable");
    assert_eq!(d[0].items[0].field, "domains");
    assert_eq!(d[0].items[0].removed, vec!["old-brand.com".to_string()]);
    // A release without recorded domains is not "all domains removed".
    s.releases[0].domains.clear();
    let d = filing_drift(&s);
    assert!(d[0].items.is_empty());
    let notes: Vec<&str> = d[0].not_comparable.iter().map(|r| r.code).collect();
    assert_eq!(
        notes,
        vec!["signer-md5-not-comparable", "domains-not-recorded"]
    );
    // Filings that are not approved are not the reference.
    s.filings[0].state = FilingState::Draft;
    assert!(filing_drift(&s).is_empty());
}

#[test]
fn current_release_prefers_live_then_latest() {
    let mut s = fixture();
    let ix = LedgerIndex::new(&s);
    assert_eq!(ix.current_release("a1").unwrap().id, "r1");
    s.releases[0].state = ReleaseState::Withdrawn;
    let ix = LedgerIndex::new(&s);
    assert_eq!(ix.current_release("a1").unwrap().id, "r2");
    let mut s2 = s.clone();
    s2.releases[1].state = ReleaseState::Rejected;
    assert!(LedgerIndex::new(&s2).current_release("a1").is_none());
}

#[test]
fn consolidation_for_activity_rating_complaints_and_risk() {
    let mut s = fixture();
    let rules = ConsolidationRules::default();
    s.metrics[1].monthly_active_users = Some(4_000);
    s.metrics[1].rating = Some(2.1);
    s.metrics[1].complaints = Some(120);
    s.releases[0].findings_high = 2;
    let c = consolidation_candidates(&s, &rules);
    assert_eq!(c.len(), 1);
    let got: Vec<&str> = c[0].reasons.iter().map(|r| r.code).collect();
    assert_eq!(
        got,
        vec![
            "low-activity",
            "falling-activity",
            "poor-rating",
            "many-complaints",
            "high-risk"
        ]
    );
    assert!(
        c[0].reasons[1].en.contains("98% down"),
        "{}",
        c[0].reasons[1].en
    );
    // Thresholds are the institution's.
    let lenient = ConsolidationRules {
        min_monthly_active_users: 1_000,
        max_activity_drop: 0.99,
        min_rating: 2.0,
        max_complaints: 500,
        max_high_findings: 5,
        ..rules
    };
    assert!(consolidation_candidates(&s, &lenient).is_empty());
}

#[test]
fn functional_overlap_needs_same_form_segment_and_jaccard() {
    let mut s = fixture();
    // 2 of 4 distinct names shared: Jaccard 0.5, on the default threshold.
    s.apps.push(app("a2", &["转 账", "理财", "信用卡"]));
    // Same functions, other segment: no overlap.
    let mut corp = app("a3", &["转账", "理财", "账户查询"]);
    corp.user_segment = Some(UserSegment::Corporate);
    s.apps.push(corp);
    // Same functions, not live: no overlap.
    let mut planned = app("a4", &["转账", "理财", "账户查询"]);
    planned.state = AppState::InDevelopment;
    s.apps.push(planned);
    // 1 of 5 shared: below.
    s.apps.push(app("a5", &["转账", "保险", "基金", "贵金属"]));
    for id in ["a2", "a3", "a5"] {
        s.metrics
            .push(metric(&format!("m-{id}"), id, "2026-02", Some(100_000)));
    }
    let c = consolidation_candidates(&s, &ConsolidationRules::default());
    let got: Vec<(&str, Vec<&str>)> = c
        .iter()
        .map(|x| {
            (
                x.app_id.as_str(),
                x.overlaps.iter().map(|o| o.app_id.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(got, vec![("a1", vec!["a2"]), ("a2", vec!["a1"])]);
    assert_eq!(c[0].overlaps[0].similarity, 0.5);
    assert_eq!(c[0].overlaps[0].shared_functions, vec!["理财", "转账"]);
    assert_eq!(c[0].reasons[0].code, "functional-overlap");
    let strict = ConsolidationRules {
        overlap_jaccard: 0.6,
        ..ConsolidationRules::default()
    };
    assert!(consolidation_candidates(&s, &strict).is_empty());
}

#[test]
fn many_identical_apps_are_counted_and_listed_within_the_cap() {
    let mut s = fixture();
    for n in 0..30 {
        let id = format!("b{n:02}");
        s.apps.push(app(&id, &["转账", "理财", "账户查询"]));
        s.metrics
            .push(metric(&format!("m{id}"), &id, "2026-02", Some(100_000)));
    }
    let c = consolidation_candidates(&s, &ConsolidationRules::default());
    assert_eq!(c.len(), 31);
    for x in &c {
        assert_eq!(x.overlaps_total, 30);
        assert_eq!(x.overlaps.len(), MAX_LISTED);
        assert!(x.overlaps.iter().all(|o| o.app_id != x.app_id));
        assert!(
            x.reasons[0].en.contains("and 10 more"),
            "{}",
            x.reasons[0].en
        );
    }
}

const MAX_LISTED: usize = appgov_ledger::views::MAX_OVERLAPS_LISTED;

#[test]
fn all_views_at_once_agree_with_each_view() {
    let mut s = fixture();
    s.apps[0].data_owner_id = None;
    s.releases[1].signer_sha256 = vec![CERT_B.into()];
    let v = ledger_views(&s, &ConsolidationRules::default(), TODAY);
    assert_eq!(v.quality, quality(&s));
    assert_eq!(v.continuity, certificate_continuity(&s));
    assert_eq!(v.drift, filing_drift(&s));
    assert_eq!(
        v.consolidation,
        consolidation_candidates(&s, &ConsolidationRules::default())
    );
}

#[test]
fn day_numbers_and_periods() {
    use appgov_ledger::views::{day_number, period_key};
    assert_eq!(day_number("1970-01-01"), Some(0));
    assert_eq!(day_number("2000-03-01"), Some(11_017));
    assert_eq!(
        day_number("2026-03-15").unwrap() - day_number("2025-12-15").unwrap(),
        90
    );
    assert_eq!(day_number("2026-02-30"), None);
    assert!(period_key("2026-Q1") > period_key("2026-02"));
    assert!(period_key("2026-Q1") < period_key("2026-04"));
    assert_eq!(period_key("junk"), (0, 0));
}
