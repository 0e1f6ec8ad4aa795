use appgov_calendar::add_months;
use appgov_checks::{RuleMeta, declare_rule};
use appgov_ledger::AccountStatus;

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 使用中的发布账号最近一次权限复核是否在 6 个月内（机构可调整），以及“发布账号权限复核”义务是否逾期。
    ///
    /// ## 为何重要
    /// 第九条要求做好账号权限管理；长期不复核的账号往往留着离职人员和外包商的权限。
    ///
    /// ## 修复
    /// 复核账号的管理员、绑定手机和邮箱、双因素认证，在账号页记录复核日期，并上传复核记录关闭对应义务。
    ///
    /// ## 依据
    /// - 《通知》第九条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether each active publishing account had its permissions reviewed in the
    /// last 6 months (the institution may change this), and whether the account-
    /// review obligation is overdue.
    ///
    /// ## Why it matters
    /// Article 9 requires account permissions to be managed; accounts left
    /// unreviewed keep the access of people and vendors who have left.
    ///
    /// ## Fix
    /// Review the account's administrators, bound phone and e-mail and two-factor
    /// setting, record the review date on the accounts page, and upload the review
    /// record to close the obligation.
    ///
    /// ## References
    /// - Notice, article 9
    pub struct AccountReviewOverdue {
        id: "GOV-014",
        name: "account-review-overdue",
        title_zh: "账号权限复核逾期",
        title_en: "Account-permission review overdue",
        severity: Medium,
        articles: [9],
    }
}

impl LedgerRule for AccountReviewOverdue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        for acc in &cx.data.accounts {
            if acc.status != AccountStatus::Active {
                continue;
            }
            let last = LedgerContext::date(acc.last_access_review.as_deref());
            if last.is_some_and(|d| add_months(d, 6) >= cx.today) {
                continue;
            }
            let (zh, en) = match &acc.last_access_review {
                Some(d) => (
                    format!(
                        "发布账号“{}”上次权限复核为 {d}，已超过 6 个月",
                        acc.account_name
                    ),
                    format!(
                        "publishing account {:?} was last reviewed on {d}, more than 6 months ago",
                        acc.account_name
                    ),
                ),
                None => (
                    format!("发布账号“{}”没有权限复核记录", acc.account_name),
                    format!(
                        "publishing account {:?} has no permission review on record",
                        acc.account_name
                    ),
                ),
            };
            out.push(LedgerContext::finding(
                &Self::META,
                None,
                Some(("publishing_account", &acc.id)),
                zh,
                en,
            ));
        }
        cx.overdue_obligations(&Self::META, "account-review", out);
    }
}
