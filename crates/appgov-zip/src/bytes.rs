//! Bounds-checked little-endian field access and positional reads.

use crate::{ReadAt, ZipError};

pub(crate) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let end = at.checked_add(2)?;
    let s: [u8; 2] = b.get(at..end)?.try_into().ok()?;
    Some(u16::from_le_bytes(s))
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    let s: [u8; 4] = b.get(at..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

pub(crate) fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let end = at.checked_add(8)?;
    let s: [u8; 8] = b.get(at..end)?.try_into().ok()?;
    Some(u64::from_le_bytes(s))
}

/// Reads `len` bytes at `offset`. Callers bound `len` by the source size or
/// an explicit limit before calling, so the allocation is never
/// attacker-sized beyond the input itself.
pub(crate) fn read_vec(src: &dyn ReadAt, offset: u64, len: usize) -> Result<Vec<u8>, ZipError> {
    let mut buf = vec![0u8; len];
    src.read_exact_at(&mut buf, offset)
        .map_err(|source| ZipError::Io {
            offset,
            len: len as u64,
            source,
        })?;
    Ok(buf)
}

/// Reads up to `len` bytes at `offset` of a source of `size` bytes, fewer
/// if the source ends first; `None` when `offset` is at or past the end.
pub(crate) fn read_upto(src: &dyn ReadAt, size: u64, offset: u64, len: usize) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    read_upto_into(src, size, offset, len, &mut buf)?;
    Some(buf)
}

/// [`read_upto`] into a reusable buffer (one allocation for all local
/// headers instead of one each).
pub(crate) fn read_upto_into<'b>(
    src: &dyn ReadAt,
    size: u64,
    offset: u64,
    len: usize,
    buf: &'b mut Vec<u8>,
) -> Option<&'b [u8]> {
    let avail = size.checked_sub(offset)?;
    let n = usize::try_from(avail.min(len as u64)).ok()?;
    if n == 0 {
        return None;
    }
    buf.resize(n, 0);
    let out = buf.get_mut(..n)?;
    src.read_exact_at(out, offset).ok()?;
    Some(out)
}
