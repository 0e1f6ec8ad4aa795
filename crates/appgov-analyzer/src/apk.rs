//! One APK (or an App Bundle module laid out like one) → facts.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use appgov_apksig::{HashAlg, PackageView};

use appgov_axml::{LocalePref, ResourceTable, XmlDocument};
use appgov_facts::{
    Anomaly, ArchiveFacts, AssetInfo, DexFileFacts, Facts, IconInfo, LocalizedText, NativeLib,
    NestedPackage, PackageCount,
};
use appgov_zip::{Entry, ReadAt, ZipArchive};

use crate::code::{BitSet, CodeCollector};
use crate::endpoints::EndpointCollector;
use crate::manifest::{self, Resolver};
use crate::strings::{Look, MAX_SECRET_ASSET, StringCollector, StringRules};
use crate::{Options, hashes, nsc, signing, sniff};

/// Where the parts of a package live: an APK has them at the root, an App
/// Bundle module under `<module>/` with the manifest in `manifest/`.
#[derive(Clone, Copy)]
pub enum Layout<'p> {
    Apk,
    BundleModule(&'p str),
}

impl Layout<'_> {
    fn manifest_path(&self) -> String {
        match self {
            Layout::Apk => "AndroidManifest.xml".into(),
            Layout::BundleModule(m) => format!("{m}/manifest/AndroidManifest.xml"),
        }
    }
    fn resources_path(&self) -> String {
        match self {
            Layout::Apk => "resources.arsc".into(),
            Layout::BundleModule(m) => format!("{m}/resources.pb"),
        }
    }
    /// Path inside the archive of a path the manifest or resources name (`res/…`).
    fn file(&self, path: &str) -> String {
        match self {
            Layout::Apk => path.into(),
            Layout::BundleModule(m) => format!("{m}/{path}"),
        }
    }
    /// `(dex index, …)` for a root dex entry name, like `classes2.dex` → 2.
    fn dex_index(&self, name: &str) -> Option<u32> {
        let rest = match self {
            Layout::Apk => name,
            Layout::BundleModule(m) => name.strip_prefix(m)?.strip_prefix("/dex/")?,
        };
        let n = rest.strip_prefix("classes")?.strip_suffix(".dex")?;
        if n.is_empty() {
            Some(1)
        } else if n.starts_with('0') {
            None
        } else {
            n.parse().ok().filter(|i| *i >= 2)
        }
    }
    fn lib_prefix(&self) -> String {
        self.file("lib/")
    }
    fn assets_prefix(&self) -> String {
        self.file("assets/")
    }
    fn is_proto(&self) -> bool {
        matches!(self, Layout::BundleModule(_))
    }
}

/// Accumulates facts from the parts of a package (and, for split sets and
/// bundles, from several packages).
#[derive(Default)]
pub struct Collector {
    pub endpoints: EndpointCollector,
    /// Classes and all-non-ASCII-named classes per package.
    pub packages: BTreeMap<String, (u64, u64)>,
    /// Framework API references and uses, code signals.
    pub code: CodeCollector,
    /// Environment-detection markers and secrets, when rules are given.
    pub strings: StringCollector,
    pub string_rules: Option<Arc<StringRules>>,
}

/// Most resource names reported for one secret value in the resource table.
const MAX_RESOURCE_NAMES: usize = 8;

/// Text assets bigger than this are inventoried but not scanned for endpoints.
const MAX_SCANNED_TEXT: u64 = 8 << 20;
/// Nested packages bigger than this are inventoried but not opened.
const MAX_NESTED_SIZE: u64 = 256 << 20;
const MAX_ASSETS: usize = 100_000;

pub fn push_anomaly(
    facts: &mut Facts,
    source: &str,
    kind: &str,
    path: Option<&str>,
    detail: String,
) {
    // Hostile packages can produce many; keep the facts bounded.
    if facts.anomalies.len() < 5_000 {
        facts.anomalies.push(Anomaly {
            source: source.into(),
            kind: kind.into(),
            path: path.map(str::to_string),
            detail,
        });
    }
}

