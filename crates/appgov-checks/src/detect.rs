//! SDK and packer detection: every kind of evidence in the catalog is
//! matched against the facts, and each hit keeps the evidence that fired.

use crate::finding::Evidence;
use appgov_facts::{CertificateFacts, Facts};
use appgov_knowledge::sdk::PiCollection;
use appgov_knowledge::{Knowledge, PackerEvidence};
use serde::Serialize;

/// An SDK found in the package.
#[derive(Debug, Clone, Serialize)]
pub struct SdkHit {
    pub id: String,
    pub name: String,
    pub name_zh: String,
    pub vendor: String,
    pub vendor_zh: String,
    pub category: String,
    pub category_zh: String,
    pub collects_pi: PiCollection,
    /// PI category ids.
    pub pi: Vec<String>,
    pub version: Option<String>,
    /// Each piece of evidence that fired.
    pub evidence: Vec<Evidence>,
}

impl SdkHit {
    /// `中文名 / English name`, or one name when both are the same.
    pub fn display_name(&self) -> String {
        if self.name_zh == self.name {
            self.name.clone()
        } else {
            format!("{} / {}", self.name_zh, self.name)
        }
    }
}

/// A packer or protector found in the package.
#[derive(Debug, Clone, Serialize)]
pub struct PackerHit {
    pub id: String,
    pub name: String,
    pub name_zh: String,
    pub vendor: String,
    pub kind: String,
    pub hides_dex: bool,
    pub evidence: Vec<Evidence>,
}

