//! The document model: what a report says, not how it looks. Renderers
//! (HTML and XLSX here, PDF in `appgov-pdf`) decide the look; the model only
//! carries plain text and a few hints (tone, column weights, orientation).
//!
//! Every string is data, never markup: renderers escape or pass it as data.

use serde::{Deserialize, Serialize};

/// The document's language: it picks the `lang` attribute, the few words a
/// renderer adds itself (page numbers, "generated at") and CJK-aware layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Simplified Chinese, the first language of every report.
    #[default]
    Zh,
    /// English.
    En,
}

impl Language {
    /// The BCP 47 tag for HTML `lang`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::Zh => "zh-CN",
            Language::En => "en",
        }
    }

    /// Picks the Chinese or the English form of a word the renderer adds.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Language::Zh => zh,
            Language::En => en,
        }
    }
}

/// How a cell, figure or note should be read: colour plus a symbol, so the
/// meaning survives black-and-white printing and colour blindness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// Plain information, no judgement.
    #[default]
    Neutral,
    /// Met, compliant, done.
    Good,
    /// Needs attention: partly met, due soon, approximate.
    Warn,
    /// Not met, overdue, a finding.
    Bad,
    /// Does not apply to this app or period.
    NotApplicable,
}

impl Tone {
    /// Every tone, in the order legends list them.
    pub const ALL: [Tone; 5] = [
        Tone::Good,
        Tone::Warn,
        Tone::Bad,
        Tone::NotApplicable,
        Tone::Neutral,
    ];

    /// The symbol shown beside the text. Chosen from characters that CJK
    /// fonts such as Noto Sans CJK cover, so the PDF needs no extra font.
    pub fn symbol(self) -> &'static str {
        match self {
            Tone::Neutral => "",
            Tone::Good => "✓",
            Tone::Warn => "!",
            Tone::Bad => "×",
            Tone::NotApplicable => "–",
        }
    }

    /// What the tone means, for legends and screen readers.
    pub fn label(self, lang: Language) -> &'static str {
        match self {
            Tone::Neutral => lang.pick("说明", "information"),
            Tone::Good => lang.pick("符合", "met"),
            Tone::Warn => lang.pick("需关注", "needs attention"),
            Tone::Bad => lang.pick("不符合", "not met"),
            Tone::NotApplicable => lang.pick("不适用", "not applicable"),
        }
    }

    /// The stable snake_case name (CSS classes, JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Good => "good",
            Tone::Warn => "warn",
            Tone::Bad => "bad",
            Tone::NotApplicable => "not_applicable",
        }
    }

    /// Strong colour (text, bars) as `RRGGBB`, shared by all renderers so a
    /// report looks the same in every format.
    pub fn color(self) -> &'static str {
        match self {
            Tone::Neutral => "1F4E79",
            Tone::Good => "1E6B34",
            Tone::Warn => "8A5A00",
            Tone::Bad => "A4262C",
            Tone::NotApplicable => "5F6368",
        }
    }

    /// Light fill behind a cell or note, as `RRGGBB`.
    pub fn fill(self) -> &'static str {
        match self {
            Tone::Neutral => "EAF1F8",
            Tone::Good => "E3F2E6",
            Tone::Warn => "FFF2CC",
            Tone::Bad => "FBE3E4",
            Tone::NotApplicable => "EEEEEE",
        }
    }
}

/// A label and its value (the meta block, key/value lists).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub label: String,
    pub value: String,
}

impl Field {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Field {
            label: label.into(),
            value: value.into(),
        }
    }
}

/// One table cell: its text, and optionally a tone (the compliance matrix's
/// colour), a second smaller line, a link, and a numeric value (so a
/// spreadsheet gets a number it can sum, not text).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tone: Option<Tone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Shown as a link only when it is `http(s)://…` or a site path
    /// (see [`safe_link`]); otherwise the text is shown alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<f64>,
}

