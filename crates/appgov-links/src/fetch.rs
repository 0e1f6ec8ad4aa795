//! Fetching one URL: HEAD, GET when the server rejects HEAD, redirects
//! followed by hand (so each hop is recorded and loops are seen), never a
//! body read.

use std::io;
use std::time::{Duration, Instant};

use appgov_facts::{LinkCheck, LinkStatus};
use ureq::Agent;

use crate::resolve::PrivateAddress;

/// The longest reason kept, in bytes (error texts can quote server data).
const MAX_REASON: usize = 300;

pub(crate) struct Fetch<'a> {
    pub agent: &'a Agent,
    pub total: Duration,
    pub max_redirects: usize,
}

impl Fetch<'_> {
    pub fn check(&self, url: &str, checked_at: &str) -> LinkCheck {
        let start = Instant::now();
        let deadline = start + self.total;
        let mut result = LinkCheck {
            url: url.to_string(),
            kind: "url".into(),
            checked_at: checked_at.to_string(),
            ..Default::default()
        };
        let mut current = strip_userinfo(url);
        loop {
            let answer = self.request("HEAD", &current, deadline).and_then(|r| {
                // Many servers and CDNs refuse or mishandle HEAD (405, 501,
                // sometimes 403/404): ask again with GET before calling it dead.
                if r.status().as_u16() >= 400 {
                    drop(r);
                    self.request("GET", &current, deadline)
                } else {
                    Ok(r)
                }
            });
            let response = match answer {
                Ok(r) => r,
                Err(e) => {
                    let (status, reason) = classify(&e);
                    result.status = status;
                    result.reason = Some(clip(reason));
                    break;
                }
            };
            let code = response.status().as_u16();
            result.http_status = Some(code);
            result.final_url = Some(current.clone());
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            // The body is never read: dropping the response closes the connection.
            drop(response);
            match location {
                Some(loc) if (300..400).contains(&code) => {
                    let next = join(&current, loc.trim());
                    let lower = next.to_ascii_lowercase();
                    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                        // A redirect into an app scheme (weixin://, market://): the server answered.
                        result.redirects.push(next.clone());
                        result.final_url = Some(next);
                        result.status = LinkStatus::Ok;
                        break;
                    }
                    if next == strip_userinfo(url) || result.redirects.contains(&next) {
                        result.redirects.push(next);
                        result.status = LinkStatus::TooManyRedirects;
                        result.reason = Some("redirect loop".into());
                        break;
                    }
                    if result.redirects.len() >= self.max_redirects {
                        result.status = LinkStatus::TooManyRedirects;
                        result.reason = Some(format!("more than {} redirects", self.max_redirects));
                        break;
                    }
                    result.redirects.push(next.clone());
                    current = next;
                }
                _ => {
                    result.status = if code >= 400 {
                        LinkStatus::HttpError
                    } else {
                        LinkStatus::Ok
                    };
                    break;
                }
            }
        }
        result.elapsed_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        result
    }

    fn request(
        &self,
        method: &str,
        url: &str,
        deadline: Instant,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(ureq::Error::Timeout(ureq::Timeout::Global));
        }
        match method {
            "HEAD" => self
                .agent
                .head(url)
                .config()
                .timeout_global(Some(remaining))
                .build()
                .call(),
            _ => self
                .agent
                .get(url)
                .config()
                .timeout_global(Some(remaining))
                .build()
                .call(),
        }
    }
}

/// Maps the client's error to a status and a reason.
pub(crate) fn classify(e: &ureq::Error) -> (LinkStatus, String) {
    match e {
        ureq::Error::HostNotFound => (LinkStatus::DnsFailure, "name does not resolve".into()),
        ureq::Error::Timeout(t) => (LinkStatus::Timeout, format!("timed out: {t}")),
        ureq::Error::TooManyRedirects => (LinkStatus::TooManyRedirects, e.to_string()),
        ureq::Error::Tls(reason) => (LinkStatus::TlsError, (*reason).to_string()),
        ureq::Error::Rustls(err) => (LinkStatus::TlsError, err.to_string()),
        ureq::Error::BadUri(reason) => (LinkStatus::Skipped, format!("invalid URL: {reason}")),
        ureq::Error::Http(err) => (LinkStatus::Skipped, format!("invalid URL: {err}")),
        ureq::Error::Io(err) => classify_io(err),
        other => (LinkStatus::ConnectionFailed, other.to_string()),
    }
}

fn classify_io(err: &io::Error) -> (LinkStatus, String) {
    if let Some(inner) = err.get_ref() {
        if let Some(private) = inner.downcast_ref::<PrivateAddress>() {
            return (
                LinkStatus::Skipped,
                format!("{private} (not probed; allow private addresses to check it)"),
            );
        }
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return (LinkStatus::TlsError, tls.to_string());
        }
    }
    match err.kind() {
        io::ErrorKind::ConnectionRefused => (LinkStatus::ConnectionRefused, err.to_string()),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            (LinkStatus::Timeout, err.to_string())
        }
        _ => (LinkStatus::ConnectionFailed, err.to_string()),
    }
}

fn clip(mut s: String) -> String {
    if s.len() > MAX_REASON {
        let mut end = MAX_REASON;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

/// The URL without `user:password@`: credentials embedded in a package are
/// never sent.
pub(crate) fn strip_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rfind('@') {
        Some(at) => format!("{scheme}://{}{tail}", &authority[at + 1..]),
        None => url.to_string(),
    }
}

/// Resolves a `Location` value against the URL it came from (RFC 3986
/// reference resolution for the forms servers send: absolute, `//host`,
/// `/path`, relative path; dot segments are left to the server). Written by
/// hand because the HTTP client has no URL joining and the whole `url`
/// crate is not needed for this.
pub(crate) fn join(base: &str, location: &str) -> String {
    let lower = location.to_ascii_lowercase();
    if lower.contains("://") && !lower.starts_with('/') {
        return location.to_string();
    }
    let Some((scheme, rest)) = base.split_once("://") else {
        return location.to_string();
    };
    if let Some(net) = location.strip_prefix("//") {
        return format!("{scheme}://{net}");
    }
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let origin = format!("{scheme}://{}", &rest[..auth_end]);
    if location.starts_with('/') {
        return format!("{origin}{location}");
    }
    let path = &rest[auth_end..];
    let path = path.split(['?', '#']).next().unwrap_or("");
    if location.starts_with('?') {
        return format!("{origin}{path}{location}");
    }
    let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
    format!("{origin}{dir}{location}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_against_the_current_url() {
        let base = "https://a.cn/x/y?q=1";
        assert_eq!(join(base, "https://b.cn/z"), "https://b.cn/z");
        assert_eq!(join(base, "//c.cn/w"), "https://c.cn/w");
        assert_eq!(join(base, "/root"), "https://a.cn/root");
        assert_eq!(join(base, "sib"), "https://a.cn/x/sib");
        assert_eq!(join(base, "?p=2"), "https://a.cn/x/y?p=2");
        assert_eq!(join("http://a.cn", "next"), "http://a.cn/next");
    }

    #[test]
    fn credentials_are_stripped() {
        assert_eq!(
            strip_userinfo("https://user:pw@host.cn:8443/p?a=b@c"),
            "https://host.cn:8443/p?a=b@c"
        );
        assert_eq!(strip_userinfo("http://host.cn/a@b"), "http://host.cn/a@b");
    }
}
