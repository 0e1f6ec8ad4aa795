//! Throughput measurement over the corpus (run with `--release -- --ignored --nocapture`).

mod common;

use appgov_axml::*;

#[test]
#[ignore]
fn measure() {
    let Some(root) = common::corpus() else { return };
    let l = Limits::default();
    let mut inputs = Vec::new();
    for p in common::corpus_packages(&root) {
        let zip = std::fs::read(&p).unwrap();
        for (name, data) in common::zip_entries(&zip) {
            if name == "AndroidManifest.xml"
                || name == "resources.arsc"
                || name.ends_with("/resources.pb")
                || name.ends_with("manifest/AndroidManifest.xml")
            {
                inputs.push((name, data));
            }
        }
    }
    let bytes: usize = inputs.iter().map(|(_, d)| d.len()).sum();
    let t = std::time::Instant::now();
    let rounds = 5;
    for _ in 0..rounds {
        for (name, d) in &inputs {
            if name.ends_with(".pb") {
                std::hint::black_box(parse_proto_table(d, &l).ok());
            } else if name.ends_with(".arsc") {
                std::hint::black_box(parse_arsc(d, &l).ok());
            } else if name.contains("manifest/") {
                std::hint::black_box(parse_proto_xml(d, &l).ok());
            } else {
                std::hint::black_box(parse_axml(d, &l).ok());
            }
        }
    }
    let el = t.elapsed() / rounds;
    eprintln!(
        "{} inputs, {:.1} MB, {:?} per pass, {:.0} MB/s",
        inputs.len(),
        bytes as f64 / 1e6,
        el,
        bytes as f64 / 1e6 / el.as_secs_f64()
    );
    if let Some((name, d)) = inputs
        .iter()
        .filter(|(n, _)| n.ends_with(".arsc") || n.ends_with(".pb"))
        .max_by_key(|(_, d)| d.len())
    {
        let t = std::time::Instant::now();
        let tab = if name.ends_with(".pb") {
            parse_proto_table(d, &l).unwrap()
        } else {
            parse_arsc(d, &l).unwrap()
        };
        eprintln!(
            "largest table {name} {:.1} MB: {:?}, {} entries",
            d.len() as f64 / 1e6,
            t.elapsed(),
            tab.entry_count()
        );
    }
}
