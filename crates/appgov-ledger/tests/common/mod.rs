//! A small, clean ledger: one bank, one live Android app whose every
//! record is in order, so a test changes one thing and sees one issue.
#![allow(dead_code)]

use appgov_ledger::*;

pub const TODAY: &str = "2026-03-15";
pub const CERT_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const CERT_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
pub const PKG: &str = "com.examplebank.mobile";

pub fn org(id: &str, kind: OrgKind, parent: Option<&str>) -> OrgNode {
    OrgNode {
        id: id.into(),
        kind,
        name: format!("org {id}"),
        parent_id: parent.map(Into::into),
        credit_code: None,
        regulator: None,
        version: 1,
    }
}

pub fn person(id: &str) -> Person {
    Person {
        id: id.into(),
        name: format!("person {id}"),
        org_id: Some("dept".into()),
        title: None,
        contact: None,
        roles: vec![],
        external: false,
        version: 1,
    }
}

pub fn app(id: &str, functions: &[&str]) -> App {
    App {
        id: id.into(),
        name: format!("app {id}"),
        aliases: vec![],
        form: AppForm::Android,
        operator_id: Some("bank".into()),
        purpose: Some("mobile banking".into()),
        functions: functions.iter().map(|s| s.to_string()).collect(),
        user_segment: Some(UserSegment::Retail),
        regions: vec![],
        department_id: Some("dept".into()),
        responsible_person_id: Some("p1".into()),
        tech_owner_id: Some("p2".into()),
        security_owner_id: Some("p3".into()),
        data_owner_id: Some("p4".into()),
        state: AppState::Live,
        important_system: false,
        mlps_level: Some(3),
        elderly_mode: true,
        minors_policy: None,
        privacy_policy_url: Some("https://examplebank.com/privacy".into()),
        complaint_channel: Some("95555".into()),
        third_party_operated: false,
        merged_into: None,
        version: 1,
    }
}

pub fn identity(id: &str, app: &str, identifier: &str, certs: &[&str]) -> AppIdentity {
    AppIdentity {
        id: id.into(),
        app_id: app.into(),
        platform: Platform::Android,
        identifier: identifier.into(),
        developer_id: None,
        certificates: certs
            .iter()
            .map(|c| KnownCertificate {
                sha256: c.to_string(),
                subject: None,
                not_after: None,
            })
            .collect(),
        key_custodian: None,
        version: 1,
    }
}

pub fn account(id: &str, holder_org: Option<&str>) -> PublishingAccount {
    PublishingAccount {
        id: id.into(),
        channel: Channel::HuaweiAppGallery,
        account_name: format!("account {id}"),
        holder: "Example Bank".into(),
        holder_org_id: holder_org.map(Into::into),
        admin_person_id: Some("p1".into()),
        two_factor: true,
        last_access_review: Some("2026-02-01".into()),
        status: AccountStatus::Active,
        version: 1,
    }
}

pub fn listing(id: &str, app: &str, account: Option<&str>) -> Listing {
    Listing {
        id: id.into(),
        app_id: app.into(),
        channel: Channel::HuaweiAppGallery,
        account_id: account.map(Into::into),
        store_url: None,
        listed_version: None,
        observed_sha256: None,
        observed_on: None,
        state: ListingState::Listed,
        version: 1,
    }
}

pub fn release(id: &str, app: &str, code: i64, state: ReleaseState, signers: &[&str]) -> Release {
    Release {
        id: id.into(),
        app_id: app.into(),
        platform: Platform::Android,
        identifier: PKG.into(),
        version_name: Some(format!("1.{code}")),
        version_code: Some(code),
        file_name: format!("{id}.apk"),
        artifact_sha256: "cd".repeat(32),
        artifact_size: 1000,
        facts_sha256: None,
        analyser_version: None,
        signer_sha256: signers.iter().map(|s| s.to_string()).collect(),
        min_sdk: Some(24),
        target_sdk: Some(34),
        domains: vec!["api.examplebank.com".into()],
        findings_high: 0,
        findings_medium: 0,
        findings_low: 0,
        state,
        version: 1,
    }
}

