//! `appgov demo`: a fictional bank in an empty ledger — about forty apps of
//! every form and lifecycle state, releases analysed from real packages of
//! the corpus, obligations in every state, incidents, complaints,
//! counterfeit cases, assessments and exceptions — so the web pages,
//! reports and tests have something true-to-life to show.
//!
//! Dates are relative to today, so a demo loaded any day has overdue,
//! due-soon and done duties.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use appgov_calendar::{Date, format_date, parse_date};
use appgov_knowledge::Knowledge;
use appgov_ledger::*;
use appgov_store::Store;
use appgov_workflow::compliance::{self as wc, Engine, EvidenceSubmission};
use appgov_workflow::{check_facts, scan_file, today_cn};
use clap::Args;

use crate::ledger::{StoreArgs, open, runtime};

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// The corpus of real packages whose files become the demo's releases
    /// (default: ../shared/corpus or shared/corpus when present).
    #[arg(long, env = "APPGOV_CORPUS")]
    pub corpus: Option<PathBuf>,
}

/// Packages of the corpus used as releases, with the app that ships them.
const PACKAGES: &[(&str, &str)] = &[
    ("掌上银行", "apk/insecurebankv2__app-release.apk"),
    ("信用卡", "apk/injuredandroid__injuredandroid.apk"),
    ("企业网银", "apk/androguard__com.politedroid_4.apk"),
    ("财富管理", "apk/androguard__com.teleca.jamendo_35.apk"),
    ("移动办公", "apk/androguard__a2dp.Vol_137.apk"),
    ("乡村振兴", "apk/buddhaquotes__v1.6.0.apk"),
    ("数字人民币钱包", "apk/bangcle__bangcle_demo.apk"),
    ("普惠金融", "apk/apkid__dexguard_6_1.apk"),
];

fn corpus_dir(a: &DemoArgs) -> Option<PathBuf> {
    if let Some(c) = &a.corpus {
        return Some(c.clone());
    }
    ["../shared/corpus", "shared/corpus"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.join("MANIFEST.tsv").is_file())
}

