use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 应用是否能读取设备上的已安装应用列表：申请 `QUERY_ALL_PACKAGES`
    /// 权限、在 `<queries>` 中声明，或代码引用获取已安装应用的系统接口
    /// （`PackageManager.getInstalledPackages` 等，清单见 `pi.toml`）。
    ///
    /// ## 为何重要
    /// 软件安装列表可推断用户的宗教、健康、财务等状况，监管多次通报
    /// 违规读取应用列表的行为。《通知》第十六条要求最小必要收集个人信息。
    ///
    /// ## 示例
    /// ```xml
    /// <uses-permission android:name="android.permission.QUERY_ALL_PACKAGES"/>
    /// ```
    ///
    /// ## 修复
    /// 用 `<queries>` 只声明确需交互的包名；去掉 QUERY_ALL_PACKAGES；确需读取
    /// 时先取得单独同意，并在隐私政策中说明。
    ///
    /// ## 依据
    /// - 《通知》第十六条（个人信息保护）
    /// - 工信部 164 号文专项整治
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks whether the app can read the list of installed apps: the
    /// `QUERY_ALL_PACKAGES` permission, or code referencing the framework APIs
    /// that list installed apps (`PackageManager.getInstalledPackages` etc.,
    /// listed in `pi.toml`).
    ///
    /// ## Why it matters
    /// The installed-app list reveals religion, health and finances;
    /// regulators have repeatedly named apps for reading it. Article 16
    /// requires minimal collection of personal information.
    ///
    /// ## Example
    /// ```xml
    /// <uses-permission android:name="android.permission.QUERY_ALL_PACKAGES"/>
    /// ```
    ///
    /// ## Fix
    /// Declare only the packages you interact with in `<queries>`; drop
    /// QUERY_ALL_PACKAGES; where reading the list is truly needed, ask for
    /// separate consent and say so in the privacy policy.
    ///
    /// ## References
    /// - Notice, article 16 (personal information protection)
    /// - MIIT campaign notice 164 (2020)
    pub struct InstalledApps {
        id: "PKG-016",
        name: "installed-apps",
        title_zh: "读取应用列表",
        title_en: "Reads the installed-app list",
        severity: Medium,
        articles: [16],
    }
}

impl Rule for InstalledApps {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut ev = Vec::new();
        if cx.facts.android.queries.query_all_packages
            || cx
                .facts
                .permissions
                .iter()
                .any(|p| p == "android.permission.QUERY_ALL_PACKAGES")
        {
            ev.push(Evidence::new(
                "permission",
                None,
                "android.permission.QUERY_ALL_PACKAGES",
            ));
        }
        ev.extend(super::api_evidence(cx, |a| {
            a.pi.iter().any(|p| p == "installed_apps")
        }));
        if !ev.is_empty() {
            out.push(Self::META.finding(
                "应用可读取设备上的已安装应用列表。",
                "The app can read the list of installed apps.",
                ev,
            ));
        }
    }
}
