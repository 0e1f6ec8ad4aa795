//! The XLSX rendering: a cover sheet with everything that is not a table,
//! one worksheet per table (header bold, frozen and filtered, status cells
//! filled), and a sheet of chart data with native Excel charts.
//!
//! Every cell is written with `write_string`/`write_number`: a value that
//! starts with `=`, `+`, `-` or `@` stays a string and never becomes a
//! formula, whatever the data says.

use std::collections::HashSet;

use rust_xlsxwriter::{
    Chart, ChartFormat, ChartSolidFill, ChartType, Color, DocProperties, Format, FormatAlign,
    FormatBorder, Url, Workbook, Worksheet,
};

use crate::html::display_width;
use crate::model::{BarChart, Block, Cell, Document, Language, Table, Tone};

/// Excel's limits: rows per sheet, columns per sheet, characters per cell.
const MAX_ROWS: usize = 1_048_576;
const MAX_COLUMNS: usize = 16_384;
const MAX_CELL_CHARS: usize = 32_767;
/// Rows looked at to size a column: enough to be representative, bounded so
/// a ledger of 100 000 rows costs nothing extra.
const WIDTH_SAMPLE_ROWS: usize = 2_000;

/// Why a document could not be written as XLSX.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error("table “{table}” has {rows} rows; a worksheet holds at most {max}", max = MAX_ROWS - 1)]
    TooManyRows { table: String, rows: usize },
    #[error("table “{table}” has {columns} columns; a worksheet holds at most {MAX_COLUMNS}")]
    TooManyColumns { table: String, columns: usize },
    #[error("writing the workbook: {0}")]
    Writer(#[from] rust_xlsxwriter::XlsxError),
}

/// Renders the document as an XLSX workbook.
pub fn to_xlsx(doc: &Document) -> Result<Vec<u8>, XlsxError> {
    for t in doc.tables() {
        if t.rows.len() >= MAX_ROWS {
            return Err(XlsxError::TooManyRows {
                table: t.caption.clone(),
                rows: t.rows.len(),
            });
        }
        if t.width() > MAX_COLUMNS {
            return Err(XlsxError::TooManyColumns {
                table: t.caption.clone(),
                columns: t.width(),
            });
        }
    }
    let lang = doc.language;
    let styles = Styles::new();
    let mut names = SheetNames::default();
    let cover_name = names.claim(lang.pick("概览", "Summary"), lang);

    // Sheet names are decided first so the cover can link to them.
    let table_names: Vec<String> = doc
        .tables()
        .map(|t| names.claim(t.sheet_name.as_deref().unwrap_or(&t.caption), lang))
        .collect();
    let has_charts = doc.blocks.iter().any(|b| matches!(b, Block::Chart(_)));
    let chart_sheet = has_charts.then(|| names.claim(lang.pick("图表", "Charts"), lang));

    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(cell_text(&doc.title))
            .set_comment(cell_text(&doc.generated_at)),
    );

    let mut cover = Worksheet::new();
    cover.set_name(&cover_name)?;
    write_cover(
        &mut cover,
        doc,
        &styles,
        &table_names,
        chart_sheet.as_deref(),
    )?;
    workbook.push_worksheet(cover);

    for (table, name) in doc.tables().zip(&table_names) {
        let mut sheet = Worksheet::new();
        sheet.set_name(name)?;
        write_table(&mut sheet, table, &styles)?;
        workbook.push_worksheet(sheet);
    }

    if let Some(name) = &chart_sheet {
        let mut sheet = Worksheet::new();
        sheet.set_name(name)?;
        write_charts(&mut sheet, name, doc, &styles)?;
        workbook.push_worksheet(sheet);
    }
    Ok(workbook.save_to_buffer()?)
}

/// The formats used, built once.
struct Styles {
    title: Format,
    subtitle: Format,
    label: Format,
    wrap: Format,
    headings: [Format; 3],
    header: Format,
    body: Format,
    body_wrap: Format,
    number: Format,
    link: Format,
}

