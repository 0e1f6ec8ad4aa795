//! DEX reader for package analysis.
//!
//! Reads one `classes*.dex` image (already inflated) and exposes its header,
//! string table, types, prototypes, field and method references and class
//! definitions without copying the input. Built for hostile input: every
//! offset and count is checked against the bytes actually present, scans
//! are capped, and oddities that do not stop reading (bad checksum,
//! out-of-bounds sections, appended payloads, obfuscated names…) become
//! [`Anomaly`] values instead of errors, so a tampered file still yields
//! partial facts.
//!
//! [`code`] decodes method bytecode: `code_item` headers, a linear walk
//! over every Dalvik instruction and payload, and per-method summaries of
//! invoked methods, strings, literals, field and type references
//! ([`Dex::method_codes`]), all within [`Limits`].
//!
//! ```no_run
//! # fn demo(bytes: &[u8]) -> Result<(), appgov_dex::DexError> {
//! let dex = appgov_dex::parse(bytes, &appgov_dex::Limits::default())?;
//! for s in dex.strings() {
//!     if s.starts_with("https://") { println!("{s}"); }
//! }
//! let summary = dex.summary();
//! println!("{} classes, {} anomalies", summary.classes, summary.anomalies.len());
//! # Ok(()) }
//! ```

mod adler;
mod bytes;
mod classes;
pub mod code;
mod lookup;
pub mod mutf8;
pub mod names;
mod summary;

use std::borrow::Cow;

use serde::Serialize;

use bytes::{u16_at, u32_at, uleb128_at};
pub use classes::{ClassData, ClassDef, Classes, EncodedMethod};
pub use code::{
    CodeError, CodeItem, Format, Instruction, Instructions, MethodCode, MethodCodes, Payload,
    Reference, WalkError,
};
pub use lookup::{FieldId, MethodId};
pub use names::{descriptor_to_java, package_of, simple_class_name};
pub use summary::{DexSummary, PackageCount};

/// Value of an absent index (`NO_INDEX`) in class definitions.
pub const NO_INDEX: u32 = 0xffff_ffff;

const HEADER_LEN: usize = 0x70;
const ENDIAN_CONSTANT: u32 = 0x1234_5678;
const REVERSE_ENDIAN_CONSTANT: u32 = 0x7856_3412;
/// Longest type descriptor or member name read before giving up. Real names
/// are far shorter; the cap keeps repeated name look-ups cheap on hostile
/// files that point many ids at one huge string.
const MAX_NAME_BYTES: usize = 4096;

/// Caps that bound time and memory on hostile input.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Limits {
    /// Larger inputs are refused with [`DexError::TooLarge`].
    pub max_input_len: usize,
    /// Longest string (in bytes) decoded by [`Dex::string`] and the iterators.
    pub max_string_bytes: usize,
    /// Verify the Adler-32 checksum (fast).
    pub verify_checksum: bool,
    /// Verify the SHA-1 signature (costs about as much as a full string scan).
    pub verify_signature: bool,
    /// Anomalies beyond this many are dropped and counted in one final entry.
    pub max_anomalies: usize,
    /// Distinct packages kept in the summary's package tree.
    pub max_packages: usize,
    /// Instructions walked in one method before its walk stops with
    /// [`WalkError::InstructionLimit`] (real methods have far fewer).
    pub max_method_instructions: usize,
    /// Steps (classes, methods, instructions) one [`Dex::method_codes`]
    /// pass may take; it is also capped in proportion to the input size.
    pub max_code_instructions: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_len: 1 << 30,
            max_string_bytes: 1 << 20,
            verify_checksum: true,
            verify_signature: true,
            max_anomalies: 200,
            max_packages: 50_000,
            max_method_instructions: 1 << 20,
            max_code_instructions: 1 << 28,
        }
    }
}

/// Formats that look like DEX relatives but cannot be read here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OtherFormat {
    /// ART compact dex (`cdex`), found inside vdex files.
    CompactDex,
    /// Dalvik optimised dex (`dey\n`), produced by dexopt on Android ≤ 4.4.
    Odex,
    /// ART verified-dex container (`vdex`).
    Vdex,
    /// ART OAT file (raw `oat\n` or an ELF `.odex`/`.oat`).
    Oat,
}

impl std::fmt::Display for OtherFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::CompactDex => "compact dex (cdex)",
            Self::Odex => "optimised dex (odex, dey)",
            Self::Vdex => "vdex container",
            Self::Oat => "OAT/ELF odex",
        })
    }
}

