//! Unit tests on hand-built archives: a tiny writer produces a clean zip,
//! then individual tests tamper with bytes at known offsets.

use std::io::Write;

use super::*;
use crate::anomaly::AnomalyKind as K;

// ---------------------------------------------------------------- writer --

struct File<'a> {
    name: &'a [u8],
    content: &'a [u8],
    method: u16,
}

fn stored<'a>(name: &'a str, content: &'a [u8]) -> File<'a> {
    File {
        name: name.as_bytes(),
        content,
        method: 0,
    }
}

fn deflated<'a>(name: &'a str, content: &'a [u8]) -> File<'a> {
    File {
        name: name.as_bytes(),
        content,
        method: 8,
    }
}

/// A built archive and where its structures are.
struct Built {
    bytes: Vec<u8>,
    lfh: Vec<usize>,
    cdr: Vec<usize>,
    cd_start: usize,
    eocd: usize,
}

fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}
fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
fn get32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn build(files: &[File<'_>]) -> Built {
    let mut bytes = Vec::new();
    let mut lfh = Vec::new();
    let mut meta = Vec::new();
    for f in files {
        let payload = if f.method == 8 {
            deflate(f.content)
        } else {
            f.content.to_vec()
        };
        let crc = crc32fast::hash(f.content);
        lfh.push(bytes.len());
        let at = bytes.len() as u32;
        bytes.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        bytes.extend_from_slice(&20u16.to_le_bytes()); // version needed
        bytes.extend_from_slice(&0u16.to_le_bytes()); // flags
        bytes.extend_from_slice(&f.method.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes()); // time/date
        bytes.extend_from_slice(&crc.to_le_bytes());
        bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&(f.content.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&(f.name.len() as u16).to_le_bytes());
        bytes.extend_from_slice(&0u16.to_le_bytes()); // extra
        bytes.extend_from_slice(f.name);
        bytes.extend_from_slice(&payload);
        meta.push((at, crc, payload.len() as u32));
    }
    let cd_start = bytes.len();
    let mut cdr = Vec::new();
    for (f, (at, crc, csize)) in files.iter().zip(&meta) {
        cdr.push(bytes.len());
        bytes.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        bytes.extend_from_slice(&0x031eu16.to_le_bytes()); // made by unix
        bytes.extend_from_slice(&20u16.to_le_bytes());
        bytes.extend_from_slice(&0u16.to_le_bytes()); // flags
        bytes.extend_from_slice(&f.method.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&crc.to_le_bytes());
        bytes.extend_from_slice(&csize.to_le_bytes());
        bytes.extend_from_slice(&(f.content.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&(f.name.len() as u16).to_le_bytes());
        bytes.extend_from_slice(&0u16.to_le_bytes()); // extra
        bytes.extend_from_slice(&0u16.to_le_bytes()); // comment
        bytes.extend_from_slice(&0u16.to_le_bytes()); // disk
        bytes.extend_from_slice(&0u16.to_le_bytes()); // internal
        bytes.extend_from_slice(&(0o100644u32 << 16).to_le_bytes());
        bytes.extend_from_slice(&at.to_le_bytes());
        bytes.extend_from_slice(f.name);
    }
    let cd_size = bytes.len() - cd_start;
    let count = if files.len() > 0xffff {
        // ZIP64 end record + locator for the entry count only.
        let z64 = bytes.len() as u64;
        bytes.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
        bytes.extend_from_slice(&44u64.to_le_bytes());
        bytes.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        bytes.extend_from_slice(&(files.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&(files.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&(cd_size as u64).to_le_bytes());
        bytes.extend_from_slice(&(cd_start as u64).to_le_bytes());
        bytes.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&z64.to_le_bytes());
        bytes.extend_from_slice(&1u32.to_le_bytes());
        0xffff
    } else {
        files.len() as u16
    };
    let eocd = bytes.len();
    bytes.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(&count.to_le_bytes());
    bytes.extend_from_slice(&count.to_le_bytes());
    bytes.extend_from_slice(&(cd_size as u32).to_le_bytes());
    bytes.extend_from_slice(&(cd_start as u32).to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    Built {
        bytes,
        lfh,
        cdr,
        cd_start,
        eocd,
    }
}

fn sample() -> Built {
    build(&[
        deflated(
            "AndroidManifest.xml",
            b"\x03\x00\x08\x00manifest manifest manifest",
        ),
        stored("resources.arsc", b"\x02\x00\x0c\x00arsc"),
        deflated("classes.dex", b"dex\n035\0 some code some code some code"),
    ])
}

/// Takes `&Vec` because an unsized `[u8]` cannot become `&dyn ReadAt`.
#[allow(clippy::ptr_arg)]
fn parse(bytes: &Vec<u8>) -> ZipArchive<'_> {
    ZipArchive::parse(bytes, &Limits::default()).expect("parses")
}

fn kinds(zip: &ZipArchive<'_>) -> Vec<AnomalyKind> {
    zip.anomalies().iter().map(|a| a.kind).collect()
}

fn has(zip: &ZipArchive<'_>, kind: AnomalyKind, entry: Option<&str>) -> bool {
    zip.anomalies()
        .iter()
        .any(|a| a.kind == kind && a.entry.as_deref() == entry)
}

// ----------------------------------------------------------------- tests --

#[test]
fn clean_archive_reads_back() {
    let b = sample();
    let zip = parse(&b.bytes);
    assert!(zip.anomalies().is_empty(), "{:?}", zip.anomalies());
    assert_eq!(zip.android_rejection(), None);
    let names: Vec<&str> = zip.entries().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["AndroidManifest.xml", "resources.arsc", "classes.dex"]
    );
    let l = zip.layout();
    assert_eq!(l.eocd_offset, b.eocd as u64);
    assert_eq!(l.cd_offset, b.cd_start as u64);
    assert_eq!(l.cd_offset_declared, b.cd_start as u64);
    assert_eq!(l.cd_entries_declared, 3);
    assert_eq!(l.prefix_len, 0);
    assert!(!l.zip64);
    let m = zip.by_name("AndroidManifest.xml").unwrap();
    assert_eq!(m.compression(), Compression::Deflated);
    assert_eq!(m.data_offset, Some(30 + 19));
    assert_eq!(m.unix_mode(), Some(0o100644));
    assert!(!m.is_symlink() && !m.is_dir());
    let data = zip.read(m).unwrap();
    assert_eq!(data, b"\x03\x00\x08\x00manifest manifest manifest");
    let (data, report) = zip
        .read_checked(zip.by_name("resources.arsc").unwrap())
        .unwrap();
    assert_eq!(data, b"\x02\x00\x0c\x00arsc");
    assert!(report.crc_matches && report.size_matches);
    assert_eq!(report.len, 8);
    let range = zip.raw_data_range(m).unwrap();
    assert_eq!(range.0, 49);
    assert_eq!(range.1, m.compressed_size);
    assert!(zip.read_anomalies().is_empty());
    assert!(zip.by_name("missing").is_none());
}

#[test]
fn archive_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ZipArchive<'static>>();
}

#[test]
fn anomaly_codes_match_serde() {
    assert_eq!(AnomalyKind::ALL.len(), 37);
    for &kind in AnomalyKind::ALL {
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(json, format!("\"{}\"", kind.code()));
    }
}

#[test]
fn empty_zip_parses_with_no_entries() {
    let b = build(&[]);
    assert_eq!(b.bytes.len(), 22);
    let zip = parse(&b.bytes);
    assert!(zip.entries().is_empty());
    assert!(zip.anomalies().is_empty());
    assert_eq!(zip.android_rejection(), Some("archive has no entries"));
}

#[test]
fn non_zips_are_clear_errors() {
    let tiny = b"PK\x05\x06".to_vec();
    assert!(matches!(
        ZipArchive::parse(&tiny, &Limits::default()),
        Err(ZipError::TooSmall { size: 4 })
    ));
    let junk = vec![0x41u8; 1000];
    let err = ZipArchive::parse(&junk, &Limits::default()).err().unwrap();
    assert!(matches!(err, ZipError::NotZip { size: 1000 }));
    assert!(err.to_string().contains("no end-of-central-directory"));
    // EOCD claims entries but the central directory is nowhere.
    let mut b = sample();
    let at = b.cd_start;
    b.bytes[at] = b'X';
    let err = ZipArchive::parse(&b.bytes, &Limits::default())
        .err()
        .unwrap();
    assert!(matches!(err, ZipError::NoCentralDirectory { .. }), "{err}");
}

#[test]
fn trailing_bytes_after_eocd() {
    let mut b = sample();
    b.bytes.extend_from_slice(b"trailing junk");
    let zip = parse(&b.bytes);
    assert_eq!(kinds(&zip), [K::EocdNotAtEnd]);
    assert_eq!(zip.entries().len(), 3);
    assert!(zip.android_rejection().unwrap().contains("extraneous"));
}

#[test]
fn archive_comment_is_reported() {
    let mut b = sample();
    put16(&mut b.bytes, b.eocd + 20, 5);
    b.bytes.extend_from_slice(b"chan1");
    let zip = parse(&b.bytes);
    assert_eq!(kinds(&zip), [K::ArchiveComment]);
    assert_eq!(zip.comment(), b"chan1");
    assert_eq!(zip.layout().comment_len, 5);
    assert!(zip.anomalies()[0].detail.contains("\"chan1\""));
}

#[test]
fn planted_eocd_in_comment_is_the_one_android_uses() {
    // Real EOCD lists 3 entries; the comment holds a second EOCD listing
    // only the first central-directory record.
    let mut b = sample();
    let mut fake = b.bytes[b.eocd..].to_vec();
    put16(&mut fake, 8, 1);
    put16(&mut fake, 10, 1);
    put32(&mut fake, 12, (b.cdr[1] - b.cdr[0]) as u32);
    let comment_len = fake.len() as u16;
    put16(&mut b.bytes, b.eocd + 20, comment_len);
    b.bytes.extend_from_slice(&fake);
    let zip = parse(&b.bytes);
    assert!(has(&zip, K::EocdInComment, None), "{:?}", zip.anomalies());
    assert_eq!(zip.layout().eocd_offset, (b.eocd + 22) as u64);
    assert_eq!(zip.entries().len(), 1);
    assert!(has(&zip, K::GarbageAfterCentralDirectory, None));
}

#[test]
fn second_eocd_inside_central_directory_area() {
    // An EOCD signature hidden in an entry comment of the central directory.
    let mut b = sample();
    let rec = b.cdr[2];
    let name_len = 11;
    let end = rec + 46 + name_len;
    put16(&mut b.bytes, rec + 32, 4);
    b.bytes.splice(end..end, *b"PK\x05\x06");
    let cd_size = get32(&b.bytes, b.eocd + 4 + 12) + 4;
    let eocd = b.eocd + 4;
    put32(&mut b.bytes, eocd + 12, cd_size);
    let zip = parse(&b.bytes);
    assert_eq!(kinds(&zip), [K::MultipleEocd]);
}

#[test]
fn multi_disk_fields() {
    let mut b = sample();
    put16(&mut b.bytes, b.eocd + 4, 1);
    let zip = parse(&b.bytes);
    assert_eq!(kinds(&zip), [K::MultiDisk]);
}

#[test]
fn prepended_stub_without_offset_fixups() {
    let b = sample();
    let mut bytes = b"MZ this is a stub".to_vec();
    let stub = bytes.len() as u64;
    bytes.extend_from_slice(&b.bytes);
    let zip = parse(&bytes);
    assert_eq!(
        kinds(&zip),
        [K::CentralDirectoryShifted, K::PrependedData],
        "{:?}",
        zip.anomalies()
    );
    assert_eq!(zip.layout().prefix_len, stub);
    assert_eq!(zip.layout().cd_offset, b.cd_start as u64 + stub);
    assert_eq!(zip.layout().cd_offset_declared, b.cd_start as u64);
    let m = zip.by_name("AndroidManifest.xml").unwrap();
    assert_eq!(m.local_header_offset, stub);
    assert!(zip.read(m).unwrap().starts_with(b"\x03\x00\x08\x00"));
    assert!(zip.android_rejection().is_some());
}

#[test]
fn prepended_stub_with_offset_fixups() {
    let b = sample();
    let stub = 100usize;
    let mut bytes = vec![0u8; stub];
    bytes.extend_from_slice(&b.bytes);
    for &rec in &b.cdr {
        let at = stub + rec + 42;
        let v = get32(&bytes, at) + stub as u32;
        put32(&mut bytes, at, v);
    }
    let eocd = stub + b.eocd;
    let v = get32(&bytes, eocd + 16) + stub as u32;
    put32(&mut bytes, eocd + 16, v);
    let zip = parse(&bytes);
    assert_eq!(kinds(&zip), [K::PrependedData]);
    assert_eq!(zip.layout().prefix_len, 100);
    assert!(zip.read(&zip.entries()[2]).unwrap().starts_with(b"dex\n"));
}

#[test]
fn zipflinger_virtual_entry_prefix_is_benign() {
    // A nameless, empty local header with 40 bytes of padding at offset 0.
    let b = sample();
    let mut pad = Vec::new();
    pad.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    pad.extend_from_slice(&[0u8; 24]);
    pad.extend_from_slice(&40u16.to_le_bytes());
    pad.extend_from_slice(&[0u8; 40]);
    let n = pad.len() as u32;
    let mut bytes = pad;
    bytes.extend_from_slice(&b.bytes);
    for &rec in &b.cdr {
        let at = n as usize + rec + 42;
        let v = get32(&bytes, at) + n;
        put32(&mut bytes, at, v);
    }
    let eocd = n as usize + b.eocd;
    let v = get32(&bytes, eocd + 16) + n;
    put32(&mut bytes, eocd + 16, v);
    let zip = parse(&bytes);
    assert!(zip.anomalies().is_empty(), "{:?}", zip.anomalies());
    assert_eq!(zip.layout().prefix_len, 70);
}

#[test]
fn garbage_between_central_directory_and_eocd() {
    let mut b = sample();
    b.bytes.splice(b.eocd..b.eocd, *b"garbage");
    let zip = parse(&b.bytes);
    assert_eq!(kinds(&zip), [K::GarbageAfterCentralDirectory]);
    assert!(zip.anomalies()[0].detail.starts_with("7 bytes"));
    assert_eq!(zip.android_rejection(), None);
}

#[test]
fn central_directory_overlapping_eocd() {
    let mut b = sample();
    let size = get32(&b.bytes, b.eocd + 12) + 1;
    put32(&mut b.bytes, b.eocd + 12, size);
    let zip = parse(&b.bytes);
    assert!(has(&zip, K::CentralDirectoryOutOfBounds, None));
    assert!(zip.android_rejection().is_some());
    assert_eq!(zip.entries().len(), 3);
}

#[test]
fn declared_count_larger_than_records() {
    let mut b = sample();
    put16(&mut b.bytes, b.eocd + 8, 5);
    put16(&mut b.bytes, b.eocd + 10, 5);
    let zip = parse(&b.bytes);
    assert_eq!(kinds(&zip), [K::EntryCountMismatch]);
    assert_eq!(zip.entries().len(), 3);
    assert!(zip.android_rejection().is_some());
}

#[test]
fn records_beyond_declared_count_are_hidden_like_android() {
    let mut b = sample();
    put16(&mut b.bytes, b.eocd + 8, 2);
    put16(&mut b.bytes, b.eocd + 10, 2);
    let zip = parse(&b.bytes);
    assert_eq!(kinds(&zip), [K::EntryCountMismatch]);
    assert_eq!(zip.entries().len(), 2);
    assert!(zip.anomalies()[0].detail.contains("classes.dex"));
    assert!(zip.by_name("classes.dex").is_none());
}

#[test]
fn broken_record_signature_stops_the_walk() {
    let mut b = sample();
    let at = b.cdr[1];
    b.bytes[at] = 0;
    let zip = parse(&b.bytes);
    assert_eq!(kinds(&zip)[0], K::CentralDirectoryRecordInvalid);
    assert_eq!(zip.entries().len(), 1);
}

#[test]
fn record_overrunning_central_directory() {
    let mut b = sample();
    put16(&mut b.bytes, b.cdr[2] + 30, 500); // extra length
    let zip = parse(&b.bytes);
    assert_eq!(kinds(&zip), [K::CentralDirectoryRecordInvalid]);
    assert_eq!(zip.entries().len(), 2);
}

#[test]
fn duplicate_names_resolve_to_the_first() {
    let b = build(&[
        stored("AndroidManifest.xml", b"first"),
        stored("AndroidManifest.xml", b"second"),
    ]);
    let zip = parse(&b.bytes);
    assert_eq!(kinds(&zip), [K::DuplicateEntryName]);
    assert_eq!(
        zip.anomalies()[0].entry.as_deref(),
        Some("AndroidManifest.xml")
    );
    let e = zip.by_name("AndroidManifest.xml").unwrap();
    assert_eq!(e.index, 0);
    assert_eq!(zip.read(e).unwrap(), b"first");
    assert!(zip.android_rejection().unwrap().contains("duplicate"));
    assert_eq!(zip.entry_anomalies(&zip.entries()[1]).len(), 1);
    assert!(zip.entry_anomalies(&zip.entries()[0]).is_empty());
}

#[test]
fn odd_names_are_named() {
    let files = [
        stored("test.txt\r", b"x"),
        stored("../../evil.so", b"x"),
        stored("/abs", b"x"),
        stored("res\\x.png", b"x"),
        stored("", b"x"),
    ];
    let b = build(&files);
    let zip = parse(&b.bytes);
    assert!(has(&zip, K::EntryNameControlChar, Some("test.txt\r")));
    assert!(has(&zip, K::EntryNamePathTraversal, Some("../../evil.so")));
    assert!(has(&zip, K::AbsoluteEntryName, Some("/abs")));
    assert!(has(&zip, K::EntryNameBackslash, Some("res\\x.png")));
    assert!(has(&zip, K::EmptyEntryName, Some("")));
    assert_eq!(zip.android_rejection(), None);
    let raw = build(&[File {
        name: b"caf\xe9\0",
        content: b"x",
        method: 0,
    }]);
    let zip = parse(&raw.bytes);
    assert!(has(&zip, K::EntryNameNotUtf8, Some("caf\u{fffd}\0")));
    assert!(has(&zip, K::EntryNameNul, Some("caf\u{fffd}\0")));
    assert!(zip.android_rejection().is_some());
    let e = zip.by_raw_name(b"caf\xe9\0").unwrap();
    assert_eq!(e.raw_name, b"caf\xe9\0");
    assert_eq!(zip.read(e).unwrap(), b"x");
}

#[test]
fn local_method_mismatch_is_ignored_like_android() {
    let mut b = sample();
    put16(&mut b.bytes, b.lfh[0] + 8, 0); // local says stored
    let zip = parse(&b.bytes);
    assert_eq!(kinds(&zip), [K::LocalHeaderMismatch]);
    let d = &zip.anomalies()[0].detail;
    assert!(d.contains("method 0 vs 8") && d.contains("ignores"), "{d}");
    // Central directory wins: still inflated.
    let data = zip.read(&zip.entries()[0]).unwrap();
    assert!(data.starts_with(b"\x03\x00\x08\x00"));
}

#[test]
fn local_size_crc_and_name_mismatches() {
    let mut b = sample();
    put32(&mut b.bytes, b.lfh[1] + 22, 999); // uncompressed size
    put32(&mut b.bytes, b.lfh[1] + 14, 1); // crc
    b.bytes[b.lfh[2] + 30] = b'C'; // name "Classes.dex"
    let zip = parse(&b.bytes);
    assert_eq!(
        kinds(&zip),
        [K::LocalHeaderMismatch, K::LocalHeaderMismatch]
    );
    let d = &zip.anomalies()[0].detail;
    assert!(d.contains("uncompressed size 999 vs 8"), "{d}");
    assert!(d.contains("crc32 0x00000001"), "{d}");
    assert!(d.contains("refuses"), "{d}");
    assert!(
        zip.anomalies()[1]
            .detail
            .contains("\"Classes.dex\" vs \"classes.dex\"")
    );
    // Sizes come from the central directory.
    assert_eq!(zip.read(&zip.entries()[1]).unwrap().len(), 8);
}

#[test]
fn data_descriptor_bit_skips_local_size_checks() {
    let mut b = sample();
    let lfh = b.lfh[0];
    put16(&mut b.bytes, lfh + 6, 8);
    put32(&mut b.bytes, lfh + 14, 0);
    put32(&mut b.bytes, lfh + 18, 0);
    put32(&mut b.bytes, lfh + 22, 0);
    let zip = parse(&b.bytes);
    // Only the flags differ (central has no bit 3).
    assert_eq!(kinds(&zip), [K::LocalHeaderMismatch]);
    assert!(zip.anomalies()[0].detail.contains("flags 0x0008 vs 0x0000"));
    let e = &zip.entries()[0];
    assert!(e.has_data_descriptor);
    // No descriptor follows the data: reading still works, Android's
    // descriptor check would fail.
    zip.read(e).unwrap();
    let ra = zip.read_anomalies();
    assert_eq!(ra.len(), 1);
    assert_eq!(ra[0].kind, K::DataDescriptorMismatch);
}

#[test]
fn missing_local_header() {
    let mut b = sample();
    let at = b.lfh[1];
    b.bytes[at] = b'X';
    let zip = parse(&b.bytes);
    assert!(has(&zip, K::LocalHeaderInvalid, Some("resources.arsc")));
    let e = zip.by_name("resources.arsc").unwrap();
    assert_eq!(e.data_offset, None);
    assert!(matches!(zip.read(e), Err(ZipError::NoLocalHeader { .. })));
    assert!(zip.raw_data_range(e).is_none());
}

#[test]
fn unknown_method_reads_as_stored() {
    // BadPack: method 0x7600 on the manifest, data actually stored.
    let mut b = build(&[stored("AndroidManifest.xml", b"\x03\x00\x08\x00axml")]);
    put16(&mut b.bytes, b.cdr[0] + 10, 0x7600);
    put16(&mut b.bytes, b.lfh[0] + 8, 0x7600);
    // Tools that trust the compressed size are also fooled.
    put32(&mut b.bytes, b.cdr[0] + 20, 3);
    put32(&mut b.bytes, b.lfh[0] + 18, 3);
    let zip = parse(&b.bytes);
    assert_eq!(kinds(&zip), [K::UnknownCompressionMethod]);
    let e = &zip.entries()[0];
    assert_eq!(e.compression(), Compression::Stored);
    assert_eq!(zip.read(e).unwrap(), b"\x03\x00\x08\x00axml");
    assert!(zip.read_anomalies().is_empty());
}

#[test]
fn stored_size_mismatch_uses_uncompressed_size() {
    let mut b = build(&[stored("a.txt", b"hello world"), stored("b", b"!")]);
    put32(&mut b.bytes, b.cdr[0] + 20, 4);
    put32(&mut b.bytes, b.lfh[0] + 18, 4);
    let zip = parse(&b.bytes);
    assert_eq!(kinds(&zip), [K::StoredSizeMismatch]);
    assert_eq!(zip.read(&zip.entries()[0]).unwrap(), b"hello world");
}

#[test]
fn fake_encryption_flag_is_ignored() {
    let mut b = sample();
    put16(&mut b.bytes, b.cdr[0] + 8, 1);
    put16(&mut b.bytes, b.lfh[0] + 6, 1);
    let zip = parse(&b.bytes);
    assert_eq!(kinds(&zip), [K::EncryptedFlag]);
    assert!(
        zip.read(&zip.entries()[0])
            .unwrap()
            .starts_with(b"\x03\x00")
    );
}

#[test]
fn entry_pointing_into_central_directory() {
    let mut b = sample();
    put32(&mut b.bytes, b.cdr[1] + 42, b.cd_start as u32);
    let zip = parse(&b.bytes);
    let e = zip.by_name("resources.arsc").unwrap();
    assert!(has(
        &zip,
        K::LocalHeaderOffsetInvalid,
        Some("resources.arsc")
    ));
    assert!(has(&zip, K::LocalHeaderInvalid, Some("resources.arsc")));
    assert!(zip.android_rejection().is_some());
    assert!(zip.read(e).is_err());
}

#[test]
fn entry_data_running_past_central_directory() {
    let mut b = sample();
    put32(&mut b.bytes, b.cdr[1] + 24, 100_000);
    put32(&mut b.bytes, b.cdr[1] + 20, 100_000);
    let zip = parse(&b.bytes);
    assert!(has(&zip, K::EntryDataOutOfBounds, Some("resources.arsc")));
    let e = zip.by_name("resources.arsc").unwrap();
    assert!(matches!(
        zip.read(e),
        Err(ZipError::EntryOutOfBounds { .. })
    ));
    // Past end of file entirely.
    put32(&mut b.bytes, b.cdr[1] + 42, 0x7fff_0000);
    let zip = parse(&b.bytes);
    assert!(has(
        &zip,
        K::LocalHeaderOffsetInvalid,
        Some("resources.arsc")
    ));
    assert!(
        zip.anomalies()
            .iter()
            .any(|a| a.kind == K::LocalHeaderInvalid
                && a.detail.contains("past the end of the file"))
    );
}

#[test]
fn overlapping_entries_are_flagged() {
    // Three records aliasing the same local entry (overlap zip bomb shape).
    let mut b = build(&[
        deflated("a", &[0u8; 5000]),
        deflated("b", b"bbbb"),
        deflated("c", b"cccc"),
    ]);
    put32(&mut b.bytes, b.cdr[1] + 42, 0);
    put32(&mut b.bytes, b.cdr[2] + 42, 0);
    let zip = parse(&b.bytes);
    let overlaps: Vec<_> = zip
        .anomalies()
        .iter()
        .filter(|a| a.kind == K::OverlappingEntries)
        .collect();
    assert_eq!(overlaps.len(), 2, "{:?}", zip.anomalies());
    assert!(overlaps[0].detail.contains("shares its local header"));
}

#[test]
fn crc_mismatch_is_recorded_not_fatal() {
    let mut b = sample();
    put32(&mut b.bytes, b.cdr[0] + 16, 0xdead_beef);
    put32(&mut b.bytes, b.lfh[0] + 14, 0xdead_beef);
    let zip = parse(&b.bytes);
    assert!(zip.anomalies().is_empty());
    let e = &zip.entries()[0];
    let (data, report) = zip.read_checked(e).unwrap();
    assert!(data.starts_with(b"\x03\x00"));
    assert!(!report.crc_matches && report.size_matches);
    assert_eq!(report.crc32, crc32fast::hash(&data));
    let ra = zip.read_anomalies();
    assert_eq!(ra.len(), 1);
    assert_eq!(ra[0].kind, K::CrcMismatch);
    // Reading again does not duplicate the record.
    zip.read(e).unwrap();
    assert_eq!(zip.read_anomalies().len(), 1);
}

#[test]
fn declared_size_lie_is_caught_while_inflating() {
    let content = vec![7u8; 200_000];
    let mut b = build(&[deflated("big", &content)]);
    put32(&mut b.bytes, b.cdr[0] + 24, 10);
    put32(&mut b.bytes, b.lfh[0] + 22, 10);
    let limits = Limits {
        max_entry_size: 100_000,
        ..Limits::default()
    };
    let zip = ZipArchive::parse(&b.bytes, &limits).unwrap();
    let err = zip.read(&zip.entries()[0]).unwrap_err();
    assert!(
        matches!(err, ZipError::EntryTooLarge { declared: false, size, .. } if size <= 100_000 + 65_536),
        "{err}"
    );
    // Without the limit the data is read and the lie recorded.
    let zip = parse(&b.bytes);
    let (data, report) = zip.read_checked(&zip.entries()[0]).unwrap();
    assert_eq!(data.len(), 200_000);
    assert!(!report.size_matches);
    assert_eq!(zip.read_anomalies()[0].kind, K::UncompressedSizeMismatch);
}

#[test]
fn declared_size_over_limit_is_refused_up_front() {
    let b = build(&[stored("a", &[1u8; 2000])]);
    let limits = Limits {
        max_entry_size: 1000,
        ..Limits::default()
    };
    let zip = ZipArchive::parse(&b.bytes, &limits).unwrap();
    let err = zip.read(&zip.entries()[0]).unwrap_err();
    assert!(matches!(
        err,
        ZipError::EntryTooLarge {
            declared: true,
            size: 2000,
            limit: 1000,
            ..
        }
    ));
    assert_eq!(zip.inflated_total(), 0);
    // read_head still works within its own bound.
    assert_eq!(zip.read_head(&zip.entries()[0], 10).unwrap(), [1u8; 10]);
}

#[test]
fn compression_ratio_bomb_is_stopped_early() {
    let zeros = vec![0u8; 8 << 20];
    let b = build(&[deflated("bomb", &zeros)]);
    let zip = parse(&b.bytes);
    let e = &zip.entries()[0];
    assert!(e.compressed_size < 10_000, "{}", e.compressed_size);
    let err = zip.read(e).unwrap_err();
    assert!(matches!(err, ZipError::CompressionRatio { .. }), "{err}");
    assert!(zip.inflated_total() < 2 << 20, "{}", zip.inflated_total());
    // A generous ratio lets it through.
    let limits = Limits {
        max_ratio: 10_000,
        ..Limits::default()
    };
    let zip = ZipArchive::parse(&b.bytes, &limits).unwrap();
    assert_eq!(zip.read(&zip.entries()[0]).unwrap().len(), 8 << 20);
}

#[test]
fn total_inflated_budget_spans_reads() {
    let b = build(&[stored("a", &[1u8; 600]), stored("b", &[2u8; 600])]);
    let limits = Limits {
        max_total_inflated: 1000,
        ..Limits::default()
    };
    let zip = ZipArchive::parse(&b.bytes, &limits).unwrap();
    zip.read(&zip.entries()[0]).unwrap();
    let err = zip.read(&zip.entries()[1]).unwrap_err();
    assert!(matches!(err, ZipError::TotalInflatedLimit { .. }), "{err}");
}

#[test]
fn entry_limit_truncates_with_anomaly() {
    let files: Vec<File<'_>> = (0..10).map(|_| stored("x", b"")).collect();
    let mut b = build(&files);
    // Give them distinct names to avoid duplicate anomalies.
    for (i, &rec) in b.cdr.clone().iter().enumerate() {
        b.bytes[rec + 46] = b'a' + i as u8;
        b.bytes[b.lfh[i] + 30] = b'a' + i as u8;
    }
    let limits = Limits {
        max_entries: 4,
        ..Limits::default()
    };
    let zip = ZipArchive::parse(&b.bytes, &limits).unwrap();
    assert_eq!(zip.entries().len(), 4);
    assert_eq!(kinds(&zip), [K::EntryLimitExceeded]);
}

#[test]
fn read_head_inflates_only_what_is_needed() {
    let content: Vec<u8> = (0..2_000_000u32).map(|i| (i % 251) as u8).collect();
    let b = build(&[deflated("big.bin", &content)]);
    let zip = parse(&b.bytes);
    let e = &zip.entries()[0];
    let head = zip.read_head(e, 16).unwrap();
    assert_eq!(head, &content[..16]);
    assert_eq!(zip.inflated_total(), 16);
    let mut chunks = 0;
    let mut all = Vec::new();
    let n = zip
        .stream(e, &mut |c| {
            chunks += 1;
            all.extend_from_slice(c);
        })
        .unwrap();
    assert_eq!(n, 2_000_000);
    assert_eq!(all, content);
    assert!(chunks > 10);
    assert_eq!(zip.read_head(e, 10_000_000).unwrap().len(), 2_000_000);
}

#[test]
fn truncated_and_corrupt_deflate_streams_are_errors() {
    let content: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 253) as u8).collect();
    let mut b = build(&[deflated("d", &content)]);
    let csize = get32(&b.bytes, b.cdr[0] + 20);
    put32(&mut b.bytes, b.cdr[0] + 20, csize / 2);
    put32(&mut b.bytes, b.lfh[0] + 18, csize / 2);
    let zip = parse(&b.bytes);
    let err = zip.read(&zip.entries()[0]).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    // Garbage instead of deflate data.
    let mut b = build(&[deflated("d", &content)]);
    let at = b.lfh[0] + 31;
    b.bytes[at..at + 8].copy_from_slice(&[0xff; 8]);
    let zip = parse(&b.bytes);
    assert!(matches!(
        zip.read(&zip.entries()[0]),
        Err(ZipError::Inflate { .. })
    ));
}

