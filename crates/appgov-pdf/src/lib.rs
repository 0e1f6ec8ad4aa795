//! PDF rendering of an [`appgov_document::Document`] through typst.
//!
//! One typst template of our own (`report.typ`) lays out every report. The
//! document is handed to it as JSON bytes in `sys.inputs` and used only as
//! values, so no string of the data — `#import`, `]`, `$`, `\`, `<` — is
//! ever parsed as typst markup. Nothing is fetched: typst-as-lib's
//! `packages` feature is off and the template imports nothing.
//!
//! Fonts are the machine's (see [`Fonts`]): a CJK font is required and its
//! absence is an error that says what to install.
//!
//! This crate is separate because typst is heavy to build (about 300
//! crates); the rest of appgov does not need it.

mod fonts;

use std::panic::{AssertUnwindSafe, catch_unwind};

use appgov_document::{Block, Cell, Column, Document, Language, Table, Tone, safe_link};
use serde_json::{Map, Value as Json, json};
use typst::diag::SourceDiagnostic;
use typst::foundations::{Array, Bytes, Dict, IntoValue, Value};
use typst_as_lib::{TypstAsLibError, TypstEngine};
use typst_layout::PagedDocument;

pub use fonts::{FONT_DIR_ENV, Fonts};

/// The template; the data never becomes part of it.
const TEMPLATE: &str = include_str!("report.typ");

/// Table rows a document may have in all. Generous for any real ledger;
/// it exists so a runaway input cannot lay out pages without end.
pub const MAX_TABLE_ROWS: usize = 200_000;

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// No installed font covers Chinese.
    #[error(
        "no font with Chinese characters found in {searched}. Install one, e.g. \
         `apt install fonts-noto-cjk` (Debian/Ubuntu), `dnf install google-noto-sans-cjk-fonts` \
         (Fedora/RHEL) or `pacman -S noto-fonts-cjk` (Arch), or set {env} to a directory \
         holding a CJK font (.ttf/.otf/.ttc) such as NotoSansCJK-Regular.ttc",
        env = FONT_DIR_ENV
    )]
    NoCjkFont { searched: String },
    /// The document is larger than [`MAX_TABLE_ROWS`].
    #[error(
        "the document has {rows} table rows; a PDF is limited to {limit} (export XLSX instead)"
    )]
    TooLarge { rows: usize, limit: usize },
    /// typst could not lay the document out (its diagnostics, as text).
    #[error("PDF layout failed: {0}")]
    Layout(String),
}

/// Renders the document as a PDF (A4, tables with repeated headers, wide
/// tables on landscape pages, page numbers in the document's language).
pub fn render_pdf(doc: &Document, fonts: &Fonts) -> Result<Vec<u8>, PdfError> {
    let rows = doc.table_rows();
    if rows > MAX_TABLE_ROWS {
        return Err(PdfError::TooLarge {
            rows,
            limit: MAX_TABLE_ROWS,
        });
    }
    let banded = band_wide_tables(doc);
    let input = template_input(&banded);
    let json = serde_json::to_vec(&input).map_err(|e| PdfError::Layout(e.to_string()))?;
    let mut inputs = Dict::new();
    inputs.insert("doc".into(), Value::Bytes(Bytes::new(json)));
    let families: Array = fonts
        .families()
        .iter()
        .map(|f| f.as_str().into_value())
        .collect();
    inputs.insert("fonts".into(), Value::Array(families));

    // typst reports problems as diagnostics; a panic inside it would be a
    // bug there, but must still not take the caller down.
    catch_unwind(AssertUnwindSafe(|| {
        let engine = TypstEngine::builder()
            .main_file(TEMPLATE)
            .fonts(fonts.faces.iter().cloned())
            .build();
        let paged: PagedDocument = engine
            .compile_with_input(inputs)
            .output
            .map_err(|e| PdfError::Layout(describe(&e)))?;
        typst_pdf::pdf(&paged, &typst_pdf::PdfOptions::default())
            .map_err(|d| PdfError::Layout(diagnostics(&d)))
    }))
    .unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(PdfError::Layout(format!("typst panicked: {what}")))
    })
}

/// Columns (key columns included) a landscape A4 page holds legibly.
pub const MAX_PRINT_COLUMNS: usize = 13;

