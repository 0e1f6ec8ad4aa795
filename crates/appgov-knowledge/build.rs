//! Converts the TOML data files to JSON at build time: the binary parses the
//! JSON at start-up several times faster than TOML (start-up is on every
//! scan's path). Typed parsing and validation still happen at start-up, on
//! the same content; a TOML syntax error fails the build.

use std::path::PathBuf;

const FILES: &[&str] = &[
    "notice",
    "pi",
    "sdks",
    "packers",
    "requirements",
    "domains",
    "environment",
    "secrets",
];

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    for name in FILES {
        let path = format!("data/{name}.toml");
        println!("cargo:rerun-if-changed={path}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let value: toml::Value = toml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let json = serde_json::to_string(&value).unwrap_or_else(|e| panic!("{path}: {e}"));
        std::fs::write(out.join(format!("{name}.json")), json)
            .unwrap_or_else(|e| panic!("{name}.json: {e}"));
    }
}
