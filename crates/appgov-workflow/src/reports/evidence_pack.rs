//! The evidence pack for an audit: every revision of every piece of
//! evidence in one zip, with an index (HTML for people, CSV for tools) and
//! a `SHA256SUMS` file that `sha256sum -c` checks. Each file's hash is
//! recomputed from the file store while packing, so a file changed behind
//! appgov's back stops the pack instead of going out unnoticed. The typed
//! form's fields of each revision (drill date, report number …) are in the
//! index: by key as JSON in the CSV, by label in the HTML.

use std::io::{Cursor, Write};

use appgov_calendar::{Date, format_date};
use appgov_compliance::snapshot::ComplianceData;
use appgov_document::{Cell, Document, Language, Table};
use appgov_store::files::FileStore;
use zip::write::SimpleFileOptions;

use crate::compliance::Engine;
use crate::{Result, WorkflowError};

pub struct Pack {
    pub bytes: Vec<u8>,
    pub files: usize,
}

/// A file name safe in any unzip tool: no directories, no control
/// characters, no leading dots, at most 100 characters.
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .take(100)
        .collect();
    let cleaned = cleaned.trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

fn csv_field(s: &str) -> String {
    // A leading formula character is neutralised as Excel reads CSV.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn zip_error(e: impl std::fmt::Display) -> WorkflowError {
    WorkflowError::Invalid(format!("evidence pack: {e}"))
}

/// Packs every revision of every piece of evidence in `data`, reading each
/// file from `files_store` (synchronous file reads: run it off an async
/// executor's threads).
pub fn build_pack(
    files_store: &FileStore,
    engine: &Engine,
    data: &ComplianceData,
    today: Date,
    generated_at: &str,
) -> Result<Pack> {
    let library = &engine.library;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    // Stored, not deflated: evidence is mostly PDF and images, already
    // compressed, and a stored zip opens in every tool.
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let app_name = |id: &str| {
        data.apps
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let mut csv = String::from(
        "\u{feff}evidence_id,title,kind,apps,requirements,revision,path,sha256,size,uploaded_by,uploaded_at,effective_on,expires_on,fields\n",
    );
    let mut sums = String::new();
    let mut table = Table::new(
        "证据清单 / Evidence index",
        [
            "证据 / Evidence",
            "类型 / Kind",
            "应用 / Apps",
            "要求 / Requirements",
            "版本 / Rev.",
            "文件 / File",
            "SHA-256",
            "生效日期 / Effective",
            "表单字段 / Form fields",
            "上传 / Uploaded",
        ],
    );
    let mut revisions: Vec<_> = data.revisions.iter().collect();
    revisions.sort_by(|a, b| (&a.evidence_id, a.revision).cmp(&(&b.evidence_id, b.revision)));
    let mut files = 0;
    for r in revisions {
        let Some(e) = data.evidence.iter().find(|e| e.id == r.evidence_id) else {
            continue;
        };
        let bytes = files_store.get(&r.document_sha256)?;
        let actual = appgov_store::files::sha256_hex(&bytes);
        if actual != r.document_sha256 {
            return Err(WorkflowError::Invalid(format!(
                "evidence {} revision {}: the stored file's SHA-256 is {actual}, the record says {} — the file store was changed; the pack is not made",
                e.id, r.revision, r.document_sha256
            )));
        }
        let path = format!(
            "evidence/{}/{}-r{}-{}",
            e.kind.as_str(),
            e.id,
            r.revision,
            safe_name(&r.file_name)
        );
        zip.start_file(path.as_str(), opts).map_err(zip_error)?;
        zip.write_all(&bytes).map_err(zip_error)?;
        files += 1;
        let apps: Vec<String> = e.app_ids.iter().map(|a| app_name(a)).collect();
        let reqs: Vec<String> = e
            .requirement_ids
            .iter()
            .map(|id| {
                library
                    .requirement(id)
                    .map(|q| q.short())
                    .unwrap_or_else(|| id.clone())
            })
            .collect();
        csv.push_str(
            &[
                e.id.clone(),
                e.title.clone(),
                e.kind.as_str().to_string(),
                apps.join("; "),
                e.requirement_ids.join("; "),
                r.revision.to_string(),
                path.clone(),
                r.document_sha256.clone(),
                r.size.to_string(),
                r.uploaded_by.clone(),
                r.uploaded_at.clone(),
                r.effective_on.clone(),
                r.expires_on.clone().unwrap_or_default(),
                if r.fields.is_empty() {
                    String::new()
                } else {
                    serde_json::to_string(&r.fields)?
                },
            ]
            .iter()
            .map(|f| csv_field(f))
            .collect::<Vec<_>>()
            .join(","),
        );
        csv.push('\n');
        sums.push_str(&format!("{}  {path}\n", r.document_sha256));
        table.push_row(vec![
            Cell::text(e.title.clone()),
            Cell::text(e.kind.label_zh()),
            Cell::text(apps.join("、")),
            Cell::text(reqs.join("、")),
            Cell::count(r.revision as u64),
            Cell::text(path.clone()),
            Cell::text(r.document_sha256.clone()),
            Cell::text(r.effective_on.clone()),
            Cell::text(fields_text(engine, e.kind, &r.fields)),
            Cell::text(format!(
                "{} {}",
                r.uploaded_by,
                crate::clock::beijing(&r.uploaded_at)
            )),
        ]);
    }
    let institution = data
        .orgs
        .iter()
        .find(|o| o.parent_id.is_none())
        .map(|o| o.name.clone())
        .unwrap_or_default();
    let doc = Document::new(Language::Zh, "审计证据包 / Evidence pack", generated_at)
        .meta("机构 / Institution", institution)
        .meta("截至 / As of", format_date(today))
        .meta("文件数 / Files", files.to_string())
        .paragraph("每个文件的 SHA-256 列于 SHA256SUMS，可用 `sha256sum -c SHA256SUMS` 校验。 / Every file's SHA-256 is in SHA256SUMS; check with `sha256sum -c SHA256SUMS`.")
        .table(table);
    for (name, body) in [
        ("index.html", appgov_document::to_html(&doc).into_bytes()),
        ("index.csv", csv.into_bytes()),
        ("SHA256SUMS", sums.into_bytes()),
    ] {
        zip.start_file(name, opts).map_err(zip_error)?;
        zip.write_all(&body).map_err(zip_error)?;
    }
    let bytes = zip.finish().map_err(zip_error)?.into_inner();
    Ok(Pack { bytes, files })
}

/// A revision's form fields as people read them, in the form's order:
/// `演练日期：2026-11-20；演练结果：达到预期`. Fields the form no longer
/// has keep their key.
pub fn fields_text(
    engine: &Engine,
    kind: appgov_ledger::EvidenceKind,
    fields: &std::collections::BTreeMap<String, String>,
) -> String {
    let form = engine.forms.form(kind);
    let mut parts = Vec::new();
    if let Some(form) = form {
        for f in &form.fields {
            if let Some(v) = fields.get(&f.key) {
                parts.push(format!("{}：{}", f.label_zh, f.display(v, "zh")));
            }
        }
    }
    for (k, v) in fields {
        if form.and_then(|f| f.field(k)).is_none() {
            parts.push(format!("{k}：{v}"));
        }
    }
    parts.join("；")
}
