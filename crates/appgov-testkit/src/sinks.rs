//! Protocol sinks on loopback for the notification tests: a small SMTP
//! server and a small HTTP server that record what they receive and answer
//! what the test tells them to. Real protocols over real sockets, so the
//! code under test runs exactly as in production; std only.
//!
//! Both listen on `127.0.0.1` on an ephemeral port, serve each connection
//! on its own thread, and stop when dropped.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long a sink waits for a client before giving up on the connection.
const IDLE: Duration = Duration::from_secs(30);
/// Largest request or message a sink accepts.
const MAX_BODY: usize = 16 << 20;

/// Accepts connections until `stop` is set (the owner connects once more
/// to wake the accept).
fn serve(
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    handle: impl Fn(TcpStream) + Send + Sync + 'static,
) {
    let handle = Arc::new(handle);
    thread::spawn(move || {
        for conn in listener.incoming() {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let Ok(conn) = conn else { continue };
            let _ = conn.set_read_timeout(Some(IDLE));
            let _ = conn.set_write_timeout(Some(IDLE));
            let handle = handle.clone();
            thread::spawn(move || handle(conn));
        }
    });
}

fn wake(addr: SocketAddr) {
    let _ = TcpStream::connect_timeout(&addr, Duration::from_millis(200));
}

/// Records, with a condition variable to wait on.
struct Log<T> {
    items: Mutex<Vec<T>>,
    added: Condvar,
}

impl<T: Clone> Log<T> {
    fn new() -> Self {
        Log {
            items: Mutex::new(Vec::new()),
            added: Condvar::new(),
        }
    }

    fn push(&self, item: T) {
        self.items.lock().unwrap().push(item);
        self.added.notify_all();
    }

    fn all(&self) -> Vec<T> {
        self.items.lock().unwrap().clone()
    }

    fn wait_for(&self, n: usize, timeout: Duration) -> Vec<T> {
        let deadline = Instant::now() + timeout;
        let mut items = self.items.lock().unwrap();
        while items.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            items = self.added.wait_timeout(items, left).unwrap().0;
        }
        items.clone()
    }
}

// ---------------------------------------------------------------- SMTP ----

/// One message as the SMTP sink received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The EHLO/HELO argument.
    pub helo: String,
    /// `(mechanism, username, password)` when the client authenticated.
    pub auth: Option<(String, String, String)>,
    /// The MAIL FROM address (without `<>` and parameters).
    pub mail_from: String,
    /// Every RCPT TO address, in order.
    pub rcpt_to: Vec<String>,
    /// The message as sent after DATA, dot-unstuffed, CRLF line ends.
    pub data: Vec<u8>,
}

impl ReceivedMail {
    /// The message as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }

    /// The value of the first header `name` (case-insensitive), unfolded,
    /// still encoded as sent.
    pub fn header(&self, name: &str) -> Option<String> {
        let text = self.text();
        let head = text.split("\r\n\r\n").next().unwrap_or("");
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with([' ', '\t']) {
                    v.push_str(line);
                    continue;
                }
                break;
            }
            if let Some((n, v)) = line.split_once(':')
                && n.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim_start().to_string());
            }
        }
        value
    }

    /// The body after the header block, as sent (still transfer-encoded).
    pub fn raw_body(&self) -> String {
        let text = self.text();
        text.split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default()
    }
}

/// At which command the SMTP sink answers with a chosen reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpStage {
    /// `MAIL FROM`.
    Mail,
    /// Every `RCPT TO`.
    Rcpt,
    /// The end of DATA (the final `.`).
    Data,
}

#[derive(Default)]
struct SmtpSettings {
    /// Credentials the sink demands (`AUTH` is offered only then).
    auth: Option<(String, String)>,
    /// A reply to give instead of `250` at one stage.
    fail: Option<(SmtpStage, u16, String)>,
}

/// A small SMTP server: EHLO/HELO, AUTH PLAIN and LOGIN (when credentials
/// are set), MAIL, RCPT, DATA, RSET, NOOP, QUIT. No STARTTLS (std only):
/// tests of TLS need their own server.
pub struct SmtpSink {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    settings: Arc<Mutex<SmtpSettings>>,
    log: Arc<Log<ReceivedMail>>,
}

impl SmtpSink {
    /// A sink that accepts everything without authentication.
    pub fn start() -> SmtpSink {
        Self::start_with(None)
    }

    /// A sink that offers AUTH PLAIN and LOGIN and accepts only these
    /// credentials (MAIL before a successful AUTH is refused with 530).
    pub fn with_auth(user: &str, password: &str) -> SmtpSink {
        Self::start_with(Some((user.to_string(), password.to_string())))
    }

