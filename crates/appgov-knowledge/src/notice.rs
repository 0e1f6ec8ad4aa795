//! The notice 金办发〔2024〕99号, article by article, summarised in our own
//! words so findings can cite the article they serve.

use crate::Source;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoticeFile {
    pub schema: u32,
    #[serde(default)]
    pub source: Vec<Source>,
    pub article: Vec<Article>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// 1–18.
    pub number: u32,
    pub title_zh: String,
    pub title_en: String,
    /// What the article requires, in our words.
    pub summary_zh: String,
    pub summary_en: String,
    pub sources: Vec<String>,
}
