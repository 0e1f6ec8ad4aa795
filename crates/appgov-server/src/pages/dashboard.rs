//! The dashboard: the ledger at a glance for the viewer's scope.

use appgov_access::Action;
use appgov_store::AppQuery;
use axum::extract::State;
use axum::response::Html;
use minijinja::context;

use crate::auth::Viewer;
use crate::error::PageError;
use crate::render;
use crate::state::AppState;

pub async fn dashboard(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Html<String>, PageError> {
    let p = viewer.require()?;
    let orgs = state.orgs().await?;
    let within = p.scopes_for(Action::View).map(|roots| {
        roots
            .iter()
            .flat_map(|r| orgs.tree.subtree(r))
            .collect::<Vec<_>>()
    });
    let page = state
        .store
        .list_apps(&AppQuery {
            within_orgs: within,
            limit: 1,
            ..Default::default()
        })
        .await?;
    render::page(
        &state,
        &viewer,
        "dashboard.html",
        context! { apps_total => page.total },
    )
}