/// Why the input could not be read as DEX at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DexError {
    /// The magic is not `dex\n`: the bytes are encrypted, packed or not DEX.
    #[error("not a DEX file (magic {magic}); content may be encrypted or hidden")]
    NotDex {
        /// Hex of the first (up to 8) bytes.
        magic: String,
    },
    /// A recognised relative of DEX that this reader does not decode.
    #[error("{0} is recognised but not supported")]
    Unsupported(OtherFormat),
    /// Shorter than the 112-byte header.
    #[error("DEX header truncated: {len} bytes, the header needs 112")]
    TruncatedHeader { len: usize },
    /// The endian tag says big-endian, which Android never produces or loads.
    #[error("big-endian DEX (endian tag {tag:#010x}) is not supported")]
    BigEndian { tag: u32 },
    #[error("input of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge { len: usize, limit: usize },
}

/// Stable codes for things that are odd but do not stop reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AnomalyKind {
    /// Version digits are not a known DEX version (035, 037–041).
    UnknownVersion,
    /// Adler-32 in the header does not match the content (edited after build).
    ChecksumMismatch,
    /// SHA-1 signature in the header does not match the content.
    SignatureMismatch,
    /// Declared `file_size` is larger than the bytes given (truncated dex).
    Truncated,
    /// Bytes after the declared `file_size` (packers append payloads).
    DataAfterFileSize,
    /// Bytes between the end of the data section and `file_size`.
    DataAfterDataSection,
    /// `header_size` is not 0x70 (0x78 for v41).
    BadHeaderSize,
    /// Endian tag is neither value.
    BadEndianTag,
    /// A static-link section is declared (never produced by real tools).
    LinkSection,
    /// An id section does not fit in the file; it was cut to what fits.
    SectionOutOfBounds,
    /// An id section starts inside the header.
    SectionOverlapsHeader,
    /// An id section or the map is not 4-byte aligned.
    SectionMisaligned,
    /// The map list is missing or unreadable.
    MapListInvalid,
    /// The map list disagrees with the header.
    MapListMismatch,
    /// v41 container holding more than one dex; only the first is read.
    DexContainer,
    /// A string's data could not be located or is unterminated.
    StringDataInvalid,
    /// Malformed modified UTF-8 (decoded lossily).
    InvalidMutf8,
    /// Declared UTF-16 length differs from the decoded string.
    StringLengthMismatch,
    /// Scanning stopped early because the work budget was spent.
    ScanBudgetExhausted,
    /// An index in an id or class_def item points outside its table.
    IndexOutOfRange,
    /// More than one class_def defines the same type.
    DuplicateClassDef,
    /// Class descriptor breaks the DEX name grammar (obfuscator trick).
    IllegalClassName,
    /// Most classes have 1–2 character names (obfuscation).
    ShortClassNames,
    /// class_data or interface list unreadable.
    ClassDataInvalid,
    /// A code_item lies outside the file, or an instruction in it is cut
    /// short by the end of its code.
    CodeItemInvalid,
    /// Bytecode uses an opcode the Dalvik specification leaves unused.
    UnusedOpcode,
    /// Further anomalies were dropped.
    AnomaliesTruncated,
    /// The package tree hit its limit.
    PackageTreeTruncated,
}

impl AnomalyKind {
    /// The stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Self::UnknownVersion => "unknown_version",
            Self::ChecksumMismatch => "checksum_mismatch",
            Self::SignatureMismatch => "signature_mismatch",
            Self::Truncated => "truncated",
            Self::DataAfterFileSize => "data_after_file_size",
            Self::DataAfterDataSection => "data_after_data_section",
            Self::BadHeaderSize => "bad_header_size",
            Self::BadEndianTag => "bad_endian_tag",
            Self::LinkSection => "link_section",
            Self::SectionOutOfBounds => "section_out_of_bounds",
            Self::SectionOverlapsHeader => "section_overlaps_header",
            Self::SectionMisaligned => "section_misaligned",
            Self::MapListInvalid => "map_list_invalid",
            Self::MapListMismatch => "map_list_mismatch",
            Self::DexContainer => "dex_container",
            Self::StringDataInvalid => "string_data_invalid",
            Self::InvalidMutf8 => "invalid_mutf8",
            Self::StringLengthMismatch => "string_length_mismatch",
            Self::ScanBudgetExhausted => "scan_budget_exhausted",
            Self::IndexOutOfRange => "index_out_of_range",
            Self::DuplicateClassDef => "duplicate_class_def",
            Self::IllegalClassName => "illegal_class_name",
            Self::ShortClassNames => "short_class_names",
            Self::ClassDataInvalid => "class_data_invalid",
            Self::CodeItemInvalid => "code_item_invalid",
            Self::UnusedOpcode => "unused_opcode",
            Self::AnomaliesTruncated => "anomalies_truncated",
            Self::PackageTreeTruncated => "package_tree_truncated",
        }
    }

    /// Same as [`AnomalyKind::code`] (name used by the ELF crate).
    pub fn as_str(self) -> &'static str {
        self.code()
    }
}

/// Something odd about the file, with a human-readable detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    pub detail: String,
}

