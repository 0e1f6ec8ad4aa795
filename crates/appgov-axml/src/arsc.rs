//! resources.arsc (`ResTable`) reader.
//!
//! Follows androidfw's `LoadedArsc`: a table chunk holding the global value string pool and
//! package chunks; each package holds its type-name and key-name pools (found by the offsets in
//! its header), type-spec chunks, and type chunks (one per configuration) whose entries may be
//! dense (32-bit offsets), offset16, sparse, and full or compact. Library, overlayable and
//! staged-alias chunks are skipped.

use crate::anomaly::AnomalyKind;
use crate::bytes::{ChunkHeader, chunk_at, u8_at, u16_at, u32_at, validate_chunk};
use crate::config::Config;
use crate::strpool::StringPool;
use crate::table::{Package, ResourceTable, Stored, Strings, TableBuilder};
use crate::{ArscError, Limits};

const RES_STRING_POOL_TYPE: u16 = 0x0001;
const RES_TABLE_TYPE: u16 = 0x0002;
const RES_TABLE_PACKAGE_TYPE: u16 = 0x0200;
const RES_TABLE_TYPE_TYPE: u16 = 0x0201;
const RES_TABLE_TYPE_SPEC_TYPE: u16 = 0x0202;
const RES_TABLE_LIBRARY_TYPE: u16 = 0x0203;
const RES_TABLE_OVERLAYABLE_TYPE: u16 = 0x0204;
const RES_TABLE_OVERLAYABLE_POLICY_TYPE: u16 = 0x0205;
const RES_TABLE_STAGED_ALIAS_TYPE: u16 = 0x0206;

const FLAG_COMPLEX: u16 = 0x0001;
const FLAG_COMPACT: u16 = 0x0008;
const TYPE_FLAG_SPARSE: u8 = 0x01;
const TYPE_FLAG_OFFSET16: u8 = 0x02;
const NO_ENTRY: u32 = 0xffff_ffff;

/// Parses resources.arsc. Malformed parts are skipped with anomalies; errors only when the
/// table header itself cannot be read.
pub fn parse_arsc(data: &[u8], limits: &Limits) -> Result<ResourceTable, ArscError> {
    let Some(head) = chunk_at(data, 0) else {
        return Err(ArscError::TooShort { len: data.len() });
    };
    let mut b = TableBuilder::new(limits);
    if head.kind != RES_TABLE_TYPE {
        b.an.push(
            AnomalyKind::TableWrongMagic,
            format!("table chunk type {:#06x}, expected 0x0002", head.kind),
        );
    }
    let mut end = head.size as usize;
    if end > data.len() {
        b.an.push(
            AnomalyKind::TableSizeMismatch,
            format!("declared size {end:#x} exceeds {:#x} bytes", data.len()),
        );
        end = data.len();
    } else if end < data.len() {
        b.an.push(
            AnomalyKind::TableSizeMismatch,
            format!("{} bytes after the declared table size", data.len() - end),
        );
    }
    let header_size = usize::from(head.header_size);
    if header_size < 12 || header_size > end {
        return Err(ArscError::BadHeader(format!(
            "table header size {header_size:#x} (table size {end:#x})"
        )));
    }
    let declared_packages = u32_at(data, 8).unwrap_or(0);
    let mut have_pool = false;
    let mut packages = 0u32;
    let children: Vec<(usize, ChunkHeader)> =
        Chunks::new(data, header_size, end, &mut b, "table").collect();
    for (off, c) in children {
        let body = data.get(off..off + c.size as usize).unwrap_or_default();
        match c.kind {
            RES_STRING_POOL_TYPE => {
                if have_pool {
                    b.an.push(
                        AnomalyKind::ExtraStringPool,
                        format!("second global string pool at {off:#x} ignored"),
                    );
                    continue;
                }
                have_pool = true;
                let (p, _) = StringPool::parse(body, &mut b.an, "global string pool");
                b.table.strings = Strings::Pool(p);
            }
            RES_TABLE_PACKAGE_TYPE => {
                packages += 1;
                parse_package(body, &c, &mut b, off);
            }
            other => b.an.push(
                AnomalyKind::UnknownChunk,
                format!("skipped table chunk type {other:#06x} at {off:#x}"),
            ),
        }
        if b.full {
            break;
        }
    }
    if !have_pool {
        b.an.push(AnomalyKind::MissingStringPool, "no global string pool");
        b.table.strings = Strings::Pool(StringPool::default());
    }
    if packages != declared_packages {
        b.an.push(
            AnomalyKind::PackageCountMismatch,
            format!("header declares {declared_packages} packages, found {packages}"),
        );
    }
    Ok(b.finish())
}

