//! Named, non-fatal oddities found while reading.

use serde::Serialize;

/// A stable, snake_case code for something odd in a document or table.
///
/// Codes are part of the output contract: add new ones, never rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AnomalyKind {
    // --- binary XML document structure
    /// Document chunk type is not `RES_XML_TYPE` (0x0003); Android does not check it.
    XmlWrongMagic,
    /// Declared document size disagrees with the bytes available.
    XmlSizeMismatch,
    /// Document header size is impossible.
    XmlHeaderInvalid,
    /// A chunk header failed androidfw's `validate_chunk`; reading stopped there.
    BadChunkHeader,
    /// A chunk of unknown type (junk) was skipped.
    UnknownChunk,
    /// A string pool or resource map after the first XML node; Android ignores it.
    LateChunkIgnored,
    /// More than one string pool; Android uses the last one before the first node.
    MultipleStringPools,
    /// More than one resource map.
    MultipleResourceMaps,
    /// No string pool at all.
    MissingStringPool,
    /// An XML node failed androidfw's node validation.
    BadNode,
    /// Bytes after the declared end of the document.
    TrailingData,
    // --- string pools
    /// String pool header is impossible; no strings can be read from it.
    StringPoolHeaderInvalid,
    /// `stringCount` claims more offsets than the pool holds (a "string count lie").
    StringCountExceedsPool,
    /// `stringsStart`/`stylesStart` point outside the pool.
    StringPoolOffsetsOutOfRange,
    /// The string data does not end with a terminator.
    StringPoolNotTerminated,
    /// A string's offset or declared length runs past the pool (over-long string).
    StringOutOfBounds,
    /// A string lacks its terminator at its declared length.
    StringNotTerminated,
    /// A UTF-8 string's declared UTF-16 length does not match its bytes.
    StringLengthMismatch,
    /// A reference to a string index that is missing or unreadable.
    StringIndexInvalid,
    // --- elements and attributes
    /// Attribute table position/stride fields are outside the element chunk.
    AttributeBoundsInvalid,
    /// Attribute stride or start differs from the standard 20 bytes.
    AttributeLayoutUnusual,
    /// Attribute name string is missing or empty.
    AttributeNameMissing,
    /// Attribute name differs from the name of its `android:` resource ID (obfuscation).
    AttributeNameMismatch,
    /// Attribute resource IDs are not in ascending order; Android may miss some of them.
    AttributesUnsorted,
    /// The same attribute appears twice on one element.
    DuplicateAttribute,
    /// The raw string and the typed string value of an attribute differ.
    RawValueMismatch,
    /// A typed value has a data type Android does not define.
    UnknownValueType,
    /// Element name string is missing.
    ElementNameMissing,
    /// End tag with no open element.
    UnbalancedEndElement,
    /// End tag name differs from the open element.
    MismatchedEndElement,
    /// Element(s) still open at the end of the document.
    UnclosedElement,
    /// A second top-level element; Android reads only the first.
    MultipleRootElements,
    /// Nesting deeper than the configured limit; deeper elements were dropped.
    NestingTooDeep,
    /// Namespace end without a matching start, or with a different URI.
    UnbalancedNamespace,
    /// A configured element/attribute/text/value limit was hit; output is partial.
    LimitExceeded,
    /// Too many anomalies; later ones were not recorded.
    AnomalyLimitReached,
    // --- resource table
    /// Table chunk type is not `RES_TABLE_TYPE` (0x0002).
    TableWrongMagic,
    /// Declared table size disagrees with the bytes available.
    TableSizeMismatch,
    /// Declared package count disagrees with the packages found.
    PackageCountMismatch,
    /// Package header is too small or inconsistent.
    PackageHeaderInvalid,
    /// Package type-name or key-name string pool is missing.
    PackageStringPoolMissing,
    /// A string pool in a package that is neither the type nor the key pool.
    ExtraStringPool,
    /// A type or type-spec chunk is malformed; (part of) it was skipped.
    TypeChunkInvalid,
    /// Type ID 0 or beyond the type-name pool.
    TypeIdInvalid,
    /// `ResTable_config` size is unusual (too small or larger than its header).
    ConfigSizeUnusual,
    /// An entry offset points outside its type chunk.
    EntryOutOfBounds,
    /// An entry is malformed (size, key or value fields).
    EntryInvalid,
    /// The same resource ID and configuration occur twice; the first is kept.
    DuplicateEntry,
    /// A complex (bag) entry is truncated.
    BagTruncated,
    /// A protobuf ID does not fit Android's 8/8/16-bit resource ID layout.
    ProtoIdOutOfRange,
}

