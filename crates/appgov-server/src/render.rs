//! Pages from templates. Every page gets the same base context: the
//! language, who is signed in, the CSRF token for its forms, the current
//! path (for the language switch and the menu), and the `t()` function for
//! the interface's words.

use axum::response::Html;
use minijinja::{Environment, State, Value, context};

use crate::auth::Viewer;
use crate::error::{Failure, PageError};
use crate::i18n::Lang;
use crate::state::AppState;

/// The templates, compiled into the binary (no files to deploy).
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("reports.html", include_str!("../templates/reports.html")),
    (
        "evidence_requests.html",
        include_str!("../templates/evidence_requests.html"),
    ),
    (
        "evidence_request_new.html",
        include_str!("../templates/evidence_request_new.html"),
    ),
    (
        "evidence_request.html",
        include_str!("../templates/evidence_request.html"),
    ),
    (
        "evidence_fields.html",
        include_str!("../templates/evidence_fields.html"),
    ),
    (
        "evidence_field_values.html",
        include_str!("../templates/evidence_field_values.html"),
    ),
    ("login.html", include_str!("../templates/login.html")),
    ("setup.html", include_str!("../templates/setup.html")),
    (
        "dashboard.html",
        include_str!("../templates/dashboard.html"),
    ),
    (
        "admin_nav.html",
        include_str!("../templates/admin_nav.html"),
    ),
    (
        "admin_users.html",
        include_str!("../templates/admin_users.html"),
    ),
    (
        "admin_grant_row.html",
        include_str!("../templates/admin_grant_row.html"),
    ),
    (
        "admin_user_new.html",
        include_str!("../templates/admin_user_new.html"),
    ),
    (
        "admin_user.html",
        include_str!("../templates/admin_user.html"),
    ),
    (
        "token_table.html",
        include_str!("../templates/token_table.html"),
    ),
    (
        "admin_tokens.html",
        include_str!("../templates/admin_tokens.html"),
    ),
    (
        "admin_orgs.html",
        include_str!("../templates/admin_orgs.html"),
    ),
    (
        "admin_policy.html",
        include_str!("../templates/admin_policy.html"),
    ),
    ("account.html", include_str!("../templates/account.html")),
    (
        "account_password.html",
        include_str!("../templates/account_password.html"),
    ),
    (
        "oidc_refused.html",
        include_str!("../templates/oidc_refused.html"),
    ),
    ("ledger.html", include_str!("../templates/ledger.html")),
    (
        "ledger_results.html",
        include_str!("../templates/ledger_results.html"),
    ),
    ("app_new.html", include_str!("../templates/app_new.html")),
    ("app_edit.html", include_str!("../templates/app_edit.html")),
    ("accounts.html", include_str!("../templates/accounts.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("app.html", include_str!("../templates/app.html")),
    ("release.html", include_str!("../templates/release.html")),
    ("moves.html", include_str!("../templates/moves.html")),
    ("move.html", include_str!("../templates/move.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("upload.html", include_str!("../templates/upload.html")),
    ("job.html", include_str!("../templates/job.html")),
    (
        "job_status.html",
        include_str!("../templates/job_status.html"),
    ),
    (
        "compliance_nav.html",
        include_str!("../templates/compliance_nav.html"),
    ),
    (
        "library_switch.html",
        include_str!("../templates/library_switch.html"),
    ),
    (
        "obligations.html",
        include_str!("../templates/obligations.html"),
    ),
    (
        "obligation.html",
        include_str!("../templates/obligation.html"),
    ),
    ("matrix.html", include_str!("../templates/matrix.html")),
    (
        "requirements.html",
        include_str!("../templates/requirements.html"),
    ),
    ("checks.html", include_str!("../templates/checks.html")),
    (
        "incidents.html",
        include_str!("../templates/incidents.html"),
    ),
    (
        "complaints.html",
        include_str!("../templates/complaints.html"),
    ),
    (
        "counterfeits.html",
        include_str!("../templates/counterfeits.html"),
    ),
    (
        "os_releases.html",
        include_str!("../templates/os_releases.html"),
    ),
    (
        "assessments.html",
        include_str!("../templates/assessments.html"),
    ),
    (
        "assessment.html",
        include_str!("../templates/assessment.html"),
    ),
    (
        "exceptions.html",
        include_str!("../templates/exceptions.html"),
    ),
    ("drills.html", include_str!("../templates/drills.html")),
];

/// The template environment: HTML auto-escaping for every `.html`
/// template, undefined variables are errors (a typo never renders blank).
pub fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, src) in TEMPLATES {
        env.add_template(name, src)?;
    }
    env.add_function("t", translate);
    // `{{ at | beijing }}`: a recorded UTC instant as Beijing time.
    env.add_filter("beijing", |at: Option<String>| {
        at.map(|a| appgov_workflow::clock::beijing(&a))
            .unwrap_or_default()
    });
    Ok(env)
}

/// `t("key")`: the message in the page's language (the `lang` variable).
fn translate(state: &State, key: &str) -> Result<Value, minijinja::Error> {
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or_default();
    let messages = state
        .lookup("__messages")
        .ok_or_else(|| minijinja::Error::new(minijinja::ErrorKind::UndefinedError, "messages"))?;
    let m = messages
        .downcast_object_ref::<MessagesRef>()
        .ok_or_else(|| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, "messages"))?;
    Ok(Value::from(m.0.messages.get(key, lang).to_string()))
}

/// The catalog, handed to templates as an opaque object.
#[derive(Debug)]
struct MessagesRef(AppState);

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppState")
    }
}

impl minijinja::value::Object for MessagesRef {}

/// Renders `name` with `data` over the base context.
pub fn page(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    data: Value,
) -> Result<Html<String>, PageError> {
    let tmpl = state
        .templates
        .get_template(name)
        .map_err(|e| Failure::Internal(format!("template {name}: {e}")))?;
    let base = context! {
        lang => viewer.lang.code(),
        other_lang => match viewer.lang { Lang::Zh => "en", Lang::En => "zh-CN" },
        user => viewer.account.as_ref().map(|a| context! {
            login => a.login.clone(),
            display_name => a.display_name.clone(),
            id => a.id.clone(),
        }),
        csrf => viewer.csrf.clone(),
        path => viewer.path.clone(),
        menu => viewer.menu(),
        __messages => Value::from_object(MessagesRef(state.clone())),
    };
    let ctx = context! { ..data, ..base };
    tmpl.render(ctx)
        .map(Html)
        .map_err(|e| Failure::Internal(format!("rendering {name}: {e:#}")).into())
}
