//! Little-endian reads that return `None` instead of panicking when out of range.

pub(crate) fn u8_at(d: &[u8], off: usize) -> Option<u8> {
    d.get(off).copied()
}

pub(crate) fn u16_at(d: &[u8], off: usize) -> Option<u16> {
    let b: [u8; 2] = d.get(off..off.checked_add(2)?)?.try_into().ok()?;
    Some(u16::from_le_bytes(b))
}

pub(crate) fn u32_at(d: &[u8], off: usize) -> Option<u32> {
    let b: [u8; 4] = d.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// The common `ResChunk_header`: type, header size, total size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChunkHeader {
    pub kind: u16,
    pub header_size: u16,
    pub size: u32,
}

pub(crate) fn chunk_at(d: &[u8], off: usize) -> Option<ChunkHeader> {
    Some(ChunkHeader {
        kind: u16_at(d, off)?,
        header_size: u16_at(d, off.checked_add(2)?)?,
        size: u32_at(d, off.checked_add(4)?)?,
    })
}

/// androidfw's `validate_chunk`: header at least `min_header`, header within size, both
/// 4-aligned, and the chunk inside `[off, end)`. Returns a reason on failure.
pub(crate) fn validate_chunk(
    c: &ChunkHeader,
    min_header: usize,
    off: usize,
    end: usize,
) -> Result<(), String> {
    let hs = usize::from(c.header_size);
    let size = c.size as usize;
    if hs < min_header {
        return Err(format!(
            "header size {hs:#x} is smaller than {min_header:#x}"
        ));
    }
    if hs > size {
        return Err(format!("header size {hs:#x} exceeds chunk size {size:#x}"));
    }
    if (hs | size) & 3 != 0 {
        return Err(format!(
            "header size {hs:#x} or size {size:#x} not 4-aligned"
        ));
    }
    if size > end.saturating_sub(off) {
        return Err(format!(
            "chunk size {size:#x} at {off:#x} extends past end {end:#x}"
        ));
    }
    Ok(())
}
