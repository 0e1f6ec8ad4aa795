use appgov_facts::{LinkCheck, LinkStatus};

use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 联网检查（`appgov scan --check-links`）时，安装包中嵌入的 http/https
    /// 链接与域名是否失效：域名无法解析、连接被拒绝、超时、TLS 握手失败
    /// （证书不受信任、过期或与域名不符）、重定向循环，或服务器返回
    /// 404、410、5xx 等错误。服务器拒绝请求但仍在工作的回应（400、401、
    /// 403、405、406、407、429，常见于需要参数或登录的接口）不算失效。
    /// 未做联网检查时本项不检查。
    ///
    /// ## 为何重要
    /// 《通知》第七条禁止在移动应用中嵌入无关链接、失效链接等存在风险的
    /// 代码，并要求及时排查清理。失效域名可能被他人注册后接管，用户或
    /// 应用访问到的内容便不再受机构控制；TLS 错误的地址还可能诱导用户
    /// 忽略证书警告。
    ///
    /// ## 示例
    /// 代码中有 `https://old-campaign.example-bank.cn/activity`，该域名已
    /// 无法解析；或 `https://api.example-bank.cn/v1/notice` 返回 404。
    ///
    /// ## 修复
    /// 删除不再使用的链接和域名；仍需使用的，修复服务器或证书；第三方 SDK
    /// 中的失效地址，升级或更换 SDK。清理后重新检测并在发布记录中留存
    /// 结果。
    ///
    /// ## 依据
    /// - 《通知》第七条（开发管理：禁止嵌入无关链接、失效链接，及时排查清理）
    ///
    /// <!-- en -->
    /// ## What it does
    /// With the live link check (`appgov scan --check-links`), reports the
    /// package's embedded http/https links and domains that are dead: the
    /// name does not resolve, the connection is refused or times out, the
    /// TLS handshake fails (untrusted, expired or mismatched certificate), the
    /// redirects loop, or the server answers 404, 410 or a 5xx error. Answers
    /// from a working server that refuses this request (400, 401, 403, 405,
    /// 406, 407, 429, usual for APIs that need parameters or a login) do not
    /// count as dead. Without the link check it checks nothing.
    ///
    /// ## Why it matters
    /// Article 7 forbids embedding risky code such as irrelevant or dead
    /// links in mobile apps and requires prompt clean-up. A lapsed domain
    /// can be registered and taken over by someone else, so what the app or
    /// its users reach is no longer under the institution's control; links
    /// with TLS errors teach users to click through certificate warnings.
    ///
    /// ## Example
    /// The code holds `https://old-campaign.example-bank.cn/activity`, whose
    /// name no longer resolves, or `https://api.example-bank.cn/v1/notice`
    /// answers 404.
    ///
    /// ## Fix
    /// Remove links and domains no longer used; fix the server or
    /// certificate of those still needed; upgrade or replace third-party SDKs
    /// that carry dead addresses. Check again after the clean-up and keep the
    /// result with the release record.
    ///
    /// ## References
    /// - Notice, article 7 (development: no irrelevant or dead links; prompt clean-up)
    pub struct DeadLinks {
        id: "PKG-044",
        name: "dead-links",
        title_zh: "失效链接",
        title_en: "Dead links",
        severity: Medium,
        articles: [7],
    }
}

/// Most dead links listed as evidence.
const MAX_EVIDENCE: usize = 50;

/// HTTP answers that show a working server refusing this particular
/// request rather than a dead link.
const ALIVE_REFUSALS: &[u16] = &[400, 401, 403, 405, 406, 407, 429];

/// Whether a result means the link is dead.
pub fn is_dead(check: &LinkCheck) -> bool {
    match check.status {
        LinkStatus::HttpError => check
            .http_status
            .is_none_or(|code| !ALIVE_REFUSALS.contains(&code)),
        LinkStatus::DnsFailure
        | LinkStatus::TlsError
        | LinkStatus::Timeout
        | LinkStatus::ConnectionRefused
        | LinkStatus::ConnectionFailed
        | LinkStatus::TooManyRedirects => true,
        LinkStatus::Ok | LinkStatus::Skipped => false,
    }
}

/// What the result says, briefly (the evidence value).
fn describe(check: &LinkCheck) -> String {
    let mut s = match (check.status, check.http_status) {
        (LinkStatus::HttpError, Some(code)) => format!("HTTP {code}"),
        (status, _) => status.as_str().to_string(),
    };
    if let Some(reason) = check
        .reason
        .as_deref()
        .filter(|_| check.status != LinkStatus::HttpError)
    {
        s.push_str(": ");
        s.push_str(reason);
    }
    s
}

impl Rule for DeadLinks {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let dead: Vec<&LinkCheck> = cx.facts.link_checks.iter().filter(|c| is_dead(c)).collect();
        if dead.is_empty() {
            return;
        }
        let endpoints = &cx.facts.endpoints;
        let ev = dead
            .iter()
            .take(MAX_EVIDENCE)
            .map(|c| {
                let list = if c.kind == "domain" {
                    &endpoints.domains
                } else {
                    &endpoints.urls
                };
                let found_in = list
                    .iter()
                    .find(|l| l.value.trim().eq_ignore_ascii_case(&c.url))
                    .map(|l| l.found_in.join(", "))
                    .filter(|s| !s.is_empty());
                Evidence::new(
                    if c.kind == "domain" { "domain" } else { "url" },
                    found_in.as_deref(),
                    format!("{} — {}", c.url, describe(c)),
                )
            })
            .collect();
        let checked = cx
            .facts
            .link_checks
            .iter()
            .filter(|c| c.status != LinkStatus::Skipped)
            .count();
        out.push(Self::META.finding(
            format!(
                "联网检查的 {checked} 个链接或域名中有 {} 个失效。",
                dead.len()
            ),
            format!(
                "{} of {checked} links or domains checked are dead.",
                dead.len()
            ),
            ev,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: LinkStatus, code: Option<u16>) -> LinkCheck {
        LinkCheck {
            url: "https://a.cn/".into(),
            kind: "url".into(),
            status,
            http_status: code,
            ..Default::default()
        }
    }

    #[test]
    fn refusals_of_a_working_server_are_not_dead() {
        assert!(is_dead(&check(LinkStatus::HttpError, Some(404))));
        assert!(is_dead(&check(LinkStatus::HttpError, Some(502))));
        assert!(is_dead(&check(LinkStatus::DnsFailure, None)));
        assert!(!is_dead(&check(LinkStatus::HttpError, Some(401))));
        assert!(!is_dead(&check(LinkStatus::HttpError, Some(405))));
        assert!(!is_dead(&check(LinkStatus::Skipped, None)));
        assert!(!is_dead(&check(LinkStatus::Ok, Some(200))));
    }
}
