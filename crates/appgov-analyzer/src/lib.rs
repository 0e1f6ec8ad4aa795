//! Bytes in, facts out: turns an APK, AAB or split set into [`Facts`].
//!
//! Pure: no file system, network, threads or global state. Input arrives
//! through [`ReadAt`] so a 300 MB package is read piecewise; memory is bounded
//! by the largest entry the analyser inflates, not by the file size.

mod apk;
mod code;
mod container;
mod endpoints;
mod hashes;
mod manifest;
mod nsc;
mod signing;
mod sniff;
mod strings;
#[cfg(test)]
mod testdex;

pub use appgov_facts::Facts;
use appgov_facts::InputInfo;
pub use appgov_zip::ReadAt;
pub use strings::{ProbeNeedle, SecretRule, StringRules};

use appgov_zip::ZipArchive;
use std::sync::Arc;

/// Knobs for one analysis. The defaults suit packages up to several hundred MB.
#[derive(Debug, Clone)]
pub struct Options {
    pub zip_limits: appgov_zip::Limits,
    /// How deep packages nested in assets are opened (APK in APK in …).
    pub max_nesting: u8,
    /// Check every signature scheme's content digests. Off, certificates are
    /// still extracted and signed data checked, but nothing counts as
    /// verified — a fast mode for inventories of many large packages.
    pub verify_signatures: bool,
    /// Which groups of facts to gather besides identity and the manifest.
    pub sections: Sections,
    /// Keep `dex.api_uses` (callers of each framework API) only for these
    /// APIs: `class.method`, or a class for all its methods; sorted. `None`
    /// keeps every API. A bank app calls ten thousand framework methods;
    /// the checks need the callers of the few that reach personal
    /// information, and listing all of them would double the JSON.
    pub api_uses_for: Option<Vec<String>>,
    /// Environment-detection markers and secret formats to look for in the
    /// strings the analyser reads (`environment_probes`, `secrets`). `None`
    /// gathers neither; the CLI passes the knowledge catalog's, compiled once
    /// per run.
    pub string_rules: Option<Arc<StringRules>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            zip_limits: appgov_zip::Limits::default(),
            max_nesting: 3,
            verify_signatures: true,
            sections: Sections::ALL,
            api_uses_for: None,
            string_rules: None,
        }
    }
}

/// Groups of facts that can be left out when only part is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sections {
    /// SHA-256, SHA-1 and MD5 of the whole input file.
    pub digests: bool,
    /// Certificates and signature schemes.
    pub signing: bool,
    /// DEX files: classes, strings, API references.
    pub code: bool,
    /// The bytecode walk (needs `code`): API callers (`api_uses`), code
    /// signals, and which packages load each URL.
    pub bytecode: bool,
    /// Native libraries.
    pub native: bool,
    /// Asset inventory and packages nested in assets.
    pub assets: bool,
    /// URLs, domains, IP literals and e-mail addresses.
    pub endpoints: bool,
    /// Environment-detection markers and hard-coded secrets, searched in
    /// the strings the other sections read (needs `Options::string_rules`).
    /// A section of its own: one more pass over every string, which an
    /// inventory (`--only signing,code`) does not need.
    pub strings: bool,
}

impl Sections {
    pub const ALL: Sections = Sections {
        digests: true,
        signing: true,
        code: true,
        bytecode: true,
        native: true,
        assets: true,
        endpoints: true,
        strings: true,
    };
    pub const NAMES: [&'static str; 8] = [
        "digests",
        "signing",
        "code",
        "bytecode",
        "native",
        "assets",
        "endpoints",
        "strings",
    ];

