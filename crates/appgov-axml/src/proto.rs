//! App Bundle protobuf forms: `base/manifest/AndroidManifest.xml` (aapt2 `XmlNode`) and
//! `base/resources.pb` (aapt2 `ResourceTable`), mapped onto the same model as the binary forms.
//!
//! Only the fields we use are declared (field numbers from aapt2's `Resources.proto` and
//! `Configuration.proto`); prost skips the rest. Strings are declared as bytes and decoded
//! lossily so one bad string does not reject the whole message. prost bounds message nesting
//! (recursion limit 100), and every repeated field is bounded by the input size.

use prost::Message;

use crate::anomaly::{Anomalies, AnomalyKind};
use crate::config::Config;
use crate::table::{Package, ResourceTable, Stored, Strings, TableBuilder};
use crate::value::{self, Value};
use crate::xml::{NamespaceDecl, XmlAttribute, XmlDocument, XmlElement, XmlFormat};
use crate::{ArscError, AxmlError, Limits};

#[derive(Clone, PartialEq, Message)]
struct PbSourcePosition {
    #[prost(uint32, tag = "1")]
    line_number: u32,
}

#[derive(Clone, PartialEq, Message)]
struct PbXmlNode {
    #[prost(oneof = "PbNode", tags = "1, 2")]
    node: Option<PbNode>,
    #[prost(message, optional, tag = "3")]
    source: Option<PbSourcePosition>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
enum PbNode {
    #[prost(message, tag = "1")]
    Element(PbXmlElement),
    #[prost(bytes, tag = "2")]
    Text(Vec<u8>),
}

#[derive(Clone, PartialEq, Message)]
struct PbXmlElement {
    #[prost(message, repeated, tag = "1")]
    namespace_declaration: Vec<PbXmlNamespace>,
    #[prost(bytes = "vec", tag = "2")]
    namespace_uri: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    name: Vec<u8>,
    #[prost(message, repeated, tag = "4")]
    attribute: Vec<PbXmlAttribute>,
    #[prost(message, repeated, tag = "5")]
    child: Vec<PbXmlNode>,
}

#[derive(Clone, PartialEq, Message)]
struct PbXmlNamespace {
    #[prost(bytes = "vec", tag = "1")]
    prefix: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    uri: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
struct PbXmlAttribute {
    #[prost(bytes = "vec", tag = "1")]
    namespace_uri: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    name: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    value: Vec<u8>,
    #[prost(uint32, tag = "5")]
    resource_id: u32,
    #[prost(message, optional, tag = "6")]
    compiled_item: Option<PbItem>,
}

#[derive(Clone, PartialEq, Message)]
struct PbItem {
    #[prost(oneof = "PbItemValue", tags = "1, 2, 3, 4, 5, 6, 7")]
    value: Option<PbItemValue>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
enum PbItemValue {
    #[prost(message, tag = "1")]
    Ref(PbReference),
    #[prost(message, tag = "2")]
    Str(PbString),
    #[prost(message, tag = "3")]
    RawStr(PbString),
    #[prost(message, tag = "4")]
    StyledStr(PbString),
    #[prost(message, tag = "5")]
    File(PbString),
    #[prost(message, tag = "6")]
    Id(PbEmpty),
    #[prost(message, tag = "7")]
    Prim(PbPrimitive),
}

#[derive(Clone, PartialEq, Message)]
struct PbEmpty {}

/// `String`, `RawString`, `StyledString` and `FileReference` all keep their text in field 1.
#[derive(Clone, PartialEq, Message)]
struct PbString {
    #[prost(bytes = "vec", tag = "1")]
    value: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
struct PbReference {
    #[prost(int32, tag = "1")]
    kind: i32,
    #[prost(uint32, tag = "2")]
    id: u32,
}

#[derive(Clone, PartialEq, Message)]
struct PbPrimitive {
    #[prost(
        oneof = "PbPrim",
        tags = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14"
    )]
    value: Option<PbPrim>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
enum PbPrim {
    #[prost(message, tag = "1")]
    Null(PbEmpty),
    #[prost(message, tag = "2")]
    Empty(PbEmpty),
    #[prost(float, tag = "3")]
    Float(f32),
    #[prost(float, tag = "4")]
    DimensionDeprecated(f32),
    #[prost(float, tag = "5")]
    FractionDeprecated(f32),
    #[prost(int32, tag = "6")]
    IntDecimal(i32),
    #[prost(uint32, tag = "7")]
    IntHex(u32),
    #[prost(bool, tag = "8")]
    Boolean(bool),
    #[prost(uint32, tag = "9")]
    ColorArgb8(u32),
    #[prost(uint32, tag = "10")]
    ColorRgb8(u32),
    #[prost(uint32, tag = "11")]
    ColorArgb4(u32),
    #[prost(uint32, tag = "12")]
    ColorRgb4(u32),
    #[prost(uint32, tag = "13")]
    Dimension(u32),
    #[prost(uint32, tag = "14")]
    Fraction(u32),
}

#[derive(Clone, PartialEq, Message)]
struct PbResourceTable {
    #[prost(message, repeated, tag = "2")]
    package: Vec<PbPackage>,
}

#[derive(Clone, PartialEq, Message)]
struct PbId {
    #[prost(uint32, tag = "1")]
    id: u32,
}

#[derive(Clone, PartialEq, Message)]
struct PbPackage {
    #[prost(message, optional, tag = "1")]
    package_id: Option<PbId>,
    #[prost(bytes = "vec", tag = "2")]
    package_name: Vec<u8>,
    #[prost(message, repeated, tag = "3")]
    types: Vec<PbType>,
}

#[derive(Clone, PartialEq, Message)]
struct PbType {
    #[prost(message, optional, tag = "1")]
    type_id: Option<PbId>,
    #[prost(bytes = "vec", tag = "2")]
    name: Vec<u8>,
    #[prost(message, repeated, tag = "3")]
    entry: Vec<PbEntry>,
}

#[derive(Clone, PartialEq, Message)]
struct PbEntry {
    #[prost(message, optional, tag = "1")]
    entry_id: Option<PbId>,
    #[prost(bytes = "vec", tag = "2")]
    name: Vec<u8>,
    #[prost(message, repeated, tag = "6")]
    config_value: Vec<PbConfigValue>,
}

#[derive(Clone, PartialEq, Message)]
struct PbConfigValue {
    #[prost(message, optional, tag = "1")]
    config: Option<PbConfiguration>,
    #[prost(message, optional, tag = "2")]
    value: Option<PbValue>,
}

#[derive(Clone, PartialEq, Message)]
struct PbValue {
    #[prost(oneof = "PbValueKind", tags = "4, 5")]
    value: Option<PbValueKind>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
enum PbValueKind {
    #[prost(message, tag = "4")]
    Item(PbItem),
    #[prost(message, tag = "5")]
    Compound(PbCompoundValue),
}

#[derive(Clone, PartialEq, Message)]
struct PbCompoundValue {
    #[prost(oneof = "PbCompound", tags = "1, 2, 3, 4, 5")]
    value: Option<PbCompound>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
enum PbCompound {
    #[prost(message, tag = "1")]
    Attr(PbAttribute),
    #[prost(message, tag = "2")]
    Style(PbStyle),
    #[prost(message, tag = "3")]
    Styleable(PbStyleable),
    #[prost(message, tag = "4")]
    Array(PbArray),
    #[prost(message, tag = "5")]
    Plural(PbPlural),
}

#[derive(Clone, PartialEq, Message)]
struct PbAttribute {
    #[prost(uint32, tag = "1")]
    format_flags: u32,
    #[prost(message, repeated, tag = "4")]
    symbol: Vec<PbSymbol>,
}

#[derive(Clone, PartialEq, Message)]
struct PbSymbol {
    #[prost(message, optional, tag = "3")]
    name: Option<PbReference>,
    #[prost(uint32, tag = "4")]
    value: u32,
}

#[derive(Clone, PartialEq, Message)]
struct PbStyle {
    #[prost(message, optional, tag = "1")]
    parent: Option<PbReference>,
    #[prost(message, repeated, tag = "3")]
    entry: Vec<PbStyleEntry>,
}

#[derive(Clone, PartialEq, Message)]
struct PbStyleEntry {
    #[prost(message, optional, tag = "3")]
    key: Option<PbReference>,
    #[prost(message, optional, tag = "4")]
    item: Option<PbItem>,
}

#[derive(Clone, PartialEq, Message)]
struct PbStyleable {
    #[prost(message, repeated, tag = "1")]
    entry: Vec<PbStyleableEntry>,
}

#[derive(Clone, PartialEq, Message)]
struct PbStyleableEntry {
    #[prost(message, optional, tag = "3")]
    attr: Option<PbReference>,
}

#[derive(Clone, PartialEq, Message)]
struct PbArray {
    #[prost(message, repeated, tag = "1")]
    element: Vec<PbArrayElement>,
}

#[derive(Clone, PartialEq, Message)]
struct PbArrayElement {
    #[prost(message, optional, tag = "3")]
    item: Option<PbItem>,
}

#[derive(Clone, PartialEq, Message)]
struct PbPlural {
    #[prost(message, repeated, tag = "1")]
    entry: Vec<PbPluralEntry>,
}

#[derive(Clone, PartialEq, Message)]
struct PbPluralEntry {
    #[prost(int32, tag = "3")]
    arity: i32,
    #[prost(message, optional, tag = "4")]
    item: Option<PbItem>,
}

#[derive(Clone, PartialEq, Message)]
struct PbConfiguration {
    #[prost(uint32, tag = "1")]
    mcc: u32,
    #[prost(uint32, tag = "2")]
    mnc: u32,
    #[prost(bytes = "vec", tag = "3")]
    locale: Vec<u8>,
    #[prost(int32, tag = "4")]
    layout_direction: i32,
    #[prost(uint32, tag = "5")]
    screen_width: u32,
    #[prost(uint32, tag = "6")]
    screen_height: u32,
    #[prost(uint32, tag = "7")]
    screen_width_dp: u32,
    #[prost(uint32, tag = "8")]
    screen_height_dp: u32,
    #[prost(uint32, tag = "9")]
    smallest_screen_width_dp: u32,
    #[prost(int32, tag = "10")]
    screen_layout_size: i32,
    #[prost(int32, tag = "11")]
    screen_layout_long: i32,
    #[prost(int32, tag = "12")]
    screen_round: i32,
    #[prost(int32, tag = "13")]
    wide_color_gamut: i32,
    #[prost(int32, tag = "14")]
    hdr: i32,
    #[prost(int32, tag = "15")]
    orientation: i32,
    #[prost(int32, tag = "16")]
    ui_mode_type: i32,
    #[prost(int32, tag = "17")]
    ui_mode_night: i32,
    #[prost(uint32, tag = "18")]
    density: u32,
    #[prost(int32, tag = "19")]
    touchscreen: i32,
    #[prost(int32, tag = "20")]
    keys_hidden: i32,
    #[prost(int32, tag = "21")]
    keyboard: i32,
    #[prost(int32, tag = "22")]
    nav_hidden: i32,
    #[prost(int32, tag = "23")]
    navigation: i32,
    #[prost(uint32, tag = "24")]
    sdk_version: u32,
    #[prost(int32, tag = "26")]
    grammatical_gender: i32,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Small enum code into a u8 field (out-of-range codes become 0 = unset).
fn code(v: i32, max: i32) -> u8 {
    if (0..=max).contains(&v) { v as u8 } else { 0 }
}

fn config_from_pb(c: &PbConfiguration) -> Config {
    let mut out = Config {
        mcc: u16::try_from(c.mcc).unwrap_or(0),
        mnc: u16::try_from(c.mnc).unwrap_or(0),
        orientation: code(c.orientation, 3),
        touchscreen: code(c.touchscreen, 3),
        density: u16::try_from(c.density).unwrap_or(0),
        keyboard: code(c.keyboard, 3),
        navigation: code(c.navigation, 4),
        grammatical_inflection: code(c.grammatical_gender, 3),
        screen_width: u16::try_from(c.screen_width).unwrap_or(0),
        screen_height: u16::try_from(c.screen_height).unwrap_or(0),
        sdk_version: u16::try_from(c.sdk_version).unwrap_or(0),
        smallest_screen_width_dp: u16::try_from(c.smallest_screen_width_dp).unwrap_or(0),
        screen_width_dp: u16::try_from(c.screen_width_dp).unwrap_or(0),
        screen_height_dp: u16::try_from(c.screen_height_dp).unwrap_or(0),
        ..Config::default()
    };
    out.set_locale_tag(&text(&c.locale));
    // Protobuf enums number their values differently from the binary bit fields.
    out.screen_layout = code(c.screen_layout_size, 4)
        | match c.screen_layout_long {
            1 => 0x20,
            2 => 0x10,
            _ => 0,
        }
        | match c.layout_direction {
            1 => 0x40,
            2 => 0x80,
            _ => 0,
        };
    out.screen_layout2 = match c.screen_round {
        1 => 2,
        2 => 1,
        _ => 0,
    };
    out.color_mode = match c.wide_color_gamut {
        1 => 2,
        2 => 1,
        _ => 0,
    } | match c.hdr {
        1 => 0x08,
        2 => 0x04,
        _ => 0,
    };
    out.ui_mode = code(c.ui_mode_type, 7)
        | match c.ui_mode_night {
            1 => 0x20,
            2 => 0x10,
            _ => 0,
        };
    out.input_flags = code(c.keys_hidden, 3)
        | match c.nav_hidden {
            1 => 0x04,
            2 => 0x08,
            _ => 0,
        };
    out
}

/// Raw (data type, data) of a compiled item; strings go through `intern`.
fn item_raw(item: &PbItem, intern: &mut dyn FnMut(String) -> u32) -> (u8, u32) {
    match &item.value {
        Some(PbItemValue::Ref(r)) => {
            let t = if r.kind == 1 {
                value::TYPE_ATTRIBUTE
            } else {
                value::TYPE_REFERENCE
            };
            (t, r.id)
        }
        Some(
            PbItemValue::Str(s)
            | PbItemValue::RawStr(s)
            | PbItemValue::StyledStr(s)
            | PbItemValue::File(s),
        ) => (value::TYPE_STRING, intern(text(&s.value))),
        Some(PbItemValue::Id(_)) => (value::TYPE_INT_BOOLEAN, 0),
        Some(PbItemValue::Prim(p)) => match p.value {
            Some(PbPrim::Null(_)) | None => (value::TYPE_NULL, 0),
            Some(PbPrim::Empty(_)) => (value::TYPE_NULL, 1),
            Some(PbPrim::Float(f)) => (value::TYPE_FLOAT, f.to_bits()),
            Some(PbPrim::DimensionDeprecated(f)) => (value::TYPE_DIMENSION, f.to_bits()),
            Some(PbPrim::FractionDeprecated(f)) => (value::TYPE_FRACTION, f.to_bits()),
            Some(PbPrim::IntDecimal(i)) => (value::TYPE_INT_DEC, i as u32),
            Some(PbPrim::IntHex(u)) => (value::TYPE_INT_HEX, u),
            Some(PbPrim::Boolean(b)) => (value::TYPE_INT_BOOLEAN, if b { 0xffff_ffff } else { 0 }),
            Some(PbPrim::ColorArgb8(u)) => (value::TYPE_INT_COLOR_ARGB8, u),
            Some(PbPrim::ColorRgb8(u)) => (value::TYPE_INT_COLOR_RGB8, u),
            Some(PbPrim::ColorArgb4(u)) => (value::TYPE_INT_COLOR_ARGB4, u),
            Some(PbPrim::ColorRgb4(u)) => (value::TYPE_INT_COLOR_RGB4, u),
            Some(PbPrim::Dimension(u)) => (value::TYPE_DIMENSION, u),
            Some(PbPrim::Fraction(u)) => (value::TYPE_FRACTION, u),
        },
        None => (value::TYPE_NULL, 0),
    }
}

/// Parses an App Bundle manifest or XML resource (aapt2 `XmlNode` protobuf).
pub fn parse_proto_xml(data: &[u8], limits: &Limits) -> Result<XmlDocument, AxmlError> {
    let node = PbXmlNode::decode(data).map_err(|e| AxmlError::Proto(e.to_string()))?;
    let mut cv = XmlConv {
        limits,
        an: Anomalies::new(limits.max_anomalies),
        elements: 0,
        attributes: 0,
        stopped: false,
    };
    let root = match node.node {
        Some(PbNode::Element(e)) => cv.element(&e, node.source.as_ref(), 0),
        _ => None,
    };
    if root.is_none() {
        return Err(AxmlError::NoRootElement {
            anomalies: cv.an.len(),
        });
    }
    Ok(XmlDocument {
        format: XmlFormat::Proto,
        root,
        anomalies: cv.an.into_vec(),
        android_would_reject: false,
    })
}

struct XmlConv<'l> {
    limits: &'l Limits,
    an: Anomalies,
    elements: usize,
    attributes: usize,
    stopped: bool,
}

impl XmlConv<'_> {
    /// Recursion depth is bounded by `max_depth` (and by prost's own decode limit).
    fn element(
        &mut self,
        e: &PbXmlElement,
        pos: Option<&PbSourcePosition>,
        depth: usize,
    ) -> Option<XmlElement> {
        if self.stopped {
            return None;
        }
        if depth >= self.limits.max_depth {
            self.an.push(
                AnomalyKind::NestingTooDeep,
                format!(
                    "elements nested deeper than {} were dropped",
                    self.limits.max_depth
                ),
            );
            self.stopped = true;
            return None;
        }
        if self.elements >= self.limits.max_elements {
            self.an.push(
                AnomalyKind::LimitExceeded,
                format!(
                    "more than {} elements; the rest were dropped",
                    self.limits.max_elements
                ),
            );
            self.stopped = true;
            return None;
        }
        self.elements += 1;
        let name = text(&e.name);
        if name.is_empty() {
            self.an.push(
                AnomalyKind::ElementNameMissing,
                "element with an empty name",
            );
        }
        let mut attributes = Vec::new();
        for a in &e.attribute {
            if self.attributes >= self.limits.max_attributes
                || attributes.len() >= self.limits.max_attributes_per_element
            {
                self.an.push(
                    AnomalyKind::LimitExceeded,
                    format!("<{name}>: attribute limit reached"),
                );
                break;
            }
            self.attributes += 1;
            attributes.push(self.attribute(a, &name));
        }
        let mut el = XmlElement {
            namespace: (!e.namespace_uri.is_empty()).then(|| text(&e.namespace_uri)),
            name,
            attributes,
            children: Vec::new(),
            text: None,
            line: pos.map(|p| p.line_number).filter(|&l| l != 0),
            namespace_decls: e
                .namespace_declaration
                .iter()
                .take(64)
                .map(|n| NamespaceDecl {
                    prefix: text(&n.prefix),
                    uri: text(&n.uri),
                })
                .collect(),
        };
        for c in &e.child {
            match &c.node {
                Some(PbNode::Element(ce)) => {
                    if let Some(x) = self.element(ce, c.source.as_ref(), depth + 1) {
                        el.children.push(x);
                    }
                }
                Some(PbNode::Text(t)) => {
                    // aapt2 keeps indentation as text nodes; only real character data counts.
                    let t = text(t);
                    if !t.trim().is_empty() {
                        el.text.get_or_insert_with(String::new).push_str(&t);
                    }
                }
                None => {}
            }
        }
        Some(el)
    }

