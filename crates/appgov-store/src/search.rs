//! The ledger's search terms: what a search box finds an app by.
//!
//! Pure: [`search_terms`] turns an app's name, aliases and package
//! identifiers into one lower-case text; [`search_words`] turns what someone
//! typed into the words that must each occur in it. The store keeps the
//! text in `app_search` (migration 0004), rewritten in the transaction that
//! changes the app or its identities.
//!
//! Chinese names are also found by their pinyin, in full and by initials
//! (`zsyh` finds 掌上银行): every reading of a polyphonic character counts
//! (行 is both xing and hang), up to [`MAX_READINGS`] combinations per
//! name — enough for real app names, bounded for pathological ones.

use pinyin::ToPinyinMulti;

/// Bump when the terms a name yields change: rows computed by an older rule
/// are recomputed when the store opens.
pub const TERMS_VERSION: i64 = 1;

/// Most pinyin spellings (full and initials each) kept for one name.
pub const MAX_READINGS: usize = 16;

/// Longest terms text kept for one app (characters).
const MAX_TERMS_CHARS: usize = 4000;

/// Most words a search uses, and the longest word.
const MAX_WORDS: usize = 8;
const MAX_WORD_CHARS: usize = 64;

/// The search text of an app: name, aliases, their pinyin spellings and
/// the identifiers, lower case, separated by single spaces (a search word
/// never holds a space, so a match never spans two terms).
pub fn search_terms(name: &str, aliases: &[String], identifiers: &[String]) -> String {
    let mut terms: Vec<String> = Vec::new();
    let mut push = |t: String| {
        if !t.is_empty() && !terms.contains(&t) {
            terms.push(t);
        }
    };
    for text in std::iter::once(name).chain(aliases.iter().map(String::as_str)) {
        push(compact(text));
        let (full, initials) = pinyin_spellings(text);
        for t in full.into_iter().chain(initials) {
            push(t);
        }
    }
    for i in identifiers {
        push(compact(i));
    }
    let mut out = terms.join(" ");
    if out.chars().count() > MAX_TERMS_CHARS {
        out = out.chars().take(MAX_TERMS_CHARS).collect();
    }
    out
}

/// Lower case without white space.
fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The pinyin spellings of a text (full, initials): every combination of
/// the readings of its polyphonic characters up to [`MAX_READINGS`];
/// letters and digits pass through, other characters are dropped. Empty
/// when the text has no Chinese character.
fn pinyin_spellings(text: &str) -> (Vec<String>, Vec<String>) {
    // Per character: its distinct readings without tones (ASCII letters and
    // digits read as themselves).
    let mut chars: Vec<Vec<&'static str>> = Vec::new();
    let mut owned: Vec<(usize, String)> = Vec::new();
    let mut any_chinese = false;
    for c in text.chars() {
        if let Some(m) = c.to_pinyin_multi() {
            any_chinese = true;
            let mut rs: Vec<&'static str> = Vec::new();
            for p in m {
                let r = p.plain();
                if !rs.contains(&r) {
                    rs.push(r);
                }
            }
            chars.push(rs);
        } else if c.is_alphanumeric() {
            owned.push((chars.len(), c.to_lowercase().collect()));
            chars.push(vec![]);
        }
    }
    if !any_chinese {
        return (vec![], vec![]);
    }
    // Combinations, varying the earliest polyphonic characters first until
    // the cap; the rest keep their first (most common) reading.
    let mut combos: Vec<Vec<usize>> = vec![vec![0; chars.len()]];
    for (i, rs) in chars.iter().enumerate() {
        if rs.len() < 2 {
            continue;
        }
        let mut more = Vec::new();
        for c in &combos {
            for r in 1..rs.len() {
                if combos.len() + more.len() >= MAX_READINGS {
                    break;
                }
                let mut n = c.clone();
                n[i] = r;
                more.push(n);
            }
        }
        combos.extend(more);
        if combos.len() >= MAX_READINGS {
            break;
        }
    }
    let mut full = Vec::new();
    let mut initials = Vec::new();
    for combo in &combos {
        let mut f = String::new();
        let mut ini = String::new();
        for (i, rs) in chars.iter().enumerate() {
            if rs.is_empty() {
                let s = &owned.iter().find(|(at, _)| *at == i).expect("recorded").1;
                f.push_str(s);
                ini.push_str(s);
            } else {
                let r = rs[combo[i]];
                f.push_str(r);
                ini.extend(r.chars().next());
            }
        }
        if !full.contains(&f) {
            full.push(f);
        }
        if !initials.contains(&ini) {
            initials.push(ini);
        }
    }
    (full, initials)
}

/// The words of a search, lower case (each must occur in an app's terms);
/// at most [`MAX_WORDS`] words of [`MAX_WORD_CHARS`] characters.
pub fn search_words(query: &str) -> Vec<String> {
    query
        .split_whitespace()
        .take(MAX_WORDS)
        .map(|w| {
            w.chars()
                .take(MAX_WORD_CHARS)
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether `terms` matches every word (what the SQL does, for tests).
pub fn matches(terms: &str, words: &[String]) -> bool {
    words.iter().all(|w| terms.contains(w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(name: &str, ids: &[&str], query: &str) -> bool {
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        matches(&search_terms(name, &[], &ids), &search_words(query))
    }

    #[test]
    fn chinese_names_by_substring_pinyin_and_initials() {
        assert!(finds("掌上银行", &[], "掌上"));
        assert!(finds("掌上银行", &[], "银行"));
        assert!(finds("掌上银行", &[], "zsyh"));
        assert!(finds("掌上银行", &[], "ZSYH"));
        assert!(finds("掌上银行", &[], "zhangshangyinhang"));
        assert!(finds("掌上银行", &[], "yinhang"));
        assert!(finds("掌上银行", &[], "yh"));
        assert!(finds("掌上银行", &[], "zhang yinhang"));
        assert!(!finds("掌上银行", &[], "信用卡"));
        assert!(!finds("掌上银行", &[], "xyk"));
        assert!(finds("信用卡App", &[], "xykapp"));
        assert!(finds("信用卡App", &[], "app"));
    }

    #[test]
    fn identifiers_are_found() {
        assert!(finds("手机银行", &["com.example.mbank"], "example.mbank"));
        assert!(finds("手机银行", &["com.example.mbank"], "MBANK"));
        assert!(!finds("手机银行", &["com.example.mbank"], "other"));
    }

    #[test]
    fn words_never_span_two_terms() {
        assert!(!finds("ab", &["cd"], "bc"));
        assert!(search_words("   ").is_empty());
        assert_eq!(search_words("a b c d e f g h i j").len(), MAX_WORDS);
    }

    #[test]
    fn readings_are_bounded() {
        // Every character polyphonic: the combinations stop at the cap.
        let name = "行长重还朝为行长重还朝为行长重还朝为";
        let (full, initials) = pinyin_spellings(name);
        assert!(full.len() <= MAX_READINGS && initials.len() <= MAX_READINGS);
        assert!(search_terms(&name.repeat(200), &[], &[]).chars().count() <= MAX_TERMS_CHARS);
    }
}
