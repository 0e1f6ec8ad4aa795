//! Corpus tests: every dex inside the corpus packages parses (or fails with
//! a clean error), and selected files match `dexdump` (Debian dexdump
//! 11.0.0+r48-5) and Python's `hashlib`/`zlib` checks of the header.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use appgov_dex::{AnomalyKind, Limits, parse};
use sha2::Digest;

fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: ../shared/corpus not found");
        None
    }
}

/// Manifest file → sha256, so tests only trust files that are unchanged.
fn manifest(dir: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let mut cols = l.split('\t');
            Some((cols.next()?.to_owned(), cols.next()?.to_owned()))
        })
        .collect()
}

fn read_checked(dir: &Path, rel: &str, sums: &BTreeMap<String, String>) -> Vec<u8> {
    let data = std::fs::read(dir.join(rel)).expect("corpus file readable");
    let want = sums.get(rel).expect("file listed in MANIFEST.tsv");
    let got: String = sha2::Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(&got, want, "{rel} changed on disk");
    data
}

/// All `.dex` entries of a zip, and of zips nested in it (XAPK splits).
fn dex_entries(zip_bytes: &[u8], label: &str, out: &mut Vec<(String, Vec<u8>)>, depth: u32) {
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)) else {
        eprintln!("{label}: zip crate cannot open it (not a dex problem)");
        return;
    };
    for i in 0..archive.len() {
        let Ok(mut entry) = archive.by_index(i) else {
            continue;
        };
        let Ok(name) = entry.name().map(|n| n.to_string()) else {
            continue;
        };
        let nested = name.ends_with(".apk") && depth == 0;
        if !name.ends_with(".dex") && !nested {
            continue;
        }
        let mut buf = Vec::new();
        if entry.read_to_end(&mut buf).is_err() {
            eprintln!("{label}!/{name}: cannot inflate");
            continue;
        }
        if nested {
            dex_entries(&buf, &format!("{label}!/{name}"), out, depth + 1);
        } else {
            out.push((format!("{label}!/{name}"), buf));
        }
    }
}

fn dex_of(dir: &Path, rel: &str, entry: &str) -> Vec<u8> {
    let sums = manifest(dir);
    let data = read_checked(dir, rel, &sums);
    let mut all = Vec::new();
    dex_entries(&data, rel, &mut all, 0);
    all.into_iter()
        .find(|(n, _)| n.ends_with(&format!("!/{entry}")))
        .map(|(_, d)| d)
        .expect("dex entry present")
}

/// Exercises every API on one dex; must never panic.
fn exercise(label: &str, data: &[u8]) -> Option<appgov_dex::DexSummary> {
    let dex = match parse(data, &Limits::default()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{label}: {e}");
            return None;
        }
    };
    let strings = dex.strings().count();
    assert_eq!(strings, dex.string_count() as usize);
    let mut classes = 0;
    for c in dex.classes() {
        classes += 1;
        let _ = (
            c.name(),
            c.superclass(),
            c.interfaces(),
            c.source_file(),
            c.methods(),
        );
    }
    assert_eq!(classes, dex.class_count() as usize);
    assert_eq!(dex.method_refs().count(), dex.method_count() as usize);
    assert_eq!(dex.field_refs().count(), dex.field_count() as usize);
    for p in 0..dex.proto_count() {
        assert!(dex.proto(p).is_some(), "{label}: proto {p}");
    }
    // Every method body decodes to its end, within the default limits.
    let mut codes = dex.method_codes();
    let mut with_code = 0u64;
    for (class, m, code) in codes.by_ref() {
        let code = code.unwrap_or_else(|e| panic!("{label}: class #{class} {m:?}: {e}"));
        assert_eq!(code.fault, None, "{label}: class #{class} {m:?}");
        with_code += 1;
    }
    assert!(!codes.budget_exhausted(), "{label}");
    check_lookups(label, &dex);
    let summary = dex.summary();
    assert_eq!(with_code, summary.methods_with_code, "{label}");
    Some(summary)
}

