use crate::library::packaged;
use appgov_checks::{RuleMeta, declare_rule};
use appgov_ledger::{FilingKind, FilingState};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 在线服务的安卓、iOS、鸿蒙应用是否登记了已通过、带备案号的App备案。
    ///
    /// ## 为何重要
    /// 第十一条要求按规定办理移动互联网应用程序备案；未备案的应用不得在境内分发，应用商店也会下架。
    ///
    /// ## 修复
    /// 办理App备案，在应用的备案信息中登记备案号、备案的包名、签名和域名。
    ///
    /// ## 依据
    /// - 《通知》第十一条；工信部信管〔2023〕105号
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether every live Android, iOS or HarmonyOS app records an approved app
    /// filing with its number.
    ///
    /// ## Why it matters
    /// Article 11 requires the mobile-app filing; an unfiled app may not be
    /// distributed in China and stores take it down.
    ///
    /// ## Fix
    /// File the app with the authority and record the filing number with the filed
    /// package name, signer and domains.
    ///
    /// ## References
    /// - Notice, article 11; MIIT 2023 No. 105
    pub struct FilingMissing {
        id: "GOV-018",
        name: "filing-missing",
        title_zh: "缺少App备案号",
        title_en: "No app filing number",
        severity: High,
        articles: [11],
    }
}

impl LedgerRule for FilingMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        for a in cx.serving_apps().filter(|a| packaged(a.form)) {
            let filed = cx.data.filings.iter().any(|f| {
                f.app_id == a.id
                    && f.kind == FilingKind::MiitApp
                    && f.state == FilingState::Approved
                    && f.number.as_deref().is_some_and(|n| !n.trim().is_empty())
            });
            if !filed {
                out.push(LedgerContext::finding(
                    &Self::META,
                    Some(&a.id),
                    Some(("app", &a.id)),
                    format!("{}：在线服务但没有已通过的App备案号", a.name),
                    format!(
                        "{}: in service without an approved app filing number",
                        a.name
                    ),
                ));
            }
        }
    }
}
