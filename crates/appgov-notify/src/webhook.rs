//! The group robots: WeCom, DingTalk and Feishu custom robots take a JSON
//! POST on a webhook URL that carries the credential, and answer HTTP 200
//! with their own error code in the body.
//!
//! One blocking request per message (ureq + rustls, no redirects followed —
//! a robot endpoint that redirects is misconfigured, and following would
//! hand the body to another host), a time-out over the whole exchange, the
//! answer read up to [`MAX_ANSWER`] bytes.

use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::config::{DingTalkConfig, FeishuConfig, Secret, WeComConfig};
use crate::error::{Scrubber, redacted_url};
use crate::text::{
    escape_dingtalk, escape_wecom, markdown_link, percent_encode, truncate_bytes, truncate_chars,
};
use crate::{Cause, ChannelKind, Delivery, DeliveryError, Message, Tone, USER_AGENT};

/// Largest answer read from a platform (theirs are a few hundred bytes).
const MAX_ANSWER: u64 = 64 * 1024;

/// WeCom: "markdown内容,最长不超过4096个字节,必须是utf8编码".
/// <https://developer.work.weixin.qq.com/document/path/91770>
const WECOM_MARKDOWN_MAX: usize = 4096;

/// DingTalk's robot page gives no size for markdown; its older global
/// error table (errcode 34016, "消息内容长度超过限制") names 5000 characters
/// for markdown and 64 for a title. 4096 bytes stays inside either reading
/// and keeps a reminder a reminder.
/// <https://open.dingtalk.com/document/orgapp/custom-robot-access>
const DINGTALK_MARKDOWN_MAX: usize = 4096;
const DINGTALK_TITLE_MAX_CHARS: usize = 64;

/// Feishu: "发送消息时,请求体的数据大小不能超过 20 KB".
/// <https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot>
const FEISHU_BODY_MAX: usize = 20 * 1024;

/// The title line is a title: a long one is cut before the body is.
const TITLE_MAX: usize = 512;

/// Error codes that mean "later": the platforms' "system busy" and rate
/// limits.
///
/// - WeCom: `-1` 系统繁忙, `45009` 接口调用超过限制 (a robot may send 20
///   messages a minute) — <https://developer.work.weixin.qq.com/document/path/90313>,
///   <https://developer.work.weixin.qq.com/document/path/91770>.
/// - DingTalk: `-1` 系统繁忙, `130101` "send too fast, exceed 20 times per
///   minute" (then 10 minutes' throttling) —
///   <https://open.dingtalk.com/document/robots/custom-robot-access>.
/// - Feishu: `11232` (custom bots: 100 a minute, 5 a second, and busy on
///   the hour and half hour), `99991400` "request trigger frequency limit"
///   — <https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot>,
///   <https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control>.
fn retryable_code(kind: ChannelKind, code: i64) -> bool {
    match kind {
        ChannelKind::WeCom => matches!(code, -1 | 45009),
        ChannelKind::DingTalk => matches!(code, -1 | 130101),
        ChannelKind::Feishu => matches!(code, 11232 | 99991400),
        ChannelKind::Smtp => false,
    }
}

struct Target {
    kind: ChannelKind,
    url: String,
    timeout: Duration,
    proxy: Option<String>,
    scrub: Scrubber,
}

impl Target {
    fn new(
        kind: ChannelKind,
        url: &Secret,
        timeout_secs: u64,
        proxy: &Option<String>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Target, DeliveryError> {
        let url = url
            .resolve_with(env)
            .map_err(|e| DeliveryError::permanent(kind, Cause::Config(format!("url: {e}"))))?;
        let mut scrub = Scrubber::default();
        scrub.add_url(&url);
        let lower = url.get(..8).unwrap_or(&url).to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return Err(DeliveryError::permanent(
                kind,
                Cause::Config("url must be an http(s) URL".into()),
            ));
        }
        if let Some(p) = proxy {
            scrub.add_url(p);
        }
        Ok(Target {
            kind,
            url,
            timeout: Duration::from_secs(timeout_secs),
            proxy: proxy.clone(),
            scrub,
        })
    }

    fn fail(&self, retryable: bool, cause: Cause) -> DeliveryError {
        let e = DeliveryError {
            channel: self.kind,
            retryable,
            cause,
        };
        self.scrub.error(e)
    }

