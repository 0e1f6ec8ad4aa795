//! Index-level look-ups: raw method and field ids, and finding strings,
//! types, members and class definitions by name without decoding tables.
//!
//! The searches are binary searches over the id tables, which the DEX format
//! requires to be sorted (strings by content, types by string index, members
//! by class, name and type) and ART's verifier rejects otherwise. On a
//! hostile file with unsorted tables a search may miss an entry; it never
//! panics and never loops.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::ops::Range;

use crate::bytes::{u16_at, u32_at, uleb128_at};
use crate::{ClassDef, Dex};

/// The raw fields of a `method_id_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodId {
    /// Type index of the defining class.
    pub class_idx: u32,
    pub proto_idx: u32,
    /// String index of the name.
    pub name_idx: u32,
}

/// The raw fields of a `field_id_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldId {
    /// Type index of the defining class.
    pub class_idx: u32,
    /// Type index of the field's type.
    pub type_idx: u32,
    /// String index of the name.
    pub name_idx: u32,
}

impl<'a> Dex<'a> {
    /// Raw fields of method id `idx` (no string is decoded).
    #[inline]
    pub fn method_id(&self, idx: u32) -> Option<MethodId> {
        let at = (idx as usize).checked_mul(8)?;
        Some(MethodId {
            class_idx: u32::from(u16_at(self.method_ids, at)?),
            proto_idx: u32::from(u16_at(self.method_ids, at.checked_add(2)?)?),
            name_idx: u32_at(self.method_ids, at.checked_add(4)?)?,
        })
    }

    /// Raw fields of field id `idx` (no string is decoded).
    #[inline]
    pub fn field_id(&self, idx: u32) -> Option<FieldId> {
        let at = (idx as usize).checked_mul(8)?;
        Some(FieldId {
            class_idx: u32::from(u16_at(self.field_ids, at)?),
            type_idx: u32::from(u16_at(self.field_ids, at.checked_add(2)?)?),
            name_idx: u32_at(self.field_ids, at.checked_add(4)?)?,
        })
    }

    /// String index behind type `idx`.
    pub fn type_string_index(&self, idx: u32) -> Option<u32> {
        self.type_string_idx(idx)
    }

    /// Orders string `idx` against `target` by their MUTF-8 bytes, reading
    /// at most `target.len() + 1` bytes of the string. `None` when the
    /// string cannot be located.
    fn cmp_string(&self, idx: u32, target: &[u8]) -> Option<Ordering> {
        let data_off = u32_at(self.string_ids, (idx as usize).checked_mul(4)?)?;
        let (_, start) = uleb128_at(self.bytes(), data_off as usize)?;
        let rest = self.bytes().get(start..)?;
        let window = rest.get(..target.len().saturating_add(1)).unwrap_or(rest);
        let s = match memchr::memchr(0, window) {
            Some(end) => window.get(..end)?,
            // Longer than the target (or cut off by the end of the file):
            // the extra byte makes it order after an equal prefix.
            None => window,
        };
        Some(cmp_mutf8(s, target))
    }

