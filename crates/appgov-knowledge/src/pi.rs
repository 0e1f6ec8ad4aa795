//! Personal information: categories, which permissions and framework APIs
//! reach which category.

use crate::Source;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PiFile {
    pub schema: u32,
    #[serde(default)]
    pub source: Vec<Source>,
    pub category: Vec<PiCategory>,
    pub permission: Vec<PermissionInfo>,
    pub api: Vec<ApiRule>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PiCategory {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// Sensitive personal information (PIPL art. 28; GB/T 35273 annex B).
    pub sensitive: bool,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionInfo {
    /// Full name, `android.permission.READ_CONTACTS`.
    pub name: String,
    pub label_zh: String,
    pub label_en: String,
    /// Android protection level: `dangerous`, `normal`, `signature`,
    /// `appop` (special access), `privileged`.
    pub protection: String,
    /// PI category ids it gives access to.
    #[serde(default)]
    pub pi: Vec<String>,
    /// How a financial app stands to it.
    pub finance: FinanceRelevance,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FinanceRelevance {
    /// Commonly needed by banking and insurance apps.
    Common,
    /// Acceptable with a stated purpose in the privacy policy.
    Justify,
    /// Rarely needed by a financial app; regulators question it.
    Unusual,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApiRule {
    /// Framework class, `android.telephony.TelephonyManager`.
    pub class: String,
    /// Method names (no signature); any of them matches.
    pub methods: Vec<String>,
    pub pi: Vec<String>,
    /// A device identifier the user cannot reset (IMEI, MEID, serial, MAC).
    #[serde(default)]
    pub non_resettable_id: bool,
    /// Common in code that collects nothing (resolving an intent, listing
    /// network interfaces): shown as context, never a finding on its own.
    #[serde(default)]
    pub inconclusive: bool,
    pub sources: Vec<String>,
}
