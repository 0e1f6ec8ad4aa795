//! Modified UTF-8 (MUTF-8) as used by DEX string data: like CESU-8, NUL is
//! written as `C0 80` and supplementary characters as two 3-byte surrogates.
//! Decoding is lossy: malformed sequences become U+FFFD and are flagged so
//! the caller can report the anomaly.

use std::borrow::Cow;

/// Result of decoding one MUTF-8 string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    /// Number of UTF-16 code units the bytes encode (compare with the
    /// declared `utf16_size`).
    pub utf16_units: usize,
    /// True when a malformed sequence or unpaired surrogate was replaced.
    pub lossy: bool,
}

/// Decodes MUTF-8 bytes (without the terminating NUL).
///
/// Fast path: pure ASCII and well-formed UTF-8 without 4-byte sequences are
/// identical in MUTF-8, so they are borrowed without copying.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    if bytes.is_ascii() {
        return Decoded {
            text: Cow::Borrowed(ascii_str(bytes)),
            utf16_units: bytes.len(),
            lossy: false,
        };
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        // Standard UTF-8 rejects surrogates and overlong NUL, so only 4-byte
        // sequences differ from MUTF-8; they are readable but not legal DEX.
        let four_byte = bytes.iter().any(|&b| b >= 0xf0);
        return Decoded {
            text: Cow::Borrowed(s),
            utf16_units: s.encode_utf16().count(),
            lossy: four_byte,
        };
    }
    decode_slow(bytes)
}

fn ascii_str(bytes: &[u8]) -> &str {
    // ASCII is always valid UTF-8; the fallback is unreachable in practice.
    std::str::from_utf8(bytes).unwrap_or("")
}

fn decode_slow(bytes: &[u8]) -> Decoded<'static> {
    let mut units: Vec<u16> = Vec::with_capacity(bytes.len());
    let mut lossy = false;
    let mut i = 0usize;
    while let Some(&b0) = bytes.get(i) {
        match b0 {
            0x01..=0x7f => {
                units.push(u16::from(b0));
                i += 1;
            }
            0xc0..=0xdf => match continuation(bytes, i + 1) {
                Some(b1) => {
                    units.push((u16::from(b0 & 0x1f) << 6) | u16::from(b1));
                    i += 2;
                }
                None => {
                    units.push(0xfffd);
                    lossy = true;
                    i += 1;
                }
            },
            0xe0..=0xef => match (continuation(bytes, i + 1), continuation(bytes, i + 2)) {
                (Some(b1), Some(b2)) => {
                    units.push((u16::from(b0 & 0x0f) << 12) | (u16::from(b1) << 6) | u16::from(b2));
                    i += 3;
                }
                _ => {
                    units.push(0xfffd);
                    lossy = true;
                    i += 1;
                }
            },
            // Raw NUL, stray continuation bytes and 4-byte leads are illegal.
            _ => {
                units.push(0xfffd);
                lossy = true;
                i += 1;
            }
        }
    }
    let mut text = String::with_capacity(units.len());
    for ch in char::decode_utf16(units.iter().copied()) {
        match ch {
            Ok(c) => text.push(c),
            Err(_) => {
                lossy = true;
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    Decoded {
        text: Cow::Owned(text),
        utf16_units: units.len(),
        lossy,
    }
}

/// Payload bits of a continuation byte (`10xxxxxx`), if `bytes[i]` is one.
#[inline]
fn continuation(bytes: &[u8], i: usize) -> Option<u8> {
    let b = *bytes.get(i)?;
    (b & 0xc0 == 0x80).then_some(b & 0x3f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_borrowed() {
        let d = decode(b"Lcom/foo/Bar;");
        assert!(matches!(d.text, Cow::Borrowed("Lcom/foo/Bar;")));
        assert_eq!(d.utf16_units, 13);
        assert!(!d.lossy);
    }

    #[test]
    fn encoded_nul() {
        let d = decode(&[b'a', 0xc0, 0x80, b'b']);
        assert_eq!(d.text, "a\0b");
        assert_eq!(d.utf16_units, 3);
        assert!(!d.lossy);
    }

    #[test]
    fn bmp_chinese_is_borrowed() {
        let d = decode("银行".as_bytes());
        assert!(matches!(d.text, Cow::Borrowed("银行")));
        assert_eq!(d.utf16_units, 2);
    }

    #[test]
    fn surrogate_pair_joins() {
        // U+1F600 as CESU-8: D83D DE00 -> ED A0 BD ED B8 80
        let d = decode(&[0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]);
        assert_eq!(d.text, "\u{1f600}");
        assert_eq!(d.utf16_units, 2);
        assert!(!d.lossy);
    }

    #[test]
    fn lone_surrogate_is_lossy() {
        let d = decode(&[b'x', 0xed, 0xa0, 0xbd]);
        assert_eq!(d.text, "x\u{fffd}");
        assert!(d.lossy);
    }

    #[test]
    fn malformed_sequences_are_lossy() {
        for bad in [&[0x80u8][..], &[0xc3], &[0xe4, 0xb8], &[0xff, b'a']] {
            let d = decode(bad);
            assert!(d.lossy, "{bad:02x?}");
            assert!(d.text.contains('\u{fffd}'));
        }
    }

    #[test]
    fn four_byte_utf8_is_flagged() {
        let d = decode("\u{1f600}".as_bytes());
        assert_eq!(d.text, "\u{1f600}");
        assert!(d.lossy);
    }
}
