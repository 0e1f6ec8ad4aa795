//! Locating and walking the central directory the way libziparchive does,
//! recovering where it would give up and naming each departure.

use crate::anomaly::{AnomalyKind as K, AnomalyLog};
use crate::bytes::{read_upto, read_upto_into, read_vec, u16_at, u32_at, u64_at};
use crate::index::NameIndex;
use crate::names::check_name;
use crate::{Entry, Layout, Limits, ReadAt, ZipError};

pub(crate) const EOCD_SIG: u32 = 0x0605_4b50;
pub(crate) const CD_SIG: u32 = 0x0201_4b50;
pub(crate) const LFH_SIG: u32 = 0x0403_4b50;
pub(crate) const DD_SIG: u32 = 0x0807_4b50;
const Z64_LOCATOR_SIG: u32 = 0x0706_4b50;
const Z64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_EXTRA_ID: u16 = 0x0001;

const EOCD_LEN: u64 = 22;
const MAX_COMMENT: u64 = 65_535;
const CD_LEN: usize = 46;
pub(crate) const LFH_LEN: u64 = 30;
const Z64_LOCATOR_LEN: u64 = 20;
const Z64_EOCD_LEN: u64 = 56;

pub(crate) const METHOD_STORED: u16 = 0;
pub(crate) const METHOD_DEFLATED: u16 = 8;
const FLAG_ENCRYPTED: u16 = 0x0001;
pub(crate) const FLAG_DATA_DESCRIPTOR: u16 = 0x0008;
const FLAG_STRONG_ENCRYPTION: u16 = 0x0040;

/// Everything `ZipArchive::parse` hands over.
pub(crate) struct Parsed {
    pub entries: Vec<Entry>,
    pub log: AnomalyLog,
    pub layout: Layout,
    pub comment: Vec<u8>,
    pub by_name: NameIndex,
    /// Entry data must end at or before this offset (the start of the
    /// central directory, as Android checks).
    pub data_limit: u64,
    pub android_rejection: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct Eocd {
    offset: u64,
    disk: u16,
    cd_disk: u16,
    entries_on_disk: u16,
    entries: u16,
    cd_size: u32,
    cd_offset: u32,
    comment_len: u16,
}

impl Eocd {
    fn from_tail(tail: &[u8], at: usize, tail_start: u64) -> Option<Eocd> {
        Some(Eocd {
            offset: tail_start.checked_add(at as u64)?,
            disk: u16_at(tail, at.checked_add(4)?)?,
            cd_disk: u16_at(tail, at.checked_add(6)?)?,
            entries_on_disk: u16_at(tail, at.checked_add(8)?)?,
            entries: u16_at(tail, at.checked_add(10)?)?,
            cd_size: u32_at(tail, at.checked_add(12)?)?,
            cd_offset: u32_at(tail, at.checked_add(16)?)?,
            comment_len: u16_at(tail, at.checked_add(20)?)?,
        })
    }