/// Fill `facts` from one parsed archive.
pub fn analyze_archive(
    zip: &ZipArchive,
    layout: Layout,
    facts: &mut Facts,
    col: &mut Collector,
    options: &Options,
    path_prefix: &str,
    whole_archive: bool,
) {
    if whole_archive {
        archive_facts(zip, facts, path_prefix);
    }

    // Manifest and resources.
    let manifest_doc = read_xml(
        zip,
        &layout.manifest_path(),
        layout.is_proto(),
        facts,
        "manifest",
    );
    let table = read_table(zip, &layout.resources_path(), layout.is_proto(), facts);
    let resolver = Resolver {
        table: table.as_ref(),
    };
    let mut min_sdk = 1;
    let mut target_sdk = None;
    let mut sandbox = None;
    match manifest_doc.as_ref().and_then(|d| d.root.as_ref()) {
        Some(root) => {
            let m = manifest::interpret(root, &resolver);
            min_sdk = m.min_sdk;
            target_sdk = Some(m.target_sdk);
            sandbox = m.application.target_sandbox_version;
            apply_manifest(m, zip, layout, table.as_ref(), &resolver, facts, col);
            if facts.package.is_none() && facts.error.is_none() {
                facts.error = Some(format!(
                    "{} declares no package name; Android refuses to install it (other facts are partial)",
                    layout.manifest_path()
                ));
            }
        }
        None => {
            if facts.error.is_none() {
                facts.error = Some(format!(
                    "no readable {}: not an Android application package (other facts are partial)",
                    layout.manifest_path()
                ));
            }
        }
    }
    if manifest_doc
        .as_ref()
        .is_some_and(|d| d.android_would_reject)
    {
        push_anomaly(
            facts,
            "manifest",
            "android_would_reject_manifest",
            Some(&layout.manifest_path()),
            "Android's XML parser would refuse this manifest; the facts show what could be read"
                .into(),
        );
    }

    let sections = options.sections;
    let mut processed = HashSet::new();
    if whole_archive && sections.signing {
        // A bundle is never installed: it carries only the uploader's JAR
        // signature, so the install-time rules tied to the target SDK don't apply.
        let verify = match layout {
            Layout::Apk => appgov_apksig::VerifyOptions {
                min_sdk,
                max_sdk: u32::MAX,
                target_sdk,
                target_sandbox_version: sandbox,
                content_digests: options.verify_signatures,
            },
            Layout::BundleModule(_) => appgov_apksig::VerifyOptions {
                content_digests: options.verify_signatures,
                ..appgov_apksig::VerifyOptions::range(min_sdk, u32::MAX)
            },
        };
        // JAR (v1) verification inflates every entry to digest it; DEX files
        // and native libraries are analysed from that same inflate.
        let report = {
            let mut on_entry = |e: &Entry, data: &[u8]| {
                processed.insert(e.index);
                if layout.dex_index(&e.name).is_some() {
                    scan_dex(data, &format!("{path_prefix}{}", e.name), facts, col);
                } else if let Some(abi) = native_abi(layout, e) {
                    native_lib(e, abi, Ok(data), facts, col, path_prefix);
                }
            };
            let view = SharedInflate {
                zip,
                wants: &|e: &Entry| {
                    sections.code && layout.dex_index(&e.name).is_some()
                        || sections.native && native_abi(layout, e).is_some()
                },
                on_entry: RefCell::new(&mut on_entry),
            };
            appgov_apksig::verify_view(&view, &verify)
        };
        signing::apply(&report, facts);
        if let Some(channel) = signing::channel_in_comment(zip.comment()) {
            facts.signing.channels.push(channel);
        }
    }
    if sections.code {
        dex_files(zip, layout, facts, col, path_prefix, &processed);
    }
    if sections.native {
        native_libs(zip, layout, facts, col, path_prefix, &processed);
    }
    if let Some(table) = &table
        && (!col.endpoints.disabled || col.string_rules.is_some())
    {
        let location = format!("res:{path_prefix}{}", layout.resources_path());
        let rules = col.string_rules.clone();
        for s in table.value_strings() {
            col.endpoints.scan(&s, &location);
            if let Some(rules) = &rules
                && rules.holds_secret(&s)
            {
                // Name the resources holding it (`res:string/google_api_key`):
                // whether a key is Firebase's public one shows in the name.
                let names = table.names_with_string(&s, MAX_RESOURCE_NAMES);
                if names.is_empty() {
                    col.strings.scan(rules, &s, &location, Look::Secrets);
                }
                for name in names {
                    let at = format!("res:{path_prefix}{name}");
                    col.strings.scan(rules, &s, &at, Look::Secrets);
                }
            }
        }
    }
    if sections.assets {
        assets(zip, layout, facts, col, options, path_prefix);
    }
}