impl Anomaly {
    fn new(kind: AnomalyKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }
}

/// Size and offset of a header-declared section.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Section {
    pub size: u32,
    pub off: u32,
}

/// The DEX header as declared (not yet trusted).
#[derive(Debug, Clone, Serialize)]
pub struct DexHeader {
    /// Numeric version from the magic (`035` → 35); 0 if not digits.
    pub version: u16,
    pub checksum: u32,
    /// SHA-1 of the file after this field, hex.
    pub signature: String,
    pub file_size: u32,
    pub header_size: u32,
    pub endian_tag: u32,
    pub link: Section,
    pub map_off: u32,
    pub string_ids: Section,
    pub type_ids: Section,
    pub proto_ids: Section,
    pub field_ids: Section,
    pub method_ids: Section,
    pub class_defs: Section,
    pub data: Section,
    /// v41: total size of the container holding this dex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_size: Option<u32>,
    /// v41: offset of this header inside the container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_offset: Option<u32>,
}

/// One entry of the map list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MapItem {
    pub type_code: u16,
    /// Spec name of the item type (`string_id_item`…), `unknown` otherwise.
    pub type_name: &'static str,
    pub size: u32,
    pub offset: u32,
}

fn map_type_name(code: u16) -> &'static str {
    match code {
        0x0000 => "header_item",
        0x0001 => "string_id_item",
        0x0002 => "type_id_item",
        0x0003 => "proto_id_item",
        0x0004 => "field_id_item",
        0x0005 => "method_id_item",
        0x0006 => "class_def_item",
        0x0007 => "call_site_id_item",
        0x0008 => "method_handle_item",
        0x1000 => "map_list",
        0x1001 => "type_list",
        0x1002 => "annotation_set_ref_list",
        0x1003 => "annotation_set_item",
        0x2000 => "class_data_item",
        0x2001 => "code_item",
        0x2002 => "string_data_item",
        0x2003 => "debug_info_item",
        0x2004 => "annotation_item",
        0x2005 => "encoded_array_item",
        0x2006 => "annotations_directory_item",
        0xf000 => "hiddenapi_class_data_item",
        _ => "unknown",
    }
}

/// Why one string could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StringFault {
    #[error("string index out of range")]
    IndexOutOfRange,
    #[error("string data offset outside the file")]
    DataOutOfBounds,
    #[error("string data not terminated within the scan limit")]
    Unterminated,
    #[error("scan budget exhausted")]
    BudgetExhausted,
}

/// A decoded string with what was odd about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DexString<'a> {
    pub text: Cow<'a, str>,
    /// Malformed MUTF-8 was replaced by U+FFFD.
    pub lossy: bool,
    /// The declared UTF-16 length does not match the content.
    pub length_mismatch: bool,
}

/// A method reference (`method_id_item`): what code calls or defines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MethodRef<'a> {
    pub index: u32,
    /// Class descriptor (`Landroid/telephony/TelephonyManager;`); empty if unreadable.
    pub class: Cow<'a, str>,
    pub name: Cow<'a, str>,
    /// Descriptor signature, `(Ljava/lang/String;I)V`; empty if unreadable.
    pub signature: String,
}

impl MethodRef<'_> {
    /// Class in Java notation (`android.telephony.TelephonyManager`).
    pub fn class_name(&self) -> Cow<'_, str> {
        descriptor_to_java(&self.class)
    }
}

/// A field reference (`field_id_item`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldRef<'a> {
    pub index: u32,
    pub class: Cow<'a, str>,
    pub name: Cow<'a, str>,
    /// Field type descriptor.
    pub type_descriptor: Cow<'a, str>,
}

/// A method prototype (`proto_id_item`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proto<'a> {
    pub shorty: Cow<'a, str>,
    pub return_type: Cow<'a, str>,
    pub parameters: Vec<Cow<'a, str>>,
}

impl Proto<'_> {
    /// Descriptor form: `(params)return`.
    pub fn signature(&self) -> String {
        let mut s = String::with_capacity(
            self.parameters
                .iter()
                .map(|p| p.len())
                .sum::<usize>()
                .saturating_add(self.return_type.len())
                .saturating_add(2),
        );
        s.push('(');
        for p in &self.parameters {
            s.push_str(p);
        }
        s.push(')');
        s.push_str(&self.return_type);
        s
    }
}

/// A parsed DEX image borrowing the input bytes.
#[derive(Debug, Clone)]
pub struct Dex<'a> {
    data: &'a [u8],
    header: DexHeader,
    anomalies: Vec<Anomaly>,
    map: Vec<MapItem>,
    string_ids: &'a [u8],
    type_ids: &'a [u8],
    proto_ids: &'a [u8],
    field_ids: &'a [u8],
    method_ids: &'a [u8],
    class_defs: &'a [u8],
    checksum_valid: Option<bool>,
    signature_valid: Option<bool>,
    limits: Limits,
}

