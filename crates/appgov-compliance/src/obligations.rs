//! Obligations: which dated instances should exist (recurring ones planned
//! from the library and the ledger, event-driven ones opened by incidents,
//! OS releases, filing changes and counterfeits), where each stands today,
//! and which reminders and escalations are owed.
//!
//! Pure: the caller passes today's Beijing date and stores what comes out.

use std::collections::BTreeMap;

use appgov_calendar::{Date, HolidayCalendar, format_date, next_due, parse_date};
use appgov_ledger::{
    App, CounterfeitCase, Incident, Obligation, ObligationState, OsRelease, Platform,
};
use serde::Serialize;

use crate::checks::is_active;
use crate::library::{DueIn, Library, ObligationTemplate, Scope};
use crate::snapshot::ComplianceData;

/// A duty with no earlier instance on record is due this many days after
/// it is first planned: appgov cannot know when it was last done, so it
/// asks for the record soon rather than assuming a full period.
pub const FIRST_DUE_GRACE_DAYS: i64 = 30;

/// How close a due date counts as "due soon" when no template says.
pub const DUE_SOON_DAYS: i64 = 30;

/// Where an instance stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ObligationStatus {
    Upcoming { days: i64 },
    DueSoon { days: i64 },
    Overdue { days: i64 },
    Done,
    DoneLate { days: i64 },
    Waived,
    Cancelled,
}

impl ObligationStatus {
    pub fn key(self) -> &'static str {
        match self {
            ObligationStatus::Upcoming { .. } => "upcoming",
            ObligationStatus::DueSoon { .. } => "due_soon",
            ObligationStatus::Overdue { .. } => "overdue",
            ObligationStatus::Done => "done",
            ObligationStatus::DoneLate { .. } => "done_late",
            ObligationStatus::Waived => "waived",
            ObligationStatus::Cancelled => "cancelled",
        }
    }

    pub fn label(self, lang: &str) -> String {
        let en = lang.starts_with("en");
        match (self, en) {
            (ObligationStatus::Upcoming { days }, false) => format!("未到期（{days} 天后）"),
            (ObligationStatus::Upcoming { days }, true) => format!("upcoming (in {days} days)"),
            (ObligationStatus::DueSoon { days }, false) => format!("即将到期（{days} 天后）"),
            (ObligationStatus::DueSoon { days }, true) => format!("due soon (in {days} days)"),
            (ObligationStatus::Overdue { days }, false) => format!("已逾期 {days} 天"),
            (ObligationStatus::Overdue { days }, true) => format!("overdue by {days} days"),
            (ObligationStatus::Done, false) => "已完成".into(),
            (ObligationStatus::Done, true) => "done".into(),
            (ObligationStatus::DoneLate { days }, false) => format!("逾期 {days} 天后完成"),
            (ObligationStatus::DoneLate { days }, true) => format!("done {days} days late"),
            (ObligationStatus::Waived, false) => "已豁免".into(),
            (ObligationStatus::Waived, true) => "waived".into(),
            (ObligationStatus::Cancelled, false) => "已取消".into(),
            (ObligationStatus::Cancelled, true) => "cancelled".into(),
        }
    }
}

/// The status of an instance on `today`.
pub fn status(o: &Obligation, today: Date) -> ObligationStatus {
    let Some(due) = parse_date(&o.due_on) else {
        return ObligationStatus::Overdue { days: 0 };
    };
    match o.state {
        ObligationState::Waived => ObligationStatus::Waived,
        ObligationState::Cancelled => ObligationStatus::Cancelled,
        ObligationState::Done => {
            let late = o
                .completed_on
                .as_deref()
                .and_then(parse_date)
                .map(|d| (d - due).whole_days())
                .unwrap_or(0);
            if late > 0 {
                ObligationStatus::DoneLate { days: late }
            } else {
                ObligationStatus::Done
            }
        }
        ObligationState::Open => {
            let days = (due - today).whole_days();
            if days < 0 {
                ObligationStatus::Overdue { days: -days }
            } else if days <= DUE_SOON_DAYS {
                ObligationStatus::DueSoon { days }
            } else {
                ObligationStatus::Upcoming { days }
            }
        }
    }
}

/// Whether an app is held to a template: the template's own conditions and
/// those of every requirement it serves.
pub fn template_applies(lib: &Library, t: &ObligationTemplate, app: &App) -> bool {
    t.applies_to.applies(app)
        && t.requirements.iter().all(|r| {
            lib.requirement(r)
                .is_none_or(|req| req.applies_to.applies(app))
        })
}