/// `*` matches any run of characters (including none); everything else
/// literally, ASCII case-insensitively. Written here because the catalog's
/// patterns are plain file names and paths, not shell globs with classes,
/// braces or path-segment rules.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi].eq_ignore_ascii_case(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// `name` is `prefix` or lies inside it (`com.umeng` covers `com.umeng.analytics`, not `com.umengx`).
pub fn in_package(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// `host` is `domain` or a subdomain of it.
pub fn in_domain(host: &str, domain: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host.strip_suffix(domain)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Certificates that sign the app with an APK scheme: not the
/// distributor's source stamp, not an old certificate known only from a
/// rotation lineage.
pub fn signer_certificates(facts: &Facts) -> impl Iterator<Item = &CertificateFacts> {
    facts
        .signing
        .certificates
        .iter()
        .filter(|c| c.schemes.iter().any(|s| s != "source_stamp"))
}

/// Every archive path the facts know of (native libraries, assets, nested packages).
fn paths(facts: &Facts) -> impl Iterator<Item = &str> {
    facts
        .native_libs
        .iter()
        .map(|l| l.path.as_str())
        .chain(facts.assets.iter().map(|a| a.path.as_str()))
        .chain(facts.nested.iter().map(|n| n.path.as_str()))
}

pub fn sdks(facts: &Facts, k: &Knowledge) -> Vec<SdkHit> {
    let mut hits = Vec::new();
    for sdk in &k.sdks {
        let e = &sdk.evidence;
        let mut ev = Vec::new();
        for prefix in &e.packages {
            if let Some(p) = facts
                .dex
                .packages
                .iter()
                .find(|p| in_package(&p.name, prefix))
            {
                let classes: u64 = facts
                    .dex
                    .packages
                    .iter()
                    .filter(|q| in_package(&q.name, prefix))
                    .map(|q| q.classes)
                    .sum();
                ev.push(Evidence::new(
                    "package",
                    Some(&p.name),
                    format!("{prefix} ({classes} classes)"),
                ));
            }
        }
        for pat in &e.native_libs {
            if let Some(l) = facts
                .native_libs
                .iter()
                .find(|l| wildcard(pat, file_name(&l.path)))
            {
                ev.push(Evidence::new("native", Some(&l.path), pat.clone()));
            }
        }
        for pat in &e.components {
            let hit = facts
                .android
                .components
                .iter()
                .find(|c| match pat.strip_suffix('*') {
                    Some(pre) => c.name.starts_with(pre),
                    None => c.name == *pat,
                });
            if let Some(c) = hit {
                ev.push(Evidence::new("component", Some(&c.kind), c.name.clone()));
            }
        }
        for key in &e.meta_data {
            if let Some(m) = facts.android.meta_data.iter().find(|m| m.name == *key) {
                ev.push(Evidence::new(
                    "meta_data",
                    Some(&m.name),
                    m.value.clone().unwrap_or_default(),
                ));
            }
        }
        for pat in &e.assets {
            if let Some(p) = paths(facts).find(|p| wildcard(pat, p)) {
                ev.push(Evidence::new("asset", Some(p), pat.clone()));
            }
        }
        for dom in &e.hosts {
            if let Some(d) = facts
                .endpoints
                .domains
                .iter()
                .find(|d| in_domain(&d.value, dom))
            {
                ev.push(Evidence::new(
                    "host",
                    d.found_in.first().map(String::as_str),
                    d.value.clone(),
                ));
            }
        }
        if ev.is_empty() {
            continue;
        }
        let version = sdk.version.as_ref().and_then(|v| {
            let key = v.meta_data.as_ref()?;
            facts
                .android
                .meta_data
                .iter()
                .find(|m| &m.name == key)
                .and_then(|m| m.value.clone())
        });
        hits.push(SdkHit {
            id: sdk.id.clone(),
            name: sdk.name_en.clone(),
            name_zh: sdk.name_zh.clone(),
            vendor: sdk.vendor_en.clone(),
            vendor_zh: sdk.vendor_zh.clone(),
            category: sdk.category.as_str().into(),
            category_zh: sdk.category.label_zh().into(),
            collects_pi: sdk.collects_pi,
            pi: sdk.pi.clone(),
            version,
            evidence: ev,
        });
    }
    hits
}

pub fn packers(facts: &Facts, k: &Knowledge) -> Vec<PackerHit> {
    let mut hits = Vec::new();
    let app_class = facts.android.application.class_name.as_deref();
    for pk in &k.packers {
        let e = &pk.evidence;
        let mut ev = Vec::new();
        for pat in &e.native_libs {
            let lib = facts
                .native_libs
                .iter()
                .map(|l| l.path.as_str())
                .chain(facts.assets.iter().map(|a| a.path.as_str()))
                .find(|p| wildcard(pat, file_name(p)));
            if let Some(p) = lib {
                ev.push(Evidence::new("native", Some(p), pat.clone()));
            }
        }
        for pat in &e.files {
            if let Some(p) = paths(facts).find(|p| wildcard(pat, p)) {
                ev.push(Evidence::new("asset", Some(p), pat.clone()));
            }
        }
        for class in &e.classes {
            if app_class == Some(class.as_str()) {
                ev.push(Evidence::new(
                    "manifest",
                    Some("application@android:name"),
                    class.clone(),
                ));
            } else if let Some(c) = facts.android.components.iter().find(|c| c.name == *class) {
                ev.push(Evidence::new("component", Some(&c.kind), class.clone()));
            } else if let Some((pkg, _)) = class.rsplit_once('.')
                && pkg.contains('.')
                && facts.dex.packages.iter().any(|p| p.name == pkg)
            {
                // The facts list packages, not classes: the stub's package
                // is there, which for these vendor-specific names suffices.
                ev.push(Evidence::new("package", Some(pkg), class.clone()));
            }
        }
        for name in &e.renamed_packages {
            if let Some(p) = facts.dex.packages.iter().find(|p| {
                p.name == *name && p.non_ascii_names >= PackerEvidence::MIN_RENAMED_CLASSES
            }) {
                ev.push(Evidence::new(
                    "package",
                    Some(&p.name),
                    format!(
                        "{} of {} classes renamed to non-ASCII names",
                        p.non_ascii_names, p.classes
                    ),
                ));
            }
        }
        if ev.is_empty() {
            continue;
        }
        hits.push(PackerHit {
            id: pk.id.clone(),
            name: pk.name_en.clone(),
            name_zh: pk.name_zh.clone(),
            vendor: pk.vendor_en.clone(),
            kind: pk.kind.as_str().into(),
            hides_dex: pk.hides_dex,
            evidence: ev,
        });
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_matching() {
        assert!(wildcard("libjiagu*.so", "libjiagu_a64.so"));
        assert!(wildcard("libjiagu*.so", "libjiagu.so"));
        assert!(!wildcard("libjiagu*.so", "libjiagu.so.bak"));
        assert!(wildcard("assets/*.jar", "assets/a/b.jar"));
        assert!(wildcard("LIBX.SO", "libx.so"));
        assert!(!wildcard("libx.so", "libxy.so"));
        assert!(wildcard("*", ""));
        assert!(wildcard("a*b*c", "aXXbYYc"));
        assert!(!wildcard("a*b*c", "aXXbYY"));
    }

    #[test]
    fn package_and_domain_boundaries() {
        assert!(in_package("com.umeng.analytics", "com.umeng"));
        assert!(in_package("com.umeng", "com.umeng"));
        assert!(!in_package("com.umengx", "com.umeng"));
        assert!(in_domain("api.umeng.com", "umeng.com"));
        assert!(in_domain("UMENG.COM.", "umeng.com"));
        assert!(!in_domain("notumeng.com", "umeng.com"));
    }
}
