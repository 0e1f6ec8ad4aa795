//! `appgov serve`: the web platform (see the appgov-server crate).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use appgov_server::ServerConfig;
use clap::Args;

use crate::ledger::StoreArgs;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080; APPGOV_BIND].
    #[arg(long)]
    bind: Option<String>,
    /// A TOML configuration file (bind, public_url, trust_proxy,
    /// session_minutes, upload_limit_mib, evidence_limit_mib, scan_workers,
    /// scan_timeout_secs, scan_memory_mib, [oidc], [notify]); environment variables
    /// APPGOV_* and flags override it.
    #[arg(long, env = "APPGOV_CONFIG")]
    config: Option<PathBuf>,
    /// The URL people reach the server at, behind a reverse proxy
    /// [APPGOV_PUBLIC_URL].
    #[arg(long)]
    public_url: Option<String>,
}

pub fn run(store: &StoreArgs, a: &ServeArgs) -> Result<ExitCode> {
    let mut config = match &a.config {
        Some(p) => ServerConfig::from_file(p)?,
        None => ServerConfig::default(),
    };
    config.apply_env(|k| std::env::var(k).ok())?;
    // The data directory and database come from --data-dir/--database-url
    // (or APPGOV_DATA_DIR/APPGOV_DATABASE_URL), as for every command.
    config.data_dir = store.data_dir.clone();
    if store.database_url.is_some() {
        config.database_url = store.database_url.clone();
    }
    if let Some(b) = &a.bind {
        config.bind = b.clone();
    }
    if let Some(u) = &a.public_url {
        config.public_url = Some(u.clone());
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(appgov_server::serve(config))?;
    Ok(ExitCode::SUCCESS)
}
