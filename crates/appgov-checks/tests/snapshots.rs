//! Pins the SDKs, packers and findings of every corpus package (insta
//! snapshots in `tests/snapshots/`): a change to a check, the catalog or the
//! analyser that alters any report shows up as a reviewable diff.

mod common;

use appgov_analyzer::analyze;
use appgov_checks::analyse;
use appgov_knowledge::Knowledge;
use appgov_testkit::corpus_files;
use std::fmt::Write;

const TODAY: &str = "2026-12-01";

#[test]
fn findings_of_every_corpus_package() {
    let files = corpus_files(&["apk", "apk-signing", "apk-malformed", "aab", "xapk"]);
    if files.is_empty() {
        eprintln!("skipping: ../shared/corpus not found");
        return;
    }
    let k = Knowledge::builtin().expect("valid knowledge");
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let _guard = settings.bind_to_scope();
    for file in &files {
        let facts = analyze(&file.read_checked(), &file.rel, &common::options());
        let mut s = String::new();
        if let Some(e) = &facts.error {
            let _ = writeln!(s, "error: {e}");
        } else {
            let a = analyse(&facts, &k, TODAY);
            for p in &a.packers {
                let ev: Vec<String> = p
                    .evidence
                    .iter()
                    .map(|e| format!("{}:{}", e.kind, e.value))
                    .collect();
                let _ = writeln!(s, "packer {} [{}]", p.id, ev.join(", "));
            }
            for sdk in &a.sdks {
                let ev: Vec<String> = sdk
                    .evidence
                    .iter()
                    .map(|e| format!("{}:{}", e.kind, e.value))
                    .collect();
                let _ = writeln!(s, "sdk {} ({}) [{}]", sdk.id, sdk.category, ev.join(", "));
            }
            for f in &a.findings {
                let _ = writeln!(s, "{} {} {}", f.severity.as_str(), f.rule, f.message_en);
                for e in &f.evidence {
                    let loc = e
                        .location
                        .as_deref()
                        .map(|l| format!(" @ {l}"))
                        .unwrap_or_default();
                    let _ = writeln!(s, "    {}: {}{loc}", e.kind, e.value);
                }
            }
        }
        let name = file.rel.replace(['/', '.'], "_");
        insta::assert_snapshot!(name, s);
    }
}
