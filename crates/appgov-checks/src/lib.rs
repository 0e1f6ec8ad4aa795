//! The check catalog. From a package's facts and the knowledge catalog it
//! detects SDKs and packers (with the evidence that fired) and runs every
//! check, each tied to the notice's articles.
//!
//! Pure: facts and knowledge in, [`Analysis`] out; no I/O, no async.

pub mod detect;
pub mod diff;
pub mod finding;
pub mod policy;
pub mod registry;
pub mod rule;
pub mod rules;

use appgov_facts::Facts;
use appgov_knowledge::Knowledge;
use serde::Serialize;

pub use detect::{PackerHit, SdkHit};
pub use finding::{Evidence, Finding, Severity};
pub use policy::Policy;
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
    /// The institution's policy, when one is given.
    pub policy: Option<&'a Policy>,
    api_refs_sorted: bool,
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
        let refs = &self.facts.dex.api_refs;
        methods.iter().filter_map(move |m| {
            let key = format!("{class}.{m}");
            // The analyser sorts `api_refs`; facts from elsewhere may not be.
            let found = if self.api_refs_sorted {
                refs.binary_search(&key).ok()
            } else {
                refs.iter().position(|r| *r == key)
            };
            found.map(|i| refs[i].as_str())
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
    /// Findings an active policy suppression covers (kept for the record).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<Finding>,
}

impl Analysis {
    pub fn empty() -> Analysis {
        Analysis {
            sdks: Vec::new(),
            packers: Vec::new(),
            findings: Vec::new(),
            suppressed: Vec::new(),
        }
    }
    /// Whether any finding in force is at least as severe as `threshold`
    /// (the CI gate).
    pub fn fails(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.severity.at_least(threshold))
    }
}

/// Detects SDKs and packers and runs every check, without a policy.
pub fn analyse(facts: &Facts, knowledge: &Knowledge, today: &str) -> Analysis {
    analyse_with_policy(facts, knowledge, None, today)
}

/// Detects SDKs and packers, runs every check, then applies the policy's
/// severity overrides and suppressions.
pub fn analyse_with_policy(
    facts: &Facts,
    knowledge: &Knowledge,
    policy: Option<&Policy>,
    today: &str,
) -> Analysis {
    let sdks = detect::sdks(facts, knowledge);
    let packers = detect::packers(facts, knowledge);
    let cx = Context {
        facts,
        knowledge,
        sdks: &sdks,
        packers: &packers,
        today: today.to_string(),
        policy,
        api_refs_sorted: facts.dex.api_refs.is_sorted(),
    };
    let mut findings = Vec::new();
    for rule in RULES {
        rule.check(&cx, &mut findings);
    }
    let (mut findings, suppressed) = match policy {
        Some(p) => p.apply(findings, facts.package.as_deref(), today),
        None => (findings, Vec::new()),
    };
    findings.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.rule.cmp(&b.rule))
    });
    Analysis {
        sdks,
        packers,
        findings,
        suppressed,
    }
}
