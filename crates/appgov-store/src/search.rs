//! The ledger's search terms: what a search box finds an app by.
//!
//! Pure: [`search_terms`] turns an app's name, aliases and package
//! identifiers into one lower-case text; [`search_words`] turns what someone
//! typed into the words that must each occur in it. The store keeps the
//! text in `app_search` (migration 0004), rewritten in the transaction that
//! changes the app or its identities.
//!
//! Chinese names are also found by their pinyin, in full and by initials
//! (`zsyh` finds 掌上银行): a polyphonic character takes its reading in
//! the financial words it is most often part of (行 is hang in 银行), and
//! a few other readings count too — bounded, because a search reads every
//! app's text (about 100 bytes an app: a search of 100,000 apps reads
//! ~10 MB; see docs/PERFORMANCE.md).

use pinyin::ToPinyinMulti;

/// Bump when the terms a name yields change: rows computed by an older rule
/// are recomputed when the store opens.
pub const TERMS_VERSION: i64 = 2;

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

/// Words of the financial world whose characters read other than their
/// most common reading (行 is xing alone, hang in a bank's name): the
/// reading each character takes inside the word.
const PHRASES: &[(&str, [&str; 2])] = &[
    ("银行", ["yin", "hang"]),
    ("分行", ["fen", "hang"]),
    ("总行", ["zong", "hang"]),
    ("支行", ["zhi", "hang"]),
    ("本行", ["ben", "hang"]),
    ("农行", ["nong", "hang"]),
    ("工行", ["gong", "hang"]),
    ("建行", ["jian", "hang"]),
    ("中行", ["zhong", "hang"]),
    ("交行", ["jiao", "hang"]),
    ("招行", ["zhao", "hang"]),
    ("商行", ["shang", "hang"]),
    ("行长", ["hang", "zhang"]),
    ("行业", ["hang", "ye"]),
    ("重庆", ["chong", "qing"]),
    ("长沙", ["chang", "sha"]),
    ("长春", ["chang", "chun"]),
    ("厦门", ["xia", "men"]),
    ("朝阳", ["chao", "yang"]),
    ("音乐", ["yin", "yue"]),
    ("快乐", ["kuai", "le"]),
    ("单位", ["dan", "wei"]),
    ("还款", ["huan", "kuan"]),
    ("转账", ["zhuan", "zhang"]),
    ("信用卡", ["xin", "yong"]),
];

/// Most extra spellings: initials combinations, and full spellings with
/// one other reading.
const MAX_INITIALS: usize = 4;
const MAX_ALTERNATES: usize = 2;

/// The pinyin spellings of a text (full, initials): the spelling with each
/// character's common reading (or its reading in a word of [`PHRASES`]),
/// then — bounded, so the search text stays short and a search fast — the
/// initials of other readings' combinations and full spellings with one
/// character read otherwise. Letters and digits pass through, other
/// characters are dropped. Empty when the text has no Chinese character.
fn pinyin_spellings(text: &str) -> (Vec<String>, Vec<String>) {
    let chars: Vec<char> = text.chars().collect();
    // Per character: its distinct readings without tones, the first the
    // one to use; None for a letter or digit (read as itself).
    let mut readings: Vec<Result<Vec<&'static str>, String>> = Vec::new();
    let mut any_chinese = false;
    for c in &chars {
        if let Some(m) = c.to_pinyin_multi() {
            any_chinese = true;
            let mut rs: Vec<&'static str> = Vec::new();
            for p in m {
                let r = p.plain();
                if !rs.contains(&r) {
                    rs.push(r);
                }
            }
            readings.push(Ok(rs));
        } else if c.is_alphanumeric() {
            readings.push(Err(c.to_lowercase().collect()));
        } else {
            readings.push(Err(String::new()));
        }
    }
    if !any_chinese {
        return (vec![], vec![]);
    }
    for (word, fixed) in PHRASES {
        let w: Vec<char> = word.chars().collect();
        let mut i = 0;
        while i + w.len() <= chars.len() {
            if chars[i..i + w.len()] == w[..] {
                for (k, r) in fixed.iter().enumerate() {
                    if let Some(Ok(rs)) = readings.get_mut(i + k) {
                        *rs = vec![r];
                    }
                }
                i += w.len();
            } else {
                i += 1;
            }
        }
    }
    let spell = |choice: &dyn Fn(usize, &[&'static str]) -> &'static str| -> (String, String) {
        let mut f = String::new();
        let mut ini = String::new();
        for (i, r) in readings.iter().enumerate() {
            match r {
                Ok(rs) => {
                    let s = choice(i, rs);
                    f.push_str(s);
                    ini.extend(s.chars().next());
                }
                Err(s) => {
                    f.push_str(s);
                    ini.push_str(s);
                }
            }
        }
        (f, ini)
    };
    let (primary, primary_ini) = spell(&|_, rs| rs[0]);
    let mut full = vec![primary];
    let mut initials = vec![primary_ini];
    // Initials: combinations of the readings' distinct first letters.
    let mut combos: Vec<Vec<usize>> = vec![vec![0; readings.len()]];
    for (i, r) in readings.iter().enumerate() {
        let Ok(rs) = r else { continue };
        let mut letters: Vec<char> = vec![];
        let mut more = Vec::new();
        for (k, s) in rs.iter().enumerate() {
            let l = s.chars().next().unwrap_or(' ');
            if letters.contains(&l) {
                continue;
            }
            letters.push(l);
            if k == 0 {
                continue;
            }
            for c in &combos {
                let mut n = c.clone();
                n[i] = k;
                more.push(n);
            }
        }
        combos.extend(more);
        if combos.len() >= MAX_INITIALS {
            combos.truncate(MAX_INITIALS);
            break;
        }
    }
    for c in &combos {
        let (_, ini) = spell(&|i, rs| rs[c[i]]);
        if !initials.contains(&ini) {
            initials.push(ini);
        }
    }
    // Full spellings with one character read otherwise.
    'alt: for (i, r) in readings.iter().enumerate() {
        let Ok(rs) = r else { continue };
        for k in 1..rs.len() {
            if full.len() > MAX_ALTERNATES {
                break 'alt;
            }
            let (f, _) = spell(&|j, rs| if j == i { rs[k] } else { rs[0] });
            if !full.contains(&f) {
                full.push(f);
            }
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
        // 行 reads hang in a bank's name, xing elsewhere.
        assert!(finds("总行手机银行", &[], "zhsjyh"));
        assert!(finds("总行手机银行", &[], "zonghangshoujiyinhang"));
        assert!(finds("出行", &[], "chuxing"));
        // Another reading of a polyphonic character still finds it.
        assert!(finds("长城", &[], "zhangcheng") || finds("长城", &[], "changcheng"));
        assert!(finds("长城", &[], "zc") && finds("长城", &[], "cc"));
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
        assert!(full.len() <= MAX_ALTERNATES + 1 && initials.len() <= MAX_INITIALS + 1);
        assert!(search_terms(&name.repeat(200), &[], &[]).chars().count() <= MAX_TERMS_CHARS);
    }
}
