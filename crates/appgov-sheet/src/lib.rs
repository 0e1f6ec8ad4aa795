//! The ledger (台账) as a spreadsheet: CSV and XLSX import and export.
//!
//! Banks keep their app ledgers in Excel today, so importing one must be
//! easy and safe: headers are recognised in English and in the Chinese banks
//! use (or mapped explicitly with a [`Mapping`]), every problem of every row
//! is reported with the row number Excel shows before anything is written,
//! and hostile files (zip bombs, huge sheets, binary junk) give a clear
//! [`SheetError`] within fixed [`Limits`], never a panic or a huge
//! allocation. Export writes the same columns in the same order in both
//! formats, the five the issue names first.
//!
//! Pure: bytes in, rows out and back. No file system, no clock. Names stay
//! names (department, people, operator): the store resolves them to records,
//! and the store's transaction makes an import all or nothing.

mod csv_io;
mod field;
mod read;
mod row;
mod xlsx;

pub use csv_io::{read_csv, write_csv, write_csv_in};
pub use field::{Field, HeaderLanguage, Mapping, Target};
pub use read::{Column, RowOutcome, Sheet};
pub use row::{LedgerRow, RowRefs};
pub use xlsx::{read_xlsx, write_xlsx};

/// Caps on what an import reads. The defaults fit a bank's ledger (a few
/// thousand apps) with a wide margin; every one can be raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest input file in bytes.
    pub max_file_bytes: u64,
    /// Most data rows (not counting the header and blank rows).
    pub max_rows: usize,
    /// Most columns (up to the last non-empty cell of a row).
    pub max_columns: usize,
    /// Longest cell, in characters.
    pub max_cell_chars: usize,
    /// XLSX: most bytes all XML parts of the archive may inflate to.
    pub max_unzipped_bytes: u64,
    /// XLSX: most entries in the archive.
    pub max_zip_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 50 << 20,
            max_rows: 200_000,
            max_columns: 200,
            max_cell_chars: 10_000,
            max_unzipped_bytes: 256 << 20,
            max_zip_entries: 10_000,
        }
    }
}

/// Why a whole sheet could not be read. Problems of single rows are not
/// errors: they are in [`Sheet::rows`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SheetError {
    #[error("the file is {size} bytes, more than the limit of {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("the sheet has more than {limit} data rows (the limit)")]
    TooManyRows { limit: usize },
    #[error("row {row} has {columns} columns, more than the limit of {limit}")]
    TooManyColumns {
        row: usize,
        columns: usize,
        limit: usize,
    },
    #[error("the header cell in column {column} is longer than {limit} characters")]
    HeaderTooLong { column: String, limit: usize },
    #[error("not a text (CSV) file: {0}")]
    NotText(String),
    #[error("{0}")]
    WrongFormat(String),
    #[error("malformed CSV: {0}")]
    Csv(String),
    #[error("malformed or unreadable XLSX: {0}")]
    Xlsx(String),
    #[error("XLSX archive refused: {0}")]
    Archive(String),
    #[error("no worksheet named {wanted:?} (the workbook has: {})", available.join(", "))]
    NoSheet {
        wanted: String,
        available: Vec<String>,
    },
    #[error("the sheet is empty: no header row")]
    Empty,
    #[error(
        "required column{} {} not found; the header row (row {header_row}) has: {}",
        if missing.len() > 1 { "s" } else { "" },
        missing.join(", "),
        if found.is_empty() { "(nothing)".to_string() } else { found.join(", ") }
    )]
    MissingColumns {
        missing: Vec<&'static str>,
        header_row: usize,
        found: Vec<String>,
    },
    #[error(
        "columns {first} and {second} both map to {field}; map one of them elsewhere or to ignore"
    )]
    DuplicateColumn {
        field: &'static str,
        first: String,
        second: String,
    },
    #[error("column mapping: {0}")]
    BadMapping(String),
    #[error("cannot write the sheet: {0}")]
    Write(String),
}

/// Reads CSV or XLSX, told apart by content (an XLSX is a ZIP archive).
/// The XLSX's first worksheet is read.
pub fn read_any(bytes: &[u8], mapping: &Mapping, limits: &Limits) -> Result<Sheet, SheetError> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes, None, mapping, limits)
    } else {
        read_csv(bytes, mapping, limits)
    }
}

/// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
pub(crate) fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_letters() {
        assert_eq!(super::column_letter(0), "A");
        assert_eq!(super::column_letter(25), "Z");
        assert_eq!(super::column_letter(26), "AA");
        assert_eq!(super::column_letter(27), "AB");
        assert_eq!(super::column_letter(701), "ZZ");
        assert_eq!(super::column_letter(702), "AAA");
    }
}
