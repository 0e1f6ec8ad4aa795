//! The compliance reports as documents (rendered to HTML, XLSX and PDF by
//! `appgov-document` and `appgov-pdf`): the ledger in the shape a
//! regulator asks for, the compliance matrix, and the yearly mobile-app
//! risk assessment report of article 17.

use std::collections::BTreeMap;

use appgov_calendar::{Date, format_date, parse_date};
use appgov_document::{BarChart, Cell, Column, Document, Figure, Language, Series, Table, Tone};
use appgov_ledger::{
    AppState, AssessmentKind, AssessmentState, ComplaintState, CounterfeitState, ExceptionState,
    FilingKind, FilingState, ListingState, ObligationState, ResultValue, Term,
};

use crate::checks::{LedgerFinding, is_active};
use crate::library::Library;
use crate::matrix::{CellValue, Matrix};
use crate::obligations::{ObligationStatus, status};
use crate::snapshot::ComplianceData;

/// What every report is about and when it was made.
pub struct ReportContext<'a> {
    pub library: &'a Library,
    pub data: &'a ComplianceData,
    pub findings: &'a [LedgerFinding],
    pub matrix: &'a Matrix,
    pub today: Date,
    /// Already formatted (Beijing time), e.g. `2026-12-02 15:30`.
    pub generated_at: String,
    pub lang: Language,
}

impl ReportContext<'_> {
    fn t<'s>(&self, zh: &'s str, en: &'s str) -> &'s str {
        self.lang.pick(zh, en)
    }
    fn lang_str(&self) -> &'static str {
        match self.lang {
            Language::Zh => "zh",
            Language::En => "en",
        }
    }
    fn term<T: Term>(&self, v: T) -> &'static str {
        match self.lang {
            Language::Zh => v.label_zh(),
            Language::En => v.label_en(),
        }
    }
    fn institution(&self) -> String {
        self.data
            .orgs
            .iter()
            .find(|o| o.parent_id.is_none())
            .map(|o| o.name.clone())
            .unwrap_or_default()
    }
    fn org_name(&self, id: Option<&str>) -> String {
        id.and_then(|i| self.data.orgs.iter().find(|o| o.id == i))
            .map(|o| o.name.clone())
            .unwrap_or_default()
    }
    fn person_name(&self, id: Option<&str>) -> String {
        id.and_then(|i| self.data.people.iter().find(|p| p.id == i))
            .map(|p| p.name.clone())
            .unwrap_or_default()
    }
    fn app_name(&self, id: Option<&str>) -> String {
        match id {
            None => self.t("本机构", "Institution").to_string(),
            Some(i) => self
                .data
                .apps
                .iter()
                .find(|a| a.id == i)
                .map(|a| a.name.clone())
                .unwrap_or_else(|| i.to_string()),
        }
    }
    fn base(&self, title_zh: &str, title_en: &str) -> Document {
        Document::new(
            self.lang,
            self.t(title_zh, title_en),
            self.generated_at.clone(),
        )
        .meta(self.t("机构", "Institution"), self.institution())
        .meta(
            self.t("依据", "Basis"),
            format!(
                "{}（{}，数据版本 {}）",
                self.library.library.reference,
                self.library.library.published,
                self.library.library.data_version
            ),
        )
        .meta(self.t("截至", "As of"), format_date(self.today))
    }
}

pub fn tone_of(v: CellValue) -> Tone {
    match v {
        CellValue::Compliant => Tone::Good,
        CellValue::Partial | CellValue::NoEvidence | CellValue::Accepted => Tone::Warn,
        CellValue::NonCompliant => Tone::Bad,
        CellValue::NotApplicable => Tone::NotApplicable,
    }
}

fn status_tone(s: ObligationStatus) -> Tone {
    match s {
        ObligationStatus::Overdue { .. } => Tone::Bad,
        ObligationStatus::DueSoon { .. } | ObligationStatus::DoneLate { .. } => Tone::Warn,
        ObligationStatus::Done => Tone::Good,
        ObligationStatus::Waived | ObligationStatus::Cancelled => Tone::NotApplicable,
        ObligationStatus::Upcoming { .. } => Tone::Neutral,
    }
}

