//! Properties of the views on random ledgers: no panic, same answer twice
//! and whatever the input order, continuity alerts exactly when a signer
//! is unknown, and the overlap join finds exactly the pairs a brute-force
//! comparison finds.

mod common;

use std::collections::BTreeSet;

use appgov_ledger::views::{normalise_function, overlaps};
use appgov_ledger::*;
use common::*;
use proptest::prelude::*;

const CERTS: [&str; 3] = [
    CERT_A,
    CERT_B,
    "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
];
const FUNCS: [&str; 6] = [
    "转账",
    "理财",
    "账户查询",
    "信用卡",
    "Fund transfer",
    "fund-transfer",
];

prop_compose! {
    fn random_app(n: usize)(
        form in prop::sample::select(AppForm::ALL.to_vec()),
        state in prop::sample::select(AppState::ALL.to_vec()),
        seg in prop::option::of(prop::sample::select(UserSegment::ALL.to_vec())),
        funcs in prop::collection::vec(prop::sample::select(FUNCS.to_vec()), 0..4),
        owner in prop::option::of(prop::sample::select(vec!["p1", "p9"])),
        operator in prop::option::of(prop::sample::select(vec!["bank", "group", "ghost"])),
    ) -> App {
        let mut a = app(&format!("a{n}"), &funcs);
        a.form = form;
        a.state = state;
        a.user_segment = seg;
        a.responsible_person_id = owner.map(Into::into);
        a.operator_id = operator.map(Into::into);
        a
    }
}

fn snapshot() -> impl Strategy<Value = LedgerSnapshot> {
    (
        prop::collection::vec(any::<u8>(), 1..6),
        prop::collection::vec((0usize..6, 0usize..3, any::<bool>()), 0..8),
        prop::collection::vec(
            (
                0usize..6,
                0i64..5,
                0usize..10,
                prop::collection::vec(0usize..3, 0..3),
                0i64..3,
            ),
            0..12,
        ),
        prop::collection::vec((0usize..6, 0usize..4, any::<bool>()), 0..8),
        prop::collection::vec(
            (0usize..6, 0u32..14, prop::option::of(0i64..100_000)),
            0..10,
        ),
        prop::collection::vec(
            (0usize..6, 0usize..5, prop::collection::vec(0usize..3, 0..3)),
            0..6,
        ),
    )
        .prop_flat_map(|(apps, ids, rels, lists, metrics, filings)| {
            let n = apps.len();
            (
                prop::collection::vec((0..n).prop_flat_map(random_app), n..=n),
                Just((ids, rels, lists, metrics, filings)),
            )
        })
        .prop_map(|(mut apps, (ids, rels, lists, metrics, filings))| {
            for (n, a) in apps.iter_mut().enumerate() {
                // Ids are unique in a store; the fixture's own app is `a1`.
                a.id = format!("ax{n}");
            }
            let app_id = |k: usize| format!("ax{}", k % apps.len().max(1));
            let mut s = fixture();
            s.apps.extend(apps.iter().cloned());
            for (k, (a, c, same)) in ids.iter().enumerate() {
                let ident = if *same {
                    PKG.to_string()
                } else {
                    format!("com.x{k}.app")
                };
                s.identities.push(identity(
                    &format!("id{k}"),
                    &app_id(*a),
                    &ident,
                    &CERTS[..*c],
                ));
            }
            for (k, (a, code, state, signers, high)) in rels.iter().enumerate() {
                let signers: Vec<&str> = signers.iter().map(|i| CERTS[*i]).collect();
                let mut r = release(
                    &format!("rx{k}"),
                    &app_id(*a),
                    *code,
                    ReleaseState::ALL[*state],
                    &signers,
                );
                r.findings_high = *high;
                s.sdk_usages.push(sdk(
                    &format!("ux{k}"),
                    &r.id,
                    ["jpush", "umeng-analytics", "x"][k % 3],
                    &["device_id"],
                ));
                s.releases.push(r);
            }
            // Two own accounts, one held elsewhere; `acx3` does not exist.
            s.accounts.push(account("acx0", Some("dept")));
            s.accounts.push(account("acx1", Some("bank")));
            s.accounts.push(account("acx2", None));
            for (k, (a, acc, with_account)) in lists.iter().enumerate() {
                let acc_id = format!("acx{acc}");
                let acc = with_account.then_some(acc_id.as_str());
                s.listings
                    .push(listing(&format!("lx{k}"), &app_id(*a), acc));
            }
            for (k, (a, month, mau)) in metrics.iter().enumerate() {
                s.metrics.push(metric(
                    &format!("mx{k}"),
                    &app_id(*a),
                    &format!("2025-{:02}", month % 12 + 1),
                    *mau,
                ));
            }
            for (k, (a, state, certs)) in filings.iter().enumerate() {
                let mut f = filed_for_r1();
                f.signer_sha256 = certs.iter().map(|i| CERTS[*i].to_string()).collect();
                s.filings.push(filing(
                    &format!("fx{k}"),
                    &app_id(*a),
                    FilingKind::MiitApp,
                    FilingState::ALL[*state],
                    f,
                ));
            }
            s
        })
}

