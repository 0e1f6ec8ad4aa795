//! Binary XML (`ResXMLTree`) reader.
//!
//! Mirrors androidfw: the document header's type is not checked; chunks before the first XML
//! node are scanned for the string pool and resource map (unknown ones skipped); nodes are then
//! walked by their declared sizes, with androidfw's `validate_chunk`/`validateNode` checks.
//! Where a device would give up we record an anomaly, set `android_would_reject`, and keep
//! whatever can still be read.

use std::collections::{HashMap, HashSet};

use crate::anomaly::{Anomalies, AnomalyKind};
use crate::attrs;
use crate::bytes::{chunk_at, u8_at, u16_at, u32_at, validate_chunk};
use crate::strpool::StringPool;
use crate::value::{TYPE_STRING, Value};
use crate::xml::{NamespaceDecl, XmlAttribute, XmlDocument, XmlElement, XmlFormat};
use crate::{AxmlError, Limits};

const RES_XML_TYPE: u16 = 0x0003;
const RES_STRING_POOL_TYPE: u16 = 0x0001;
const RES_XML_RESOURCE_MAP_TYPE: u16 = 0x0180;
const RES_XML_FIRST_CHUNK_TYPE: u16 = 0x0100;
const RES_XML_LAST_CHUNK_TYPE: u16 = 0x017f;
const START_NAMESPACE: u16 = 0x0100;
const END_NAMESPACE: u16 = 0x0101;
const START_ELEMENT: u16 = 0x0102;
const END_ELEMENT: u16 = 0x0103;
const CDATA: u16 = 0x0104;

/// `sizeof(ResXMLTree_node)`: chunk header + line number + comment.
const NODE_HEADER: usize = 16;
/// `sizeof(ResXMLTree_attrExt)`.
const ATTR_EXT: usize = 20;
/// `sizeof(ResXMLTree_attribute)`.
const ATTRIBUTE: usize = 20;
const NO_INDEX: u32 = 0xffff_ffff;

