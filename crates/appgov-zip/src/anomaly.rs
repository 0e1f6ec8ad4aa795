//! Named anomalies: every place where the archive departs from what a clean
//! build tool writes, or where readers (Android, `unzip`, Python, apksig)
//! would disagree about its contents.

use std::collections::HashMap;

use serde::Serialize;

/// A named, stable kind of anomaly; serialised as snake_case codes.
///
/// The doc comment of each variant says what Android (libziparchive and the
/// `androidfw` asset loader) does with such an archive, because that decides
/// whether the trick changes what gets installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AnomalyKind {
    // ---- end of central directory -------------------------------------
    /// The last EOCD record's comment does not end exactly at end of file
    /// (trailing bytes or a lying comment length). Android refuses the archive.
    EocdNotAtEnd,
    /// More than one EOCD signature after the start of the central directory.
    MultipleEocd,
    /// An EOCD record sits inside the comment of an earlier, self-consistent
    /// EOCD record. Android takes the *last* one, i.e. the planted one.
    EocdInComment,
    /// The archive has a comment (APKs normally have none; comments carry
    /// channel ids or hidden payloads).
    ArchiveComment,
    /// Disk-number or per-disk count fields describe a split archive. Android
    /// ignores them.
    MultiDisk,
    /// ZIP64 end records are missing or inconsistent although the EOCD fields
    /// are saturated. Android refuses the archive.
    Zip64Invalid,
    // ---- central directory --------------------------------------------
    /// The central directory extends past the EOCD record (or the file).
    /// Android refuses the archive.
    CentralDirectoryOutOfBounds,
    /// The central directory is not at its declared offset but at
    /// `eocd - cd_size` (data was prepended without fixing offsets). Android
    /// refuses the archive; `unzip` compensates.
    CentralDirectoryShifted,
    /// Bytes before the first local header (a stub prepended to the archive).
    /// Android refuses archives that do not start with a local header.
    PrependedData,
    /// Bytes between the end of the central directory and the EOCD record.
    /// Android accepts this; apksig (v2+) refuses it.
    GarbageAfterCentralDirectory,
    /// The records do not fill the declared central-directory size.
    CentralDirectorySizeMismatch,
    /// The EOCD entry count disagrees with the records present. Android walks
    /// exactly the declared count: extra records are invisible to it, missing
    /// ones make it refuse the archive.
    EntryCountMismatch,
    /// A central-directory record is malformed (bad signature, overruns the
    /// directory). Android refuses the archive.
    CentralDirectoryRecordInvalid,
    /// More records than `Limits::max_entries`; the rest were not read.
    EntryLimitExceeded,
    // ---- entry names --------------------------------------------------
    /// Two records with the same name. Android refuses the archive; the
    /// first one is what `by_name` returns.
    DuplicateEntryName,
    EmptyEntryName,
    /// Name starts with `/`, `\` or a drive letter.
    AbsoluteEntryName,
    /// A `..` path component (zip-slip).
    EntryNamePathTraversal,
    /// Backslash in a name (Windows-built archives; path confusion).
    EntryNameBackslash,
    /// Control characters such as CR/LF, which break JAR manifests (v1).
    EntryNameControlChar,
    /// NUL byte in a name. Android refuses the archive.
    EntryNameNul,
    /// Name is not valid UTF-8 (decoded lossily). Android refuses the archive.
    EntryNameNotUtf8,
    /// Name longer than 4096 bytes or a component longer than 255 bytes.
    EntryNameTooLong,
    // ---- local headers and data -----------------------------------------
    /// The local header disagrees with the central directory (detail lists
    /// the fields). Android ignores method/flag differences but refuses the
    /// entry on name, size or CRC differences unless bit 3 is set locally.
    LocalHeaderMismatch,
    /// No local header signature at the recorded offset; the entry's data
    /// cannot be located (`data_offset: None`).
    LocalHeaderInvalid,
    /// The local header offset is at/after the central directory or past end
    /// of file. Android refuses the archive.
    LocalHeaderOffsetInvalid,
    /// Compression method other than stored/deflate. Android's resource loader
    /// treats such entries as stored (reads `uncompressed_size` bytes), which
    /// is the "BadPack" trick; other tools fail.
    UnknownCompressionMethod,
    /// Stored entry whose compressed and uncompressed sizes differ. Android
    /// uses the uncompressed size.
    StoredSizeMismatch,
    /// General-purpose bit 0/6 (encryption) set. Android ignores it; tools
    /// that honour it refuse to read the entry ("fake encryption").
    EncryptedFlag,
    /// The entry's data runs into the central directory or past end of file.
    /// Android refuses to read the entry.
    EntryDataOutOfBounds,
    /// Two entries' local data overlap ("overlap" zip bombs, aliasing).
    OverlappingEntries,
    /// A ZIP64 extended-information extra field is missing or malformed.
    Zip64ExtraInvalid,
    // ---- found while reading entry data -------------------------------
    /// CRC-32 of the inflated data differs from the central directory.
    /// Android does not check CRCs, so it still uses the data.
    CrcMismatch,
    /// Inflated length differs from the declared uncompressed size.
    /// Android's extraction fails on this.
    UncompressedSizeMismatch,
    /// The deflate stream ended before the declared compressed size.
    /// Android's extraction fails on this.
    CompressedSizeMismatch,
    /// The data descriptor disagrees with the central directory. Android's
    /// extraction fails on this.
    DataDescriptorMismatch,
    /// Too many anomalies of one kind; the rest were counted, not listed.
    AnomaliesTruncated,
}

