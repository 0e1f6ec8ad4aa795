//! Name resolution: injectable (tests resolve only the names they map), with
//! a time-out, and with private, loopback and link-local addresses left out
//! unless allowed, so an app's `http://192.168.1.1/` never makes the scanner
//! probe the institution's own network.
//!
//! The filter sits in the resolver that the HTTP client connects through, so
//! it also applies to every redirect hop, and the addresses checked are the
//! addresses connected to.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// Turns a host name into addresses.
pub trait Lookup: Send + Sync + 'static {
    /// Addresses of `host` (a name, never an IP literal) with `port`, within
    /// `timeout` (an error of kind `TimedOut` after it); an error or an
    /// empty list means the name does not resolve.
    fn lookup(&self, host: &str, port: u16, timeout: Duration) -> io::Result<Vec<SocketAddr>>;
}

/// The operating system's resolver (`getaddrinfo`), bounded by a time-out
/// (the smaller of `timeout` and the caller's):
/// the lookup runs on its own thread, which is abandoned when it takes too
/// long (getaddrinfo cannot be cancelled).
#[derive(Debug, Clone)]
pub struct SystemLookup {
    pub timeout: Duration,
}

impl Lookup for SystemLookup {
    fn lookup(&self, host: &str, port: u16, timeout: Duration) -> io::Result<Vec<SocketAddr>> {
        let (tx, rx) = mpsc::sync_channel(1);
        let name = format!("{host}:{port}");
        std::thread::Builder::new()
            .name("appgov-dns".into())
            .spawn(move || {
                let _ = tx.send(name.to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
            })?;
        match rx.recv_timeout(self.timeout.min(timeout)) {
            Ok(result) => result,
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "name resolution timed out",
            )),
        }
    }
}

/// A fixed table of names: every other name fails to resolve. For tests
/// (no DNS query ever leaves the machine) and for checks against a staging
/// environment.
#[derive(Debug, Clone, Default)]
pub struct StaticLookup {
    names: HashMap<String, Vec<IpAddr>>,
}

impl StaticLookup {
    pub fn new() -> Self {
        Self::default()
    }
    /// Maps `host` (case-insensitive) to `ip`; may be called again to add addresses.
    pub fn with(mut self, host: &str, ip: IpAddr) -> Self {
        self.names
            .entry(host.to_ascii_lowercase())
            .or_default()
            .push(ip);
        self
    }
}

impl Lookup for StaticLookup {
    fn lookup(&self, host: &str, port: u16, _timeout: Duration) -> io::Result<Vec<SocketAddr>> {
        match self.names.get(&host.to_ascii_lowercase()) {
            Some(ips) => Ok(ips.iter().map(|ip| SocketAddr::new(*ip, port)).collect()),
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{host} is not in the lookup table"),
            )),
        }
    }
}

/// Whether an address is not on the public internet: loopback, private
/// (RFC 1918, unique local), link-local, shared (CGNAT), unspecified,
/// multicast, broadcast, benchmarking or reserved.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_v4(v4);
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (first & 0xffc0) == 0xfec0 // old site-local fec0::/10
        }
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space 100.64/10
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
        || a >= 240 // reserved
}

/// The error a lookup gives when every address was private and such
/// addresses are not allowed.
#[derive(Debug)]
pub(crate) struct PrivateAddress(pub String);

impl fmt::Display for PrivateAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} resolves only to private or loopback addresses",
            self.0
        )
    }
}

impl std::error::Error for PrivateAddress {}

/// The resolver the HTTP client uses: IP literals as they are, names
/// through the [`Lookup`], then the private-address filter.
#[derive(Clone)]
pub(crate) struct GuardedResolver {
    pub lookup: Arc<dyn Lookup>,
    pub allow_private: bool,
}

impl fmt::Debug for GuardedResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuardedResolver")
            .field("allow_private", &self.allow_private)
            .finish()
    }
}

impl GuardedResolver {
    /// The addresses to connect to for `host:port`.
    pub fn addresses(
        &self,
        host: &str,
        port: u16,
        timeout: Duration,
    ) -> Result<Vec<SocketAddr>, ureq::Error> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let all = match bare.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => match self.lookup.lookup(bare, port, timeout) {
                Ok(a) if !a.is_empty() => a,
                Ok(_) => return Err(ureq::Error::HostNotFound),
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                    return Err(ureq::Error::Timeout(ureq::Timeout::Resolve));
                }
                Err(_) => return Err(ureq::Error::HostNotFound),
            },
        };
        if self.allow_private {
            return Ok(all);
        }
        let public: Vec<SocketAddr> = all.into_iter().filter(|a| !is_private(a.ip())).collect();
        if public.is_empty() {
            return Err(ureq::Error::Io(io::Error::new(
                io::ErrorKind::PermissionDenied,
                PrivateAddress(bare.to_string()),
            )));
        }
        Ok(public)
    }
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        _config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri
            .host()
            .ok_or_else(|| ureq::Error::BadUri(format!("no host in {uri}")))?;
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            });
        let mut out = self.empty();
        // The time left of the request's budget (the per-URL total).
        let within = *timeout.after;
        for addr in self.addresses(host, port, within)?.into_iter().take(16) {
            out.push(addr);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(1);

    #[test]
    fn private_ranges_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:192.168.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip} is private");
        }
        for ip in ["8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:4860::8888"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip} is public");
        }
    }

    #[test]
    fn names_resolving_only_to_private_addresses_are_refused() {
        let r = GuardedResolver {
            lookup: Arc::new(
                StaticLookup::new()
                    .with("intranet.bank", "192.168.7.7".parse().unwrap())
                    .with("mixed.bank", "10.0.0.1".parse().unwrap())
                    .with("mixed.bank", "203.0.113.9".parse().unwrap()),
            ),
            allow_private: false,
        };
        assert!(matches!(
            r.addresses("intranet.bank", 80, T),
            Err(ureq::Error::Io(e)) if e.kind() == io::ErrorKind::PermissionDenied
        ));
        assert!(r.addresses("127.0.0.1", 80, T).is_err());
        assert_eq!(
            r.addresses("mixed.bank", 443, T).unwrap(),
            vec!["203.0.113.9:443".parse().unwrap()]
        );
        assert!(matches!(
            r.addresses("unknown.bank", 80, T),
            Err(ureq::Error::HostNotFound)
        ));
    }
}
