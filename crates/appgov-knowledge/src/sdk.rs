//! Third-party SDK signatures: who makes it, what it is for, what personal
//! information it collects, and the evidence that shows it is in a package.

use crate::Source;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SdkFile {
    pub schema: u32,
    #[serde(default)]
    pub source: Vec<Source>,
    pub sdk: Vec<Sdk>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sdk {
    /// Stable id, e.g. `umeng-analytics`.
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// The vendor's legal entity where known (what a privacy policy's SDK
    /// list must name), else its common name.
    pub vendor_zh: String,
    pub vendor_en: String,
    pub category: SdkCategory,
    /// Whether the SDK collects personal information.
    pub collects_pi: PiCollection,
    /// PI category ids (see `pi.toml`) it collects or typically collects.
    #[serde(default)]
    pub pi: Vec<String>,
    pub evidence: SdkEvidence,
    #[serde(default)]
    pub version: Option<VersionProbe>,
    pub sources: Vec<String>,
}

/// How an SDK shows itself in a package. Any one kind suffices; more kinds
/// firing make the detection stronger.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SdkEvidence {
    /// Java/Kotlin package prefixes (`com.umeng.analytics`), matched on
    /// package boundaries.
    #[serde(default)]
    pub packages: Vec<String>,
    /// Native library file names; `*` matches any run of characters.
    #[serde(default)]
    pub native_libs: Vec<String>,
    /// Manifest component class names (activities, services, receivers,
    /// providers); a trailing `*` makes it a prefix.
    #[serde(default)]
    pub components: Vec<String>,
    /// Manifest `<meta-data>` names.
    #[serde(default)]
    pub meta_data: Vec<String>,
    /// Archive paths; `*` matches any run of characters.
    #[serde(default)]
    pub assets: Vec<String>,
    /// Host names or domain suffixes the SDK talks to.
    #[serde(default)]
    pub hosts: Vec<String>,
}

impl SdkEvidence {
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
            && self.native_libs.is_empty()
            && self.components.is_empty()
            && self.meta_data.is_empty()
            && self.assets.is_empty()
            && self.hosts.is_empty()
    }
}

/// Where the SDK's version can be read.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VersionProbe {
    /// A `<meta-data>` whose value is the version.
    #[serde(default)]
    pub meta_data: Option<String>,
    /// An archive file whose (trimmed, first-line) content is the version.
    #[serde(default)]
    pub asset: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PiCollection {
    /// The vendor's or a regulator's published list says it collects PI.
    Documented,
    /// SDKs of its kind normally collect PI (device IDs, network, location);
    /// confirm against the vendor's privacy statement.
    Likely,
    /// A local library; no PI collection documented.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SdkCategory {
    Push,
    Payment,
    LoginShare,
    Ads,
    Attribution,
    Analytics,
    Crash,
    MapLocation,
    RiskControl,
    FaceOcr,
    BrowserKernel,
    CustomerService,
    InstantMessaging,
    AudioVideo,
    AppFramework,
    Network,
    Security,
    Ecommerce,
    Social,
    Storage,
    Ui,
    Utility,
    Other,
}