fn blank(
    lib: &Library,
    t: &ObligationTemplate,
    app: Option<&App>,
    due: Date,
    today: Date,
    trigger: String,
    note: Option<String>,
) -> Obligation {
    Obligation {
        id: String::new(),
        template: lib.qualified(t),
        requirement_ids: t.requirements.clone(),
        app_id: app.map(|a| a.id.clone()),
        org_id: app.and_then(|a| a.department_id.clone().or_else(|| a.operator_id.clone())),
        owner_person_id: app.and_then(|a| a.responsible_person_id.clone()),
        due_on: format_date(due),
        state: ObligationState::Open,
        triggered_by: trigger,
        trigger_note: note,
        completed_on: None,
        completed_by: None,
        evidence_ids: Vec::new(),
        reminded_on: None,
        escalated_on: None,
        created_on: format_date(today),
        note: None,
        version: 0,
    }
}

/// What the planner wants changed.
#[derive(Debug, Default)]
pub struct Plan {
    /// New instances to insert.
    pub create: Vec<Obligation>,
    /// Open instances whose app left service or stopped being held to the
    /// duty: to be cancelled (ids).
    pub cancel: Vec<String>,
}

/// Plans the recurring duties: every app in use (and the institution) has
/// exactly one open instance of each template it is held to, due one
/// period after the last completion (or on the schedule's next date).
pub fn plan_recurring(lib: &Library, data: &ComplianceData, today: Date) -> Plan {
    let mut plan = Plan::default();
    // (template, app) → instances
    let mut by_key: BTreeMap<(&str, Option<&str>), Vec<&Obligation>> = BTreeMap::new();
    for o in &data.obligations {
        if o.triggered_by == "schedule" {
            by_key
                .entry((o.template.as_str(), o.app_id.as_deref()))
                .or_default()
                .push(o);
        }
    }
    let apps: BTreeMap<&str, &App> = data.apps.iter().map(|a| (a.id.as_str(), a)).collect();
    for t in lib.obligations.iter() {
        let Some(rule) = t.recurrence else { continue };
        let q = lib.qualified(t);
        let subjects: Vec<Option<&App>> = match t.scope {
            Scope::Institution => vec![None],
            Scope::App => data
                .apps
                .iter()
                .filter(|a| is_active(a.state) && template_applies(lib, t, a))
                .map(Some)
                .collect(),
        };
        for app in subjects {
            let key = (q.as_str(), app.map(|a| a.id.as_str()));
            let existing = by_key.get(&key).map(Vec::as_slice).unwrap_or(&[]);
            if existing.iter().any(|o| o.state == ObligationState::Open) {
                continue;
            }
            let first_due = existing.iter().filter_map(|o| parse_date(&o.due_on)).min();
            // A waived instance covers its cycle as if done on its due date.
            let last_done = existing
                .iter()
                .filter_map(|o| match o.state {
                    ObligationState::Done => o.completed_on.as_deref().and_then(parse_date),
                    ObligationState::Waived => parse_date(&o.due_on),
                    _ => None,
                })
                .max();
            let due = match (first_due, last_done) {
                (Some(first), done) => next_due(rule, first, done),
                (None, _) => today + time::Duration::days(FIRST_DUE_GRACE_DAYS),
            };
            plan.create
                .push(blank(lib, t, app, due, today, "schedule".into(), None));
        }
    }
    // Open instances of apps no longer in use or no longer held to them.
    for o in &data.obligations {
        if o.state != ObligationState::Open {
            continue;
        }
        let Some(app_id) = o.app_id.as_deref() else {
            continue;
        };
        let Some(t) = lib.template_q(&o.template) else {
            continue;
        };
        let keep = apps
            .get(app_id)
            .is_some_and(|a| is_active(a.state) && template_applies(lib, t, a));
        if !keep {
            plan.cancel.push(o.id.clone());
        }
    }
    plan
}

/// An event that opens obligations.
#[derive(Debug, Clone, Copy)]
pub enum ComplianceEvent<'a> {
    /// An incident was recorded or regraded as major or critical.
    MajorIncident(&'a Incident),
    /// A major OS release was recorded.
    OsRelease(&'a OsRelease),
    /// A release changed what is filed (signer, domains, SDKs).
    FilingChange {
        app_id: &'a str,
        release_id: &'a str,
        on: Date,
        what_zh: &'a str,
        what_en: &'a str,
    },
    /// A counterfeit case was confirmed.
    CounterfeitConfirmed(&'a CounterfeitCase),
}

impl ComplianceEvent<'_> {
    fn name(&self) -> &'static str {
        match self {
            ComplianceEvent::MajorIncident(_) => "major-incident",
            ComplianceEvent::OsRelease(_) => "os-release",
            ComplianceEvent::FilingChange { .. } => "filing-change",
            ComplianceEvent::CounterfeitConfirmed(_) => "counterfeit-confirmed",
        }
    }
}