#[test]
fn deflate_stream_shorter_than_compressed_size() {
    let mut b = build(&[
        deflated("d", b"hello hello hello"),
        stored("pad", b"0123456789"),
    ]);
    let csize = get32(&b.bytes, b.cdr[0] + 20);
    put32(&mut b.bytes, b.cdr[0] + 20, csize + 4);
    put32(&mut b.bytes, b.lfh[0] + 18, csize + 4);
    let zip = parse(&b.bytes);
    assert_eq!(zip.read(&zip.entries()[0]).unwrap(), b"hello hello hello");
    assert_eq!(zip.read_anomalies()[0].kind, K::CompressedSizeMismatch);
}

/// Builds a ZIP64 archive: saturated EOCD fields, ZIP64 EOCD record and
/// locator, and a ZIP64 extra field on the single entry.
fn zip64_archive() -> Vec<u8> {
    let content = b"zip64 content";
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    bytes.extend_from_slice(&45u16.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(content).to_le_bytes());
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&20u16.to_le_bytes());
    bytes.push(b'z');
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(&(content.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&(content.len() as u64).to_le_bytes());
    bytes.extend_from_slice(content);
    let cd_start = bytes.len() as u64;
    bytes.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    bytes.extend_from_slice(&0x032du16.to_le_bytes());
    bytes.extend_from_slice(&45u16.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(content).to_le_bytes());
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&28u16.to_le_bytes());
    bytes.extend_from_slice(&[0u8; 6]); // comment len, disk, internal
    bytes.extend_from_slice(&0u32.to_le_bytes()); // external
    bytes.extend_from_slice(&u32::MAX.to_le_bytes()); // local header offset
    bytes.push(b'z');
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&24u16.to_le_bytes());
    bytes.extend_from_slice(&(content.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&(content.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&0u64.to_le_bytes());
    let cd_size = bytes.len() as u64 - cd_start;
    let z64 = bytes.len() as u64;
    bytes.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
    bytes.extend_from_slice(&44u64.to_le_bytes());
    bytes.extend_from_slice(&45u16.to_le_bytes());
    bytes.extend_from_slice(&45u16.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&1u64.to_le_bytes());
    bytes.extend_from_slice(&1u64.to_le_bytes());
    bytes.extend_from_slice(&cd_size.to_le_bytes());
    bytes.extend_from_slice(&cd_start.to_le_bytes());
    bytes.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&z64.to_le_bytes());
    bytes.extend_from_slice(&1u32.to_le_bytes());
    bytes.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    bytes.extend_from_slice(&[0u8; 4]);
    bytes.extend_from_slice(&u16::MAX.to_le_bytes());
    bytes.extend_from_slice(&u16::MAX.to_le_bytes());
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes
}