    /// POSTs `body` to `url` and returns the status and the answer.
    fn post(&self, url: &str, body: &Value) -> Result<(u16, Vec<u8>), DeliveryError> {
        let proxy = match &self.proxy {
            Some(p) => Some(ureq::Proxy::new(p).map_err(|_| {
                self.fail(
                    false,
                    Cause::Config("proxy is not a usable proxy URL".into()),
                )
            })?),
            None => None,
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(USER_AGENT)
            // Only the proxy configured here: not one from the environment.
            .proxy(proxy)
            .timeout_connect(Some(self.timeout))
            .timeout_global(Some(self.timeout))
            .max_response_header_size(64 * 1024)
            .build()
            .into();
        let bytes = serde_json::to_vec(body).expect("JSON values serialise");
        let mut resp = agent
            .post(url)
            .header("Content-Type", "application/json; charset=utf-8")
            .send(&bytes[..])
            .map_err(|e| self.transport_error(e))?;
        let status = resp.status().as_u16();
        let answer = resp
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_vec()
            .map_err(|e| self.transport_error(e))?;
        Ok((status, answer))
    }

    fn transport_error(&self, e: ureq::Error) -> DeliveryError {
        let endpoint = redacted_url(&self.url);
        match e {
            ureq::Error::Timeout(_) => self.fail(true, Cause::Timeout(self.timeout.as_secs())),
            ureq::Error::HostNotFound => self.fail(
                true,
                Cause::Connect(format!("{endpoint}: name does not resolve")),
            ),
            ureq::Error::ConnectionFailed => self.fail(
                true,
                Cause::Connect(format!("{endpoint}: connection failed")),
            ),
            ureq::Error::Io(io) => self.io_error(&endpoint, &io),
            ureq::Error::Rustls(t) => self.fail(false, Cause::Tls(format!("{endpoint}: {t}"))),
            ureq::Error::Tls(t) => self.fail(false, Cause::Tls(format!("{endpoint}: {t}"))),
            // The URL's text would be in these; it is a credential.
            ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
                self.fail(false, Cause::Config("url is not a valid URL".into()))
            }
            ureq::Error::InvalidProxyUrl | ureq::Error::ConnectProxyFailed(_) => {
                self.fail(true, Cause::Connect("the proxy refused or failed".into()))
            }
            ureq::Error::BodyExceedsLimit(n) => self.fail(
                false,
                Cause::Unexpected(format!("an answer larger than {n} bytes")),
            ),
            other => self.fail(true, Cause::Connect(format!("{endpoint}: {other}"))),
        }
    }

    fn io_error(&self, endpoint: &str, io: &io::Error) -> DeliveryError {
        if let Some(tls) = io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
            return self.fail(false, Cause::Tls(format!("{endpoint}: {tls}")));
        }
        match io.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                self.fail(true, Cause::Timeout(self.timeout.as_secs()))
            }
            _ => self.fail(true, Cause::Connect(format!("{endpoint}: {io}"))),
        }
    }

    /// Reads the platform's answer: success only with HTTP 2xx *and* the
    /// platform's code 0.
    fn interpret(
        &self,
        status: u16,
        answer: &[u8],
        truncated: bool,
    ) -> Result<Delivery, DeliveryError> {
        let parsed: Option<(i64, String)> = serde_json::from_slice::<Value>(answer)
            .ok()
            .and_then(|v| platform_code(self.kind, &v));
        let http_retryable = status == 408 || status == 429 || status >= 500;
        match parsed {
            Some((0, message)) if (200..300).contains(&status) => Ok(Delivery {
                channel: self.kind,
                response: self.scrub.scrub(&message),
                truncated,
            }),
            Some((code, message)) if code != 0 => Err(self.fail(
                retryable_code(self.kind, code) || http_retryable,
                Cause::Platform { code, message },
            )),
            _ if (200..300).contains(&status) => Err(self.fail(
                false,
                Cause::Unexpected(format!(
                    "HTTP {status} without the platform's answer: {}",
                    snippet(answer)
                )),
            )),
            _ => Err(self.fail(
                http_retryable,
                Cause::Http {
                    status,
                    detail: snippet(answer),
                },
            )),
        }
    }
}

/// The platform's code and message from its JSON answer.
fn platform_code(kind: ChannelKind, v: &Value) -> Option<(i64, String)> {
    let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    match kind {
        ChannelKind::WeCom | ChannelKind::DingTalk => {
            let code = v.get("errcode")?.as_i64()?;
            Some((code, text("errmsg").unwrap_or_default()))
        }
        // `code`/`msg`; older answers (still sent beside them) use
        // `StatusCode`/`StatusMessage`.
        ChannelKind::Feishu => {
            if let Some(code) = v.get("code").and_then(Value::as_i64) {
                Some((code, text("msg").unwrap_or_default()))
            } else {
                let code = v.get("StatusCode")?.as_i64()?;
                Some((code, text("StatusMessage").unwrap_or_default()))
            }
        }
        ChannelKind::Smtp => None,
    }
}

/// The start of an answer, for an error message.
fn snippet(answer: &[u8]) -> String {
    let text = String::from_utf8_lossy(answer);
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    truncate_bytes(one_line.trim(), 200).into_owned()
}

