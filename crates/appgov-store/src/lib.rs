//! The ledger's store: SQLite by default (a WAL-mode file in the data
//! directory, zero configuration), PostgreSQL — and the compatible domestic
//! databases — by URL. One portable migration chain runs on both; every
//! change goes through a write transaction that appends hash-chained audit
//! events in the same commit; files live beside the database in a
//! content-addressed directory.
//!
//! The store persists what appgov-ledger decides; it holds no domain rules
//! beyond record-level validation, uniqueness and optimistic locking.

pub mod access;
pub mod audit;
pub mod columns;
pub mod files;
pub mod jobs;
pub mod overview;
mod rows;
pub mod search;
mod snapshot;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use appgov_ledger::model::{App, AppIdentity, Entity};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use audit::{AuditEvent, ChainProblem};
pub use columns::{Col, Stored, TABLES};
pub use files::{FileError, FileStore, Incoming, StoredFile, sha256_hex};
pub use overview::AppGroup;

use rows::{Bound, bound_values, decode_row};

/// Where the store lives.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; `None` = `DATA_DIR/appgov.sqlite3`.
    pub database_url: Option<String>,
}

impl StoreConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig {
            data_dir: data_dir.into(),
            database_url: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Files(#[from] FileError),
    #[error("{kind} {id}: {}", .problems.join("; "))]
    Invalid {
        kind: &'static str,
        id: String,
        problems: Vec<String>,
    },
    #[error(
        "{kind} {id} was changed by someone else (you edited version {expected}, it is now at {current}); reload and try again"
    )]
    Conflict {
        kind: &'static str,
        id: String,
        expected: i64,
        current: i64,
    },
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    #[error("{kind}: already recorded ({detail})")]
    Duplicate { kind: &'static str, detail: String },
    #[error("{kind}: refers to a record that does not exist ({detail})")]
    DanglingReference { kind: &'static str, detail: String },
    #[error("configuration: {0}")]
    Config(String),
    #[error("schema: {0}")]
    Schema(String),
    #[error("{0}")]
    Unreadable(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database products we speak to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code on whichever pool (or transaction) is in use: the SQL
/// is the same text, the Rust types differ, so the body is expanded once per
/// backend instead of fighting sqlx's generic bounds.
macro_rules! both {
    ($e:expr, $p:ident => $body:expr) => {
        match $e {
            $crate::Pool::Sqlite($p) => $body,
            $crate::Pool::Postgres($p) => $body,
        }
    };
}

macro_rules! both_tx {
    ($e:expr, $t:ident => $body:expr) => {
        match $e {
            $crate::TxInner::Sqlite($t) => $body,
            $crate::TxInner::Postgres($t) => $body,
        }
    };
}

// Visible by path to the modules declared above the definitions.
pub(crate) use {both, both_tx};

/// Binds a list of [`Bound`] values to a query, in order.
macro_rules! bind_all {
    ($q:expr, $vals:expr) => {{
        let mut q = $q;
        for v in $vals {
            q = match v {
                Bound::Text(s) => q.bind(s),
                Bound::Int(i) => q.bind(i),
                Bound::Bool(b) => q.bind(b),
                Bound::Real(r) => q.bind(r),
            };
        }
        q
    }};
}

/// The migrations, in order: (version, name, SQL on SQLite, SQL on
/// PostgreSQL). Portable SQL, the same text on both, except where an index
/// is the backend's own (0006, the search grams).
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "ledger",
        include_str!("../migrations/0001_ledger.sql"),
        include_str!("../migrations/0001_ledger.sql"),
    ),
    (
        2,
        "app page indexes",
        include_str!("../migrations/0002_app_page_indexes.sql"),
        include_str!("../migrations/0002_app_page_indexes.sql"),
    ),
    (
        3,
        "accounts, sessions and scan jobs",
        include_str!("../migrations/0003_accounts_sessions_jobs.sql"),
        include_str!("../migrations/0003_accounts_sessions_jobs.sql"),
    ),
    (
        4,
        "app search",
        include_str!("../migrations/0004_app_search.sql"),
        include_str!("../migrations/0004_app_search.sql"),
    ),
    (
        5,
        "audit events by object id",
        include_str!("../migrations/0005_audit_object_id_index.sql"),
        include_str!("../migrations/0005_audit_object_id_index.sql"),
    ),
    (
        6,
        "search grams",
        include_str!("../migrations/0006_search_grams.sqlite.sql"),
        include_str!("../migrations/0006_search_grams.postgres.sql"),
    ),
    (
        7,
        "API token use",
        include_str!("../migrations/0007_token_use.sql"),
        include_str!("../migrations/0007_token_use.sql"),
    ),
    (
        8,
        "compliance records",
        include_str!("../migrations/0008_compliance.sql"),
        include_str!("../migrations/0008_compliance.sql"),
    ),
];

/// The ledger's store.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    files: FileStore,
    data_dir: PathBuf,
}

fn now() -> String {
    let t = time::OffsetDateTime::now_utc();
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.format(&f).expect("formatting a UTC time cannot fail")
}

/// A new record id: UUIDv7 (sorts by creation time).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn classify(kind: &'static str, e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        match d.kind() {
            sqlx::error::ErrorKind::UniqueViolation => {
                return StoreError::Duplicate {
                    kind,
                    detail: d.message().to_string(),
                };
            }
            sqlx::error::ErrorKind::ForeignKeyViolation => {
                return StoreError::DanglingReference {
                    kind,
                    detail: d.message().to_string(),
                };
            }
            _ => {}
        }
    }
    StoreError::Db(e)
}

