use appgov_checks::{RuleMeta, declare_rule};
use appgov_ledger::{GateId, TransitionStatus};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 在线、复核中、暂停或退出中的应用是否有已批准的准入（准入闸口）记录。
    ///
    /// ## 为何重要
    /// 第二条要求健全新增准入机制；未经准入就上线的应用绕过了需求合并、责任落实和合规审核。历史应用通过台账导入时没有准入记录，
    /// 应补走准入或记录补批。
    ///
    /// ## 修复
    /// 对该应用补充发起准入审批（闸口：准入），附上当时的立项与合规材料。
    ///
    /// ## 依据
    /// - 《通知》第二条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether every app that is live, under review, suspended or retiring has an
    /// approved admission (the admission gate) on record.
    ///
    /// ## Why it matters
    /// Article 2 requires an admission process; an app that went live without one
    /// skipped requirement merging, ownership and the compliance review. Apps
    /// imported into the ledger from a spreadsheet have no admission on record and
    /// need a retrospective approval.
    ///
    /// ## Fix
    /// Request the admission move for the app (admission gate) with its original
    /// project and compliance documents.
    ///
    /// ## References
    /// - Notice, article 2
    pub struct LiveWithoutAdmission {
        id: "GOV-007",
        name: "live-without-admission",
        title_zh: "在用应用无准入审批",
        title_en: "App in service without an admission approval",
        severity: High,
        articles: [2],
    }
}

impl LedgerRule for LiveWithoutAdmission {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        for a in cx.serving_apps() {
            let admitted = cx.data.transitions.iter().any(|t| {
                t.object_kind == "app"
                    && t.object_id == a.id
                    && t.gate == Some(GateId::Admission)
                    && t.status == TransitionStatus::Approved
            });
            if !admitted {
                out.push(LedgerContext::finding(
                    &Self::META,
                    Some(&a.id),
                    Some(("app", &a.id)),
                    format!(
                        "{}：处于“{}”状态，但没有已批准的准入记录",
                        a.name,
                        a.state.label_zh()
                    ),
                    format!(
                        "{}: {} without an approved admission on record",
                        a.name,
                        a.state.as_str()
                    ),
                ));
            }
        }
    }
}
