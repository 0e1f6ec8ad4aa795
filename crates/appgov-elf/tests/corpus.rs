//! Every native library in the corpus packages is read without panicking;
//! when binutils' `readelf` is installed, machine, DT_NEEDED, SONAME,
//! PT_LOAD alignment, GNU_STACK, BIND_NOW and import counts must agree.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use appgov_elf::{Limits, Relro, parse, rodata_strings};
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
    let got: String = sha2::Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(Some(&got), sums.get(rel), "{rel} changed on disk");
    data
}

/// `.so` entries of a zip and of zips nested one level deep (XAPK splits).
fn so_entries(zip_bytes: &[u8], label: &str, out: &mut Vec<(String, Vec<u8>)>, depth: u32) {
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)) else {
        eprintln!("{label}: zip crate cannot open it (not an ELF problem)");
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
        if !name.ends_with(".so") && !nested {
            continue;
        }
        let mut buf = Vec::new();
        if entry.read_to_end(&mut buf).is_err() {
            continue;
        }
        if nested {
            so_entries(&buf, &format!("{label}!/{name}"), out, depth + 1);
        } else {
            out.push((format!("{label}!/{name}"), buf));
        }
    }
}

fn all_libs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let sums = manifest(dir);
    let mut out = Vec::new();
    for rel in sums.keys() {
        let folder = rel.split('/').next().unwrap_or("");
        if !["apk", "apk-signing", "apk-malformed", "aab", "xapk"].contains(&folder)
            || rel.ends_with(".idsig")
        {
            continue;
        }
        let data = read_checked(dir, rel, &sums);
        assert!(
            parse(&data, &Limits::default()).is_err(),
            "{rel} is not ELF"
        );
        so_entries(&data, rel, &mut out, 0);
    }
    out
}

#[test]
fn every_corpus_library_is_read() {
    let Some(dir) = corpus_dir() else { return };
    let libs = all_libs(&dir);
    let mut elf = 0;
    for (label, data) in &libs {
        match parse(data, &Limits::default()) {
            Ok(f) => {
                elf += 1;
                assert!(f.android_abi.is_some(), "{label}");
                let abi_dir = label.rsplit('/').nth(1).unwrap_or("");
                // readelf -A: glide's "armeabi" build is really ARMv7 code.
                let expect = if label.contains("libglide-webp") && abi_dir == "armeabi" {
                    "armeabi-v7a"
                } else {
                    abi_dir
                };
                assert_eq!(f.android_abi, Some(expect), "{label}");
                if abi_dir.starts_with("armeabi") {
                    // readelf -A: Tag_CPU_arch v7 (10) or v5TE (4).
                    let want = if expect == "armeabi" { 4 } else { 10 };
                    assert_eq!(f.arm_cpu_arch, Some(want), "{label}");
                }
                let _ = rodata_strings(data, 6, 1000);
            }
            Err(e) => {
                // Only the signing test vectors' placeholder `fake.so` files are not ELF.
                assert!(label.ends_with("fake.so"), "{label}: {e}");
            }
        }
    }
    // 30 `.so` entries, of which 7 are the signing vectors' non-ELF `fake.so`.
    assert_eq!(libs.len(), 30);
    assert_eq!(elf, 23);
}

#[test]
fn uncrackable_level3_facts() {
    let Some(dir) = corpus_dir() else { return };
    let libs = all_libs(&dir);
    let lib = |suffix: &str| {
        libs.iter()
            .find(|(l, _)| l.ends_with(suffix))
            .map(|(_, d)| parse(d, &Limits::default()).expect("ELF"))
            .expect("library present")
    };
    let arm64 = lib("UnCrackable-Level3.apk!/lib/arm64-v8a/libfoo.so");
    assert_eq!(
        (arm64.bits, arm64.machine, arm64.machine_name),
        (64, 183, "aarch64")
    );
    assert_eq!(arm64.elf_type_name, "ET_DYN");
    assert!(arm64.pie && arm64.nx);
    assert_eq!(
        arm64.needed,
        ["liblog.so", "libm.so", "libdl.so", "libc.so"]
    );
    // readelf --dyn-syms: undefined symbols in table order (version suffixes dropped).
    assert_eq!(
        arm64.imported_functions,
        [
            "pthread_create",
            "__cxa_finalize",
            "ptrace",
            "_exit",
            "raise",
            "fclose",
            "__stack_chk_fail",
            "fgets",
            "fork",
            "strncpy",
            "__android_log_print",
            "strstr",
            "usleep",
            "getppid",
            "malloc",
            "waitpid",
            "fopen",
            "pthread_exit",
            "__cxa_atexit",
        ]
    );
    assert!(arm64.imports_any(&["ptrace", "fork"]));
    assert!(arm64.stack_canary && !arm64.fortify);
    assert_eq!(arm64.stripped, Some(true));
    assert_eq!((arm64.relro, arm64.bind_now), (Relro::Full, true));
    assert_eq!(arm64.jni_exports, 3);
    assert_eq!(arm64.min_load_align, Some(0x10000));
    assert_eq!(arm64.page_16k_compatible, Some(true));
    let x86 = lib("UnCrackable-Level3.apk!/lib/x86/libfoo.so");
    assert_eq!((x86.bits, x86.android_abi), (32, Some("x86")));
    assert_eq!(x86.min_load_align, Some(0x1000));
    assert_eq!(x86.page_16k_compatible, Some(false));
    assert_eq!(x86.relro, Relro::Full);
    // The x86 build's .shstrtab header carries garbage link/info values
    // (readelf warns: "sh_link value of 4249878528").
    assert!(
        x86.anomalies
            .iter()
            .any(|a| a.kind == appgov_elf::AnomalyKind::SectionLinkOutOfRange)
    );
}

