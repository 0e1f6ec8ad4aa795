//! One analysed package into ledger records: the release, its findings and
//! its SDK usages. The analyser's facts and the check catalog's analysis go
//! in; the store persists what comes out (and sets `facts_sha256` and
//! `analyser_version`, which only it knows).

use appgov_checks::detect::{in_package, signer_certificates};
use appgov_checks::{Analysis, Severity};
use appgov_facts::Facts;
use appgov_knowledge::sdk::PiCollection;

use crate::lifecycle::ReleaseState;
use crate::model::{Release, ReleaseFinding, SdkUsage};
use crate::vocab::Platform;

/// Most domains kept on a release (a package can embed thousands of hosts;
/// the app's own code uses a few dozen).
pub const MAX_RELEASE_DOMAINS: usize = 500;

/// What one package becomes in the ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    pub release: Release,
    /// Findings in force (suppressed ones are not open, so not recorded).
    pub findings: Vec<ReleaseFinding>,
    pub sdks: Vec<SdkUsage>,
    /// MD5 of every signing certificate, sorted (MIIT filings record MD5;
    /// [`Release`] keeps SHA-256 only, so the caller may keep these beside
    /// it).
    pub signer_md5: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    #[error("the analyser produced no facts for {file}: {reason}")]
    NoFacts { file: String, reason: String },
    #[error("{file}: the package name could not be read, so the release has no identifier")]
    NoIdentifier { file: String },
    #[error("{file}: unknown package platform {platform:?} (kind {kind:?})")]
    UnknownPlatform {
        file: String,
        platform: String,
        kind: String,
    },
    #[error("{file}: the input digest {digest:?} is not a SHA-256 hex digest")]
    BadDigest { file: String, digest: String },
    #[error("{file}: {field} {value} does not fit the ledger's 64-bit integer")]
    OutOfRange {
        file: String,
        field: &'static str,
        value: u64,
    },
}

/// The platform a package's facts describe: the facts' `platform`, else
/// the package kind.
fn platform_of(facts: &Facts) -> Option<Platform> {
    match facts.platform.as_str() {
        "android" => return Some(Platform::Android),
        "ios" => return Some(Platform::Ios),
        "harmony" | "harmonyos" => return Some(Platform::Harmony),
        _ => {}
    }
    match facts.input.kind.as_str() {
        "apk" | "aab" | "apks" | "xapk" | "apkm" => Some(Platform::Android),
        "ipa" => Some(Platform::Ios),
        "hap" | "app" => Some(Platform::Harmony),
        _ => None,
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Sorted, deduplicated, lower-case.
fn sorted_set<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<String> = items.map(|s| s.trim().to_ascii_lowercase()).collect();
    v.retain(|s| !s.is_empty());
    v.sort();
    v.dedup();
    v
}

/// Hosts the app's own code uses: domains loaded by classes under the
/// package name (as PKG-010 decides), never library hosts or strings no
/// code is seen loading. Empty when the bytecode was not walked.
pub fn own_domains(facts: &Facts) -> Vec<String> {
    let Some(app) = facts.package.as_deref() else {
        return Vec::new();
    };
    if !facts.analysed.iter().any(|g| g == "bytecode") {
        return Vec::new();
    }
    let mut v = sorted_set(
        facts
            .endpoints
            .domains
            .iter()
            .filter(|d| d.packages.iter().any(|p| in_package(p, app)))
            .map(|d| d.value.trim_end_matches('.')),
    );
    v.truncate(MAX_RELEASE_DOMAINS);
    v
}

/// Turns one analysed package into ledger records for the app `app_id`;
/// `new_id` gives each record its id (the store's UUIDs).
pub fn release_records(
    facts: &Facts,
    analysis: &Analysis,
    app_id: &str,
    new_id: &mut dyn FnMut() -> String,
) -> Result<Ingested, IngestError> {
    let file = facts.input.file_name.clone();
    if let Some(reason) = &facts.error {
        return Err(IngestError::NoFacts {
            file,
            reason: reason.clone(),
        });
    }
    let platform = platform_of(facts).ok_or_else(|| IngestError::UnknownPlatform {
        file: file.clone(),
        platform: facts.platform.clone(),
        kind: facts.input.kind.clone(),
    })?;
    let identifier = facts
        .package
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| IngestError::NoIdentifier { file: file.clone() })?
        .to_string();
    if !is_sha256(&facts.input.sha256) {
        return Err(IngestError::BadDigest {
            file,
            digest: facts.input.sha256.clone(),
        });
    }
    let int = |field: &'static str, v: u64| {
        i64::try_from(v).map_err(|_| IngestError::OutOfRange {
            file: file.clone(),
            field,
            value: v,
        })
    };
    let version_code = facts
        .version_code
        .map(|v| int("version_code", v))
        .transpose()?;
    let artifact_size = int("size", facts.input.size)?;
    let signers: Vec<_> = signer_certificates(facts).collect();
    let signer_sha256 = sorted_set(signers.iter().map(|c| c.sha256.as_str()));
    let signer_md5 = sorted_set(signers.iter().map(|c| c.md5.as_str()));

    let (mut high, mut medium, mut low) = (0, 0, 0);
    for f in &analysis.findings {
        match f.severity {
            Severity::Critical | Severity::High => high += 1,
            Severity::Medium => medium += 1,
            Severity::Low => low += 1,
        }
    }
    let release_id = new_id();
    let findings = analysis
        .findings
        .iter()
        .map(|f| ReleaseFinding {
            id: new_id(),
            release_id: release_id.clone(),
            rule: f.rule.clone(),
            severity: f.severity.as_str().to_string(),
            title: f.title_zh.clone(),
            location: f
                .evidence
                .iter()
                .find_map(|e| e.location.as_deref().map(|l| format!("{}: {l}", e.kind))),
            version: 1,
        })
        .collect();
    let sdks = analysis
        .sdks
        .iter()
        .map(|s| {
            let vendor = if s.vendor_zh.is_empty() || s.vendor_zh == s.vendor {
                s.vendor.clone()
            } else {
                format!("{} / {}", s.vendor_zh, s.vendor)
            };
            let mut collects = s.pi.clone();
            // The catalog names categories for every PI-collecting SDK
            // today; should one lack them, the usage must still count as
            // collecting (agreements are checked on that).
            if collects.is_empty() && s.collects_pi != PiCollection::None {
                collects.push(UNSPECIFIED_PI.to_string());
            }
            SdkUsage {
                id: new_id(),
                release_id: release_id.clone(),
                sdk: s.id.clone(),
                name: s.display_name(),
                vendor: (!vendor.trim().is_empty()).then_some(vendor),
                collects,
                version: 1,
            }
        })
        .collect();
    let release = Release {
        id: release_id,
        app_id: app_id.to_string(),
        platform,
        identifier,
        version_name: facts.version_name.clone(),
        version_code,
        file_name: file,
        artifact_sha256: facts.input.sha256.to_ascii_lowercase(),
        artifact_size,
        facts_sha256: None,
        analyser_version: None,
        signer_sha256,
        min_sdk: facts.min_sdk.map(i64::from),
        target_sdk: facts.target_sdk.map(i64::from),
        domains: own_domains(facts),
        findings_high: high,
        findings_medium: medium,
        findings_low: low,
        state: ReleaseState::Analysed,
        version: 1,
    };
    Ok(Ingested {
        release,
        findings,
        sdks,
        signer_md5,
    })
}

/// The PI entry of an SDK usage whose catalog entry says it collects
/// personal information without naming categories.
pub const UNSPECIFIED_PI: &str = "unspecified";
