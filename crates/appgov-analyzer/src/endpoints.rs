//! Network endpoints embedded in a package: URLs, domains, IP literals and
//! e-mail addresses, each with the places it was found.
//!
//! Hand-written scanning rather than one big regex: the scanner runs over
//! every DEX string, resource string and text asset of a 300 MB app, so it
//! looks for cheap anchors (`://`, `@`, dots) first and validates only there.

use std::collections::{BTreeMap, BTreeSet};

use appgov_facts::{Endpoints, Located};

/// Caps so a hostile package cannot grow the facts without bound.
const MAX_VALUES_PER_KIND: usize = 20_000;
const MAX_LOCATIONS_PER_VALUE: usize = 16;
const MAX_URL_LEN: usize = 2048;

/// URL schemes that name a network endpoint.
const NETWORK_SCHEMES: &[&str] = &[
    "http", "https", "ws", "wss", "ftp", "ftps", "rtmp", "rtmps", "rtsp", "mqtt", "mqtts", "tcp",
    "udp",
];

/// Top-level domains accepted for bare host names (strings that are only a
/// host name, without a scheme). A bare string needs a known TLD because
/// class names and file names look like host names too (`index.html`).
const BARE_HOST_TLDS: &[&str] = &[
    "com", "cn", "net", "org", "io", "co", "me", "info", "biz", "gov", "edu", "app", "dev", "xyz",
    "top", "vip", "site", "online", "tech", "cloud", "ai", "tv", "cc", "hk", "tw", "mo", "jp",
    "kr", "sg", "us", "uk", "de", "fr", "ru", "in", "au", "ca", "eu", "nl", "ch", "it", "es", "se",
    "br", "id", "th", "vn", "my", "ph", "ae", "club", "shop", "ltd", "link", "live", "work", "ink",
    "wang", "pub", "fun", "store", "bank", "gd", "ly", "gl",
];

/// Most packages recorded per value (code that loads the string holding it).
const MAX_PACKAGES_PER_VALUE: usize = 16;

#[derive(Clone, Copy)]
enum Kind {
    Url,
    Domain,
    Ip,
    Email,
}

/// Where one value was found, and which code loads it.
#[derive(Default)]
struct Places {
    found_in: BTreeSet<String>,
    packages: BTreeSet<String>,
}

/// Collects endpoints from text found at named locations.
#[derive(Default)]
pub struct EndpointCollector {
    /// Off when the caller did not ask for endpoints: scanning is then free.
    pub disabled: bool,
    urls: BTreeMap<String, Places>,
    domains: BTreeMap<String, Places>,
    ips: BTreeMap<String, Places>,
    emails: BTreeMap<String, Places>,
}

impl EndpointCollector {
    /// Scan one string (a DEX string, a resource value, a line of an asset).
    /// Returns whether it held any endpoint.
    pub fn scan(&mut self, text: &str, location: &str) -> bool {
        if self.disabled {
            return false;
        }
        let mut found = false;
        each_endpoint(text, |kind, value| {
            found = true;
            insert(self.map(kind), value, location);
        });
        found
    }

    /// Records that code in `packages` loads `text` (a DEX string that
    /// [`EndpointCollector::scan`] found endpoints in).
    pub fn attribute(&mut self, text: &str, packages: &[String]) {
        if self.disabled {
            return;
        }
        each_endpoint(text, |kind, value| {
            if let Some(places) = self.map(kind).get_mut(&value) {
                for p in packages {
                    if places.packages.len() >= MAX_PACKAGES_PER_VALUE {
                        break;
                    }
                    if !places.packages.contains(p) {
                        places.packages.insert(p.clone());
                    }
                }
            }
        });
    }

    fn map(&mut self, kind: Kind) -> &mut BTreeMap<String, Places> {
        match kind {
            Kind::Url => &mut self.urls,
            Kind::Domain => &mut self.domains,
            Kind::Ip => &mut self.ips,
            Kind::Email => &mut self.emails,
        }
    }

    pub fn finish(self) -> Endpoints {
        Endpoints {
            urls: located(self.urls),
            domains: located(self.domains),
            ips: located(self.ips),
            emails: located(self.emails),
        }
    }
}

