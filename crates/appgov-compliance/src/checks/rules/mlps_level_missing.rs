use crate::library::customer_facing;
use appgov_checks::{RuleMeta, declare_rule};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 面向客户或属于重要信息系统的在用应用，是否登记了网络安全等级保护级别。
    ///
    /// ## 为何重要
    /// 第十二条要求落实网络安全等级保护制度；没有定级就无法确定测评周期和防护要求。
    ///
    /// ## 修复
    /// 完成定级备案，在应用页登记等保级别，并上传备案证明。
    ///
    /// ## 依据
    /// - 《通知》第十二条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether every app in use that serves customers or is an important system
    /// records its multi-level protection (MLPS) level.
    ///
    /// ## Why it matters
    /// Article 12 requires the multi-level protection scheme; without a level
    /// neither the test interval nor the protection baseline is known.
    ///
    /// ## Fix
    /// Grade and file the system, record the level on the app page and upload the
    /// filing certificate.
    ///
    /// ## References
    /// - Notice, article 12
    pub struct MlpsLevelMissing {
        id: "GOV-020",
        name: "mlps-level-missing",
        title_zh: "未登记等保级别",
        title_en: "No MLPS level recorded",
        severity: High,
        articles: [12],
    }
}

impl LedgerRule for MlpsLevelMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        for a in cx.active_apps() {
            if a.mlps_level.is_some() || !(a.important_system || customer_facing(a)) {
                continue;
            }
            out.push(LedgerContext::finding(
                &Self::META,
                Some(&a.id),
                Some(("app", &a.id)),
                format!("{}：未登记网络安全等级保护级别", a.name),
                format!("{}: no MLPS level recorded", a.name),
            ));
        }
    }
}
