//! Hand-built DEX images: a small valid file, then targeted corruptions.
//! Each test asserts the named anomaly or error, never a panic.

use appgov_dex::{AnomalyKind, DexError, Limits, OtherFormat, parse};
use sha1::Digest;

struct Built {
    bytes: Vec<u8>,
    string_ids_off: usize,
    class_defs_off: usize,
}

fn put_u32(v: &mut [u8], at: usize, x: u32) {
    v[at..at + 4].copy_from_slice(&x.to_le_bytes());
}

fn uleb(out: &mut Vec<u8>, mut x: u32) {
    loop {
        let b = (x & 0x7f) as u8;
        x >>= 7;
        if x == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
}

fn adler32(d: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in d {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn fix_hashes(v: &mut [u8]) {
    let sig = sha1::Sha1::digest(&v[32..]);
    v[12..32].copy_from_slice(&sig);
    let ck = adler32(&v[12..]);
    v[8..12].copy_from_slice(&ck.to_le_bytes());
}

/// Strings (raw MUTF-8 with declared UTF-16 length) become types 1:1;
/// `classes` lists type indexes defined as classes with one direct method.
fn build(strings: &[(&[u8], u32)], classes: &[u32]) -> Built {
    let n_s = strings.len();
    let n_t = strings.len();
    let string_ids_off = 0x70;
    let type_ids_off = string_ids_off + 4 * n_s;
    let proto_ids_off = type_ids_off + 4 * n_t;
    let method_ids_off = proto_ids_off + 12;
    let class_defs_off = method_ids_off + 8 * classes.len();
    let data_off = class_defs_off + 32 * classes.len();
    let mut v = vec![0u8; data_off];
    v[..8].copy_from_slice(b"dex\n035\0");
    // string data
    let mut string_offs = Vec::new();
    for (s, units) in strings {
        string_offs.push(v.len() as u32);
        uleb(&mut v, *units);
        v.extend_from_slice(s);
        v.push(0);
    }
    // class data: one direct method each, code_off 0 (abstract-like)
    let mut class_data_offs = Vec::new();
    for (i, _) in classes.iter().enumerate() {
        class_data_offs.push(v.len() as u32);
        for x in [0, 0, 1, 0, i as u32, 0x0101, 0] {
            uleb(&mut v, x);
        }
    }
    while !v.len().is_multiple_of(4) {
        v.push(0);
    }
    let map_off = v.len();
    let map: [(u16, u32, usize); 6] = [
        (0, 1, 0),
        (1, n_s as u32, string_ids_off),
        (2, n_t as u32, type_ids_off),
        (3, 1, proto_ids_off),
        (5, classes.len() as u32, method_ids_off),
        (6, classes.len() as u32, class_defs_off),
    ];
    v.extend_from_slice(&(map.len() as u32).to_le_bytes());
    for (t, size, off) in map {
        v.extend_from_slice(&t.to_le_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(&size.to_le_bytes());
        v.extend_from_slice(&(off as u32).to_le_bytes());
    }
    let file_size = v.len();
    for (i, off) in string_offs.iter().enumerate() {
        put_u32(&mut v, string_ids_off + 4 * i, *off);
        put_u32(&mut v, type_ids_off + 4 * i, i as u32);
    }
    // proto 0: shorty = string 0, return type = type 0, no params
    put_u32(&mut v, proto_ids_off, 0);
    put_u32(&mut v, proto_ids_off + 4, 0);
    for (i, &t) in classes.iter().enumerate() {
        let m = method_ids_off + 8 * i;
        v[m..m + 2].copy_from_slice(&(t as u16).to_le_bytes());
        put_u32(&mut v, m + 4, 0);
        let c = class_defs_off + 32 * i;
        put_u32(&mut v, c, t);
        put_u32(&mut v, c + 4, 1);
        put_u32(&mut v, c + 8, 0xffff_ffff);
        put_u32(&mut v, c + 16, 0xffff_ffff);
        put_u32(&mut v, c + 24, class_data_offs[i]);
    }
    let hdr = [
        (32, file_size),
        (36, 0x70),
        (40, 0x1234_5678),
        (52, map_off),
        (56, n_s),
        (60, string_ids_off),
        (64, n_t),
        (68, type_ids_off),
        (72, 1),
        (76, proto_ids_off),
        (88, classes.len()),
        (92, method_ids_off),
        (96, classes.len()),
        (100, class_defs_off),
        (104, file_size - data_off),
        (108, data_off),
    ];
    for (at, x) in hdr {
        put_u32(&mut v, at, x as u32);
    }
    fix_hashes(&mut v);
    Built {
        bytes: v,
        string_ids_off,
        class_defs_off,
    }
}

fn kinds(data: &[u8]) -> Vec<AnomalyKind> {
    parse(data, &Limits::default())
        .expect("parses")
        .summary()
        .anomalies
        .iter()
        .map(|a| a.kind)
        .collect()
}

fn basic() -> Built {
    build(
        &[
            (b"V", 1),
            (b"Lcom/bank/App;", 14),
            (b"Lcom/bank/Pay;", 14),
            (b"https://pay.example.cn/api", 26),
        ],
        &[1, 2],
    )
}

#[test]
fn valid_file_reads_back() {
    let b = basic();
    let dex = parse(&b.bytes, &Limits::default()).expect("parses");
    assert_eq!(dex.checksum_valid(), Some(true));
    assert_eq!(dex.signature_valid(), Some(true));
    let s = dex.summary();
    assert!(s.anomalies.is_empty(), "{:?}", s.anomalies);
    assert_eq!(
        (s.strings, s.classes, s.defined_methods, s.native_methods),
        (4, 2, 2, 2)
    );
    assert_eq!(s.packages.len(), 1);
    assert_eq!(
        (s.packages[0].name.as_str(), s.packages[0].classes),
        ("com.bank", 2)
    );
    let names: Vec<_> = dex.classes().filter_map(|c| c.name()).collect();
    assert_eq!(names, ["com.bank.App", "com.bank.Pay"]);
    let m = dex.method_ref(1).expect("method");
    assert_eq!(
        (
            m.class_name().as_ref(),
            m.name.as_ref(),
            m.signature.as_str()
        ),
        ("com.bank.Pay", "V", "()V")
    );
    assert_eq!(dex.collect_strings()[3], "https://pay.example.cn/api");
    assert_eq!(dex.map_list().len(), 6);
}

#[test]
fn wrong_magic_and_relatives() {
    let p = |d: &[u8]| parse(d, &Limits::default()).map(|_| ());
    assert!(matches!(p(b"PK\x03\x04rest"), Err(DexError::NotDex { .. })));
    assert!(matches!(p(b""), Err(DexError::NotDex { .. })));
    assert_eq!(
        p(b"cdex001\0"),
        Err(DexError::Unsupported(OtherFormat::CompactDex))
    );
    assert_eq!(
        p(b"dey\n036\0"),
        Err(DexError::Unsupported(OtherFormat::Odex))
    );
    assert_eq!(
        p(b"vdex0027"),
        Err(DexError::Unsupported(OtherFormat::Vdex))
    );
    assert_eq!(
        p(b"\x7fELF\x02\x01"),
        Err(DexError::Unsupported(OtherFormat::Oat))
    );
    assert_eq!(p(b"dex\n035\0"), Err(DexError::TruncatedHeader { len: 8 }));
    let mut b = basic().bytes;
    b[40..44].copy_from_slice(&0x7856_3412u32.to_le_bytes());
    assert!(matches!(p(&b), Err(DexError::BigEndian { .. })));
}

#[test]
fn tampering_is_reported() {
    let mut b = basic().bytes;
    let last = b.len() - 20;
    b[last] ^= 1;
    let k = kinds(&b);
    assert!(k.contains(&AnomalyKind::ChecksumMismatch));
    assert!(k.contains(&AnomalyKind::SignatureMismatch));

    // A packer's payload appended after file_size; hashes still cover only the dex.
    let mut b = basic().bytes;
    b.extend_from_slice(&[0xaa; 1000]);
    let k = kinds(&b);
    assert_eq!(k, [AnomalyKind::DataAfterFileSize]);

    // Unknown version digits still parse.
    let mut b = basic().bytes;
    b[4..8].copy_from_slice(b"099\0");
    fix_hashes(&mut b);
    assert_eq!(kinds(&b), [AnomalyKind::UnknownVersion]);
}

#[test]
fn truncation_and_bad_sections_give_partial_facts() {
    let full = basic().bytes;
    for cut in [0x70, 0x80, 0x90, full.len() / 2, full.len() - 1] {
        let dex = parse(&full[..cut], &Limits::default()).expect("header is intact");
        let s = dex.summary();
        assert!(
            s.anomalies.iter().any(|a| a.kind == AnomalyKind::Truncated),
            "{cut}"
        );
        let _ = dex.strings().count();
        let _ = dex.method_refs().count();
    }
    let mut b = basic();
    put_u32(&mut b.bytes, 56, 0x4000_0000); // string_ids_size
    let dex = parse(&b.bytes, &Limits::default()).expect("parses");
    assert!(
        dex.anomalies()
            .iter()
            .any(|a| a.kind == AnomalyKind::SectionOutOfBounds)
    );
    assert!(dex.string_count() < 1000);
    let _ = dex.summary();
    // String id pointing past the end and class_def with a wild type index.
    let mut b = basic();
    put_u32(&mut b.bytes, b.string_ids_off + 4, 0xffff_fff0);
    put_u32(&mut b.bytes, b.class_defs_off + 32, 0x00ff_ffff);
    fix_hashes(&mut b.bytes);
    let k = kinds(&b.bytes);
    assert!(k.contains(&AnomalyKind::StringDataInvalid), "{k:?}");
    assert!(k.contains(&AnomalyKind::IndexOutOfRange), "{k:?}");
}

#[test]
fn duplicate_and_illegal_class_names() {
    let b = build(
        &[
            (b"V", 1),
            (b"Lcom/a/B;", 9),
            (b"Lcom/a/in valid;", 16),
            (b"La/\x01;", 4),
        ],
        &[1, 1, 2, 3],
    );
    let k = kinds(&b.bytes);
    assert!(k.contains(&AnomalyKind::DuplicateClassDef), "{k:?}");
    assert!(k.contains(&AnomalyKind::IllegalClassName), "{k:?}");
}

#[test]
fn mutf8_problems_are_counted() {
    let b = build(
        &[
            (b"V", 1),
            (b"La;", 3),
            (&[b'x', 0xed, 0xa0, 0xbd], 2), // lone high surrogate
            (b"abc", 7),                    // wrong declared length
            (&[0xc0, 0x80, 0xe9, 0x93, 0xb6], 2), // encoded NUL + 银 : fine
        ],
        &[1],
    );
    let dex = parse(&b.bytes, &Limits::default()).expect("parses");
    assert_eq!(dex.string(4).as_deref(), Some("\0银"));
    assert_eq!(dex.string(2).as_deref(), Some("x\u{fffd}"));
    let k = kinds(&b.bytes);
    assert!(k.contains(&AnomalyKind::InvalidMutf8));
    assert!(k.contains(&AnomalyKind::StringLengthMismatch));
}

#[test]
fn shared_huge_string_stays_fast() {
    // 100k string ids all pointing at one 1 MiB unterminated run: a naive
    // reader scans 100 GB. The budget must stop it quickly.
    let mut v = basic().bytes;
    let n = 100_000usize;
    let ids_off = v.len();
    let run_off = ids_off + 4 * n;
    for _ in 0..n {
        v.extend_from_slice(&(run_off as u32).to_le_bytes());
    }
    v.push(0xff); // uleb: large length …
    v.push(0x7f);
    v.extend(std::iter::repeat_n(b'A', 1 << 20));
    put_u32(&mut v, 56, n as u32);
    put_u32(&mut v, 60, ids_off as u32);
    let len = v.len() as u32;
    put_u32(&mut v, 32, len);
    let start = std::time::Instant::now();
    let dex = parse(&v, &Limits::default()).expect("parses");
    let s = dex.summary();
    assert!(
        s.anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::ScanBudgetExhausted)
    );
    assert_eq!(dex.strings().count(), n);
    assert!(start.elapsed().as_secs() < 5, "took {:?}", start.elapsed());
}

#[test]
fn shared_huge_code_item_stays_bounded() {
    // 200k methods whose class_data all point at one 64k-unit code_item:
    // a naive walk is 13 billion instructions. The pass budget (about four
    // steps per input byte) must stop it, and say so.
    let mut b = basic();
    while !b.bytes.len().is_multiple_of(4) {
        b.bytes.push(0);
    }
    let code_off = b.bytes.len();
    let units = 1u32 << 16;
    for x in [1u16, 0, 0, 0] {
        b.bytes.extend_from_slice(&x.to_le_bytes());
    }
    b.bytes.extend_from_slice(&0u32.to_le_bytes());
    b.bytes.extend_from_slice(&units.to_le_bytes());
    b.bytes.extend(std::iter::repeat_n(0u8, 2 * units as usize)); // nops
    let class_data_off = b.bytes.len();
    let n = 200_000u32;
    for x in [0, 0, n, 0] {
        uleb(&mut b.bytes, x);
    }
    for _ in 0..n {
        for x in [0, 1, code_off as u32] {
            uleb(&mut b.bytes, x);
        }
    }
    put_u32(&mut b.bytes, b.class_defs_off + 24, class_data_off as u32);
    let len = b.bytes.len() as u32;
    put_u32(&mut b.bytes, 32, len);
    fix_hashes(&mut b.bytes);

    let start = std::time::Instant::now();
    let dex = parse(&b.bytes, &Limits::default()).expect("parses");
    let mut pass = dex.method_codes();
    let mut walked = 0u64;
    let mut items = 0u64;
    let mut last = None;
    for (class, m, code) in pass.by_ref() {
        assert_eq!((class, m.code_off), (0, code_off as u32));
        items += 1;
        if let Ok(c) = &code {
            assert_eq!(c.fault, None);
            assert_eq!(c.instructions, units);
            walked += u64::from(c.instructions);
        }
        last = Some(code);
    }
    assert!(pass.budget_exhausted());
    assert!(matches!(
        last,
        Some(Err(appgov_dex::CodeError::BudgetExhausted { .. }))
    ));
    let budget = 4 * u64::from(len) + (1 << 20);
    assert!(walked <= budget, "{walked} > {budget}");
    assert!(items < 100, "{items}");
    assert!(start.elapsed().as_secs() < 5, "took {:?}", start.elapsed());

    // One method: every code unit is read, and a code_item past the end
    // is an error, not a panic.
    let code = dex.method_code(code_off as u32).expect("code");
    assert_eq!(code.insns_len, units);
    assert!(dex.method_code(len - 8).is_err());
    assert!(dex.method_code(u32::MAX).is_err());
}

#[test]
fn methods_without_code_are_skipped() {
    let b = basic();
    let dex = parse(&b.bytes, &Limits::default()).expect("parses");
    assert_eq!(dex.method_codes().count(), 0);
}
