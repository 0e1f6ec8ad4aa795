//! The live link check: fetches the http(s) URLs a package embeds and
//! resolves its bare domains, so the check catalog can flag dead links
//! (notice article 7).
//!
//! This is an I/O crate beside the pure ones: facts in, [`LinkCheck`]
//! results out, which the caller stores in `Facts::link_checks`.
//!
//! - strict time-outs (connect, and a total per URL over all requests),
//! - a concurrency limit shared by every call on one [`LinkChecker`],
//! - HEAD, then GET when the server rejects HEAD; bodies are never read,
//! - redirects followed by hand up to a limit, loops recognised,
//! - a cache: in memory for the run (a URL that many packages embed is
//!   fetched once) and optionally a JSON file with a time to live,
//! - private, loopback and link-local addresses are not probed unless
//!   allowed ([`LinkOptions::allow_private`]), also after a redirect,
//! - no cookies, no credentials (userinfo is stripped), no proxy, a
//!   User-Agent that names appgov.

mod fetch;
mod resolve;
mod targets;

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

pub use appgov_facts::{LinkCheck, LinkStatus};
use serde::{Deserialize, Serialize};
use ureq::Agent;
use ureq::unversioned::transport::DefaultConnector;

pub use resolve::{Lookup, StaticLookup, SystemLookup, is_private};
pub use targets::{Target, host_of, targets};

/// Sent with every request, so operators can tell the checker apart.
pub const USER_AGENT: &str = concat!(
    "appgov-linkcheck/",
    env!("CARGO_PKG_VERSION"),
    " (mobile app governance; dead-link check)"
);

/// Schema of the cache file.
pub const CACHE_SCHEMA: &str = "appgov.link-cache/1";

/// The largest cache file read; a bigger one is an error, not a memory spike.
const MAX_CACHE_FILE: u64 = 64 << 20;

/// How the check runs.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// Time-out for name resolution and for establishing each connection.
    pub connect_timeout: Duration,
    /// Time-out for one URL, all its requests and redirects together.
    pub total_timeout: Duration,
    /// Most URLs fetched at the same time (at least 1).
    pub concurrency: usize,
    /// Most redirects followed per URL.
    pub max_redirects: usize,
    /// Probe private, loopback and link-local addresses too.
    pub allow_private: bool,
    /// Use only cached results; URLs not in the cache are skipped.
    pub offline: bool,
    /// How long a result in the cache file stays valid.
    pub cache_ttl: Duration,
    /// Most URLs and domains checked over the network in one run; the rest
    /// are skipped (a bound on what one hostile package can make us do).
    pub max_checks: usize,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(10),
            concurrency: 8,
            max_redirects: 5,
            allow_private: false,
            offline: false,
            cache_ttl: Duration::from_secs(24 * 3600),
            max_checks: 5000,
        }
    }
}

/// The time of the check, passed in: Unix seconds for the cache's time to
/// live and RFC 3339 for `checked_at`.
#[derive(Debug, Clone)]
pub struct Now {
    pub unix: i64,
    pub rfc3339: String,
}

/// A counting semaphore: a std mutex and condvar are enough here.
struct Permits {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Permits {
    fn acquire(&self) -> PermitGuard<'_> {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        PermitGuard(self)
    }
}

struct PermitGuard<'a>(&'a Permits);

impl Drop for PermitGuard<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.freed.notify_one();
    }
}

/// One result in the cache file.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CacheEntry {
    key: String,
    checked_unix: i64,
    result: LinkCheck,
}

#[derive(Debug, Serialize, Deserialize)]
struct CacheFile {
    schema: String,
    entries: Vec<CacheEntry>,
}

/// Counts of one run, for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// URLs fetched and domains resolved over the network.
    pub fetched: u64,
    /// Results taken from the cache file.
    pub from_cache_file: u64,
}

/// Checks links; one per run, shared by every package (its memo and
/// concurrency limit span them all).
pub struct LinkChecker {
    options: LinkOptions,
    agent: Agent,
    lookup: Arc<dyn Lookup>,
    permits: Permits,
    /// Per key, the result of this run; a second caller of the same key
    /// waits for the first instead of fetching again.
    memo: Mutex<HashMap<String, Arc<OnceLock<LinkCheck>>>>,
    /// Results from the cache file and of this run, by key.
    stored: Mutex<HashMap<String, CacheEntry>>,
    checks_started: AtomicUsize,
    fetched: AtomicU64,
    from_cache_file: AtomicU64,
}

