//! Synthetic tampered binary XML: the tricks documented by apkInspector / apk-info /
//! androguard, each giving partial facts plus a named anomaly, never a panic.

use appgov_axml::*;

const NS: &str = ANDROID_NS;

/// Minimal AXML writer. Attribute-name strings come first so the resource map lines up.
struct Axml {
    strings: Vec<String>,
    ids: Vec<u32>,
    nodes: Vec<Vec<u8>>,
}

fn node(kind: u16, ext: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&kind.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(&((16 + ext.len()) as u32).to_le_bytes());
    v.extend_from_slice(&1u32.to_le_bytes());
    v.extend_from_slice(&u32::MAX.to_le_bytes());
    v.extend_from_slice(ext);
    v
}

fn u32s(vals: &[u32]) -> Vec<u8> {
    vals.iter().flat_map(|v| v.to_le_bytes()).collect()
}

struct Attr {
    ns: Option<&'static str>,
    name: u32,
    raw: Option<u32>,
    dt: u8,
    data: u32,
}

impl Axml {
    fn new(attr_names: &[(&str, u32)]) -> Self {
        Axml {
            strings: attr_names.iter().map(|(n, _)| n.to_string()).collect(),
            ids: attr_names.iter().map(|&(_, i)| i).collect(),
            nodes: Vec::new(),
        }
    }
    fn s(&mut self, x: &str) -> u32 {
        if let Some(i) = self
            .strings
            .iter()
            .skip(self.ids.len())
            .position(|s| s == x)
        {
            return (i + self.ids.len()) as u32;
        }
        self.strings.push(x.to_string());
        (self.strings.len() - 1) as u32
    }
    fn opt(&mut self, x: Option<&str>) -> u32 {
        x.map_or(u32::MAX, |x| self.s(x))
    }
    fn start_ns(&mut self) {
        let ext = u32s(&[self.s("android"), self.s(NS)]);
        self.nodes.push(node(0x0100, &ext));
    }
    fn end_ns(&mut self) {
        let ext = u32s(&[self.s("android"), self.s(NS)]);
        self.nodes.push(node(0x0101, &ext));
    }
    fn start(&mut self, name: &str, attrs: &[Attr]) {
        let mut ext = u32s(&[u32::MAX, self.s(name)]);
        for v in [20u16, 20, attrs.len() as u16, 0, 0, 0] {
            ext.extend_from_slice(&v.to_le_bytes());
        }
        for a in attrs {
            let ns = self.opt(a.ns);
            ext.extend_from_slice(&u32s(&[ns, a.name, a.raw.unwrap_or(u32::MAX)]));
            ext.extend_from_slice(&[8, 0, 0, a.dt]);
            ext.extend_from_slice(&a.data.to_le_bytes());
        }
        self.nodes.push(node(0x0102, &ext));
    }
    fn end(&mut self, name: &str) {
        let ext = u32s(&[u32::MAX, self.s(name)]);
        self.nodes.push(node(0x0103, &ext));
    }
    fn str_attr(&mut self, ns: Option<&'static str>, name: u32, v: &str) -> Attr {
        let i = self.s(v);
        Attr {
            ns,
            name,
            raw: Some(i),
            dt: 0x03,
            data: i,
        }
    }
    fn pool(&self) -> Vec<u8> {
        let mut offs = Vec::new();
        let mut data = Vec::new();
        for s in &self.strings {
            offs.push(data.len() as u32);
            let u: Vec<u16> = s.encode_utf16().collect();
            data.extend_from_slice(&(u.len() as u16).to_le_bytes());
            u.iter()
                .for_each(|c| data.extend_from_slice(&c.to_le_bytes()));
            data.extend_from_slice(&[0, 0]);
        }
        while data.len() % 4 != 0 {
            data.push(0);
        }
        let start = 28 + 4 * offs.len();
        let mut v = Vec::new();
        v.extend_from_slice(&1u16.to_le_bytes());
        v.extend_from_slice(&28u16.to_le_bytes());
        v.extend_from_slice(&u32s(&[
            (start + data.len()) as u32,
            offs.len() as u32,
            0,
            0,
            start as u32,
            0,
        ]));
        v.extend_from_slice(&u32s(&offs));
        v.extend_from_slice(&data);
        v
    }
    fn build_with(&self, extra_before_nodes: &[u8]) -> Vec<u8> {
        let pool = self.pool();
        let mut map = Vec::new();
        map.extend_from_slice(&0x0180u16.to_le_bytes());
        map.extend_from_slice(&8u16.to_le_bytes());
        map.extend_from_slice(&((8 + 4 * self.ids.len()) as u32).to_le_bytes());
        map.extend_from_slice(&u32s(&self.ids));
        let body: Vec<u8> = [pool, map, extra_before_nodes.to_vec(), self.nodes.concat()].concat();
        let mut v = Vec::new();
        v.extend_from_slice(&3u16.to_le_bytes());
        v.extend_from_slice(&8u16.to_le_bytes());
        v.extend_from_slice(&((8 + body.len()) as u32).to_le_bytes());
        v.extend_from_slice(&body);
        v
    }
    fn build(&self) -> Vec<u8> {
        self.build_with(&[])
    }
}

