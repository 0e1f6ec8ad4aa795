//! Release upload and background scans with the real `appgov serve`: the
//! page flow and the CI API (with an API token), findings and SDKs, pass
//! or fail by `fail_on`, an unreadable package, the upload limit, the time
//! and memory limits, and a server killed (SIGKILL) right after an upload
//! was acknowledged, during a scan, and after a release committed but
//! before its job was marked done — each restart completes the job with
//! exactly one release.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use appgov_access::{TokenScope, UserAccount};
use appgov_ledger::model::{Release, Transition};
use appgov_ledger::vocab::AppForm;
use appgov_store::jobs::{JobState, NewJob};
use appgov_store::{Store, StoreConfig};
use appgov_testkit::CorpusFile;
use appgov_testkit::web::{Answer, Client, Server};

const EXE: &str = env!("CARGO_BIN_EXE_appgov");
const ADMIN: &str = "admin";
const PASSWORD: &str = "Upl0ad-and-Scan!";
const TINY: &str = "apk-signing/apksig__golden-aligned-v2-out.apk";
const SDK_APP: &str = "apk/insecurebankv2__app-release.apk";
const UMENG_APP: &str = "apk/androidproject__AndroidProject.apk";
const BIG: &str = "apk/npm-apidemos__ApiDemos-debug.apk";