impl LinkChecker {
    /// A checker that resolves names with the operating system's resolver.
    pub fn new(options: LinkOptions) -> Self {
        let lookup = SystemLookup {
            timeout: options.connect_timeout,
        };
        Self::with_lookup(options, Arc::new(lookup))
    }

    /// A checker that resolves names only through `lookup`.
    pub fn with_lookup(options: LinkOptions, lookup: Arc<dyn Lookup>) -> Self {
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(USER_AGENT)
            .proxy(None)
            .timeout_connect(Some(options.connect_timeout))
            .timeout_global(Some(options.total_timeout))
            .max_response_header_size(64 * 1024)
            .build();
        let resolver = resolve::GuardedResolver {
            lookup: lookup.clone(),
            allow_private: options.allow_private,
        };
        let agent = Agent::with_parts(config, DefaultConnector::new(), resolver);
        let permits = Permits {
            free: Mutex::new(options.concurrency.max(1)),
            freed: Condvar::new(),
        };
        LinkChecker {
            options,
            agent,
            lookup,
            permits,
            memo: Mutex::new(HashMap::new()),
            stored: Mutex::new(HashMap::new()),
            checks_started: AtomicUsize::new(0),
            fetched: AtomicU64::new(0),
            from_cache_file: AtomicU64::new(0),
        }
    }

    pub fn options(&self) -> &LinkOptions {
        &self.options
    }

    pub fn stats(&self) -> Stats {
        Stats {
            fetched: self.fetched.load(Ordering::Relaxed),
            from_cache_file: self.from_cache_file.load(Ordering::Relaxed),
        }
    }

