//! Synthetic resources.arsc: dense, offset16, sparse and compact entries, bags, references,
//! configurations and tampering.

use appgov_axml::*;

fn u16b(v: u16) -> [u8; 2] {
    v.to_le_bytes()
}
fn u32b(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

fn chunk(kind: u16, header: &[u8], body: &[u8]) -> Vec<u8> {
    let hs = 8 + header.len();
    let mut v = Vec::new();
    v.extend_from_slice(&u16b(kind));
    v.extend_from_slice(&u16b(hs as u16));
    v.extend_from_slice(&u32b((hs + body.len()) as u32));
    v.extend_from_slice(header);
    v.extend_from_slice(body);
    v
}

fn pool(strings: &[&str]) -> Vec<u8> {
    let mut offs = Vec::new();
    let mut data = Vec::new();
    for s in strings {
        offs.extend_from_slice(&u32b(data.len() as u32));
        let n16 = s.encode_utf16().count();
        for n in [n16, s.len()] {
            if n > 0x7f {
                data.push(0x80 | (n >> 8) as u8);
            }
            data.push(n as u8);
        }
        data.extend_from_slice(s.as_bytes());
        data.push(0);
    }
    while data.len() % 4 != 0 {
        data.push(0);
    }
    let mut h = Vec::new();
    h.extend_from_slice(&u32b(strings.len() as u32));
    h.extend_from_slice(&u32b(0));
    h.extend_from_slice(&u32b(0x100));
    h.extend_from_slice(&u32b((28 + offs.len()) as u32));
    h.extend_from_slice(&u32b(0));
    chunk(0x0001, &h, &[offs, data].concat())
}

fn config(f: impl FnOnce(&mut [u8])) -> Vec<u8> {
    let mut c = vec![0u8; 64];
    c[0] = 64;
    f(&mut c);
    c
}

fn lang(l: &str, r: &str) -> Vec<u8> {
    config(|c| {
        c[8..10].copy_from_slice(l.as_bytes());
        if !r.is_empty() {
            c[10..12].copy_from_slice(r.as_bytes());
        }
    })
}

enum E {
    Simple(u32, u8, u32),
    Compact(u16, u8, u32),
    Bag(u32, u32, Vec<(u32, u8, u32)>),
}

fn entry_bytes(e: &E) -> Vec<u8> {
    let mut v = Vec::new();
    match e {
        E::Simple(key, dt, data) => {
            v.extend_from_slice(&u16b(8));
            v.extend_from_slice(&u16b(0));
            v.extend_from_slice(&u32b(*key));
            v.extend_from_slice(&[8, 0, 0, *dt]);
            v.extend_from_slice(&u32b(*data));
        }
        E::Compact(key, dt, data) => {
            v.extend_from_slice(&u16b(*key));
            v.extend_from_slice(&u16b((u16::from(*dt) << 8) | 0x8));
            v.extend_from_slice(&u32b(*data));
        }
        E::Bag(key, parent, items) => {
            v.extend_from_slice(&u16b(16));
            v.extend_from_slice(&u16b(1));
            v.extend_from_slice(&u32b(*key));
            v.extend_from_slice(&u32b(*parent));
            v.extend_from_slice(&u32b(items.len() as u32));
            for (name, dt, data) in items {
                v.extend_from_slice(&u32b(*name));
                v.extend_from_slice(&[8, 0, 0, *dt]);
                v.extend_from_slice(&u32b(*data));
            }
        }
    }
    v
}

/// `flags`: 0 dense, 1 sparse, 2 offset16. `entries`: (index, entry).
fn type_chunk(type_id: u8, flags: u8, cfg: &[u8], count: u32, entries: &[(u16, E)]) -> Vec<u8> {
    let mut offsets = Vec::new();
    let mut data = Vec::new();
    let mut table: Vec<Option<u32>> = vec![None; count as usize];
    for (i, e) in entries {
        if flags == 1 {
            offsets.extend_from_slice(&u16b(*i));
            offsets.extend_from_slice(&u16b((data.len() / 4) as u16));
        } else {
            table[*i as usize] = Some(data.len() as u32);
        }
        data.extend_from_slice(&entry_bytes(e));
    }
    let n = if flags == 1 {
        entries.len() as u32
    } else {
        count
    };
    if flags != 1 {
        for t in table {
            match (flags, t) {
                (2, Some(o)) => offsets.extend_from_slice(&u16b((o / 4) as u16)),
                (2, None) => offsets.extend_from_slice(&u16b(0xffff)),
                (_, Some(o)) => offsets.extend_from_slice(&u32b(o)),
                (_, None) => offsets.extend_from_slice(&u32b(u32::MAX)),
            }
        }
    }
    while offsets.len() % 4 != 0 {
        offsets.push(0);
    }
    let hs = 20 + cfg.len();
    let mut h = vec![type_id, flags, 0, 0];
    h.extend_from_slice(&u32b(n));
    h.extend_from_slice(&u32b((hs + offsets.len()) as u32));
    h.extend_from_slice(cfg);
    chunk(0x0201, &h, &[offsets, data].concat())
}

fn table(globals: &[&str], types: &[&str], keys: &[&str], type_chunks: &[Vec<u8>]) -> Vec<u8> {
    let tp = pool(types);
    let kp = pool(keys);
    let mut h = Vec::new();
    h.extend_from_slice(&u32b(0x7f));
    let mut name = [0u8; 256];
    for (i, c) in "com.bank.app".encode_utf16().enumerate() {
        name[i * 2..i * 2 + 2].copy_from_slice(&c.to_le_bytes());
    }
    h.extend_from_slice(&name);
    h.extend_from_slice(&u32b(288));
    h.extend_from_slice(&u32b(types.len() as u32));
    h.extend_from_slice(&u32b((288 + tp.len()) as u32));
    h.extend_from_slice(&u32b(keys.len() as u32));
    h.extend_from_slice(&u32b(0));
    let pkg = chunk(0x0200, &h, &[tp, kp, type_chunks.concat()].concat());
    chunk(0x0002, &u32b(1), &[pool(globals), pkg].concat())
}

const TYPE_REF: u8 = 0x01;
const TYPE_STR: u8 = 0x03;
const TYPE_INT: u8 = 0x10;

/// string: 0 app_name, 1 alias, 2 loop, 3 compact; mipmap: 0 icon; style: 0 theme.
fn sample() -> Vec<u8> {
    let globals = [
        "Bank",
        "银行",
        "銀行",
        "res/icon-hdpi.png",
        "res/icon-xxhdpi.png",
        "夜",
        "Compact",
    ];
    let types = ["string", "mipmap", "style"];
    let keys = [
        "app_name",
        "alias",
        "loop",
        "compact",
        "ic_launcher",
        "AppTheme",
    ];
    let night = config(|c| c[29] = 0x20);
    let hdpi = config(|c| c[14..16].copy_from_slice(&240u16.to_le_bytes()));
    let xxhdpi = config(|c| c[14..16].copy_from_slice(&480u16.to_le_bytes()));
    let chunks = vec![
        type_chunk(
            1,
            0,
            &config(|_| {}),
            4,
            &[
                (0, E::Simple(0, TYPE_STR, 0)),
                (1, E::Simple(1, TYPE_REF, 0x7f01_0000)),
                (2, E::Simple(2, TYPE_REF, 0x7f01_0002)),
                (3, E::Compact(3, TYPE_STR, 6)),
            ],
        ),
        type_chunk(
            1,
            2,
            &lang("zh", "CN"),
            4,
            &[(0, E::Compact(0, TYPE_STR, 1))],
        ),
        type_chunk(
            1,
            1,
            &lang("zh", "TW"),
            4,
            &[(0, E::Simple(0, TYPE_STR, 2))],
        ),
        type_chunk(1, 1, &night, 4, &[(0, E::Simple(0, TYPE_STR, 5))]),
        type_chunk(2, 0, &hdpi, 1, &[(0, E::Simple(4, TYPE_STR, 3))]),
        type_chunk(2, 2, &xxhdpi, 1, &[(0, E::Simple(4, TYPE_STR, 4))]),
        type_chunk(
            3,
            0,
            &config(|_| {}),
            1,
            &[(
                0,
                E::Bag(
                    5,
                    0x0103_0006,
                    vec![(0x0101_0000, TYPE_INT, 7), (0x0101_0001, TYPE_STR, 0)],
                ),
            )],
        ),
    ];
    table(&globals, &types, &keys, &chunks)
}

#[test]
fn names_and_ids() {
    let t = parse_arsc(&sample(), &Limits::default()).unwrap();
    assert!(t.anomalies().is_empty(), "{:?}", t.anomalies());
    assert_eq!(t.packages(), [(0x7f, "com.bank.app".to_string())]);
    assert_eq!(
        t.entry_name(0x7f01_0000).as_deref(),
        Some("string/app_name")
    );
    assert_eq!(
        t.entry_name(0x7f02_0000).as_deref(),
        Some("mipmap/ic_launcher")
    );
    assert_eq!(t.id_of("string", "compact"), Some(0x7f01_0003));
    assert_eq!(t.id_of_name("@mipmap/ic_launcher"), Some(0x7f02_0000));
    assert_eq!(t.id_of("string", "nope"), None);
    assert_eq!(t.entry_name(0x7f01_0009), None);
    assert_eq!(t.locales(), ["zh-CN", "zh-TW"]);
}

#[test]
fn locale_preferences() {
    let t = parse_arsc(&sample(), &Limits::default()).unwrap();
    let id = 0x7f01_0000;
    let s = |p: LocalePref| t.resolve_string(id, &p);
    assert_eq!(s(LocalePref::default()).as_deref(), Some("Bank"));
    assert_eq!(s(LocalePref::zh_cn()).as_deref(), Some("银行"));
    assert_eq!(s(LocalePref::from_tag("zh-TW")).as_deref(), Some("銀行"));
    // Hong Kong shares the Traditional script with Taiwan, not the mainland value.
    assert_eq!(s(LocalePref::from_tag("zh-HK")).as_deref(), Some("銀行"));
    // Singapore writes Simplified Chinese: same script as zh-CN, so Android matches zh-rCN.
    assert_eq!(
        s(LocalePref::from_tag("zh-Hans-SG")).as_deref(),
        Some("银行")
    );
    assert_eq!(s(LocalePref::from_tag("en-US")).as_deref(), Some("Bank"));
    let night = LocalePref {
        night: true,
        ..LocalePref::default()
    };
    assert_eq!(s(night).as_deref(), Some("夜"));
    let qs: Vec<String> = t.values(id).iter().map(|(c, _)| c.qualifiers()).collect();
    assert_eq!(qs, ["", "zh-rCN", "zh-rTW", "night"]);
}

#[test]
fn references_compact_and_bags() {
    let t = parse_arsc(&sample(), &Limits::default()).unwrap();
    let def = LocalePref::default();
    assert_eq!(t.resolve_string(0x7f01_0001, &def).as_deref(), Some("Bank"));
    assert_eq!(
        t.resolve_string(0x7f01_0001, &LocalePref::zh_cn())
            .as_deref(),
        Some("银行")
    );
    assert_eq!(
        t.resolve(0x7f01_0002, &def),
        None,
        "self-reference loops are bounded"
    );
    assert_eq!(
        t.resolve_string(0x7f01_0003, &def).as_deref(),
        Some("Compact")
    );
    assert_eq!(
        t.resolve_string(0x7f02_0000, &def).as_deref(),
        Some("res/icon-xxhdpi.png")
    );
    let hdpi = LocalePref {
        density: 240,
        ..def.clone()
    };
    assert_eq!(
        t.resolve_string(0x7f02_0000, &hdpi).as_deref(),
        Some("res/icon-hdpi.png")
    );
    let Some(ResValue::Bag { parent, items }) = t.resolve(0x7f03_0000, &def) else {
        panic!()
    };
    assert_eq!(parent, Some(0x0103_0006));
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0],
        BagItem {
            key: 0x0101_0000,
            value: Value::Int(7)
        }
    );
    assert_eq!(items[1].value, Value::String("Bank".into()));
}

