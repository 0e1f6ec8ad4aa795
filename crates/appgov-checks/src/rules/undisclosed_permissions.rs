use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 安装包申请的危险权限（运行时权限）是否都在隐私政策的权限说明中。
    /// 说明中的权限清单写在策略文件 `[[disclosure]]` 的 `permissions` 中
    /// （按包名）；没有清单时不作判断。
    ///
    /// ## 为何重要
    /// 申请危险权限须向用户说明目的与用途；隐私政策未说明的权限申请，是
    /// 监管通报中“未明示收集使用个人信息的目的、方式和范围”的典型情形。
    /// 《通知》第十六条要求落实个人信息保护。
    ///
    /// ## 示例
    /// 安装包申请 `READ_CONTACTS`，隐私政策的权限列表中没有通讯录。
    ///
    /// ## 修复
    /// 在隐私政策的权限说明中补充该权限的目的和使用场景，或去掉不必要的
    /// 权限；然后更新策略文件中的清单。
    ///
    /// ## 依据
    /// - 《通知》第十六条（个人信息保护）
    /// - GB/T 41391-2022 第 6.5 条（权限申请）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks that every dangerous (run-time) permission the package requests
    /// is explained in the privacy policy. The explained permissions go into
    /// the policy file as `permissions` under `[[disclosure]]` (by package
    /// name); without that list the check decides nothing.
    ///
    /// ## Why it matters
    /// Asking for a dangerous permission requires telling users why; a
    /// permission the privacy policy does not explain is the textbook case of
    /// "purpose, manner and scope of collection not stated" in regulators'
    /// notices. Article 16 of the notice requires personal information
    /// protection.
    ///
    /// ## Example
    /// The package requests `READ_CONTACTS`; the privacy policy's permission
    /// list has no contacts.
    ///
    /// ## Fix
    /// Explain the permission's purpose and use in the privacy policy, or drop
    /// it if it is not needed; then update the list in the policy file.
    ///
    /// ## References
    /// - Notice, article 16 (personal information protection)
    /// - GB/T 41391-2022, 6.5 (permission requests)
    pub struct UndisclosedPermissions {
        id: "PKG-014",
        name: "undisclosed-permissions",
        title_zh: "危险权限未在隐私政策说明",
        title_en: "Dangerous permission not explained in the privacy policy",
        severity: High,
        articles: [16],
    }
}

impl Rule for UndisclosedPermissions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(d) = cx
            .policy
            .and_then(|p| p.disclosure_for(cx.facts.package.as_deref()))
        else {
            return;
        };
        let Some(explained) = &d.permissions else {
            return;
        };
        let ev: Vec<Evidence> = cx
            .facts
            .permissions
            .iter()
            .filter(|p| !explained.contains(p))
            .filter_map(|p| cx.knowledge.permission(p))
            .filter(|info| info.protection == "dangerous")
            .map(|info| {
                Evidence::new(
                    "permission",
                    Some(&info.label_zh),
                    format!("{} — not in {}", info.name, d.document),
                )
            })
            .collect();
        if ev.is_empty() {
            return;
        }
        out.push(Self::META.finding(
            format!("{} 项危险权限未在《{}》中说明。", ev.len(), d.document),
            format!(
                "{} dangerous permissions are not explained in \"{}\".",
                ev.len(),
                d.document
            ),
            ev,
        ));
    }
}
