//! From a grid of cells (CSV records or worksheet rows) to a [`Sheet`]:
//! find the header row, resolve columns, parse every row, find duplicates.

use std::collections::HashMap;

use crate::field::{Field, Mapping, Target, fold};
use crate::row::{LedgerRow, parse_row};
use crate::{Limits, SheetError, column_letter};

/// What an import found, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// `csv` or `xlsx`.
    pub format: &'static str,
    /// CSV: the text encoding read (`UTF-8`, `UTF-8 with BOM`, `GB18030`
    /// (which covers GBK), `UTF-16LE`, `UTF-16BE`).
    pub encoding: Option<&'static str>,
    /// XLSX: the worksheet read.
    pub sheet_name: Option<String>,
    /// The header row's number as the spreadsheet shows it (1 unless title
    /// rows sit above it).
    pub header_row: usize,
    /// The recognised columns, in sheet order.
    pub columns: Vec<Column>,
    /// Columns whose header is not recognised (or mapped to `ignore`),
    /// as `C "备注"`: their cells are not imported.
    pub ignored_columns: Vec<String>,
    pub warnings: Vec<String>,
    /// Every data row in order, blank rows skipped.
    pub rows: Vec<RowOutcome>,
}

/// A recognised column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// `A`, `B`, … as the spreadsheet shows it.
    pub letter: String,
    pub header: String,
    pub field: Field,
}

/// One data row: the row number the spreadsheet shows, and the app or every
/// problem in the row (`field: problem`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowOutcome {
    pub row: usize,
    pub result: Result<LedgerRow, Vec<String>>,
}

impl Sheet {
    /// The rows that parsed.
    pub fn valid_rows(&self) -> impl Iterator<Item = &LedgerRow> {
        self.rows.iter().filter_map(|r| r.result.as_ref().ok())
    }
    /// The rows with problems: row number and problems.
    pub fn errors(&self) -> impl Iterator<Item = (usize, &[String])> {
        self.rows
            .iter()
            .filter_map(|r| r.result.as_ref().err().map(|e| (r.row, e.as_slice())))
    }
    /// No row has a problem (an import may go ahead).
    pub fn is_clean(&self) -> bool {
        self.rows.iter().all(|r| r.result.is_ok())
    }
    /// All rows when every one parsed; otherwise every problem as
    /// `row N: field: problem`.
    pub fn into_rows(self) -> Result<Vec<LedgerRow>, Vec<String>> {
        let mut ok = Vec::with_capacity(self.rows.len());
        let mut bad = Vec::new();
        for r in self.rows {
            match r.result {
                Ok(row) => ok.push(row),
                Err(ps) => bad.extend(ps.into_iter().map(|p| format!("row {}: {p}", r.row))),
            }
        }
        if bad.is_empty() { Ok(ok) } else { Err(bad) }
    }
}

/// One cell as a reader gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Raw {
    Text(String),
    /// An Excel error value (`#N/A`, `#REF!`, …).
    Error(String),
}

/// A non-blank row as a reader gives it: its spreadsheet row number and its
/// cells by column (at most `max_columns`).
pub(crate) struct RawRow {
    pub number: usize,
    pub cells: Vec<Raw>,
}

/// How far down title rows may push the header row.
const HEADER_SEARCH_ROWS: usize = 20;

/// Source details the reader knows.
pub(crate) struct Origin {
    pub format: &'static str,
    pub encoding: Option<&'static str>,
    pub sheet_name: Option<String>,
    /// CSV: remove the formula guard `'` export adds.
    pub strip_guard: bool,
    pub warnings: Vec<String>,
}