/// A small manifest; `attr_names` lets a test obfuscate the stored attribute names.
fn manifest(version_code_name: &str, label_name: &str) -> Axml {
    let mut x = Axml::new(&[
        (label_name, attrs::LABEL),
        ("name", attrs::NAME),
        (version_code_name, attrs::VERSION_CODE),
    ]);
    x.start_ns();
    let pkg = x.s("package");
    let package = x.str_attr(None, pkg, "com.bank.app");
    x.start(
        "manifest",
        &[
            Attr {
                ns: Some(NS),
                name: 2,
                raw: None,
                dt: 0x10,
                data: 42,
            },
            package,
        ],
    );
    let perm = x.str_attr(Some(NS), 1, "android.permission.INTERNET");
    x.start("uses-permission", &[perm]);
    x.end("uses-permission");
    x.start(
        "application",
        &[Attr {
            ns: Some(NS),
            name: 0,
            raw: None,
            dt: 0x01,
            data: 0x7f01_0000,
        }],
    );
    x.end("application");
    x.end("manifest");
    x.end_ns();
    x
}

fn parse(d: &[u8]) -> XmlDocument {
    parse_axml(d, &Limits::default()).expect("parses")
}

fn check_facts(doc: &XmlDocument) {
    let root = doc.root.as_ref().unwrap();
    assert_eq!(root.name, "manifest");
    assert_eq!(doc.package_name().as_deref(), Some("com.bank.app"));
    assert_eq!(
        root.android_attr("versionCode").unwrap().value,
        Value::Int(42)
    );
    let perm = root.child("uses-permission").unwrap();
    assert_eq!(
        perm.android_str("name").as_deref(),
        Some("android.permission.INTERNET")
    );
    let app = root.child("application").unwrap();
    assert_eq!(
        app.attr_by_id(attrs::LABEL).unwrap().value,
        Value::Reference(0x7f01_0000)
    );
}

#[test]
fn clean_document() {
    let doc = parse(&manifest("versionCode", "label").build());
    check_facts(&doc);
    assert!(doc.anomalies.is_empty(), "{:?}", doc.anomalies);
    assert!(!doc.android_would_reject);
    let xml = doc.to_xml_string();
    assert!(xml.contains("<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\" android:versionCode=\"42\" package=\"com.bank.app\">"), "{xml}");
}

#[test]
fn wrong_magic_is_tolerated_like_android() {
    let mut d = manifest("versionCode", "label").build();
    d[0] = 0x77;
    let doc = parse(&d);
    check_facts(&doc);
    assert!(doc.has_anomaly(AnomalyKind::XmlWrongMagic));
    assert!(!doc.android_would_reject);
}

