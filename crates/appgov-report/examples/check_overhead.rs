//! What the check catalog and the reports add to a scan, per corpus package:
//! the analyser's time (bytes in memory → facts, every section, digests
//! verified, as `appgov scan` runs it), then SDK/packer detection and every
//! check, then each report format. Best of `--repeat` runs per phase, one
//! thread. `bench/run` calls it; figures go to docs/PERFORMANCE.md.
//!
//! ```sh
//! cargo run --release -p appgov-report --example check_overhead -- [--repeat N] [FILES...]
//! ```
//! Without files it takes every APK, AAB and XAPK of the shared corpus.

use std::time::{Duration, Instant};

use appgov_analyzer::analyze;
use appgov_checks::analyse;
use appgov_knowledge::Knowledge;
use appgov_report::{Input, cyclonedx, html, sarif};

fn best<T>(repeat: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.expect("ran at least once"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let mut repeat = 5;
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--repeat" {
            repeat = args
                .next()
                .and_then(|n| n.parse().ok())
                .expect("--repeat N");
        } else {
            files.push(a.into());
        }
    }
    if files.is_empty() {
        files = appgov_testkit::corpus_files(&["apk", "aab", "xapk"])
            .into_iter()
            .map(|f| f.path)
            // Packages only (the corpus keeps .idsig files beside some).
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| ["apk", "aab", "xapk"].contains(&e.to_string_lossy().as_ref()))
            })
            .collect();
    }
    if files.is_empty() {
        eprintln!("check_overhead: no files given and no corpus at ../shared/corpus");
        std::process::exit(2);
    }

    let t = Instant::now();
    let knowledge = Knowledge::builtin().expect("built-in knowledge is valid");
    let load = t.elapsed();
    // The options `appgov scan` uses: watched APIs, environment markers,
    // secret formats.
    let options = appgov_options::scan_options(&knowledge).expect("catalog rules compile");
    let today = "2026-12-01";
    let generated = "2026-12-01T00:00:00Z";

    println!(
        "{:<58} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7}",
        "file", "scan ms", "checks", "sarif", "cdx", "html", "chk %", "+html %"
    );
    let (mut scan_sum, mut check_sum, mut html_sum, mut worst) = (0.0, 0.0, 0.0, 0.0f64);
    for path in &files {
        let data = std::fs::read(path).expect("read package");
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (t_scan, facts) = best(repeat, || analyze(&data, &name, &options));
        let (t_check, analysis) = best(repeat, || analyse(&facts, &knowledge, today));
        let input = Input {
            facts: &facts,
            analysis: &analysis,
            knowledge: &knowledge,
            generated,
            checked_on: today,
        };
        let (t_sarif, _) = best(repeat, || sarif(&input));
        let (t_cdx, _) = best(repeat, || cyclonedx(&input));
        let (t_html, _) = best(repeat, || html(&input));
        let (s, c, h) = (ms(t_scan), ms(t_check), ms(t_html));
        let with_html = (c + h) / s * 100.0;
        worst = worst.max(with_html);
        scan_sum += s;
        check_sum += c;
        html_sum += h;
        println!(
            "{:<58} {:>9.2} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>6.1}% {:>6.1}%",
            name.chars().take(58).collect::<String>(),
            s,
            c,
            ms(t_sarif),
            ms(t_cdx),
            h,
            c / s * 100.0,
            with_html
        );
    }
    println!("knowledge load (once per process): {:.2} ms", ms(load));
    println!(
        "total over {} files: scan {:.1} ms, checks {:.1} ms ({:.1}%), checks + HTML report {:.1} ms ({:.1}%); worst file checks + HTML {:.1}%",
        files.len(),
        scan_sum,
        check_sum,
        check_sum / scan_sum * 100.0,
        check_sum + html_sum,
        (check_sum + html_sum) / scan_sum * 100.0,
        worst
    );
}
