//! Parses arbitrary bytes as a zip with small limits, then reads every entry
//! in each of the three ways (whole, head, streamed). Any panic, hang or
//! unbounded allocation is a bug.
#![no_main]

use appgov_zip::{Limits, ZipArchive};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_entries: 512,
        max_entry_size: 1 << 20,
        max_total_inflated: 4 << 20,
        max_ratio: 100,
    };
    let source = data;
    let Ok(zip) = ZipArchive::parse(&source, &limits) else {
        return;
    };
    let _ = zip.layout();
    let _ = zip.android_rejection();
    let _ = zip.comment();
    for anomaly in zip.anomalies() {
        let _ = anomaly.kind.code();
    }
    for entry in zip.entries() {
        let _ = zip.by_name(&entry.name);
        let _ = zip.by_raw_name(&entry.raw_name);
        let _ = zip.entry_anomalies(entry);
        let _ = zip.raw_data_range(entry);
        let _ = zip.read_head(entry, 16);
        if let Ok((data, report)) = zip.read_checked(entry) {
            assert_eq!(data.len() as u64, report.len);
            assert!(data.len() as u64 <= limits.max_entry_size);
        }
        let mut streamed = 0u64;
        let _ = zip.stream(entry, &mut |chunk| streamed += chunk.len() as u64);
    }
    let _ = zip.read_anomalies();
    assert!(zip.inflated_total() <= limits.max_total_inflated + (1 << 16));
});