    /// From a comma-separated list of [`Sections::NAMES`].
    pub fn parse(list: &str) -> Result<Sections, String> {
        let mut s = Sections {
            digests: false,
            signing: false,
            code: false,
            bytecode: false,
            native: false,
            assets: false,
            endpoints: false,
            strings: false,
        };
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "digests" => s.digests = true,
                "signing" => s.signing = true,
                "code" => s.code = true,
                "bytecode" => {
                    s.code = true;
                    s.bytecode = true;
                }
                "native" => s.native = true,
                "assets" => s.assets = true,
                "endpoints" => s.endpoints = true,
                "strings" => s.strings = true,
                other => {
                    return Err(format!(
                        "unknown section {other:?}; expected some of {}",
                        Sections::NAMES.join(", ")
                    ));
                }
            }
        }
        Ok(s)
    }

    fn names(&self, verified: bool, strings: bool) -> Vec<String> {
        let mut out = vec!["manifest".to_string()];
        for (on, name) in [
            (self.digests, "digests"),
            (self.signing, "signing"),
            (self.signing && verified, "signature_digests"),
            (self.code, "code"),
            (self.code && self.bytecode, "bytecode"),
            (self.native, "native"),
            (self.assets, "assets"),
            (self.endpoints, "endpoints"),
            // Markers are looked for in code: without DEX strings, none
            // found would mean nothing.
            (strings && self.code, "environment_probes"),
            (strings, "secrets"),
        ] {
            if on {
                out.push(name.to_string());
            }
        }
        out
    }
}

/// Name, size and digests of the input (also used when analysis fails).
pub fn input_info(source: &dyn ReadAt, file_name: &str) -> InputInfo {
    let mut info = input_name(source, file_name);
    if let Ok(d) = hashes::digest_source(source) {
        info.sha256 = d.sha256;
        info.sha1 = d.sha1;
        info.md5 = d.md5;
    }
    info
}

fn input_name(source: &dyn ReadAt, file_name: &str) -> InputInfo {
    InputInfo {
        file_name: file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(file_name)
            .to_string(),
        size: source.size(),
        kind: "unknown".into(),
        ..InputInfo::default()
    }
}

/// What kind of package an archive is, from its entries (not its file name).
fn package_kind(zip: &ZipArchive) -> &'static str {
    if zip.by_name("AndroidManifest.xml").is_some() {
        "apk"
    } else if zip.by_name("base/manifest/AndroidManifest.xml").is_some()
        || zip.by_name("BundleConfig.pb").is_some()
    {
        "aab"
    } else if zip
        .entries()
        .iter()
        .any(|e| e.name.ends_with(".apk") && !e.name.starts_with("assets/"))
    {
        if zip.by_name("manifest.json").is_some() {
            "xapk"
        } else {
            "apks"
        }
    } else {
        "unknown"
    }
}

/// Analyse one package. Never fails: problems end up in `error` and `anomalies`.
pub fn analyze(source: &dyn ReadAt, file_name: &str, options: &Options) -> Facts {
    let mut input = if options.sections.digests {
        input_info(source, file_name)
    } else {
        input_name(source, file_name)
    };
    let zip = match ZipArchive::parse(source, &options.zip_limits) {
        Ok(z) => z,
        Err(e) => {
            return Facts::failed(
                "android",
                input,
                format!("not a readable Android package: {e}"),
            );
        }
    };
    let kind = package_kind(&zip);
    input.kind = kind.to_string();
    let mut facts = Facts::new("android", input);
    let string_rules = options
        .string_rules
        .clone()
        .filter(|_| options.sections.strings);
    facts.analysed = options
        .sections
        .names(options.verify_signatures, string_rules.is_some());
    let mut col = apk::Collector::default();
    col.endpoints.disabled = !options.sections.endpoints;
    col.code.uses_for = options.api_uses_for.clone();
    col.code.walk = options.sections.bytecode;
    col.string_rules = string_rules;
    match kind {
        "aab" => container::analyze_bundle(&zip, &mut facts, &mut col, options),
        "apks" | "xapk" => container::analyze_split_set(&zip, &mut facts, &mut col, options),
        _ => apk::analyze_archive(
            &zip,
            apk::Layout::Apk,
            &mut facts,
            &mut col,
            options,
            "",
            true,
        ),
    }
    apk::finish(col, &mut facts);
    if let Some(watch) = &options.api_uses_for {
        let watched = |api: &str| {
            watch.binary_search_by(|w| w.as_str().cmp(api)).is_ok()
                || api.rsplit_once('.').is_some_and(|(class, _)| {
                    watch.binary_search_by(|w| w.as_str().cmp(class)).is_ok()
                })
        };
        facts.dex.api_uses.retain(|u| watched(&u.api));
    }
    facts
}
