//! The check catalog. From a package's facts and the knowledge catalog it
//! detects SDKs and packers (with the evidence that fired) and runs every
//! check, each tied to the notice's articles.
//!
//! Pure: facts and knowledge in, [`Analysis`] out; no I/O, no async.

pub mod detect;
pub mod finding;
pub mod registry;
pub mod rule;
pub mod rules;

use appgov_facts::Facts;
use appgov_knowledge::Knowledge;
use serde::Serialize;

pub use detect::{PackerHit, SdkHit};
pub use finding::{Evidence, Finding, Severity};
pub use registry::RULES;
pub use rule::{Rule, RuleMeta};

/// What the checks see.
pub struct Context<'a> {
    pub facts: &'a Facts,
    pub knowledge: &'a Knowledge,
    pub sdks: &'a [SdkHit],
    pub packers: &'a [PackerHit],
    /// Today's date, `YYYY-MM-DD`, for requirements in force and expiry
    /// (passed in: this crate reads no clock).
    pub today: String,
}

impl Context<'_> {
    /// Whether a group of facts was gathered (`code`, `native`, …): a check
    /// must not conclude "absent" from facts nobody looked at.
    pub fn analysed(&self, group: &str) -> bool {
        self.facts.analysed.iter().any(|g| g == group)
    }
    /// Whether the app's code is readable (not hidden by a packer).
    pub fn code_readable(&self) -> bool {
        self.analysed("code") && !self.facts.dex.code_hidden
    }
    /// Framework API references `class.method` that match a class and one of the methods.
    pub fn api_refs<'s>(
        &'s self,
        class: &'s str,
        methods: &'s [String],
    ) -> impl Iterator<Item = &'s str> + 's {
        self.facts.dex.api_refs.iter().filter_map(move |r| {
            let (c, m) = r.rsplit_once('.')?;
            (c == class && methods.iter().any(|x| x == m)).then_some(r.as_str())
        })
    }
}

/// SDKs, packers and findings of one package.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub sdks: Vec<SdkHit>,
    pub packers: Vec<PackerHit>,
    /// Most severe first, then by check id.
    pub findings: Vec<Finding>,
}

/// Detects SDKs and packers and runs every check.
pub fn analyse(facts: &Facts, knowledge: &Knowledge, today: &str) -> Analysis {
    let sdks = detect::sdks(facts, knowledge);
    let packers = detect::packers(facts, knowledge);
    let cx = Context {
        facts,
        knowledge,
        sdks: &sdks,
        packers: &packers,
        today: today.to_string(),
    };
    let mut findings = Vec::new();
    for rule in RULES {
        rule.check(&cx, &mut findings);
    }
    findings.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.rule.cmp(&b.rule))
    });
    Analysis {
        sdks,
        packers,
        findings,
    }
}
