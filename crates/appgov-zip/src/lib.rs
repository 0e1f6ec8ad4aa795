//! ZIP reading the way Android reads it.
//!
//! Android (libziparchive, used by the package manager and by `androidfw`'s
//! asset loader) trusts the central directory, takes the last EOCD record,
//! reads any method other than deflate as stored data, ignores encryption
//! flags and CRCs. Malware relies on the gap between that and what analysis
//! tools do, so this reader does what Android does and names every
//! departure from a clean archive as an [`Anomaly`]. Where Android itself
//! would refuse the archive, we still recover what we can (partial facts)
//! and say so ([`ZipArchive::android_rejection`]).
//!
//! Nothing here touches the file system: entry names are data only.

mod anomaly;
mod bytes;
mod index;
mod names;
mod parse;
mod read;

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use serde::Serialize;

pub use anomaly::{Anomaly, AnomalyKind};

/// Positional reads from the package's bytes. Packages can be 300 MB; reading
/// through this trait (rather than holding or mapping the whole file) keeps
/// memory proportional to the largest entry, not to the file.
pub trait ReadAt: Send + Sync {
    /// Total size in bytes.
    fn size(&self) -> u64;
    /// Fill `buf` from `offset`; an error if the range is out of bounds.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()>;
}

impl ReadAt for [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| std::io::ErrorKind::UnexpectedEof)?;
        let src = start
            .checked_add(buf.len())
            .and_then(|end| self.get(start..end))
            .ok_or(std::io::ErrorKind::UnexpectedEof)?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

impl ReadAt for Vec<u8> {
    fn size(&self) -> u64 {
        self.as_slice().size()
    }
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        self.as_slice().read_exact_at(buf, offset)
    }
}

/// Lets a plain `&[u8]` (unsized `[u8]` cannot become `&dyn ReadAt`
/// directly) or any shared reference be passed as `&&source`.
impl<T: ReadAt + ?Sized> ReadAt for &T {
    fn size(&self) -> u64 {
        (**self).size()
    }
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        (**self).read_exact_at(buf, offset)
    }
}

impl<T: ReadAt + ?Sized> ReadAt for std::sync::Arc<T> {
    fn size(&self) -> u64 {
        (**self).size()
    }
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        (**self).read_exact_at(buf, offset)
    }
}

/// Caps that keep hostile archives from costing unbounded time or memory.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most central-directory records we accept.
    pub max_entries: usize,
    /// Most bytes one entry may inflate to.
    pub max_entry_size: u64,
    /// Most bytes all reads through one `ZipArchive` may inflate to in total.
    pub max_total_inflated: u64,
    /// Largest accepted inflated/compressed ratio for entries above 1 MiB inflated.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 200_000,
            max_entry_size: 1 << 30,
            max_total_inflated: 8 << 30,
            max_ratio: 1000,
        }
    }
}

/// One central-directory record, as Android sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Position in the central directory.
    pub index: usize,
    /// Name decoded as UTF-8 (lossy); raw bytes in `raw_name`.
    pub name: String,
    #[serde(skip)]
    pub raw_name: Vec<u8>,
    /// Compression method from the central directory (authoritative).
    pub method: u16,
    pub flags: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    pub local_header_offset: u64,
    /// Offset of the entry's data, derived from the local header's name/extra
    /// lengths; `None` when the local header is unreadable.
    pub data_offset: Option<u64>,
    /// "Version made by" (high byte: host system, 3 = Unix).
    pub version_made_by: u16,
    /// External attributes (Unix mode in the high 16 bits when made on Unix).
    pub external_attributes: u32,
    /// MS-DOS date (high 16 bits) and time (low 16 bits).
    pub dos_datetime: u32,
    /// Bit 3 of the *local* header flags (central flags if the local header
    /// is unreadable): Android checks sizes/CRC against a trailing data
    /// descriptor instead of the local header when it is set.
    pub has_data_descriptor: bool,
}

/// How Android decodes an entry's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    /// Copied as is: method 0 and every unknown method.
    Stored,
    /// Raw deflate: method 8.
    Deflated,
}

impl Entry {
    /// Directory entries end with `/`.
    pub fn is_dir(&self) -> bool {
        self.raw_name.last() == Some(&b'/')
    }

    /// How Android decodes the data: deflate for method 8, stored otherwise.
    pub fn compression(&self) -> Compression {
        if self.method == parse::METHOD_DEFLATED {
            Compression::Deflated
        } else {
            Compression::Stored
        }
    }

    /// Unix mode bits when the entry was made on Unix.
    pub fn unix_mode(&self) -> Option<u32> {
        (self.version_made_by >> 8 == 3).then_some(self.external_attributes >> 16)
    }

