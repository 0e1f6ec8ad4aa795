//! Import and export of the ledger sheet, end to end through the public API.

use std::io::Write;

use appgov_ledger::{AppForm, AppState, MinorsPolicy, UserSegment};
use appgov_sheet::{
    Field, HeaderLanguage, LedgerRow, Limits, Mapping, SheetError, read_any, read_csv, read_xlsx,
    write_csv, write_csv_in, write_xlsx,
};

const FP: &str = "8a3b6f7e0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d";

fn full_row() -> LedgerRow {
    LedgerRow {
        name: "手机银行, \"旗舰版\"".into(),
        form: AppForm::Android,
        department: Some("网络金融部".into()),
        responsible_person: Some("张三".into()),
        package: Some("com.example.bank".into()),
        aliases: vec!["掌上银行".into(), "Mobile Bank".into()],
        state: AppState::Live,
        purpose: Some("=HYPERLINK(\"http://x\")\n第二行, with comma".into()),
        functions: vec!["转账".into(), "-理财".into(), "@查询".into()],
        user_segment: Some(UserSegment::Retail),
        regions: vec!["北京".into(), "上海".into()],
        tech_owner: Some("李四".into()),
        security_owner: Some("+王五".into()),
        data_owner: Some("'=赵六".into()),
        important_system: true,
        mlps_level: Some(3),
        elderly_mode: true,
        minors_policy: Some(MinorsPolicy::GuardianConsent),
        privacy_policy_url: Some("https://bank.example/privacy?a=1,b=2".into()),
        complaint_channel: Some("-95555".into()),
        third_party_operated: false,
        certificates: vec![FP.into(), FP.replace('8', "9")],
        operator: Some("某某银行股份有限公司".into()),
    }
}

fn sample_rows() -> Vec<LedgerRow> {
    let mut ios = LedgerRow::new("手机银行", AppForm::Ios);
    ios.package = Some("com.example.bank-ios".into());
    let bare = LedgerRow::new("信用卡公众号", AppForm::OfficialAccount);
    let mut mini = LedgerRow::new("'quoted' \"name\"", AppForm::WechatMini);
    mini.package = Some("wx0123456789abcdef".into());
    mini.state = AppState::InDevelopment;
    mini.third_party_operated = true;
    mini.minors_policy = Some(MinorsPolicy::NotApplicable);
    vec![full_row(), ios, bare, mini]
}

fn rows_of(sheet: appgov_sheet::Sheet) -> Vec<LedgerRow> {
    match sheet.into_rows() {
        Ok(r) => r,
        Err(problems) => panic!("row problems: {problems:#?}"),
    }
}

#[test]
fn csv_round_trip_in_both_languages() {
    let rows = sample_rows();
    for lang in [HeaderLanguage::English, HeaderLanguage::Chinese] {
        let bytes = write_csv_in(&rows, lang);
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel zh-CN");
        let sheet = read_csv(&bytes, &Mapping::new(), &Limits::default()).unwrap();
        assert_eq!(sheet.encoding, Some("UTF-8 with BOM"));
        assert!(
            sheet.ignored_columns.is_empty(),
            "{:?}",
            sheet.ignored_columns
        );
        assert_eq!(sheet.columns.len(), Field::ALL.len());
        assert_eq!(rows_of(sheet), rows, "{lang:?}");
    }
}

#[test]
fn csv_export_guards_formulas_and_writes_the_issue_columns_first() {
    let bytes = write_csv(&sample_rows());
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.starts_with("name,form,department,responsible_person,package,aliases,"));
    // No cell starts with a formula character once parsed by a CSV reader.
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    for rec in r.records() {
        for cell in rec.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "unguarded cell {cell:?}"
            );
        }
    }
    for guarded in ["'=HYPERLINK", "''=赵六", "'-95555", "'+王五"] {
        assert!(text.contains(guarded), "{guarded}");
    }
    let plain = write_csv(&[LedgerRow::new("x", AppForm::H5)]);
    assert_eq!(
        write_csv(&[LedgerRow::new("x", AppForm::H5)]),
        plain,
        "deterministic"
    );
}

