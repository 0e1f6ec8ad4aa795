//! `appgov ledger import|export`: the ledger as the spreadsheet banks keep
//! today. Import is all or nothing — every row is checked and resolved
//! first, then written in one transaction; any problem and nothing is
//! written. `--dry-run` goes as far as the write and rolls it back.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use appgov_ledger::model::*;
use appgov_ledger::vocab::*;
use appgov_sheet::{HeaderLanguage, LedgerRow, Limits, Mapping};
use appgov_store::Store;
use clap::{Subcommand, ValueEnum};

use crate::ledger::{StoreArgs, open, runtime};

#[derive(Subcommand, Debug)]
pub enum LedgerCmd {
    /// Imports apps from a CSV or XLSX sheet (header with at least name and
    /// form; Chinese headers such as 应用名称, 应用形态, 牵头部门, 责任人, 包名
    /// are recognised). Departments and people named in the sheet are
    /// created when missing. Exit 1 (nothing written) on any row error.
    Import {
        file: PathBuf,
        /// Maps a header to a field: `--map "应用全称=name"` (repeatable).
        #[arg(long = "map")]
        maps: Vec<String>,
        /// Check and resolve everything, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The worksheet to read (XLSX; default the first).
        #[arg(long)]
        sheet: Option<String>,
    },
    /// Exports the ledger: name, form, department, responsible_person,
    /// package first, then every other column.
    Export {
        #[arg(long, value_enum, default_value = "xlsx")]
        format: SheetFormat,
        #[arg(long)]
        out: PathBuf,
        /// Header language.
        #[arg(long, value_enum, default_value = "en")]
        header: HeaderLang,
    },
    /// The derived views: ledger quality (missing owners, filings, own
    /// accounts, certificates), certificate continuity, filing drift,
    /// consolidation candidates (article 2) — each with its reasons. Exit 0
    /// nothing to report, 1 something is.
    Views {
        /// Only these views (repeatable): quality, continuity, drift,
        /// consolidation.
        #[arg(long = "only", value_enum)]
        only: Vec<ViewKind>,
        #[arg(long, value_enum, default_value_t)]
        format: crate::ledger::OutFormat,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ViewKind {
    Quality,
    Continuity,
    Drift,
    Consolidation,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SheetFormat {
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HeaderLang {
    En,
    Zh,
}

pub fn ledger(s: &StoreArgs, cmd: &LedgerCmd) -> Result<ExitCode> {
    match cmd {
        LedgerCmd::Import {
            file,
            maps,
            dry_run,
            sheet,
        } => import(s, file, maps, *dry_run, sheet.as_deref()),
        LedgerCmd::Export {
            format,
            out,
            header,
        } => export(s, *format, out, *header),
        LedgerCmd::Views { only, format } => views(s, only, *format),
    }
}

fn views(s: &StoreArgs, only: &[ViewKind], format: crate::ledger::OutFormat) -> Result<ExitCode> {
    let want = |k| only.is_empty() || only.contains(&k);
    let v = runtime()?.block_on(async {
        let store = open(s).await?;
        let snapshot = store.views_snapshot().await;
        store.close().await;
        let snapshot = snapshot?;
        anyhow::Ok(appgov_ledger::views::ledger_views(
            &snapshot,
            &appgov_ledger::views::ConsolidationRules::default(),
            &crate::gates::today_cn(),
        ))
    })?;
    let mut any = false;
    if format == crate::ledger::OutFormat::Json {
        let mut out = serde_json::Map::new();
        if want(ViewKind::Quality) {
            any |= !v.quality.is_empty();
            out.insert("quality".into(), serde_json::to_value(&v.quality)?);
        }
        if want(ViewKind::Continuity) {
            any |= !v.continuity.is_empty();
            out.insert("continuity".into(), serde_json::to_value(&v.continuity)?);
        }
        if want(ViewKind::Drift) {
            any |= !v.drift.is_empty();
            out.insert("drift".into(), serde_json::to_value(&v.drift)?);
        }
        if want(ViewKind::Consolidation) {
            any |= !v.consolidation.is_empty();
            out.insert(
                "consolidation".into(),
                serde_json::to_value(&v.consolidation)?,
            );
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        if want(ViewKind::Continuity) {
            println!(
                "证书连续性 Certificate continuity: {} alerts",
                v.continuity.len()
            );
            for a in &v.continuity {
                any = true;
                println!(
                    "  !! {} {}: {}",
                    a.app_name.as_deref().unwrap_or(&a.app_id),
                    a.release_id,
                    a.reason.text()
                );
            }
        }
        if want(ViewKind::Quality) {
            println!(
                "台账质量 Ledger quality: {} apps with issues",
                v.quality.len()
            );
            for q in &v.quality {
                any = true;
                println!("  {} ({})", q.app_name, q.state.label_zh());
                for i in &q.issues {
                    println!("    - {}", i.reason.text());
                }
            }
        }
        if want(ViewKind::Drift) {
            println!("备案偏差 Filing drift: {} filings", v.drift.len());
            for d in &v.drift {
                any = true;
                println!(
                    "  {} {} {}{}",
                    d.app_name,
                    d.filing_kind.label_zh(),
                    d.filing_number.as_deref().unwrap_or("—"),
                    if d.material() {
                        " (must be amended)"
                    } else {
                        ""
                    }
                );
                for i in &d.items {
                    println!("    - {}", i.reason.text());
                }
                for r in &d.not_comparable {
                    println!("    ? {}", r.text());
                }
            }
        }
        if want(ViewKind::Consolidation) {
            println!(
                "整合候选 Consolidation candidates: {}",
                v.consolidation.len()
            );
            for c in &v.consolidation {
                any = true;
                println!("  {}", c.app_name);
                for r in &c.reasons {
                    println!("    - {}", r.text());
                }
            }
        }
    }
    Ok(if any {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn import(
    s: &StoreArgs,
    file: &std::path::Path,
    maps: &[String],
    dry_run: bool,
    sheet_name: Option<&str>,
) -> Result<ExitCode> {
    let limits = Limits::default();
    let size = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    if size > limits.max_file_bytes {
        bail!(
            "{} is {size} bytes; sheets larger than {} bytes are refused",
            file.display(),
            limits.max_file_bytes
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let mapping = Mapping::from_args(maps)?;
    let sheet = match sheet_name {
        Some(n) => appgov_sheet::read_xlsx(&bytes, Some(n), &mapping, &limits),
        None => appgov_sheet::read_any(&bytes, &mapping, &limits),
    }
    .with_context(|| format!("in {}", file.display()))?;
    eprintln!(
        "read {} ({}{}): {} rows; columns: {}",
        file.display(),
        sheet.format,
        sheet.encoding.map(|e| format!(", {e}")).unwrap_or_default(),
        sheet.rows.len(),
        sheet
            .columns
            .iter()
            .map(|c| format!("{}={}", c.header, c.field.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !sheet.ignored_columns.is_empty() {
        eprintln!("ignored columns: {}", sheet.ignored_columns.join(", "));
    }
    for w in &sheet.warnings {
        eprintln!("warning: {w}");
    }
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for r in &sheet.rows {
        match &r.result {
            Ok(row) => rows.push((r.row, row.clone())),
            Err(problems) => {
                for p in problems {
                    errors.push(format!("row {}: {p}", r.row));
                }
            }
        }
    }
    if !errors.is_empty() {
        for e in &errors {
            println!("{e}");
        }
        println!(
            "nothing imported: {} problems in {} rows",
            errors.len(),
            sheet.rows.iter().filter(|r| r.result.is_err()).count()
        );
        return Ok(ExitCode::from(1));
    }
    runtime()?.block_on(async {
        let store = open(s).await?;
        let outcome = write_rows(s, &store, &rows, dry_run).await;
        store.close().await;
        match outcome {
            Ok(summary) => {
                println!("{summary}");
                Ok(ExitCode::SUCCESS)
            }
            Err(RowsError::Rows(errs)) => {
                for e in &errs {
                    println!("{e}");
                }
                println!("nothing imported: {} problems", errs.len());
                Ok(ExitCode::from(1))
            }
            Err(RowsError::Other(e)) => Err(e.context("nothing imported")),
        }
    })
}

enum RowsError {
    Rows(Vec<String>),
    Other(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for RowsError {
    fn from(e: E) -> Self {
        RowsError::Other(e.into())
    }
}

/// Resolves names and writes every row in one transaction.
async fn write_rows(
    s: &StoreArgs,
    store: &Store,
    rows: &[(usize, LedgerRow)],
    dry_run: bool,
) -> Result<String, RowsError> {
    let orgs = store.all::<OrgNode>().await?;
    let people = store.all::<Person>().await?;
    let identities = store.all::<AppIdentity>().await?;
    let apps = store.all::<App>().await?;
    let institutions: Vec<&OrgNode> = orgs
        .iter()
        .filter(|o| matches!(o.kind, OrgKind::Institution | OrgKind::Subsidiary))
        .collect();
    let mut org_by_name: HashMap<String, String> = orgs
        .iter()
        .map(|o| (o.name.clone(), o.id.clone()))
        .collect();
    let mut person_by_name: HashMap<String, String> = HashMap::new();
    for p in &people {
        person_by_name.entry(p.name.clone()).or_insert(p.id.clone());
    }
    let mut errors = Vec::new();
    for (n, r) in rows {
        if let Some(pkg) = &r.package
            && let Some(i) = identities
                .iter()
                .find(|i| i.platform == r.form.platform() && &i.identifier == pkg)
        {
            let owner = apps
                .iter()
                .find(|a| a.id == i.app_id)
                .map(|a| a.name.as_str())
                .unwrap_or("?");
            errors.push(format!(
                "row {n}: package {pkg} is already in the ledger as app {owner} ({})",
                i.app_id
            ));
        }
        if r.package.is_none() && apps.iter().any(|a| a.name == r.name && a.form == r.form) {
            errors.push(format!(
                "row {n}: an app {} ({}) is already in the ledger",
                r.name,
                r.form.as_str()
            ));
        }
        if let Some(op) = &r.operator
            && !org_by_name.contains_key(op)
        {
            errors.push(format!("row {n}: operator {op:?} is not an organisation in the ledger (add it with `appgov org add`)"));
        }
    }
    let default_operator = match institutions.as_slice() {
        [one] => Some(one.id.clone()),
        _ => None,
    };
    if default_operator.is_none()
        && rows
            .iter()
            .any(|(_, r)| r.department.is_some() && r.operator.is_none())
    {
        errors.push(format!(
            "the ledger has {} institutions: name the operator of each row (column operator / 运营机构), or run `appgov init --institution NAME` first",
            institutions.len()
        ));
    }
    if !errors.is_empty() {
        return Err(RowsError::Rows(errors));
    }
    let actor = s.actor()?;
    let mut tx = store.write(&actor).await?;
    let (mut new_orgs, mut new_people, mut new_apps) = (0, 0, 0);
    let total = rows.len();
    for (i, (n, r)) in rows.iter().enumerate() {
        let operator = match &r.operator {
            Some(op) => Some(org_by_name[op].clone()),
            None => default_operator.clone(),
        };
        let department_id = match &r.department {
            None => None,
            Some(d) => Some(match org_by_name.get(d) {
                Some(id) => id.clone(),
                None => {
                    let mut o = OrgNode {
                        id: String::new(),
                        kind: OrgKind::Department,
                        name: d.clone(),
                        parent_id: operator.clone(),
                        credit_code: None,
                        regulator: None,
                        version: 0,
                    };
                    tx.insert(&mut o).await.map_err(|e| row_err(*n, e))?;
                    new_orgs += 1;
                    org_by_name.insert(d.clone(), o.id.clone());
                    o.id
                }
            }),
        };
        let person = |name: &Option<String>, role: Role| name.as_ref().map(|n| (n.clone(), role));
        let wanted = [
            person(&r.responsible_person, Role::AppOwner),
            person(&r.tech_owner, Role::TechOwner),
            person(&r.security_owner, Role::SecurityOwner),
            person(&r.data_owner, Role::DataOwner),
        ];
        let mut ids: [Option<String>; 4] = Default::default();
        for (slot, w) in ids.iter_mut().zip(wanted) {
            let Some((name, role)) = w else { continue };
            let id = match person_by_name.get(&name) {
                Some(id) => id.clone(),
                None => {
                    let mut p = Person {
                        id: String::new(),
                        name: name.clone(),
                        org_id: department_id.clone(),
                        title: None,
                        contact: None,
                        roles: vec![role],
                        external: false,
                        version: 0,
                    };
                    tx.insert(&mut p).await.map_err(|e| row_err(*n, e))?;
                    new_people += 1;
                    person_by_name.insert(name, p.id.clone());
                    p.id
                }
            };
            *slot = Some(id);
        }
        let [responsible, tech, security, data] = ids;
        let mut app = r.to_app(appgov_sheet::RowRefs {
            operator_id: operator,
            department_id,
            responsible_person_id: responsible,
            tech_owner_id: tech,
            security_owner_id: security,
            data_owner_id: data,
        });
        tx.insert(&mut app).await.map_err(|e| row_err(*n, e))?;
        new_apps += 1;
        if let Some(mut identity) = r.to_identity(&app.id) {
            tx.insert(&mut identity).await.map_err(|e| row_err(*n, e))?;
        }
        if (i + 1) % 1000 == 0 {
            eprintln!(
                "import: {} of {total} rows written (not yet committed)",
                i + 1
            );
        }
    }
    let summary = format!(
        "{} {new_apps} apps, {new_orgs} departments and {new_people} people{}",
        if dry_run { "would import" } else { "imported" },
        if dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(summary)
}

fn row_err(n: usize, e: appgov_store::StoreError) -> RowsError {
    RowsError::Rows(vec![format!("row {n}: {e}")])
}

fn export(
    s: &StoreArgs,
    format: SheetFormat,
    out: &std::path::Path,
    header: HeaderLang,
) -> Result<ExitCode> {
    let rows = runtime()?.block_on(async {
        let store = open(s).await?;
        let rows = ledger_rows(&store).await;
        store.close().await;
        rows
    })?;
    let lang = match header {
        HeaderLang::En => HeaderLanguage::English,
        HeaderLang::Zh => HeaderLanguage::Chinese,
    };
    let bytes = match format {
        SheetFormat::Csv => appgov_sheet::write_csv_in(&rows, lang),
        SheetFormat::Xlsx => appgov_sheet::write_xlsx(&rows, lang)?,
    };
    // Written beside the target and renamed: a reader never sees half a file.
    let tmp = out.with_extension("appgov-tmp");
    std::fs::write(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("exported {} apps to {}", rows.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

/// The ledger as sheet rows, in name order.
pub async fn ledger_rows(store: &Store) -> Result<Vec<LedgerRow>> {
    let orgs: HashMap<String, String> = store
        .all::<OrgNode>()
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let people: HashMap<String, String> = store
        .all::<Person>()
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut identities: HashMap<String, AppIdentity> = HashMap::new();
    for i in store.all::<AppIdentity>().await? {
        identities.entry(i.app_id.clone()).or_insert(i);
    }
    let mut apps = store.all::<App>().await?;
    apps.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(apps
        .iter()
        .map(|a| {
            LedgerRow::from_app(
                a,
                identities.get(&a.id),
                |id| orgs.get(id).cloned(),
                |id| people.get(id).cloned(),
            )
        })
        .collect())
}