impl Styles {
    fn new() -> Self {
        let border = |f: Format| {
            f.set_border(FormatBorder::Thin)
                .set_border_color(rgb("D0D7DE"))
                .set_align(FormatAlign::Top)
        };
        Styles {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_font_color(rgb(Tone::Neutral.color())),
            subtitle: Format::new()
                .set_font_size(12)
                .set_font_color(rgb("5F6368")),
            label: Format::new()
                .set_bold()
                .set_font_color(rgb("5F6368"))
                .set_align(FormatAlign::Top),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            headings: [
                Format::new()
                    .set_bold()
                    .set_font_size(14)
                    .set_font_color(rgb(Tone::Neutral.color())),
                Format::new().set_bold().set_font_size(12),
                Format::new().set_bold(),
            ],
            header: border(Format::new())
                .set_bold()
                .set_text_wrap()
                .set_background_color(rgb("EEF2F7")),
            body: border(Format::new()),
            body_wrap: border(Format::new()).set_text_wrap(),
            number: border(Format::new()).set_align(FormatAlign::Right),
            link: border(Format::new())
                .set_font_color(rgb("0B57D0"))
                .set_underline(rust_xlsxwriter::FormatUnderline::Single),
        }
    }

    /// A body cell's format: its tone's fill and colour on top of the base.
    fn cell(&self, cell: &Cell, wrap: bool) -> Format {
        let base = if cell.number.is_some() {
            self.number.clone()
        } else if wrap {
            self.body_wrap.clone()
        } else {
            self.body.clone()
        };
        match cell.tone {
            Some(t) => tone(base, t),
            None => base,
        }
    }
}

fn tone(f: Format, t: Tone) -> Format {
    f.set_background_color(rgb(t.fill()))
        .set_font_color(rgb(t.color()))
}

fn rgb(hex: &str) -> Color {
    Color::RGB(u32::from_str_radix(hex, 16).unwrap_or(0))
}

fn write_cover(
    ws: &mut Worksheet,
    doc: &Document,
    s: &Styles,
    table_names: &[String],
    chart_sheet: Option<&str>,
) -> Result<(), XlsxError> {
    let lang = doc.language;
    ws.set_column_width(0, 26)?;
    ws.set_column_width(1, 90)?;
    ws.set_paper_size(9);
    let mut row: u32 = 0;
    ws.write_string_with_format(row, 0, cell_text(&doc.title), &s.title)?;
    row += 1;
    if let Some(sub) = &doc.subtitle {
        ws.write_string_with_format(row, 0, cell_text(sub), &s.subtitle)?;
        row += 1;
    }
    row += 1;
    for f in &doc.meta {
        ws.write_string_with_format(row, 0, cell_text(&f.label), &s.label)?;
        ws.write_string_with_format(row, 1, cell_text(&f.value), &s.wrap)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, lang.pick("生成时间", "Generated"), &s.label)?;
    ws.write_string(row, 1, cell_text(&doc.generated_at))?;
    row += 2;

    let mut tables = table_names.iter();
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                row += 1;
                let f = &s.headings[usize::from(level.clamp(&1, &3) - 1)];
                ws.write_string_with_format(row, 0, cell_text(text), f)?;
            }
            Block::Paragraph { text } => {
                ws.write_string_with_format(row, 1, cell_text(text), &s.wrap)?;
            }
            Block::Fields { items } => {
                for (i, f) in items.iter().enumerate() {
                    if i > 0 {
                        row += 1;
                    }
                    ws.write_string_with_format(row, 0, cell_text(&f.label), &s.label)?;
                    ws.write_string_with_format(row, 1, cell_text(&f.value), &s.wrap)?;
                }
            }
            Block::Note {
                tone: t,
                title,
                text,
            } => {
                let label = match title {
                    Some(title) => title.as_str(),
                    None => t.label(lang),
                };
                let marked = format!("{} {}", t.symbol(), label);
                ws.write_string_with_format(
                    row,
                    0,
                    cell_text(marked.trim()),
                    &tone(s.label.clone(), *t),
                )?;
                ws.write_string_with_format(row, 1, cell_text(text), &tone(s.wrap.clone(), *t))?;
            }
            Block::Table(table) => {
                let name = tables.next().map_or("", String::as_str);
                ws.write_string_with_format(row, 0, lang.pick("表格", "Table"), &s.label)?;
                let text = format!(
                    "{} → {} ({} {})",
                    table.caption,
                    name,
                    table.rows.len(),
                    lang.pick("行", "rows")
                );
                ws.write_url_with_text(row, 1, Url::new(internal_link(name)), cell_text(&text))?;
            }
            Block::Figures { items } => {
                for (i, f) in items.iter().enumerate() {
                    if i > 0 {
                        row += 1;
                    }
                    ws.write_string_with_format(row, 0, cell_text(&f.label), &s.label)?;
                    let mut value = format!("{} {}", f.tone.symbol(), f.value).trim().to_owned();
                    if let Some(note) = &f.note {
                        value.push_str(&format!("（{note}）"));
                    }
                    let fmt = match f.tone {
                        Tone::Neutral => Format::new().set_bold(),
                        t => tone(Format::new().set_bold(), t),
                    };
                    ws.write_string_with_format(row, 1, cell_text(&value), &fmt)?;
                }
            }
            Block::Chart(chart) => {
                if let Some(sheet) = chart_sheet {
                    ws.write_string_with_format(row, 0, lang.pick("图表", "Chart"), &s.label)?;
                    ws.write_url_with_text(
                        row,
                        1,
                        Url::new(internal_link(sheet)),
                        cell_text(&format!("{} → {sheet}", chart.title)),
                    )?;
                }
            }
        }
        row += 1;
    }
    Ok(())
}