/// The binary-search look-ups agree with a plain reading of the tables, and
/// the allocation-free instruction scan with the instruction iterator.
fn check_lookups(label: &str, dex: &appgov_dex::Dex<'_>) {
    for i in (0..dex.string_count()).step_by(37) {
        let s = dex.string(i).expect("readable string");
        if !s.contains('\0') && !s.contains('\u{fffd}') {
            assert_eq!(dex.find_string(&s), Some(i), "{label}: string {i} {s:?}");
        }
    }
    assert_eq!(dex.find_string("\u{1}no such string\u{1}"), None);
    assert!(dex.class_def(dex.class_count()).is_none());
    assert!(dex.class_def(u32::MAX).is_none());
    for t in (0..dex.type_count()).step_by(7) {
        let d = dex.type_descriptor(t).expect("readable type");
        assert_eq!(dex.find_type(&d), Some(t), "{label}: type {t} {d}");
    }
    for prefix in [
        "Landroid/",
        "Ljava/",
        "Lorg/json/",
        "L",
        "\u{1}",
        "Lzz\u{ffff}",
    ] {
        let linear: Vec<u32> = (0..dex.type_count())
            .filter(|&t| {
                dex.type_descriptor(t)
                    .is_some_and(|d| d.starts_with(prefix))
            })
            .collect();
        let range: Vec<u32> = dex.types_with_prefix(prefix).collect();
        assert_eq!(range, linear, "{label}: types with prefix {prefix:?}");
    }
    for m in (0..dex.method_count()).step_by(11) {
        let id = dex.method_id(m).expect("method id");
        let r = dex.method_ref(m).expect("method ref");
        assert_eq!(
            dex.type_descriptor(id.class_idx).as_deref(),
            Some(&*r.class)
        );
        assert_eq!(dex.string(id.name_idx).as_deref(), Some(&*r.name));
        let found = dex.find_methods(id.class_idx, id.name_idx);
        assert!(found.contains(&m), "{label}: method {m} not in {found:?}");
        for f in found {
            let other = dex.method_id(f).expect("method id");
            assert_eq!(
                (other.class_idx, other.name_idx),
                (id.class_idx, id.name_idx)
            );
        }
    }
    for f in (0..dex.field_count()).step_by(11) {
        let id = dex.field_id(f).expect("field id");
        let r = dex.field_ref(f).expect("field ref");
        assert_eq!(
            dex.type_descriptor(id.type_idx).as_deref(),
            Some(&*r.type_descriptor)
        );
        assert!(
            dex.find_fields(id.class_idx, id.name_idx).contains(&f),
            "{label}: field {f}"
        );
    }
    for c in dex.classes().step_by(13) {
        let found = dex.find_class_def(c.class_idx).expect("class found");
        assert_eq!(found.index, c.index, "{label}");
        assert_eq!(
            dex.class_def(c.index).map(|d| d.class_idx),
            Some(c.class_idx)
        );
        assert_eq!(
            c.interface_count() as usize,
            c.interface_types().map_or(0, |t| t.len()),
            "{label}"
        );
        for t in c.interface_types().expect("readable interfaces") {
            assert!(c.has_interface(t), "{label}");
        }
        assert!(!c.has_interface(c.class_idx), "{label}");
        let names: Vec<_> = c.interfaces();
        let by_type: Vec<_> = c
            .interface_types()
            .expect("readable interfaces")
            .into_iter()
            .filter_map(|t| dex.type_descriptor(t))
            .collect();
        assert_eq!(names, by_type, "{label}");
    }
    for c in dex.classes() {
        let mut listed = Vec::new();
        c.walk_methods(|m| {
            listed.push(m);
            std::ops::ControlFlow::Continue(())
        });
        assert_eq!(
            Some(listed.clone()),
            c.methods().or(Some(Vec::new())),
            "{label}"
        );
        for m in listed.into_iter().filter(|m| m.code_off != 0) {
            let code = dex.code_item(m.code_off).expect("code item");
            let walked: Vec<(u8, Vec<u8>)> = code
                .instructions(usize::MAX)
                .map(|i| i.expect("walks"))
                .filter(|i| i.payload.is_none())
                .map(|i| (i.opcode, i.bytes().to_vec()))
                .collect();
            let mut scanned = Vec::new();
            let (n, fault) =
                appgov_dex::code::scan_instructions(code.insns(), usize::MAX, |op, b| {
                    scanned.push((op, b.to_vec()));
                });
            assert_eq!(fault, None, "{label}");
            assert_eq!(n as usize, code.instructions(usize::MAX).count(), "{label}");
            assert_eq!(walked, scanned, "{label}");
        }
    }
}

