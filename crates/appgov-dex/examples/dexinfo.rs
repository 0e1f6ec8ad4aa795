//! Prints a DEX file's summary as JSON and times parse + full iteration.
//! Usage: `cargo run --release -p appgov-dex --example dexinfo -- FILE...`

use std::time::Instant;

fn main() {
    let mut total_bytes = 0usize;
    let mut total_time = 0f64;
    let quiet = std::env::var_os("QUIET").is_some();
    for path in std::env::args().skip(1) {
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let limits = appgov_dex::Limits {
            verify_signature: std::env::var_os("NOSIG").is_none(),
            ..Default::default()
        };
        let start = Instant::now();
        match appgov_dex::parse(&data, &limits) {
            Ok(dex) => {
                let mut chars = 0usize;
                for s in dex.strings() {
                    chars += s.len();
                }
                let mut names = 0usize;
                for c in dex.classes() {
                    names += c.descriptor().map_or(0, |d| d.len());
                }
                let elapsed = start.elapsed().as_secs_f64();
                total_bytes += data.len();
                total_time += elapsed;
                if !quiet {
                    let summary = dex.summary();
                    println!(
                        "{path}: {} string bytes, {names} class-name bytes in {:.3} ms",
                        chars,
                        elapsed * 1e3
                    );
                    let mut v = serde_json::to_value(&summary).unwrap_or_default();
                    if let Some(p) = v.get_mut("packages") {
                        *p = serde_json::Value::from(summary.packages.len());
                    }
                    println!("{v}");
                }
            }
            Err(e) => println!("{path}: error: {e}"),
        }
    }
    if total_time > 0.0 {
        println!(
            "total {:.1} MB in {:.3} s = {:.0} MB/s",
            total_bytes as f64 / 1e6,
            total_time,
            total_bytes as f64 / 1e6 / total_time
        );
    }
}
