//! The workflow's refusals in the viewer's language: `refusal.<kind>` from
//! the message catalog with its `{parameters}` filled in — states by their
//! labels, gates by their names, checklist items by their titles.

use appgov_ledger::builtin_gates;
use appgov_workflow::Refusal;

use crate::i18n::{Lang, Messages};

/// The refusal, worded for `lang`.
pub fn text(r: &Refusal, m: &Messages, lang: Lang) -> String {
    let label = |key: String| m.get(&key, lang).to_string();
    let app_state = |s: appgov_ledger::AppState| label(format!("app_state.{}", s.as_str()));
    let release_state =
        |s: appgov_ledger::ReleaseState| label(format!("release_state.{}", s.as_str()));
    let channel_label = |c: appgov_ledger::vocab::Channel| match lang {
        Lang::Zh => c.label_zh().to_string(),
        Lang::En => c.label_en().to_string(),
    };
    let args: Vec<(&str, String)> = match r {
        Refusal::MovePending { object_id } => vec![("object", object_id.clone())],
        Refusal::NotPending { move_id, status } => vec![
            ("move", move_id.clone()),
            (
                "status",
                match lang {
                    Lang::Zh => status.label_zh(),
                    Lang::En => status.label_en(),
                }
                .to_string(),
            ),
        ],
        Refusal::NoSuchAppMove { from, to } => {
            vec![("from", app_state(*from)), ("to", app_state(*to))]
        }
        Refusal::NoSuchReleaseMove { from, to } => {
            vec![("from", release_state(*from)), ("to", release_state(*to))]
        }
        Refusal::AppNotReleasing { state } => vec![("state", app_state(*state))],
        Refusal::SelfApproval { login } => vec![("login", login.clone())],
        Refusal::GateOpen { gate, items } => {
            let gates = builtin_gates().unwrap_or_default();
            let g = gates.iter().find(|g| g.id == *gate);
            let pick = |zh: &str, en: &str| match lang {
                Lang::Zh => zh.to_string(),
                Lang::En => en.to_string(),
            };
            let titles: Vec<String> = items
                .iter()
                .map(|id| {
                    g.and_then(|g| g.items.iter().find(|i| &i.id == id))
                        .map(|i| pick(&i.title_zh, &i.title_en))
                        .unwrap_or_else(|| id.clone())
                })
                .collect();
            vec![
                (
                    "gate",
                    g.map(|g| pick(&g.name_zh, &g.name_en))
                        .unwrap_or_else(|| gate.as_str().to_string()),
                ),
                ("items", titles.join(m.get("refusal.list_separator", lang))),
            ]
        }
        Refusal::ApprovalIncomplete => vec![],
        Refusal::NotRequester { requested_by } => vec![("requested_by", requested_by.clone())],
        Refusal::AppMovedMeanwhile { state } => vec![("state", app_state(*state))],
        Refusal::ReleaseMovedMeanwhile { state } => vec![("state", release_state(*state))],
        Refusal::ChangedMeanwhile { release } => vec![(
            "what",
            label(if *release {
                "refusal.what_release".into()
            } else {
                "refusal.what_app".into()
            }),
        )],
        Refusal::NoNewReleases { app, state } => {
            vec![("app", app.clone()), ("state", app_state(*state))]
        }
        Refusal::DuplicatePackage {
            sha256,
            release_id,
            app,
        } => vec![
            ("sha256", sha256.clone()),
            ("release", release_id.clone()),
            ("app", app.clone()),
        ],
        Refusal::StateByMoveOnly => vec![],
        Refusal::EditedMeanwhile {
            kind,
            id,
            expected,
            current,
        } => vec![
            ("kind", {
                let key = format!("kind.{kind}");
                if m.has(&key) {
                    label(key)
                } else {
                    kind.clone()
                }
            }),
            ("id", id.clone()),
            ("expected", expected.to_string()),
            ("current", current.to_string()),
        ],
        Refusal::ChannelListed { channel } => vec![("channel", channel_label(*channel))],
        Refusal::AccountRecorded { channel, name } => {
            vec![("channel", channel_label(*channel)), ("name", name.clone())]
        }
        Refusal::SelfAcceptance { login } => vec![("login", login.clone())],
    };
    fill(m.get(&format!("refusal.{}", r.kind()), lang), &args)
}

/// Replaces each `{name}` of `template` once, left to right; what is put in
/// is never scanned again (an app named `{app}` stays as it is).
pub fn fill(template: &str, args: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if args.iter().any(|(k, _)| *k == &after[..close]) => {
                let name = &after[..close];
                let v = &args.iter().find(|(k, _)| *k == name).expect("checked").1;
                out.push_str(v);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use appgov_ledger::{AppState, GateId};

    #[test]
    fn every_kind_has_words_in_both_languages() {
        let m = Messages::builtin().unwrap();
        for k in Refusal::KINDS {
            assert!(m.has(&format!("refusal.{k}")), "refusal.{k} missing");
        }
    }

    #[test]
    fn gate_items_and_states_are_named_in_the_viewers_language() {
        let m = Messages::builtin().unwrap();
        let gates = builtin_gates().unwrap();
        let g = gates.iter().find(|g| g.id == GateId::Admission).unwrap();
        let item = &g.items[0];
        let r = Refusal::GateOpen {
            gate: GateId::Admission,
            items: vec![item.id.clone()],
        };
        let zh = text(&r, &m, Lang::Zh);
        assert!(zh.contains(&item.title_zh), "{zh}");
        assert!(zh.contains(&g.name_zh), "{zh}");
        let en = text(&r, &m, Lang::En);
        assert!(en.contains(&item.title_en), "{en}");
        let mv = Refusal::NoSuchAppMove {
            from: AppState::Proposed,
            to: AppState::Live,
        };
        assert!(text(&mv, &m, Lang::Zh).contains("拟建"));
        assert_eq!(
            fill("{app} / {x}", &[("app", "{x}".into()), ("x", "y".into())]),
            "{x} / y"
        );
    }
}
