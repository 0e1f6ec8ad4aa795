//! The whole analyser on arbitrary bytes: whatever the input, `analyze`
//! returns facts (possibly with an error) and never panics or hangs.
#![no_main]

use appgov_analyzer::{Options, analyze};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut options = Options::default();
    // Small caps keep each run fast; the logic under test is the same.
    options.zip_limits.max_entries = 2_000;
    options.zip_limits.max_entry_size = 8 << 20;
    options.zip_limits.max_total_inflated = 32 << 20;
    let facts = analyze(&data.to_vec(), "fuzz.apk", &options);
    assert!(facts.error.is_some() || facts.package.is_some() || facts.input.kind != "apk");
});
