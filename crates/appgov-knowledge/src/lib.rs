//! Knowledge that is data, not code: the notice's articles, SDK and packer
//! signatures, permission and framework-API → personal-information maps, and
//! OS / app-store requirements. Each lives in a versioned TOML file under
//! `data/`, every entry names its sources, and [`Knowledge::builtin`]
//! parses and validates them all (a broken file is a start-up error, never a
//! silently smaller catalog).
//!
//! Pure: no I/O. The built-in files are compiled in; a caller that wants to
//! load replacements reads them and passes the text to [`Knowledge::parse`].

pub mod domains;
pub mod environment;
pub mod notice;
pub mod packer;
pub mod pi;
pub mod requirements;
pub mod sdk;
pub mod secret;
mod validate;

use serde::Deserialize;
use std::collections::BTreeMap;

pub use domains::{DomainCategory, SuspiciousDomain};
pub use environment::{EnvironmentMarker, ProbeKind};
pub use notice::Article;
pub use packer::{Packer, PackerEvidence};
pub use pi::{ApiRule, PermissionInfo, PiCategory};
pub use requirements::{ApiLevel, StoreRequirement};
pub use sdk::{Sdk, SdkCategory, SdkEvidence};
pub use secret::SecretPattern;

/// Version of the data-file format this build reads (`schema = N` in each file).
pub const SCHEMA: u32 = 1;

/// A cited source, referenced by `id` from entries of the same file.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    /// Where to check it (a URL, or a document reference for print sources).
    pub url: String,
}

/// One data file's text, by file name (`sdks.toml`, …).
pub struct DataFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// Declares the built-in data files twice: as TOML (what people edit and
/// `Knowledge::parse` reads) and as the JSON `build.rs` makes of them (what
/// `Knowledge::builtin` reads); both keep the TOML file name for messages.
macro_rules! builtin_files {
    ($($stem:literal),* $(,)?) => {
        /// The built-in data files, compiled into the binary.
        pub const BUILTIN: &[DataFile<'static>] = &[$(
            DataFile {
                name: concat!($stem, ".toml"),
                text: include_str!(concat!("../data/", $stem, ".toml")),
            },
        )*];
        /// The same files as JSON, converted at build time (see `build.rs`).
        pub const BUILTIN_JSON: &[DataFile<'static>] = &[$(
            DataFile {
                name: concat!($stem, ".toml"),
                text: include_str!(concat!(env!("OUT_DIR"), "/", $stem, ".json")),
            },
        )*];
    };
}

builtin_files!(
    "notice",
    "pi",
    "sdks",
    "packers",
    "requirements",
    "domains",
    "environment",
    "secrets"
);

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: schema {found}, this build reads schema {SCHEMA}")]
    Schema { file: String, found: u32 },
    #[error("{file}: {}", .problems.join("; "))]
    Invalid { file: String, problems: Vec<String> },
    #[error("data file {0} missing")]
    Missing(String),
}

/// Everything the checks know, validated.
#[derive(Debug, Clone)]
pub struct Knowledge {
    pub articles: Vec<Article>,
    pub pi_categories: Vec<PiCategory>,
    pub permissions: Vec<PermissionInfo>,
    pub apis: Vec<ApiRule>,
    pub sdks: Vec<Sdk>,
    pub packers: Vec<Packer>,
    pub api_levels: Vec<ApiLevel>,
    pub store_requirements: Vec<StoreRequirement>,
    /// Categories of suspicious domains (`domains.toml`).
    pub domain_categories: Vec<DomainCategory>,
    /// Suspicious domain suffixes, each in one of `domain_categories`.
    pub suspicious_domains: Vec<SuspiciousDomain>,
    /// Markers of root, emulator, debugger and hook detection.
    pub environment_markers: Vec<EnvironmentMarker>,
    /// Formats of hard-coded credentials.
    pub secret_patterns: Vec<SecretPattern>,
    /// Sources of every file, by file name.
    pub sources: BTreeMap<String, Vec<Source>>,
}

#[derive(Clone, Copy)]
enum Syntax {
    Toml,
    Json,
}