#[test]
fn zip64_records_and_extra_fields() {
    let bytes = zip64_archive();
    let zip = parse(&bytes);
    assert!(zip.anomalies().is_empty(), "{:?}", zip.anomalies());
    assert!(zip.layout().zip64);
    assert_eq!(zip.layout().cd_entries_declared, 1);
    let e = &zip.entries()[0];
    assert_eq!(e.uncompressed_size, 13);
    assert_eq!(e.local_header_offset, 0);
    assert_eq!(e.data_offset, Some(30 + 1 + 20));
    assert_eq!(zip.read(e).unwrap(), b"zip64 content");
}

#[test]
fn zip64_without_locator() {
    let mut bytes = zip64_archive();
    let loc = bytes.len() - 22 - 20;
    bytes[loc] = 0;
    let zip = ZipArchive::parse(&bytes, &Limits::default());
    // The saturated 32-bit offset points nowhere: no usable directory.
    assert!(matches!(zip, Err(ZipError::NoCentralDirectory { .. })));
    // Broken ZIP64 extra on the entry, with a valid archive otherwise.
    let mut bytes = zip64_archive();
    let extra_len_at = bytes.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap() + 30;
    put16(&mut bytes, extra_len_at, 4);
    let zip = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
    assert!(
        has(&zip, K::Zip64ExtraInvalid, Some("z")),
        "{:?}",
        zip.anomalies()
    );
}

