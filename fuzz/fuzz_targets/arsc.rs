#![no_main]
//! Arbitrary bytes as resources.arsc and as resources.pb; resolve a few IDs and names.
//! Must never panic, hang or allocate without bound.

use appgov_axml::{Limits, LocalePref, ResourceTable, parse_arsc, parse_proto_table};
use libfuzzer_sys::fuzz_target;

fn walk(t: &ResourceTable) {
    let prefs = [
        LocalePref::default(),
        LocalePref::zh_cn(),
        LocalePref {
            density: 240,
            night: true,
            sdk_version: 21,
            ..LocalePref::default()
        },
    ];
    let mut ids = vec![
        0x7f01_0000,
        0x7f02_0000,
        0x7f03_0001,
        0x7f0e_0029,
        0x0101_0000,
    ];
    for (pkg, _) in t.packages().into_iter().take(4) {
        for ty in 1..=4u32 {
            for e in 0..4u32 {
                ids.push((u32::from(pkg) << 24) | (ty << 16) | e);
            }
        }
    }
    for id in ids {
        for p in &prefs {
            let _ = t.resolve_string(id, p);
        }
        let _ = t.values(id);
        if let Some(name) = t.entry_name(id) {
            let _ = t.id_of_name(&name);
        }
    }
    let _ = t.id_of("string", "app_name");
    let _ = t.locales();
    for c in t.configs().iter().take(64) {
        let _ = (c.qualifiers(), c.locale());
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(t) = parse_arsc(data, &limits) {
        walk(&t);
    }
    if let Ok(t) = parse_proto_table(data, &limits) {
        walk(&t);
    }
});
