//! An institution's policy: which SDKs and domains it allows, the minimums
//! it requires, severity overrides, and suppressions — each suppression with
//! a reason, an owner and an expiry; an expired one stops suppressing and the
//! finding says so.
//!
//! ```toml
//! schema = 1
//! institution = "示例银行"
//!
//! [sdks]
//! allowed = ["umeng-analytics", "wechat-opensdk"]   # anything else: PKG-019
//! blocked = ["pangle"]                              # PKG-021
//!
//! [domains]
//! allowed = ["examplebank.com", "examplebank.cn"]   # URLs elsewhere: PKG-026
//!
//! [minimums]
//! target_sdk = 34
//! min_sdk = 24
//!
//! [[severity]]
//! rule = "PKG-013"
//! severity = "medium"
//!
//! [[disclosure]]                                   # PKG-020 / PKG-014: what the privacy policy lists
//! package = "com.examplebank.mobile"
//! document = "隐私政策 v3.2（2026-09-01）附录二"
//! sdks = ["umeng-analytics", "wechat-opensdk"]
//! permissions = ["android.permission.CAMERA"]       # optional; without it PKG-014 is not decided
//!
//! [[filing]]                                       # PKG-010: what was filed for the app (MIIT App filing)
//! package = "com.examplebank.mobile"
//! number = "京ICP备12345678号-5A"
//! signer_md5 = ["9a0b…(32 hex)"]                   # the certificate MD5 the filing states
//! domains = ["examplebank.com"]                    # optional: the app's own domains in the filing
//!
//! [[signer]]                                       # PKG-008: the certificates the app may be signed with
//! package = "com.examplebank.mobile"
//! sha256 = ["3f1c…(64 hex)"]
//!
//! [[suppress]]
//! rule = "PKG-011"
//! evidence = "com.examplebank.PushReceiver"   # optional; without it the whole check
//! package = "com.examplebank.mobile"          # optional; without it every app
//! reason = "receiver only accepts signed broadcasts; reviewed 2026-10"
//! owner = "张三 (security)"
//! expires = "2027-03-31"
//! ```

use crate::finding::{Finding, Severity};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub schema: u32,
    #[serde(default)]
    pub institution: Option<String>,
    #[serde(default)]
    pub sdks: SdkPolicy,
    #[serde(default)]
    pub domains: DomainPolicy,
    #[serde(default)]
    pub minimums: Minimums,
    #[serde(default)]
    pub severity: Vec<SeverityOverride>,
    #[serde(default)]
    pub suppress: Vec<Suppression>,
    /// Third-party SDK lists the apps' privacy policies disclose.
    #[serde(default)]
    pub disclosure: Vec<Disclosure>,
    /// Approved signing certificates per app.
    #[serde(default)]
    pub signer: Vec<ApprovedSigner>,
    /// What was filed with the authorities per app.
    #[serde(default)]
    pub filing: Vec<Filing>,
}

/// The facts filed for one app (the MIIT App filing of article 11): its
/// package name, the signing certificate's MD5 as the filing states it and,
/// when given, the domains the app uses.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filing {
    pub package: String,
    /// The filing number, shown in findings.
    pub number: String,
    /// Certificate MD5 values (hex) the filing records.
    pub signer_md5: Vec<String>,
    /// The app's own domains in the filing; absent, domains are not compared.
    #[serde(default)]
    pub domains: Option<Vec<String>>,
}

/// The certificates one app may be signed with (the ledger's record of its
/// signing identity, article 12): SHA-256 of each, lower-case hex.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovedSigner {
    pub package: String,
    pub sha256: Vec<String>,
}

/// The third-party SDKs one app's privacy policy discloses (article 16):
/// every personal-information-collecting SDK found in the package must be
/// among them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    /// The app's package name.
    pub package: String,
    /// Which document and version lists them (shown in findings).
    pub document: String,
    /// SDK catalog ids.
    pub sdks: Vec<String>,
    /// Permissions the privacy policy explains (full names); when absent,
    /// the policy's permission list is not on record and PKG-014 says
    /// nothing.
    #[serde(default)]
    pub permissions: Option<Vec<String>>,
}

impl Policy {
    /// The filing record for a package, if the policy has one.
    pub fn filing_for(&self, package: Option<&str>) -> Option<&Filing> {
        let package = package?;
        self.filing.iter().find(|f| f.package == package)
    }

    /// The approved signer certificates for a package, if the policy has them.
    pub fn signers_for(&self, package: Option<&str>) -> Option<&ApprovedSigner> {
        let package = package?;
        self.signer.iter().find(|s| s.package == package)
    }