#[test]
fn xlsx_round_trip_in_both_languages() {
    let rows = sample_rows();
    for lang in [HeaderLanguage::English, HeaderLanguage::Chinese] {
        let bytes = write_xlsx(&rows, lang).unwrap();
        let sheet = read_xlsx(&bytes, None, &Mapping::new(), &Limits::default()).unwrap();
        assert_eq!(sheet.header_row, 1);
        assert_eq!(rows_of(sheet.clone()), rows, "{lang:?}");
        // read_any tells XLSX from CSV by content.
        let any = read_any(&bytes, &Mapping::new(), &Limits::default()).unwrap();
        assert_eq!(any.format, "xlsx");
    }
}

/// The XLSX we write: strings are strings (shared strings, no formula
/// element anywhere), the header is bold, frozen and filtered.
#[test]
fn xlsx_export_layout() {
    let bytes = write_xlsx(&sample_rows(), HeaderLanguage::Chinese).unwrap();
    let src: &dyn appgov_zip::ReadAt = &bytes.as_slice();
    let zip = appgov_zip::ZipArchive::parse(src, &appgov_zip::Limits::default()).unwrap();
    let part = |n: &str| String::from_utf8(zip.read(zip.by_name(n).unwrap()).unwrap()).unwrap();
    let sheet = part("xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "no formulas");
    assert!(sheet.contains("ySplit=\"1\""), "frozen header");
    assert!(sheet.contains("<autoFilter ref=\"A1:W5\""), "{sheet}");
    assert!(sheet.contains("<col "), "column widths");
    let strings = part("xl/sharedStrings.xml");
    assert!(
        strings.contains("=HYPERLINK"),
        "the formula-like text is a string"
    );
    assert!(strings.contains("应用名称") && strings.contains("牵头部门"));
    assert!(part("xl/styles.xml").contains("<b/>"), "bold header");
    assert!(part("xl/workbook.xml").contains("应用台账"));
}

#[test]
fn gbk_csv_from_chinese_excel() {
    let text = "应用名称,应用形态,牵头部门,责任人,包名\r\n手机银行,安卓应用,网络金融部,张三,com.example.bank\r\n";
    let (gbk, _, lossy) = encoding_rs::GBK.encode(text);
    assert!(!lossy);
    assert!(std::str::from_utf8(&gbk).is_err(), "really not UTF-8");
    let sheet = read_csv(&gbk, &Mapping::new(), &Limits::default()).unwrap();
    assert_eq!(sheet.encoding, Some("GB18030"));
    let rows = rows_of(sheet);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "手机银行");
    assert_eq!(rows[0].department.as_deref(), Some("网络金融部"));
}

#[test]
fn utf16_tab_separated_text() {
    let text = "name\tform\n网银助手\tharmony\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let sheet = read_csv(&bytes, &Mapping::new(), &Limits::default()).unwrap();
    assert_eq!(sheet.encoding, Some("UTF-16LE"));
    let rows = rows_of(sheet);
    assert_eq!(rows[0].form, AppForm::Harmony);
}

