//! APK Signature Scheme v2, v3 and v3.1 signers: parsing and verification.
//!
//! Behaviour follows Android's verifier: every signature with a supported
//! algorithm must verify over the signed data, the first certificate must carry
//! the signer's public key, the algorithm lists in signatures and digests must
//! agree, and every content digest must match the package bytes.

use crate::cert::Certificate;
use crate::crypto::{self, HashAlg, SigKind};
use crate::der;
use serde::Serialize;

pub const ATTR_STRIPPING_PROTECTION: u32 = 0xbeef_f00d;
pub const ATTR_PROOF_OF_ROTATION: u32 = 0x3ba0_6f8c;
pub const ATTR_ROTATION_MIN_SDK: u32 = 0x559f_8b02;
pub const ATTR_ROTATION_ON_DEV_RELEASE: u32 = 0xc2a6_b3ba;

/// Most digests / certificates / attributes we accept per record.
const MAX_ITEMS: usize = 256;
/// Most signers per block, signatures per signer and lineage nodes: each one
/// costs a public-key operation, so hostile input must not multiply them.
const MAX_SIGNERS: usize = 16;
const MAX_SIGNATURES: usize = 16;
const MAX_LINEAGE: usize = 32;

/// A little-endian, length-checked cursor over a byte slice.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    pub fn u32(&mut self) -> Result<u32, String> {
        let b = self.data.get(..4).ok_or("truncated u32")?;
        let v = u32::from_le_bytes([
            b.first().copied().unwrap_or(0),
            b.get(1).copied().unwrap_or(0),
            b.get(2).copied().unwrap_or(0),
            b.get(3).copied().unwrap_or(0),
        ]);
        self.data = self.data.get(4..).unwrap_or_default();
        Ok(v)
    }
    /// A u32-length-prefixed slice; the length must fit in what remains.
    pub fn prefixed(&mut self) -> Result<&'a [u8], String> {
        let len = self.u32()? as usize;
        if len > self.data.len() {
            return Err(format!(
                "length-prefixed field of {len} bytes exceeds the {} remaining",
                self.data.len()
            ));
        }
        let (a, b) = self.data.split_at(len);
        self.data = b;
        Ok(a)
    }
    /// All length-prefixed items of a sequence, bounded.
    pub fn items(mut self) -> Result<Vec<&'a [u8]>, String> {
        let mut out = Vec::new();
        while !self.is_empty() {
            if out.len() >= MAX_ITEMS {
                return Err(format!("more than {MAX_ITEMS} items"));
            }
            out.push(self.prefixed()?);
        }
        Ok(out)
    }
}

/// Signature algorithm IDs of the v2+ schemes.
pub fn sig_kind(id: u32) -> Option<SigKind> {
    Some(match id {
        0x0101 => SigKind::RsaPss(HashAlg::Sha256),
        0x0102 => SigKind::RsaPss(HashAlg::Sha512),
        0x0103 | 0x0421 => SigKind::RsaPkcs1(HashAlg::Sha256),
        0x0104 => SigKind::RsaPkcs1(HashAlg::Sha512),
        0x0201 | 0x0423 => SigKind::Ecdsa(HashAlg::Sha256),
        0x0202 => SigKind::Ecdsa(HashAlg::Sha512),
        0x0301 | 0x0425 => SigKind::Dsa(HashAlg::Sha256),
        _ => return None,
    })
}

pub fn alg_name(id: u32) -> String {
    match id {
        0x0101 => "RSASSA-PSS-SHA256".into(),
        0x0102 => "RSASSA-PSS-SHA512".into(),
        0x0103 => "RSASSA-PKCS1-v1_5-SHA256".into(),
        0x0104 => "RSASSA-PKCS1-v1_5-SHA512".into(),
        0x0201 => "ECDSA-SHA256".into(),
        0x0202 => "ECDSA-SHA512".into(),
        0x0301 => "DSA-SHA256".into(),
        0x0421 => "VERITY-RSASSA-PKCS1-v1_5-SHA256".into(),
        0x0423 => "VERITY-ECDSA-SHA256".into(),
        0x0425 => "VERITY-DSA-SHA256".into(),
        other => format!("unknown-0x{other:04x}"),
    }
}

/// Content digest computed for a signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContentDigest {
    ChunkedSha256,
    ChunkedSha512,
    VeritySha256,
}

pub fn content_digest(id: u32) -> Option<ContentDigest> {
    Some(match id {
        0x0101 | 0x0103 | 0x0201 | 0x0301 => ContentDigest::ChunkedSha256,
        0x0102 | 0x0104 | 0x0202 => ContentDigest::ChunkedSha512,
        0x0421 | 0x0423 | 0x0425 => ContentDigest::VeritySha256,
        _ => return None,
    })
}

