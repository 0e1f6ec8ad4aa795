use appgov_checks::{RuleMeta, declare_rule};
use appgov_ledger::ListingState;

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 在用应用在各渠道的上架记录，是否使用登记在册且由本机构（组织树中的节点）持有的发布账号。
    ///
    /// ## 为何重要
    /// 第八条要求机构自行管控上架发布账号；外包商或个人持有的账号可以绕过机构发布版本，也无法在人员离职时收回。
    ///
    /// ## 修复
    /// 把账号转移到本机构名下并在“发布账号”页登记持有机构；上架记录关联该账号。
    ///
    /// ## 依据
    /// - 《通知》第八条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether every listing of an app in use goes through a recorded publishing
    /// account held by the institution (a node of its organisation tree).
    ///
    /// ## Why it matters
    /// Article 8 requires the institution to control its publishing accounts
    /// itself; an account held by a vendor or a person can publish around the
    /// institution and cannot be taken back when people leave.
    ///
    /// ## Fix
    /// Move the account to the institution, record the holding node on the accounts
    /// page, and link the listing to it.
    ///
    /// ## References
    /// - Notice, article 8
    pub struct AccountNotControlled {
        id: "GOV-013",
        name: "account-not-controlled",
        title_zh: "上架账号非本机构控制",
        title_en: "Publishing account not controlled by the institution",
        severity: High,
        articles: [8],
    }
}

impl LedgerRule for AccountNotControlled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        for l in &cx.data.listings {
            if !matches!(l.state, ListingState::Listed | ListingState::Planned) {
                continue;
            }
            let Some(a) = cx.apps.get(l.app_id.as_str()) else {
                continue;
            };
            if !crate::checks::is_active(a.state) {
                continue;
            }
            let account = l
                .account_id
                .as_deref()
                .and_then(|id| cx.data.accounts.iter().find(|x| x.id == id));
            let channel = (l.channel.label_zh(), l.channel.label_en());
            let (zh, en) = match account {
                None => (
                    format!("{}：{}上架记录未关联发布账号", a.name, channel.0),
                    format!(
                        "{}: the {} listing names no publishing account",
                        a.name, channel.1
                    ),
                ),
                Some(acc) if acc.holder_org_id.is_none() => (
                    format!(
                        "{}：{}发布账号“{}”由“{}”持有，不是本机构",
                        a.name, channel.0, acc.account_name, acc.holder
                    ),
                    format!(
                        "{}: the {} account {:?} is held by {:?}, not by the institution",
                        a.name, channel.1, acc.account_name, acc.holder
                    ),
                ),
                Some(_) => continue,
            };
            out.push(LedgerContext::finding(
                &Self::META,
                Some(&a.id),
                Some(("listing", &l.id)),
                zh,
                en,
            ));
        }
    }
}
