//! Finds htmx (installed from the npm registry into `web/node_modules` by
//! the README's set-up and by CI) and hands its path to the crate, which
//! embeds it. Without it the pages still work — every form posts and every
//! page loads in full — only without partial updates.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let candidate = std::env::var_os("APPGOV_HTMX_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../web/node_modules/htmx.org/dist/htmx.min.js"));
    println!("cargo:rerun-if-env-changed=APPGOV_HTMX_JS");
    // A path that does not exist would make cargo rerun this on every
    // build; watch web/ instead until htmx is installed.
    if candidate.is_file() {
        println!("cargo:rerun-if-changed={}", candidate.display());
    } else {
        println!(
            "cargo:rerun-if-changed={}",
            manifest.join("../../web").display()
        );
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("htmx.rs");
    let code = if candidate.is_file() {
        format!(
            "/// htmx, from the npm registry at build time.\npub const HTMX_JS: Option<&[u8]> = Some(include_bytes!({:?}));\n",
            candidate
                .canonicalize()
                .expect("exists")
                .display()
                .to_string()
        )
    } else {
        "/// htmx was not installed when this binary was built.\npub const HTMX_JS: Option<&[u8]> = None;\n".to_string()
    };
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