#[test]
fn anomaly_lists_are_capped_per_kind() {
    let names: Vec<String> = (0..300).map(|i| format!("f{i:03}\r")).collect();
    let files: Vec<File<'_>> = names.iter().map(|n| stored(n, b"")).collect();
    let b = build(&files);
    let zip = parse(&b.bytes);
    let listed = kinds(&zip)
        .iter()
        .filter(|k| **k == K::EntryNameControlChar)
        .count();
    assert_eq!(listed, anomaly::MAX_PER_KIND);
    let last = zip.anomalies().last().unwrap();
    assert_eq!(last.kind, K::AnomaliesTruncated);
    assert!(
        last.detail
            .starts_with("300 anomalies of kind entry_name_control_char")
    );
}

#[test]
fn many_entries_parse_quickly() {
    let names: Vec<String> = (0..100_000).map(|i| format!("res/raw/f{i}.bin")).collect();
    let files: Vec<File<'_>> = names.iter().map(|n| stored(n, b"x")).collect();
    let b = build(&files);
    let mut took = std::time::Duration::MAX;
    for _ in 0..5 {
        let start = std::time::Instant::now();
        drop(parse(&b.bytes));
        took = took.min(start.elapsed());
    }
    let zip = parse(&b.bytes);
    assert_eq!(zip.entries().len(), 100_000);
    assert!(zip.anomalies().is_empty(), "{:?}", zip.anomalies());
    assert!(zip.layout().zip64);
    assert_eq!(zip.by_name("res/raw/f99999.bin").unwrap().index, 99_999);
    eprintln!(
        "parsed 100k-entry archive ({} bytes) in {took:?} (best of 5)",
        b.bytes.len()
    );
}

