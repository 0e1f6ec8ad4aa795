use appgov_checks::{RuleMeta, declare_rule};
use appgov_ledger::{FilingKind, FilingState};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 标记为重要信息系统的在线应用，是否有已提交或已通过的“重要信息系统报告”备案记录。
    ///
    /// ## 为何重要
    /// 第十一条要求属于重要信息系统的应用按投产变更规定向监管报告。
    ///
    /// ## 修复
    /// 按投产变更管理规定向监管报告，在应用的备案信息中登记报告（种类：重要信息系统报告）。
    ///
    /// ## 依据
    /// - 《通知》第十一条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether every live app flagged as an important information system has an
    /// important-system report submitted or approved.
    ///
    /// ## Why it matters
    /// Article 11 requires apps that are important information systems to be
    /// reported to the regulator under the production-and-change rules.
    ///
    /// ## Fix
    /// Report the app to the regulator and record the report among its filings
    /// (kind: important information system report).
    ///
    /// ## References
    /// - Notice, article 11
    pub struct ImportantSystemNotReported {
        id: "GOV-019",
        name: "important-system-not-reported",
        title_zh: "重要信息系统未报告",
        title_en: "Important system not reported",
        severity: High,
        articles: [11],
    }
}

impl LedgerRule for ImportantSystemNotReported {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        for a in cx.serving_apps().filter(|a| a.important_system) {
            let reported = cx.data.filings.iter().any(|f| {
                f.app_id == a.id
                    && f.kind == FilingKind::ImportantSystem
                    && matches!(f.state, FilingState::Submitted | FilingState::Approved)
            });
            if !reported {
                out.push(LedgerContext::finding(
                    &Self::META,
                    Some(&a.id),
                    Some(("app", &a.id)),
                    format!("{}：属于重要信息系统，但没有向监管报告的记录", a.name),
                    format!("{}: an important information system with no report to the regulator on record", a.name),
                ));
            }
        }
    }
}
