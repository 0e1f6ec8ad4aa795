//! A tolerant BER/DER TLV walker.
//!
//! Real JAR signature blocks and some certificates are BER (indefinite or
//! non-minimal lengths) which strict DER decoders reject, while Android accepts
//! them. Walking TLVs ourselves keeps the original bytes (fingerprints are over
//! them) and lets every length be checked against the bytes actually present.

/// Deepest nesting we follow; real certificates and PKCS#7 stay well below.
pub const MAX_DEPTH: usize = 48;

/// One tag-length-value element borrowed from the input.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// Identifier octet (class, constructed bit and low tag number).
    pub tag: u8,
    /// Content octets (for indefinite lengths: up to, not including, the end-of-contents).
    pub content: &'a [u8],
    /// The whole element including header (and end-of-contents if indefinite).
    pub raw: &'a [u8],
}

pub const TAG_INTEGER: u8 = 0x02;
pub const TAG_BIT_STRING: u8 = 0x03;
pub const TAG_OCTET_STRING: u8 = 0x04;
pub const TAG_NULL: u8 = 0x05;
pub const TAG_OID: u8 = 0x06;
pub const TAG_UTF8: u8 = 0x0c;
pub const TAG_PRINTABLE: u8 = 0x13;
pub const TAG_T61: u8 = 0x14;
pub const TAG_IA5: u8 = 0x16;
pub const TAG_UTC_TIME: u8 = 0x17;
pub const TAG_GENERALIZED_TIME: u8 = 0x18;
pub const TAG_UNIVERSAL: u8 = 0x1c;
pub const TAG_BMP: u8 = 0x1e;
pub const TAG_SEQUENCE: u8 = 0x30;
pub const TAG_SET: u8 = 0x31;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DerError {
    #[error("truncated ASN.1 element")]
    Truncated,
    #[error("ASN.1 nesting deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("unsupported ASN.1 encoding: {0}")]
    Unsupported(&'static str),
    #[error("unexpected ASN.1 tag 0x{found:02x} (wanted 0x{wanted:02x})")]
    UnexpectedTag { wanted: u8, found: u8 },
}

/// Reads one element from the start of `input`; returns it and the rest.
pub fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), DerError> {
    read_tlv_depth(input, 0)
}

fn read_tlv_depth(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), DerError> {
    if depth > MAX_DEPTH {
        return Err(DerError::TooDeep);
    }
    let tag = *input.first().ok_or(DerError::Truncated)?;
    if tag & 0x1f == 0x1f {
        return Err(DerError::Unsupported("high tag number"));
    }
    let first_len = *input.get(1).ok_or(DerError::Truncated)?;
    let mut pos = 2usize;
    if first_len == 0x80 {
        if tag & 0x20 == 0 {
            return Err(DerError::Unsupported("indefinite length on primitive"));
        }
        // Indefinite: walk children until the end-of-contents octets.
        let body = input.get(pos..).ok_or(DerError::Truncated)?;
        let mut rest = body;
        loop {
            if rest.len() >= 2 && rest.first() == Some(&0) && rest.get(1) == Some(&0) {
                let content_len = body.len() - rest.len();
                let content = body.get(..content_len).ok_or(DerError::Truncated)?;
                let total = pos + content_len + 2;
                let raw = input.get(..total).ok_or(DerError::Truncated)?;
                let after = input.get(total..).ok_or(DerError::Truncated)?;
                return Ok((Tlv { tag, content, raw }, after));
            }
            if rest.is_empty() {
                return Err(DerError::Truncated);
            }
            let (_, r) = read_tlv_depth(rest, depth + 1)?;
            rest = r;
        }
    }
    let len: usize = if first_len & 0x80 == 0 {
        usize::from(first_len)
    } else {
        let n = usize::from(first_len & 0x7f);
        if n > 4 {
            return Err(DerError::Unsupported("length over 4 bytes"));
        }
        let mut v: usize = 0;
        for _ in 0..n {
            let b = *input.get(pos).ok_or(DerError::Truncated)?;
            v = (v << 8) | usize::from(b);
            pos += 1;
        }
        v
    };
    let end = pos.checked_add(len).ok_or(DerError::Truncated)?;
    let content = input.get(pos..end).ok_or(DerError::Truncated)?;
    let raw = input.get(..end).ok_or(DerError::Truncated)?;
    let after = input.get(end..).ok_or(DerError::Truncated)?;
    Ok((Tlv { tag, content, raw }, after))
}