/// The message's text with the robot's keyword added when it lacks it.
fn with_keyword(text: &str, subject: &str, keyword: &Option<String>) -> String {
    match keyword {
        Some(k) if !text.contains(k.as_str()) && !subject.contains(k.as_str()) => {
            format!("{text}\n{k}")
        }
        _ => text.to_string(),
    }
}

/// The link line, `[label](url)`, or a configuration error for a link that
/// is not an absolute http(s) URL.
fn link_line(kind: ChannelKind, message: &Message) -> Result<Option<String>, DeliveryError> {
    match &message.link {
        None => Ok(None),
        Some(link) => match markdown_link(link) {
            Some(url) => Ok(Some(format!("[{}]({url})", message.lang.open_label()))),
            None => Err(DeliveryError::permanent(
                kind,
                Cause::Config("the message's link is not an absolute http(s) URL".into()),
            )),
        },
    }
}

/// Fits `head`, `body` and `tail` (joined by `sep`) into `max` bytes by
/// shortening the body; returns the text and whether it was shortened.
fn fit(head: &str, body: &str, tail: Option<&str>, sep: &str, max: usize) -> (String, bool) {
    let fixed = head.len() + tail.map_or(0, |t| t.len() + sep.len()) + sep.len();
    let room = max.saturating_sub(fixed);
    let cut = truncate_bytes(body, room);
    let truncated = cut.len() < body.len();
    let mut out = String::with_capacity(max);
    out.push_str(head);
    out.push_str(sep);
    out.push_str(&cut);
    if let Some(t) = tail {
        out.push_str(sep);
        out.push_str(t);
    }
    (out, truncated)
}