impl Cell {
    /// A plain text cell.
    pub fn text(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            ..Cell::default()
        }
    }

    /// A cell with a tone, e.g. `Cell::status(Tone::Bad, "不符合")`.
    pub fn status(tone: Tone, text: impl Into<String>) -> Self {
        Cell {
            tone: Some(tone),
            ..Cell::text(text)
        }
    }

    /// A number, shown as written in `text` and stored as a number in XLSX.
    pub fn number(value: f64, text: impl Into<String>) -> Self {
        Cell {
            number: Some(value),
            ..Cell::text(text)
        }
    }

    /// A count (the common case of [`Cell::number`]).
    pub fn count(n: u64) -> Self {
        Cell::number(n as f64, n.to_string())
    }

    pub fn with_tone(mut self, tone: Tone) -> Self {
        self.tone = Some(tone);
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_link(mut self, link: impl Into<String>) -> Self {
        self.link = Some(link.into());
        self
    }

    /// The link if it is safe to follow (see [`safe_link`]).
    pub fn safe_link(&self) -> Option<&str> {
        self.link.as_deref().filter(|l| safe_link(l))
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::text(s)
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::text(s)
    }
}

/// Whether a link may be rendered as one: absolute `http`/`https` URLs and
/// paths on the same site (`/…` but not `//…`). Anything else — `javascript:`,
/// `data:`, `file:` — stays text, whatever the data says.
pub fn safe_link(link: &str) -> bool {
    let lower = link.trim_start().to_ascii_lowercase();
    let scheme_ok = lower.starts_with("https://") || lower.starts_with("http://");
    let path_ok = link.starts_with('/') && !link.starts_with("//");
    (scheme_ok || path_ok)
        && link.len() <= 2000
        && !link.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// A table column: its header and an optional relative width (a weight: a
/// column of 2.0 is twice as wide as one of 1.0; unset columns share the rest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub header: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<f32>,
    /// The group a column belongs to (`第6条`): paged output that must
    /// split a wide table across pages splits between groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl Column {
    pub fn new(header: impl Into<String>) -> Self {
        Column {
            header: header.into(),
            width: None,
            group: None,
        }
    }

    pub fn weighted(header: impl Into<String>, width: f32) -> Self {
        Column {
            width: Some(width),
            ..Column::new(header)
        }
    }

    pub fn in_group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }
}

/// Page orientation of a table in paged output (PDF, print).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// Landscape when the table has more than [`Table::LANDSCAPE_COLUMNS`] columns.
    #[default]
    Auto,
    Portrait,
    Landscape,
}

/// A table: a caption, column headers, rows of cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub caption: String,
    /// Worksheet name in XLSX (shortened and made unique there); the caption
    /// when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet_name: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    #[serde(default)]
    pub orientation: Orientation,
    /// The leading columns that name a row (an app): paged output that
    /// splits a wide table into bands of columns repeats them in each.
    #[serde(default)]
    pub key_columns: usize,
}

impl Table {
    /// Above this many columns an [`Orientation::Auto`] table goes landscape.
    pub const LANDSCAPE_COLUMNS: usize = 7;

    /// A table with plain headers and no rows yet.
    pub fn new<S: Into<String>>(
        caption: impl Into<String>,
        headers: impl IntoIterator<Item = S>,
    ) -> Self {
        Table {
            caption: caption.into(),
            sheet_name: None,
            columns: headers.into_iter().map(Column::new).collect(),
            rows: Vec::new(),
            orientation: Orientation::Auto,
            key_columns: 0,
        }
    }

    /// A table with columns given in full (widths).
    pub fn with_columns(caption: impl Into<String>, columns: Vec<Column>) -> Self {
        Table {
            columns,
            ..Table::new(caption, Vec::<String>::new())
        }
    }

    /// Appends a row.
    pub fn row<C: Into<Cell>>(mut self, cells: impl IntoIterator<Item = C>) -> Self {
        self.push_row(cells);
        self
    }