fn corpus(rel: &str) -> Option<Vec<u8>> {
    match CorpusFile::named(rel) {
        Some(f) => Some(f.read_checked()),
        None => {
            eprintln!("skipping: corpus file {rel} not present");
            None
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The store of a server's data directory, opened beside it (SQLite
/// allows readers and writers in other processes).
async fn store(dir: &Path) -> Store {
    Store::open(&StoreConfig::new(dir)).await.unwrap()
}

/// A fresh server with its first administrator signed in.
fn start(dir: &Path, env: &[(&str, &str)]) -> (Server, Client) {
    Server::start_with_admin(Path::new(EXE), dir, env, ADMIN, PASSWORD)
}

/// Records an app (the app pages are another part's; the ledger is the same).
fn add_app(dir: &Path, name: &str) -> String {
    runtime().block_on(async {
        let s = store(dir).await;
        let app = appgov_workflow::apps::new_app(name, AppForm::Android);
        let (app, _) = appgov_workflow::apps::add_app(&s, "测试员", app, None)
            .await
            .unwrap();
        s.close().await;
        app.id
    })
}

/// An API token of the administrator, made the way the token pages make
/// one (only its digest is stored).
fn api_token(dir: &Path) -> String {
    runtime().block_on(async {
        let s = store(dir).await;
        let user = s
            .find::<UserAccount>("login", ADMIN)
            .await
            .unwrap()
            .pop()
            .unwrap();
        let scopes = vec![TokenScope::Read, TokenScope::Releases];
        let (_, token) = common::add_token(&s, ADMIN, &user.id, "CI", scopes).await;
        s.close().await;
        token
    })
}

fn releases_of(dir: &Path, app: &str) -> Vec<Release> {
    runtime().block_on(async {
        let s = store(dir).await;
        let r = s.find::<Release>("app_id", app).await.unwrap();
        s.close().await;
        r
    })
}

fn api_client(server: &Server, token: &str) -> Client {
    let mut c = server.client();
    c.token = Some(token.to_string());
    c
}

/// The raw package as the body, the CI way.
fn post_raw(c: &mut Client, path: &str, bytes: &[u8]) -> Answer {
    c.raw(
        "POST",
        path,
        &[],
        Some(("application/octet-stream", bytes.to_vec())),
    )
}

/// Polls the job's API until it ends.
fn wait_job(c: &mut Client, job: &str, secs: u64) -> Answer {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let a = c.get(&format!("/api/v1/jobs/{job}"));
        let state = if a.status == 200 || a.status == 422 {
            a.json()["job"]["state"].as_str().unwrap_or("").to_string()
        } else {
            panic!("job status {}: {}", a.status, a.body)
        };
        if state == "done" || state == "failed" {
            return a;
        }
        assert!(
            Instant::now() < deadline,
            "job {job} did not end in {secs} s: {}",
            a.body
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn incoming_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir.join("files/incoming"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_page_flow_uploads_scans_and_shows_findings_and_sdks() {
    let Some(package) = corpus(SDK_APP) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (server, mut web) = start(dir.path(), &[]);
    let app = add_app(dir.path(), "手机银行");

    let page = web.get(&format!("/apps/{app}/upload"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("type=\"file\""));
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(page.body.contains(&format!("/apps/{app}/releases?_csrf=")));
    assert!(page.body.contains("<label for=\"package\">"));

    // Without the CSRF token the upload is refused (before its body is
    // read: a small one, so the client sees the answer).
    let mut no_csrf = server.client();
    no_csrf.session = web.session.clone();
    let refused = no_csrf.post_file(
        &format!("/apps/{app}/releases"),
        &[],
        "package",
        "bank.apk",
        b"PK",
    );
    assert_eq!(refused.status, 403, "{}", refused.body);

    let up = web.post_file(
        &format!("/apps/{app}/releases"),
        &[("request_move", "")],
        "package",
        "C:\\fakepath\\bank.apk",
        &package,
    );
    assert_eq!(up.status, 303, "{}", up.body);
    let location = up.header("location").unwrap().to_string();
    assert!(location.starts_with("/jobs/"), "{location}");

    let deadline = Instant::now() + Duration::from_secs(180);
    let done = loop {
        let p = web.get(&location);
        assert_eq!(p.status, 200, "{}", p.body);
        if p.body.contains("job-done") || p.body.contains("job-failed") {
            break p;
        }
        // While unfinished: a refresh without JavaScript, and htmx polling.
        assert!(p.body.contains("<noscript><meta http-equiv=\"refresh\""));
        assert!(p.body.contains("hx-trigger=\"every 2s\""));
        assert!(Instant::now() < deadline, "the scan did not end");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(done.body.contains("job-done"), "{}", done.body);
    assert!(!done.body.contains("hx-trigger"), "polling stops when done");
    assert!(done.body.contains("bank.apk") && !done.body.contains("fakepath"));
    let releases = releases_of(dir.path(), &app);
    assert_eq!(releases.len(), 1);
    assert!(done.body.contains(&format!("/releases/{}", releases[0].id)));
    // Findings and SDKs of this package (insecurebankv2: AdMob and more).
    assert!(done.body.contains("PKG-004"), "{}", done.body);
    assert!(done.body.contains("AdMob"), "{}", done.body);
    assert!(done.body.contains("sev-high"));
    // The app records no identity: the continuity check says so.
    assert!(done.body.contains("role=\"alert\""));

    // htmx asks for the fragment only.
    let fragment = web.raw("GET", &location, &[("HX-Request", "true")], None);
    assert_eq!(fragment.status, 200);
    assert!(fragment.body.starts_with("<section id=\"job-status\""));
    assert!(!fragment.body.contains("<html"));

    // The same package again is refused: it is already this app's release.
    let again = web.post_file(
        &format!("/apps/{app}/releases"),
        &[],
        "package",
        "bank.apk",
        &package,
    );
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains(&releases[0].id));
    assert_eq!(releases_of(dir.path(), &app).len(), 1);
    // The upload page lists the job.
    assert!(
        web.get(&format!("/apps/{app}/upload"))
            .body
            .contains(&location)
    );
}

#[test]
fn the_ci_api_answers_findings_and_pass_or_fail_by_policy() {
    let (Some(tiny), Some(umeng)) = (corpus(TINY), corpus(UMENG_APP)) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (server, _web) = start(dir.path(), &[]);
    let app = add_app(dir.path(), "直销银行");
    let other = add_app(dir.path(), "信用卡");
    let token = api_token(dir.path());
    let mut ci = api_client(&server, &token);

    // Anonymous calls get 401.
    let base = server.base.clone();
    let anon = server.client().raw(
        "POST",
        &format!("/api/v1/apps/{app}/releases?file_name=x.apk"),
        &[("Origin", base.as_str())],
        Some(("application/octet-stream", b"PK".to_vec())),
    );
    assert_eq!(anon.status, 401, "{}", anon.body);

    // Raw body, waiting: tinyapp's worst finding is high (PKG-004).
    let a = post_raw(
        &mut ci,
        &format!("/api/v1/apps/{app}/releases?file_name=tiny.apk&wait=120&fail_on=critical"),
        &tiny,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let v = a.json();
    assert_eq!(v["job"]["state"], "done");
    assert_eq!(v["pass"], true, "nothing critical: {}", a.body);
    assert_eq!(v["fail_on"], "critical");
    assert_eq!(
        v["release"]["identifier"],
        "android.appsecurity.cts.tinyapp"
    );
    assert_eq!(v["release"]["file_name"], "tiny.apk");
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings[0]["severity"], "high", "worst first");
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "PKG-004" && f["title"].as_str().is_some_and(|t| !t.is_empty()))
    );
    assert!(v["sdks"].as_array().unwrap().is_empty());
    assert_eq!(v["continuity_alerts"][0]["kind"], "no_identity");
    let job = v["job"]["id"].as_str().unwrap().to_string();
    // The same job judged at the default threshold (high) fails.
    let judged = ci.get(&format!("/api/v1/jobs/{job}"));
    assert_eq!(judged.status, 200);
    assert_eq!(judged.json()["pass"], false);
    assert_eq!(judged.json()["fail_on"], "high");
    assert_eq!(
        ci.get(&format!("/api/v1/jobs/{job}?fail_on=severe")).status,
        422
    );

    // Multipart, with a requested move, answered 202 at once.
    let mp = ci.post_file(
        &format!("/api/v1/apps/{other}/releases?request_move=in_test"),
        &[],
        "package",
        "demo.apk",
        &umeng,
    );
    assert_eq!(mp.status, 202, "{}", mp.body);
    let job2 = mp.json()["job"]["id"].as_str().unwrap().to_string();
    assert!(mp.json()["pass"].is_null());
    let done = wait_job(&mut ci, &job2, 180);
    assert_eq!(done.status, 200, "{}", done.body);
    let d = done.json();
    assert_eq!(d["pass"], false, "umeng demo has critical findings");
    assert!(
        d["sdks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["sdk"] == "umeng-analytics"),
        "{}",
        done.body
    );
    let release = d["release"]["id"].as_str().unwrap().to_string();
    let moves = runtime().block_on(async {
        let s = store(dir.path()).await;
        let t = s.find::<Transition>("object_id", &release).await.unwrap();
        s.close().await;
        t
    });
    assert_eq!(moves.len(), 1);
    assert_eq!(moves[0].to_state, "in_test");
    assert!(moves[0].requested_by.contains("(API token)"));

    // An unknown state to request is refused before anything is stored.
    let bad = post_raw(
        &mut ci,
        &format!("/api/v1/apps/{app}/releases?file_name=x.apk&request_move=flying"),
        b"PK",
    );
    assert_eq!(bad.status, 422, "{}", bad.body);

    // Garbage: the job fails with the analyser's error, no release.
    let g = post_raw(
        &mut ci,
        &format!("/api/v1/apps/{other}/releases?file_name=garbage.apk"),
        b"this is not a package at all",
    );
    assert_eq!(g.status, 202, "{}", g.body);
    let gjob = g.json()["job"]["id"].as_str().unwrap().to_string();
    let failed = ci.get(&format!("/api/v1/jobs/{gjob}?wait=120"));
    assert_eq!(failed.status, 422, "{}", failed.body);
    let f = failed.json();
    assert_eq!(f["error"], "analysis_failed");
    assert!(
        f["message"].as_str().unwrap().contains("not a zip archive"),
        "{}",
        failed.body
    );
    assert_eq!(f["job"]["state"], "failed");
    assert!(f["job"]["release_id"].is_null());
    assert_eq!(releases_of(dir.path(), &other).len(), 1, "only demo.apk");
    // Its page says why, too.
    let mut web = server.client();
    web.login(ADMIN, PASSWORD);
    let page = web.get(&format!("/jobs/{gjob}"));
    assert!(page.body.contains("job-failed") && page.body.contains("not a zip archive"));

    // The API is described.
    let doc = server.client().get("/api/openapi.json");
    assert!(doc.body.contains("/api/v1/apps/{app}/releases"));
    assert!(doc.body.contains("/api/v1/jobs/{job}"));

    // Timing: one scan job end to end (upload, child process, checks,
    // recording, answer) vs `appgov scan` of the same mid-size file.
    let timed = add_app(dir.path(), "计时");
    let t = Instant::now();
    let a = post_raw(
        &mut ci,
        &format!("/api/v1/apps/{timed}/releases?file_name=demo.apk&wait=180"),
        &umeng,
    );
    let job_wall = t.elapsed();
    assert_eq!(a.status, 200, "{}", a.body);
    let path = CorpusFile::named(UMENG_APP).unwrap().path;
    let t = Instant::now();
    let out = std::process::Command::new(EXE)
        .args(["scan", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let scan_wall = t.elapsed();
    assert!(out.status.success());
    eprintln!(
        "timing ({} bytes, this build): scan job end to end {job_wall:?}; appgov scan {scan_wall:?}",
        umeng.len()
    );
}

#[test]
fn an_oversize_upload_is_refused_and_leaves_nothing() {
    let Some(package) = corpus(UMENG_APP) else {
        return;
    };
    assert!(package.len() > 2 << 20);
    let dir = tempfile::tempdir().unwrap();
    let (server, mut web) = start(dir.path(), &[("APPGOV_UPLOAD_LIMIT_MIB", "2")]);
    let app = add_app(dir.path(), "超限应用");
    let token = api_token(dir.path());

    let page = web.post_file(
        &format!("/apps/{app}/releases"),
        &[],
        "package",
        "big.apk",
        &package,
    );
    assert_eq!(page.status, 413, "{}", page.body);
    assert!(page.body.contains("2 MiB"), "{}", page.body);

    let mut ci = api_client(&server, &token);
    let raw = post_raw(
        &mut ci,
        &format!("/api/v1/apps/{app}/releases?file_name=big.apk"),
        &package,
    );
    assert_eq!(raw.status, 413, "{}", raw.body);
    assert_eq!(raw.json()["error"], "too_large");
    let form = ci.post_file(
        &format!("/api/v1/apps/{app}/releases"),
        &[],
        "package",
        "big.apk",
        &package,
    );
    assert_eq!(form.status, 413, "{}", form.body);

    assert_eq!(incoming_files(dir.path()), Vec::<String>::new());
    let jobs = runtime().block_on(async {
        let s = store(dir.path()).await;
        let j = s.scan_jobs_of_app(&app, 10).await.unwrap();
        s.close().await;
        j
    });
    assert!(jobs.is_empty());
    // Under the limit it goes through.
    let tiny = corpus(TINY).unwrap();
    let ok = post_raw(
        &mut ci,
        &format!("/api/v1/apps/{app}/releases?file_name=tiny.apk&wait=120"),
        &tiny,
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
}

#[test]
fn a_killed_server_loses_no_acknowledged_upload() {
    let (Some(tiny), Some(sdk)) = (corpus(TINY), corpus(SDK_APP)) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Scans that take 20 s, so the kills surely land before they end.
    let slow = [("APPGOV_INTERNAL_SCAN_DELAY_MS", "20000")];
    let (mut server, _web) = start(dir.path(), &slow);
    let app = add_app(dir.path(), "断电测试");
    let token = api_token(dir.path());

    // 1. Killed right after the upload was acknowledged.
    let mut ci = api_client(&server, &token);
    let a = post_raw(
        &mut ci,
        &format!("/api/v1/apps/{app}/releases?file_name=tiny.apk"),
        &tiny,
    );
    assert_eq!(a.status, 202, "{}", a.body);
    let job1 = a.json()["job"]["id"].as_str().unwrap().to_string();
    server.kill();

    // 2. Restarted (still slow), killed while the next scan is running.
    let mut server = Server::start(Path::new(EXE), dir.path(), &slow);
    let mut ci = api_client(&server, &token);
    let b = ci.post_file(
        &format!("/api/v1/apps/{app}/releases"),
        &[],
        "package",
        "bank.apk",
        &sdk,
    );
    assert_eq!(b.status, 202, "{}", b.body);
    let job2 = b.json()["job"]["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let j = ci.get(&format!("/api/v1/jobs/{job2}")).json();
        if j["job"]["stage"] == "analysing" {
            break;
        }
        assert!(Instant::now() < deadline, "job 2 never started: {j}");
        std::thread::sleep(Duration::from_millis(200));
    }
    server.kill();

    // 3. Restarted at full speed: both jobs complete once their leases
    //    run out, each with exactly one release.
    let server = Server::start(Path::new(EXE), dir.path(), &[]);
    let mut ci = api_client(&server, &token);
    for job in [&job1, &job2] {
        let done = wait_job(&mut ci, job, 180);
        assert_eq!(done.status, 200, "{}", done.body);
        assert_eq!(done.json()["job"]["state"], "done");
    }
    let j2 = ci.get(&format!("/api/v1/jobs/{job2}")).json();
    assert!(j2["job"]["attempts"].as_i64().unwrap() >= 2, "{j2}");
    let releases = releases_of(dir.path(), &app);
    assert_eq!(releases.len(), 2, "{releases:?}");
    assert!(incoming_files(dir.path()).is_empty());
}

#[test]
fn a_release_committed_before_its_job_was_marked_done_is_linked_not_duplicated() {
    let Some(tiny) = corpus(TINY) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (mut server, _web) = start(dir.path(), &[]);
    let app = add_app(dir.path(), "幂等测试");
    let token = api_token(dir.path());
    server.kill();
    // What a server that died between the release's commit and the job's
    // end leaves: a running job under an expired lease, and its release.
    let (job, release) = runtime().block_on(async {
        let s = store(dir.path()).await;
        let sha = s.files().put(&tiny).unwrap();
        let job = s
            .enqueue_scan(&NewJob {
                app_id: app.clone(),
                package_sha256: sha,
                file_name: "tiny.apk".into(),
                size: tiny.len() as i64,
                requested_by: ADMIN.into(),
                request_move: None,
                source: "api".into(),
            })
            .await
            .unwrap();
        let claimed = s
            .claim_scan(
                "dead-server",
                "2000-01-01T00:00:00Z",
                "2000-01-01T00:00:30Z",
                3,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed.id, job.id);
        let knowledge = appgov_knowledge::Knowledge::builtin().unwrap();
        let options = appgov_options::scan_options(&knowledge).unwrap();
        let path = s.files().path(&claimed.package_sha256).unwrap();
        let analysed = appgov_workflow::analyse_file(
            &path,
            "tiny.apk",
            &knowledge,
            &options,
            None,
            "2026-01-01",
        );
        let rec = appgov_workflow::releases::record_release(
            &s,
            ADMIN,
            &app,
            &analysed.facts,
            &analysed.analysis,
        )
        .await
        .unwrap();
        s.close().await;
        (job.id, rec.release.id)
    });
    let server = Server::start(Path::new(EXE), dir.path(), &[]);
    let mut ci = api_client(&server, &token);
    let done = wait_job(&mut ci, &job, 120);
    assert_eq!(done.status, 200, "{}", done.body);
    let d = done.json();
    assert_eq!(d["job"]["release_id"], release.as_str());
    assert_eq!(d["job"]["attempts"], 2);
    assert!(d["job"]["error"].is_null(), "{}", done.body);
    assert_eq!(releases_of(dir.path(), &app).len(), 1);
}

#[test]
fn time_and_memory_limits_fail_the_job_and_the_server_keeps_serving() {
    let (Some(tiny), Some(big)) = (corpus(TINY), corpus(BIG)) else {
        return;
    };
    // Time: a 1 s limit on a scan that takes 30 s.
    let dir = tempfile::tempdir().unwrap();
    let (server, mut web) = start(
        dir.path(),
        &[
            ("APPGOV_SCAN_TIMEOUT_SECS", "1"),
            ("APPGOV_INTERNAL_SCAN_DELAY_MS", "30000"),
        ],
    );
    let app = add_app(dir.path(), "超时测试");
    let token = api_token(dir.path());
    let mut ci = api_client(&server, &token);
    let started = Instant::now();
    let a = post_raw(
        &mut ci,
        &format!("/api/v1/apps/{app}/releases?file_name=tiny.apk&wait=60"),
        &tiny,
    );
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(
        a.json()["message"]
            .as_str()
            .unwrap()
            .contains("time limit of 1 s"),
        "{}",
        a.body
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "killed at once"
    );
    assert_eq!(web.get("/").status, 200, "the server keeps serving");
    assert!(releases_of(dir.path(), &app).is_empty());
    assert!(incoming_files(dir.path()).is_empty());
    drop(server);

    // Memory: a 40 MiB address space for a 6 MiB package.
    let dir = tempfile::tempdir().unwrap();
    let (server, mut web) = start(dir.path(), &[("APPGOV_SCAN_MEMORY_MIB", "40")]);
    let app = add_app(dir.path(), "内存测试");
    let token = api_token(dir.path());
    let mut ci = api_client(&server, &token);
    let m = post_raw(
        &mut ci,
        &format!("/api/v1/apps/{app}/releases?file_name=big.apk&wait=120"),
        &big,
    );
    assert_eq!(m.status, 422, "{}", m.body);
    let j = m.json();
    assert!(
        j["message"]
            .as_str()
            .unwrap()
            .contains("memory limit of 40 MiB"),
        "{}",
        m.body
    );
    assert_eq!(j["job"]["attempts"], 1, "a limit is not retried");
    assert_eq!(web.get("/").status, 200, "the server keeps serving");
    let page = web.get(&format!("/jobs/{}", j["job"]["id"].as_str().unwrap()));
    assert!(page.body.contains("分析超出内存上限"), "{}", page.body);
    assert!(releases_of(dir.path(), &app).is_empty());
}

#[test]
fn a_server_stopped_in_order_gives_its_scan_back_without_costing_an_attempt() {
    let Some(tiny) = corpus(TINY) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (server, _web) = start(dir.path(), &[("APPGOV_INTERNAL_SCAN_DELAY_MS", "30000")]);
    let app = add_app(dir.path(), "停机测试");
    let token = api_token(dir.path());
    let mut ci = api_client(&server, &token);
    let a = post_raw(
        &mut ci,
        &format!("/api/v1/apps/{app}/releases?file_name=tiny.apk"),
        &tiny,
    );
    let job = a.json()["job"]["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    while ci.get(&format!("/api/v1/jobs/{job}")).json()["job"]["stage"] != "analysing" {
        assert!(Instant::now() < deadline, "the scan never started");
        std::thread::sleep(Duration::from_millis(200));
    }
    // SIGTERM, as a service manager stops it.
    server.terminate();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !server.ended() {
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(server);
    let queued = runtime().block_on(async {
        let s = store(dir.path()).await;
        let j = s.scan_job(&job).await.unwrap().unwrap();
        s.close().await;
        j
    });
    assert_eq!(queued.state, JobState::Queued);
    assert_eq!(queued.attempts, 0);
    assert!(queued.lease_owner.is_none());
    // The next start takes it at once (no lease to wait out).
    let server = Server::start(Path::new(EXE), dir.path(), &[]);
    let mut ci = api_client(&server, &token);
    let t = Instant::now();
    let done = wait_job(&mut ci, &job, 60);
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.json()["job"]["attempts"], 1);
    assert!(t.elapsed() < Duration::from_secs(25), "{:?}", t.elapsed());
    assert_eq!(releases_of(dir.path(), &app).len(), 1);
}

#[test]
fn a_waiting_ci_call_ends_promptly_on_stop_and_its_job_completes_after_restart() {
    let Some(tiny) = corpus(TINY) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (server, _web) = start(dir.path(), &[("APPGOV_INTERNAL_SCAN_DELAY_MS", "30000")]);
    let app = add_app(dir.path(), "等待停机");
    let token = api_token(dir.path());
    // CI uploads and waits up to ten minutes for the verdict.
    let mut ci = api_client(&server, &token);
    let path = format!("/api/v1/apps/{app}/releases?file_name=tiny.apk&wait=600");
    let waiting = std::thread::spawn(move || post_raw(&mut ci, &path, &tiny));
    let mut watch = api_client(&server, &token);
    let deadline = Instant::now() + Duration::from_secs(60);
    let job = loop {
        let jobs = runtime().block_on(async {
            let s = store(dir.path()).await;
            let j = s.scan_jobs_of_app(&app, 10).await.unwrap();
            s.close().await;
            j
        });
        if let Some(j) = jobs.first()
            && watch.get(&format!("/api/v1/jobs/{}", j.id)).json()["job"]["stage"] == "analysing"
        {
            break j.id.clone();
        }
        assert!(Instant::now() < deadline, "the scan never started");
        std::thread::sleep(Duration::from_millis(200));
    };
    // Stopped while the call waits: the call answers 503 with its job, and
    // the server is gone within a few seconds (not the wait's ten minutes).
    let t = Instant::now();
    server.terminate();
    let answer = waiting.join().unwrap();
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.json()["job"]["id"], job.as_str());
    assert!(answer.header("retry-after").is_some());
    while !server.ended() {
        assert!(
            t.elapsed() < Duration::from_secs(8),
            "the server did not stop in time"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let stopped_in = t.elapsed();
    drop(server);
    // After the restart CI polls the job it was given: it completes.
    let server = Server::start(Path::new(EXE), dir.path(), &[]);
    let mut ci = api_client(&server, &token);
    let done = wait_job(&mut ci, &job, 90);
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.json()["job"]["state"], "done");
    assert_eq!(releases_of(dir.path(), &app).len(), 1);
    eprintln!("stopped {stopped_in:?} after SIGTERM with a ?wait= call open");
}