fn archive_facts(zip: &ZipArchive, facts: &mut Facts, path_prefix: &str) {
    let l = zip.layout();
    let entries = zip.entries();
    facts.archive = ArchiveFacts {
        entries: entries.len() as u64,
        uncompressed_size: entries.iter().map(|e| e.uncompressed_size).sum(),
        eocd_offset: l.eocd_offset,
        central_directory_offset: l.cd_offset,
        central_directory_size: l.cd_size,
        prefix_len: l.prefix_len,
        zip64: l.zip64,
        signing_block_size: None,
    };
    for a in zip.anomalies() {
        let path = a.entry.as_deref().map(|e| format!("{path_prefix}{e}"));
        push_anomaly(
            facts,
            "zip",
            a.kind.code(),
            path.as_deref(),
            a.detail.clone(),
        );
    }
}

fn read_entry(zip: &ZipArchive, name: &str, facts: &mut Facts, source: &str) -> Option<Vec<u8>> {
    let entry = zip.by_name(name)?;
    match zip.read(entry) {
        Ok(data) => Some(data),
        Err(e) => {
            push_anomaly(facts, source, "entry_unreadable", Some(name), e.to_string());
            None
        }
    }
}

fn read_xml(
    zip: &ZipArchive,
    name: &str,
    proto: bool,
    facts: &mut Facts,
    source: &str,
) -> Option<XmlDocument> {
    let data = read_entry(zip, name, facts, source)?;
    let limits = appgov_axml::Limits::default();
    let parsed = if proto {
        appgov_axml::parse_proto_xml(&data, &limits)
    } else {
        appgov_axml::parse_axml(&data, &limits)
    };
    match parsed {
        Ok(doc) => {
            for a in &doc.anomalies {
                push_anomaly(facts, source, a.kind.code(), Some(name), a.detail.clone());
            }
            Some(doc)
        }
        Err(e) => {
            push_anomaly(facts, source, "xml_unreadable", Some(name), e.to_string());
            None
        }
    }
}

fn read_table(
    zip: &ZipArchive,
    name: &str,
    proto: bool,
    facts: &mut Facts,
) -> Option<ResourceTable> {
    let data = read_entry(zip, name, facts, "resources")?;
    let limits = appgov_axml::Limits::default();
    let parsed = if proto {
        appgov_axml::parse_proto_table(&data, &limits)
    } else {
        appgov_axml::parse_arsc(&data, &limits)
    };
    match parsed {
        Ok(t) => {
            for a in t.anomalies() {
                push_anomaly(
                    facts,
                    "resources",
                    a.kind.code(),
                    Some(name),
                    a.detail.clone(),
                );
            }
            Some(t)
        }
        Err(e) => {
            push_anomaly(
                facts,
                "resources",
                "resource_table_unreadable",
                Some(name),
                e.to_string(),
            );
            None
        }
    }
}

/// Locales offered in `labels` besides the default, Chinese first.
const LABEL_LOCALES: &[&str] = &["zh-CN", "zh-TW", "zh-HK", "en"];

