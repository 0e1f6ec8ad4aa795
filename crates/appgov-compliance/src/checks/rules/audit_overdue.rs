use appgov_checks::{RuleMeta, declare_rule};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 每个在用应用的审计义务（距上次完成不超过 36 个月）是否逾期。
    ///
    /// ## 为何重要
    /// 第十七条要求至少每三年开展一次审计。
    ///
    /// ## 修复
    /// 由内审或外部审计开展审计，上传审计报告关闭义务。
    ///
    /// ## 依据
    /// - 《通知》第十七条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether each app's audit obligation (at most 36 months after the last one)
    /// is overdue.
    ///
    /// ## Why it matters
    /// Article 17 requires an audit at least every three years.
    ///
    /// ## Fix
    /// Have internal or external audit audit the app and upload the audit report to
    /// close the obligation.
    ///
    /// ## References
    /// - Notice, article 17
    pub struct AuditOverdue {
        id: "GOV-029",
        name: "audit-overdue",
        title_zh: "审计逾期",
        title_en: "Audit overdue",
        severity: High,
        articles: [17],
    }
}

impl LedgerRule for AuditOverdue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        cx.overdue_obligations(&Self::META, "audit", out);
    }
}
