//! The ledger commands: `init`, `org`, `person`, `app`, `record`, `audit`,
//! `db`. Each opens the store named by `--data-dir` / `--database-url`, runs
//! one short async job on a current-thread runtime, and prints text or JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use appgov_ledger::AppState;
use appgov_ledger::model::*;
use appgov_ledger::vocab::*;
use appgov_store::{AppQuery, AppSort, Store, StoreConfig, Stored};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::Value;

/// Where the ledger lives and who is acting; every ledger command takes
/// these.
#[derive(Args, Debug, Clone)]
pub struct StoreArgs {
    /// The data directory: the SQLite database (unless --database-url) and
    /// the file store of packages and evidence.
    #[arg(
        long,
        global = true,
        env = "APPGOV_DATA_DIR",
        default_value = "appgov-data"
    )]
    pub data_dir: PathBuf,
    /// `postgres://user@host/db` to keep the ledger in PostgreSQL (or a
    /// compatible database); default: the SQLite file in the data directory.
    #[arg(long, global = true, env = "APPGOV_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Who is acting (recorded in the audit trail); default: $USER.
    #[arg(long = "as", global = true, env = "APPGOV_ACTOR")]
    pub actor: Option<String>,
}

impl StoreArgs {
    pub fn config(&self) -> StoreConfig {
        StoreConfig {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
        }
    }
    pub fn actor(&self) -> Result<String> {
        self.actor
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| anyhow!("say who is acting: --as NAME (or APPGOV_ACTOR)"))
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum OutFormat {
    #[default]
    Text,
    Json,
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub async fn open(s: &StoreArgs) -> Result<Store> {
    Store::open(&s.config()).await.with_context(|| {
        format!(
            "opening the ledger ({})",
            s.database_url
                .as_deref()
                .map(redact_url)
                .unwrap_or_else(|| s.data_dir.join("appgov.sqlite3").display().to_string())
        )
    })
}

/// A database URL without its password, for messages.
fn redact_url(u: &str) -> String {
    match (u.find("://"), u.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &u[s + 3..at];
            let user = cred.split(':').next().unwrap_or_default();
            format!("{}://{user}@{}", &u[..s], &u[at + 1..])
        }
        _ => u.to_string(),
    }
}

// ---------------------------------------------------------------- init

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The institution the ledger belongs to (created as the root of the
    /// organisation tree when the ledger is new).
    #[arg(long)]
    pub institution: Option<String>,
    /// Its 统一社会信用代码.
    #[arg(long)]
    pub credit_code: Option<String>,
    #[arg(long)]
    pub regulator: Option<String>,
}

pub fn init(s: &StoreArgs, a: &InitArgs) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open(s).await?;
        let orgs = store.all::<OrgNode>().await?;
        if let Some(name) = &a.institution {
            if let Some(o) = orgs.iter().find(|o| &o.name == name) {
                println!("institution {} already recorded ({})", o.name, o.id);
            } else {
                let mut tx = store.write(&s.actor()?).await?;
                let mut o = OrgNode {
                    id: String::new(),
                    kind: OrgKind::Institution,
                    name: name.clone(),
                    parent_id: None,
                    credit_code: a.credit_code.clone(),
                    regulator: a.regulator.clone(),
                    version: 0,
                };
                tx.insert(&mut o).await?;
                tx.commit().await?;
                println!("institution {} recorded ({})", o.name, o.id);
            }
        }
        println!(
            "ledger ready: {} (schema {}), files in {}",
            match store.backend() {
                appgov_store::Backend::Sqlite => "SQLite".to_string(),
                appgov_store::Backend::Postgres => format!(
                    "PostgreSQL {}",
                    s.database_url
                        .as_deref()
                        .map(redact_url)
                        .unwrap_or_default()
                ),
            },
            store.schema_version().await?,
            store.data_dir().join("files").display()
        );
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

// ---------------------------------------------------------------- lookups

/// Finds one record by id or by the value of a name-like column.
async fn resolve<E: Stored>(store: &Store, key: &str, columns: &[&str]) -> Result<E> {
    if let Some(e) = store.get::<E>(key).await? {
        return Ok(e);
    }
    let mut found: Vec<E> = Vec::new();
    for c in columns {
        for e in store.find::<E>(c, key).await? {
            if !found.iter().any(|f| f.id() == e.id()) {
                found.push(e);
            }
        }
    }
    match found.len() {
        1 => Ok(found.pop().expect("one")),
        0 => bail!("no {} called {key:?}", E::KIND),
        n => bail!(
            "{n} records of kind {} match {key:?}; use an id: {}",
            E::KIND,
            found
                .iter()
                .map(|e| e.id().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// An app by id, name, or the identifier (package, Bundle ID, AppID) of
/// one of its identities.
pub async fn resolve_app(store: &Store, key: &str) -> Result<App> {
    if let Ok(a) = resolve::<App>(store, key, &["name"]).await {
        return Ok(a);
    }
    let ids = store.find::<AppIdentity>("identifier", key).await?;
    match ids.as_slice() {
        [one] => store
            .get::<App>(&one.app_id)
            .await?
            .ok_or_else(|| anyhow!("identity {} names a missing app", one.id)),
        [] => bail!("no app with id, name or package {key:?}"),
        _ => bail!("{key:?} is the identifier of several apps; use an id"),
    }
}

pub async fn resolve_org(store: &Store, key: &str) -> Result<OrgNode> {
    resolve::<OrgNode>(store, key, &["name"]).await
}

pub async fn resolve_person(store: &Store, key: &str) -> Result<Person> {
    resolve::<Person>(store, key, &["name"]).await
}

// ---------------------------------------------------------------- org, person

#[derive(Subcommand, Debug)]
pub enum OrgCmd {
    /// Adds a node: `appgov org add --kind department --name 信息科技部 --parent 示例银行`.
    Add {
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        /// Parent node (id or name).
        #[arg(long)]
        parent: Option<String>,
        #[arg(long)]
        credit_code: Option<String>,
    },
    /// Lists the organisation tree.
    List {
        #[arg(long, value_enum, default_value_t)]
        format: OutFormat,
    },
}

pub fn org(s: &StoreArgs, cmd: &OrgCmd) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open(s).await?;
        match cmd {
            OrgCmd::Add {
                kind,
                name,
                parent,
                credit_code,
            } => {
                let kind: OrgKind = kind.parse()?;
                let parent_id = match parent {
                    Some(p) => Some(resolve_org(&store, p).await?.id),
                    None => None,
                };
                let mut o = OrgNode {
                    id: String::new(),
                    kind,
                    name: name.clone(),
                    parent_id,
                    credit_code: credit_code.clone(),
                    regulator: None,
                    version: 0,
                };
                let mut tx = store.write(&s.actor()?).await?;
                tx.insert(&mut o).await?;
                tx.commit().await?;
                println!("{}", o.id);
            }
            OrgCmd::List { format } => {
                let orgs = store.all::<OrgNode>().await?;
                if *format == OutFormat::Json {
                    println!("{}", serde_json::to_string_pretty(&orgs)?);
                } else {
                    fn walk(orgs: &[OrgNode], parent: Option<&str>, depth: usize) {
                        for o in orgs.iter().filter(|o| o.parent_id.as_deref() == parent) {
                            println!(
                                "{}{} [{}] {}",
                                "  ".repeat(depth),
                                o.name,
                                o.kind.label_zh(),
                                o.id
                            );
                            walk(orgs, Some(&o.id), depth + 1);
                        }
                    }
                    walk(&orgs, None, 0);
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[derive(Subcommand, Debug)]
pub enum PersonCmd {
    /// Adds a person: `appgov person add --name 张三 --org 信息科技部 --role app_owner`.
    Add {
        #[arg(long)]
        name: String,
        /// Department or other org node (id or name).
        #[arg(long)]
        org: Option<String>,
        /// Repeatable.
        #[arg(long)]
        role: Vec<String>,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        contact: Option<String>,
        /// Vendor or outsourcer staff.
        #[arg(long)]
        external: bool,
    },
    List {
        #[arg(long, value_enum, default_value_t)]
        format: OutFormat,
    },
}

pub fn person(s: &StoreArgs, cmd: &PersonCmd) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open(s).await?;
        match cmd {
            PersonCmd::Add {
                name,
                org,
                role,
                title,
                contact,
                external,
            } => {
                let org_id = match org {
                    Some(o) => Some(resolve_org(&store, o).await?.id),
                    None => None,
                };
                let roles = role
                    .iter()
                    .map(|r| r.parse::<Role>())
                    .collect::<Result<Vec<_>, _>>()?;
                let mut p = Person {
                    id: String::new(),
                    name: name.clone(),
                    org_id,
                    title: title.clone(),
                    contact: contact.clone(),
                    roles,
                    external: *external,
                    version: 0,
                };
                let mut tx = store.write(&s.actor()?).await?;
                tx.insert(&mut p).await?;
                tx.commit().await?;
                println!("{}", p.id);
            }
            PersonCmd::List { format } => {
                let people = store.all::<Person>().await?;
                if *format == OutFormat::Json {
                    println!("{}", serde_json::to_string_pretty(&people)?);
                } else {
                    for p in people {
                        let roles: Vec<&str> = p.roles.iter().map(|r| r.label_zh()).collect();
                        println!("{}  {}  {}", p.id, p.name, roles.join("、"));
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

// ---------------------------------------------------------------- --set

/// Applies `field=value` assignments to a record through its JSON form, so
/// every field of every kind can be set from the command line with the
/// domain's own parsing and validation. Lists take `;`-separated values,
/// booleans 是/否/true/false, empty or `null` clears an optional field,
/// nested records take JSON.
pub fn apply_sets<E: Stored>(e: &E, sets: &[String]) -> Result<E> {
    let mut v = serde_json::to_value(e)?;
    let obj = v.as_object_mut().expect("entities are objects");
    let mut maybe_numbers: Vec<String> = Vec::new();
    for s in sets {
        let (k, val) = s
            .split_once('=')
            .ok_or_else(|| anyhow!("--set takes field=value, got {s:?}"))?;
        let k = k.trim();
        if matches!(k, "id" | "version") {
            bail!("{k} is managed by appgov and cannot be set");
        }
        let Some(cur) = obj.get(k) else {
            let mut fields: Vec<&str> = obj
                .keys()
                .map(String::as_str)
                .filter(|f| !matches!(*f, "id" | "version"))
                .collect();
            fields.sort();
            bail!(
                "{} has no field {k:?} (fields: {})",
                E::KIND,
                fields.join(", ")
            );
        };
        let val = val.trim();
        let new = if val.is_empty() || val == "null" {
            Value::Null
        } else if val.starts_with('[') || val.starts_with('{') {
            serde_json::from_str(val).with_context(|| format!("{k}: not valid JSON"))?
        } else {
            match cur {
                Value::Array(_) => Value::Array(
                    val.split([';', '；'])
                        .map(str::trim)
                        .filter(|x| !x.is_empty())
                        .map(|x| Value::String(x.to_string()))
                        .collect(),
                ),
                Value::Bool(_) => Value::Bool(
                    parse_bool(val)
                        .ok_or_else(|| anyhow!("{k}: {val:?} is not yes/no (是/否, true/false)"))?,
                ),
                Value::Number(_) => serde_json::from_str(val)
                    .with_context(|| format!("{k}: {val:?} is not a number"))?,
                Value::Null if serde_json::from_str::<Value>(val).is_ok_and(|n| n.is_number()) => {
                    // An empty optional field: text or number? Text first
                    // (a complaint hotline "95500" is text); numbers below
                    // if the record wants one.
                    maybe_numbers.push(k.to_string());
                    Value::String(val.to_string())
                }
                _ => Value::String(val.to_string()),
            }
        };
        obj.insert(k.to_string(), new);
    }
    match serde_json::from_value::<E>(v.clone()) {
        Ok(e) => Ok(e),
        Err(first) if !maybe_numbers.is_empty() => {
            let obj = v.as_object_mut().expect("entities are objects");
            for k in &maybe_numbers {
                if let Some(Value::String(s)) = obj.get(k) {
                    let n: Value = serde_json::from_str(s).expect("checked to be a number");
                    obj.insert(k.clone(), n);
                }
            }
            serde_json::from_value(v).map_err(|_| anyhow!("{}: {first}", E::KIND))
        }
        Err(e) => Err(anyhow!("{}: {e}", E::KIND)),
    }
}

pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "是" | "true" | "yes" | "y" | "1" | "√" | "有" => Some(true),
        "否" | "false" | "no" | "n" | "0" | "×" | "无" => Some(false),
        _ => None,
    }
}

// ---------------------------------------------------------------- app

#[derive(Subcommand, Debug)]
pub enum AppCmd {
    /// Adds an app to the ledger (state: proposed).
    Add(AppAddArgs),
    /// Lists the ledger: filter, search, sort, page.
    List(AppListArgs),
    /// Shows one app with its identities, channels, releases, filings,
    /// lifecycle moves and history.
    Show {
        /// Id, name or package.
        app: String,
        #[arg(long, value_enum, default_value_t)]
        format: OutFormat,
    },
    /// Changes fields: `appgov app edit 手机银行 --set mlps_level=3 --set regions=北京;上海`.
    Edit {
        app: String,
        #[arg(long = "set", required = true)]
        sets: Vec<String>,
        /// Refuse unless the app is still at this version (what you saw).
        #[arg(long)]
        expect_version: Option<i64>,
    },
    /// Asks for a lifecycle move; someone else approves it with `appgov
    /// gate approve`.
    Transition {
        app: String,
        /// The state to move to (proposed, admitted, in_development, live,
        /// under_review, suspended, retiring, retired, archived, rejected).
        #[arg(long)]
        to: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
}

#[derive(Args, Debug)]
pub struct AppAddArgs {
    #[arg(long)]
    pub name: String,
    /// android, ios, harmony, wechat_mini, alipay_mini, other_mini,
    /// official_account, h5, quick_app (or the Chinese names).
    #[arg(long)]
    pub form: String,
    /// Lead department (id or name).
    #[arg(long)]
    pub department: Option<String>,
    /// Responsible person (id or name).
    #[arg(long)]
    pub responsible: Option<String>,
    /// Package name / Bundle ID / AppID: recorded as the app's identity.
    #[arg(long)]
    pub package: Option<String>,
    /// SHA-256 of a signing certificate the identity is known by (repeatable).
    #[arg(long)]
    pub cert: Vec<String>,
    /// Any other field: `--set purpose=… --set important_system=是`.
    #[arg(long = "set")]
    pub sets: Vec<String>,
}

#[derive(Args, Debug)]
pub struct AppListArgs {
    #[arg(long)]
    pub form: Option<String>,
    #[arg(long)]
    pub state: Option<String>,
    /// Department id or name.
    #[arg(long)]
    pub department: Option<String>,
    /// Substring of the name or an alias.
    #[arg(long)]
    pub search: Option<String>,
    #[arg(long, value_enum, default_value = "name")]
    pub sort: SortKey,
    #[arg(long)]
    pub desc: bool,
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
    #[arg(long, default_value_t = 0)]
    pub offset: i64,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortKey {
    Name,
    State,
    Form,
    Created,
}

use appgov_workflow::apps::{NewIdentity, new_app};

pub fn app(s: &StoreArgs, cmd: &AppCmd) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open(s).await?;
        let code = match cmd {
            AppCmd::Add(a) => app_add(s, &store, a).await?,
            AppCmd::List(a) => app_list(&store, a).await?,
            AppCmd::Show { app, format } => app_show(&store, app, *format).await?,
            AppCmd::Edit {
                app,
                sets,
                expect_version,
            } => {
                let current = resolve_app(&store, app).await?;
                if let Some(v) = expect_version
                    && *v != current.version
                {
                    bail!(
                        "app {} is at version {}, not {v}: someone changed it since; reload",
                        current.name,
                        current.version
                    );
                }
                let mut edited = apply_sets(&current, sets)?;
                if edited.state != current.state {
                    bail!("the state changes only through `appgov app transition`");
                }
                let mut tx = store.write(&s.actor()?).await?;
                let changed = tx.update(&mut edited).await?;
                tx.commit().await?;
                println!(
                    "{} {} (version {})",
                    if changed { "updated" } else { "unchanged" },
                    edited.name,
                    edited.version
                );
                ExitCode::SUCCESS
            }
            AppCmd::Transition { app, to, reason } => {
                let a = resolve_app(&store, app).await?;
                let t = appgov_workflow::moves::request_app_move(
                    &store,
                    &s.actor()?,
                    &a.id,
                    to,
                    reason,
                )
                .await?;
                crate::gates::print_requested(&t);
                ExitCode::SUCCESS
            }
        };
        store.close().await;
        Ok(code)
    })
}

async fn app_add(s: &StoreArgs, store: &Store, a: &AppAddArgs) -> Result<ExitCode> {
    let form: AppForm = a.form.parse()?;
    let mut app = apply_sets(&new_app(&a.name, form), &a.sets)?;
    app.state = AppState::Proposed;
    if let Some(d) = &a.department {
        app.department_id = Some(resolve_org(store, d).await?.id);
    }
    if let Some(p) = &a.responsible {
        app.responsible_person_id = Some(resolve_person(store, p).await?.id);
    }
    let identity = a.package.as_ref().map(|pkg| NewIdentity {
        identifier: pkg.clone(),
        certificates: a.cert.clone(),
    });
    let (app, _) = appgov_workflow::apps::add_app(store, &s.actor()?, app, identity).await?;
    println!("{}", app.id);
    Ok(ExitCode::SUCCESS)
}

async fn app_list(store: &Store, a: &AppListArgs) -> Result<ExitCode> {
    let q = AppQuery {
        form: a.form.as_deref().map(str::parse).transpose()?,
        state: a
            .state
            .as_deref()
            .map(|s| AppState::parse(s).ok_or_else(|| anyhow!("unknown state {s:?}")))
            .transpose()?,
        department_id: match &a.department {
            Some(d) => Some(resolve_org(store, d).await?.id),
            None => None,
        },
        within_orgs: None,
        search: a.search.clone(),
        sort: match a.sort {
            SortKey::Name => AppSort::Name,
            SortKey::State => AppSort::State,
            SortKey::Form => AppSort::Form,
            SortKey::Created => AppSort::Created,
        },
        descending: a.desc,
        limit: a.limit,
        offset: a.offset,
    };
    let page = store.list_apps(&q).await?;
    if a.format == OutFormat::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "total": page.total, "offset": q.offset, "apps": page.apps
            }))?
        );
    } else {
        println!("{:<36}  {:<8}  {:<12}  名称", "id", "状态", "形态");
        for app in &page.apps {
            println!(
                "{:<36}  {:<8}  {:<12}  {}",
                app.id,
                app.state.label_zh(),
                app.form.label_zh(),
                app.name
            );
        }
        println!(
            "{}–{} of {}",
            (q.offset + 1).min(page.total),
            q.offset + page.apps.len() as i64,
            page.total
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn app_show(store: &Store, key: &str, format: OutFormat) -> Result<ExitCode> {
    let app = resolve_app(store, key).await?;
    let identities = store.find::<AppIdentity>("app_id", &app.id).await?;
    let listings = store.find::<Listing>("app_id", &app.id).await?;
    let releases = store.find::<Release>("app_id", &app.id).await?;
    let filings = store.find::<Filing>("app_id", &app.id).await?;
    let transitions = store.find::<Transition>("object_id", &app.id).await?;
    let history = store.history(&app.id).await?;
    let name_of = |id: &Option<String>| {
        let id = id.clone();
        async move {
            match id {
                Some(i) => store
                    .get::<Person>(&i)
                    .await
                    .ok()
                    .flatten()
                    .map(|p| p.name)
                    .unwrap_or(i),
                None => "—".into(),
            }
        }
    };
    if format == OutFormat::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "app": app, "identities": identities, "listings": listings,
                "releases": releases, "filings": filings, "transitions": transitions,
                "history": history.len(),
            }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let dept = match &app.department_id {
        Some(d) => store
            .get::<OrgNode>(d)
            .await?
            .map(|o| o.name)
            .unwrap_or(d.clone()),
        None => "—".into(),
    };
    println!(
        "{}  ({}, {}, version {})",
        app.name,
        app.form.label_zh(),
        app.state.label_zh(),
        app.version
    );
    println!("  id            {}", app.id);
    println!("  牵头部门      {dept}");
    println!(
        "  责任人        {}",
        name_of(&app.responsible_person_id).await
    );
    println!(
        "  技术/安全/数据 {} / {} / {}",
        name_of(&app.tech_owner_id).await,
        name_of(&app.security_owner_id).await,
        name_of(&app.data_owner_id).await
    );
    println!(
        "  重要信息系统  {}   等保 {}",
        if app.important_system { "是" } else { "否" },
        app.mlps_level
            .map(|l| format!("{l} 级"))
            .unwrap_or("—".into())
    );
    for i in &identities {
        println!(
            "  标识          {} {} — {} 个证书",
            i.platform.label_zh(),
            i.identifier,
            i.certificates.len()
        );
        for c in &i.certificates {
            println!("                  {}", c.sha256);
        }
    }
    for l in &listings {
        println!(
            "  渠道          {} {}",
            l.channel.label_zh(),
            l.state.label_zh()
        );
    }
    for r in &releases {
        println!(
            "  版本          {} ({}) {} — 高 {} 中 {} 低 {}  {}",
            r.version_name.as_deref().unwrap_or("?"),
            r.version_code.map(|c| c.to_string()).unwrap_or_default(),
            r.state.as_str(),
            r.findings_high,
            r.findings_medium,
            r.findings_low,
            r.id
        );
    }
    for f in &filings {
        println!(
            "  备案          {} {} {}",
            f.kind.label_zh(),
            f.number.as_deref().unwrap_or("—"),
            f.state.label_zh()
        );
    }
    for t in &transitions {
        println!(
            "  流转          {} → {} {} ({} 申请{}) {}",
            t.from_state,
            t.to_state,
            t.status.label_zh(),
            t.requested_by,
            t.approval
                .as_ref()
                .map(|a| format!("，{} 批准", a.approved_by))
                .unwrap_or_default(),
            t.id
        );
    }
    // The SDK inventory of the current release (latest that may be
    // distributed, else the latest analysed).
    let current = releases
        .iter()
        .filter(|r| r.state.may_be_distributed())
        .max_by_key(|r| (r.version_code, r.id.clone()))
        .or_else(|| {
            releases
                .iter()
                .max_by_key(|r| (r.version_code, r.id.clone()))
        });
    if let Some(r) = current {
        let sdks = store.find::<SdkUsage>("release_id", &r.id).await?;
        println!(
            "  SDK ({} {})  {}",
            r.version_name.as_deref().unwrap_or("?"),
            r.state.as_str(),
            if sdks.is_empty() {
                "—".to_string()
            } else {
                sdks.iter()
                    .map(|u| u.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            }
        );
    }
    println!("  审计记录      {} 条（最近的在下）", history.len());
    for e in history.iter().rev().take(8).rev() {
        println!(
            "    {}  {}  {} {}",
            e.at.get(..19).unwrap_or(&e.at),
            e.actor,
            e.action,
            e.object_kind
        );
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------- record

/// The kinds `appgov record` handles generically.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RecordKind {
    Org,
    Person,
    App,
    Identity,
    Account,
    Listing,
    Release,
    ThirdParty,
    Agreement,
    AccessGrant,
    Filing,
    Metric,
    Transition,
}

#[derive(Subcommand, Debug)]
pub enum RecordCmd {
    /// Adds a record of any kind from `--set field=value` pairs:
    /// `appgov record add account --set channel=huawei_appgallery --set account_name=示例银行 --set holder=示例银行股份有限公司`.
    Add {
        kind: RecordKind,
        #[arg(long = "set")]
        sets: Vec<String>,
    },
    /// Changes a record: `appgov record edit filing ID --set state=approved`.
    Edit {
        kind: RecordKind,
        id: String,
        #[arg(long = "set", required = true)]
        sets: Vec<String>,
        #[arg(long)]
        expect_version: Option<i64>,
    },
    /// Lists records of a kind as JSON lines.
    List { kind: RecordKind },
    /// Shows a record's audit history.
    History { id: String },
}

/// A blank record of each kind, the base `--set` applies to.
fn blank(kind: RecordKind) -> Value {
    match kind {
        RecordKind::Org => {
            serde_json::json!({"id":"","kind":"department","name":"","parent_id":null,"credit_code":null,"regulator":null,"version":0})
        }
        RecordKind::Person => {
            serde_json::json!({"id":"","name":"","org_id":null,"title":null,"contact":null,"roles":[],"external":false,"version":0})
        }
        RecordKind::App => serde_json::to_value(new_app("", AppForm::Android)).expect("serialises"),
        RecordKind::Identity => {
            serde_json::json!({"id":"","app_id":"","platform":"android","identifier":"","developer_id":null,"certificates":[],"key_custodian":null,"version":0})
        }
        RecordKind::Account => {
            serde_json::json!({"id":"","channel":"other","account_name":"","holder":"","holder_org_id":null,"admin_person_id":null,"two_factor":false,"last_access_review":null,"status":"active","version":0})
        }
        RecordKind::Listing => {
            serde_json::json!({"id":"","app_id":"","channel":"other","account_id":null,"store_url":null,"listed_version":null,"observed_sha256":null,"observed_on":null,"state":"planned","version":0})
        }
        RecordKind::Release => serde_json::json!({}),
        RecordKind::ThirdParty => {
            serde_json::json!({"id":"","name":"","kind":"other","credit_code":null,"country":null,"risk_tier":null,"contact":null,"version":0})
        }
        RecordKind::Agreement => {
            serde_json::json!({"id":"","third_party_id":"","kind":"cooperation","title":"","app_ids":[],"sdks":[],"data_shared":[],"audit_right":false,"exit_clause":false,"starts_on":null,"ends_on":null,"state":"draft","document_sha256":null,"version":0})
        }
        RecordKind::AccessGrant => {
            serde_json::json!({"id":"","third_party_id":"","person":"","system":"","privilege":"","justification":"","granted_on":"","expires_on":null,"last_reviewed_on":null,"reviewer":null,"version":0})
        }
        RecordKind::Filing => {
            serde_json::json!({"id":"","app_id":"","kind":"miit_app","authority":null,"number":null,"state":"draft","filed":FiledFacts::default(),"submitted_on":null,"approved_on":null,"version":0})
        }
        RecordKind::Metric => {
            serde_json::json!({"id":"","app_id":"","period":"","monthly_active_users":null,"downloads":null,"rating":null,"complaints":null,"version":0})
        }
        RecordKind::Transition => serde_json::json!({}),
    }
}

async fn record_add<E: Stored>(
    s: &StoreArgs,
    store: &Store,
    base: Value,
    sets: &[String],
) -> Result<()> {
    let base: E = serde_json::from_value(base).map_err(|e| anyhow!("{}: {e}", E::KIND))?;
    let mut e = apply_sets(&base, sets)?;
    let mut tx = store.write(&s.actor()?).await?;
    tx.insert(&mut e).await?;
    tx.commit().await?;
    println!("{}", e.id());
    Ok(())
}

async fn record_edit<E: Stored>(
    s: &StoreArgs,
    store: &Store,
    id: &str,
    sets: &[String],
    expect: Option<i64>,
) -> Result<()> {
    let cur: E = store
        .get(id)
        .await?
        .ok_or_else(|| anyhow!("no {} {id}", E::KIND))?;
    if let Some(v) = expect
        && v != cur.version()
    {
        bail!("{} {id} is at version {}, not {v}", E::KIND, cur.version());
    }
    let mut e = apply_sets(&cur, sets)?;
    let mut tx = store.write(&s.actor()?).await?;
    let changed = tx.update(&mut e).await?;
    tx.commit().await?;
    println!(
        "{} {} {id} (version {})",
        if changed { "updated" } else { "unchanged" },
        E::KIND,
        e.version()
    );
    Ok(())
}

async fn record_list<E: Stored>(store: &Store) -> Result<()> {
    for e in store.all::<E>().await? {
        println!("{}", serde_json::to_string(&e)?);
    }
    Ok(())
}

macro_rules! by_kind {
    ($kind:expr, $f:ident, $($args:expr),*) => {
        match $kind {
            RecordKind::Org => $f::<OrgNode>($($args),*).await,
            RecordKind::Person => $f::<Person>($($args),*).await,
            RecordKind::App => $f::<App>($($args),*).await,
            RecordKind::Identity => $f::<AppIdentity>($($args),*).await,
            RecordKind::Account => $f::<PublishingAccount>($($args),*).await,
            RecordKind::Listing => $f::<Listing>($($args),*).await,
            RecordKind::Release => $f::<Release>($($args),*).await,
            RecordKind::ThirdParty => $f::<ThirdParty>($($args),*).await,
            RecordKind::Agreement => $f::<Agreement>($($args),*).await,
            RecordKind::AccessGrant => $f::<AccessGrant>($($args),*).await,
            RecordKind::Filing => $f::<Filing>($($args),*).await,
            RecordKind::Metric => $f::<ActivityMetric>($($args),*).await,
            RecordKind::Transition => $f::<Transition>($($args),*).await,
        }
    };
}

pub fn record(s: &StoreArgs, cmd: &RecordCmd) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open(s).await?;
        match cmd {
            RecordCmd::Add { kind, sets } => {
                if matches!(kind, RecordKind::Release | RecordKind::Transition) {
                    bail!("releases come from `appgov release add`, moves from `appgov app transition`");
                }
                if matches!(kind, RecordKind::App) {
                    bail!("use `appgov app add`");
                }
                by_kind!(kind, record_add, s, &store, blank(*kind), sets)?;
            }
            RecordCmd::Edit {
                kind,
                id,
                sets,
                expect_version,
            } => {
                if matches!(kind, RecordKind::Release | RecordKind::Transition | RecordKind::App) {
                    bail!("{kind:?} records change through their own commands (app edit, release/app transition)");
                }
                by_kind!(kind, record_edit, s, &store, id, sets, *expect_version)?;
            }
            RecordCmd::List { kind } => by_kind!(kind, record_list, &store)?,
            RecordCmd::History { id } => {
                for e in store.history(id).await? {
                    println!("{}", serde_json::to_string(&e)?);
                }
            }
        }
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

// ---------------------------------------------------------------- audit, db

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Checks the audit trail and every record against it. Exit 0 intact,
    /// 1 altered (each problem listed).
    Verify {
        /// The head hash recorded earlier (e.g. in a report or a ticket):
        /// the trail must still end there or have grown from it.
        #[arg(long)]
        expect_head: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: OutFormat,
    },
    /// Prints the trail (newest last) for one object, or all of it.
    Log { object: Option<String> },
}

pub fn audit(s: &StoreArgs, cmd: &AuditCmd) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open(s).await?;
        let code = match cmd {
            AuditCmd::Verify {
                expect_head,
                format,
            } => {
                let mut r = store.verify_audit().await?;
                if let Some(h) = expect_head
                    && !store.has_event_hash(h).await?
                {
                    r.chain.push(appgov_store::ChainProblem {
                        seq: 0,
                        problem: format!(
                            "the expected head {h} is not in the trail (history rewritten)"
                        ),
                    });
                }
                if *format == OutFormat::Json {
                    println!("{}", serde_json::to_string_pretty(&r)?);
                } else if r.intact() {
                    println!(
                        "audit trail intact: {} events, {} records match their last event; head {} {}",
                        r.events, r.records, r.head_seq, r.head_hash
                    );
                } else {
                    println!("audit trail ALTERED:");
                    for c in &r.chain {
                        println!("  event {}: {}", c.seq, c.problem);
                    }
                    for p in &r.records_problems {
                        println!("  {p}");
                    }
                }
                if r.intact() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            }
            AuditCmd::Log { object } => {
                let events = match object {
                    Some(o) => store.history(o).await?,
                    None => store.audit_events().await?,
                };
                for e in events {
                    println!(
                        "{:>6}  {}  {}  {} {} {}",
                        e.seq, e.at, e.actor, e.action, e.object_kind, e.object_id
                    );
                }
                ExitCode::SUCCESS
            }
        };
        store.close().await;
        Ok(code)
    })
}

#[derive(Subcommand, Debug)]
pub enum DbCmd {
    /// Copies the whole ledger (records, audit trail) into another, empty
    /// database — e.g. from the default SQLite to PostgreSQL — in one
    /// transaction, then verifies the copy.
    Copy {
        #[arg(long)]
        to: String,
    },
}

pub fn db(s: &StoreArgs, cmd: &DbCmd) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open(s).await?;
        match cmd {
            DbCmd::Copy { to } => {
                let target = Store::open(&StoreConfig {
                    data_dir: s.data_dir.clone(),
                    database_url: Some(to.clone()),
                })
                .await
                .with_context(|| format!("opening the target {}", redact_url(to)))?;
                let r = store.copy_to(&target).await?;
                let v = target.verify_audit().await?;
                if !v.intact() {
                    bail!(
                        "the copy does not verify: {:?} {:?}",
                        v.chain,
                        v.records_problems
                    );
                }
                println!(
                    "copied {} records and {} audit events to {}; the copy verifies (head {})",
                    r.records,
                    r.events,
                    redact_url(to),
                    v.head_hash
                );
                println!("point appgov at it with --database-url or APPGOV_DATABASE_URL");
                target.close().await;
            }
        }
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}