struct ReadElf {
    machine: String,
    needed: Vec<String>,
    soname: Option<String>,
    load_aligns: Vec<u64>,
    stack_exec: Option<bool>,
    has_relro: bool,
    bind_now: bool,
    undefined: u64,
}

fn readelf(path: &Path) -> Option<ReadElf> {
    let out = Command::new("readelf")
        .args(["-h", "-l", "-d", "--dyn-syms", "-W"])
        .arg(path)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let bracket = |l: &str| {
        l.split('[')
            .nth(1)
            .map(|s| s.trim_end_matches(']').to_owned())
    };
    let mut r = ReadElf {
        machine: String::new(),
        needed: Vec::new(),
        soname: None,
        load_aligns: Vec::new(),
        stack_exec: None,
        has_relro: false,
        bind_now: false,
        undefined: 0,
    };
    for line in text.lines() {
        let t = line.trim();
        if let Some(m) = t.strip_prefix("Machine:") {
            r.machine = m.trim().to_owned();
        } else if t.contains("(NEEDED)") {
            r.needed.extend(bracket(t));
        } else if t.contains("(SONAME)") {
            r.soname = bracket(t);
        } else if t.starts_with("LOAD ") {
            let align = t.split_whitespace().last().unwrap_or("0");
            r.load_aligns
                .push(u64::from_str_radix(align.trim_start_matches("0x"), 16).unwrap_or(0));
        } else if t.starts_with("GNU_STACK") {
            r.stack_exec = Some(t.contains("RWE") || t.split_whitespace().any(|w| w == "E"));
        } else if t.starts_with("GNU_RELRO") {
            r.has_relro = true;
        } else if t.contains("(BIND_NOW)")
            || (t.contains("(FLAGS)") && t.contains("BIND_NOW"))
            || (t.contains("(FLAGS_1)") && t.contains("NOW"))
        {
            r.bind_now = true;
        } else if t.contains(" UND ") && t.split_whitespace().count() >= 8 {
            r.undefined += 1;
        }
    }
    Some(r)
}

fn readelf_machine(machine: u16) -> &'static str {
    match machine {
        3 => "Intel 80386",
        8 => "MIPS R3000",
        40 => "ARM",
        62 => "Advanced Micro Devices X86-64",
        183 => "AArch64",
        _ => "?",
    }
}

#[test]
fn matches_readelf() {
    let Some(dir) = corpus_dir() else { return };
    if Command::new("readelf").arg("--version").output().is_err() {
        eprintln!("skipping: readelf not installed");
        return;
    }
    let tmp = std::env::temp_dir().join(format!("appgov-elf-test-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let mut compared = 0;
    for (label, data) in all_libs(&dir) {
        let Ok(ours) = parse(&data, &Limits::default()) else {
            continue;
        };
        let path = tmp.join("lib.so");
        std::fs::write(&path, &data).expect("write temp");
        let theirs = readelf(&path).expect("readelf runs");
        assert_eq!(theirs.machine, readelf_machine(ours.machine), "{label}");
        assert_eq!(ours.needed, theirs.needed, "{label}");
        assert_eq!(ours.soname, theirs.soname, "{label}");
        let aligns: Vec<u64> = ours.load_segments.iter().map(|l| l.align).collect();
        assert_eq!(aligns, theirs.load_aligns, "{label}");
        assert_eq!(
            ours.min_load_align,
            theirs.load_aligns.iter().copied().min(),
            "{label}"
        );
        assert_eq!(ours.gnu_stack, theirs.stack_exec.is_some(), "{label}");
        assert_eq!(ours.nx, theirs.stack_exec == Some(false), "{label}");
        assert_eq!(ours.bind_now, theirs.bind_now, "{label}");
        assert_eq!(ours.relro != Relro::None, theirs.has_relro, "{label}");
        assert_eq!(ours.imported_symbols, theirs.undefined, "{label}");
        compared += 1;
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(compared >= 20, "compared {compared}");
}
