//! The ledger's search terms: what a search box finds an app by.
//!
//! Pure: [`search_terms`] turns an app's name, aliases and package
//! identifiers into one lower-case text; [`search_words`] turns what someone
//! typed into the words that must each occur in it. The store keeps the
//! text in `app_search` (migration 0004), rewritten in the transaction that
//! changes the app or its identities.
//!
//! The index beside the text (migration 0006): every distinct character
//! and every pair of adjacent characters within one term ([`search_grams`]).
//! A word of one or two characters is found by that gram alone, exactly; a
//! longer word on SQLite as the phrase of its pairs ([`fts_text`],
//! [`fts_word`]: exact too), on PostgreSQL by the apps holding its pairs
//! ([`word_grams`]), then checked against the text itself. Why grams of one and two and not the
//! ready-made trigram indexes (SQLite FTS5 `trigram`, PostgreSQL
//! `pg_trgm`): what people type in a bank is often one or two characters —
//! 贷, 银行, initials like yh — which a trigram index cannot look up (both
//! fall back to reading every row), and pg_trgm drops CJK characters under
//! the C locale. The gram rule is ours and the same on both backends; each
//! backend keeps the posting lists in its compressed inverted index
//! (SQLite: an FTS5 table of gram tokens with their positions; PostgreSQL:
//! a GIN index over a text array), so 100,000 apps × ~130 grams stay small.
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
/// 3: the grams (migration 0006) are written with the terms.
pub const TERMS_VERSION: i64 = 3;

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
        // NUL cannot be stored in PostgreSQL text, so no term holds one.
        .map(|w| w.replace('\0', ""))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Most grams one word looks up: a long word's pairs are sampled (the
/// text check after the lookup keeps the result exact).
const MAX_WORD_GRAMS: usize = 12;

/// The grams of an app's search text: each distinct character and each
/// distinct pair of adjacent characters inside one term (terms are
/// separated by spaces, so no gram spans two).
pub fn search_grams(terms: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for term in terms.split(' ') {
        let chars: Vec<char> = term.chars().filter(|c| *c != '\0').collect();
        for (i, c) in chars.iter().enumerate() {
            let mut g = c.to_string();
            if seen.insert(g.clone()) {
                out.push(g.clone());
            }
            if let Some(n) = chars.get(i + 1) {
                g.push(*n);
                if seen.insert(g.clone()) {
                    out.push(g);
                }
            }
        }
    }
    out
}

/// The grams a search word looks up, and whether the text must be checked
/// afterwards: a word of one or two characters is its own gram (exact); a
/// longer one needs all of (up to [`MAX_WORD_GRAMS`] of) its pairs, which
/// every text containing it has, but a text may have them apart.
pub fn word_grams(word: &str) -> (Vec<String>, bool) {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() <= 2 {
        return (vec![word.to_string()], false);
    }
    let mut pairs: Vec<String> = Vec::new();
    for w in chars.windows(2) {
        let g: String = w.iter().collect();
        if !pairs.contains(&g) {
            pairs.push(g);
        }
    }
    if pairs.len() > MAX_WORD_GRAMS {
        // Spread over the word, first and last included.
        let n = pairs.len();
        pairs = (0..MAX_WORD_GRAMS)
            .map(|k| pairs[k * (n - 1) / (MAX_WORD_GRAMS - 1)].clone())
            .collect();
    }
    (pairs, true)
}

/// A gram as a token of SQLite's FTS5 `ascii` tokenizer: its UTF-8 bytes in
/// hex, so every character — punctuation of package names, CJK — is part
/// of the token and no tokenizer rule (case folding, separators) applies.
pub fn gram_token(gram: &str) -> String {
    hex::encode(gram.as_bytes())
}

/// Not a hex string: stands between terms in [`fts_text`].
const TERM_BREAK: &str = "x";

/// An app's row in SQLite's FTS5 index (positions kept): each term's pairs
/// in order, so a longer word is found exactly as the phrase of its pairs,
/// a break between terms (no phrase spans two), then each distinct
/// character once.
pub fn fts_text(terms: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut singles: Vec<String> = Vec::new();
    for term in terms.split(' ') {
        let chars: Vec<char> = term.chars().filter(|c| *c != '\0').collect();
        for w in chars.windows(2) {
            out.push(gram_token(&w.iter().collect::<String>()));
        }
        out.push(TERM_BREAK.to_string());
        for c in chars {
            let t = gram_token(&c.to_string());
            if !singles.contains(&t) {
                singles.push(t);
            }
        }
    }
    out.extend(singles);
    out.join(" ")
}

/// A search word as an FTS5 query on [`fts_text`]: one character or two,
/// the token; longer, the phrase of its pairs (they must stand in a row in
/// one term: exactly the substring). Hex tokens only, so nothing in it is
/// FTS5 syntax.
pub fn fts_word(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() <= 2 {
        return format!("\"{}\"", gram_token(word));
    }
    let pairs: Vec<String> = chars
        .windows(2)
        .map(|w| gram_token(&w.iter().collect::<String>()))
        .collect();
    format!("\"{}\"", pairs.join(" "))
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

    /// What the index looks up finds every text the scan finds: one and two
    /// characters exactly, longer words among the apps holding their pairs.
    fn finds_by_grams(terms: &str, words: &[String]) -> bool {
        let grams = search_grams(terms);
        words.iter().all(|w| {
            let (need, check) = word_grams(w);
            need.iter().all(|g| grams.contains(g)) && (!check || terms.contains(w.as_str()))
        })
    }

    #[test]
    fn grams_find_what_the_text_holds() {
        let terms = search_terms("掌上银行", &[], &["com.example.mbank".into()]);
        for q in [
            "贷",
            "银",
            "银行",
            "yh",
            "y",
            "zsyh",
            "掌上银行",
            "COM.exa",
            "mbank",
            ".",
            "zsyx",
            "银掌",
            "hangz",
            "%",
            "_",
            "k",
        ] {
            let words = search_words(q);
            assert_eq!(
                finds_by_grams(&terms, &words),
                matches(&terms, &words),
                "{q:?}"
            );
        }
        // Pairs present but apart: the text check refuses.
        assert!(!finds_by_grams("abxbc", &search_words("abc")));
        assert!(!finds_by_grams("ab cd", &search_words("bc")));
        let (g, check) = word_grams("abcdefghijklmnopq");
        assert!(check && g.len() == MAX_WORD_GRAMS && g[0] == "ab" && g[11] == "pq");
        assert_ne!(gram_token("银行"), gram_token("银"));
        // The FTS row: pairs in order, a break per term, characters once.
        let row = fts_text("ab bc");
        assert_eq!(row, "6162 x 6263 x 61 62 63");
        assert_eq!(fts_word("abc"), "\"6162 6263\"");
        assert_eq!(fts_word("b"), "\"62\"");
        assert!(gram_token("a.B").chars().all(|c| c.is_ascii_hexdigit()));
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
