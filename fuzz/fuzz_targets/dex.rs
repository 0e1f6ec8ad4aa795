#![no_main]
//! Parse arbitrary bytes as DEX and walk every API; must never panic, hang
//! or allocate without bound.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Default limits, except a smaller bytecode budget: the default (about
    // 4 instructions per byte plus 2^20) is fine in production but lets
    // every input cost a million decodes under the sanitiser, which starves
    // the fuzzer. The same code paths, including budget exhaustion, run.
    let limits = appgov_dex::Limits {
        max_code_instructions: 50_000,
        max_method_instructions: 20_000,
        ..appgov_dex::Limits::default()
    };
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
    // Bytecode: every method's summary (budget-bounded), then the raw
    // walker and every decoder on the first methods.
    let mut codes = dex.method_codes();
    for (_, m, code) in codes.by_ref() {
        let _ = std::hint::black_box((m, code));
    }
    let _ = codes.budget_exhausted();
    let mut steps = 0usize;
    for c in dex.classes().take(200) {
        for m in c.methods().unwrap_or_default().into_iter().take(50) {
            let Ok(code) = dex.code_item(m.code_off) else {
                continue;
            };
            for insn in code.instructions(5_000).flatten() {
                steps += 1;
                std::hint::black_box((
                    insn.name(),
                    insn.format(),
                    insn.reference(),
                    insn.literal(),
                    insn.branch_offset(),
                    insn.units(),
                ));
            }
            if steps > 20_000 {
                return;
            }
        }
    }
});
