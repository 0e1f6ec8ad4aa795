//! Bytes in, facts out: turns an APK, AAB or split set into [`Facts`].
//!
//! Pure: no file system, network, threads or global state. Input arrives
//! through [`ReadAt`] so a 300 MB package is read piecewise; memory is bounded
//! by the largest entry the analyser inflates, not by the file size.

mod endpoints;
mod hashes;
mod sniff;

pub use appgov_facts::Facts;
use appgov_facts::InputInfo;
pub use appgov_zip::ReadAt;

/// Knobs for one analysis. The defaults suit packages up to several hundred MB.
#[derive(Debug, Clone)]
pub struct Options {
    pub zip_limits: appgov_zip::Limits,
    /// How deep packages nested in assets are opened (APK in APK in …).
    pub max_nesting: u8,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            zip_limits: appgov_zip::Limits::default(),
            max_nesting: 3,
        }
    }
}

/// Name, size and digests of the input (also used when analysis fails).
pub fn input_info(source: &dyn ReadAt, file_name: &str) -> InputInfo {
    let mut info = InputInfo {
        file_name: file_name.to_string(),
        size: source.size(),
        kind: "unknown".into(),
        ..InputInfo::default()
    };
    if let Ok(d) = hashes::digest_source(source) {
        info.sha256 = d.sha256;
        info.sha1 = d.sha1;
        info.md5 = d.md5;
    }
    info
}

/// Analyse one package. Never fails: problems end up in `error` and `anomalies`.
pub fn analyze(source: &dyn ReadAt, file_name: &str, options: &Options) -> Facts {
    let _ = options;
    Facts::failed("android", input_info(source, file_name), "not implemented yet")
}