impl SdkCategory {
    pub const ALL: &'static [SdkCategory] = &[
        SdkCategory::Push,
        SdkCategory::Payment,
        SdkCategory::LoginShare,
        SdkCategory::Ads,
        SdkCategory::Attribution,
        SdkCategory::Analytics,
        SdkCategory::Crash,
        SdkCategory::MapLocation,
        SdkCategory::RiskControl,
        SdkCategory::FaceOcr,
        SdkCategory::BrowserKernel,
        SdkCategory::CustomerService,
        SdkCategory::InstantMessaging,
        SdkCategory::AudioVideo,
        SdkCategory::AppFramework,
        SdkCategory::Network,
        SdkCategory::Security,
        SdkCategory::Ecommerce,
        SdkCategory::Social,
        SdkCategory::Storage,
        SdkCategory::Ui,
        SdkCategory::Utility,
        SdkCategory::Other,
    ];
    /// The data files' spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SdkCategory::Push => "push",
            SdkCategory::Payment => "payment",
            SdkCategory::LoginShare => "login_share",
            SdkCategory::Ads => "ads",
            SdkCategory::Attribution => "attribution",
            SdkCategory::Analytics => "analytics",
            SdkCategory::Crash => "crash",
            SdkCategory::MapLocation => "map_location",
            SdkCategory::RiskControl => "risk_control",
            SdkCategory::FaceOcr => "face_ocr",
            SdkCategory::BrowserKernel => "browser_kernel",
            SdkCategory::CustomerService => "customer_service",
            SdkCategory::InstantMessaging => "instant_messaging",
            SdkCategory::AudioVideo => "audio_video",
            SdkCategory::AppFramework => "app_framework",
            SdkCategory::Network => "network",
            SdkCategory::Security => "security",
            SdkCategory::Ecommerce => "ecommerce",
            SdkCategory::Social => "social",
            SdkCategory::Storage => "storage",
            SdkCategory::Ui => "ui",
            SdkCategory::Utility => "utility",
            SdkCategory::Other => "other",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            SdkCategory::Push => "推送",
            SdkCategory::Payment => "支付",
            SdkCategory::LoginShare => "登录分享",
            SdkCategory::Ads => "广告",
            SdkCategory::Attribution => "广告归因",
            SdkCategory::Analytics => "统计分析",
            SdkCategory::Crash => "崩溃监测",
            SdkCategory::MapLocation => "地图定位",
            SdkCategory::RiskControl => "风控/设备指纹",
            SdkCategory::FaceOcr => "人脸/OCR",
            SdkCategory::BrowserKernel => "浏览器内核",
            SdkCategory::CustomerService => "客服",
            SdkCategory::InstantMessaging => "即时通讯",
            SdkCategory::AudioVideo => "音视频",
            SdkCategory::AppFramework => "应用框架",
            SdkCategory::Network => "网络",
            SdkCategory::Security => "安全",
            SdkCategory::Ecommerce => "电商",
            SdkCategory::Social => "社交",
            SdkCategory::Storage => "存储",
            SdkCategory::Ui => "界面组件",
            SdkCategory::Utility => "工具",
            SdkCategory::Other => "其他",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            SdkCategory::Push => "push",
            SdkCategory::Payment => "payment",
            SdkCategory::LoginShare => "login / share",
            SdkCategory::Ads => "advertising",
            SdkCategory::Attribution => "ad attribution",
            SdkCategory::Analytics => "analytics",
            SdkCategory::Crash => "crash reporting",
            SdkCategory::MapLocation => "map / location",
            SdkCategory::RiskControl => "risk control / device fingerprint",
            SdkCategory::FaceOcr => "face / OCR",
            SdkCategory::BrowserKernel => "browser kernel",
            SdkCategory::CustomerService => "customer service",
            SdkCategory::InstantMessaging => "instant messaging",
            SdkCategory::AudioVideo => "audio / video",
            SdkCategory::AppFramework => "app framework",
            SdkCategory::Network => "networking",
            SdkCategory::Security => "security",
            SdkCategory::Ecommerce => "e-commerce",
            SdkCategory::Social => "social",
            SdkCategory::Storage => "storage",
            SdkCategory::Ui => "UI components",
            SdkCategory::Utility => "utility",
            SdkCategory::Other => "other",
        }
    }
    /// Categories a financial app should justify (ads, attribution).
    pub fn is_advertising(self) -> bool {
        matches!(self, SdkCategory::Ads | SdkCategory::Attribution)
    }
}

#[cfg(test)]
mod tests {
    use super::SdkCategory;

    #[test]
    fn category_names_match_the_data_spelling() {
        #[derive(serde::Deserialize)]
        struct W {
            c: SdkCategory,
        }
        for c in SdkCategory::ALL {
            let w: W = toml::from_str(&format!("c = \"{}\"", c.as_str())).unwrap();
            assert_eq!(w.c, *c);
        }
    }
}