/// The ledger (台账) as a regulator asks for it: one row per app with its
/// form, identifiers, owners, state, importance, MLPS level, filing number
/// and channels.
pub fn ledger_report(cx: &ReportContext<'_>) -> Document {
    let d = cx.data;
    let mut apps: Vec<_> = d.apps.iter().collect();
    apps.sort_by(|a, b| a.name.cmp(&b.name));
    let in_use = apps.iter().filter(|a| is_active(a.state)).count();
    let forms: Vec<_> = appgov_ledger::AppForm::ALL.to_vec();
    let by_form: Vec<u64> = forms
        .iter()
        .map(|f| {
            apps.iter()
                .filter(|a| a.form == *f && is_active(a.state))
                .count() as u64
        })
        .collect();
    let mut table = Table::with_columns(
        cx.t("移动应用台账", "Mobile app ledger"),
        vec![
            Column::weighted(cx.t("序号", "No."), 0.5),
            Column::weighted(cx.t("应用名称", "App"), 2.0),
            Column::new(cx.t("形态", "Form")),
            Column::weighted(cx.t("标识（包名/AppID）", "Identifier"), 2.0),
            Column::new(cx.t("管理部门", "Department")),
            Column::new(cx.t("责任人", "Responsible")),
            Column::new(cx.t("服务对象", "Users")),
            Column::new(cx.t("状态", "State")),
            Column::new(cx.t("重要信息系统", "Important system")),
            Column::new(cx.t("等保级别", "MLPS")),
            Column::weighted(cx.t("App备案号", "Filing no."), 1.6),
            Column::new(cx.t("上架渠道", "Channels")),
            Column::new(cx.t("最新版本", "Latest release")),
            Column::new(cx.t("第三方合作", "Third party")),
        ],
    )
    .sheet_name(cx.t("台账", "Ledger"));
    for (i, a) in apps.iter().enumerate() {
        let ids: Vec<&str> = d
            .identities
            .iter()
            .filter(|x| x.app_id == a.id)
            .map(|x| x.identifier.as_str())
            .collect();
        let filing = d
            .filings
            .iter()
            .find(|f| {
                f.app_id == a.id
                    && f.kind == FilingKind::MiitApp
                    && f.state == FilingState::Approved
            })
            .and_then(|f| f.number.clone())
            .unwrap_or_default();
        let channels: Vec<&str> = d
            .listings
            .iter()
            .filter(|l| l.app_id == a.id && l.state == ListingState::Listed)
            .map(|l| cx.term(l.channel))
            .collect();
        let release = d
            .releases
            .iter()
            .find(|r| r.app_id == a.id)
            .map(|r| r.version_name.clone().unwrap_or_default())
            .unwrap_or_default();
        let state_tone = match a.state {
            AppState::Live => Tone::Good,
            AppState::Suspended | AppState::UnderReview => Tone::Warn,
            AppState::Retired | AppState::Archived | AppState::Rejected => Tone::NotApplicable,
            _ => Tone::Neutral,
        };
        let yes_no = |b: bool| {
            if b {
                cx.t("是", "yes")
            } else {
                cx.t("否", "no")
            }
        };
        let filing_cell = if filing.is_empty()
            && crate::library::packaged(a.form)
            && crate::checks::is_serving(a.state)
        {
            Cell::status(Tone::Bad, cx.t("缺失", "missing"))
        } else {
            Cell::text(filing)
        };
        table.push_row(vec![
            Cell::count(i as u64 + 1),
            Cell::text(a.name.clone()),
            Cell::text(cx.term(a.form)),
            Cell::text(ids.join("\n")),
            Cell::text(cx.org_name(a.department_id.as_deref())),
            Cell::text(cx.person_name(a.responsible_person_id.as_deref())),
            Cell::text(a.user_segment.map(|s| cx.term(s)).unwrap_or_default()),
            Cell::status(
                state_tone,
                match cx.lang {
                    Language::Zh => a.state.label_zh(),
                    Language::En => a.state.as_str(),
                },
            ),
            Cell::text(yes_no(a.important_system)),
            Cell::text(a.mlps_level.map(|l| l.to_string()).unwrap_or_default()),
            filing_cell,
            Cell::text(channels.join("、")),
            Cell::text(release),
            Cell::text(yes_no(a.third_party_operated)),
        ]);
    }
    let chart = BarChart::new(
        cx.t("在用应用按形态", "Apps in use by form"),
        forms.iter().map(|f| cx.term(*f).to_string()),
    )
    .series(Series::new(cx.t("应用数", "apps"), by_form));
    cx.base("移动应用台账", "Mobile app ledger")
        .subtitle(cx.t(
            "依《通知》第二条建立的全量移动应用台账",
            "The ledger of every mobile app that article 2 of the notice requires",
        ))
        .figures(vec![
            Figure::new(
                cx.t("台账应用", "Apps in the ledger"),
                apps.len().to_string(),
                Tone::Neutral,
            ),
            Figure::new(
                cx.t("在用应用", "Apps in use"),
                in_use.to_string(),
                Tone::Good,
            ),
            Figure::new(
                cx.t("重要信息系统", "Important systems"),
                apps.iter()
                    .filter(|a| a.important_system && is_active(a.state))
                    .count()
                    .to_string(),
                Tone::Neutral,
            ),
        ])
        .chart(chart)
        .table(table)
}

