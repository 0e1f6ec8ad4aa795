//! Bounds-checked little-endian reads. Every read returns `None` instead of
//! panicking when the input is too short, so callers turn truncation into
//! anomalies rather than crashes.

#[inline]
pub(crate) fn u16_at(data: &[u8], off: usize) -> Option<u16> {
    let end = off.checked_add(2)?;
    let b = data.get(off..end)?;
    Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
}

#[inline]
pub(crate) fn u32_at(data: &[u8], off: usize) -> Option<u32> {
    let end = off.checked_add(4)?;
    let b: [u8; 4] = data.get(off..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// Reads an unsigned LEB128 value (at most 5 bytes, as DEX only encodes
/// 32-bit values) and returns it with the offset just past it.
#[inline]
pub(crate) fn uleb128_at(data: &[u8], off: usize) -> Option<(u32, usize)> {
    let mut result: u32 = 0;
    let mut pos = off;
    for shift in [0u32, 7, 14, 21, 28] {
        let byte = *data.get(pos)?;
        pos = pos.checked_add(1)?;
        result |= u32::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        if byte & 0x80 == 0 {
            return Some((result, pos));
        }
    }
    // A fifth byte with the continuation bit set is malformed.
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_values() {
        assert_eq!(uleb128_at(&[0x00], 0), Some((0, 1)));
        assert_eq!(uleb128_at(&[0x7f], 0), Some((127, 1)));
        assert_eq!(uleb128_at(&[0x80, 0x7f], 0), Some((16256, 2)));
        assert_eq!(
            uleb128_at(&[0xff, 0xff, 0xff, 0xff, 0x0f], 0),
            Some((u32::MAX, 5))
        );
        assert_eq!(uleb128_at(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01], 0), None);
        assert_eq!(uleb128_at(&[0x80], 0), None);
        assert_eq!(uleb128_at(&[], 0), None);
    }

    #[test]
    fn reads_fail_cleanly_past_end() {
        assert_eq!(u32_at(&[1, 2, 3], 0), None);
        assert_eq!(u32_at(&[1, 2, 3, 4], usize::MAX), None);
        assert_eq!(u16_at(&[1, 2], 0), Some(0x0201));
        assert_eq!(u16_at(&[1, 2], 1), None);
    }
}
