//! Public keys and signature checks over RustCrypto primitives.
//!
//! Keys are parsed from SubjectPublicKeyInfo with our tolerant TLV walker so a
//! certificate that a strict decoder rejects can still be checked.

use crate::der::{self, TAG_BIT_STRING, TAG_INTEGER, TAG_OID, TAG_SEQUENCE};
use sha1::Digest as _;
use signature::hazmat::PrehashVerifier;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = Hasher::new(self);
        h.update(data);
        h.finish()
    }
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Md5 => "MD5",
            HashAlg::Sha1 => "SHA-1",
            HashAlg::Sha224 => "SHA-224",
            HashAlg::Sha256 => "SHA-256",
            HashAlg::Sha384 => "SHA-384",
            HashAlg::Sha512 => "SHA-512",
        }
    }
    /// Digest algorithm from its OID (as in PKCS#7 digestAlgorithm).
    pub fn from_oid(oid: &str) -> Option<HashAlg> {
        Some(match oid {
            "1.2.840.113549.2.5" => HashAlg::Md5,
            "1.3.14.3.2.26" => HashAlg::Sha1,
            "2.16.840.1.101.3.4.2.4" => HashAlg::Sha224,
            "2.16.840.1.101.3.4.2.1" => HashAlg::Sha256,
            "2.16.840.1.101.3.4.2.2" => HashAlg::Sha384,
            "2.16.840.1.101.3.4.2.3" => HashAlg::Sha512,
            _ => return None,
        })
    }
    /// DER DigestInfo prefix for PKCS#1 v1.5 (RFC 8017 §9.2 note 1).
    fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            HashAlg::Md5 => &[
                0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05,
                0x05, 0x00, 0x04, 0x10,
            ],
            HashAlg::Sha1 => &[
                0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
                0x14,
            ],
            HashAlg::Sha224 => &[
                0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x04, 0x05, 0x00, 0x04, 0x1c,
            ],
            HashAlg::Sha256 => &[
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ],
            HashAlg::Sha384 => &[
                0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x02, 0x05, 0x00, 0x04, 0x30,
            ],
            HashAlg::Sha512 => &[
                0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x03, 0x05, 0x00, 0x04, 0x40,
            ],
        }
    }
}

