//! The ledger at scale (issue #4): a deterministic synthetic ledger of a
//! large group — N apps, N×K releases with findings and SDK usages,
//! filings, twelve months of metrics — written through the real paths, then
//! timed: import, ledger pages, one app's page, the derived views and the
//! audit verification.
//!
//!   cargo build --release -p appgov-cli --example ledger_scale -p appgov-store
//!   target/release/examples/ledger_scale --backend sqlite|postgres \
//!       [--apps 100000] [--releases-per-app 10] [--seed 1] [--batch 10000] \
//!       [--runs 200] [--work-dir DIR] [--postgres-admin URL] [--appgov BIN] \
//!       [--json FILE] [--keep]
//!
//! The app sheet is imported by running the built `appgov ledger import`
//! (the same binary users run, against the same data directory or database
//! URL); releases and everything after them go through `Store::write`
//! transactions, every row audited and hash-chained as in production.
//! PostgreSQL: `--postgres-admin` (default `APPGOV_TEST_POSTGRES_URL`) names
//! a server where a fresh database is created and dropped afterwards.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use appgov_ledger::{
    ActivityMetric, App, AppForm, AppIdentity, AppState, ConsolidationRules, FiledFacts, Filing,
    FilingKind, FilingState, Listing, MinorsPolicy, Platform, Release, ReleaseFinding,
    ReleaseState, SdkUsage, Transition, UserSegment, ledger_views,
};
use appgov_sheet::LedgerRow;
use appgov_store::{AppQuery, AppSort, Store, StoreConfig};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// SplitMix64: a tiny, fixed, seedable generator, written out so the data
/// set depends on nothing but the seed (no RNG crate version can change it).
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(u64::from(total)) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

fn hex_digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

const BRANCHES: &[&str] = &[
    "总行",
    "北京分行",
    "上海分行",
    "广东分行",
    "深圳分行",
    "浙江分行",
    "江苏分行",
    "四川分行",
    "湖北分行",
    "山东分行",
    "福建分行",
    "河南分行",
    "湖南分行",
    "陕西分行",
    "天津分行",
    "重庆分行",
    "辽宁分行",
    "安徽分行",
    "云南分行",
    "广西分行",
];
const DEPARTMENT_KINDS: &[&str] = &[
    "金融科技部",
    "零售银行部",
    "信用卡中心",
    "网络金融部",
    "运营管理部",
    "风险管理部",
    "法律合规部",
    "个人金融部",
    "公司金融部",
    "办公室",
];
const PRODUCTS: &[&str] = &[
    "手机银行",
    "信用卡",
    "财富管理",
    "企业网银",
    "养老金融",
    "普惠贷款",
    "移动办公",
    "远程银行",
    "理财商城",
    "基金投资",
    "保险服务",
    "车险理赔",
    "健康管理",
    "积分商城",
    "跨境支付",
    "乡村振兴",
    "供应链金融",
    "数字人民币",
    "智慧营业厅",
    "员工学习",
];
const VARIANTS: &[&str] = &["", "小程序", "助手", "专业版", "尊享版", "极速版", "服务号"];
const FUNCTIONS: &[&str] = &[
    "账户查询",
    "转账汇款",
    "理财购买",
    "贷款申请",
    "信用卡还款",
    "生活缴费",
    "积分兑换",
    "在线客服",
    "网点预约",
    "外汇买卖",
    "基金定投",
    "保险投保",
    "理赔报案",
    "电子账单",
    "手机充值",
    "扫码支付",
    "社保查询",
    "医保缴费",
    "养老金查询",
    "数字人民币钱包",
    "企业对账",
    "票据业务",
    "代发工资",
    "审批流程",
    "考勤打卡",
    "学习培训",
    "消息通知",
    "风险测评",
    "身份认证",
    "发票管理",
];
const PROVINCES: &[&str] = &[
    "北京", "上海", "广东", "浙江", "江苏", "四川", "湖北", "山东", "福建", "河南", "湖南", "陕西",
    "天津", "重庆", "辽宁", "安徽", "云南", "广西", "全国",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "建国", "晓东", "海燕",
    "志强", "婷", "宇", "浩然", "子涵", "欣怡", "梓轩", "雨萱", "一鸣", "思远", "嘉怡",
];
/// (SDK id, name, vendor, collects)
const SDKS: &[(&str, &str, &str, &[&str])] = &[
    ("tencent_bugly", "Bugly", "腾讯", &["device_id"]),
    (
        "umeng_analytics",
        "友盟统计",
        "友盟同欣",
        &["device_id", "location"],
    ),
    ("jpush", "极光推送", "极光", &["device_id"]),
    ("getui", "个推", "每日互动", &["device_id", "app_list"]),
    ("amap_location", "高德定位", "高德", &["location"]),
    ("baidu_map", "百度地图", "百度", &["location"]),
    ("wechat_open", "微信开放平台", "腾讯", &[]),
    ("alipay_sdk", "支付宝支付", "蚂蚁集团", &[]),
    ("unionpay", "银联支付", "中国银联", &[]),
    ("sensors_data", "神策分析", "神策网络", &["device_id"]),
    ("huawei_push", "华为推送", "华为", &["device_id"]),
    ("xiaomi_push", "小米推送", "小米", &["device_id"]),
    ("tingyun", "听云", "听云", &["device_id"]),
    ("face_liveness", "活体检测", "商汤科技", &["face"]),
    ("ocr_idcard", "身份证识别", "合合信息", &["id_card"]),
];
/// (rule, severity, title)
const RULES: &[(&str, &str, &str)] = &[
    ("cleartext-traffic", "high", "允许明文 HTTP 通信"),
    ("debuggable", "high", "应用可调试"),
    ("exported-component", "medium", "组件导出未加保护"),
    ("weak-hash", "medium", "使用弱哈希算法"),
    (
        "webview-js-bridge",
        "medium",
        "WebView 暴露 JavaScript 接口",
    ),
    ("backup-allowed", "low", "允许备份应用数据"),
    ("log-sensitive", "low", "日志可能输出敏感信息"),
    ("root-detection-missing", "low", "未检测 Root 环境"),
];

