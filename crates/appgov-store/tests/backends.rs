//! The store on both backends: every entity round-trips, versions guard
//! against lost updates, uniqueness and references hold, a dropped
//! transaction leaves nothing, concurrent writers keep the audit chain
//! gap-free, and `verify_audit` finds every kind of tampering.
//!
//! PostgreSQL: set `APPGOV_TEST_POSTGRES_URL` to an admin URL (`.ci/postgres`
//! starts a server and prints it). Without it the PostgreSQL half is
//! skipped with a message — except under CI, where it fails.

use appgov_ledger::model::*;
use appgov_store::jobs::{JobState, NewJob};
use appgov_store::*;
use serde_json::Value;

struct Backend {
    name: &'static str,
    cfg: StoreConfig,
    _dir: tempfile::TempDir,
}

async fn backends() -> Vec<Backend> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    out.push(Backend {
        name: "sqlite",
        cfg: StoreConfig::new(dir.path()),
        _dir: dir,
    });
    match std::env::var("APPGOV_TEST_POSTGRES_URL") {
        Ok(admin) => {
            let dir = tempfile::tempdir().unwrap();
            let mut cfg = StoreConfig::new(dir.path());
            cfg.database_url = Some(scratch_postgres(&admin).await.unwrap());
            out.push(Backend {
                name: "postgres",
                cfg,
                _dir: dir,
            });
        }
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("APPGOV_TEST_POSTGRES_URL is not set under CI (.ci/run starts PostgreSQL)")
        }
        Err(_) => eprintln!(
            "skipping the PostgreSQL half: set APPGOV_TEST_POSTGRES_URL (eval \"$(.ci/postgres)\")"
        ),
    }
    out
}

fn samples() -> serde_json::Map<String, Value> {
    serde_json::from_str(include_str!("samples.json")).unwrap()
}

fn sample<E: Stored>() -> E {
    serde_json::from_value(samples()[E::KIND].clone()).unwrap()
}