#[test]
fn string_count_lie() {
    let mut d = manifest("versionCode", "label").build();
    // stringCount of the pool (document header 8 + pool offset 8).
    d[16..20].copy_from_slice(&0x0fff_ffffu32.to_le_bytes());
    let doc = parse(&d);
    assert!(doc.has_anomaly(AnomalyKind::StringCountExceedsPool));
    assert!(doc.android_would_reject);
    // The lie is clamped: offsets that are really there still read.
    assert!(doc.root.is_some());
}

#[test]
fn string_offsets_out_of_range() {
    let x = manifest("versionCode", "label");
    let mut d = x.build();
    // Point the "package" string's offset far past the pool.
    let idx = x.strings.iter().position(|s| s == "com.bank.app").unwrap();
    let at = 8 + 28 + 4 * idx;
    d[at..at + 4].copy_from_slice(&0x00ff_fff0u32.to_le_bytes());
    let doc = parse(&d);
    assert!(doc.has_anomaly(AnomalyKind::StringOutOfBounds));
    // Android gets NULL for the package string; so do we (no invented value).
    assert_eq!(doc.package_name(), None);
}

fn junk(header_size: u16) -> Vec<u8> {
    let mut j = Vec::new();
    j.extend_from_slice(&0x0777u16.to_le_bytes());
    j.extend_from_slice(&header_size.to_le_bytes());
    j.extend_from_slice(&24u32.to_le_bytes());
    j.extend_from_slice(&[0xAA; 16]);
    j
}

#[test]
fn junk_chunks_between_elements_are_skipped() {
    // Junk shaped like a node (header >= 16) is skipped by Android too.
    let mut x = manifest("versionCode", "label");
    x.nodes.insert(3, junk(16));
    x.nodes.insert(1, junk(16));
    let doc = parse(&x.build_with(&junk(8)));
    check_facts(&doc);
    assert_eq!(
        doc.anomalies
            .iter()
            .filter(|a| a.kind == AnomalyKind::UnknownChunk)
            .count(),
        3
    );
    assert!(!doc.android_would_reject);
    // Junk with a short header makes a device give up; we still read past it.
    let mut x = manifest("versionCode", "label");
    x.nodes.insert(3, junk(8));
    let doc = parse(&x.build());
    check_facts(&doc);
    assert!(doc.has_anomaly(AnomalyKind::UnknownChunk));
    assert!(doc.android_would_reject);
}

#[test]
fn bogus_attribute_start_and_size() {
    // attributeStart pushed past the node: androidfw rejects, we keep the element.
    let mut x = manifest("versionCode", "label");
    let perm = &mut x.nodes[2];
    perm[16 + 8..16 + 10].copy_from_slice(&0x400u16.to_le_bytes());
    let doc = parse(&x.build());
    assert!(doc.has_anomaly(AnomalyKind::AttributeBoundsInvalid));
    assert!(doc.android_would_reject);
    let root = doc.root.as_ref().unwrap();
    assert!(root.child("uses-permission").unwrap().attributes.is_empty());
    assert_eq!(doc.package_name().as_deref(), Some("com.bank.app"));

    // A non-standard but consistent layout (start 24, stride 24) reads correctly.
    let mut x = manifest("versionCode", "label");
    let n = &x.nodes[1];
    let count = u16::from_le_bytes([n[16 + 12], n[16 + 13]]) as usize;
    let mut ext = n[16..16 + 20].to_vec();
    ext[8..10].copy_from_slice(&24u16.to_le_bytes());
    ext[10..12].copy_from_slice(&24u16.to_le_bytes());
    ext.extend_from_slice(&[0; 4]);
    for i in 0..count {
        ext.extend_from_slice(&n[16 + 20 + 20 * i..16 + 40 + 20 * i]);
        ext.extend_from_slice(&[0xEE; 4]);
    }
    x.nodes[1] = node(0x0102, &ext);
    let doc = parse(&x.build());
    check_facts(&doc);
    assert!(doc.has_anomaly(AnomalyKind::AttributeLayoutUnusual));
    assert!(!doc.android_would_reject);
}

