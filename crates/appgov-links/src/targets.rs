//! Which of a package's endpoints are links worth fetching.

use appgov_facts::{Facts, LinkStatus};

/// One thing to check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// An http(s) URL: fetched.
    Url(String),
    /// A bare domain that appears in no URL: only resolved.
    Domain(String),
    /// Recorded as skipped without touching the network.
    Skip { url: String, reason: &'static str },
}

impl Target {
    /// The key results are cached under.
    pub fn key(&self) -> String {
        match self {
            Target::Url(u) => format!("url {u}"),
            Target::Domain(d) => format!("domain {d}"),
            Target::Skip { url, .. } => format!("skip {url}"),
        }
    }
    pub fn value(&self) -> &str {
        match self {
            Target::Url(u) | Target::Domain(u) | Target::Skip { url: u, .. } => u,
        }
    }
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Domain(_) => "domain",
            _ => "url",
        }
    }
}

/// Namespace and identifier URLs: strings that look like links but name a
/// schema. Fetching them proves nothing about the app (many answer 404 by
/// design), so they are not link targets. Android's XML namespaces
/// (schemas.android.com), the W3C's (www.w3.org, e.g. `2000/svg`,
/// `2001/XMLSchema`), Adobe's XMP (ns.adobe.com), XML Pull and SAX feature
/// names (xmlpull.org, xml.org/sax), Apache Xerces feature names and the
/// Java EE/JAXB namespaces (java.sun.com, xmlns.jcp.org), schema.org type
/// names (Google Play services' `http://schema.org/ViewAction`) and Google
/// OAuth scope names (`https://www.googleapis.com/auth/drive`), as they
/// appear in the string tables of Android libraries.
const IDENTIFIER_PREFIXES: &[&str] = &[
    "schemas.android.com/",
    "schema.org/",
    "www.googleapis.com/auth/",
    "www.w3.org/",
    "ns.adobe.com/",
    "xmlpull.org/",
    "www.xmlpull.org/",
    "xml.org/sax/",
    "apache.org/xml/",
    "xml.apache.org/",
    "java.sun.com/xml/",
    "xmlns.jcp.org/xml/",
    "purl.org/dc/",
    "schemas.xmlsoap.org/",
    "schemas.microsoft.com/",
];

/// Characters that mark a URL as a template filled in at run time
/// (`%s`, `{id}`, `${host}`): the literal string is not a link.
fn is_template(url: &str) -> bool {
    url.contains("%s")
        || url.contains("%d")
        || url.contains('{')
        || url.contains('}')
        || url.contains('$')
        || url.contains('<')
        || url.contains('>')
}

/// `scheme://host…` split: scheme lower-cased, the rest as written.
fn split_scheme(url: &str) -> Option<(String, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    Some((scheme.to_ascii_lowercase(), rest))
}

/// The host of an http(s) URL (lower case, without port, userinfo or brackets).
pub fn host_of(url: &str) -> Option<String> {
    let (_, rest) = split_scheme(url)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The targets of one package: its http(s) URLs (identifiers left out,
/// other schemes and templates recorded as skipped), then bare domains that
/// no URL covers. Sorted and distinct.
pub fn targets(facts: &Facts) -> Vec<Target> {
    let mut out = Vec::new();
    let mut url_hosts = std::collections::BTreeSet::new();
    for located in &facts.endpoints.urls {
        let url = located.value.trim();
        let Some((scheme, rest)) = split_scheme(url) else {
            continue;
        };
        if scheme != "http" && scheme != "https" {
            // Other schemes (ftp, ws, app schemes) are not fetched by this check.
            continue;
        }
        let lower = rest.to_ascii_lowercase();
        if IDENTIFIER_PREFIXES.iter().any(|p| lower.starts_with(p)) {
            continue;
        }
        match host_of(url) {
            Some(host) => {
                url_hosts.insert(host);
            }
            None => {
                out.push(Target::Skip {
                    url: url.to_string(),
                    reason: "invalid URL: no host",
                });
                continue;
            }
        }
        if is_template(url) {
            out.push(Target::Skip {
                url: url.to_string(),
                reason: "URL template filled in at run time",
            });
        } else if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            out.push(Target::Skip {
                url: url.to_string(),
                reason: "invalid URL: whitespace",
            });
        } else {
            out.push(Target::Url(url.to_string()));
        }
    }
    for located in &facts.endpoints.domains {
        let domain = located
            .value
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if domain.is_empty() || url_hosts.contains(&domain) {
            continue;
        }
        out.push(Target::Domain(domain));
    }
    out.sort();
    out.dedup();
    out
}

/// A result for a target that needs no network.
pub(crate) fn skipped(
    url: &str,
    kind: &str,
    reason: &str,
    checked_at: &str,
) -> appgov_facts::LinkCheck {
    appgov_facts::LinkCheck {
        url: url.to_string(),
        kind: kind.to_string(),
        status: LinkStatus::Skipped,
        reason: Some(reason.to_string()),
        checked_at: checked_at.to_string(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use appgov_facts::Located;

    fn loc(v: &str) -> Located {
        Located {
            value: v.into(),
            ..Default::default()
        }
    }

    #[test]
    fn picks_links_and_leaves_out_identifiers_templates_and_covered_domains() {
        let mut f = Facts::default();
        f.endpoints.urls = vec![
            loc("https://api.example-bank.cn/v1/login"),
            loc("http://schemas.android.com/apk/res/android"),
            loc("http://www.w3.org/2000/svg"),
            loc("https://cdn.example-bank.cn/img/%s.png"),
            loc("ftp://files.example-bank.cn/x"),
            loc("HTTPS://Upper.example-bank.cn/"),
        ];
        f.endpoints.domains = vec![
            loc("api.example-bank.cn"),
            loc("only-a-domain.example-bank.cn"),
        ];
        let t = targets(&f);
        assert_eq!(
            t,
            vec![
                Target::Url("HTTPS://Upper.example-bank.cn/".into()),
                Target::Url("https://api.example-bank.cn/v1/login".into()),
                Target::Domain("only-a-domain.example-bank.cn".into()),
                Target::Skip {
                    url: "https://cdn.example-bank.cn/img/%s.png".into(),
                    reason: "URL template filled in at run time",
                },
            ]
        );
    }

    #[test]
    fn hosts_are_read_past_userinfo_ports_and_brackets() {
        assert_eq!(
            host_of("http://u:p@Host.CN:8080/x").as_deref(),
            Some("host.cn")
        );
        assert_eq!(host_of("https://[::1]:443/").as_deref(), Some("::1"));
        assert_eq!(host_of("https://a.cn?x=1").as_deref(), Some("a.cn"));
        assert_eq!(host_of("https:///path"), None);
    }
}
