//! Text for the robots: shortening to a byte limit without splitting a
//! character, and neutralising markdown in data.
//!
//! Why full-width look-alikes rather than backslash escapes: WeCom's and
//! DingTalk's markdown dialects are their own, and neither documents
//! backslash escapes, so a `\[` may well be shown as `\[` *and* still
//! start a link. A character that is not markup in any dialect is safe in
//! all of them, and `［x］（…）` reads naturally in Chinese text. The
//! e-mail, which is plain text, carries the text unchanged.

use std::borrow::Cow;

/// The ellipsis put where a text was cut.
pub const ELLIPSIS: char = '…';

/// `text` cut to at most `max` bytes of UTF-8 on a character boundary,
/// ending in [`ELLIPSIS`] when it was cut (the ellipsis counts).
pub fn truncate_bytes(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let room = max.saturating_sub(ELLIPSIS.len_utf8());
    let mut end = room.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + ELLIPSIS.len_utf8());
    out.push_str(&text[..end]);
    if max >= ELLIPSIS.len_utf8() {
        out.push(ELLIPSIS);
    }
    Cow::Owned(out)
}

/// `text` cut to at most `max` characters, as [`truncate_bytes`].
pub fn truncate_chars(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let keep = max.saturating_sub(1);
            let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
            let mut out = text[..end].to_string();
            out.push(ELLIPSIS);
            Cow::Owned(out)
        }
    }
}

/// The characters that are markup somewhere in WeCom's or DingTalk's
/// markdown, and their full-width look-alikes:
///
/// - `[` `]`: links and images (`[x](url)`, `![x](url)`);
/// - `<` `>`: HTML (`<font color>`, `<a href>`), WeCom's `<@userid>`
///   mention, `>` quotes;
/// - `*` `_` `~` `` ` ``: emphasis, strike-through, code;
/// - `|`: tables (WeCom's `markdown_v2`);
/// - `&`: entities, so `&lt;a&gt;` cannot come back as a tag;
/// - `\`: whatever escaping a renderer may do.
///
/// `#` is a heading only at the start of a line, where it is replaced too.
/// Bare URLs may still be turned into links by the clients; they are then
/// shown as what they are, which is not an injection.
fn neutral(c: char) -> Option<char> {
    Some(match c {
        '[' => '［',
        ']' => '］',
        '<' => '＜',
        '>' => '＞',
        '*' => '＊',
        '_' => '＿',
        '~' => '～',
        '`' => '｀',
        '|' => '｜',
        '&' => '＆',
        '\\' => '＼',
        _ => return None,
    })
}

fn neutralise(text: &str, line_sep: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push_str(line_sep);
        }
        let mut at_start = true;
        for c in line.chars() {
            if at_start && c == '#' {
                out.push('＃');
                continue;
            }
            if !c.is_whitespace() {
                at_start = false;
            }
            match neutral(c) {
                Some(n) => out.push(n),
                // Other control characters have no business in a chat
                // message and some clients render them oddly.
                None if c.is_control() && c != '\t' => out.push(' '),
                None => out.push(c),
            }
        }
    }
    out
}

/// `text` for WeCom's `markdown` message: markup neutralised, lines kept
/// (WeCom breaks lines at `\n`).
pub fn escape_wecom(text: &str) -> String {
    neutralise(text, "\n")
}

/// `text` for DingTalk's `markdown` message: markup neutralised; a line
/// break becomes a paragraph break, since DingTalk's renderer joins lines
/// separated by a single `\n`. (Mentions cannot be forged by text: DingTalk
/// notifies only the people listed in the request's `at`, which this crate
/// never sends.)
pub fn escape_dingtalk(text: &str) -> String {
    neutralise(text, "\n\n")
}

/// The link made safe to put inside markdown's `(…)`: it must be an
/// absolute `http(s)` URL without spaces or control characters, and the
/// characters that could close the parenthesis or start markup are
/// percent-encoded. `None` when it is not such a URL.
pub fn markdown_link(link: &str) -> Option<String> {
    let lower = link.get(..8).unwrap_or(link).to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return None;
    }
    if link.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let mut out = String::with_capacity(link.len());
    for c in link.chars() {
        match c {
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '[' => out.push_str("%5B"),
            ']' => out.push_str("%5D"),
            '"' => out.push_str("%22"),
            '\'' => out.push_str("%27"),
            '`' => out.push_str("%60"),
            '*' => out.push_str("%2A"),
            '_' => out.push_str("%5F"),
            _ => out.push(c),
        }
    }
    Some(out)
}

/// Percent-encoding of a query parameter value: everything but RFC 3986's
/// unreserved characters (so `+`, `/` and `=` of base64 are encoded).
pub(crate) fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_never_splits_a_character() {
        let s = "合规提醒：应用备案即将到期";
        for max in 0..=s.len() + 2 {
            let t = truncate_bytes(s, max);
            assert!(t.len() <= max, "{max}: {t}");
            if max >= s.len() {
                assert_eq!(t, s);
            } else if max >= ELLIPSIS.len_utf8() {
                assert!(t.ends_with(ELLIPSIS), "{max}: {t}");
                assert!(s.starts_with(t.trim_end_matches(ELLIPSIS)));
            }
        }
        assert_eq!(truncate_chars("一二三四五", 3), "一二…");
        assert_eq!(truncate_chars("一二三", 3), "一二三");
    }

    #[test]
    fn markdown_is_neutralised() {
        assert_eq!(
            escape_wecom("[x](http://evil) <@all> **b** `c` a_b"),
            "［x］(http://evil) ＜@all＞ ＊＊b＊＊ ｀c｀ a＿b"
        );
        assert_eq!(escape_wecom("# h\n  #t\nx#y"), "＃ h\n  ＃t\nx#y");
        assert_eq!(escape_dingtalk("a\nb"), "a\n\nb");
        assert_eq!(escape_wecom("&lt;a&gt;"), "＆lt;a＆gt;");
    }

    #[test]
    fn links_cannot_break_out() {
        assert_eq!(
            markdown_link("https://appgov.bank.example/o/1?a=(x)").as_deref(),
            Some("https://appgov.bank.example/o/1?a=%28x%29")
        );
        assert_eq!(markdown_link("javascript:alert(1)"), None);
        assert_eq!(markdown_link("https://a.example/ x"), None);
    }

    #[test]
    fn percent_encoding_of_base64() {
        assert_eq!(percent_encode("a+b/c="), "a%2Bb%2Fc%3D");
    }
}