/// Recognises DEX and its relatives by magic without parsing.
pub fn sniff(data: &[u8]) -> Result<(), DexError> {
    let magic = data.get(..4).unwrap_or(data);
    match magic {
        b"dex\n" => Ok(()),
        b"cdex" => Err(DexError::Unsupported(OtherFormat::CompactDex)),
        b"dey\n" => Err(DexError::Unsupported(OtherFormat::Odex)),
        b"vdex" => Err(DexError::Unsupported(OtherFormat::Vdex)),
        b"oat\n" | b"\x7fELF" => Err(DexError::Unsupported(OtherFormat::Oat)),
        _ => Err(DexError::NotDex {
            magic: data
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        }),
    }
}

/// Parses the header, id tables and map list of one DEX image.
///
/// Cost is O(1) in the file size plus checksum/signature verification when
/// enabled in `limits`; strings and classes are decoded lazily.
pub fn parse<'a>(data: &'a [u8], limits: &Limits) -> Result<Dex<'a>, DexError> {
    if data.len() > limits.max_input_len {
        return Err(DexError::TooLarge {
            len: data.len(),
            limit: limits.max_input_len,
        });
    }
    sniff(data)?;
    if data.len() < HEADER_LEN {
        return Err(DexError::TruncatedHeader { len: data.len() });
    }
    let r = |off: usize| u32_at(data, off).unwrap_or(0);
    let endian_tag = r(40);
    if endian_tag == REVERSE_ENDIAN_CONSTANT {
        return Err(DexError::BigEndian { tag: endian_tag });
    }
    let mut anomalies = Vec::new();
    let version_digits = data.get(4..8).unwrap_or_default();
    let version = match version_digits {
        [a @ b'0'..=b'9', b @ b'0'..=b'9', c @ b'0'..=b'9', 0] => {
            u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0')
        }
        _ => 0,
    };
    if !matches!(version, 35 | 37..=41) {
        anomalies.push(Anomaly::new(
            AnomalyKind::UnknownVersion,
            format!(
                "version bytes {:?} are not a known DEX version",
                String::from_utf8_lossy(version_digits)
            ),
        ));
    }
    let section = |off: usize| Section {
        size: r(off),
        off: r(off + 4),
    };
    let mut header = DexHeader {
        version,
        checksum: r(8),
        signature: data
            .get(12..32)
            .unwrap_or_default()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        file_size: r(32),
        header_size: r(36),
        endian_tag,
        link: section(44),
        map_off: r(52),
        string_ids: section(56),
        type_ids: section(64),
        proto_ids: section(72),
        field_ids: section(80),
        method_ids: section(88),
        class_defs: section(96),
        data: section(104),
        container_size: None,
        header_offset: None,
    };
    if version >= 41 && header.header_size >= 0x78 {
        header.container_size = u32_at(data, 0x70);
        header.header_offset = u32_at(data, 0x74);
    }
    let expected_header = if version >= 41 { 0x78 } else { 0x70 };
    if header.header_size != expected_header && header.header_size != 0x70 {
        anomalies.push(Anomaly::new(
            AnomalyKind::BadHeaderSize,
            format!(
                "header_size is {:#x}, expected {expected_header:#x}",
                header.header_size
            ),
        ));
    }
    if endian_tag != ENDIAN_CONSTANT {
        anomalies.push(Anomaly::new(
            AnomalyKind::BadEndianTag,
            format!("endian tag {endian_tag:#010x}; read as little-endian"),
        ));
    }
    if header.link.size != 0 || header.link.off != 0 {
        anomalies.push(Anomaly::new(
            AnomalyKind::LinkSection,
            format!(
                "link section declared: {} bytes at {:#x}",
                header.link.size, header.link.off
            ),
        ));
    }
    if let (Some(container), Some(offset)) = (header.container_size, header.header_offset)
        && (offset != 0 || container != header.file_size)
    {
        anomalies.push(Anomaly::new(
            AnomalyKind::DexContainer,
            format!(
                "v41 container of {container} bytes (this header at {offset}); only the first dex is read"
            ),
        ));
    }

    // File size: truncated input, or bytes appended after the declared end.
    let declared = header.file_size as usize;
    let covered_end = if declared > data.len() {
        anomalies.push(Anomaly::new(
            AnomalyKind::Truncated,
            format!(
                "file_size declares {declared} bytes but only {} are present",
                data.len()
            ),
        ));
        data.len()
    } else {
        if declared < data.len() && header.container_size.is_none() {
            anomalies.push(Anomaly::new(
                AnomalyKind::DataAfterFileSize,
                format!(
                    "{} bytes after the declared file_size {declared}",
                    data.len() - declared
                ),
            ));
        }
        declared
    };
    if version < 41 && header.data.size != 0 {
        let data_end = u64::from(header.data.off) + u64::from(header.data.size);
        if data_end < u64::from(header.file_size) {
            anomalies.push(Anomaly::new(
                AnomalyKind::DataAfterDataSection,
                format!(
                    "{} bytes between the data section end {data_end:#x} and file_size",
                    u64::from(header.file_size) - data_end
                ),
            ));
        }
    }

    let mut checksum_valid = None;
    let mut signature_valid = None;
    if declared <= data.len() {
        if limits.verify_checksum {
            let covered = data.get(12..covered_end).unwrap_or_default();
            let actual = adler::adler32(covered);
            let ok = actual == header.checksum;
            checksum_valid = Some(ok);
            if !ok {
                anomalies.push(Anomaly::new(
                    AnomalyKind::ChecksumMismatch,
                    format!(
                        "header checksum {:#010x}, content gives {actual:#010x}",
                        header.checksum
                    ),
                ));
            }
        }
        if limits.verify_signature {
            use sha1::Digest;
            let covered = data.get(32..covered_end).unwrap_or_default();
            let digest = sha1::Sha1::digest(covered);
            let ok = data.get(12..32) == Some(digest.as_slice());
            signature_valid = Some(ok);
            if !ok {
                anomalies.push(Anomaly::new(
                    AnomalyKind::SignatureMismatch,
                    "header SHA-1 signature does not match the content",
                ));
            }
        }
    }

    let header_end = header.header_size.max(HEADER_LEN as u32);
    let mut table = |name: &str, sec: Section, item: usize| -> &'a [u8] {
        carve_table(data, name, sec, item, header_end, &mut anomalies)
    };
    let string_ids = table("string_ids", header.string_ids, 4);
    let type_ids = table("type_ids", header.type_ids, 4);
    let proto_ids = table("proto_ids", header.proto_ids, 12);
    let field_ids = table("field_ids", header.field_ids, 8);
    let method_ids = table("method_ids", header.method_ids, 8);
    let class_defs = table("class_defs", header.class_defs, 32);

    let map = read_map(data, &header, &mut anomalies);

    Ok(Dex {
        data,
        header,
        anomalies,
        map,
        string_ids,
        type_ids,
        proto_ids,
        field_ids,
        method_ids,
        class_defs,
        checksum_valid,
        signature_valid,
        limits: *limits,
    })
}

