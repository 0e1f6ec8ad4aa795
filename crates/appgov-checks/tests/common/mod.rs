//! Analyser options as `appgov scan` builds them from the knowledge catalog
//! (watched APIs, environment markers, secret formats), for the check tests.

use appgov_analyzer::Options;
use appgov_knowledge::Knowledge;
use std::sync::OnceLock;

/// Built once per test binary, like once per run in the CLI.
pub fn options() -> Options {
    static OPTIONS: OnceLock<Options> = OnceLock::new();
    OPTIONS
        .get_or_init(|| {
            let k = Knowledge::builtin().expect("built-in knowledge is valid");
            appgov_options::scan_options(&k).expect("catalog rules compile")
        })
        .clone()
}
