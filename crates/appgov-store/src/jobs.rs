//! The scan queue: uploaded packages waiting for, in, or done with
//! analysis. A job is claimed with a lease; a worker that dies leaves its
//! lease to expire and the job is claimed again (after a restart, or by
//! another worker). Claiming is one conditional UPDATE, so two workers
//! never hold the same job.

use serde::Serialize;
use sqlx::Row;

use crate::{Result, Store};

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        [
            JobState::Queued,
            JobState::Running,
            JobState::Done,
            JobState::Failed,
        ]
        .into_iter()
        .find(|j| j.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            JobState::Queued => "排队中",
            JobState::Running => "分析中",
            JobState::Done => "已完成",
            JobState::Failed => "失败",
        }
    }
}

/// One scan job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanJob {
    pub id: String,
    pub app_id: String,
    /// The package, in the file store.
    pub package_sha256: String,
    pub file_name: String,
    pub size: i64,
    pub requested_by: String,
    pub requested_at: String,
    pub state: JobState,
    pub attempts: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// What the worker is doing now (for the progress display).
    pub stage: Option<String>,
    pub error: Option<String>,
    /// The release recorded from the package.
    pub release_id: Option<String>,
    /// A release state to request once recorded (a CI upload asking for
    /// `in_test`, say).
    pub request_move: Option<String>,
    /// `web` or `api`.
    pub source: String,
}

const COLUMNS: &str = "id, app_id, package_sha256, file_name, size, requested_by, requested_at, state, attempts, lease_owner, lease_until, started_at, finished_at, stage, error, release_id, request_move, source";

fn decode<R: Row>(r: &R) -> Result<ScanJob>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let state: String = r.try_get("state")?;
    Ok(ScanJob {
        id: r.try_get("id")?,
        app_id: r.try_get("app_id")?,
        package_sha256: r.try_get("package_sha256")?,
        file_name: r.try_get("file_name")?,
        size: r.try_get("size")?,
        requested_by: r.try_get("requested_by")?,
        requested_at: r.try_get("requested_at")?,
        state: JobState::parse(&state).unwrap_or(JobState::Failed),
        attempts: r.try_get("attempts")?,
        lease_owner: r.try_get("lease_owner")?,
        lease_until: r.try_get("lease_until")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
        stage: r.try_get("stage")?,
        error: r.try_get("error")?,
        release_id: r.try_get("release_id")?,
        request_move: r.try_get("request_move")?,
        source: r.try_get("source")?,
    })
}

/// A new job's request.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub app_id: String,
    pub package_sha256: String,
    pub file_name: String,
    pub size: i64,
    pub requested_by: String,
    pub request_move: Option<String>,
    pub source: String,
}

impl Store {
    /// Queues a job (the package must already be in the file store).
    pub async fn enqueue_scan(&self, j: &NewJob) -> Result<ScanJob> {
        let id = crate::new_id();
        let at = crate::now();
        crate::both!(&self.pool, p => {
            sqlx::query("INSERT INTO scan_job (id, app_id, package_sha256, file_name, size, requested_by, requested_at, state, attempts, source, request_move) VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $9)")
                .bind(&id)
                .bind(&j.app_id)
                .bind(&j.package_sha256)
                .bind(&j.file_name)
                .bind(j.size)
                .bind(&j.requested_by)
                .bind(&at)
                .bind(&j.source)
                .bind(&j.request_move)
                .execute(p)
                .await
                .map_err(|e| crate::classify("scan_job", e))?;
        });
        Ok(self.scan_job(&id).await?.expect("just inserted"))
    }