/// Inserts one sample of every kind in one transaction.
async fn insert_all(store: &Store) {
    let mut tx = store.write("测试员").await.unwrap();
    macro_rules! ins {
        ($($t:ty),+) => {$(
            let mut e: $t = sample();
            tx.insert(&mut e).await.unwrap_or_else(|err| panic!("{}: {err}", <$t>::KIND));
        )+};
    }
    ins!(
        OrgNode,
        Person,
        App,
        AppIdentity,
        PublishingAccount,
        Listing,
        Release,
        ReleaseFinding,
        SdkUsage,
        ThirdParty,
        Agreement,
        AccessGrant,
        Filing,
        ActivityMetric,
        Transition,
        GateRecord
    );
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn every_entity_round_trips_on_every_backend() {
    for b in backends().await {
        let store = Store::open(&b.cfg).await.unwrap();
        assert_eq!(store.schema_version().await.unwrap(), 8, "{}", b.name);
        insert_all(&store).await;
        macro_rules! back {
            ($($t:ty),+) => {$(
                let want: $t = sample();
                let got: $t = store.get(want.id()).await.unwrap().unwrap_or_else(|| panic!("{} {}", b.name, <$t>::KIND));
                assert_eq!(got, want, "{} {}", b.name, <$t>::KIND);
                assert_eq!(store.all::<$t>().await.unwrap(), vec![want.clone()]);
            )+};
        }
        back!(
            OrgNode,
            Person,
            App,
            AppIdentity,
            PublishingAccount,
            Listing,
            Release,
            ReleaseFinding,
            SdkUsage,
            ThirdParty,
            Agreement,
            AccessGrant,
            Filing,
            ActivityMetric,
            Transition,
            GateRecord
        );
        let r = store.verify_audit().await.unwrap();
        assert!(r.intact(), "{}: {r:?}", b.name);
        assert_eq!((r.events, r.records), (16, 16), "{}", b.name);
        // Reopening applies nothing twice.
        store.close().await;
        let again = Store::open(&b.cfg).await.unwrap();
        assert_eq!(again.count::<App>().await.unwrap(), 1);
    }
}

#[tokio::test]
async fn the_newest_release_of_each_app_in_one_query() {
    for b in backends().await {
        let store = Store::open(&b.cfg).await.unwrap();
        // the samples hold app a-mobile with release r-1
        insert_all(&store).await;
        let app: App = sample();
        let mut tx = store.write("测试员").await.unwrap();
        let mut other = sample::<App>();
        other.id = "app-other".into();
        other.name = "另一个应用".into();
        tx.insert(&mut other).await.unwrap();
        // Inserted out of order: the greatest id wins, not the last write.
        for (id, app_id) in [
            ("rel-03", app.id.as_str()),
            ("rel-01", app.id.as_str()),
            ("rel-02", "app-other"),
            ("rel-05", app.id.as_str()),
            ("rel-04", "app-other"),
        ] {
            let mut r: Release = sample();
            r.id = id.into();
            r.app_id = app_id.into();
            r.version_name = Some(id.into());
            tx.insert(&mut r).await.unwrap();
        }
        tx.commit().await.unwrap();
        let newest: Vec<Release> = store.newest_per("app_id").await.unwrap();
        let got: Vec<(&str, &str)> = newest
            .iter()
            .map(|r| (r.app_id.as_str(), r.id.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![("app-other", "rel-04"), (app.id.as_str(), "rel-05")],
            "{}",
            b.name
        );
        assert!(
            store
                .newest_per::<Release>("app_id; DROP TABLE app")
                .await
                .is_err(),
            "{}: only the entity's columns",
            b.name
        );
    }
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_not_a_lost_update() {
    for b in backends().await {
        let store = Store::open(&b.cfg).await.unwrap();
        insert_all(&store).await;
        let mut alice: App = store.get("a-mobile").await.unwrap().unwrap();
        let mut bob = alice.clone();
        alice.purpose = Some("Alice 的修改".into());
        let mut tx = store.write("alice").await.unwrap();
        assert!(tx.update(&mut alice).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(alice.version, 2);
        bob.complaint_channel = Some("Bob 的修改".into());
        let mut tx = store.write("bob").await.unwrap();
        let err = tx.update(&mut bob).await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    expected: 1,
                    current: 2,
                    ..
                }
            ),
            "{}: {err}",
            b.name
        );
        drop(tx);
        let now: App = store.get("a-mobile").await.unwrap().unwrap();
        assert_eq!(now.purpose.as_deref(), Some("Alice 的修改"));
        assert_eq!(now.complaint_channel.as_deref(), Some("95500"));
        // An unchanged save writes nothing.
        let mut same = now.clone();
        let mut tx = store.write("carol").await.unwrap();
        assert!(!tx.update(&mut same).await.unwrap());
        tx.commit().await.unwrap();
        let hist = store.history("a-mobile").await.unwrap();
        assert_eq!(
            hist.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["create", "update"],
            "{}",
            b.name
        );
        assert_eq!(hist[1].actor, "alice");
        assert!(store.verify_audit().await.unwrap().intact());
    }
}

#[tokio::test]
async fn bad_records_are_refused_and_leave_nothing() {
    for b in backends().await {
        let store = Store::open(&b.cfg).await.unwrap();
        insert_all(&store).await;
        let events_before = store.verify_audit().await.unwrap().events;

        // The same package twice.
        let mut tx = store.write("测试员").await.unwrap();
        let mut dup: AppIdentity = sample();
        dup.id = String::new();
        let err = tx.insert(&mut dup).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Duplicate { .. }),
            "{}: {err}",
            b.name
        );
        drop(tx);

        // Invalid on its own.
        let mut tx = store.write("测试员").await.unwrap();
        let mut bad: App = sample();
        bad.id = String::new();
        bad.mlps_level = Some(9);
        bad.privacy_policy_url = Some("javascript:alert(1)".into());
        let err = tx.insert(&mut bad).await.unwrap_err().to_string();
        assert!(
            err.contains("mlps_level") && err.contains("privacy_policy_url"),
            "{err}"
        );
        drop(tx);

        // A reference to nothing fails at commit, and the whole
        // transaction goes with it.
        let mut tx = store.write("测试员").await.unwrap();
        let mut ok: ThirdParty = sample();
        ok.id = String::new();
        tx.insert(&mut ok).await.unwrap();
        let mut orphan: Listing = sample();
        orphan.id = String::new();
        orphan.app_id = "no-such-app".into();
        tx.insert(&mut orphan).await.unwrap();
        let err = tx.commit().await.unwrap_err();
        assert!(
            matches!(err, StoreError::DanglingReference { .. }),
            "{}: {err}",
            b.name
        );
        assert_eq!(store.count::<ThirdParty>().await.unwrap(), 1, "{}", b.name);

        // A transaction dropped midway (as if the process died) leaves
        // no record and no audit event.
        {
            let mut tx = store.write("测试员").await.unwrap();
            let mut t: ThirdParty = sample();
            t.id = String::new();
            tx.insert(&mut t).await.unwrap();
        }
        let r = store.verify_audit().await.unwrap();
        assert!(r.intact(), "{}: {r:?}", b.name);
        assert_eq!(r.events, events_before);
        assert_eq!(store.count::<ThirdParty>().await.unwrap(), 1);
    }
}

