use crate::detect::in_domain;
use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 机构策略（`--policy`）列出了允许的域名时，安装包中出现的其他域名
    /// （代码、资源、资产与原生库中的 URL 与主机名）。没有策略或未设清单时
    /// 不检查。
    ///
    /// ## 为何重要
    /// 《通知》第七条要求应用中不得含有与金融服务无关或失效的链接；备案时
    /// 填报的域名也应与实际使用一致。清单外的域名可能是第三方 SDK 的数据
    /// 上报地址、测试环境残留或无关链接。
    ///
    /// ## 示例
    /// 策略 `[domains] allowed = ["examplebank.com"]`，代码中有
    /// `http://test.internal-dev.example.net/api`。
    ///
    /// ## 修复
    /// 删除无关链接和测试地址；确需访问的第三方域名，评估后加入策略清单并
    /// 与备案信息保持一致。
    ///
    /// ## 依据
    /// - 《通知》第七条（开发管理）、第十一条（备案）
    ///
    /// <!-- en -->
    /// ## What it does
    /// When the institution's policy (`--policy`) lists allowed domains,
    /// reports the other domains in the package (URLs and host names in code,
    /// resources, assets and native libraries). Without a policy or a list
    /// it checks nothing.
    ///
    /// ## Why it matters
    /// Article 7 forbids links unrelated to the financial service or dead;
    /// the domains filed with the regulator should match what the app uses.
    /// Off-list domains may be SDK collection endpoints, test-environment
    /// leftovers or unrelated links.
    ///
    /// ## Example
    /// Policy `[domains] allowed = ["examplebank.com"]`; code holds
    /// `http://test.internal-dev.example.net/api`.
    ///
    /// ## Fix
    /// Remove unrelated links and test addresses; assess third-party domains
    /// that are needed, add them to the policy and keep the filing consistent.
    ///
    /// ## References
    /// - Notice, articles 7 (development) and 11 (filing)
    pub struct UnapprovedDomains {
        id: "PKG-026",
        name: "unapproved-domains",
        title_zh: "清单外域名",
        title_en: "Domains outside the approved list",
        severity: Medium,
        articles: [7, 11],
    }
}

/// Most domains listed as evidence.
const MAX_DOMAINS: usize = 50;

impl Rule for UnapprovedDomains {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(allowed) = cx.policy.and_then(|p| p.domains.allowed.as_ref()) else {
            return;
        };
        let off: Vec<_> = cx
            .facts
            .endpoints
            .domains
            .iter()
            .filter(|d| {
                !allowed
                    .iter()
                    .any(|a| in_domain(&d.value, &a.to_ascii_lowercase()))
            })
            .collect();
        if off.is_empty() {
            return;
        }
        let ev = off
            .iter()
            .take(MAX_DOMAINS)
            .map(|d| {
                let loc = cx.endpoint_location(d);
                Evidence::new("domain", loc.as_deref(), d.value.clone())
            })
            .collect();
        out.push(Self::META.finding(
            format!("{} 个域名不在机构允许的清单中。", off.len()),
            format!(
                "{} domains are outside the institution's allowed list.",
                off.len()
            ),
            ev,
        ));
    }
}
