//! What a check reports: a finding with severity, evidence and the notice
//! articles it serves.

use serde::{Deserialize, Serialize};

/// Four levels, most severe first (the order sorts findings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Critical => "严重",
            Severity::High => "高危",
            Severity::Medium => "中危",
            Severity::Low => "低危",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
    /// At least as severe as `other`.
    pub fn at_least(self, other: Severity) -> bool {
        self <= other
    }
}

/// One piece of evidence: what was seen, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// `manifest`, `permission`, `component`, `signing`, `certificate`,
    /// `dex`, `api`, `native`, `asset`, `url`, `sdk`, `archive`, …
    pub kind: String,
    /// Where: a manifest element, an archive path, a class or package.
    pub location: Option<String>,
    /// What: the attribute value, the API, the URL, …
    pub value: String,
}

impl Evidence {
    pub fn new(kind: &str, location: Option<&str>, value: impl Into<String>) -> Self {
        Evidence {
            kind: kind.into(),
            location: location.map(str::to_string),
            value: value.into(),
        }
    }
}

/// A finding of one check on one package.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    /// Check id, `PKG-002`.
    pub rule: String,
    /// Check name, `debuggable`.
    pub name: String,
    pub severity: Severity,
    pub title_zh: String,
    pub title_en: String,
    /// Notice articles the check serves.
    pub articles: Vec<u32>,
    /// What was found in this package, in each language.
    pub message_zh: String,
    pub message_en: String,
    pub evidence: Vec<Evidence>,
    /// The policy's suppression that matched, active or expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<crate::policy::AppliedSuppression>,
}