/// A table wider than a page can hold, whose leading key columns name its
/// rows (the compliance matrix: app × 36 requirements), is cut into bands
/// of columns, each repeating the key columns, split between column groups
/// where it can be. Squeezing 37 columns onto one page made cells a few
/// characters wide and rows pages tall; a band per few articles reads like
/// the register it is. HTML and XLSX keep the one wide table.
fn band_wide_tables(doc: &Document) -> Document {
    let mut out = doc.clone();
    out.blocks = doc
        .blocks
        .iter()
        .flat_map(|b| match b {
            Block::Table(t) if t.key_columns > 0 && t.width() > MAX_PRINT_COLUMNS => {
                bands(t, doc.language == Language::Zh)
                    .into_iter()
                    .map(Block::Table)
                    .collect()
            }
            other => vec![other.clone()],
        })
        .collect();
    out
}

fn bands(t: &Table, zh: bool) -> Vec<Table> {
    let key = t.key_columns.min(t.columns.len());
    let room = MAX_PRINT_COLUMNS.saturating_sub(key).max(1);
    // Runs of consecutive columns of one group (a column without a group
    // is a run of its own).
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    for i in key..t.width() {
        let group = t.columns.get(i).and_then(|c| c.group.as_ref());
        match runs.last_mut() {
            Some(r) if group.is_some() && t.columns[r.start].group.as_ref() == group => {
                r.end = i + 1
            }
            _ => runs.push(i..i + 1),
        }
    }
    // Whole groups while they fit; a group wider than a band is cut.
    let mut cuts: Vec<std::ops::Range<usize>> = Vec::new();
    for run in runs {
        let mut run = run;
        while !run.is_empty() {
            match cuts.last_mut() {
                Some(c) if c.len() + run.len() <= room => {
                    c.end = run.end;
                    run.start = run.end;
                }
                _ => {
                    let end = (run.start + room).min(run.end);
                    cuts.push(run.start..end);
                    run.start = end;
                }
            }
        }
    }
    let n = cuts.len();
    let label = |i: usize| {
        t.columns
            .get(i)
            .map(|c| c.group.clone().unwrap_or_else(|| c.header.clone()))
            .unwrap_or_default()
    };
    cuts.into_iter()
        .enumerate()
        .map(|(k, cut)| {
            let (first, last) = (label(cut.start), label(cut.end - 1));
            let span = if first == last {
                first
            } else {
                format!("{first} – {last}")
            };
            let pick = |row: &[Cell]| {
                (0..key)
                    .chain(cut.clone())
                    .map(|i| row.get(i).cloned().unwrap_or_else(|| Cell::text("")))
                    .collect::<Vec<_>>()
            };
            let mut band = t.clone();
            band.caption = if zh {
                format!("{}（{}/{n}：{span}）", t.caption, k + 1)
            } else {
                format!("{} ({}/{n}: {span})", t.caption, k + 1)
            };
            band.columns = (0..key)
                .chain(cut.clone())
                .map(|i| t.columns.get(i).cloned().unwrap_or_else(|| Column::new("")))
                .collect();
            band.rows = t.rows.iter().map(|r| pick(r)).collect();
            band
        })
        .collect()
}

/// The document as the template reads it: its own JSON plus what is easier
/// decided here — column weights, orientation, safe links, the tones'
/// colours and words, series colours.
fn template_input(doc: &Document) -> Json {
    let mut value = serde_json::to_value(doc).unwrap_or(Json::Null);
    if let Some(blocks) = value.get_mut("blocks").and_then(Json::as_array_mut) {
        for (json, block) in blocks.iter_mut().zip(&doc.blocks) {
            match block {
                Block::Table(t) => annotate_table(json, t),
                Block::Chart(c) => {
                    if let Some(series) = json.get_mut("series").and_then(Json::as_array_mut) {
                        for (i, s) in series.iter_mut().enumerate() {
                            s["color"] = Json::from(c.series_color(i));
                        }
                    }
                }
                _ => {}
            }
        }
        carry_headings_to_landscape_pages(blocks, &doc.blocks);
    }
    let tones: Map<String, Json> = Tone::ALL
        .into_iter()
        .map(|t| {
            (
                t.as_str().to_owned(),
                json!({
                    "symbol": t.symbol(),
                    "color": t.color(),
                    "fill": t.fill(),
                    "label": t.label(doc.language),
                }),
            )
        })
        .collect();
    value["tones"] = Json::Object(tones);
    value
}