/// WeCom group robot, `markdown` message: the title in bold (orange for a
/// warning or an overdue obligation, WeCom's `warning` colour), the text,
/// the link. <https://developer.work.weixin.qq.com/document/path/91770>
pub(crate) fn send_wecom(
    c: &WeComConfig,
    message: &Message,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Delivery, DeliveryError> {
    let kind = ChannelKind::WeCom;
    let target = Target::new(kind, &c.url, c.timeout_secs, &c.proxy, env)?;
    let title = escape_wecom(&truncate_bytes(&message.subject, TITLE_MAX));
    let head = match message.tone {
        Tone::Info => format!("**{title}**"),
        Tone::Warning | Tone::Urgent => format!("<font color=\"warning\">**{title}**</font>"),
    };
    let link = link_line(kind, message)?;
    let (content, truncated) = fit(
        &head,
        &escape_wecom(&message.text),
        link.as_deref(),
        "\n",
        WECOM_MARKDOWN_MAX,
    );
    let body = json!({"msgtype": "markdown", "markdown": {"content": content}});
    let (status, answer) = target.post(&target.url, &body)?;
    target.interpret(status, &answer, truncated)
}

/// DingTalk's signature: `timestamp` in milliseconds and
/// `sign = urlencode(base64(HMAC-SHA256(key = secret, timestamp + "\n" + secret)))`,
/// both appended to the webhook URL; valid for an hour.
/// <https://open.dingtalk.com/document/orgapp/custom-robot-access>
pub fn dingtalk_sign(secret: &str, timestamp_ms: u128) -> String {
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// Feishu's signature: `timestamp` in seconds and
/// `sign = base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = ""))`
/// — the key and the message the other way round from DingTalk's — sent in
/// the JSON body; valid for an hour.
/// <https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot>
pub fn feishu_sign(secret: &str, timestamp_s: u64) -> String {
    let key = format!("{timestamp_s}\n{secret}");
    let mac = hmac::Hmac::<Sha256>::new_from_slice(key.as_bytes())
        .expect("HMAC takes a key of any length");
    BASE64.encode(mac.finalize().into_bytes())
}

fn unix(now: SystemTime) -> Duration {
    now.duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// DingTalk custom robot, `markdown` message: `title` is what the
/// conversation list and the notification show (at most 64 characters),
/// `text` repeats it as a heading, then the text and the link.
/// <https://open.dingtalk.com/document/development/robot-message-type>
pub(crate) fn send_dingtalk(
    c: &DingTalkConfig,
    message: &Message,
    now: SystemTime,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Delivery, DeliveryError> {
    let kind = ChannelKind::DingTalk;
    let mut target = Target::new(kind, &c.url, c.timeout_secs, &c.proxy, env)?;
    let mut url = target.url.clone();
    if let Some(secret) = &c.secret {
        let secret = secret
            .resolve_with(env)
            .map_err(|e| target.fail(false, Cause::Config(format!("secret: {e}"))))?;
        target.scrub.add(&secret);
        let ts = unix(now).as_millis();
        let sign = percent_encode(&dingtalk_sign(&secret, ts));
        target.scrub.add(&sign);
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&format!("timestamp={ts}&sign={sign}"));
    }
    let title = escape_dingtalk(&truncate_chars(&message.subject, DINGTALK_TITLE_MAX_CHARS));
    let head = format!(
        "#### {}",
        escape_dingtalk(&truncate_bytes(&message.subject, TITLE_MAX))
    );
    let text = with_keyword(&message.text, &message.subject, &c.keyword);
    let link = link_line(kind, message)?;
    let (markdown, truncated) = fit(
        &head,
        &escape_dingtalk(&text),
        link.as_deref(),
        "\n\n",
        DINGTALK_MARKDOWN_MAX,
    );
    // A keyword cut off by the truncation would make DingTalk drop the
    // message: put it back at the end of the title, which is never cut.
    let title = match &c.keyword {
        Some(k) if !markdown.contains(k.as_str()) && !title.contains(k.as_str()) => {
            format!("{title} {k}")
        }
        _ => title,
    };
    let body = json!({"msgtype": "markdown", "markdown": {"title": title, "text": markdown}});
    let (status, answer) = target.post(&url, &body)?;
    target.interpret(status, &answer, truncated)
}

/// Feishu custom bot, rich-text `post` message: the title is the post's
/// title, each line of the text a paragraph of one `text` node, the link
/// an `a` node. Chosen over `interactive` cards because a card's text is
/// `lark_md` (markdown again, to be escaped), while `post` text nodes are
/// shown as given — user data cannot become markup — and a post still
/// renders a bold title and a clickable link.
/// <https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot>
pub(crate) fn send_feishu(
    c: &FeishuConfig,
    message: &Message,
    now: SystemTime,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Delivery, DeliveryError> {
    let kind = ChannelKind::Feishu;
    let mut target = Target::new(kind, &c.url, c.timeout_secs, &c.proxy, env)?;
    let signature = match &c.secret {
        Some(secret) => {
            let secret = secret
                .resolve_with(env)
                .map_err(|e| target.fail(false, Cause::Config(format!("secret: {e}"))))?;
            target.scrub.add(&secret);
            let ts = unix(now).as_secs();
            let sign = feishu_sign(&secret, ts);
            target.scrub.add(&sign);
            Some((ts.to_string(), sign))
        }
        None => None,
    };
    let link = match &message.link {
        None => None,
        Some(l) if markdown_link(l).is_some() => Some(l.clone()),
        Some(_) => {
            return Err(DeliveryError::permanent(
                kind,
                Cause::Config("the message's link is not an absolute http(s) URL".into()),
            ));
        }
    };
    let locale = match message.lang {
        crate::Lang::Zh => "zh_cn",
        crate::Lang::En => "en_us",
    };
    let title = truncate_bytes(&message.subject, TITLE_MAX).into_owned();
    let text = with_keyword(&message.text, &message.subject, &c.keyword);
    let build = |text: &str| {
        let mut paragraphs: Vec<Value> = text
            .lines()
            .map(|line| json!([{"tag": "text", "text": line}]))
            .collect();
        if let Some(href) = &link {
            paragraphs.push(json!([{"tag": "a", "text": message.lang.open_label(), "href": href}]));
        }
        let mut body = json!({
            "msg_type": "post",
            "content": {"post": {locale: {"title": title, "content": paragraphs}}}
        });
        if let Some((ts, sign)) = &signature {
            body["timestamp"] = json!(ts);
            body["sign"] = json!(sign);
        }
        body
    };
    // The limit is on the whole body, JSON escaping included: shorten the
    // text until it fits.
    let mut budget = text.len();
    let mut truncated = false;
    let body = loop {
        let cut = truncate_bytes(&text, budget);
        let body = build(&cut);
        let size = serde_json::to_vec(&body).map_or(usize::MAX, |b| b.len());
        if size <= FEISHU_BODY_MAX || budget == 0 {
            break body;
        }
        truncated = true;
        // Paragraph markup grows with the text: shrink in proportion, and
        // by at least a little, so this ends in a few rounds.
        let scaled = budget.saturating_mul(FEISHU_BODY_MAX - 512) / size;
        budget = scaled.min(budget.saturating_sub(64));
    };
    // As for DingTalk: a keyword lost to the cut goes into the title.
    let mut body = body;
    if let Some(k) = &c.keyword {
        let post = &mut body["content"]["post"][locale];
        let shown = serde_json::to_string(&post["content"]).unwrap_or_default();
        if !shown.contains(k.as_str()) && !title.contains(k.as_str()) {
            post["title"] = json!(format!("{title} {k}"));
        }
    }
    let (status, answer) = target.post(&target.url, &body)?;
    target.interpret(status, &answer, truncated)
}
