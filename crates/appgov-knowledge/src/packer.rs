//! Packers and protectors (加固): what a hardened package looks like.

use crate::Source;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackerFile {
    pub schema: u32,
    #[serde(default)]
    pub source: Vec<Source>,
    pub packer: Vec<Packer>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Packer {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub vendor_zh: String,
    pub vendor_en: String,
    pub kind: PackerKind,
    /// Whether it encrypts or hides the app's DEX (so code facts are partial).
    pub hides_dex: bool,
    pub evidence: PackerEvidence,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PackerEvidence {
    /// Native library file names; `*` matches any run of characters.
    #[serde(default)]
    pub native_libs: Vec<String>,
    /// Archive paths other than native libraries; `*` as above.
    #[serde(default)]
    pub files: Vec<String>,
    /// Stub classes: the manifest's application class or a class in the DEX.
    #[serde(default)]
    pub classes: Vec<String>,
    /// Java packages into which the tool moves classes renamed to short
    /// non-ASCII names (DexGuard's `o.ˊ`, `o.丶`); evidence when the package
    /// holds at least [`PackerEvidence::MIN_RENAMED_CLASSES`] such classes.
    #[serde(default)]
    pub renamed_packages: Vec<String>,
}

impl PackerEvidence {
    /// Non-ASCII-named classes a `renamed_packages` entry needs (the
    /// threshold APKiD's DexGuard rules use for such names).
    pub const MIN_RENAMED_CLASSES: u64 = 3;

    pub fn is_empty(&self) -> bool {
        self.native_libs.is_empty()
            && self.files.is_empty()
            && self.classes.is_empty()
            && self.renamed_packages.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PackerKind {
    /// Encrypts the DEX and loads it at run time.
    Packer,
    /// Runtime protection (anti-tamper, anti-debug, RASP) without hiding the DEX.
    Protector,
    /// Renames and encrypts inside the DEX.
    Obfuscator,
}

impl PackerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PackerKind::Packer => "packer",
            PackerKind::Protector => "protector",
            PackerKind::Obfuscator => "obfuscator",
        }
    }
}