    fn end(&self) -> u64 {
        self.offset
            .saturating_add(EOCD_LEN)
            .saturating_add(u64::from(self.comment_len))
    }
}

/// Remembers the first reason Android would refuse the whole archive.
struct Rejection(Option<String>);

impl Rejection {
    fn set(&mut self, reason: impl FnOnce() -> String) {
        if self.0.is_none() {
            self.0 = Some(reason());
        }
    }
}

pub(crate) fn parse(src: &dyn ReadAt, limits: &Limits) -> Result<Parsed, ZipError> {
    let size = src.size();
    if size < EOCD_LEN {
        return Err(ZipError::TooSmall { size });
    }
    let mut log = AnomalyLog::default();
    let mut reject = Rejection(None);

    // ---- EOCD: Android scans backwards and takes the last signature ----
    let tail_len = size.min(EOCD_LEN + MAX_COMMENT);
    let tail_start = size.saturating_sub(tail_len);
    let tail = read_vec(src, tail_start, usize::try_from(tail_len).unwrap_or(0))?;
    let mut candidates: Vec<Eocd> = Vec::new();
    let last_start = tail.len().saturating_sub(EOCD_LEN as usize);
    for at in (0..=last_start).rev() {
        if tail.get(at) == Some(&0x50)
            && u32_at(&tail, at) == Some(EOCD_SIG)
            && let Some(e) = Eocd::from_tail(&tail, at, tail_start)
        {
            candidates.push(e);
        }
    }
    let Some(&last) = candidates.first() else {
        return Err(ZipError::NotZip { size });
    };
    let mut eocd = last;
    if last.end() != size {
        let why = format!(
            "the last EOCD record (offset {}) declares a {}-byte comment, so the archive should end at {}, but the file is {} bytes",
            last.offset,
            last.comment_len,
            last.end(),
            size
        );
        reject.set(|| format!("{why} (\"extraneous bytes at the end of the central directory\")"));
        if let Some(&alt) = candidates.iter().skip(1).find(|c| c.end() == size) {
            eocd = alt;
            log.archive(
                K::EocdNotAtEnd,
                format!("{why}; Android refuses the archive; using the earlier consistent EOCD at offset {}", alt.offset),
            );
        } else {
            log.archive(
                K::EocdNotAtEnd,
                format!("{why}; Android refuses the archive"),
            );
        }
    }
    let mut in_comment_of: Option<u64> = None;
    for c in candidates.iter().skip(1) {
        let comment_start = c.offset.saturating_add(EOCD_LEN);
        if c.end() == size && comment_start <= eocd.offset && eocd.offset < c.end() {
            in_comment_of = Some(c.offset);
            log.archive(
                K::EocdInComment,
                format!(
                    "EOCD record at offset {} is planted inside the comment of the EOCD record at offset {}; Android uses the later one",
                    eocd.offset, c.offset
                ),
            );
            break;
        }
    }
    let comment_start = eocd.offset.saturating_add(EOCD_LEN);
    let comment =
        read_upto(src, size, comment_start, usize::from(eocd.comment_len)).unwrap_or_default();
    if eocd.comment_len > 0 {
        let preview: String = comment
            .iter()
            .take(32)
            .map(|b| {
                if b.is_ascii_graphic() || *b == b' ' {
                    char::from(*b)
                } else {
                    '.'
                }
            })
            .collect();
        let zero = comment.iter().all(|b| *b == 0);
        log.archive(
            K::ArchiveComment,
            format!(
                "{}-byte archive comment; EOCD is {} bytes before end of file; {}",
                eocd.comment_len,
                size.saturating_sub(eocd.offset),
                if zero {
                    "comment is all zero bytes".to_owned()
                } else {
                    format!("starts \"{preview}\"")
                }
            ),
        );
    }
    if eocd.disk != 0 || eocd.cd_disk != 0 || eocd.entries_on_disk != eocd.entries {
        log.archive(
            K::MultiDisk,
            format!(
                "EOCD disk fields: disk {}, central directory disk {}, {} entries on this disk of {} total (Android ignores them)",
                eocd.disk, eocd.cd_disk, eocd.entries_on_disk, eocd.entries
            ),
        );
    }

    // ---- ZIP64 ----
    let mut declared_entries = u64::from(eocd.entries);
    let mut cd_size = u64::from(eocd.cd_size);
    let mut cd_offset = u64::from(eocd.cd_offset);
    let mut cd_region_end = eocd.offset;
    let mut zip64 = false;
    let saturated = eocd.cd_size == u32::MAX || eocd.cd_offset == u32::MAX;
    if saturated || eocd.entries == u16::MAX {
        match find_zip64(src, eocd.offset) {
            Ok(z) => {
                zip64 = true;
                declared_entries = z.entries;
                cd_size = z.cd_size;
                cd_offset = z.cd_offset;
                cd_region_end = z.record_offset;
                if z.entries_on_disk != z.entries || z.disk != 0 || z.cd_disk != 0 {
                    log.archive(
                        K::MultiDisk,
                        format!(
                            "ZIP64 EOCD disk fields: disk {}, central directory disk {}, {} entries on this disk of {} total",
                            z.disk, z.cd_disk, z.entries_on_disk, z.entries
                        ),
                    );
                }
            }
            Err(why) if saturated => {
                log.archive(
                    K::Zip64Invalid,
                    format!("EOCD fields are saturated but {why}; Android refuses the archive"),
                );
                reject.set(|| format!("ZIP64 end records unusable: {why}"));
            }
            Err(_) => {}
        }
    }

    // ---- central directory location ----
    let declared_end = cd_offset.saturating_add(cd_size);
    if declared_end > cd_region_end {
        let why = format!(
            "central directory [{cd_offset}, {declared_end}) runs past the end-of-central-directory record at {cd_region_end}"
        );
        log.archive(
            K::CentralDirectoryOutOfBounds,
            format!("{why}; Android refuses the archive"),
        );
        reject.set(|| why);
    }
    let sig_at = |off: u64| -> bool {
        read_upto(src, size, off, 4).is_some_and(|b| u32_at(&b, 0) == Some(CD_SIG))
    };
    let mut shift: i128 = 0;
    let mut cd_start = cd_offset;
    if (declared_entries > 0 || cd_size > 0) && !sig_at(cd_offset) {
        let alt = cd_region_end.checked_sub(cd_size);
        match alt {
            Some(alt) if alt != cd_offset && sig_at(alt) => {
                shift = i128::from(alt) - i128::from(cd_offset);
                cd_start = alt;
                let why = format!(
                    "central directory declared at offset {cd_offset} but found at {alt} ({shift:+} bytes); local header offsets shifted accordingly"
                );
                reject.set(|| format!("central directory not at its declared offset {cd_offset}"));
                log.archive(
                    K::CentralDirectoryShifted,
                    format!("{why}; Android refuses the archive"),
                );
            }
            _ if declared_entries > 0 => {
                return Err(ZipError::NoCentralDirectory {
                    detail: format!(
                        "EOCD at {} declares {} entries in {} bytes at offset {}, but no central-directory record is there{}",
                        eocd.offset,
                        declared_entries,
                        cd_size,
                        cd_offset,
                        alt.map(|a| format!(" or at {a}")).unwrap_or_default()
                    ),
                });
            }
            _ => {}
        }
    }
    let cd_end_clipped = cd_start.saturating_add(cd_size).min(size);
    let cd_len = usize::try_from(cd_end_clipped.saturating_sub(cd_start)).map_err(|_| {
        ZipError::NoCentralDirectory {
            detail: format!("central directory size {cd_size} does not fit in memory"),
        }
    })?;
    let cd = if cd_len == 0 {
        Vec::new()
    } else {
        read_vec(src, cd_start, cd_len)?
    };
    let data_limit = cd_start.min(size);

    // ---- walk the records ----
    let fits = (cd.len() / CD_LEN) as u64;
    let cap = declared_entries.min(fits).min(limits.max_entries as u64);
    let mut entries: Vec<Entry> = Vec::with_capacity(usize::try_from(cap).unwrap_or(0));
    let mut pos = 0usize;
    let mut walked = 0u64;
    while walked < declared_entries {
        if entries.len() >= limits.max_entries {
            log.archive(
                K::EntryLimitExceeded,
                format!(
                    "archive declares {declared_entries} entries; only the first {} were read",
                    limits.max_entries
                ),
            );
            break;
        }
        match cd_record(&cd, pos) {
            Record::Ok(rec) => {
                let index = entries.len();
                entries.push(build_entry(&rec, index, shift, &mut log));
                pos = rec.end;
            }
            Record::Short => {
                let why = format!(
                    "EOCD declares {declared_entries} entries but the central directory holds only {walked}"
                );
                log.archive(
                    K::EntryCountMismatch,
                    format!("{why}; Android refuses the archive"),
                );
                reject.set(|| why);
                break;
            }
            Record::BadSignature => {
                let why = format!(
                    "central-directory record {walked} at offset {} has no signature",
                    cd_start.saturating_add(pos as u64)
                );
                log.archive(
                    K::CentralDirectoryRecordInvalid,
                    format!("{why} ({declared_entries} declared); Android refuses the archive"),
                );
                reject.set(|| why);
                break;
            }
            Record::Overrun => {
                let why = format!(
                    "central-directory record {walked} at offset {} runs past the end of the central directory",
                    cd_start.saturating_add(pos as u64)
                );
                log.archive(
                    K::CentralDirectoryRecordInvalid,
                    format!("{why}; Android refuses the archive"),
                );
                reject.set(|| why);
                break;
            }
        }
        walked = walked.saturating_add(1);
    }
    if walked == declared_entries && pos < cd.len() {
        // Records after the declared count are invisible to Android.
        let mut extra = 0u64;
        let mut names: Vec<String> = Vec::new();
        let mut p = pos;
        while let Record::Ok(rec) = cd_record(&cd, p) {
            extra = extra.saturating_add(1);
            if names.len() < 5 {
                names.push(String::from_utf8_lossy(rec.name).into_owned());
            }
            p = rec.end;
            if extra >= limits.max_entries as u64 {
                break;
            }
        }
        if extra > 0 {
            log.archive(
                K::EntryCountMismatch,
                format!(
                    "{extra} central-directory records beyond the {declared_entries} the EOCD declares (invisible to Android), e.g. {names:?}"
                ),
            );
            pos = p;
        }
    }
    if walked == declared_entries && (pos as u64) != cd_size {
        log.archive(
            K::CentralDirectorySizeMismatch,
            format!("central-directory records occupy {pos} bytes but the EOCD declares {cd_size}"),
        );
    }
    if declared_entries == 0 {
        reject.set(|| "archive has no entries".to_owned());
    }
    let cd_actual_end = cd_start.saturating_add(cd_size);
    if cd_actual_end < cd_region_end {
        log.archive(
            K::GarbageAfterCentralDirectory,
            format!(
                "{} bytes between the end of the central directory ({cd_actual_end}) and the {} record ({cd_region_end}); apksig refuses such APKs",
                cd_region_end - cd_actual_end,
                if zip64 { "ZIP64 EOCD" } else { "EOCD" }
            ),
        );
    }
    for c in candidates.iter().skip(1) {
        if c.offset >= cd_start && Some(c.offset) != in_comment_of && c.offset != eocd.offset {
            log.archive(
                K::MultipleEocd,
                format!(
                    "another EOCD signature at offset {} (the one used is at {})",
                    c.offset, eocd.offset
                ),
            );
        }
    }
    // ---- per-entry checks that need the whole set ----
    let mut by_name = NameIndex::new(entries.len());
    for e in &entries {
        if let Some(first) = by_name.insert(&entries, e.index) {
            log.entry(
                K::DuplicateEntryName,
                e.index,
                &e.name,
                format!(
                    "entry {} has the same name as entry {first}; Android refuses the archive; by_name returns entry {first}",
                    e.index
                ),
            );
            reject.set(|| format!("duplicate entry name {:?}", e.name));
        }
        for (kind, detail) in check_name(&e.raw_name) {
            if matches!(kind, K::EntryNameNul | K::EntryNameNotUtf8) {
                reject.set(|| format!("invalid entry name {:?}", e.name));
            }
            log.entry(kind, e.index, &e.name, detail);
        }
    }
    let mut buf = Vec::new();
    for e in &mut entries {
        local_header(src, e, data_limit, size, &mut buf, &mut log, &mut reject);
    }
    check_overlaps(&entries, &mut log);

    // ---- prefix ----
    let prefix_len = entries
        .iter()
        .map(|e| e.local_header_offset)
        .min()
        .unwrap_or(0);
    if !entries.is_empty() {
        let starts_with_lfh =
            read_upto(src, size, 0, 4).is_some_and(|b| u32_at(&b, 0) == Some(LFH_SIG));
        if !starts_with_lfh {
            let why = format!("{prefix_len} bytes before the first local header");
            log.archive(
                K::PrependedData,
                format!("{why} (archive does not start with a local header); Android refuses the archive"),
            );
            reject.set(|| why);
        } else if prefix_len > 0 && !only_virtual_entries(src, prefix_len) {
            log.archive(
                K::PrependedData,
                format!(
                    "archive starts with a local header that no central-directory record references; first referenced entry is at {prefix_len}"
                ),
            );
        }
    }

    let layout = Layout {
        eocd_offset: eocd.offset,
        cd_offset: cd_start,
        cd_size,
        cd_entries_declared: declared_entries,
        comment_len: u32::from(eocd.comment_len),
        zip64,
        prefix_len,
        cd_offset_declared: cd_offset,
    };
    log.finish();
    Ok(Parsed {
        entries,
        log,
        layout,
        comment,
        by_name,
        data_limit,
        android_rejection: reject.0,
    })
}

/// Most bytes of a local extra field searched for a ZIP64 block.
const MAX_LOCAL_EXTRA_SCAN: usize = 4096;

/// Most padding headers walked before giving up on proving a prefix benign.
const MAX_VIRTUAL_ENTRIES: usize = 1024;

/// Whether `[0, end)` holds only "virtual entries": nameless, empty local
/// headers whose extra field is padding. The Android Gradle plugin's
/// incremental packager (zipflinger) writes these to reserve space; they are
/// not in the central directory and carry no data.
fn only_virtual_entries(src: &dyn ReadAt, end: u64) -> bool {
    let size = src.size();
    let mut pos = 0u64;
    for _ in 0..MAX_VIRTUAL_ENTRIES {
        if pos == end {
            return true;
        }
        let Some(h) = read_upto(src, size, pos, LFH_LEN as usize) else {
            return false;
        };
        let empty = u32_at(&h, 0) == Some(LFH_SIG)
            && u16_at(&h, 26) == Some(0)
            && u32_at(&h, 18) == Some(0)
            && u32_at(&h, 22) == Some(0);
        let Some(extra) = u16_at(&h, 28).filter(|_| empty) else {
            return false;
        };
        pos = pos.saturating_add(LFH_LEN).saturating_add(u64::from(extra));
        if pos > end {
            return false;
        }
    }
    false
}

struct Zip64End {
    record_offset: u64,
    disk: u32,
    cd_disk: u32,
    entries_on_disk: u64,
    entries: u64,
    cd_size: u64,
    cd_offset: u64,
}

fn find_zip64(src: &dyn ReadAt, eocd_offset: u64) -> Result<Zip64End, String> {
    let locator_offset = eocd_offset
        .checked_sub(Z64_LOCATOR_LEN)
        .ok_or_else(|| "there is no room for a ZIP64 locator".to_owned())?;
    let loc = read_vec(src, locator_offset, Z64_LOCATOR_LEN as usize)
        .map_err(|_| "the ZIP64 locator is unreadable".to_owned())?;
    if u32_at(&loc, 0) != Some(Z64_LOCATOR_SIG) {
        return Err(format!("no ZIP64 locator at offset {locator_offset}"));
    }
    let declared = u64_at(&loc, 8).unwrap_or(u64::MAX);
    let latest = locator_offset
        .checked_sub(Z64_EOCD_LEN)
        .ok_or_else(|| "there is no room for a ZIP64 EOCD record".to_owned())?;
    let read_record = |off: u64| -> Option<Vec<u8>> {
        if off > latest {
            return None;
        }
        let rec = read_vec(src, off, Z64_EOCD_LEN as usize).ok()?;
        (u32_at(&rec, 0) == Some(Z64_EOCD_SIG)).then_some(rec)
    };
    // Fall back to "immediately before the locator" for prepended data.
    let (record_offset, rec) = match read_record(declared) {
        Some(r) => (declared, r),
        None => match read_record(latest) {
            Some(r) => (latest, r),
            None => return Err(format!("no ZIP64 EOCD record at offset {declared}")),
        },
    };
    let field = |at| u64_at(&rec, at).unwrap_or(0);
    let z = Zip64End {
        record_offset,
        disk: u32_at(&rec, 16).unwrap_or(0),
        cd_disk: u32_at(&rec, 20).unwrap_or(0),
        entries_on_disk: field(24),
        entries: field(32),
        cd_size: field(40),
        cd_offset: field(48),
    };
    if z.cd_offset
        .checked_add(z.cd_size)
        .is_none_or(|end| end > record_offset)
    {
        return Err(format!(
            "the ZIP64 central directory [{}, +{}) runs past the ZIP64 EOCD record at {record_offset}",
            z.cd_offset, z.cd_size
        ));
    }
    Ok(z)
}

struct CdRecord<'c> {
    end: usize,
    version_made_by: u16,
    flags: u16,
    method: u16,
    dos_time: u16,
    dos_date: u16,
    crc32: u32,
    compressed_size: u32,
    uncompressed_size: u32,
    external_attributes: u32,
    local_header_offset: u32,
    name: &'c [u8],
    extra: &'c [u8],
}