    /// Index of the string equal to `s`, by binary search over the sorted
    /// string table (compared in MUTF-8, in the UTF-16 order the format
    /// sorts by).
    pub fn find_string(&self, s: &str) -> Option<u32> {
        let encoded = to_mutf8(s);
        let target: &[u8] = &encoded;
        let (mut lo, mut hi) = (0u32, self.string_count());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.cmp_string(mid, target)? {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// Index of the type whose descriptor is `descriptor` (`Lcom/foo/Bar;`).
    pub fn find_type(&self, descriptor: &str) -> Option<u32> {
        let string_idx = self.find_string(descriptor)?;
        let (mut lo, mut hi) = (0u32, self.type_count());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.type_string_idx(mid)?.cmp(&string_idx) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// Indexes of the strings that start with `prefix`: a contiguous range,
    /// found by two binary searches over the sorted string table.
    pub fn strings_with_prefix(&self, prefix: &str) -> Range<u32> {
        let encoded = to_mutf8(prefix);
        let prefix: &[u8] = &encoded;
        let n = self.string_count();
        // First string not ordered before the prefix.
        let lo = partition(n, |i| self.cmp_string(i, prefix) == Some(Ordering::Less));
        // First string at or after `lo` that does not start with the prefix.
        let hi = lo + partition(n - lo, |i| self.string_prefix_is(lo + i, prefix));
        lo..hi
    }

    /// Whether string `idx` starts with the MUTF-8 bytes `prefix`.
    fn string_prefix_is(&self, idx: u32, prefix: &[u8]) -> bool {
        let Some(data_off) = (idx as usize)
            .checked_mul(4)
            .and_then(|at| u32_at(self.string_ids, at))
        else {
            return false;
        };
        let Some((_, start)) = uleb128_at(self.bytes(), data_off as usize) else {
            return false;
        };
        self.bytes()
            .get(start..)
            .and_then(|rest| rest.get(..prefix.len()))
            .is_some_and(|head| head == prefix)
    }

    /// Indexes of the types whose descriptor starts with `prefix`
    /// (`Landroid/`): a contiguous range, as types are sorted by string.
    pub fn types_with_prefix(&self, prefix: &str) -> Range<u32> {
        let strings = self.strings_with_prefix(prefix);
        let n = self.type_count();
        let below =
            |bound: u32| partition(n, |t| self.type_string_idx(t).is_some_and(|s| s < bound));
        below(strings.start)..below(strings.end)
    }

    /// Method ids of class type `class_idx` named by string `name_idx`
    /// (every overload), by binary search over the sorted method ids.
    pub fn find_methods(&self, class_idx: u32, name_idx: u32) -> Vec<u32> {
        find_members(self.method_count(), class_idx, name_idx, |i| {
            self.method_id(i).map(|m| (m.class_idx, m.name_idx))
        })
    }

    /// Field ids of class type `class_idx` named by string `name_idx`.
    pub fn find_fields(&self, class_idx: u32, name_idx: u32) -> Vec<u32> {
        find_members(self.field_count(), class_idx, name_idx, |i| {
            self.field_id(i).map(|f| (f.class_idx, f.name_idx))
        })
    }

    /// Class definition at position `index` of the class_defs table
    /// (constant time).
    pub fn class_def(&self, index: u32) -> Option<ClassDef<'a, '_>> {
        self.classes().nth(index as usize)
    }

    /// The class definition of type `class_idx`, if this file defines it
    /// (a linear scan of class_defs; the first definition wins, as in ART).
    pub fn find_class_def(&self, class_idx: u32) -> Option<ClassDef<'a, '_>> {
        let table = self.class_defs;
        let index = (0..self.class_count())
            .find(|&i| u32_at(table, (i as usize).saturating_mul(32)) == Some(class_idx))?;
        self.class_def(index)
    }
}

/// Orders MUTF-8 byte strings by UTF-16 code units. Byte order already
/// agrees except for U+0000, encoded `C0 80`, which sorts first.
fn cmp_mutf8(a: &[u8], b: &[u8]) -> Ordering {
    fn token(s: &[u8], i: usize) -> Option<(u8, usize)> {
        match *s.get(i)? {
            0xc0 if s.get(i + 1) == Some(&0x80) => Some((0, 2)),
            byte => Some((byte, 1)),
        }
    }
    let (mut i, mut j) = (0, 0);
    loop {
        match (token(a, i), token(b, j)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some((x, n)), Some((y, m))) => {
                if x != y {
                    return x.cmp(&y);
                }
                i += n;
                j += m;
            }
        }
    }
}

/// `s` in modified UTF-8: U+0000 as `C0 80`, supplementary characters as
/// two 3-byte surrogates. Borrowed when it is the same as UTF-8.
fn to_mutf8(s: &str) -> Cow<'_, [u8]> {
    if !s.bytes().any(|b| b == 0 || b >= 0xf0) {
        return Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len().saturating_add(8));
    let mut buf = [0u16; 2];
    for c in s.chars() {
        if c == '\0' {
            out.extend_from_slice(&[0xc0, 0x80]);
        } else if u32::from(c) < 0x10000 {
            let mut b = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
        } else {
            for &unit in c.encode_utf16(&mut buf).iter() {
                let u = u32::from(unit);
                out.extend_from_slice(&[
                    (0xe0 | (u >> 12)) as u8,
                    (0x80 | ((u >> 6) & 0x3f)) as u8,
                    (0x80 | (u & 0x3f)) as u8,
                ]);
            }
        }
    }
    Cow::Owned(out)
}

/// Number of leading items of `0..n` for which `pred` holds, when it holds
/// for a prefix of them (a binary search; sound on sorted tables).
fn partition(n: u32, pred: impl Fn(u32) -> bool) -> u32 {
    let (mut lo, mut hi) = (0u32, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Lower-bound binary search for `(class, name)` over `count` sorted ids,
/// then every id with that pair.
fn find_members(
    count: u32,
    class_idx: u32,
    name_idx: u32,
    key: impl Fn(u32) -> Option<(u32, u32)>,
) -> Vec<u32> {
    let want = (class_idx, name_idx);
    let (mut lo, mut hi) = (0u32, count);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match key(mid) {
            Some(k) if k < want => lo = mid + 1,
            Some(_) => hi = mid,
            None => return Vec::new(),
        }
    }
    let mut out = Vec::new();
    let mut i = lo;
    // Overloads of one name are few; the cap only guards hostile tables.
    while i < count && out.len() < 4096 && key(i) == Some(want) {
        out.push(i);
        i += 1;
    }
    out
}
