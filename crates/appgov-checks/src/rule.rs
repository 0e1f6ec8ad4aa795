//! A check: metadata plus a function from facts to findings. Each check lives
//! in its own file under `rules/`, declared with [`declare_rule!`], whose doc
//! comment is the check's user documentation (`appgov rules explain ID`):
//! Chinese first, then English after a `<!-- en -->` line.

use crate::Context;
use crate::finding::{Evidence, Finding, Severity};

/// Static description of a check.
#[derive(Debug)]
pub struct RuleMeta {
    /// `PKG-002`: the catalog id (see regulation research §5).
    pub id: &'static str,
    /// `debuggable`: a stable kebab-case name.
    pub name: &'static str,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    pub severity: Severity,
    /// Notice articles the check serves.
    pub articles: &'static [u32],
    /// The doc comment, both languages.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The documentation in one language (`zh` or `en`).
    pub fn doc_in(&self, lang: &str) -> &'static str {
        let (zh, en) = self
            .doc
            .split_once("<!-- en -->")
            .unwrap_or((self.doc, self.doc));
        if lang.starts_with("en") {
            en.trim()
        } else {
            zh.trim()
        }
    }

    /// The documentation in one language as Markdown: the doc comment's
    /// lines without the one space `/// ` leaves before each.
    pub fn doc_text(&self, lang: &str) -> String {
        self.doc_in(lang)
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }

    /// A finding of this check with the given messages and evidence.
    pub fn finding(
        &self,
        zh: impl Into<String>,
        en: impl Into<String>,
        evidence: Vec<Evidence>,
    ) -> Finding {
        Finding {
            rule: self.id.into(),
            name: self.name.into(),
            severity: self.severity,
            title_zh: self.title_zh.into(),
            title_en: self.title_en.into(),
            articles: self.articles.to_vec(),
            message_zh: zh.into(),
            message_en: en.into(),
            evidence,
            suppression: None,
        }
    }
}

/// A check.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Appends this check's findings on the package in `cx`.
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>);
}

/// Declares a check: its doc comment becomes both rustdoc and the text
/// `appgov rules explain` prints.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            id: $id:literal,
            name: $rname:literal,
            title_zh: $tzh:literal,
            title_en: $ten:literal,
            severity: $sev:ident,
            articles: [$($art:literal),* $(,)?] $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
                id: $id,
                name: $rname,
                title_zh: $tzh,
                title_en: $ten,
                severity: $crate::finding::Severity::$sev,
                articles: &[$($art),*],
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}
