//! Release diff: what changed between two packages of one app — the change
//! control evidence article 7 asks for. Pure: two (facts, analysis) pairs in,
//! a [`ReleaseDiff`] out.

use crate::{Analysis, Finding, Severity};
use appgov_facts::Facts;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Identity of one side.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub file_name: String,
    pub sha256: String,
    pub package: Option<String>,
    pub version_name: Option<String>,
    pub version_code: Option<u64>,
    pub min_sdk: Option<u32>,
    pub target_sdk: Option<u32>,
    /// SHA-256 of the certificates Android installs with.
    pub signers: Vec<String>,
}

/// Added and removed members of a set.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SetChange {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl SetChange {
    fn of<'a>(
        old: impl IntoIterator<Item = &'a str>,
        new: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let o: BTreeSet<&str> = old.into_iter().collect();
        let n: BTreeSet<&str> = new.into_iter().collect();
        SetChange {
            added: n.difference(&o).map(|s| s.to_string()).collect(),
            removed: o.difference(&n).map(|s| s.to_string()).collect(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// A value that changed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ValueChange {
    pub what: String,
    pub old: String,
    pub new: String,
}

/// A finding present on one side only, or whose evidence changed.
#[derive(Debug, Clone, Serialize)]
pub struct FindingChange {
    pub rule: String,
    pub severity: Severity,
    pub title_zh: String,
    pub title_en: String,
    pub articles: Vec<u32>,
    /// Evidence values added / removed (for a new or fixed finding, all of them).
    pub evidence: SetChange,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReleaseDiff {
    pub old: Side,
    pub new: Side,
    /// The package name differs: this is not an update of the same app.
    pub package_changed: bool,
    /// The installing certificate differs: Android refuses the update unless
    /// the new signer's lineage covers the old one. Always worth a stop.
    pub signer_changed: bool,
    /// The new release's v3 lineage contains the old signer (a sanctioned rotation).
    pub signer_rotation_in_lineage: bool,
    /// Version, SDK level and other single values that changed.
    pub values: Vec<ValueChange>,
    pub permissions: SetChange,
    pub sdks: SetChange,
    /// SDKs on both sides whose detected version changed.
    pub sdk_versions: Vec<ValueChange>,
    pub packers: SetChange,
    pub domains: SetChange,
    pub components: SetChange,
    /// Components on both sides whose exported state changed (`old` → `new`).
    pub exported: Vec<ValueChange>,
    pub native_libs: SetChange,
    /// Native libraries on both sides with different content.
    pub native_libs_changed: Vec<String>,
    pub certificates: SetChange,
    pub new_findings: Vec<FindingChange>,
    pub fixed_findings: Vec<FindingChange>,
    pub changed_findings: Vec<FindingChange>,
}

impl ReleaseDiff {
    /// Whether the new side fails a gate at `threshold`: a new or changed
    /// finding at least that severe, or any signer or package change.
    pub fn fails(&self, threshold: Severity) -> bool {
        self.signer_changed && !self.signer_rotation_in_lineage
            || self.package_changed
            || self
                .new_findings
                .iter()
                .chain(&self.changed_findings)
                .any(|f| f.severity.at_least(threshold) && !f.evidence.added.is_empty())
    }
}

fn side(f: &Facts) -> Side {
    let signers = signer_shas(f);
    Side {
        file_name: f.input.file_name.clone(),
        sha256: f.input.sha256.clone(),
        package: f.package.clone(),
        version_name: f.version_name.clone(),
        version_code: f.version_code,
        min_sdk: f.min_sdk,
        target_sdk: f.target_sdk,
        signers,
    }
}

/// The certificates that sign with an APK scheme (not the source stamp), first one first.
fn signer_shas(f: &Facts) -> Vec<String> {
    crate::detect::signer_certificates(f)
        .map(|c| c.sha256.clone())
        .take(1)
        .collect()
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "-".to_string(), ToString::to_string)
}

fn evidence_values(f: &Finding) -> BTreeSet<String> {
    f.evidence
        .iter()
        .map(|e| match &e.location {
            Some(l) => format!("{} @ {l}", e.value),
            None => e.value.clone(),
        })
        .collect()
}

fn change_of(f: &Finding, evidence: SetChange) -> FindingChange {
    FindingChange {
        rule: f.rule.clone(),
        severity: f.severity,
        title_zh: f.title_zh.clone(),
        title_en: f.title_en.clone(),
        articles: f.articles.clone(),
        evidence,
    }
}

/// Compares two analysed packages.
pub fn diff(old: (&Facts, &Analysis), new: (&Facts, &Analysis)) -> ReleaseDiff {
    let (of, oa) = old;
    let (nf, na) = new;
    let mut values = Vec::new();
    let mut value = |what: &str, o: String, n: String| {
        if o != n {
            values.push(ValueChange {
                what: what.into(),
                old: o,
                new: n,
            });
        }
    };
    value("version_name", opt(&of.version_name), opt(&nf.version_name));
    value("version_code", opt(&of.version_code), opt(&nf.version_code));
    value("min_sdk", opt(&of.min_sdk), opt(&nf.min_sdk));
    value("target_sdk", opt(&of.target_sdk), opt(&nf.target_sdk));
    value("label", opt(&of.label), opt(&nf.label));
    value(
        "debuggable",
        of.android.application.debuggable.to_string(),
        nf.android.application.debuggable.to_string(),
    );
    value(
        "allow_backup",
        of.android.application.allow_backup.to_string(),
        nf.android.application.allow_backup.to_string(),
    );
    value(
        "cleartext_permitted",
        of.android
            .application
            .cleartext_permitted_by_default
            .to_string(),
        nf.android
            .application
            .cleartext_permitted_by_default
            .to_string(),
    );
    value(
        "signing_verified",
        of.signing.verified.to_string(),
        nf.signing.verified.to_string(),
    );

    let old_signers = signer_shas(of);
    let new_signers = signer_shas(nf);
    let signer_changed =
        !old_signers.is_empty() && !new_signers.is_empty() && old_signers != new_signers;
    let signer_rotation_in_lineage = signer_changed
        && old_signers.iter().all(|o| {
            nf.signing
                .lineage
                .iter()
                .any(|n| &n.certificate_sha256 == o)
        });

    let comp_exported = |f: &Facts| -> BTreeMap<String, bool> {
        f.android
            .components
            .iter()
            .map(|c| (format!("{} {}", c.kind, c.name), c.exported))
            .collect()
    };
    let (oc, nc) = (comp_exported(of), comp_exported(nf));
    let exported = nc
        .iter()
        .filter_map(|(k, n)| {
            let o = oc.get(k)?;
            (o != n).then(|| ValueChange {
                what: k.clone(),
                old: o.to_string(),
                new: n.to_string(),
            })
        })
        .collect();

    let lib_key = |l: &appgov_facts::NativeLib| l.path.clone();
    let olibs: BTreeMap<String, &str> = of
        .native_libs
        .iter()
        .map(|l| (lib_key(l), l.sha256.as_str()))
        .collect();
    let nlibs: BTreeMap<String, &str> = nf
        .native_libs
        .iter()
        .map(|l| (lib_key(l), l.sha256.as_str()))
        .collect();
    let native_libs_changed = nlibs
        .iter()
        .filter(|(k, sha)| olibs.get(*k).is_some_and(|o| o != *sha))
        .map(|(k, _)| k.clone())
        .collect();

    let osdk: BTreeMap<&str, Option<&String>> = oa
        .sdks
        .iter()
        .map(|s| (s.id.as_str(), s.version.as_ref()))
        .collect();
    let sdk_versions = na
        .sdks
        .iter()
        .filter_map(|s| {
            let o = osdk.get(s.id.as_str())?;
            (*o != s.version.as_ref()).then(|| ValueChange {
                what: s.id.clone(),
                old: o.cloned().unwrap_or_else(|| "-".into()),
                new: s.version.clone().unwrap_or_else(|| "-".into()),
            })
        })
        .collect();

    // Findings keyed by rule.
    let ofind: BTreeMap<&str, &Finding> =
        oa.findings.iter().map(|f| (f.rule.as_str(), f)).collect();
    let nfind: BTreeMap<&str, &Finding> =
        na.findings.iter().map(|f| (f.rule.as_str(), f)).collect();
    let mut new_findings = Vec::new();
    let mut changed_findings = Vec::new();
    for (rule, f) in &nfind {
        let nv = evidence_values(f);
        match ofind.get(rule) {
            None => new_findings.push(change_of(
                f,
                SetChange {
                    added: nv.into_iter().collect(),
                    removed: Vec::new(),
                },
            )),
            Some(o) => {
                let ov = evidence_values(o);
                let ch =
                    SetChange::of(ov.iter().map(String::as_str), nv.iter().map(String::as_str));
                if !ch.is_empty() {
                    changed_findings.push(change_of(f, ch));
                }
            }
        }
    }
    let fixed_findings = ofind
        .iter()
        .filter(|(rule, _)| !nfind.contains_key(*rule))
        .map(|(_, f)| {
            change_of(
                f,
                SetChange {
                    added: Vec::new(),
                    removed: evidence_values(f).into_iter().collect(),
                },
            )
        })
        .collect();

    ReleaseDiff {
        old: side(of),
        new: side(nf),
        package_changed: of.package != nf.package,
        signer_changed,
        signer_rotation_in_lineage,
        values,
        permissions: SetChange::of(
            of.permissions.iter().map(String::as_str),
            nf.permissions.iter().map(String::as_str),
        ),
        sdks: SetChange::of(
            oa.sdks.iter().map(|s| s.id.as_str()),
            na.sdks.iter().map(|s| s.id.as_str()),
        ),
        sdk_versions,
        packers: SetChange::of(
            oa.packers.iter().map(|p| p.id.as_str()),
            na.packers.iter().map(|p| p.id.as_str()),
        ),
        domains: SetChange::of(
            of.endpoints.domains.iter().map(|d| d.value.as_str()),
            nf.endpoints.domains.iter().map(|d| d.value.as_str()),
        ),
        components: SetChange::of(oc.keys().map(String::as_str), nc.keys().map(String::as_str)),
        exported,
        native_libs: SetChange::of(
            olibs.keys().map(String::as_str),
            nlibs.keys().map(String::as_str),
        ),
        native_libs_changed,
        certificates: SetChange::of(
            of.signing.certificates.iter().map(|c| c.sha256.as_str()),
            nf.signing.certificates.iter().map(|c| c.sha256.as_str()),
        ),
        new_findings,
        fixed_findings,
        changed_findings,
    }
}