fn write_table(ws: &mut Worksheet, t: &Table, s: &Styles) -> Result<(), XlsxError> {
    let width = t.width();
    ws.set_paper_size(9);
    if t.is_landscape() {
        ws.set_landscape();
    }
    ws.set_repeat_rows(0, 0)?;
    ws.set_print_fit_to_pages(1, 0);
    let mut widths: Vec<usize> = Vec::with_capacity(width);
    for col in 0..width {
        let header = t.columns.get(col).map_or("", |c| c.header.as_str());
        ws.write_string_with_format(0, col as u16, cell_text(header), &s.header)?;
        widths.push(longest_line(header).clamp(4, 30));
    }
    let empty = Cell::default();
    for (r, cells) in t.rows.iter().enumerate() {
        let row = r as u32 + 1;
        for (col, col_width) in widths.iter_mut().enumerate() {
            let cell = cells.get(col).unwrap_or(&empty);
            // The text as given (no symbol added): filters and a re-import
            // see the words; the fill is the colour.
            let mut text = cell.text.clone();
            if let Some(d) = &cell.detail {
                text.push('\n');
                text.push_str(d);
            }
            if r < WIDTH_SAMPLE_ROWS {
                *col_width = (*col_width).max(longest_line(&text));
            }
            let multi_line = text.contains('\n') || display_width(&text) > 60;
            let (row, col) = (row, col as u16);
            match (cell.number, cell.link.as_deref()) {
                (Some(n), _) if n.is_finite() => {
                    ws.write_number_with_format(row, col, n, &s.cell(cell, false))?;
                }
                (_, Some(link)) if is_web_link(link) => {
                    let fmt = match cell.tone {
                        Some(t) => tone(s.link.clone(), t),
                        None => s.link.clone(),
                    };
                    ws.write_url_with_format(
                        row,
                        col,
                        Url::new(link).set_text(cell_text(&text)),
                        &fmt,
                    )?;
                }
                _ => {
                    ws.write_string_with_format(
                        row,
                        col,
                        cell_text(&text),
                        &s.cell(cell, multi_line),
                    )?;
                }
            }
        }
    }
    for (col, w) in widths.iter().enumerate() {
        // Excel's width unit is about one Latin digit; a CJK character is
        // about two, which `display_width` already counts.
        ws.set_column_width(col as u16, (*w).clamp(6, 60) as f64 + 2.0)?;
    }
    if width > 0 {
        ws.set_freeze_panes(1, 0)?;
        ws.autofilter(0, 0, t.rows.len() as u32, width as u16 - 1)?;
    }
    Ok(())
}

/// Each chart as a small data table with a native bar chart beside it.
fn write_charts(
    ws: &mut Worksheet,
    sheet: &str,
    doc: &Document,
    s: &Styles,
) -> Result<(), XlsxError> {
    let lang = doc.language;
    let charts: Vec<&BarChart> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Chart(c) => Some(c),
            _ => None,
        })
        .collect();
    let mut row: u32 = 0;
    let mut label_width = 12;
    let last_series_col = charts.iter().map(|c| c.series.len()).max().unwrap_or(0) as u16;
    for chart in charts {
        ws.write_string_with_format(row, 0, cell_text(&chart.title), &s.headings[1])?;
        let head = row + 1;
        ws.write_string_with_format(head, 0, lang.pick("类别", "Category"), &s.header)?;
        for (i, series) in chart.series.iter().enumerate() {
            ws.write_string_with_format(head, i as u16 + 1, cell_text(&series.name), &s.header)?;
        }
        for (c, category) in chart.categories.iter().enumerate() {
            let r = head + 1 + c as u32;
            ws.write_string_with_format(r, 0, cell_text(category), &s.body)?;
            label_width = label_width.max(longest_line(category).min(40));
            for i in 0..chart.series.len() {
                ws.write_number_with_format(r, i as u16 + 1, chart.value(i, c) as f64, &s.number)?;
            }
        }
        let n = chart.categories.len() as u32;
        if n > 0 && !chart.series.is_empty() {
            let mut native = Chart::new(ChartType::Bar);
            native.title().set_name(cell_text(&chart.title).as_str());
            for i in 0..chart.series.len() {
                let col = i as u16 + 1;
                native
                    .add_series()
                    .set_name((sheet, head, col))
                    .set_categories((sheet, head + 1, 0, head + n, 0))
                    .set_values((sheet, head + 1, col, head + n, col))
                    .set_format(ChartFormat::new().set_solid_fill(
                        ChartSolidFill::new().set_color(rgb(chart.series_color(i))),
                    ));
            }
            // Excel draws bar categories (the y axis of a bar chart)
            // bottom-up; reversed, they read in
            // the table's order.
            native.y_axis().set_reverse();
            if chart.series.len() == 1 {
                native.legend().set_hidden();
            }
            let height = (80 + n * 22 * chart.series.len().max(1) as u32).clamp(220, 900);
            native.set_width(560).set_height(height);
            ws.insert_chart(row, last_series_col + 2, &native)?;
            row += (height / 20).max(n + 3) + 2;
        } else {
            row = head + n + 3;
        }
    }
    ws.set_column_width(0, label_width as f64 + 2.0)?;
    Ok(())
}