    fn attribute(&mut self, a: &PbXmlAttribute, el: &str) -> XmlAttribute {
        let name = text(&a.name);
        let raw = text(&a.value);
        let resource_id = (a.resource_id != 0).then_some(a.resource_id);
        let mut strings: Vec<String> = Vec::new();
        let (value, textual) = match &a.compiled_item {
            Some(item) => {
                let (dt, data) = item_raw(item, &mut |s| {
                    strings.push(s);
                    0
                });
                let v = Value::from_raw(dt, data, |_| strings.pop());
                let textual = dt == value::TYPE_STRING;
                (v, textual)
            }
            None => (Value::String(raw.clone()), true),
        };
        if resource_id.is_none() && name.is_empty() {
            self.an.push(
                AnomalyKind::AttributeNameMissing,
                format!("<{el}> attribute has neither a name nor a resource ID"),
            );
        }
        if let Some(canon) = resource_id.and_then(crate::attrs::name_of)
            && name != canon
        {
            {
                self.an.push(
                    AnomalyKind::AttributeNameMismatch,
                    format!(
                        "<{el}> attribute {:#010x} is {canon} but named {name:?}",
                        a.resource_id
                    ),
                );
            }
        }
        XmlAttribute {
            namespace: (!a.namespace_uri.is_empty()).then(|| text(&a.namespace_uri)),
            name,
            resource_id,
            value,
            raw_value: textual.then_some(raw),
        }
    }
}

/// Parses an App Bundle `resources.pb` (aapt2 `ResourceTable` protobuf).
pub fn parse_proto_table(data: &[u8], limits: &Limits) -> Result<ResourceTable, ArscError> {
    let t = PbResourceTable::decode(data).map_err(|e| ArscError::Proto(e.to_string()))?;
    let mut b = TableBuilder::new(limits);
    let mut strings = Strings::Owned(Vec::new());
    'packages: for p in &t.package {
        let pid = p.package_id.as_ref().map_or(0, |i| i.id);
        let Ok(pid) = u8::try_from(pid) else {
            b.an.push(
                AnomalyKind::ProtoIdOutOfRange,
                format!("package id {pid:#x}"),
            );
            continue;
        };
        let pkg = b.table.packages.len();
        let mut keys = Strings::Owned(Vec::new());
        let mut package = Package {
            id: pid,
            name: text(&p.package_name),
            ..Package::default()
        };
        let mut pending: Vec<(u8, u16, u32, u32, Stored)> = Vec::new();
        for ty in &p.types {
            let tid = ty.type_id.as_ref().map_or(0, |i| i.id);
            let Ok(tid) = u8::try_from(tid) else {
                b.an.push(AnomalyKind::ProtoIdOutOfRange, format!("type id {tid:#x}"));
                continue;
            };
            if tid == 0 {
                b.an.push(
                    AnomalyKind::TypeIdInvalid,
                    format!("type {:?} has id 0", text(&ty.name)),
                );
                continue;
            }
            package
                .type_names
                .entry(tid)
                .or_insert_with(|| text(&ty.name));
            for e in &ty.entry {
                let eid = e.entry_id.as_ref().map_or(0, |i| i.id);
                let Ok(eid) = u16::try_from(eid) else {
                    b.an.push(AnomalyKind::ProtoIdOutOfRange, format!("entry id {eid:#x}"));
                    continue;
                };
                let key = keys.push(text(&e.name));
                for cv in &e.config_value {
                    let config =
                        b.config_id(cv.config.as_ref().map(config_from_pb).unwrap_or_default());
                    let Some(v) = cv.value.as_ref().and_then(|v| v.value.as_ref()) else {
                        continue;
                    };
                    let stored = match v {
                        PbValueKind::Item(item) => {
                            let (data_type, data) = item_raw(item, &mut |s| strings.push(s));
                            Stored::Item { data_type, data }
                        }
                        PbValueKind::Compound(c) => {
                            let Some(s) = compound(c, &mut strings, &mut b) else {
                                break 'packages;
                            };
                            s
                        }
                    };
                    pending.push((tid, eid, key, config, stored));
                }
            }
        }
        package.keys = keys;
        b.table.packages.push(package);
        for (tid, eid, key, config, stored) in pending {
            if !b.add(pkg, tid, eid, key, config, stored) {
                break 'packages;
            }
        }
    }
    b.table.strings = strings;
    Ok(b.finish())
}

/// Maps a compound value onto a bag; None once the bag-item limit is exhausted.
fn compound(
    c: &PbCompoundValue,
    strings: &mut Strings,
    b: &mut TableBuilder<'_>,
) -> Option<Stored> {
    let mut items: Vec<(u32, u8, u32)> = Vec::new();
    let mut parent = 0;
    let mut intern = |s: String| strings.push(s);
    match &c.value {
        Some(PbCompound::Style(s)) => {
            parent = s.parent.as_ref().map_or(0, |r| r.id);
            for e in &s.entry {
                let (dt, d) = e
                    .item
                    .as_ref()
                    .map_or((value::TYPE_NULL, 0), |i| item_raw(i, &mut intern));
                items.push((e.key.as_ref().map_or(0, |k| k.id), dt, d));
            }
        }
        Some(PbCompound::Array(a)) => {
            for (i, e) in a.element.iter().enumerate() {
                let (dt, d) = e
                    .item
                    .as_ref()
                    .map_or((value::TYPE_NULL, 0), |i| item_raw(i, &mut intern));
                items.push((i as u32, dt, d));
            }
        }
        Some(PbCompound::Plural(p)) => {
            for e in &p.entry {
                // ResTable_map ATTR_OTHER = 0x01000004, then ZERO, ONE, TWO, FEW, MANY.
                let key = match e.arity {
                    5 => 0x0100_0004,
                    a => 0x0100_0005 + (a.clamp(0, 4) as u32),
                };
                let (dt, d) = e
                    .item
                    .as_ref()
                    .map_or((value::TYPE_NULL, 0), |i| item_raw(i, &mut intern));
                items.push((key, dt, d));
            }
        }
        Some(PbCompound::Attr(a)) => {
            // ResTable_map ATTR_TYPE = 0x01000000 carries the format flags.
            items.push((0x0100_0000, value::TYPE_INT_DEC, a.format_flags));
            for s in &a.symbol {
                items.push((
                    s.name.as_ref().map_or(0, |r| r.id),
                    value::TYPE_INT_DEC,
                    s.value,
                ));
            }
        }
        Some(PbCompound::Styleable(s)) => {
            for e in &s.entry {
                items.push((e.attr.as_ref().map_or(0, |r| r.id), value::TYPE_NULL, 0));
            }
        }
        None => {}
    }
    if !b.charge_bag(items.len()) {
        return None;
    }
    Some(Stored::Bag { parent, items })
}
