use appgov_checks::{RuleMeta, declare_rule};
use appgov_ledger::{AgreementKind, AgreementState};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 标记为第三方合作或外包运营的在用应用，是否有一份覆盖该应用、处于生效状态且未过期的合作协议或外包合同。
    ///
    /// ## 为何重要
    /// 第四条要求以合同明确应用管理责任主体和双方的网络、数据安全责任；第十四条要求外包纳入外包风险管理。没有有效协议时，责任无
    /// 从追究。
    ///
    /// ## 修复
    /// 在台账中登记协议（种类：合作协议或外包合同），关联该应用，填写起止日期；到期前续签。
    ///
    /// ## 依据
    /// - 《通知》第四条、第十四条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether every app in use that is run with or by a third party is covered by
    /// an active, unexpired cooperation agreement or outsourcing contract.
    ///
    /// ## Why it matters
    /// Article 4 requires a contract naming who manages the app and each side's
    /// network- and data-security duties; article 14 puts outsourcing under
    /// outsourcing risk management. Without a valid agreement nobody can be held to
    /// them.
    ///
    /// ## Fix
    /// Record the agreement (kind cooperation or outsourcing) for the app with its
    /// dates, and renew it before it ends.
    ///
    /// ## References
    /// - Notice, articles 4 and 14
    pub struct ThirdPartyWithoutAgreement {
        id: "GOV-008",
        name: "third-party-without-agreement",
        title_zh: "第三方合作无有效协议",
        title_en: "Third-party app without a valid agreement",
        severity: High,
        articles: [4, 14],
    }
}

impl LedgerRule for ThirdPartyWithoutAgreement {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        for a in cx.active_apps().filter(|a| a.third_party_operated) {
            let covering = cx.data.agreements.iter().filter(|g| {
                g.app_ids.contains(&a.id)
                    && matches!(
                        g.kind,
                        AgreementKind::Cooperation | AgreementKind::Outsourcing
                    )
            });
            let mut expired = None;
            let mut valid = false;
            for g in covering {
                let ends = LedgerContext::date(g.ends_on.as_deref());
                if g.state == AgreementState::Active && ends.is_none_or(|e| e >= cx.today) {
                    valid = true;
                } else if let Some(e) = &g.ends_on {
                    expired = Some(e.clone());
                }
            }
            if valid {
                continue;
            }
            let (zh, en) = match expired {
                Some(e) => (
                    format!("{}：合作协议已于 {e} 到期或失效，未续签", a.name),
                    format!("{}: its agreement ended on {e} and was not renewed", a.name),
                ),
                None => (
                    format!(
                        "{}：标记为第三方合作，但没有登记生效的合作协议或外包合同",
                        a.name
                    ),
                    format!(
                        "{}: run with a third party but no active cooperation or outsourcing agreement is recorded",
                        a.name
                    ),
                ),
            };
            out.push(LedgerContext::finding(
                &Self::META,
                Some(&a.id),
                Some(("app", &a.id)),
                zh,
                en,
            ));
        }
    }
}
