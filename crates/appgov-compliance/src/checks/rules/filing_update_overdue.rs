use appgov_checks::{RuleMeta, declare_rule};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 签名证书、域名或SDK等备案信息变化后开启的备案变更义务是否逾期。
    ///
    /// ## 为何重要
    /// 第十一条要求依规备案；备案信息变更后应及时办理变更，否则备案与实际发布的安装包不一致。
    ///
    /// ## 修复
    /// 办理备案变更，在备案信息中更新并上传变更回执关闭义务。
    ///
    /// ## 依据
    /// - 《通知》第十一条；工信部信管〔2023〕105号
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether the filing-update obligations opened by a change of signer, domains
    /// or SDKs are overdue.
    ///
    /// ## Why it matters
    /// Article 11 requires the filings; after a change the filing must be updated,
    /// or it no longer describes the package being shipped.
    ///
    /// ## Fix
    /// Update the filing, record the new filed facts and upload the receipt to
    /// close the obligation.
    ///
    /// ## References
    /// - Notice, article 11; MIIT 2023 No. 105
    pub struct FilingUpdateOverdue {
        id: "GOV-036",
        name: "filing-update-overdue",
        title_zh: "备案变更逾期",
        title_en: "Filing update overdue",
        severity: High,
        articles: [11],
    }
}

impl LedgerRule for FilingUpdateOverdue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        cx.overdue_obligations(&Self::META, "filing-update", out);
    }
}