#[test]
fn obfuscated_attribute_names_resolve_by_resource_id() {
    let doc = parse(&manifest("", "zz").build());
    check_facts(&doc);
    assert!(doc.has_anomaly(AnomalyKind::AttributeNameMissing));
    assert!(doc.has_anomaly(AnomalyKind::AttributeNameMismatch));
    let root = doc.root.as_ref().unwrap();
    // Looking up by the stored name would miss it; Android (and we) go by ID.
    assert!(root.attr(Some(NS), "versionCode").is_none());
    assert_eq!(
        root.attr_by_id(attrs::VERSION_CODE).unwrap().display_name(),
        "versionCode"
    );
    let xml = doc.to_xml_string();
    assert!(xml.contains("android:versionCode=\"42\""), "{xml}");
    assert!(xml.contains("android:label=\"@0x7f010000\""), "{xml}");
}

#[test]
fn zero_size_namespace_end() {
    let mut x = manifest("versionCode", "label");
    let last = x.nodes.last_mut().unwrap();
    last[4..8].copy_from_slice(&0u32.to_le_bytes());
    let doc = parse(&x.build());
    check_facts(&doc);
    assert!(doc.has_anomaly(AnomalyKind::BadNode));
}

#[test]
fn unbalanced_end_tags() {
    let mut x = manifest("versionCode", "label");
    x.end("manifest"); // one end too many
    let doc = parse(&x.build());
    check_facts(&doc);
    assert!(doc.has_anomaly(AnomalyKind::UnbalancedEndElement));

    let mut x = manifest("versionCode", "label");
    let n = x.nodes.len();
    x.nodes.remove(n - 2); // drop </manifest>
    let doc = parse(&x.build());
    check_facts(&doc);
    assert!(doc.has_anomaly(AnomalyKind::UnclosedElement));

    let mut x = manifest("versionCode", "label");
    let wrong = {
        let mut y = Axml::new(&[]);
        y.strings = x.strings.clone();
        y.end("application");
        y.nodes.pop().unwrap()
    };
    let n = x.nodes.len();
    x.nodes[n - 2] = wrong; // </application> closes <manifest>
    let doc = parse(&x.build());
    check_facts(&doc);
    assert!(doc.has_anomaly(AnomalyKind::MismatchedEndElement));
}

#[test]
fn second_root_is_ignored_like_android() {
    let mut x = manifest("versionCode", "label");
    let pkg = x.s("package");
    let evil = x.str_attr(None, pkg, "com.evil");
    x.start("manifest", &[evil]);
    x.end("manifest");
    let doc = parse(&x.build());
    check_facts(&doc);
    assert!(doc.has_anomaly(AnomalyKind::MultipleRootElements));
}

#[test]
fn raw_and_typed_values_disagree() {
    let mut x = Axml::new(&[]);
    let pkg = x.s("package");
    let raw = x.s("com.shown.to.parser");
    let typed = x.s("com.typed");
    x.start(
        "manifest",
        &[Attr {
            ns: None,
            name: pkg,
            raw: Some(raw),
            dt: 3,
            data: typed,
        }],
    );
    x.end("manifest");
    let doc = parse(&x.build());
    assert!(doc.has_anomaly(AnomalyKind::RawValueMismatch));
    // getAttributeValue(null, "package") reads the raw string first.
    assert_eq!(doc.package_name().as_deref(), Some("com.shown.to.parser"));
}

