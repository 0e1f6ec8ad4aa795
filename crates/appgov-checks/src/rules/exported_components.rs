use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 对其他应用导出、却没有任何权限保护的组件（活动、服务、广播接收器、
    /// 内容提供者）。启动入口活动（LAUNCHER）和已停用的组件不计入。
    ///
    /// ## 为何重要
    /// 任何安装在同一设备上的应用都能启动这些组件、向其传入数据，内容提供者
    /// 还可能直接泄露数据。导出规则按目标 SDK 解析（API 31 起必须显式声明）。
    /// 《通知》第七条要求开发中的安全管控，第十二条要求安全防护。
    ///
    /// ## 示例
    /// ```xml
    /// <service android:name=".PayService" android:exported="true"/>
    /// ```
    ///
    /// ## 修复
    /// 不需要对外的组件设 `android:exported="false"`；需要的加
    /// `android:permission`（签名级权限最好）并校验调用方与输入。
    ///
    /// ## 依据
    /// - 《通知》第七条（开发管理）、第十二条（安全防护）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Lists components (activities, services, receivers, providers) exported
    /// to other apps without any permission protecting them. The launcher
    /// activity and disabled components are left out.
    ///
    /// ## Why it matters
    /// Any app on the device can start them and pass them data; a provider may
    /// leak data directly. Exported state is resolved by the target SDK's
    /// rules (explicit from API 31). Article 7 requires security control in
    /// development, article 12 security protection.
    ///
    /// ## Example
    /// ```xml
    /// <service android:name=".PayService" android:exported="true"/>
    /// ```
    ///
    /// ## Fix
    /// Set `android:exported="false"` where no outside caller is needed;
    /// otherwise add `android:permission` (signature level preferably) and
    /// validate callers and input.
    ///
    /// ## References
    /// - Notice, articles 7 (development) and 12 (security protection)
    pub struct ExportedComponents {
        id: "PKG-011",
        name: "exported-components",
        title_zh: "组件暴露",
        title_en: "Exported components without protection",
        severity: Medium,
        articles: [7, 12],
    }
}

impl Rule for ExportedComponents {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let ev: Vec<Evidence> = cx
            .facts
            .android
            .components
            .iter()
            .filter(|c| c.exported && c.enabled && !c.launcher)
            .filter(|c| {
                let protected = c.permission.is_some()
                    || (c.kind == "provider"
                        && c.read_permission.is_some()
                        && c.write_permission.is_some());
                !protected
            })
            .map(|c| Evidence::new("component", Some(&c.kind), c.name.clone()))
            .collect();
        if !ev.is_empty() {
            out.push(Self::META.finding(
                format!("{} 个组件对其他应用导出且无权限保护。", ev.len()),
                format!(
                    "{} components are exported to other apps without a permission.",
                    ev.len()
                ),
                ev,
            ));
        }
    }
}