/// Incremental hash over any supported algorithm.
pub enum Hasher {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha224(sha2::Sha224),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub fn new(alg: HashAlg) -> Hasher {
        match alg {
            HashAlg::Md5 => Hasher::Md5(md5::Md5::new()),
            HashAlg::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            HashAlg::Sha224 => Hasher::Sha224(sha2::Sha224::new()),
            HashAlg::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            HashAlg::Sha384 => Hasher::Sha384(sha2::Sha384::new()),
            HashAlg::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha224(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }
    pub fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha224(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    P521,
    Other,
}

/// A public key as found in SubjectPublicKeyInfo.
#[derive(Debug, Clone)]
pub enum PublicKey {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    Ec {
        curve: Curve,
        curve_oid: String,
        point: Vec<u8>,
    },
    Dsa {
        p: Vec<u8>,
        q: Vec<u8>,
        g: Vec<u8>,
        y: Vec<u8>,
    },
    Other {
        oid: String,
    },
}

impl PublicKey {
    /// Parses a SubjectPublicKeyInfo element.
    pub fn from_spki(spki: &[u8]) -> Result<PublicKey, String> {
        let (seq, _) = der::expect(spki, TAG_SEQUENCE).map_err(|e| e.to_string())?;
        let (alg, rest) = der::expect(seq.content, TAG_SEQUENCE).map_err(|e| e.to_string())?;
        let (bits, _) = der::expect(rest, TAG_BIT_STRING).map_err(|e| e.to_string())?;
        let key_bytes = der::bit_string_bytes(bits.content);
        let (oid, params) = der::expect(alg.content, TAG_OID).map_err(|e| e.to_string())?;
        let oid = der::oid_string(oid.content);
        match oid.as_str() {
            "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
                let (k, _) = der::expect(key_bytes, TAG_SEQUENCE).map_err(|e| e.to_string())?;
                let (n, r) = der::expect(k.content, TAG_INTEGER).map_err(|e| e.to_string())?;
                let (e, _) = der::expect(r, TAG_INTEGER).map_err(|e| e.to_string())?;
                Ok(PublicKey::Rsa {
                    n: der::unsigned_int(n.content).to_vec(),
                    e: der::unsigned_int(e.content).to_vec(),
                })
            }
            "1.2.840.10045.2.1" => {
                let curve_oid = der::expect(params, TAG_OID)
                    .map(|(c, _)| der::oid_string(c.content))
                    .unwrap_or_else(|_| "explicit-parameters".to_string());
                let curve = match curve_oid.as_str() {
                    "1.2.840.10045.3.1.7" => Curve::P256,
                    "1.3.132.0.34" => Curve::P384,
                    "1.3.132.0.35" => Curve::P521,
                    _ => Curve::Other,
                };
                Ok(PublicKey::Ec {
                    curve,
                    curve_oid,
                    point: key_bytes.to_vec(),
                })
            }
            "1.2.840.10040.4.1" => {
                let (pqg, _) = der::expect(params, TAG_SEQUENCE).map_err(|e| e.to_string())?;
                let (p, r) = der::expect(pqg.content, TAG_INTEGER).map_err(|e| e.to_string())?;
                let (q, r) = der::expect(r, TAG_INTEGER).map_err(|e| e.to_string())?;
                let (g, _) = der::expect(r, TAG_INTEGER).map_err(|e| e.to_string())?;
                let (y, _) = der::expect(key_bytes, TAG_INTEGER).map_err(|e| e.to_string())?;
                Ok(PublicKey::Dsa {
                    p: der::unsigned_int(p.content).to_vec(),
                    q: der::unsigned_int(q.content).to_vec(),
                    g: der::unsigned_int(g.content).to_vec(),
                    y: der::unsigned_int(y.content).to_vec(),
                })
            }
            _ => Ok(PublicKey::Other { oid }),
        }
    }

    /// Algorithm name as Java reports it ("RSA", "EC", "DSA").
    pub fn algorithm(&self) -> String {
        match self {
            PublicKey::Rsa { .. } => "RSA".into(),
            PublicKey::Ec { .. } => "EC".into(),
            PublicKey::Dsa { .. } => "DSA".into(),
            PublicKey::Other { oid } => oid.clone(),
        }
    }

    /// Key size in bits (RSA modulus, EC field, DSA p).
    pub fn bits(&self) -> Option<u32> {
        match self {
            PublicKey::Rsa { n, .. } => Some(der::bit_len(n)),
            PublicKey::Ec { curve, .. } => match curve {
                Curve::P256 => Some(256),
                Curve::P384 => Some(384),
                Curve::P521 => Some(521),
                Curve::Other => None,
            },
            PublicKey::Dsa { p, .. } => Some(der::bit_len(p)),
            PublicKey::Other { .. } => None,
        }
    }

    pub fn curve_name(&self) -> Option<&'static str> {
        match self {
            PublicKey::Ec { curve, .. } => Some(match curve {
                Curve::P256 => "P-256",
                Curve::P384 => "P-384",
                Curve::P521 => "P-521",
                Curve::Other => "other",
            }),
            _ => None,
        }
    }
}

/// How a signature is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigKind {
    RsaPkcs1(HashAlg),
    /// PSS with MGF1 over the same hash and salt length = hash length.
    RsaPss(HashAlg),
    Ecdsa(HashAlg),
    Dsa(HashAlg),
}

impl SigKind {
    pub fn hash(self) -> HashAlg {
        match self {
            SigKind::RsaPkcs1(h) | SigKind::RsaPss(h) | SigKind::Ecdsa(h) | SigKind::Dsa(h) => h,
        }
    }
}

/// Largest RSA modulus we check; bigger keys cost seconds per signature.
const MAX_RSA_BITS: usize = 16384;

/// Checks `sig` over `msg`; `Err` carries a short reason.
pub fn verify(key: &PublicKey, kind: SigKind, msg: &[u8], sig: &[u8]) -> Result<(), String> {
    let hashed = kind.hash().digest(msg);
    verify_prehashed(key, kind, &hashed, sig)
}

