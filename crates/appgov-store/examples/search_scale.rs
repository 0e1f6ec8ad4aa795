//! The ledger's search at scale: a synthetic ledger of N apps (Chinese
//! names, one identity each) written through audited transactions, then
//! ledger pages timed with and without a search — one at a time, and from
//! 64 tasks at once (what the web server's list page does under load).
//!
//!   cargo run --release -p appgov-store --example search_scale -- \
//!       [--apps 100000] [--dir DIR] [--runs 20] [--database-url URL]
//!       [--queries "银行,贷,sjyh"]
//!
//! An existing DIR (or database) with apps is reused (only timed): e.g. the
//! web load test's 100,000-app ledger, with `--apps 0 --queries …`.

use std::time::{Duration, Instant};

use appgov_ledger::{App, AppForm, AppIdentity, AppState, Platform};
use appgov_store::{AppQuery, Store, StoreConfig};

const BRANCHES: &[&str] = &[
    "总行",
    "北京分行",
    "上海分行",
    "广州分行",
    "深圳分行",
    "成都分行",
    "杭州分行",
    "南京分行",
];
const PRODUCTS: &[&str] = &[
    "手机银行",
    "掌上银行",
    "信用卡",
    "理财",
    "企业网银",
    "员工助手",
    "普惠金融",
    "养老金",
    "乡村振兴",
    "跨境支付",
    "数字人民币",
    "车主服务",
];
const VARIANTS: &[&str] = &["", "关怀版", "国际版", "小程序", "极速版", "测试版"];

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = arg("--apps").map_or(Ok(100_000), |s| s.parse())?;
    let runs: usize = arg("--runs").map_or(Ok(20), |s| s.parse())?;
    let dir = arg("--dir")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("appgov-search-scale-{n}")));
    let t = Instant::now();
    let mut cfg = StoreConfig::new(&dir);
    cfg.database_url = arg("--database-url");
    let store = Store::open(&cfg).await?;
    eprintln!("open (with any backfill): {:.0} ms", ms(t.elapsed()));
    let have = store.count::<App>().await? as usize;
    if have < n {
        let t = Instant::now();
        let mut i = have;
        while i < n {
            let mut tx = store.write("search-scale").await?;
            for _ in 0..5000.min(n - i) {
                let name = format!(
                    "{}{}{}{:06}",
                    BRANCHES[i % BRANCHES.len()],
                    PRODUCTS[(i / 7) % PRODUCTS.len()],
                    VARIANTS[(i / 3) % VARIANTS.len()],
                    i
                );
                let mut a = App {
                    state: AppState::Live,
                    ..appgov_ledger_new_app(&name)
                };
                tx.insert(&mut a).await?;
                let mut id = AppIdentity {
                    id: String::new(),
                    app_id: a.id.clone(),
                    platform: Platform::Android,
                    identifier: format!("cn.com.examplebank.app{i}"),
                    developer_id: None,
                    certificates: vec![],
                    key_custodian: None,
                    version: 0,
                };
                tx.insert(&mut id).await?;
                i += 1;
            }
            tx.commit().await?;
            eprintln!("{i} apps written ({:.0} s)", t.elapsed().as_secs_f64());
        }
    }
    let total = store.count::<App>().await?;
    println!("ledger: {total} apps in {}", dir.display());
    let asked: Option<Vec<(String, Option<String>)>> = arg("--queries").map(|qs| {
        qs.split(',')
            .map(|q| (q.to_string(), Some(q.to_string())))
            .collect()
    });
    let fixed: &[(&str, Option<&str>)] = &[
        ("page 1, no search", None),
        ("Chinese substring 掌上银行 (1 in 12)", Some("掌上银行")),
        ("pinyin initials zsyh", Some("zsyh")),
        ("full pinyin zhangshangyinhang", Some("zhangshangyinhang")),
        ("two words 上海 xyk", Some("上海 xyk")),
        ("one package app99999", Some("app99999")),
        ("no match 不存在的应用", Some("不存在的应用")),
    ];
    let mut queries: Vec<(String, Option<String>)> = asked.unwrap_or_else(|| {
        fixed
            .iter()
            .map(|(l, q)| (l.to_string(), q.map(str::to_string)))
            .collect()
    });
    queries.insert(0, ("page 1000 (offset 49,950), no search".into(), None));
    for (k, (label, q)) in queries.iter().enumerate() {
        let query = AppQuery {
            search: q.clone(),
            offset: if k == 0 { 49_950 } else { 0 },
            ..Default::default()
        };
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let page = store.list_apps(&query).await?;
            times.push(t.elapsed());
            found = page.total;
        }
        times.sort();
        println!(
            "{label}: {found} found; median {:.1} ms, max {:.1} ms ({runs} runs)",
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    }
    // 64 at once, as the load test's connections.
    for q in [None, Some("zsyh")] {
        let t = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                for _ in 0..runs {
                    let t = Instant::now();
                    store
                        .list_apps(&AppQuery {
                            search: q.map(str::to_string),
                            ..Default::default()
                        })
                        .await
                        .expect("page");
                    lat.push(t.elapsed());
                }
                lat
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await?);
        }
        let wall = t.elapsed();
        all.sort();
        println!(
            "64 tasks × {runs} pages, search {:?}: {:.0} pages/s, p50 {:.1} ms, p99 {:.1} ms",
            q.unwrap_or("(none)"),
            all.len() as f64 / wall.as_secs_f64(),
            ms(all[all.len() / 2]),
            ms(all[all.len() * 99 / 100])
        );
    }
    store.close().await;
    Ok(())
}

fn appgov_ledger_new_app(name: &str) -> App {
    App {
        id: String::new(),
        name: name.to_string(),
        aliases: vec![],
        form: AppForm::Android,
        operator_id: None,
        purpose: None,
        functions: vec![],
        user_segment: None,
        regions: vec![],
        department_id: None,
        responsible_person_id: None,
        tech_owner_id: None,
        security_owner_id: None,
        data_owner_id: None,
        state: AppState::Proposed,
        important_system: false,
        mlps_level: None,
        elderly_mode: false,
        minors_policy: None,
        privacy_policy_url: None,
        complaint_channel: None,
        third_party_operated: false,
        merged_into: None,
        version: 0,
    }
}