#[test]
fn huge_nesting_is_bounded() {
    let mut x = Axml::new(&[]);
    for _ in 0..50_000 {
        x.start("a", &[]);
    }
    for _ in 0..50_000 {
        x.end("a");
    }
    let doc = parse(&x.build());
    assert!(doc.has_anomaly(AnomalyKind::NestingTooDeep));
    let mut depth = 0;
    let mut e = doc.root.as_ref();
    while let Some(el) = e {
        depth += 1;
        e = el.children.first();
    }
    assert_eq!(depth, Limits::default().max_depth);
    assert!(doc.to_xml_string().len() > 1000);
    let _ = format!("{doc:?}");
}

#[test]
fn late_string_pool_is_ignored() {
    let mut x = manifest("versionCode", "label");
    let pool = Axml::new(&[("evil", 1)]).pool();
    x.nodes.insert(2, pool);
    let doc = parse(&x.build());
    check_facts(&doc);
    assert!(doc.has_anomaly(AnomalyKind::LateChunkIgnored));
}

#[test]
fn every_truncation_and_byte_flip_is_survivable() {
    let d = manifest("versionCode", "label").build();
    let l = Limits::default();
    for n in 0..d.len() {
        let _ = parse_axml(&d[..n], &l);
    }
    for i in 0..d.len() {
        for v in [0x00, 0xff, 0x7f, 0x80] {
            let mut m = d.clone();
            m[i] = v;
            if let Ok(doc) = parse_axml(&m, &l) {
                let _ = doc.to_xml_string();
            }
        }
    }
}

#[test]
fn errors_only_when_nothing_is_readable() {
    let l = Limits::default();
    assert!(matches!(
        parse_axml(&[], &l),
        Err(AxmlError::TooShort { .. })
    ));
    assert!(matches!(
        parse_axml(&[3, 0, 8, 0, 8, 0, 0, 0], &l),
        Err(AxmlError::NoRootElement { .. })
    ));
    assert!(matches!(
        parse_proto_xml(&[0xff; 7], &l),
        Err(AxmlError::Proto(_))
    ));
}

#[test]
fn text_budget_limits_output() {
    let mut x = Axml::new(&[]);
    let big = "x".repeat(30_000);
    let b = x.s(&big);
    x.start("r", &[]);
    for _ in 0..2000 {
        x.start(
            "e",
            &[Attr {
                ns: None,
                name: b,
                raw: Some(b),
                dt: 3,
                data: b,
            }],
        );
        x.end("e");
    }
    x.end("r");
    let limits = Limits {
        max_text_bytes: 1 << 20,
        ..Limits::default()
    };
    let doc = parse_axml(&x.build(), &limits).unwrap();
    assert!(doc.has_anomaly(AnomalyKind::LimitExceeded));
    assert!(doc.root.unwrap().children.len() < 100);
}

/// A zero attribute stride repeats one 20-byte record `attributeCount` times: bounded work,
/// named as a duplicate, and the budget caps the total.
#[test]
fn zero_attribute_stride_is_cheap() {
    let mut x = Axml::new(&[("name", attrs::NAME)]);
    let v = x.s("value");
    x.start("r", &[]);
    for _ in 0..2000 {
        x.start(
            "e",
            &[Attr {
                ns: Some(NS),
                name: 0,
                raw: Some(v),
                dt: 3,
                data: v,
            }],
        );
        let n = x.nodes.last_mut().unwrap();
        n[16 + 10..16 + 12].copy_from_slice(&0u16.to_le_bytes()); // stride 0
        n[16 + 12..16 + 14].copy_from_slice(&u16::MAX.to_le_bytes()); // 65535 attributes
        x.end("e");
    }
    x.end("r");
    let t = std::time::Instant::now();
    let doc = parse(&x.build());
    assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
    assert!(doc.has_anomaly(AnomalyKind::DuplicateAttribute));
    assert!(doc.has_anomaly(AnomalyKind::LimitExceeded));
    let first = &doc.root.as_ref().unwrap().children[0];
    assert_eq!(
        first.attributes.len(),
        Limits::default().max_attributes_per_element
    );
    assert_eq!(first.android_str("name").as_deref(), Some("value"));
}
