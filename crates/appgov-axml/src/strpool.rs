//! `ResStringPool`: the string table shared by binary XML and resources.arsc.
//!
//! Strings are decoded lazily (a bank app's global pool holds 100k+ strings, most never
//! needed), with androidfw's acceptance rules: a string whose offset or declared length runs
//! past the pool, that lacks its terminator, or whose UTF-8 form disagrees with its declared
//! UTF-16 length is unreadable (`stringAt` returns NULL on a device).

use crate::anomaly::{Anomalies, AnomalyKind};
use crate::bytes::{u8_at, u16_at, u32_at};

const HEADER_SIZE: usize = 28;
const UTF8_FLAG: u32 = 0x100;

/// Why one string could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrProblem {
    /// Index beyond the pool's string count.
    Index,
    /// Offset or length runs past the pool.
    Bounds,
    /// No terminator at the declared end.
    Terminator,
    /// UTF-8 bytes disagree with the declared UTF-16 length.
    Length,
}

impl StrProblem {
    pub(crate) fn kind(self) -> AnomalyKind {
        match self {
            StrProblem::Index => AnomalyKind::StringIndexInvalid,
            StrProblem::Bounds => AnomalyKind::StringOutOfBounds,
            StrProblem::Terminator => AnomalyKind::StringNotTerminated,
            StrProblem::Length => AnomalyKind::StringLengthMismatch,
        }
    }
}

/// A string pool over an owned copy of its chunk.
#[derive(Debug, Clone, Default)]
pub(crate) struct StringPool {
    data: Vec<u8>,
    count: usize,
    utf8: bool,
    entries_off: usize,
    strings_off: usize,
    /// Size of the string data in code units (androidfw's `mStringPoolSize`).
    pool_units: usize,
}

impl StringPool {
    /// Reads a pool from `chunk` (exactly the chunk's bytes). Problems are recorded; the
    /// returned flag is true when androidfw would reject the whole pool.
    pub(crate) fn parse(chunk: &[u8], an: &mut Anomalies, ctx: &str) -> (StringPool, bool) {
        let mut fatal = false;
        let header_size = u16_at(chunk, 2).map_or(0, usize::from);
        let size = chunk.len();
        if header_size < HEADER_SIZE || header_size > size {
            an.push(
                AnomalyKind::StringPoolHeaderInvalid,
                format!("{ctx}: string pool header size {header_size:#x} invalid (chunk {size:#x} bytes)"),
            );
            return (StringPool::default(), true);
        }
        let declared = u32_at(chunk, 8).unwrap_or(0) as usize;
        let style_count = u32_at(chunk, 12).unwrap_or(0);
        let flags = u32_at(chunk, 16).unwrap_or(0);
        let strings_start = u32_at(chunk, 20).unwrap_or(0) as usize;
        let styles_start = u32_at(chunk, 24).unwrap_or(0) as usize;
        let utf8 = flags & UTF8_FLAG != 0;
        let unit = if utf8 { 1 } else { 2 };

        let room = (size - header_size) / 4;
        let mut count = declared;
        if declared > room {
            an.push(
                AnomalyKind::StringCountExceedsPool,
                format!("{ctx}: string count {declared} but only room for {room} offsets"),
            );
            fatal = true;
            count = room;
        }
        let mut pool = StringPool {
            data: chunk.to_vec(),
            count,
            utf8,
            entries_off: header_size,
            strings_off: 0,
            pool_units: 0,
        };
        if count == 0 {
            return (pool, fatal);
        }
        if strings_start >= size.saturating_sub(2) {
            an.push(
                AnomalyKind::StringPoolOffsetsOutOfRange,
                format!("{ctx}: strings start {strings_start:#x} beyond pool size {size:#x}"),
            );
            pool.count = 0;
            return (pool, true);
        }
        let mut end = size;
        if style_count != 0 {
            if styles_start > strings_start && styles_start < size.saturating_sub(2) {
                end = styles_start;
            } else {
                an.push(
                    AnomalyKind::StringPoolOffsetsOutOfRange,
                    format!(
                        "{ctx}: styles start {styles_start:#x} inconsistent with strings start {strings_start:#x}"
                    ),
                );
                fatal = true;
            }
        }
        pool.strings_off = strings_start;
        pool.pool_units = (end - strings_start) / unit;
        if pool.pool_units == 0 {
            an.push(
                AnomalyKind::StringPoolOffsetsOutOfRange,
                format!("{ctx}: {count} strings but no string data"),
            );
            pool.count = 0;
            return (pool, true);
        }
        if pool.unit_at(pool.pool_units - 1) != Some(0) {
            an.push(
                AnomalyKind::StringPoolNotTerminated,
                format!("{ctx}: last string of the pool is not terminated"),
            );
            fatal = true;
        }
        (pool, fatal)
    }

