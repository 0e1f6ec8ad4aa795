//! What every handler shares: the store, the configuration, the message
//! catalog, the templates, the analyser's knowledge, and a short-lived copy
//! of the org tree (for access scopes).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use appgov_access::OrgTree;
use appgov_knowledge::Knowledge;
use appgov_ledger::model::OrgNode;
use appgov_store::Store;
use appgov_workflow::compliance::Engine;

use crate::config::ServerConfig;
use crate::i18n::Messages;

#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

pub struct Shared {
    pub store: Store,
    pub config: ServerConfig,
    pub messages: Messages,
    pub templates: minijinja::Environment<'static>,
    pub knowledge: Arc<Knowledge>,
    /// The compliance engine's library and holiday calendar, parsed once.
    pub engine: Arc<Engine>,
    /// The Beijing date the recurring obligations were last planned on.
    pub refreshed_on: tokio::sync::Mutex<Option<String>>,
    /// The Beijing date every notice owed was delivered on.
    pub notified_on: tokio::sync::Mutex<Option<String>>,
    /// The server's own origin (`http://127.0.0.1:8080`, or the public URL's).
    pub origin: String,
    /// Wakes an idle scan worker when a job is queued.
    pub scan_wakeup: tokio::sync::Notify,
    /// Wakes everyone waiting for a scan of this server to end.
    pub scan_finished: tokio::sync::Notify,
    /// Turns true when the server begins to stop: long waits end at once.
    pub stopping: tokio::sync::watch::Sender<bool>,
    /// Report renderings (PDF is CPU-heavy) running at once: a burst of
    /// downloads queues here instead of taking every core.
    pub report_slots: tokio::sync::Semaphore,
    orgs: Mutex<Option<(Instant, Arc<OrgCache>)>>,
}

/// The org tree and its nodes, as of a moment.
pub struct OrgCache {
    pub nodes: Vec<OrgNode>,
    pub tree: OrgTree,
}

/// How long a read of the org tree is reused: changes made through this
/// server clear it at once; those made elsewhere (the CLI, another server)
/// show after this.
const ORG_CACHE_TTL: Duration = Duration::from_secs(10);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(
        store: Store,
        config: ServerConfig,
        messages: Messages,
        templates: minijinja::Environment<'static>,
        knowledge: Arc<Knowledge>,
        engine: Arc<Engine>,
        origin: String,
    ) -> AppState {
        AppState(Arc::new(Shared {
            store,
            config,
            messages,
            templates,
            knowledge,
            engine,
            refreshed_on: tokio::sync::Mutex::new(None),
            notified_on: tokio::sync::Mutex::new(None),
            origin,
            scan_wakeup: tokio::sync::Notify::new(),
            scan_finished: tokio::sync::Notify::new(),
            stopping: tokio::sync::watch::channel(false).0,
            report_slots: tokio::sync::Semaphore::new(crate::reports::slots()),
            orgs: Mutex::new(None),
        }))
    }

    /// The org tree (cached briefly).
    pub async fn orgs(&self) -> Result<Arc<OrgCache>, appgov_store::StoreError> {
        if let Some((at, c)) = self.orgs.lock().expect("org cache lock").as_ref()
            && at.elapsed() < ORG_CACHE_TTL
        {
            return Ok(c.clone());
        }
        let nodes = self.store.all::<OrgNode>().await?;
        let c = Arc::new(OrgCache {
            tree: OrgTree::new(&nodes),
            nodes,
        });
        *self.orgs.lock().expect("org cache lock") = Some((Instant::now(), c.clone()));
        Ok(c)
    }

    /// Plans the recurring obligations once per Beijing day (at start-up,
    /// on the daily tick, and lazily from the compliance pages), so every
    /// duty of every app in use has its open instance.
    pub async fn refresh_compliance(&self) -> Result<(), crate::error::Failure> {
        let today = appgov_workflow::today_cn();
        let mut last = self.refreshed_on.lock().await;
        if last.as_deref() == Some(today.as_str()) {
            return Ok(());
        }
        let date = appgov_calendar::parse_date(&today)
            .ok_or_else(|| crate::error::Failure::Internal(format!("today {today:?}")))?;
        appgov_workflow::compliance::refresh(&self.store, &self.engine, "appgov serve", date)
            .await?;
        *last = Some(today);
        Ok(())
    }

    /// Sends the compliance notices owed today, once the day's sending
    /// time (Beijing) has come, when `[notify]` is configured. Each notice
    /// is recorded on its obligation when delivered, so a restart or a
    /// second server sends nothing twice; a day with a failed channel is
    /// tried again on the next tick for what is still owed.
    pub async fn send_notices(&self) -> Result<Option<appgov_workflow::notify::Sent>, String> {
        let Some(cfg) = &self.config.notify else {
            return Ok(None);
        };
        let now = appgov_workflow::clock::beijing(&appgov_workflow::now_rfc3339());
        let (today, time) = now.split_once(' ').unwrap_or((now.as_str(), "00:00"));
        let minutes = time
            .split_once(':')
            .and_then(|(h, m)| Some(h.parse::<u32>().ok()? * 60 + m.parse::<u32>().ok()?))
            .unwrap_or(0);
        if minutes < cfg.send_from_minutes() {
            return Ok(None);
        }
        let mut last = self.notified_on.lock().await;
        if last.as_deref() == Some(today) {
            return Ok(None);
        }
        let date = appgov_calendar::parse_date(today).ok_or_else(|| format!("today {today:?}"))?;
        let mut cfg = cfg.clone();
        if cfg.public_url.is_none() {
            cfg.public_url = Some(self.origin.clone());
        }
        let sent =
            appgov_workflow::notify::run(&self.store, &self.engine, &cfg, "appgov serve", date)
                .await
                .map_err(|e| e.to_string())?;
        if sent.failed.is_empty() {
            *last = Some(today.to_string());
        }
        Ok(Some(sent))
    }

    /// Plans again on the next request (after a change that may owe
    /// new duties: an app entering or leaving service).
    pub async fn compliance_changed(&self) {
        *self.refreshed_on.lock().await = None;
    }

    /// Forgets the cached org tree (after changing it).
    pub fn orgs_changed(&self) {
        *self.orgs.lock().expect("org cache lock") = None;
    }
}