/// A landscape table starts a page of its own; the headings right before
/// it go onto that page too, instead of being stranded at the foot of the
/// previous one. They are copied into the table's `lead` and marked
/// `moved` where they were.
fn carry_headings_to_landscape_pages(json: &mut [Json], blocks: &[Block]) {
    for (i, block) in blocks.iter().enumerate() {
        let Block::Table(t) = block else { continue };
        if !t.is_landscape() {
            continue;
        }
        let first = blocks[..i]
            .iter()
            .rposition(|b| !matches!(b, Block::Heading { .. }))
            .map_or(0, |p| p + 1);
        let mut lead = Vec::new();
        for heading in &mut json[first..i] {
            lead.push(heading.clone());
            heading["moved"] = Json::Bool(true);
        }
        json[i]["lead"] = Json::Array(lead);
    }
}

fn annotate_table(json: &mut Json, t: &Table) {
    let width = t.width();
    json["layout"] = json!({
        "width": width,
        "weights": weights(t),
        "landscape": t.is_landscape(),
        "legend": t.has_tones(),
    });
    if let Some(rows) = json.get_mut("rows").and_then(Json::as_array_mut) {
        for cell in rows
            .iter_mut()
            .flat_map(|r| r.as_array_mut().into_iter().flatten())
        {
            let safe = cell
                .get("link")
                .and_then(Json::as_str)
                .filter(|l| safe_link(l) && !l.starts_with('/'))
                .map(str::to_owned);
            if let Some(link) = safe {
                cell["safe_link"] = Json::from(link);
            }
        }
    }
}

/// Column weights: the caller's hints, else from the content (the longest
/// line of the header and the first rows, CJK counted double), bounded so
/// one long cell cannot squeeze the others to nothing.
fn weights(t: &Table) -> Vec<f64> {
    const SAMPLE: usize = 500;
    let width = t.width();
    let hinted = t.columns.iter().any(|c| c.width.is_some());
    (0..width)
        .map(|i| {
            if hinted {
                return t
                    .columns
                    .get(i)
                    .and_then(|c| c.width)
                    .filter(|w| w.is_finite() && *w > 0.0)
                    .map_or(1.0, f64::from);
            }
            let header = t
                .columns
                .get(i)
                .map_or(0, |c| text_width(&c.header).min(16));
            let body = t
                .rows
                .iter()
                .take(SAMPLE)
                .filter_map(|r| r.get(i))
                .map(|c| {
                    let detail = c.detail.as_deref().map_or(0, text_width);
                    text_width(&c.text).max(detail) + usize::from(c.tone.is_some()) * 2
                })
                .max()
                .unwrap_or(0);
            (header.max(body).clamp(4, 40)) as f64
        })
        .collect()
}

fn text_width(s: &str) -> usize {
    s.lines()
        .map(|l| {
            l.chars()
                .map(|c| if u32::from(c) >= 0x2E80 { 2 } else { 1 })
                .sum()
        })
        .max()
        .unwrap_or(0)
}

fn describe(e: &TypstAsLibError) -> String {
    match e {
        TypstAsLibError::TypstSource(d) => diagnostics(d),
        other => other.to_string(),
    }
}

