//! The format-neutral XML model shared by binary XML and protobuf XML.

use serde::Serialize;

use crate::anomaly::{Anomaly, AnomalyKind};
use crate::attrs;
use crate::value::Value;

/// The `android:` namespace URI.
pub const ANDROID_NS: &str = "http://schemas.android.com/apk/res/android";

/// Which encoding a document was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum XmlFormat {
    /// APK binary XML (`ResXMLTree`).
    Binary,
    /// App Bundle aapt2 `XmlNode` protobuf.
    Proto,
}

/// A parsed document: the root element (if one could be read) plus what was odd.
#[derive(Debug, Clone, Serialize)]
pub struct XmlDocument {
    pub format: XmlFormat,
    pub root: Option<XmlElement>,
    pub anomalies: Vec<Anomaly>,
    /// A check that androidfw's `ResXMLTree` treats as fatal failed: a device would refuse this
    /// document (install fails for a manifest), while we still report what could be read.
    pub android_would_reject: bool,
}

/// `xmlns:prefix="uri"` declared on an element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamespaceDecl {
    pub prefix: String,
    pub uri: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct XmlElement {
    /// Namespace URI, if any.
    pub namespace: Option<String>,
    pub name: String,
    pub attributes: Vec<XmlAttribute>,
    pub children: Vec<XmlElement>,
    /// Concatenated character data directly inside this element.
    pub text: Option<String>,
    /// Source line recorded by the compiler.
    pub line: Option<u32>,
    /// Namespace declarations made on this element.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub namespace_decls: Vec<NamespaceDecl>,
}

#[derive(Debug, Clone, Serialize)]
pub struct XmlAttribute {
    /// Namespace URI, if any.
    pub namespace: Option<String>,
    /// Name as stored (may be empty or obfuscated; use [`XmlAttribute::display_name`]).
    pub name: String,
    /// Resource ID of the attribute name (from the resource map or the protobuf field);
    /// this is what Android matches `android:` attributes by.
    pub resource_id: Option<u32>,
    /// The typed value (what `TypedArray` reads).
    pub value: Value,
    /// The raw string kept next to the typed value, if any (what `getAttributeValue` reads first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_value: Option<String>,
}

impl XmlAttribute {
    /// Canonical name: the framework name for a known `android:` resource ID, else the stored
    /// name, else `attr_0x…` for an unknown ID.
    pub fn display_name(&self) -> String {
        if let Some(n) = self.resource_id.and_then(attrs::name_of) {
            return n.to_string();
        }
        if is_xml_name(&self.name) {
            return self.name.clone();
        }
        match self.resource_id {
            Some(id) => format!("attr_0x{id:08x}"),
            None => "attr_unnamed".to_string(),
        }
    }

    /// The attribute as a string the way `XmlPullParser.getAttributeValue` gives it: the raw
    /// string if present, else the typed value coerced to text.
    pub fn string_value(&self) -> String {
        match &self.raw_value {
            Some(r) => r.clone(),
            None => self.value.to_display_string(),
        }
    }

    /// Whether this attribute is in the `android:` namespace (by URI or by framework ID).
    pub fn is_android(&self) -> bool {
        self.namespace.as_deref() == Some(ANDROID_NS)
            || self.resource_id.is_some_and(|id| id >> 16 == 0x0101)
    }
}

impl XmlElement {
    /// First attribute whose name resource ID is `id`.
    pub fn attr_by_id(&self, id: u32) -> Option<&XmlAttribute> {
        self.attributes.iter().find(|a| a.resource_id == Some(id))
    }

    /// First attribute with this namespace URI (None = no namespace) and stored name, the way
    /// `getAttributeValue(ns, name)` matches (so `attr(None, "package")` is the manifest package).
    pub fn attr(&self, ns: Option<&str>, name: &str) -> Option<&XmlAttribute> {
        self.attributes
            .iter()
            .find(|a| a.namespace.as_deref() == ns && a.name == name)
    }

    /// An `android:` attribute by its framework name: by resource ID when the name is known (as
    /// Android does, immune to name obfuscation), else by namespace and name.
    pub fn android_attr(&self, name: &str) -> Option<&XmlAttribute> {
        match attrs::id_of(name) {
            Some(id) => self.attr_by_id(id).or_else(|| {
                self.attr(Some(ANDROID_NS), name)
                    .filter(|a| a.resource_id.is_none())
            }),
            None => self.attr(Some(ANDROID_NS), name),
        }
    }

    /// String value of an `android:` attribute (see [`XmlAttribute::string_value`]).
    pub fn android_str(&self, name: &str) -> Option<String> {
        self.android_attr(name).map(XmlAttribute::string_value)
    }

