//! Formats of credentials that must not be hard-coded in an app package.

use crate::Source;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SecretFile {
    pub schema: u32,
    #[serde(default)]
    pub source: Vec<Source>,
    pub secret: Vec<SecretPattern>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SecretPattern {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// Meant to ship in apps and restricted on the provider's side.
    #[serde(default)]
    pub public: bool,
    /// Literals every match contains: the pattern only runs where one occurs.
    pub anchors: Vec<String>,
    /// Rust `regex` syntax; the group `secret`, if any, is the value.
    pub pattern: String,
    #[serde(default)]
    pub ignore_values: Vec<String>,
    #[serde(default)]
    pub ignore_containing: Vec<String>,
    /// Texts the pattern must find (checked at load).
    pub examples: Vec<String>,
    /// Texts it must not find.
    #[serde(default)]
    pub counter_examples: Vec<String>,
    pub sources: Vec<String>,
}

impl SecretPattern {
    /// The value a match stands for (the `secret` group, else the match),
    /// or None for a placeholder.
    pub fn value<'t>(&self, caps: &regex::Captures<'t>) -> Option<&'t str> {
        let v = caps
            .name("secret")
            .or_else(|| caps.get(0))
            .map(|m| m.as_str())?;
        let placeholder = self.ignore_values.iter().any(|i| i.eq_ignore_ascii_case(v))
            || self
                .ignore_containing
                .iter()
                .any(|i| v.contains(i.as_str()));
        (!placeholder).then_some(v)
    }

    /// Values found in `text` the way the analyser finds them: only when an
    /// anchor occurs.
    pub fn find_in<'t>(&self, re: &regex::Regex, text: &'t str) -> Vec<&'t str> {
        if !self.anchors.iter().any(|a| text.contains(a.as_str())) {
            return Vec::new();
        }
        re.captures_iter(text)
            .filter_map(|c| self.value(&c))
            .collect()
    }
}