    fn start_with(auth: Option<(String, String)>) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the SMTP sink");
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let settings = Arc::new(Mutex::new(SmtpSettings { auth, fail: None }));
        let log = Arc::new(Log::new());
        let (s, l) = (settings.clone(), log.clone());
        serve(listener, stop.clone(), move |conn| {
            let _ = smtp_session(conn, &s, &l);
        });
        SmtpSink {
            addr,
            stop,
            settings,
            log,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// From now on, answer `code text` at `stage` (until [`Self::succeed`]).
    pub fn fail_at(&self, stage: SmtpStage, code: u16, text: &str) {
        self.settings.lock().unwrap().fail = Some((stage, code, text.to_string()));
    }

    /// Back to accepting everything.
    pub fn succeed(&self) {
        self.settings.lock().unwrap().fail = None;
    }

    /// Every message accepted so far.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.log.all()
    }

    /// Waits until `n` messages have been accepted (or `timeout`), and
    /// returns what there is.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        self.log.wait_for(n, timeout)
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        wake(self.addr);
    }
}

fn smtp_session(
    conn: TcpStream,
    settings: &Mutex<SmtpSettings>,
    log: &Log<ReceivedMail>,
) -> std::io::Result<()> {
    let mut out = conn.try_clone()?;
    let mut reader = BufReader::new(conn);
    let mut reply = |text: &str| -> std::io::Result<()> {
        out.write_all(text.as_bytes())?;
        out.write_all(b"\r\n")?;
        out.flush()
    };
    reply("220 appgov-testkit SMTP sink ready")?;
    let mut helo = String::new();
    let mut auth: Option<(String, String, String)> = None;
    let mut mail_from: Option<String> = None;
    let mut rcpt_to: Vec<String> = Vec::new();
    loop {
        let Some(line) = read_line(&mut reader)? else {
            return Ok(());
        };
        let upper = line.to_ascii_uppercase();
        let (required, failure) = {
            let s = settings.lock().unwrap();
            (s.auth.clone(), s.fail.clone())
        };
        let fail_at = |stage: SmtpStage| match &failure {
            Some((st, code, text)) if *st == stage => Some(format!("{code} {text}")),
            _ => None,
        };
        if upper.starts_with("EHLO ") || upper.starts_with("HELO ") {
            helo = line[5..].trim().to_string();
            mail_from = None;
            rcpt_to.clear();
            if upper.starts_with("HELO") {
                reply("250 appgov-testkit")?;
            } else if required.is_some() {
                reply("250-appgov-testkit")?;
                reply("250-8BITMIME")?;
                reply("250 AUTH PLAIN LOGIN")?;
            } else {
                reply("250-appgov-testkit")?;
                reply("250 8BITMIME")?;
            }
        } else if upper.starts_with("AUTH ") {
            let Some((user, pass)) = required.clone() else {
                reply("502 AUTH not offered")?;
                continue;
            };
            let mut words = line.split_whitespace().skip(1);
            let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
            let initial = words.next().map(str::to_string);
            let got = match mechanism.as_str() {
                "PLAIN" => {
                    let b64 = match initial {
                        Some(i) => i,
                        None => {
                            reply("334 ")?;
                            read_line(&mut reader)?.unwrap_or_default()
                        }
                    };
                    let raw = base64_decode(b64.trim()).unwrap_or_default();
                    let parts: Vec<&[u8]> = raw.split(|b| *b == 0).collect();
                    match parts.as_slice() {
                        [_, u, p] => Some((
                            String::from_utf8_lossy(u).into_owned(),
                            String::from_utf8_lossy(p).into_owned(),
                        )),
                        _ => None,
                    }
                }
                "LOGIN" => {
                    let u = match initial {
                        Some(i) => i,
                        None => {
                            reply("334 VXNlcm5hbWU6")?;
                            read_line(&mut reader)?.unwrap_or_default()
                        }
                    };
                    reply("334 UGFzc3dvcmQ6")?;
                    let p = read_line(&mut reader)?.unwrap_or_default();
                    Some((
                        String::from_utf8_lossy(&base64_decode(u.trim()).unwrap_or_default())
                            .into_owned(),
                        String::from_utf8_lossy(&base64_decode(p.trim()).unwrap_or_default())
                            .into_owned(),
                    ))
                }
                _ => {
                    reply("504 unrecognised authentication type")?;
                    continue;
                }
            };
            match got {
                Some((u, p)) if u == user && p == pass => {
                    auth = Some((mechanism, u, p));
                    reply("235 2.7.0 authentication succeeded")?;
                }
                _ => reply("535 5.7.8 authentication credentials invalid")?,
            }
        } else if upper.starts_with("MAIL FROM:") {
            if required.is_some() && auth.is_none() {
                reply("530 5.7.0 authentication required")?;
            } else if let Some(r) = fail_at(SmtpStage::Mail) {
                reply(&r)?;
            } else {
                mail_from = Some(angle_address(&line[10..]));
                rcpt_to.clear();
                reply("250 2.1.0 ok")?;
            }
        } else if upper.starts_with("RCPT TO:") {
            if mail_from.is_none() {
                reply("503 5.5.1 MAIL first")?;
            } else if let Some(r) = fail_at(SmtpStage::Rcpt) {
                reply(&r)?;
            } else {
                rcpt_to.push(angle_address(&line[8..]));
                reply("250 2.1.5 ok")?;
            }
        } else if upper == "DATA" {
            if mail_from.is_none() || rcpt_to.is_empty() {
                reply("503 5.5.1 RCPT first")?;
                continue;
            }
            reply("354 end data with <CR><LF>.<CR><LF>")?;
            let mut data = Vec::new();
            loop {
                let Some(l) = read_line(&mut reader)? else {
                    return Ok(());
                };
                if l == "." {
                    break;
                }
                let l = l.strip_prefix('.').unwrap_or(&l);
                data.extend_from_slice(l.as_bytes());
                data.extend_from_slice(b"\r\n");
                if data.len() > MAX_BODY {
                    reply("552 5.3.4 message too big")?;
                    return Ok(());
                }
            }
            if let Some(r) = fail_at(SmtpStage::Data) {
                reply(&r)?;
            } else {
                log.push(ReceivedMail {
                    helo: helo.clone(),
                    auth: auth.clone(),
                    mail_from: mail_from.take().unwrap_or_default(),
                    rcpt_to: std::mem::take(&mut rcpt_to),
                    data,
                });
                reply("250 2.0.0 ok: queued as SINK")?;
            }
            mail_from = None;
            rcpt_to.clear();
        } else if upper == "RSET" {
            mail_from = None;
            rcpt_to.clear();
            reply("250 2.0.0 ok")?;
        } else if upper == "NOOP" {
            reply("250 2.0.0 ok")?;
        } else if upper == "QUIT" {
            reply("221 2.0.0 bye")?;
            return Ok(());
        } else {
            reply("502 5.5.2 command not recognised")?;
        }
    }
}