    /// The disclosed SDK list for a package, if the policy has one.
    pub fn disclosure_for(&self, package: Option<&str>) -> Option<&Disclosure> {
        let package = package?;
        self.disclosure.iter().find(|d| d.package == package)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdkPolicy {
    /// When present, every detected SDK not listed is a finding.
    #[serde(default)]
    pub allowed: Option<Vec<String>>,
    #[serde(default)]
    pub blocked: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainPolicy {
    /// When present, URLs and domains outside these (and their subdomains)
    /// are findings.
    #[serde(default)]
    pub allowed: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Minimums {
    #[serde(default)]
    pub target_sdk: Option<u32>,
    #[serde(default)]
    pub min_sdk: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityOverride {
    pub rule: String,
    pub severity: Severity,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub rule: String,
    /// Suppress only findings with an evidence value or location containing this.
    #[serde(default)]
    pub evidence: Option<String>,
    /// Only for this package name.
    #[serde(default)]
    pub package: Option<String>,
    pub reason: String,
    pub owner: String,
    /// Last day it applies, `YYYY-MM-DD`.
    pub expires: String,
}

/// A suppression as applied to one finding.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AppliedSuppression {
    /// `active` (the finding is suppressed) or `expired` (it is not, any more).
    pub status: String,
    pub reason: String,
    pub owner: String,
    pub expires: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("policy: {0}")]
    Parse(String),
    #[error("policy: schema {0}, this build reads schema 1")]
    Schema(u32),
    #[error("policy: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

fn is_date(s: &str) -> bool {
    s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

impl Policy {
    /// Parses and validates a policy file's text; `known_rules` are the
    /// check ids, `known_sdks` the catalog's SDK ids (typos are errors, not
    /// silently ineffective policy).
    pub fn parse(
        text: &str,
        known_rules: &[&str],
        known_sdks: &[&str],
    ) -> Result<Policy, PolicyError> {
        let p: Policy = toml::from_str(text).map_err(|e| PolicyError::Parse(e.to_string()))?;
        if p.schema != 1 {
            return Err(PolicyError::Schema(p.schema));
        }
        let mut problems = Vec::new();
        let rule_ok = |r: &str| known_rules.iter().any(|k| k.eq_ignore_ascii_case(r));
        for o in &p.severity {
            if !rule_ok(&o.rule) {
                problems.push(format!("severity override for unknown check {:?}", o.rule));
            }
        }
        for s in &p.suppress {
            if !rule_ok(&s.rule) {
                problems.push(format!("suppression of unknown check {:?}", s.rule));
            }
            if !is_date(&s.expires) {
                problems.push(format!(
                    "suppression of {}: expires {:?} is not YYYY-MM-DD",
                    s.rule, s.expires
                ));
            }
            if s.reason.trim().is_empty() || s.owner.trim().is_empty() {
                problems.push(format!(
                    "suppression of {} needs a reason and an owner",
                    s.rule
                ));
            }
        }
        let mut seen_packages = std::collections::BTreeSet::new();
        for d in &p.disclosure {
            if !seen_packages.insert(d.package.as_str()) {
                problems.push(format!("two disclosure lists for package {:?}", d.package));
            }
        }
        let mut signer_packages = std::collections::BTreeSet::new();
        for s in &p.signer {
            if !signer_packages.insert(s.package.as_str()) {
                problems.push(format!("two signer lists for package {:?}", s.package));
            }
            if s.sha256.is_empty() {
                problems.push(format!("signer list for {:?} is empty", s.package));
            }
            for h in &s.sha256 {
                if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                    problems.push(format!(
                        "signer of {:?}: {h:?} is not a SHA-256 in hex",
                        s.package
                    ));
                }
            }
        }
        let mut filed_packages = std::collections::BTreeSet::new();
        for f in &p.filing {
            if !filed_packages.insert(f.package.as_str()) {
                problems.push(format!("two filings for package {:?}", f.package));
            }
            if f.number.trim().is_empty() {
                problems.push(format!("filing of {:?} needs its number", f.package));
            }
            for h in &f.signer_md5 {
                if h.len() != 32 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                    problems.push(format!(
                        "filing of {:?}: {h:?} is not an MD5 in hex",
                        f.package
                    ));
                }
            }
        }
        let disclosed = p.disclosure.iter().flat_map(|d| &d.sdks);
        for id in p
            .sdks
            .allowed
            .iter()
            .flatten()
            .chain(&p.sdks.blocked)
            .chain(disclosed)
        {
            if !known_sdks.contains(&id.as_str()) {
                problems.push(format!("unknown SDK id {id:?} (see `appgov` SDK catalog)"));
            }
        }
        if problems.is_empty() {
            Ok(p)
        } else {
            Err(PolicyError::Invalid(problems))
        }
    }

    /// Applies severity overrides and suppressions. Returns the findings
    /// still in force (expired suppressions noted on them) and the
    /// suppressed ones.
    pub fn apply(
        &self,
        findings: Vec<Finding>,
        package: Option<&str>,
        today: &str,
    ) -> (Vec<Finding>, Vec<Finding>) {
        let mut open = Vec::new();
        let mut suppressed = Vec::new();
        for mut f in findings {
            if let Some(o) = self
                .severity
                .iter()
                .find(|o| o.rule.eq_ignore_ascii_case(&f.rule))
            {
                f.severity = o.severity;
            }
            let matching = self.suppress.iter().find(|s| {
                s.rule.eq_ignore_ascii_case(&f.rule)
                    && s.package.as_deref().is_none_or(|p| Some(p) == package)
                    && s.evidence.as_deref().is_none_or(|needle| {
                        f.evidence.iter().any(|e| {
                            e.value.contains(needle)
                                || e.location.as_deref().is_some_and(|l| l.contains(needle))
                        })
                    })
            });
            match matching {
                Some(s) => {
                    let active = today <= s.expires.as_str();
                    f.suppression = Some(AppliedSuppression {
                        status: if active { "active" } else { "expired" }.into(),
                        reason: s.reason.clone(),
                        owner: s.owner.clone(),
                        expires: s.expires.clone(),
                    });
                    if active {
                        suppressed.push(f);
                    } else {
                        open.push(f);
                    }
                }
                None => open.push(f),
            }
        }
        (open, suppressed)
    }
}
