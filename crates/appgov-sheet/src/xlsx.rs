//! XLSX both ways: calamine reads, rust_xlsxwriter writes. Before calamine
//! sees a byte, our own ZIP reader (`appgov-zip`) checks the archive against
//! the [`Limits`] and inflates its XML parts under a byte budget; calamine
//! then reads a fresh, uncompressed copy of exactly those parts, so no
//! declared size or compression trick can make it allocate beyond the
//! budget.

use std::collections::{BTreeMap, HashSet};
use std::io::Cursor;

use appgov_zip::{ReadAt, ZipArchive, ZipError};
use calamine::{DataRef, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::field::{Field, HeaderLanguage, Mapping};
use crate::read::{Origin, Raw, build_sheet, trim_row};
use crate::row::LedgerRow;
use crate::{Limits, Sheet, SheetError};

/// Reads an XLSX ledger: the worksheet named `sheet`, or the first one.
/// Problems of single rows are in the returned [`Sheet`]; an `Err` means
/// the workbook as a whole cannot be read.
pub fn read_xlsx(
    bytes: &[u8],
    sheet: Option<&str>,
    mapping: &Mapping,
    limits: &Limits,
) -> Result<Sheet, SheetError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(SheetError::TooLarge {
            size: bytes.len() as u64,
            limit: limits.max_file_bytes,
        });
    }
    if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Err(SheetError::WrongFormat(
            "this is an old Excel 97–2003 .xls workbook (or an encrypted .xlsx), which is not supported; save it as .xlsx or CSV".into(),
        ));
    }
    let clean = checked_copy(bytes, limits)?;
    // calamine is a well-kept reader, but a panic on some corner of the
    // format must still end as an error for this file, not the process.
    let read = std::panic::catch_unwind(|| read_cells(clean, sheet, limits));
    let (name, others, rows) = read.unwrap_or_else(|_| {
        Err(SheetError::Xlsx(
            "the XLSX reader failed on this file".into(),
        ))
    })?;
    build_sheet(
        rows,
        Origin {
            format: "xlsx",
            encoding: None,
            warnings: if others.is_empty() || sheet.is_some() {
                Vec::new()
            } else {
                vec![format!(
                    "read the first worksheet, {name:?}; the workbook also has {}",
                    others.join(", ")
                )]
            },
            sheet_name: Some(name),
            strip_guard: false,
        },
        mapping,
        limits,
    )
}

/// Parts calamine reads: XML and relationships. Pictures, embedded objects
/// and VBA binaries are left out (and not inflated).
fn wanted(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".xml") || n.ends_with(".rels")
}