/// Iterates the child chunks of `[start, end)`, stopping (with an anomaly) at the first chunk
/// that fails androidfw's `validate_chunk`; each step advances by a validated, non-zero size.
struct Chunks<'a, 'b, 'l> {
    data: &'a [u8],
    pos: usize,
    end: usize,
    b: &'b mut TableBuilder<'l>,
    ctx: &'static str,
}

impl<'a, 'b, 'l> Chunks<'a, 'b, 'l> {
    fn new(
        data: &'a [u8],
        pos: usize,
        end: usize,
        b: &'b mut TableBuilder<'l>,
        ctx: &'static str,
    ) -> Self {
        Chunks {
            data,
            pos,
            end,
            b,
            ctx,
        }
    }
}

impl Iterator for Chunks<'_, '_, '_> {
    type Item = (usize, ChunkHeader);
    fn next(&mut self) -> Option<Self::Item> {
        if self.pos.saturating_add(8) > self.end {
            if self.pos < self.end {
                self.b.an.push(
                    AnomalyKind::BadChunkHeader,
                    format!(
                        "{}: {} stray bytes at {:#x}",
                        self.ctx,
                        self.end - self.pos,
                        self.pos
                    ),
                );
            }
            return None;
        }
        let c = chunk_at(self.data, self.pos)?;
        if let Err(why) = validate_chunk(&c, 8, self.pos, self.end) {
            self.b.an.push(
                AnomalyKind::BadChunkHeader,
                format!(
                    "{}: chunk {:#06x} at {:#x}: {why}",
                    self.ctx, c.kind, self.pos
                ),
            );
            self.pos = self.end;
            return None;
        }
        let off = self.pos;
        self.pos += c.size as usize;
        Some((off, c))
    }
}

fn utf16_name(d: &[u8], off: usize, max_units: usize) -> String {
    let units: Vec<u16> = (0..max_units)
        .map_while(|i| u16_at(d, off + i * 2).filter(|&u| u != 0))
        .collect();
    String::from_utf16_lossy(&units)
}