/// Cuts an id table out of the file, shortening it to what fits.
fn carve_table<'a>(
    data: &'a [u8],
    name: &str,
    sec: Section,
    item: usize,
    header_end: u32,
    anomalies: &mut Vec<Anomaly>,
) -> &'a [u8] {
    if sec.size == 0 {
        return &[];
    }
    if sec.off < header_end {
        anomalies.push(Anomaly::new(
            AnomalyKind::SectionOverlapsHeader,
            format!("{name} starts at {:#x}, inside the header", sec.off),
        ));
    }
    if !sec.off.is_multiple_of(4) {
        anomalies.push(Anomaly::new(
            AnomalyKind::SectionMisaligned,
            format!("{name} offset {:#x} is not 4-byte aligned", sec.off),
        ));
    }
    let start = sec.off as usize;
    let available = data.len().saturating_sub(start);
    let wanted = (sec.size as usize).saturating_mul(item);
    let fitting = available - available % item.max(1);
    let take = wanted.min(fitting);
    if take < wanted {
        anomalies.push(Anomaly::new(
            AnomalyKind::SectionOutOfBounds,
            format!(
                "{name} declares {} items at {:#x}; only {} fit in the file",
                sec.size,
                sec.off,
                take / item.max(1)
            ),
        ));
    }
    data.get(start..start.saturating_add(take))
        .unwrap_or_default()
}