fn parse_file<T: serde::de::DeserializeOwned + HasSchema>(
    files: &[DataFile<'_>],
    name: &str,
    syntax: Syntax,
) -> Result<T, KnowledgeError> {
    let f = files
        .iter()
        .find(|f| f.name == name)
        .ok_or_else(|| KnowledgeError::Missing(name.into()))?;
    let parsed: Result<T, String> = match syntax {
        Syntax::Toml => toml::from_str(f.text).map_err(|e| e.to_string()),
        Syntax::Json => serde_json::from_str(f.text).map_err(|e| e.to_string()),
    };
    let v = parsed.map_err(|message| KnowledgeError::Parse {
        file: name.into(),
        message,
    })?;
    if v.schema() != SCHEMA {
        return Err(KnowledgeError::Schema {
            file: name.into(),
            found: v.schema(),
        });
    }
    Ok(v)
}

trait HasSchema {
    fn schema(&self) -> u32;
}

macro_rules! has_schema {
    ($($t:ty),*) => {$(
        impl HasSchema for $t {
            fn schema(&self) -> u32 {
                self.schema
            }
        }
    )*};
}
has_schema!(
    notice::NoticeFile,
    pi::PiFile,
    sdk::SdkFile,
    packer::PackerFile,
    requirements::RequirementsFile,
    domains::DomainsFile,
    environment::EnvironmentFile,
    secret::SecretFile
);

impl Knowledge {
    /// The compiled-in catalog. Panics never; an invalid built-in file is an
    /// error the binary reports at start-up (and a test keeps it from shipping).
    pub fn builtin() -> Result<Knowledge, KnowledgeError> {
        Self::parse_with(BUILTIN_JSON, Syntax::Json)
    }

    /// Parses and validates a full set of data files (TOML).
    pub fn parse(files: &[DataFile<'_>]) -> Result<Knowledge, KnowledgeError> {
        Self::parse_with(files, Syntax::Toml)
    }

    fn parse_with(files: &[DataFile<'_>], syntax: Syntax) -> Result<Knowledge, KnowledgeError> {
        let notice: notice::NoticeFile = parse_file(files, "notice.toml", syntax)?;
        let pi: pi::PiFile = parse_file(files, "pi.toml", syntax)?;
        let sdks: sdk::SdkFile = parse_file(files, "sdks.toml", syntax)?;
        let packers: packer::PackerFile = parse_file(files, "packers.toml", syntax)?;
        let req: requirements::RequirementsFile = parse_file(files, "requirements.toml", syntax)?;
        let domains: domains::DomainsFile = parse_file(files, "domains.toml", syntax)?;
        let env: environment::EnvironmentFile = parse_file(files, "environment.toml", syntax)?;
        let secrets: secret::SecretFile = parse_file(files, "secrets.toml", syntax)?;
        let mut sources = BTreeMap::new();
        sources.insert("environment.toml".to_string(), env.source.clone());
        sources.insert("secrets.toml".to_string(), secrets.source.clone());
        sources.insert("notice.toml".to_string(), notice.source.clone());
        sources.insert("pi.toml".to_string(), pi.source.clone());
        sources.insert("sdks.toml".to_string(), sdks.source.clone());
        sources.insert("packers.toml".to_string(), packers.source.clone());
        sources.insert("requirements.toml".to_string(), req.source.clone());
        sources.insert("domains.toml".to_string(), domains.source.clone());
        let k = Knowledge {
            articles: notice.article,
            pi_categories: pi.category,
            permissions: pi.permission,
            apis: pi.api,
            sdks: sdks.sdk,
            packers: packers.packer,
            api_levels: req.api_level,
            store_requirements: req.store,
            domain_categories: domains.category,
            suspicious_domains: domains.domain,
            environment_markers: env.marker,
            secret_patterns: secrets.secret,
            sources,
        };
        let depth = match syntax {
            Syntax::Toml => validate::Depth::Full,
            Syntax::Json => validate::Depth::Builtin,
        };
        validate::all(&k, depth)?;
        Ok(k)
    }

    pub fn article(&self, n: u32) -> Option<&Article> {
        self.articles.iter().find(|a| a.number == n)
    }
    pub fn pi_category(&self, id: &str) -> Option<&PiCategory> {
        self.pi_categories.iter().find(|c| c.id == id)
    }
    pub fn permission(&self, name: &str) -> Option<&PermissionInfo> {
        self.permissions.iter().find(|p| p.name == name)
    }
    pub fn sdk(&self, id: &str) -> Option<&Sdk> {
        self.sdks.iter().find(|s| s.id == id)
    }
    pub fn packer(&self, id: &str) -> Option<&Packer> {
        self.packers.iter().find(|p| p.id == id)
    }
    pub fn domain_category(&self, id: &str) -> Option<&DomainCategory> {
        self.domain_categories.iter().find(|c| c.id == id)
    }
}