impl AnomalyKind {
    /// The stable snake_case code, as serialised.
    pub fn code(self) -> &'static str {
        use AnomalyKind::*;
        match self {
            XmlWrongMagic => "xml_wrong_magic",
            XmlSizeMismatch => "xml_size_mismatch",
            XmlHeaderInvalid => "xml_header_invalid",
            BadChunkHeader => "bad_chunk_header",
            UnknownChunk => "unknown_chunk",
            LateChunkIgnored => "late_chunk_ignored",
            MultipleStringPools => "multiple_string_pools",
            MultipleResourceMaps => "multiple_resource_maps",
            MissingStringPool => "missing_string_pool",
            BadNode => "bad_node",
            TrailingData => "trailing_data",
            StringPoolHeaderInvalid => "string_pool_header_invalid",
            StringCountExceedsPool => "string_count_exceeds_pool",
            StringPoolOffsetsOutOfRange => "string_pool_offsets_out_of_range",
            StringPoolNotTerminated => "string_pool_not_terminated",
            StringOutOfBounds => "string_out_of_bounds",
            StringNotTerminated => "string_not_terminated",
            StringLengthMismatch => "string_length_mismatch",
            StringIndexInvalid => "string_index_invalid",
            AttributeBoundsInvalid => "attribute_bounds_invalid",
            AttributeLayoutUnusual => "attribute_layout_unusual",
            AttributeNameMissing => "attribute_name_missing",
            AttributeNameMismatch => "attribute_name_mismatch",
            AttributesUnsorted => "attributes_unsorted",
            DuplicateAttribute => "duplicate_attribute",
            RawValueMismatch => "raw_value_mismatch",
            UnknownValueType => "unknown_value_type",
            ElementNameMissing => "element_name_missing",
            UnbalancedEndElement => "unbalanced_end_element",
            MismatchedEndElement => "mismatched_end_element",
            UnclosedElement => "unclosed_element",
            MultipleRootElements => "multiple_root_elements",
            NestingTooDeep => "nesting_too_deep",
            UnbalancedNamespace => "unbalanced_namespace",
            LimitExceeded => "limit_exceeded",
            AnomalyLimitReached => "anomaly_limit_reached",
            TableWrongMagic => "table_wrong_magic",
            TableSizeMismatch => "table_size_mismatch",
            PackageCountMismatch => "package_count_mismatch",
            PackageHeaderInvalid => "package_header_invalid",
            PackageStringPoolMissing => "package_string_pool_missing",
            ExtraStringPool => "extra_string_pool",
            TypeChunkInvalid => "type_chunk_invalid",
            TypeIdInvalid => "type_id_invalid",
            ConfigSizeUnusual => "config_size_unusual",
            EntryOutOfBounds => "entry_out_of_bounds",
            EntryInvalid => "entry_invalid",
            DuplicateEntry => "duplicate_entry",
            BagTruncated => "bag_truncated",
            ProtoIdOutOfRange => "proto_id_out_of_range",
        }
    }
}

impl std::fmt::Display for AnomalyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Something odd but not fatal, with a stable code and a human-readable detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    pub detail: String,
}

/// Collects anomalies up to a cap, so a hostile file cannot grow the list without bound.
#[derive(Debug, Default)]
pub(crate) struct Anomalies {
    list: Vec<Anomaly>,
    cap: usize,
    overflowed: bool,
}

impl Anomalies {
    pub(crate) fn new(cap: usize) -> Self {
        Anomalies {
            list: Vec::new(),
            cap,
            overflowed: false,
        }
    }

    pub(crate) fn push(&mut self, kind: AnomalyKind, detail: impl Into<String>) {
        if self.list.len() < self.cap {
            self.list.push(Anomaly {
                kind,
                detail: detail.into(),
            });
        } else if !self.overflowed {
            self.overflowed = true;
            self.list.push(Anomaly {
                kind: AnomalyKind::AnomalyLimitReached,
                detail: format!(
                    "more than {} anomalies; the rest were not recorded",
                    self.cap
                ),
            });
        }
    }

    #[cfg(test)]
    pub(crate) fn has(&self, kind: AnomalyKind) -> bool {
        self.list.iter().any(|a| a.kind == kind)
    }

    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    pub(crate) fn into_vec(self) -> Vec<Anomaly> {
        self.list
    }
}