    /// Reads a cache file written by [`LinkChecker::save_cache`]; entries
    /// older than the time to live are dropped. A missing file is an empty
    /// cache. Returns how many entries are still valid.
    pub fn load_cache(&self, path: &Path, now: &Now) -> io::Result<usize> {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        if meta.len() > MAX_CACHE_FILE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("link cache larger than {} MiB", MAX_CACHE_FILE >> 20),
            ));
        }
        let text = std::fs::read(path)?;
        let file: CacheFile = serde_json::from_slice(&text)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        if file.schema != CACHE_SCHEMA {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "link cache schema {:?}, expected {CACHE_SCHEMA}",
                    file.schema
                ),
            ));
        }
        let mut stored = self.stored.lock().unwrap_or_else(|e| e.into_inner());
        let mut kept = 0;
        for entry in file.entries {
            if self.fresh(&entry, now) {
                stored.insert(entry.key.clone(), entry);
                kept += 1;
            }
        }
        Ok(kept)
    }

    /// Writes every valid result (loaded or new) to `path`, replacing it
    /// atomically.
    pub fn save_cache(&self, path: &Path, now: &Now) -> io::Result<()> {
        let mut entries: Vec<CacheEntry> = self
            .stored
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|e| self.fresh(e, now))
            .cloned()
            .collect();
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        let file = CacheFile {
            schema: CACHE_SCHEMA.into(),
            entries,
        };
        let json = serde_json::to_vec_pretty(&file).map_err(io::Error::other)?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, path)
    }

    fn fresh(&self, entry: &CacheEntry, now: &Now) -> bool {
        let age = now.unix.saturating_sub(entry.checked_unix);
        let ttl = i64::try_from(self.options.cache_ttl.as_secs()).unwrap_or(i64::MAX);
        (0..ttl).contains(&age)
    }

    /// Checks every target with up to `concurrency` at a time and returns
    /// the results in the targets' order. `done` is called once per result
    /// (for progress).
    pub fn check(
        &self,
        targets: &[Target],
        now: &Now,
        done: &(dyn Fn(&LinkCheck) + Sync),
    ) -> Vec<LinkCheck> {
        let results: Mutex<Vec<Option<LinkCheck>>> = Mutex::new(vec![None; targets.len()]);
        let next = AtomicUsize::new(0);
        let workers = self.options.concurrency.clamp(1, targets.len().max(1));
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(target) = targets.get(i) else { break };
                        let result = self.check_one(target, now);
                        done(&result);
                        results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .into_iter()
            .zip(targets)
            .map(|(r, t)| {
                r.unwrap_or_else(|| {
                    targets::skipped(t.value(), t.kind(), "not checked", &now.rfc3339)
                })
            })
            .collect()
    }

    /// Checks the targets of one package and stores the results in its
    /// facts (sorted by URL), adding `links` to `analysed`.
    pub fn check_facts(
        &self,
        facts: &mut appgov_facts::Facts,
        now: &Now,
        done: &(dyn Fn(&LinkCheck) + Sync),
    ) {
        let list = targets(facts);
        let mut results = self.check(&list, now, done);
        results.sort_by(|a, b| a.url.cmp(&b.url).then_with(|| a.kind.cmp(&b.kind)));
        facts.link_checks = results;
        if !facts.analysed.iter().any(|a| a == "links") {
            facts.analysed.push("links".into());
        }
    }

    /// One target, through the run's memo.
    pub fn check_one(&self, target: &Target, now: &Now) -> LinkCheck {
        if let Target::Skip { url, reason } = target {
            return targets::skipped(url, "url", reason, &now.rfc3339);
        }
        let key = target.key();
        let cell = self
            .memo
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.clone())
            .or_default()
            .clone();
        cell.get_or_init(|| self.check_uncached(target, &key, now))
            .clone()
    }

    fn check_uncached(&self, target: &Target, key: &str, now: &Now) -> LinkCheck {
        if let Some(entry) = self
            .stored
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .filter(|e| self.fresh(e, now))
        {
            self.from_cache_file.fetch_add(1, Ordering::Relaxed);
            return entry.result.clone();
        }
        let skip =
            |reason: &str| targets::skipped(target.value(), target.kind(), reason, &now.rfc3339);
        if self.options.offline {
            return skip("offline: no cached result");
        }
        if self.checks_started.fetch_add(1, Ordering::Relaxed) >= self.options.max_checks {
            return skip("limit of link checks per run reached");
        }
        let result = {
            let _permit = self.permits.acquire();
            self.fetched.fetch_add(1, Ordering::Relaxed);
            match target {
                Target::Url(url) => fetch::Fetch {
                    agent: &self.agent,
                    total: self.options.total_timeout,
                    max_redirects: self.options.max_redirects,
                }
                .check(url, &now.rfc3339),
                Target::Domain(domain) => self.resolve_domain(domain, &now.rfc3339),
                Target::Skip { .. } => skip("not checked"),
            }
        };
        // Skips depend on this run's options, not on the link: not stored.
        if result.status != LinkStatus::Skipped {
            self.stored
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(
                    key.to_string(),
                    CacheEntry {
                        key: key.to_string(),
                        checked_unix: now.unix,
                        result: result.clone(),
                    },
                );
        }
        result
    }

    /// A bare domain: only whether the name resolves (resolving probes no
    /// host, so private answers are fine here).
    fn resolve_domain(&self, domain: &str, checked_at: &str) -> LinkCheck {
        let start = std::time::Instant::now();
        let (status, reason) = match domain.parse::<std::net::IpAddr>() {
            Ok(_) => (
                LinkStatus::Skipped,
                Some("an IP address, not a name".into()),
            ),
            Err(_) => match self
                .lookup
                .lookup(domain, 443, self.options.connect_timeout)
            {
                Ok(addrs) if !addrs.is_empty() => (LinkStatus::Ok, None),
                Err(e) if e.kind() == io::ErrorKind::TimedOut => (
                    LinkStatus::Timeout,
                    Some("name resolution timed out".into()),
                ),
                _ => (LinkStatus::DnsFailure, Some("name does not resolve".into())),
            },
        };
        LinkCheck {
            url: domain.to_string(),
            kind: "domain".into(),
            status,
            reason,
            elapsed_ms: u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
            checked_at: checked_at.to_string(),
            ..Default::default()
        }
    }
}