const FORMS: &[AppForm] = &[
    AppForm::Android,
    AppForm::Ios,
    AppForm::Harmony,
    AppForm::WechatMini,
    AppForm::AlipayMini,
    AppForm::OtherMini,
    AppForm::OfficialAccount,
    AppForm::H5,
    AppForm::QuickApp,
];
const FORM_WEIGHTS: &[u32] = &[25, 20, 10, 15, 8, 4, 8, 7, 3];
const STATES: &[AppState] = &[
    AppState::Live,
    AppState::InDevelopment,
    AppState::Admitted,
    AppState::Proposed,
    AppState::UnderReview,
    AppState::Suspended,
    AppState::Retiring,
    AppState::Retired,
    AppState::Archived,
    AppState::Rejected,
];
const STATE_WEIGHTS: &[u32] = &[45, 10, 5, 10, 3, 2, 3, 12, 7, 3];
const SEGMENTS: &[UserSegment] = &[
    UserSegment::Retail,
    UserSegment::Corporate,
    UserSegment::Staff,
    UserSegment::Partner,
    UserSegment::Mixed,
];
/// Findings per release: 0–3, mean 1.0.
const FINDING_WEIGHTS: &[u32] = &[40, 30, 20, 10];
/// SDK usages per release: 0–5, mean 2.18.
const SDK_WEIGHTS: &[u32] = &[15, 20, 25, 20, 12, 8];
/// Shares of the data set's oddities, for the views to find.
const UNKNOWN_SIGNER_SHARE: f64 = 0.001;
const MISSING_OWNER_SHARE: f64 = 0.03;
const FILED_SHARE_OF_LIVE: f64 = 0.85;
const DRIFT_SHARE_OF_FILED: f64 = 0.03;
const TODAY: &str = "2026-06-30";
const INSTITUTION: &str = "华夏示范银行股份有限公司";

/// One app as the generator sees it (what the sheet says, plus its
/// platform identifier and certificate).
struct AppSpec {
    row: LedgerRow,
    package: String,
    cert: String,
}

fn departments() -> Vec<String> {
    let mut v = Vec::new();
    for b in BRANCHES {
        for k in DEPARTMENT_KINDS {
            v.push(format!("{b}{k}"));
        }
    }
    v
}

fn people() -> Vec<String> {
    let mut v = Vec::new();
    'outer: for g in GIVEN {
        for s in SURNAMES {
            v.push(format!("{s}{g}"));
            if v.len() == 2000 {
                break 'outer;
            }
        }
    }
    v
}

fn identifier(form: AppForm, i: usize, rng: &mut Rng) -> String {
    match form.platform() {
        Platform::Android | Platform::Harmony | Platform::QuickApp => {
            format!("cn.com.huaxiabank.app{i}")
        }
        Platform::Ios => format!("cn.com.huaxiabank.ios{i}"),
        Platform::Wechat => format!("wx{:016x}", rng.next() ^ i as u64),
        Platform::Alipay => format!("2021{:012}", i),
        Platform::Other => format!("h5-{i}.huaxiabank.com.cn"),
    }
}