fn diagnostics(list: &[SourceDiagnostic]) -> String {
    list.iter()
        .map(|d| {
            let mut s = d.message.to_string();
            for hint in &d.hints {
                s.push_str(" (hint: ");
                s.push_str(&hint.v);
                s.push(')');
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An app column and `groups` articles of `per` requirement columns.
    fn wide(groups: usize, per: usize) -> Table {
        let mut columns = vec![Column::weighted("应用", 2.0)];
        for g in 1..=groups {
            for k in 1..=per {
                columns.push(Column::new(format!("A{g}.{k}")).in_group(format!("第{g}条")));
            }
        }
        let n = columns.len();
        let mut t = Table::with_columns("合规矩阵", columns).key_columns(1);
        for app in ["掌上银行", "信用卡"] {
            let mut row = vec![Cell::text(app)];
            row.extend((1..n).map(|i| Cell::text(format!("{app}-{i}"))));
            t.push_row(row);
        }
        t
    }

    #[test]
    fn wide_keyed_tables_are_cut_between_groups_repeating_the_key() {
        let doc = Document::new(Language::Zh, "t", "now").table(wide(9, 4));
        let banded = band_wide_tables(&doc);
        let tables: Vec<&Table> = banded
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .collect();
        // 36 requirement columns, 12 a band, whole articles of 4: 3 bands.
        assert_eq!(tables.len(), 3);
        let mut seen = Vec::new();
        for t in &tables {
            assert!(t.width() <= MAX_PRINT_COLUMNS, "{}", t.width());
            assert_eq!(t.columns[0].header, "应用");
            assert_eq!(t.rows[1][0].text, "信用卡");
            // no article split over two bands
            assert_eq!((t.width() - 1) % 4, 0);
            for (i, c) in t.columns.iter().enumerate().skip(1) {
                // every cell stays under its own header
                assert_eq!(t.rows[0][i].text, format!("掌上银行-{}", seen.len() + 1));
                seen.push(c.header.clone());
            }
        }
        assert_eq!(seen.len(), 36);
        assert_eq!(tables[0].caption, "合规矩阵（1/3：第1条 – 第3条）");
        assert_eq!(tables[2].caption, "合规矩阵（3/3：第7条 – 第9条）");
    }

    #[test]
    fn a_group_wider_than_a_band_is_cut_and_unkeyed_tables_are_left_alone() {
        let doc = Document::new(Language::En, "t", "now").table(wide(1, 30));
        let banded = band_wide_tables(&doc);
        let widths: Vec<usize> = banded
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t.width()),
                _ => None,
            })
            .collect();
        assert_eq!(widths, vec![13, 13, 7]);
        let mut plain = wide(9, 4);
        plain.key_columns = 0;
        let doc = Document::new(Language::Zh, "t", "now").table(plain);
        assert_eq!(band_wide_tables(&doc).blocks.len(), 1);
    }

    #[test]
    fn hinted_weights_win_and_content_weights_are_bounded() {
        let t = Table::with_columns("t", vec![Column::weighted("a", 3.0), Column::new("b")]);
        assert_eq!(weights(&t), [3.0, 1.0]);
        let t =
            Table::new("t", ["应用", "x"]).row([Cell::text("很长".repeat(50)), Cell::text("1")]);
        assert_eq!(weights(&t), [40.0, 4.0]);
    }

    #[test]
    fn only_absolute_safe_links_reach_the_template() {
        let doc =
            Document::new(Language::Zh, "t", "now").table(Table::new("t", ["a", "b", "c"]).row([
                Cell::text("x").with_link("javascript:alert(1)"),
                Cell::text("y").with_link("https://example.cn/"),
                Cell::text("z").with_link("/apps/1"),
            ]));
        let input = template_input(&doc);
        let row = &input["blocks"][0]["rows"][0];
        assert!(row[0].get("safe_link").is_none());
        assert_eq!(row[1]["safe_link"], "https://example.cn/");
        assert!(row[2].get("safe_link").is_none());
        assert_eq!(input["tones"]["bad"]["label"], "不符合");
        assert_eq!(input["blocks"][0]["layout"]["width"], 3);
    }

    #[test]
    fn headings_before_a_landscape_table_move_to_its_page() {
        let wide = Table::new("wide", (0..9).map(|i| i.to_string()));
        let doc = Document::new(Language::Zh, "t", "now")
            .paragraph("p")
            .heading(1, "二、台账")
            .heading(2, "明细")
            .table(wide)
            .heading(1, "三")
            .table(Table::new("narrow", ["a"]));
        let input = template_input(&doc);
        let blocks = &input["blocks"];
        assert!(blocks[0].get("moved").is_none());
        assert_eq!(blocks[1]["moved"], true);
        assert_eq!(blocks[2]["moved"], true);
        assert_eq!(blocks[3]["lead"][0]["text"], "二、台账");
        assert_eq!(blocks[3]["lead"][1]["text"], "明细");
        assert!(blocks[4].get("moved").is_none());
        assert!(blocks[5].get("lead").is_none());
    }

    #[test]
    fn diagnostics_read_as_one_line_with_hints() {
        use typst::syntax::Span;
        let list = [
            SourceDiagnostic::error(Span::detached(), "unknown font family")
                .with_hint("install it"),
            SourceDiagnostic::error(Span::detached(), "second"),
        ];
        assert_eq!(
            diagnostics(&list),
            "unknown font family (hint: install it); second"
        );
        let e = TypstAsLibError::TypstSource(list.into_iter().collect());
        assert_eq!(
            describe(&e),
            "unknown font family (hint: install it); second"
        );
    }

    #[test]
    fn too_many_rows_is_refused_before_layout() {
        let mut t = Table::new("t", ["a"]);
        t.rows = vec![vec![Cell::text("x")]; MAX_TABLE_ROWS + 1];
        let doc = Document::new(Language::Zh, "t", "now").table(t);
        // Refused before any font is touched.
        let err = render_pdf(&doc, &Fonts::empty_for_tests()).unwrap_err();
        assert!(matches!(err, PdfError::TooLarge { rows, .. } if rows == MAX_TABLE_ROWS + 1));
    }
}
