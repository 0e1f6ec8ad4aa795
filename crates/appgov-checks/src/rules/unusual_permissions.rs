use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};
use appgov_knowledge::pi::FinanceRelevance;

declare_rule! {
    /// ## 检查内容
    /// 申请了与金融业务通常无关的权限：知识库（`pi.toml`）中标为
    /// “金融应用少见”的权限，如读取通讯录、短信、通话记录、后台录音、
    /// 查询全部已安装应用等。
    ///
    /// ## 为何重要
    /// 工信部的 App 违法违规收集使用个人信息认定方法把“索取与业务无关的权限”
    /// 列为违规情形；金融应用因此被通报的案例很多。《通知》第十六条要求依法
    /// 保护个人信息，最小必要地收集。
    ///
    /// ## 示例
    /// ```xml
    /// <uses-permission android:name="android.permission.READ_CALL_LOG"/>
    /// ```
    ///
    /// ## 修复
    /// 删除不需要的权限；确有业务需要的，在台账中登记用途，并在隐私政策的
    /// 权限清单中说明，运行时按场景申请。
    ///
    /// ## 依据
    /// - 《通知》第十六条（个人信息保护）
    /// - GB/T 41391-2022 第 6 章与附录
    /// - 《App违法违规收集使用个人信息行为认定方法》
    ///
    /// <!-- en -->
    /// ## What it does
    /// Lists requested permissions that financial services rarely need: those
    /// the knowledge base (`pi.toml`) marks as unusual for a financial app,
    /// such as contacts, SMS, call log, background audio, or querying all
    /// installed apps.
    ///
    /// ## Why it matters
    /// MIIT's method for identifying unlawful PI collection by apps counts
    /// "requesting permissions unrelated to the service" as a violation, and
    /// financial apps have often been named for it. Article 16 requires lawful,
    /// minimal collection of personal information.
    ///
    /// ## Example
    /// ```xml
    /// <uses-permission android:name="android.permission.READ_CALL_LOG"/>
    /// ```
    ///
    /// ## Fix
    /// Drop what is not needed; where a business need exists, record it in
    /// the ledger, list it in the privacy policy's permission list and ask at
    /// run time in context.
    ///
    /// ## References
    /// - Notice, article 16 (personal information protection)
    /// - GB/T 41391-2022, chapter 6 and annexes
    /// - MIIT method for identifying unlawful PI collection by apps (2019)
    pub struct UnusualPermissions {
        id: "PKG-015",
        name: "unusual-permissions",
        title_zh: "与金融业务无关权限",
        title_en: "Permissions unrelated to financial services",
        severity: High,
        articles: [16],
    }
}

impl Rule for UnusualPermissions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let ev: Vec<Evidence> = cx
            .facts
            .permissions
            .iter()
            .filter_map(|p| cx.knowledge.permission(p))
            .filter(|info| info.finance == FinanceRelevance::Unusual)
            .map(|info| Evidence::new("permission", Some(&info.label_zh), info.name.clone()))
            .collect();
        if !ev.is_empty() {
            out.push(Self::META.finding(
                format!("申请了 {} 项金融业务通常不需要的权限。", ev.len()),
                format!(
                    "{} permissions that financial services rarely need are requested.",
                    ev.len()
                ),
                ev,
            ));
        }
    }
}
