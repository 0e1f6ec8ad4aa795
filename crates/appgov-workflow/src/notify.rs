//! Compliance notices: the reminders, overdue notices and escalations owed
//! today (each once: the obligation records when it was reminded and
//! escalated) sent to the configured channels — e-mail and the WeCom,
//! DingTalk and Feishu group robots. One digest per kind of notice and
//! channel, so a robot's rate limit is never in reach. `appgov serve` runs
//! it on its daily tick (a `[notify]` section in its configuration);
//! `appgov compliance notify` runs it once (from cron).

use std::collections::BTreeMap;
use std::path::Path;

use appgov_calendar::{Date, format_date};
use appgov_compliance::{NoticeKind, due_notices, status};
use appgov_ledger::Obligation;
use appgov_notify::{Channel, Lang, Message, Tone};
use appgov_store::Store;
use serde::Deserialize;

use crate::compliance::{self as wc, Engine};
use crate::{Result, WorkflowError};

/// The notify file: which channels get which notices.
///
/// ```toml
/// public_url = "https://appgov.bank.example"
/// [[route]]
/// notices = ["reminder", "overdue"]
/// channel = { kind = "wecom", url = { env = "APPGOV_WECOM_URL" } }
/// [[route]]
/// notices = ["escalation"]
/// channel = { kind = "smtp", host = "mail.bank.example", from = "appgov@bank.example", to = ["governance@bank.example"] }
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// Where appgov's pages are, for links in the messages.
    #[serde(default)]
    pub public_url: Option<String>,
    /// `appgov serve` sends each day at or after this Beijing time
    /// (`HH:MM`, default 09:00: in office hours, not at midnight).
    #[serde(default)]
    pub send_from: Option<String>,
    #[serde(rename = "route")]
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub notices: Vec<NoticeKind>,
    pub channel: Channel,
}

impl NotifyConfig {
    /// Every channel complete, `send_from` a time of day; the problems in
    /// one message.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let mut problems = Vec::new();
        if self.routes.is_empty() {
            problems.push("no [[route]]: nothing would be sent".to_string());
        }
        for (i, r) in self.routes.iter().enumerate() {
            if let Err(e) = r.channel.validate() {
                problems.push(format!("route {}: {e}", i + 1));
            }
            if r.notices.is_empty() {
                problems.push(format!("route {}: notices is empty", i + 1));
            }
        }
        if let Some(t) = &self.send_from
            && parse_time_of_day(t).is_none()
        {
            problems.push(format!("send_from {t:?} is not a time HH:MM"));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// Minutes after Beijing midnight from which `appgov serve` sends.
    pub fn send_from_minutes(&self) -> u32 {
        self.send_from
            .as_deref()
            .and_then(parse_time_of_day)
            .unwrap_or(9 * 60)
    }
}

/// `HH:MM` → minutes after midnight.
fn parse_time_of_day(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Reads and validates a notify file.
pub fn load_config(path: &Path) -> Result<NotifyConfig> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| WorkflowError::Invalid(format!("reading {}: {e}", path.display())))?;
    let cfg: NotifyConfig = toml::from_str(&text)
        .map_err(|e| WorkflowError::Invalid(format!("{}: {e}", path.display())))?;
    cfg.validate()
        .map_err(|e| WorkflowError::Invalid(format!("{}: {e}", path.display())))?;
    Ok(cfg)
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Sent {
    pub notices: usize,
    pub delivered: usize,
    pub failed: Vec<String>,
}

fn digest(
    engine: &Engine,
    kind: NoticeKind,
    obligations: &[&Obligation],
    app_names: &BTreeMap<&str, &str>,
    today: Date,
    public_url: Option<&str>,
) -> Message {
    let (head, tone) = match kind {
        NoticeKind::Reminder => ("即将到期", Tone::Info),
        NoticeKind::Overdue => ("已逾期", Tone::Warning),
        NoticeKind::Escalation => ("逾期升级", Tone::Urgent),
    };
    let mut text = String::new();
    for o in obligations {
        let title = engine
            .library
            .template_q(&o.template)
            .map(|t| t.title_zh.clone())
            .unwrap_or_else(|| o.template.clone());
        let app = o
            .app_id
            .as_deref()
            .and_then(|a| app_names.get(a).copied())
            .unwrap_or("本机构");
        text.push_str(&format!(
            "• {app}：{title}，到期日 {}（{}）",
            o.due_on,
            status(o, today).label("zh")
        ));
        if let Some(base) = public_url {
            text.push_str(&format!(
                "\n  {}/obligations/{}",
                base.trim_end_matches('/'),
                o.id
            ));
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "\n共 {} 项，截至 {}（北京时间）。",
        obligations.len(),
        format_date(today)
    ));
    Message {
        subject: format!(
            "【合规提醒】{} {} 项合规义务{head}",
            format_date(today),
            obligations.len()
        ),
        text,
        link: public_url.map(|u| format!("{}/obligations?status=overdue", u.trim_end_matches('/'))),
        tone,
        lang: Lang::Zh,
    }
}

/// Sends what is owed today and records it on the obligations. A notice
/// is recorded as sent when at least one of its routes delivered it;
/// otherwise it is owed again on the next run.
pub async fn run(
    store: &Store,
    engine: &Engine,
    cfg: &NotifyConfig,
    actor: &str,
    today: Date,
) -> Result<Sent> {
    let data = wc::load(store).await?;
    let notices = due_notices(&engine.library, &data.obligations, today);
    let app_names: BTreeMap<&str, &str> = data
        .apps
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    let mut sent = Sent {
        notices: notices.len(),
        ..Default::default()
    };
    for kind in [
        NoticeKind::Reminder,
        NoticeKind::Overdue,
        NoticeKind::Escalation,
    ] {
        let obs: Vec<&Obligation> = notices
            .iter()
            .filter(|n| n.kind == kind)
            .filter_map(|n| data.obligations.iter().find(|o| o.id == n.obligation_id))
            .collect();
        if obs.is_empty() {
            continue;
        }
        let message = digest(
            engine,
            kind,
            &obs,
            &app_names,
            today,
            cfg.public_url.as_deref(),
        );
        let mut delivered = false;
        for route in cfg.routes.iter().filter(|r| r.notices.contains(&kind)) {
            let channel = route.channel.clone();
            let m = message.clone();
            // Blocking I/O (SMTP, HTTPS) off the async runtime.
            let r = tokio::task::spawn_blocking(move || {
                appgov_notify::deliver(&channel, &m, std::time::SystemTime::now())
            })
            .await
            .map_err(|e| WorkflowError::Invalid(format!("delivery task: {e}")))?;
            match r {
                Ok(_) => {
                    delivered = true;
                    sent.delivered += 1;
                }
                Err(e) => sent.failed.push(e.to_string()),
            }
        }
        if delivered {
            let mut tx = store.write(actor).await?;
            for o in &obs {
                let mut o = (*o).clone();
                match kind {
                    NoticeKind::Escalation => o.escalated_on = Some(format_date(today)),
                    _ => o.reminded_on = Some(format_date(today)),
                }
                tx.update(&mut o).await?;
            }
            tx.commit().await?;
        }
    }
    Ok(sent)
}