/// One parsed signer of a v2/v3/v3.1 block.
#[derive(Debug, Clone)]
pub struct ParsedSigner {
    pub signed_data: Vec<u8>,
    pub digests: Vec<(u32, Vec<u8>)>,
    pub certificates: Vec<Certificate>,
    pub attributes: Vec<(u32, Vec<u8>)>,
    /// v3: min/max SDK outside and inside the signed data.
    pub sdk_outer: Option<(u32, u32)>,
    pub sdk_signed: Option<(u32, u32)>,
    pub signatures: Vec<(u32, Vec<u8>)>,
    pub public_key: Vec<u8>,
}

/// Parses the value of a v2 (`v3 == false`) or v3/v3.1 block into signers.
pub fn parse_signers(value: &[u8], v3: bool) -> Result<Vec<Result<ParsedSigner, String>>, String> {
    let mut r = Reader::new(value);
    let signers = r.prefixed()?;
    let items = Reader::new(signers).items()?;
    if items.is_empty() {
        return Err("no signers".into());
    }
    if items.len() > MAX_SIGNERS {
        return Err(format!("{} signers (more than {MAX_SIGNERS})", items.len()));
    }
    Ok(items.into_iter().map(|s| parse_signer(s, v3)).collect())
}

fn parse_signer(bytes: &[u8], v3: bool) -> Result<ParsedSigner, String> {
    let mut r = Reader::new(bytes);
    let signed_data = r.prefixed()?;
    let sdk_outer = if v3 { Some((r.u32()?, r.u32()?)) } else { None };
    let signatures = r.prefixed()?;
    let public_key = r.prefixed()?;

    let mut sd = Reader::new(signed_data);
    let digests = sd.prefixed()?;
    let certs = sd.prefixed()?;
    let sdk_signed = if v3 {
        Some((sd.u32()?, sd.u32()?))
    } else {
        None
    };
    let attrs = sd.prefixed()?;

    let mut out = ParsedSigner {
        signed_data: signed_data.to_vec(),
        digests: Vec::new(),
        certificates: Vec::new(),
        attributes: Vec::new(),
        sdk_outer,
        sdk_signed,
        signatures: Vec::new(),
        public_key: public_key.to_vec(),
    };
    for d in Reader::new(digests).items()? {
        let mut dr = Reader::new(d);
        let alg = dr.u32()?;
        out.digests.push((alg, dr.prefixed()?.to_vec()));
    }
    for c in Reader::new(certs).items()? {
        out.certificates.push(Certificate::parse(c));
    }
    for a in Reader::new(attrs).items()? {
        let mut ar = Reader::new(a);
        let id = ar.u32()?;
        out.attributes
            .push((id, a.get(4..).unwrap_or_default().to_vec()));
    }
    let sigs = Reader::new(signatures).items()?;
    if sigs.len() > MAX_SIGNATURES {
        return Err(format!(
            "{} signatures (more than {MAX_SIGNATURES})",
            sigs.len()
        ));
    }
    for s in sigs {
        let mut sr = Reader::new(s);
        let alg = sr.u32()?;
        out.signatures.push((alg, sr.prefixed()?.to_vec()));
    }
    Ok(out)
}

impl ParsedSigner {
    pub fn attribute(&self, id: u32) -> Option<&[u8]> {
        self.attributes
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, v)| v.as_slice())
    }

    /// Checks everything except content digests; returns errors and warnings.
    pub fn check(&self) -> (Vec<String>, Vec<String>) {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let key = match crypto::PublicKey::from_spki(&self.public_key) {
            Ok(k) => Some(k),
            Err(e) => {
                errors.push(format!("malformed public key: {e}"));
                None
            }
        };
        if self.signatures.is_empty() {
            errors.push("no signatures".into());
        }
        let mut supported = 0;
        for (alg, sig) in &self.signatures {
            let Some(kind) = sig_kind(*alg) else {
                warnings.push(format!("unknown signature algorithm 0x{alg:04x} ignored"));
                continue;
            };
            supported += 1;
            if let Some(k) = &key
                && let Err(e) = crypto::verify(k, kind, &self.signed_data, sig)
            {
                errors.push(format!(
                    "{} signature over signed data: {e}",
                    alg_name(*alg)
                ));
            }
        }
        if supported == 0 && !self.signatures.is_empty() {
            errors.push("no signatures with a supported algorithm".into());
        }
        match self.certificates.first() {
            None => errors.push("no certificates listed".into()),
            Some(c) => {
                if c.spki != self.public_key {
                    errors.push(
                        "public key of the first certificate differs from the signer's public key"
                            .into(),
                    );
                }
            }
        }
        let sig_algs: Vec<u32> = self.signatures.iter().map(|s| s.0).collect();
        let dig_algs: Vec<u32> = self.digests.iter().map(|d| d.0).collect();
        if sig_algs != dig_algs {
            errors.push(
                "signature algorithms differ between the signatures and digests records".into(),
            );
        }
        if self.sdk_outer != self.sdk_signed {
            errors.push("min/max SDK differ between signed data and signer record".into());
        }
        (errors, warnings)
    }

    /// The signer's certificate SHA-256 hex, if any.
    pub fn cert_sha256(&self) -> Option<String> {
        self.certificates.first().map(|c| c.info.sha256.clone())
    }
}

