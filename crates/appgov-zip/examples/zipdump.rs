//! Prints entries, layout and anomalies of an archive (development aid).
use appgov_zip::{Limits, ZipArchive};

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        println!("== {path}");
        let zip = match ZipArchive::parse(&bytes, &Limits::default()) {
            Ok(z) => z,
            Err(e) => {
                println!("  error: {e}");
                continue;
            }
        };
        println!("  layout: {:?}", zip.layout());
        println!("  entries: {}", zip.entries().len());
        for a in zip.anomalies() {
            println!("  anomaly {} {:?}: {}", a.kind.code(), a.entry, a.detail);
        }
        let mut failed = 0;
        for e in zip.entries() {
            if let Err(err) = zip.read(e) {
                failed += 1;
                println!("  read error: {err}");
            }
        }
        for a in zip.read_anomalies() {
            println!(
                "  read-anomaly {} {:?}: {}",
                a.kind.code(),
                a.entry,
                a.detail
            );
        }
        println!(
            "  android_rejection: {:?}; read failures {failed}",
            zip.android_rejection()
        );
    }
}
