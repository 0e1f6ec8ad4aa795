//! The official SARIF 2.1.0 and CycloneDX 1.6 JSON schemas, read from the
//! folder `.ci/fetch-schemas` fills (`.cache/schemas`, or `$APPGOV_SCHEMAS`)
//! and compiled offline: the CycloneDX schema's relative `$ref`s to the SPDX
//! and JSF schemas resolve to the files beside it, and nothing is ever
//! fetched over the network.
//!
//! When the folder is missing the tests say so and skip — except under CI
//! (`CI` set), where a missing schema is a failure, so CI always validates.
//!
//! Shared by the report crate's tests and the CLI's (`#[path]` include).

#![allow(dead_code)]

use std::path::PathBuf;

use jsonschema::{Registry, Validator};
use serde_json::Value;

/// The folder with the schemas, or `None` (after saying why) outside CI.
pub fn dir() -> Option<PathBuf> {
    let dir = std::env::var_os("APPGOV_SCHEMAS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/schemas"));
    if dir.join("sarif-schema-2.1.0.json").is_file()
        && dir.join("bom-1.6.SNAPSHOT.schema.json").is_file()
    {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "schemas missing in {} under CI: .ci/run must run .ci/fetch-schemas first",
            dir.display()
        );
    }
    eprintln!(
        "skipping schema validation: {} has no schemas (run .ci/fetch-schemas)",
        dir.display()
    );
    None
}

fn read(dir: &std::path::Path, name: &str) -> Value {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A validator for SARIF 2.1.0 logs (draft-04 schema), formats checked.
pub fn sarif() -> Option<Validator> {
    let dir = dir()?;
    let schema = read(&dir, "sarif-schema-2.1.0.json");
    Some(
        jsonschema::options()
            .offline()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles"),
    )
}

/// A validator for CycloneDX 1.6 BOMs (draft-07 schema) with the SPDX and
/// JSF schemas it references registered under the URIs its `$id` makes of
/// them; formats checked.
pub fn cyclonedx() -> Option<Validator> {
    let dir = dir()?;
    let schema = read(&dir, "bom-1.6.SNAPSHOT.schema.json");
    let base = schema["$id"]
        .as_str()
        .and_then(|id| id.rsplit_once('/'))
        .map(|(base, _)| base.to_string())
        .expect("the CycloneDX schema has an $id");
    let mut registry = Registry::new();
    for name in ["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"] {
        registry = registry
            .add(format!("{base}/{name}"), read(&dir, name))
            .expect("schema URI is valid");
    }
    let registry = registry.prepare().expect("the registry prepares");
    let validator = jsonschema::options()
        .offline()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the CycloneDX schema compiles with its references");
    Some(validator)
}

/// Every validation error, as `path: message`.
pub fn errors(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {}", e.instance_path(), e))
        .collect()
}

/// Panics with every error when `instance` is invalid.
pub fn assert_valid(validator: &Validator, instance: &Value, what: &str) {
    let errs = errors(validator, instance);
    assert!(
        errs.is_empty(),
        "{what} does not validate:\n{}",
        errs.iter().take(30).cloned().collect::<Vec<_>>().join("\n")
    );
}