enum Record<'c> {
    Ok(CdRecord<'c>),
    Short,
    BadSignature,
    Overrun,
}

fn cd_record(cd: &[u8], pos: usize) -> Record<'_> {
    let Some(fixed) = pos.checked_add(CD_LEN).and_then(|end| cd.get(pos..end)) else {
        return Record::Short;
    };
    if u32_at(fixed, 0) != Some(CD_SIG) {
        return Record::BadSignature;
    }
    let f16 = |at| u16_at(fixed, at).unwrap_or(0);
    let f32 = |at| u32_at(fixed, at).unwrap_or(0);
    let name_len = usize::from(f16(28));
    let extra_len = usize::from(f16(30));
    let comment_len = usize::from(f16(32));
    let name_start = pos.saturating_add(CD_LEN);
    let name_end = name_start.saturating_add(name_len);
    let extra_end = name_end.saturating_add(extra_len);
    let end = extra_end.saturating_add(comment_len);
    let (Some(name), Some(extra)) = (cd.get(name_start..name_end), cd.get(name_end..extra_end))
    else {
        return Record::Overrun;
    };
    if end > cd.len() {
        return Record::Overrun;
    }
    Record::Ok(CdRecord {
        end,
        version_made_by: f16(4),
        flags: f16(8),
        method: f16(10),
        dos_time: f16(12),
        dos_date: f16(14),
        crc32: f32(16),
        compressed_size: f32(20),
        uncompressed_size: f32(24),
        external_attributes: f32(38),
        local_header_offset: f32(42),
        name,
        extra,
    })
}

