//! Delivery of compliance reminders (issue 6): one [`Message`] to one
//! [`Channel`] — e-mail over SMTP, or the group robots Chinese banks use
//! (WeCom 企业微信, DingTalk 钉钉, Feishu 飞书) — and a [`Delivery`] or a
//! [`DeliveryError`] that says whether trying again later can help.
//!
//! What to send and when (schedules, deduplication, escalation, retries) is
//! the caller's; this crate only knows *how* to deliver, so it can be tested
//! against real protocol sinks on loopback and reused by any caller.
//!
//! - **Blocking**, no async runtime: the server calls [`deliver`] from
//!   tokio's blocking pool. Every network step has a time-out and answers
//!   are read with a size cap.
//! - **Secrets stay secret**: passwords, signing secrets and the robots'
//!   webhook URLs (which carry their access token) can be read from a file
//!   or an environment variable instead of the configuration file
//!   ([`Secret`]), and never appear in an error message: every text that
//!   leaves this crate is scrubbed of them.
//! - **User data stays data**: app names and other ledger text go into the
//!   robots' markdown neutralised ([`text`]), so `[x](http://evil)` is shown,
//!   not linked; Feishu gets a rich-text `post` whose text nodes are never
//!   markup.
//! - **Sizes**: each platform's limit is respected by shortening the body
//!   on a character boundary with an ellipsis; the title and the link stay.

mod config;
mod error;
mod mail;
pub mod text;
mod webhook;

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

pub use config::{
    Channel, DingTalkConfig, FeishuConfig, Secret, Security, SmtpConfig, WeComConfig,
};
pub use error::{Cause, DeliveryError};

/// Sent as the HTTP `User-Agent`, so a platform's logs name the sender.
pub const USER_AGENT: &str = concat!("appgov-notify/", env!("CARGO_PKG_VERSION"));

/// One reminder, already worded by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The e-mail subject; the robots' title line.
    pub subject: String,
    /// Plain text, Chinese first (the caller words it); line breaks are kept.
    pub text: String,
    /// Absolute `http(s)` URL of the obligation's page in appgov.
    pub link: Option<String>,
    #[serde(default)]
    pub tone: Tone,
    #[serde(default)]
    pub lang: Lang,
}

/// How pressing the message is: shown as the WeCom title colour and as the
/// e-mail's `Importance`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    /// Coming due.
    #[default]
    Info,
    /// Due soon, or a first escalation.
    Warning,
    /// Overdue.
    Urgent,
}

/// The language of the words this crate adds (the link's label, Feishu's
/// locale key); the message's own text is the caller's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The label of the link to the obligation's page.
    pub(crate) fn open_label(self) -> &'static str {
        match self {
            Lang::Zh => "查看详情",
            Lang::En => "Open in appgov",
        }
    }
}

/// Which kind of channel: names the channel in errors and results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Smtp,
    WeCom,
    DingTalk,
    Feishu,
}

impl std::fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ChannelKind::Smtp => "e-mail (SMTP)",
            ChannelKind::WeCom => "WeCom robot",
            ChannelKind::DingTalk => "DingTalk robot",
            ChannelKind::Feishu => "Feishu robot",
        })
    }
}

/// A message the channel accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub channel: ChannelKind,
    /// What the other side said: the SMTP server's final reply (`250 …`,
    /// often with its queue id) or the platform's `errmsg`/`msg`. Scrubbed
    /// of secrets, for the delivery log.
    pub response: String,
    /// Whether the body had to be shortened to the platform's limit.
    pub truncated: bool,
}

/// Delivers `message` to `channel` now (`now` is the clock the robot
/// signatures and the e-mail `Date` use). Blocking; bounded by the
/// channel's time-out.
///
/// Secrets given as `{ env = "…" }` or `{ file = "…" }` are read at each
/// call, so a rotated password needs no restart.
pub fn deliver(
    channel: &Channel,
    message: &Message,
    now: SystemTime,
) -> Result<Delivery, DeliveryError> {
    deliver_with_env(channel, message, now, &|name| std::env::var(name).ok())
}

/// [`deliver`] with the environment given as a function (tests must not
/// change the process environment).
pub fn deliver_with_env(
    channel: &Channel,
    message: &Message,
    now: SystemTime,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Delivery, DeliveryError> {
    let kind = channel.kind();
    channel
        .validate()
        .map_err(|e| DeliveryError::permanent(kind, Cause::Config(e)))?;
    match channel {
        Channel::Smtp(c) => mail::send(c, message, now, env),
        Channel::Wecom(c) => webhook::send_wecom(c, message, env),
        Channel::Dingtalk(c) => webhook::send_dingtalk(c, message, now, env),
        Channel::Feishu(c) => webhook::send_feishu(c, message, now, env),
    }
}