#[test]
fn saturated_eocd_without_zip64_records() {
    let mut b = sample();
    put32(&mut b.bytes, b.eocd + 12, u32::MAX); // cd size
    let zip = parse(&b.bytes);
    assert_eq!(
        kinds(&zip),
        [
            K::Zip64Invalid,
            K::CentralDirectoryOutOfBounds,
            K::CentralDirectorySizeMismatch
        ],
        "{:?}",
        zip.anomalies()
    );
    assert!(zip.anomalies()[0].detail.contains("no ZIP64 locator"));
    assert_eq!(zip.entries().len(), 3);
}

#[test]
fn valid_data_descriptor_is_not_an_anomaly() {
    let mut b = sample();
    let (cdr, lfh) = (b.cdr[2], b.lfh[2]);
    let crc = get32(&b.bytes, cdr + 16);
    let csize = get32(&b.bytes, cdr + 20);
    let usize_ = get32(&b.bytes, cdr + 24);
    put16(&mut b.bytes, cdr + 8, 8);
    put16(&mut b.bytes, lfh + 6, 8);
    for at in [14, 18, 22] {
        put32(&mut b.bytes, lfh + at, 0);
    }
    let mut dd = 0x0807_4b50u32.to_le_bytes().to_vec();
    for v in [crc, csize, usize_] {
        dd.extend_from_slice(&v.to_le_bytes());
    }
    b.bytes.splice(b.cd_start..b.cd_start, dd);
    let eocd = b.eocd + 16;
    put32(&mut b.bytes, eocd + 16, (b.cd_start + 16) as u32);
    let zip = parse(&b.bytes);
    assert!(zip.anomalies().is_empty(), "{:?}", zip.anomalies());
    let e = zip.by_name("classes.dex").unwrap();
    assert!(e.has_data_descriptor);
    let (_, report) = zip.read_checked(e).unwrap();
    assert!(report.crc_matches && report.size_matches);
    assert!(zip.read_anomalies().is_empty());
}