    /// Appends a row in place (for loops).
    pub fn push_row<C: Into<Cell>>(&mut self, cells: impl IntoIterator<Item = C>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    pub fn sheet_name(mut self, name: impl Into<String>) -> Self {
        self.sheet_name = Some(name.into());
        self
    }

    pub fn orientation(mut self, orientation: Orientation) -> Self {
        self.orientation = orientation;
        self
    }

    /// Marks the first `n` columns as the row's key (see `key_columns`).
    pub fn key_columns(mut self, n: usize) -> Self {
        self.key_columns = n;
        self
    }

    /// The number of columns renderers draw: the headers, or more if a row
    /// is longer (its extra cells get empty headers rather than vanishing).
    pub fn width(&self) -> usize {
        self.rows
            .iter()
            .map(Vec::len)
            .max()
            .unwrap_or(0)
            .max(self.columns.len())
    }

    /// Whether paged output should turn this table's pages sideways.
    pub fn is_landscape(&self) -> bool {
        match self.orientation {
            Orientation::Auto => self.width() > Self::LANDSCAPE_COLUMNS,
            Orientation::Portrait => false,
            Orientation::Landscape => true,
        }
    }

    /// Whether any cell has a tone other than neutral (the renderers then
    /// add a legend of the symbols).
    pub fn has_tones(&self) -> bool {
        self.rows
            .iter()
            .flatten()
            .any(|c| c.tone.is_some_and(|t| t != Tone::Neutral))
    }
}

/// One big number of a summary row ("应用总数 42").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub label: String,
    pub value: String,
    #[serde(default)]
    pub tone: Tone,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Figure {
    pub fn new(label: impl Into<String>, value: impl Into<String>, tone: Tone) -> Self {
        Figure {
            label: label.into(),
            value: value.into(),
            tone,
            note: None,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// One series of a bar chart: a count per category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub values: Vec<u64>,
    /// Colour of the bars; series without one get the palette's next colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tone: Option<Tone>,
}

impl Series {
    pub fn new(name: impl Into<String>, values: Vec<u64>) -> Self {
        Series {
            name: name.into(),
            values,
            tone: None,
        }
    }

    pub fn with_tone(mut self, tone: Tone) -> Self {
        self.tone = Some(tone);
        self
    }
}

/// A horizontal bar chart of counts: categories down the side (long Chinese
/// labels read better than under vertical bars), one bar per series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BarChart {
    pub title: String,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
}

impl BarChart {
    pub fn new<S: Into<String>>(
        title: impl Into<String>,
        categories: impl IntoIterator<Item = S>,
    ) -> Self {
        BarChart {
            title: title.into(),
            categories: categories.into_iter().map(Into::into).collect(),
            series: Vec::new(),
        }
    }

    pub fn series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    /// The largest value (at least 1, so scales never divide by zero).
    pub fn max_value(&self) -> u64 {
        self.series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .max()
            .unwrap_or(0)
            .max(1)
    }

    /// The value of a series for a category (missing values count as 0).
    pub fn value(&self, series: usize, category: usize) -> u64 {
        self.series
            .get(series)
            .and_then(|s| s.values.get(category))
            .copied()
            .unwrap_or(0)
    }

    /// The colour of a series as `RRGGBB`: its tone's, or the palette's.
    pub fn series_color(&self, series: usize) -> &'static str {
        /// Blues and a teal that stay apart in greyscale.
        const PALETTE: [&str; 5] = ["1F4E79", "5B9BD5", "2E8B8B", "A5A5A5", "264478"];
        match self.series.get(series).and_then(|s| s.tone) {
            Some(t) => t.color(),
            None => PALETTE[series % PALETTE.len()],
        }
    }
}

/// One block of the document body, in reading order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// A section heading, level 1 (section) to 3 (sub-sub-section); other
    /// levels are clamped by renderers.
    Heading {
        level: u8,
        text: String,
    },
    /// A paragraph of plain text; line breaks in it are kept.
    Paragraph {
        text: String,
    },
    /// A list of labels and values.
    Fields {
        items: Vec<Field>,
    },
    /// A callout: a remark, a warning, a conclusion.
    Note {
        tone: Tone,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        text: String,
    },
    Table(Table),
    /// A row of big numbers.
    Figures {
        items: Vec<Figure>,
    },
    Chart(BarChart),
}