pub(crate) fn build_sheet(
    rows: Vec<RawRow>,
    origin: Origin,
    mapping: &Mapping,
    limits: &Limits,
) -> Result<Sheet, SheetError> {
    let first = rows.first().ok_or(SheetError::Empty)?;
    // Title rows ("XX银行移动应用台账") often sit above the header: the header
    // is the first row that names both required columns.
    let header_at = rows.iter().take(HEADER_SEARCH_ROWS).position(|r| {
        let targets: Vec<Target> = r.cells.iter().filter_map(|c| resolve(mapping, c)).collect();
        targets.contains(&Target::Field(Field::Name))
            && targets.contains(&Target::Field(Field::Form))
    });
    let Some(header_at) = header_at else {
        let targets: Vec<Target> = first
            .cells
            .iter()
            .filter_map(|c| resolve(mapping, c))
            .collect();
        let missing = [Field::Name, Field::Form]
            .into_iter()
            .filter(|f| !targets.contains(&Target::Field(*f)))
            .map(Field::as_str)
            .collect();
        return Err(SheetError::MissingColumns {
            missing,
            header_row: first.number,
            found: first
                .cells
                .iter()
                .enumerate()
                .filter_map(|(i, c)| match c {
                    Raw::Text(t) if !t.trim().is_empty() => {
                        Some(format!("{} {:?}", column_letter(i), t.trim()))
                    }
                    _ => None,
                })
                .collect(),
        });
    };
    let header = &rows[header_at];
    let mut warnings = origin.warnings;
    if header_at > 0 {
        warnings.push(format!(
            "rows above the header (row {}) were skipped as titles",
            header.number
        ));
    }

    let mut columns: Vec<Column> = Vec::new();
    let mut by_index: Vec<Option<Field>> = vec![None; header.cells.len()];
    let mut ignored_columns = Vec::new();
    let mut used_headers = Vec::new();
    for (i, cell) in header.cells.iter().enumerate() {
        let text = match cell {
            Raw::Text(t) => t.trim(),
            Raw::Error(e) => e.as_str(),
        };
        if text.is_empty() {
            continue;
        }
        if text.chars().count() > limits.max_cell_chars {
            return Err(SheetError::HeaderTooLong {
                column: column_letter(i),
                limit: limits.max_cell_chars,
            });
        }
        used_headers.push(fold(text));
        match resolve(mapping, cell) {
            Some(Target::Field(f)) => {
                if let Some(prev) = columns.iter().find(|c| c.field == f) {
                    return Err(SheetError::DuplicateColumn {
                        field: f.as_str(),
                        first: format!("{} {:?}", prev.letter, prev.header),
                        second: format!("{} {:?}", column_letter(i), text),
                    });
                }
                by_index[i] = Some(f);
                columns.push(Column {
                    letter: column_letter(i),
                    header: text.to_string(),
                    field: f,
                });
            }
            Some(Target::Ignore) | None => {
                ignored_columns.push(format!("{} {:?}", column_letter(i), text))
            }
        }
    }
    let mut unused: Vec<&str> = mapping
        .headers()
        .filter(|h| !used_headers.iter().any(|u| u == h))
        .collect();
    unused.sort_unstable();
    for h in unused {
        warnings.push(format!("mapped header {h:?} is not in the header row"));
    }

    let mut out = Vec::with_capacity(rows.len() - header_at - 1);
    let mut seen: HashMap<(appgov_ledger::AppForm, bool, String), usize> = HashMap::new();
    for raw in &rows[header_at + 1..] {
        let mut problems = Vec::new();
        let mut values: HashMap<Field, String> = HashMap::new();
        for (i, cell) in raw.cells.iter().enumerate() {
            let Some(field) = by_index.get(i).copied().flatten() else {
                continue;
            };
            match cell {
                Raw::Error(e) => problems.push(format!("{field}: the cell holds the error {e}")),
                Raw::Text(t) => {
                    let n = t.chars().count();
                    if n > limits.max_cell_chars {
                        problems.push(format!(
                            "{field}: the cell has {n} characters, more than the limit of {}",
                            limits.max_cell_chars
                        ));
                        continue;
                    }
                    let mut v = t.trim();
                    if origin.strip_guard {
                        v = crate::csv_io::unguard(v);
                    }
                    if !v.is_empty() {
                        // Line breaks become `\n` whatever the file used.
                        let v = if v.contains('\r') {
                            v.replace("\r\n", "\n").replace('\r', "\n")
                        } else {
                            v.to_string()
                        };
                        values.insert(field, v);
                    }
                }
            }
        }
        if values.is_empty() && problems.is_empty() {
            continue; // a row with cells only in ignored columns
        }
        let parsed = parse_row(&|f| values.get(&f).cloned());
        let result = match parsed {
            Ok(row) if problems.is_empty() => {
                let key = row.identity_key();
                match seen.get(&key) {
                    Some(earlier) => Err(vec![if key.1 {
                        format!(
                            "package: duplicate of row {earlier} (same form {} and package {:?})",
                            key.0, key.2
                        )
                    } else {
                        format!(
                            "name: duplicate of row {earlier} (same form {} and name {:?}, no package)",
                            key.0, key.2
                        )
                    }]),
                    None => {
                        seen.insert(key, raw.number);
                        Ok(row)
                    }
                }
            }
            Ok(_) => Err(problems),
            Err(mut ps) => {
                problems.append(&mut ps);
                Err(problems)
            }
        };
        out.push(RowOutcome {
            row: raw.number,
            result,
        });
    }
    Ok(Sheet {
        format: origin.format,
        encoding: origin.encoding,
        sheet_name: origin.sheet_name,
        header_row: header.number,
        columns,
        ignored_columns,
        warnings,
        rows: out,
    })
}

fn resolve(mapping: &Mapping, cell: &Raw) -> Option<Target> {
    match cell {
        Raw::Text(t) if !t.trim().is_empty() => mapping.resolve(t),
        _ => None,
    }
}

/// Checks a row against the column limit (cells up to the last non-empty
/// one) and drops trailing empty cells. `None` for a blank row.
pub(crate) fn trim_row(
    number: usize,
    mut cells: Vec<Raw>,
    limits: &Limits,
) -> Result<Option<RawRow>, SheetError> {
    while matches!(cells.last(), Some(Raw::Text(t)) if t.trim().is_empty()) {
        cells.pop();
    }
    if cells.is_empty() {
        return Ok(None);
    }
    if cells.len() > limits.max_columns {
        return Err(SheetError::TooManyColumns {
            row: number,
            columns: cells.len(),
            limit: limits.max_columns,
        });
    }
    Ok(Some(RawRow { number, cells }))
}
