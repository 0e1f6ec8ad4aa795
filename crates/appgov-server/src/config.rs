//! The server's configuration: defaults that need nothing (SQLite in the
//! data directory, loopback, port 8080), then an optional TOML file, then
//! environment variables (`APPGOV_*`), then command-line flags.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything `appgov serve` can be told.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on (`127.0.0.1:8080`; `0.0.0.0:8080` for all).
    pub bind: String,
    /// The data directory (SQLite database, file store).
    pub data_dir: PathBuf,
    /// A PostgreSQL URL instead of the embedded SQLite.
    pub database_url: Option<String>,
    /// The URL people reach the server at, when it differs from the bind
    /// address (behind a reverse proxy): `https://appgov.bank.example`.
    /// Used for links, the OIDC callback, and to judge request origins.
    pub public_url: Option<String>,
    /// Trust `X-Forwarded-For` / `X-Forwarded-Proto` from the proxy in
    /// front (only when one is; otherwise clients could forge them).
    pub trust_proxy: bool,
    /// Idle session lifetime, minutes (sliding).
    pub session_minutes: i64,
    /// Largest package upload, MiB (the two release upload routes).
    pub upload_limit_mib: u64,
    /// Largest evidence document attached to a move, MiB. Every other
    /// request body (forms, JSON) is limited to 1 MiB.
    pub evidence_limit_mib: u64,
    /// Packages analysed at the same time.
    pub scan_workers: usize,
    /// Longest analysis of one package, seconds.
    pub scan_timeout_secs: u64,
    /// Address space of one analysis, MiB.
    pub scan_memory_mib: u64,
    /// The program that analyses a package in a child process (default:
    /// this appgov binary).
    pub scanner: Option<PathBuf>,
    /// Single sign-on through the institution's OpenID Connect provider.
    pub oidc: Option<OidcConfig>,
    /// Compliance notices (reminders, overdue notices, escalations) sent
    /// once a day to e-mail and group robots: `[notify]` with
    /// `[[notify.route]]`, as the file of `appgov compliance notify`.
    pub notify: Option<appgov_workflow::notify::NotifyConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The label on the sign-in button (`统一身份认证`).
    #[serde(default)]
    pub label: Option<String>,
    /// Create an account (without grants) at first sign-in; otherwise an
    /// administrator creates it first.
    #[serde(default)]
    pub create_accounts: bool,
    /// How long a person may take at the provider before the sign-in
    /// expires (seconds; the signed state cookie's lifetime).
    #[serde(default = "default_login_timeout")]
    pub login_timeout_secs: u64,
}