/// A report: a title, who and what it is about (`meta`), and its body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    pub language: Language,
    /// When it was generated, already formatted by the caller (this crate
    /// has no clock).
    pub generated_at: String,
    /// Institution, period, prepared by…, shown under the title.
    pub meta: Vec<Field>,
    pub blocks: Vec<Block>,
}

impl Document {
    /// An empty document; add to it with the chained methods.
    pub fn new(
        language: Language,
        title: impl Into<String>,
        generated_at: impl Into<String>,
    ) -> Self {
        Document {
            title: title.into(),
            subtitle: None,
            language,
            generated_at: generated_at.into(),
            meta: Vec::new(),
            blocks: Vec::new(),
        }
    }

    pub fn subtitle(mut self, subtitle: impl Into<String>) -> Self {
        self.subtitle = Some(subtitle.into());
        self
    }

    pub fn meta(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.meta.push(Field::new(label, value));
        self
    }

    pub fn block(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }

    pub fn heading(self, level: u8, text: impl Into<String>) -> Self {
        self.block(Block::Heading {
            level,
            text: text.into(),
        })
    }

    pub fn paragraph(self, text: impl Into<String>) -> Self {
        self.block(Block::Paragraph { text: text.into() })
    }

    pub fn fields(self, items: Vec<Field>) -> Self {
        self.block(Block::Fields { items })
    }

    pub fn note(self, tone: Tone, title: Option<&str>, text: impl Into<String>) -> Self {
        self.block(Block::Note {
            tone,
            title: title.map(str::to_owned),
            text: text.into(),
        })
    }

    pub fn table(self, table: Table) -> Self {
        self.block(Block::Table(table))
    }

    pub fn figures(self, items: Vec<Figure>) -> Self {
        self.block(Block::Figures { items })
    }

    pub fn chart(self, chart: BarChart) -> Self {
        self.block(Block::Chart(chart))
    }

    /// The tables in order (XLSX sheets, size checks).
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
    }

    /// Rows of all tables together: what size limits are checked against.
    pub fn table_rows(&self) -> usize {
        self.tables().map(|t| t.rows.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_and_site_paths_are_links() {
        for ok in ["https://example.cn/a?b=1", "HTTP://x", "/apps/1"] {
            assert!(safe_link(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "//evil.example",
            "file:///etc/passwd",
            " javascript:x",
            "https://a b",
            "vbscript:x",
            "",
        ] {
            assert!(!safe_link(bad), "{bad}");
        }
    }

    #[test]
    fn ragged_rows_widen_the_table_and_auto_goes_landscape() {
        let t = Table::new("t", ["a", "b"]).row(["1", "2", "3"]);
        assert_eq!(t.width(), 3);
        assert!(!t.is_landscape());
        let wide = Table::new("w", (0..8).map(|i| i.to_string()));
        assert!(wide.is_landscape());
        assert!(
            !wide
                .clone()
                .orientation(Orientation::Portrait)
                .is_landscape()
        );
    }

    #[test]
    fn json_round_trip_keeps_everything() {
        let doc = Document::new(Language::En, "T", "2026-01-01 08:00")
            .meta("Institution", "Bank")
            .heading(1, "H")
            .note(Tone::Warn, Some("n"), "text")
            .table(Table::new("t", ["a"]).row([Cell::status(Tone::Bad, "x").with_detail("d")]))
            .figures(vec![Figure::new("apps", "3", Tone::Good)])
            .chart(BarChart::new("c", ["x"]).series(Series::new("s", vec![1])));
        let json = serde_json::to_string(&doc).unwrap();
        assert!(json.contains(r#""kind":"table""#), "{json}");
        assert!(json.contains(r#""language":"en""#), "{json}");
        let back: Document = serde_json::from_str(&json).unwrap();
        assert_eq!(back, doc);
    }
}
