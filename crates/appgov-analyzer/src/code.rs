//! Facts only the bytecode gives: the framework APIs each app package calls
//! (`api_refs`, `api_uses`), security-relevant code patterns
//! (`code_signals`) and which code loads each endpoint string.
//!
//! Cost matters here: a bank app has 30+ dex files and several hundred
//! thousand methods, and the whole scan of a 100 MB package has to fit in a
//! second on one core. So the work per dex is:
//!
//! 1. Index look-ups, no full table decode: framework classes are the type
//!    ranges with the framework prefixes (types are sorted by descriptor),
//!    and only their method ids get a name. Each method id gets a slot: its
//!    API number, and whether a call of it needs a closer look.
//! 2. One allocation-free pass over all code
//!    ([`appgov_dex::code::scan_instructions`]) that looks at invokes,
//!    `const-string` and `sget-object` only: per invoke it reads the callee's
//!    slot, records (API, calling package) once per package run, and marks
//!    the method when the callee is watched.
//! 3. The few marked methods are walked again with a small register model
//!    ([`Regs`]) that knows which registers hold constants, so a call's
//!    constant arguments can be read.
//!
//! The pass spends the dex's code budget ([`Dex::code_budget`]) exactly as
//! [`Dex::method_codes`] does; when it runs out the rest of the file is not
//! walked and a `code_budget_exhausted` anomaly says so.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::ControlFlow;

use appgov_dex::code::scan_instructions;
use appgov_dex::{Dex, EncodedMethod, Instruction, WalkError, descriptor_to_java};
use appgov_facts::{ApiUse, CodeSignals, CodeSites, CodeValue, Facts};

use crate::apk::push_anomaly;

/// Framework packages whose referenced methods are reported as API use.
const FRAMEWORK_PREFIXES: &[&str] = &[
    "Landroid/",
    "Ljava/",
    "Ljavax/",
    "Ldalvik/",
    "Lorg/apache/http/",
    "Lorg/json/",
];
/// Distinct framework methods kept (a real app has about 20,000).
const MAX_APIS: usize = 500_000;
/// Distinct (API, calling package) pairs kept; bounds memory on hostile input.
const MAX_USES: usize = 1_000_000;
/// Distinct calling packages kept.
const MAX_PACKAGES: usize = 200_000;
/// Distinct sites remembered per pattern before only counting.
const MAX_TRACKED_SITES: usize = 10_000;
/// Distinct constant values kept per value list.
const MAX_VALUES: usize = 64;
/// Longest constant value reported (in bytes).
const MAX_VALUE_LEN: usize = 128;
/// Superclasses followed when a call names an app subclass of a watched class.
const MAX_SUPER_DEPTH: usize = 16;

/// API slot value of a method id that is not a framework method.
const NO_API: u32 = 0x7fff_ffff;
/// Bit set in a slot's `api` when calls of the method need a closer look.
const WATCHED: u32 = 1 << 31;
/// `stamp` of a slot no package has called yet.
const NO_PACKAGE: u32 = u32::MAX;
/// `FLAG_SECURE` of `android.view.WindowManager.LayoutParams`.
const FLAG_SECURE: i64 = 0x2000;

/// FxHash (rustc's hasher): the maps here are keyed by short names and
/// integers from our own tables, so a DoS-resistant hash buys nothing and
/// costs time on every call.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits, which pick the bucket, depending
        // only on the key's low bits; bring the well-mixed high bits down
        // (as rustc-hash 2 does), or keys that differ only in their high
        // half (`api << 32 | package`) all collide.
        self.0.rotate_left(26)
    }
}

type Fx = BuildHasherDefault<FxHasher>;

/// What a call of a watched method means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Watch {
    /// `SslErrorHandler.proceed`: a finding when called from `onReceivedSslError`.
    SslProceed,
    JsInterface,
    /// File-URL access switches: argument 1 (after `this`) is the boolean.
    FileAccess,
    JsEnabled,
    /// `Window.addFlags(flags)` / `setFlags(flags, mask)`.
    WindowFlags {
        has_mask: bool,
    },
    DynamicCode,
    AllowAllVerifier,
    Cipher,
    Digest,
    SecretKey,
    /// An IV constructor; `arg` is the register position of the IV bytes.
    Iv {
        arg: u8,
    },
    /// Turns a constant string into constant bytes (`String.getBytes`,
    /// Base64 decoding); `arg` is the position of the input.
    ToBytes {
        arg: u8,
    },
}

impl Watch {
    /// Whether a call marks the method for the second, closer walk.
    fn triggers(self) -> bool {
        !matches!(self, Watch::ToBytes { .. })
    }
}

