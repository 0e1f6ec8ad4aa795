//! X.509 certificate facts, parsed tolerantly from the original bytes.
//!
//! One model for every scheme; fingerprints are over the bytes exactly as they
//! appear in the package because that is the identity Android and MIIT filings use.

use crate::crypto::{HashAlg, PublicKey};
use crate::der::{self, TAG_INTEGER, TAG_OID, TAG_SEQUENCE};
use serde::Serialize;

/// What we know about one signing certificate.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Subject DN, most-specific RDN first, `", "`-separated (as `apksigner` prints it).
    pub subject: String,
    pub issuer: String,
    /// Serial number as lowercase hex of its two's-complement bytes.
    pub serial: String,
    /// RFC 3339 UTC; empty when the validity could not be decoded.
    pub not_before: String,
    pub not_after: String,
    /// "RSA", "EC", "DSA" or the key OID.
    pub key_algorithm: String,
    pub key_bits: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_curve: Option<String>,
    /// e.g. "SHA256withRSA"; the OID when unknown.
    pub signature_algorithm: String,
    pub md5: String,
    pub sha1: String,
    pub sha256: String,
    /// SHA-256 of the SubjectPublicKeyInfo (the key identity `apksigner` also prints).
    pub public_key_sha256: String,
    /// The Android SDK debug certificate (`CN=Android Debug, O=Android, C=US`).
    pub debug: bool,
    /// Issuer and subject names are identical.
    pub self_signed: bool,
    /// Non-fatal decoding problems (the certificate is still listed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parse_warnings: Vec<String>,
}

/// A parsed certificate: facts plus what verification needs.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub der: Vec<u8>,
    pub info: CertificateInfo,
    pub spki: Vec<u8>,
    pub public_key: Option<PublicKey>,
    /// Raw issuer Name and serial INTEGER content (PKCS#7 signer matching).
    pub issuer_raw: Vec<u8>,
    pub serial_raw: Vec<u8>,
}

impl Certificate {
    /// Parses as much as possible; never fails for a non-empty input (a wholly
    /// unparseable certificate is still fingerprinted, with warnings).
    pub fn parse(bytes: &[u8]) -> Certificate {
        let mut warnings = Vec::new();
        let mut info = CertificateInfo {
            subject: String::new(),
            issuer: String::new(),
            serial: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            key_algorithm: String::new(),
            key_bits: None,
            key_curve: None,
            signature_algorithm: String::new(),
            md5: der::hex(&HashAlg::Md5.digest(bytes)),
            sha1: der::hex(&HashAlg::Sha1.digest(bytes)),
            sha256: der::hex(&HashAlg::Sha256.digest(bytes)),
            public_key_sha256: String::new(),
            debug: false,
            self_signed: false,
            parse_warnings: Vec::new(),
        };
        let mut cert = Certificate {
            der: bytes.to_vec(),
            info: info.clone(),
            spki: Vec::new(),
            public_key: None,
            issuer_raw: Vec::new(),
            serial_raw: Vec::new(),
        };
        if let Err(e) = parse_into(bytes, &mut cert, &mut info) {
            warnings.push(format!("certificate not fully decoded: {e}"));
        }
        info.debug = info.subject == "CN=Android Debug, O=Android, C=US";
        info.parse_warnings = warnings;
        cert.info = info;
        cert
    }
}