    /// Children with this element name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a XmlElement> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// First child with this element name.
    pub fn child(&self, name: &str) -> Option<&XmlElement> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All descendants in document order (iterative, so deep trees cannot overflow the stack).
    pub fn descendants(&self) -> Vec<&XmlElement> {
        let mut out = Vec::new();
        let mut stack: Vec<&XmlElement> = self.children.iter().rev().collect();
        while let Some(e) = stack.pop() {
            out.push(e);
            stack.extend(e.children.iter().rev());
        }
        out
    }
}

impl XmlDocument {
    /// Whether an anomaly of this kind was recorded.
    pub fn has_anomaly(&self, kind: AnomalyKind) -> bool {
        self.anomalies.iter().any(|a| a.kind == kind)
    }

    /// The manifest `package` attribute, as `PackageParser` reads it (no namespace, by name);
    /// None when missing, unreadable or empty (a device would refuse such a manifest).
    pub fn package_name(&self) -> Option<String> {
        self.root
            .as_ref()
            .and_then(|r| r.attr(None, "package"))
            .map(XmlAttribute::string_value)
            .filter(|p| !p.is_empty())
    }

    /// Readable XML text. Attribute names hidden by obfuscation are shown by their framework
    /// name (from the resource ID); values are shown as `aapt` would coerce them.
    pub fn to_xml_string(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        if let Some(root) = &self.root {
            let mut scope: Vec<NamespaceDecl> = Vec::new();
            write_element(&mut out, root, 0, &mut scope);
        }
        out
    }
}

fn is_xml_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            c if (c as u32) < 0x20 && c != '\t' => out.push_str(&format!("&#{};", c as u32)),
            c => out.push(c),
        }
    }
}

fn prefix_for(uri: &str, scope: &[NamespaceDecl]) -> Option<String> {
    if let Some(d) = scope
        .iter()
        .rev()
        .find(|d| d.uri == uri && is_xml_name(&d.prefix))
    {
        return Some(d.prefix.clone());
    }
    (uri == ANDROID_NS).then(|| "android".to_string())
}

fn qualified(ns: Option<&str>, name: &str, scope: &[NamespaceDecl]) -> String {
    match ns.and_then(|u| prefix_for(u, scope)) {
        Some(p) => format!("{p}:{name}"),
        None => name.to_string(),
    }
}

/// Depth is bounded by the reader's `max_depth`, so recursion here is bounded too.
fn write_element(out: &mut String, e: &XmlElement, depth: usize, scope: &mut Vec<NamespaceDecl>) {
    // Indentation is capped so hostile nesting cannot multiply the output size.
    let indent = "  ".repeat(depth.min(32));
    let scope_len = scope.len();
    scope.extend(e.namespace_decls.iter().cloned());
    let name = if is_xml_name(&e.name) {
        e.name.clone()
    } else {
        "unnamed".to_string()
    };
    let tag = qualified(e.namespace.as_deref(), &name, scope);
    out.push_str(&indent);
    out.push('<');
    out.push_str(&tag);
    for d in &e.namespace_decls {
        if is_xml_name(&d.prefix) {
            out.push_str(&format!(" xmlns:{}=\"", d.prefix));
            escape(&d.uri, out);
            out.push('"');
        }
    }
    let mut declared_android = scope.iter().any(|d| d.uri == ANDROID_NS);
    for a in &e.attributes {
        let ns = if a.namespace.is_none() && a.resource_id.is_some_and(|id| id >> 16 == 0x0101) {
            Some(ANDROID_NS)
        } else {
            a.namespace.as_deref()
        };
        if ns == Some(ANDROID_NS) && !declared_android {
            out.push_str(&format!(" xmlns:android=\"{ANDROID_NS}\""));
            scope.push(NamespaceDecl {
                prefix: "android".into(),
                uri: ANDROID_NS.into(),
            });
            declared_android = true;
        }
        out.push(' ');
        out.push_str(&qualified(ns, &a.display_name(), scope));
        out.push_str("=\"");
        escape(&a.string_value(), out);
        out.push('"');
    }
    if e.children.is_empty() && e.text.is_none() {
        out.push_str(" />\n");
    } else {
        out.push_str(">\n");
        if let Some(t) = &e.text {
            out.push_str(&indent);
            out.push_str("  ");
            escape(t.trim(), out);
            out.push('\n');
        }
        for c in &e.children {
            write_element(out, c, depth + 1, scope);
        }
        out.push_str(&indent);
        out.push_str(&format!("</{tag}>\n"));
    }
    scope.truncate(scope_len);
}