pub fn run(s: &StoreArgs, a: &DemoArgs) -> Result<ExitCode> {
    let corpus = corpus_dir(a);
    runtime()?.block_on(async {
        let store = open(s).await?;
        if store.count::<App>().await? > 0 {
            bail!(
                "the ledger in {} already has apps: load the demo into an empty data directory (--data-dir)",
                s.data_dir.display()
            );
        }
        let today = parse_date(&today_cn()).context("today")?;
        let engine = Engine::builtin()?;
        let report = load(&store, &engine, today, corpus.as_deref()).await?;
        println!("{report}");
        println!(
            "start the server with: appgov serve --data-dir {}",
            s.data_dir.display()
        );
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

const ACTOR: &str = "demo";

fn days(today: Date, n: i64) -> String {
    format_date(today + time::Duration::days(n))
}

async fn insert<E: appgov_store::Stored>(store: &Store, mut e: E) -> Result<E> {
    let mut tx = store.write(ACTOR).await?;
    tx.insert(&mut e).await?;
    tx.commit().await?;
    Ok(e)
}

struct AppSpec {
    name: &'static str,
    form: AppForm,
    state: AppState,
    dept: &'static str,
    segment: UserSegment,
    important: bool,
    mlps: Option<u8>,
    third_party: bool,
    identifier: Option<&'static str>,
}

#[allow(clippy::too_many_arguments)]
const fn spec(
    name: &'static str,
    form: AppForm,
    state: AppState,
    dept: &'static str,
    segment: UserSegment,
    important: bool,
    mlps: Option<u8>,
    third_party: bool,
    identifier: Option<&'static str>,
) -> AppSpec {
    AppSpec {
        name,
        form,
        state,
        dept,
        segment,
        important,
        mlps,
        third_party,
        identifier,
    }
}

use AppForm as F;
use AppState as S;
use UserSegment as U;

const APPS: &[AppSpec] = &[
    spec(
        "掌上银行",
        F::Android,
        S::Live,
        "零售银行部",
        U::Retail,
        true,
        Some(3),
        false,
        Some("com.android.insecurebankv2"),
    ),
    spec(
        "掌上银行 iOS",
        F::Ios,
        S::Live,
        "零售银行部",
        U::Retail,
        true,
        Some(3),
        false,
        Some("cn.example.bank.mobile"),
    ),
    spec(
        "掌上银行鸿蒙版",
        F::Harmony,
        S::InDevelopment,
        "零售银行部",
        U::Retail,
        true,
        Some(3),
        false,
        Some("cn.example.bank.harmony"),
    ),
    spec(
        "信用卡",
        F::Android,
        S::Live,
        "信用卡中心",
        U::Retail,
        true,
        Some(3),
        false,
        Some("b3nac.injuredandroid"),
    ),
    spec(
        "信用卡 iOS",
        F::Ios,
        S::Live,
        "信用卡中心",
        U::Retail,
        true,
        Some(3),
        false,
        Some("cn.example.card"),
    ),
    spec(
        "企业网银",
        F::Android,
        S::Live,
        "公司银行部",
        U::Corporate,
        true,
        Some(4),
        false,
        Some("org.politedroid"),
    ),
    spec(
        "企业网银 iOS",
        F::Ios,
        S::Live,
        "公司银行部",
        U::Corporate,
        true,
        Some(4),
        false,
        Some("cn.example.corp"),
    ),
    spec(
        "财富管理",
        F::Android,
        S::Live,
        "财富管理部",
        U::Retail,
        false,
        Some(3),
        true,
        Some("com.teleca.jamendo"),
    ),
    spec(
        "移动办公",
        F::Android,
        S::Live,
        "信息科技部",
        U::Staff,
        false,
        Some(2),
        false,
        Some("a2dp.Vol"),
    ),
    spec(
        "乡村振兴",
        F::Android,
        S::UnderReview,
        "普惠金融部",
        U::Retail,
        false,
        Some(2),
        true,
        Some("com.buddhaquotes"),
    ),
    spec(
        "数字人民币钱包",
        F::Android,
        S::Live,
        "零售银行部",
        U::Retail,
        true,
        Some(3),
        false,
        Some("com.bangcle.demo"),
    ),
    spec(
        "普惠金融",
        F::Android,
        S::Suspended,
        "普惠金融部",
        U::Corporate,
        false,
        Some(2),
        false,
        Some("com.example.dexguard"),
    ),
    spec(
        "手机银行小程序",
        F::WechatMini,
        S::Live,
        "零售银行部",
        U::Retail,
        false,
        Some(2),
        false,
        Some("wx1a2b3c4d5e6f7a8b"),
    ),
    spec(
        "信用卡小程序",
        F::WechatMini,
        S::Live,
        "信用卡中心",
        U::Retail,
        false,
        Some(2),
        true,
        Some("wx2b3c4d5e6f7a8b9c"),
    ),
    spec(
        "积分商城小程序",
        F::WechatMini,
        S::Live,
        "信用卡中心",
        U::Retail,
        false,
        None,
        true,
        Some("wx3c4d5e6f7a8b9c0d"),
    ),
    spec(
        "网点预约",
        F::WechatMini,
        S::Retiring,
        "零售银行部",
        U::Retail,
        false,
        Some(2),
        false,
        Some("wx4d5e6f7a8b9c0d1e"),
    ),
    spec(
        "支付宝生活号小程序",
        F::AlipayMini,
        S::Live,
        "零售银行部",
        U::Retail,
        false,
        Some(2),
        false,
        Some("2021000000000001"),
    ),
    spec(
        "养老金融服务号",
        F::OfficialAccount,
        S::Live,
        "财富管理部",
        U::Retail,
        false,
        None,
        false,
        Some("gh_1a2b3c4d5e6f"),
    ),
    spec(
        "示例银行订阅号",
        F::OfficialAccount,
        S::Live,
        "办公室",
        U::Retail,
        false,
        None,
        false,
        Some("gh_2b3c4d5e6f7a"),
    ),
    spec(
        "上海分行服务号",
        F::OfficialAccount,
        S::Live,
        "上海分行",
        U::Retail,
        false,
        None,
        false,
        Some("gh_3c4d5e6f7a8b"),
    ),
    spec(
        "深圳分行小程序",
        F::WechatMini,
        S::Live,
        "深圳分行",
        U::Retail,
        false,
        None,
        false,
        Some("wx5e6f7a8b9c0d1e2f"),
    ),
    spec(
        "在线开户H5",
        F::H5,
        S::Live,
        "零售银行部",
        U::Retail,
        false,
        Some(3),
        false,
        None,
    ),
    spec(
        "贷款申请H5",
        F::H5,
        S::Live,
        "普惠金融部",
        U::Retail,
        false,
        Some(2),
        true,
        None,
    ),
    spec(
        "快捷缴费快应用",
        F::QuickApp,
        S::Live,
        "零售银行部",
        U::Retail,
        false,
        None,
        false,
        Some("cn.example.pay.quick"),
    ),
    spec(
        "柜员助手",
        F::Android,
        S::Live,
        "运营管理部",
        U::Staff,
        false,
        Some(2),
        false,
        Some("cn.example.teller"),
    ),
    spec(
        "风险预警",
        F::Android,
        S::Live,
        "风险管理部",
        U::Staff,
        false,
        Some(2),
        false,
        Some("cn.example.risk"),
    ),
    spec(
        "审计移动作业",
        F::Ios,
        S::Live,
        "内审部",
        U::Staff,
        false,
        Some(2),
        false,
        Some("cn.example.audit"),
    ),
    spec(
        "客户经理助手",
        F::Android,
        S::InDevelopment,
        "公司银行部",
        U::Staff,
        false,
        None,
        true,
        Some("cn.example.rm"),
    ),
    spec(
        "智能投顾",
        F::Android,
        S::Admitted,
        "财富管理部",
        U::Retail,
        false,
        None,
        true,
        Some("cn.example.robo"),
    ),
    spec(
        "跨境汇款",
        F::Ios,
        S::Admitted,
        "国际业务部",
        U::Retail,
        true,
        Some(3),
        false,
        Some("cn.example.remit"),
    ),
    spec(
        "车险理赔",
        F::Android,
        S::Proposed,
        "零售银行部",
        U::Retail,
        false,
        None,
        true,
        None,
    ),
    spec(
        "校园卡",
        F::WechatMini,
        S::Proposed,
        "上海分行",
        U::Retail,
        false,
        None,
        false,
        None,
    ),
    spec(
        "外汇宝",
        F::Android,
        S::Rejected,
        "金融市场部",
        U::Retail,
        false,
        None,
        false,
        None,
    ),
    spec(
        "旧版手机银行",
        F::Android,
        S::Retired,
        "零售银行部",
        U::Retail,
        false,
        Some(3),
        false,
        Some("cn.example.bank.legacy"),
    ),
    spec(
        "贵金属交易",
        F::Android,
        S::Archived,
        "金融市场部",
        U::Retail,
        false,
        Some(3),
        false,
        Some("cn.example.gold"),
    ),
    spec(
        "理财小程序（旧）",
        F::WechatMini,
        S::Retired,
        "财富管理部",
        U::Retail,
        false,
        None,
        false,
        Some("wx6f7a8b9c0d1e2f3a"),
    ),
    spec(
        "员工食堂",
        F::WechatMini,
        S::Live,
        "办公室",
        U::Staff,
        false,
        None,
        true,
        Some("wx7a8b9c0d1e2f3a4b"),
    ),
    spec(
        "深圳分行生活圈",
        F::H5,
        S::Live,
        "深圳分行",
        U::Retail,
        false,
        None,
        true,
        None,
    ),
    spec(
        "企业财资",
        F::Harmony,
        S::Live,
        "公司银行部",
        U::Corporate,
        true,
        Some(3),
        false,
        Some("cn.example.treasury"),
    ),
    spec(
        "手机银行（适老版）",
        F::Android,
        S::Live,
        "零售银行部",
        U::Retail,
        false,
        Some(3),
        false,
        Some("cn.example.bank.care"),
    ),
];

/// Loads the demo; returns a summary for the terminal.
pub async fn load(
    store: &Store,
    engine: &Engine,
    today: Date,
    corpus: Option<&Path>,
) -> Result<String> {
    // ---- organisation and people
    let bank = insert(
        store,
        OrgNode {
            id: String::new(),
            kind: OrgKind::Institution,
            name: "示例银行股份有限公司".into(),
            parent_id: None,
            credit_code: Some("91310000MA1FL0000X".into()),
            regulator: Some("国家金融监督管理总局上海监管局".into()),
            version: 0,
        },
    )
    .await?;
    let mut depts: BTreeMap<&str, String> = BTreeMap::new();
    for (name, kind) in [
        ("零售银行部", OrgKind::Department),
        ("信用卡中心", OrgKind::Department),
        ("公司银行部", OrgKind::Department),
        ("财富管理部", OrgKind::Department),
        ("普惠金融部", OrgKind::Department),
        ("信息科技部", OrgKind::Department),
        ("风险管理部", OrgKind::Department),
        ("内审部", OrgKind::Department),
        ("运营管理部", OrgKind::Department),
        ("金融市场部", OrgKind::Department),
        ("国际业务部", OrgKind::Department),
        ("办公室", OrgKind::Department),
        ("上海分行", OrgKind::Branch),
        ("深圳分行", OrgKind::Branch),
    ] {
        let o = insert(
            store,
            OrgNode {
                id: String::new(),
                kind,
                name: name.into(),
                parent_id: Some(bank.id.clone()),
                credit_code: None,
                regulator: None,
                version: 0,
            },
        )
        .await?;
        depts.insert(name, o.id);
    }
    let mut people: Vec<Person> = Vec::new();
    for (name, dept, title, role) in [
        ("王立新", "零售银行部", "总经理", Role::AppOwner),
        ("陈静", "信用卡中心", "产品经理", Role::AppOwner),
        ("刘洋", "公司银行部", "副总经理", Role::AppOwner),
        ("赵敏", "财富管理部", "产品经理", Role::AppOwner),
        ("孙浩", "信息科技部", "架构师", Role::TechOwner),
        ("周琳", "信息科技部", "安全主管", Role::SecurityOwner),
        ("吴磊", "零售银行部", "数据主管", Role::DataOwner),
        ("郑爽", "风险管理部", "合规经理", Role::Compliance),
        ("黄蕾", "信息科技部", "移动应用归口管理", Role::Governance),
        ("林涛", "内审部", "审计经理", Role::Auditor),
        ("何芳", "普惠金融部", "产品经理", Role::AppOwner),
        ("马超", "上海分行", "科技主管", Role::AppOwner),
    ] {
        people.push(
            insert(
                store,
                Person {
                    id: String::new(),
                    name: name.into(),
                    org_id: depts.get(dept).cloned(),
                    title: Some(title.into()),
                    contact: None,
                    roles: vec![role],
                    external: false,
                    version: 0,
                },
            )
            .await?,
        );
    }
    let person = |n: &str| people.iter().find(|p| p.name == n).map(|p| p.id.clone());

    // ---- apps
    let mut apps: BTreeMap<&str, App> = BTreeMap::new();
    for (i, sp) in APPS.iter().enumerate() {
        let owner = match sp.dept {
            "零售银行部" => "王立新",
            "信用卡中心" => "陈静",
            "公司银行部" => "刘洋",
            "财富管理部" => "赵敏",
            "普惠金融部" => "何芳",
            "上海分行" | "深圳分行" => "马超",
            _ => "黄蕾",
        };
        // A few gaps on purpose, so the ledger checks have something to say.
        let gap = i % 9 == 4;
        let app = App {
            id: String::new(),
            name: sp.name.into(),
            aliases: vec![],
            form: sp.form,
            operator_id: Some(bank.id.clone()),
            purpose: Some(format!("{}的{}服务", sp.dept, sp.segment.label_zh())),
            functions: vec![],
            user_segment: Some(sp.segment),
            regions: vec!["全国".into()],
            department_id: depts.get(sp.dept).cloned(),
            responsible_person_id: if gap { None } else { person(owner) },
            tech_owner_id: person("孙浩"),
            security_owner_id: person("周琳"),
            data_owner_id: if i % 7 == 3 { None } else { person("吴磊") },
            state: sp.state,
            important_system: sp.important,
            mlps_level: sp.mlps,
            elderly_mode: sp.segment == U::Retail && i % 5 != 2,
            minors_policy: (i % 6 != 1).then_some(MinorsPolicy::NotForMinors),
            privacy_policy_url: Some(format!("https://www.example-bank.cn/privacy/{i}")),
            complaint_channel: Some("95500".into()),
            third_party_operated: sp.third_party,
            merged_into: None,
            version: 0,
        };
        let app = insert(store, app).await?;
        if let Some(identifier) = sp.identifier {
            insert(
                store,
                AppIdentity {
                    id: String::new(),
                    app_id: app.id.clone(),
                    platform: sp.form.platform(),
                    identifier: identifier.into(),
                    developer_id: None,
                    certificates: vec![],
                    key_custodian: Some("信息科技部".into()),
                    version: 0,
                },
            )
            .await?;
        }
        // Admission approvals on record for all but two apps in service.
        let needs_admission = !matches!(sp.state, S::Proposed | S::Rejected);
        if needs_admission && i != 17 && i != 23 {
            let mut t = Transition {
                id: String::new(),
                object_kind: "app".into(),
                object_id: app.id.clone(),
                from_state: "proposed".into(),
                to_state: "admitted".into(),
                gate: Some(GateId::Admission),
                requested_by: "王立新".into(),
                requested_at: format!("{}T02:00:00Z", days(today, -400 + i as i64)),
                reason: "新应用立项 / new app".into(),
                status: TransitionStatus::Approved,
                approval: None,
                version: 0,
            };
            let mut tx = store.write(ACTOR).await?;
            tx.insert(&mut t).await?;
            tx.commit().await?;
        }
        apps.insert(sp.name, app);
    }

    // ---- publishing accounts and listings
    let own = insert(
        store,
        PublishingAccount {
            id: String::new(),
            channel: Channel::HuaweiAppGallery,
            account_name: "示例银行股份有限公司".into(),
            holder: "示例银行股份有限公司".into(),
            holder_org_id: Some(bank.id.clone()),
            admin_person_id: person("黄蕾"),
            two_factor: true,
            last_access_review: Some(days(today, -60)),
            status: AccountStatus::Active,
            version: 0,
        },
    )
    .await?;
    let vendor = insert(
        store,
        PublishingAccount {
            id: String::new(),
            channel: Channel::Xiaomi,
            account_name: "财富科技开发者".into(),
            holder: "某外包科技有限公司".into(),
            holder_org_id: None,
            admin_person_id: None,
            two_factor: false,
            last_access_review: None,
            status: AccountStatus::Active,
            version: 0,
        },
    )
    .await?;
    for (app, acc, channel) in [
        ("掌上银行", &own, Channel::HuaweiAppGallery),
        ("信用卡", &own, Channel::HuaweiAppGallery),
        ("财富管理", &vendor, Channel::Xiaomi),
    ] {
        insert(
            store,
            Listing {
                id: String::new(),
                app_id: apps[app].id.clone(),
                channel,
                account_id: Some(acc.id.clone()),
                store_url: None,
                listed_version: None,
                observed_sha256: None,
                observed_on: Some(days(today, -3)),
                state: ListingState::Listed,
                version: 0,
            },
        )
        .await?;
    }

    // ---- filings: all packaged apps in service but two
    for (i, (name, app)) in apps.iter().enumerate() {
        let packaged = appgov_compliance::packaged(app.form);
        if !(packaged && appgov_compliance::checks::is_serving(app.state)) || i % 11 == 5 {
            continue;
        }
        insert(
            store,
            Filing {
                id: String::new(),
                app_id: app.id.clone(),
                kind: FilingKind::MiitApp,
                authority: Some("上海市通信管理局".into()),
                number: Some(format!("沪ICP备2024{:06}号-{}A", 10000 + i, i % 9 + 1)),
                state: FilingState::Approved,
                filed: FiledFacts::default(),
                submitted_on: Some(days(today, -300)),
                approved_on: Some(days(today, -280)),
                version: 0,
            },
        )
        .await?;
        if app.important_system && *name != "企业财资" {
            insert(
                store,
                Filing {
                    id: String::new(),
                    app_id: app.id.clone(),
                    kind: FilingKind::ImportantSystem,
                    authority: Some("国家金融监督管理总局上海监管局".into()),
                    number: None,
                    state: FilingState::Submitted,
                    filed: FiledFacts::default(),
                    submitted_on: Some(days(today, -250)),
                    approved_on: None,
                    version: 0,
                },
            )
            .await?;
        }
    }

    // ---- third parties and agreements
    let vendor_tp = insert(
        store,
        ThirdParty {
            id: String::new(),
            name: "某外包科技有限公司".into(),
            kind: ThirdPartyKind::OutsourcedDevelopment,
            credit_code: None,
            country: Some("CN".into()),
            risk_tier: Some("重要".into()),
            contact: None,
            version: 0,
        },
    )
    .await?;
    for (n, (app, ends)) in [("财富管理", 200), ("信用卡小程序", -20), ("贷款申请H5", 90)]
        .into_iter()
        .enumerate()
    {
        insert(
            store,
            Agreement {
                id: String::new(),
                third_party_id: vendor_tp.id.clone(),
                kind: AgreementKind::Outsourcing,
                title: format!("{app}外包开发与运维合同"),
                app_ids: vec![apps[app].id.clone()],
                sdks: vec![],
                data_shared: vec!["客户联系方式".into()],
                audit_right: true,
                exit_clause: n != 1,
                starts_on: Some(days(today, -500)),
                ends_on: Some(days(today, ends)),
                state: if ends < 0 {
                    AgreementState::Expired
                } else {
                    AgreementState::Active
                },
                document_sha256: None,
                version: 0,
            },
        )
        .await?;
    }
    insert(
        store,
        AccessGrant {
            id: String::new(),
            third_party_id: vendor_tp.id.clone(),
            person: "外包工程师 张三".into(),
            system: "财富管理生产数据库".into(),
            privilege: "只读".into(),
            justification: "生产问题排查".into(),
            granted_on: days(today, -500),
            expires_on: Some(days(today, -30)),
            last_reviewed_on: None,
            reviewer: None,
            version: 0,
        },
    )
    .await?;

    // ---- releases from the corpus
    let mut releases = 0;
    let mut skipped = Vec::new();
    if let Some(dir) = corpus {
        let knowledge = Knowledge::builtin().context("built-in knowledge")?;
        let options = appgov_options::scan_options(&knowledge).map_err(anyhow::Error::msg)?;
        for (app, rel) in PACKAGES {
            let path = dir.join(rel);
            let Ok(bytes) = std::fs::read(&path) else {
                skipped.push(rel.to_string());
                continue;
            };
            let mut facts = scan_file(&path, &options);
            if facts.error.is_some() {
                skipped.push(rel.to_string());
                continue;
            }
            let analysis = check_facts(&mut facts, &knowledge, None, &format_date(today));
            store.files().put(&bytes)?;
            appgov_workflow::releases::record_release(
                store,
                ACTOR,
                &apps[app].id,
                &facts,
                &analysis,
            )
            .await
            .with_context(|| format!("recording {rel}"))?;
            releases += 1;
        }
    }

    // ---- obligations: planned, then placed in every state
    wc::refresh(store, engine, ACTOR, today).await?;
    let data = wc::load(store).await?;
    let q = |t: &str| format!("nfra-2024-99/{t}");
    let mut obligations = data.obligations.clone();
    obligations.sort_by(|a, b| a.id.cmp(&b.id));
    let find = |obs: &[Obligation], app: &str, t: &str| -> Option<Obligation> {
        let id = apps.get(app).map(|a| a.id.clone());
        obs.iter()
            .find(|o| o.app_id == id && o.template == q(t) && o.state == ObligationState::Open)
            .cloned()
    };
    let update = async |mut o: Obligation| -> Result<Obligation> {
        let mut tx = store.write(ACTOR).await?;
        tx.update(&mut o).await?;
        tx.commit().await?;
        Ok(o)
    };
    // Spread the first due dates over the coming year, as a ledger that has
    // run for a while looks (a fresh plan has them all 30 days out).
    for (i, o) in obligations.iter_mut().enumerate() {
        if o.triggered_by == "schedule" && o.state == ObligationState::Open {
            o.due_on = days(today, 20 + (i as i64 * 53) % 330);
            *o = update(o.clone()).await?;
        }
    }
    // An app retired after its duties were planned: they are cancelled.
    {
        let mut a = store
            .get::<App>(&apps["网点预约"].id)
            .await?
            .expect("recorded");
        a.state = AppState::Retired;
        let mut tx = store.write(ACTOR).await?;
        tx.update(&mut a).await?;
        tx.commit().await?;
        wc::refresh(store, engine, ACTOR, today).await?;
        obligations = wc::load(store).await?.obligations;
        obligations.sort_by(|a, b| a.id.cmp(&b.id));
    }
    // Overdue: risk assessments and drills of several apps, the account review.
    for (app, t, due) in [
        ("掌上银行", "risk-assessment", -45),
        ("信用卡", "risk-assessment", -12),
        ("企业网银", "mlps-test-l4", -20),
        ("手机银行小程序", "compliance-inspection", -5),
        ("数字人民币钱包", "drill", -70),
        ("财富管理", "outsourcing-review", -33),
    ] {
        if let Some(mut o) = find(&obligations, app, t) {
            o.due_on = days(today, due);
            o.reminded_on = Some(days(today, due - 30));
            update(o).await?;
        }
    }
    if let Some(mut o) = obligations
        .iter()
        .find(|o| o.app_id.is_none() && o.template == q("account-review"))
        .cloned()
    {
        o.due_on = days(today, -8);
        update(o).await?;
    }
    // Upcoming far away and due soon.
    for (app, t, due) in [
        ("企业网银 iOS", "risk-assessment", 200),
        ("信用卡 iOS", "audit", 600),
        ("移动办公", "risk-assessment", 9),
    ] {
        if let Some(mut o) = find(&obligations, app, t) {
            o.due_on = days(today, due);
            update(o).await?;
        }
    }
    // Waived (a duty an approved exception covers) and done with evidence.
    if let Some(mut o) = find(&obligations, "手机银行（适老版）", "drill") {
        o.state = ObligationState::Waived;
        o.note = Some("与掌上银行同城双活切换演练合并开展 / exercised together with 掌上银行's fail-over drill".into());
        update(o).await?;
    }
    let mut evidence_count = 0;
    for (app, t, kind, done, title) in [
        (
            "掌上银行 iOS",
            "risk-assessment",
            EvidenceKind::RiskAssessmentReport,
            -40,
            "掌上银行iOS年度风险评估报告",
        ),
        (
            "企业网银 iOS",
            "mlps-test-l4",
            EvidenceKind::MlpsTestReport,
            -15,
            "企业网银等保四级测评报告",
        ),
        (
            "信用卡 iOS",
            "drill",
            EvidenceKind::DrillRecord,
            -100,
            "信用卡系统切换演练记录",
        ),
        (
            "企业财资",
            "compliance-inspection",
            EvidenceKind::ComplianceInspection,
            -2,
            "企业财资业务合规检查记录",
        ),
    ] {
        let Some(mut o) = find(&obligations, app, t) else {
            continue;
        };
        // Due before it was done for the "done late" case.
        o.due_on = days(today, if t == "drill" { -130 } else { done + 10 });
        let o = update(o).await?;
        let body = format!(
            "{title}\n示例银行股份有限公司\n生效日期：{}\n（演示数据 / demo data）\n",
            days(today, done)
        );
        wc::submit_evidence(
            store,
            engine,
            "郑爽",
            EvidenceSubmission {
                evidence_id: None,
                title: title.into(),
                kind,
                app_ids: vec![],
                requirement_ids: vec![],
                org_id: None,
                file_name: format!("{title}.txt"),
                bytes: body.as_bytes(),
                effective_on: days(today, done),
                expires_on: None,
                fields: demo_fields(
                    kind,
                    &days(today, done),
                    &format!("SLB-{}-{:03}", today.year(), evidence_count + 1),
                ),
                note: None,
                obligation_id: Some(o.id.clone()),
                request_id: None,
            },
            today,
        )
        .await?;
        evidence_count += 1;
    }

    // ---- registers
    let (_, opened_major) = wc::record_incident(
        store,
        engine,
        ACTOR,
        Incident {
            id: String::new(),
            app_id: Some(apps["掌上银行"].id.clone()),
            title: "手机银行转账服务中断约2小时".into(),
            severity: IncidentSeverity::Major,
            category: Some("服务中断".into()),
            occurred_on: days(today, -21),
            detected_on: days(today, -21),
            description: Some("核心系统升级后接口超时，移动端转账失败。".into()),
            regulator_reported_on: None,
            state: IncidentState::Resolved,
            closed_on: None,
            version: 0,
        },
        today,
    )
    .await?;
    wc::record_incident(
        store,
        engine,
        ACTOR,
        Incident {
            id: String::new(),
            app_id: Some(apps["信用卡小程序"].id.clone()),
            title: "小程序活动页加载缓慢".into(),
            severity: IncidentSeverity::Minor,
            category: Some("性能".into()),
            occurred_on: days(today, -50),
            detected_on: days(today, -50),
            description: None,
            regulator_reported_on: None,
            state: IncidentState::Closed,
            closed_on: Some(days(today, -49)),
            version: 0,
        },
        today,
    )
    .await?;
    for (app, received, cat, handled) in [
        (
            "掌上银行",
            -40,
            ComplaintCategory::AccountCancellation,
            None,
        ),
        ("信用卡", -10, ComplaintCategory::PiDeletion, None),
        ("财富管理", -30, ComplaintCategory::Privacy, Some(-20)),
    ] {
        let mut c = wc::record_complaint(
            store,
            engine,
            ACTOR,
            Complaint {
                id: String::new(),
                app_id: Some(apps[app].id.clone()),
                received_on: days(today, received),
                channel: Some("客服热线".into()),
                category: cat,
                summary: format!("客户来电：{}", cat.label_zh()),
                due_on: days(today, received),
                due_exact: true,
                handled_on: None,
                outcome: None,
                state: ComplaintState::Open,
                version: 0,
            },
        )
        .await?;
        if let Some(h) = handled {
            c.state = ComplaintState::Handled;
            c.handled_on = Some(days(today, h));
            c.outcome = Some("已答复客户并完成整改".into());
            let mut tx = store.write(ACTOR).await?;
            tx.update(&mut c).await?;
            tx.commit().await?;
        }
    }
    let case = |name: &str, app: &str, detected: i64, state: CounterfeitState| CounterfeitCase {
        id: String::new(),
        app_id: Some(apps[app].id.clone()),
        counterfeit_name: name.into(),
        found_at: "第三方下载站 https://apk-mirror.example.net/".into(),
        detected_on: days(today, detected),
        state,
        confirmed_on: None,
        clarified_on: None,
        clarification_url: None,
        reported_on: None,
        taken_down_on: None,
        closed_on: None,
        note: None,
        version: 0,
    };
    wc::save_counterfeit(
        store,
        engine,
        ACTOR,
        case("掌上銀行Pro", "掌上银行", -9, CounterfeitState::Detected),
        today,
    )
    .await?;
    let mut confirmed = case(
        "示例银行信用卡提额",
        "信用卡",
        -15,
        CounterfeitState::Confirmed,
    );
    confirmed.confirmed_on = Some(days(today, -14));
    wc::save_counterfeit(store, engine, ACTOR, confirmed, today).await?;
    let mut closed = case(
        "示例银行（安全版）",
        "掌上银行",
        -120,
        CounterfeitState::Closed,
    );
    closed.confirmed_on = Some(days(today, -119));
    closed.clarified_on = Some(days(today, -118));
    closed.clarification_url = Some("https://www.example-bank.cn/notice/anti-fraud-1".into());
    closed.reported_on = Some(days(today, -117));
    closed.taken_down_on = Some(days(today, -110));
    closed.closed_on = Some(days(today, -100));
    wc::save_counterfeit(store, engine, ACTOR, closed, today).await?;
    wc::save_counterfeit(
        store,
        engine,
        ACTOR,
        case(
            "示例银行计算器",
            "掌上银行",
            -30,
            CounterfeitState::Dismissed,
        ),
        today,
    )
    .await?;
    for (app, scenario, planned, held) in [
        ("掌上银行", "同城双活切换演练", -90, Some(-88)),
        ("企业网银", "数据库故障恢复演练", 40, None),
    ] {
        insert(
            store,
            Drill {
                id: String::new(),
                app_id: Some(apps[app].id.clone()),
                scenario: scenario.into(),
                planned_on: days(today, planned),
                held_on: held.map(|h| days(today, h)),
                participants: Some("信息科技部、零售银行部".into()),
                outcome: held.map(|_| "切换成功，RTO 18 分钟".into()),
                state: if held.is_some() {
                    DrillState::Held
                } else {
                    DrillState::Planned
                },
                version: 0,
            },
        )
        .await?;
    }
    wc::record_os_release(
        store,
        engine,
        ACTOR,
        OsRelease {
            id: String::new(),
            platform: Platform::Harmony,
            name: "HarmonyOS 6".into(),
            announced_on: days(today, -40),
            ships_on: Some(days(today, 20)),
            version: 0,
        },
        today,
    )
    .await?;

    // ---- assessments: last year's completed, this year's carried forward
    let mut assessed = 0;
    for app in ["掌上银行", "信用卡", "企业网银"] {
        let (last, results) = wc::start_assessment(
            store,
            engine,
            ACTOR,
            Assessment {
                id: String::new(),
                kind: AssessmentKind::AnnualRiskAssessment,
                app_id: Some(apps[app].id.clone()),
                title: format!("{app} {} 年度风险评估", today.year() - 1),
                period: (today.year() - 1).to_string(),
                baseline_id: None,
                lead_person_id: person("郑爽"),
                started_on: Some(days(today, -420)),
                completed_on: None,
                state: AssessmentState::InProgress,
                summary: None,
                obligation_id: None,
                version: 0,
            },
        )
        .await?;
        for (k, r) in results.iter().enumerate() {
            let v = match k % 7 {
                0 => ResultValue::Partial,
                3 => ResultValue::NonCompliant,
                _ => ResultValue::Compliant,
            };
            wc::record_result(store, "林涛", &r.id, v, Some("演示评估结论".into()), today).await?;
        }
        let mut last = store
            .get::<Assessment>(&last.id)
            .await?
            .expect("just written");
        last.state = AssessmentState::Completed;
        last.completed_on = Some(days(today, -400));
        last.summary = Some("总体风险可控，个别要求部分符合。".into());
        let mut tx = store.write(ACTOR).await?;
        tx.update(&mut last).await?;
        tx.commit().await?;
        wc::start_assessment(
            store,
            engine,
            ACTOR,
            Assessment {
                id: String::new(),
                kind: AssessmentKind::AnnualRiskAssessment,
                app_id: Some(apps[app].id.clone()),
                title: format!("{app} {} 年度风险评估", today.year()),
                period: today.year().to_string(),
                baseline_id: None,
                lead_person_id: person("郑爽"),
                started_on: Some(days(today, -10)),
                completed_on: None,
                state: AssessmentState::InProgress,
                summary: None,
                obligation_id: None,
                version: 0,
            },
        )
        .await?;
        assessed += 1;
    }
    let ex = insert(
        store,
        RiskException {
            id: String::new(),
            kind: ExceptionKind::RiskAcceptance,
            app_id: Some(apps["普惠金融"].id.clone()),
            requirement_id: "nfra-2024-99:a12.2".into(),
            reason: "加固方案更换中，期间以运行时监测补偿".into(),
            compensating_controls: Some("服务端设备指纹与风控".into()),
            requested_by: "何芳".into(),
            approver: None,
            approved_on: None,
            expires_on: days(today, 90),
            state: ExceptionState::Requested,
            version: 0,
        },
    )
    .await?;
    wc::approve_exception(store, "周琳", &ex.id, today).await?;
    insert(
        store,
        RiskException {
            id: String::new(),
            kind: ExceptionKind::Exception,
            app_id: Some(apps["员工食堂"].id.clone()),
            requirement_id: "nfra-2024-99:a11.1".into(),
            reason: "内部小程序，仅员工使用".into(),
            compensating_controls: None,
            requested_by: "黄蕾".into(),
            approver: None,
            approved_on: None,
            expires_on: days(today, 180),
            state: ExceptionState::Requested,
            version: 0,
        },
    )
    .await?;

    let data = wc::load(store).await?;
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for o in &data.obligations {
        *by_status
            .entry(appgov_compliance::status(o, today).key())
            .or_insert(0) += 1;
    }
    let mut out = format!(
        "demo loaded: 示例银行股份有限公司, {} apps, {} people, {releases} releases from the corpus, {} obligations ({}), {} incidents ({} obligations opened by the major one), {} complaints, {} counterfeit cases, {assessed} apps with a completed risk assessment and this year's carried forward, {evidence_count} pieces of evidence",
        data.apps.len(),
        data.people.len(),
        data.obligations.len(),
        by_status
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        data.incidents.len(),
        opened_major.len(),
        data.complaints.len(),
        data.counterfeits.len(),
    );
    if corpus.is_none() {
        out.push_str("\nno corpus found (--corpus DIR): apps have no releases");
    } else if !skipped.is_empty() {
        out.push_str(&format!(
            "\nskipped (not in the corpus or unreadable): {}",
            skipped.join(", ")
        ));
    }
    Ok(out)
}

/// The typed form's fields of a demo document (kinds without a form take
/// none).
fn demo_fields(kind: EvidenceKind, on: &str, number: &str) -> BTreeMap<String, String> {
    let pairs: Vec<(&str, String)> = match kind {
        EvidenceKind::RiskAssessmentReport => vec![
            ("assessor", "信息科技部风险管理处".into()),
            ("period", on[..4].to_string()),
            ("report_date", on.into()),
            ("high_risks", "1".into()),
        ],
        EvidenceKind::DrillRecord => vec![
            ("drill_date", on.into()),
            ("scenario", "信用卡核心系统主备切换".into()),
            ("participants", "信用卡中心、信息科技部、运营管理部".into()),
            ("outcome", "passed".into()),
            (
                "follow_ups",
                format!("切换耗时超出预案 5 分钟，已列入整改（{number}）"),
            ),
        ],
        EvidenceKind::AuditReport => vec![
            ("auditor", "内部审计部".into()),
            ("period", on[..4].to_string()),
            ("report_number", number.into()),
            ("report_date", on.into()),
            ("findings", "3".into()),
        ],
        _ => vec![],
    };
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