fn read_map(data: &[u8], header: &DexHeader, anomalies: &mut Vec<Anomaly>) -> Vec<MapItem> {
    let off = header.map_off as usize;
    if header.map_off == 0 {
        anomalies.push(Anomaly::new(
            AnomalyKind::MapListInvalid,
            "map_off is 0: no map list",
        ));
        return Vec::new();
    }
    if !off.is_multiple_of(4) {
        anomalies.push(Anomaly::new(
            AnomalyKind::SectionMisaligned,
            format!("map_off {off:#x} is not 4-byte aligned"),
        ));
    }
    let Some(count) = u32_at(data, off) else {
        anomalies.push(Anomaly::new(
            AnomalyKind::MapListInvalid,
            format!("map_off {off:#x} is outside the file"),
        ));
        return Vec::new();
    };
    let items_start = off.saturating_add(4);
    let fits = data.len().saturating_sub(items_start) / 12;
    // Real maps have about 20 entries; one per type code at most.
    let usable = (count as usize).min(fits).min(256);
    if usable < count as usize {
        anomalies.push(Anomaly::new(
            AnomalyKind::MapListInvalid,
            format!("map list declares {count} items; {usable} read"),
        ));
    }
    let mut map = Vec::with_capacity(usable);
    for i in 0..usable {
        let at = items_start.saturating_add(i.saturating_mul(12));
        let (Some(type_code), Some(size), Some(offset)) = (
            u16_at(data, at),
            u32_at(data, at.saturating_add(4)),
            u32_at(data, at.saturating_add(8)),
        ) else {
            break;
        };
        map.push(MapItem {
            type_code,
            type_name: map_type_name(type_code),
            size,
            offset,
        });
    }
    let checks = [
        (0x0001u16, header.string_ids, "string_ids"),
        (0x0002, header.type_ids, "type_ids"),
        (0x0003, header.proto_ids, "proto_ids"),
        (0x0004, header.field_ids, "field_ids"),
        (0x0005, header.method_ids, "method_ids"),
        (0x0006, header.class_defs, "class_defs"),
    ];
    for (code, sec, name) in checks {
        let item = map.iter().find(|m| m.type_code == code);
        let agrees = match item {
            Some(m) => m.size == sec.size && m.offset == sec.off,
            None => sec.size == 0,
        };
        if !agrees {
            anomalies.push(Anomaly::new(
                AnomalyKind::MapListMismatch,
                format!(
                    "{name}: header says {} at {:#x}, map says {}",
                    sec.size,
                    sec.off,
                    item.map_or("nothing".to_owned(), |m| format!(
                        "{} at {:#x}",
                        m.size, m.offset
                    ))
                ),
            ));
        }
    }
    if let Some(m) = map.iter().find(|m| u64::from(m.offset) > data.len() as u64) {
        anomalies.push(Anomaly::new(
            AnomalyKind::MapListInvalid,
            format!(
                "map item {} points at {:#x}, past the end",
                m.type_name, m.offset
            ),
        ));
    }
    map
}

/// Work allowance shared by one scan, so ids that all point at one huge
/// string cannot make a pass quadratic.
pub(crate) struct Budget(u64);

impl Budget {
    pub(crate) fn for_scan(data_len: usize, max_string: usize) -> Self {
        Self(
            (data_len as u64)
                .saturating_mul(2)
                .saturating_add(max_string as u64)
                .saturating_add(1 << 20),
        )
    }
    fn single(cap: usize) -> Self {
        Self((cap as u64).saturating_add(8))
    }
}

