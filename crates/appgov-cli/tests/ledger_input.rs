//! Bad input to the ledger gets a clear error and nothing half-written:
//! malformed and oversized sheets, unknown values, duplicates, stale edits,
//! and an import killed midway (the database is as before).

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

struct Ledger {
    data: tempfile::TempDir,
}

impl Ledger {
    fn new() -> Ledger {
        let l = Ledger {
            data: tempfile::tempdir().unwrap(),
        };
        l.ok(&["init", "--institution", "示例银行股份有限公司"]);
        l
    }
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_appgov"));
        c.args(args)
            .env("APPGOV_DATA_DIR", self.data.path())
            .env("APPGOV_ACTOR", "测试员")
            .env_remove("APPGOV_DATABASE_URL");
        c
    }
    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }
    fn apps(&self) -> i64 {
        let v: Value =
            serde_json::from_str(&self.ok(&["app", "list", "--format", "json"])).unwrap();
        v["total"].as_i64().unwrap()
    }
    fn events(&self) -> String {
        self.ok(&["audit", "verify"])
    }
    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.data.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    }
}

fn csv(rows: impl IntoIterator<Item = String>) -> Vec<u8> {
    let mut s = String::from("name,form,department,responsible_person,package\n");
    for r in rows {
        s.push_str(&r);
        s.push('\n');
    }
    s.into_bytes()
}

#[test]
fn row_errors_are_all_listed_and_nothing_is_written() {
    let l = Ledger::new();
    let before = l.events();
    let f = l.file(
        "bad.csv",
        &csv([
            "手机银行,android,信息科技部,张三,com.example.bank".to_string(),
            "桌面银行,desktop,信息科技部,张三,com.example.desk".to_string(),
            "信用卡,android,信用卡中心,李四,not a package".to_string(),
            "手机银行二,android,信息科技部,张三,com.example.bank".to_string(),
        ]),
    );
    let o = l.run(&["ledger", "import", &f]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("row 3: form: unknown AppForm \"desktop\""),
        "{out}"
    );
    assert!(
        out.contains("row 4:") && out.contains("not a package"),
        "{out}"
    );
    assert!(
        out.contains("row 5:") && out.contains("row 2"),
        "duplicate names the earlier row: {out}"
    );
    assert!(out.contains("nothing imported"));
    assert_eq!(l.apps(), 0);
    assert_eq!(l.events(), before, "no audit event either");
}

#[test]
fn malformed_and_oversized_sheets_are_refused_clearly() {
    let l = Ledger::new();
    let junk = l.file(
        "junk.csv",
        &[0u8, 159, 146, 150, 0, 0, 255, 254, 0, 1, 2, 3],
    );
    let o = l.run(&["ledger", "import", &junk]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&o.stderr).is_empty());
    // A truncated workbook.
    let ok = csv(["手机银行,android,信息科技部,张三,com.example.bank".to_string()]);
    let good = l.file("ok.csv", &ok);
    let xlsx = l.data.path().join("ok.xlsx");
    l.ok(&["ledger", "import", &good, "--dry-run"]);
    let l2 = Ledger::new();
    l2.ok(&["ledger", "import", &good]);
    l2.ok(&[
        "ledger",
        "export",
        "--format",
        "xlsx",
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&xlsx).unwrap();
    let cut = l.file("cut.xlsx", &bytes[..bytes.len() / 2]);
    let o = l.run(&["ledger", "import", &cut]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Larger than the limit: refused before it is read.
    let big = l.data.path().join("big.csv");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(51 * 1024 * 1024).unwrap();
    let o = l.run(&["ledger", "import", big.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("refused"));
    // A header without the required columns.
    let nohead = l.file("nohead.csv", "应用,类别\n手机银行,android\n".as_bytes());
    let o = l.run(&["ledger", "import", &nohead]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(l.apps(), 0);
    // Explicit mapping makes the same sheet importable.
    l.ok(&[
        "ledger",
        "import",
        &nohead,
        "--map",
        "应用=name",
        "--map",
        "类别=form",
    ]);
    assert_eq!(l.apps(), 1);
}

#[test]
fn stale_edits_are_refused() {
    let l = Ledger::new();
    l.ok(&[
        "app",
        "add",
        "--name",
        "手机银行",
        "--form",
        "android",
        "--package",
        "com.example.bank",
    ]);
    l.ok(&[
        "app",
        "edit",
        "手机银行",
        "--set",
        "mlps_level=3",
        "--expect-version",
        "1",
    ]);
    let o = l.run(&[
        "app",
        "edit",
        "手机银行",
        "--set",
        "mlps_level=2",
        "--expect-version",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("version 2, not 1"));
    let v: Value =
        serde_json::from_str(&l.ok(&["app", "show", "手机银行", "--format", "json"])).unwrap();
    assert_eq!(v["app"]["mlps_level"], 3);
    // Unknown values and fields are named.
    let o = l.run(&["app", "edit", "手机银行", "--set", "user_segment=martians"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown variant"));
    let o = l.run(&["app", "edit", "手机银行", "--set", "colour=red"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no field \"colour\""));
    // The same package for a second app.
    let o = l.run(&[
        "app",
        "add",
        "--name",
        "另一个",
        "--form",
        "android",
        "--package",
        "com.example.bank",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already recorded"));
    assert_eq!(l.apps(), 1);
}

#[test]
fn an_import_killed_midway_leaves_the_ledger_as_it_was() {
    let l = Ledger::new();
    l.ok(&["app", "add", "--name", "已有应用", "--form", "ios"]);
    let before = l.events();
    let rows = (0..20_000).map(|i| {
        format!(
            "应用{i},android,部门{},负责人{},com.example.app{i}",
            i % 40,
            i % 300
        )
    });
    let f = l.file("big.csv", &csv(rows));
    let mut child = l
        .cmd(&["ledger", "import", &f])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut seen = false;
    for line in BufReader::new(stderr).lines() {
        if line.unwrap().contains("rows written (not yet committed)") {
            seen = true;
            break;
        }
    }
    assert!(seen, "the import never reported progress");
    // SIGKILL: no chance to clean up.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_eq!(l.apps(), 1, "nothing of the killed import is visible");
    assert_eq!(l.events(), before, "the trail is as before and intact");
    // And the same import, left alone, completes.
    let out = l.ok(&["ledger", "import", &f]);
    assert!(
        out.contains("imported 20000 apps, 40 departments and 300 people"),
        "{out}"
    );
    assert_eq!(l.apps(), 20_001);
    assert!(l.events().contains("intact"));
}

#[test]
fn a_recorded_head_catches_a_rewritten_history() {
    let l = Ledger::new();
    l.ok(&["app", "add", "--name", "手机银行", "--form", "android"]);
    let v = l.ok(&["audit", "verify"]);
    let head = v.split_whitespace().last().unwrap().to_string();
    assert_eq!(head.len(), 64, "{v}");
    // Later changes extend the trail: the recorded head is still in it.
    l.ok(&["app", "edit", "手机银行", "--set", "mlps_level=2"]);
    l.ok(&["audit", "verify", "--expect-head", &head]);
    // A head that is not in the trail (the history was rebuilt).
    let forged = "0".repeat(63) + "1";
    let o = l.run(&["audit", "verify", "--expect-head", &forged]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("history rewritten"));
}
