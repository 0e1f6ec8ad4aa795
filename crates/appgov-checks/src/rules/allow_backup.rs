use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 应用是否允许系统备份其数据：`android:allowBackup` 为 true 或未声明
    /// （默认 true），且未用 `fullBackupContent` / `dataExtractionRules`
    /// 限定备份范围。
    ///
    /// ## 为何重要
    /// 允许备份时，持有设备的人可通过 `adb backup`（API 31 以下）或云备份
    /// 取出应用私有数据——令牌、缓存的客户信息、本地数据库——并在其他设备
    /// 恢复。《通知》第十三条要求落实数据安全保护。
    ///
    /// ## 示例
    /// ```xml
    /// <application android:allowBackup="true" ...>
    /// ```
    ///
    /// ## 修复
    /// 设置 `android:allowBackup="false"`，或用 `dataExtractionRules`
    /// （API 31+）与 `fullBackupContent` 排除敏感文件。
    ///
    /// ## 依据
    /// - 《通知》第十三条（数据安全）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks whether the system may back up the app's data:
    /// `android:allowBackup` true or absent (it defaults to true) with no
    /// `fullBackupContent` / `dataExtractionRules` narrowing what is backed up.
    ///
    /// ## Why it matters
    /// With backup allowed, whoever holds the device can pull the app's private
    /// data — tokens, cached customer data, local databases — with `adb backup`
    /// (below API 31) or through cloud backup, and restore it elsewhere.
    /// Article 13 requires data security protection.
    ///
    /// ## Example
    /// ```xml
    /// <application android:allowBackup="true" ...>
    /// ```
    ///
    /// ## Fix
    /// Set `android:allowBackup="false"`, or exclude sensitive files with
    /// `dataExtractionRules` (API 31+) and `fullBackupContent`.
    ///
    /// ## References
    /// - Notice, article 13 (data security)
    pub struct AllowBackup {
        id: "PKG-003",
        name: "allow-backup",
        title_zh: "允许备份",
        title_en: "Backup allowed",
        severity: Medium,
        articles: [13],
    }
}

impl Rule for AllowBackup {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let app = &cx.facts.android.application;
        if app.allow_backup
            && app.full_backup_content.is_none()
            && app.data_extraction_rules.is_none()
        {
            out.push(Self::META.finding(
                "allowBackup 为 true（或未声明，默认 true），且未配置备份规则。",
                "allowBackup is true (or absent, which defaults to true) and no backup rules narrow it.",
                vec![Evidence::new("manifest", Some("application"), "android:allowBackup=true")],
            ));
        }
    }
}
