use appgov_checks::{RuleMeta, declare_rule};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 重大及以上等级的事件，是否在发现后 1 个工作日内（机构可调整）登记了向监管报告的日期。
    ///
    /// ## 为何重要
    /// 第十五条要求重大突发事件及时向监管报告；迟报、漏报本身就是监管处罚事由。
    ///
    /// ## 修复
    /// 立即向监管报告，在事件登记簿中记录报告日期，并上传报告材料关闭义务。
    ///
    /// ## 依据
    /// - 《通知》第十五条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether every incident graded major or above records a report to the
    /// regulator within 1 working day of detection (the institution may change
    /// this).
    ///
    /// ## Why it matters
    /// Article 15 requires timely reports of major incidents; a late or missing
    /// report is itself a ground for sanctions.
    ///
    /// ## Fix
    /// Report to the regulator now, record the date in the incidents register and
    /// upload the report to close the obligation.
    ///
    /// ## References
    /// - Notice, article 15
    pub struct IncidentNotReported {
        id: "GOV-027",
        name: "incident-not-reported",
        title_zh: "重大突发事件未及时报告",
        title_en: "Major incident not reported in time",
        severity: Critical,
        articles: [15],
    }
}

impl LedgerRule for IncidentNotReported {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        for i in &cx.data.incidents {
            if !i.severity.is_major() || i.regulator_reported_on.is_some() {
                continue;
            }
            let Some(detected) = LedgerContext::date(Some(&i.detected_on)) else {
                continue;
            };
            let due = cx.calendar.add_working_days(detected, 1).date;
            if cx.today > due {
                let app = cx.app_name(i.app_id.as_deref());
                out.push(LedgerContext::finding(
                    &Self::META,
                    i.app_id.as_deref(),
                    Some(("incident", &i.id)),
                    format!("{app}：{} 发现的{}事件“{}”尚未报告监管（应于 {} 前报告）", i.detected_on, i.severity.label_zh(), i.title, appgov_calendar::format_date(due)),
                    format!("{app}: the {} incident {:?} detected on {} is not reported to the regulator (due by {})", i.severity.as_str(), i.title, i.detected_on, appgov_calendar::format_date(due)),
                ));
            }
        }
    }
}