/// One proof-of-rotation node.
#[derive(Debug, Clone, Serialize)]
pub struct LineageNode {
    pub certificate_sha256: String,
    /// Capability flags granted to this (older) key.
    pub flags: Vec<String>,
    pub flags_raw: u32,
    /// Algorithm the previous key used to sign this node (none for the first).
    pub signed_by_algorithm: Option<String>,
    /// Whether the signature by the previous key over this node verifies
    /// (`None` for the first node).
    pub signature_ok: Option<bool>,
}

/// Parses and verifies a proof-of-rotation struct; returns nodes with their
/// certificates, and errors.
pub fn parse_lineage(value: &[u8]) -> (Vec<(LineageNode, Certificate)>, Vec<String>) {
    let mut errors = Vec::new();
    let mut out: Vec<(LineageNode, Certificate)> = Vec::new();
    let mut r = Reader::new(value);
    match r.u32() {
        Ok(1) => {}
        Ok(v) => {
            errors.push(format!("unsupported lineage version {v}"));
            return (out, errors);
        }
        Err(e) => {
            errors.push(format!("lineage: {e}"));
            return (out, errors);
        }
    }
    let nodes = match r.items() {
        Ok(n) => n,
        Err(e) => {
            errors.push(format!("lineage: {e}"));
            return (out, errors);
        }
    };
    let mut last_sig_alg: Option<u32> = None;
    for (i, node) in nodes.into_iter().enumerate() {
        let parsed = (|| -> Result<_, String> {
            let mut nr = Reader::new(node);
            let signed = nr.prefixed()?;
            let flags = nr.u32()?;
            let sig_alg = nr.u32()?;
            let sig = nr.prefixed()?;
            let mut sr = Reader::new(signed);
            let cert = sr.prefixed()?;
            let signed_sig_alg = sr.u32()?;
            Ok((signed, flags, sig_alg, sig, cert, signed_sig_alg))
        })();
        let (signed, flags, sig_alg, sig, cert_bytes, signed_sig_alg) = match parsed {
            Ok(p) => p,
            Err(e) => {
                errors.push(format!("lineage node #{}: {e}", i + 1));
                break;
            }
        };
        let cert = Certificate::parse(cert_bytes);
        let mut signature_ok = None;
        if let Some((_, prev)) = out.last() {
            // The previous node names the algorithm its key signs the next
            // node with; this node repeats it inside its signed data.
            let used = last_sig_alg.unwrap_or(signed_sig_alg);
            let ok = match (sig_kind(used), &prev.public_key) {
                (Some(kind), Some(k)) => crypto::verify(k, kind, signed, sig).is_ok(),
                _ => false,
            };
            if !ok {
                errors.push(format!(
                    "lineage node #{}: signature by the previous certificate does not verify",
                    i + 1
                ));
            }
            if last_sig_alg != Some(signed_sig_alg) {
                errors.push(format!(
                    "lineage node #{}: signing algorithm ID mismatch",
                    i + 1
                ));
            }
            signature_ok = Some(ok);
        }
        last_sig_alg = Some(sig_alg);
        let node = LineageNode {
            certificate_sha256: cert.info.sha256.clone(),
            flags: flag_names(flags),
            flags_raw: flags,
            signed_by_algorithm: signature_ok.map(|_| alg_name(signed_sig_alg)),
            signature_ok,
        };
        if out.len() >= MAX_LINEAGE {
            errors.push("lineage too long".into());
            break;
        }
        out.push((node, cert));
    }
    (out, errors)
}

fn flag_names(flags: u32) -> Vec<String> {
    let names = [
        (1, "installed_data"),
        (2, "shared_uid"),
        (4, "permission"),
        (8, "rollback"),
        (16, "auth"),
    ];
    names
        .iter()
        .filter(|(b, _)| flags & b != 0)
        .map(|(_, n)| (*n).to_string())
        .collect()
}

/// Hex helper for digests in messages.
pub fn short_hex(b: &[u8]) -> String {
    der::hex(b.get(..8).unwrap_or(b))
}