/// Parses binary XML (`AndroidManifest.xml`, `res/xml/*.xml` in an APK).
///
/// Returns partial results plus anomalies for tampered input; errors only when no element
/// could be found at all.
pub fn parse_axml(data: &[u8], limits: &Limits) -> Result<XmlDocument, AxmlError> {
    let mut an = Anomalies::new(limits.max_anomalies);
    let Some(head) = chunk_at(data, 0) else {
        return Err(AxmlError::TooShort { len: data.len() });
    };
    let mut fatal = false;
    if head.kind != RES_XML_TYPE {
        an.push(
            AnomalyKind::XmlWrongMagic,
            format!("document chunk type {:#06x}, expected 0x0003", head.kind),
        );
    }
    let mut end = head.size as usize;
    if end > data.len() {
        an.push(
            AnomalyKind::XmlSizeMismatch,
            format!(
                "declared size {end:#x} exceeds {:#x} bytes available",
                data.len()
            ),
        );
        fatal = true;
        end = data.len();
    } else if end < data.len() {
        an.push(
            AnomalyKind::TrailingData,
            format!(
                "{} bytes after the declared document size {end:#x}",
                data.len() - end
            ),
        );
    }
    let mut start = usize::from(head.header_size);
    if start > end || start < 8 {
        an.push(
            AnomalyKind::XmlHeaderInvalid,
            format!("document header size {start:#x} invalid"),
        );
        fatal = fatal || start > end;
        start = 8;
    }

    // Phase 1: like ResXMLTree::setTo, find the string pool, resource map and first node.
    let mut pool: Option<StringPool> = None;
    let mut res_ids: Vec<u32> = Vec::new();
    let mut res_map_seen = false;
    let mut root_off: Option<usize> = None;
    let mut pos = start;
    while pos.saturating_add(8) <= end {
        let Some(c) = chunk_at(data, pos) else { break };
        if let Err(why) = validate_chunk(&c, 8, pos, end) {
            an.push(
                AnomalyKind::BadChunkHeader,
                format!("chunk at {pos:#x}: {why}"),
            );
            fatal = true;
            break;
        }
        let size = c.size as usize;
        let body = data.get(pos..pos + size).unwrap_or_default();
        match c.kind {
            RES_STRING_POOL_TYPE => {
                if pool.is_some() {
                    an.push(
                        AnomalyKind::MultipleStringPools,
                        format!("another string pool at {pos:#x}; the last one is used"),
                    );
                }
                let (p, bad) = StringPool::parse(body, &mut an, "xml string pool");
                fatal |= bad;
                pool = Some(p);
            }
            RES_XML_RESOURCE_MAP_TYPE => {
                if res_map_seen {
                    an.push(
                        AnomalyKind::MultipleResourceMaps,
                        format!("another resource map at {pos:#x}; the last one is used"),
                    );
                }
                res_map_seen = true;
                let ids_off = usize::from(c.header_size);
                res_ids = body
                    .get(ids_off..)
                    .unwrap_or_default()
                    .chunks_exact(4)
                    .filter_map(|b| b.try_into().ok().map(u32::from_le_bytes))
                    .collect();
            }
            RES_XML_FIRST_CHUNK_TYPE..=RES_XML_LAST_CHUNK_TYPE => {
                root_off = Some(pos);
                break;
            }
            other => an.push(
                AnomalyKind::UnknownChunk,
                format!("skipped chunk type {other:#06x} ({size} bytes) at {pos:#x}"),
            ),
        }
        pos += size;
    }
    let pool = match pool {
        Some(p) => p,
        None => {
            an.push(
                AnomalyKind::MissingStringPool,
                "no string pool before the first node",
            );
            fatal = true;
            StringPool::default()
        }
    };
    let Some(root_off) = root_off else {
        return Err(AxmlError::NoRootElement {
            anomalies: an.len(),
        });
    };

    let mut b = Builder {
        data,
        pool: &pool,
        res_ids: &res_ids,
        limits,
        an,
        cache: HashMap::new(),
        text_used: 0,
        bad_strings: 0,
        stack: Vec::new(),
        root: None,
        pending_ns: Vec::new(),
        ns_stack: Vec::new(),
        skipped_depth: 0,
        elements: 0,
        attributes: 0,
        fatal,
        stopped: false,
    };

    // Phase 2: walk nodes like ResXMLParser::nextNode.
    let mut pos = root_off;
    while pos < end && !b.stopped {
        let Some(c) = chunk_at(data, pos) else {
            b.an.push(
                AnomalyKind::BadChunkHeader,
                format!("truncated node header at {pos:#x}"),
            );
            b.fatal = true;
            break;
        };
        if let Err(why) = validate_chunk(&c, 8, pos, end) {
            // A zero-size or truncated last chunk (e.g. namespace end) is a known trick; a
            // device stops here, having already seen everything before it.
            b.an.push(
                AnomalyKind::BadNode,
                format!("node type {:#06x} at {pos:#x}: {why}", c.kind),
            );
            b.fatal = true;
            break;
        }
        let size = c.size as usize;
        if usize::from(c.header_size) < NODE_HEADER {
            // androidfw validates every chunk here as a node (header >= 16) and gives up on
            // the document; the chunk's size is sound, so we skip it and read on.
            let kind = if (START_NAMESPACE..=CDATA).contains(&c.kind) {
                AnomalyKind::BadNode
            } else {
                AnomalyKind::UnknownChunk
            };
            b.an.push(
                kind,
                format!(
                    "chunk type {:#06x} at {pos:#x} has header size {} < 16 (fatal on a device)",
                    c.kind, c.header_size
                ),
            );
            b.fatal = true;
            pos += size;
            continue;
        }
        let ext = pos + usize::from(c.header_size);
        let ext_len = size - usize::from(c.header_size);
        let line = u32_at(data, pos + 8);
        let min_ext = match c.kind {
            START_NAMESPACE | END_NAMESPACE => 8,
            START_ELEMENT => ATTR_EXT,
            END_ELEMENT => 8,
            CDATA => 12,
            RES_STRING_POOL_TYPE | RES_XML_RESOURCE_MAP_TYPE => {
                b.an.push(
                    AnomalyKind::LateChunkIgnored,
                    format!(
                        "chunk type {:#06x} at {pos:#x} after the first node is ignored",
                        c.kind
                    ),
                );
                pos += size;
                continue;
            }
            other => {
                b.an.push(
                    AnomalyKind::UnknownChunk,
                    format!("skipped chunk type {other:#06x} ({size} bytes) at {pos:#x}"),
                );
                pos += size;
                continue;
            }
        };
        if ext_len < min_ext {
            b.an.push(
                AnomalyKind::BadNode,
                format!(
                    "node type {:#06x} at {pos:#x} has {ext_len} body bytes, needs {min_ext}",
                    c.kind
                ),
            );
            b.fatal = true;
            break;
        }
        match c.kind {
            START_NAMESPACE => b.start_namespace(ext),
            END_NAMESPACE => b.end_namespace(ext),
            START_ELEMENT => b.start_element(pos, ext, ext_len, line),
            END_ELEMENT => b.end_element(ext),
            _ => b.cdata(ext),
        }
        pos += size;
    }
    Ok(b.finish())
}

