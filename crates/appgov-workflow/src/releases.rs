//! A package becoming a release of an app.

use appgov_checks::Analysis;
use appgov_facts::Facts;
use appgov_ledger::model::*;
use appgov_ledger::views::{ContinuityAlert, certificate_continuity};
use appgov_ledger::{AppState, ReleaseState};
use appgov_store::Store;
use serde::Serialize;

use crate::{Refusal, Result, WorkflowError};

/// What recording a release wrote.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRelease {
    pub release: Release,
    pub findings: Vec<ReleaseFinding>,
    pub sdks: Vec<SdkUsage>,
    /// The release's signer is not one the app's identities know.
    pub continuity_alerts: Vec<ContinuityAlert>,
    /// The filing update a change of signer, domains or SDKs opened
    /// (article 11): what is filed no longer matches what ships.
    pub filing_updates: Vec<appgov_ledger::Obligation>,
}

/// Refuses apps that take no more releases.
pub fn accepts_releases(app: &App) -> Result<()> {
    if matches!(
        app.state,
        AppState::Rejected | AppState::Retired | AppState::Archived
    ) {
        return Err(WorkflowError::Refused(Refusal::NoNewReleases {
            app: app.name.clone(),
            state: app.state,
        }));
    }
    Ok(())
}

/// Records an analysed package as a release of `app_id`: the facts go into
/// the file store beside the package (which the caller has stored, under
/// `facts.input.sha256`), the release, its findings and SDKs into the
/// ledger in one transaction. A package already recorded for the app (and
/// not rejected) is refused.
pub async fn record_release(
    store: &Store,
    actor: &str,
    app_id: &str,
    facts: &Facts,
    analysis: &Analysis,
) -> Result<RecordedRelease> {
    if let Some(e) = &facts.error {
        return Err(WorkflowError::Invalid(format!(
            "{}: cannot be analysed: {e}",
            facts.input.file_name
        )));
    }
    let app: App = store
        .get(app_id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no app {app_id}")))?;
    accepts_releases(&app)?;
    let ingested =
        appgov_ledger::ingest::release_records(facts, analysis, &app.id, &mut appgov_store::new_id)
            .map_err(|e| WorkflowError::Invalid(e.to_string()))?;
    if let Some(dup) = store
        .find::<Release>("artifact_sha256", &ingested.release.artifact_sha256)
        .await?
        .into_iter()
        .find(|r| r.app_id == app.id && r.state != ReleaseState::Rejected)
    {
        return Err(WorkflowError::Refused(Refusal::DuplicatePackage {
            sha256: dup.artifact_sha256,
            release_id: dup.id,
            app: app.name,
        }));
    }
    if !store.files().contains(&ingested.release.artifact_sha256) {
        return Err(WorkflowError::Invalid(format!(
            "the package {} is not in the file store",
            ingested.release.artifact_sha256
        )));
    }
    // Files first: a crash after this leaves an unreferenced file, never a
    // release without its facts.
    let facts_sha = store.files().put(&serde_json::to_vec(facts)?)?;
    let mut release = ingested.release;
    release.facts_sha256 = Some(facts_sha);
    release.analyser_version = Some(env!("CARGO_PKG_VERSION").to_string());
    let mut tx = store.write(actor).await?;
    tx.insert(&mut release).await?;
    let mut findings = ingested.findings;
    for f in &mut findings {
        f.release_id = release.id.clone();
        tx.insert(f).await?;
    }
    let mut sdks = ingested.sdks;
    for u in &mut sdks {
        u.release_id = release.id.clone();
        tx.insert(u).await?;
    }
    tx.commit().await?;
    let snapshot = store.app_snapshot(&app.id).await?;
    let continuity_alerts = certificate_continuity(&snapshot)
        .into_iter()
        .filter(|c| c.release_id == release.id)
        .collect();
    let filing_updates = filing_change(store, actor, &app, &release, &sdks).await?;
    Ok(RecordedRelease {
        release,
        findings,
        sdks,
        continuity_alerts,
        filing_updates,
    })
}

/// Compares a new release with the app's previous one (the newest other
/// release not rejected) and, when the signer, the domains or the SDKs
/// changed, opens the filing update the notice's article 11 requires.
async fn filing_change(
    store: &Store,
    actor: &str,
    app: &App,
    release: &Release,
    sdks: &[appgov_ledger::SdkUsage],
) -> Result<Vec<appgov_ledger::Obligation>> {
    let previous = store
        .find::<Release>("app_id", &app.id)
        .await?
        .into_iter()
        .filter(|r| r.id != release.id && r.id < release.id && r.state != ReleaseState::Rejected)
        .max_by(|a, b| a.id.cmp(&b.id));
    let Some(prev) = previous else {
        return Ok(Vec::new());
    };
    let mut zh = Vec::new();
    let mut en = Vec::new();
    if prev.signer_sha256 != release.signer_sha256 {
        zh.push("签名证书变更".to_string());
        en.push("signing certificate changed".to_string());
    }
    let new_domains: Vec<&String> = release
        .domains
        .iter()
        .filter(|d| !prev.domains.contains(d))
        .collect();
    if !new_domains.is_empty() {
        let list = new_domains
            .iter()
            .take(5)
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        zh.push(format!("新增域名 {list}"));
        en.push(format!("new domains {list}"));
    }
    let before: std::collections::BTreeSet<String> = store
        .find::<appgov_ledger::SdkUsage>("release_id", &prev.id)
        .await?
        .into_iter()
        .map(|u| u.sdk)
        .collect();
    let added: Vec<&str> = sdks
        .iter()
        .filter(|u| !before.contains(&u.sdk))
        .map(|u| u.name.as_str())
        .collect();
    if !added.is_empty() {
        let list = added.iter().take(5).copied().collect::<Vec<_>>().join(", ");
        zh.push(format!("新增SDK {list}"));
        en.push(format!("new SDKs {list}"));
    }
    if zh.is_empty() {
        return Ok(Vec::new());
    }
    let engine = crate::compliance::Engine::builtin()?;
    let today = appgov_calendar::parse_date(&crate::today_cn())
        .ok_or_else(|| WorkflowError::Invalid("today is not a date".into()))?;
    crate::compliance::record_filing_change(
        store,
        &engine,
        actor,
        &app.id,
        &release.id,
        &zh.join("；"),
        &en.join("; "),
        today,
    )
    .await
}
