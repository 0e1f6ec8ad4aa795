//! Delivery errors: whether a later attempt can help, and why it failed in
//! words an operator can act on (English; the server translates the
//! retry/permanent distinction, the detail is the platform's own).

use crate::ChannelKind;

/// A message that was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{channel}: {cause}")]
pub struct DeliveryError {
    pub channel: ChannelKind,
    /// A later attempt may succeed (network trouble, time-outs, 5xx, SMTP
    /// 4xx, the platform's rate limit). Otherwise someone must change the
    /// configuration or the robot's settings first.
    pub retryable: bool,
    pub cause: Cause,
}

/// Why. Every text in it has been scrubbed of the channel's secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Cause {
    /// The configuration cannot work (bad URL or address, a secret that
    /// cannot be read). Permanent.
    #[error("configuration: {0}")]
    Config(String),
    /// No connection (refused, unreachable, name not found, reset).
    #[error("cannot connect: {0}")]
    Connect(String),
    /// No answer within the time-out.
    #[error("no answer within {0} s")]
    Timeout(u64),
    /// The TLS handshake failed (certificate, protocol): permanent until
    /// the certificate or the configuration is fixed.
    #[error("TLS: {0}")]
    Tls(String),
    /// An HTTP status without the platform's own error code.
    #[error("HTTP status {status}{}", if .detail.is_empty() { String::new() } else { format!(": {}", .detail) })]
    Http { status: u16, detail: String },
    /// The platform's error code and message (`errcode`/`errmsg`,
    /// `code`/`msg`).
    #[error("the platform answered error {code}: {message}")]
    Platform { code: i64, message: String },
    /// The SMTP server's reply.
    #[error("the mail server answered {code} {message}")]
    Smtp { code: u16, message: String },
    /// An answer that is none of the above (not the platform's JSON, a
    /// garbled SMTP reply).
    #[error("unexpected answer: {0}")]
    Unexpected(String),
}

impl DeliveryError {
    pub(crate) fn permanent(channel: ChannelKind, cause: Cause) -> Self {
        DeliveryError {
            channel,
            retryable: false,
            cause,
        }
    }

    pub(crate) fn retryable(channel: ChannelKind, cause: Cause) -> Self {
        DeliveryError {
            channel,
            retryable: true,
            cause,
        }
    }
}

/// Removes secrets from texts that leave the crate. Built per delivery
/// from everything secret it used: the webhook URL, its query values and
/// token path segment, the signing secret, the signature, the password.
#[derive(Default)]
pub(crate) struct Scrubber {
    secrets: Vec<String>,
}

impl Scrubber {
    pub(crate) fn add(&mut self, secret: &str) {
        // Very short strings would blank out ordinary words; none of the
        // secrets this crate handles is that short.
        if secret.len() >= 4 && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_string());
            // Longest first, so a URL is replaced whole before its parts.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Adds a URL and the parts of it that are credentials: the query
    /// (WeCom's `key`, DingTalk's `access_token`), each query value, and a
    /// long last path segment (Feishu's hook token).
    pub(crate) fn add_url(&mut self, url: &str) {
        self.add(url);
        let (before_query, query) = match url.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (url, None),
        };
        if let Some(q) = query {
            self.add(q);
            for pair in q.split('&') {
                if let Some((_, v)) = pair.split_once('=') {
                    self.add(v);
                }
            }
        }
        let path_start = before_query
            .find("://")
            .map(|i| i + 3)
            .and_then(|i| before_query[i..].find('/').map(|j| i + j));
        if let Some(start) = path_start {
            let last = before_query[start..].rsplit('/').next().unwrap_or("");
            // A token, not a word of a path like `send`.
            if last.len() >= 16 {
                self.add(last);
            }
        }
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }

    /// Scrubs every text in `cause`.
    pub(crate) fn cause(&self, cause: Cause) -> Cause {
        match cause {
            Cause::Config(s) => Cause::Config(self.scrub(&s)),
            Cause::Connect(s) => Cause::Connect(self.scrub(&s)),
            Cause::Timeout(t) => Cause::Timeout(t),
            Cause::Tls(s) => Cause::Tls(self.scrub(&s)),
            Cause::Http { status, detail } => Cause::Http {
                status,
                detail: self.scrub(&detail),
            },
            Cause::Platform { code, message } => Cause::Platform {
                code,
                message: self.scrub(&message),
            },
            Cause::Smtp { code, message } => Cause::Smtp {
                code,
                message: self.scrub(&message),
            },
            Cause::Unexpected(s) => Cause::Unexpected(self.scrub(&s)),
        }
    }

    pub(crate) fn error(&self, mut e: DeliveryError) -> DeliveryError {
        e.cause = self.cause(e.cause);
        e
    }
}

/// `scheme://host[:port]/…` of a URL: enough to tell which endpoint, no
/// credential (the query and the path may hold one).
pub(crate) fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(not a URL)".into();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit('@').next().unwrap_or(authority);
    format!("{scheme}://{host}/…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_query_values_and_hook_tokens() {
        let mut s = Scrubber::default();
        s.add_url("https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789");
        s.add_url(
            "https://open.feishu.cn/open-apis/bot/v2/hook/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
        );
        assert_eq!(
            s.scrub("token abcdef0123456789 and hook 0a1b2c3d-4e5f-6789-abcd-ef0123456789"),
            "token *** and hook ***"
        );
        // Path words are not secrets.
        assert_eq!(s.scrub("robot send hook"), "robot send hook");
    }

    #[test]
    fn redacted_url_keeps_only_the_host() {
        assert_eq!(
            redacted_url("https://u:p@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
            "https://qyapi.weixin.qq.com/…"
        );
    }
}