#[test]
fn every_corpus_dex_parses() {
    let Some(dir) = corpus_dir() else { return };
    let sums = manifest(&dir);
    let mut dex_count = 0;
    let mut parsed = 0;
    for rel in sums.keys() {
        let folder = rel.split('/').next().unwrap_or("");
        if !["apk", "apk-signing", "apk-malformed", "aab", "xapk"].contains(&folder)
            || rel.ends_with(".idsig")
        {
            continue;
        }
        let data = read_checked(&dir, rel, &sums);
        // The raw package is not dex: it must be refused cleanly.
        assert!(parse(&data, &Limits::default()).is_err());
        let mut entries = Vec::new();
        dex_entries(&data, rel, &mut entries, 0);
        for (label, bytes) in entries {
            dex_count += 1;
            if let Some(summary) = exercise(&label, &bytes) {
                parsed += 1;
                // Every corpus dex is a plain, well-formed build output.
                assert_eq!(summary.checksum_valid, Some(true), "{label}");
                assert!(
                    summary.anomalies.iter().all(|a| matches!(
                        a.kind,
                        AnomalyKind::SignatureMismatch | AnomalyKind::ShortClassNames
                    )),
                    "{label}: {:?}",
                    summary.anomalies
                );
            }
        }
    }
    // 83 dex in the top-level packages + 3 in XAPK splits (counted with
    // Python's zipfile; the zip crate may refuse a few tampered archives).
    assert!(dex_count >= 80, "found only {dex_count} dex files");
    assert_eq!(parsed, dex_count);
}

/// Numbers from `dexdump` (classes, member counts from its class listing)
/// and `dexdump -f` (header); signature/checksum checked with Python's
/// hashlib.sha1 / zlib.adler32 over the same byte ranges.
#[test]
fn uncrackable_level3_matches_dexdump() {
    let Some(dir) = corpus_dir() else { return };
    let data = dex_of(&dir, "apk/mastg__UnCrackable-Level3.apk", "classes.dex");
    let dex = parse(&data, &Limits::default()).expect("parses");
    let s = dex.summary();
    assert_eq!(s.version, 35);
    assert_eq!(s.file_size, 1_934_860);
    assert_eq!(s.classes, 1396);
    assert_eq!(s.defined_methods, 3501 + 7681);
    assert_eq!(s.defined_fields, 7522 + 3493);
    assert_eq!(s.native_methods, 3);
    assert_eq!(s.checksum_valid, Some(true));
    // The SHA-1 in this file's header is stale (hashlib agrees).
    assert_eq!(s.signature_valid, Some(false));
    assert!(
        s.anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::SignatureMismatch)
    );
    let first = dex.classes().next().expect("a class");
    assert_eq!(first.name().as_deref(), Some("android.arch.core.R"));
    let last = dex.classes().last().expect("a class");
    assert_eq!(
        last.descriptor().as_deref(),
        Some("Lsg/vantagepoint/uncrackable3/MainActivity;")
    );
    assert!(
        s.packages
            .iter()
            .any(|p| p.name == "sg.vantagepoint.uncrackable3" && p.classes > 0)
    );
    // Native JNI methods are visible as method refs.
    let natives: Vec<String> = dex
        .classes()
        .filter_map(|c| c.methods())
        .flatten()
        .filter(|m| m.access_flags & 0x0100 != 0)
        .filter_map(|m| dex.method_ref(m.method_idx))
        .map(|m| format!("{}.{}{}", m.class_name(), m.name, m.signature))
        .collect();
    assert!(
        natives.contains(&"sg.vantagepoint.uncrackable3.MainActivity.init([B)V".to_owned()),
        "{natives:?}"
    );
}

#[test]
fn uncrackable_level1_header_and_classes() {
    let Some(dir) = corpus_dir() else { return };
    let data = dex_of(&dir, "apk/mastg__UnCrackable-Level1.apk", "classes.dex");
    let dex = parse(&data, &Limits::default()).expect("parses");
    let h = dex.header();
    // dexdump -f
    assert_eq!(h.checksum, 0x7fb7_d9fa);
    assert_eq!((h.string_ids.size, h.string_ids.off), (123, 0x70));
    assert_eq!((h.type_ids.size, h.type_ids.off), (40, 0x25c));
    assert_eq!((h.proto_ids.size, h.proto_ids.off), (38, 0x2fc));
    assert_eq!((h.field_ids.size, h.field_ids.off), (4, 0x4c4));
    assert_eq!((h.method_ids.size, h.method_ids.off), (55, 0x4e4));
    assert_eq!((h.class_defs.size, h.class_defs.off), (7, 0x69c));
    assert_eq!((h.data.size, h.data.off), (3612, 0x77c));
    assert!(h.signature.starts_with("b7fa") && h.signature.ends_with("bec7"));
    let s = dex.summary();
    assert_eq!(s.classes, 7);
    assert_eq!(s.defined_methods, 11 + 4);
    assert_eq!(s.defined_fields, 2);
    let c0 = dex.classes().next().expect("class 0");
    assert_eq!(c0.descriptor().as_deref(), Some("Lsg/vantagepoint/a/a;"));
    assert_eq!(c0.superclass().as_deref(), Some("Ljava/lang/Object;"));
    assert_eq!(c0.source_file(), None);
    let m = c0.methods().expect("methods");
    let r = dex.method_ref(m[0].method_idx).expect("ref");
    assert_eq!((r.name.as_ref(), r.signature.as_str()), ("a", "([B[B)[B"));
    // Framework calls are visible: root detection reads android.os.Build.
    assert!(dex.method_refs().any(|m| m.class.starts_with("Landroid/")));
    assert!(dex.strings().any(|s| s == "/system/app/Superuser.apk"));
}