    /// Whether the Unix mode marks a symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.unix_mode().is_some_and(|m| m & 0o170_000 == 0o120_000)
    }

    /// Bytes of file data Android reads for this entry: the compressed size
    /// for deflate, the uncompressed size otherwise.
    pub fn stored_len(&self) -> u64 {
        match self.compression() {
            Compression::Deflated => self.compressed_size,
            Compression::Stored => self.uncompressed_size,
        }
    }
}

/// Where the parts of the archive are.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Layout {
    pub eocd_offset: u64,
    /// Where the central directory actually is (differs from
    /// `cd_offset_declared` when data was prepended without fixing offsets).
    pub cd_offset: u64,
    pub cd_size: u64,
    pub cd_entries_declared: u64,
    pub comment_len: u32,
    pub zip64: bool,
    /// Bytes before the first local header (prepended data), if any.
    pub prefix_len: u64,
    /// The central-directory offset written in the (ZIP64) EOCD record;
    /// APK signature schemes digest this value.
    pub cd_offset_declared: u64,
}

/// Outcome of a whole-entry read: what the caller needs to judge integrity
/// without failing the read (Android does not check CRCs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReadReport {
    /// Bytes produced.
    pub len: u64,
    /// CRC-32 of the bytes produced.
    pub crc32: u32,
    /// `crc32` equals the central directory's CRC.
    pub crc_matches: bool,
    /// `len` equals the central directory's uncompressed size.
    pub size_matches: bool,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZipError {
    /// Never returned; kept for source compatibility with the skeleton.
    #[error("not implemented")]
    NotImplemented,
    #[error("reading {len} bytes at offset {offset} failed: {source}")]
    Io {
        offset: u64,
        len: u64,
        #[source]
        source: std::io::Error,
    },
    #[error("not a zip archive: {size} bytes is smaller than an end-of-central-directory record")]
    TooSmall { size: u64 },
    #[error(
        "not a zip archive: no end-of-central-directory signature in the last 65557 bytes of {size}"
    )]
    NotZip { size: u64 },
    #[error("no usable central directory: {detail}")]
    NoCentralDirectory { detail: String },
    #[error(
        "entry {entry:?} is too large: {} {size} bytes exceeds the limit of {limit}",
        if *declared { "declares" } else { "inflates to more than" }
    )]
    EntryTooLarge {
        entry: String,
        size: u64,
        limit: u64,
        /// `true` when the declared size was over the limit, `false` when
        /// inflating actually produced more than the limit.
        declared: bool,
    },
    #[error(
        "reading {entry:?} exceeds the archive-wide limit of {limit} inflated bytes (zip bomb?)"
    )]
    TotalInflatedLimit { entry: String, limit: u64 },
    #[error(
        "entry {entry:?} inflates {inflated} bytes from {compressed}, a ratio above the limit of {limit} (zip bomb?)"
    )]
    CompressionRatio {
        entry: String,
        inflated: u64,
        compressed: u64,
        limit: u64,
    },
    #[error("entry {entry:?} lies outside the archive data: {detail}")]
    EntryOutOfBounds { entry: String, detail: String },
    #[error("entry {entry:?} has no readable local header, so its data cannot be located")]
    NoLocalHeader { entry: String },
    #[error("entry {entry:?} does not inflate: {detail}")]
    Inflate { entry: String, detail: String },
}

/// Most anomalies recorded while reading entries (on top of those from
/// `parse`).
const MAX_READ_ANOMALIES: usize = 10_000;

/// A parsed archive reading from a borrowed source.
pub struct ZipArchive<'a> {
    source: &'a dyn ReadAt,
    /// `source.size()` at parse time (it may be a system call).
    source_size: u64,
    entries: Vec<Entry>,
    anomalies: Vec<Anomaly>,
    /// Entry index of each of `anomalies` (parallel vector).
    anomaly_entry: Vec<Option<usize>>,
    layout: Layout,
    limits: Limits,
    comment: Vec<u8>,
    by_name: index::NameIndex,
    /// Entry data must end at or before this offset (start of the CD).
    data_limit: u64,
    android_rejection: Option<String>,
    /// Running total of bytes produced by all reads (zip-bomb budget).
    inflated_total: AtomicU64,
    /// Anomalies found while reading data (CRC, sizes, data descriptors).
    read_anomalies: Mutex<ReadLog>,
}

/// Read-time anomalies, de-duplicated by kind and entry index.
#[derive(Default)]
struct ReadLog {
    list: Vec<Anomaly>,
    seen: HashSet<(AnomalyKind, usize)>,
}

