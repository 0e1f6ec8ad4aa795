//! Renders real documents with the machine's CJK font and reads the PDFs
//! back with poppler (`pdftotext`, `pdfinfo`, `pdftoppm`): text that comes
//! back is text whose glyphs were found — a missing glyph gives no text.
//!
//! Without the fonts or poppler the tests skip with a message, except under
//! `CI`, where they fail (CI installs `fonts-noto-cjk` and `poppler-utils`).

use std::path::{Path, PathBuf};
use std::process::Command;

use appgov_document::{
    BarChart, Cell, Column, Document, Field, Figure, Language, Orientation, Series, Table, Tone,
};
use appgov_pdf::{Fonts, PdfError, render_pdf};

fn skip_or_fail(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{why} under CI: install fonts-noto-cjk and poppler-utils");
    }
    eprintln!("skipping: {why} (apt install fonts-noto-cjk poppler-utils)");
}

/// The system's fonts and poppler, or `None` (after the skip message).
fn setup() -> Option<Fonts> {
    let fonts = match Fonts::discover() {
        Ok(f) => f,
        Err(e) => {
            skip_or_fail(&format!("no CJK font: {e}"));
            return None;
        }
    };
    for tool in ["pdftotext", "pdfinfo", "pdftoppm"] {
        if Command::new(tool).arg("-v").output().is_err() {
            skip_or_fail(&format!("{tool} not found"));
            return None;
        }
    }
    Some(fonts)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("poppler tool runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn write_pdf(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn pages(pdf: &Path) -> usize {
    let info = run(Command::new("pdfinfo").arg(pdf));
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo gives the page count")
}

/// The PDF's text without whitespace: pdftotext turns typst's CJK–Latin
/// spacing into spaces and drops spaces between CJK and digits, so text is
/// compared with whitespace removed on both sides.
fn text(pdf: &Path) -> String {
    squash(&run(Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")))
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[track_caller]
fn assert_has(text: &str, expected: &str) {
    assert!(
        text.contains(&squash(expected)),
        "{expected:?} missing from:\n{text}"
    );
}

/// A compliance report with a matrix long enough for several pages and a
/// wide ledger table that goes landscape.
fn sample(lang: Language) -> Document {
    let zh = lang == Language::Zh;
    let mut matrix = Table::with_columns(
        if zh {
            "合规矩阵"
        } else {
            "Compliance matrix"
        },
        vec![
            Column::weighted(if zh { "移动应用" } else { "Mobile app" }, 2.0),
            Column::new(if zh {
                "第七条 变更管理"
            } else {
                "Art. 7 change control"
            }),
            Column::new(if zh {
                "第十二条 安全"
            } else {
                "Art. 12 security"
            }),
            Column::new(if zh {
                "第十六条 个人信息"
            } else {
                "Art. 16 personal information"
            }),
            Column::new(if zh { "发现数" } else { "Findings" }),
        ],
    );
    for i in 1..=120u64 {
        let (tone, word) = match i % 4 {
            0 => (Tone::Bad, if zh { "不符合" } else { "not met" }),
            1 => (Tone::Good, if zh { "符合" } else { "met" }),
            2 => (Tone::Warn, if zh { "部分符合" } else { "partly met" }),
            _ => (Tone::NotApplicable, if zh { "不适用" } else { "n/a" }),
        };
        matrix.push_row([
            Cell::text(format!("掌上银行 {i:03}")).with_detail("com.example.bank"),
            Cell::status(tone, word),
            Cell::status(Tone::Good, if zh { "符合" } else { "met" }),
            Cell::status(tone, word).with_detail(if zh {
                "SDK 未在隐私政策中披露"
            } else {
                "SDK not disclosed"
            }),
            Cell::count(i % 7),
        ]);
    }
    let mut ledger = Table::new(
        if zh {
            "移动应用台账"
        } else {
            "App ledger"
        },
        [
            "编号",
            "名称",
            "类型",
            "部门",
            "负责人",
            "上线日期",
            "备案号",
            "等保级别",
            "状态",
        ],
    )
    .orientation(Orientation::Auto);
    for i in 1..=30 {
        ledger.push_row([
            format!("APP-{i:04}"),
            format!("掌上银行 {i}"),
            "Android".into(),
            "零售银行部".into(),
            "张三".into(),
            "2024-10-01".into(),
            format!("京ICP备{i:08}号-1A"),
            "第三级".into(),
            "在用".into(),
        ]);
    }
    Document::new(
        lang,
        if zh {
            "移动应用合规矩阵"
        } else {
            "Mobile app compliance matrix"
        },
        "2026-03-31 17:00",
    )
    .subtitle(if zh {
        "依据金办发〔2024〕99号"
    } else {
        "Under notice 金办发〔2024〕99号"
    })
    .meta(
        if zh { "机构" } else { "Institution" },
        "示例银行股份有限公司",
    )
    .meta(if zh { "期间" } else { "Period" }, "2025")
    .figures(vec![
        Figure::new(if zh { "应用总数" } else { "Apps" }, "120", Tone::Neutral),
        Figure::new(if zh { "不符合项" } else { "Not met" }, "30", Tone::Bad)
            .with_note("30 日内整改"),
        Figure::new(if zh { "符合率" } else { "Met" }, "75%", Tone::Good),
    ])
    .heading(
        1,
        if zh {
            "一、合规矩阵"
        } else {
            "1. Compliance matrix"
        },
    )
    .paragraph(if zh {
        "下表列出每个移动应用对通知各条要求的符合情况。\n状态同时以颜色与符号表示。"
    } else {
        "Each mobile app against the notice's requirements.\nStatus is shown by colour and symbol."
    })
    .note(
        Tone::Warn,
        Some(if zh { "提示" } else { "Note" }),
        if zh {
            "不符合项须在下一评估期前整改。"
        } else {
            "Items not met must be fixed before the next period."
        },
    )
    .table(matrix)
    .heading(2, if zh { "二、台账" } else { "2. Ledger" })
    .table(ledger)
    .chart(
        BarChart::new(
            if zh {
                "各部门移动应用数"
            } else {
                "Apps by department"
            },
            ["零售银行部", "信用卡中心", "公司银行部"],
        )
        .series(Series::new(
            if zh { "在用" } else { "live" },
            vec![12, 5, 3],
        ))
        .series(
            Series::new(if zh { "停用" } else { "retired" }, vec![2, 0, 1])
                .with_tone(Tone::NotApplicable),
        ),
    )
    .fields(vec![Field::new(
        if zh { "编制人" } else { "Prepared by" },
        "张三",
    )])
}

#[test]
fn chinese_report_has_its_text_pages_and_images() {
    let Some(fonts) = setup() else { return };
    assert_eq!(fonts.cjk_family(), "Noto Sans CJK SC", "{fonts:?}");
    let dir = tempfile::tempdir().unwrap();
    let pdf = write_pdf(
        dir.path(),
        "zh.pdf",
        &render_pdf(&sample(Language::Zh), &fonts).unwrap(),
    );
    let n = pages(&pdf);
    assert!(n >= 3, "{n} pages");
    let text = text(&pdf);
    for expected in [
        "移动应用合规矩阵",
        "依据金办发〔2024〕99号",
        "合规矩阵",
        "移动应用",
        "掌上银行 001",
        "掌上银行 120",
        "不符合",
        "部分符合",
        "SDK 未在隐私政策中披露",
        "移动应用台账",
        "京ICP备00000030号-1A",
        "各部门移动应用数",
        "信用卡中心",
        "图例",
        "第 1 页 / 共",
    ] {
        assert_has(&text, expected);
    }
    assert_has(&text, &format!("第 {n} 页 / 共 {n} 页"));
    // The matrix's header repeats on the pages it continues on.
    assert!(text.matches("第十六条个人信息").count() >= 2, "{text}");

    run(Command::new("pdftoppm")
        .args(["-r", "50", "-png"])
        .arg(&pdf)
        .arg(dir.path().join("page")));
    let pngs = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "png")
        })
        .count();
    assert_eq!(pngs, n);
}

#[test]
fn english_report_numbers_pages_in_english() {
    let Some(fonts) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pdf = write_pdf(
        dir.path(),
        "en.pdf",
        &render_pdf(&sample(Language::En), &fonts).unwrap(),
    );
    let n = pages(&pdf);
    let text = text(&pdf);
    assert_has(&text, &format!("Page 1 of {n}"));
    assert_has(&text, "Compliance matrix");
    assert_has(&text, "not met");
    assert_has(&text, "掌上银行 007");
}

#[test]
fn typst_syntax_in_data_is_printed_verbatim() {
    let Some(fonts) = setup() else { return };
    let hostile = [
        r#"#import "secret.typ": *"#,
        "]#panic(\"boom\")[",
        "$x^2$ and \\ backslash",
        "@ref <label> *bold* _em_",
        "= not a heading",
        "// not a comment",
        "#read(\"/etc/passwd\")",
        "```raw``` #{1+1}",
    ];
    let mut doc = Document::new(Language::Zh, hostile[0], hostile[1])
        .subtitle(hostile[2])
        .meta(hostile[3], hostile[4]);
    for h in hostile {
        doc = doc.paragraph(h).heading(2, h);
    }
    doc = doc
        .note(Tone::Bad, Some(hostile[5]), hostile[6])
        .figures(vec![Figure::new(hostile[7], hostile[1], Tone::Warn)])
        .table(
            Table::new(hostile[0], hostile)
                .row(hostile.map(|h| Cell::status(Tone::Bad, h).with_detail(h))),
        )
        .chart(BarChart::new(hostile[2], [hostile[3]]).series(Series::new(hostile[4], vec![1])));
    let dir = tempfile::tempdir().unwrap();
    let pdf = write_pdf(
        dir.path(),
        "hostile.pdf",
        &render_pdf(&doc, &fonts).unwrap(),
    );
    let text = text(&pdf);
    for h in hostile {
        assert_has(&text, h);
    }
}

#[test]
fn an_empty_font_directory_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.ttf"), b"not a font").unwrap();
    let err = Fonts::from_dir(dir.path()).unwrap_err();
    assert!(matches!(err, PdfError::NoCjkFont { .. }));
    let message = err.to_string();
    assert!(message.contains("apt install fonts-noto-cjk"), "{message}");
    assert!(message.contains("APPGOV_FONT_DIR"), "{message}");
}

#[cfg(unix)]
#[test]
fn a_font_directory_with_a_collection_is_used() {
    let Some(system) = setup() else { return };
    let _ = system;
    let source = Path::new("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc");
    if !source.is_file() {
        skip_or_fail("NotoSansCJK-Regular.ttc not at the Debian path");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("cjk")).unwrap();
    std::os::unix::fs::symlink(source, dir.path().join("cjk/NotoSansCJK-Regular.ttc")).unwrap();
    let fonts = Fonts::from_dir(dir.path()).unwrap();
    assert_eq!(fonts.families(), ["Noto Sans CJK SC"]);
    let doc = Document::new(Language::Zh, "移动应用", "now").paragraph("掌上银行");
    let out = tempfile::tempdir().unwrap();
    let pdf = write_pdf(out.path(), "dir.pdf", &render_pdf(&doc, &fonts).unwrap());
    assert_has(&text(&pdf), "掌上银行");
}
