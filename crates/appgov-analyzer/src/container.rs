//! Containers of several packages: App Bundles (modules) and split sets
//! (`.apks`, `.xapk`: a base APK plus configuration and feature splits),
//! merged into one view of what gets installed.

use appgov_facts::{Facts, SplitInfo};
use appgov_zip::{Entry, ReadAt, ZipArchive};

use crate::apk::{self, Collector, Layout, push_anomaly};
use crate::{Options, hashes};

/// Inner packages bigger than this (when compressed, so they must be inflated) are not opened.
const MAX_INFLATED_SPLIT: u64 = 1 << 30;

/// A stored entry read in place from the outer file, so a 200 MB base APK
/// inside a split set is not copied into memory.
struct StoredEntry<'a> {
    outer: &'a dyn ReadAt,
    offset: u64,
    len: u64,
}

impl ReadAt for StoredEntry<'_> {
    fn size(&self) -> u64 {
        self.len
    }
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        if offset.saturating_add(buf.len() as u64) > self.len {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.outer.read_exact_at(buf, self.offset + offset)
    }
}

enum Inner<'a> {
    InPlace(StoredEntry<'a>),
    Owned(Vec<u8>),
}

impl Inner<'_> {
    fn source(&self) -> &dyn ReadAt {
        match self {
            Inner::InPlace(s) => s,
            Inner::Owned(v) => v,
        }
    }
}

fn open_inner<'a>(zip: &ZipArchive<'a>, e: &Entry) -> Result<Inner<'a>, String> {
    if e.method == 0
        && let Some((offset, len)) = zip.raw_data_range(e)
    {
        return Ok(Inner::InPlace(StoredEntry {
            outer: zip.source(),
            offset,
            len,
        }));
    }
    if e.uncompressed_size > MAX_INFLATED_SPLIT {
        return Err(format!(
            "compressed inner package of {} bytes is too large to open",
            e.uncompressed_size
        ));
    }
    zip.read(e).map(Inner::Owned).map_err(|err| err.to_string())
}

pub fn analyze_split_set(
    zip: &ZipArchive,
    facts: &mut Facts,
    col: &mut Collector,
    options: &Options,
) {
    for a in zip.anomalies() {
        push_anomaly(
            facts,
            "zip",
            a.kind.code(),
            a.entry.as_deref(),
            a.detail.clone(),
        );
    }
    let apks: Vec<&Entry> = zip
        .entries()
        .iter()
        .filter(|e| e.name.ends_with(".apk") && !e.is_dir() && !e.name.starts_with("assets/"))
        .collect();
    // Open every inner APK and read its manifest to find the base (the one without `split`).
    let mut opened = Vec::new();
    for e in &apks {
        match open_inner(zip, e) {
            Ok(inner) => opened.push((*e, inner)),
            Err(err) => push_anomaly(facts, "container", "split_unreadable", Some(&e.name), err),
        }
    }
    let mut parsed = Vec::new();
    for (e, inner) in &opened {
        match ZipArchive::parse(inner.source(), &options.zip_limits) {
            Ok(z) => {
                let split = split_name(&z);
                parsed.push((*e, inner, z, split));
            }
            Err(err) => push_anomaly(
                facts,
                "container",
                "split_unreadable",
                Some(&e.name),
                err.to_string(),
            ),
        }
    }
    let base_index = parsed
        .iter()
        .position(|(_, _, z, split)| split.is_none() && z.by_name("AndroidManifest.xml").is_some());
    let Some(base_index) = base_index else {
        facts.error =
            Some("split set has no base APK (an APK whose manifest declares no split)".into());
        return;
    };
    let (base_entry, base_inner, base_zip, _) = &parsed[base_index];
    let base_prefix = format!("{}!/", base_entry.name);
    apk::analyze_archive(
        base_zip,
        Layout::Apk,
        facts,
        col,
        options,
        &base_prefix,
        true,
    );
    let base_cert = facts.signing.certificates.first().map(|c| c.sha256.clone());
    facts.splits.push(split_info(
        &base_entry.name,
        "base",
        None,
        facts,
        base_inner.source(),
    ));

    for (i, (e, inner, z, split)) in parsed.iter().enumerate() {
        if i == base_index {
            continue;
        }
        let mut part = Facts::new("android", facts.input.clone());
        let prefix = format!("{}!/", e.name);
        apk::analyze_archive(z, Layout::Apk, &mut part, col, options, &prefix, true);
        let kind = if part.android.components.is_empty() && part.dex.files.is_empty() {
            "config"
        } else {
            "feature"
        };
        facts.splits.push(split_info(
            &e.name,
            kind,
            split.clone(),
            &part,
            inner.source(),
        ));
        if part.package != facts.package {
            push_anomaly(
                facts,
                "container",
                "split_package_mismatch",
                Some(&e.name),
                format!(
                    "split is for package {:?}, base is {:?}",
                    part.package, facts.package
                ),
            );
        }
        let cert = part.signing.certificates.first().map(|c| c.sha256.clone());
        if cert != base_cert {
            push_anomaly(
                facts,
                "container",
                "split_signer_mismatch",
                Some(&e.name),
                "split is not signed by the base APK's certificate; Android refuses to install the set"
                    .into(),
            );
        }
        merge(facts, part);
    }
}

