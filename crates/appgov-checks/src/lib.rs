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
    /// Package prefixes of the detected SDKs with the index of their hit,
    /// longest first, so the most specific SDK owns a package.
    sdk_prefixes: Vec<(&'a str, usize)>,
}

impl<'a> Context<'a> {
    fn new(
        facts: &'a Facts,
        knowledge: &'a Knowledge,
        sdks: &'a [SdkHit],
        packers: &'a [PackerHit],
        policy: Option<&'a Policy>,
        today: &str,
    ) -> Context<'a> {
        let mut sdk_prefixes = Vec::new();
        for (i, hit) in sdks.iter().enumerate() {
            if let Some(sdk) = knowledge.sdks.iter().find(|s| s.id == hit.id) {
                sdk_prefixes.extend(sdk.evidence.packages.iter().map(|p| (p.as_str(), i)));
            }
        }
        sdk_prefixes.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        Context {
            facts,
            knowledge,
            sdks,
            packers,
            today: today.to_string(),
            policy,
            api_refs_sorted: facts.dex.api_refs.is_sorted(),
            sdk_prefixes,
        }
    }

    /// The detected SDK whose code a Java package belongs to, if any: the
    /// difference between "the app reads the IMEI" and "an SDK does" is what
    /// article 16's SDK disclosure turns on.
    pub fn sdk_of_package(&self, package: &str) -> Option<&'a SdkHit> {
        self.sdk_prefixes
            .iter()
            .find(|(prefix, _)| detect::in_package(package, prefix))
            .map(|&(_, i)| &self.sdks[i])
    }

    /// The detected SDK owning a code site `class.method`.
    pub fn sdk_of_site(&self, site: &str) -> Option<&'a SdkHit> {
        // `pkg.Class.method` → `pkg.Class`; the class name itself is within
        // its package for prefix matching.
        let class = site.rsplit_once('.').map_or(site, |(c, _)| c);
        self.sdk_of_package(class)
    }

    /// Evidence for a code site, naming the SDK that owns it.
    pub fn code_evidence(&self, site: &str, what: &str) -> Evidence {
        let value = match self.sdk_of_site(site) {
            Some(sdk) => format!("{what} [SDK: {}]", sdk.display_name()),
            None => what.to_string(),
        };
        Evidence::new("code", Some(site), value)
    }

    /// Where an embedded URL or domain was found, with the code that loads
    /// it and that code's SDK: `dex:classes.dex ← com.umeng.analytics [SDK: 友盟+ …]`.
    pub fn endpoint_location(&self, l: &appgov_facts::Located) -> Option<String> {
        /// Loading packages shown per value; the facts keep up to 16.
        const SHOWN: usize = 3;
        let mut loc = l.found_in.first().cloned()?;
        if !l.packages.is_empty() {
            let shown: Vec<String> = l
                .packages
                .iter()
                .take(SHOWN)
                .map(|p| match self.sdk_of_package(p) {
                    Some(sdk) => format!("{p} [SDK: {}]", sdk.display_name()),
                    None => p.clone(),
                })
                .collect();
            loc.push_str(" ← ");
            loc.push_str(&shown.join(", "));
            if l.packages.len() > SHOWN {
                loc.push_str(&format!(" +{}", l.packages.len() - SHOWN));
            }
        }
        Some(loc)
    }

    /// Callers of a framework API (`class.method`) from the bytecode, each
    /// with the SDK that owns it: `com.umeng.commonsdk [SDK: 友盟+ / Umeng]`.
    pub fn api_callers(&self, api: &str) -> Option<String> {
        let uses = &self.facts.dex.api_uses;
        let u = uses
            .binary_search_by(|u| u.api.as_str().cmp(api))
            .ok()
            .map(|i| &uses[i])
            .or_else(|| uses.iter().find(|u| u.api == api))?;
        let mut parts: Vec<String> = u
            .callers
            .iter()
            .map(|c| {
                let shown = if c.is_empty() { "(default package)" } else { c };
                match self.sdk_of_package(c) {
                    Some(sdk) => format!("{shown} [SDK: {}]", sdk.display_name()),
                    None => shown.to_string(),
                }
            })
            .collect();
        if u.callers_truncated > 0 {
            parts.push(format!("+{}", u.callers_truncated));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// Whether a group of facts was gathered (`code`, `native`, …): a check
    /// must not conclude "absent" from facts nobody looked at.
    pub fn analysed(&self, group: &str) -> bool {
        self.facts.analysed.iter().any(|g| g == group)
    }
    /// Whether the app's code is readable: gathered, and not hidden by a
    /// packer — neither missing from the package nor replaced by a packer's
    /// stub loader, which leaves a readable dex of a dozen classes while
    /// the app itself stays encrypted.
    pub fn code_readable(&self) -> bool {
        self.analysed("code")
            && !self.facts.dex.code_hidden
            && !self.packers.iter().any(|p| p.hides_dex)
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
    /// What the checks could not decide on this package, and why: no
    /// finding is not the same as no problem when the code was hidden or
    /// not read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<Limit>,
}

/// Checks that could not be decided on a package.
#[derive(Debug, Clone, Serialize)]
pub struct Limit {
    /// `code_hidden` (a packer hides the app's DEX) or `code_not_read`
    /// (the scan left the code or bytecode out).
    pub kind: String,
    pub message_zh: String,
    pub message_en: String,
    /// The checks left undecided.
    pub rules: Vec<String>,
}

/// Checks that judge the app's code from its classes, strings and API
/// references (the `code` section).
const CODE_CHECKS: &[&str] = &["PKG-016", "PKG-017", "PKG-018"];
/// Checks that need every method walked (the `bytecode` section).
const BYTECODE_CHECKS: &[&str] = &["PKG-006", "PKG-024", "PKG-025", "PKG-028", "PKG-029"];
/// Checks on the string search (the `strings` section), with the group
/// each needs in `analysed`.
const STRING_CHECKS: &[(&str, &str)] = &[("PKG-023", "secrets"), ("PKG-030", "environment_probes")];

fn limits(cx: &Context<'_>) -> Vec<Limit> {
    let registered = |ids: Vec<&str>| -> Vec<String> {
        let mut v: Vec<String> = ids
            .into_iter()
            .filter(|id| RULES.iter().any(|r| r.meta().id == *id))
            .map(str::to_string)
            .collect();
        v.sort();
        v
    };
    let all = || {
        CODE_CHECKS
            .iter()
            .chain(BYTECODE_CHECKS)
            .copied()
            .chain(STRING_CHECKS.iter().map(|(id, _)| *id))
            .collect::<Vec<_>>()
    };
    let mut not_read: Vec<&str> = Vec::new();
    if !cx.analysed("code") {
        not_read = all();
    } else {
        if !cx.analysed("bytecode") {
            not_read.extend(BYTECODE_CHECKS);
        }
        not_read.extend(
            STRING_CHECKS
                .iter()
                .filter(|(_, group)| !cx.analysed(group))
                .map(|(id, _)| *id),
        );
    }
    if !not_read.is_empty() {
        return vec![Limit {
            kind: "code_not_read".into(),
            message_zh: "本次扫描未读取（全部）代码或未检索字符串：依赖它们的检查项未作判断。".into(),
            message_en: "This scan did not read (all) the code or search its strings: checks that depend on them were not decided.".into(),
            rules: registered(not_read),
        }];
    }
    if !cx.code_readable() {
        let by: Vec<&str> = cx
            .packers
            .iter()
            .filter(|p| p.hides_dex)
            .map(|p| p.name_zh.as_str())
            .collect();
        let (zh_by, en_by) = if by.is_empty() {
            (String::new(), String::new())
        } else {
            (
                format!("（{}）", by.join("、")),
                format!(" ({})", by.join(", ")),
            )
        };
        return vec![Limit {
            kind: "code_hidden".into(),
            message_zh: format!(
                "应用代码被加固隐藏{zh_by}：依赖代码的检查项未作判断，结论只来自清单、签名、原生库、资源与可见的 SDK 特征；请在脱壳后或以加固前的包复测。"
            ),
            message_en: format!(
                "The app's code is hidden by a packer{en_by}: checks that depend on code were not decided; the results rest on the manifest, signing, native libraries, resources and visible SDK traces. Re-test an unpacked build or the build before hardening."
            ),
            rules: registered(all()),
        }];
    }
    Vec::new()
}

impl Analysis {
    pub fn empty() -> Analysis {
        Analysis {
            sdks: Vec::new(),
            packers: Vec::new(),
            findings: Vec::new(),
            suppressed: Vec::new(),
            limits: Vec::new(),
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
    let cx = Context::new(facts, knowledge, &sdks, &packers, policy, today);
    let mut findings = Vec::new();
    for rule in RULES {
        rule.check(&cx, &mut findings);
    }
    let limits = if facts.android.application.has_code {
        limits(&cx)
    } else {
        Vec::new()
    };
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
        limits,
    }
}
