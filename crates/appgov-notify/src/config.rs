//! Channel configuration, read from the server's TOML file (`kind` names
//! the channel). Unknown keys are errors, as in the rest of the server's
//! configuration, so a misspelt `pasword` is not silently ignored.

use std::path::PathBuf;

use serde::Deserialize;

use crate::ChannelKind;

/// Largest secret file read (a password or a webhook URL, not a document).
const MAX_SECRET_FILE: u64 = 64 * 1024;

/// Where a reminder can be delivered.
///
/// ```toml
/// kind = "dingtalk"
/// url = { env = "APPGOV_DINGTALK_URL" }
/// secret = { file = "/etc/appgov/dingtalk-secret" }
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Channel {
    Smtp(SmtpConfig),
    Wecom(WeComConfig),
    Dingtalk(DingTalkConfig),
    Feishu(FeishuConfig),
}

/// A secret: given in the configuration file itself, or — better — named
/// there and read from an environment variable or a file (the way
/// container platforms mount secrets). Its `Debug` never shows it.
///
/// ```toml
/// password = "in the file"                      # works, discouraged
/// password = { env = "APPGOV_SMTP_PASSWORD" }
/// password = { file = "/run/secrets/smtp" }     # trailing newline ignored
/// ```
#[derive(Clone, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Secret {
    Value(String),
    Env { env: String },
    File { file: PathBuf },
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::Value(_) => f.write_str("Secret(***)"),
            Secret::Env { env } => write!(f, "Secret(env {env})"),
            Secret::File { file } => write!(f, "Secret(file {})", file.display()),
        }
    }
}

impl Secret {
    /// The secret's value, with `env` looking variables up. The error
    /// names where it looked, never a value.
    pub fn resolve_with(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
        let value = match self {
            Secret::Value(v) => v.clone(),
            Secret::Env { env: name } => match env(name) {
                Some(v) => v,
                None => return Err(format!("environment variable {name} is not set")),
            },
            Secret::File { file } => {
                let meta = std::fs::metadata(file)
                    .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                if meta.len() > MAX_SECRET_FILE {
                    return Err(format!(
                        "{} is larger than {MAX_SECRET_FILE} bytes; is it the right file?",
                        file.display()
                    ));
                }
                let text = std::fs::read_to_string(file)
                    .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                // Files written by `echo` or an editor end in a newline that
                // is not part of the secret.
                text.trim_end_matches(['\r', '\n']).to_string()
            }
        };
        if value.is_empty() {
            return Err(match self {
                Secret::Value(_) => "the secret is empty".into(),
                Secret::Env { env } => format!("environment variable {env} is empty"),
                Secret::File { file } => format!("{} is empty", file.display()),
            });
        }
        Ok(value)
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain SMTP (an internal relay on a trusted network); default port 25.
    None,
    /// STARTTLS, required — never a silent fall-back to plain text;
    /// default port 587.
    #[default]
    StartTls,
    /// TLS from the first byte ("SMTPS"); default port 465.
    Tls,
}

/// E-mail through the institution's mail server.
///
/// ```toml
/// kind = "smtp"
/// host = "mail.bank.example"
/// security = "starttls"            # none | starttls | tls
/// username = "appgov"
/// password = { env = "APPGOV_SMTP_PASSWORD" }
/// from = "合规提醒 <appgov@bank.example>"
/// to = ["app-owners@bank.example", "compliance@bank.example"]
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Defaults by `security`: 25, 587 or 465.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub security: Security,
    /// Authenticate (AUTH PLAIN or LOGIN, as the server offers) when set.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<Secret>,
    /// The sender, `name <address>` or a bare address.
    pub from: String,
    /// Recipients (at least one), each `name <address>` or a bare address.
    pub to: Vec<String>,
    /// Connect, and each read and write, seconds.
    #[serde(default = "default_smtp_timeout")]
    pub timeout_secs: u64,
    /// The name given in EHLO (default: this machine's host name).
    #[serde(default)]
    pub helo_name: Option<String>,
    /// A PEM file of extra CA certificates, for a mail server whose
    /// certificate the institution's own CA issued.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

fn default_smtp_timeout() -> u64 {
    30
}

fn default_webhook_timeout() -> u64 {
    15
}

/// A WeCom (企业微信) group robot.
///
/// ```toml
/// kind = "wecom"
/// url = { env = "APPGOV_WECOM_URL" }   # https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeComConfig {
    /// The robot's webhook URL; its `key` is the credential.
    pub url: Secret,
    /// The whole request, seconds.
    #[serde(default = "default_webhook_timeout")]
    pub timeout_secs: u64,
    /// An HTTP proxy for the way out (`http://proxy.bank.example:8080`).
    #[serde(default)]
    pub proxy: Option<String>,
}

