use appgov_checks::{RuleMeta, declare_rule};
use appgov_ledger::ComplaintState;

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 处理中的投诉和个人信息请求（查阅、更正、删除、注销）是否超过 15 个工作日的处理期限。
    ///
    /// ## 为何重要
    /// 第十六条要求公布投诉渠道并及时处理隐私问题；认定方法以 15 个工作日为处理时限的上限。
    ///
    /// ## 修复
    /// 办结请求，在投诉登记簿中记录办结日期和结果。
    ///
    /// ## 依据
    /// - 《通知》第十六条；《App违法违规收集使用个人信息行为认定方法》
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether open complaints and personal-information requests (access,
    /// correction, deletion, cancellation) passed their 15-working-day deadline.
    ///
    /// ## Why it matters
    /// Article 16 requires a published complaint channel and prompt handling of
    /// privacy issues; the 2019 identification rules cap handling at 15 working
    /// days.
    ///
    /// ## Fix
    /// Handle the request and record the date and outcome in the complaints
    /// register.
    ///
    /// ## References
    /// - Notice, article 16; 2019 rules on identifying unlawful PI collection by apps
    pub struct ComplaintOverdue {
        id: "GOV-034",
        name: "complaint-overdue",
        title_zh: "投诉或个人信息请求处理超时",
        title_en: "Complaint or PI request overdue",
        severity: Medium,
        articles: [16],
    }
}

impl LedgerRule for ComplaintOverdue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        for c in &cx.data.complaints {
            if c.state != ComplaintState::Open {
                continue;
            }
            let Some(due) = LedgerContext::date(Some(&c.due_on)) else {
                continue;
            };
            if cx.today > due {
                let days = (cx.today - due).whole_days();
                let app = cx.app_name(c.app_id.as_deref());
                out.push(LedgerContext::finding(
                    &Self::META,
                    c.app_id.as_deref(),
                    Some(("complaint", &c.id)),
                    format!(
                        "{app}：{} 收到的{}应于 {} 前办结，已超期 {days} 天",
                        c.received_on,
                        c.category.label_zh(),
                        c.due_on
                    ),
                    format!(
                        "{app}: the {} received on {} was due by {}, {days} days late",
                        c.category.label_en().to_lowercase(),
                        c.received_on,
                        c.due_on
                    ),
                ));
            }
        }
    }
}
