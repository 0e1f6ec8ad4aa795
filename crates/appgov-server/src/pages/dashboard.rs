//! The dashboard: the ledger at a glance for the viewer's scope — apps by
//! form, state and department (bar charts drawn on the server as SVG, each
//! with its numbers as a table for screen readers), the compliance panel
//! (overdue and due-soon obligations, open major incidents and counterfeit
//! cases, complaints past due, the matrix in counts), open high findings of
//! current releases, moves waiting for the viewer, recent releases.

use std::collections::{BTreeMap, HashMap};

use appgov_access::Action;
use appgov_ledger::model::{App, Release};
use appgov_ledger::views::current_release;
use appgov_ledger::{AppForm, AppState, ReleaseState};
use appgov_store::AppGroup;
use axum::extract::State;
use axum::response::Html;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;

use crate::auth::Viewer;
use crate::error::{Failure, PageError};
use crate::i18n::Lang;
use crate::render;
use crate::state::AppState as Shared;
use crate::views::{self, app_state_label, release_state_label, visible_orgs};

/// Bars drawn per chart (the rest summed as one).
const MAX_BARS: usize = 12;
/// Rows in the findings and releases lists.
const LIST_ROWS: usize = 10;

/// One bar: its label, count, and length as a share of the longest (0–100).
#[derive(Serialize)]
struct Bar {
    label: String,
    /// The label cut to fit beside the bar (the table has it whole).
    short: String,
    count: i64,
    width: i64,
    /// The bar's top, in SVG units.
    y: usize,
}

#[derive(Serialize)]
struct Chart {
    id: &'static str,
    title_key: &'static str,
    bars: Vec<Bar>,
    height: usize,
}

fn chart(
    id: &'static str,
    title_key: &'static str,
    mut rows: Vec<(String, i64)>,
    other: &str,
) -> Chart {
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if rows.len() > MAX_BARS {
        let rest: i64 = rows[MAX_BARS - 1..].iter().map(|r| r.1).sum();
        rows.truncate(MAX_BARS - 1);
        rows.push((other.to_string(), rest));
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let bars: Vec<Bar> = rows
        .into_iter()
        .enumerate()
        .map(|(i, (label, count))| Bar {
            short: if label.chars().count() > 10 {
                label.chars().take(9).collect::<String>() + "…"
            } else {
                label.clone()
            },
            label,
            count,
            width: (count * 100 / max).max(if count > 0 { 1 } else { 0 }),
            y: i * 30,
        })
        .collect();
    Chart {
        id,
        title_key,
        height: bars.len().max(1) * 30,
        bars,
    }
}

#[derive(Serialize)]
struct ReleaseLine {
    app_id: String,
    app_name: String,
    release_id: String,
    version: String,
    state_label: String,
    findings_high: i64,
}

pub async fn dashboard(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Html<String>, PageError> {
    let p = viewer.require()?;
    let lang = viewer.lang;
    let m = &state.messages;
    let within = visible_orgs(&state, p, Action::View).await?;
    let w = within.as_deref();
    let store = &state.store;
    let other = m.get("dashboard.other", lang).to_string();
    let none = m.get("dashboard.no_department", lang).to_string();
    let by_form = store.app_counts(AppGroup::Form, w).await?;
    let total: i64 = by_form.iter().map(|r| r.1).sum();
    let form_label = |s: &str| {
        AppForm::parse(s)
            .map(|f| match lang {
                Lang::Zh => f.label_zh().to_string(),
                Lang::En => f.label_en().to_string(),
            })
            .unwrap_or_else(|| s.to_string())
    };
    let forms = by_form
        .into_iter()
        .map(|(k, n)| (form_label(k.as_deref().unwrap_or("")), n))
        .collect();
    let states = store
        .app_counts(AppGroup::State, w)
        .await?
        .into_iter()
        .map(|(k, n)| {
            let k = k.unwrap_or_default();
            (
                AppState::parse(&k)
                    .map(|s| app_state_label(m, lang, s))
                    .unwrap_or(k),
                n,
            )
        })
        .collect();
    let orgs = views::org_names(&state).await?;
    let mut depts: BTreeMap<String, i64> = BTreeMap::new();
    for (k, n) in store.app_counts(AppGroup::Department, w).await? {
        let name = k
            .map(|d| orgs.get(&d).cloned().unwrap_or(d))
            .unwrap_or_else(|| none.clone());
        *depts.entry(name).or_default() += n;
    }
    let charts = vec![
        chart("by-form", "dashboard.by_form", forms, &other),
        chart("by-state", "dashboard.by_state", states, &other),
        chart(
            "by-department",
            "dashboard.by_department",
            depts.into_iter().collect(),
            &other,
        ),
    ];
    // Open high findings: releases with high findings that are their app's
    // current release (candidates newest first, then checked).
    let candidates = store
        .recent_releases(
            w,
            Some(&[
                ReleaseState::Live.as_str(),
                ReleaseState::Gray.as_str(),
                ReleaseState::Approved.as_str(),
                ReleaseState::InTest.as_str(),
                ReleaseState::Analysed.as_str(),
            ]),
            100,
        )
        .await?;
    let mut high = Vec::new();
    let mut checked: HashMap<String, Option<String>> = HashMap::new();
    for r in &candidates {
        if high.len() >= LIST_ROWS {
            break;
        }
        let cur = match checked.get(&r.app_id) {
            Some(c) => c.clone(),
            None => {
                let rs: Vec<Release> = store.find("app_id", &r.app_id).await?;
                let c = current_release(rs.iter()).map(|c| c.id.clone());
                checked.insert(r.app_id.clone(), c.clone());
                c
            }
        };
        if cur.as_deref() == Some(r.id.as_str()) {
            high.push(r.clone());
        }
    }
    let recent = store.recent_releases(w, None, LIST_ROWS as i64).await?;
    let lines = |rs: &[Release]| -> Result<Vec<ReleaseLine>, Failure> {
        Ok(rs
            .iter()
            .map(|r| ReleaseLine {
                app_id: r.app_id.clone(),
                app_name: String::new(),
                release_id: r.id.clone(),
                version: r
                    .version_name
                    .clone()
                    .or(r.version_code.map(|c| c.to_string()))
                    .unwrap_or_else(|| "—".into()),
                state_label: release_state_label(m, lang, r.state),
                findings_high: r.findings_high,
            })
            .collect())
    };
    let mut high = lines(&high)?;
    let mut recent = lines(&recent)?;
    let app_ids: Vec<String> = high
        .iter()
        .chain(recent.iter())
        .map(|l| l.app_id.clone())
        .collect();
    let names: HashMap<String, String> = store
        .find_in::<App>("id", &app_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    for l in high.iter_mut().chain(recent.iter_mut()) {
        l.app_name = names.get(&l.app_id).cloned().unwrap_or_default();
    }
    let waiting = views::pending_moves(&state, p, lang, true).await?;
    let snap = crate::compliance::Snapshot::load(&state).await?;
    let reach = crate::compliance::Reach::of(&state, p, Action::View).await?;
    let panel = crate::compliance::panel(&state, &snap, &reach, lang);
    render::page(
        &state,
        &viewer,
        "dashboard.html",
        context! {
            apps_total => total,
            charts => Value::from(Serde(&charts)),
            high => Value::from(Serde(&high)),
            recent => Value::from(Serde(&recent)),
            waiting => Value::from(Serde(&waiting)),
            panel => Value::from(Serde(&panel)),
        },
    )
}