fn parse_into(
    bytes: &[u8],
    cert: &mut Certificate,
    info: &mut CertificateInfo,
) -> Result<(), der::DerError> {
    let (outer, _) = der::expect(bytes, TAG_SEQUENCE)?;
    let (tbs, rest) = der::expect(outer.content, TAG_SEQUENCE)?;
    if let Ok((alg, _)) = der::expect(rest, TAG_SEQUENCE)
        && let Ok((oid, _)) = der::expect(alg.content, TAG_OID)
    {
        info.signature_algorithm = sig_alg_name(&der::oid_string(oid.content));
    }
    let mut cur = tbs.content;
    let (first, r) = der::read_tlv(cur)?;
    if first.tag == 0xa0 {
        cur = r;
    }
    let (serial, r) = der::expect(cur, TAG_INTEGER)?;
    info.serial = der::hex(serial.content);
    cert.serial_raw = serial.content.to_vec();
    let (_sig, r) = der::expect(r, TAG_SEQUENCE)?;
    let (issuer, r) = der::expect(r, TAG_SEQUENCE)?;
    cert.issuer_raw = issuer.raw.to_vec();
    info.issuer = name_string(issuer.content);
    let (validity, r) = der::expect(r, TAG_SEQUENCE)?;
    let (nb, vr) = der::read_tlv(validity.content)?;
    info.not_before = time_string(&nb);
    if let Ok((na, _)) = der::read_tlv(vr) {
        info.not_after = time_string(&na);
    }
    let (subject, r) = der::expect(r, TAG_SEQUENCE)?;
    info.subject = name_string(subject.content);
    info.self_signed = subject.content == issuer.content;
    let (spki, _) = der::expect(r, TAG_SEQUENCE)?;
    cert.spki = spki.raw.to_vec();
    info.public_key_sha256 = der::hex(&HashAlg::Sha256.digest(spki.raw));
    match PublicKey::from_spki(spki.raw) {
        Ok(k) => {
            info.key_algorithm = k.algorithm();
            info.key_bits = k.bits();
            info.key_curve = k.curve_name().map(str::to_string);
            cert.public_key = Some(k);
        }
        Err(e) => info.parse_warnings.push(format!("public key: {e}")),
    }
    Ok(())
}

/// Java-style signature algorithm names for the common OIDs.
pub fn sig_alg_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.4" => "MD5withRSA",
        "1.2.840.113549.1.1.5" => "SHA1withRSA",
        "1.2.840.113549.1.1.14" => "SHA224withRSA",
        "1.2.840.113549.1.1.11" => "SHA256withRSA",
        "1.2.840.113549.1.1.12" => "SHA384withRSA",
        "1.2.840.113549.1.1.13" => "SHA512withRSA",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.10045.4.1" => "SHA1withECDSA",
        "1.2.840.10045.4.3.1" => "SHA224withECDSA",
        "1.2.840.10045.4.3.2" => "SHA256withECDSA",
        "1.2.840.10045.4.3.3" => "SHA384withECDSA",
        "1.2.840.10045.4.3.4" => "SHA512withECDSA",
        "1.2.840.10040.4.3" => "SHA1withDSA",
        "2.16.840.1.101.3.4.3.1" => "SHA224withDSA",
        "2.16.840.1.101.3.4.3.2" => "SHA256withDSA",
        other => return other.to_string(),
    }
    .to_string()
}

fn attr_keyword(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.12" => "T",
        "2.5.4.42" => "GIVENNAME",
        "2.5.4.4" => "SURNAME",
        "2.5.4.43" => "INITIALS",
        "2.5.4.46" => "DNQUALIFIER",
        "1.2.840.113549.1.9.1" => "EMAILADDRESS",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => return None,
    })
}

/// Most RDNs we render; beyond that the DN is cut with "…".
const MAX_RDNS: usize = 64;

/// Renders a Name most-specific first (Java `X500Principal.toString` order).
pub fn name_string(content: &[u8]) -> String {
    let mut rdns: Vec<String> = Vec::new();
    for rdn in der::children(content).take(MAX_RDNS) {
        let Ok(rdn) = rdn else { break };
        let mut parts = Vec::new();
        for atv in der::children(rdn.content).take(16) {
            let Ok(atv) = atv else { break };
            let Ok((oid, rest)) = der::expect(atv.content, TAG_OID) else {
                continue;
            };
            let oid = der::oid_string(oid.content);
            let Ok((val, _)) = der::read_tlv(rest) else {
                continue;
            };
            let key = attr_keyword(&oid).map_or_else(|| format!("OID.{oid}"), str::to_string);
            let value = match decode_string(&val) {
                Some(s) => quote_value(&s),
                None => format!("#{}", der::hex(val.raw)),
            };
            parts.push(format!("{key}={value}"));
        }
        rdns.push(parts.join(" + "));
    }
    rdns.reverse();
    rdns.join(", ")
}

