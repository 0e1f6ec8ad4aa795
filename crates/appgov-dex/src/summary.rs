//! One-pass summary of a DEX image: counts, package tree and the anomalies
//! only a full scan can find.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::bytes::{u16_at, u32_at};
use crate::names::{is_valid_class_descriptor, package_of, simple_class_name};
use crate::{Anomaly, AnomalyKind, Budget, Dex, NO_INDEX, StringFault};

/// Classes per Java package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageCount {
    /// Dotted package name; empty for the default package.
    pub name: String,
    pub classes: u64,
    /// Classes whose simple name (its last `$` part) is all non-ASCII
    /// letters: the renaming style of obfuscators such as DexGuard, which
    /// no compiler or ordinary developer produces.
    pub non_ascii_names: u64,
}

/// Facts about one DEX file.
#[derive(Debug, Clone, Serialize)]
pub struct DexSummary {
    pub version: u16,
    /// Declared `file_size`.
    pub file_size: u32,
    /// Bytes actually given.
    pub actual_size: u64,
    pub checksum_valid: Option<bool>,
    pub signature_valid: Option<bool>,
    pub strings: u32,
    pub types: u32,
    pub protos: u32,
    pub fields: u32,
    pub methods: u32,
    pub classes: u32,
    /// Methods defined by classes in this file (from class_data).
    pub defined_methods: u64,
    /// Fields defined by classes in this file.
    pub defined_fields: u64,
    /// Defined methods with bytecode.
    pub methods_with_code: u64,
    /// Defined `native` methods (JNI).
    pub native_methods: u64,
    /// Classes whose simple name has at most two characters.
    pub short_class_names: u64,
    /// Packages sorted by name, with how many classes each defines.
    pub packages: Vec<PackageCount>,
    /// Parse-time and scan-time anomalies.
    pub anomalies: Vec<Anomaly>,
}

/// Counts occurrences of one kind of problem and keeps a few examples, so
/// a file with a million bad strings yields one anomaly, not a million.
struct Tally {
    kind: AnomalyKind,
    what: &'static str,
    count: u64,
    examples: Vec<String>,
}

impl Tally {
    fn new(kind: AnomalyKind, what: &'static str) -> Self {
        Self {
            kind,
            what,
            count: 0,
            examples: Vec::new(),
        }
    }
    fn hit(&mut self, example: impl FnOnce() -> String) {
        self.count = self.count.saturating_add(1);
        if self.examples.len() < 3 {
            let mut e = example();
            e.truncate(e.floor_char_boundary(120));
            self.examples.push(e);
        }
    }
    fn emit(self, out: &mut Vec<Anomaly>) {
        if self.count > 0 {
            out.push(Anomaly {
                kind: self.kind,
                detail: format!(
                    "{} {} (e.g. {})",
                    self.count,
                    self.what,
                    self.examples.join(", ")
                ),
            });
        }
    }
}