/// Calls `f` with every endpoint in `text`, normalised (hosts and e-mail
/// addresses in lower case).
fn each_endpoint(text: &str, mut f: impl FnMut(Kind, String)) {
    if text.len() < 4 {
        return;
    }
    let host = |host: &str, f: &mut dyn FnMut(Kind, String)| {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if is_ipv4(&host) || host.starts_with('[') {
            f(Kind::Ip, host);
        } else if !host.is_empty() {
            f(Kind::Domain, host);
        }
    };
    let bytes = text.as_bytes();
    let mut found_url = false;
    for pos in memchr::memmem::find_iter(bytes, b"://") {
        if let Some((url, h)) = url_at(text, pos) {
            found_url = true;
            f(Kind::Url, url.to_string());
            host(h, &mut f);
        }
    }
    if memchr::memchr(b'@', bytes).is_some() {
        for (email, domain) in emails_in(text) {
            f(Kind::Email, email.to_ascii_lowercase());
            host(domain, &mut f);
        }
    }
    if !found_url {
        let trimmed = text.trim();
        if let Some(h) = bare_host(trimmed) {
            host(h, &mut f);
        }
    }
}

fn insert(map: &mut BTreeMap<String, Places>, value: String, location: &str) {
    if let Some(places) = map.get_mut(&value) {
        if places.found_in.len() < MAX_LOCATIONS_PER_VALUE && !places.found_in.contains(location) {
            places.found_in.insert(location.to_string());
        }
        return;
    }
    if map.len() < MAX_VALUES_PER_KIND {
        map.insert(
            value,
            Places {
                found_in: BTreeSet::from([location.to_string()]),
                packages: BTreeSet::new(),
            },
        );
    }
}

fn located(map: BTreeMap<String, Places>) -> Vec<Located> {
    map.into_iter()
        .map(|(value, places)| Located {
            value,
            found_in: places.found_in.into_iter().collect(),
            packages: places.packages.into_iter().collect(),
        })
        .collect()
}

/// The URL around a `://` at byte `sep`, and its host, if it is a network URL with a valid host.
fn url_at(text: &str, sep: usize) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let mut start = sep;
    while start > 0 {
        let c = *bytes.get(start - 1)?;
        if c.is_ascii_alphanumeric() || c == b'+' || c == b'-' || c == b'.' {
            start -= 1;
        } else {
            break;
        }
    }
    let scheme = text.get(start..sep)?;
    let scheme_lower = scheme.to_ascii_lowercase();
    // Tolerate prefixes glued to the scheme (`"xhttps://`): take the longest known suffix.
    let known = NETWORK_SCHEMES
        .iter()
        .filter(|s| scheme_lower.ends_with(*s))
        .max_by_key(|s| s.len())?;
    let start = sep - known.len();
    let mut end = sep + 3;
    while let Some(&c) = bytes.get(end) {
        if end - start >= MAX_URL_LEN || !is_url_byte(c) {
            break;
        }
        end += 1;
    }
    let url = text
        .get(start..end)?
        .trim_end_matches(['.', ',', ';', ')', ']', '}']);
    let rest = url.get(known.len() + 3..)?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_end)?;
    let host_port = authority.rsplit('@').next()?;
    let host = if host_port.starts_with('[') {
        host_port.get(..=host_port.find(']')?)?
    } else {
        host_port.split(':').next()?
    };
    if !(is_ipv4(host) || host.starts_with('[') || is_host_name(host, false)) {
        return None;
    }
    Some((url, host))
}

fn is_url_byte(c: u8) -> bool {
    // RFC 3986 unreserved + reserved + `%`; stops at quotes, spaces, angle brackets and non-ASCII.
    c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&()*+,;=%".contains(&c)
}