impl<'a> Dex<'a> {
    /// The raw input.
    pub fn bytes(&self) -> &'a [u8] {
        self.data
    }

    pub fn header(&self) -> &DexHeader {
        &self.header
    }

    /// DEX version (35, 37, 38, 39, 40, 41; 0 if unreadable).
    pub fn version(&self) -> u16 {
        self.header.version
    }

    /// Anomalies found while parsing the header, tables and map list.
    /// [`Dex::summary`] adds those found by a full scan.
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    pub fn map_list(&self) -> &[MapItem] {
        &self.map
    }

    /// `Some(true)` when the Adler-32 checksum matches; `None` if not checked.
    pub fn checksum_valid(&self) -> Option<bool> {
        self.checksum_valid
    }

    /// `Some(true)` when the SHA-1 signature matches; `None` if not checked.
    pub fn signature_valid(&self) -> Option<bool> {
        self.signature_valid
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Readable entries per table (declared counts cut to what fits).
    pub fn string_count(&self) -> u32 {
        (self.string_ids.len() / 4) as u32
    }
    pub fn type_count(&self) -> u32 {
        (self.type_ids.len() / 4) as u32
    }
    pub fn proto_count(&self) -> u32 {
        (self.proto_ids.len() / 12) as u32
    }
    pub fn field_count(&self) -> u32 {
        (self.field_ids.len() / 8) as u32
    }
    pub fn method_count(&self) -> u32 {
        (self.method_ids.len() / 8) as u32
    }
    pub fn class_count(&self) -> u32 {
        (self.class_defs.len() / 32) as u32
    }

    /// Locates string `idx`: its MUTF-8 bytes (without NUL) and whether the
    /// declared UTF-16 length was too small to cover them.
    fn raw_string(
        &self,
        idx: u32,
        cap: usize,
        budget: &mut Budget,
    ) -> Result<(&'a [u8], u32), StringFault> {
        if budget.0 == 0 {
            return Err(StringFault::BudgetExhausted);
        }
        let at = (idx as usize)
            .checked_mul(4)
            .ok_or(StringFault::IndexOutOfRange)?;
        let data_off = u32_at(self.string_ids, at).ok_or(StringFault::IndexOutOfRange)?;
        let (utf16_len, start) =
            uleb128_at(self.data, data_off as usize).ok_or(StringFault::DataOutOfBounds)?;
        let rest = self.data.get(start..).ok_or(StringFault::DataOutOfBounds)?;
        // Each UTF-16 unit takes at most 3 bytes; look there first, then up
        // to the cap in case the declared length lies.
        let window = rest
            .len()
            .min(cap.saturating_add(1))
            .min(usize::try_from(budget.0).unwrap_or(usize::MAX));
        let likely = window.min((utf16_len as usize).saturating_mul(3).saturating_add(1));
        let found = memchr::memchr(0, rest.get(..likely).unwrap_or_default()).or_else(|| {
            memchr::memchr(0, rest.get(likely..window).unwrap_or_default())
                .map(|p| p.saturating_add(likely))
        });
        match found {
            Some(end) => {
                budget.0 = budget.0.saturating_sub(end as u64 + 1);
                Ok((rest.get(..end).unwrap_or_default(), utf16_len))
            }
            None => {
                budget.0 = budget.0.saturating_sub(window as u64);
                if budget.0 == 0 {
                    Err(StringFault::BudgetExhausted)
                } else {
                    Err(StringFault::Unterminated)
                }
            }
        }
    }

    fn decode_with(
        &self,
        idx: u32,
        cap: usize,
        budget: &mut Budget,
    ) -> Result<DexString<'a>, StringFault> {
        let (raw, utf16_len) = self.raw_string(idx, cap, budget)?;
        let d = mutf8::decode(raw);
        Ok(DexString {
            length_mismatch: d.utf16_units != utf16_len as usize,
            text: d.text,
            lossy: d.lossy,
        })
    }

    /// String `idx` decoded, with what was odd about it.
    pub fn decode_string(&self, idx: u32) -> Result<DexString<'a>, StringFault> {
        let cap = self.limits.max_string_bytes;
        self.decode_with(idx, cap, &mut Budget::single(cap))
    }

    /// String `idx`, lossily decoded; `None` if it cannot be located.
    pub fn string(&self, idx: u32) -> Option<Cow<'a, str>> {
        self.decode_string(idx).ok().map(|s| s.text)
    }

    /// Raw MUTF-8 bytes of string `idx` (no NUL), for byte-level scanning.
    pub fn string_bytes(&self, idx: u32) -> Option<&'a [u8]> {
        let cap = self.limits.max_string_bytes;
        self.raw_string(idx, cap, &mut Budget::single(cap))
            .ok()
            .map(|(b, _)| b)
    }

    /// Short names (descriptors, member names) with a small scan cap.
    pub(crate) fn name_with(&self, idx: u32, budget: &mut Budget) -> Option<Cow<'a, str>> {
        self.decode_with(idx, MAX_NAME_BYTES, budget)
            .ok()
            .map(|s| s.text)
    }

    fn name(&self, idx: u32) -> Option<Cow<'a, str>> {
        self.name_with(idx, &mut Budget::single(MAX_NAME_BYTES))
    }

    /// Every string in table order, lossily decoded, without collecting.
    /// Unreadable strings yield `""`; [`Dex::string_entries`] says why.
    pub fn strings(&self) -> impl Iterator<Item = Cow<'a, str>> + '_ {
        self.string_entries()
            .map(|r| r.map(|s| s.text).unwrap_or(Cow::Borrowed("")))
    }

    /// Every string with its decoding status. The whole pass is bounded by
    /// a work budget proportional to the file size.
    pub fn string_entries(&self) -> impl Iterator<Item = Result<DexString<'a>, StringFault>> + '_ {
        let cap = self.limits.max_string_bytes;
        let mut budget = Budget::for_scan(self.data.len(), cap);
        (0..self.string_count()).map(move |i| self.decode_with(i, cap, &mut budget))
    }

    /// Collects every string (convenience; allocates only for non-ASCII).
    pub fn collect_strings(&self) -> Vec<Cow<'a, str>> {
        self.strings().collect()
    }

    /// String index behind type `idx`.
    fn type_string_idx(&self, idx: u32) -> Option<u32> {
        u32_at(self.type_ids, (idx as usize).checked_mul(4)?)
    }

    pub(crate) fn type_descriptor_with(
        &self,
        idx: u32,
        budget: &mut Budget,
    ) -> Option<Cow<'a, str>> {
        self.name_with(self.type_string_idx(idx)?, budget)
    }

    /// Type descriptor of type `idx` (`Lcom/foo/Bar;`, `I`, `[B`).
    pub fn type_descriptor(&self, idx: u32) -> Option<Cow<'a, str>> {
        self.name(self.type_string_idx(idx)?)
    }

    /// Type `idx` in Java notation (`com.foo.Bar`, `int`, `byte[]`).
    pub fn type_name(&self, idx: u32) -> Option<String> {
        self.type_descriptor(idx)
            .map(|d| descriptor_to_java(&d).into_owned())
    }

    /// Type indexes of a `type_list` at `off` (interfaces, parameters).
    pub(crate) fn type_list(&self, off: u32) -> Option<Vec<u16>> {
        if off == 0 {
            return Some(Vec::new());
        }
        let off = off as usize;
        let size = u32_at(self.data, off)? as usize;
        let start = off.checked_add(4)?;
        let bytes = self
            .data
            .get(start..start.checked_add(size.checked_mul(2)?)?)?;
        Some(
            bytes
                .chunks_exact(2)
                .map(|c| {
                    u16::from_le_bytes([
                        c.first().copied().unwrap_or(0),
                        c.get(1).copied().unwrap_or(0),
                    ])
                })
                .collect(),
        )
    }

    fn proto_with(&self, idx: u32, budget: &mut Budget) -> Option<Proto<'a>> {
        let at = (idx as usize).checked_mul(12)?;
        let shorty_idx = u32_at(self.proto_ids, at)?;
        let return_idx = u32_at(self.proto_ids, at.checked_add(4)?)?;
        let params_off = u32_at(self.proto_ids, at.checked_add(8)?)?;
        let params = self.type_list(params_off)?;
        // A method has at most 255 parameter registers.
        if params.len() > 255 {
            return None;
        }
        let mut parameters = Vec::with_capacity(params.len());
        for p in params {
            parameters.push(self.type_descriptor_with(u32::from(p), budget)?);
        }
        Some(Proto {
            shorty: self.name_with(shorty_idx, budget)?,
            return_type: self.type_descriptor_with(return_idx, budget)?,
            parameters,
        })
    }

    /// Prototype `idx` (shorty, return and parameter types).
    pub fn proto(&self, idx: u32) -> Option<Proto<'a>> {
        self.proto_with(idx, &mut Budget::single(MAX_NAME_BYTES.saturating_mul(260)))
    }

    fn method_ref_with(&self, idx: u32, budget: &mut Budget) -> Option<MethodRef<'a>> {
        let at = (idx as usize).checked_mul(8)?;
        let class_idx = u16_at(self.method_ids, at)?;
        let proto_idx = u16_at(self.method_ids, at.checked_add(2)?)?;
        let name_idx = u32_at(self.method_ids, at.checked_add(4)?)?;
        Some(MethodRef {
            index: idx,
            class: self
                .type_descriptor_with(u32::from(class_idx), budget)
                .unwrap_or_default(),
            name: self.name_with(name_idx, budget).unwrap_or_default(),
            signature: self
                .proto_with(u32::from(proto_idx), budget)
                .map(|p| p.signature())
                .unwrap_or_default(),
        })
    }

    /// Method reference `idx`.
    pub fn method_ref(&self, idx: u32) -> Option<MethodRef<'a>> {
        self.method_ref_with(idx, &mut Budget::single(MAX_NAME_BYTES.saturating_mul(264)))
    }

    /// Every method reference (defined and called), budget-bounded.
    pub fn method_refs(&self) -> impl Iterator<Item = MethodRef<'a>> + '_ {
        let mut budget = Budget::for_scan(self.data.len(), MAX_NAME_BYTES);
        (0..self.method_count()).filter_map(move |i| self.method_ref_with(i, &mut budget))
    }

    fn field_ref_with(&self, idx: u32, budget: &mut Budget) -> Option<FieldRef<'a>> {
        let at = (idx as usize).checked_mul(8)?;
        let class_idx = u16_at(self.field_ids, at)?;
        let type_idx = u16_at(self.field_ids, at.checked_add(2)?)?;
        let name_idx = u32_at(self.field_ids, at.checked_add(4)?)?;
        Some(FieldRef {
            index: idx,
            class: self
                .type_descriptor_with(u32::from(class_idx), budget)
                .unwrap_or_default(),
            name: self.name_with(name_idx, budget).unwrap_or_default(),
            type_descriptor: self
                .type_descriptor_with(u32::from(type_idx), budget)
                .unwrap_or_default(),
        })
    }

    /// Field reference `idx`.
    pub fn field_ref(&self, idx: u32) -> Option<FieldRef<'a>> {
        self.field_ref_with(idx, &mut Budget::single(MAX_NAME_BYTES.saturating_mul(3)))
    }

    /// Every field reference, budget-bounded.
    pub fn field_refs(&self) -> impl Iterator<Item = FieldRef<'a>> + '_ {
        let mut budget = Budget::for_scan(self.data.len(), MAX_NAME_BYTES);
        (0..self.field_count()).filter_map(move |i| self.field_ref_with(i, &mut budget))
    }

    /// Class definitions in table order.
    pub fn classes(&self) -> Classes<'a, '_> {
        Classes::new(self)
    }

    pub(crate) fn class_defs_bytes(&self) -> &'a [u8] {
        self.class_defs
    }

    /// Collects every fact in one pass; see [`DexSummary`].
    pub fn summary(&self) -> DexSummary {
        summary::summarize(self)
    }
}