    /// Number of addressable strings.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    fn unit_at(&self, i: usize) -> Option<u32> {
        if i >= self.pool_units {
            return None;
        }
        if self.utf8 {
            u8_at(&self.data, self.strings_off.checked_add(i)?).map(u32::from)
        } else {
            u16_at(&self.data, self.strings_off.checked_add(i.checked_mul(2)?)?).map(u32::from)
        }
    }

    /// Locates string `idx`: (first unit, length in units, declared UTF-16 length).
    fn locate(&self, idx: u32) -> Result<(usize, usize, usize), StrProblem> {
        let i = idx as usize;
        if i >= self.count {
            return Err(StrProblem::Index);
        }
        let entry = u32_at(&self.data, self.entries_off + i * 4).ok_or(StrProblem::Index)? as usize;
        let mut off = if self.utf8 { entry } else { entry / 2 };
        if off >= self.pool_units.saturating_sub(1) {
            return Err(StrProblem::Bounds);
        }
        let next = |off: &mut usize| -> Result<u32, StrProblem> {
            let v = self.unit_at(*off).ok_or(StrProblem::Bounds)?;
            *off += 1;
            Ok(v)
        };
        let (u16len, len) = if self.utf8 {
            let read_len = |off: &mut usize| -> Result<usize, StrProblem> {
                let first = next(off)?;
                if first & 0x80 != 0 {
                    let second = next(off)?;
                    Ok((((first & 0x7f) << 8) | second) as usize)
                } else {
                    Ok(first as usize)
                }
            };
            let u16len = read_len(&mut off)?;
            let u8len = read_len(&mut off)?;
            (u16len, u8len)
        } else {
            let first = next(&mut off)?;
            let len = if first & 0x8000 != 0 {
                let second = next(&mut off)?;
                (((first & 0x7fff) << 16) | second) as usize
            } else {
                first as usize
            };
            (len, len)
        };
        let end = off.checked_add(len).ok_or(StrProblem::Bounds)?;
        if end >= self.pool_units {
            return Err(StrProblem::Bounds);
        }
        if self.unit_at(end) != Some(0) {
            return Err(StrProblem::Terminator);
        }
        Ok((off, len, u16len))
    }

    /// Byte length string `idx` would occupy (0 if unreadable); used to charge budgets
    /// before decoding.
    pub(crate) fn cost(&self, idx: u32) -> usize {
        match self.locate(idx) {
            Ok((_, len, _)) => len.saturating_mul(if self.utf8 { 1 } else { 2 }),
            Err(_) => 0,
        }
    }

    /// Decodes string `idx` as Android would, or says why it cannot.
    pub(crate) fn get(&self, idx: u32) -> Result<String, StrProblem> {
        let (start, len, u16len) = self.locate(idx)?;
        if self.utf8 {
            let bytes = self
                .data
                .get(self.strings_off + start..self.strings_off + start + len)
                .ok_or(StrProblem::Bounds)?;
            let s = String::from_utf8_lossy(bytes).into_owned();
            if s.encode_utf16().count() != u16len {
                return Err(StrProblem::Length);
            }
            Ok(s)
        } else {
            let bytes = self
                .data
                .get(self.strings_off + start * 2..self.strings_off + (start + len) * 2)
                .ok_or(StrProblem::Bounds)?;
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| {
                    u16::from_le_bytes([
                        c.first().copied().unwrap_or(0),
                        c.get(1).copied().unwrap_or(0),
                    ])
                })
                .collect();
            Ok(String::from_utf16_lossy(&units))
        }
    }

    /// Whether string `idx` equals `want`, without keeping a copy.
    pub(crate) fn eq_at(&self, idx: u32, want: &str) -> bool {
        self.get(idx).is_ok_and(|s| s == want)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a UTF-16 or UTF-8 pool chunk (test helper, also used by other modules' tests).
    pub(crate) fn build_pool(strings: &[&str], utf8: bool) -> Vec<u8> {
        let mut offsets = Vec::new();
        let mut data = Vec::new();
        for s in strings {
            offsets.push(data.len() as u32);
            if utf8 {
                let n16 = s.encode_utf16().count();
                let b = s.as_bytes();
                for n in [n16, b.len()] {
                    if n > 0x7f {
                        data.push(0x80 | (n >> 8) as u8);
                        data.push(n as u8);
                    } else {
                        data.push(n as u8);
                    }
                }
                data.extend_from_slice(b);
                data.push(0);
            } else {
                let u: Vec<u16> = s.encode_utf16().collect();
                data.extend_from_slice(&(u.len() as u16).to_le_bytes());
                for c in u {
                    data.extend_from_slice(&c.to_le_bytes());
                }
                data.extend_from_slice(&[0, 0]);
            }
        }
        while data.len() % 4 != 0 {
            data.push(0);
        }
        let strings_start = 28 + offsets.len() * 4;
        let size = strings_start + data.len();
        let mut out = Vec::new();
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&28u16.to_le_bytes());
        out.extend_from_slice(&(size as u32).to_le_bytes());
        out.extend_from_slice(&(offsets.len() as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(if utf8 { UTF8_FLAG } else { 0 }).to_le_bytes());
        out.extend_from_slice(&(strings_start as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        for o in offsets {
            out.extend_from_slice(&o.to_le_bytes());
        }
        out.extend_from_slice(&data);
        out
    }

    #[test]
    fn utf16_and_utf8_roundtrip() {
        for utf8 in [false, true] {
            let chunk = build_pool(&["manifest", "包名", "", &"x".repeat(300)], utf8);
            let mut an = Anomalies::new(10);
            let (p, fatal) = StringPool::parse(&chunk, &mut an, "t");
            assert!(!fatal);
            assert_eq!(p.len(), 4);
            assert_eq!(p.get(0).as_deref(), Ok("manifest"));
            assert_eq!(p.get(1).as_deref(), Ok("包名"));
            assert_eq!(p.get(2).as_deref(), Ok(""));
            assert_eq!(p.get(3).map(|s| s.len()), Ok(300));
            assert_eq!(p.get(4), Err(StrProblem::Index));
        }
    }

    #[test]
    fn count_lie_is_clamped_and_flagged() {
        let mut chunk = build_pool(&["a", "b"], true);
        chunk[8..12].copy_from_slice(&0x4000_0000u32.to_le_bytes());
        let mut an = Anomalies::new(10);
        let (p, fatal) = StringPool::parse(&chunk, &mut an, "t");
        assert!(fatal);
        assert!(an.has(AnomalyKind::StringCountExceedsPool));
        assert_eq!(p.get(0).as_deref(), Ok("a"));
    }

    #[test]
    fn overlong_string_is_unreadable() {
        let mut chunk = build_pool(&["abc"], true);
        // UTF-8 length byte of the only string: claim 0x7f bytes.
        let start = 28 + 4;
        chunk[start + 1] = 0x7f;
        let mut an = Anomalies::new(10);
        let (p, _) = StringPool::parse(&chunk, &mut an, "t");
        assert_eq!(p.get(0), Err(StrProblem::Bounds));
        // Declared UTF-16 length lie.
        let mut chunk = build_pool(&["abc"], true);
        chunk[start] = 5;
        let (p, _) = StringPool::parse(&chunk, &mut an, "t");
        assert_eq!(p.get(0), Err(StrProblem::Length));
    }
}
