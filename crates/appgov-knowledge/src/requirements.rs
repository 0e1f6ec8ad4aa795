//! Platform and app-store requirements with dates: Android API levels,
//! target-SDK minimums, 64-bit and 16 KB page-size rules.

use crate::Source;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequirementsFile {
    pub schema: u32,
    #[serde(default)]
    pub source: Vec<Source>,
    pub api_level: Vec<ApiLevel>,
    pub store: Vec<StoreRequirement>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApiLevel {
    pub level: u32,
    /// Marketing version, `15`.
    pub version: String,
    #[serde(default)]
    pub codename: Option<String>,
    /// Release date, `YYYY-MM-DD` or `YYYY-MM`.
    pub released: String,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StoreRequirement {
    pub id: String,
    /// Store or platform, e.g. `Google Play`, `华为应用市场`.
    pub store_zh: String,
    pub store_en: String,
    pub kind: RequirementKind,
    /// For `target_sdk` and `min_sdk`: the level required.
    #[serde(default)]
    pub level: Option<u32>,
    /// `new_apps`, `updates` or `all`.
    pub applies_to: String,
    /// In force from, `YYYY-MM-DD`.
    pub effective: String,
    pub summary_zh: String,
    pub summary_en: String,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequirementKind {
    TargetSdk,
    MinSdk,
    #[serde(rename = "abi_64bit")]
    Abi64Bit,
    #[serde(rename = "page_size_16k")]
    PageSize16K,
}