/// Builder-borrowing closures cannot coexist with the chunk iterator, so child chunks are
/// collected first (their count is bounded by the package size / 8).
fn parse_package(d: &[u8], c: &ChunkHeader, b: &mut TableBuilder<'_>, at: usize) {
    let hs = usize::from(c.header_size);
    if hs < 284 {
        b.an.push(
            AnomalyKind::PackageHeaderInvalid,
            format!("package at {at:#x}: header size {hs:#x} < 0x11c"),
        );
        return;
    }
    let id = u32_at(d, 8).unwrap_or(0);
    if id > 0xff {
        b.an.push(
            AnomalyKind::PackageHeaderInvalid,
            format!("package at {at:#x}: id {id:#x} does not fit 8 bits"),
        );
        return;
    }
    let name = utf16_name(d, 12, 128);
    let type_strings = u32_at(d, 268).unwrap_or(0) as usize;
    let key_strings = u32_at(d, 276).unwrap_or(0) as usize;
    let type_id_offset = if hs >= 288 {
        u32_at(d, 284).unwrap_or(0)
    } else {
        0
    };
    let pkg_index = b.table.packages.len();
    b.table.packages.push(Package {
        id: id as u8,
        name: name.clone(),
        ..Package::default()
    });
    let children: Vec<(usize, ChunkHeader)> = Chunks::new(d, hs, d.len(), b, "package").collect();
    let mut type_pool: Option<StringPool> = None;
    let mut key_pool: Option<StringPool> = None;
    let mut type_chunks = Vec::new();
    for (off, ch) in children {
        let body = d.get(off..off + ch.size as usize).unwrap_or_default();
        match ch.kind {
            RES_STRING_POOL_TYPE => {
                if off == type_strings && type_pool.is_none() {
                    type_pool = Some(StringPool::parse(body, &mut b.an, "type strings").0);
                } else if off == key_strings && key_pool.is_none() {
                    key_pool = Some(StringPool::parse(body, &mut b.an, "key strings").0);
                } else {
                    b.an.push(
                        AnomalyKind::ExtraStringPool,
                        format!("package {name:?}: unexpected string pool at {off:#x}"),
                    );
                }
            }
            RES_TABLE_TYPE_TYPE => type_chunks.push((off, ch)),
            RES_TABLE_TYPE_SPEC_TYPE
            | RES_TABLE_LIBRARY_TYPE
            | RES_TABLE_OVERLAYABLE_TYPE
            | RES_TABLE_OVERLAYABLE_POLICY_TYPE
            | RES_TABLE_STAGED_ALIAS_TYPE => {}
            other => b.an.push(
                AnomalyKind::UnknownChunk,
                format!("package {name:?}: skipped chunk type {other:#06x} at {off:#x}"),
            ),
        }
    }
    let (Some(types), Some(keys)) = (type_pool, key_pool) else {
        b.an.push(
            AnomalyKind::PackageStringPoolMissing,
            format!("package {name:?}: type or key string pool missing; package skipped"),
        );
        return;
    };
    if let Some(p) = b.table.packages.get_mut(pkg_index) {
        p.keys = Strings::Pool(keys);
    }
    for (off, ch) in type_chunks {
        let body = d.get(off..off + ch.size as usize).unwrap_or_default();
        parse_type(body, &ch, b, pkg_index, &types, type_id_offset, &name);
        if b.full {
            break;
        }
    }
}

fn parse_type(
    d: &[u8],
    c: &ChunkHeader,
    b: &mut TableBuilder<'_>,
    pkg: usize,
    types: &StringPool,
    type_id_offset: u32,
    pkg_name: &str,
) {
    let hs = usize::from(c.header_size);
    let size = d.len();
    let (Some(type_id), Some(flags), Some(count), Some(entries_start), Some(cfg_size)) = (
        u8_at(d, 8),
        u8_at(d, 9),
        u32_at(d, 12),
        u32_at(d, 16),
        u32_at(d, 20),
    ) else {
        b.an.push(
            AnomalyKind::TypeChunkInvalid,
            format!("{pkg_name}: type chunk header truncated"),
        );
        return;
    };
    if hs < 24 {
        b.an.push(
            AnomalyKind::TypeChunkInvalid,
            format!("{pkg_name}: type header size {hs:#x}"),
        );
        return;
    }
    let type_index = u32::from(type_id)
        .checked_sub(1)
        .and_then(|t| t.checked_sub(type_id_offset));
    let type_name = match type_index.map(|t| types.get(t)) {
        Some(Ok(n)) => n,
        _ => {
            b.an.push(
                AnomalyKind::TypeIdInvalid,
                format!("{pkg_name}: type id {type_id} has no name; chunk skipped"),
            );
            return;
        }
    };
    if let Some(p) = b.table.packages.get_mut(pkg) {
        p.type_names
            .entry(type_id)
            .or_insert_with(|| type_name.clone());
    }
    let cfg_size = cfg_size as usize;
    if cfg_size < 28 || cfg_size > hs - 20 {
        b.an.push(
            AnomalyKind::ConfigSizeUnusual,
            format!(
                "{pkg_name}: {type_name} config size {cfg_size} (header room {})",
                hs - 20
            ),
        );
    }
    let cfg_bytes = d.get(20..(20 + cfg_size.min(hs - 20))).unwrap_or_default();
    let config = b.config_id(Config::from_bytes(cfg_bytes));
    let entries_start = entries_start as usize;
    if entries_start > size || entries_start < hs {
        b.an.push(
            AnomalyKind::TypeChunkInvalid,
            format!(
                "{pkg_name}: {type_name} entries start {entries_start:#x} outside chunk ({size:#x})"
            ),
        );
        return;
    }
    let sparse = flags & TYPE_FLAG_SPARSE != 0;
    let offset16 = flags & TYPE_FLAG_OFFSET16 != 0;
    let slot = if offset16 && !sparse { 2 } else { 4 };
    let room = (entries_start - hs) / slot;
    let mut count = count as usize;
    if count > room {
        b.an.push(
            AnomalyKind::TypeChunkInvalid,
            format!("{pkg_name}: {type_name} claims {count} entries, offsets fit {room}"),
        );
        count = room;
    }
    let mut bad = 0usize;
    for i in 0..count {
        if !sparse && i > 0xffff {
            b.an.push(
                AnomalyKind::TypeChunkInvalid,
                format!("{pkg_name}: {type_name} has more than 65536 entries"),
            );
            break;
        }
        let at = hs + i * slot;
        let (index, rel) = if sparse {
            let (Some(idx), Some(o)) = (u16_at(d, at), u16_at(d, at + 2)) else {
                break;
            };
            (idx, u32::from(o) * 4)
        } else if offset16 {
            match u16_at(d, at) {
                Some(0xffff) | None => continue,
                Some(o) => (i as u16, u32::from(o) * 4),
            }
        } else {
            match u32_at(d, at) {
                Some(NO_ENTRY) | None => continue,
                Some(o) => (i as u16, o),
            }
        };
        let Some(off) = entries_start
            .checked_add(rel as usize)
            .filter(|&o| o < size)
        else {
            if bad < 8 {
                b.an.push(
                    AnomalyKind::EntryOutOfBounds,
                    format!("{pkg_name}: {type_name} entry {index} offset {rel:#x} outside chunk"),
                );
            }
            bad += 1;
            continue;
        };
        match read_entry(d, off, b) {
            Ok((key, v)) => {
                if !b.add(pkg, type_id, index, key, config, v) {
                    return;
                }
            }
            Err(why) => {
                if bad < 8 {
                    b.an.push(
                        AnomalyKind::EntryInvalid,
                        format!("{pkg_name}: {type_name} entry {index}: {why}"),
                    );
                }
                bad += 1;
            }
        }
    }
}