/// The compliance matrix: apps in use × requirements, with the summary,
/// a legend, the requirement texts and the ledger findings behind it.
pub fn matrix_report(cx: &ReportContext<'_>) -> Document {
    let lang = cx.lang_str();
    let m = cx.matrix;
    let summary = m.summary();
    let reqs: Vec<_> = m
        .requirement_ids
        .iter()
        .filter_map(|id| cx.library.requirement(id))
        .collect();
    let mut columns = vec![Column::weighted(cx.t("应用", "App"), 2.2)];
    columns.extend(
        reqs.iter()
            .map(|r| Column::new(r.short()).in_group(cx.library.group_label(r.article, lang))),
    );
    let mut table = Table::with_columns(cx.t("合规矩阵", "Compliance matrix"), columns)
        .key_columns(1)
        .sheet_name(cx.t("合规矩阵", "Matrix"))
        .orientation(appgov_document::Orientation::Landscape);
    for row in &m.rows {
        let mut cells = vec![Cell::text(row.app_name.clone())];
        for c in &row.cells {
            let reason = c
                .reasons
                .iter()
                .map(|r| {
                    if lang == "en" {
                        r.en.clone()
                    } else {
                        r.zh.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join("；");
            let mut cell = Cell::status(tone_of(c.value), c.value.label(lang));
            if c.value != CellValue::NotApplicable && c.value != CellValue::Compliant {
                cell = cell.with_detail(reason);
            }
            cells.push(cell);
        }
        table.push_row(cells);
    }
    let mut legend = Table::new(
        cx.t("要求清单", "Requirements"),
        [
            cx.t("编号", "Ref."),
            cx.t("条款", "Article"),
            cx.t("要求", "Requirement"),
            cx.t("不符合", "Non-compliant"),
            cx.t("符合", "Compliant"),
        ],
    )
    .sheet_name(cx.t("要求清单", "Requirements"));
    for r in &reqs {
        let t = m.totals.get(&r.id);
        let n = |k: &str| t.and_then(|t| t.get(k)).copied().unwrap_or(0) as u64;
        legend.push_row(vec![
            Cell::text(r.short()),
            Cell::text(cx.library.place(r, lang)),
            Cell::text(format!("{}：{}", r.title(lang), r.text(lang))),
            Cell::count(n("non_compliant")).with_tone(if n("non_compliant") > 0 {
                Tone::Bad
            } else {
                Tone::Neutral
            }),
            Cell::count(n("compliant")),
        ]);
    }
    let mut findings = Table::new(
        cx.t("台账检查发现", "Ledger check findings"),
        [
            cx.t("检查", "Check"),
            cx.t("严重程度", "Severity"),
            cx.t("应用", "App"),
            cx.t("说明", "Finding"),
        ],
    )
    .sheet_name(cx.t("台账检查", "Findings"));
    for f in cx.findings {
        let sev = f.severity;
        let tone = match sev {
            appgov_checks::Severity::Critical | appgov_checks::Severity::High => Tone::Bad,
            _ => Tone::Warn,
        };
        findings.push_row(vec![
            Cell::text(f.rule),
            Cell::status(tone, format!("{sev:?}")),
            Cell::text(cx.app_name(f.app_id.as_deref())),
            Cell::text(f.message(lang).to_string()),
        ]);
    }
    let values = [
        CellValue::NonCompliant,
        CellValue::Partial,
        CellValue::NoEvidence,
        CellValue::Accepted,
        CellValue::Compliant,
    ];
    let apps_in_use = m.rows.iter().filter(|r| r.app_id.is_some()).count();
    cx.base("移动应用合规矩阵", "Compliance matrix of mobile apps")
        .subtitle(match cx.lang {
            Language::Zh => format!(
                "在用应用逐条对照{}各项要求的符合情况",
                cx.library.library.reference
            ),
            Language::En => format!(
                "Each app in use against each requirement of {}",
                cx.library.library.reference
            ),
        })
        .figures(
            values
                .iter()
                .map(|v| Figure::new(v.label(lang), summary.get(v.key()).copied().unwrap_or(0).to_string(), tone_of(*v)))
                .chain([Figure::new(cx.t("在用应用", "Apps in use"), apps_in_use.to_string(), Tone::Neutral)])
                .collect(),
        )
        .paragraph(cx.t(
            "判断依据：台账检查（GOV）、最新版本安装包检查（PKG）、合规义务完成情况及证据、最近一次评估结论；已批准且未过期的例外记为“风险已接受”。单元格中的符号：✓ 符合，! 需关注，× 不符合，– 不适用。",
            "Judged from the ledger checks (GOV), the newest release's package checks (PKG), obligations and their evidence, and the latest assessment; an approved, unexpired exception shows as risk accepted. Marks: ✓ met, ! needs attention, × not met, – not applicable.",
        ))
        .table(table)
        .table(legend)
        .table(findings)
}

/// The yearly mobile-app risk assessment report (article 17): scope,
/// method, overall result, results by article, overdue duties, incidents,
/// counterfeits, complaints, exceptions, per-app assessments against last
/// year's baseline, and what to fix.
pub fn annual_risk_assessment_report(cx: &ReportContext<'_>, year: i32) -> Document {
    let lang = cx.lang_str();
    let d = cx.data;
    let m = cx.matrix;
    let in_year = |s: &str| parse_date(s).is_some_and(|x| x.year() == year);
    let apps_in_use: Vec<_> = d.apps.iter().filter(|a| is_active(a.state)).collect();
    let summary = m.summary();
    let mut doc = cx
        .base(
            "移动应用年度风险评估报告",
            "Annual mobile-app risk assessment report",
        )
        .subtitle(format!("{year} {}", cx.t("年度", "")).trim().to_string())
        .meta(
            cx.t("评估期间", "Period"),
            format!("{year}-01-01 — {year}-12-31"),
        );
    // 1. scope
    doc = doc.heading(1, cx.t("一、评估范围", "1. Scope")).paragraph(match cx.lang {
        Language::Zh => format!(
            "本报告依据《通知》第十七条，对本机构台账中的 {} 个在用移动应用（含APP、小程序、公众号等）开展年度风险评估，覆盖业务风险与技术风险。",
            apps_in_use.len()
        ),
        Language::En => format!(
            "Under article 17 of the notice, this report assesses the risk of the {} mobile apps in use in the institution's ledger (apps, mini programs, official accounts), covering business and technology risk.",
            apps_in_use.len()
        ),
    });
    // 2. method
    doc = doc.heading(1, cx.t("二、评估方法", "2. Method")).paragraph(match cx.lang {
        Language::Zh => format!(
            "以《通知》的 {} 项要求为基准（{}），结合 {} 项台账检查、安装包静态分析、合规义务与证据、年度评估结论，逐应用逐要求判定；上一年度结论作为基线结转后复核。",
            m.requirement_ids.len(),
            cx.library.library.reference,
            crate::checks::LEDGER_RULES.len()
        ),
        Language::En => format!(
            "Each app is judged against each of the notice's {} requirements ({}) using {} ledger checks, static analysis of release packages, obligations with their evidence and assessment results; last year's results are carried forward as the baseline and re-assessed.",
            m.requirement_ids.len(),
            cx.library.library.reference,
            crate::checks::LEDGER_RULES.len()
        ),
    });
    // 3. overall
    let bad = summary.get("non_compliant").copied().unwrap_or(0);
    let overall_tone = if bad == 0 { Tone::Good } else { Tone::Bad };
    doc = doc
        .heading(1, cx.t("三、总体结论", "3. Overall result"))
        .figures(
            [CellValue::NonCompliant, CellValue::Partial, CellValue::NoEvidence, CellValue::Compliant]
                .iter()
                .map(|v| Figure::new(v.label(lang), summary.get(v.key()).copied().unwrap_or(0).to_string(), tone_of(*v)))
                .collect(),
        )
        .note(
            overall_tone,
            Some(cx.t("结论", "Conclusion")),
            match cx.lang {
                Language::Zh => format!("共有 {bad} 项应用×要求组合不符合，需在下一周期整改；详见第十节。"),
                Language::En => format!("{bad} app × requirement pairs are non-compliant and need fixing in the next cycle; see section 10."),
            },
        );
    // 4. by article
    let by_article = cx.library.by_article();
    let articles: Vec<u32> = by_article.keys().copied().collect();
    let mut counts: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for v in [
        CellValue::NonCompliant,
        CellValue::Partial,
        CellValue::Compliant,
    ] {
        counts.insert(
            v.key(),
            articles
                .iter()
                .map(|a| {
                    by_article[a]
                        .iter()
                        .map(|r| {
                            m.totals
                                .get(&r.id)
                                .and_then(|t| t.get(v.key()))
                                .copied()
                                .unwrap_or(0) as u64
                        })
                        .sum()
                })
                .collect(),
        );
    }
    let mut chart = BarChart::new(
        cx.t("各条款符合情况", "Results by article"),
        articles
            .iter()
            .map(|a| format!("{}{a}{}", cx.t("第", "A"), cx.t("条", ""))),
    );
    for v in [
        CellValue::NonCompliant,
        CellValue::Partial,
        CellValue::Compliant,
    ] {
        chart =
            chart.series(Series::new(v.label(lang), counts[v.key()].clone()).with_tone(tone_of(v)));
    }
    doc = doc
        .heading(1, cx.t("四、按条款的符合情况", "4. Results by article"))
        .chart(chart);
    // 5. obligations
    let mut ob = Table::new(
        cx.t(
            "逾期或年内到期的合规义务",
            "Obligations overdue or due this year",
        ),
        [
            cx.t("应用", "App"),
            cx.t("义务", "Duty"),
            cx.t("到期日", "Due"),
            cx.t("状态", "Status"),
        ],
    )
    .sheet_name(cx.t("合规义务", "Obligations"));
    let mut obs: Vec<_> = d
        .obligations
        .iter()
        .filter(|o| {
            o.state != ObligationState::Cancelled
                && (in_year(&o.due_on)
                    || matches!(status(o, cx.today), ObligationStatus::Overdue { .. }))
        })
        .collect();
    obs.sort_by(|a, b| a.due_on.cmp(&b.due_on));
    for o in obs {
        let s = status(o, cx.today);
        let title = cx
            .library
            .template_q(&o.template)
            .map(|t| t.title(lang).to_string())
            .unwrap_or_else(|| o.template.clone());
        ob.push_row(vec![
            Cell::text(cx.app_name(o.app_id.as_deref())),
            Cell::text(title),
            Cell::text(o.due_on.clone()),
            Cell::status(status_tone(s), s.label(lang)),
        ]);
    }
    doc = doc
        .heading(1, cx.t("五、合规义务履行", "5. Obligations"))
        .table(ob);
    // 6. incidents and counterfeits
    let mut inc = Table::new(
        cx.t("风险事件", "Incidents"),
        [
            cx.t("应用", "App"),
            cx.t("事件", "Incident"),
            cx.t("等级", "Severity"),
            cx.t("发现日期", "Detected"),
            cx.t("报告监管", "Reported"),
        ],
    )
    .sheet_name(cx.t("风险事件", "Incidents"));
    for i in d.incidents.iter().filter(|i| in_year(&i.detected_on)) {
        let reported = match (&i.regulator_reported_on, i.severity.is_major()) {
            (Some(r), _) => Cell::status(Tone::Good, r.clone()),
            (None, true) => Cell::status(Tone::Bad, cx.t("未报告", "not reported")),
            (None, false) => Cell::text(cx.t("无需报告", "not required")),
        };
        inc.push_row(vec![
            Cell::text(cx.app_name(i.app_id.as_deref())),
            Cell::text(i.title.clone()),
            Cell::status(
                if i.severity.is_major() {
                    Tone::Bad
                } else {
                    Tone::Neutral
                },
                cx.term(i.severity),
            ),
            Cell::text(i.detected_on.clone()),
            reported,
        ]);
    }
    let mut cf = Table::new(
        cx.t("仿冒应用处置", "Counterfeit cases"),
        [
            cx.t("被仿冒应用", "App"),
            cx.t("仿冒应用", "Counterfeit"),
            cx.t("发现日期", "Detected"),
            cx.t("处置状态", "State"),
        ],
    )
    .sheet_name(cx.t("仿冒处置", "Counterfeits"));
    for c in d.counterfeits.iter().filter(|c| in_year(&c.detected_on)) {
        let tone = match c.state {
            CounterfeitState::Closed | CounterfeitState::TakenDown => Tone::Good,
            CounterfeitState::Dismissed => Tone::NotApplicable,
            _ => Tone::Warn,
        };
        cf.push_row(vec![
            Cell::text(cx.app_name(c.app_id.as_deref())),
            Cell::text(c.counterfeit_name.clone()),
            Cell::text(c.detected_on.clone()),
            Cell::status(tone, cx.term(c.state)),
        ]);
    }
    doc = doc
        .heading(
            1,
            cx.t("六、风险事件与仿冒应用", "6. Incidents and counterfeits"),
        )
        .table(inc)
        .table(cf);
    // 7. complaints
    let complaints: Vec<_> = d
        .complaints
        .iter()
        .filter(|c| in_year(&c.received_on))
        .collect();
    let late = complaints
        .iter()
        .filter(|c| match (&c.handled_on, c.state) {
            (Some(h), _) => h > &c.due_on,
            (None, ComplaintState::Open) => parse_date(&c.due_on).is_some_and(|due| due < cx.today),
            _ => false,
        })
        .count();
    doc = doc
        .heading(
            1,
            cx.t("七、投诉与个人信息请求", "7. Complaints and PI requests"),
        )
        .figures(vec![
            Figure::new(
                cx.t("受理", "Received"),
                complaints.len().to_string(),
                Tone::Neutral,
            ),
            Figure::new(
                cx.t("超过15个工作日", "Past 15 working days"),
                late.to_string(),
                if late > 0 { Tone::Bad } else { Tone::Good },
            ),
        ]);
    // 8. exceptions
    let mut ex = Table::new(
        cx.t("例外与风险接受", "Exceptions and risk acceptances"),
        [
            cx.t("应用", "App"),
            cx.t("要求", "Requirement"),
            cx.t("类型", "Kind"),
            cx.t("状态", "State"),
            cx.t("有效至", "Until"),
            cx.t("理由", "Reason"),
        ],
    )
    .sheet_name(cx.t("例外", "Exceptions"));
    for e in &d.exceptions {
        let tone = if e.state == ExceptionState::Approved {
            Tone::Warn
        } else {
            Tone::Neutral
        };
        ex.push_row(vec![
            Cell::text(cx.app_name(e.app_id.as_deref())),
            Cell::text(
                cx.library
                    .requirement(&e.requirement_id)
                    .map(|r| r.short())
                    .unwrap_or_else(|| e.requirement_id.clone()),
            ),
            Cell::text(cx.term(e.kind)),
            Cell::status(tone, cx.term(e.state)),
            Cell::text(e.expires_on.clone()),
            Cell::text(e.reason.clone()),
        ]);
    }
    doc = doc
        .heading(
            1,
            cx.t("八、例外与风险接受", "8. Exceptions and risk acceptances"),
        )
        .table(ex);
    // 9. per-app assessments, against the baseline
    let mut pa = Table::new(
        cx.t(
            "各应用评估结果（与上年基线比较）",
            "Per-app results against last year's baseline",
        ),
        [
            cx.t("应用", "App"),
            cx.t("评估", "Assessment"),
            cx.t("状态", "State"),
            cx.t("符合", "Compliant"),
            cx.t("部分符合", "Partial"),
            cx.t("不符合", "Non-compliant"),
            cx.t("沿用基线未复核", "Carried forward"),
            cx.t("较上年变化", "Change vs last year"),
        ],
    )
    .sheet_name(cx.t("年度评估", "Assessments"));
    for a in d
        .assessments
        .iter()
        .filter(|a| a.kind == AssessmentKind::AnnualRiskAssessment && a.period == year.to_string())
    {
        let rs: Vec<_> = d
            .results
            .iter()
            .filter(|r| r.assessment_id == a.id)
            .collect();
        let n = |v: ResultValue| rs.iter().filter(|r| r.result == v).count();
        let carried = rs.iter().filter(|r| r.carried_forward).count();
        let base_bad = a.baseline_id.as_deref().map(|b| {
            d.results
                .iter()
                .filter(|r| r.assessment_id == b && r.result == ResultValue::NonCompliant)
                .count()
        });
        let change = match base_bad {
            Some(b) => {
                let now = n(ResultValue::NonCompliant) as i64 - b as i64;
                match cx.lang {
                    Language::Zh => format!("不符合项 {now:+}"),
                    Language::En => format!("non-compliant {now:+}"),
                }
            }
            None => cx.t("无基线", "no baseline").to_string(),
        };
        pa.push_row(vec![
            Cell::text(cx.app_name(a.app_id.as_deref())),
            Cell::text(a.title.clone()),
            Cell::status(
                if a.state == AssessmentState::Completed {
                    Tone::Good
                } else {
                    Tone::Warn
                },
                cx.term(a.state),
            ),
            Cell::count(n(ResultValue::Compliant) as u64),
            Cell::count(n(ResultValue::Partial) as u64),
            Cell::count(n(ResultValue::NonCompliant) as u64).with_tone(
                if n(ResultValue::NonCompliant) > 0 {
                    Tone::Bad
                } else {
                    Tone::Neutral
                },
            ),
            Cell::count(carried as u64),
            Cell::text(change),
        ]);
    }
    doc = doc
        .heading(1, cx.t("九、各应用评估", "9. Assessments per app"))
        .table(pa);
    // 10. what to fix
    let mut fix = Table::new(
        cx.t("整改事项", "To fix"),
        [
            cx.t("应用", "App"),
            cx.t("要求", "Requirement"),
            cx.t("原因", "Why"),
        ],
    )
    .sheet_name(cx.t("整改事项", "To fix"));
    for row in &m.rows {
        for c in row
            .cells
            .iter()
            .filter(|c| c.value == CellValue::NonCompliant)
        {
            let r = cx.library.requirement(&c.requirement_id);
            fix.push_row(vec![
                Cell::text(row.app_name.clone()),
                Cell::text(
                    r.map(|r| format!("{} {}", r.short(), r.title(lang)))
                        .unwrap_or_default(),
                ),
                Cell::status(
                    Tone::Bad,
                    c.reasons
                        .iter()
                        .map(|x| {
                            if lang == "en" {
                                x.en.clone()
                            } else {
                                x.zh.clone()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("；"),
                ),
            ]);
        }
    }
    doc.heading(1, cx.t("十、整改建议", "10. What to fix"))
        .table(fix)
}
