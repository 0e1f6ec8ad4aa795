//! Android binary XML (AXML), resources.arsc, and the App Bundle's protobuf XML and resource
//! table, read defensively into one format-neutral model.
//!
//! * [`parse_axml`] / [`parse_proto_xml`] give an [`XmlDocument`] for `AndroidManifest.xml`
//!   (APK binary XML, or the aapt2 `XmlNode` protobuf of an App Bundle) and `res/xml/*.xml`.
//! * [`parse_arsc`] / [`parse_proto_table`] give a [`ResourceTable`] for `resources.arsc` or the
//!   bundle's `resources.pb`.
//!
//! Both readers mirror what Android's own `androidfw` parser tolerates, so the facts are "what the
//! device would see": `android:` attributes are identified by resource ID (see [`attrs`]), not by
//! their (possibly obfuscated) names. Oddities never abort parsing; they become [`Anomaly`] values
//! with a stable snake_case code. An error is returned only when nothing usable can be read.

mod anomaly;
mod arsc;
pub mod attrs;
mod axml;
mod bytes;
mod config;
mod proto;
mod strpool;
mod table;
mod value;
mod xml;

pub use anomaly::{Anomaly, AnomalyKind};
pub use arsc::parse_arsc;
pub use axml::parse_axml;
pub use config::Config;
pub use proto::{parse_proto_table, parse_proto_xml};
pub use table::{BagItem, LocalePref, ResValue, ResourceTable};
pub use value::{DimensionUnit, Value};
pub use xml::{ANDROID_NS, NamespaceDecl, XmlAttribute, XmlDocument, XmlElement, XmlFormat};

/// Explicit bounds on work and memory, so hostile inputs cannot exhaust either.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Limits {
    /// Deepest element nesting kept in an [`XmlDocument`]; deeper elements are dropped.
    pub max_depth: usize,
    /// Most elements kept in one document.
    pub max_elements: usize,
    /// Most attributes read from one element.
    pub max_attributes_per_element: usize,
    /// Most attributes read from one document.
    pub max_attributes: usize,
    /// Most bytes of decoded text (names, values) copied into one document.
    pub max_text_bytes: usize,
    /// Most anomalies recorded per document or table (one final `anomaly_limit_reached` follows).
    pub max_anomalies: usize,
    /// Most (entry, configuration) values kept from one resource table.
    pub max_values: usize,
    /// Most bag (map) items kept from one resource table in total.
    pub max_bag_items: usize,
    /// Most references followed when resolving one value (`@string/a` → `@string/b` → …).
    pub max_reference_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_elements: 200_000,
            max_attributes_per_element: 4_096,
            max_attributes: 1_000_000,
            max_text_bytes: 16 << 20,
            max_anomalies: 256,
            max_values: 4_000_000,
            max_bag_items: 4_000_000,
            max_reference_depth: 16,
        }
    }
}

/// Why a binary or protobuf XML document could not be read at all.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AxmlError {
    #[error("binary XML too short: {len} bytes")]
    TooShort { len: usize },
    #[error("no root element found in binary XML ({anomalies} anomalies recorded)")]
    NoRootElement { anomalies: usize },
    #[error("protobuf XML could not be decoded: {0}")]
    Proto(String),
}

/// Why a resource table could not be read at all.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ArscError {
    #[error("resource table too short: {len} bytes")]
    TooShort { len: usize },
    #[error("resource table header invalid: {0}")]
    BadHeader(String),
    #[error("protobuf resource table could not be decoded: {0}")]
    Proto(String),
}