pub fn verify_prehashed(
    key: &PublicKey,
    kind: SigKind,
    hashed: &[u8],
    sig: &[u8],
) -> Result<(), String> {
    match (key, kind) {
        (PublicKey::Rsa { n, e }, SigKind::RsaPkcs1(_) | SigKind::RsaPss(_)) => {
            let n = rsa::BoxedUint::from_be_slice_vartime(n);
            let e = rsa::BoxedUint::from_be_slice_vartime(e);
            let pk = rsa::PublicKey::new_with_size_limits(n, e, 256..=MAX_RSA_BITS)
                .map_err(|e| format!("unusable RSA key: {e}"))?;
            let res = match kind {
                SigKind::RsaPkcs1(h) => {
                    let scheme = rsa::Pkcs1v15Sign {
                        hash_len: Some(hashed.len()),
                        prefix: h.digest_info_prefix().to_vec().into_boxed_slice(),
                    };
                    pk.verify(scheme, hashed, sig)
                }
                SigKind::RsaPss(HashAlg::Sha256) => {
                    pk.verify(rsa::pss::Pss::<sha2::Sha256>::new(), hashed, sig)
                }
                SigKind::RsaPss(HashAlg::Sha512) => {
                    pk.verify(rsa::pss::Pss::<sha2::Sha512>::new(), hashed, sig)
                }
                SigKind::RsaPss(HashAlg::Sha384) => {
                    pk.verify(rsa::pss::Pss::<sha2::Sha384>::new(), hashed, sig)
                }
                SigKind::RsaPss(h) => return Err(format!("RSA-PSS with {} unsupported", h.name())),
                _ => return Err("key/algorithm mismatch".into()),
            };
            res.map_err(|_| "RSA signature does not verify".to_string())
        }
        (PublicKey::Ec { curve, point, .. }, SigKind::Ecdsa(_)) => {
            let (r, s) = der_pair(sig)?;
            match curve {
                Curve::P256 => {
                    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                        .map_err(|_| "bad P-256 public key".to_string())?;
                    let sig = p256::ecdsa::Signature::from_slice(&fixed_pair(&r, &s, 32)?)
                        .map_err(|_| "bad ECDSA signature".to_string())?;
                    vk.verify_prehash(hashed, &sig)
                        .map_err(|_| "ECDSA signature does not verify".to_string())
                }
                Curve::P384 => {
                    let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                        .map_err(|_| "bad P-384 public key".to_string())?;
                    let sig = p384::ecdsa::Signature::from_slice(&fixed_pair(&r, &s, 48)?)
                        .map_err(|_| "bad ECDSA signature".to_string())?;
                    vk.verify_prehash(hashed, &sig)
                        .map_err(|_| "ECDSA signature does not verify".to_string())
                }
                _ => Err("unsupported EC curve (only P-256 and P-384 are checked)".into()),
            }
        }
        (PublicKey::Dsa { p, q, g, y }, SigKind::Dsa(_)) => {
            let (r, s) = der_pair(sig)?;
            if p.len() > 1024 || q.len() > 64 {
                return Err("DSA key too large".into());
            }
            let b = |v: &[u8]| rsa::BoxedUint::from_be_slice_vartime(v);
            let comps = dsa::Components::from_components(b(p), b(q), b(g))
                .map_err(|_| "bad DSA parameters".to_string())?;
            let vk = dsa::VerifyingKey::from_components(comps, b(y))
                .map_err(|_| "bad DSA public key".to_string())?;
            let sig = dsa::Signature::from_components(b(&r), b(&s))
                .ok_or_else(|| "bad DSA signature".to_string())?;
            // Java's DSA truncates the digest to q's length (FIPS 186-3).
            let qlen = der::unsigned_int(q).len();
            let h = hashed.get(..qlen.min(hashed.len())).unwrap_or(hashed);
            vk.verify_prehash(h, &sig)
                .map_err(|_| "DSA signature does not verify".to_string())
        }
        (PublicKey::Other { oid }, _) => Err(format!("unsupported key algorithm {oid}")),
        _ => Err("public key does not fit the signature algorithm".into()),
    }
}

/// (r, s) magnitudes from a DER/BER `SEQUENCE { INTEGER, INTEGER }`.
fn der_pair(sig: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let (seq, _) = der::expect(sig, TAG_SEQUENCE).map_err(|e| format!("bad signature: {e}"))?;
    let (r, rest) = der::expect(seq.content, TAG_INTEGER).map_err(|e| e.to_string())?;
    let (s, _) = der::expect(rest, TAG_INTEGER).map_err(|e| e.to_string())?;
    Ok((
        der::unsigned_int(r.content).to_vec(),
        der::unsigned_int(s.content).to_vec(),
    ))
}

fn fixed_pair(r: &[u8], s: &[u8], size: usize) -> Result<Vec<u8>, String> {
    if r.len() > size || s.len() > size {
        return Err("ECDSA signature component too large".into());
    }
    let mut out = vec![0u8; size * 2];
    let r_start = size - r.len();
    let s_start = size * 2 - s.len();
    out.get_mut(r_start..size)
        .ok_or("bad r")?
        .copy_from_slice(r);
    out.get_mut(s_start..).ok_or("bad s")?.copy_from_slice(s);
    Ok(out)
}
