//! Start-up cost of a scan process: loading and validating the knowledge
//! catalog, then compiling the string rules. `cargo run --release -p
//! appgov-options --example startup`.
use std::time::Instant;

fn main() {
    let t = Instant::now();
    let k = appgov_knowledge::Knowledge::builtin().unwrap();
    let load = t.elapsed();
    let t = Instant::now();
    let _o = appgov_options::scan_options(&k).unwrap();
    let opts = t.elapsed();
    println!(
        "knowledge load {:.2} ms, scan options {:.2} ms",
        load.as_secs_f64() * 1e3,
        opts.as_secs_f64() * 1e3
    );
}
