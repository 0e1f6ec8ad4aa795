//! The whole pipeline on arbitrary bytes: whatever the input, `analyze`
//! returns facts (possibly with an error) and never panics or hangs; the
//! string search runs with the catalog's rules as in `appgov scan`, and the
//! checks and every report are made from the (hostile) facts.
#![no_main]

use std::sync::OnceLock;

use appgov_analyzer::{Options, analyze};
use appgov_knowledge::Knowledge;
use libfuzzer_sys::fuzz_target;

fn setup() -> &'static (Knowledge, Options) {
    static SETUP: OnceLock<(Knowledge, Options)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let k = Knowledge::builtin().expect("built-in knowledge");
        let mut options = appgov_options::scan_options(&k).expect("string rules");
        // Small caps keep each run fast; the logic under test is the same.
        options.zip_limits.max_entries = 2_000;
        options.zip_limits.max_entry_size = 8 << 20;
        options.zip_limits.max_total_inflated = 32 << 20;
        (k, options)
    })
}

fuzz_target!(|data: &[u8]| {
    let (k, options) = setup();
    let facts = analyze(&data.to_vec(), "fuzz.apk", options);
    assert!(facts.error.is_some() || facts.package.is_some() || facts.input.kind != "apk");
    let analysis = appgov_checks::analyse(&facts, k, "2026-12-01");
    let input = appgov_report::Input {
        facts: &facts,
        analysis: &analysis,
        knowledge: k,
        generated: "2026-12-01T00:00:00Z",
        checked_on: "2026-12-01",
    };
    for format in [
        appgov_report::Format::Sarif,
        appgov_report::Format::CycloneDx,
        appgov_report::Format::Html,
    ] {
        assert!(format.render(&input).ends_with('\n'));
    }
});