fn apply_manifest(
    m: manifest::ManifestFacts,
    zip: &ZipArchive,
    layout: Layout,
    table: Option<&ResourceTable>,
    res: &Resolver,
    facts: &mut Facts,
    col: &mut Collector,
) {
    facts.package = m.package;
    facts.version_code = m.version_code;
    facts.version_name = m.version_name;
    facts.min_sdk = Some(m.min_sdk);
    facts.target_sdk = Some(m.target_sdk);
    facts.max_sdk = m.max_sdk;
    facts.compile_sdk = m.compile_sdk;
    facts.permissions = m.permissions;
    let a = &mut facts.android;
    a.application = m.application;
    a.uses_permissions = m.uses_permissions;
    a.declared_permissions = m.declared_permissions;
    a.components = m.components;
    a.deep_links = m.deep_links;
    a.meta_data = m.meta_data;
    a.queries = m.queries;
    a.uses_features = m.uses_features;
    a.uses_libraries = m.uses_libraries;
    a.shared_user_id = m.shared_user_id;
    a.install_location = m.install_location;
    a.split_name = m.split;
    for (kind, detail) in m.anomalies {
        push_anomaly(
            facts,
            "manifest",
            kind,
            Some(&layout.manifest_path()),
            detail,
        );
    }
    for md in &facts.android.meta_data {
        if let Some(v) = &md.value {
            col.endpoints.scan(v, "manifest");
            if let Some(rules) = &col.string_rules {
                let at = format!("manifest:meta-data:{}", md.name);
                col.strings.scan(rules, v, &at, Look::Secrets);
            }
        }
    }
    if let Some(rules) = &col.string_rules {
        // Root and emulator checks must declare the packages they look up
        // (package visibility, API 30+).
        for p in &facts.android.queries.packages {
            col.strings.scan(rules, p, "manifest", Look::Both);
        }
    }

    // Label, default locale first.
    if let Some(attr) = &m.label_attr {
        facts.label = res.string(attr);
        if let (Some(table), Some(id)) = (table, attr.value.as_reference()) {
            for tag in LABEL_LOCALES {
                if let Some(v) = table.resolve_string(id, &LocalePref::from_tag(tag)) {
                    facts.labels.push(LocalizedText {
                        locale: tag.to_string(),
                        value: v,
                    });
                }
            }
        }
    }

    // Icon: the highest-density bitmap, else whatever the default resolves to.
    if let Some(attr) = &m.icon_attr {
        let mut icon = IconInfo {
            resource: res.reference_name(attr),
            ..IconInfo::default()
        };
        if let (Some(table), Some(id)) = (table, attr.value.as_reference()) {
            icon.path = table.resolve_string(id, &LocalePref::default_locale());
        }
        if let Some(path) = &icon.path
            && let Some(data) = read_entry(zip, &layout.file(path), facts, "resources")
        {
            icon.sha256 = Some(hashes::sha256_hex(&data));
        }
        facts.icon = Some(icon);
    }

    // Network security config.
    if let Some(attr) = &m.nsc_attr {
        let path = match (table, attr.value.as_reference()) {
            (Some(table), Some(id)) => table.resolve_string(id, &LocalePref::default_locale()),
            _ => None,
        };
        match path {
            Some(path) => {
                let name = layout.file(&path);
                if let Some(doc) = read_xml(zip, &name, layout.is_proto(), facts, "resources")
                    && let Some(root) = &doc.root
                {
                    let config = nsc::interpret(root, res);
                    // With a config present, `usesCleartextTraffic` is ignored (API 24+).
                    facts.android.application.cleartext_permitted_by_default = config
                        .base
                        .cleartext_permitted
                        .unwrap_or(facts.target_sdk.unwrap_or(1) < 28);
                    for d in &config.domains {
                        for dom in &d.domains {
                            col.endpoints.scan(&dom.name, "res:network_security_config");
                        }
                    }
                    facts.android.network_security = Some(config);
                }
            }
            None => push_anomaly(
                facts,
                "manifest",
                "network_security_config_unresolved",
                None,
                "android:networkSecurityConfig does not resolve to a file".into(),
            ),
        }
    }
}

