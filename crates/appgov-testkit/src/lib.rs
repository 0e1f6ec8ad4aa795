//! Test support shared by the crates' test suites: the corpus of real
//! third-party packages in `../shared/corpus` (never committed here), checked
//! against its `MANIFEST.tsv`, and Google's reference tools from Debian;
//! a real server for the web tests (`web`) and SMTP and HTTP sinks for the
//! notification tests (`sinks`).

pub mod sinks;
pub mod web;

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

/// One corpus file with its manifest row.
#[derive(Debug, Clone)]
pub struct CorpusFile {
    /// Path relative to the corpus root, e.g. `apk/androguard__TC-debug.apk`.
    pub rel: String,
    pub path: PathBuf,
    pub sha256: String,
    pub kind: String,
    pub notes: String,
}

/// The corpus root, or `None` (after saying so on stderr) when this is a
/// fresh clone without `../shared`.
pub fn corpus_root() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if root.join("MANIFEST.tsv").is_file() {
        Some(root)
    } else {
        eprintln!("skipping: ../shared/corpus not found (fresh clone without the shared corpus)");
        None
    }
}

/// Every corpus file listed in `MANIFEST.tsv` whose folder is one of `folders`.
pub fn corpus_files(folders: &[&str]) -> Vec<CorpusFile> {
    let Some(root) = corpus_root() else {
        return Vec::new();
    };
    let manifest = std::fs::read_to_string(root.join("MANIFEST.tsv")).unwrap_or_default();
    let mut out = Vec::new();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(rel), Some(sha), Some(kind)) = (cols.first(), cols.get(1), cols.get(3)) else {
            continue;
        };
        let folder = rel.split('/').next().unwrap_or_default();
        if !folders.contains(&folder) {
            continue;
        }
        out.push(CorpusFile {
            rel: rel.to_string(),
            path: root.join(rel),
            sha256: sha.to_string(),
            kind: kind.to_string(),
            notes: cols.get(8).copied().unwrap_or_default().to_string(),
        });
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

impl CorpusFile {
    /// The file's bytes, after checking them against the manifest's SHA-256.
    pub fn read_checked(&self) -> Vec<u8> {
        let data = std::fs::read(&self.path)
            .unwrap_or_else(|e| panic!("corpus file {} unreadable: {e}", self.rel));
        let actual = hex::encode(Sha256::digest(&data));
        assert_eq!(
            actual, self.sha256,
            "corpus file {} does not match MANIFEST.tsv",
            self.rel
        );
        data
    }

    /// The single corpus file whose relative path is `rel`.
    pub fn named(rel: &str) -> Option<CorpusFile> {
        let folder = rel.split('/').next().unwrap_or_default();
        corpus_files(&[folder]).into_iter().find(|f| f.rel == rel)
    }
}

/// Output of a reference tool, or `None` (said on stderr) when it is not installed.
pub fn reference_tool(program: &str, args: &[&str]) -> Option<std::process::Output> {
    match Command::new(program).args(args).output() {
        Ok(out) => Some(out),
        Err(e) => {
            eprintln!("skipping comparison with {program}: {e}");
            None
        }
    }
}