impl Store {
    /// Opens the store: creates the data directory, connects, brings the
    /// schema up to date.
    pub async fn open(cfg: &StoreConfig) -> Result<Store> {
        #[cfg(unix)]
        let fresh = !cfg.data_dir.exists();
        std::fs::create_dir_all(&cfg.data_dir).map_err(|e| {
            StoreError::Config(format!(
                "cannot create data directory {}: {e}",
                cfg.data_dir.display()
            ))
        })?;
        // The ledger names people and holds packages and evidence: a data
        // directory appgov creates is readable by its owner only.
        #[cfg(unix)]
        if fresh {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&cfg.data_dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| {
                    StoreError::Config(format!("cannot restrict {}: {e}", cfg.data_dir.display()))
                })?;
        }
        let files = FileStore::open(&cfg.data_dir)?;
        let url = match &cfg.database_url {
            Some(u) if !u.trim().is_empty() => u.clone(),
            _ => format!("sqlite://{}", cfg.data_dir.join("appgov.sqlite3").display()),
        };
        let pool = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(&url)
                .map_err(|e| StoreError::Config(format!("database URL {url:?}: {e}")))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(opts)
                    .await?,
            )
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(&url)
                .map_err(|e| StoreError::Config(format!("database URL: {e}")))?;
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(15))
                    .connect_with(opts)
                    .await?,
            )
        } else {
            return Err(StoreError::Config(format!(
                "database URL must start with sqlite:// or postgres://, got {:?}",
                url.split(':').next().unwrap_or_default()
            )));
        };
        let store = Store {
            pool,
            files,
            data_dir: cfg.data_dir.clone(),
        };
        store.migrate().await?;
        store.backfill_search().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    pub fn files(&self) -> &FileStore {
        &self.files
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Applies the migrations this build knows and the database lacks,
    /// each in its own transaction, and refuses a database whose applied
    /// migrations differ from ours (edited after release) or are newer.
    async fn migrate(&self) -> Result<()> {
        let backend = self.backend();
        let migrations: Vec<(i64, &str, &str)> = MIGRATIONS
            .iter()
            .map(|(v, name, lite, pg)| match backend {
                Backend::Sqlite => (*v, *name, *lite),
                Backend::Postgres => (*v, *name, *pg),
            })
            .collect();
        both!(&self.pool, p => {
            sqlx::raw_sql(
                "CREATE TABLE IF NOT EXISTS schema_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL)",
            )
            .execute(p)
            .await?;
            let applied: Vec<(i64, String)> =
                sqlx::query_as("SELECT version, sha256 FROM schema_migration ORDER BY version")
                    .fetch_all(p)
                    .await?;
            let known: HashMap<i64, &str> = migrations.iter().map(|(v, _, s)| (*v, *s)).collect();
            for (v, sha) in &applied {
                match known.get(v) {
                    None => {
                        return Err(StoreError::Schema(format!(
                            "the database has migration {v}, which this appgov does not know: it was written by a newer version"
                        )));
                    }
                    Some(sql) if sha256_hex(sql.as_bytes()) != *sha => {
                        return Err(StoreError::Schema(format!(
                            "migration {v} differs from the one applied to this database"
                        )));
                    }
                    Some(_) => {}
                }
            }
            for (v, name, sql) in &migrations {
                if applied.iter().any(|(a, _)| a == v) {
                    continue;
                }
                let mut t = p.begin().await?;
                sqlx::raw_sql(AssertSqlSafe(*sql)).execute(&mut *t).await?;
                sqlx::query("INSERT INTO schema_migration (version, name, sha256, applied_at) VALUES ($1, $2, $3, $4)")
                    .bind(*v)
                    .bind(*name)
                    .bind(sha256_hex(sql.as_bytes()))
                    .bind(now())
                    .execute(&mut *t)
                    .await
                    .map_err(|e| StoreError::Schema(format!("recording migration {v} (was another appgov migrating at the same time?): {e}")))?;
                t.commit().await?;
            }
            Ok(())
        })
    }

    /// The schema version (the last migration applied).
    pub async fn schema_version(&self) -> Result<i64> {
        both!(&self.pool, p => {
            let (v,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(version), 0) FROM schema_migration")
                .fetch_one(p)
                .await?;
            Ok(v)
        })
    }

    /// Begins a write transaction for `actor`. Writers are serialised on
    /// the audit head, so events are numbered without gaps; nothing is
    /// visible to others until [`Tx::commit`], and dropping the Tx (or the
    /// process dying) rolls everything back.
    pub async fn write(&self, actor: &str) -> Result<Tx> {
        if actor.trim().is_empty() {
            return Err(StoreError::Config(
                "every change needs a named actor".into(),
            ));
        }
        let mut inner = match &self.pool {
            // IMMEDIATE: take the write lock now (waiting up to the busy
            // timeout) rather than fail later when a read would upgrade.
            Pool::Sqlite(p) => TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        let head: (i64, String) = both_tx!(&mut inner, t => {
            sqlx::query("UPDATE audit_head SET locked_at = $1 WHERE id = 1")
                .bind(now())
                .execute(&mut **t)
                .await?;
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(&mut **t)
                .await?
        });
        Ok(Tx {
            inner,
            actor: actor.trim().to_string(),
            head,
            events: 0,
        })
    }

    /// One record by id.
    pub async fn get<E: Stored>(&self, id: &str) -> Result<Option<E>> {
        let sql = select_sql::<E>("WHERE id = $1");
        both!(&self.pool, p => {
            let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?;
            row.map(|r| decode_row::<E, _>(&r)).transpose()
        })
    }

    /// Records whose `column` equals `value` (the column must be one of the
    /// entity's), ordered by id.
    pub async fn find<E: Stored>(&self, column: &str, value: &str) -> Result<Vec<E>> {
        let col = checked_column::<E>(column)?;
        let sql = select_sql::<E>(&format!("WHERE {col} = $1 ORDER BY id"));
        both!(&self.pool, p => {
            let rows = sqlx::query(AssertSqlSafe(sql)).bind(value).fetch_all(p).await?;
            rows.iter().map(|r| decode_row::<E, _>(r)).collect()
        })
    }

    /// Records whose `column` is one of `values` (queried in chunks of 500,
    /// so any number of values works on both backends).
    pub async fn find_in<E: Stored>(&self, column: &str, values: &[String]) -> Result<Vec<E>> {
        let col = checked_column::<E>(column)?;
        let mut out = Vec::new();
        for chunk in values.chunks(500) {
            let marks = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = select_sql::<E>(&format!("WHERE {col} IN ({marks}) ORDER BY id"));
            both!(&self.pool, p => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for v in chunk {
                    q = q.bind(v.clone());
                }
                for r in q.fetch_all(p).await? {
                    out.push(decode_row::<E, _>(&r)?);
                }
            });
        }
        Ok(out)
    }

    /// The record with the greatest id in each group of equal `column`
    /// values (ids sort by creation): the newest release of every app, in
    /// one query instead of loading every release ever recorded.
    pub async fn newest_per<E: Stored>(&self, column: &str) -> Result<Vec<E>> {
        let col = checked_column::<E>(column)?;
        let sql = select_sql::<E>(&format!(
            "WHERE id IN (SELECT MAX(id) FROM {} GROUP BY {col}) ORDER BY id",
            E::KIND
        ));
        both!(&self.pool, p => {
            let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(p).await?;
            rows.iter().map(|r| decode_row::<E, _>(r)).collect()
        })
    }

    /// Every record of a kind, ordered by id.
    pub async fn all<E: Stored>(&self) -> Result<Vec<E>> {
        let sql = select_sql::<E>("ORDER BY id");
        both!(&self.pool, p => {
            let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(p).await?;
            rows.iter().map(|r| decode_row::<E, _>(r)).collect()
        })
    }

    pub async fn count<E: Stored>(&self) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM {}", E::KIND);
        both!(&self.pool, p => {
            let (n,): (i64,) = sqlx::query_as(AssertSqlSafe(sql)).fetch_one(p).await?;
            Ok(n)
        })
    }

    /// A page of the ledger: filtered, searched, sorted.
    pub async fn list_apps(&self, q: &AppQuery) -> Result<AppPage> {
        let mut conds = Vec::new();
        let mut args: Vec<String> = Vec::new();
        let arg = |v: String, args: &mut Vec<String>| {
            args.push(v);
            format!("${}", args.len())
        };
        if let Some(f) = &q.form {
            let a = arg(f.as_str().to_string(), &mut args);
            conds.push(format!("form = {a}"));
        }
        if let Some(s) = &q.state {
            let a = arg(s.as_str().to_string(), &mut args);
            conds.push(format!("state = {a}"));
        }
        if let Some(d) = &q.department_id {
            let a = arg(d.clone(), &mut args);
            conds.push(format!("department_id = {a}"));
        }
        if let Some(orgs) = &q.within_orgs {
            if orgs.is_empty() {
                conds.push("1 = 0".to_string());
            } else {
                let list: Vec<String> = orgs.iter().map(|o| arg(o.clone(), &mut args)).collect();
                conds.push(format!(
                    "COALESCE(department_id, operator_id) IN ({})",
                    list.join(", ")
                ));
            }
        }
        let app_filtered = !conds.is_empty();
        let filter_only = conds.clone();
        let filter_args = args.len();
        // The search: each word's grams looked up in the backend's inverted
        // index (see `search` and migration 0006); words of three or more
        // characters then checked against the terms text, with LIKE's own
        // wildcards escaped — the text is read only for the apps the grams
        // let through.
        let mut search: Option<SearchSql> = None;
        if let Some(s) = q.search.as_deref() {
            let words = search::search_words(s);
            if !words.is_empty() {
                let mut grams: Vec<String> = Vec::new();
                let mut checks = String::new();
                for w in &words {
                    let (gs, check) = search::word_grams(w);
                    for g in gs {
                        if !grams.contains(&g) {
                            grams.push(g);
                        }
                    }
                    if check {
                        let pat = format!(
                            "%{}%",
                            w.replace('\\', "\\\\")
                                .replace('%', "\\%")
                                .replace('_', "\\_")
                        );
                        let a = arg(pat, &mut args);
                        checks.push_str(&format!(" AND s.terms LIKE {a} ESCAPE '\\'"));
                    }
                }
                search = Some(match self.backend() {
                    Backend::Sqlite => {
                        // Every word exact in the index: no text checks.
                        let expr = words
                            .iter()
                            .map(|w| search::fts_word(w))
                            .collect::<Vec<_>>()
                            .join(" AND ");
                        args.truncate(filter_args);
                        let m = arg(expr, &mut args);
                        let docs = format!(
                            "s.doc IN (SELECT rowid FROM app_search_gram WHERE app_search_gram MATCH {m})"
                        );
                        SearchSql {
                            count: format!(
                                "SELECT COUNT(*) FROM app_search_gram WHERE app_search_gram MATCH {m}"
                            ),
                            among: format!(
                                "id IN (SELECT s.app_id FROM app_search s WHERE {docs})"
                            ),
                            // `+`: the doc set is tested per app, never
                            // used as an index key (SQLite 3.51 would probe
                            // every matching doc for each app walked).
                            walking: Some(format!(
                                "EXISTS (SELECT 1 FROM app_search s WHERE s.app_id = app.id AND +{docs})"
                            )),
                        }
                    }
                    Backend::Postgres => {
                        let marks: Vec<String> =
                            grams.into_iter().map(|g| arg(g, &mut args)).collect();
                        let cond =
                            format!("s.grams @> ARRAY[{}]::text[]{checks}", marks.join(", "));
                        // PostgreSQL's planner has the grams' statistics
                        // and chooses the join itself.
                        SearchSql {
                            count: format!("SELECT COUNT(*) FROM app_search s WHERE {cond}"),
                            among: format!(
                                "id IN (SELECT s.app_id FROM app_search s WHERE {cond})"
                            ),
                            walking: None,
                        }
                    }
                });
            }
        }
        let filter_of = |conds: &[String]| {
            if conds.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", conds.join(" AND "))
            }
        };
        let order = match q.sort {
            AppSort::Name => "name",
            AppSort::State => "state",
            AppSort::Form => "form",
            AppSort::Created => "id",
        };
        let dir = if q.descending { "DESC" } else { "ASC" };
        let limit = q.limit.clamp(1, 1000);
        let offset = q.offset.max(0);
        // Every app has exactly one search row (kept in the app's own
        // transactions), so without other filters the matches are counted
        // in the search tables alone, without reading the apps.
        let count_sql = match &search {
            Some(s) if !app_filtered => s.count.clone(),
            Some(s) => format!(
                "SELECT COUNT(*) FROM app {}",
                filter_of(&[filter_only.clone(), vec![s.among.clone()]].concat())
            ),
            None => format!("SELECT COUNT(*) FROM app {}", filter_of(&filter_only)),
        };
        let total: i64 = both!(&self.pool, p => {
            let mut cq = sqlx::query_as::<_, (i64,)>(AssertSqlSafe(count_sql));
            for a in &args {
                cq = cq.bind(a.clone());
            }
            cq.fetch_one(p).await?.0
        });
        // The page's ids first (the sort key and id are in the page indexes,
        // so skipping to a deep page walks only the index), then the apps
        // by id. A search on SQLite chooses how to reach the page from the
        // count: many matches — walk the apps in page order, asking the
        // index of each (stops after the page); few — take the matches and
        // sort them. Walking costs about (offset + limit) × apps / matches
        // probes, sorting about the matches: walk while the first is
        // smaller (the apps' count taken from the highest search row
        // number, an upper bound read in one step).
        let mut conds = filter_only;
        if let Some(s) = &search {
            let walk = match &s.walking {
                Some(w) if total >= 1000 => {
                    let apps: i64 = both!(&self.pool, p => {
                        sqlx::query_as::<_, (Option<i64>,)>("SELECT MAX(doc) FROM app_search")
                            .fetch_one(p)
                            .await?
                            .0
                            .unwrap_or(0)
                    });
                    ((offset + limit) as i128 * apps as i128) < (total as i128 * total as i128)
                }
                _ => false,
            }
            .then(|| s.walking.clone())
            .flatten();
            conds.push(walk.unwrap_or_else(|| s.among.clone()));
        }
        let ids_sql = format!(
            "SELECT id FROM app {} ORDER BY {order} {dir}, id {dir} LIMIT {limit} OFFSET {offset}",
            filter_of(&conds)
        );
        let ids: Vec<String> = if offset >= total {
            Vec::new()
        } else {
            both!(&self.pool, p => {
                let mut pq = sqlx::query_as::<_, (String,)>(AssertSqlSafe(ids_sql));
                for a in &args {
                    pq = pq.bind(a.clone());
                }
                pq.fetch_all(p).await?.into_iter().map(|(id,)| id).collect()
            })
        };
        let mut found: HashMap<String, App> = self
            .find_in::<App>("id", &ids)
            .await?
            .into_iter()
            .map(|a| (a.id.clone(), a))
            .collect();
        let apps = ids.iter().filter_map(|id| found.remove(id)).collect();
        Ok(AppPage { apps, total })
    }

    /// The audit events about one object, oldest first.
    pub async fn history(&self, object_id: &str) -> Result<Vec<AuditEvent>> {
        both!(&self.pool, p => {
            let rows = sqlx::query("SELECT seq, at, actor, action, object_kind, object_id, before_json, after_json, prev_hash, hash FROM audit_event WHERE object_id = $1 ORDER BY seq")
                .bind(object_id)
                .fetch_all(p)
                .await?;
            rows.iter().map(rows::decode_event).collect()
        })
    }

    /// The events of one kind about one object, oldest first — the notes
    /// a record kind outside the tables keeps (the institution's policy
    /// versions). Uses the (object_kind, object_id) index.
    pub async fn notes(&self, object_kind: &str, object_id: &str) -> Result<Vec<AuditEvent>> {
        both!(&self.pool, p => {
            let rows = sqlx::query("SELECT seq, at, actor, action, object_kind, object_id, before_json, after_json, prev_hash, hash FROM audit_event WHERE object_kind = $1 AND object_id = $2 ORDER BY seq")
                .bind(object_kind)
                .bind(object_id)
                .fetch_all(p)
                .await?;
            rows.iter().map(rows::decode_event).collect()
        })
    }

    /// Checks the whole audit trail: the chain (numbering, links, hashes,
    /// head), and that every record in every table is exactly what its last
    /// audit event says — so a row changed, added or deleted in the
    /// database behind appgov's back is found, not only a forged event.
    pub async fn verify_audit(&self) -> Result<AuditReport> {
        const PAGE: i64 = 5000;
        let mut report = AuditReport::default();
        // (kind, id) → SHA-256 of the canonical JSON after the last event
        // (None when the last event deleted it).
        let mut last: HashMap<(String, String), Option<[u8; 32]>> = HashMap::new();
        let mut prev = audit::GENESIS.to_string();
        let mut expected = 1i64;
        let mut after_seq = 0i64;
        loop {
            let page = self.events_after(after_seq, PAGE).await?;
            let Some(end) = page.last().map(|e| e.seq) else {
                break;
            };
            for e in &page {
                if e.seq != expected {
                    report.chain.push(ChainProblem {
                        seq: e.seq,
                        problem: format!("event number {} where {expected} was expected (events missing or inserted)", e.seq),
                    });
                }
                if e.prev_hash != prev {
                    report.chain.push(ChainProblem {
                        seq: e.seq,
                        problem: "does not point at the previous event's hash".into(),
                    });
                }
                if e.hash != audit::event_hash(&e.prev_hash, e) {
                    report.chain.push(ChainProblem {
                        seq: e.seq,
                        problem: "its content does not match its hash (altered)".into(),
                    });
                }
                prev = e.hash.clone();
                expected = e.seq + 1;
                report.events += 1;
                if TABLES.contains(&e.object_kind.as_str()) {
                    let digest = match &e.after_json {
                        Some(j) => match serde_json::from_str::<Value>(j) {
                            Ok(v) => Some(canonical_digest(&v)),
                            Err(_) => {
                                report.chain.push(ChainProblem {
                                    seq: e.seq,
                                    problem: "its record is not valid JSON".into(),
                                });
                                None
                            }
                        },
                        None => None,
                    };
                    last.insert((e.object_kind.clone(), e.object_id.clone()), digest);
                }
            }
            after_seq = end;
        }
        let (head_seq, head_hash): (i64, String) = both!(&self.pool, p => {
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(p).await?
        });
        if head_seq != expected - 1 || head_hash != prev {
            report.chain.push(ChainProblem {
                seq: head_seq,
                problem: format!(
                    "the head record says the trail ends at event {head_seq}, the events end at {} (events removed from the end, or the head altered)",
                    expected - 1
                ),
            });
        }
        report.head_seq = head_seq;
        report.head_hash = head_hash;
        // Every row against its last event.
        for table in TABLES {
            let cols = columns::columns_of(table).expect("TABLES lists known tables");
            let mut after_id = String::new();
            loop {
                let sql = format!(
                    "SELECT {} FROM {table} WHERE id > $1 ORDER BY id LIMIT {PAGE}",
                    cols.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
                );
                let page: Vec<(String, Value)> = both!(&self.pool, p => {
                    let rows = sqlx::query(AssertSqlSafe(sql)).bind(&after_id).fetch_all(p).await?;
                    rows.iter()
                        .map(|r| {
                            let m = rows::row_map(r, cols)?;
                            let id = m.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
                            Ok((id, Value::Object(m)))
                        })
                        .collect::<Result<Vec<_>>>()?
                });
                let Some((end, _)) = page.last() else { break };
                let end = end.clone();
                for (id, row) in page {
                    report.records += 1;
                    match last.remove(&(table.to_string(), id.clone())) {
                        None => report.records_problems.push(format!(
                            "{table} {id}: in the database but never recorded in the audit trail (added behind appgov's back)"
                        )),
                        Some(None) => report.records_problems.push(format!(
                            "{table} {id}: deleted according to the audit trail, but present in the database"
                        )),
                        Some(Some(d)) if d != canonical_digest(&row) => {
                            report.records_problems.push(format!(
                                "{table} {id}: differs from its last audited state (changed behind appgov's back)"
                            ))
                        }
                        Some(Some(_)) => {}
                    }
                }
                after_id = end;
            }
        }
        let mut missing: Vec<_> = last
            .into_iter()
            .filter(|(_, d)| d.is_some())
            .map(|((k, id), _)| format!("{k} {id}: in the audit trail but missing from the database (deleted behind appgov's back)"))
            .collect();
        missing.sort();
        report.records_problems.extend(missing);
        Ok(report)
    }

    /// Rows of every table as JSON, in dependency order (for copying the
    /// whole store to another database).
    pub async fn dump_table(&self, table: &str) -> Result<Vec<Value>> {
        let cols = columns::columns_of(table)
            .ok_or_else(|| StoreError::Config(format!("no table {table}")))?;
        let sql = format!(
            "SELECT {} FROM {table} ORDER BY id",
            cols.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
        );
        both!(&self.pool, p => {
            let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(p).await?;
            rows.iter().map(|r| rows::row_map(r, cols).map(Value::Object)).collect()
        })
    }

    /// Up to `limit` audit events after event `after_seq`, in order (the
    /// trail read page by page).
    pub async fn events_after(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEvent>> {
        both!(&self.pool, p => {
            let rows = sqlx::query("SELECT seq, at, actor, action, object_kind, object_id, before_json, after_json, prev_hash, hash FROM audit_event WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(after_seq)
                .bind(limit)
                .fetch_all(p)
                .await?;
            rows.iter().map(rows::decode_event).collect()
        })
    }

    /// Up to `limit` audit events before event `before_seq` (None: the
    /// newest), newest first — the trail read backwards page by page.
    pub async fn events_before(
        &self,
        before_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEvent>> {
        let before = before_seq.unwrap_or(i64::MAX);
        both!(&self.pool, p => {
            let rows = sqlx::query("SELECT seq, at, actor, action, object_kind, object_id, before_json, after_json, prev_hash, hash FROM audit_event WHERE seq < $1 ORDER BY seq DESC LIMIT $2")
                .bind(before)
                .bind(limit)
                .fetch_all(p)
                .await?;
            rows.iter().map(rows::decode_event).collect()
        })
    }

    /// Whether an event with this hash is in the trail (a head recorded
    /// earlier must still be there, however much the trail has grown).
    pub async fn has_event_hash(&self, hash: &str) -> Result<bool> {
        both!(&self.pool, p => {
            let row: Option<(i64,)> = sqlx::query_as("SELECT seq FROM audit_event WHERE hash = $1")
                .bind(hash)
                .fetch_optional(p)
                .await?;
            Ok(row.is_some())
        })
    }

    /// Every audit event, oldest first.
    pub async fn audit_events(&self) -> Result<Vec<AuditEvent>> {
        let mut all = Vec::new();
        loop {
            let page = self
                .events_after(all.last().map_or(0, |e: &AuditEvent| e.seq), 5000)
                .await?;
            if page.is_empty() {
                return Ok(all);
            }
            all.extend(page);
        }
    }

    /// Copies everything — records, audit trail and head, unchanged — into
    /// `target`, which must be empty. One transaction on the target: a
    /// failure leaves it as it was.
    pub async fn copy_to(&self, target: &Store) -> Result<CopyReport> {
        let mut report = CopyReport::default();
        let mut inner = match &target.pool {
            Pool::Sqlite(p) => TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        for table in TABLES.iter().copied().chain(["audit_event"]) {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let (n,): (i64,) = both_tx!(&mut inner, t => sqlx::query_as(AssertSqlSafe(sql)).fetch_one(&mut **t).await?);
            if n > 0 {
                return Err(StoreError::Config(format!(
                    "the target database is not empty ({table} has {n} rows); copy only into a fresh database"
                )));
            }
        }
        // Page by page, so memory stays bounded however large the ledger.
        const PAGE: i64 = 5000;
        for table in TABLES {
            let cols = columns::columns_of(table).expect("known table");
            let sql = insert_sql(table, cols);
            let select = format!(
                "SELECT {} FROM {table} WHERE id > $1 ORDER BY id LIMIT {PAGE}",
                cols.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
            );
            let mut after = String::new();
            loop {
                let page: Vec<Map<String, Value>> = both!(&self.pool, p => {
                    let rows = sqlx::query(AssertSqlSafe(select.clone())).bind(&after).fetch_all(p).await?;
                    rows.iter().map(|r| rows::row_map(r, cols)).collect::<Result<Vec<_>>>()?
                });
                let Some(last) = page.last() else { break };
                after = last
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                for m in page {
                    let vals = bound_values(&m, cols);
                    both_tx!(&mut inner, t => {
                        bind_all!(sqlx::query(AssertSqlSafe(sql.clone())), vals)
                            .execute(&mut **t)
                            .await
                            .map_err(|e| classify("copy", e))?;
                    });
                    report.records += 1;
                }
            }
        }
        let mut after_seq = 0i64;
        loop {
            let events = self.events_after(after_seq, PAGE).await?;
            let Some(last) = events.last() else { break };
            after_seq = last.seq;
            for e in &events {
                both_tx!(&mut inner, t => {
                    sqlx::query("INSERT INTO audit_event (seq, at, actor, action, object_kind, object_id, before_json, after_json, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                        .bind(e.seq).bind(&e.at).bind(&e.actor).bind(&e.action).bind(&e.object_kind)
                        .bind(&e.object_id).bind(&e.before_json).bind(&e.after_json).bind(&e.prev_hash).bind(&e.hash)
                        .execute(&mut **t)
                        .await?;
                });
                report.events += 1;
            }
        }
        let (hs, hh): (i64, String) = both!(&self.pool, p => {
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(p).await?
        });
        both_tx!(&mut inner, t => {
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2, locked_at = NULL WHERE id = 1")
                .bind(hs)
                .bind(&hh)
                .execute(&mut **t)
                .await?;
        });
        both_tx!(inner, t => t.commit().await?);
        target.backfill_search().await?;
        Ok(report)
    }

    /// Changes one stored value directly, bypassing the audit trail — only
    /// for tests that prove `verify_audit` notices such tampering.
    #[doc(hidden)]
    pub async fn tamper_for_test(&self, sql: &'static str) -> Result<u64> {
        both!(&self.pool, p => Ok(sqlx::raw_sql(sql).execute(p).await?.rows_affected()))
    }

    pub async fn close(&self) {
        both!(&self.pool, p => p.close().await)
    }
}

/// Creates an empty PostgreSQL database next to the one `admin_url` names
/// and returns its URL — for tests and benchmarks that need a fresh
/// database each.
#[doc(hidden)]
pub async fn scratch_postgres(admin_url: &str) -> Result<String> {
    let opts = PgConnectOptions::from_str(admin_url)
        .map_err(|e| StoreError::Config(format!("admin URL: {e}")))?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await?;
    let name = format!("appgov_{}", uuid::Uuid::now_v7().simple());
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await?;
    pool.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .ok_or_else(|| StoreError::Config("admin URL has no database part".into()))?;
    Ok(format!("{base}/{name}"))
}

/// SHA-256 of a JSON value's canonical form: object keys sorted at every
/// level (written out here rather than relying on serde_json's map order,
/// which a dependency enabling `preserve_order` would change).
fn canonical_digest(v: &Value) -> [u8; 32] {
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    write(&m[k], out);
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(x, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut s = String::new();
    write(v, &mut s);
    Sha256::digest(s.as_bytes()).into()
}

fn select_sql<E: Stored>(tail: &str) -> String {
    format!(
        "SELECT {} FROM {} {tail}",
        E::COLUMNS
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", "),
        E::KIND
    )
}

fn insert_sql(table: &str, cols: &[(&str, Col)]) -> String {
    format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        cols.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", "),
        (1..=cols.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn checked_column<E: Stored>(column: &str) -> Result<&'static str> {
    E::COLUMNS
        .iter()
        .find(|(c, _)| *c == column)
        .map(|(c, _)| *c)
        .ok_or_else(|| StoreError::Config(format!("{} has no column {column}", E::KIND)))
}

/// A search as SQL over `app` (see `Store::list_apps`): the count of its
/// matches alone, the condition that takes the matches, and (SQLite) the
/// condition asked of each app while walking the page order.
struct SearchSql {
    count: String,
    among: String,
    walking: Option<String>,
}

/// Filters, search and order for a ledger page.
#[derive(Debug, Clone)]
pub struct AppQuery {
    pub form: Option<appgov_ledger::AppForm>,
    pub state: Option<appgov_ledger::AppState>,
    pub department_id: Option<String>,
    /// Only apps placed (by department, else operator) in one of these org
    /// nodes — the caller's visible subtrees. None: no restriction; an
    /// empty list: nothing.
    pub within_orgs: Option<Vec<String>>,
    pub search: Option<String>,
    pub sort: AppSort,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

impl Default for AppQuery {
    fn default() -> Self {
        AppQuery {
            form: None,
            state: None,
            department_id: None,
            within_orgs: None,
            search: None,
            sort: AppSort::Name,
            descending: false,
            limit: 50,
            offset: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppSort {
    Name,
    State,
    Form,
    Created,
}

#[derive(Debug, Clone)]
pub struct AppPage {
    pub apps: Vec<App>,
    /// Matching apps in all pages.
    pub total: i64,
}

/// What `audit verify` found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct AuditReport {
    pub events: i64,
    pub records: i64,
    pub head_seq: i64,
    pub head_hash: String,
    pub chain: Vec<ChainProblem>,
    pub records_problems: Vec<String>,
}

impl AuditReport {
    pub fn intact(&self) -> bool {
        self.chain.is_empty() && self.records_problems.is_empty()
    }
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CopyReport {
    pub records: i64,
    pub events: i64,
}

enum TxInner {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// A write transaction: every change is validated, version-checked and
/// audited in the same commit.
pub struct Tx {
    inner: TxInner,
    actor: String,
    head: (i64, String),
    events: i64,
}

impl Tx {
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// How many audit events this transaction has written so far.
    pub fn events(&self) -> i64 {
        self.events
    }

    /// Records a new entity: gives it an id (unless it has one) and version
    /// 1, validates it, writes it and its audit event.
    pub async fn insert<E: Stored>(&mut self, e: &mut E) -> Result<()> {
        if e.id().is_empty() {
            e.set_id(new_id());
        }
        e.set_version(1);
        validate(e)?;
        let m = to_map(e);
        let vals = bound_values(&m, E::COLUMNS);
        let sql = insert_sql(E::KIND, E::COLUMNS);
        both_tx!(&mut self.inner, t => {
            bind_all!(sqlx::query(AssertSqlSafe(sql)), vals)
                .execute(&mut **t)
                .await
                .map_err(|err| classify(E::KIND, err))?;
        });
        let after = serde_json::to_string(e).expect("entities serialise");
        self.append("create", E::KIND, e.id(), None, Some(after))
            .await?;
        if let Some(app) = search_app_of(E::KIND, &m) {
            self.refresh_search(&app).await?;
        }
        Ok(())
    }

    /// Saves a changed entity. `e.version()` must be the version it was
    /// read at; someone else's change in between is a conflict, not a
    /// silent overwrite. On success the entity carries its new version.
    /// Returns false (and writes nothing) when nothing changed.
    pub async fn update<E: Stored>(&mut self, e: &mut E) -> Result<bool> {
        let expected = e.version();
        let Some(before) = self.get::<E>(e.id()).await? else {
            return Err(StoreError::NotFound {
                kind: E::KIND,
                id: e.id().to_string(),
            });
        };
        if before.version() != expected {
            return Err(StoreError::Conflict {
                kind: E::KIND,
                id: e.id().to_string(),
                expected,
                current: before.version(),
            });
        }
        let before_json = serde_json::to_string(&before).expect("entities serialise");
        if before_json == serde_json::to_string(e).expect("entities serialise") {
            return Ok(false);
        }
        validate(e)?;
        e.set_version(expected + 1);
        let m = to_map(e);
        let set_cols: Vec<&(&str, Col)> = E::COLUMNS.iter().filter(|(c, _)| *c != "id").collect();
        let sets = set_cols
            .iter()
            .enumerate()
            .map(|(i, (c, _))| format!("{c} = ${}", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let n = set_cols.len();
        let sql = format!(
            "UPDATE {} SET {sets} WHERE id = ${} AND version = ${}",
            E::KIND,
            n + 1,
            n + 2
        );
        let owned: Vec<(&str, Col)> = set_cols.iter().map(|c| **c).collect();
        let mut vals = bound_values(&m, &owned);
        vals.push(Bound::Text(Some(e.id().to_string())));
        vals.push(Bound::Int(Some(expected)));
        let affected = both_tx!(&mut self.inner, t => {
            bind_all!(sqlx::query(AssertSqlSafe(sql)), vals)
                .execute(&mut **t)
                .await
                .map_err(|err| classify(E::KIND, err))?
                .rows_affected()
        });
        if affected != 1 {
            e.set_version(expected);
            return Err(StoreError::Conflict {
                kind: E::KIND,
                id: e.id().to_string(),
                expected,
                current: expected + 1,
            });
        }
        let after = serde_json::to_string(e).expect("entities serialise");
        self.append("update", E::KIND, e.id(), Some(before_json), Some(after))
            .await?;
        if let Some(app) = search_app_of(E::KIND, &m) {
            self.refresh_search(&app).await?;
        }
        if let Some(old) = search_app_of(E::KIND, &to_map(&before))
            && Some(&old) != search_app_of(E::KIND, &m).as_ref()
        {
            self.refresh_search(&old).await?;
        }
        Ok(true)
    }

    /// Deletes a record at the version it was read at.
    pub async fn delete<E: Stored>(&mut self, id: &str, expected_version: i64) -> Result<()> {
        let Some(before) = self.get::<E>(id).await? else {
            return Err(StoreError::NotFound {
                kind: E::KIND,
                id: id.to_string(),
            });
        };
        if before.version() != expected_version {
            return Err(StoreError::Conflict {
                kind: E::KIND,
                id: id.to_string(),
                expected: expected_version,
                current: before.version(),
            });
        }
        let sql = format!("DELETE FROM {} WHERE id = $1 AND version = $2", E::KIND);
        both_tx!(&mut self.inner, t => {
            sqlx::query(AssertSqlSafe(sql))
                .bind(id)
                .bind(expected_version)
                .execute(&mut **t)
                .await
                .map_err(|err| classify(E::KIND, err))?;
        });
        let before_json = serde_json::to_string(&before).expect("entities serialise");
        self.append("delete", E::KIND, id, Some(before_json), None)
            .await?;
        if let Some(app) = search_app_of(E::KIND, &to_map(&before)) {
            self.refresh_search(&app).await?;
        }
        Ok(())
    }

    /// Rewrites an app's search terms from what this transaction sees (its
    /// row goes when the app is gone).
    async fn refresh_search(&mut self, app_id: &str) -> Result<()> {
        let app: Option<App> = self.get(app_id).await?;
        let terms = match &app {
            Some(a) => {
                let ids: Vec<String> = self
                    .find::<AppIdentity>("app_id", app_id)
                    .await?
                    .into_iter()
                    .map(|i| i.identifier)
                    .collect();
                Some(search::search_terms(&a.name, &a.aliases, &ids))
            }
            None => None,
        };
        match (&mut self.inner, terms) {
            (TxInner::Sqlite(t), Some(terms)) => {
                overview::put_terms_sqlite(t, app_id, &terms).await?
            }
            (TxInner::Postgres(t), Some(terms)) => {
                overview::put_terms_postgres(t, app_id, &terms).await?
            }
            (TxInner::Sqlite(t), None) => overview::drop_terms_sqlite(t, app_id).await?,
            (TxInner::Postgres(t), None) => overview::drop_terms_postgres(t, app_id).await?,
        }
        Ok(())
    }

    /// Reads a record inside the transaction (sees its own writes).
    pub async fn get<E: Stored>(&mut self, id: &str) -> Result<Option<E>> {
        let sql = select_sql::<E>("WHERE id = $1");
        both_tx!(&mut self.inner, t => {
            let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&mut **t).await?;
            row.map(|r| decode_row::<E, _>(&r)).transpose()
        })
    }

    /// Records matching `column = value` inside the transaction.
    pub async fn find<E: Stored>(&mut self, column: &str, value: &str) -> Result<Vec<E>> {
        let col = checked_column::<E>(column)?;
        let sql = select_sql::<E>(&format!("WHERE {col} = $1 ORDER BY id"));
        both_tx!(&mut self.inner, t => {
            let rows = sqlx::query(AssertSqlSafe(sql)).bind(value).fetch_all(&mut **t).await?;
            rows.iter().map(|r| decode_row::<E, _>(r)).collect()
        })
    }

    /// An audit event that is not a record change (a file stored, an
    /// import summary): `object_kind` must not be one of the tables.
    pub async fn note(
        &mut self,
        action: &str,
        object_kind: &str,
        object_id: &str,
        detail: &Value,
    ) -> Result<()> {
        if TABLES.contains(&object_kind) {
            return Err(StoreError::Config(format!(
                "{object_kind} changes are recorded by insert/update/delete"
            )));
        }
        self.append(
            action,
            object_kind,
            object_id,
            None,
            Some(serde_json::to_string(detail).expect("JSON serialises")),
        )
        .await
    }

    async fn append(
        &mut self,
        action: &str,
        kind: &str,
        id: &str,
        before: Option<String>,
        after: Option<String>,
    ) -> Result<()> {
        let mut e = AuditEvent {
            seq: self.head.0 + 1,
            at: now(),
            actor: self.actor.clone(),
            action: action.to_string(),
            object_kind: kind.to_string(),
            object_id: id.to_string(),
            before_json: before,
            after_json: after,
            prev_hash: self.head.1.clone(),
            hash: String::new(),
        };
        e.hash = audit::event_hash(&e.prev_hash, &e);
        both_tx!(&mut self.inner, t => {
            sqlx::query("INSERT INTO audit_event (seq, at, actor, action, object_kind, object_id, before_json, after_json, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .bind(e.seq).bind(&e.at).bind(&e.actor).bind(&e.action).bind(&e.object_kind)
                .bind(&e.object_id).bind(&e.before_json).bind(&e.after_json).bind(&e.prev_hash).bind(&e.hash)
                .execute(&mut **t)
                .await?;
        });
        self.head = (e.seq, e.hash);
        self.events += 1;
        Ok(())
    }

    /// Makes every change of the transaction visible, with its audit
    /// events, at once.
    pub async fn commit(mut self) -> Result<()> {
        let (seq, hash) = self.head.clone();
        both_tx!(&mut self.inner, t => {
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2, locked_at = NULL WHERE id = 1")
                .bind(seq)
                .bind(hash)
                .execute(&mut **t)
                .await?;
        });
        both_tx!(self.inner, t => t.commit().await.map_err(|e| classify("commit", e))?);
        Ok(())
    }

    /// Abandons every change.
    pub async fn rollback(self) -> Result<()> {
        both_tx!(self.inner, t => t.rollback().await?);
        Ok(())
    }
}

/// The app whose search terms a change of this record touches.
fn search_app_of(kind: &str, m: &Map<String, Value>) -> Option<String> {
    let key = if kind == App::KIND {
        "id"
    } else if kind == AppIdentity::KIND {
        "app_id"
    } else {
        return None;
    };
    m.get(key).and_then(Value::as_str).map(str::to_string)
}

/// The record's own rules (the domain's `problems`).
fn validate<E: Stored>(e: &E) -> Result<()> {
    let problems = e.problems();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            kind: E::KIND,
            id: e.id().to_string(),
            problems,
        })
    }
}

fn to_map<E: Stored>(e: &E) -> Map<String, Value> {
    match serde_json::to_value(e).expect("entities serialise") {
        Value::Object(m) => m,
        _ => unreachable!("entities are structs"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use appgov_ledger::model::*;

    /// Every entity's fields are exactly its columns.
    #[test]
    fn columns_match_entity_fields() {
        fn check<E: Stored>(sample: serde_json::Value) {
            let e: E =
                serde_json::from_value(sample).unwrap_or_else(|err| panic!("{}: {err}", E::KIND));
            let m = to_map(&e);
            let mut fields: Vec<&str> = m.keys().map(String::as_str).collect();
            let mut cols: Vec<&str> = E::COLUMNS.iter().map(|(c, _)| *c).collect();
            fields.sort();
            cols.sort();
            assert_eq!(fields, cols, "{}", E::KIND);
        }
        let s = rows::samples();
        check::<OrgNode>(s["org_node"].clone());
        check::<Person>(s["person"].clone());
        check::<App>(s["app"].clone());
        check::<AppIdentity>(s["app_identity"].clone());
        check::<PublishingAccount>(s["publishing_account"].clone());
        check::<Listing>(s["listing"].clone());
        check::<Release>(s["app_release"].clone());
        check::<ReleaseFinding>(s["release_finding"].clone());
        check::<SdkUsage>(s["sdk_usage"].clone());
        check::<ThirdParty>(s["third_party"].clone());
        check::<Agreement>(s["agreement"].clone());
        check::<AccessGrant>(s["access_grant"].clone());
        check::<Filing>(s["filing"].clone());
        check::<ActivityMetric>(s["activity_metric"].clone());
        check::<Transition>(s["transition"].clone());
        check::<GateRecord>(s["gate_record"].clone());
    }
}