impl AnomalyKind {
    /// Every kind, in declaration order (for documentation and reports).
    pub const ALL: &'static [AnomalyKind] = &[
        AnomalyKind::EocdNotAtEnd,
        AnomalyKind::MultipleEocd,
        AnomalyKind::EocdInComment,
        AnomalyKind::ArchiveComment,
        AnomalyKind::MultiDisk,
        AnomalyKind::Zip64Invalid,
        AnomalyKind::CentralDirectoryOutOfBounds,
        AnomalyKind::CentralDirectoryShifted,
        AnomalyKind::PrependedData,
        AnomalyKind::GarbageAfterCentralDirectory,
        AnomalyKind::CentralDirectorySizeMismatch,
        AnomalyKind::EntryCountMismatch,
        AnomalyKind::CentralDirectoryRecordInvalid,
        AnomalyKind::EntryLimitExceeded,
        AnomalyKind::DuplicateEntryName,
        AnomalyKind::EmptyEntryName,
        AnomalyKind::AbsoluteEntryName,
        AnomalyKind::EntryNamePathTraversal,
        AnomalyKind::EntryNameBackslash,
        AnomalyKind::EntryNameControlChar,
        AnomalyKind::EntryNameNul,
        AnomalyKind::EntryNameNotUtf8,
        AnomalyKind::EntryNameTooLong,
        AnomalyKind::LocalHeaderMismatch,
        AnomalyKind::LocalHeaderInvalid,
        AnomalyKind::LocalHeaderOffsetInvalid,
        AnomalyKind::UnknownCompressionMethod,
        AnomalyKind::StoredSizeMismatch,
        AnomalyKind::EncryptedFlag,
        AnomalyKind::EntryDataOutOfBounds,
        AnomalyKind::OverlappingEntries,
        AnomalyKind::Zip64ExtraInvalid,
        AnomalyKind::CrcMismatch,
        AnomalyKind::UncompressedSizeMismatch,
        AnomalyKind::CompressedSizeMismatch,
        AnomalyKind::DataDescriptorMismatch,
        AnomalyKind::AnomaliesTruncated,
    ];

    /// The stable snake_case code (same as the serialised form).
    pub fn code(self) -> &'static str {
        match self {
            AnomalyKind::EocdNotAtEnd => "eocd_not_at_end",
            AnomalyKind::MultipleEocd => "multiple_eocd",
            AnomalyKind::EocdInComment => "eocd_in_comment",
            AnomalyKind::ArchiveComment => "archive_comment",
            AnomalyKind::MultiDisk => "multi_disk",
            AnomalyKind::Zip64Invalid => "zip64_invalid",
            AnomalyKind::CentralDirectoryOutOfBounds => "central_directory_out_of_bounds",
            AnomalyKind::CentralDirectoryShifted => "central_directory_shifted",
            AnomalyKind::PrependedData => "prepended_data",
            AnomalyKind::GarbageAfterCentralDirectory => "garbage_after_central_directory",
            AnomalyKind::CentralDirectorySizeMismatch => "central_directory_size_mismatch",
            AnomalyKind::EntryCountMismatch => "entry_count_mismatch",
            AnomalyKind::CentralDirectoryRecordInvalid => "central_directory_record_invalid",
            AnomalyKind::EntryLimitExceeded => "entry_limit_exceeded",
            AnomalyKind::DuplicateEntryName => "duplicate_entry_name",
            AnomalyKind::EmptyEntryName => "empty_entry_name",
            AnomalyKind::AbsoluteEntryName => "absolute_entry_name",
            AnomalyKind::EntryNamePathTraversal => "entry_name_path_traversal",
            AnomalyKind::EntryNameBackslash => "entry_name_backslash",
            AnomalyKind::EntryNameControlChar => "entry_name_control_char",
            AnomalyKind::EntryNameNul => "entry_name_nul",
            AnomalyKind::EntryNameNotUtf8 => "entry_name_not_utf8",
            AnomalyKind::EntryNameTooLong => "entry_name_too_long",
            AnomalyKind::LocalHeaderMismatch => "local_header_mismatch",
            AnomalyKind::LocalHeaderInvalid => "local_header_invalid",
            AnomalyKind::LocalHeaderOffsetInvalid => "local_header_offset_invalid",
            AnomalyKind::UnknownCompressionMethod => "unknown_compression_method",
            AnomalyKind::StoredSizeMismatch => "stored_size_mismatch",
            AnomalyKind::EncryptedFlag => "encrypted_flag",
            AnomalyKind::EntryDataOutOfBounds => "entry_data_out_of_bounds",
            AnomalyKind::OverlappingEntries => "overlapping_entries",
            AnomalyKind::Zip64ExtraInvalid => "zip64_extra_invalid",
            AnomalyKind::CrcMismatch => "crc_mismatch",
            AnomalyKind::UncompressedSizeMismatch => "uncompressed_size_mismatch",
            AnomalyKind::CompressedSizeMismatch => "compressed_size_mismatch",
            AnomalyKind::DataDescriptorMismatch => "data_descriptor_mismatch",
            AnomalyKind::AnomaliesTruncated => "anomalies_truncated",
        }
    }
}

