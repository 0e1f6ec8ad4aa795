use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

declare_rule! {
    /// ## 检查内容
    /// 代码、资源或原生库中直接写入的公网 IP 地址（单独的 IP 字符串，或主机部分为
    /// IP 的 URL）。以下地址不报告：回环、私有网段（10/8、172.16/12、192.168/16）、
    /// 运营商级 NAT（100.64/10）、链路本地、文档示例网段（192.0.2/24、198.51.100/24、
    /// 203.0.113/24、2001:db8::/32）、基准测试、组播和保留地址；等于应用版本名的
    /// 字符串（如 `2.12.9.2`）；以及只出现在 DEX 中却没有任何代码加载的字符串
    /// （多为版本号一类的常量）。`http://` 链接的明文问题由 PKG-004 报告。
    ///
    /// ## 为何重要
    /// 直连 IP 绕过了域名：无法使用基于域名的 TLS 证书校验（证书很少签发给 IP），
    /// 服务器迁移时无法切换，也不在机构的域名备案和准入清单中，难以审计该应用
    /// 实际连接了哪些服务。《通知》第七条要求管控应用中的链接和第三方服务，第十二条
    /// 要求传输安全。
    ///
    /// ## 示例
    /// `https://47.96.12.34:8443/api/login`，或字符串常量 `"203.107.1.1"`。
    ///
    /// ## 修复
    /// 改用机构备案的域名并启用证书校验；若为 SDK 的 HTTPDNS 等固定 IP，确认供应商
    /// 及用途并登记到 SDK 台账。
    ///
    /// ## 依据
    /// - 《通知》第七条（链接与第三方服务管控）、第十二条（安全防护）
    /// - RFC 1918、RFC 6598、RFC 5737、RFC 3849（不报告的专用与文档地址段）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Finds public IP addresses written into code, resources or native
    /// libraries (a string that is only an IP, or a URL whose host is an IP).
    /// Not reported: loopback, private ranges (10/8, 172.16/12, 192.168/16),
    /// carrier-grade NAT (100.64/10), link-local, documentation ranges
    /// (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32),
    /// benchmarking, multicast and reserved addresses; strings equal to the
    /// app's version name (such as `2.12.9.2`); and strings that are only in
    /// a DEX file and loaded by no code (mostly version-like constants).
    /// Cleartext `http://` is PKG-004's subject.
    ///
    /// ## Why it matters
    /// An IP literal bypasses the domain name: name-based TLS certificate
    /// checks do not apply (certificates are rarely issued to IPs), the
    /// server cannot move without a new release, and the address is in no
    /// domain filing or allow-list, so nobody can audit what the app really
    /// talks to. Article 7 requires control of links and third-party
    /// services, article 12 security in transit.
    ///
    /// ## Example
    /// `https://47.96.12.34:8443/api/login`, or the string constant `"203.107.1.1"`.
    ///
    /// ## Fix
    /// Use the institution's filed domain names with certificate checks; for
    /// fixed IPs of an SDK (HTTPDNS and similar), confirm vendor and purpose
    /// and record them in the SDK ledger.
    ///
    /// ## References
    /// - Notice, articles 7 (links and third-party services) and 12 (security protection)
    /// - RFC 1918, RFC 6598, RFC 5737, RFC 3849 (private and documentation ranges left out)
    pub struct IpEndpoints {
        id: "PKG-042",
        name: "ip-endpoints",
        title_zh: "IP地址直连",
        title_en: "IP-literal endpoints",
        severity: Low,
        articles: [7, 12],
    }
}

/// Most addresses listed as evidence.
const MAX_IPS: usize = 30;

/// Whether an address is one a public server could have: not loopback,
/// private, shared, link-local, documentation, benchmarking, multicast or
/// reserved space (the ranges are fixed by RFCs, so they live here, not in
/// a data file).
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] == 0x2001 && s[1] == 0x0db8)) // documentation 2001:db8::/32
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0
        || ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || a >= 240
        || (a == 100 && (64..128).contains(&b)) // shared address space, RFC 6598
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // TEST-NET-1
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || (a == 198 && (b == 18 || b == 19))) // benchmarking, RFC 2544
}

fn parse(value: &str) -> Option<IpAddr> {
    if let Some(v6) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        return v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    value.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The host of a URL as the endpoint collector records it (lower case,
/// brackets kept for IPv6).
fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    if host_port.starts_with('[') {
        host_port.get(..=host_port.find(']')?)
    } else {
        host_port.split(':').next()
    }
}

impl Rule for IpEndpoints {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let e = &cx.facts.endpoints;
        let version = cx.facts.version_name.as_deref().unwrap_or("");
        let code_walked = cx.analysed("bytecode");
        let mut ev = Vec::new();
        let mut count = 0;
        for ip in &e.ips {
            let Some(addr) = parse(&ip.value) else {
                continue;
            };
            if !is_public(addr) {
                continue;
            }
            let urls: Vec<&str> = e
                .urls
                .iter()
                .filter(|u| url_host(&u.value) == Some(ip.value.as_str()))
                .map(|u| u.value.as_str())
                .collect();
            if urls.is_empty() {
                // A bare dotted quad: skip the shapes that are versions, not addresses.
                if version == ip.value || version.starts_with(&format!("{}-", ip.value)) {
                    continue;
                }
                let only_dex = ip.found_in.iter().all(|l| l.starts_with("dex:"));
                if code_walked && only_dex && ip.packages.is_empty() {
                    continue;
                }
            }
            count += 1;
            if ev.len() < MAX_IPS {
                let what = match urls.first() {
                    Some(u) => (*u).to_string(),
                    None => ip.value.clone(),
                };
                let loc = cx.endpoint_location(ip);
                ev.push(Evidence::new("ip", loc.as_deref(), what));
            }
        }
        if count == 0 {
            return;
        }
        out.push(Self::META.finding(
            format!("应用中直接写有 {count} 个公网 IP 地址。"),
            format!("The app embeds {count} public IP address(es) as endpoints."),
            ev,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_ranges_are_not_public() {
        for s in [
            "10.0.0.172",
            "127.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "100.64.0.1",
            "169.254.1.1",
            "192.0.2.10",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "224.0.0.251",
            "255.255.255.255",
            "0.0.0.0",
            "[::1]",
            "[fe80::1]",
            "[fd00::1]",
            "[2001:db8::1]",
            "[::ffff:192.168.0.1]",
        ] {
            assert!(!is_public(parse(s).unwrap()), "{s}");
        }
        for s in [
            "8.8.8.8",
            "203.107.1.1",
            "47.96.12.34",
            "[2400:3200::1]",
            "172.32.0.1",
        ] {
            assert!(is_public(parse(s).unwrap()), "{s}");
        }
    }

    #[test]
    fn url_hosts_are_read_like_the_collector_records_them() {
        assert_eq!(
            url_host("https://47.96.12.34:8443/api"),
            Some("47.96.12.34")
        );
        assert_eq!(url_host("http://u:p@1.2.3.4?x"), Some("1.2.3.4"));
        assert_eq!(
            url_host("http://[2400:3200::1]:80/"),
            Some("[2400:3200::1]")
        );
    }
}