/// A DingTalk (钉钉) custom robot.
///
/// ```toml
/// kind = "dingtalk"
/// url = { env = "APPGOV_DINGTALK_URL" }  # https://oapi.dingtalk.com/robot/send?access_token=…
/// secret = { env = "APPGOV_DINGTALK_SECRET" }  # the robot's 加签 secret, SEC…
/// keyword = "合规提醒"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DingTalkConfig {
    /// The robot's webhook URL; its `access_token` is the credential.
    pub url: Secret,
    /// The signing secret, when the robot's security setting is 加签.
    #[serde(default)]
    pub secret: Option<Secret>,
    /// The robot's custom keyword (自定义关键词), when its security setting
    /// is a keyword: added to the message when the text lacks it, since
    /// the platform drops messages without one.
    #[serde(default)]
    pub keyword: Option<String>,
    #[serde(default = "default_webhook_timeout")]
    pub timeout_secs: u64,
    #[serde(default)]
    pub proxy: Option<String>,
}

/// A Feishu (飞书) custom bot.
///
/// ```toml
/// kind = "feishu"
/// url = { file = "/run/secrets/feishu-url" }  # https://open.feishu.cn/open-apis/bot/v2/hook/…
/// secret = { file = "/run/secrets/feishu-secret" }
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeishuConfig {
    /// The bot's webhook URL; the last path segment is the credential.
    pub url: Secret,
    /// The signing secret, when the bot's security setting is 签名校验.
    #[serde(default)]
    pub secret: Option<Secret>,
    /// The bot's custom keyword, as for DingTalk.
    #[serde(default)]
    pub keyword: Option<String>,
    #[serde(default = "default_webhook_timeout")]
    pub timeout_secs: u64,
    #[serde(default)]
    pub proxy: Option<String>,
}

impl Channel {
    pub fn kind(&self) -> ChannelKind {
        match self {
            Channel::Smtp(_) => ChannelKind::Smtp,
            Channel::Wecom(_) => ChannelKind::WeCom,
            Channel::Dingtalk(_) => ChannelKind::DingTalk,
            Channel::Feishu(_) => ChannelKind::Feishu,
        }
    }

    /// Checks what can be checked without the secrets or the network
    /// (the server calls it at start-up; [`crate::deliver`] again).
    pub fn validate(&self) -> Result<(), String> {
        fn timeout(secs: u64) -> Result<(), String> {
            if secs == 0 || secs > 300 {
                return Err("timeout_secs must be between 1 and 300".into());
            }
            Ok(())
        }
        fn proxy(p: &Option<String>) -> Result<(), String> {
            match p {
                Some(p) if !(p.starts_with("http://") || p.starts_with("https://")) => {
                    Err(format!("proxy {p:?} must be an http:// or https:// URL"))
                }
                _ => Ok(()),
            }
        }
        fn keyword(k: &Option<String>) -> Result<(), String> {
            match k {
                Some(k) if k.trim().is_empty() => Err("keyword is empty".into()),
                _ => Ok(()),
            }
        }
        match self {
            Channel::Smtp(c) => {
                if c.host.trim().is_empty() {
                    return Err("host is empty".into());
                }
                if c.to.is_empty() {
                    return Err("to lists no recipient".into());
                }
                if c.password.is_some() && c.username.is_none() {
                    return Err("password is set without username".into());
                }
                crate::mail::check_addresses(c)?;
                timeout(c.timeout_secs)
            }
            Channel::Wecom(c) => {
                timeout(c.timeout_secs)?;
                proxy(&c.proxy)
            }
            Channel::Dingtalk(c) => {
                timeout(c.timeout_secs)?;
                keyword(&c.keyword)?;
                proxy(&c.proxy)
            }
            Channel::Feishu(c) => {
                timeout(c.timeout_secs)?;
                keyword(&c.keyword)?;
                proxy(&c.proxy)
            }
        }
    }
}