fn gen_apps(n: usize, seed: u64) -> Vec<AppSpec> {
    let depts = departments();
    let people = people();
    let mut rng = Rng::new(seed, 1);
    (0..n)
        .map(|i| {
            let form = FORMS[rng.weighted(FORM_WEIGHTS)];
            let state = STATES[rng.weighted(STATE_WEIGHTS)];
            let name = format!(
                "{}{}{}{:05}",
                rng.pick(BRANCHES),
                rng.pick(PRODUCTS),
                rng.pick(VARIANTS),
                i
            );
            let mut row = LedgerRow::new(name, form);
            row.state = state;
            row.department = (!rng.chance(MISSING_OWNER_SHARE)).then(|| rng.pick(&depts).clone());
            row.responsible_person =
                (!rng.chance(MISSING_OWNER_SHARE)).then(|| rng.pick(&people).clone());
            row.tech_owner = Some(rng.pick(&people).clone());
            row.security_owner = Some(rng.pick(&people).clone());
            row.data_owner = (!rng.chance(0.1)).then(|| rng.pick(&people).clone());
            let nf = 2 + rng.below(4) as usize;
            let mut functions: Vec<String> = Vec::new();
            while functions.len() < nf {
                let f = rng.pick(FUNCTIONS).to_string();
                if !functions.contains(&f) {
                    functions.push(f);
                }
            }
            row.functions = functions;
            row.user_segment = Some(*rng.pick(SEGMENTS));
            let nr = 1 + rng.below(3) as usize;
            let mut regions: Vec<String> = Vec::new();
            while regions.len() < nr {
                let r = rng.pick(PROVINCES).to_string();
                if !regions.contains(&r) {
                    regions.push(r);
                }
            }
            row.regions = regions;
            row.important_system = rng.chance(0.05);
            row.mlps_level = if row.important_system || rng.chance(0.5) {
                Some(2 + rng.below(2) as u8)
            } else {
                None
            };
            row.elderly_mode = rng.chance(0.3);
            row.minors_policy = Some(if rng.chance(0.8) {
                MinorsPolicy::NotForMinors
            } else {
                MinorsPolicy::GuardianConsent
            });
            row.privacy_policy_url = Some(format!("https://www.huaxiabank.com.cn/privacy/{i}"));
            row.complaint_channel = Some("95599".into());
            row.third_party_operated = rng.chance(0.08);
            let package = identifier(form, i, &mut rng);
            let cert = hex_digest(&["cert", &seed.to_string(), &i.to_string()]);
            row.package = Some(package.clone());
            row.certificates = vec![cert.clone()];
            AppSpec { row, package, cert }
        })
        .collect()
}

struct Args {
    backend: String,
    apps: usize,
    releases_per_app: usize,
    seed: u64,
    batch: usize,
    runs: usize,
    work_dir: PathBuf,
    postgres_admin: Option<String>,
    appgov: PathBuf,
    json: Option<PathBuf>,
    keep: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        backend: "sqlite".into(),
        apps: 100_000,
        releases_per_app: 10,
        seed: 1,
        batch: 10_000,
        runs: 200,
        work_dir: std::env::temp_dir().join("appgov-ledger-scale"),
        postgres_admin: std::env::var("APPGOV_TEST_POSTGRES_URL").ok(),
        appgov: std::env::current_exe()
            .ok()
            .and_then(|p| Some(p.parent()?.parent()?.join("appgov")))
            .unwrap_or_else(|| PathBuf::from("appgov")),
        json: None,
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--keep" {
            a.keep = true;
            continue;
        }
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        let num = |v: &str| v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--backend" => a.backend = v,
            "--apps" => a.apps = num(&v)?,
            "--releases-per-app" => a.releases_per_app = num(&v)?,
            "--seed" => a.seed = num(&v)? as u64,
            "--batch" => a.batch = num(&v)?.max(1),
            "--runs" => a.runs = num(&v)?.max(1),
            "--work-dir" => a.work_dir = v.into(),
            "--postgres-admin" => a.postgres_admin = Some(v),
            "--appgov" => a.appgov = v.into(),
            "--json" => a.json = Some(v.into()),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    if a.backend != "sqlite" && a.backend != "postgres" {
        return Err("--backend is sqlite or postgres".into());
    }
    Ok(a)
}

