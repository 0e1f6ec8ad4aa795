//! Copying and inflating entry data under the limits, as Android would read
//! it: the central directory decides the method and sizes, anything that is
//! not deflate is read as stored data of `uncompressed_size` bytes.

use std::sync::atomic::Ordering;

use flate2::{Decompress, FlushDecompress, Status};

use crate::anomaly::AnomalyKind as K;
use crate::bytes::{read_upto, u32_at, u64_at};
use crate::parse::{DD_SIG, METHOD_DEFLATED};
use crate::{Entry, ReadReport, ZipArchive, ZipError};

/// Input and output chunk size: big enough for few `ReadAt` calls, small
/// enough that limits are checked often.
const CHUNK: usize = 64 * 1024;
/// Ratio checks start once an entry has inflated this much.
const RATIO_FLOOR: u64 = 1 << 20;
/// Largest up-front reservation for `read`; beyond it the vector grows.
const MAX_RESERVE: u64 = 16 << 20;

/// What one pass over an entry's data produced.
pub(crate) struct Pumped {
    pub len: u64,
    pub crc32: u32,
}

impl ZipArchive<'_> {
    pub(crate) fn read_impl(&self, entry: &Entry) -> Result<(Vec<u8>, ReadReport), ZipError> {
        let reserve = entry
            .uncompressed_size
            .min(self.limits.max_entry_size)
            .min(MAX_RESERVE);
        let mut out = Vec::with_capacity(usize::try_from(reserve).unwrap_or(0));
        let report = self.stream_impl(entry, &mut |chunk| out.extend_from_slice(chunk))?;
        Ok((out, report))
    }

    pub(crate) fn stream_impl(
        &self,
        entry: &Entry,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<ReadReport, ZipError> {
        if entry.uncompressed_size > self.limits.max_entry_size {
            return Err(ZipError::EntryTooLarge {
                entry: entry.name.clone(),
                size: entry.uncompressed_size,
                limit: self.limits.max_entry_size,
                declared: true,
            });
        }
        let pumped = self.pump(entry, None, sink)?;
        let crc_matches = pumped.crc32 == entry.crc32;
        let size_matches = pumped.len == entry.uncompressed_size;
        if !crc_matches {
            self.note(
                K::CrcMismatch,
                entry,
                format!(
                    "CRC-32 of the data is 0x{:08x}, central directory says 0x{:08x}; Android does not check CRCs and uses the data",
                    pumped.crc32, entry.crc32
                ),
            );
        }
        if !size_matches {
            self.note(
                K::UncompressedSizeMismatch,
                entry,
                format!(
                    "inflated {} bytes, central directory says {}; Android's extraction fails on this",
                    pumped.len, entry.uncompressed_size
                ),
            );
        }
        if entry.has_data_descriptor {
            self.check_data_descriptor(entry);
        }
        Ok(ReadReport {
            len: pumped.len,
            crc32: pumped.crc32,
            crc_matches,
            size_matches,
        })
    }

    /// Copies or inflates up to `max_out` bytes (all when `None`) into `sink`.
    pub(crate) fn pump(
        &self,
        entry: &Entry,
        max_out: Option<u64>,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<Pumped, ZipError> {
        let data_offset = entry.data_offset.ok_or_else(|| ZipError::NoLocalHeader {
            entry: entry.name.clone(),
        })?;
        let used = entry.stored_len();
        let end = data_offset.checked_add(used);
        let limit = self.data_limit.min(self.source_size);
        if end.is_none_or(|end| end > limit) {
            return Err(ZipError::EntryOutOfBounds {
                entry: entry.name.clone(),
                detail: format!(
                    "data [{data_offset}, +{used}) runs past {limit} (start of the central directory or end of file)"
                ),
            });
        }
        if entry.method == METHOD_DEFLATED {
            self.inflate(entry, data_offset, max_out, sink)
        } else {
            self.copy(entry, data_offset, max_out, sink)
        }
    }

    fn copy(
        &self,
        entry: &Entry,
        data_offset: u64,
        max_out: Option<u64>,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<Pumped, ZipError> {
        let total = entry.uncompressed_size;
        let want = max_out.map_or(total, |m| m.min(total));
        let mut buf = vec![0u8; usize::try_from(want.min(CHUNK as u64)).unwrap_or(CHUNK)];
        let mut crc = crc32fast::Hasher::new();
        let mut done = 0u64;
        while done < want {
            let n = usize::try_from((want - done).min(CHUNK as u64)).unwrap_or(CHUNK);
            let Some(chunk) = buf.get_mut(..n) else {
                break;
            };
            let at = data_offset.saturating_add(done);
            self.source
                .read_exact_at(chunk, at)
                .map_err(|source| ZipError::Io {
                    offset: at,
                    len: n as u64,
                    source,
                })?;
            self.charge(entry, n as u64)?;
            crc.update(chunk);
            sink(chunk);
            done = done.saturating_add(n as u64);
        }
        Ok(Pumped {
            len: done,
            crc32: crc.finalize(),
        })
    }

    fn inflate(
        &self,
        entry: &Entry,
        data_offset: u64,
        max_out: Option<u64>,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<Pumped, ZipError> {
        let csize = entry.compressed_size;
        if csize == 0 && entry.uncompressed_size == 0 {
            // Some writers emit no stream at all for empty entries.
            return Ok(Pumped { len: 0, crc32: 0 });
        }
        let inflate_err = |detail: String| ZipError::Inflate {
            entry: entry.name.clone(),
            detail,
        };
        let mut d = Decompress::new(false);
        let mut inbuf = vec![0u8; usize::try_from(csize.min(CHUNK as u64)).unwrap_or(CHUNK)];
        let mut out = vec![0u8; CHUNK];
        let (mut in_pos, mut in_len) = (0usize, 0usize);
        let mut remaining = csize;
        let mut read_at = data_offset;
        let mut produced_total = 0u64;
        let mut crc = crc32fast::Hasher::new();
        let mut ended = false;
        loop {
            if in_pos >= in_len && remaining > 0 {
                let n = usize::try_from(remaining.min(CHUNK as u64)).unwrap_or(CHUNK);
                let Some(chunk) = inbuf.get_mut(..n) else {
                    return Err(inflate_err("input buffer too small".to_owned()));
                };
                self.source
                    .read_exact_at(chunk, read_at)
                    .map_err(|source| ZipError::Io {
                        offset: read_at,
                        len: n as u64,
                        source,
                    })?;
                read_at = read_at.saturating_add(n as u64);
                remaining = remaining.saturating_sub(n as u64);
                in_pos = 0;
                in_len = n;
            }
            let out_cap = match max_out {
                Some(m) => usize::try_from(m.saturating_sub(produced_total).min(CHUNK as u64))
                    .unwrap_or(CHUNK),
                None => CHUNK,
            };
            if out_cap == 0 {
                break;
            }
            let (Some(input), Some(output)) = (inbuf.get(in_pos..in_len), out.get_mut(..out_cap))
            else {
                return Err(inflate_err("buffer bookkeeping error".to_owned()));
            };
            let (before_in, before_out) = (d.total_in(), d.total_out());
            let status = d
                .decompress(input, output, FlushDecompress::None)
                .map_err(|e| {
                    inflate_err(format!(
                        "corrupt deflate data after {} compressed bytes: {e}",
                        d.total_in()
                    ))
                })?;
            let consumed = usize::try_from(d.total_in().saturating_sub(before_in)).unwrap_or(0);
            let produced = usize::try_from(d.total_out().saturating_sub(before_out)).unwrap_or(0);
            in_pos = in_pos.saturating_add(consumed);
            if produced > 0 {
                produced_total = produced_total.saturating_add(produced as u64);
                if produced_total > self.limits.max_entry_size {
                    return Err(ZipError::EntryTooLarge {
                        entry: entry.name.clone(),
                        size: produced_total,
                        limit: self.limits.max_entry_size,
                        declared: false,
                    });
                }
                let used_in = d.total_in().max(1);
                if produced_total > RATIO_FLOOR
                    && produced_total > self.limits.max_ratio.saturating_mul(used_in)
                {
                    return Err(ZipError::CompressionRatio {
                        entry: entry.name.clone(),
                        inflated: produced_total,
                        compressed: used_in,
                        limit: self.limits.max_ratio,
                    });
                }
                self.charge(entry, produced as u64)?;
                let Some(chunk) = output.get(..produced) else {
                    return Err(inflate_err("output bookkeeping error".to_owned()));
                };
                crc.update(chunk);
                sink(chunk);
            }
            if status == Status::StreamEnd {
                ended = true;
                break;
            }
            if consumed == 0 && produced == 0 {
                if in_pos >= in_len && remaining == 0 {
                    return Err(inflate_err(format!(
                        "deflate stream is truncated: all {csize} compressed bytes used without an end-of-stream marker"
                    )));
                }
                return Err(inflate_err("inflater made no progress".to_owned()));
            }
        }
        if ended && max_out.is_none() && d.total_in() < csize {
            self.note(
                K::CompressedSizeMismatch,
                entry,
                format!(
                    "deflate stream ends after {} of {csize} compressed bytes; Android's extraction fails on this",
                    d.total_in()
                ),
            );
        }
        Ok(Pumped {
            len: produced_total,
            crc32: crc.finalize(),
        })
    }

    /// Counts inflated bytes against the archive-wide budget.
    fn charge(&self, entry: &Entry, n: u64) -> Result<(), ZipError> {
        let before = self.inflated_total.fetch_add(n, Ordering::Relaxed);
        if before.saturating_add(n) > self.limits.max_total_inflated {
            return Err(ZipError::TotalInflatedLimit {
                entry: entry.name.clone(),
                limit: self.limits.max_total_inflated,
            });
        }
        Ok(())
    }

    /// Android validates a trailing data descriptor against the central
    /// directory when extracting; a mismatch makes extraction fail there.
    fn check_data_descriptor(&self, entry: &Entry) {
        let Some(data_offset) = entry.data_offset else {
            return;
        };
        let at = data_offset.saturating_add(entry.stored_len());
        let Some(dd) = read_upto(self.source, self.source_size, at, 24) else {
            self.note(
                K::DataDescriptorMismatch,
                entry,
                format!("data descriptor at {at} is past the end of the file"),
            );
            return;
        };
        let base = if u32_at(&dd, 0) == Some(DD_SIG) { 4 } else { 0 };
        let wide = entry.compressed_size >= u64::from(u32::MAX)
            || entry.uncompressed_size >= u64::from(u32::MAX);
        let crc = u32_at(&dd, base);
        let (csize, usize_) = if wide {
            (u64_at(&dd, base + 4), u64_at(&dd, base + 12))
        } else {
            (
                u32_at(&dd, base + 4).map(u64::from),
                u32_at(&dd, base + 8).map(u64::from),
            )
        };
        if crc != Some(entry.crc32)
            || csize != Some(entry.compressed_size)
            || usize_ != Some(entry.uncompressed_size)
        {
            let show = |v: Option<u64>| v.map_or_else(|| "missing".to_owned(), |v| v.to_string());
            self.note(
                K::DataDescriptorMismatch,
                entry,
                format!(
                    "data descriptor at {at} says crc32 {}, sizes {}/{}; central directory says 0x{:08x}, {}/{}; Android's extraction fails on this",
                    crc.map_or_else(|| "missing".to_owned(), |c| format!("0x{c:08x}")),
                    show(csize),
                    show(usize_),
                    entry.crc32,
                    entry.compressed_size,
                    entry.uncompressed_size
                ),
            );
        }
    }
}