#[test]
fn binary_junk_and_other_formats_are_refused() {
    let junk: Vec<u8> = (0..2000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let e = read_csv(&junk, &Mapping::new(), &Limits::default()).unwrap_err();
    assert!(matches!(e, SheetError::NotText(_)), "{e}");
    let e = read_csv(
        b"name,form\n\0\0\0,h5\n",
        &Mapping::new(),
        &Limits::default(),
    )
    .unwrap_err();
    assert!(matches!(e, SheetError::NotText(_)), "{e}");
    let xlsx = write_xlsx(&[], HeaderLanguage::English).unwrap();
    let e = read_csv(&xlsx, &Mapping::new(), &Limits::default()).unwrap_err();
    assert!(e.to_string().contains("read it as XLSX"), "{e}");
    let xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest";
    let e = read_xlsx(xls, None, &Mapping::new(), &Limits::default()).unwrap_err();
    assert!(e.to_string().contains(".xls"), "{e}");
}

#[test]
fn chinese_headers_title_rows_and_notes() {
    let csv = "某某银行移动应用台账,,,\n\n应用名称*,应用类型,主管部门,负责人,包名(Bundle ID),等保级别（1-5）,适老化,服务地区,备注\n\
               手机银行,iOS应用,网络金融部,张三,com.example.ios,第三级,√,北京；上海、广州,旧版\n";
    let sheet = read_csv(csv.as_bytes(), &Mapping::new(), &Limits::default()).unwrap();
    assert_eq!(sheet.header_row, 3);
    assert_eq!(sheet.ignored_columns, ["I \"备注\""]);
    assert!(
        sheet.warnings.iter().any(|w| w.contains("titles")),
        "{:?}",
        sheet.warnings
    );
    assert_eq!(sheet.rows[0].row, 4);
    let r = rows_of(sheet).remove(0);
    assert_eq!(r.form, AppForm::Ios);
    assert_eq!(r.package.as_deref(), Some("com.example.ios"));
    assert_eq!(r.mlps_level, Some(3));
    assert!(r.elderly_mode);
    assert_eq!(r.regions, ["北京", "上海", "广州"]);
}

#[test]
fn explicit_mapping_overrides_recognition() {
    let csv = "系统名称,终端类型,类型,Owner\n营销助手,公众号,内部,王五\n";
    let mapping = Mapping::from_args([
        "系统名称=name",
        "终端类型=form",
        "类型=ignore",
        "别处=aliases",
    ])
    .unwrap();
    let sheet = read_csv(csv.as_bytes(), &mapping, &Limits::default()).unwrap();
    assert!(
        sheet.warnings.iter().any(|w| w.contains("别处")),
        "{:?}",
        sheet.warnings
    );
    assert_eq!(sheet.ignored_columns, ["C \"类型\""]);
    let r = rows_of(sheet).remove(0);
    assert_eq!(
        (r.name.as_str(), r.form),
        ("营销助手", AppForm::OfficialAccount)
    );
    assert_eq!(r.responsible_person.as_deref(), Some("王五"));
    // Without the mapping, the sheet has no name column.
    let e = read_csv(csv.as_bytes(), &Mapping::new(), &Limits::default()).unwrap_err();
    assert!(matches!(e, SheetError::MissingColumns { .. }), "{e}");
}

#[test]
fn per_row_problems_with_the_rows_excel_shows() {
    let csv = format!(
        "name,form,package,mlps_level,certificates,important_system\n\
         \"手机银行\n（多行名称）\",android,com.example.bank,3,{FP},是\n\
         桌面版,desktop,,,,\n\
         \n\
         坏包名,android,com.1bank,,,\n\
         等保过高,h5,,6,,\n\
         坏指纹,ios,com.example.ios,,{},\n\
         ,android,com.example.other,,,maybe\n\
         \"手机银行\n（多行名称）\",android,com.example.bank,,,\n\
         重复无包名,h5,,,,\n\
         重复无包名,h5,,,,\n\
         重复无包名,h5,x.y,,,\n",
        &FP[..40]
    );
    let sheet = read_csv(csv.as_bytes(), &Mapping::new(), &Limits::default()).unwrap();
    let errors: Vec<(usize, Vec<String>)> = sheet.errors().map(|(n, e)| (n, e.to_vec())).collect();
    let rows: Vec<usize> = errors.iter().map(|(n, _)| *n).collect();
    // Row 2 spans two lines; row 4 is blank.
    assert_eq!(rows, [3, 5, 6, 7, 8, 9, 11], "{errors:#?}");
    let has = |row: usize, needle: &str| {
        let (_, e) = errors.iter().find(|(n, _)| *n == row).unwrap();
        assert!(
            e.iter().any(|m| m.contains(needle)),
            "row {row}: {e:?} lacks {needle:?}"
        );
    };
    has(3, "form: unknown AppForm \"desktop\" (accepted: android,");
    has(5, "package: \"com.1bank\" is not an Android package name");
    has(6, "mlps_level: \"6\" is not an MLPS level");
    has(7, "certificates:");
    has(7, "SHA-1");
    has(8, "name: required");
    has(8, "important_system: \"maybe\" is not a yes/no value");
    has(9, "package: duplicate of row 2");
    has(11, "name: duplicate of row 10");
    assert_eq!(sheet.valid_rows().count(), 3);
    assert!(!sheet.is_clean());
    let all = sheet.clone().into_rows().unwrap_err();
    assert!(all.iter().any(|m| m.starts_with("row 3: form:")), "{all:?}");
}

#[test]
fn missing_required_header_names_what_was_found() {
    let e = read_csv(
        "应用名称,部门\n手机银行,网金部\n".as_bytes(),
        &Mapping::new(),
        &Limits::default(),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("required column form not found"), "{msg}");
    assert!(
        msg.contains("A \"应用名称\"") && msg.contains("B \"部门\""),
        "{msg}"
    );
    let e = read_csv(b"", &Mapping::new(), &Limits::default()).unwrap_err();
    assert_eq!(e, SheetError::Empty);
}

#[test]
fn a_field_in_two_columns_is_an_error() {
    let e = read_csv(
        "name,form,包名,Bundle ID\na,ios,x,y\n".as_bytes(),
        &Mapping::new(),
        &Limits::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            &e,
            SheetError::DuplicateColumn {
                field: "package",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("C \"包名\"") && e.to_string().contains("D \"Bundle ID\""));
}

#[test]
fn limits_hold() {
    let rows: Vec<LedgerRow> = (0..5)
        .map(|i| LedgerRow::new(format!("app{i}"), AppForm::H5))
        .collect();
    let csv = write_csv(&rows);
    let xlsx = write_xlsx(&rows, HeaderLanguage::English).unwrap();
    let small = Limits {
        max_file_bytes: 100,
        ..Limits::default()
    };
    assert!(matches!(
        read_csv(&csv, &Mapping::new(), &small),
        Err(SheetError::TooLarge { .. })
    ));
    assert!(matches!(
        read_xlsx(&xlsx, None, &Mapping::new(), &small),
        Err(SheetError::TooLarge { .. })
    ));

    let few = Limits {
        max_rows: 4,
        ..Limits::default()
    };
    assert_eq!(
        read_csv(&csv, &Mapping::new(), &few).unwrap_err(),
        SheetError::TooManyRows { limit: 4 }
    );
    assert_eq!(
        read_xlsx(&xlsx, None, &Mapping::new(), &few).unwrap_err(),
        SheetError::TooManyRows { limit: 4 }
    );
    let five = Limits {
        max_rows: 5,
        ..Limits::default()
    };
    assert_eq!(
        read_csv(&csv, &Mapping::new(), &five).unwrap().rows.len(),
        5
    );

    let narrow = Limits {
        max_columns: 10,
        ..Limits::default()
    };
    assert!(matches!(
        read_csv(&csv, &Mapping::new(), &narrow),
        Err(SheetError::TooManyColumns { .. })
    ));
    let mut wide = LedgerRow::new("wide", AppForm::H5);
    wide.operator = Some("far right".into());
    let wide_xlsx = write_xlsx(&[wide], HeaderLanguage::English).unwrap();
    assert!(matches!(
        read_xlsx(&wide_xlsx, None, &Mapping::new(), &narrow),
        Err(SheetError::TooManyColumns { .. })
    ));

    let short = Limits {
        max_cell_chars: 10,
        ..Limits::default()
    };
    let text = "name,form,purpose\nok,h5,0123456789\nlong,h5,0123456789A\n";
    let sheet = read_csv(text.as_bytes(), &Mapping::new(), &short).unwrap();
    let errors: Vec<_> = sheet.errors().collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, 3);
    assert!(
        errors[0].1[0].contains("purpose: the cell has 11 characters"),
        "{errors:?}"
    );
}

/// A minimal ZIP writer for hostile archives (deflate, sizes as given).
fn zip_of(entries: &[(&str, Vec<u8>, Option<u32>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data, declared) in entries {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(data).unwrap();
        let comp = enc.finish().unwrap();
        let crc = crc32fast::hash(data);
        let size = declared.unwrap_or(data.len() as u32);
        let offset = out.len() as u32;
        let mut common = Vec::new();
        for v in [20u16, 0, 8, 0, 0x21] {
            common.extend_from_slice(&v.to_le_bytes());
        }
        common.extend_from_slice(&crc.to_le_bytes());
        common.extend_from_slice(&(comp.len() as u32).to_le_bytes());
        common.extend_from_slice(&size.to_le_bytes());
        common.extend_from_slice(&(name.len() as u16).to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&common);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&comp);
        central.extend_from_slice(b"PK\x01\x02\x14\x00");
        central.extend_from_slice(&common);
        central.extend_from_slice(&[0; 10]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    let n = entries.len() as u16;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[test]
fn zip_bombs_are_refused_before_calamine_reads() {
    let workbook = b"<workbook/>".to_vec();
    // 300 MiB of one byte, honestly declared: refused from the directory.
    let huge = vec![b'a'; 300 << 20];
    let bomb = zip_of(&[
        ("xl/workbook.xml", workbook.clone(), None),
        ("xl/worksheets/sheet1.xml", huge, None),
    ]);
    assert!(bomb.len() < 1 << 20, "the bomb is small: {}", bomb.len());
    let e = read_xlsx(&bomb, None, &Mapping::new(), &Limits::default()).unwrap_err();
    assert!(matches!(e, SheetError::Archive(_)), "{e}");
    assert!(e.to_string().contains("zip bomb"), "{e}");

    // 8 MiB declared as 100 bytes: refused while inflating under the budget.
    let liar = zip_of(&[
        ("xl/workbook.xml", workbook.clone(), None),
        ("xl/worksheets/sheet1.xml", vec![b'a'; 8 << 20], Some(100)),
    ]);
    let tight = Limits {
        max_unzipped_bytes: 1 << 20,
        ..Limits::default()
    };
    let e = read_xlsx(&liar, None, &Mapping::new(), &tight).unwrap_err();
    assert!(matches!(e, SheetError::Archive(_)), "{e}");

    // Many entries.
    let many: Vec<(String, Vec<u8>, Option<u32>)> = (0..50)
        .map(|i| (format!("xl/p{i}.xml"), b"<x/>".to_vec(), None))
        .chain([("xl/workbook.xml".to_string(), workbook.clone(), None)])
        .collect();
    let many: Vec<(&str, Vec<u8>, Option<u32>)> = many
        .iter()
        .map(|(n, d, s)| (n.as_str(), d.clone(), *s))
        .collect();
    let few = Limits {
        max_zip_entries: 10,
        ..Limits::default()
    };
    let e = read_xlsx(&zip_of(&many), None, &Mapping::new(), &few).unwrap_err();
    assert!(matches!(e, SheetError::Archive(_)), "{e}");

    // A ZIP that is not a workbook.
    let e = read_xlsx(
        &zip_of(&[("a.txt", b"x".to_vec(), None)]),
        None,
        &Mapping::new(),
        &Limits::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("xl/workbook.xml"), "{e}");
}

#[test]
fn truncated_and_damaged_xlsx_give_errors() {
    let bytes = write_xlsx(&sample_rows(), HeaderLanguage::English).unwrap();
    let half = &bytes[..bytes.len() / 2];
    let e = read_xlsx(half, None, &Mapping::new(), &Limits::default()).unwrap_err();
    assert!(
        matches!(e, SheetError::Xlsx(_) | SheetError::Archive(_)),
        "{e}"
    );
    // Every cut and a flipped byte at many places: an error or a sheet,
    // never a panic.
    for cut in (0..bytes.len()).step_by(97) {
        let _ = read_xlsx(&bytes[..cut], None, &Mapping::new(), &Limits::default());
        let mut flipped = bytes.clone();
        flipped[cut] ^= 0x5A;
        let _ = read_xlsx(&flipped, None, &Mapping::new(), &Limits::default());
    }
    let e = read_csv(
        b"name,form\n\"unterminated,h5\n",
        &Mapping::new(),
        &Limits::default(),
    );
    // The csv crate accepts an unterminated quote at the end of input; what
    // matters is that the result is defined.
    let _ = e;
}

#[test]
fn named_worksheet() {
    let bytes = write_xlsx(&sample_rows(), HeaderLanguage::Chinese).unwrap();
    let s = read_xlsx(
        &bytes,
        Some("应用台账"),
        &Mapping::new(),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(s.sheet_name.as_deref(), Some("应用台账"));
    let e = read_xlsx(&bytes, Some("Sheet9"), &Mapping::new(), &Limits::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("no worksheet named \"Sheet9\" (the workbook has: 应用台账)"),
        "{e}"
    );
}

/// A workbook written by openpyxl (see tests/fixtures/make_openpyxl_ledger.py):
/// inline strings, numbers, booleans, a date, a formula, a merged title row,
/// a blank row, a second worksheet.
#[test]
fn reads_a_workbook_written_by_openpyxl() {
    let bytes = include_bytes!("fixtures/openpyxl-ledger.xlsx");
    let sheet = read_xlsx(bytes, None, &Mapping::new(), &Limits::default()).unwrap();
    assert_eq!(sheet.sheet_name.as_deref(), Some("应用台账"));
    assert_eq!(sheet.header_row, 2);
    assert!(
        sheet.warnings.iter().any(|w| w.contains("also has 说明")),
        "{:?}",
        sheet.warnings
    );
    assert_eq!(sheet.ignored_columns, ["H \"上线日期\"", "I \"备注\""]);
    let numbers: Vec<usize> = sheet.rows.iter().map(|r| r.row).collect();
    assert_eq!(numbers, [3, 5, 6], "row 4 is blank");
    let rows = rows_of(sheet);
    assert_eq!(rows[0].form, AppForm::Android);
    assert_eq!(rows[0].mlps_level, Some(3), "a number cell");
    assert!(rows[0].important_system, "an Excel boolean");
    assert_eq!(rows[0].regions, ["北京", "上海", "广州"]);
    assert_eq!((rows[1].form, rows[1].mlps_level), (AppForm::Ios, Some(3)));
    assert!(!rows[1].important_system);
    assert_eq!(rows[2].form, AppForm::WechatMini);
    assert_eq!(rows[2].package.as_deref(), Some("wx0123456789abcdef"));

    // A date cell (a number with a date format) reads as the date it shows.
    let mapping = Mapping::from_args(["上线日期=purpose"]).unwrap();
    let sheet = read_xlsx(bytes, None, &mapping, &Limits::default()).unwrap();
    let rows = rows_of(sheet);
    assert_eq!(rows[0].purpose.as_deref(), Some("2021-06-30"));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// Text as an import gives it back: trimmed, no control characters but
    /// tab and `\n`, line breaks as `\n`.
    fn text(max: usize) -> impl Strategy<Value = Option<String>> {
        let pattern = format!("[^\\p{{Cc}}]{{0,{max}}}|[^\\p{{Cc}}]{{1,5}}\n[^\\p{{Cc}}]{{1,5}}");
        proptest::option::of(proptest::string::string_regex(&pattern).unwrap())
            .prop_map(|o| o.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
    }

    fn list() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec("[^\\p{Cc};；、]{1,12}", 0..4).prop_map(|v| {
            v.into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
    }

    fn row() -> impl Strategy<Value = LedgerRow> {
        let form = proptest::sample::select(AppForm::ALL.to_vec());
        let state = proptest::sample::select(AppState::ALL.to_vec());
        let head = (
            "[^\\p{Cc}]{1,40}".prop_filter("name", |s| !s.trim().is_empty()),
            form,
            text(30),
            text(10),
            // Valid on every platform we check: Android's rule and Apple's.
            "[a-z][a-z0-9]{0,6}(\\.[a-z][a-z0-9]{0,6}){1,3}",
            proptest::option::of(Just(())),
            list(),
            state,
            text(60),
        );
        let tail = (
            list(),
            proptest::option::of(proptest::sample::select(UserSegment::ALL.to_vec())),
            list(),
            text(10),
            any::<[bool; 3]>(),
            proptest::option::of(1u8..=5),
            proptest::option::of(proptest::sample::select(MinorsPolicy::ALL.to_vec())),
            proptest::option::of("https?://[a-z.]{1,20}/[^\\p{Cc}\\s]{0,20}"),
            text(40),
            proptest::collection::vec("[0-9a-f]{64}", 0..3),
            text(20),
        );
        (head, tail).prop_map(|(h, t)| {
            let (name, form, department, person, pkg, has_pkg, aliases, state, purpose) = h;
            let (
                functions,
                seg,
                regions,
                owner,
                flags,
                mlps,
                minors,
                url,
                complaint,
                certs,
                operator,
            ) = t;
            LedgerRow {
                name: name.trim().to_string(),
                form,
                department,
                responsible_person: person,
                package: has_pkg.map(|_| pkg),
                aliases,
                state,
                purpose,
                functions,
                user_segment: seg,
                regions,
                tech_owner: owner.clone(),
                security_owner: owner,
                data_owner: None,
                important_system: flags[0],
                mlps_level: mlps,
                elderly_mode: flags[1],
                minors_policy: minors,
                privacy_policy_url: url,
                complaint_channel: complaint,
                third_party_operated: flags[2],
                certificates: certs,
                operator,
            }
        })
    }

    fn distinct(rows: Vec<LedgerRow>) -> Vec<LedgerRow> {
        let mut seen = std::collections::HashSet::new();
        rows.into_iter()
            .filter(|r| {
                seen.insert(match &r.package {
                    Some(p) => (r.form, p.clone()),
                    None => (r.form, format!("name:{}", r.name)),
                })
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn csv_round_trip(rows in proptest::collection::vec(row(), 0..6), zh in any::<bool>()) {
            let rows = distinct(rows);
            let lang = if zh { HeaderLanguage::Chinese } else { HeaderLanguage::English };
            let bytes = write_csv_in(&rows, lang);
            let sheet = read_csv(&bytes, &Mapping::new(), &Limits::default()).unwrap();
            prop_assert_eq!(sheet.into_rows(), Ok(rows));
        }

        #[test]
        fn xlsx_round_trip(rows in proptest::collection::vec(row(), 0..6), zh in any::<bool>()) {
            let rows = distinct(rows);
            let lang = if zh { HeaderLanguage::Chinese } else { HeaderLanguage::English };
            let bytes = write_xlsx(&rows, lang).unwrap();
            let sheet = read_xlsx(&bytes, None, &Mapping::new(), &Limits::default()).unwrap();
            prop_assert_eq!(sheet.into_rows(), Ok(rows));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = read_csv(&bytes, &Mapping::new(), &Limits::default());
            let _ = read_xlsx(&bytes, None, &Mapping::new(), &Limits::default());
        }
    }
}
