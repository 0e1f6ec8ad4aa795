//! CSV both ways. Import decodes UTF-8 (with or without BOM), UTF-16 with a
//! BOM (Excel's "Unicode text") and GB18030/GBK (what Excel on Chinese
//! Windows saves as "CSV"); export writes UTF-8 with a BOM, so Excel in
//! zh-CN opens it as UTF-8, and guards cells against formula injection.

use std::borrow::Cow;

use crate::field::{Field, HeaderLanguage, Mapping};
use crate::read::{Origin, Raw, build_sheet, trim_row};
use crate::row::LedgerRow;
use crate::{Limits, Sheet, SheetError};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads a CSV ledger. Problems of single rows are in the returned
/// [`Sheet`]; an `Err` means the file as a whole cannot be read.
pub fn read_csv(bytes: &[u8], mapping: &Mapping, limits: &Limits) -> Result<Sheet, SheetError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(SheetError::TooLarge {
            size: bytes.len() as u64,
            limit: limits.max_file_bytes,
        });
    }
    refuse_other_formats(bytes)?;
    let (text, encoding) = decode(bytes)?;
    let delimiter = sniff_delimiter(&text);

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // Excel shows every line as a row, blank ones included, but the csv
    // crate skips blank lines: a record's row number is recovered from the
    // line breaks before its end, less those inside its quoted cells.
    let mut breaks = 0usize;
    let mut inside_all = 0usize;
    let mut counted_to = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(SheetError::Csv(csv_error(&e))),
        }
        let end = (reader.position().byte() as usize).min(text.len());
        breaks += count_breaks(&text, counted_to..end);
        counted_to = end;
        let ends_with_break = text[..end].ends_with(['\n', '\r']);
        inside_all += record
            .iter()
            .map(|c| count_breaks(c, 0..c.len()))
            .sum::<usize>();
        let row_number = (breaks + 1)
            .saturating_sub(usize::from(ends_with_break))
            .saturating_sub(inside_all)
            .max(1);
        if record.len() > limits.max_columns.saturating_mul(64).max(4096) {
            // Far beyond any sensible width even with trailing empty cells.
            return Err(SheetError::TooManyColumns {
                row: row_number,
                columns: record.len(),
                limit: limits.max_columns,
            });
        }
        let cells = record.iter().map(|c| Raw::Text(c.to_string())).collect();
        if let Some(r) = trim_row(row_number, cells, limits)? {
            rows.push(r);
            if rows.len() > limits.max_rows.saturating_add(1) {
                return Err(SheetError::TooManyRows {
                    limit: limits.max_rows,
                });
            }
        }
    }
    let mut warnings = Vec::new();
    if delimiter != b',' {
        warnings.push(format!(
            "cells are separated by {:?}, not commas",
            delimiter as char
        ));
    }
    build_sheet(
        rows,
        Origin {
            format: "csv",
            encoding: Some(encoding),
            sheet_name: None,
            strip_guard: true,
            warnings,
        },
        mapping,
        limits,
    )
}

/// Line breaks in `s[range]` as Excel counts rows: `\r\n`, `\n` or a lone
/// `\r` (looking past the range's end, so a `\r\n` split by it counts once).
fn count_breaks(s: &str, range: std::ops::Range<usize>) -> usize {
    let b = s.as_bytes();
    range
        .filter(|&i| b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')))
        .count()
}

fn csv_error(e: &csv::Error) -> String {
    match e.position() {
        Some(p) => format!("line {}: {e}", p.line()),
        None => e.to_string(),
    }
}

/// Files that are certainly not CSV get a precise message.
fn refuse_other_formats(bytes: &[u8]) -> Result<(), SheetError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(SheetError::WrongFormat(
            "this is a ZIP archive (an XLSX workbook?), not CSV; read it as XLSX".into(),
        ));
    }
    if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Err(SheetError::WrongFormat(
            "this is an old Excel 97–2003 .xls workbook, which is not supported; save it as .xlsx or CSV".into(),
        ));
    }
    Ok(())
}