/// Peak resident set of this process so far, in MiB.
fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// (p50, p99, max) in milliseconds, nearest-rank.
fn percentiles(ds: &mut [Duration]) -> (f64, f64, f64) {
    ds.sort();
    let rank = |p: f64| {
        let r = (p * ds.len() as f64).ceil() as usize;
        ds[r.clamp(1, ds.len()) - 1]
    };
    (
        ms(rank(0.50)),
        ms(rank(0.99)),
        ms(*ds.last().expect("runs > 0")),
    )
}

fn run_cli(a: &Args, data_dir: &Path, url: Option<&str>, args: &[&str]) -> Result<String, String> {
    let mut c = Command::new(&a.appgov);
    c.arg("--data-dir")
        .arg(data_dir)
        .arg("--as")
        .arg("台账管理员")
        .args(args);
    if let Some(u) = url {
        c.arg("--database-url").arg(u);
    }
    let out = c
        .output()
        .map_err(|e| format!("running {}: {e}", a.appgov.display()))?;
    if !out.status.success() {
        return Err(format!(
            "appgov {args:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("ledger_scale: {e}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(&a)) {
        Ok(report) => {
            print_table(&report);
            if let Some(p) = &a.json {
                std::fs::write(p, serde_json::to_string_pretty(&report).expect("JSON"))
                    .unwrap_or_else(|e| eprintln!("writing {}: {e}", p.display()));
            }
        }
        Err(e) => {
            eprintln!("ledger_scale: {e}");
            std::process::exit(1);
        }
    }
}

fn progress(msg: &str) {
    eprintln!("[ledger_scale {}] {msg}", time_of_day());
}

fn time_of_day() -> String {
    let s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("{:02}:{:02}:{:02}", s / 3600 % 24, s / 60 % 60, s % 60)
}

type BoxError = Box<dyn std::error::Error>;

async fn run(a: &Args) -> Result<Value, BoxError> {
    let t_all = Instant::now();
    let data_dir = a.work_dir.join(format!("{}-{}", a.backend, a.seed));
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir)?;
    }
    std::fs::create_dir_all(&data_dir)?;
    let url = if a.backend == "postgres" {
        let admin = a
            .postgres_admin
            .as_deref()
            .ok_or("--backend postgres needs --postgres-admin URL or APPGOV_TEST_POSTGRES_URL")?;
        Some(appgov_store::scratch_postgres(admin).await?)
    } else {
        None
    };
    let mut report = json!({
        "backend": a.backend,
        "apps": a.apps,
        "releases_per_app": a.releases_per_app,
        "seed": a.seed,
        "batch": a.batch,
        "runs": a.runs,
        "load_average_start": load_average(),
    });

    // 1. The sheet, imported by the real CLI.
    progress("generating apps");
    let specs = gen_apps(a.apps, a.seed);
    let rows: Vec<LedgerRow> = specs.iter().map(|s| s.row.clone()).collect();
    let csv = appgov_sheet::write_csv(&rows);
    drop(rows);
    let csv_path = data_dir.join("ledger.csv");
    std::fs::write(&csv_path, &csv)?;
    report["sheet_bytes"] = json!(csv.len());
    drop(csv);
    run_cli(
        a,
        &data_dir,
        url.as_deref(),
        &["init", "--institution", INSTITUTION],
    )?;
    progress(&format!(
        "importing {} apps with appgov ledger import",
        a.apps
    ));
    let t = Instant::now();
    let summary = run_cli(
        a,
        &data_dir,
        url.as_deref(),
        &[
            "ledger",
            "import",
            csv_path.to_str().ok_or("path is not UTF-8")?,
        ],
    )?;
    let import_s = t.elapsed().as_secs_f64();
    progress(&format!("import: {summary} in {import_s:.1} s"));
    report["import"] = json!({
        "seconds": import_s,
        "apps_per_second": a.apps as f64 / import_s,
        "summary": summary,
    });

    let store = Store::open(&StoreConfig {
        data_dir: data_dir.clone(),
        database_url: url.clone(),
    })
    .await?;
    let apps = store.all::<App>().await?;
    let identities = store.all::<AppIdentity>().await?;
    if apps.len() != a.apps || identities.len() != a.apps {
        return Err(format!(
            "import gave {} apps and {} identities, expected {}",
            apps.len(),
            identities.len(),
            a.apps
        )
        .into());
    }
    // The generator's specs by identifier, to find each stored app's.
    let spec_index: std::collections::HashMap<&str, usize> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| (s.package.as_str(), i))
        .collect();
    let app_by_id: std::collections::HashMap<&str, &App> =
        apps.iter().map(|x| (x.id.as_str(), x)).collect();
    let mut by_spec: Vec<Option<&App>> = vec![None; specs.len()];
    for id in &identities {
        let app = *app_by_id
            .get(id.app_id.as_str())
            .ok_or_else(|| format!("identity {} has no app", id.id))?;
        by_spec[spec_index[id.identifier.as_str()]] = Some(app);
    }

    // 2. Releases, findings and SDK usages through Store::write.
    progress(&format!(
        "writing {} releases in transactions of {} releases",
        a.apps * a.releases_per_app,
        a.batch
    ));
    let t = Instant::now();
    let mut counts = (0u64, 0u64, 0u64);
    let mut live_facts: Vec<Option<(Release, Vec<String>)>> = vec![None; specs.len()];
    let mut tx = store.write("发布流水线").await?;
    let mut in_tx = 0usize;
    let mut commits = 0u64;
    let mut commit_time = Duration::ZERO;
    for (i, spec) in specs.iter().enumerate() {
        let app = by_spec[i].ok_or("an app of the sheet is missing")?;
        let mut rng = Rng::new(a.seed, 1_000_000 + i as u64);
        let k = a.releases_per_app;
        for v in 0..k {
            let latest = v + 1 == k;
            let state = match (app.state, latest) {
                (AppState::Live | AppState::UnderReview | AppState::Suspended, true) => {
                    ReleaseState::Live
                }
                (AppState::InDevelopment | AppState::Admitted | AppState::Proposed, true) => {
                    ReleaseState::Analysed
                }
                (AppState::Rejected, _) => ReleaseState::Rejected,
                (AppState::Retiring | AppState::Retired | AppState::Archived, true) => {
                    ReleaseState::Withdrawn
                }
                _ => ReleaseState::Superseded,
            };
            let signer = if rng.chance(UNKNOWN_SIGNER_SHARE) {
                hex_digest(&["unknown-cert", &i.to_string(), &v.to_string()])
            } else {
                spec.cert.clone()
            };
            let nd = 2 + rng.below(4);
            let domains: Vec<String> = (0..nd)
                .map(|d| format!("api{}.huaxiabank.com.cn", (i as u64 + d) % 500))
                .collect();
            let nfind = rng.weighted(FINDING_WEIGHTS);
            let findings: Vec<&(&str, &str, &str)> = (0..nfind).map(|_| rng.pick(RULES)).collect();
            let sev = |s: &str| findings.iter().filter(|f| f.1 == s).count() as i64;
            let mut r = Release {
                id: String::new(),
                app_id: app.id.clone(),
                platform: spec.row.form.platform(),
                identifier: spec.package.clone(),
                version_name: Some(format!("{}.{}.0", 1 + v / 4, v % 4)),
                version_code: Some(100 + v as i64),
                file_name: format!("{}-{}.pkg", spec.package, 100 + v),
                artifact_sha256: hex_digest(&["artifact", &i.to_string(), &v.to_string()]),
                artifact_size: 20_000_000 + rng.below(80_000_000) as i64,
                facts_sha256: Some(hex_digest(&["facts", &i.to_string(), &v.to_string()])),
                analyser_version: Some("0.1.0".into()),
                signer_sha256: vec![signer],
                min_sdk: Some(24),
                target_sdk: Some(33 + rng.below(3) as i64),
                domains,
                findings_high: sev("high"),
                findings_medium: sev("medium"),
                findings_low: sev("low"),
                state,
                version: 0,
            };
            tx.insert(&mut r).await?;
            counts.0 += 1;
            for (n, (rule, severity, title)) in findings.iter().enumerate() {
                let mut f = ReleaseFinding {
                    id: String::new(),
                    release_id: r.id.clone(),
                    rule: rule.to_string(),
                    severity: severity.to_string(),
                    title: title.to_string(),
                    location: Some(format!("classes{}.dex", n + 1)),
                    version: 0,
                };
                tx.insert(&mut f).await?;
                counts.1 += 1;
            }
            let nsdk = rng.weighted(SDK_WEIGHTS);
            let mut sdk_ids = Vec::new();
            let first = rng.below(SDKS.len() as u64) as usize;
            for s in 0..nsdk {
                let (sdk, name, vendor, collects) = SDKS[(first + s * 3) % SDKS.len()];
                let mut u = SdkUsage {
                    id: String::new(),
                    release_id: r.id.clone(),
                    sdk: sdk.into(),
                    name: name.into(),
                    vendor: Some(vendor.into()),
                    collects: collects.iter().map(|c| c.to_string()).collect(),
                    version: 0,
                };
                tx.insert(&mut u).await?;
                sdk_ids.push(sdk.to_string());
                counts.2 += 1;
            }
            if state == ReleaseState::Live {
                live_facts[i] = Some((r, sdk_ids));
            }
            in_tx += 1;
            if in_tx == a.batch {
                let tc = Instant::now();
                tx.commit().await?;
                commit_time += tc.elapsed();
                commits += 1;
                if commits.is_multiple_of(10) {
                    progress(&format!(
                        "{} releases, {:.0} rows/s",
                        counts.0,
                        (counts.0 + counts.1 + counts.2) as f64 / t.elapsed().as_secs_f64()
                    ));
                }
                tx = store.write("发布流水线").await?;
                in_tx = 0;
            }
        }
    }
    let tc = Instant::now();
    tx.commit().await?;
    commit_time += tc.elapsed();
    let release_s = t.elapsed().as_secs_f64();
    let release_rows = counts.0 + counts.1 + counts.2;
    progress(&format!(
        "releases: {release_rows} rows in {release_s:.1} s"
    ));
    report["releases"] = json!({
        "seconds": release_s,
        "releases": counts.0,
        "findings": counts.1,
        "sdk_usages": counts.2,
        "rows": release_rows,
        "rows_per_second": release_rows as f64 / release_s,
        "releases_per_second": counts.0 as f64 / release_s,
        "commit_seconds": commit_time.as_secs_f64(),
    });

    // 3. Filings (some drifting) and 12 months of metrics for live apps.
    progress("writing filings and metrics");
    let t = Instant::now();
    let (mut filings, mut metrics) = (0u64, 0u64);
    let mut tx = store.write("运营数据导入").await?;
    let mut in_tx = 0usize;
    for (i, facts) in live_facts.iter().enumerate() {
        let Some((release, sdks)) = facts else {
            continue;
        };
        let app = by_spec[i].expect("checked above");
        let mut rng = Rng::new(a.seed, 2_000_000 + i as u64);
        if rng.chance(FILED_SHARE_OF_LIVE) {
            let drift = rng.chance(DRIFT_SHARE_OF_FILED);
            let mut domains = release.domains.clone();
            if drift {
                domains.pop();
                domains.push(format!("cdn{i}.example-partner.cn"));
            }
            let mut f = Filing {
                id: String::new(),
                app_id: app.id.clone(),
                kind: FilingKind::MiitApp,
                authority: Some("工业和信息化部".into()),
                number: Some(format!("京ICP备{:08}号-{}A", 20_000_000 + i, 1 + i % 9)),
                state: FilingState::Approved,
                filed: FiledFacts {
                    identifier: Some(release.identifier.clone()),
                    signer_sha256: release.signer_sha256.clone(),
                    signer_md5: Vec::new(),
                    domains,
                    sdks: sdks.clone(),
                    version_name: release.version_name.clone(),
                },
                submitted_on: Some("2025-03-01".into()),
                approved_on: Some("2025-03-20".into()),
                version: 0,
            };
            tx.insert(&mut f).await?;
            filings += 1;
            in_tx += 1;
        }
        let base = 1_000 + rng.below(2_000_000) as i64;
        for m in 0..12 {
            let (y, mo) = if m < 6 { (2025, 7 + m) } else { (2026, m - 5) };
            let mut x = ActivityMetric {
                id: String::new(),
                app_id: app.id.clone(),
                period: format!("{y}-{mo:02}"),
                monthly_active_users: Some(base + rng.below(base as u64 / 5 + 1) as i64),
                downloads: Some(rng.below(50_000) as i64),
                rating: Some((28 + rng.below(23)) as f64 / 10.0),
                complaints: Some(rng.below(60) as i64),
                version: 0,
            };
            tx.insert(&mut x).await?;
            metrics += 1;
            in_tx += 1;
        }
        if in_tx >= a.batch {
            tx.commit().await?;
            tx = store.write("运营数据导入").await?;
            in_tx = 0;
        }
    }
    tx.commit().await?;
    let other_s = t.elapsed().as_secs_f64();
    report["filings_metrics"] = json!({
        "seconds": other_s,
        "filings": filings,
        "metrics": metrics,
        "rows_per_second": (filings + metrics) as f64 / other_s,
    });
    drop(live_facts);
    drop(by_spec);
    drop(app_by_id);
    drop(spec_index);
    drop(specs);
    progress(&format!(
        "filings and metrics: {} rows in {other_s:.1} s",
        filings + metrics
    ));

    // 4. Ledger pages.
    let depts = store.all::<appgov_ledger::OrgNode>().await?;
    let dept = depts
        .iter()
        .find(|o| o.name == "北京分行金融科技部")
        .map(|o| o.id.clone());
    let queries: Vec<(&str, AppQuery)> = vec![
        ("first page by name", AppQuery::default()),
        (
            "state = live",
            AppQuery {
                state: Some(AppState::Live),
                ..AppQuery::default()
            },
        ),
        (
            "form = android + department",
            AppQuery {
                form: Some(AppForm::Android),
                department_id: dept,
                ..AppQuery::default()
            },
        ),
        (
            "search 信用卡",
            AppQuery {
                search: Some("信用卡".into()),
                ..AppQuery::default()
            },
        ),
        (
            "sort by state desc",
            AppQuery {
                sort: AppSort::State,
                descending: true,
                ..AppQuery::default()
            },
        ),
        (
            "offset 50000 by name",
            AppQuery {
                offset: 50_000,
                ..AppQuery::default()
            },
        ),
    ];
    progress(&format!(
        "timing {} queries × {} runs, interleaved",
        queries.len(),
        a.runs
    ));
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); queries.len()];
    let mut totals = vec![0i64; queries.len()];
    for _ in 0..a.runs {
        for (k, (_, q)) in queries.iter().enumerate() {
            let t = Instant::now();
            let page = store.list_apps(q).await?;
            times[k].push(t.elapsed());
            totals[k] = page.total;
        }
    }
    let mut all: Vec<Duration> = times.iter().flatten().copied().collect();
    let mut pages = Vec::new();
    for (k, (name, _)) in queries.iter().enumerate() {
        let (p50, p99, max) = percentiles(&mut times[k]);
        pages.push(json!({"query": name, "matches": totals[k], "p50_ms": p50, "p99_ms": p99, "max_ms": max}));
    }
    let (p50, p99, max) = percentiles(&mut all);
    pages.push(json!({"query": "all queries", "matches": null, "p50_ms": p50, "p99_ms": p99, "max_ms": max}));

    // One app's page as `appgov app show` loads it.
    let mut rng = Rng::new(a.seed, 3);
    let mut show = Vec::new();
    let mut show_releases = 0usize;
    for _ in 0..a.runs {
        let id = &apps[rng.below(apps.len() as u64) as usize].id;
        let t = Instant::now();
        let app = store.get::<App>(id).await?.ok_or("app vanished")?;
        let _ = store.find::<AppIdentity>("app_id", &app.id).await?;
        let _ = store.find::<Listing>("app_id", &app.id).await?;
        show_releases = store.find::<Release>("app_id", &app.id).await?.len();
        let _ = store.find::<Filing>("app_id", &app.id).await?;
        let _ = store.find::<Transition>("object_id", &app.id).await?;
        show.push(t.elapsed());
    }
    let (p50, p99, max) = percentiles(&mut show);
    pages.push(json!({"query": "app show (by id, with releases)", "matches": show_releases, "p50_ms": p50, "p99_ms": p99, "max_ms": max}));
    report["pages"] = Value::Array(pages);
    drop(apps);
    drop(identities);

    // 5. The derived views.
    progress("loading the views snapshot (findings and SDK usages of current releases only)");
    let t = Instant::now();
    let snapshot = store.views_snapshot().await?;
    let load_s = t.elapsed().as_secs_f64();
    let records = snapshot.org_nodes.len()
        + snapshot.persons.len()
        + snapshot.apps.len()
        + snapshot.identities.len()
        + snapshot.releases.len()
        + snapshot.findings.len()
        + snapshot.sdk_usages.len()
        + snapshot.filings.len()
        + snapshot.metrics.len();
    progress(&format!(
        "snapshot: {records} records in {load_s:.1} s; computing views"
    ));
    let t = Instant::now();
    let v = ledger_views(&snapshot, &ConsolidationRules::default(), TODAY);
    let views_s = t.elapsed().as_secs_f64();
    let rss_views = peak_rss_mib();
    report["views"] = json!({
        "snapshot_load_seconds": load_s,
        "snapshot_records": records,
        "departments_and_institution": snapshot.org_nodes.len(),
        "people": snapshot.persons.len(),
        "views_seconds": views_s,
        "quality_apps": v.quality.len(),
        "continuity_alerts": v.continuity.len(),
        "drift_filings": v.drift.len(),
        "consolidation_candidates": v.consolidation.len(),
        "peak_rss_mib_after_views": rss_views,
    });
    drop(v);
    drop(snapshot);
    progress(&format!(
        "views in {views_s:.1} s; verifying the audit trail"
    ));

    // 6. Audit verification.
    let t = Instant::now();
    let audit = store.verify_audit().await?;
    let verify_s = t.elapsed().as_secs_f64();
    report["audit"] = json!({
        "seconds": verify_s,
        "events": audit.events,
        "records": audit.records,
        "intact": audit.intact(),
    });
    progress(&format!("audit verify in {verify_s:.1} s"));

    // 7. Size on disk.
    store.close().await;
    let db_bytes = match &url {
        None => ["appgov.sqlite3", "appgov.sqlite3-wal", "appgov.sqlite3-shm"]
            .iter()
            .filter_map(|f| std::fs::metadata(data_dir.join(f)).ok())
            .map(|m| m.len())
            .sum::<u64>(),
        Some(u) => {
            let pool = sqlx::PgPool::connect(u).await?;
            let (n,): (i64,) = sqlx::query_as("SELECT pg_database_size(current_database())")
                .fetch_one(&pool)
                .await?;
            pool.close().await;
            n as u64
        }
    };
    report["database_bytes"] = json!(db_bytes);
    report["peak_rss_mib"] = json!(peak_rss_mib());
    report["total_seconds"] = json!(t_all.elapsed().as_secs_f64());
    report["load_average_end"] = json!(load_average());
    if !a.keep {
        std::fs::remove_dir_all(&data_dir)?;
        if let (Some(u), Some(admin)) = (&url, &a.postgres_admin) {
            let name = u.rsplit('/').next().unwrap_or_default().to_string();
            let pool = sqlx::PgPool::connect(admin).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name}"
            )))
            .execute(&pool)
            .await?;
            pool.close().await;
        }
    }
    Ok(report)
}