/// Sizes and offset from a ZIP64 extended-information extra field.
#[derive(Default)]
struct Zip64Extra {
    uncompressed: Option<u64>,
    compressed: Option<u64>,
    local_header_offset: Option<u64>,
}

/// Parses the ZIP64 extra field as libziparchive does: a field is present
/// when its 32-bit counterpart is saturated, or all three when the block is
/// 24 (or 28, with a disk number) bytes long.
fn zip64_extra(
    extra: &[u8],
    uncompressed: bool,
    compressed: bool,
    offset: bool,
) -> Result<Zip64Extra, String> {
    let mut pos = 0usize;
    while let (Some(id), Some(len)) = (u16_at(extra, pos), u16_at(extra, pos.saturating_add(2))) {
        let start = pos.saturating_add(4);
        let end = start.saturating_add(usize::from(len));
        let Some(data) = extra.get(start..end) else {
            return Err(format!(
                "extra block 0x{id:04x} of {len} bytes overruns the extra field"
            ));
        };
        if id != ZIP64_EXTRA_ID {
            pos = end;
            continue;
        }
        let mut len = data.len();
        if len == 28 {
            len = 24;
        }
        let complete = len == 24;
        let mut out = Zip64Extra::default();
        let mut at = 0usize;
        let mut take = |wanted: bool| -> Result<Option<u64>, String> {
            if !(wanted || complete) {
                return Ok(None);
            }
            let v = u64_at(data, at).ok_or_else(|| "ZIP64 extra block is too short".to_owned())?;
            at = at.saturating_add(8);
            Ok(Some(v))
        };
        out.uncompressed = take(uncompressed)?;
        out.compressed = take(compressed)?;
        out.local_header_offset = take(offset)?;
        if at == 0 || at != len {
            return Err(format!("ZIP64 extra block is {len} bytes, expected {at}"));
        }
        return Ok(out);
    }
    Err("no ZIP64 extra block although a size or offset is saturated".to_owned())
}

