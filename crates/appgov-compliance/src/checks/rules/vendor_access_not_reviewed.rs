use appgov_calendar::add_months;
use appgov_checks::{RuleMeta, declare_rule};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 外包方人员的系统和数据访问授权是否在 12 个月内复核过，已到期的授权是否仍在册。
    ///
    /// ## 为何重要
    /// 第十四条要求按“必需知道”和“最小授权”限制外包方的数据访问；不复核的授权会一直保留下去。
    ///
    /// ## 修复
    /// 逐条复核授权的必要性，记录复核人和日期；到期或不再需要的授权回收并删除。
    ///
    /// ## 依据
    /// - 《通知》第十四条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether every vendor access grant was reviewed in the last 12 months, and
    /// whether expired grants are still on record.
    ///
    /// ## Why it matters
    /// Article 14 limits vendor access to need-to-know and least privilege; grants
    /// nobody reviews stay forever.
    ///
    /// ## Fix
    /// Review each grant's need, record the reviewer and date; revoke and remove
    /// grants that expired or are no longer needed.
    ///
    /// ## References
    /// - Notice, article 14
    pub struct VendorAccessNotReviewed {
        id: "GOV-024",
        name: "vendor-access-not-reviewed",
        title_zh: "外包数据权限未复核",
        title_en: "Vendor data access not reviewed",
        severity: Medium,
        articles: [14],
    }
}

impl LedgerRule for VendorAccessNotReviewed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        for g in &cx.data.access_grants {
            let expired =
                LedgerContext::date(g.expires_on.as_deref()).is_some_and(|e| e < cx.today);
            let last = LedgerContext::date(g.last_reviewed_on.as_deref())
                .or_else(|| LedgerContext::date(Some(&g.granted_on)));
            let stale = last.is_none_or(|d| add_months(d, 12) < cx.today);
            let (zh, en) = if expired {
                (
                    format!(
                        "{} 对 {} 的“{}”授权已于 {} 到期，仍在册",
                        g.person,
                        g.system,
                        g.privilege,
                        g.expires_on.as_deref().unwrap_or("")
                    ),
                    format!(
                        "{}'s {:?} access to {} expired on {} and is still on record",
                        g.person,
                        g.privilege,
                        g.system,
                        g.expires_on.as_deref().unwrap_or("")
                    ),
                )
            } else if stale {
                (
                    format!(
                        "{} 对 {} 的“{}”授权超过 12 个月未复核",
                        g.person, g.system, g.privilege
                    ),
                    format!(
                        "{}'s {:?} access to {} has not been reviewed for over 12 months",
                        g.person, g.privilege, g.system
                    ),
                )
            } else {
                continue;
            };
            out.push(LedgerContext::finding(
                &Self::META,
                None,
                Some(("access_grant", &g.id)),
                zh,
                en,
            ));
        }
    }
}