#[test]
fn out_of_bounds_offsets_are_named() {
    let globals = ["ok"];
    let mut tc = type_chunk(
        1,
        0,
        &config(|_| {}),
        2,
        &[
            (0, E::Simple(0, TYPE_STR, 0)),
            (1, E::Simple(1, TYPE_STR, 0)),
        ],
    );
    // Second offset (after the 84-byte header) points far outside the chunk.
    tc[84 + 4..84 + 8].copy_from_slice(&0x00ff_0000u32.to_le_bytes());
    let t = parse_arsc(
        &table(&globals, &["string"], &["a", "b"], &[tc]),
        &Limits::default(),
    )
    .unwrap();
    assert!(t.has_anomaly(AnomalyKind::EntryOutOfBounds));
    assert_eq!(
        t.resolve_string(0x7f01_0000, &LocalePref::default())
            .as_deref(),
        Some("ok")
    );
    assert_eq!(t.resolve(0x7f01_0001, &LocalePref::default()), None);
}

#[test]
fn tampered_tables_never_panic() {
    let d = sample();
    let l = Limits::default();
    for n in 0..d.len() {
        if let Ok(t) = parse_arsc(&d[..n], &l) {
            let _ = t.resolve_string(0x7f01_0001, &LocalePref::zh_cn());
        }
    }
    for i in 0..d.len() {
        for v in [0x00, 0xff, 0x80, 0x01] {
            let mut m = d.clone();
            m[i] = v;
            if let Ok(t) = parse_arsc(&m, &l) {
                for id in [
                    0x7f01_0000,
                    0x7f01_0001,
                    0x7f01_0002,
                    0x7f02_0000,
                    0x7f03_0000,
                ] {
                    let _ = t.resolve(id, &LocalePref::zh_cn());
                    let _ = t.entry_name(id);
                }
                let _ = t.locales();
            }
        }
    }
    assert!(matches!(
        parse_arsc(&[1, 2, 3], &l),
        Err(ArscError::TooShort { .. })
    ));
    assert!(parse_proto_table(&[0x12, 0xff], &l).is_err());
}

#[test]
fn value_limit_truncates() {
    let l = Limits {
        max_values: 3,
        ..Limits::default()
    };
    let t = parse_arsc(&sample(), &l).unwrap();
    assert!(t.has_anomaly(AnomalyKind::LimitExceeded));
    assert_eq!(
        t.resolve_string(0x7f01_0000, &LocalePref::default())
            .as_deref(),
        Some("Bank")
    );
}