fn build_entry(rec: &CdRecord<'_>, index: usize, shift: i128, log: &mut AnomalyLog) -> Entry {
    let name = String::from_utf8_lossy(rec.name).into_owned();
    let mut uncompressed_size = u64::from(rec.uncompressed_size);
    let mut compressed_size = u64::from(rec.compressed_size);
    let mut local_header_offset = u64::from(rec.local_header_offset);
    let sat_u = rec.uncompressed_size == u32::MAX;
    let sat_c = rec.compressed_size == u32::MAX;
    let sat_o = rec.local_header_offset == u32::MAX;
    if sat_u || sat_c || sat_o {
        match zip64_extra(rec.extra, sat_u, sat_c, sat_o) {
            Ok(z) => {
                uncompressed_size = z.uncompressed.unwrap_or(uncompressed_size);
                compressed_size = z.compressed.unwrap_or(compressed_size);
                local_header_offset = z.local_header_offset.unwrap_or(local_header_offset);
            }
            Err(why) => log.entry(
                K::Zip64ExtraInvalid,
                index,
                &name,
                format!("{why}; Android refuses this entry"),
            ),
        }
    }
    if shift != 0 {
        match u64::try_from(i128::from(local_header_offset) + shift) {
            Ok(v) => local_header_offset = v,
            Err(_) => log.entry(
                K::LocalHeaderOffsetInvalid,
                index,
                &name,
                format!("local header offset {local_header_offset} cannot be shifted by {shift}"),
            ),
        }
    }
    if rec.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION) != 0 {
        log.entry(
            K::EncryptedFlag,
            index,
            &name,
            format!(
                "general-purpose flags 0x{:04x} mark the entry encrypted; Android ignores this and reads it as plain data",
                rec.flags
            ),
        );
    }
    match rec.method {
        METHOD_STORED => {
            if compressed_size != uncompressed_size {
                log.entry(
                    K::StoredSizeMismatch,
                    index,
                    &name,
                    format!(
                        "stored entry with compressed size {compressed_size} but uncompressed size {uncompressed_size}; Android reads {uncompressed_size} bytes"
                    ),
                );
            }
        }
        METHOD_DEFLATED => {}
        other => log.entry(
            K::UnknownCompressionMethod,
            index,
            &name,
            format!(
                "compression method {other}; Android's resource loader reads it as stored data of {uncompressed_size} bytes"
            ),
        ),
    }
    Entry {
        index,
        name,
        raw_name: rec.name.to_vec(),
        method: rec.method,
        flags: rec.flags,
        crc32: rec.crc32,
        compressed_size,
        uncompressed_size,
        local_header_offset,
        data_offset: None,
        version_made_by: rec.version_made_by,
        external_attributes: rec.external_attributes,
        dos_datetime: (u32::from(rec.dos_date) << 16) | u32::from(rec.dos_time),
        has_data_descriptor: rec.flags & FLAG_DATA_DESCRIPTOR != 0,
    }
}

