#![no_main]
//! Parse arbitrary bytes as DEX and walk every API; must never panic, hang
//! or allocate without bound.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = appgov_dex::Limits::default();
    let Ok(dex) = appgov_dex::parse(data, &limits) else {
        return;
    };
    let _ = dex.summary();
    for s in dex.strings() {
        std::hint::black_box(s);
    }
    for c in dex.classes().take(2000) {
        let _ = (c.name(), c.superclass(), c.interfaces(), c.source_file());
        let _ = (c.class_data(), c.methods(), c.fields());
    }
    for m in dex.method_refs() {
        std::hint::black_box(m.class_name());
    }
    for f in dex.field_refs() {
        std::hint::black_box(f);
    }
    for p in 0..dex.proto_count().min(5000) {
        let _ = dex.proto(p);
    }
    let _ = dex.string(u32::MAX);
    let _ = dex.type_name(u32::MAX);
});