fn dex_files(
    zip: &ZipArchive,
    layout: Layout,
    facts: &mut Facts,
    col: &mut Collector,
    path_prefix: &str,
    processed: &HashSet<usize>,
) {
    let mut dexes: Vec<(u32, &Entry)> = zip
        .entries()
        .iter()
        .filter_map(|e| layout.dex_index(&e.name).map(|i| (i, e)))
        .collect();
    dexes.sort_by_key(|(i, _)| *i);
    dexes.dedup_by_key(|(i, _)| *i);
    // ART loads classes.dex, classes2.dex, … and stops at the first gap.
    for (expected, (i, e)) in (1..).zip(dexes.iter()) {
        if *i != expected {
            push_anomaly(
                facts,
                "dex",
                "dex_numbering_gap",
                Some(&e.name),
                format!("expected classes{expected}.dex next; Android stops loading at the gap"),
            );
            break;
        }
    }
    for (_, e) in &dexes {
        if processed.contains(&e.index) {
            continue;
        }
        let path = format!("{path_prefix}{}", e.name);
        match zip.read(e) {
            Ok(data) => {
                scan_dex(&data, &path, facts, col);
            }
            Err(err) => {
                push_anomaly(
                    facts,
                    "dex",
                    "entry_unreadable",
                    Some(&path),
                    err.to_string(),
                );
                facts.dex.files.push(DexFileFacts {
                    path,
                    size: e.uncompressed_size,
                    error: Some(err.to_string()),
                    ..DexFileFacts::default()
                });
            }
        }
    }
    let depth = path_prefix.matches("!/").count();
    let readable = facts
        .dex
        .files
        .iter()
        // The package's own DEX, from any member of a split set
        // (`base.apk!/classes.dex`), not DEX nested in assets: as deep as
        // this member's own, no deeper.
        .filter(|f| f.error.is_none() && f.path.matches("!/").count() <= depth)
        .count();
    // Members of a split set come one by one; the verdict covers all seen.
    facts.dex.code_hidden =
        facts.android.application.has_code && readable == 0 && facts.package.is_some();
}

/// Parse one DEX into the facts; false when it is not readable DEX.
pub fn scan_dex(data: &[u8], path: &str, facts: &mut Facts, col: &mut Collector) -> bool {
    // ART verifies the Adler-32 checksum but ignores the SHA-1 signature, and
    // ordinary build tools leave it stale (6 of the corpus's dex files), so
    // checking it costs a SHA-1 over all code for weak evidence.
    let limits = appgov_dex::Limits {
        verify_signature: false,
        ..appgov_dex::Limits::default()
    };
    let dex = match appgov_dex::parse(data, &limits) {
        Ok(d) => d,
        Err(err) => {
            push_anomaly(facts, "dex", "dex_unreadable", Some(path), err.to_string());
            facts.dex.files.push(DexFileFacts {
                path: path.to_string(),
                size: data.len() as u64,
                error: Some(err.to_string()),
                ..DexFileFacts::default()
            });
            return false;
        }
    };
    let summary = dex.summary();
    for a in &summary.anomalies {
        push_anomaly(facts, "dex", a.kind.code(), Some(path), a.detail.clone());
    }
    for p in &summary.packages {
        let n = col.packages.entry(p.name.clone()).or_default();
        n.0 += p.classes;
        n.1 += p.non_ascii_names;
    }
    let location = format!("dex:{path}");
    // Strings holding endpoints, markers or secrets, so the code scan can
    // tell which code loads them.
    let mut endpoint_strings = BitSet::default();
    let mut marked_strings = BitSet::default();
    let rules = col.string_rules.clone();
    if !col.endpoints.disabled || rules.is_some() {
        endpoint_strings = BitSet::with_len(dex.string_count());
        marked_strings = BitSet::with_len(dex.string_count());
        for (i, s) in (0u32..).zip(dex.strings()) {
            if col.endpoints.scan(&s, &location) {
                endpoint_strings.insert(i);
                marked_strings.insert(i);
            }
            // Type descriptors (`Lcom/x/Y;`, a third of a DEX's string
            // bytes) hold neither markers (written dotted) nor secrets.
            if let Some(rules) = &rules
                && !is_type_descriptor(&s)
                && col.strings.scan(rules, &s, &location, Look::Both)
            {
                marked_strings.insert(i);
            }
        }
    }
    let (endpoints, strings) = (&mut col.endpoints, &mut col.strings);
    col.code.scan_dex(
        &dex,
        path,
        &marked_strings,
        facts,
        &mut |s, text, packages| {
            if endpoint_strings.contains(s) {
                endpoints.attribute(text, packages);
            }
            if let Some(rules) = &rules {
                strings.attribute(rules, text, packages);
            }
        },
    );
    facts.dex.classes += u64::from(summary.classes);
    facts.dex.strings += u64::from(summary.strings);
    facts.dex.methods += u64::from(summary.methods);
    facts.dex.fields += u64::from(summary.fields);
    facts.dex.files.push(DexFileFacts {
        path: path.to_string(),
        size: data.len() as u64,
        version: Some(u32::from(summary.version)),
        classes: u64::from(summary.classes),
        strings: u64::from(summary.strings),
        methods: u64::from(summary.methods),
        fields: u64::from(summary.fields),
        error: None,
    });
    true
}

