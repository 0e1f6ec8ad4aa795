//! Printable-string extraction for endpoint discovery in native code.

use crate::read::Reader;

/// Runs of printable text (ASCII or valid UTF-8, no control characters) of
/// at least `min_chars` characters, at most `max_count` of them.
pub fn printable_strings(bytes: &[u8], min_chars: usize, max_count: usize) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in bytes.utf8_chunks() {
        for piece in chunk.valid().split(|c: char| c.is_control() && c != '\t') {
            if out.len() >= max_count {
                return out;
            }
            if piece.chars().nth(min_chars.saturating_sub(1)).is_some() {
                out.push(piece.to_owned());
            }
        }
    }
    out
}

/// Printable strings of the `.rodata` section (where compilers put string
/// literals such as URLs). Falls back to the whole file when the section
/// cannot be found (packed or section-less libraries). Non-ELF input
/// yields nothing.
pub fn rodata_strings(data: &[u8], min_chars: usize, max_count: usize) -> Vec<String> {
    match rodata_range(data) {
        Some(bytes) => printable_strings(bytes, min_chars, max_count),
        None if crate::is_elf(data) => printable_strings(data, min_chars, max_count),
        None => Vec::new(),
    }
}

fn rodata_range(data: &[u8]) -> Option<&[u8]> {
    if !crate::is_elf(data) {
        return None;
    }
    let is64 = *data.get(4)? == 2;
    let little = *data.get(5)? == 1;
    let r = Reader::new(data, is64, little);
    let (shoff, base) = if is64 {
        (r.u64(40)?, 58)
    } else {
        (r.u32w(32)?, 46)
    };
    let shentsize = u64::from(r.u16(base)?);
    let shnum = u64::from(r.u16(base + 2)?);
    let shstrndx = u64::from(r.u16(base + 4)?);
    if shentsize != if is64 { 64 } else { 40 } {
        return None;
    }
    let sh = |i: u64| -> Option<(u32, u64, u64)> {
        let at = usize::try_from(shoff.checked_add(i.checked_mul(shentsize)?)?).ok()?;
        at.checked_add(64)?;
        if is64 {
            Some((r.u32(at)?, r.u64(at + 24)?, r.u64(at + 32)?))
        } else {
            Some((r.u32(at)?, r.u32w(at + 16)?, r.u32w(at + 20)?))
        }
    };
    let (_, str_off, str_size) = sh(shstrndx)?;
    let max = (data.len() as u64 / shentsize.max(1)).min(shnum);
    for i in 0..max {
        let (name, off, size) = sh(i)?;
        if r.cstr_in(str_off, str_size, u64::from(name), 64).as_deref() == Some(".rodata") {
            let start = usize::try_from(off).ok()?;
            let end = usize::try_from(off.checked_add(size)?)
                .ok()?
                .min(data.len());
            return data.get(start..end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_caps() {
        let data = b"\0\x01https://bank.example.cn/api\0ab\0\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c\xe9\x93\xb6\xe8\xa1\x8c\0\xff\xfeshort\0";
        let s = printable_strings(data, 6, 10);
        assert_eq!(s, ["https://bank.example.cn/api", "你好世界银行"]);
        assert_eq!(printable_strings(data, 6, 1).len(), 1);
        assert!(rodata_strings(b"not elf", 1, 10).is_empty());
    }
}