fn platform_of(app: &App) -> Platform {
    app.form.platform()
}

/// The instances an event opens (none twice: an instance with the same
/// template, app and trigger already recorded is not opened again).
pub fn on_event(
    lib: &Library,
    data: &ComplianceData,
    calendar: &HolidayCalendar,
    event: ComplianceEvent<'_>,
    today: Date,
) -> Vec<Obligation> {
    let (trigger, base, note, apps): (String, Option<Date>, Option<String>, Vec<&App>) = match event
    {
        ComplianceEvent::MajorIncident(i) => (
            format!("incident:{}", i.id),
            parse_date(&i.detected_on),
            Some(format!("{}（{}）", i.title, i.severity.label_zh())),
            data.apps
                .iter()
                .filter(|a| Some(&a.id) == i.app_id.as_ref())
                .collect(),
        ),
        ComplianceEvent::OsRelease(os) => (
            format!("os_release:{}", os.id),
            parse_date(&os.announced_on),
            Some(os.name.clone()),
            data.apps
                .iter()
                .filter(|a| is_active(a.state) && platform_of(a) == os.platform)
                .collect(),
        ),
        ComplianceEvent::FilingChange {
            app_id,
            release_id,
            on,
            what_zh,
            what_en,
        } => (
            format!("release:{release_id}"),
            Some(on),
            Some(format!("{what_zh} / {what_en}")),
            data.apps.iter().filter(|a| a.id == app_id).collect(),
        ),
        ComplianceEvent::CounterfeitConfirmed(c) => (
            format!("counterfeit_case:{}", c.id),
            c.confirmed_on
                .as_deref()
                .and_then(parse_date)
                .or(Some(today)),
            Some(c.counterfeit_name.clone()),
            data.apps
                .iter()
                .filter(|a| Some(&a.id) == c.app_id.as_ref())
                .collect(),
        ),
    };
    let base = base.unwrap_or(today);
    let mut out = Vec::new();
    for t in lib
        .obligations
        .iter()
        .filter(|t| t.on.as_deref() == Some(event.name()))
    {
        let Some(due_in) = t.due_after_event else {
            continue;
        };
        let mut due = match due_in {
            DueIn::Days(n) => base + time::Duration::days(i64::from(n)),
            DueIn::WorkingDays(n) => calendar.add_working_days(base, n).date,
        };
        if let ComplianceEvent::OsRelease(os) = event
            && let Some(ships) = os.ships_on.as_deref().and_then(parse_date)
        {
            due = due.min(ships);
        }
        let q = lib.qualified(t);
        for app in &apps {
            if t.scope == Scope::App && !template_applies(lib, t, app) {
                continue;
            }
            let exists = data.obligations.iter().any(|o| {
                o.template == q
                    && o.triggered_by == trigger
                    && o.app_id.as_deref() == Some(app.id.as_str())
            });
            if !exists {
                out.push(blank(
                    lib,
                    t,
                    Some(app),
                    due,
                    today,
                    trigger.clone(),
                    note.clone(),
                ));
            }
        }
    }
    out
}

/// Records an instance as done on `on` by `by` with the evidence that
/// proves it. The next recurring instance comes from [`plan_recurring`].
pub fn complete(o: &mut Obligation, on: Date, by: &str, evidence_ids: &[String]) {
    o.state = ObligationState::Done;
    o.completed_on = Some(format_date(on));
    o.completed_by = Some(by.to_string());
    for e in evidence_ids {
        if !o.evidence_ids.contains(e) {
            o.evidence_ids.push(e.clone());
        }
    }
}

/// A message owed about an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Coming due within the template's reminder window.
    Reminder,
    /// The due date passed.
    Overdue,
    /// Still open the template's escalation days after the due date: goes
    /// to the governance office as well as the owner.
    Escalation,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    pub obligation_id: String,
    pub kind: NoticeKind,
}

