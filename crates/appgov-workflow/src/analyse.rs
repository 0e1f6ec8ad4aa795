//! A package file → facts → analysis, never a panic: a bad file yields
//! facts with the error named, and a crash inside the analyser or the
//! checks is caught and reported as such (never a silently clean report).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use appgov_analyzer::{Options, analyze, input_info};
use appgov_checks::{Analysis, Policy};
use appgov_facts::{Facts, InputInfo};
use appgov_knowledge::Knowledge;

use crate::source::FileSource;

/// Facts and, when facts could be produced, their analysis.
pub struct Analysed {
    pub facts: Facts,
    pub analysis: Analysis,
}

/// Reads the facts of one package file.
pub fn scan_file(path: &Path, options: &Options) -> Facts {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    scan_file_named(path, &file_name, options)
}

/// As [`scan_file`], recording `file_name` as the package's name (an
/// upload kept under its digest still reports the name it was sent with).
pub fn scan_file_named(path: &Path, file_name: &str, options: &Options) -> Facts {
    let source = match FileSource::open(path) {
        Ok(s) => s,
        Err(e) => {
            return Facts::failed(
                "android",
                InputInfo {
                    file_name: file_name.to_string(),
                    ..InputInfo::default()
                },
                format!("cannot open file: {e}"),
            );
        }
    };
    match catch_unwind(AssertUnwindSafe(|| analyze(&source, file_name, options))) {
        Ok(facts) => facts,
        Err(_) => Facts::failed(
            "android",
            input_info(&source, file_name),
            "internal error: the analyser panicked on this input (please report it with the file's SHA-256)",
        ),
    }
}

/// Runs the checks unless the facts could not be produced (a failed read
/// would otherwise look like a package with nothing in it).
pub fn check_facts(
    facts: &mut Facts,
    knowledge: &Knowledge,
    policy: Option<&Policy>,
    today: &str,
) -> Analysis {
    if facts.error.is_some() {
        return Analysis::empty();
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        appgov_checks::analyse_with_policy(facts, knowledge, policy, today)
    }));
    result.unwrap_or_else(|_| {
        facts.error = Some(
            "internal error: the checks panicked on this package (please report it with the file's SHA-256)"
                .into(),
        );
        Analysis::empty()
    })
}

/// [`scan_file_named`] then [`check_facts`].
pub fn analyse_file(
    path: &Path,
    file_name: &str,
    knowledge: &Knowledge,
    options: &Options,
    policy: Option<&Policy>,
    today: &str,
) -> Analysed {
    let mut facts = scan_file_named(path, file_name, options);
    let analysis = check_facts(&mut facts, knowledge, policy, today);
    Analysed { facts, analysis }
}

/// Parses and validates an institution's policy (TOML) against the rule
/// catalog and the SDK catalog.
pub fn parse_policy(text: &str, knowledge: &Knowledge) -> Result<Policy, String> {
    let rules: Vec<&str> = appgov_checks::RULES.iter().map(|r| r.meta().id).collect();
    let sdks: Vec<&str> = knowledge.sdks.iter().map(|s| s.id.as_str()).collect();
    Policy::parse(text, &rules, &sdks).map_err(|e| e.to_string())
}
