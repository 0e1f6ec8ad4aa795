//! `appgov serve`: the web platform.
//!
//! One process: axum on tokio serves the pages (server-rendered, Chinese
//! first) and the REST API, and runs the background scan workers. State
//! lives in the store (SQLite in the data directory by default, PostgreSQL
//! by URL); nothing is kept only in memory that a restart would lose.
//!
//! Layout: `auth` (who is asking and may they), `pages/*` (HTML), `api/*`
//! (JSON + OpenAPI), `render` + `i18n` (templates and words), `assets`
//! (compiled-in static files), `config`, `state`, `error`.

pub mod accounts;
pub mod api;
pub mod assets;
pub mod auth;
pub mod compliance;
pub mod config;
pub mod error;
pub mod i18n;
pub mod jobs;
pub mod limits;
pub mod oidc;
pub mod pages;
pub mod policy;
pub mod refusal;
pub mod render;
pub mod reports;
pub mod routes;
pub mod state;
pub mod upload;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;

use appgov_knowledge::Knowledge;
use appgov_store::{Store, StoreConfig};
use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

pub use config::ServerConfig;
pub use policy::current_policy;
use state::AppState;

/// The headers every answer carries: no framing, no sniffing, no inline
/// script or style (templates use none), no referrer to other sites.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// Builds the router over a state.
pub fn router(state: AppState) -> Router {
    let docs = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", api::ApiDoc::openapi_spec());
    routes::table(&state)
        .merge(docs)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::resolve,
        ))
        // Forms and JSON; the upload routes raise it (routes::body_limit).
        .layer(axum::extract::DefaultBodyLimit::max(limits::FORM_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .with_state(state)
}

impl api::ApiDoc {
    pub fn openapi_spec() -> utoipa::openapi::OpenApi {
        <api::ApiDoc as utoipa::OpenApi>::openapi()
    }
}

/// Opens the store and builds the state.
pub async fn build(config: ServerConfig) -> anyhow::Result<AppState> {
    config.validate()?;
    let store = Store::open(&StoreConfig {
        data_dir: config.data_dir.clone(),
        database_url: config.database_url.clone(),
    })
    .await?;
    let messages = i18n::Messages::builtin().map_err(anyhow::Error::msg)?;
    let templates = render::environment()?;
    let knowledge = Arc::new(Knowledge::builtin()?);
    let engine = Arc::new(appgov_workflow::compliance::Engine::builtin()?);
    let origin = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.bind));
    Ok(AppState::new(
        store,
        config,
        messages,
        templates,
        knowledge,
        engine,
        origin.trim_end_matches('/').to_string(),
    ))
}

/// Runs the server until SIGINT or SIGTERM. Prints its URL (and, when no
/// account exists yet, the one-time setup link) on standard output.
pub async fn serve(config: ServerConfig) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
    let local = listener.local_addr()?;
    let mut config = config;
    // Port 0 asks the system for a port: report (and judge origins by) the real one.
    config.bind = local.to_string();
    let state = build(config).await?;
    // Partial uploads and scan outputs of a process that died an hour or
    // more ago: nothing refers to them.
    state
        .store
        .files()
        .sweep_incoming(std::time::Duration::from_secs(3600));
    // The recurring obligations, planned now and once a day after.
    state
        .refresh_compliance()
        .await
        .map_err(|f| anyhow::anyhow!("planning obligations: {}", f.message()))?;
    let ticker = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            every.tick().await;
            if let Err(f) = ticker.refresh_compliance().await {
                eprintln!("appgov serve: planning obligations: {}", f.message());
            }
            match ticker.send_notices().await {
                Ok(Some(sent)) => {
                    eprintln!(
                        "appgov serve: compliance notices owed {}, messages delivered {}",
                        sent.notices, sent.delivered
                    );
                    for f in &sent.failed {
                        eprintln!("appgov serve: notice delivery failed: {f}");
                    }
                }
                Ok(None) => {}
                Err(e) => eprintln!("appgov serve: compliance notices: {e}"),
            }
        }
    });
    let workers = jobs::start(&state);
    let app = router(state.clone());
    let base = state.origin.clone();
    println!("appgov serve: listening on http://{local}/");
    if state.config.public_url.is_some() {
        println!("appgov serve: public URL {base}/");
    }
    if let Some(token) = auth::setup_token(&state)
        .await
        .map_err(|f| anyhow::anyhow!(f.message()))?
    {
        println!(
            "appgov serve: no accounts yet — create the first administrator (link works once): {base}/setup?token={token}"
        );
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    // On SIGTERM/SIGINT: stop accepting, tell long waits to answer now
    // (`?wait=` calls answer 503 with their job), and give the requests
    // in flight SHUTDOWN_GRACE to finish — an upload still streaming in is
    // cut off then rather than holding the stop up.
    let (signalled, stop_started) = tokio::sync::oneshot::channel::<()>();
    let stopping = state.clone();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        stopping.stopping.send_replace(true);
        let _ = signalled.send(());
    });
    tokio::select! {
        r = server => r?,
        _ = async {
            if stop_started.await.is_ok() {
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => {
            eprintln!(
                "appgov serve: requests still open after {} s; stopping anyway",
                SHUTDOWN_GRACE.as_secs()
            );
        }
    }
    // Jobs in progress go back to the queue for the next start.
    workers.stop().await;
    state.store.close().await;
    Ok(())
}

/// How long requests in flight may take to finish once a stop is asked.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
