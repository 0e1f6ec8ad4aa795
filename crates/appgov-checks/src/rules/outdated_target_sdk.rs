use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};
use appgov_knowledge::requirements::RequirementKind;

declare_rule! {
    /// ## 检查内容
    /// 目标 SDK（targetSdkVersion）是否低于应用商店当前要求的最低值
    /// （Google Play 及国内主要应用市场，数据见 `requirements.toml`，
    /// 取已生效要求中最高的一项），以及目标 SDK 或最低 SDK 是否低于机构
    /// 策略（`[minimums]`）的要求。
    ///
    /// ## 为何重要
    /// 目标 SDK 过低时系统会为兼容而放宽新版本的隐私与安全限制（如明文流量、
    /// 存储访问、导出组件、后台启动）；商店也会拒绝上架或更新。《通知》第十条
    /// 要求及时适配新的操作系统版本。
    ///
    /// ## 示例
    /// `targetSdkVersion 28`，而商店要求 34。
    ///
    /// ## 修复
    /// 把 targetSdkVersion 提到要求值以上，并按各版本行为变更完成适配与测试。
    ///
    /// ## 依据
    /// - 《通知》第十条（兼容适配）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks whether targetSdkVersion is below the highest minimum in force
    /// among the app stores (Google Play and the main Chinese stores; data in
    /// `requirements.toml`), and whether the target or minimum SDK is below
    /// the institution's policy (`[minimums]`).
    ///
    /// ## Why it matters
    /// With an old target SDK the system relaxes newer privacy and security
    /// restrictions for compatibility (cleartext, storage access, exported
    /// components, background starts), and stores refuse listing or updates.
    /// Article 10 requires timely adaptation to new OS versions.
    ///
    /// ## Example
    /// `targetSdkVersion 28` where stores require 34.
    ///
    /// ## Fix
    /// Raise targetSdkVersion to the requirement and adapt and test for each
    /// version's behaviour changes.
    ///
    /// ## References
    /// - Notice, article 10 (compatibility)
    pub struct OutdatedTargetSdk {
        id: "PKG-012",
        name: "outdated-target-sdk",
        title_zh: "targetSdk过低",
        title_en: "Outdated target SDK",
        severity: Medium,
        articles: [10],
    }
}

impl Rule for OutdatedTargetSdk {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(target) = cx.facts.target_sdk.or(cx.facts.min_sdk) else {
            return;
        };
        if let Some(m) = cx.policy.map(|p| &p.minimums) {
            let mut ev = Vec::new();
            if let Some(req) = m.target_sdk
                && target < req
            {
                ev.push(Evidence::new(
                    "policy",
                    Some("minimums.target_sdk"),
                    format!("targetSdkVersion={target} < {req}"),
                ));
            }
            if let (Some(req), Some(min)) = (m.min_sdk, cx.facts.min_sdk)
                && min < req
            {
                ev.push(Evidence::new(
                    "policy",
                    Some("minimums.min_sdk"),
                    format!("minSdkVersion={min} < {req}"),
                ));
            }
            if !ev.is_empty() {
                out.push(Self::META.finding(
                    "SDK 版本低于机构策略的最低要求。",
                    "SDK levels below the institution's policy minimums.",
                    ev,
                ));
            }
        }
        // The strictest requirement already in force (dates compare as strings: YYYY-MM-DD).
        let today = cx.today.as_str();
        let strictest = cx
            .knowledge
            .store_requirements
            .iter()
            .filter(|r| r.kind == RequirementKind::TargetSdk && r.effective.as_str() <= today)
            .filter_map(|r| r.level.map(|l| (l, r)))
            .max_by_key(|(l, _)| *l);
        let Some((level, req)) = strictest else {
            return;
        };
        if target < level {
            out.push(Self::META.finding(
                format!(
                    "目标 SDK {target} 低于 {} 自 {} 起要求的 {level}。",
                    req.store_zh, req.effective
                ),
                format!(
                    "Target SDK {target} is below the {level} that {} requires since {}.",
                    req.store_en, req.effective
                ),
                vec![
                    Evidence::new(
                        "manifest",
                        Some("uses-sdk"),
                        format!("targetSdkVersion={target}"),
                    ),
                    Evidence::new(
                        "requirement",
                        Some(&req.id),
                        format!("{} ≥ {level}", req.store_en),
                    ),
                ],
            ));
        }
    }
}