/// Reads one `ResTable_entry` (full or compact) and its value or bag.
fn read_entry(d: &[u8], off: usize, b: &mut TableBuilder<'_>) -> Result<(u32, Stored), String> {
    let (Some(size), Some(flags)) = (u16_at(d, off), u16_at(d, off + 2)) else {
        return Err("truncated header".into());
    };
    if flags & FLAG_COMPACT != 0 {
        let data = u32_at(d, off + 4).ok_or("truncated compact entry")?;
        return Ok((
            u32::from(size),
            Stored::Item {
                data_type: (flags >> 8) as u8,
                data,
            },
        ));
    }
    let key = u32_at(d, off + 4).ok_or("truncated key")?;
    let size = usize::from(size);
    if flags & FLAG_COMPLEX != 0 {
        if size < 16 {
            return Err(format!("complex entry size {size} < 16"));
        }
        let parent = u32_at(d, off + 8).ok_or("truncated bag header")?;
        let count = u32_at(d, off + 12).ok_or("truncated bag header")? as usize;
        let first = off + size;
        let room = d.len().saturating_sub(first) / 12;
        if count > room {
            b.an.push(
                AnomalyKind::BagTruncated,
                format!("bag with {count} items has room for {room}"),
            );
        }
        let n = count.min(room);
        if !b.charge_bag(n) {
            return Err("bag item limit reached".into());
        }
        let mut items = Vec::with_capacity(n);
        for i in 0..n {
            let at = first + i * 12;
            let (Some(name), Some(dt), Some(data)) =
                (u32_at(d, at), u8_at(d, at + 7), u32_at(d, at + 8))
            else {
                break;
            };
            items.push((name, dt, data));
        }
        return Ok((key, Stored::Bag { parent, items }));
    }
    if size < 8 {
        return Err(format!("entry size {size} < 8"));
    }
    let v = off + size;
    let (Some(dt), Some(data)) = (u8_at(d, v + 3), u32_at(d, v + 4)) else {
        return Err("value runs past the chunk".into());
    };
    Ok((
        key,
        Stored::Item {
            data_type: dt,
            data,
        },
    ))
}
