//! `appgov internal-scan`: the analysis of one uploaded package in a child
//! process of `appgov serve` (hidden from `--help`; not for people).
//!
//! A child process, not a thread, so that a package that makes the
//! analyser use too much memory or time costs only this process: it sets
//! its own address-space limit first, and the server kills it by its PID
//! when its time is up. The facts go to `--out` by temporary file and
//! rename, so the server never reads half a file; a package that cannot be
//! analysed still yields facts, with `error` set.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use appgov_knowledge::Knowledge;
use clap::Args;

/// Tests only: waits this many milliseconds before analysing, so a test
/// can kill the server while a scan is surely running.
pub const DELAY_ENV: &str = "APPGOV_INTERNAL_SCAN_DELAY_MS";

#[derive(Args, Debug)]
pub struct InternalScanArgs {
    /// The package file.
    #[arg(long)]
    input: PathBuf,
    /// The name it was uploaded as (recorded in the facts).
    #[arg(long)]
    name: String,
    /// Where to write the facts JSON.
    #[arg(long)]
    out: PathBuf,
    /// Address-space limit of this process, MiB.
    #[arg(long)]
    max_memory_mib: u64,
    /// The server's PID: this process ends when that one does.
    #[arg(long)]
    parent_pid: Option<i32>,
}

pub fn run(a: &InternalScanArgs) -> Result<ExitCode> {
    limit_self(a.max_memory_mib, a.parent_pid)?;
    if let Some(ms) = std::env::var(DELAY_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms.min(600_000)));
    }
    let knowledge = Knowledge::builtin().context("built-in knowledge files are invalid")?;
    let options = appgov_options::scan_options(&knowledge).map_err(anyhow::Error::msg)?;
    let facts = appgov_workflow::analyse::scan_file_named(&a.input, &a.name, &options);
    write_atomically(&a.out, &serde_json::to_vec(&facts)?)?;
    Ok(ExitCode::SUCCESS)
}

/// The address-space limit (malloc then fails, and Rust aborts with
/// "memory allocation of N bytes failed", which the server reports as the
/// memory limit), and death with the parent.
#[cfg(target_os = "linux")]
fn limit_self(max_memory_mib: u64, parent: Option<i32>) -> Result<()> {
    use rustix::process::{Resource, Rlimit, Signal, getppid, setrlimit};
    let bytes = max_memory_mib.saturating_mul(1 << 20);
    setrlimit(
        Resource::As,
        Rlimit {
            current: Some(bytes),
            maximum: Some(bytes),
        },
    )
    .context("cannot set the memory limit")?;
    if let Some(parent) = parent {
        rustix::process::set_parent_process_death_signal(Some(Signal::KILL))
            .context("cannot ask to end with the server")?;
        // The server may have died before the line above: then end now.
        if getppid().map(|p| p.as_raw_nonzero().get()) != Some(parent) {
            anyhow::bail!("the server that started this scan has ended");
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn limit_self(_max_memory_mib: u64, _parent: Option<i32>) -> Result<()> {
    Ok(())
}

fn write_atomically(out: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = out.with_extension(format!("tmp-{}", std::process::id()));
    let mut f =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    f.write_all(bytes)
        .and_then(|_| f.flush())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    drop(f);
    std::fs::rename(&tmp, out).with_context(|| format!("cannot rename to {}", out.display()))?;
    Ok(())
}