/// Watched methods: class descriptor, method name, meaning, and whether a
/// call through an app subclass (`MyWebView.addJavascriptInterface`) counts.
const WATCHES: &[(&str, &str, Watch, bool)] = &[
    (
        "Landroid/webkit/SslErrorHandler;",
        "proceed",
        Watch::SslProceed,
        false,
    ),
    (
        "Landroid/webkit/WebView;",
        "addJavascriptInterface",
        Watch::JsInterface,
        true,
    ),
    (
        "Landroid/webkit/WebSettings;",
        "setAllowFileAccessFromFileURLs",
        Watch::FileAccess,
        false,
    ),
    (
        "Landroid/webkit/WebSettings;",
        "setAllowUniversalAccessFromFileURLs",
        Watch::FileAccess,
        false,
    ),
    (
        "Landroid/webkit/WebSettings;",
        "setJavaScriptEnabled",
        Watch::JsEnabled,
        false,
    ),
    (
        "Landroid/view/Window;",
        "setFlags",
        Watch::WindowFlags { has_mask: true },
        false,
    ),
    (
        "Landroid/view/Window;",
        "addFlags",
        Watch::WindowFlags { has_mask: false },
        false,
    ),
    (
        "Ldalvik/system/DexClassLoader;",
        "<init>",
        Watch::DynamicCode,
        false,
    ),
    (
        "Ldalvik/system/InMemoryDexClassLoader;",
        "<init>",
        Watch::DynamicCode,
        false,
    ),
    (
        "Ldalvik/system/BaseDexClassLoader;",
        "<init>",
        Watch::DynamicCode,
        false,
    ),
    (
        "Ldalvik/system/DexFile;",
        "<init>",
        Watch::DynamicCode,
        false,
    ),
    (
        "Ldalvik/system/DexFile;",
        "loadDex",
        Watch::DynamicCode,
        false,
    ),
    ("Ljava/lang/Runtime;", "load", Watch::DynamicCode, false),
    ("Ljava/lang/System;", "load", Watch::DynamicCode, false),
    (
        "Lorg/apache/http/conn/ssl/AllowAllHostnameVerifier;",
        "<init>",
        Watch::AllowAllVerifier,
        false,
    ),
    ("Ljavax/crypto/Cipher;", "getInstance", Watch::Cipher, false),
    (
        "Ljava/security/MessageDigest;",
        "getInstance",
        Watch::Digest,
        false,
    ),
    (
        "Ljavax/crypto/spec/SecretKeySpec;",
        "<init>",
        Watch::SecretKey,
        false,
    ),
    (
        "Ljavax/crypto/spec/DESKeySpec;",
        "<init>",
        Watch::SecretKey,
        false,
    ),
    (
        "Ljavax/crypto/spec/DESedeKeySpec;",
        "<init>",
        Watch::SecretKey,
        false,
    ),
    (
        "Ljavax/crypto/spec/IvParameterSpec;",
        "<init>",
        Watch::Iv { arg: 1 },
        false,
    ),
    (
        "Ljavax/crypto/spec/GCMParameterSpec;",
        "<init>",
        Watch::Iv { arg: 2 },
        false,
    ),
    (
        "Ljava/lang/String;",
        "getBytes",
        Watch::ToBytes { arg: 0 },
        false,
    ),
    (
        "Landroid/util/Base64;",
        "decode",
        Watch::ToBytes { arg: 0 },
        false,
    ),
    (
        "Ljava/util/Base64$Decoder;",
        "decode",
        Watch::ToBytes { arg: 1 },
        false,
    ),
];