pub fn analyze_bundle(zip: &ZipArchive, facts: &mut Facts, col: &mut Collector, options: &Options) {
    let mut modules: Vec<&str> = zip
        .entries()
        .iter()
        .filter_map(|e| e.name.strip_suffix("/manifest/AndroidManifest.xml"))
        .filter(|m| !m.is_empty() && !m.contains('/'))
        .collect();
    modules.sort_unstable();
    modules.dedup();
    if !modules.contains(&"base") {
        facts.error =
            Some("App Bundle has no base module (base/manifest/AndroidManifest.xml)".into());
        return;
    }
    apk::analyze_archive(
        zip,
        Layout::BundleModule("base"),
        facts,
        col,
        options,
        "",
        true,
    );
    facts.splits.push(SplitInfo {
        path: "base".into(),
        kind: "base".into(),
        split: None,
        package: facts.package.clone(),
        version_code: facts.version_code,
        sha256: String::new(),
    });
    for m in modules.into_iter().filter(|m| *m != "base") {
        let mut part = Facts::new("android", facts.input.clone());
        apk::analyze_archive(
            zip,
            Layout::BundleModule(m),
            &mut part,
            col,
            options,
            "",
            false,
        );
        let kind = if zip
            .entries()
            .iter()
            .any(|e| e.name.starts_with(m) && e.name.ends_with("/assets.pb"))
        {
            "asset_pack"
        } else {
            "feature"
        };
        facts.splits.push(SplitInfo {
            path: m.to_string(),
            kind: kind.into(),
            split: part
                .android
                .split_name
                .clone()
                .or_else(|| Some(m.to_string())),
            package: part.package.clone(),
            version_code: part.version_code,
            sha256: String::new(),
        });
        merge(facts, part);
    }
}

fn split_name(z: &ZipArchive) -> Option<String> {
    let e = z.by_name("AndroidManifest.xml")?;
    let data = z.read(e).ok()?;
    let doc = appgov_axml::parse_axml(&data, &appgov_axml::Limits::default()).ok()?;
    doc.root
        .as_ref()?
        .attr(None, "split")
        .map(|a| a.string_value())
        .filter(|s| !s.is_empty())
}

fn split_info(
    path: &str,
    kind: &str,
    split: Option<String>,
    f: &Facts,
    source: &dyn ReadAt,
) -> SplitInfo {
    SplitInfo {
        path: path.to_string(),
        kind: kind.to_string(),
        split,
        package: f.package.clone(),
        version_code: f.version_code,
        sha256: hashes::digest_source(source)
            .map(|d| d.sha256)
            .unwrap_or_default(),
    }
}

/// Add what a split or feature module contributes to the installed app.
fn merge(facts: &mut Facts, part: Facts) {
    for p in part.permissions {
        if !facts.permissions.contains(&p) {
            facts.permissions.push(p);
        }
    }
    let a = &mut facts.android;
    let b = part.android;
    a.uses_permissions.extend(b.uses_permissions);
    a.declared_permissions.extend(b.declared_permissions);
    a.components.extend(b.components);
    a.deep_links.extend(b.deep_links);
    a.meta_data.extend(b.meta_data);
    a.uses_features.extend(b.uses_features);
    a.uses_libraries.extend(b.uses_libraries);
    let d = &mut facts.dex;
    d.files.extend(part.dex.files);
    d.classes += part.dex.classes;
    d.strings += part.dex.strings;
    d.methods += part.dex.methods;
    d.fields += part.dex.fields;
    facts.native_libs.extend(part.native_libs);
    for abi in part.abis {
        if !facts.abis.contains(&abi) {
            facts.abis.push(abi);
        }
    }
    facts.assets.extend(part.assets);
    facts.nested.extend(part.nested);
    for an in part.anomalies {
        if facts.anomalies.len() < 5_000 {
            facts.anomalies.push(an);
        }
    }
}