/// A syntactically valid DNS host name with a letter TLD. With `strict_tld`
/// the TLD must be in [`BARE_HOST_TLDS`].
fn is_host_name(host: &str, strict_tld: bool) -> bool {
    let host = host.trim_end_matches('.');
    if host.len() < 4 || host.len() > 253 {
        return false;
    }
    let mut labels = 0;
    let mut last = "";
    for label in host.split('.') {
        if label.is_empty()
            || label.len() > 63
            || label.starts_with('-')
            || label.ends_with('-')
            || !label
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-')
        {
            return false;
        }
        labels += 1;
        last = label;
    }
    if labels < 2 || last.len() < 2 || !last.bytes().all(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    !strict_tld || BARE_HOST_TLDS.contains(&last.to_ascii_lowercase().as_str())
}

/// A string that is only a host name (optionally with a port), such as `api.example.com`.
fn bare_host(s: &str) -> Option<&str> {
    if s.len() > 253 || s.bytes().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let host = s.split(':').next()?;
    if let Some(port) = s.get(host.len() + 1..)
        && !port.is_empty()
        && !port.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    if is_ipv4(host) {
        return (!host.starts_with("0.")).then_some(host);
    }
    if !is_host_name(host, true) {
        return None;
    }
    // Java package and resource names read like reversed host names (`com.tencent.mm`).
    let first = host.split('.').next()?;
    if BARE_HOST_TLDS.contains(&first) || first == "android" || first == "androidx" {
        return None;
    }
    Some(host)
}

fn is_ipv4(s: &str) -> bool {
    let mut parts = 0;
    for part in s.split('.') {
        parts += 1;
        if parts > 4
            || part.is_empty()
            || part.len() > 3
            || !part.bytes().all(|c| c.is_ascii_digit())
        {
            return false;
        }
        if part.len() > 1 && part.starts_with('0') {
            return false;
        }
        if part.parse::<u16>().map_or(true, |n| n > 255) {
            return false;
        }
    }
    parts == 4
}

/// E-mail addresses in `text` with their domains.
fn emails_in(text: &str) -> Vec<(&str, &str)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for at in memchr::memchr_iter(b'@', bytes) {
        let mut start = at;
        while start > 0 {
            let c = bytes.get(start - 1).copied().unwrap_or(b' ');
            if c.is_ascii_alphanumeric() || b"._%+-".contains(&c) {
                start -= 1;
            } else {
                break;
            }
        }
        let mut end = at + 1;
        while let Some(&c) = bytes.get(end) {
            if c.is_ascii_alphanumeric() || c == b'.' || c == b'-' {
                end += 1;
            } else {
                break;
            }
        }
        let (Some(local), Some(domain)) = (text.get(start..at), text.get(at + 1..end)) else {
            continue;
        };
        let domain = domain.trim_end_matches('.');
        if local.is_empty() || local.starts_with('.') || !is_host_name(domain, false) {
            continue;
        }
        if let Some(email) = text.get(start..at + 1 + domain.len()) {
            out.push((email, domain));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(items: &[&str]) -> Endpoints {
        let mut c = EndpointCollector::default();
        for s in items {
            c.scan(s, "dex:classes.dex");
        }
        c.finish()
    }

    fn values(v: &[Located]) -> Vec<&str> {
        v.iter().map(|l| l.value.as_str()).collect()
    }

    #[test]
    fn finds_urls_and_their_hosts() {
        let e = collect(&[
            "see https://api.example.com/v1/login?x=1 now",
            "\"http://10.0.2.2:8080/debug\"",
            "ws://[::1]:9000/socket",
            "http://%s/path",
            "file:///sdcard/x",
        ]);
        assert_eq!(
            values(&e.urls),
            vec![
                "http://10.0.2.2:8080/debug",
                "https://api.example.com/v1/login?x=1",
                "ws://[::1]:9000/socket"
            ]
        );
        assert_eq!(values(&e.domains), vec!["api.example.com"]);
        assert_eq!(values(&e.ips), vec!["10.0.2.2", "[::1]"]);
    }

    #[test]
    fn bare_hosts_need_a_known_tld_and_must_not_be_package_names() {
        let e = collect(&[
            "api.weixin.qq.com",
            "com.tencent.mm",
            "index.html",
            "android.intent.action.VIEW",
            "Lcom/example/Foo;",
            "114.114.114.114",
            "1.0.0",
            "log.umeng.com:443",
        ]);
        assert_eq!(
            values(&e.domains),
            vec!["api.weixin.qq.com", "log.umeng.com"]
        );
        assert_eq!(values(&e.ips), vec!["114.114.114.114"]);
    }

    #[test]
    fn emails() {
        let e = collect(&[
            "contact: Security@Bank.example.cn.",
            "@string/app_name",
            "a@b",
        ]);
        assert_eq!(values(&e.emails), vec!["security@bank.example.cn"]);
        assert_eq!(values(&e.domains), vec!["bank.example.cn"]);
    }

    #[test]
    fn locations_are_recorded_and_capped() {
        let mut c = EndpointCollector::default();
        for i in 0..40 {
            c.scan("https://a.example.com/", &format!("dex:classes{i}.dex"));
        }
        let e = c.finish();
        assert_eq!(e.urls.len(), 1);
        assert_eq!(e.urls[0].found_in.len(), MAX_LOCATIONS_PER_VALUE);
    }

    #[test]
    fn ipv4_validation() {
        assert!(is_ipv4("192.168.1.1"));
        assert!(!is_ipv4("256.1.1.1"));
        assert!(!is_ipv4("01.1.1.1"));
        assert!(!is_ipv4("1.1.1"));
        assert!(!is_ipv4("1.1.1.1.1"));
    }

    #[test]
    fn non_ascii_and_hostile_input_does_not_panic() {
        let e = collect(&[
            "中文://测试",
            "://",
            "@@@",
            "http://",
            "x://a.b",
            "https://例子.中国/",
        ]);
        assert!(e.urls.is_empty());
    }
}