/// Interfaces (and abstract classes) whose implementations are checked for
/// bodies that accept everything, with the method that decides.
const IMPLEMENTED: &[(&str, bool, &str, Implements)] = &[
    (
        "Ljavax/net/ssl/X509TrustManager;",
        true,
        "checkServerTrusted",
        Implements::TrustManager,
    ),
    (
        "Ljavax/net/ssl/X509ExtendedTrustManager;",
        false,
        "checkServerTrusted",
        Implements::TrustManager,
    ),
    (
        "Ljavax/net/ssl/HostnameVerifier;",
        true,
        "verify",
        Implements::HostnameVerifier,
    ),
    (
        "Lorg/apache/http/conn/ssl/X509HostnameVerifier;",
        true,
        "verify",
        Implements::HostnameVerifier,
    ),
    (
        "Lorg/apache/http/conn/ssl/AbstractVerifier;",
        false,
        "verify",
        Implements::HostnameVerifier,
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Implements {
    TrustManager,
    HostnameVerifier,
}

/// Per method id: its framework API number (or [`NO_API`], with
/// [`WATCHED`] or-ed in) and the last package recorded as calling it.
#[derive(Clone, Copy)]
struct Slot {
    api: u32,
    stamp: u32,
    /// Record this API's callers (it is on the `api_uses` watch list).
    keep_uses: bool,
}

/// Distinct sites of one pattern.
#[derive(Default)]
struct SiteSet {
    sites: BTreeSet<String>,
    /// Sites beyond [`MAX_TRACKED_SITES`] (counted, possibly twice).
    overflow: u64,
}

impl SiteSet {
    fn add(&mut self, site: &str) {
        if self.sites.contains(site) {
            return;
        }
        if self.sites.len() < MAX_TRACKED_SITES {
            self.sites.insert(site.to_string());
        } else {
            self.overflow = self.overflow.saturating_add(1);
        }
    }

    fn finish(self) -> CodeSites {
        CodeSites {
            count: (self.sites.len() as u64).saturating_add(self.overflow),
            sites: self.sites.into_iter().take(CodeSites::MAX_SITES).collect(),
        }
    }
}

/// Constant values with their sites.
#[derive(Default)]
struct ValueSet {
    values: BTreeMap<String, SiteSet>,
}

impl ValueSet {
    fn add(&mut self, value: &str, site: &str) {
        let mut value = value;
        if value.len() > MAX_VALUE_LEN {
            value = value
                .get(..value.floor_char_boundary(MAX_VALUE_LEN))
                .unwrap_or("");
        }
        if let Some(sites) = self.values.get_mut(value) {
            sites.add(site);
        } else if self.values.len() < MAX_VALUES {
            let mut sites = SiteSet::default();
            sites.add(site);
            self.values.insert(value.to_string(), sites);
        }
    }

    fn finish(self) -> Vec<CodeValue> {
        self.values
            .into_iter()
            .map(|(value, sites)| {
                let s = sites.finish();
                CodeValue {
                    value,
                    count: s.count,
                    sites: s.sites,
                }
            })
            .collect()
    }
}

#[derive(Default)]
struct Signals {
    trust_all_trust_managers: SiteSet,
    permissive_hostname_verifiers: SiteSet,
    ssl_error_proceed: SiteSet,
    webview_javascript_interface: SiteSet,
    webview_file_access: SiteSet,
    webview_javascript_enabled: SiteSet,
    secure_flag: SiteSet,
    dynamic_code_loading: SiteSet,
    cipher_transformations: ValueSet,
    message_digest_algorithms: ValueSet,
    secret_key_specs: SiteSet,
    static_iv: SiteSet,
}

impl Signals {
    fn finish(self) -> CodeSignals {
        CodeSignals {
            trust_all_trust_managers: self.trust_all_trust_managers.finish(),
            permissive_hostname_verifiers: self.permissive_hostname_verifiers.finish(),
            ssl_error_proceed: self.ssl_error_proceed.finish(),
            webview_javascript_interface: self.webview_javascript_interface.finish(),
            webview_file_access: self.webview_file_access.finish(),
            webview_javascript_enabled: self.webview_javascript_enabled.finish(),
            secure_flag: self.secure_flag.finish(),
            dynamic_code_loading: self.dynamic_code_loading.finish(),
            cipher_transformations: self.cipher_transformations.finish(),
            message_digest_algorithms: self.message_digest_algorithms.finish(),
            secret_key_specs: self.secret_key_specs.finish(),
            static_iv: self.static_iv.finish(),
        }
    }
}

/// Accumulates code facts over every dex of a package (and of the members
/// of a split set or bundle).
#[derive(Default)]
pub struct CodeCollector {
    /// `class.method` → API number, and back.
    api_ids: HashMap<String, u32, Fx>,
    api_names: Vec<String>,
    apis_dropped: bool,
    /// Package in descriptor form (`com/foo`) → number; names kept dotted.
    pkg_ids: HashMap<String, u32, Fx>,
    pkg_names: Vec<String>,
    /// `(api << 32) | package` for every call seen.
    uses: HashSet<u64, Fx>,
    uses_dropped: bool,
    signals: Signals,
    /// Scratch, one per method id of the dex being scanned.
    slots: Vec<Slot>,
    /// Keep `api_uses` only for these APIs (sorted; `class.method` or class).
    pub(crate) uses_for: Option<Vec<String>>,
    /// Per API number: whether its callers are recorded.
    api_keep: Vec<bool>,
    /// Walk the bytecode (`Sections::bytecode`); without it only `api_refs`.
    pub(crate) walk: bool,
}

/// Whether `api` (`class.method`) is on the watch list (all are without one).
fn keeps_uses(watch: Option<&[String]>, api: &str) -> bool {
    let Some(watch) = watch else { return true };
    let hit = |k: &str| watch.binary_search_by(|w| w.as_str().cmp(k)).is_ok();
    hit(api) || api.rsplit_once('.').is_some_and(|(class, _)| hit(class))
}

/// A method picked for the closer walk.
struct Marked {
    class_idx: u32,
    method: EncodedMethod,
}

/// A constant-bytes argument read from a field, decided once the field's
/// initialisers have been read.
struct FieldUse {
    field: u32,
    site: String,
    iv: bool,
}

impl CodeCollector {
    /// Number of package `desc_pkg` (descriptor form), interning it.
    fn package_id(&mut self, desc_pkg: &str) -> u32 {
        if let Some(&id) = self.pkg_ids.get(desc_pkg) {
            return id;
        }
        if self.pkg_names.len() >= MAX_PACKAGES {
            return NO_PACKAGE;
        }
        let id = self.pkg_names.len() as u32;
        self.pkg_ids.insert(desc_pkg.to_string(), id);
        self.pkg_names.push(desc_pkg.replace('/', "."));
        id
    }

    /// Scans the code of one dex. `endpoint_strings` marks the string
    /// indexes the caller wants attributed: for each that some code loads,
    /// `attribute(index, text, packages)` is called once with the sorted
    /// packages of the loading classes.
    pub fn scan_dex(
        &mut self,
        dex: &Dex<'_>,
        path: &str,
        endpoint_strings: &BitSet,
        facts: &mut Facts,
        attribute: &mut dyn FnMut(u32, &str, &[String]),
    ) {
        let mut index = ClassIndex::new(dex);
        let watch = self.index_methods(dex, &mut index);
        if !self.walk {
            return;
        }
        let implemented = implemented_types(dex);
        let allow_all_fields = allow_all_fields(dex);

        // Pass 1: every method, looking at invokes, const-string, sget-object.
        let mut budget = dex.code_budget();
        let per_method = dex.limits().max_method_instructions;
        let mut exhausted = false;
        let mut faults = FaultTally::default();
        let mut marked: Vec<Marked> = Vec::new();
        let mut string_hits: HashSet<u64, Fx> = HashSet::default();
        let mut last_pkg: Option<(String, u32)> = None;
        let mut implementers: Vec<(Implements, u32, EncodedMethod)> = Vec::new();
        for class in dex.classes() {
            if budget == 0 {
                exhausted = true;
                break;
            }
            budget -= 1;
            let desc = dex.type_descriptor(class.class_idx).unwrap_or_default();
            let pkg_desc = desc_package(&desc);
            let pkg = match &last_pkg {
                Some((p, id)) if p == pkg_desc => *id,
                _ => {
                    let id = self.package_id(pkg_desc);
                    last_pkg = Some((pkg_desc.to_string(), id));
                    id
                }
            };
            if !implemented.is_empty() {
                // Reading the interface list costs a step per entry.
                budget = budget.saturating_sub(u64::from(class.interface_count()));
            }
            let implements = implemented
                .iter()
                .find_map(|&(t, as_interface, name, kind)| {
                    let hit = if as_interface {
                        class.has_interface(t)
                    } else {
                        class.superclass_idx == t
                    };
                    hit.then_some((name, kind))
                });
            let slots = &mut self.slots;
            let uses = &mut self.uses;
            let uses_dropped = &mut self.uses_dropped;
            let _ = class.walk_methods(|m| {
                if budget == 0 {
                    exhausted = true;
                    return ControlFlow::Break(());
                }
                budget -= 1;
                if let Some((name, kind)) = implements
                    && dex.method_id(m.method_idx).map(|id| id.name_idx) == Some(name)
                {
                    implementers.push((kind, class.class_idx, m));
                }
                if m.code_off == 0 {
                    return ControlFlow::Continue(());
                }
                let code = match dex.code_item(m.code_off) {
                    Ok(c) => c,
                    Err(_) => {
                        faults.invalid += 1;
                        return ControlFlow::Continue(());
                    }
                };
                let cap = per_method.min(usize::try_from(budget).unwrap_or(usize::MAX));
                let mut mark = false;
                let (walked, fault) = scan_instructions(code.insns(), cap, |op, bytes| {
                    let index = || {
                        u32::from(u16::from_le_bytes([
                            bytes.get(2).copied().unwrap_or(0),
                            bytes.get(3).copied().unwrap_or(0),
                        ]))
                    };
                    match op {
                        0x6e..=0x72 | 0x74..=0x78 | 0xfa | 0xfb => {
                            if let Some(slot) = slots.get_mut(index() as usize) {
                                let api = slot.api & !WATCHED;
                                if api != NO_API
                                    && slot.keep_uses
                                    && slot.stamp != pkg
                                    && pkg != NO_PACKAGE
                                {
                                    slot.stamp = pkg;
                                    if uses.len() < MAX_USES {
                                        uses.insert((u64::from(api) << 32) | u64::from(pkg));
                                    } else {
                                        *uses_dropped = true;
                                    }
                                }
                                mark |= slot.api & WATCHED != 0;
                            }
                        }
                        0x1a => {
                            let s = index();
                            if endpoint_strings.contains(s) {
                                string_hits.insert((u64::from(s) << 32) | u64::from(pkg));
                            }
                        }
                        0x1b => {
                            let hi = u32::from(u16::from_le_bytes([
                                bytes.get(4).copied().unwrap_or(0),
                                bytes.get(5).copied().unwrap_or(0),
                            ]));
                            let s = index() | (hi << 16);
                            if endpoint_strings.contains(s) {
                                string_hits.insert((u64::from(s) << 32) | u64::from(pkg));
                            }
                        }
                        0x62 if !allow_all_fields.is_empty() => {
                            mark |= allow_all_fields.contains(&index());
                        }
                        _ => {}
                    }
                });
                budget = budget.saturating_sub(u64::from(walked));
                match fault {
                    None => {}
                    Some(WalkError::InstructionLimit { .. }) if cap < per_method => {
                        exhausted = true;
                        return ControlFlow::Break(());
                    }
                    Some(WalkError::UnusedOpcode { .. }) => faults.unused += 1,
                    Some(_) => faults.invalid += 1,
                }
                if mark {
                    marked.push(Marked {
                        class_idx: class.class_idx,
                        method: m,
                    });
                }
                ControlFlow::Continue(())
            });
            if exhausted {
                break;
            }
        }
        if exhausted {
            push_anomaly(
                facts,
                "dex",
                "code_budget_exhausted",
                Some(path),
                format!(
                    "the code scan budget of {} steps ran out; later classes were not examined",
                    dex.code_budget()
                ),
            );
        }
        faults.report(facts, path);

        // Pass 2: the marked methods, and implementations of watched interfaces.
        let mut reader = Reader::new(dex, &watch);
        for m in &marked {
            reader.examine(m, &mut self.signals, &allow_all_fields);
        }
        reader.decide_fields(&mut self.signals, &mut index);
        for (kind, class_idx, m) in implementers {
            judge_implementation(dex, &mut index, kind, class_idx, m, &mut self.signals);
        }

        // Which packages load each endpoint string.
        if !string_hits.is_empty() {
            let mut by_string: BTreeMap<u32, Vec<String>> = BTreeMap::new();
            for hit in string_hits {
                let name = self.pkg_names.get((hit & 0xffff_ffff) as usize);
                if let Some(name) = name {
                    by_string
                        .entry((hit >> 32) as u32)
                        .or_default()
                        .push(name.clone());
                }
            }
            for (s, mut packages) in by_string {
                packages.sort_unstable();
                if let Some(text) = dex.string(s) {
                    attribute(s, &text, &packages);
                }
            }
        }
    }

    /// Fills the slots for `dex` and returns the watched methods.
    fn index_methods(
        &mut self,
        dex: &Dex<'_>,
        index: &mut ClassIndex<'_, '_>,
    ) -> HashMap<u32, Watch, Fx> {
        let n = dex.method_count() as usize;
        self.slots.clear();
        self.slots.resize(
            n,
            Slot {
                api: NO_API,
                stamp: NO_PACKAGE,
                keep_uses: false,
            },
        );
        // Framework classes are contiguous type ranges; method ids are
        // sorted by class, so the class name is converted once per class.
        let ranges: Vec<std::ops::Range<u32>> = FRAMEWORK_PREFIXES
            .iter()
            .map(|p| dex.types_with_prefix(p))
            .filter(|r| !r.is_empty())
            .collect();
        let mut class: Option<(u32, String)> = None;
        let mut key = String::new();
        for m in 0..dex.method_count() {
            let Some(id) = dex.method_id(m) else { break };
            if !ranges.iter().any(|r| r.contains(&id.class_idx)) {
                continue;
            }
            if class.as_ref().is_none_or(|(c, _)| *c != id.class_idx) {
                let name = dex
                    .type_descriptor(id.class_idx)
                    .map(|d| descriptor_to_java(&d).into_owned())
                    .unwrap_or_default();
                class = Some((id.class_idx, name));
            }
            let (Some((_, class_name)), Some(name)) = (&class, dex.string(id.name_idx)) else {
                continue;
            };
            key.clear();
            key.push_str(class_name);
            key.push('.');
            key.push_str(&name);
            let api = match self.api_ids.get(key.as_str()) {
                Some(&a) => a,
                None if self.api_names.len() < MAX_APIS => {
                    let a = self.api_names.len() as u32;
                    self.api_ids.insert(key.clone(), a);
                    self.api_names.push(key.clone());
                    self.api_keep
                        .push(keeps_uses(self.uses_for.as_deref(), &key));
                    a
                }
                None => {
                    self.apis_dropped = true;
                    continue;
                }
            };
            if let Some(slot) = self.slots.get_mut(m as usize) {
                slot.api = api;
                slot.keep_uses = self.api_keep.get(api as usize).copied().unwrap_or(false);
            }
        }

        let mut watch: HashMap<u32, Watch, Fx> = HashMap::default();
        let mut subclass_checks: Vec<(u32, u32, Watch)> = Vec::new();
        for &(class, name, kind, via_subclass) in WATCHES {
            let (Some(t), Some(s)) = (dex.find_type(class), dex.find_string(name)) else {
                continue;
            };
            for m in dex.find_methods(t, s) {
                watch.insert(m, kind);
            }
            if via_subclass {
                subclass_checks.push((t, s, kind));
            }
        }
        // Calls through an app subclass name the subclass; follow its
        // superclasses within this dex.
        if !subclass_checks.is_empty() {
            for m in 0..dex.method_count() {
                let Some(id) = dex.method_id(m) else { break };
                for &(t, s, kind) in &subclass_checks {
                    if id.name_idx != s || id.class_idx == t {
                        continue;
                    }
                    let mut c = id.class_idx;
                    for _ in 0..MAX_SUPER_DEPTH {
                        match index.superclass(c) {
                            Some(sup) if sup == t => {
                                watch.insert(m, kind);
                                break;
                            }
                            Some(sup) => c = sup,
                            None => break,
                        }
                    }
                }
            }
        }
        for (&m, kind) in &watch {
            if kind.triggers()
                && let Some(slot) = self.slots.get_mut(m as usize)
            {
                slot.api |= WATCHED;
            }
        }
        watch
    }

    /// Moves the code facts into `facts.dex` and reports dropped data.
    pub fn finish(self, facts: &mut Facts) {
        // Rank APIs and packages by name once; a use becomes one sortable
        // integer, and its sorted runs are the entries in output order.
        let (api_rank, apis_sorted) = rank_by_name(&self.api_names);
        let (pkg_rank, pkgs_sorted) = rank_by_name(&self.pkg_names);
        let mut keys: Vec<u64> = self
            .uses
            .iter()
            .filter_map(|&u| {
                let api = *api_rank.get((u >> 32) as usize)?;
                let pkg = *pkg_rank.get((u & 0xffff_ffff) as usize)?;
                Some((u64::from(api) << 32) | u64::from(pkg))
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let name_of = |sorted: &[u32], names: &[String], rank: u64| -> String {
            sorted
                .get(rank as usize)
                .and_then(|&i| names.get(i as usize))
                .cloned()
                .unwrap_or_default()
        };
        let mut api_uses: Vec<ApiUse> = Vec::new();
        for run in keys.chunk_by(|a, b| a >> 32 == b >> 32) {
            let Some(first) = run.first() else { continue };
            api_uses.push(ApiUse {
                api: name_of(&apis_sorted, &self.api_names, first >> 32),
                callers: run
                    .iter()
                    .take(ApiUse::MAX_CALLERS)
                    .map(|k| name_of(&pkgs_sorted, &self.pkg_names, k & 0xffff_ffff))
                    .collect(),
                callers_truncated: run.len().saturating_sub(ApiUse::MAX_CALLERS) as u64,
            });
        }
        facts.dex.api_uses = api_uses;
        let mut names = self.api_names;
        facts.dex.api_refs = apis_sorted
            .iter()
            .filter_map(|&i| names.get_mut(i as usize).map(std::mem::take))
            .collect();
        facts.dex.code_signals = self.signals.finish();
        if self.apis_dropped {
            push_anomaly(
                facts,
                "dex",
                "api_refs_truncated",
                None,
                format!("more than {MAX_APIS} distinct framework methods; the rest are not listed"),
            );
        }
        if self.uses_dropped {
            push_anomaly(
                facts,
                "dex",
                "api_uses_truncated",
                None,
                format!("more than {MAX_USES} (API, package) calls; later ones are not listed"),
            );
        }
    }
}

/// Look-ups by class type and by method id over one dex, each built by one
/// pass on first use, so repeated look-ups stay linear in the file however
/// many there are.
struct ClassIndex<'d, 'a> {
    dex: &'d Dex<'a>,
    /// Class type → (class_def position, superclass type); the first
    /// definition wins, as in ART.
    defs: Option<HashMap<u32, (u32, u32), Fx>>,
    /// Method id → `code_off` of the method defined in this dex.
    code: Option<HashMap<u32, u32, Fx>>,
}

impl<'d, 'a> ClassIndex<'d, 'a> {
    fn new(dex: &'d Dex<'a>) -> Self {
        ClassIndex {
            dex,
            defs: None,
            code: None,
        }
    }

    fn defs(&mut self) -> &HashMap<u32, (u32, u32), Fx> {
        let dex = self.dex;
        self.defs.get_or_insert_with(|| {
            let mut map: HashMap<u32, (u32, u32), Fx> = HashMap::default();
            for c in dex.classes() {
                map.entry(c.class_idx)
                    .or_insert((c.index, c.superclass_idx));
            }
            map
        })
    }

    fn class_def(&mut self, class_idx: u32) -> Option<appgov_dex::ClassDef<'a, 'd>> {
        let &(index, _) = self.defs().get(&class_idx)?;
        self.dex.class_def(index)
    }

    fn superclass(&mut self, class_idx: u32) -> Option<u32> {
        self.defs().get(&class_idx).map(|&(_, sup)| sup)
    }

    fn code_off(&mut self, method_idx: u32) -> Option<u32> {
        let dex = self.dex;
        let code = self.code.get_or_insert_with(|| {
            let mut map: HashMap<u32, u32, Fx> = HashMap::default();
            for c in dex.classes() {
                let _ = c.walk_methods(|m| {
                    map.entry(m.method_idx).or_insert(m.code_off);
                    ControlFlow::Continue(())
                });
            }
            map
        });
        code.get(&method_idx).copied()
    }
}

/// Ranks of `names` in sorted order (equal names share a rank), and the
/// index of one name per rank.
fn rank_by_name(names: &[String]) -> (Vec<u32>, Vec<u32>) {
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| names.get(a as usize).cmp(&names.get(b as usize)));
    let mut rank = vec![0u32; names.len()];
    let mut sorted: Vec<u32> = Vec::with_capacity(names.len());
    let mut last: Option<&String> = None;
    for &i in &order {
        let name = names.get(i as usize);
        if sorted.is_empty() || name != last {
            sorted.push(i);
            last = name;
        }
        if let Some(r) = rank.get_mut(i as usize) {
            *r = (sorted.len() - 1) as u32;
        }
    }
    (rank, sorted)
}

/// Package part of a class descriptor in descriptor form (`Lcom/foo/Bar;`
/// → `com/foo`); empty for the default package or a non-class descriptor.
fn desc_package(desc: &str) -> &str {
    let inner = desc
        .strip_prefix('L')
        .and_then(|d| d.strip_suffix(';'))
        .unwrap_or("");
    inner.rfind('/').and_then(|p| inner.get(..p)).unwrap_or("")
}

/// Type indexes in this dex of the interfaces and classes in [`IMPLEMENTED`],
/// with the string index of the deciding method's name.
fn implemented_types(dex: &Dex<'_>) -> Vec<(u32, bool, u32, Implements)> {
    IMPLEMENTED
        .iter()
        .filter_map(|&(desc, as_interface, name, kind)| {
            Some((
                dex.find_type(desc)?,
                as_interface,
                dex.find_string(name)?,
                kind,
            ))
        })
        .collect()
}

/// Field ids of Apache's `SSLSocketFactory.ALLOW_ALL_HOSTNAME_VERIFIER`.
fn allow_all_fields(dex: &Dex<'_>) -> Vec<u32> {
    match (
        dex.find_type("Lorg/apache/http/conn/ssl/SSLSocketFactory;"),
        dex.find_string("ALLOW_ALL_HOSTNAME_VERIFIER"),
    ) {
        (Some(t), Some(s)) => dex.find_fields(t, s),
        _ => Vec::new(),
    }
}

/// `class.method` for a method of class type `class_idx`.
fn site(dex: &Dex<'_>, class_idx: u32, method_idx: u32) -> String {
    let class = dex
        .type_descriptor(class_idx)
        .map(|d| descriptor_to_java(&d).into_owned())
        .unwrap_or_default();
    let name = dex
        .method_id(method_idx)
        .and_then(|id| dex.string(id.name_idx))
        .unwrap_or_default();
    format!("{class}.{name}")
}

/// Records an implementation of a watched interface whose deciding method
/// accepts everything: a trust manager's `checkServerTrusted` that only
/// returns, a hostname verifier's `verify` that only returns true (or, for
/// Apache's void `verify` overloads, only returns). A body that only
/// forwards to a static or private method of this dex (how D8 compiles a
/// lambda: `verify(h, s) { return lambda$0(h, s); }`) is judged by that
/// method's body.
fn judge_implementation(
    dex: &Dex<'_>,
    index: &mut ClassIndex<'_, '_>,
    kind: Implements,
    class_idx: u32,
    m: EncodedMethod,
    signals: &mut Signals,
) {
    let Ok(mut code) = dex.method_code(m.code_off) else {
        return;
    };
    if !code.returns_only
        && let Some(target) = forwarded_to(dex, index, m.code_off)
        && let Ok(target_code) = dex.method_code(target)
    {
        code = target_code;
    }
    if !code.returns_only {
        return;
    }
    let (accepts, set) = match kind {
        Implements::TrustManager => (
            code.returned_literal.is_none(),
            &mut signals.trust_all_trust_managers,
        ),
        Implements::HostnameVerifier => (
            matches!(code.returned_literal, None | Some(1)),
            &mut signals.permissive_hostname_verifiers,
        ),
    };
    if accepts {
        set.add(&site(dex, class_idx, m.method_idx));
    }
}

/// The `code_off` of the method a body only forwards to: `invoke-static`
/// or `invoke-direct` of a method defined in this dex, then `return-void`,
/// or `move-result` and the matching `return`.
fn forwarded_to(dex: &Dex<'_>, index: &mut ClassIndex<'_, '_>, code_off: u32) -> Option<u32> {
    let code = dex.code_item(code_off).ok()?;
    let insns: Vec<Instruction<'_>> = code.instructions(4).map_while(Result::ok).collect();
    let (call, rest) = insns.split_first()?;
    if !matches!(call.opcode, 0x70 | 0x71 | 0x76 | 0x77) {
        return None;
    }
    let forwards = match rest {
        [ret] => ret.opcode == 0x0e,
        [result, ret] => {
            matches!(
                (result.opcode, ret.opcode),
                (0x0a, 0x0f) | (0x0b, 0x10) | (0x0c, 0x11)
            ) && reg_aa(result) == reg_aa(ret)
        }
        _ => false,
    };
    if !forwards {
        return None;
    }
    index
        .code_off(u32::from(call.unit(1)))
        .filter(|&off| off != 0 && off != code_off)
}

/// Indexes seen in a bit set (string indexes of one dex).
#[derive(Default)]
pub struct BitSet(Vec<u64>);

impl BitSet {
    pub fn with_len(n: u32) -> Self {
        BitSet(vec![0; (n as usize).div_ceil(64)])
    }
    pub fn insert(&mut self, i: u32) {
        if let Some(w) = self.0.get_mut((i / 64) as usize) {
            *w |= 1 << (i % 64);
        }
    }
    #[inline]
    pub fn contains(&self, i: u32) -> bool {
        self.0
            .get((i / 64) as usize)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// Walk faults of one dex, reported as one anomaly per kind.
#[derive(Default)]
struct FaultTally {
    invalid: u64,
    unused: u64,
}

impl FaultTally {
    fn report(&self, facts: &mut Facts, path: &str) {
        if self.invalid > 0 {
            push_anomaly(
                facts,
                "dex",
                "code_item_invalid",
                Some(path),
                format!(
                    "{} methods have code that lies outside the file or ends mid-instruction",
                    self.invalid
                ),
            );
        }
        if self.unused > 0 {
            push_anomaly(
                facts,
                "dex",
                "unused_opcode",
                Some(path),
                format!(
                    "{} methods use opcodes the Dalvik specification leaves unused",
                    self.unused
                ),
            );
        }
    }
}

/// What the register model knows about a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Val {
    Unknown,
    /// A 32- or 64-bit constant.
    Int(i64),
    /// A `const-string` (string index).
    Str(u32),
    /// A new array, not yet filled.
    NewArray,
    /// Bytes fixed at build time: an array filled from a `fill-array-data`
    /// payload, or a constant string turned into bytes.
    Bytes,
    /// The value of a field (field index), decided later.
    Field(u32),
}

/// Registers of one method during a linear walk. The walk follows the code
/// in address order, not its branches: a register holds the value of the
/// last instruction before the call that wrote it. Good enough for the
/// patterns here, where the constant is loaded right before the call.
///
/// One buffer serves every method: a register counts as written only when
/// its generation is the current one, so starting a method costs nothing
/// however many registers it declares.
#[derive(Default)]
struct Regs {
    vals: Vec<(u32, Val)>,
    generation: u32,
    len: usize,
}

impl Regs {
    /// Starts a method with `n` registers, all unknown.
    fn reset(&mut self, n: u16) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.vals.iter_mut().for_each(|v| *v = (0, Val::Unknown));
            self.generation = 1;
        }
        self.len = usize::from(n);
        if self.vals.len() < self.len {
            self.vals.resize(self.len, (0, Val::Unknown));
        }
    }
    fn get(&self, r: u32) -> Val {
        match self.vals.get(r as usize) {
            Some(&(g, v)) if g == self.generation && (r as usize) < self.len => v,
            _ => Val::Unknown,
        }
    }
    fn set(&mut self, r: u32, v: Val) {
        if (r as usize) < self.len
            && let Some(slot) = self.vals.get_mut(r as usize)
        {
            *slot = (self.generation, v);
        }
    }
}

/// Register fields of an instruction.
fn reg_a4(i: &Instruction<'_>) -> u32 {
    u32::from((i.unit(0) >> 8) & 0x0f)
}
fn reg_b4(i: &Instruction<'_>) -> u32 {
    u32::from(i.unit(0) >> 12)
}
fn reg_aa(i: &Instruction<'_>) -> u32 {
    u32::from(i.unit(0) >> 8)
}

/// Argument registers of an invoke (35c/45cc list or 3rc/4rcc range).
fn invoke_args(i: &Instruction<'_>) -> Vec<u32> {
    match i.opcode {
        0x6e..=0x72 | 0xfa => {
            let count = usize::from(i.unit(0) >> 12).min(5);
            let fedc = i.unit(2);
            let regs = [
                u32::from(fedc & 0xf),
                u32::from((fedc >> 4) & 0xf),
                u32::from((fedc >> 8) & 0xf),
                u32::from(fedc >> 12),
                reg_a4(i),
            ];
            regs.get(..count).map(<[u32]>::to_vec).unwrap_or_default()
        }
        0x74..=0x78 | 0xfb => {
            let first = u32::from(i.unit(2));
            (0..reg_aa(i)).map(|k| first.saturating_add(k)).collect()
        }
        _ => Vec::new(),
    }
}

/// Opcodes that write their first register (`vA` or `vAA`), apart from
/// the ones [`Reader::step`] models. `true` for the 4-bit `vA` forms.
fn plain_write(op: u8) -> Option<bool> {
    match op {
        // 12x: array-length, unary ops, /2addr arithmetic.
        0x21 | 0x7b..=0x8f | 0xb0..=0xcf => Some(true),
        // 22c: instance-of, iget*; 22s: +lit16 arithmetic.
        0x20 | 0x52..=0x58 | 0xd0..=0xd7 => Some(true),
        // 11x move-exception; 21c const-class, new-instance, sget*,
        // const-method-handle/type; 23x compare, aget*, arithmetic; 22b.
        0x0d | 0x1c | 0x22 | 0x60..=0x66 | 0xfe | 0xff => Some(false),
        0x2d..=0x31 | 0x44..=0x4a | 0x90..=0xaf | 0xd8..=0xe2 => Some(false),
        _ => None,
    }
}

/// The second, closer walk over marked methods.
struct Reader<'d, 'a> {
    dex: &'d Dex<'a>,
    watch: &'d HashMap<u32, Watch, Fx>,
    on_received_ssl_error: Option<u32>,
    /// Key and IV arguments that came from fields.
    field_uses: Vec<FieldUse>,
    regs: Regs,
}

impl<'d, 'a> Reader<'d, 'a> {
    fn new(dex: &'d Dex<'a>, watch: &'d HashMap<u32, Watch, Fx>) -> Self {
        Reader {
            dex,
            watch,
            on_received_ssl_error: dex.find_string("onReceivedSslError"),
            field_uses: Vec::new(),
            regs: Regs::default(),
        }
    }

    /// Walks one marked method and records what its watched calls show.
    fn examine(&mut self, m: &Marked, signals: &mut Signals, allow_all_fields: &[u32]) {
        let dex = self.dex;
        let Ok(code) = dex.code_item(m.method.code_off) else {
            return;
        };
        let here = site(dex, m.class_idx, m.method.method_idx);
        let name_idx = dex.method_id(m.method.method_idx).map(|id| id.name_idx);
        let regs = &mut self.regs;
        regs.reset(code.registers_size);
        let mut result = Val::Unknown;
        for insn in code.instructions(dex.limits().max_method_instructions) {
            let Ok(insn) = insn else { break };
            if insn.payload.is_some() {
                continue;
            }
            if insn.opcode == 0x62 && allow_all_fields.contains(&u32::from(insn.unit(1))) {
                signals.permissive_hostname_verifiers.add(&here);
            }
            if !matches!(insn.opcode, 0x6e..=0x72 | 0x74..=0x78) {
                result = step(&insn, regs, result);
                continue;
            }
            result = Val::Unknown;
            let Some(watch) = self.watch.get(&u32::from(insn.unit(1))).copied() else {
                continue;
            };
            let args = invoke_args(&insn);
            let arg = |k: usize| args.get(k).map_or(Val::Unknown, |&r| regs.get(r));
            match watch {
                Watch::SslProceed => {
                    if name_idx.is_some() && name_idx == self.on_received_ssl_error {
                        signals.ssl_error_proceed.add(&here);
                    }
                }
                Watch::JsInterface => signals.webview_javascript_interface.add(&here),
                Watch::FileAccess => {
                    if matches!(arg(1), Val::Int(v) if v != 0) {
                        signals.webview_file_access.add(&here);
                    }
                }
                Watch::JsEnabled => {
                    if matches!(arg(1), Val::Int(v) if v != 0) {
                        signals.webview_javascript_enabled.add(&here);
                    }
                }
                Watch::WindowFlags { has_mask } => {
                    let mask_ok =
                        !has_mask || !matches!(arg(2), Val::Int(mask) if mask & FLAG_SECURE == 0);
                    if matches!(arg(1), Val::Int(v) if v & FLAG_SECURE != 0) && mask_ok {
                        signals.secure_flag.add(&here);
                    }
                }
                Watch::DynamicCode => signals.dynamic_code_loading.add(&here),
                Watch::AllowAllVerifier => signals.permissive_hostname_verifiers.add(&here),
                Watch::Cipher | Watch::Digest => {
                    if let Val::Str(s) = arg(0)
                        && let Some(value) = dex.string(s)
                    {
                        let set = if watch == Watch::Cipher {
                            &mut signals.cipher_transformations
                        } else {
                            &mut signals.message_digest_algorithms
                        };
                        set.add(&value, &here);
                    }
                }
                Watch::SecretKey | Watch::Iv { .. } => {
                    let (k, iv) = match watch {
                        Watch::Iv { arg } => (usize::from(arg), true),
                        _ => (1, false),
                    };
                    match arg(k) {
                        Val::Bytes => {
                            let set = if iv {
                                &mut signals.static_iv
                            } else {
                                &mut signals.secret_key_specs
                            };
                            set.add(&here);
                        }
                        Val::Field(field) => self.field_uses.push(FieldUse {
                            field,
                            site: here.clone(),
                            iv,
                        }),
                        _ => {}
                    }
                }
                Watch::ToBytes { arg: k } => {
                    if matches!(arg(usize::from(k)), Val::Str(_) | Val::Bytes) {
                        result = Val::Bytes;
                    }
                }
            }
        }
    }

    /// Decides the key and IV arguments read from fields: constant when an
    /// initialiser of the field's class (`<clinit>` or a constructor) in
    /// this dex stores constant bytes into it.
    fn decide_fields(&mut self, signals: &mut Signals, index: &mut ClassIndex<'d, 'a>) {
        if self.field_uses.is_empty() {
            return;
        }
        let dex = self.dex;
        let (clinit, init) = (dex.find_string("<clinit>"), dex.find_string("<init>"));
        // Per class: the fields its initialisers fill with constant bytes.
        let mut constant_fields: HashMap<u32, HashSet<u32, Fx>, Fx> = HashMap::default();
        for u in std::mem::take(&mut self.field_uses) {
            let Some(fid) = dex.field_id(u.field) else {
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(slot) =
                constant_fields.entry(fid.class_idx)
            {
                let mut initialisers = Vec::new();
                if let Some(class) = index.class_def(fid.class_idx) {
                    let _ = class.walk_methods(|m| {
                        let name = dex.method_id(m.method_idx).map(|id| id.name_idx);
                        if m.code_off != 0 && name.is_some() && (name == clinit || name == init) {
                            initialisers.push(m.code_off);
                        }
                        ControlFlow::Continue(())
                    });
                }
                let mut found = HashSet::default();
                for off in initialisers {
                    self.constant_stores(off, &mut found);
                }
                slot.insert(found);
            }
            if constant_fields
                .get(&fid.class_idx)
                .is_some_and(|c| c.contains(&u.field))
            {
                let set = if u.iv {
                    &mut signals.static_iv
                } else {
                    &mut signals.secret_key_specs
                };
                set.add(&u.site);
            }
        }
    }

    /// Fields that the code at `code_off` stores constant bytes into.
    fn constant_stores(&mut self, code_off: u32, found: &mut HashSet<u32, Fx>) {
        let Ok(code) = self.dex.code_item(code_off) else {
            return;
        };
        let regs = &mut self.regs;
        regs.reset(code.registers_size);
        let mut result = Val::Unknown;
        for insn in code.instructions(self.dex.limits().max_method_instructions) {
            let Ok(insn) = insn else { break };
            if insn.payload.is_some() {
                continue;
            }
            match insn.opcode {
                // iput-object vA, vB, field / sput-object vAA, field
                0x5b | 0x69 => {
                    let value = if insn.opcode == 0x5b {
                        regs.get(reg_a4(&insn))
                    } else {
                        regs.get(reg_aa(&insn))
                    };
                    if value == Val::Bytes {
                        found.insert(u32::from(insn.unit(1)));
                    }
                    result = Val::Unknown;
                }
                0x6e..=0x72 | 0x74..=0x78 => {
                    let callee = u32::from(insn.unit(1));
                    result = Val::Unknown;
                    if let Some(Watch::ToBytes { arg }) = self.watch.get(&callee).copied() {
                        let args = invoke_args(&insn);
                        let v = args
                            .get(usize::from(arg))
                            .map_or(Val::Unknown, |&r| regs.get(r));
                        if matches!(v, Val::Str(_) | Val::Bytes) {
                            result = Val::Bytes;
                        }
                    }
                }
                _ => result = step(&insn, regs, result),
            }
        }
    }
}

/// Applies one non-invoke instruction to the register model; returns the
/// pending invoke result (cleared by anything but an invoke).
fn step(insn: &Instruction<'_>, regs: &mut Regs, result: Val) -> Val {
    let op = insn.opcode;
    match op {
        // move, move-wide, move-object (12x)
        0x01 | 0x04 | 0x07 => regs.set(reg_a4(insn), regs.get(reg_b4(insn))),
        // …/from16 (22x)
        0x02 | 0x05 | 0x08 => regs.set(reg_aa(insn), regs.get(u32::from(insn.unit(1)))),
        // …/16 (32x)
        0x03 | 0x06 | 0x09 => regs.set(u32::from(insn.unit(1)), regs.get(u32::from(insn.unit(2)))),
        // move-result, move-result-wide, move-result-object
        0x0a..=0x0c => regs.set(reg_aa(insn), result),
        // const/4
        0x12 => regs.set(reg_a4(insn), insn.literal().map_or(Val::Unknown, Val::Int)),
        // const/16 … const-wide/high16
        0x13..=0x19 => regs.set(reg_aa(insn), insn.literal().map_or(Val::Unknown, Val::Int)),
        // const-string, const-string/jumbo
        0x1a | 0x1b => {
            let idx = match insn.reference() {
                Some(appgov_dex::Reference::String(s)) => Val::Str(s),
                _ => Val::Unknown,
            };
            regs.set(reg_aa(insn), idx);
        }
        // new-array vA, vB, type
        0x23 => regs.set(reg_a4(insn), Val::NewArray),
        // fill-array-data vAA: the array now holds build-time bytes.
        0x26 => regs.set(reg_aa(insn), Val::Bytes),
        // iget-object vA, vB, field
        0x54 => regs.set(reg_a4(insn), Val::Field(u32::from(insn.unit(1)))),
        // sget-object vAA, field
        0x62 => regs.set(reg_aa(insn), Val::Field(u32::from(insn.unit(1)))),
        _ => match plain_write(op) {
            Some(true) => regs.set(reg_a4(insn), Val::Unknown),
            Some(false) => regs.set(reg_aa(insn), Val::Unknown),
            None => {}
        },
    }
    Val::Unknown
}

#[cfg(test)]
#[path = "code_tests.rs"]
mod tests;