/// Checks the archive and copies its XML parts, inflated, into a new
/// uncompressed ZIP.
fn checked_copy(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, SheetError> {
    let zip_limits = appgov_zip::Limits {
        max_entries: limits.max_zip_entries,
        max_entry_size: limits.max_unzipped_bytes,
        max_total_inflated: limits.max_unzipped_bytes,
        ..appgov_zip::Limits::default()
    };
    let source: &dyn ReadAt = &bytes;
    let archive = ZipArchive::parse(source, &zip_limits).map_err(|e| match e {
        ZipError::TooSmall { .. } | ZipError::NotZip { .. } => SheetError::Xlsx(format!(
            "not an XLSX workbook ({e}); a truncated download or a file of another kind?"
        )),
        other => SheetError::Archive(other.to_string()),
    })?;
    let entries = archive.entries();
    // The reader stops at its entry limit; the directory says how many there are.
    let count = (entries.len() as u64).max(archive.layout().cd_entries_declared);
    if count > limits.max_zip_entries as u64 {
        return Err(SheetError::Archive(format!(
            "{count} entries, more than the limit of {}",
            limits.max_zip_entries
        )));
    }
    if archive.by_name("xl/workbook.xml").is_none() {
        let why = if archive.by_name("xl/workbook.bin").is_some() {
            "it is an Excel binary workbook (.xlsb), which is not supported; save it as .xlsx"
        } else {
            "no xl/workbook.xml: a ZIP archive, but not an XLSX workbook"
        };
        return Err(SheetError::Xlsx(why.into()));
    }
    let parts: Vec<_> = entries
        .iter()
        .filter(|e| !e.is_dir() && wanted(&e.name))
        .collect();
    let declared: u64 = parts
        .iter()
        .map(|e| e.uncompressed_size)
        .fold(0, u64::saturating_add);
    if declared > limits.max_unzipped_bytes {
        return Err(SheetError::Archive(format!(
            "its XML parts declare {declared} bytes uncompressed, more than the limit of {} (zip bomb?)",
            limits.max_unzipped_bytes
        )));
    }
    let mut out = StoredZip::default();
    let mut seen = HashSet::new();
    for e in parts {
        if !seen.insert(e.raw_name.clone()) {
            continue; // the first of duplicate names, as `by_name` answers
        }
        let (data, report) = archive
            .read_checked(e)
            .map_err(|err| SheetError::Archive(err.to_string()))?;
        if !report.crc_matches {
            return Err(SheetError::Xlsx(format!(
                "part {:?} is damaged (its checksum does not match)",
                e.name
            )));
        }
        out.add(&e.raw_name, &data, report.crc32)?;
    }
    out.finish()
}

/// A ZIP with stored (uncompressed) entries, written by hand because it is
/// a few dozen lines and keeps the bytes calamine reads exactly the ones
/// our reader produced under its limits.
#[derive(Default)]
struct StoredZip {
    data: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

impl StoredZip {
    fn add(&mut self, name: &[u8], body: &[u8], crc: u32) -> Result<(), SheetError> {
        let too_big = || SheetError::Archive("more than 4 GiB or 65535 parts".into());
        let offset = u32::try_from(self.data.len()).map_err(|_| too_big())?;
        let size = u32::try_from(body.len()).map_err(|_| too_big())?;
        let name_len = u16::try_from(name.len()).map_err(|_| too_big())?;
        self.count = self.count.checked_add(1).ok_or_else(too_big)?;
        // Shared by the local and central headers: version needed, flags
        // (bit 11: UTF-8 names), method 0 (stored), DOS time and date
        // (1980-01-01), CRC, sizes, name length, extra length.
        let mut common = Vec::with_capacity(26);
        common.extend_from_slice(&20u16.to_le_bytes());
        common.extend_from_slice(&0x0800u16.to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes());
        common.extend_from_slice(&0x21u16.to_le_bytes());
        common.extend_from_slice(&crc.to_le_bytes());
        common.extend_from_slice(&size.to_le_bytes());
        common.extend_from_slice(&size.to_le_bytes());
        common.extend_from_slice(&name_len.to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes());

        self.data.extend_from_slice(b"PK\x03\x04");
        self.data.extend_from_slice(&common);
        self.data.extend_from_slice(name);
        self.data.extend_from_slice(body);

        self.central.extend_from_slice(b"PK\x01\x02");
        self.central.extend_from_slice(&20u16.to_le_bytes()); // made by
        self.central.extend_from_slice(&common);
        self.central.extend_from_slice(&[0; 6]); // comment len, disk, internal attrs
        self.central.extend_from_slice(&0u32.to_le_bytes()); // external attrs
        self.central.extend_from_slice(&offset.to_le_bytes());
        self.central.extend_from_slice(name);
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<u8>, SheetError> {
        let too_big = || SheetError::Archive("more than 4 GiB".into());
        let cd_offset = u32::try_from(self.data.len()).map_err(|_| too_big())?;
        let cd_size = u32::try_from(self.central.len()).map_err(|_| too_big())?;
        self.data.extend_from_slice(&self.central);
        self.data.extend_from_slice(b"PK\x05\x06");
        self.data.extend_from_slice(&[0; 4]); // disk numbers
        self.data.extend_from_slice(&self.count.to_le_bytes());
        self.data.extend_from_slice(&self.count.to_le_bytes());
        self.data.extend_from_slice(&cd_size.to_le_bytes());
        self.data.extend_from_slice(&cd_offset.to_le_bytes());
        self.data.extend_from_slice(&0u16.to_le_bytes());
        Ok(self.data)
    }
}

fn xlsx_error(e: impl std::fmt::Display) -> SheetError {
    SheetError::Xlsx(e.to_string())
}

/// The chosen worksheet's non-blank rows, streamed cell by cell so that
/// the row and column limits hold before anything grows.
fn read_cells(
    clean: Vec<u8>,
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<(String, Vec<String>, Vec<crate::read::RawRow>), SheetError> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(clean)).map_err(xlsx_error)?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| SheetError::NoSheet {
                wanted: wanted.to_string(),
                available: names.clone(),
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| SheetError::Xlsx("the workbook has no worksheet".into()))?,
    };
    let mut reader = book.worksheet_cells_reader(&name).map_err(xlsx_error)?;
    let mut rows: BTreeMap<u32, Vec<(u32, Raw)>> = BTreeMap::new();
    while let Some(cell) = reader.next_cell().map_err(xlsx_error)? {
        let (r, c) = cell.get_position();
        let Some(raw) = to_raw(cell.get_value()) else {
            continue;
        };
        if c as usize >= limits.max_columns {
            return Err(SheetError::TooManyColumns {
                row: r as usize + 1,
                columns: c as usize + 1,
                limit: limits.max_columns,
            });
        }
        if !rows.contains_key(&r) && rows.len() > limits.max_rows {
            return Err(SheetError::TooManyRows {
                limit: limits.max_rows,
            });
        }
        rows.entry(r).or_default().push((c, raw));
    }
    let mut out = Vec::with_capacity(rows.len());
    for (r, cells) in rows {
        let width = cells
            .iter()
            .map(|(c, _)| *c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut dense = vec![Raw::Text(String::new()); width];
        for (c, v) in cells {
            dense[c as usize] = v;
        }
        if let Some(row) = trim_row(r as usize + 1, dense, limits)? {
            out.push(row);
        }
    }
    let others = names.into_iter().filter(|n| *n != name).collect();
    Ok((name, others, out))
}

/// A cell's value as text, the way the sheet shows it for the values a
/// ledger holds: whole numbers without `.0`, dates as `YYYY-MM-DD`.
fn to_raw(v: &DataRef<'_>) -> Option<Raw> {
    let text = match v {
        DataRef::Empty => return None,
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) if d.is_datetime() => {
            let (y, mo, da, h, mi, s, _) = d.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{da:02}")
            } else {
                format!("{y:04}-{mo:02}-{da:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        DataRef::DateTime(d) => d.as_f64().to_string(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => return Some(Raw::Error(e.to_string())),
    };
    Some(Raw::Text(text))
}

/// The ledger as an XLSX workbook: one worksheet, a bold header row
/// (machine names or Chinese), frozen and filtered, every value a text cell
/// (never a formula), the same columns in the same order as
/// [`crate::write_csv`].
pub fn write_xlsx(rows: &[LedgerRow], language: HeaderLanguage) -> Result<Vec<u8>, SheetError> {
    write_book(rows, language).map_err(|e| SheetError::Write(e.to_string()))
}

fn write_book(rows: &[LedgerRow], language: HeaderLanguage) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(match language {
        HeaderLanguage::English => "ledger",
        HeaderLanguage::Chinese => "应用台账",
    })?;
    let bold = Format::new().set_bold();
    // Text format ("@"), so a package or AppID typed in later stays text.
    let text = Format::new().set_num_format("@");
    let mut widths: Vec<usize> = Field::ALL
        .iter()
        .map(|f| display_width(f.header(language)))
        .collect();
    for (c, f) in Field::ALL.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, f.header(language), &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (c, f) in Field::ALL.iter().enumerate() {
            let v = row.cell(*f, language);
            if v.is_empty() {
                continue;
            }
            let w = v.lines().map(display_width).max().unwrap_or(0);
            widths[c] = widths[c].max(w);
            sheet.write_string_with_format(r, c as u16, v, &text)?;
        }
    }
    let last_col = (Field::ALL.len() - 1) as u16;
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len().min(1_048_575) as u32, last_col)?;
    for (c, w) in widths.iter().enumerate() {
        // Room for the filter button; long texts wrap rather than widen.
        sheet.set_column_width(c as u16, (*w as f64 + 3.0).clamp(8.0, 60.0))?;
        sheet.set_column_format(c as u16, &text)?;
    }
    book.save_to_buffer()
}

/// Columns a text takes: CJK and other wide characters count two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}