fn reversed(s: &LedgerSnapshot) -> LedgerSnapshot {
    let mut r = s.clone();
    r.apps.reverse();
    r.identities.reverse();
    r.releases.reverse();
    r.listings.reverse();
    r.accounts.reverse();
    r.metrics.reverse();
    r.filings.reverse();
    r
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Every view runs on any ledger, gives the same answer twice, and the
    /// same answer whatever order the store returned the rows in (up to
    /// the order of releases with equal version codes and ids, which random
    /// ids here never share).
    #[test]
    fn views_are_total_and_deterministic(s in snapshot()) {
        let rules = ConsolidationRules::default();
        let a = ledger_views(&s, &rules, TODAY);
        let b = ledger_views(&s, &rules, TODAY);
        let c = ledger_views(&reversed(&s), &rules, TODAY);
        for v in [&b, &c] {
            prop_assert_eq!(&a.continuity, &v.continuity);
            prop_assert_eq!(&a.drift, &v.drift);
            prop_assert_eq!(&a.consolidation, &v.consolidation);
        }
        prop_assert_eq!(&a.quality, &b.quality);
        prop_assert_eq!(&a.quality, &c.quality);
        for g in builtin_gates().unwrap() {
            for app in s.apps.iter().take(3) {
                let sub = GateSubject {
                    app_id: app.id.clone(),
                    release_id: s.releases.last().map(|r| r.id.clone()),
                    ..GateSubject::default()
                };
                let x = auto_checks(&g, &sub, &s, TODAY);
                let y = auto_checks(&g, &sub, &reversed(&s), TODAY);
                prop_assert_eq!(x, y);
            }
        }
    }

    /// A release of a signed platform whose identifier an identity of its
    /// app has raises an alert exactly when one of its signers is none of
    /// those identities' certificates (or it has no signer).
    #[test]
    fn continuity_alerts_iff_a_signer_is_unknown(s in snapshot()) {
        let alerts = certificate_continuity(&s);
        for r in &s.releases {
            let ids: Vec<&AppIdentity> = s.identities.iter()
                .filter(|i| i.app_id == r.app_id && i.platform == r.platform && i.identifier == r.identifier)
                .collect();
            if ids.is_empty() {
                continue;
            }
            let unknown = r.signer_sha256.is_empty()
                || r.signer_sha256.iter().any(|c| !ids.iter().any(|i| i.knows(c)));
            let alerted = alerts.iter().any(|a| a.release_id == r.id);
            prop_assert_eq!(alerted, unknown, "release {}", r.id);
        }
        // And a release whose app has no identity on its platform is
        // always alerted.
        for r in &s.releases {
            if !s.identities.iter().any(|i| i.app_id == r.app_id && i.platform == r.platform) {
                prop_assert!(alerts.iter().any(|a| a.release_id == r.id && a.kind == ContinuityKind::NoIdentity));
            }
        }
    }

    /// The prefix-filtered join equals brute force on every pair.
    #[test]
    fn overlap_join_equals_brute_force(
        sets in prop::collection::vec((prop::collection::btree_set(0u8..12, 0..7), 0usize..2), 0..40),
        t in prop::sample::select(vec![0.2, 0.34, 0.5, 0.6, 2.0 / 3.0, 0.75, 1.0]),
    ) {
        let apps: Vec<App> = sets.iter().enumerate().map(|(n, (fs, seg))| {
            let names: Vec<String> = fs.iter().map(|f| format!("功能{f}")).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let mut a = app(&format!("a{n:03}"), &refs);
            a.user_segment = Some([UserSegment::Retail, UserSegment::Corporate][*seg]);
            a
        }).collect();
        let refs: Vec<&App> = apps.iter().collect();
        let o = overlaps(&refs, t);
        for (i, a) in apps.iter().enumerate() {
            let norm = |x: &App| -> BTreeSet<String> { x.functions.iter().map(|f| normalise_function(f)).collect() };
            let want: BTreeSet<String> = apps.iter().enumerate().filter(|(j, b)| {
                if *j == i || b.user_segment != a.user_segment { return false; }
                let (x, y) = (norm(a), norm(b));
                if x.is_empty() || y.is_empty() { return false; }
                let shared = x.intersection(&y).count() as f64;
                shared / (x.len() + y.len()) as f64 * (x.len() + y.len()) as f64 / (x.union(&y).count() as f64) >= t
            }).map(|(_, b)| b.id.clone()).collect();
            let (listed, total) = o.partners(&refs, i);
            prop_assert_eq!(total, want.len(), "app {}", a.id);
            let got: BTreeSet<String> = listed.iter().map(|x| x.app_id.clone()).collect();
            prop_assert!(got.is_subset(&want));
            prop_assert_eq!(got.len(), want.len().min(appgov_ledger::views::MAX_OVERLAPS_LISTED));
        }
    }
}

#[test]
fn function_names_normalise() {
    assert_eq!(normalise_function("Fund-Transfer "), "fundtransfer");
    assert_eq!(normalise_function("转 账（实时）"), "转账实时");
    assert_eq!(normalise_function("—"), "");
}
