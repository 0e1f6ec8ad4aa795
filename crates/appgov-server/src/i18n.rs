//! The interface's words in Chinese (first) and English, from
//! `i18n/messages.toml`: one table per key with `zh` and `en`, checked at
//! start-up so a key never lacks a language.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The two languages of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::Zh)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first language of an `Accept-Language` header that we have;
    /// Chinese when none.
    pub fn from_accept_language(h: &str) -> Lang {
        h.split(',')
            .filter_map(|part| Lang::parse(part.split(';').next().unwrap_or("")))
            .next()
            .unwrap_or_default()
    }
}

tokio::task_local! {
    /// The language of the request being answered (set by `auth::resolve`),
    /// so an error turned into a response deep in a handler is worded for
    /// the viewer.
    static REQUEST_LANG: Lang;
}

/// Runs `f` (the rest of a request) with `lang` as the request's language.
pub async fn with_request_lang<F: std::future::Future>(lang: Lang, f: F) -> F::Output {
    REQUEST_LANG.scope(lang, f).await
}

/// The language of the request being answered (Chinese outside one).
pub fn request_lang() -> Lang {
    REQUEST_LANG.try_with(|l| *l).unwrap_or_default()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    zh: String,
    en: String,
}

/// The message catalog.
#[derive(Debug)]
pub struct Messages {
    entries: BTreeMap<String, Entry>,
}

const MESSAGES: &str = include_str!("../i18n/messages.toml");

impl Messages {
    pub fn builtin() -> Result<Messages, String> {
        Messages::parse(MESSAGES)
    }

    /// The built-in catalog, parsed once (for answers built where no
    /// state is at hand, such as errors).
    pub fn shared() -> &'static Messages {
        static SHARED: std::sync::OnceLock<Messages> = std::sync::OnceLock::new();
        // The start-up check (`lib::build`) has parsed the same text.
        SHARED.get_or_init(|| Messages::builtin().expect("built-in messages parse"))
    }

    pub fn parse(text: &str) -> Result<Messages, String> {
        let entries: BTreeMap<String, Entry> =
            toml::from_str(text).map_err(|e| format!("i18n/messages.toml: {e}"))?;
        for (k, e) in &entries {
            if e.zh.trim().is_empty() || e.en.trim().is_empty() {
                return Err(format!("i18n/messages.toml: {k} lacks a language"));
            }
        }
        Ok(Messages { entries })
    }

    /// The message, or the key itself (visible, so a missing key is noticed).
    pub fn get<'a>(&'a self, key: &'a str, lang: Lang) -> &'a str {
        match self.entries.get(key) {
            Some(e) => match lang {
                Lang::Zh => &e.zh,
                Lang::En => &e.en,
            },
            None => key,
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_complete_and_languages_are_chosen() {
        let m = Messages::builtin().unwrap();
        assert_eq!(m.get("nav.ledger", Lang::Zh), "应用台账");
        assert_eq!(m.get("nav.ledger", Lang::En), "Ledger");
        assert_eq!(m.get("no.such.key", Lang::En), "no.such.key");
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr,zh-CN;q=0.5"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("fr"), Lang::Zh);
        assert!(Messages::parse("[a]\nzh = \"x\"\nen = \"\"\n").is_err());
    }
}