/// Decodes the bytes and names the encoding read.
fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), SheetError> {
    let (text, name): (Cow<'_, str>, &'static str) = if let Some(rest) = bytes.strip_prefix(BOM) {
        let t = std::str::from_utf8(rest).map_err(|e| {
            SheetError::NotText(format!(
                "it starts with a UTF-8 byte-order mark but byte {} is not UTF-8",
                e.valid_up_to() + BOM.len()
            ))
        })?;
        (Cow::Borrowed(t), "UTF-8 with BOM")
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (enc, name) = if bytes[0] == 0xFF {
            (encoding_rs::UTF_16LE, "UTF-16LE")
        } else {
            (encoding_rs::UTF_16BE, "UTF-16BE")
        };
        let t = enc
            .decode_without_bom_handling_and_without_replacement(&bytes[2..])
            .ok_or_else(|| {
                SheetError::NotText(format!("not valid {name} after its byte-order mark"))
            })?;
        (t, name)
    } else if let Ok(t) = std::str::from_utf8(bytes) {
        (Cow::Borrowed(t), "UTF-8")
    } else {
        // GB18030 decodes every GBK text the same way and more.
        let t = encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| {
                SheetError::NotText(
                    "neither UTF-8 nor GBK/GB18030 text (binary data, or another encoding: save the sheet as \"CSV UTF-8\")".into(),
                )
            })?;
        (t, "GB18030")
    };
    // Text has no NULs or other control characters besides tab and line
    // breaks; binary junk that happens to decode has plenty.
    if let Some((i, c)) = text
        .char_indices()
        .find(|&(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(SheetError::NotText(format!(
            "control character U+{:04X} at character {} ({name}): binary data?",
            c as u32,
            text[..i].chars().count()
        )));
    }
    Ok((text, name))
}

/// Comma, unless the first line has none and has tabs (Excel's "Unicode
/// text") or semicolons (CSV from locales with a decimal comma).
fn sniff_delimiter(text: &str) -> u8 {
    let line = text
        .trim_start_matches('\u{FEFF}')
        .lines()
        .next()
        .unwrap_or("");
    if line.contains(',') {
        b','
    } else if line.contains('\t') {
        b'\t'
    } else if line.contains(';') {
        b';'
    } else {
        b','
    }
}

/// Characters that make a spreadsheet treat a cell as a formula (OWASP's
/// CSV-injection list).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Export: prefix `'` to a cell that would start a formula — and to one that
/// already looks guarded (`'` run then a formula character), so that import
/// removing exactly one `'` gives every value back unchanged.
pub(crate) fn guard(v: &str) -> Cow<'_, str> {
    if v.trim_start_matches('\'').starts_with(FORMULA_START) {
        Cow::Owned(format!("'{v}"))
    } else {
        Cow::Borrowed(v)
    }
}

/// Import: undo [`guard`].
pub(crate) fn unguard(v: &str) -> &str {
    match v.strip_prefix('\'') {
        Some(rest) if rest.trim_start_matches('\'').starts_with(FORMULA_START) => rest,
        _ => v,
    }
}

/// The ledger as CSV with English headers: UTF-8 with a BOM, CRLF line
/// ends, every column of [`Field::ALL`] in order.
pub fn write_csv(rows: &[LedgerRow]) -> Vec<u8> {
    write_csv_in(rows, HeaderLanguage::English)
}

/// [`write_csv`] with the header (and vocabulary values) in `language`.
pub fn write_csv_in(rows: &[LedgerRow], language: HeaderLanguage) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(BOM.to_vec());
    // Writing into a Vec cannot fail; the csv writer reports I/O errors only.
    let _ = w.write_record(Field::ALL.iter().map(|f| f.header(language)));
    for r in rows {
        let cells: Vec<String> = Field::ALL
            .iter()
            .map(|f| guard(&r.cell(*f, language)).into_owned())
            .collect();
        let _ = w.write_record(&cells);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_round_trips() {
        for v in [
            "=1+1", "-", "+86", "@x", "\tx", "'=x", "''-y", "'plain", "plain", "", "'",
        ] {
            assert_eq!(unguard(&guard(v)), v, "{v:?}");
        }
        assert_eq!(guard("=1+1"), "'=1+1");
        assert_eq!(guard("'plain"), "'plain");
        assert_eq!(unguard("'plain"), "'plain");
    }

    #[test]
    fn breaks() {
        assert_eq!(count_breaks("a\r\nb\nc\rd", 0..8), 3);
        assert_eq!(
            count_breaks("a\r\nb", 0..2) + count_breaks("a\r\nb", 2..4),
            1
        );
    }
}
