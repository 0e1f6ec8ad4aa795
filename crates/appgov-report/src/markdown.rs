//! The small Markdown subset the checks' documentation uses, to HTML:
//! paragraphs, `-` lists, fenced code blocks and inline code. Everything
//! else is text, and all text is escaped.

use crate::html::esc;

/// Renders `md` as HTML block elements.
pub(crate) fn to_html(md: &str) -> String {
    let mut out = String::new();
    let mut para: Vec<&str> = Vec::new();
    let mut list: Vec<String> = Vec::new();
    let mut code: Option<Vec<&str>> = None;

    fn flush_para(out: &mut String, para: &mut Vec<&str>) {
        if !para.is_empty() {
            out.push_str("<p>");
            out.push_str(&inline(&para.join(" ")));
            out.push_str("</p>");
            para.clear();
        }
    }
    fn flush_list(out: &mut String, list: &mut Vec<String>) {
        if !list.is_empty() {
            out.push_str("<ul>");
            for item in list.iter() {
                out.push_str("<li>");
                out.push_str(&inline(item));
                out.push_str("</li>");
            }
            out.push_str("</ul>");
            list.clear();
        }
    }

    for line in md.lines() {
        if let Some(block) = code.as_mut() {
            if line.trim_start().starts_with("```") {
                out.push_str("<pre><code>");
                out.push_str(&esc(&block.join("\n")));
                out.push_str("</code></pre>");
                code = None;
            } else {
                block.push(line);
            }
            continue;
        }
        let t = line.trim();
        if t.starts_with("```") {
            flush_para(&mut out, &mut para);
            flush_list(&mut out, &mut list);
            code = Some(Vec::new());
        } else if t.is_empty() {
            flush_para(&mut out, &mut para);
            flush_list(&mut out, &mut list);
        } else if let Some(item) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
            flush_para(&mut out, &mut para);
            list.push(item.to_string());
        } else if !list.is_empty() && line.starts_with("  ") {
            // Continuation of a list item.
            if let Some(last) = list.last_mut() {
                last.push(' ');
                last.push_str(t);
            }
        } else {
            flush_list(&mut out, &mut list);
            para.push(t);
        }
    }
    if let Some(block) = code {
        out.push_str("<pre><code>");
        out.push_str(&esc(&block.join("\n")));
        out.push_str("</code></pre>");
    }
    flush_para(&mut out, &mut para);
    flush_list(&mut out, &mut list);
    out
}

/// Inline code spans; the rest escaped.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut parts = text.split('`');
    let mut in_code = false;
    let mut pending = parts.next();
    while let Some(part) = pending {
        let next = parts.next();
        if in_code && next.is_none() {
            // Unbalanced backtick: keep it literally.
            out.push('`');
            out.push_str(&esc(part));
        } else if in_code {
            out.push_str("<code>");
            out.push_str(&esc(part));
            out.push_str("</code>");
        } else {
            out.push_str(&esc(part));
        }
        in_code = !in_code;
        pending = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_subset() {
        let html = to_html(
            "Use `https` <now>.\nSecond line.\n\n- one `a`\n- two\n\n```xml\n<application android:x=\"1\"/>\n```",
        );
        assert_eq!(
            html,
            "<p>Use <code>https</code> &lt;now&gt;. Second line.</p>\
             <ul><li>one <code>a</code></li><li>two</li></ul>\
             <pre><code>&lt;application android:x=&quot;1&quot;/&gt;</code></pre>"
        );
        assert_eq!(to_html("a ` b"), "<p>a ` b</p>");
    }
}