/// Reads the local header only to find where the data starts and to compare
/// it with the central directory (which stays authoritative).
fn local_header(
    src: &dyn ReadAt,
    e: &mut Entry,
    data_limit: u64,
    size: u64,
    buf: &mut Vec<u8>,
    log: &mut AnomalyLog,
    reject: &mut Rejection,
) {
    let lho = e.local_header_offset;
    if lho >= data_limit {
        let why = format!(
            "local header offset {lho} is at or after the central directory ({data_limit})"
        );
        log.entry(
            K::LocalHeaderOffsetInvalid,
            e.index,
            &e.name,
            format!("{why}; Android refuses the archive"),
        );
        reject.set(|| format!("entry {:?}: {why}", e.name));
    }
    let want = (LFH_LEN as usize).saturating_add(e.raw_name.len());
    let Some(head) =
        read_upto_into(src, size, lho, want, buf).filter(|h| h.len() >= LFH_LEN as usize)
    else {
        log.entry(
            K::LocalHeaderInvalid,
            e.index,
            &e.name,
            format!("local header at {lho} is past the end of the file ({size} bytes)"),
        );
        return;
    };
    if u32_at(head, 0) != Some(LFH_SIG) {
        log.entry(
            K::LocalHeaderInvalid,
            e.index,
            &e.name,
            format!("no local header signature at offset {lho}; Android refuses this entry"),
        );
        return;
    }
    let f16 = |at| u16_at(head, at).unwrap_or(0);
    let f32 = |at| u32_at(head, at).unwrap_or(0);
    let flags = f16(6);
    let method = f16(8);
    let crc = f32(14);
    let mut csize = u64::from(f32(18));
    let mut usize_ = u64::from(f32(22));
    let name_len = f16(26);
    let extra_len = f16(28);
    e.has_data_descriptor = flags & FLAG_DATA_DESCRIPTOR != 0;
    let data_offset = lho
        .saturating_add(LFH_LEN)
        .saturating_add(u64::from(name_len))
        .saturating_add(u64::from(extra_len));
    e.data_offset = Some(data_offset);

    let mut android_ignores: Vec<String> = Vec::new();
    let mut android_refuses: Vec<String> = Vec::new();
    if usize::from(name_len) != e.raw_name.len() {
        android_refuses.push(format!("name length {} vs {}", name_len, e.raw_name.len()));
    } else {
        let local_name = head.get(LFH_LEN as usize..).unwrap_or(&[]);
        if local_name != e.raw_name.as_slice() {
            android_refuses.push(format!(
                "name {:?} vs {:?}",
                String::from_utf8_lossy(local_name),
                e.name
            ));
        }
    }
    if method != e.method {
        android_ignores.push(format!("method {method} vs {}", e.method));
    }
    if flags != e.flags {
        android_ignores.push(format!("flags 0x{flags:04x} vs 0x{:04x}", e.flags));
    }
    if flags & FLAG_DATA_DESCRIPTOR == 0 {
        if csize == u64::from(u32::MAX) || usize_ == u64::from(u32::MAX) {
            let extra_at = lho
                .saturating_add(LFH_LEN)
                .saturating_add(u64::from(name_len));
            // Capped: many records may alias one local header, and each
            // would otherwise re-read up to 64 KiB of extra field.
            let take = usize::from(extra_len).min(MAX_LOCAL_EXTRA_SCAN);
            let z = read_upto(src, size, extra_at, take)
                .ok_or_else(|| "local extra field is unreadable".to_owned())
                .and_then(|x| zip64_extra(&x, true, true, false));
            match z {
                Ok(z) => {
                    usize_ = z.uncompressed.unwrap_or(usize_);
                    csize = z.compressed.unwrap_or(csize);
                }
                Err(why) => log.entry(
                    K::Zip64ExtraInvalid,
                    e.index,
                    &e.name,
                    format!("local header: {why}"),
                ),
            }
        }
        if crc != e.crc32 {
            android_refuses.push(format!("crc32 0x{crc:08x} vs 0x{:08x}", e.crc32));
        }
        if csize != e.compressed_size {
            android_refuses.push(format!("compressed size {csize} vs {}", e.compressed_size));
        }
        if usize_ != e.uncompressed_size {
            android_refuses.push(format!(
                "uncompressed size {usize_} vs {}",
                e.uncompressed_size
            ));
        }
    }
    if !android_refuses.is_empty() || !android_ignores.is_empty() {
        let mut fields = android_refuses.clone();
        fields.extend(android_ignores);
        let effect = if android_refuses.is_empty() {
            "Android ignores this and uses the central directory"
        } else {
            "Android refuses to open this entry"
        };
        log.entry(
            K::LocalHeaderMismatch,
            e.index,
            &e.name,
            format!(
                "local header (local vs central): {}; {effect}",
                fields.join(", ")
            ),
        );
    }

    let used = e.stored_len();
    let end = data_offset.checked_add(used);
    if data_offset > data_limit || end.is_none_or(|end| end > data_limit) {
        log.entry(
            K::EntryDataOutOfBounds,
            e.index,
            &e.name,
            format!(
                "data [{data_offset}, +{used}) runs past {} at {data_limit}; Android refuses this entry",
                if data_limit < size { "the start of the central directory" } else { "the end of the file" }
            ),
        );
    }
}

/// Flags entries whose local header + data ranges overlap another entry's.
fn check_overlaps(entries: &[Entry], log: &mut AnomalyLog) {
    let mut spans: Vec<(u64, u64, usize)> = entries
        .iter()
        .filter_map(|e| {
            let d = e.data_offset?;
            Some((
                e.local_header_offset,
                d.saturating_add(e.stored_len()),
                e.index,
            ))
        })
        .collect();
    spans.sort_unstable();
    let mut reach: Option<(u64, u64, usize)> = None;
    for &(start, end, idx) in &spans {
        if let Some((rs, re, ridx)) = reach {
            if start < re {
                let (Some(e), Some(other)) = (entries.get(idx), entries.get(ridx)) else {
                    continue;
                };
                let detail = if start == rs {
                    format!(
                        "shares its local header at {start} with entry {ridx} {:?}",
                        other.name
                    )
                } else {
                    format!(
                        "local data [{start}, {end}) overlaps entry {ridx} {:?} [{rs}, {re})",
                        other.name
                    )
                };
                log.entry(K::OverlappingEntries, idx, &e.name, detail);
            }
            if end > re {
                reach = Some((start, end, idx));
            }
        } else {
            reach = Some((start, end, idx));
        }
    }
}