/// One line without its CRLF; `None` at the end of the stream. Lines are
/// read as bytes and converted lossily (a message body may hold 8-bit text).
fn read_line(reader: &mut impl BufRead) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = reader.take(1 << 20).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// `<a@b> SIZE=…` → `a@b`.
fn angle_address(arg: &str) -> String {
    let arg = arg.trim();
    match (arg.find('<'), arg.find('>')) {
        (Some(s), Some(e)) if s < e => arg[s + 1..e].to_string(),
        _ => arg.split_whitespace().next().unwrap_or("").to_string(),
    }
}

/// Standard base64 (with or without padding); `None` on a bad character.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        if c == b'=' {
            break;
        }
        if c.is_ascii_whitespace() {
            continue;
        }
        acc = (acc << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

// ---------------------------------------------------------------- HTTP ----

/// One request as the HTTP sink received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// Path and query, as on the request line.
    pub target: String,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first header `name` (give it lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The query parameter `name`, still percent-encoded as sent.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        let (_, query) = self.target.split_once('?')?;
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    /// The body as UTF-8 text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What the HTTP sink answers to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkResponse {
    pub status: u16,
    pub content_type: String,
    pub body: String,
    /// Read the request, then never answer (until the sink is dropped):
    /// for time-out tests.
    pub hang: bool,
}

impl SinkResponse {
    /// `status` with a JSON body.
    pub fn json(status: u16, body: &str) -> SinkResponse {
        SinkResponse {
            status,
            content_type: "application/json; charset=utf-8".into(),
            body: body.into(),
            hang: false,
        }
    }

    /// `status` with a plain-text body.
    pub fn text(status: u16, body: &str) -> SinkResponse {
        SinkResponse {
            status,
            content_type: "text/plain; charset=utf-8".into(),
            body: body.into(),
            hang: false,
        }
    }

    /// No answer at all.
    pub fn hang() -> SinkResponse {
        SinkResponse {
            hang: true,
            ..SinkResponse::text(200, "")
        }
    }
}

struct HttpState {
    queued: VecDeque<SinkResponse>,
    default: SinkResponse,
}

/// A small HTTP/1.1 server: records every request (method, target,
/// headers, body by `Content-Length` or chunked) and answers the next
/// queued [`SinkResponse`], or the default one when none is queued. One
/// request per connection (`Connection: close`).
pub struct HttpSink {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    state: Arc<Mutex<HttpState>>,
    log: Arc<Log<RecordedRequest>>,
}

impl HttpSink {
    /// A sink answering `default` to every request not given its own answer.
    pub fn start(default: SinkResponse) -> HttpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the HTTP sink");
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let state = Arc::new(Mutex::new(HttpState {
            queued: VecDeque::new(),
            default,
        }));
        let log = Arc::new(Log::new());
        let (s, l, st) = (state.clone(), log.clone(), stop.clone());
        serve(listener, stop.clone(), move |conn| {
            let _ = http_exchange(conn, &s, &l, &st);
        });
        HttpSink {
            addr,
            stop,
            state,
            log,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` followed by `path_and_query`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.addr)
    }

    /// Answers the next request with `response` (queued in order).
    pub fn push(&self, response: SinkResponse) {
        self.state.lock().unwrap().queued.push_back(response);
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.log.all()
    }

    /// Waits until `n` requests have arrived (or `timeout`).
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<RecordedRequest> {
        self.log.wait_for(n, timeout)
    }
}

impl Drop for HttpSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        wake(self.addr);
    }
}

fn http_exchange(
    conn: TcpStream,
    state: &Mutex<HttpState>,
    log: &Log<RecordedRequest>,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    let mut out = conn.try_clone()?;
    let mut reader = BufReader::new(conn);
    let Some(request_line) = read_line(&mut reader)? else {
        return Ok(());
    };
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let Some(line) = read_line(&mut reader)? else {
            return Ok(());
        };
        if line.is_empty() {
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let size_line = read_line(&mut reader)?.unwrap_or_default();
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                .unwrap_or(0);
            if size == 0 {
                // Trailers, up to the empty line.
                while read_line(&mut reader)?.is_some_and(|l| !l.is_empty()) {}
                break;
            }
            if body.len() + size > MAX_BODY {
                return Ok(());
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            read_line(&mut reader)?;
        }
    } else if let Some(len) = find("content-length").and_then(|v| v.parse::<usize>().ok()) {
        if len > MAX_BODY {
            return Ok(());
        }
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    }
    log.push(RecordedRequest {
        method,
        target,
        headers,
        body,
    });
    let response = {
        let mut s = state.lock().unwrap();
        s.queued.pop_front().unwrap_or_else(|| s.default.clone())
    };
    if response.hang {
        // Hold the connection open without a byte of answer until the
        // client gives up or the sink is dropped.
        let deadline = Instant::now() + Duration::from_secs(120);
        while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        let _ = out.shutdown(Shutdown::Both);
        return Ok(());
    }
    let reason = match response.status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };
    write!(
        out,
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        response.status,
        response.content_type,
        response.body.len(),
        response.body
    )?;
    out.flush()?;
    let _ = out.shutdown(Shutdown::Write);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes() {
        assert_eq!(base64_decode("AHVzZXIAcGFzcw==").unwrap(), b"\0user\0pass");
        assert_eq!(base64_decode("5ZCI6KeE").unwrap(), "合规".as_bytes());
        assert!(base64_decode("a*b").is_none());
    }

    #[test]
    fn http_sink_records_and_answers() {
        let sink = HttpSink::start(SinkResponse::json(200, r#"{"ok":true}"#));
        sink.push(SinkResponse::text(503, "busy"));
        let addr = sink.addr();
        let exchange = |body: &str| {
            let mut c = TcpStream::connect(addr).unwrap();
            write!(
                c,
                "POST /hook?key=k HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
            let mut answer = String::new();
            c.read_to_string(&mut answer).unwrap();
            answer
        };
        assert!(exchange("first").starts_with("HTTP/1.1 503"));
        assert!(exchange("second").ends_with(r#"{"ok":true}"#));
        let reqs = sink.wait_for(2, Duration::from_secs(5));
        assert_eq!(reqs[0].method, "POST");
        assert_eq!(reqs[0].path(), "/hook");
        assert_eq!(reqs[0].query_param("key"), Some("k"));
        assert_eq!(reqs[1].body_text(), "second");
    }
}
