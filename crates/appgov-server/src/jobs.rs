//! Background scans: uploaded packages analysed by `config.scan_workers`
//! workers, queued in the database so a restart loses nothing.
//!
//! A worker claims the oldest job with a short lease, keeps the lease
//! alive by heartbeats while it works, and records the stage (queued →
//! analysing → checking → recording → done). The analysis itself runs in a
//! child process (`appgov internal-scan`) with an address-space limit and a
//! time limit, so a package that makes the analyser run away costs that
//! process only: the server kills it by its PID when its time is up and
//! keeps serving. The checks and the recording run here, in-process (facts
//! are bounded; the checks are pure).
//!
//! A server that dies mid-job leaves the lease to expire; the job is then
//! claimed again (here after a restart, or by another server on the same
//! database) and counted as another attempt — after [`MAX_ATTEMPTS`] the
//! queue fails it rather than let a package kill server after server. The
//! recording is idempotent: a re-run that finds the release its earlier
//! attempt committed links it instead of failing as a duplicate.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use appgov_checks::Policy;
use appgov_facts::Facts;
use appgov_ledger::ReleaseState;
use appgov_ledger::model::{Release, ReleaseFinding, SdkUsage, Transition};
use appgov_ledger::views::{ContinuityAlert, certificate_continuity};
use appgov_ledger::vocab::TransitionStatus;
use appgov_store::jobs::{JobState, ScanJob};
use appgov_store::{Store, StoreError};
use appgov_workflow::WorkflowError;
use tokio::io::AsyncReadExt;
use tokio::task::JoinHandle;

use crate::state::AppState;

/// How long a claim holds without a heartbeat. Short, so a job left by a
/// dead server is taken again within half a minute.
pub const LEASE_SECS: i64 = 30;
/// How often a busy worker renews its lease.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// How often an idle worker looks for work it was not woken for (jobs
/// queued by another server, leases that expired).
pub const POLL: Duration = Duration::from_secs(3);
/// Attempts before a job whose worker keeps stopping is failed.
pub const MAX_ATTEMPTS: i64 = 3;
/// The most of the analyser's standard error kept for the message.
const STDERR_LIMIT: u64 = 16 << 10;

/// The stages a job passes through, as recorded in `scan_job.stage`.
pub mod stage {
    pub const QUEUED: &str = "queued";
    pub const ANALYSING: &str = "analysing";
    pub const CHECKING: &str = "checking";
    pub const RECORDING: &str = "recording";
    pub const DONE: &str = "done";
    pub const FAILED: &str = "failed";
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Second-precision RFC 3339, the one format leases are written and
/// compared in (as text, so it must be fixed-width).
fn at(unix: i64) -> String {
    crate::auth::rfc3339_at(unix)
}

/// The institution's scan policy, when one is stored. Policy storage comes
/// with the administration pages; until then scans run with the built-in
/// rules only.
pub async fn institution_policy(_state: &AppState) -> Result<Option<Arc<Policy>>, StoreError> {
    Ok(None)
}

/// The job each worker holds now (worker id → job id).
type Held = Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>;

/// The running workers.
pub struct Workers {
    tasks: Vec<JoinHandle<()>>,
    held: Held,
    store: Store,
}

/// Starts the workers (each runs until [`Workers::stop`] or the process
/// ends).
pub fn start(state: &AppState) -> Workers {
    let instance = appgov_store::new_id();
    let held = Held::default();
    let tasks = (0..state.config.scan_workers)
        .map(|i| {
            let state = state.clone();
            let held = held.clone();
            let id = format!(
                "{}:{}:{i}",
                std::process::id(),
                &instance[instance.len() - 8..]
            );
            tokio::spawn(async move { worker(state, id, held).await })
        })
        .collect();
    Workers {
        tasks,
        held,
        store: state.store.clone(),
    }
}

impl Workers {
    /// Stops the workers (their analysers are killed) and gives their jobs
    /// back to the queue without counting the attempt: a restart in order
    /// costs a job nothing. (A crash leaves the lease to expire instead.)
    pub async fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
        for t in self.tasks {
            let _ = t.await;
        }
        let held: Vec<_> = self.held.lock().expect("held jobs lock").drain().collect();
        for (worker, job) in held {
            if let Err(e) = self.store.return_scan(&job, &worker).await {
                eprintln!("appgov serve: cannot give scan {job} back to the queue: {e}");
            }
        }
    }
}

