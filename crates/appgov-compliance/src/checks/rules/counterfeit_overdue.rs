use appgov_checks::{RuleMeta, declare_rule};
use appgov_ledger::CounterfeitState;

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 仿冒案件是否在期限内公开澄清和报告监管（由“仿冒应用公开澄清”“仿冒应用报告监管”义务计时），以及发现后超过 3
    /// 个工作日仍未确认的案件。
    ///
    /// ## 为何重要
    /// 第九条要求发现仿冒应用后尽快公开澄清、及时向监管报告；拖延会让更多客户下载仿冒应用而受损。
    ///
    /// ## 修复
    /// 确认案件后发布澄清声明并报告监管，在案件页记录日期并上传声明和报告。
    ///
    /// ## 依据
    /// - 《通知》第九条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether counterfeit cases were clarified publicly and reported to the
    /// regulator in time (clocked by the clarification and report obligations), and
    /// cases still unconfirmed 3 working days after detection.
    ///
    /// ## Why it matters
    /// Article 9 requires a public clarification as soon as possible and a timely
    /// report to the regulator once a counterfeit is found; every day of delay lets
    /// more customers install it.
    ///
    /// ## Fix
    /// Confirm the case, publish the clarification and report to the regulator;
    /// record the dates on the case and upload the statement and the report.
    ///
    /// ## References
    /// - Notice, article 9
    pub struct CounterfeitOverdue {
        id: "GOV-016",
        name: "counterfeit-overdue",
        title_zh: "仿冒处置超时",
        title_en: "Counterfeit case overdue",
        severity: Critical,
        articles: [9],
    }
}

impl LedgerRule for CounterfeitOverdue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        for c in &cx.data.counterfeits {
            if c.state != CounterfeitState::Detected {
                continue;
            }
            let Some(detected) = LedgerContext::date(Some(&c.detected_on)) else {
                continue;
            };
            let due = cx.calendar.add_working_days(detected, 3).date;
            if cx.today > due {
                let app = cx.app_name(c.app_id.as_deref());
                out.push(LedgerContext::finding(
                    &Self::META,
                    c.app_id.as_deref(),
                    Some(("counterfeit_case", &c.id)),
                    format!("{app}：{} 发现的疑似仿冒“{}”超过 3 个工作日仍未确认", c.detected_on, c.counterfeit_name),
                    format!("{app}: suspected counterfeit {:?} found on {} is still unconfirmed after 3 working days", c.counterfeit_name, c.detected_on),
                ));
            }
        }
        cx.overdue_obligations(&Self::META, "counterfeit-clarification", out);
        cx.overdue_obligations(&Self::META, "counterfeit-report", out);
    }
}
