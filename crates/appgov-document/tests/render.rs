//! The renderings of a small compliance report: the HTML as a snapshot, the
//! XLSX read back with calamine.

use std::io::Cursor;

use appgov_document::{
    BarChart, Cell, Column, Document, Field, Figure, Language, Series, Table, Tone, to_html,
    to_xlsx,
};
use calamine::{Data, Reader, Xlsx};

fn sample() -> Document {
    Document::new(
        Language::Zh,
        "移动应用合规矩阵",
        "2026-03-31 17:00（北京时间）",
    )
    .subtitle("依据金办发〔2024〕99号")
    .meta("机构", "示例银行股份有限公司")
    .meta("期间", "2025 年度")
    .figures(vec![
        Figure::new("应用总数", "3", Tone::Neutral),
        Figure::new("不符合项", "2", Tone::Bad).with_note("需在 30 日内整改"),
    ])
    .heading(1, "合规矩阵")
    .paragraph("下表列出每个移动应用对各项要求的符合情况。\n第二行。")
    .table(
        Table::with_columns(
            "合规矩阵",
            vec![
                Column::weighted("应用", 2.0),
                Column::new("第七条 变更管理"),
                Column::new("第十六条 个人信息"),
                Column::new("发现数"),
            ],
        )
        .row([
            Cell::text("掌上银行").with_link("https://bank.example.cn/apps/1"),
            Cell::status(Tone::Good, "符合"),
            Cell::status(Tone::Bad, "不符合").with_detail("SDK 未披露"),
            Cell::count(4),
        ])
        .row([
            Cell::text("信用卡 App"),
            Cell::status(Tone::Warn, "部分符合"),
            Cell::status(Tone::NotApplicable, "不适用"),
            Cell::count(0),
        ]),
    )
    .note(
        Tone::Warn,
        Some("说明"),
        "评估期内未完成的事项列入下一年度计划。",
    )
    .fields(vec![
        Field::new("编制人", "张三"),
        Field::new("复核人", "李四"),
    ])
    .chart(
        BarChart::new("各部门应用数", ["零售银行部", "信用卡中心"])
            .series(Series::new("在用", vec![5, 2]))
            .series(Series::new("停用", vec![1, 0]).with_tone(Tone::NotApplicable)),
    )
}

/// The page's structure; the style sheet is left out (it is static, and
/// its hash in the CSP is checked by the crate's unit tests).
#[test]
fn html_snapshot() {
    let html = to_html(&sample());
    let start = html.find("<style>").unwrap() + "<style>".len();
    let end = html.find("</style>").unwrap();
    insta::assert_snapshot!(format!("{}…{}", &html[..start], &html[end..]));
}

fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(bytes)).expect("a readable workbook")
}

#[test]
fn xlsx_has_a_cover_a_sheet_per_table_and_the_chart_data() {
    let mut book = open(to_xlsx(&sample()).unwrap());
    assert_eq!(book.sheet_names(), ["概览", "合规矩阵", "图表"]);

    let cover = book.worksheet_range("概览").unwrap();
    assert_eq!(
        cover.get_value((0, 0)),
        Some(&Data::String("移动应用合规矩阵".into()))
    );
    let texts: Vec<String> = cover.cells().map(|(_, _, v)| v.to_string()).collect();
    for expected in [
        "机构",
        "示例银行股份有限公司",
        "2026-03-31 17:00（北京时间）",
        "编制人",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected} in {texts:?}"
        );
    }
    assert!(
        texts.iter().any(|t| t.starts_with("合规矩阵 → 合规矩阵")),
        "{texts:?}"
    );

    let matrix = book.worksheet_range("合规矩阵").unwrap();
    assert_eq!(matrix.get_value((0, 0)), Some(&Data::String("应用".into())));
    assert_eq!(
        matrix.get_value((1, 0)),
        Some(&Data::String("掌上银行".into()))
    );
    assert_eq!(
        matrix.get_value((1, 2)),
        Some(&Data::String("不符合\nSDK 未披露".into()))
    );
    assert_eq!(matrix.get_value((1, 3)), Some(&Data::Float(4.0)));
    assert_eq!(
        matrix.get_value((2, 1)),
        Some(&Data::String("部分符合".into()))
    );

    let charts = book.worksheet_range("图表").unwrap();
    assert_eq!(
        charts.get_value((2, 0)),
        Some(&Data::String("零售银行部".into()))
    );
    assert_eq!(charts.get_value((2, 1)), Some(&Data::Float(5.0)));
}

#[test]
fn xlsx_never_writes_data_as_a_formula() {
    let hostile = [
        "=1+1",
        "+86 10 1234",
        "-2+3",
        "@SUM(A1:A2)",
        "=HYPERLINK(\"http://x\")",
    ];
    let doc = Document::new(Language::En, "=cmd|' /C calc'!A0", "now")
        .meta("=A1", "+A2")
        .paragraph("@x")
        .table(Table::new("=t", ["=h", "b"]).row(hostile.iter().map(|s| Cell::text(*s))));
    let mut book = open(to_xlsx(&doc).unwrap());
    let names = book.sheet_names();
    assert_eq!(names, ["Summary", "=t"]);
    for name in &names {
        let formulas = book.worksheet_formula(name).unwrap();
        assert!(
            formulas.cells().all(|(_, _, f)| f.is_empty()),
            "formula in {name}"
        );
    }
    let t = book.worksheet_range("=t").unwrap();
    assert_eq!(t.get_value((0, 0)), Some(&Data::String("=h".into())));
    for (i, s) in hostile.iter().enumerate() {
        assert_eq!(t.get_value((1, i as u32)), Some(&Data::String((*s).into())));
    }
    let cover = book.worksheet_range("Summary").unwrap();
    assert_eq!(
        cover.get_value((0, 0)),
        Some(&Data::String("=cmd|' /C calc'!A0".into()))
    );
}

#[test]
fn xlsx_sheet_names_are_made_valid_and_unique() {
    let long = "移动应用风险评估年度报告附表".repeat(3);
    let doc = Document::new(Language::Zh, "t", "now")
        .table(Table::new("台账", ["a"]))
        .table(Table::new("台账", ["a"]))
        .table(Table::new("a/b?c", ["a"]))
        .table(Table::new(long.clone(), ["a"]))
        .table(Table::new("x", ["a"]).sheet_name("概览"));
    let mut book = open(to_xlsx(&doc).unwrap());
    let names = book.sheet_names();
    assert_eq!(names[..4], ["概览", "台账", "台账 (2)", "a_b_c"]);
    assert_eq!(names[4].chars().count(), 31);
    assert!(long.starts_with(&names[4]));
    assert_eq!(names[5], "概览 (2)");
    // An empty table still has its header row.
    let r = book.worksheet_range("台账").unwrap();
    assert_eq!(r.get_value((0, 0)), Some(&Data::String("a".into())));
}

#[test]
fn links_only_for_web_urls() {
    let doc = Document::new(Language::En, "t", "now").table(Table::new("l", ["a", "b"]).row([
        Cell::text("ok").with_link("https://example.cn/"),
        Cell::text("js").with_link("javascript:alert(1)"),
    ]));
    let html = to_html(&doc);
    assert!(html.contains(r#"<a href="https://example.cn/" rel="noopener noreferrer">ok</a>"#));
    assert!(!html.contains("javascript"));
    let mut book = open(to_xlsx(&doc).unwrap());
    let r = book.worksheet_range("l").unwrap();
    assert_eq!(r.get_value((1, 0)), Some(&Data::String("ok".into())));
    assert_eq!(r.get_value((1, 1)), Some(&Data::String("js".into())));
}