#[tokio::test]
async fn concurrent_writers_keep_the_chain_gap_free() {
    for b in backends().await {
        let store = Store::open(&b.cfg).await.unwrap();
        let mut tasks = Vec::new();
        for w in 0..6 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..15 {
                    let mut tx = store.write(&format!("writer{w}")).await.unwrap();
                    let mut t = ThirdParty {
                        id: String::new(),
                        name: format!("供应商 {w}-{i}"),
                        kind: appgov_ledger::ThirdPartyKind::Other,
                        credit_code: None,
                        country: None,
                        risk_tier: None,
                        contact: None,
                        version: 0,
                    };
                    tx.insert(&mut t).await.unwrap();
                    tx.commit().await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let r = store.verify_audit().await.unwrap();
        assert!(r.intact(), "{}: {r:?}", b.name);
        assert_eq!((r.events, r.head_seq), (90, 90), "{}", b.name);
    }
}

#[tokio::test]
async fn verify_finds_every_kind_of_tampering() {
    let cases: &[(&str, &'static str, &str)] = &[
        (
            "row edited",
            "UPDATE app SET name = '伪造' WHERE id = 'a-mobile'",
            "changed behind appgov's back",
        ),
        (
            "row added",
            "INSERT INTO third_party (id, name, kind, version) VALUES ('t-x', '幽灵', 'other', 1)",
            "never recorded",
        ),
        (
            "row deleted",
            "DELETE FROM gate_record WHERE id = 'gr-1'",
            "missing from the database",
        ),
        (
            "event edited",
            "UPDATE audit_event SET actor = '别人' WHERE seq = 3",
            "altered",
        ),
        (
            "event removed",
            "DELETE FROM audit_event WHERE seq = 5",
            "where 5 was expected",
        ),
        (
            "tail cut",
            "DELETE FROM audit_event WHERE seq = 16",
            "head record",
        ),
    ];
    for b in backends().await {
        for (what, sql, needle) in cases {
            // A fresh store per case.
            let dir = tempfile::tempdir().unwrap();
            let mut cfg = StoreConfig::new(dir.path());
            if b.name == "postgres" {
                let admin = std::env::var("APPGOV_TEST_POSTGRES_URL").unwrap();
                cfg.database_url = Some(scratch_postgres(&admin).await.unwrap());
            }
            let store = Store::open(&cfg).await.unwrap();
            insert_all(&store).await;
            assert!(store.verify_audit().await.unwrap().intact());
            assert_eq!(store.tamper_for_test(sql).await.unwrap(), 1, "{what}");
            let r = store.verify_audit().await.unwrap();
            let all = format!("{:?} {:?}", r.chain, r.records_problems);
            assert!(!r.intact(), "{} {what}: not detected", b.name);
            assert!(all.contains(needle), "{} {what}: {all}", b.name);
            store.close().await;
        }
    }
}

#[tokio::test]
async fn copy_moves_everything_with_its_trail() {
    let all = backends().await;
    let Some(pg) = all.iter().find(|b| b.name == "postgres") else {
        eprintln!("skipping: no PostgreSQL");
        return;
    };
    let src = Store::open(&all[0].cfg).await.unwrap();
    insert_all(&src).await;
    let mut app: App = src.get("a-mobile").await.unwrap().unwrap();
    app.name = "手机银行（新版）".into();
    let mut tx = src.write("张三").await.unwrap();
    tx.update(&mut app).await.unwrap();
    tx.commit().await.unwrap();

    let dst = Store::open(&pg.cfg).await.unwrap();
    let r = src.copy_to(&dst).await.unwrap();
    assert_eq!((r.records, r.events), (16, 17));
    let v = dst.verify_audit().await.unwrap();
    assert!(v.intact(), "{v:?}");
    assert_eq!(v.head_hash, src.verify_audit().await.unwrap().head_hash);
    for t in TABLES {
        assert_eq!(
            src.dump_table(t).await.unwrap(),
            dst.dump_table(t).await.unwrap(),
            "{t}"
        );
    }
    // A second copy into the now non-empty target is refused.
    let err = src.copy_to(&dst).await.unwrap_err().to_string();
    assert!(err.contains("not empty"), "{err}");
    // The copy carries on as a ledger: new writes chain on.
    let mut tx = dst.write("李四").await.unwrap();
    let mut t: ThirdParty = sample();
    t.id = String::new();
    tx.insert(&mut t).await.unwrap();
    tx.commit().await.unwrap();
    assert!(dst.verify_audit().await.unwrap().intact());
}

#[tokio::test]
async fn ledger_pages_filter_search_and_sort() {
    for b in backends().await {
        let store = Store::open(&b.cfg).await.unwrap();
        insert_all(&store).await;
        let mut tx = store.write("测试员").await.unwrap();
        for (i, (name, form)) in [
            ("信用卡", appgov_ledger::AppForm::Ios),
            ("100%_理财", appgov_ledger::AppForm::WechatMini),
            ("员工助手", appgov_ledger::AppForm::Android),
        ]
        .into_iter()
        .enumerate()
        {
            let mut a: App = sample();
            a.id = format!("a-{i}");
            a.name = name.into();
            a.form = form;
            a.aliases = vec![];
            tx.insert(&mut a).await.unwrap();
        }
        tx.commit().await.unwrap();
        let page = |q: AppQuery| {
            let store = store.clone();
            async move { store.list_apps(&q).await.unwrap() }
        };
        let all = page(AppQuery::default()).await;
        assert_eq!(all.total, 4);
        let names: Vec<_> = all.apps.iter().map(|a| a.name.clone()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        // Byte order on both backends (C collation on PostgreSQL here).
        assert_eq!(names, sorted, "{}", b.name);
        let ios = page(AppQuery {
            form: Some(appgov_ledger::AppForm::Ios),
            ..Default::default()
        })
        .await;
        assert_eq!((ios.total, ios.apps[0].name.as_str()), (1, "信用卡"));
        // LIKE wildcards in the search are literal.
        let pct = page(AppQuery {
            search: Some("%_".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(pct.total, 1, "{}", b.name);
        let alias = page(AppQuery {
            search: Some("掌上".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(alias.apps[0].id, "a-mobile");
        let second = page(AppQuery {
            limit: 2,
            offset: 2,
            descending: true,
            ..Default::default()
        })
        .await;
        assert_eq!(second.apps.len(), 2);
        assert_eq!(second.total, 4);
    }
}

/// The search terms follow every write of an app or its identities, in
/// the same transaction, and a ledger without them is filled at open.
#[tokio::test]
async fn search_finds_pinyin_and_identifiers_as_they_change() {
    for b in backends().await {
        let store = Store::open(&b.cfg).await.unwrap();
        insert_all(&store).await;
        let found = |q: &str| {
            let store = store.clone();
            let q = q.to_string();
            async move {
                let mut ids: Vec<String> = store
                    .list_apps(&AppQuery {
                        search: Some(q),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .apps
                    .into_iter()
                    .map(|a| a.id)
                    .collect();
                ids.sort();
                ids
            }
        };
        let mut tx = store.write("测试员").await.unwrap();
        let mut a: App = sample();
        a.id = "a-zsyh".into();
        a.name = "鲸鱼银行".into();
        a.aliases = vec![];
        tx.insert(&mut a).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(found("jyyh").await, vec!["a-zsyh"], "{}", b.name);
        assert_eq!(found("JingYu YinHang").await, vec!["a-zsyh"]);
        assert_eq!(found("鱼银").await, vec!["a-zsyh"]);
        assert!(found("com.search.probe").await.is_empty());
        // An identity recorded later makes its package findable…
        let mut tx = store.write("测试员").await.unwrap();
        let mut i: AppIdentity = sample();
        i.id = "i-zsyh".into();
        i.app_id = "a-zsyh".into();
        i.identifier = "com.search.probe".into();
        tx.insert(&mut i).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(found("search.PROBE").await, vec!["a-zsyh"]);
        // …a rename changes what finds it, a rolled-back one does not.
        let mut tx = store.write("测试员").await.unwrap();
        let mut a2: App = tx.get("a-zsyh").await.unwrap().unwrap();
        a2.name = "海豚理财".into();
        tx.update(&mut a2).await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(found("jyyh").await, vec!["a-zsyh"]);
        let mut tx = store.write("测试员").await.unwrap();
        let mut a2: App = tx.get("a-zsyh").await.unwrap().unwrap();
        a2.name = "海豚理财".into();
        tx.update(&mut a2).await.unwrap();
        tx.commit().await.unwrap();
        assert!(found("jyyh").await.is_empty());
        assert_eq!(found("htlc").await, vec!["a-zsyh"]);
        // Deleting the identity takes its package out.
        let mut tx = store.write("测试员").await.unwrap();
        tx.delete::<AppIdentity>("i-zsyh", 1).await.unwrap();
        tx.commit().await.unwrap();
        assert!(found("search.probe").await.is_empty());
        // Terms lost (a ledger from before migration 0004) come back at open.
        store
            .tamper_for_test("DELETE FROM app_search")
            .await
            .unwrap();
        assert!(found("htlc").await.is_empty());
        store.close().await;
        let store = Store::open(&b.cfg).await.unwrap();
        let page = store
            .list_apps(&AppQuery {
                search: Some("htlc".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.total, 1, "{}", b.name);
        store.close().await;
    }
}

/// The gram index finds exactly what a scan of the terms finds: one and two
/// characters (Chinese and initials), longer words, mixed case, package
/// fragments, LIKE's wildcards and escape taken literally, several words —
/// with the org scope, a filter, sorting and paging on top.
#[tokio::test]
async fn the_search_index_finds_what_the_terms_hold() {
    for b in backends().await {
        let store = Store::open(&b.cfg).await.unwrap();
        insert_all(&store).await;
        let apps: &[(&str, &str, &str, appgov_ledger::AppForm)] = &[
            (
                "s-1",
                "贷款助手",
                "com.Example.Loan",
                appgov_ledger::AppForm::Android,
            ),
            (
                "s-2",
                "手机银行",
                "com.example.mbank",
                appgov_ledger::AppForm::Android,
            ),
            (
                "s-3",
                "银行卡管家",
                "cn.bank.card",
                appgov_ledger::AppForm::Ios,
            ),
            (
                "s-4",
                r"A_B%C\D理财",
                "org.pct_us",
                appgov_ledger::AppForm::Android,
            ),
            (
                "s-5",
                "MixedCase大小写App",
                "com.mixed.APP",
                appgov_ledger::AppForm::Ios,
            ),
            ("s-6", "ab银xy行", "ab.xy", appgov_ledger::AppForm::Android),
        ];
        let mut tx = store.write("测试员").await.unwrap();
        for (id, name, package, form) in apps {
            let mut a: App = sample();
            a.id = id.to_string();
            a.name = name.to_string();
            a.form = *form;
            a.aliases = vec![];
            tx.insert(&mut a).await.unwrap();
            let mut i: AppIdentity = sample();
            i.id = format!("i-{id}");
            i.app_id = id.to_string();
            i.identifier = package.to_string();
            tx.insert(&mut i).await.unwrap();
        }
        tx.commit().await.unwrap();
        let everything = store.list_apps(&AppQuery::default()).await.unwrap();
        let identities: Vec<AppIdentity> = store.all().await.unwrap();
        let terms = |a: &App| {
            let ids: Vec<String> = identities
                .iter()
                .filter(|i| i.app_id == a.id)
                .map(|i| i.identifier.clone())
                .collect();
            search::search_terms(&a.name, &a.aliases, &ids)
        };
        let found = |q: AppQuery| {
            let store = store.clone();
            async move {
                let page = store.list_apps(&q).await.unwrap();
                let ids: Vec<String> = page.apps.into_iter().map(|a| a.id).collect();
                (page.total, ids)
            }
        };
        let search = |q: &str| AppQuery {
            search: Some(q.to_string()),
            limit: 1000,
            ..Default::default()
        };
        // (query, apps it must find, whether those are all). a-mobile is the
        // sample app (手机银行, 掌上银行, com.example.bank).
        let cases: &[(&str, &[&str], bool)] = &[
            ("贷", &["s-1"], true),                          // one Chinese character
            ("银行", &["a-mobile", "s-2", "s-3"], true),     // two
            ("银行卡管", &["s-3"], true),                    // longer
            ("sjyh", &["a-mobile", "s-2"], true),            // pinyin initials
            ("yh", &["a-mobile", "s-2", "s-3"], false),      // initials, two letters
            ("yinhang", &["a-mobile", "s-2", "s-3"], false), // full pinyin fragment
            ("MIXEDcase", &["s-5"], true),                   // mixed case
            ("mixedCASE大小", &["s-5"], true),
            ("com.exa", &["a-mobile", "s-1", "s-2"], true), // package fragment
            ("EXAMPLE.loan", &["s-1"], true),               // package, mixed case
            ("%", &["s-4"], true),                          // LIKE's wildcards…
            ("_", &["s-4"], true),
            ("b%c", &["s-4"], true),
            (r"c\d", &["s-4"], true), // …and escape, literal
            (r"\", &["s-4"], true),
            ("a_b%c", &["s-4"], true),
            ("pct_u", &["s-4"], true),
            ("a%b", &[], true),
            ("abxy", &[], true), // pairs present, word absent
            ("银xy行", &["s-6"], true),
            ("银 card", &["s-3"], true), // two words
            ("贷 bank", &[], true),
            ("nothing-like-it", &[], true),
        ];
        for (q, want, all) in cases {
            let (total, mut ids) = found(search(q)).await;
            ids.sort();
            assert_eq!(total, ids.len() as i64, "{} {q:?}", b.name);
            if *all {
                assert_eq!(ids, *want, "{} {q:?}", b.name);
            } else {
                assert!(
                    want.iter().all(|w| ids.contains(&w.to_string())),
                    "{} {q:?}: {ids:?}",
                    b.name
                );
            }
            // Exactly what reading every app's terms finds.
            let words = search::search_words(q);
            let mut scan: Vec<String> = everything
                .apps
                .iter()
                .filter(|a| search::matches(&terms(a), &words))
                .map(|a| a.id.clone())
                .collect();
            scan.sort();
            assert_eq!(ids, scan, "{} scan {q:?}", b.name);
        }
        // With a filter, the scope, sorting and paging.
        let (total, ids) = found(AppQuery {
            form: Some(appgov_ledger::AppForm::Ios),
            ..search("银")
        })
        .await;
        assert_eq!((total, ids), (1, vec!["s-3".to_string()]), "{}", b.name);
        let (total, ids) = found(AppQuery {
            descending: true,
            limit: 1,
            offset: 1,
            ..search("银")
        })
        .await;
        // 银 in s-3, s-2, a-mobile, s-6: by name (then id) descending
        // 银行卡管家, 手机银行 (s-2), 手机银行 (a-mobile), ab银xy行.
        assert_eq!((total, ids), (4, vec!["s-2".to_string()]), "{}", b.name);
        let (total, ids) = found(AppQuery {
            within_orgs: Some(vec![]),
            ..search("银")
        })
        .await;
        assert_eq!((total, ids.len()), (0, 0));
        let placed = everything.apps.iter().find(|a| a.id == "s-3").unwrap();
        let org = placed
            .department_id
            .clone()
            .or(placed.operator_id.clone())
            .expect("the sample app is placed");
        let (total, _) = found(AppQuery {
            within_orgs: Some(vec![org]),
            ..search("银")
        })
        .await;
        assert_eq!(total, 4, "{}", b.name);
        let (total, _) = found(AppQuery {
            within_orgs: Some(vec!["no-such-org".into()]),
            ..search("银")
        })
        .await;
        assert_eq!(total, 0, "{}", b.name);
        store.close().await;
    }
}

/// A search matching many apps reaches its page by walking the page order
/// (SQLite, from 1,000 matches), a rarer one or a deep page by sorting the
/// matches: both give the pages the order says.
#[tokio::test]
async fn many_matches_page_in_order() {
    for b in backends().await {
        let store = Store::open(&b.cfg).await.unwrap();
        insert_all(&store).await;
        let n = 1100;
        let mut tx = store.write("测试员").await.unwrap();
        for i in 0..n {
            let mut a: App = sample();
            a.id = format!("bulk-{i:04}");
            // Names out of id order, so name order is not insertion order.
            a.name = format!("批量应用{:04}", (i * 7919) % n);
            a.aliases = vec![];
            tx.insert(&mut a).await.unwrap();
        }
        tx.commit().await.unwrap();
        let mut by_name: Vec<(String, String)> = (0..n)
            .map(|i| {
                (
                    format!("批量应用{:04}", (i * 7919) % n),
                    format!("bulk-{i:04}"),
                )
            })
            .collect();
        by_name.sort();
        let want = |from: usize, to: usize, desc: bool| {
            let mut v = by_name.clone();
            if desc {
                v.reverse();
            }
            v[from..to.min(v.len())]
                .iter()
                .map(|(_, id)| id.clone())
                .collect::<Vec<_>>()
        };
        for (q, offset, desc) in [
            ("批量", 0, false),
            ("批量", 0, true),
            ("plyy", 50, false),
            ("批量", 1050, false),
            ("批量应用", 1080, true),
        ] {
            let page = store
                .list_apps(&AppQuery {
                    search: Some(q.into()),
                    offset,
                    descending: desc,
                    ..Default::default()
                })
                .await
                .unwrap();
            assert_eq!(page.total, n as i64, "{} {q}", b.name);
            let ids: Vec<String> = page.apps.into_iter().map(|a| a.id).collect();
            let o = offset as usize;
            assert_eq!(ids, want(o, o + 50, desc), "{} {q} {offset}", b.name);
        }
        let tens = store
            .list_apps(&AppQuery {
                search: Some("批量应用10".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(tens.total, 100, "{}", b.name);
        assert_eq!(
            tens.apps.iter().map(|a| a.name.clone()).collect::<Vec<_>>(),
            (1000..1050)
                .map(|i| format!("批量应用{i}"))
                .collect::<Vec<_>>()
        );
        store.close().await;
    }
}

#[cfg(unix)]
#[tokio::test]
async fn a_new_data_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("appgov-data");
    let store = Store::open(&StoreConfig::new(&data)).await.unwrap();
    let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    store.close().await;
}

/// The trimmed snapshot the views load gives the same views as the whole
/// ledger, while leaving out findings and SDK usages of older releases.
#[tokio::test]
async fn the_views_snapshot_gives_the_views_of_the_whole_ledger() {
    use appgov_ledger::views::{ConsolidationRules, LedgerSnapshot, ledger_views};
    for b in backends().await {
        let store = Store::open(&b.cfg).await.unwrap();
        insert_all(&store).await;
        // An older, superseded release with its own finding and SDK.
        let mut tx = store.write("测试员").await.unwrap();
        let mut old: Release = sample();
        old.id = "r-0".into();
        old.version_code = Some(800);
        old.state = appgov_ledger::ReleaseState::Superseded;
        old.signer_sha256 = vec!["f".repeat(64)];
        tx.insert(&mut old).await.unwrap();
        let mut f: ReleaseFinding = sample();
        f.id = "f-0".into();
        f.release_id = "r-0".into();
        tx.insert(&mut f).await.unwrap();
        let mut u: SdkUsage = sample();
        u.id = "s-0".into();
        u.release_id = "r-0".into();
        u.sdk = "jpush".into();
        tx.insert(&mut u).await.unwrap();
        tx.commit().await.unwrap();

        let whole = LedgerSnapshot {
            org_nodes: store.all().await.unwrap(),
            persons: store.all().await.unwrap(),
            apps: store.all().await.unwrap(),
            identities: store.all().await.unwrap(),
            accounts: store.all().await.unwrap(),
            listings: store.all().await.unwrap(),
            releases: store.all().await.unwrap(),
            findings: store.all().await.unwrap(),
            sdk_usages: store.all().await.unwrap(),
            third_parties: store.all().await.unwrap(),
            agreements: store.all().await.unwrap(),
            filings: store.all().await.unwrap(),
            metrics: store.all().await.unwrap(),
        };
        let trimmed = store.views_snapshot().await.unwrap();
        assert_eq!(trimmed.findings.len(), 1, "{}", b.name);
        assert_eq!(trimmed.sdk_usages.len(), 1);
        assert_eq!(trimmed.releases.len(), 2);
        let rules = ConsolidationRules::default();
        let (a, t) = (
            ledger_views(&whole, &rules, "2026-12-02"),
            ledger_views(&trimmed, &rules, "2026-12-02"),
        );
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::to_value(&t).unwrap(),
            "{}",
            b.name
        );
        // The old release's unknown key is still found.
        assert_eq!(t.continuity.len(), 1);
        // One app's slice: its releases, findings and SDKs only.
        let one = store.app_snapshot("a-mobile").await.unwrap();
        assert_eq!(
            (one.releases.len(), one.findings.len(), one.sdk_usages.len()),
            (2, 2, 2)
        );
    }
}

#[tokio::test]
async fn the_scan_queue_leases_retries_and_gives_up() {
    for b in backends().await {
        let store = Store::open(&b.cfg).await.unwrap();
        let mut app: App = sample();
        app.id = String::new();
        app.operator_id = None;
        app.department_id = None;
        app.responsible_person_id = None;
        app.tech_owner_id = None;
        app.security_owner_id = None;
        app.data_owner_id = None;
        app.merged_into = None;
        let mut tx = store.write("测试员").await.unwrap();
        tx.insert(&mut app).await.unwrap();
        tx.commit().await.unwrap();
        let new = |name: &str| NewJob {
            app_id: app.id.clone(),
            package_sha256: sha256_hex(name.as_bytes()),
            file_name: name.into(),
            size: 1,
            requested_by: "测试员".into(),
            request_move: None,
            source: "web".into(),
        };
        let first = store.enqueue_scan(&new("a.apk")).await.unwrap();
        let second = store.enqueue_scan(&new("b.apk")).await.unwrap();
        let t = |s: u32| format!("2030-01-01T00:00:{s:02}Z");
        // Oldest first; one claimer per job.
        let a = store
            .claim_scan("w1", &t(0), &t(30), 3)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((a.id.as_str(), a.attempts), (first.id.as_str(), 1));
        let b2 = store
            .claim_scan("w2", &t(0), &t(30), 3)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(b2.id, second.id, "{}", b.name);
        assert!(
            store
                .claim_scan("w3", &t(1), &t(31), 3)
                .await
                .unwrap()
                .is_none()
        );
        // Heartbeats keep the lease; another worker's do not count.
        assert!(
            store
                .heartbeat_scan(&a.id, "w1", &t(40), "analysing")
                .await
                .unwrap()
        );
        assert!(
            !store
                .heartbeat_scan(&a.id, "w2", &t(50), "checking")
                .await
                .unwrap()
        );
        assert_eq!(
            store
                .scan_job(&a.id)
                .await
                .unwrap()
                .unwrap()
                .stage
                .as_deref(),
            Some("analysing")
        );
        // A lease that expired is taken again (the worker died).
        let again = store
            .claim_scan("w3", &t(45), &t(59), 3)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.id.as_str(), again.attempts), (a.id.as_str(), 2));
        assert!(
            !store
                .heartbeat_scan(&a.id, "w1", &t(46), "checking")
                .await
                .unwrap()
        );
        assert!(
            !store
                .finish_scan(&a.id, Some("w1"), JobState::Done, None, None)
                .await
                .unwrap()
        );
        // Given back by a server shutting down: the attempt does not count.
        assert!(!store.return_scan(&a.id, "w1").await.unwrap());
        assert!(store.return_scan(&a.id, "w3").await.unwrap());
        let again = store
            .claim_scan("w3", &t(45), &t(59), 3)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.id.as_str(), again.attempts), (a.id.as_str(), 2));
        // Given back for another try, then claimed a third time.
        assert!(
            store
                .requeue_scan(&a.id, "w3", "stopped by signal 6")
                .await
                .unwrap()
        );
        let queued = store.scan_job(&a.id).await.unwrap().unwrap();
        assert_eq!(
            (queued.state, queued.error.as_deref()),
            (JobState::Queued, Some("stopped by signal 6"))
        );
        let third = store
            .claim_scan("w4", &t(46), &t(58), 3)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(third.attempts, 3);
        // The second finishes normally, linked to a release id.
        assert!(
            store
                .finish_scan(&second.id, Some("w2"), JobState::Done, None, Some("rel-1"))
                .await
                .unwrap()
        );
        // Died a third time: the next claim fails it instead of running it.
        assert!(
            store
                .claim_scan("w5", &t(59), &t(59), 3)
                .await
                .unwrap()
                .is_none()
        );
        let failed = store.scan_job(&a.id).await.unwrap().unwrap();
        assert_eq!(failed.state, JobState::Failed, "{}", b.name);
        assert!(failed.error.unwrap().contains("3 attempts"));
        // The second finishes normally, linked to a release id.
        assert!(
            store
                .finish_scan(&second.id, Some("w2"), JobState::Done, None, Some("rel-1"))
                .await
                .unwrap()
        );
        let done = store.scan_job(&second.id).await.unwrap().unwrap();
        assert_eq!(
            (
                done.state,
                done.release_id.as_deref(),
                done.stage.as_deref()
            ),
            (JobState::Done, Some("rel-1"), Some("done"))
        );
        assert!(store.unfinished_scans(10).await.unwrap().is_empty());
        store.close().await;
    }
}

#[tokio::test]
async fn a_tokens_last_use_is_noted_at_most_once_a_minute() {
    use appgov_access::{AccountSource, ApiToken, TokenScope, UserAccount};
    for b in backends().await {
        let store = Store::open(&b.cfg).await.unwrap();
        let mut user = UserAccount {
            id: String::new(),
            login: "ci".into(),
            display_name: "流水线".into(),
            person_id: None,
            email: None,
            locale: None,
            grants: vec![],
            source: AccountSource::Local,
            oidc_issuer: None,
            oidc_subject: None,
            disabled: false,
            created_at: "2030-01-01T00:00:00Z".into(),
            version: 0,
        };
        let mut token = ApiToken {
            id: String::new(),
            user_id: String::new(),
            name: "CI".into(),
            token_sha256: sha256_hex(b"agv_secret"),
            hint: "agv_secr".into(),
            scopes: vec![TokenScope::Read],
            created_at: "2030-01-01T00:00:00Z".into(),
            expires_at: "2031-01-01T00:00:00Z".into(),
            revoked_at: None,
            version: 0,
        };
        let mut tx = store.write("测试员").await.unwrap();
        tx.insert(&mut user).await.unwrap();
        token.user_id = user.id.clone();
        tx.insert(&mut token).await.unwrap();
        tx.commit().await.unwrap();
        assert!(store.token_uses().await.unwrap().is_empty(), "{}", b.name);
        let t = |s: &str| format!("2030-01-01T00:{s}Z");
        store
            .note_token_use(
                &token.id,
                &t("00:00"),
                "2029-12-31T23:59:00Z",
                Some("10.0.0.1"),
            )
            .await
            .unwrap();
        // 30 s later: within the minute, not written again.
        store
            .note_token_use(
                &token.id,
                &t("00:30"),
                "2029-12-31T23:59:30Z",
                Some("10.0.0.2"),
            )
            .await
            .unwrap();
        let uses = store.token_uses().await.unwrap();
        assert_eq!(
            uses[&token.id],
            (t("00:00"), Some("10.0.0.1".to_string())),
            "{}",
            b.name
        );
        // Two minutes later: noted.
        store
            .note_token_use(&token.id, &t("02:00"), &t("01:00"), Some("10.0.0.3"))
            .await
            .unwrap();
        let uses = store.token_uses().await.unwrap();
        assert_eq!(
            uses[&token.id],
            (t("02:00"), Some("10.0.0.3".to_string())),
            "{}",
            b.name
        );
        // Noting a use is not a change of the token: no audit event.
        assert_eq!(
            store.history(&token.id).await.unwrap().len(),
            1,
            "{}",
            b.name
        );
        store.close().await;
    }
}
