//! Analyser options as `appgov scan` builds them from the knowledge catalog
//! (the environment markers and secret formats), for the check tests.

use appgov_analyzer::{Options, ProbeNeedle, SecretRule, StringRules};
use appgov_knowledge::Knowledge;
use std::sync::{Arc, OnceLock};

/// Compiled once per test binary, like once per run in the CLI.
pub fn options() -> Options {
    static RULES: OnceLock<Arc<StringRules>> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        let k = Knowledge::builtin().expect("built-in knowledge is valid");
        let probes = k
            .environment_markers
            .iter()
            .flat_map(|m| {
                m.strings.iter().map(|t| ProbeNeedle {
                    marker: m.id.clone(),
                    text: t.clone(),
                })
            })
            .collect();
        let secrets = k
            .secret_patterns
            .iter()
            .map(|s| SecretRule {
                kind: s.id.clone(),
                anchors: s.anchors.clone(),
                pattern: s.pattern.clone(),
                ignore_values: s.ignore_values.clone(),
                ignore_containing: s.ignore_containing.clone(),
            })
            .collect();
        Arc::new(StringRules::new(probes, secrets).expect("catalog rules compile"))
    });
    Options {
        string_rules: Some(rules.clone()),
        ..Options::default()
    }
}
