//! Behind a reverse proxy: Debian's nginx on loopback in front of `appgov
//! serve` configured with the public URL. Sign-in, the cross-site check
//! (judged against the public origin) and sign-out work through the proxy;
//! requests that name the server's own address as their origin are
//! refused, because people reach it only through the proxy.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use appgov_testkit::web::{Client, Server};

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn works_behind_nginx() {
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(nginx) = nginx else {
        assert!(
            std::env::var_os("CI").is_none(),
            "nginx is missing under CI (.ci/run installs nginx-light)"
        );
        eprintln!("skipping: nginx not installed (apt-get install nginx-light)");
        return;
    };
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(
        Path::new(env!("CARGO_BIN_EXE_appgov")),
        &data,
        &[
            ("APPGOV_PUBLIC_URL", public.as_str()),
            ("APPGOV_TRUST_PROXY", "1"),
        ],
    );
    let upstream = server.base.trim_start_matches("http://").to_string();
    let prefix = dir.path().join("nginx");
    std::fs::create_dir_all(prefix.join("logs")).unwrap();
    let conf = prefix.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "worker_processes 1;\nerror_log {p}/logs/error.log;\npid {p}/nginx.pid;\nevents {{ worker_connections 64; }}\nhttp {{\n  access_log off;\n  client_body_temp_path {p}/body;\n  proxy_temp_path {p}/proxy;\n  fastcgi_temp_path {p}/fastcgi;\n  uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n  server {{\n    listen 127.0.0.1:{port};\n    client_max_body_size 0;\n    location / {{\n      proxy_pass http://{upstream};\n      proxy_set_header Host $host:$server_port;\n      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n      proxy_set_header X-Forwarded-Proto $scheme;\n    }}\n  }}\n}}\n",
            p = prefix.display()
        ),
    )
    .unwrap();
    let child = Command::new(nginx)
        .args(["-p"])
        .arg(&prefix)
        .args(["-c"])
        .arg(&conf)
        .args(["-g", "daemon off; user root;"])
        .spawn()
        .expect("nginx starts");
    let _nginx = Nginx(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nginx did not listen");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The setup link names the public URL.
    let setup = server.setup_url.clone().unwrap();
    assert!(setup.starts_with(&public), "{setup}");
    let mut admin = Client::new(&public);
    let a = admin.setup_admin(&setup, "admin", "Behind-Proxy-2026");
    assert_eq!(a.status, 303, "{}", a.body);
    let a = admin.get("/");
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(admin.get("/api/v1/me").json()["login"], "admin");
    // A change whose Origin is the upstream address (not how people reach
    // the server) is refused; through the public origin it works.
    let csrf = admin.csrf.clone().unwrap();
    let a = admin.raw(
        "POST",
        "/logout",
        &[("Origin", &server.base), ("X-CSRF-Token", &csrf)],
        None,
    );
    assert_eq!(a.status, 403);
    let a = admin.post_form("/logout", &[]);
    assert_eq!(a.status, 303);
    assert_eq!(admin.get("/api/v1/me").status, 401);
    // Sign-in through the proxy.
    let mut again = Client::new(&public);
    assert_eq!(again.login("admin", "Behind-Proxy-2026").status, 303);
    assert_eq!(again.get("/api/v1/me").status, 200);
}