fn default_login_timeout() -> u64 {
    600
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("appgov-data"),
            database_url: None,
            public_url: None,
            trust_proxy: false,
            session_minutes: 8 * 60,
            upload_limit_mib: 1024,
            evidence_limit_mib: 64,
            scan_workers: 2,
            scan_timeout_secs: 600,
            scan_memory_mib: 4096,
            scanner: None,
            oidc: None,
            notify: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl ServerConfig {
    /// Reads a TOML file over the defaults.
    pub fn from_file(path: &Path) -> Result<ServerConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Applies `APPGOV_*` variables from `env` (a function, so tests need
    /// not touch the process environment).
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn num<T: std::str::FromStr>(k: &str, v: String) -> Result<T, ConfigError> {
            v.trim()
                .parse()
                .map_err(|_| ConfigError::Invalid(format!("{k}={v:?} is not a number")))
        }
        if let Some(v) = env("APPGOV_BIND") {
            self.bind = v;
        }
        if let Some(v) = env("APPGOV_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = env("APPGOV_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = env("APPGOV_PUBLIC_URL") {
            self.public_url = Some(v);
        }
        if let Some(v) = env("APPGOV_TRUST_PROXY") {
            self.trust_proxy = matches!(v.trim(), "1" | "true" | "yes");
        }
        if let Some(v) = env("APPGOV_SESSION_MINUTES") {
            self.session_minutes = num("APPGOV_SESSION_MINUTES", v)?;
        }
        if let Some(v) = env("APPGOV_UPLOAD_LIMIT_MIB") {
            self.upload_limit_mib = num("APPGOV_UPLOAD_LIMIT_MIB", v)?;
        }
        if let Some(v) = env("APPGOV_EVIDENCE_LIMIT_MIB") {
            self.evidence_limit_mib = num("APPGOV_EVIDENCE_LIMIT_MIB", v)?;
        }
        if let Some(v) = env("APPGOV_SCAN_WORKERS") {
            self.scan_workers = num("APPGOV_SCAN_WORKERS", v)?;
        }
        if let Some(v) = env("APPGOV_SCAN_TIMEOUT_SECS") {
            self.scan_timeout_secs = num("APPGOV_SCAN_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = env("APPGOV_SCAN_MEMORY_MIB") {
            self.scan_memory_mib = num("APPGOV_SCAN_MEMORY_MIB", v)?;
        }
        Ok(())
    }

    /// Checks the values make sense together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.session_minutes < 5 || self.session_minutes > 60 * 24 * 30 {
            return Err(ConfigError::Invalid(
                "session_minutes must be between 5 and 43200".into(),
            ));
        }
        if self.evidence_limit_mib == 0 || self.evidence_limit_mib > 1024 {
            return Err(ConfigError::Invalid(
                "evidence_limit_mib must be between 1 and 1024".into(),
            ));
        }
        if self.upload_limit_mib == 0 || self.upload_limit_mib > 16 * 1024 {
            return Err(ConfigError::Invalid(
                "upload_limit_mib must be between 1 and 16384".into(),
            ));
        }
        if self.scan_workers == 0 || self.scan_workers > 64 {
            return Err(ConfigError::Invalid(
                "scan_workers must be between 1 and 64".into(),
            ));
        }
        // Real packages need hundreds of MiB (the default is 4096); the
        // floor only keeps the analyser able to start, and lets tests
        // provoke the limit.
        if self.scan_memory_mib < 32 {
            return Err(ConfigError::Invalid(
                "scan_memory_mib must be at least 32".into(),
            ));
        }
        if self.scan_timeout_secs == 0 {
            return Err(ConfigError::Invalid(
                "scan_timeout_secs must be at least 1".into(),
            ));
        }
        if let Some(o) = &self.oidc {
            if !(o.issuer.starts_with("https://") || o.issuer.starts_with("http://")) {
                return Err(ConfigError::Invalid(format!(
                    "oidc.issuer {:?} must be an http(s) URL",
                    o.issuer
                )));
            }
            if o.login_timeout_secs == 0 || o.login_timeout_secs > 3600 {
                return Err(ConfigError::Invalid(
                    "oidc.login_timeout_secs must be between 1 and 3600".into(),
                ));
            }
        }
        if let Some(n) = &self.notify {
            n.validate()
                .map_err(|e| ConfigError::Invalid(format!("notify: {e}")))?;
        }
        if let Some(u) = &self.public_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return Err(ConfigError::Invalid(format!(
                "public_url {u:?} must start with https:// or http://"
            )));
        }
        Ok(())
    }

    /// Whether cookies must be `Secure` (the public URL is HTTPS).
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("appgov.toml");
        std::fs::write(
            &f,
            "bind = \"0.0.0.0:9000\"\nsession_minutes = 30\n[oidc]\nissuer = \"https://idp\"\nclient_id = \"a\"\nclient_secret = \"b\"\n",
        )
        .unwrap();
        let mut c = ServerConfig::from_file(&f).unwrap();
        assert_eq!(c.bind, "0.0.0.0:9000");
        assert_eq!(c.upload_limit_mib, 1024);
        assert!(c.oidc.is_some());
        c.apply_env(|k| (k == "APPGOV_SESSION_MINUTES").then(|| "45".to_string()))
            .unwrap();
        assert_eq!(c.session_minutes, 45);
        c.validate().unwrap();
        assert!(
            c.apply_env(|k| (k == "APPGOV_SCAN_WORKERS").then(|| "many".to_string()))
                .is_err()
        );
        std::fs::write(&f, "bnd = \"x\"\n").unwrap();
        assert!(matches!(
            ServerConfig::from_file(&f),
            Err(ConfigError::Parse { .. })
        ));
    }
}