fn quote_value(s: &str) -> String {
    let needs = s.is_empty()
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.starts_with('#')
        || s.chars().any(|c| ",+=\"\\<>;".contains(c));
    if needs {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        s.to_string()
    }
}

/// Decodes the directory-string types, keeping non-ASCII (Chinese) readable.
pub fn decode_string(t: &der::Tlv<'_>) -> Option<String> {
    match t.tag {
        der::TAG_UTF8 | der::TAG_PRINTABLE | der::TAG_IA5 | 0x1a | 0x12 => {
            Some(String::from_utf8_lossy(t.content).into_owned())
        }
        // T61: in practice Latin-1 or UTF-8.
        der::TAG_T61 => Some(match std::str::from_utf8(t.content) {
            Ok(s) => s.to_string(),
            Err(_) => t.content.iter().map(|&b| char::from(b)).collect(),
        }),
        der::TAG_BMP => {
            let units: Vec<u16> = t
                .content
                .chunks_exact(2)
                .map(|c| {
                    u16::from_be_bytes([
                        c.first().copied().unwrap_or(0),
                        c.get(1).copied().unwrap_or(0),
                    ])
                })
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        der::TAG_UNIVERSAL => Some(
            t.content
                .chunks_exact(4)
                .map(|c| {
                    let v = c.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b));
                    char::from_u32(v).unwrap_or('\u{fffd}')
                })
                .collect(),
        ),
        _ => None,
    }
}

/// RFC 3339 form of UTCTime/GeneralizedTime (UTC "Z" forms; others best effort).
pub fn time_string(t: &der::Tlv<'_>) -> String {
    let s = String::from_utf8_lossy(t.content);
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    let (year, rest) = match t.tag {
        der::TAG_UTC_TIME if digits.len() >= 10 => {
            let yy: u32 = digits.get(..2).and_then(|v| v.parse().ok()).unwrap_or(0);
            let y = if yy >= 50 { 1900 + yy } else { 2000 + yy };
            (y, digits.get(2..).unwrap_or_default())
        }
        der::TAG_GENERALIZED_TIME if digits.len() >= 12 => (
            digits.get(..4).and_then(|v| v.parse().ok()).unwrap_or(0),
            digits.get(4..).unwrap_or_default(),
        ),
        _ => return s.into_owned(),
    };
    let f = |a: usize| rest.get(a..a + 2).unwrap_or("00");
    format!(
        "{year:04}-{}-{}T{}:{}:{}Z",
        f(0),
        f(2),
        f(4),
        f(6),
        if rest.len() >= 10 { f(8) } else { "00" }
    )
}

/// Serial number and issuer of a certificate as PKCS#7 names its signer.
pub fn issuer_serial_matches(cert: &Certificate, issuer_raw: &[u8], serial: &[u8]) -> bool {
    // Java compares X500Principals canonically (string type and case
    // insensitive), and signers often re-encode UTF8String as PrintableString.
    der::unsigned_int(&cert.serial_raw) == der::unsigned_int(serial)
        && (strip_header(&cert.issuer_raw) == strip_header(issuer_raw)
            || name_string(strip_header(&cert.issuer_raw))
                .eq_ignore_ascii_case(&name_string(strip_header(issuer_raw))))
}

fn strip_header(raw: &[u8]) -> &[u8] {
    der::read_tlv(raw).map(|(t, _)| t.content).unwrap_or(raw)
}