pub(crate) fn summarize(dex: &Dex<'_>) -> DexSummary {
    let limits = dex.limits();
    let mut anomalies = dex.anomalies().to_vec();
    let version = dex.version();

    // Strings.
    let mut unreadable = Tally::new(AnomalyKind::StringDataInvalid, "unreadable strings");
    let mut lossy = Tally::new(AnomalyKind::InvalidMutf8, "strings with malformed MUTF-8");
    let mut mismatch = Tally::new(
        AnomalyKind::StringLengthMismatch,
        "strings whose declared length differs",
    );
    let mut exhausted = false;
    for (i, entry) in dex.string_entries().enumerate() {
        match entry {
            Ok(s) => {
                if s.lossy {
                    lossy.hit(|| format!("#{i}"));
                }
                if s.length_mismatch {
                    mismatch.hit(|| format!("#{i}"));
                }
            }
            Err(StringFault::BudgetExhausted) => {
                exhausted = true;
                break;
            }
            Err(e) => unreadable.hit(|| format!("#{i}: {e}")),
        }
    }
    unreadable.emit(&mut anomalies);
    lossy.emit(&mut anomalies);
    mismatch.emit(&mut anomalies);

    // Id tables: raw index checks are cheap and catch crafted references.
    let (n_strings, n_types, n_protos) = (dex.string_count(), dex.type_count(), dex.proto_count());
    let mut bad_index = Tally::new(AnomalyKind::IndexOutOfRange, "out-of-range indexes");
    for t in 0..n_types {
        if dex.type_string_idx(t).is_some_and(|s| s >= n_strings) {
            bad_index.hit(|| format!("type #{t}"));
        }
    }
    let member_tables = [
        ("method", dex.method_ids, true),
        ("field", dex.field_ids, false),
    ];
    for (what, table, is_method) in member_tables {
        for (i, item) in table.chunks_exact(8).enumerate() {
            let class_idx = u16_at(item, 0).map_or(0, u32::from);
            let second = u16_at(item, 2).map_or(0, u32::from);
            let name_idx = u32_at(item, 4).unwrap_or(0);
            let second_ok = if is_method {
                second < n_protos
            } else {
                second < n_types
            };
            if class_idx >= n_types || !second_ok || name_idx >= n_strings {
                bad_index.hit(|| format!("{what} #{i}"));
            }
        }
    }

    // Classes.
    let mut budget = Budget::for_scan(dex.bytes().len(), 4096);
    let mut seen: HashSet<u32> = HashSet::new();
    let mut duplicate = Tally::new(
        AnomalyKind::DuplicateClassDef,
        "duplicate class definitions",
    );
    let mut illegal = Tally::new(
        AnomalyKind::IllegalClassName,
        "class names outside the DEX grammar",
    );
    let mut bad_data = Tally::new(
        AnomalyKind::ClassDataInvalid,
        "classes with unreadable class_data",
    );
    // Per package: classes, and classes with all-non-ASCII names.
    let mut packages: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut packages_dropped = 0u64;
    let (mut defined_methods, mut defined_fields, mut with_code, mut native) =
        (0u64, 0u64, 0u64, 0u64);
    let mut short_names = 0u64;
    let mut named_classes = 0u64;
    for class in dex.classes() {
        let idx = class.index;
        if class.class_idx >= n_types {
            bad_index.hit(|| format!("class_def #{idx}"));
        }
        if class.superclass_idx != NO_INDEX && class.superclass_idx >= n_types {
            bad_index.hit(|| format!("superclass of class_def #{idx}"));
        }
        if !seen.insert(class.class_idx) {
            duplicate.hit(|| {
                dex.type_descriptor(class.class_idx)
                    .map_or_else(|| format!("type #{}", class.class_idx), |d| d.into_owned())
            });
        }
        if let Some(desc) = dex.type_descriptor_with(class.class_idx, &mut budget) {
            if !is_valid_class_descriptor(&desc, version) {
                illegal.hit(|| format!("{desc:?}"));
            }
            let mut non_ascii = false;
            if let Some(simple) = simple_class_name(&desc) {
                named_classes = named_classes.saturating_add(1);
                // Inner classes keep their outer name; judge the last part.
                let last = simple.rsplit('$').next().unwrap_or(simple);
                if !last.is_empty()
                    && !last.bytes().all(|b| b.is_ascii_digit())
                    && last.chars().count() <= 2
                {
                    short_names = short_names.saturating_add(1);
                }
                // Judge the outer name: obfuscators keep `$if`, `$1` inner parts.
                let outer = simple.split('$').next().unwrap_or(simple);
                non_ascii = !outer.is_empty() && outer.chars().all(|c| !c.is_ascii());
            }
            if let Some(pkg) = package_of(&desc) {
                let add = |n: &mut (u64, u64)| {
                    n.0 = n.0.saturating_add(1);
                    n.1 = n.1.saturating_add(u64::from(non_ascii));
                };
                if let Some(n) = packages.get_mut(pkg.as_ref()) {
                    add(n);
                } else if packages.len() < limits.max_packages {
                    add(packages.entry(pkg.into_owned()).or_default());
                } else {
                    packages_dropped = packages_dropped.saturating_add(1);
                }
            }
        }
        if class.class_data_off != 0 {
            match class.class_data() {
                Some(cd) => {
                    defined_methods = defined_methods.saturating_add(
                        u64::from(cd.direct_methods) + u64::from(cd.virtual_methods),
                    );
                    defined_fields = defined_fields.saturating_add(
                        u64::from(cd.static_fields) + u64::from(cd.instance_fields),
                    );
                    with_code = with_code.saturating_add(u64::from(cd.methods_with_code));
                    native = native.saturating_add(u64::from(cd.native_methods));
                }
                None => bad_data.hit(|| format!("class_def #{idx}")),
            }
        }
        if !class.interfaces_readable() {
            bad_data.hit(|| format!("interfaces of class_def #{idx}"));
        }
    }
    bad_index.emit(&mut anomalies);
    duplicate.emit(&mut anomalies);
    illegal.emit(&mut anomalies);
    bad_data.emit(&mut anomalies);
    if exhausted || budget.0 == 0 {
        anomalies.push(Anomaly {
            kind: AnomalyKind::ScanBudgetExhausted,
            detail: "string or name scan stopped early: many ids share oversized string data"
                .into(),
        });
    }
    if packages_dropped > 0 {
        anomalies.push(Anomaly {
            kind: AnomalyKind::PackageTreeTruncated,
            detail: format!(
                "{packages_dropped} classes in packages beyond the first {}",
                limits.max_packages
            ),
        });
    }
    // Obfuscators (ProGuard/R8 with aggressive renaming, DexGuard) name
    // most classes `a`, `b`, `aa`…; ordinary builds keep real names.
    if named_classes >= 20 && short_names.saturating_mul(2) >= named_classes {
        anomalies.push(Anomaly {
            kind: AnomalyKind::ShortClassNames,
            detail: format!("{short_names} of {named_classes} classes have 1–2 character names"),
        });
    }
    if anomalies.len() > limits.max_anomalies {
        let dropped = anomalies.len() - limits.max_anomalies;
        anomalies.truncate(limits.max_anomalies);
        anomalies.push(Anomaly {
            kind: AnomalyKind::AnomaliesTruncated,
            detail: format!("{dropped} more anomalies dropped"),
        });
    }

    DexSummary {
        version,
        file_size: dex.header().file_size,
        actual_size: dex.bytes().len() as u64,
        checksum_valid: dex.checksum_valid(),
        signature_valid: dex.signature_valid(),
        strings: n_strings,
        types: n_types,
        protos: n_protos,
        fields: dex.field_count(),
        methods: dex.method_count(),
        classes: dex.class_count(),
        defined_methods,
        defined_fields,
        methods_with_code: with_code,
        native_methods: native,
        short_class_names: short_names,
        packages: packages
            .into_iter()
            .map(|(name, (classes, non_ascii_names))| PackageCount {
                name,
                classes,
                non_ascii_names,
            })
            .collect(),
        anomalies,
    }
}