/// The notices owed today, each once: a reminder when the instance enters
/// its reminder window, an overdue notice when the due date passes, an
/// escalation when it stays open past the escalation days. The caller
/// records `reminded_on` (reminder and overdue) and `escalated_on` after
/// sending.
pub fn due_notices(lib: &Library, obligations: &[Obligation], today: Date) -> Vec<Notice> {
    let mut out = Vec::new();
    for o in obligations
        .iter()
        .filter(|o| o.state == ObligationState::Open)
    {
        let Some(t) = lib.template_q(&o.template) else {
            continue;
        };
        let Some(due) = parse_date(&o.due_on) else {
            continue;
        };
        let left = (due - today).whole_days();
        let reminded = o.reminded_on.as_deref().and_then(parse_date);
        let push = |kind, out: &mut Vec<Notice>| {
            out.push(Notice {
                obligation_id: o.id.clone(),
                kind,
            })
        };
        if left < 0 {
            if -left >= i64::from(t.escalate_days) && o.escalated_on.is_none() {
                push(NoticeKind::Escalation, &mut out);
            } else if o.escalated_on.is_none() && reminded.is_none_or(|r| r <= due) {
                push(NoticeKind::Overdue, &mut out);
            }
        } else if left <= i64::from(t.remind_days) && reminded.is_none() {
            push(NoticeKind::Reminder, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use appgov_ledger::{AppForm, AppState, IncidentSeverity, IncidentState, UserSegment};

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    pub(crate) fn app(id: &str, form: AppForm, state: AppState) -> App {
        App {
            id: id.into(),
            name: format!("应用{id}"),
            aliases: vec![],
            form,
            operator_id: Some("bank".into()),
            purpose: None,
            functions: vec![],
            user_segment: Some(UserSegment::Retail),
            regions: vec![],
            department_id: Some("dept".into()),
            responsible_person_id: Some("p1".into()),
            tech_owner_id: None,
            security_owner_id: None,
            data_owner_id: None,
            state,
            important_system: false,
            mlps_level: Some(3),
            elderly_mode: true,
            minors_policy: None,
            privacy_policy_url: None,
            complaint_channel: None,
            third_party_operated: false,
            merged_into: None,
            version: 1,
        }
    }

    fn lib() -> Library {
        Library::builtin().expect("builtin library")
    }

    #[test]
    fn planner_opens_one_instance_per_duty_and_cancels_for_retired_apps() {
        let lib = lib();
        let mut data = ComplianceData {
            apps: vec![
                app("a1", AppForm::Android, AppState::Live),
                app("a2", AppForm::WechatMini, AppState::Proposed),
            ],
            ..Default::default()
        };
        let today = d("2026-12-02");
        let plan = plan_recurring(&lib, &data, today);
        let for_a1: Vec<&str> = plan
            .create
            .iter()
            .filter(|o| o.app_id.as_deref() == Some("a1"))
            .map(|o| o.template.as_str())
            .collect();
        assert!(for_a1.contains(&"nfra-2024-99/risk-assessment"));
        assert!(for_a1.contains(&"nfra-2024-99/mlps-test-l3"));
        assert!(!for_a1.contains(&"nfra-2024-99/mlps-test-l4"));
        assert!(
            !for_a1.contains(&"nfra-2024-99/outsourcing-review"),
            "not third-party run"
        );
        assert!(
            plan.create
                .iter()
                .all(|o| o.app_id.as_deref() != Some("a2")),
            "a proposal owes nothing"
        );
        assert_eq!(
            plan.create.iter().filter(|o| o.app_id.is_none()).count(),
            1,
            "the institution's account review"
        );
        assert!(plan.create.iter().all(|o| o.due_on == "2027-01-01"));
        // Stored, then planned again: nothing new.
        for (i, mut o) in plan.create.into_iter().enumerate() {
            o.id = format!("o{i}");
            data.obligations.push(o);
        }
        let again = plan_recurring(&lib, &data, today);
        assert!(again.create.is_empty() && again.cancel.is_empty());
        // The app retires: its open duties are cancelled.
        data.apps[0].state = AppState::Retired;
        let gone = plan_recurring(&lib, &data, today);
        assert_eq!(
            gone.cancel.len(),
            data.obligations
                .iter()
                .filter(|o| o.app_id.is_some())
                .count()
        );
    }

    #[test]
    fn completion_anchors_next_instance_schedule_does_not_drift() {
        let lib = lib();
        let today = d("2026-12-02");
        let mut data = ComplianceData {
            apps: vec![app("a1", AppForm::Android, AppState::Live)],
            ..Default::default()
        };
        let mut ra = blank(
            &lib,
            lib.template("risk-assessment").unwrap(),
            Some(&data.apps[0]),
            d("2026-03-31"),
            today,
            "schedule".into(),
            None,
        );
        ra.id = "ra".into();
        complete(&mut ra, d("2026-05-20"), "li", &["ev1".into()]);
        let mut ci = blank(
            &lib,
            lib.template("compliance-inspection").unwrap(),
            Some(&data.apps[0]),
            d("2026-03-31"),
            today,
            "schedule".into(),
            None,
        );
        ci.id = "ci".into();
        complete(&mut ci, d("2026-05-20"), "li", &[]);
        assert_eq!(status(&ra, today), ObligationStatus::DoneLate { days: 50 });
        data.obligations = vec![ra, ci];
        let plan = plan_recurring(&lib, &data, today);
        let due = |t: &str| {
            plan.create
                .iter()
                .find(|o| o.template.ends_with(t) && o.app_id.is_some())
                .unwrap()
                .due_on
                .clone()
        };
        // At least yearly: 12 months after the late completion.
        assert_eq!(due("/risk-assessment"), "2027-05-20");
        // On a schedule: the next 31 March, not moved by the late one.
        assert_eq!(due("/compliance-inspection"), "2027-03-31");
    }

    #[test]
    fn major_incident_opens_special_audit_and_report_counted_in_working_days() {
        let lib = lib();
        let cal = HolidayCalendar::builtin().unwrap();
        let data = ComplianceData {
            apps: vec![app("a1", AppForm::Android, AppState::Live)],
            ..Default::default()
        };
        let incident = Incident {
            id: "i1".into(),
            app_id: Some("a1".into()),
            title: "交易服务中断".into(),
            severity: IncidentSeverity::Major,
            category: None,
            // Thursday before the 2026 National Day holiday (1–7 October).
            occurred_on: "2026-09-30".into(),
            detected_on: "2026-09-30".into(),
            description: None,
            regulator_reported_on: None,
            state: IncidentState::Open,
            closed_on: None,
            version: 1,
        };
        let opened = on_event(
            &lib,
            &data,
            &cal,
            ComplianceEvent::MajorIncident(&incident),
            d("2026-09-30"),
        );
        let due: BTreeMap<&str, &str> = opened
            .iter()
            .map(|o| (o.template.as_str(), o.due_on.as_str()))
            .collect();
        assert_eq!(due.len(), 2, "{due:?}");
        // 1 working day after 30 Sep skips the holiday to Thursday 8 Oct.
        assert_eq!(due["nfra-2024-99/incident-report"], "2026-10-08");
        // 5 working days: 8, 9, Saturday 10 October (a make-up working
        // day), 12 and 13 October.
        assert_eq!(due["nfra-2024-99/special-audit"], "2026-10-13");
        // The same event twice opens nothing new.
        let data2 = ComplianceData {
            obligations: opened,
            ..data
        };
        assert!(
            on_event(
                &lib,
                &data2,
                &cal,
                ComplianceEvent::MajorIncident(&incident),
                d("2026-10-01")
            )
            .is_empty()
        );
    }

    #[test]
    fn notices_are_owed_once_per_step() {
        let lib = lib();
        let a = app("a1", AppForm::Android, AppState::Live);
        let t = lib.template("risk-assessment").unwrap();
        let mut o = blank(
            &lib,
            t,
            Some(&a),
            d("2026-12-31"),
            d("2026-01-01"),
            "schedule".into(),
            None,
        );
        o.id = "o".into();
        let kinds = |o: &Obligation, day: &str| -> Vec<NoticeKind> {
            due_notices(&lib, std::slice::from_ref(o), d(day))
                .into_iter()
                .map(|n| n.kind)
                .collect()
        };
        assert!(
            kinds(&o, "2026-11-01").is_empty(),
            "outside the 30-day window"
        );
        assert_eq!(kinds(&o, "2026-12-01"), vec![NoticeKind::Reminder]);
        o.reminded_on = Some("2026-12-01".into());
        assert!(kinds(&o, "2026-12-15").is_empty(), "reminded already");
        assert_eq!(kinds(&o, "2027-01-02"), vec![NoticeKind::Overdue]);
        o.reminded_on = Some("2027-01-02".into());
        assert!(kinds(&o, "2027-01-05").is_empty());
        assert_eq!(kinds(&o, "2027-01-07"), vec![NoticeKind::Escalation]);
        o.escalated_on = Some("2027-01-07".into());
        assert!(kinds(&o, "2027-02-01").is_empty());
    }
}