    pub async fn scan_job(&self, id: &str) -> Result<Option<ScanJob>> {
        let sql = format!("SELECT {COLUMNS} FROM scan_job WHERE id = $1");
        crate::both!(&self.pool, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?;
            row.as_ref().map(decode).transpose()
        })
    }

    /// The jobs of an app, newest first.
    pub async fn scan_jobs_of_app(&self, app_id: &str, limit: i64) -> Result<Vec<ScanJob>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM scan_job WHERE app_id = $1 ORDER BY requested_at DESC, id DESC LIMIT {}",
            limit.clamp(1, 1000)
        );
        crate::both!(&self.pool, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(app_id).fetch_all(p).await?;
            rows.iter().map(decode).collect()
        })
    }

    /// Jobs not finished (queued or running), oldest first.
    pub async fn unfinished_scans(&self, limit: i64) -> Result<Vec<ScanJob>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM scan_job WHERE state IN ('queued', 'running') ORDER BY requested_at, id LIMIT {}",
            limit.clamp(1, 10_000)
        );
        crate::both!(&self.pool, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?;
            rows.iter().map(decode).collect()
        })
    }

    /// Claims the oldest job that is queued, or running under a lease that
    /// expired before `now`, for `worker` until `lease_until`. Jobs tried
    /// `max_attempts` times are marked failed instead.
    pub async fn claim_scan(
        &self,
        worker: &str,
        now: &str,
        lease_until: &str,
        max_attempts: i64,
    ) -> Result<Option<ScanJob>> {
        loop {
            let candidate: Option<(String, i64)> = crate::both!(&self.pool, p => {
                sqlx::query_as("SELECT id, attempts FROM scan_job WHERE state = 'queued' OR (state = 'running' AND lease_until < $1) ORDER BY requested_at, id LIMIT 1")
                    .bind(now)
                    .fetch_optional(p)
                    .await?
            });
            let Some((id, attempts)) = candidate else {
                return Ok(None);
            };
            if attempts >= max_attempts {
                // Died under analysis this many times: a package that kills
                // its worker (by memory or time) fails, it does not loop.
                self.finish_scan(
                    &id,
                    None,
                    JobState::Failed,
                    Some(&format!(
                        "analysis did not finish after {attempts} attempts (the worker stopped each time)"
                    )),
                    None,
                )
                .await?;
                continue;
            }
            // The same condition again: only one claimer's UPDATE matches.
            let claimed = crate::both!(&self.pool, p => {
                sqlx::query("UPDATE scan_job SET state = 'running', attempts = attempts + 1, lease_owner = $2, lease_until = $3, started_at = COALESCE(started_at, $4), stage = 'queued' WHERE id = $1 AND attempts = $5 AND (state = 'queued' OR (state = 'running' AND lease_until < $4))")
                    .bind(&id)
                    .bind(worker)
                    .bind(lease_until)
                    .bind(now)
                    .bind(attempts)
                    .execute(p)
                    .await?
                    .rows_affected()
            });
            if claimed == 1 {
                return self.scan_job(&id).await;
            }
        }
    }

    /// Extends a lease and records the stage; false if the job is no
    /// longer this worker's (its lease expired and another took it).
    pub async fn heartbeat_scan(
        &self,
        id: &str,
        worker: &str,
        lease_until: &str,
        stage: &str,
    ) -> Result<bool> {
        crate::both!(&self.pool, p => {
            Ok(sqlx::query("UPDATE scan_job SET lease_until = $3, stage = $4 WHERE id = $1 AND lease_owner = $2 AND state = 'running'")
                .bind(id)
                .bind(worker)
                .bind(lease_until)
                .bind(stage)
                .execute(p)
                .await?
                .rows_affected()
                == 1)
        })
    }

    /// Gives a job back to the queue for another attempt (its analysis
    /// stopped abnormally in a way that may not recur), noting why; only if
    /// the job is still `worker`'s. Its attempts count on, so a package that
    /// always stops its analysis still fails after the maximum.
    pub async fn requeue_scan(&self, id: &str, worker: &str, note: &str) -> Result<bool> {
        crate::both!(&self.pool, p => {
            Ok(sqlx::query("UPDATE scan_job SET state = 'queued', lease_owner = NULL, lease_until = NULL, stage = 'queued', error = $3 WHERE id = $1 AND lease_owner = $2 AND state = 'running'")
                .bind(id)
                .bind(worker)
                .bind(note)
                .execute(p)
                .await?
                .rows_affected()
                == 1)
        })
    }

    /// Gives a job back untouched by this attempt (its server is shutting
    /// down in order): queued again at once, the attempt not counted.
    pub async fn return_scan(&self, id: &str, worker: &str) -> Result<bool> {
        crate::both!(&self.pool, p => {
            Ok(sqlx::query("UPDATE scan_job SET state = 'queued', attempts = attempts - 1, lease_owner = NULL, lease_until = NULL, stage = 'queued' WHERE id = $1 AND lease_owner = $2 AND state = 'running'")
                .bind(id)
                .bind(worker)
                .execute(p)
                .await?
                .rows_affected()
                == 1)
        })
    }

    /// Marks a job done or failed. With `worker`, only if the job is still
    /// that worker's; returns whether it was marked.
    pub async fn finish_scan(
        &self,
        id: &str,
        worker: Option<&str>,
        state: JobState,
        error: Option<&str>,
        release_id: Option<&str>,
    ) -> Result<bool> {
        let at = crate::now();
        crate::both!(&self.pool, p => {
            Ok(sqlx::query("UPDATE scan_job SET state = $2, error = $3, release_id = $4, finished_at = $5, lease_until = NULL, stage = $2 WHERE id = $1 AND ($6 IS NULL OR lease_owner = $6)")
                .bind(id)
                .bind(state.as_str())
                .bind(error)
                .bind(release_id)
                .bind(&at)
                .bind(worker)
                .execute(p)
                .await?
                .rows_affected()
                == 1)
        })
    }
}