fn print_table(r: &Value) {
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    println!(
        "ledger at scale — backend {}, {} apps × {} releases, seed {}, batch {}, {} runs per query",
        r["backend"].as_str().unwrap_or("?"),
        r["apps"],
        r["releases_per_app"],
        r["seed"],
        r["batch"],
        r["runs"]
    );
    println!(
        "load average at start {} / end {}",
        r["load_average_start"].as_str().unwrap_or(""),
        r["load_average_end"].as_str().unwrap_or("")
    );
    let i = &r["import"];
    println!(
        "import (appgov ledger import, {:.1} MiB CSV): {:.1} s, {:.0} apps/s — {}",
        f(&r["sheet_bytes"]) / 1048576.0,
        f(&i["seconds"]),
        f(&i["apps_per_second"]),
        i["summary"].as_str().unwrap_or("")
    );
    let rel = &r["releases"];
    println!(
        "releases via Store::write: {} releases + {} findings + {} SDK usages = {} rows in {:.1} s ({:.0} rows/s, {:.0} releases/s; commits {:.1} s)",
        rel["releases"],
        rel["findings"],
        rel["sdk_usages"],
        rel["rows"],
        f(&rel["seconds"]),
        f(&rel["rows_per_second"]),
        f(&rel["releases_per_second"]),
        f(&rel["commit_seconds"])
    );
    let o = &r["filings_metrics"];
    println!(
        "filings + metrics: {} + {} rows in {:.1} s ({:.0} rows/s)",
        o["filings"],
        o["metrics"],
        f(&o["seconds"]),
        f(&o["rows_per_second"])
    );
    println!(
        "{:<34} {:>8} {:>9} {:>9} {:>9}",
        "query", "matches", "p50 ms", "p99 ms", "max ms"
    );
    for p in r["pages"].as_array().into_iter().flatten() {
        println!(
            "{:<34} {:>8} {:>9.2} {:>9.2} {:>9.2}",
            p["query"].as_str().unwrap_or(""),
            if p["matches"].is_null() {
                String::new()
            } else {
                p["matches"].to_string()
            },
            f(&p["p50_ms"]),
            f(&p["p99_ms"]),
            f(&p["max_ms"])
        );
    }
    let v = &r["views"];
    println!(
        "views: snapshot load {:.1} s ({} records), ledger_views {:.1} s — quality {} apps, continuity {} alerts, drift {} filings, consolidation {} candidates",
        f(&v["snapshot_load_seconds"]),
        v["snapshot_records"],
        f(&v["views_seconds"]),
        v["quality_apps"],
        v["continuity_alerts"],
        v["drift_filings"],
        v["consolidation_candidates"]
    );
    let au = &r["audit"];
    println!(
        "audit verify: {:.1} s, {} events, {} records, intact {}",
        f(&au["seconds"]),
        au["events"],
        au["records"],
        au["intact"]
    );
    println!(
        "database on disk {:.0} MiB; peak RSS {:.0} MiB (this process; the import ran in the appgov process); total {:.0} s",
        f(&r["database_bytes"]) / 1048576.0,
        f(&r["peak_rss_mib"]),
        f(&r["total_seconds"])
    );
}