/// Reads one element and checks its tag.
pub fn expect(input: &[u8], tag: u8) -> Result<(Tlv<'_>, &[u8]), DerError> {
    let (t, rest) = read_tlv(input)?;
    if t.tag != tag {
        return Err(DerError::UnexpectedTag {
            wanted: tag,
            found: t.tag,
        });
    }
    Ok((t, rest))
}

/// Iterates the children of a constructed element's content.
pub struct Children<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Tlv<'a>, DerError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        match read_tlv(self.rest) {
            Ok((t, r)) => {
                self.rest = r;
                Some(Ok(t))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

pub fn children(content: &[u8]) -> Children<'_> {
    Children {
        rest: content,
        failed: false,
    }
}

/// Collects children, bounded by `max`.
pub fn child_vec(content: &[u8], max: usize) -> Result<Vec<Tlv<'_>>, DerError> {
    let mut out = Vec::new();
    for c in children(content) {
        if out.len() >= max {
            return Err(DerError::Unsupported("too many elements"));
        }
        out.push(c?);
    }
    Ok(out)
}

/// Dotted-decimal form of an OBJECT IDENTIFIER's content.
pub fn oid_string(content: &[u8]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut v: u64 = 0;
    let mut first = true;
    for &b in content {
        if v > (u64::MAX >> 8) {
            return format!("invalid-oid-{}", hex(content));
        }
        v = (v << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if first {
                let (a, c) = if v < 40 {
                    (0, v)
                } else if v < 80 {
                    (1, v - 40)
                } else {
                    (2, v - 80)
                };
                parts.push(a.to_string());
                parts.push(c.to_string());
                first = false;
            } else {
                parts.push(v.to_string());
            }
            v = 0;
        }
    }
    parts.join(".")
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Unsigned big-endian magnitude of an INTEGER's content (leading zeros stripped).
pub fn unsigned_int(content: &[u8]) -> &[u8] {
    let mut c = content;
    while c.len() > 1 && c.first() == Some(&0) {
        c = c.get(1..).unwrap_or_default();
    }
    c
}

/// Number of significant bits in a big-endian magnitude.
pub fn bit_len(magnitude: &[u8]) -> u32 {
    let m = unsigned_int(magnitude);
    match m.first() {
        None | Some(0) => 0,
        Some(&b) => {
            let lead = 8 - b.leading_zeros();
            lead + 8 * u32::try_from(m.len().saturating_sub(1)).unwrap_or(u32::MAX / 16)
        }
    }
}

/// Content of a BIT STRING without its unused-bits octet.
pub fn bit_string_bytes(content: &[u8]) -> &[u8] {
    content.get(1..).unwrap_or_default()
}

/// Octet-string content, concatenating BER constructed segments (bounded depth).
pub fn octet_string_value(t: &Tlv<'_>) -> Vec<u8> {
    fn collect(t: &Tlv<'_>, out: &mut Vec<u8>, depth: usize) {
        if t.tag & 0x20 == 0 {
            out.extend_from_slice(t.content);
            return;
        }
        if depth > 8 {
            return;
        }
        for c in children(t.content).flatten() {
            collect(&c, out, depth + 1);
        }
    }
    let mut out = Vec::new();
    collect(t, &mut out, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_and_indefinite() {
        let der = [0x30, 0x03, 0x02, 0x01, 0x05, 0xff];
        let (t, rest) = read_tlv(&der).unwrap();
        assert_eq!(t.tag, 0x30);
        assert_eq!(t.content, &[0x02, 0x01, 0x05]);
        assert_eq!(rest, &[0xff]);
        let ber = [0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0xaa];
        let (t, rest) = read_tlv(&ber).unwrap();
        assert_eq!(t.content, &[0x02, 0x01, 0x05]);
        assert_eq!(t.raw.len(), 7);
        assert_eq!(rest, &[0xaa]);
    }

    #[test]
    fn hostile_lengths() {
        assert!(read_tlv(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(read_tlv(&[0x30, 0x80, 0x30, 0x80]).is_err());
        let mut deep = Vec::new();
        for _ in 0..100 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        assert!(read_tlv(&deep).is_err());
    }

    #[test]
    fn oids() {
        assert_eq!(
            oid_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]),
            "1.2.840.113549.1.1.11"
        );
        assert_eq!(bit_len(&[0x00, 0x80, 0x00]), 16);
    }
}
