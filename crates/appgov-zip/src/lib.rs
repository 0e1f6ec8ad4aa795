//! ZIP reading the way Android reads it.
//!
//! SKELETON: the public API below is the contract other crates code against.
//! The implementation is being written; bodies return `ZipError::NotImplemented`.

use serde::Serialize;

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
}

/// Where the parts of the archive are.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Layout {
    pub eocd_offset: u64,
    pub cd_offset: u64,
    pub cd_size: u64,
    pub cd_entries_declared: u64,
    pub comment_len: u32,
    pub zip64: bool,
    /// Bytes before the first local header (prepended data), if any.
    pub prefix_len: u64,
}

/// A named, stable kind of anomaly; serialised as snake_case codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AnomalyKind {
    Placeholder,
}

#[derive(Debug, Clone, Serialize)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    /// Entry name the anomaly concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    pub detail: String,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZipError {
    #[error("not implemented")]
    NotImplemented,
}

/// A parsed archive reading from a borrowed source.
pub struct ZipArchive<'a> {
    source: &'a dyn ReadAt,
    entries: Vec<Entry>,
    anomalies: Vec<Anomaly>,
    layout: Layout,
}

impl<'a> ZipArchive<'a> {
    pub fn parse(source: &'a dyn ReadAt, limits: &Limits) -> Result<Self, ZipError> {
        let _ = (source, limits);
        Err(ZipError::NotImplemented)
    }
    /// The underlying bytes (for signature-block and digest readers).
    pub fn source(&self) -> &'a dyn ReadAt {
        self.source
    }
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
    /// The entry Android would use for `name`.
    pub fn by_name(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }
    /// Inflate (or copy) one entry, bounded by the limits.
    pub fn read(&self, entry: &Entry) -> Result<Vec<u8>, ZipError> {
        let _ = entry;
        Err(ZipError::NotImplemented)
    }
    /// The first `max` inflated bytes of an entry (type sniffing).
    pub fn read_head(&self, entry: &Entry, max: usize) -> Result<Vec<u8>, ZipError> {
        let _ = (entry, max);
        Err(ZipError::NotImplemented)
    }
    /// Inflate an entry in chunks into `sink` (digests of big entries without
    /// holding them); returns the inflated length.
    pub fn stream(&self, entry: &Entry, sink: &mut dyn FnMut(&[u8])) -> Result<u64, ZipError> {
        let _ = (entry, sink);
        Err(ZipError::NotImplemented)
    }
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }
}