/// Wakes an idle worker (after a job was queued).
pub fn wake(state: &AppState) {
    state.scan_wakeup.notify_one();
}

async fn worker(state: AppState, id: String, held: Held) {
    loop {
        let now = now_unix();
        match state
            .store
            .claim_scan(&id, &at(now), &at(now + LEASE_SECS), MAX_ATTEMPTS)
            .await
        {
            Ok(Some(job)) => {
                held.lock()
                    .expect("held jobs lock")
                    .insert(id.clone(), job.id.clone());
                run(&state, &id, job).await;
                held.lock().expect("held jobs lock").remove(&id);
                continue;
            }
            Ok(None) => {}
            Err(e) => eprintln!("appgov serve: scan worker {id}: cannot claim a job: {e}"),
        }
        tokio::select! {
            _ = state.scan_wakeup.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

/// How a job ended, short of success.
#[derive(Debug)]
enum Stop {
    /// For good, with the message people see.
    Fail(String),
    /// Stopped in a way that may not recur: another attempt, unless this
    /// was the last.
    Retry(String),
    /// The lease went to another worker: leave the job to it.
    Lost,
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Stop {
        Stop::Retry(format!("the ledger could not be read or written: {e}"))
    }
}

/// Renews the lease every [`HEARTBEAT`] and on every change of stage;
/// notices when the job is no longer this worker's.
struct Lease {
    store: Store,
    job: String,
    worker: String,
    lost: Arc<AtomicBool>,
    stage: Arc<std::sync::Mutex<&'static str>>,
    beat: JoinHandle<()>,
}

impl Lease {
    fn new(store: &Store, job: &str, worker: &str) -> Lease {
        let lost = Arc::new(AtomicBool::new(false));
        let stage = Arc::new(std::sync::Mutex::new(stage::QUEUED));
        let beat = {
            let (store, job, worker) = (store.clone(), job.to_string(), worker.to_string());
            let (lost, stage) = (lost.clone(), stage.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(HEARTBEAT).await;
                    let s = *stage.lock().expect("stage lock");
                    match store
                        .heartbeat_scan(&job, &worker, &at(now_unix() + LEASE_SECS), s)
                        .await
                    {
                        Ok(true) => {}
                        Ok(false) => {
                            lost.store(true, Ordering::SeqCst);
                            return;
                        }
                        // A passing database error: the lease still runs
                        // for a while; try again at the next beat.
                        Err(e) => eprintln!("appgov serve: heartbeat of scan {job}: {e}"),
                    }
                }
            })
        };
        Lease {
            store: store.clone(),
            job: job.to_string(),
            worker: worker.to_string(),
            lost,
            stage,
            beat,
        }
    }

    fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Records the new stage (and renews the lease); Lost if the job is
    /// no longer ours.
    async fn enter(&self, s: &'static str) -> Result<(), Stop> {
        *self.stage.lock().expect("stage lock") = s;
        let ours = self
            .store
            .heartbeat_scan(&self.job, &self.worker, &at(now_unix() + LEASE_SECS), s)
            .await?;
        if !ours || self.lost() {
            self.lost.store(true, Ordering::SeqCst);
            return Err(Stop::Lost);
        }
        Ok(())
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.beat.abort();
    }
}

async fn run(state: &AppState, worker: &str, job: ScanJob) {
    let lease = Lease::new(&state.store, &job.id, worker);
    let outcome = match institution_policy(state).await {
        Ok(policy) => process(state, &lease, &job, policy.as_deref()).await,
        Err(e) => Err(e.into()),
    };
    drop(lease);
    // A retryable stop on the last allowed attempt is a failure.
    let outcome = match outcome {
        Err(Stop::Retry(message)) if job.attempts >= MAX_ATTEMPTS => Err(Stop::Fail(format!(
            "{message} (gave up after {} attempts)",
            job.attempts
        ))),
        other => other,
    };
    let store = &state.store;
    let written = match outcome {
        Ok((release_id, note)) => {
            store
                .finish_scan(
                    &job.id,
                    Some(worker),
                    JobState::Done,
                    note.as_deref(),
                    Some(&release_id),
                )
                .await
        }
        Err(Stop::Fail(message)) => {
            store
                .finish_scan(
                    &job.id,
                    Some(worker),
                    JobState::Failed,
                    Some(&message),
                    None,
                )
                .await
        }
        Err(Stop::Retry(message)) => {
            eprintln!(
                "appgov serve: scan {} attempt {} stopped, will retry: {message}",
                job.id, job.attempts
            );
            store.requeue_scan(&job.id, worker, &message).await
        }
        Err(Stop::Lost) => Ok(true),
    };
    if let Err(e) = written {
        // The lease expires and the job is claimed again.
        eprintln!(
            "appgov serve: cannot record the end of scan {}: {e}",
            job.id
        );
    }
    state.scan_finished.notify_waiters();
}

/// The live (not rejected) release of this job's package in its app.
async fn existing_release(store: &Store, job: &ScanJob) -> Result<Option<Release>, StoreError> {
    Ok(store
        .find::<Release>("artifact_sha256", &job.package_sha256)
        .await?
        .into_iter()
        .find(|r| r.app_id == job.app_id && r.state != ReleaseState::Rejected))
}

/// Analyses, checks and records one job's package: the release's id and a
/// note for people (a requested move that was refused), or why not.
async fn process(
    state: &AppState,
    lease: &Lease,
    job: &ScanJob,
    policy: Option<&Policy>,
) -> Result<(String, Option<String>), Stop> {
    lease.enter(stage::ANALYSING).await?;
    let store = &state.store;
    // An earlier attempt may have recorded the release and died before
    // marking the job done: link it (a first attempt that finds one is a
    // duplicate upload, which the upload refuses; a race between two
    // uploads of one package ends here too).
    if let Some(r) = existing_release(store, job).await? {
        if job.attempts > 1 {
            let note = request_move(state, job, &r.id).await;
            return Ok((r.id, note));
        }
        return Err(Stop::Fail(format!(
            "此安装包已登记为版本 {} / this package is already release {} of the app",
            r.id, r.id
        )));
    }
    let mut facts = analyse(state, lease, job).await?;
    if let Some(e) = &facts.error {
        return Err(Stop::Fail(format!(
            "无法分析此安装包 / the package cannot be analysed: {e}"
        )));
    }
    lease.enter(stage::CHECKING).await?;
    let knowledge = state.knowledge.clone();
    let policy = policy.cloned();
    let (facts, analysis) = tokio::task::spawn_blocking(move || {
        let analysis = appgov_workflow::check_facts(
            &mut facts,
            &knowledge,
            policy.as_ref(),
            &appgov_workflow::today_cn(),
        );
        (facts, analysis)
    })
    .await
    .map_err(|e| Stop::Retry(format!("the checks stopped: {e}")))?;
    if let Some(e) = &facts.error {
        return Err(Stop::Fail(e.clone()));
    }
    lease.enter(stage::RECORDING).await?;
    let recorded = appgov_workflow::releases::record_release(
        store,
        &job.requested_by,
        &job.app_id,
        &facts,
        &analysis,
    )
    .await;
    let release_id = match recorded {
        Ok(r) => r.release.id,
        Err(WorkflowError::Refused(m)) => {
            // Recorded meanwhile (this job's lost attempt, or a twin upload).
            match existing_release(store, job).await? {
                Some(r) if job.attempts > 1 => r.id,
                _ => return Err(Stop::Fail(m.to_string())),
            }
        }
        Err(WorkflowError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(Stop::Fail(e.to_string())),
    };
    let note = request_move(state, job, &release_id).await;
    Ok((release_id, note))
}

/// The move the upload asked for (once: a re-run finds it requested).
/// A refusal does not undo the release; it is noted on the job.
async fn request_move(state: &AppState, job: &ScanJob, release_id: &str) -> Option<String> {
    let to = job.request_move.as_deref()?;
    let already = state
        .store
        .find::<Transition>("object_id", release_id)
        .await
        .ok()?
        .into_iter()
        .any(|t| t.to_state == to && t.status != TransitionStatus::Rejected);
    if already {
        return None;
    }
    match appgov_workflow::moves::request_release_move(
        &state.store,
        &job.requested_by,
        release_id,
        to,
        &format!(
            "上传时申请 / requested with the upload (scan job {})",
            job.id
        ),
    )
    .await
    {
        Ok(_) => None,
        Err(e) => Some(format!(
            "版本已登记，但申请的状态变更未能提交 / the release is recorded, but the requested move to {to} was refused: {e}"
        )),
    }
}

/// Runs `appgov internal-scan` on the package under the limits and reads
/// the facts it wrote.
async fn analyse(state: &AppState, lease: &Lease, job: &ScanJob) -> Result<Facts, Stop> {
    let files = state.store.files();
    let input = files.path(&job.package_sha256).map_err(|e| {
        Stop::Fail(format!(
            "上传的安装包已不在文件库中 / the uploaded package is gone from the file store: {e}"
        ))
    })?;
    let out = files.scratch_path(&format!("facts-{}-{}.json", job.id, job.attempts));
    let program = match &state.config.scanner {
        Some(p) => p.clone(),
        None => std::env::current_exe()
            .map_err(|e| Stop::Fail(format!("cannot find the appgov program to scan with: {e}")))?,
    };
    let memory = state.config.scan_memory_mib;
    let limit = Duration::from_secs(state.config.scan_timeout_secs.max(1));
    let mut cmd = tokio::process::Command::new(&program);
    cmd.arg("internal-scan")
        .arg("--input")
        .arg(&input)
        .arg("--name")
        .arg(&job.file_name)
        .arg("--out")
        .arg(&out)
        .arg("--max-memory-mib")
        .arg(memory.to_string())
        .arg("--parent-pid")
        .arg(std::process::id().to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    // Spawned from a runtime worker thread, which lives as long as the
    // server: the child's parent-death signal follows the spawning
    // thread, not the process, so never spawn it from a blocking-pool
    // thread (those end when idle).
    let mut child = cmd.spawn().map_err(|e| {
        Stop::Fail(format!(
            "cannot start the analyser {}: {e}",
            program.display()
        ))
    })?;
    let stderr = child.stderr.take();
    // Read standard error as it comes (a full pipe would stall the
    // child), keeping only its start.
    let errors = tokio::spawn(async move {
        let mut kept = Vec::new();
        if let Some(mut s) = stderr {
            let _ = (&mut s).take(STDERR_LIMIT).read_to_end(&mut kept).await;
            let _ = tokio::io::copy(&mut s, &mut tokio::io::sink()).await;
        }
        String::from_utf8_lossy(&kept).into_owned()
    });
    let deadline = tokio::time::Instant::now() + limit;
    let status = loop {
        tokio::select! {
            s = child.wait() => break Some(s),
            _ = tokio::time::sleep_until(deadline) => break None,
            // Given away (this server was too slow to renew): stop at once.
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                if lease.lost() {
                    let _ = child.start_kill();
                    let _ = child.wait().await;
                    let _ = std::fs::remove_file(&out);
                    return Err(Stop::Lost);
                }
            }
        }
    };
    let Some(status) = status else {
        // SIGKILL to the child's PID; then reap it.
        let _ = child.start_kill();
        let _ = child.wait().await;
        let _ = std::fs::remove_file(&out);
        return Err(Stop::Fail(format!(
            "分析超过时限（{} 秒），已终止 / analysis exceeded the time limit of {} s and was stopped (scan_timeout_secs)",
            limit.as_secs(),
            limit.as_secs()
        )));
    };
    let status = status.map_err(|e| Stop::Retry(format!("cannot wait for the analyser: {e}")))?;
    let stderr = errors.await.unwrap_or_default();
    if !status.success() {
        let _ = std::fs::remove_file(&out);
        return Err(child_failure(status, &stderr, memory));
    }
    let read = tokio::fs::read(&out).await;
    let _ = tokio::fs::remove_file(&out).await;
    let bytes = read.map_err(|e| Stop::Retry(format!("the analyser wrote no facts: {e}")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Stop::Retry(format!("the analyser's facts are unreadable: {e}")))
}

/// Why the analyser's process ended badly, in words.
fn child_failure(status: std::process::ExitStatus, stderr: &str, memory_mib: u64) -> Stop {
    #[cfg(unix)]
    let signal = std::os::unix::process::ExitStatusExt::signal(&status);
    #[cfg(not(unix))]
    let signal: Option<i32> = None;
    if stderr.contains("memory allocation of") || stderr.contains("out of memory") {
        return Stop::Fail(format!(
            "分析超出内存上限（{memory_mib} MiB），已终止 / analysis exceeded the memory limit of {memory_mib} MiB and was stopped (scan_memory_mib)"
        ));
    }
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    match signal {
        // Killed from outside (the system's out-of-memory killer, say):
        // might not happen again.
        Some(sig) => Stop::Retry(format!(
            "the analyser stopped abnormally (signal {sig}){}",
            if last.is_empty() {
                String::new()
            } else {
                format!(": {last}")
            }
        )),
        None => Stop::Retry(format!(
            "the analyser failed (exit status {}){}",
            status.code().unwrap_or(-1),
            if last.is_empty() {
                String::new()
            } else {
                format!(": {last}")
            }
        )),
    }
}

/// A finished job's release as people and CI see it.
pub struct Outcome {
    pub release: Release,
    pub findings: Vec<ReleaseFinding>,
    pub sdks: Vec<SdkUsage>,
    pub continuity_alerts: Vec<ContinuityAlert>,
}

/// The release a done job recorded, with its findings (worst first), SDKs
/// and certificate-continuity alerts; None while there is none.
pub async fn outcome(store: &Store, job: &ScanJob) -> Result<Option<Outcome>, StoreError> {
    let Some(id) = job.release_id.as_deref() else {
        return Ok(None);
    };
    let Some(release) = store.get::<Release>(id).await? else {
        return Ok(None);
    };
    let mut findings = store.find::<ReleaseFinding>("release_id", id).await?;
    findings.sort_by_key(|f| (severity_rank(&f.severity), f.rule.clone()));
    let mut sdks = store.find::<SdkUsage>("release_id", id).await?;
    sdks.sort_by(|a, b| a.name.cmp(&b.name));
    let snapshot = store.app_snapshot(&release.app_id).await?;
    let continuity_alerts = certificate_continuity(&snapshot)
        .into_iter()
        .filter(|c| c.release_id == release.id)
        .collect();
    Ok(Some(Outcome {
        release,
        findings,
        sdks,
        continuity_alerts,
    }))
}

/// Worst first.
pub fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 0,
        "high" => 1,
        "medium" => 2,
        "low" => 3,
        _ => 4,
    }
}

/// Whether the findings pass a `fail_on` threshold: none in force at or
/// above it (as `appgov scan --fail-on`).
pub fn passes(findings: &[ReleaseFinding], fail_on: appgov_checks::Severity) -> bool {
    !findings
        .iter()
        .any(|f| appgov_checks::Severity::parse(&f.severity).is_some_and(|s| s.at_least(fail_on)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: &str) -> ReleaseFinding {
        ReleaseFinding {
            id: String::new(),
            release_id: String::new(),
            rule: "PKG-001".into(),
            severity: severity.into(),
            title: String::new(),
            location: None,
            version: 1,
        }
    }

    #[test]
    fn pass_follows_the_threshold() {
        use appgov_checks::Severity;
        let f = vec![finding("medium"), finding("high")];
        assert!(!passes(&f, Severity::High));
        assert!(!passes(&f, Severity::Medium));
        assert!(passes(&f, Severity::Critical));
        assert!(passes(&[], Severity::Low));
    }

    #[test]
    fn limits_are_named_in_the_message() {
        use std::os::unix::process::ExitStatusExt;
        let aborted = std::process::ExitStatus::from_raw(6);
        match child_failure(aborted, "memory allocation of 4096 bytes failed\n", 64) {
            Stop::Fail(m) => assert!(m.contains("memory limit of 64 MiB"), "{m}"),
            other => panic!("{other:?}"),
        }
        match child_failure(std::process::ExitStatus::from_raw(9), "", 64) {
            Stop::Retry(m) => assert!(m.contains("signal 9"), "{m}"),
            other => panic!("{other:?}"),
        }
        match child_failure(
            std::process::ExitStatus::from_raw(2 << 8),
            "appgov: error: cannot write\n",
            64,
        ) {
            Stop::Retry(m) => assert!(
                m.contains("(exit status 2): appgov: error: cannot write"),
                "{m}"
            ),
            other => panic!("{other:?}"),
        }
    }
}