fn internal_link(sheet: &str) -> String {
    format!("internal:'{}'!A1", sheet.replace('\'', "''"))
}

/// Links a spreadsheet can open: absolute web URLs only (site paths mean
/// nothing outside the server).
fn is_web_link(link: &str) -> bool {
    crate::model::safe_link(link) && !link.starts_with('/')
}

/// The display width of the longest line.
fn longest_line(s: &str) -> usize {
    s.lines().map(display_width).max().unwrap_or(0)
}

/// A cell's text within Excel's 32 767-character limit: a longer text is cut
/// with a visible mark rather than failing the whole workbook.
fn cell_text(s: &str) -> String {
    if s.chars().count() <= MAX_CELL_CHARS {
        return s.to_owned();
    }
    let mark = "…[截断 truncated]";
    let keep = MAX_CELL_CHARS - mark.chars().count();
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(mark);
    out
}

/// Worksheet names as Excel wants them: 1–31 characters, none of
/// `[]:*?/\`, no apostrophe at either end, unique without regard to case,
/// not the reserved "History".
#[derive(Default)]
struct SheetNames {
    used: HashSet<String>,
}

impl SheetNames {
    const MAX: usize = 31;

    fn claim(&mut self, wanted: &str, lang: Language) -> String {
        let cleaned: String = wanted
            .chars()
            .map(|c| {
                if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let cleaned = cleaned.trim().trim_matches('\'').trim();
        let base = if cleaned.is_empty() {
            lang.pick("表", "Sheet").to_owned()
        } else {
            cleaned.to_owned()
        };
        let mut n = 1;
        loop {
            let suffix = if n == 1 {
                String::new()
            } else {
                format!(" ({n})")
            };
            let room = Self::MAX - suffix.chars().count();
            let head: String = base.chars().take(room).collect();
            let head = head.trim_end().trim_end_matches('\'');
            let name = format!("{head}{suffix}");
            let key = name.to_lowercase();
            if key != "history" && !self.used.contains(&key) {
                self.used.insert(key);
                return name;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut n = SheetNames::default();
        assert_eq!(n.claim("合规矩阵", Language::Zh), "合规矩阵");
        assert_eq!(n.claim("合规矩阵", Language::Zh), "合规矩阵 (2)");
        assert_eq!(n.claim("a/b:c*d?e[f]g\\h", Language::Zh), "a_b_c_d_e_f_g_h");
        assert_eq!(n.claim("'quoted'", Language::Zh), "quoted");
        assert_eq!(n.claim("", Language::En), "Sheet");
        assert_eq!(n.claim("HISTORY", Language::En), "HISTORY (2)");
        let long = "移动应用".repeat(20);
        let a = n.claim(&long, Language::Zh);
        let b = n.claim(&long, Language::Zh);
        assert_eq!(a.chars().count(), 31);
        assert_eq!(b.chars().count(), 31);
        assert!(b.ends_with(" (2)"));
        assert_eq!(n.claim("Sheet", Language::En), "Sheet (2)");
        assert_eq!(n.claim("sheet", Language::En), "sheet (3)");
    }

    #[test]
    fn long_cells_are_cut_with_a_mark() {
        let s = "移".repeat(40_000);
        let cut = cell_text(&s);
        assert_eq!(cut.chars().count(), MAX_CELL_CHARS);
        assert!(cut.ends_with("truncated]"));
        assert_eq!(cell_text("短"), "短");
    }
}
