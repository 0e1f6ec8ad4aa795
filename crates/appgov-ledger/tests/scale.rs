//! The views on a bank-group-sized ledger: 100,000 apps and 1,000,000
//! releases. Ignored by default (it is a measurement, not a check); run
//! with `cargo test --release -p appgov-ledger --test scale -- --ignored
//! --nocapture`. It asserts only that the views finish and find what was
//! planted; the times go to docs/PERFORMANCE.md.

mod common;

use std::time::Instant;

use appgov_ledger::*;
use common::*;

const FUNCS: [&str; 40] = [
    "转账",
    "理财",
    "账户查询",
    "信用卡",
    "贷款",
    "基金",
    "保险",
    "外汇",
    "贵金属",
    "缴费",
    "扫码支付",
    "手机充值",
    "积分",
    "客服",
    "网点预约",
    "养老金",
    "社保",
    "医保",
    "公积金",
    "税费",
    "存款",
    "大额存单",
    "国债",
    "跨境汇款",
    "商户收款",
    "代发工资",
    "票据",
    "供应链",
    "对账",
    "发票",
    "电子回单",
    "生活缴费",
    "出行",
    "消费分期",
    "红包",
    "会员",
    "资讯",
    "行情",
    "风险测评",
    "财富规划",
];

fn ledger(apps: usize, releases_per_app: usize) -> LedgerSnapshot {
    let mut s = fixture();
    let forms = [AppForm::Android, AppForm::Ios, AppForm::WechatMini];
    let segs = [
        UserSegment::Retail,
        UserSegment::Corporate,
        UserSegment::Staff,
    ];
    for n in 0..apps {
        let id = format!("app{n:06}");
        // A pseudo-random but fixed pick of 3–6 functions.
        let k = 3 + n % 4;
        let funcs: Vec<&str> = (0..k)
            .map(|j| FUNCS[(n * 7 + j * 13 + n / 40) % 40])
            .collect();
        let mut a = app(&id, &funcs);
        a.form = forms[n % 3];
        a.user_segment = Some(segs[(n / 3) % 3]);
        if n % 10 == 0 {
            a.data_owner_id = None;
        }
        s.apps.push(a);
        s.identities
            .push(identity(&format!("i{n}"), &id, PKG, &[CERT_A]));
        s.listings
            .push(listing(&format!("l{n}"), &id, Some("acc1")));
        s.filings.push(filing(
            &format!("f{n}"),
            &id,
            FilingKind::MiitApp,
            FilingState::Approved,
            filed_for_r1(),
        ));
        s.metrics.push(metric(
            &format!("m{n}a"),
            &id,
            "2026-01",
            Some(10_000 + (n as i64 % 50_000)),
        ));
        s.metrics.push(metric(
            &format!("m{n}b"),
            &id,
            "2026-02",
            Some(9_000 + (n as i64 % 50_000)),
        ));
        for r in 0..releases_per_app {
            let state = if r + 1 == releases_per_app {
                ReleaseState::Live
            } else {
                ReleaseState::Superseded
            };
            let signer = if n % 1000 == 0 && r + 1 == releases_per_app {
                CERT_B
            } else {
                CERT_A
            };
            let rel = release(&format!("r{n}-{r}"), &id, r as i64, state, &[signer]);
            if r + 1 == releases_per_app {
                s.sdk_usages.push(sdk(
                    &format!("u{n}"),
                    &rel.id,
                    "umeng-analytics",
                    &["device_id"],
                ));
            }
            s.releases.push(rel);
        }
    }
    s
}

#[test]
#[ignore]
fn views_on_100k_apps_and_1m_releases() {
    for (apps, per) in [(10_000, 10), (100_000, 10)] {
        let t = Instant::now();
        let s = ledger(apps, per);
        let built = t.elapsed();
        let t = Instant::now();
        let v = ledger_views(&s, &ConsolidationRules::default(), TODAY);
        let took = t.elapsed();
        eprintln!(
            "{apps} apps, {} releases: built in {built:?}; all four views in {took:?} \
             (quality {} apps, continuity {} alerts, drift {}, consolidation {})",
            s.releases.len(),
            v.quality.len(),
            v.continuity.len(),
            v.drift.len(),
            v.consolidation.len()
        );
        assert_eq!(
            v.continuity.len(),
            apps / 1000,
            "one planted foreign key per 1000 apps"
        );
        assert!(v.quality.len() >= apps / 10);
    }
}