impl<'a> ZipArchive<'a> {
    /// Locates the central directory and reads every record and local
    /// header. Fails only when there is no usable central directory at all.
    pub fn parse(source: &'a dyn ReadAt, limits: &Limits) -> Result<Self, ZipError> {
        let parsed = parse::parse(source, limits)?;
        Ok(ZipArchive {
            source,
            source_size: source.size(),
            entries: parsed.entries,
            anomalies: parsed.log.list,
            anomaly_entry: parsed.log.entry_index,
            layout: parsed.layout,
            limits: limits.clone(),
            comment: parsed.comment,
            by_name: parsed.by_name,
            data_limit: parsed.data_limit,
            android_rejection: parsed.android_rejection,
            inflated_total: AtomicU64::new(0),
            read_anomalies: Mutex::new(ReadLog::default()),
        })
    }
    /// The underlying bytes (for signature-block and digest readers).
    pub fn source(&self) -> &'a dyn ReadAt {
        self.source
    }
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
    /// The entry Android would use for `name`. Android refuses archives with
    /// duplicate names outright; we return the first record with the name
    /// (and report `duplicate_entry_name`).
    pub fn by_name(&self, name: &str) -> Option<&Entry> {
        self.by_raw_name(name.as_bytes())
    }
    /// Lookup by exact name bytes (for names that are not valid UTF-8).
    pub fn by_raw_name(&self, raw: &[u8]) -> Option<&Entry> {
        self.by_name.get(&self.entries, raw)
    }
    /// Inflate (or copy) one entry, bounded by the limits.
    ///
    /// Like Android, a CRC mismatch does not fail the read; it is recorded
    /// (see [`read_anomalies`](Self::read_anomalies)); use
    /// [`read_checked`](Self::read_checked) to get the verdict directly.
    pub fn read(&self, entry: &Entry) -> Result<Vec<u8>, ZipError> {
        self.read_impl(entry).map(|(data, _)| data)
    }
    /// [`read`](Self::read) plus the CRC/size verdict.
    pub fn read_checked(&self, entry: &Entry) -> Result<(Vec<u8>, ReadReport), ZipError> {
        self.read_impl(entry)
    }
    /// The first `max` inflated bytes of an entry (type sniffing). Inflates
    /// only as much as needed; no CRC check.
    pub fn read_head(&self, entry: &Entry, max: usize) -> Result<Vec<u8>, ZipError> {
        let mut out = Vec::with_capacity(max.min(1 << 20));
        self.pump(entry, Some(max as u64), &mut |chunk| {
            out.extend_from_slice(chunk)
        })?;
        Ok(out)
    }
    /// Inflate an entry in chunks into `sink` (digests of big entries without
    /// holding them); returns the inflated length.
    pub fn stream(&self, entry: &Entry, sink: &mut dyn FnMut(&[u8])) -> Result<u64, ZipError> {
        self.stream_impl(entry, sink).map(|r| r.len)
    }
    /// [`stream`](Self::stream) plus the CRC/size verdict.
    pub fn stream_checked(
        &self,
        entry: &Entry,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<ReadReport, ZipError> {
        self.stream_impl(entry, sink)
    }
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
    /// Anomalies found by `parse` (structure, names, local headers).
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }
    /// Anomalies found so far while reading entry data (CRC and size
    /// mismatches, data descriptors), at most one per kind and entry.
    pub fn read_anomalies(&self) -> Vec<Anomaly> {
        let guard = self
            .read_anomalies
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.list.clone()
    }
    /// The parse-time anomalies that concern `entry`.
    pub fn entry_anomalies(&self, entry: &Entry) -> Vec<&Anomaly> {
        self.anomalies
            .iter()
            .zip(&self.anomaly_entry)
            .filter(|(_, idx)| **idx == Some(entry.index))
            .map(|(a, _)| a)
            .collect()
    }
    /// Why Android (libziparchive) would refuse to open this archive at all,
    /// if it would; the first reason found.
    pub fn android_rejection(&self) -> Option<&str> {
        self.android_rejection.as_deref()
    }
    /// The archive comment (at most 65535 bytes).
    pub fn comment(&self) -> &[u8] {
        &self.comment
    }
    /// Where the entry's data lies in the file as Android reads it:
    /// `(offset, len)`, the compressed bytes for deflate and
    /// `uncompressed_size` bytes otherwise (stored and unknown methods).
    /// `None` without a readable local header or when the range overflows.
    /// Stored entries can be opened in place (nested APKs) from this.
    pub fn raw_data_range(&self, entry: &Entry) -> Option<(u64, u64)> {
        let start = entry.data_offset?;
        let len = entry.stored_len();
        start.checked_add(len)?;
        Some((start, len))
    }
    /// Total bytes produced by reads so far (counted against
    /// `Limits::max_total_inflated`).
    pub fn inflated_total(&self) -> u64 {
        self.inflated_total
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn note(&self, kind: AnomalyKind, entry: &Entry, detail: String) {
        let mut guard = self
            .read_anomalies
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if guard.list.len() >= MAX_READ_ANOMALIES || !guard.seen.insert((kind, entry.index)) {
            return;
        }
        guard.list.push(Anomaly {
            kind,
            entry: Some(entry.name.clone()),
            detail,
        });
    }
}

#[cfg(test)]
mod tests;
