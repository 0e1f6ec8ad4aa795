//! A real `appgov serve` on loopback, and a small HTTP client that behaves
//! like a browser where it matters (session cookie, CSRF token, Origin).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running server process (ended when dropped).
pub struct Server {
    child: Option<Child>,
    pub base: String,
    /// The one-time setup link, printed when the ledger had no accounts.
    pub setup_url: Option<String>,
    pub data_dir: PathBuf,
    /// Everything the server printed after its start lines.
    pub output: mpsc::Receiver<String>,
}

impl Server {
    /// Starts `exe serve --bind 127.0.0.1:0` on `data_dir` with extra
    /// environment, and waits until it listens.
    pub fn start(exe: &Path, data_dir: &Path, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(exe);
        cmd.args(["--data-dir"])
            .arg(data_dir)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env_remove("APPGOV_DATABASE_URL")
            .env_remove("APPGOV_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("starting appgov serve");
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().expect("piped");
        let err = child.stderr.take().expect("piped");
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx2.send(line);
            }
        });
        let mut base = None;
        let mut setup_url = None;
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while base.is_none() || (setup_url.is_none() && std::time::Instant::now() < deadline) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left.min(Duration::from_millis(if base.is_some() {
                300
            } else {
                60_000
            }))) {
                Ok(line) => {
                    if let Some(u) = line.strip_prefix("appgov serve: listening on ") {
                        base = Some(u.trim_end_matches('/').to_string());
                    } else if let Some(i) = line.find("http://")
                        && line.contains("/setup?token=")
                    {
                        setup_url = Some(line[i..].trim().to_string());
                    } else if base.is_none() {
                        eprintln!("server: {line}");
                    }
                }
                Err(_) if base.is_some() => break,
                Err(_) => {
                    let _ = child.kill();
                    panic!("appgov serve did not start");
                }
            }
        }
        Server {
            child: Some(child),
            base: base.expect("listening"),
            setup_url,
            data_dir: data_dir.to_path_buf(),
            output: rx,
        }
    }

    /// Starts a server on a fresh data directory and creates its first
    /// administrator through the one-time setup link; the client is signed
    /// in as them, with the CSRF token read.
    pub fn start_with_admin(
        exe: &Path,
        data_dir: &Path,
        env: &[(&str, &str)],
        login: &str,
        password: &str,
    ) -> (Server, Client) {
        let server = Server::start(exe, data_dir, env);
        let mut admin = server.client();
        let setup = server
            .setup_url
            .clone()
            .expect("a setup link on first start");
        let a = admin.setup_admin(&setup, login, password);
        assert_eq!(a.status, 303, "setting up {login}: {}", a.body);
        admin.get("/");
        (server, admin)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// SIGTERM, as a service manager stops it (the process is not waited for).
    pub fn terminate(&self) {
        let pid = self.pid();
        assert!(
            pid != 0
                && Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status()
                    .is_ok_and(|s| s.success()),
            "sending SIGTERM to {pid}"
        );
    }

    /// Whether the process has ended (gone, or a zombie not yet reaped).
    pub fn ended(&self) -> bool {
        match std::fs::read_to_string(format!("/proc/{}/stat", self.pid())) {
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
            Err(_) => true,
        }
    }

    /// SIGKILL: the process dies mid-work, as in a power cut.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// A client of this server.
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// One request written on a fresh TCP connection as given (`head`
    /// without its blank line; a `Content-Length` of `body` is added), the
    /// whole body written before the answer is read — as a client that does
    /// not wait for `100 Continue` does. Returns the status and the answer
    /// as text, or the I/O error (a reset shows here).
    pub fn raw_exchange(&self, head: &str, body: &[u8]) -> std::io::Result<(u16, String)> {
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr)?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        s.set_write_timeout(Some(Duration::from_secs(60)))?;
        let head = format!(
            "{}\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n",
            head.trim_end(),
            body.len()
        );
        s.write_all(head.as_bytes())?;
        for piece in body.chunks(64 << 10) {
            s.write_all(piece)?;
        }
        s.flush()?;
        let mut answer = Vec::new();
        s.read_to_end(&mut answer)?;
        let text = String::from_utf8_lossy(&answer).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        Ok((status, text))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A browser-like client: keeps the session cookie, sends the CSRF token
/// and our Origin with changes; or an API client with a bearer token.
pub struct Client {
    pub base: String,
    pub session: Option<String>,
    pub csrf: Option<String>,
    pub token: Option<String>,
    /// The interface language cookie (`/lang?to=en` sets it).
    pub lang: Option<String>,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(300)))
            .build()
            .new_agent();
        Client {
            base: base.to_string(),
            session: None,
            csrf: None,
            token: None,
            lang: None,
            agent,
        }
    }

    fn finish(&mut self, r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
        let mut r = r.expect("HTTP exchange");
        let headers: Vec<(String, String)> = r
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        for (k, v) in &headers {
            if k.eq_ignore_ascii_case("set-cookie")
                && let Some(rest) = v.strip_prefix("appgov_session=")
            {
                let val = rest.split(';').next().unwrap_or("");
                self.session = (!val.is_empty()).then(|| val.to_string());
            }
            if k.eq_ignore_ascii_case("set-cookie")
                && let Some(rest) = v.strip_prefix("appgov_lang=")
            {
                let val = rest.split(';').next().unwrap_or("");
                self.lang = (!val.is_empty()).then(|| val.to_string());
            }
        }
        let status = r.status().as_u16();
        let body = r
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_string()
            .unwrap_or_default();
        if let Some(i) = body.find("data-csrf=\"") {
            let rest = &body[i + 11..];
            if let Some(j) = rest.find('"') {
                self.csrf = Some(rest[..j].to_string());
            }
        }
        Answer {
            status,
            body,
            headers,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn cookie_header(&self) -> Option<String> {
        let cookies: Vec<String> = [
            self.session.as_ref().map(|s| format!("appgov_session={s}")),
            self.lang.as_ref().map(|l| format!("appgov_lang={l}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!cookies.is_empty()).then(|| cookies.join("; "))
    }

    pub fn get(&mut self, path: &str) -> Answer {
        let mut req = self.agent.get(&self.url(path));
        if let Some(c) = self.cookie_header() {
            req = req.header("Cookie", &c);
        }
        if let Some(t) = &self.token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let r = req.call();
        self.finish(r)
    }

    /// A form post as a browser sends it: Origin, cookie, `_csrf` field.
    pub fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut all: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(c) = &self.csrf
            && !fields.iter().any(|(k, _)| *k == "_csrf")
        {
            all.push(("_csrf".into(), c.clone()));
        }
        let mut req = self
            .agent
            .post(&self.url(path))
            .header("Origin", &self.base.clone());
        if let Some(c) = self.cookie_header() {
            req = req.header("Cookie", &c);
        }
        if let Some(t) = &self.token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let r = req.send_form(all.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.finish(r)
    }

    /// A raw request (any method, headers, body) — for the CSRF and
    /// authorization tests.
    pub fn raw(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Answer {
        let mut b = ureq::http::Request::builder()
            .method(method)
            .uri(self.url(path));
        if let Some(c) = self.cookie_header() {
            b = b.header("Cookie", c);
        }
        if let Some(t) = &self.token {
            b = b.header("Authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let (ct, bytes) = body.unwrap_or(("application/octet-stream", Vec::new()));
        if !bytes.is_empty() {
            b = b.header("Content-Type", ct);
        }
        let req = b.body(bytes).expect("request");
        let r = self.agent.run(req);
        self.finish(r)
    }

    /// JSON to the API (token or session with CSRF header).
    pub fn send_json(&mut self, method: &str, path: &str, value: &serde_json::Value) -> Answer {
        let csrf = self.csrf.clone().unwrap_or_default();
        let base = self.base.clone();
        let mut h = vec![("Origin", base.as_str())];
        if !csrf.is_empty() && self.token.is_none() {
            h.push(("X-CSRF-Token", csrf.as_str()));
        }
        let body = serde_json::to_vec(value).expect("JSON");
        let h: Vec<(&str, &str)> = h;
        self.raw(method, path, &h, Some(("application/json", body)))
    }

    /// A multipart upload of one file (plus text fields), as a browser's
    /// form sends it; the CSRF token goes in the query (see auth.rs).
    pub fn post_file(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file_field: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Answer {
        let boundary = "----appgovtestboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let sep = if path.contains('?') { '&' } else { '?' };
        let path = match (&self.csrf, &self.token) {
            (Some(c), None) => format!("{path}{sep}_csrf={c}"),
            _ => path.to_string(),
        };
        let base = self.base.clone();
        let ct = format!("multipart/form-data; boundary={boundary}");
        self.raw(
            "POST",
            &path,
            &[("Origin", base.as_str())],
            Some((&ct, body)),
        )
    }

    /// Creates the first administrator through the setup link (and stays
    /// signed in as them).
    pub fn setup_admin(&mut self, setup_url: &str, login: &str, password: &str) -> Answer {
        let token = setup_url
            .split("token=")
            .nth(1)
            .expect("setup link has a token")
            .to_string();
        self.post_form(
            "/setup",
            &[
                ("token", &token),
                ("login", login),
                ("display_name", login),
                ("password", password),
                ("password2", password),
            ],
        )
    }

    /// Adds an org node through the administration form (`parent` empty
    /// for a root).
    pub fn add_org(&mut self, name: &str, kind: &str, parent: &str) -> Answer {
        self.post_form(
            "/admin/orgs",
            &[("name", name), ("kind", kind), ("parent_id", parent)],
        )
    }

    /// The id of the account signing in as `login` (an administrator's
    /// view of `/api/v1/users`).
    pub fn user_id(&mut self, login: &str) -> String {
        self.get("/api/v1/users")
            .json()
            .as_array()
            .expect("a list of users")
            .iter()
            .find(|u| u["login"] == login)
            .unwrap_or_else(|| panic!("no user {login}"))["id"]
            .as_str()
            .expect("an id")
            .to_string()
    }

    /// Signs in with a password (and reads the CSRF token from the home page).
    pub fn login(&mut self, login: &str, password: &str) -> Answer {
        self.csrf = None;
        let a = self.post_form("/login", &[("login", login), ("password", password)]);
        if a.status == 303 {
            self.get("/");
        }
        a
    }
}

/// `s` HTML-escaped as the templates escape it (minijinja: & < > " ' /).
pub fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}