fn is_type_descriptor(s: &str) -> bool {
    let b = s.as_bytes();
    matches!(b.first(), Some(b'L' | b'[')) && b.last() == Some(&b';') && !b.contains(&b' ')
}

/// The ABI directory of a native library entry (`lib/<abi>/x.so`).
fn native_abi<'e>(layout: Layout, e: &'e Entry) -> Option<&'e str> {
    let rest = e.name.strip_prefix(&layout.lib_prefix())?;
    let (abi, file) = rest.split_once('/')?;
    (!file.is_empty() && !file.contains('/') && file.ends_with(".so") && !e.is_dir()).then_some(abi)
}

fn native_libs(
    zip: &ZipArchive,
    layout: Layout,
    facts: &mut Facts,
    col: &mut Collector,
    path_prefix: &str,
    processed: &HashSet<usize>,
) {
    for e in zip.entries() {
        let Some(abi) = native_abi(layout, e) else {
            continue;
        };
        if processed.contains(&e.index) {
            continue;
        }
        let data = zip.read(e).map_err(|err| err.to_string());
        native_lib(
            e,
            abi,
            data.as_deref().map_err(String::as_str),
            facts,
            col,
            path_prefix,
        );
    }
}

fn native_lib(
    e: &Entry,
    abi: &str,
    data: Result<&[u8], &str>,
    facts: &mut Facts,
    col: &mut Collector,
    path_prefix: &str,
) {
    if !facts.abis.iter().any(|a| a == abi) {
        facts.abis.push(abi.to_string());
    }
    let path = format!("{path_prefix}{}", e.name);
    let mut lib = NativeLib {
        path: path.clone(),
        abi: abi.to_string(),
        size: e.uncompressed_size,
        zip_aligned_16k: Some(e.method == 0 && e.data_offset.is_some_and(|o| o % 16384 == 0)),
        ..NativeLib::default()
    };
    let data = match data {
        Ok(d) => d,
        Err(err) => {
            lib.error = Some(err.to_string());
            push_anomaly(
                facts,
                "native",
                "entry_unreadable",
                Some(&path),
                err.to_string(),
            );
            facts.native_libs.push(lib);
            return;
        }
    };
    lib.sha256 = hashes::sha256_hex(data);
    lib.size = data.len() as u64;
    match appgov_elf::parse(data, &appgov_elf::Limits::default()) {
        Ok(elf) => {
            lib.machine = Some(elf.machine_name.to_string());
            lib.soname = elf.soname.clone();
            lib.needed = elf.needed.clone();
            lib.nx = Some(elf.nx);
            lib.pie = Some(elf.pie);
            lib.relro = Some(elf.relro.as_str().to_string());
            lib.stack_canary = Some(elf.stack_canary);
            lib.fortify = Some(elf.fortify);
            lib.stripped = elf.stripped;
            lib.text_relocations = Some(elf.text_relocations);
            lib.rpath = elf.rpath.iter().chain(&elf.runpath).cloned().collect();
            lib.min_load_align = elf.min_load_align;
            lib.page_16k_compatible = elf.page_16k_compatible;
            if let Some(actual) = elf.android_abi.filter(|a| *a != abi) {
                push_anomaly(
                    facts,
                    "native",
                    "abi_directory_mismatch",
                    Some(&path),
                    format!("{actual} code in lib/{abi}/"),
                );
            }
            for a in &elf.anomalies {
                push_anomaly(
                    facts,
                    "native",
                    a.kind.code(),
                    Some(&path),
                    a.detail.clone(),
                );
            }
            let location = format!("native:{path}");
            let rules = col.string_rules.clone();
            // Five characters for markers like `frida`; endpoints need six.
            for s in appgov_elf::rodata_strings(data, 5, 65_536) {
                if s.chars().nth(5).is_some() {
                    col.endpoints.scan(&s, &location);
                }
                if let Some(rules) = &rules {
                    col.strings.scan(rules, &s, &location, Look::Both);
                }
            }
        }
        Err(err) => {
            lib.error = Some(err.to_string());
            push_anomaly(facts, "native", "not_elf", Some(&path), err.to_string());
        }
    }
    facts.native_libs.push(lib);
}