#[test]
fn dexguard_is_flagged_as_obfuscated() {
    let Some(dir) = corpus_dir() else { return };
    let data = dex_of(&dir, "apk/apkid__dexguard_6_1.apk", "classes.dex");
    let dex = parse(&data, &Limits::default()).expect("parses");
    let s = dex.summary();
    assert_eq!(s.classes, 560);
    assert_eq!(s.defined_methods, 1411 + 3018);
    assert_eq!(s.defined_fields, 1045 + 1333);
    assert!(
        s.anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::ShortClassNames)
    );
    // DexGuard's Unicode class names, as dexdump prints them.
    let first = dex.classes().next().expect("class");
    assert_eq!(first.descriptor().as_deref(), Some("Lo/ۥ$ˊ;"));
}

#[test]
fn bangcle_and_invalid_match_dexdump() {
    let Some(dir) = corpus_dir() else { return };
    let data = dex_of(&dir, "apk/bangcle__bangcle_demo.apk", "classes.dex");
    let s = parse(&data, &Limits::default()).expect("parses").summary();
    assert_eq!(
        (s.classes, s.defined_methods, s.defined_fields),
        (14, 24, 12)
    );
    assert_eq!(s.native_methods, 2);
    assert!(s.packages.iter().any(|p| p.name == "com.storm.fengyue"));

    let data = dex_of(&dir, "apk-malformed/androguard__Invalid.apk", "classes.dex");
    let s = parse(&data, &Limits::default()).expect("parses").summary();
    assert_eq!(
        (s.classes, s.defined_methods, s.defined_fields),
        (286, 676 + 1588, 254 + 428)
    );
}

