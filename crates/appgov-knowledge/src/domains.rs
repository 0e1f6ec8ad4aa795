//! Domain suffixes that are suspicious in a financial app (gambling, adult
//! content, URL shorteners, dynamic DNS, free hosting, paste sites).

use crate::Source;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DomainsFile {
    pub schema: u32,
    #[serde(default)]
    pub source: Vec<Source>,
    pub category: Vec<DomainCategory>,
    pub domain: Vec<SuspiciousDomain>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DomainCategory {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// `high` or `medium`: how serious a link into this category is.
    pub severity: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SuspiciousDomain {
    /// Lower-case domain suffix, matched on label boundaries; one label is a TLD.
    pub suffix: String,
    pub category: String,
    pub sources: Vec<String>,
}

impl SuspiciousDomain {
    /// Whether `host` is this suffix or a sub-domain of it (never a mere
    /// substring: `notbit.ly` is not under `bit.ly`).
    pub fn matches(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        match host.len().checked_sub(self.suffix.len()) {
            Some(0) => host.eq_ignore_ascii_case(&self.suffix),
            Some(n) => {
                host.as_bytes().get(n - 1) == Some(&b'.')
                    && host
                        .get(n..)
                        .is_some_and(|tail| tail.eq_ignore_ascii_case(&self.suffix))
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> SuspiciousDomain {
        SuspiciousDomain {
            suffix: s.into(),
            category: "x".into(),
            sources: vec![],
        }
    }

    #[test]
    fn matches_on_label_boundaries_only() {
        assert!(d("bit.ly").matches("bit.ly"));
        assert!(d("bit.ly").matches("j.BIT.ly"));
        assert!(d("bit.ly").matches("bit.ly."));
        assert!(!d("bit.ly").matches("notbit.ly"));
        assert!(!d("bit.ly").matches("bit.ly.example.com"));
        assert!(d("bet").matches("lucky.bet"));
        assert!(!d("bet").matches("alphabet"));
        assert!(!d("bet").matches("bet.example.com"));
        assert!(!d("t.cn").matches("at.cn"));
        assert!(!d("t.cn").matches(""));
    }
}