type EntryHandler<'h> = dyn FnMut(&Entry, &[u8]) + 'h;

/// A package view for signature verification that hands the bytes of
/// selected entries to the analyser as it digests them, so each DEX file and
/// native library is inflated once instead of twice.
struct SharedInflate<'a, 'z> {
    zip: &'a ZipArchive<'z>,
    wants: &'a dyn Fn(&Entry) -> bool,
    on_entry: RefCell<&'a mut EntryHandler<'a>>,
}

impl PackageView for SharedInflate<'_, '_> {
    fn source(&self) -> &dyn ReadAt {
        self.zip.source()
    }
    fn layout(&self) -> (u64, u64, u64) {
        PackageView::layout(self.zip)
    }
    fn names(&self) -> Vec<String> {
        PackageView::names(self.zip)
    }
    fn read(&self, name: &str, max: u64) -> Result<Vec<u8>, String> {
        PackageView::read(self.zip, name, max)
    }
    fn digest(&self, name: &str, algs: &[HashAlg]) -> Result<Vec<Vec<u8>>, String> {
        match self.zip.by_name(name) {
            Some(e) if (self.wants)(e) => {
                let data = self.zip.read(e).map_err(|err| err.to_string())?;
                if let Ok(mut handler) = self.on_entry.try_borrow_mut() {
                    handler(e, &data);
                }
                Ok(algs.iter().map(|a| a.digest(&data)).collect())
            }
            _ => PackageView::digest(self.zip, name, algs),
        }
    }
}

fn assets(
    zip: &ZipArchive,
    layout: Layout,
    facts: &mut Facts,
    col: &mut Collector,
    options: &Options,
    path_prefix: &str,
) {
    let prefix = layout.assets_prefix();
    let raw_prefix = layout.file("res/raw/");
    for e in zip.entries() {
        if e.is_dir() || !(e.name.starts_with(&prefix) || e.name.starts_with(&raw_prefix)) {
            continue;
        }
        if facts.assets.len() >= MAX_ASSETS {
            push_anomaly(
                facts,
                "container",
                "asset_limit_reached",
                None,
                format!("more than {MAX_ASSETS} assets; the rest are not inventoried"),
            );
            break;
        }
        let path = format!("{path_prefix}{}", e.name);
        let head = zip.read_head(e, sniff::HEAD_LEN).unwrap_or_default();
        let kind = sniff::detect(&head, &e.name);
        facts.assets.push(AssetInfo {
            path: path.clone(),
            size: e.uncompressed_size,
            compressed_size: e.compressed_size,
            detected_type: kind.to_string(),
        });
        let secret_scan = col.string_rules.is_some()
            && matches!(kind, "json" | "xml" | "properties" | "text" | "pem")
            && e.uncompressed_size <= MAX_SECRET_ASSET
            && col.strings.secret_budget_left(e.uncompressed_size);
        let endpoint_scan = sniff::is_text(kind) && e.uncompressed_size <= MAX_SCANNED_TEXT;
        if endpoint_scan || secret_scan {
            if let Ok(data) = zip.read(e) {
                let text = String::from_utf8_lossy(&data);
                let location = format!("asset:{path}");
                if endpoint_scan && !col.endpoints.disabled {
                    for line in text.split(['\n', '"', '\'', '<', '>', ' ']) {
                        col.endpoints.scan(line, &location);
                    }
                }
                if secret_scan && let Some(rules) = &col.string_rules {
                    // Whole text: a PEM key spans lines.
                    col.strings.scan(rules, &text, &location, Look::Secrets);
                }
            }
        } else if matches!(kind, "dex" | "apk" | "jar" | "zip")
            && e.uncompressed_size <= MAX_NESTED_SIZE
        {
            nested(zip, e, kind, &path, facts, col, options, 1);
        }
    }
}

