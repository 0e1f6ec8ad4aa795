//! The whole ledger flow through the `appgov` binary, on SQLite and on
//! PostgreSQL: an institution, people and an app; two real releases of the
//! same app (corpus packages signed by one key); the admission, launch and
//! change gates passed with evidence, attestations and a second approver;
//! self-approval refused; a third package signed by another key flagged;
//! `audit verify` intact, then failing after a row is changed by hand.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use appgov_testkit::CorpusFile;
use serde_json::Value;

const V2: &str = "apk-signing/apksig__golden-aligned-v2-out.apk";
const V3: &str = "apk-signing/apksig__golden-aligned-v3-out.apk";
const OTHER_KEY: &str = "apk-signing/apksig__v2-only-with-ecdsa-sha256-p256.apk";

struct Ledger {
    data: tempfile::TempDir,
    url: Option<String>,
}

impl Ledger {
    fn run(&self, actor: &str, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_appgov"));
        c.args(args)
            .env("APPGOV_DATA_DIR", self.data.path())
            .env("APPGOV_ACTOR", actor)
            .env_remove("APPGOV_DATABASE_URL");
        if let Some(u) = &self.url {
            c.env("APPGOV_DATABASE_URL", u);
        }
        c.output().expect("appgov runs")
    }
    /// Runs and requires success; returns stdout.
    fn ok(&self, actor: &str, args: &[&str]) -> String {
        let o = self.run(actor, args);
        assert!(
            o.status.success(),
            "appgov {args:?} failed ({:?}):\n{}\n{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }
    fn json(&self, actor: &str, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(actor, args)).unwrap()
    }
    /// The id printed on the last line.
    fn id(&self, actor: &str, args: &[&str]) -> String {
        let out = self.ok(actor, args);
        out.lines().last().unwrap().trim().to_string()
    }
    /// Requests a move and returns the move's id.
    fn request(&self, actor: &str, args: &[&str]) -> String {
        let out = self.ok(actor, args);
        out.split("requested: ")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    }
    /// A move without open items: requested by 张三, approved by 李四.
    fn moved(&self, args: &[&str]) {
        let t = self.request("张三", args);
        self.ok("李四", &["gate", "approve", &t, "--role", "approver"]);
    }
    /// Satisfies every open evidence and attestation item of a move (each
    /// by a document or the attesting person), then returns the items still
    /// open (automatic ones).
    fn work_through(&self, t: &str, docs: &Path) -> Vec<(String, String)> {
        let g = self.json("王五", &["gate", "show", t, "--format", "json"]);
        for item in g["gate"]["items"].as_array().unwrap() {
            let (id, st) = (item[0].as_str().unwrap(), &item[1]);
            if st["status"] == "met" {
                continue;
            }
            let kind = self.item_kind(&g, id);
            match kind.as_str() {
                "evidence" => {
                    let f = docs.join(format!("{id}.pdf"));
                    std::fs::write(&f, format!("%PDF-1.4 {id} 报告")).unwrap();
                    self.ok("王五", &["gate", "evidence", t, id, f.to_str().unwrap()]);
                }
                "attest" => {
                    self.ok("赵六", &["gate", "attest", t, id, "--statement", "已核实"]);
                }
                _ => {}
            }
        }
        let g = self.json("王五", &["gate", "show", t, "--format", "json"]);
        g["gate"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i[1]["status"] != "met")
            .map(|i| {
                (
                    i[0].as_str().unwrap().to_string(),
                    i[1]["reason"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }
    fn item_kind(&self, g: &Value, id: &str) -> String {
        let gate = g["transition"]["gate"].as_str().unwrap();
        let gates = appgov_ledger::builtin_gates().unwrap();
        let gate = gates.iter().find(|x| x.id.as_str() == gate).unwrap();
        let i = gate.items.iter().find(|i| i.id == id).unwrap();
        format!("{:?}", i.kind).to_lowercase()
    }
}

/// A fresh PostgreSQL database, when a test server is configured.
fn scratch_pg() -> Option<String> {
    let admin = std::env::var("APPGOV_TEST_POSTGRES_URL").ok()?;
    Some(
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(appgov_store::scratch_postgres(&admin))
            .unwrap(),
    )
}

fn ledgers() -> Vec<(&'static str, Ledger)> {
    let mut v = vec![(
        "sqlite",
        Ledger {
            data: tempfile::tempdir().unwrap(),
            url: None,
        },
    )];
    match scratch_pg() {
        Some(url) => {
            v.push((
                "postgres",
                Ledger {
                    data: tempfile::tempdir().unwrap(),
                    url: Some(url),
                },
            ));
        }
        None if std::env::var_os("CI").is_some() => {
            panic!("APPGOV_TEST_POSTGRES_URL is not set under CI")
        }
        None => eprintln!("skipping the PostgreSQL run: APPGOV_TEST_POSTGRES_URL not set"),
    }
    v
}

fn corpus(rel: &str) -> Option<PathBuf> {
    CorpusFile::named(rel).map(|f| f.path.clone())
}

fn cert_sha256(apk: &Path) -> String {
    // The key as apksigner (Debian) reports it, not as appgov does.
    let out = Command::new("apksigner")
        .args(["verify", "--min-sdk-version", "24", "--print-certs"])
        .arg(apk)
        .output()
        .expect("apksigner is installed (.ci/run installs it)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.split("SHA-256 digest: ").nth(1))
        .expect("apksigner prints a SHA-256")
        .trim()
        .to_string()
}

#[test]
fn the_whole_ledger_flow_on_every_backend() {
    let (Some(v2), Some(v3), Some(other)) = (corpus(V2), corpus(V3), corpus(OTHER_KEY)) else {
        eprintln!("skipping: the corpus (../shared/corpus) is not present");
        return;
    };
    let key = cert_sha256(&v2);
    assert_eq!(key, cert_sha256(&v3), "the two releases share a key");
    for (backend, l) in ledgers() {
        let docs = tempfile::tempdir().unwrap();
        let out = l.ok(
            "管理员",
            &[
                "init",
                "--institution",
                "示例银行股份有限公司",
                "--credit-code",
                "91110000100000000X",
            ],
        );
        assert!(
            out.contains(if backend == "sqlite" {
                "SQLite"
            } else {
                "PostgreSQL"
            }),
            "{out}"
        );
        let bank = l.json("管理员", &["org", "list", "--format", "json"])[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        l.ok(
            "管理员",
            &[
                "org",
                "add",
                "--kind",
                "部门",
                "--name",
                "信息科技部",
                "--parent",
                &bank,
            ],
        );
        for (name, role) in [
            ("张三", "app_owner"),
            ("李四", "approver"),
            ("王五", "security_owner"),
            ("赵六", "compliance"),
        ] {
            l.ok(
                "管理员",
                &[
                    "person",
                    "add",
                    "--name",
                    name,
                    "--org",
                    "信息科技部",
                    "--role",
                    role,
                ],
            );
        }
        let app = l.id(
            "张三",
            &[
                "app",
                "add",
                "--name",
                "手机银行",
                "--form",
                "安卓应用",
                "--department",
                "信息科技部",
                "--responsible",
                "张三",
                "--package",
                "android.appsecurity.cts.tinyapp",
                "--cert",
                &key,
                "--set",
                "functions=转账;理财",
                "--set",
                "user_segment=retail",
                "--set",
                "privacy_policy_url=https://bank.example/privacy",
                "--set",
                "complaint_channel=95500",
            ],
        );
        // The channel, through the institution's own account.
        let account = l.id(
            "张三",
            &[
                "record",
                "add",
                "account",
                "--set",
                "channel=huawei_appgallery",
                "--set",
                "account_name=示例银行官方",
                "--set",
                "holder=示例银行股份有限公司",
                "--set",
                &format!("holder_org_id={bank}"),
                "--set",
                "two_factor=是",
                "--set",
                "last_access_review=2026-11-01",
            ],
        );
        l.ok(
            "张三",
            &[
                "record",
                "add",
                "listing",
                "--set",
                &format!("app_id={app}"),
                "--set",
                "channel=huawei_appgallery",
                "--set",
                &format!("account_id={account}"),
                "--set",
                "state=planned",
            ],
        );

        // Admission: self-approval refused, open items refuse approval.
        let t = l.request(
            "张三",
            &[
                "app",
                "transition",
                "手机银行",
                "--to",
                "admitted",
                "--reason",
                "新建",
            ],
        );
        let o = l.run("张三", &["gate", "approve", &t, "--role", "approver"]);
        assert!(!o.status.success());
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("cannot also approve"),
            "{backend}"
        );
        let o = l.run("李四", &["gate", "approve", &t, "--role", "approver"]);
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("open items"),
            "{backend}"
        );
        let open = l.work_through(&t, docs.path());
        assert!(open.is_empty(), "{backend}: admission still open: {open:?}");
        l.ok(
            "李四",
            &[
                "gate",
                "approve",
                &t,
                "--role",
                "approver",
                "--comment",
                "同意准入",
            ],
        );
        l.moved(&["app", "transition", "手机银行", "--to", "in_development"]);

        // Release 1: analysed from the real package. Its one high finding
        // (PKG-004, cleartext traffic allowed) first blocks the launch gate;
        // the security owner's accepted exception (a policy suppression
        // with reason, owner and expiry) lets it through.
        let policy = docs.path().join("policy.toml");
        std::fs::write(
            &policy,
            "schema = 1\n[[suppress]]\nrule = \"PKG-004\"\npackage = \"android.appsecurity.cts.tinyapp\"\nreason = \"test build talks to a loopback server only\"\nowner = \"王五 (security)\"\nexpires = \"2099-12-31\"\n",
        )
        .unwrap();
        let unexcused = l.json(
            "张三",
            &[
                "release",
                "add",
                "手机银行",
                v2.to_str().unwrap(),
                "--format",
                "json",
            ],
        );
        assert_eq!(unexcused["release"]["findings_high"], 1, "{backend}");
        let t = l.request(
            "张三",
            &[
                "release",
                "transition",
                unexcused["release"]["id"].as_str().unwrap(),
                "--to",
                "rejected",
            ],
        );
        l.ok("李四", &["gate", "approve", &t, "--role", "approver"]);
        let r1 = l.json(
            "张三",
            &[
                "release",
                "add",
                "手机银行",
                v2.to_str().unwrap(),
                "--policy",
                policy.to_str().unwrap(),
                "--format",
                "json",
            ],
        );
        let r1id = r1["release"]["id"].as_str().unwrap().to_string();
        assert_eq!(
            r1["release"]["identifier"],
            "android.appsecurity.cts.tinyapp"
        );
        assert_eq!(r1["release"]["signer_sha256"][0], key.as_str());
        assert!(r1["continuity_alerts"].as_array().unwrap().is_empty());
        assert_eq!(r1["release"]["findings_high"], 0, "{backend}");
        // The same file while a release of it is in progress is refused.
        assert!(
            !l.run(
                "张三",
                &["release", "add", "手机银行", v2.to_str().unwrap()]
            )
            .status
            .success()
        );
        // The filing, as filed: matches the release.
        l.ok(
            "赵六",
            &["record", "add", "filing", "--set", &format!("app_id={app}"), "--set", "kind=miit_app",
              "--set", "number=京ICP备00000000号-1A", "--set", "state=approved", "--set",
              &format!(r#"filed={{"identifier":"android.appsecurity.cts.tinyapp","signer_sha256":["{key}"],"signer_md5":[],"domains":[],"sdks":[],"version_name":null}}"#)],
        );
        l.moved(&["release", "transition", &r1id, "--to", "in_test"]);
        let t = l.request(
            "张三",
            &["release", "transition", &r1id, "--to", "approved"],
        );
        let open = l.work_through(&t, docs.path());
        assert!(
            open.is_empty(),
            "{backend}: launch gate still open: {open:?}"
        );
        l.ok("李四", &["gate", "approve", &t, "--role", "approver"]);
        let t = l.request("张三", &["app", "transition", "手机银行", "--to", "live"]);
        let open = l.work_through(&t, docs.path());
        assert!(
            open.is_empty(),
            "{backend}: app launch still open: {open:?}"
        );
        l.ok("李四", &["gate", "approve", &t, "--role", "approver"]);
        l.moved(&["release", "transition", &r1id, "--to", "live"]);

        // Release 2: the change gate.
        let r2 = l.json(
            "张三",
            &[
                "release",
                "add",
                "android.appsecurity.cts.tinyapp",
                v3.to_str().unwrap(),
                "--policy",
                policy.to_str().unwrap(),
                "--format",
                "json",
            ],
        );
        let r2id = r2["release"]["id"].as_str().unwrap().to_string();
        assert!(r2["continuity_alerts"].as_array().unwrap().is_empty());
        l.moved(&["release", "transition", &r2id, "--to", "in_test"]);
        let t = l.request(
            "张三",
            &["release", "transition", &r2id, "--to", "approved"],
        );
        l.ok("王五", &["gate", "review-diff", &t]);
        let open = l.work_through(&t, docs.path());
        assert!(
            open.is_empty(),
            "{backend}: change gate still open: {open:?}"
        );
        l.ok("李四", &["gate", "approve", &t, "--role", "approver"]);
        l.moved(&["release", "transition", &r2id, "--to", "live"]);
        let shown = l.json("张三", &["app", "show", "手机银行", "--format", "json"]);
        assert_eq!(shown["app"]["state"], "live");
        let states: Vec<(&str, &str)> = shown["releases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_str().unwrap(), r["state"].as_str().unwrap()))
            .collect();
        assert!(
            states.contains(&(r1id.as_str(), "superseded")),
            "{states:?}"
        );
        assert!(states.contains(&(r2id.as_str(), "live")), "{states:?}");

        // A package signed by another key: flagged loudly (exit 3).
        let o = l.run(
            "张三",
            &["release", "add", "手机银行", other.to_str().unwrap()],
        );
        assert_eq!(
            o.status.code(),
            Some(3),
            "{backend}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(String::from_utf8_lossy(&o.stderr).contains("certificate continuity"));
        // The new signer no longer matches the filing: a filing update is
        // owed (article 11), opened by that release.
        let obligations = l.json("审计", &["compliance", "obligations", "--format", "json"]);
        let updates: Vec<&Value> = obligations
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["obligation"]["template"] == "nfra-2024-99/filing-update")
            .collect();
        assert_eq!(updates.len(), 1, "{backend}: {obligations}");
        assert!(
            updates[0]["obligation"]["trigger_note"]
                .as_str()
                .unwrap()
                .contains("签名证书变更"),
            "{backend}: {}",
            updates[0]
        );

        // Views: the foreign key shows up in certificate continuity.
        let v = l.run(
            "审计",
            &[
                "ledger",
                "views",
                "--only",
                "continuity",
                "--format",
                "json",
            ],
        );
        assert_eq!(v.status.code(), Some(1));
        let v: Value = serde_json::from_slice(&v.stdout).unwrap();
        assert_eq!(
            v["continuity"].as_array().unwrap().len(),
            1,
            "{backend}: {v}"
        );
        assert_eq!(v["continuity"][0]["kind"], "unknown_certificate");

        // Export XLSX, import into an empty ledger, get the same ledger back.
        let sheet = docs.path().join("台账.xlsx");
        l.ok(
            "审计",
            &[
                "ledger",
                "export",
                "--format",
                "xlsx",
                "--out",
                sheet.to_str().unwrap(),
            ],
        );
        let fresh = Ledger {
            data: tempfile::tempdir().unwrap(),
            url: l.url.as_ref().and_then(|_| scratch_pg()),
        };
        fresh.ok("管理员", &["init", "--institution", "示例银行股份有限公司"]);
        let dry = fresh.ok(
            "管理员",
            &["ledger", "import", sheet.to_str().unwrap(), "--dry-run"],
        );
        assert!(dry.contains("would import 1 apps"), "{dry}");
        assert_eq!(
            fresh.json("管理员", &["app", "list", "--format", "json"])["total"],
            0
        );
        let imported = fresh.ok("管理员", &["ledger", "import", sheet.to_str().unwrap()]);
        assert!(
            imported.contains("imported 1 apps, 1 departments and 1 people"),
            "{imported}"
        );
        let again = docs.path().join("again.csv");
        let first = docs.path().join("first.csv");
        l.ok(
            "审计",
            &[
                "ledger",
                "export",
                "--format",
                "csv",
                "--out",
                first.to_str().unwrap(),
            ],
        );
        fresh.ok(
            "审计",
            &[
                "ledger",
                "export",
                "--format",
                "csv",
                "--out",
                again.to_str().unwrap(),
            ],
        );
        assert_eq!(
            std::fs::read_to_string(&first).unwrap(),
            std::fs::read_to_string(&again).unwrap(),
            "{backend}"
        );
        assert!(
            std::fs::read_to_string(&first)
                .unwrap()
                .contains("android.appsecurity.cts.tinyapp")
        );
        // Importing the same sheet again: the package is already recorded.
        let o = fresh.run("管理员", &["ledger", "import", sheet.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stdout).contains("already in the ledger"));
        assert!(fresh.ok("审计", &["audit", "verify"]).contains("intact"));

        // The trail verifies; a row changed by hand is found.
        let v = l.ok("审计", &["audit", "verify"]);
        assert!(v.contains("intact"), "{backend}: {v}");
        // SQLite → PostgreSQL: `db copy` moves records and trail; the copy
        // verifies with the same head and serves the same ledger.
        if backend == "sqlite"
            && let Some(url) = scratch_pg()
        {
            let out = l.ok("管理员", &["db", "copy", "--to", &url]);
            assert!(out.contains("the copy verifies"), "{out}");
            let moved = Ledger {
                data: tempfile::tempdir().unwrap(),
                url: Some(url),
            };
            let head = |s: &str| s.split("head ").nth(1).unwrap().trim().to_string();
            assert_eq!(head(&moved.ok("审计", &["audit", "verify"])), head(&v));
            let exported = docs.path().join("moved.csv");
            moved.ok(
                "审计",
                &[
                    "ledger",
                    "export",
                    "--format",
                    "csv",
                    "--out",
                    exported.to_str().unwrap(),
                ],
            );
            assert_eq!(
                std::fs::read(&exported).unwrap(),
                std::fs::read(&first).unwrap()
            );
            let o = l.run(
                "管理员",
                &["db", "copy", "--to", moved.url.as_ref().unwrap()],
            );
            assert!(String::from_utf8_lossy(&o.stderr).contains("not empty"));
        }
        tamper(&l, "UPDATE app SET mlps_level = 1");
        let o = l.run("审计", &["audit", "verify"]);
        assert_eq!(o.status.code(), Some(1), "{backend}");
        assert!(String::from_utf8_lossy(&o.stdout).contains("changed behind appgov's back"));
    }
}

fn tamper(l: &Ledger, sql: &'static str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut cfg = appgov_store::StoreConfig::new(l.data.path());
        cfg.database_url = l.url.clone();
        let store = appgov_store::Store::open(&cfg).await.unwrap();
        assert!(store.tamper_for_test(sql).await.unwrap() >= 1);
        store.close().await;
    });
}
