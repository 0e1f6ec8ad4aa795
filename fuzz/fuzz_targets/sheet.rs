//! Feeds arbitrary bytes to the ledger sheet readers (CSV and XLSX) with
//! small limits. Any panic, hang or unbounded allocation is a bug. Seed the
//! corpus with a sheet from `write_xlsx`/`write_csv` for XLSX coverage.
#![no_main]

use appgov_sheet::{Limits, Mapping, read_csv, read_xlsx};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_file_bytes: 1 << 20,
        max_rows: 1000,
        max_columns: 64,
        max_cell_chars: 1000,
        max_unzipped_bytes: 4 << 20,
        max_zip_entries: 256,
    };
    let mapping = Mapping::new();
    if let Ok(sheet) = read_csv(data, &mapping, &limits) {
        let _ = sheet.into_rows();
    }
    if let Ok(sheet) = read_xlsx(data, None, &mapping, &limits) {
        let _ = sheet.into_rows();
    }
});