/// Open a package hidden in another one (plugins, packer payloads), bounded in depth.
#[allow(clippy::too_many_arguments)]
fn nested(
    zip: &ZipArchive,
    e: &Entry,
    kind: &str,
    path: &str,
    facts: &mut Facts,
    col: &mut Collector,
    options: &Options,
    depth: u8,
) {
    let mut info = NestedPackage {
        path: path.to_string(),
        kind: kind.to_string(),
        size: e.uncompressed_size,
        ..NestedPackage::default()
    };
    let data = match zip.read(e) {
        Ok(d) => d,
        Err(err) => {
            info.error = Some(err.to_string());
            facts.nested.push(info);
            return;
        }
    };
    info.sha256 = hashes::sha256_hex(&data);
    if kind == "dex" {
        let before = facts.dex.classes;
        if scan_dex(&data, path, facts, col) {
            info.dex_files = 1;
            info.classes = facts.dex.classes - before;
        }
        facts.nested.push(info);
        return;
    }
    let inner = match ZipArchive::parse(&data, &options.zip_limits) {
        Ok(z) => z,
        Err(err) => {
            info.error = Some(err.to_string());
            facts.nested.push(info);
            return;
        }
    };
    let inner_prefix = format!("{path}!/");
    if let Some(m) = inner.by_name("AndroidManifest.xml")
        && let Ok(bytes) = inner.read(m)
        && let Ok(doc) = appgov_axml::parse_axml(&bytes, &appgov_axml::Limits::default())
    {
        info.package = doc.package_name();
    }
    let before = facts.dex.classes;
    for ie in inner.entries() {
        if ie.is_dir() {
            continue;
        }
        let ipath = format!("{inner_prefix}{}", ie.name);
        let is_root_dex = Layout::Apk.dex_index(&ie.name).is_some();
        let head = inner.read_head(ie, sniff::HEAD_LEN).unwrap_or_default();
        let ikind = sniff::detect(&head, &ie.name);
        if ikind == "dex" && (is_root_dex || depth < options.max_nesting) {
            if let Ok(bytes) = inner.read(ie)
                && scan_dex(&bytes, &ipath, facts, col)
            {
                info.dex_files += 1;
            }
        } else if matches!(ikind, "apk" | "jar" | "zip")
            && depth < options.max_nesting
            && ie.uncompressed_size <= MAX_NESTED_SIZE
        {
            nested(&inner, ie, ikind, &ipath, facts, col, options, depth + 1);
        }
    }
    info.classes = facts.dex.classes - before;
    facts.nested.push(info);
}

/// Turn the collector into facts (sorted, deduplicated).
pub fn finish(col: Collector, facts: &mut Facts) {
    // Signature verification visits entries in MANIFEST.MF order; report in a stable order.
    facts.dex.files.sort_by_key(|f| dex_order(&f.path));
    facts.native_libs.sort_by(|a, b| a.path.cmp(&b.path));
    facts.abis.sort();
    facts.endpoints = col.endpoints.finish();
    facts.dex.packages = col
        .packages
        .into_iter()
        .map(|(name, (classes, non_ascii_names))| PackageCount {
            name,
            classes,
            non_ascii_names,
        })
        .collect();
    col.code.finish(facts);
    if let Some(rules) = &col.string_rules {
        col.strings.finish(rules, facts);
    }
}

/// `classes.dex` < `classes2.dex` < … < `classes10.dex`, top-level before nested.
fn dex_order(path: &str) -> (usize, String, u32) {
    let depth = path.matches("!/").count();
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let n = file
        .strip_prefix("classes")
        .and_then(|f| f.strip_suffix(".dex"))
        .map_or(u32::MAX, |n| {
            if n.is_empty() {
                1
            } else {
                n.parse().unwrap_or(u32::MAX)
            }
        });
    (depth, dir.to_string(), n)
}