struct Builder<'a> {
    data: &'a [u8],
    pool: &'a StringPool,
    res_ids: &'a [u32],
    limits: &'a Limits,
    an: Anomalies,
    /// Decoded strings by index; each index is decoded (and charged) once.
    cache: HashMap<u32, Option<String>>,
    text_used: usize,
    bad_strings: usize,
    stack: Vec<XmlElement>,
    root: Option<XmlElement>,
    pending_ns: Vec<NamespaceDecl>,
    ns_stack: Vec<NamespaceDecl>,
    /// Open elements dropped for exceeding `max_depth`.
    skipped_depth: usize,
    elements: usize,
    attributes: usize,
    fatal: bool,
    stopped: bool,
}

impl Builder<'_> {
    fn charge(&mut self, n: usize) -> bool {
        self.text_used = self.text_used.saturating_add(n);
        if self.text_used > self.limits.max_text_bytes {
            if !self.stopped {
                self.an.push(
                    AnomalyKind::LimitExceeded,
                    format!(
                        "more than {} bytes of text; output truncated",
                        self.limits.max_text_bytes
                    ),
                );
            }
            self.stopped = true;
            return false;
        }
        true
    }

    /// String `idx` (None for 0xFFFFFFFF or unreadable), charged to the text budget.
    fn string(&mut self, idx: u32) -> Option<String> {
        if idx == NO_INDEX {
            return None;
        }
        if !self.cache.contains_key(&idx) {
            if !self.charge(self.pool.cost(idx)) {
                return None;
            }
            let got = match self.pool.get(idx) {
                Ok(s) => Some(s),
                Err(p) => {
                    if self.bad_strings < 32 {
                        self.an
                            .push(p.kind(), format!("string #{idx} is unreadable ({p:?})"));
                    }
                    self.bad_strings += 1;
                    None
                }
            };
            self.cache.insert(idx, got);
        }
        let s = self.cache.get(&idx).cloned().flatten();
        if let Some(s) = &s
            && !self.charge(s.len())
        {
            return None;
        }
        s
    }

    fn start_namespace(&mut self, ext: usize) {
        let prefix = u32_at(self.data, ext)
            .and_then(|i| self.string(i))
            .unwrap_or_default();
        let uri = u32_at(self.data, ext + 4)
            .and_then(|i| self.string(i))
            .unwrap_or_default();
        let d = NamespaceDecl { prefix, uri };
        self.ns_stack.push(d.clone());
        if self.pending_ns.len() < 64 {
            self.pending_ns.push(d);
        }
    }

    fn end_namespace(&mut self, ext: usize) {
        let uri = u32_at(self.data, ext + 4)
            .and_then(|i| self.string(i))
            .unwrap_or_default();
        match self.ns_stack.pop() {
            Some(d) if d.uri == uri => {}
            Some(d) => self.an.push(
                AnomalyKind::UnbalancedNamespace,
                format!("namespace end for {uri:?} while {:?} is open", d.uri),
            ),
            None => self.an.push(
                AnomalyKind::UnbalancedNamespace,
                format!("namespace end for {uri:?} with none open"),
            ),
        }
    }

    fn start_element(&mut self, node: usize, ext: usize, ext_len: usize, line: Option<u32>) {
        if self.stack.len() >= self.limits.max_depth || self.skipped_depth > 0 {
            if self.skipped_depth == 0 {
                self.an.push(
                    AnomalyKind::NestingTooDeep,
                    format!(
                        "elements nested deeper than {} were dropped",
                        self.limits.max_depth
                    ),
                );
            }
            self.skipped_depth += 1;
            return;
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
            return;
        }
        self.elements += 1;
        let ns = u32_at(self.data, ext).and_then(|i| self.string(i));
        let name_idx = u32_at(self.data, ext + 4).unwrap_or(NO_INDEX);
        let name = match self.string(name_idx) {
            Some(n) if !n.is_empty() => n,
            _ => {
                self.an.push(
                    AnomalyKind::ElementNameMissing,
                    format!("element at {node:#x} has no readable name (string #{name_idx})"),
                );
                String::new()
            }
        };
        let attr_start = u16_at(self.data, ext + 8).map_or(0, usize::from);
        let attr_size = u16_at(self.data, ext + 10).map_or(0, usize::from);
        let attr_count = u16_at(self.data, ext + 12).map_or(0, usize::from);
        let mut attributes = Vec::new();
        if attr_count > 0 {
            // androidfw's validateNode: the attribute table must fit in the node body.
            if attr_start.saturating_add(attr_size.saturating_mul(attr_count)) > ext_len {
                self.an.push(
                    AnomalyKind::AttributeBoundsInvalid,
                    format!(
                        "<{name}> at {node:#x}: {attr_count} attributes of {attr_size} bytes from {attr_start} exceed {ext_len} body bytes"
                    ),
                );
                self.fatal = true;
            } else {
                if attr_size != ATTRIBUTE || attr_start != ATTR_EXT {
                    self.an.push(
                        AnomalyKind::AttributeLayoutUnusual,
                        format!("<{name}> at {node:#x}: attribute start {attr_start}, stride {attr_size}"),
                    );
                }
                attributes = self.read_attributes(&name, ext + attr_start, attr_size, attr_count);
            }
        }
        let el = XmlElement {
            namespace: ns,
            name,
            attributes,
            children: Vec::new(),
            text: None,
            line,
            namespace_decls: std::mem::take(&mut self.pending_ns),
        };
        self.stack.push(el);
    }

    fn read_attributes(
        &mut self,
        el: &str,
        table: usize,
        stride: usize,
        count: usize,
    ) -> Vec<XmlAttribute> {
        let mut out: Vec<XmlAttribute> = Vec::new();
        let take = count.min(self.limits.max_attributes_per_element);
        if take < count {
            self.an.push(
                AnomalyKind::LimitExceeded,
                format!("<{el}> has {count} attributes; only {take} read"),
            );
        }
        let mut seen_ids: HashSet<u32> = HashSet::new();
        let mut seen_names: HashSet<(Option<String>, String)> = HashSet::new();
        let mut last_id = 0u32;
        let mut unsorted_reported = false;
        for i in 0..take {
            if self.attributes >= self.limits.max_attributes {
                self.an.push(
                    AnomalyKind::LimitExceeded,
                    format!(
                        "more than {} attributes in the document",
                        self.limits.max_attributes
                    ),
                );
                self.stopped = true;
                break;
            }
            if self.stopped {
                break;
            }
            let off = table.saturating_add(stride.saturating_mul(i));
            let (Some(ns_i), Some(name_i), Some(raw_i), Some(dt), Some(data)) = (
                u32_at(self.data, off),
                u32_at(self.data, off + 4),
                u32_at(self.data, off + 8),
                u8_at(self.data, off + 15),
                u32_at(self.data, off + 16),
            ) else {
                self.an.push(
                    AnomalyKind::AttributeBoundsInvalid,
                    format!("<{el}> attribute {i} at {off:#x} runs past the data"),
                );
                break;
            };
            self.attributes += 1;
            let resource_id = self
                .res_ids
                .get(name_i as usize)
                .copied()
                .filter(|&id| id != 0);
            let namespace = self.string(ns_i);
            let name = self.string(name_i).unwrap_or_default();
            let raw_value = self.string(raw_i);
            if !Value::known_type(dt) {
                self.an.push(
                    AnomalyKind::UnknownValueType,
                    format!("<{el}> attribute {name:?}: data type {dt:#04x}"),
                );
            }
            let value = if dt == TYPE_STRING {
                Value::String(self.string(data).unwrap_or_default())
            } else {
                Value::from_raw(dt, data, |_| None)
            };
            match resource_id {
                Some(id) => {
                    if let Some(canon) = attrs::name_of(id) {
                        if name.is_empty() {
                            self.an.push(
                                AnomalyKind::AttributeNameMissing,
                                format!("<{el}> attribute {id:#010x} ({canon}) has an empty name"),
                            );
                        } else if name != canon {
                            self.an.push(
                                AnomalyKind::AttributeNameMismatch,
                                format!(
                                    "<{el}> attribute {id:#010x} is {canon} but named {name:?}"
                                ),
                            );
                        }
                    }
                    if id < last_id && !unsorted_reported {
                        unsorted_reported = true;
                        self.an.push(
                            AnomalyKind::AttributesUnsorted,
                            format!("<{el}> attribute IDs not ascending ({id:#010x} after {last_id:#010x})"),
                        );
                    }
                    last_id = last_id.max(id);
                }
                None if name.is_empty() => self.an.push(
                    AnomalyKind::AttributeNameMissing,
                    format!("<{el}> attribute {i} has neither a name nor a resource ID"),
                ),
                None => {}
            }
            if let (Some(raw), Value::String(typed)) = (&raw_value, &value)
                && raw != typed
            {
                {
                    self.an.push(
                        AnomalyKind::RawValueMismatch,
                        format!("<{el}> attribute {name:?}: raw {raw:?} vs typed {typed:?}"),
                    );
                }
            }
            // A set, not a scan: a zero attribute stride can repeat one record thousands of
            // times, and a pairwise check would be quadratic.
            let fresh = match resource_id {
                Some(id) => seen_ids.insert(id),
                None => seen_names.insert((namespace.clone(), name.clone())),
            };
            if !fresh {
                self.an.push(
                    AnomalyKind::DuplicateAttribute,
                    format!(
                        "<{el}> repeats attribute {name:?} ({resource_id:?}); the first is used"
                    ),
                );
            }
            out.push(XmlAttribute {
                namespace,
                name,
                resource_id,
                value,
                raw_value,
            });
        }
        out
    }

    fn end_element(&mut self, ext: usize) {
        if self.skipped_depth > 0 {
            self.skipped_depth -= 1;
            return;
        }
        let Some(el) = self.stack.pop() else {
            self.an.push(
                AnomalyKind::UnbalancedEndElement,
                "end tag with no open element",
            );
            return;
        };
        if let Some(name) = u32_at(self.data, ext + 4).and_then(|i| self.string(i))
            && name != el.name
        {
            {
                self.an.push(
                    AnomalyKind::MismatchedEndElement,
                    format!("</{name}> closes <{}>", el.name),
                );
            }
        }
        self.attach(el);
    }

    fn attach(&mut self, el: XmlElement) {
        if let Some(parent) = self.stack.last_mut() {
            parent.children.push(el);
        } else if self.root.is_none() {
            self.root = Some(el);
        } else {
            self.an.push(
                AnomalyKind::MultipleRootElements,
                format!("extra top-level <{}> ignored, as Android does", el.name),
            );
        }
    }

    fn cdata(&mut self, ext: usize) {
        if self.skipped_depth > 0 {
            return;
        }
        let Some(text) = u32_at(self.data, ext).and_then(|i| self.string(i)) else {
            return;
        };
        if let Some(el) = self.stack.last_mut() {
            el.text.get_or_insert_with(String::new).push_str(&text);
        }
    }

    fn finish(mut self) -> XmlDocument {
        if !self.stack.is_empty() {
            self.an.push(
                AnomalyKind::UnclosedElement,
                format!("{} element(s) still open at the end", self.stack.len()),
            );
        }
        while let Some(el) = self.stack.pop() {
            self.attach(el);
        }
        if self.skipped_depth > 0 {
            self.an.push(
                AnomalyKind::UnclosedElement,
                format!(
                    "{} dropped element(s) still open at the end",
                    self.skipped_depth
                ),
            );
        }
        XmlDocument {
            format: XmlFormat::Binary,
            root: self.root,
            anomalies: self.an.into_vec(),
            android_would_reject: self.fatal,
        }
    }
}