/// One thing that is odd about the archive.
#[derive(Debug, Clone, Serialize)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    /// Entry name the anomaly concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    pub detail: String,
}

/// Most anomalies of one kind that are listed individually; a hostile
/// archive with 100k bad entries should not produce 100k records.
pub(crate) const MAX_PER_KIND: usize = 200;

/// Collects anomalies with a per-kind cap and remembers which entry each one
/// concerns (for `ZipArchive::entry_anomalies`).
#[derive(Debug, Default)]
pub(crate) struct AnomalyLog {
    pub(crate) list: Vec<Anomaly>,
    pub(crate) entry_index: Vec<Option<usize>>,
    counts: HashMap<AnomalyKind, usize>,
}

impl AnomalyLog {
    pub(crate) fn archive(&mut self, kind: AnomalyKind, detail: String) {
        self.push(kind, None, None, detail);
    }

    pub(crate) fn entry(&mut self, kind: AnomalyKind, index: usize, name: &str, detail: String) {
        self.push(kind, Some(index), Some(name.to_owned()), detail);
    }

    pub(crate) fn push(
        &mut self,
        kind: AnomalyKind,
        index: Option<usize>,
        entry: Option<String>,
        detail: String,
    ) {
        let count = self.counts.entry(kind).or_insert(0);
        *count = count.saturating_add(1);
        if *count > MAX_PER_KIND {
            return;
        }
        self.list.push(Anomaly {
            kind,
            entry,
            detail,
        });
        self.entry_index.push(index);
    }

    /// Appends one `anomalies_truncated` record per capped kind.
    pub(crate) fn finish(&mut self) {
        let mut capped: Vec<(AnomalyKind, usize)> = self
            .counts
            .iter()
            .filter(|(_, n)| **n > MAX_PER_KIND)
            .map(|(k, n)| (*k, *n))
            .collect();
        capped.sort_by_key(|(k, _)| k.code());
        for (kind, n) in capped {
            self.list.push(Anomaly {
                kind: AnomalyKind::AnomaliesTruncated,
                entry: None,
                detail: format!(
                    "{n} anomalies of kind {}; only the first {MAX_PER_KIND} are listed",
                    kind.code()
                ),
            });
            self.entry_index.push(None);
        }
    }
}