/// When `dexdump` is installed, compare every class and defined method of a
/// few files against it.
#[test]
fn live_dexdump_comparison() {
    let Some(dir) = corpus_dir() else { return };
    if std::process::Command::new("dexdump")
        .arg("-h")
        .output()
        .is_err()
    {
        eprintln!("skipping: dexdump not installed");
        return;
    }
    let tmp = std::env::temp_dir().join(format!("appgov-dex-test-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    for (rel, entry) in [
        ("apk/mastg__UnCrackable-Level3.apk", "classes.dex"),
        ("apk/apkid__dexguard_6_1.apk", "classes.dex"),
        ("apk/bangcle__bangcle_demo.apk", "classes.dex"),
        ("apk-malformed/androguard__Invalid.apk", "classes.dex"),
        (
            "apk/npm-appium-settings__settings_apk-debug.apk",
            "classes3.dex",
        ),
    ] {
        let data = dex_of(&dir, rel, entry);
        let path = tmp.join("t.dex");
        std::fs::write(&path, &data).expect("write temp");
        let out = std::process::Command::new("dexdump")
            .arg(&path)
            .output()
            .expect("dexdump runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut expected = Vec::new();
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            if let Some(rest) = line.trim().strip_prefix("Class descriptor  : '") {
                expected.push(format!("class {}", rest.trim_end_matches('\'')));
            } else if let Some(rest) = line.trim().strip_prefix("#")
                && rest.contains(": (in L")
            {
                let class = rest
                    .split("(in ")
                    .nth(1)
                    .unwrap_or("")
                    .trim_end_matches(')');
                let name = lines.next().unwrap_or("");
                let ty = lines.next().unwrap_or("");
                let q = |l: &str| l.split('\'').nth(1).unwrap_or("").to_owned();
                expected.push(format!("member {class} {} {}", q(name), q(ty)));
            }
        }
        let dex = parse(&data, &Limits::default()).expect("parses");
        let mut ours = Vec::new();
        for c in dex.classes() {
            let desc = c.descriptor().unwrap_or_default().into_owned();
            ours.push(format!("class {desc}"));
            let cd = c.class_data().unwrap_or_default();
            // dexdump lists fields before methods; emit in the same order.
            let _ = cd;
            for f in field_members(&dex, &c) {
                ours.push(f);
            }
            for m in c.methods().unwrap_or_default() {
                let r = dex.method_ref(m.method_idx).expect("method ref");
                ours.push(format!("member {} {} {}", r.class, r.name, r.signature));
            }
        }
        let ours_lossy: Vec<String> = ours
            .iter()
            .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
            .collect();
        assert_eq!(ours_lossy.len(), expected.len(), "{rel}");
        for (a, b) in ours_lossy.iter().zip(&expected) {
            if a.contains('\u{fffd}') || b.contains('\u{fffd}') {
                continue;
            }
            assert_eq!(a, b, "{rel}");
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Field members of a class, formatted like the dexdump comparison.
fn field_members(dex: &appgov_dex::Dex<'_>, class: &appgov_dex::ClassDef<'_, '_>) -> Vec<String> {
    class
        .fields()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|f| dex.field_ref(f))
        .map(|f| format!("member {} {} {}", f.class, f.name, f.type_descriptor))
        .collect()
}

/// One instruction as `dexdump -d` prints it.
struct DumpInsn {
    pc: u32,
    /// Mnemonic, or `packed-switch-data` / `sparse-switch-data` /
    /// `array-data` for payloads.
    name: String,
    /// Everything after `pc: `, continuation lines (strings with newlines)
    /// joined with `\n`.
    text: String,
}

impl DumpInsn {
    /// `(kind, index)` from the trailing `// kind@hex` comment
    /// (`method@0024`, `string@000d`; invoke-polymorphic adds `, proto@`).
    fn reference(&self) -> Option<(&str, u32)> {
        let comment = self.text.rsplit_once(" // ")?.1;
        let (kind, rest) = comment.split_once('@')?;
        let hex = rest.split(',').next()?;
        Some((kind, u32::from_str_radix(hex, 16).ok()?))
    }

    /// Literal of a const load when dexdump prints it as `#int`/`#long`
    /// (it prints some as `#float`/`#double`; those are skipped).
    fn literal(&self) -> Option<i64> {
        if !self.name.starts_with("const") || self.name.starts_with("const-string") {
            return None;
        }
        let rest = self
            .text
            .split_once("#int ")
            .or_else(|| self.text.split_once("#long "))?
            .1;
        rest.split(' ').next()?.parse().ok()
    }

    /// The operand text between `{…}, ` and ` // method@` of an invoke:
    /// `Ljava/lang/String;.length:()I`.
    fn invoked(&self) -> Option<&str> {
        let after = self.text.split_once("}, ")?.1;
        Some(after.rsplit_once(" // ")?.0)
    }

    /// The quoted text of a const-string.
    fn string(&self) -> Option<&str> {
        let after = self.text.split_once(", \"")?.1;
        Some(after.rsplit_once("\" // string@")?.0)
    }
}

/// One method with code as `dexdump -d` prints it.
struct DumpMethod {
    code_off: u32,
    /// `class.name:signature` from the `[offset]` header line.
    title: String,
    insns: Vec<DumpInsn>,
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parses `dexdump -d` output into its disassembled methods, in order.
fn parse_dexdump(text: &str) -> Vec<DumpMethod> {
    let mut methods: Vec<DumpMethod> = Vec::new();
    let mut inside = false;
    // Not `lines()`: it would drop the `\r` of strings holding "\r\n".
    for line in text.split('\n') {
        let parts = line
            .split_once('|')
            .filter(|(left, _)| left.split_once(':').is_some_and(|(a, _)| is_hex(a)));
        if let Some((_, right)) = parts {
            if let Some(rest) = right.strip_prefix('[') {
                let (off, title) = rest.split_once("] ").unwrap_or((rest, ""));
                methods.push(DumpMethod {
                    code_off: u32::from_str_radix(off, 16).expect("code offset"),
                    title: title.to_owned(),
                    insns: Vec::new(),
                });
                inside = true;
                continue;
            }
            if let Some((pc, body)) = right.split_once(": ")
                && is_hex(pc)
                && inside
            {
                let name = body.split(' ').next().unwrap_or("").to_owned();
                methods
                    .last_mut()
                    .expect("method header first")
                    .insns
                    .push(DumpInsn {
                        pc: u32::from_str_radix(pc, 16).expect("pc"),
                        name,
                        text: body.to_owned(),
                    });
                continue;
            }
        }
        if line.starts_with("      catches") {
            inside = false;
        } else if inside && let Some(last) = methods.last_mut().and_then(|m| m.insns.last_mut()) {
            // A string constant containing a newline continues here.
            last.text.push('\n');
            last.text.push_str(line);
        }
    }
    methods
}

fn lossy_eq(a: &str, b: &str) -> bool {
    a == b || a.contains('\u{fffd}') || b.contains('\u{fffd}')
}

/// Counts from one dexdump comparison.
#[derive(Default, Debug)]
struct Compared {
    methods: usize,
    instructions: usize,
    invokes: usize,
    strings: usize,
    literals: usize,
    /// Names or strings not compared as text because one side has bytes
    /// that are not UTF-8 (dexdump prints raw MUTF-8: encoded NULs and
    /// surrogate pairs).
    lossy_skipped: usize,
}

impl Compared {
    fn add(&mut self, o: &Compared) {
        self.methods += o.methods;
        self.instructions += o.instructions;
        self.invokes += o.invokes;
        self.strings += o.strings;
        self.literals += o.literals;
        self.lossy_skipped += o.lossy_skipped;
    }
}

/// Compares our instruction walk and [`appgov_dex::MethodCode`] with
/// `dexdump -d` for every method it disassembles. Returns `None` when
/// dexdump cannot run.
fn compare_code_with_dexdump(label: &str, data: &[u8], tmp: &Path) -> Option<Compared> {
    use appgov_dex::{Reference, code::instructions};
    let path = tmp.join("code.dex");
    std::fs::write(&path, data).expect("write temp");
    let out = std::process::Command::new("dexdump")
        .arg("-d")
        .arg(&path)
        .output()
        .ok()?;
    assert!(out.status.success(), "{label}: dexdump failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let dumped = parse_dexdump(&text);
    let dex = parse(data, &Limits::default()).expect("parses");
    let ours: Vec<_> = dex.method_codes().collect();
    assert_eq!(ours.len(), dumped.len(), "{label}: methods with code");
    let mut n = Compared::default();
    for ((_, m, summary), d) in ours.iter().zip(&dumped) {
        let what = format!("{label} {} @{:#x}", d.title, d.code_off);
        assert_eq!(m.code_off, d.code_off, "{what}: method order");
        let summary = summary.as_ref().expect("code readable");
        assert_eq!(summary.fault, None, "{what}");
        assert_eq!(summary.instructions as usize, d.insns.len(), "{what}");
        let code = dex.code_item(m.code_off).expect("code item");
        let walked: Vec<_> = instructions(code.insns(), usize::MAX)
            .collect::<Result<_, _>>()
            .expect("walks");
        let (mut our_invokes, mut their_invokes) = (BTreeMap::new(), BTreeMap::new());
        let (mut our_strings, mut their_strings) = (BTreeMap::new(), BTreeMap::new());
        for (i, di) in walked.iter().zip(&d.insns) {
            let at = format!("{what} pc {:#x}", di.pc);
            assert_eq!(i.pc, di.pc, "{at}");
            let name = match i.payload {
                Some(appgov_dex::Payload::PackedSwitch) => "packed-switch-data",
                Some(appgov_dex::Payload::SparseSwitch) => "sparse-switch-data",
                Some(appgov_dex::Payload::FillArrayData) => "array-data",
                None => i.name(),
            };
            assert_eq!(name, di.name, "{at}");
            if let Some(v) = di.literal() {
                assert_eq!(i.literal(), Some(v), "{at}");
                n.literals += 1;
            }
            let Some((kind, idx)) = di.reference() else {
                assert!(
                    !matches!(
                        i.reference(),
                        Some(Reference::Method(_) | Reference::String(_))
                    ),
                    "{at}: dexdump shows no reference: {}",
                    di.text
                );
                continue;
            };
            match (i.reference(), kind) {
                (Some(Reference::Method(m)), "method") => {
                    assert_eq!(m, idx, "{at}");
                    let r = dex.method_ref(m).expect("method ref");
                    let ours = format!("{}.{}:{}", r.class, r.name, r.signature);
                    let theirs = di.invoked().unwrap_or_default().to_owned();
                    assert!(lossy_eq(&ours, &theirs), "{at}: {ours} vs {theirs}");
                    if ours != theirs {
                        n.lossy_skipped += 1;
                    }
                    our_invokes.insert(idx, ours);
                    their_invokes.insert(idx, theirs);
                    n.invokes += 1;
                }
                (Some(Reference::MethodProto { method, .. }), "method") => {
                    assert_eq!(method, idx, "{at}");
                    n.invokes += 1;
                }
                (Some(Reference::String(s)), "string") => {
                    assert_eq!(s, idx, "{at}");
                    let ours = dex.string(s).expect("string").into_owned();
                    let theirs = di.string().unwrap_or_default().to_owned();
                    assert!(lossy_eq(&ours, &theirs), "{at}: {ours:?} vs {theirs:?}");
                    if ours != theirs {
                        n.lossy_skipped += 1;
                    }
                    our_strings.insert(idx, ours);
                    their_strings.insert(idx, theirs);
                    n.strings += 1;
                }
                (Some(Reference::Field(f)), "field") => assert_eq!(f, idx, "{at}"),
                (Some(Reference::Type(t)), "type") => assert_eq!(t, idx, "{at}"),
                (Some(Reference::CallSite(c)), "call_site") => assert_eq!(c, idx, "{at}"),
                (Some(Reference::MethodHandle(h)), "method_handle") => assert_eq!(h, idx, "{at}"),
                (Some(Reference::Proto(p)), "proto") => assert_eq!(p, idx, "{at}"),
                (r, k) => panic!("{at}: ours {r:?}, dexdump {k}@{idx:x}: {}", di.text),
            }
        }
        // The summary agrees with the per-instruction walk…
        let summary_invokes: std::collections::BTreeSet<u32> =
            summary.invokes.iter().copied().collect();
        let summary_strings: std::collections::BTreeSet<u32> =
            summary.strings.iter().copied().collect();
        assert_eq!(
            summary_invokes,
            our_invokes.keys().copied().collect(),
            "{what}"
        );
        assert_eq!(
            summary_strings,
            our_strings.keys().copied().collect(),
            "{what}"
        );
        // …and the sets of invoked methods and strings equal dexdump's.
        assert_eq!(
            our_invokes.keys().collect::<Vec<_>>(),
            their_invokes.keys().collect::<Vec<_>>(),
            "{what}"
        );
        assert_eq!(
            our_strings.keys().collect::<Vec<_>>(),
            their_strings.keys().collect::<Vec<_>>(),
            "{what}"
        );
        n.methods += 1;
        n.instructions += walked.len();
    }
    Some(n)
}

fn dexdump_available() -> bool {
    let ok = std::process::Command::new("dexdump")
        .arg("-h")
        .output()
        .is_ok();
    if !ok {
        eprintln!("skipping: dexdump not installed (Debian package dexdump)");
    }
    ok
}

/// Bytecode against `dexdump -d` (Debian dexdump 11.0.0+r48-5) on files
/// chosen for coverage: obfuscated (DexGuard), packed (Bangcle), v038,
/// all three payload kinds, a malformed package. Every instruction's
/// position, mnemonic, reference and literal, and per method the
/// instruction count and the sets of invoked methods and strings.
#[test]
fn bytecode_matches_dexdump() {
    let Some(dir) = corpus_dir() else { return };
    if !dexdump_available() {
        return;
    }
    let tmp = std::env::temp_dir().join(format!("appgov-dex-code-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let mut total = Compared::default();
    for (rel, entry) in [
        ("apk/mastg__UnCrackable-Level1.apk", "classes.dex"),
        ("apk/apkid__dexguard_6_1.apk", "classes.dex"),
        ("apk/bangcle__bangcle_demo.apk", "classes.dex"),
        ("apk-malformed/androguard__Invalid.apk", "classes.dex"),
        (
            "apk/npm-uia2__appium-uiautomator2-server-debug-androidTest.apk",
            "classes.dex",
        ),
        (
            "apk/npm-appium-settings__settings_apk-debug.apk",
            "classes2.dex",
        ),
    ] {
        let data = dex_of(&dir, rel, entry);
        let n = compare_code_with_dexdump(rel, &data, &tmp).expect("dexdump runs");
        eprintln!("{rel}!/{entry}: {n:?}");
        assert!(n.methods > 0, "{rel}");
        total.add(&n);
    }
    eprintln!("total: {total:?}");
    assert!(total.instructions > 100_000, "{total:?}");
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The same comparison over every distinct dex in the corpus (about 40 s in
/// a debug build, most of it dexdump).
#[test]
fn bytecode_whole_corpus_matches_dexdump() {
    let Some(dir) = corpus_dir() else { return };
    if !dexdump_available() {
        return;
    }
    let tmp = std::env::temp_dir().join(format!("appgov-dex-code-all-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let sums = manifest(&dir);
    let mut seen = std::collections::BTreeSet::new();
    let (mut files, mut total) = (0, Compared::default());
    for rel in sums.keys() {
        let folder = rel.split('/').next().unwrap_or("");
        if !["apk", "apk-signing", "apk-malformed", "aab", "xapk"].contains(&folder)
            || rel.ends_with(".idsig")
        {
            continue;
        }
        let data = read_checked(&dir, rel, &sums);
        let mut entries = Vec::new();
        dex_entries(&data, rel, &mut entries, 0);
        for (label, bytes) in entries {
            if !seen.insert(sha2::Sha256::digest(&bytes).to_vec()) {
                continue;
            }
            let n = compare_code_with_dexdump(&label, &bytes, &tmp).expect("dexdump runs");
            files += 1;
            total.add(&n);
        }
    }
    eprintln!("{files} distinct dex files: {total:?}");
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The whole-file budget and the per-method cap stop a pass early and say
/// so; the default limits do not.
#[test]
fn code_walk_limits_on_a_real_file() {
    let Some(dir) = corpus_dir() else { return };
    let data = dex_of(&dir, "apk/mastg__UnCrackable-Level1.apk", "classes.dex");
    let dex = parse(&data, &Limits::default()).expect("parses");
    let all: Vec<_> = dex.method_codes().collect();
    assert_eq!(all.len(), 15);
    assert!(
        all.iter()
            .all(|(_, _, r)| r.as_ref().is_ok_and(|c| c.fault.is_none()))
    );
    // Class 1's `a(Context)`: `(flags & FLAG_DEBUGGABLE) != 0` (dexdump -d).
    let (class, m, code) = &all[1];
    let code = code.as_ref().expect("code");
    assert_eq!((*class, code.insns_len, code.instructions), (1, 18, 11));
    assert_eq!(code.field_refs, [0]);
    assert_eq!(code.int_literals, [1, 0]);
    let r = dex.method_ref(m.method_idx).expect("ref");
    assert_eq!(
        (r.name.as_ref(), r.signature.as_str()),
        ("a", "(Landroid/content/Context;)Z")
    );
    let invoked: Vec<String> = code
        .invokes
        .iter()
        .filter_map(|&i| dex.method_ref(i))
        .map(|r| format!("{}.{}", r.class_name(), r.name))
        .collect();
    assert_eq!(
        invoked,
        [
            "android.content.Context.getApplicationContext",
            "android.content.Context.getApplicationInfo"
        ]
    );

    let small = Limits {
        max_code_instructions: 60,
        ..Limits::default()
    };
    let dex = parse(&data, &small).expect("parses");
    let mut pass = dex.method_codes();
    let got: Vec<_> = pass.by_ref().collect();
    assert!(pass.budget_exhausted());
    assert!(got.len() < 15);
    let (last, rest) = got.split_last().expect("items");
    assert!(matches!(
        last.2,
        Err(appgov_dex::CodeError::BudgetExhausted { limit: 60 })
    ));
    assert!(rest.iter().all(|(_, _, r)| r.is_ok()));
    assert!(pass.next().is_none());

    let per_method = Limits {
        max_method_instructions: 5,
        ..Limits::default()
    };
    let dex = parse(&data, &per_method).expect("parses");
    let capped = dex
        .method_codes()
        .filter(|(_, _, r)| {
            r.as_ref().is_ok_and(|c| {
                assert!(c.instructions <= 5);
                matches!(
                    c.fault,
                    Some(appgov_dex::WalkError::InstructionLimit { limit: 5, .. })
                )
            })
        })
        .count();
    assert!(capped > 5, "{capped}");
}

/// Random byte flips in a real dex (a deterministic generator, no fuzzer)
/// never make the code walk panic or run away.
#[test]
fn mutated_code_never_panics() {
    let Some(dir) = corpus_dir() else { return };
    let original = dex_of(&dir, "apk/mastg__UnCrackable-Level1.apk", "classes.dex");
    let limits = Limits {
        verify_checksum: false,
        verify_signature: false,
        ..Limits::default()
    };
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut faults = 0;
    for round in 0..1500 {
        let mut data = original.clone();
        // Aim most flips at the code and class_data (after the id tables).
        for _ in 0..1 + round % 8 {
            let at = 0x77c + (next() as usize) % (data.len() - 0x77c);
            data[at] = next() as u8;
        }
        let Ok(dex) = parse(&data, &limits) else {
            continue;
        };
        let mut steps = 0u64;
        for (_, _, code) in dex.method_codes() {
            match code {
                Ok(c) => {
                    steps += u64::from(c.instructions);
                    faults += usize::from(c.fault.is_some());
                }
                Err(_) => faults += 1,
            }
        }
        assert!(steps <= 4 * data.len() as u64 + (1 << 20));
    }
    assert!(faults > 0, "flips should break some code");
}
