//! Times a full bytecode pass ([`appgov_dex::Dex::method_codes`]) over
//! each DEX file given, and the raw instruction walk alone for comparison.
//! Usage: `cargo run --release -p appgov-dex --example codewalk -- FILE...`

use std::time::Instant;

fn main() {
    let rounds: u32 = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(10);
    for path in std::env::args().skip(1) {
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let limits = appgov_dex::Limits {
            verify_signature: false,
            verify_checksum: false,
            ..Default::default()
        };
        let dex = match appgov_dex::parse(&data, &limits) {
            Ok(d) => d,
            Err(e) => {
                println!("{path}: error: {e}");
                continue;
            }
        };
        // Summaries (what the analyser would use).
        let mut best = f64::MAX;
        let (mut methods, mut insns, mut units, mut refs, mut faults) =
            (0u64, 0u64, 0u64, 0u64, 0u64);
        for _ in 0..rounds {
            let start = Instant::now();
            (methods, insns, units, refs, faults) = (0, 0, 0, 0, 0);
            for (_, _, code) in dex.method_codes() {
                methods += 1;
                match code {
                    Ok(c) => {
                        insns += u64::from(c.instructions);
                        units += u64::from(c.insns_len);
                        refs += (c.invokes.len()
                            + c.strings.len()
                            + c.field_refs.len()
                            + c.type_refs.len()
                            + c.int_literals.len()) as u64;
                        faults += u64::from(c.fault.is_some());
                    }
                    Err(_) => faults += 1,
                }
            }
            best = best.min(start.elapsed().as_secs_f64());
        }
        // The walk alone, without building summaries.
        let mut walk_best = f64::MAX;
        let offsets: Vec<u32> = dex
            .classes()
            .filter_map(|c| c.methods())
            .flatten()
            .filter(|m| m.code_off != 0)
            .map(|m| m.code_off)
            .collect();
        for _ in 0..rounds {
            let start = Instant::now();
            let mut n = 0u64;
            for &off in &offsets {
                if let Ok(code) = dex.code_item(off) {
                    n += code.instructions(usize::MAX).count() as u64;
                }
            }
            std::hint::black_box(n);
            walk_best = walk_best.min(start.elapsed().as_secs_f64());
        }
        println!(
            "{path}: {:.1} MB, {methods} methods, {insns} instructions ({units} code units), \
             {refs} refs, {faults} faults",
            data.len() as f64 / 1e6
        );
        println!(
            "  method_codes: {:.2} ms (best of {rounds}) = {:.0} M instructions/s, {:.0} MB/s of dex; \
             bare walk {:.2} ms",
            best * 1e3,
            insns as f64 / best / 1e6,
            data.len() as f64 / best / 1e6,
            walk_best * 1e3
        );
    }
}
