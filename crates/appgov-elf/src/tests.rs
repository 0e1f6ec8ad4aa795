//! Synthetic ELF images: a minimal 64-bit shared object without section
//! headers (as packers leave them), then corruptions of it.

use super::*;

/// 64-bit LE ET_DYN: PT_LOAD(align), PT_DYNAMIC, PT_GNU_STACK(flags),
/// PT_GNU_RELRO; dynamic: NEEDED libc.so, SONAME, FLAGS BIND_NOW, STRTAB,
/// STRSZ, SYMTAB, HASH; three symbols (null, imported `ptrace`, exported
/// `JNI_OnLoad`).
fn build(align: u64, stack_flags: u32) -> Vec<u8> {
    let mut v = vec![0u8; 0x400];
    v[..4].copy_from_slice(b"\x7fELF");
    v[4] = 2;
    v[5] = 1;
    v[6] = 1;
    let w16 = |v: &mut Vec<u8>, at: usize, x: u16| v[at..at + 2].copy_from_slice(&x.to_le_bytes());
    let w32 = |v: &mut Vec<u8>, at: usize, x: u32| v[at..at + 4].copy_from_slice(&x.to_le_bytes());
    let w64 = |v: &mut Vec<u8>, at: usize, x: u64| v[at..at + 8].copy_from_slice(&x.to_le_bytes());
    w16(&mut v, 16, 3);
    w16(&mut v, 18, 183);
    w64(&mut v, 32, 64); // phoff
    w16(&mut v, 54, 56);
    w16(&mut v, 56, 4);
    let ph = |v: &mut Vec<u8>, i: usize, kind: u32, flags: u32, off: u64, size: u64, al: u64| {
        let at = 64 + i * 56;
        w32(v, at, kind);
        w32(v, at + 4, flags);
        w64(v, at + 8, off);
        w64(v, at + 16, off);
        w64(v, at + 32, size);
        w64(v, at + 40, size);
        w64(v, at + 48, al);
    };
    ph(&mut v, 0, PT_LOAD, 5, 0, 0x400, align);
    ph(&mut v, 1, PT_DYNAMIC, 6, 0x200, 0x100, 8);
    ph(&mut v, 2, PT_GNU_STACK, stack_flags, 0, 0, 16);
    ph(&mut v, 3, PT_GNU_RELRO, 4, 0x200, 0x100, 1);
    // dynstr at 0x300
    let strs = b"\0libc.so\0libx.so\0ptrace\0JNI_OnLoad\0";
    v[0x300..0x300 + strs.len()].copy_from_slice(strs);
    // hash at 0x340: nbucket=1, nchain=3
    w32(&mut v, 0x340, 1);
    w32(&mut v, 0x344, 3);
    // dynsym at 0x360: 3 entries of 24 bytes
    w32(&mut v, 0x360 + 24, 17); // "ptrace", undefined
    v[0x360 + 24 + 4] = 0x12; // GLOBAL FUNC
    w32(&mut v, 0x360 + 48, 24); // "JNI_OnLoad"
    v[0x360 + 48 + 4] = 0x12;
    w16(&mut v, 0x360 + 48 + 6, 5);
    let dyns: [(u64, u64); 8] = [
        (DT_NEEDED, 1),
        (DT_SONAME, 9),
        (DT_FLAGS, DF_BIND_NOW),
        (DT_STRTAB, 0x300),
        (DT_STRSZ, strs.len() as u64),
        (DT_SYMTAB, 0x360),
        (DT_HASH, 0x340),
        (DT_NULL, 0),
    ];
    for (i, (t, val)) in dyns.iter().enumerate() {
        w64(&mut v, 0x200 + i * 16, *t);
        w64(&mut v, 0x200 + i * 16 + 8, *val);
    }
    v
}

#[test]
fn sectionless_library_still_gives_facts() {
    let f = parse(&build(0x4000, 6), &Limits::default()).expect("parses");
    assert_eq!(
        (f.bits, f.android_abi, f.elf_type_name),
        (64, Some("arm64-v8a"), "ET_DYN")
    );
    assert_eq!(f.needed, ["libc.so"]);
    assert_eq!(f.soname.as_deref(), Some("libx.so"));
    assert!(f.nx && f.pie && f.bind_now);
    assert_eq!(f.relro, Relro::Full);
    assert_eq!(f.min_load_align, Some(0x4000));
    assert_eq!(f.page_16k_compatible, Some(true));
    assert_eq!(f.imported_functions, ["ptrace"]);
    assert_eq!((f.imported_symbols, f.exported_symbols), (1, 1));
    assert!(f.jni_onload);
    assert_eq!(f.stripped, Some(true));
    assert!(
        f.anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::NoSectionHeaders)
    );
}

#[test]
fn executable_stack_and_4k_pages() {
    let f = parse(&build(0x1000, 7), &Limits::default()).expect("parses");
    assert!(!f.nx);
    assert_eq!(f.page_16k_compatible, Some(false));
}

#[test]
fn errors_for_non_elf() {
    assert!(matches!(
        parse(b"PK\x03\x04", &Limits::default()),
        Err(ElfError::NotElf { .. })
    ));
    assert!(matches!(
        parse(b"", &Limits::default()),
        Err(ElfError::NotElf { .. })
    ));
    assert_eq!(
        parse(b"\x7fELF\x03\x01", &Limits::default()).err(),
        Some(ElfError::BadClass(3))
    );
    assert_eq!(
        parse(b"\x7fELF\x02\x07", &Limits::default()).err(),
        Some(ElfError::BadEncoding(7))
    );
    assert_eq!(
        parse(b"\x7fELF\x02\x01\x01", &Limits::default()).err(),
        Some(ElfError::TruncatedHeader { len: 7 })
    );
}

#[test]
fn every_truncation_is_handled() {
    let full = build(0x4000, 6);
    for cut in 0..full.len() {
        let _ = parse(&full[..cut], &Limits::default());
        let _ = rodata_strings(&full[..cut], 6, 10);
    }
}

#[test]
fn wild_offsets_do_not_panic() {
    let mut v = build(0x4000, 6);
    // phnum huge, shoff wild, dynamic entry pointing far away.
    v[56..58].copy_from_slice(&0xffffu16.to_le_bytes());
    v[40..48].copy_from_slice(&u64::MAX.to_le_bytes());
    v[58..60].copy_from_slice(&64u16.to_le_bytes());
    v[60..62].copy_from_slice(&0xffffu16.to_le_bytes());
    let f = parse(&v, &Limits::default()).expect("parses");
    assert!(!f.anomalies.is_empty());
    let mut v = build(0x4000, 6);
    v[0x200 + 3 * 16 + 8..0x200 + 3 * 16 + 16].copy_from_slice(&u64::MAX.to_le_bytes());
    let f = parse(&v, &Limits::default()).expect("parses");
    assert!(f.needed.is_empty());
}
