//! The analyser [`Options`] an `appgov scan` uses, built from the knowledge
//! catalog: which framework APIs keep their callers, and the environment
//! markers and secret formats searched in the package's strings.
//!
//! The analyser may not depend on the knowledge catalog (it reads bytes, the
//! catalog is judgement), nor the catalog on the analyser; this crate is the
//! one place that joins them, so the CLI, the tests and the benchmarks scan
//! with the same options.

use std::sync::Arc;

use appgov_analyzer::{Options, ProbeNeedle, SecretRule, Sections, StringRules};
use appgov_knowledge::Knowledge;

/// The framework APIs whose callers the facts keep: those the knowledge
/// catalog maps to personal information. Sorted, distinct.
pub fn watched_apis(knowledge: &Knowledge) -> Vec<String> {
    let mut v: Vec<String> = knowledge
        .apis
        .iter()
        .flat_map(|a| a.methods.iter().map(move |m| format!("{}.{m}", a.class)))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The catalog's environment markers and secret formats, compiled once
/// (the regular expressions and the one-pass automaton) to share across
/// every package of a run.
pub fn string_rules(knowledge: &Knowledge) -> Result<Arc<StringRules>, String> {
    let probes = knowledge
        .environment_markers
        .iter()
        .flat_map(|m| {
            m.strings.iter().map(|t| ProbeNeedle {
                marker: m.id.clone(),
                text: t.clone(),
            })
        })
        .collect();
    let secrets = knowledge
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
    StringRules::new(probes, secrets)
        .map(Arc::new)
        .map_err(|e| format!("built-in string rules: {e}"))
}

/// Options for a full scan: every section, digests verified, the watched
/// APIs and the string rules.
pub fn scan_options(knowledge: &Knowledge) -> Result<Options, String> {
    options_for(knowledge, Sections::ALL)
}

/// Options for a scan of some sections; the string rules are compiled only
/// when the `strings` section is among them (an inventory run should not
/// pay for building the automaton).
pub fn options_for(knowledge: &Knowledge, sections: Sections) -> Result<Options, String> {
    Ok(Options {
        sections,
        api_uses_for: Some(watched_apis(knowledge)),
        string_rules: if sections.strings {
            Some(string_rules(knowledge)?)
        } else {
            None
        },
        ..Options::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalog_gives_working_options() {
        let k = Knowledge::builtin().unwrap();
        let o = scan_options(&k).unwrap();
        let apis = o.api_uses_for.unwrap();
        assert!(apis.is_sorted() && !apis.is_empty());
        assert!(apis.contains(&"android.telephony.TelephonyManager.getDeviceId".to_string()));
        assert!(o.string_rules.is_some());
    }
}
