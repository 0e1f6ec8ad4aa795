//! The link check against real servers on loopback. Names resolve only
//! through a `StaticLookup` that maps test names to 127.0.0.1, so no test
//! sends a DNS query or a packet beyond this machine.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use appgov_links::{LinkCheck, LinkChecker, LinkOptions, LinkStatus, Now, StaticLookup, Target};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn now(unix: i64) -> Now {
    Now {
        unix,
        rfc3339: "2026-12-01T08:00:00Z".into(),
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

/// A tiny HTTP/1.1 server on 127.0.0.1: one request per connection, routes
/// below, every request recorded, the most simultaneous requests counted.
/// Written here rather than taken from a crate because the tests need
/// misbehaviour (loops, silence, endless bodies) that servers avoid.
struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Seen>>>,
    max_active: Arc<AtomicUsize>,
    body_bytes_sent: Arc<AtomicU64>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind((LOCALHOST, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let active = Arc::new(AtomicUsize::new(0));
        let max_active = Arc::new(AtomicUsize::new(0));
        let body_bytes_sent = Arc::new(AtomicU64::new(0));
        let (stop2, seen2, max2, sent2) = (
            stop.clone(),
            seen.clone(),
            max_active.clone(),
            body_bytes_sent.clone(),
        );
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (seen, active, max, sent) =
                    (seen2.clone(), active.clone(), max2.clone(), sent2.clone());
                thread::spawn(move || {
                    let n = active.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(n, Ordering::SeqCst);
                    let _ = serve(stream, addr, &seen, &sent);
                    active.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Server {
            addr,
            stop,
            seen,
            max_active,
            body_bytes_sent,
        }
    }

    fn url(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{path}", self.addr.port())
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so its thread ends.
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(
    stream: TcpStream,
    addr: SocketAddr,
    seen: &Mutex<Vec<Seen>>,
    sent: &AtomicU64,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    for _ in 0..100 {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    if method.is_empty() {
        return Ok(()); // the wake-up connection
    }
    seen.lock().unwrap().push(Seen {
        method: method.clone(),
        path: path.clone(),
        headers,
    });
    let mut out = stream;
    let route = path.split('?').next().unwrap_or("");
    let origin = format!("http://{addr}");
    let (status, extra): (&str, String) = match route {
        "/ok" => ("200 OK", "Set-Cookie: session=secret\r\n".into()),
        "/missing" => ("404 Not Found", String::new()),
        "/error" => ("500 Internal Server Error", String::new()),
        "/nohead" if method == "HEAD" => ("405 Method Not Allowed", String::new()),
        "/nohead" => ("200 OK", String::new()),
        "/r1" => ("302 Found", "Location: /r2\r\n".into()),
        "/r2" => (
            "301 Moved Permanently",
            format!("Location: {origin}/ok\r\n"),
        ),
        "/loop-a" => ("302 Found", "Location: /loop-b\r\n".into()),
        "/loop-b" => ("302 Found", "Location: loop-a\r\n".into()),
        "/slow" => {
            thread::sleep(Duration::from_millis(300));
            ("200 OK", String::new())
        }
        "/big" if method == "HEAD" => ("405 Method Not Allowed", String::new()),
        "/big" => {
            // Announces a gigabyte and streams until the client hangs up.
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\nConnection: close\r\n\r\n"
            )?;
            let chunk = vec![b'x'; 64 * 1024];
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                out.write_all(&chunk)?;
                sent.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            }
            return Ok(());
        }
        _ => ("404 Not Found", String::new()),
    };
    write!(
        out,
        "HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    out.flush()
}

/// A server that accepts connections and never answers.
struct Silent {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Silent {
    fn start() -> Silent {
        let listener = TcpListener::bind((LOCALHOST, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                held.push(stream);
            }
        });
        Silent { addr, stop }
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

/// A TLS server with a self-signed certificate for `localhost`: the
/// checker, trusting only the public roots, must refuse it.
fn start_self_signed_tls() -> SocketAddr {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let der = cert.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der], key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind((LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        // Bounded: the test makes one or two connections.
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let Ok(mut conn) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::Stream::new(&mut conn, &mut stream);
            let mut buf = [0u8; 1024];
            let _ = tls.read(&mut buf);
        }
    });
    addr
}

fn options() -> LinkOptions {
    LinkOptions {
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(3),
        concurrency: 4,
        allow_private: true,
        ..LinkOptions::default()
    }
}

fn checker(options: LinkOptions) -> LinkChecker {
    let lookup = StaticLookup::new()
        .with("app.test", LOCALHOST)
        .with("localhost", LOCALHOST);
    LinkChecker::with_lookup(options, Arc::new(lookup))
}

fn one(c: &LinkChecker, url: &str) -> LinkCheck {
    c.check_one(&Target::Url(url.into()), &now(1_000_000))
}

#[test]
fn statuses_of_live_and_dead_links() {
    let s = Server::start();
    let c = checker(options());

    let ok = one(&c, &s.url("app.test", "/ok"));
    assert_eq!(ok.status, LinkStatus::Ok, "{ok:?}");
    assert_eq!(ok.http_status, Some(200));
    assert_eq!(ok.checked_at, "2026-12-01T08:00:00Z");

    let missing = one(&c, &s.url("app.test", "/missing"));
    assert_eq!(missing.status, LinkStatus::HttpError);
    assert_eq!(missing.http_status, Some(404));

    let error = one(&c, &s.url("app.test", "/error"));
    assert_eq!(error.status, LinkStatus::HttpError);
    assert_eq!(error.http_status, Some(500));

    // HEAD refused with 405, GET answers: alive, and both requests were made.
    let nohead = one(&c, &s.url("app.test", "/nohead"));
    assert_eq!(nohead.status, LinkStatus::Ok, "{nohead:?}");
    let methods: Vec<String> = s
        .requests()
        .into_iter()
        .filter(|r| r.path == "/nohead")
        .map(|r| r.method)
        .collect();
    assert_eq!(methods, ["HEAD", "GET"]);

    let dns = one(&c, "http://nowhere.test/");
    assert_eq!(dns.status, LinkStatus::DnsFailure, "{dns:?}");
}

#[test]
fn redirects_are_followed_recorded_and_loops_stop() {
    let s = Server::start();
    let c = checker(options());
    let chain = one(&c, &s.url("app.test", "/r1"));
    assert_eq!(chain.status, LinkStatus::Ok, "{chain:?}");
    assert_eq!(
        chain.redirects,
        vec![
            s.url("app.test", "/r2"),
            format!("http://127.0.0.1:{}/ok", s.addr.port())
        ]
    );
    assert_eq!(chain.final_url, chain.redirects.last().cloned());

    let looping = one(&c, &s.url("app.test", "/loop-a"));
    assert_eq!(looping.status, LinkStatus::TooManyRedirects, "{looping:?}");
    assert_eq!(looping.reason.as_deref(), Some("redirect loop"));
    // a → b, and b leads back to a: two requests, then it stops.
    let n = s
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/loop"))
        .count();
    assert_eq!(n, 2);

    let limited = checker(LinkOptions {
        max_redirects: 1,
        ..options()
    });
    let r = one(&limited, &s.url("app.test", "/r1"));
    assert_eq!(r.status, LinkStatus::TooManyRedirects);
}

#[test]
fn a_silent_server_times_out_within_the_limit() {
    let silent = Silent::start();
    let c = checker(LinkOptions {
        total_timeout: Duration::from_secs(1),
        ..options()
    });
    let start = Instant::now();
    let r = one(&c, &format!("http://app.test:{}/", silent.addr.port()));
    let elapsed = start.elapsed();
    eprintln!("silent server: timed out after {elapsed:?} (limit 1 s)");
    assert_eq!(r.status, LinkStatus::Timeout, "{r:?}");
    assert!(elapsed < Duration::from_millis(2500), "took {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(900), "took {elapsed:?}");
    assert!(
        r.elapsed_ms >= 900 && r.elapsed_ms < 2500,
        "{}",
        r.elapsed_ms
    );
}

#[test]
fn a_closed_port_is_connection_refused() {
    let port = {
        let l = TcpListener::bind((LOCALHOST, 0)).unwrap();
        l.local_addr().unwrap().port()
    };
    let c = checker(options());
    let r = one(&c, &format!("http://app.test:{port}/"));
    assert_eq!(r.status, LinkStatus::ConnectionRefused, "{r:?}");
}

#[test]
fn a_self_signed_certificate_is_a_tls_error() {
    let addr = start_self_signed_tls();
    let c = checker(options());
    let r = one(&c, &format!("https://localhost:{}/", addr.port()));
    assert_eq!(r.status, LinkStatus::TlsError, "{r:?}");
    let reason = r.reason.unwrap_or_default();
    assert!(reason.to_lowercase().contains("certificate"), "{reason}");
}

#[test]
fn bodies_are_not_downloaded() {
    let s = Server::start();
    let c = checker(options());
    let start = Instant::now();
    let r = one(&c, &s.url("app.test", "/big"));
    assert_eq!(r.status, LinkStatus::Ok, "{r:?}");
    assert!(start.elapsed() < Duration::from_secs(2));
    // Let the server notice the closed connection.
    thread::sleep(Duration::from_millis(300));
    let sent = s.body_bytes_sent.load(Ordering::SeqCst);
    assert!(sent < 32 << 20, "server pushed {sent} bytes");
}

#[test]
fn private_addresses_are_not_probed_unless_allowed() {
    let s = Server::start();
    let guarded = checker(LinkOptions {
        allow_private: false,
        ..options()
    });
    for url in [s.url("app.test", "/ok"), s.url("127.0.0.1", "/ok")] {
        let r = one(&guarded, &url);
        assert_eq!(r.status, LinkStatus::Skipped, "{r:?}");
        assert!(r.reason.unwrap_or_default().contains("private"));
    }
    assert!(s.requests().is_empty(), "a private address was probed");
    // A bare domain is only resolved, which probes nothing.
    let d = guarded.check_one(&Target::Domain("app.test".into()), &now(1));
    assert_eq!(d.status, LinkStatus::Ok);
    let d = guarded.check_one(&Target::Domain("nowhere.test".into()), &now(1));
    assert_eq!(d.status, LinkStatus::DnsFailure);
}

#[test]
fn no_cookies_no_credentials_and_an_appgov_user_agent() {
    let s = Server::start();
    let c = checker(options());
    one(&c, &s.url("app.test", "/ok")); // sets a cookie
    let with_userinfo = format!("http://user:secret@app.test:{}/missing", s.addr.port());
    one(&c, &with_userinfo);
    let seen = s.requests();
    assert_eq!(seen.len(), 3);
    for r in &seen {
        let ua = r.headers.iter().find(|(k, _)| k == "user-agent");
        assert!(
            ua.is_some_and(|(_, v)| v.starts_with("appgov-linkcheck/")),
            "{r:?}"
        );
        assert!(
            !r.headers
                .iter()
                .any(|(k, _)| k == "cookie" || k == "authorization"),
            "{r:?}"
        );
    }
}

#[test]
fn the_cache_saves_requests_within_a_run_and_across_runs() {
    let s = Server::start();
    let targets = vec![
        Target::Url(s.url("app.test", "/ok")),
        Target::Url(s.url("app.test", "/missing")),
        Target::Url(s.url("app.test", "/ok")),
    ];
    let c = checker(options());
    let first = c.check(&targets, &now(1_000), &|_| {});
    // HEAD /ok once despite two mentions; HEAD and GET /missing.
    assert_eq!(s.requests().len(), 3);
    let second = c.check(&targets, &now(1_010), &|_| {});
    assert_eq!(
        s.requests().len(),
        3,
        "second check in the run fetched again"
    );
    assert_eq!(first, second);

    let dir = std::env::temp_dir().join(format!("appgov-links-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cache.json");
    c.save_cache(&path, &now(1_010)).unwrap();

    // A new run within the time to live: nothing fetched.
    let ttl = Duration::from_secs(3600);
    let next_run = checker(LinkOptions {
        cache_ttl: ttl,
        ..options()
    });
    assert_eq!(next_run.load_cache(&path, &now(2_000)).unwrap(), 2);
    let third = next_run.check(&targets, &now(2_000), &|_| {});
    assert_eq!(
        s.requests().len(),
        3,
        "a fresh cache entry was fetched again"
    );
    assert_eq!(third[1].status, LinkStatus::HttpError);
    assert_eq!(next_run.stats().from_cache_file, 2);
    assert_eq!(next_run.stats().fetched, 0);

    // Past the time to live the entries are dropped and fetched again.
    let late = checker(LinkOptions {
        cache_ttl: ttl,
        ..options()
    });
    assert_eq!(late.load_cache(&path, &now(1_000 + 3_600 + 1)).unwrap(), 0);
    late.check(&targets, &now(1_000 + 3_601), &|_| {});
    assert_eq!(s.requests().len(), 6);

    // Offline: only the cache answers.
    let offline = checker(LinkOptions {
        offline: true,
        ..options()
    });
    let r = offline.check_one(&Target::Url(s.url("app.test", "/error")), &now(1));
    assert_eq!(r.status, LinkStatus::Skipped);
    assert_eq!(s.requests().len(), 6);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn concurrency_is_limited() {
    let s = Server::start();
    let targets: Vec<Target> = (0..9)
        .map(|i| Target::Url(s.url("app.test", &format!("/slow?i={i}"))))
        .collect();
    let c = checker(LinkOptions {
        concurrency: 3,
        ..options()
    });
    let done = AtomicUsize::new(0);
    let start = Instant::now();
    let results = c.check(&targets, &now(1), &|_| {
        done.fetch_add(1, Ordering::SeqCst);
    });
    let elapsed = start.elapsed();
    let max = s.max_active.load(Ordering::SeqCst);
    eprintln!("9 slow URLs, concurrency 3: {elapsed:?}, at most {max} at once");
    assert!(results.iter().all(|r| r.status == LinkStatus::Ok));
    assert_eq!(done.load(Ordering::SeqCst), 9);
    assert!(max <= 3, "{max} requests at once");
    assert!(max >= 2, "no parallelism: {max}");
    // 9 × 300 ms in three lanes: about 900 ms, far below 2.7 s in series.
    assert!(elapsed < Duration::from_millis(2400), "took {elapsed:?}");

    // The limit spans calls: two packages checked at the same time.
    let s2 = Server::start();
    let c = checker(LinkOptions {
        concurrency: 2,
        ..options()
    });
    let a: Vec<Target> = (0..4)
        .map(|i| Target::Url(s2.url("app.test", &format!("/slow?a={i}"))))
        .collect();
    let b: Vec<Target> = (0..4)
        .map(|i| Target::Url(s2.url("app.test", &format!("/slow?b={i}"))))
        .collect();
    thread::scope(|scope| {
        scope.spawn(|| c.check(&a, &now(1), &|_| {}));
        scope.spawn(|| c.check(&b, &now(1), &|_| {}));
    });
    let max = s2.max_active.load(Ordering::SeqCst);
    assert!(max <= 2, "{max} requests at once across calls");
}