pub fn sdk(id: &str, release: &str, sdk: &str, collects: &[&str]) -> SdkUsage {
    SdkUsage {
        id: id.into(),
        release_id: release.into(),
        sdk: sdk.into(),
        name: format!("{sdk} name"),
        vendor: None,
        collects: collects.iter().map(|s| s.to_string()).collect(),
        version: 1,
    }
}

pub fn agreement(id: &str, apps: &[&str], sdks: &[&str]) -> Agreement {
    Agreement {
        id: id.into(),
        third_party_id: "tp".into(),
        kind: AgreementKind::SdkTerms,
        title: "SDK terms".into(),
        app_ids: apps.iter().map(|s| s.to_string()).collect(),
        sdks: sdks.iter().map(|s| s.to_string()).collect(),
        data_shared: vec![],
        audit_right: true,
        exit_clause: true,
        starts_on: Some("2025-01-01".into()),
        ends_on: Some("2027-12-31".into()),
        state: AgreementState::Active,
        document_sha256: None,
        version: 1,
    }
}

pub fn filing(
    id: &str,
    app: &str,
    kind: FilingKind,
    state: FilingState,
    filed: FiledFacts,
) -> Filing {
    Filing {
        id: id.into(),
        app_id: app.into(),
        kind,
        authority: None,
        number: Some(format!("京ICP备{id}号")),
        state,
        filed,
        submitted_on: None,
        approved_on: None,
        version: 1,
    }
}

pub fn filed_for_r1() -> FiledFacts {
    FiledFacts {
        identifier: Some(PKG.into()),
        signer_sha256: vec![CERT_A.into()],
        signer_md5: vec![],
        domains: vec!["examplebank.com".into()],
        sdks: vec!["umeng-analytics".into()],
        version_name: None,
    }
}

pub fn metric(id: &str, app: &str, period: &str, mau: Option<i64>) -> ActivityMetric {
    ActivityMetric {
        id: id.into(),
        app_id: app.into(),
        period: period.into(),
        monthly_active_users: mau,
        downloads: None,
        rating: Some(4.5),
        complaints: Some(3),
        version: 1,
    }
}

/// One bank (group → bank → department), four people, one live app `a1`
/// with an identity, an own account and listing, a live release `r1`, a
/// candidate `r2` (new SDK `jpush`, new domain, target SDK 35), an
/// agreement for both SDKs, an approved MIIT filing matching `r1`, and two
/// months of metrics. Nothing in it is wrong.
pub fn fixture() -> LedgerSnapshot {
    let mut r2 = release("r2", "a1", 101, ReleaseState::InTest, &[CERT_A]);
    r2.domains.push("cdn.examplebank.com".into());
    r2.target_sdk = Some(35);
    LedgerSnapshot {
        org_nodes: vec![
            org("group", OrgKind::Group, None),
            org("bank", OrgKind::Institution, Some("group")),
            org("dept", OrgKind::Department, Some("bank")),
        ],
        persons: ["p1", "p2", "p3", "p4"].into_iter().map(person).collect(),
        apps: vec![app("a1", &["转账", "理财", "账户查询"])],
        identities: vec![identity("i1", "a1", PKG, &[CERT_A])],
        accounts: vec![account("acc1", Some("bank"))],
        listings: vec![listing("l1", "a1", Some("acc1"))],
        releases: vec![release("r1", "a1", 100, ReleaseState::Live, &[CERT_A]), r2],
        findings: vec![],
        sdk_usages: vec![
            sdk("u1", "r1", "umeng-analytics", &["device_id"]),
            sdk("u2", "r2", "umeng-analytics", &["device_id"]),
            sdk("u3", "r2", "jpush", &["device_id", "location"]),
        ],
        third_parties: vec![],
        agreements: vec![agreement("ag1", &["a1"], &["umeng-analytics", "jpush"])],
        filings: vec![filing(
            "f1",
            "a1",
            FilingKind::MiitApp,
            FilingState::Approved,
            filed_for_r1(),
        )],
        metrics: vec![
            metric("m1", "a1", "2026-01", Some(200_000)),
            metric("m2", "a1", "2026-02", Some(210_000)),
        ],
    }
}

pub fn codes(q: &[AppQuality], app: &str) -> Vec<&'static str> {
    q.iter()
        .filter(|a| a.app_id == app)
        .flat_map(|a| a.issues.iter().map(|i| i.reason.code))
        .collect()
}
