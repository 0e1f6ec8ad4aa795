use crate::{Context, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 代码是否引用读取不可重置设备标识的系统接口：IMEI、MEID、硬件序列号、
    /// MAC 地址等（`pi.toml` 中标为 `non_resettable_id` 的接口）。
    ///
    /// ## 为何重要
    /// 不可重置标识让用户无法摆脱跨应用、跨时间的追踪；国家标准要求优先使用
    /// 可重置的标识（如 OAID），监管通报中频繁出现违规读取 IMEI、MAC 的行为。
    /// 《通知》第十六条要求依法保护个人信息。引用也可能来自第三方 SDK。
    ///
    /// ## 示例
    /// `TelephonyManager.getDeviceId()`、`WifiInfo.getMacAddress()`
    ///
    /// ## 修复
    /// 改用可重置标识（OAID、应用内生成的 ID）；移除或升级读取这些标识的 SDK。
    ///
    /// ## 依据
    /// - 《通知》第十六条（个人信息保护）
    /// - GB/T 41391-2022 附录
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks whether code references framework APIs that read non-resettable
    /// device identifiers: IMEI, MEID, hardware serial, MAC address (the APIs
    /// `pi.toml` marks `non_resettable_id`).
    ///
    /// ## Why it matters
    /// Identifiers the user cannot reset allow tracking across apps and time;
    /// the national standard prefers resettable ones (OAID), and regulators
    /// often name apps for reading IMEI or MAC. Article 16 requires lawful
    /// protection of personal information. The reference may come from a
    /// third-party SDK.
    ///
    /// ## Example
    /// `TelephonyManager.getDeviceId()`, `WifiInfo.getMacAddress()`
    ///
    /// ## Fix
    /// Use resettable identifiers (OAID, an app-generated ID); remove or
    /// upgrade SDKs that read these.
    ///
    /// ## References
    /// - Notice, article 16 (personal information protection)
    /// - GB/T 41391-2022, annexes
    pub struct DeviceIds {
        id: "PKG-017",
        name: "non-resettable-device-ids",
        title_zh: "采集不可变设备标识",
        title_en: "Reads non-resettable device identifiers",
        severity: Medium,
        articles: [16],
    }
}

impl Rule for DeviceIds {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let ev = super::api_evidence(cx, |a| a.non_resettable_id);
        if !ev.is_empty() {
            out.push(Self::META.finding(
                "代码引用了读取不可重置设备标识的系统接口。",
                "Code references framework APIs that read non-resettable device identifiers.",
                ev,
            ));
        }
    }
}
