//! Source stamp: a second signature, by the distributor (Google Play,
//! bundletool), over the content digests of the app's own signatures. It
//! proves where a package came from; Android installs a package whose stamp
//! fails and only reports it, so stamp problems never change the verdict.
//!
//! Layout of the v2 stamp block (ID 0x6dff800d), all integers little-endian,
//! every "prefixed" field a u32 length followed by that many bytes:
//!
//! ```text
//! prefixed(
//!   prefixed(stamp certificate, X.509 DER)
//!   prefixed(sequence of prefixed(u32 scheme id, prefixed(signatures)))
//!   prefixed(stamp attributes)            -- itself prefixed(sequence of prefixed(u32 id, value))
//!   prefixed(signatures)                  -- over the attribute bytes above
//! )
//! signatures = sequence of prefixed(u32 signature algorithm, prefixed(signature))
//! ```
//!
//! What a scheme's signatures cover is the sequence of
//! `prefixed(u32 content digest id, prefixed(digest))` for that scheme's
//! digests: ids 1 (chunked SHA-256), 2 (chunked SHA-512), 3 (verity SHA-256)
//! for v2/v3, and 4 (plain SHA-256 of `META-INF/MANIFEST.MF`) for JAR
//! signing. The package also carries a `stamp-cert-sha256` entry holding the
//! raw SHA-256 of the stamp certificate; without it Android ignores the block.

use crate::cert::Certificate;
use crate::crypto::{self, HashAlg};
use crate::scheme::{self, LineageNode, Reader};
use serde::Serialize;

/// The ZIP entry that announces a stamp.
pub const CERT_DIGEST_ENTRY: &str = "stamp-cert-sha256";

/// Scheme ids the stamp uses for the signatures it covers.
pub const STAMP_SCHEME_JAR: u32 = 1;
pub const STAMP_SCHEME_V2: u32 = 2;
pub const STAMP_SCHEME_V3: u32 = 3;

/// Content digest ids inside the stamp's signed data.
const DIGEST_CHUNKED_SHA256: u32 = 1;
const DIGEST_CHUNKED_SHA512: u32 = 2;
const DIGEST_VERITY_SHA256: u32 = 3;
pub const DIGEST_SHA256: u32 = 4;

const ATTR_PROOF_OF_ROTATION: u32 = 0x9d63_03f7;
const ATTR_STAMP_TIME: u32 = 0xe43c_5946;

/// Most signatures per signed item: each costs a public-key operation.
const MAX_SIGNATURES: usize = 8;

/// Source stamp facts and verification result.
#[derive(Debug, Clone, Serialize)]
pub struct SourceStamp {
    /// Block format, 1 or 2; `None` when only the `stamp-cert-sha256` entry exists.
    pub version: Option<u8>,
    /// SHA-256 of the stamp certificate from the block (or, failing that, the entry).
    pub certificate_sha256: Option<String>,
    /// `Some(true)`: the stamp signs every verified scheme's digests and its
    /// attributes, and matches `stamp-cert-sha256` (apksigner's "Verified for
    /// SourceStamp: true"). `None`: not checked (no announcing entry, a v1
    /// stamp, or verification skipped on request).
    pub verified: Option<bool>,
    /// Scheme ids the stamp carries signatures for (1 JAR, 2 v2, 3 v3).
    pub schemes_signed: Vec<u32>,
    /// Signing time from the stamp attributes, seconds since the Unix epoch.
    pub timestamp: Option<i64>,
    /// Stamp key rotation history, oldest first.
    pub lineage: Vec<LineageNode>,
    pub errors: Vec<String>,
    pub notes: Vec<String>,
}

impl SourceStamp {
    fn new(version: Option<u8>) -> Self {
        SourceStamp {
            version,
            certificate_sha256: None,
            verified: None,
            schemes_signed: Vec::new(),
            timestamp: None,
            lineage: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// The content digests of one scheme that Android verified, as the stamp
/// must sign them: `(content digest id, digest)`.
pub struct SchemeDigests {
    pub stamp_scheme: u32,
    pub digests: Vec<(u32, Vec<u8>)>,
}

/// Maps a v2/v3 signature algorithm id to the stamp's content digest id.
pub fn digest_id_for(sig_alg: u32) -> Option<u32> {
    Some(match scheme::content_digest(sig_alg)? {
        scheme::ContentDigest::ChunkedSha256 => DIGEST_CHUNKED_SHA256,
        scheme::ContentDigest::ChunkedSha512 => DIGEST_CHUNKED_SHA512,
        scheme::ContentDigest::VeritySha256 => DIGEST_VERITY_SHA256,
    })
}

/// Input of [`verify_stamp`].
pub struct StampInput<'a> {
    /// `(format version, block value)` of the stamp block, if any.
    pub block: Option<(u8, &'a [u8])>,
    /// Contents of the `stamp-cert-sha256` entry, if present.
    pub cert_digest_entry: Option<Result<Vec<u8>, String>>,
    /// Digests of every scheme Android verified for the SDK range.
    pub verified_schemes: Vec<SchemeDigests>,
    /// Whether to check at all (false when verification was skipped).
    pub check: bool,
}

/// Parses and verifies a source stamp; returns the stamp (if there is any
/// trace of one) and every certificate seen, stamp certificate first.
pub fn verify_stamp(input: &StampInput<'_>) -> Option<(SourceStamp, Vec<Certificate>)> {
    let mut certs = Vec::new();
    let (version, value) = match input.block {
        Some((v, b)) => (Some(v), Some(b)),
        None => (None, None),
    };
    if value.is_none() && input.cert_digest_entry.is_none() {
        return None;
    }
    let mut st = SourceStamp::new(version);
    let entry = match &input.cert_digest_entry {
        None => None,
        Some(Ok(d)) => Some(d.clone()),
        Some(Err(e)) => {
            st.errors
                .push(format!("{CERT_DIGEST_ENTRY} entry unreadable: {e}"));
            Some(Vec::new())
        }
    };
    let Some(value) = value else {
        // The entry promises a stamp the signing block does not hold.
        if let Some(d) = &entry
            && d.len() == 32
        {
            st.certificate_sha256 = Some(hex(d));
        }
        st.verified = Some(false);
        st.errors.push(format!(
            "{CERT_DIGEST_ENTRY} entry present but no source stamp block in the APK Signing Block"
        ));
        return Some((st, certs));
    };
    let parsed = match parse_v2_layout(value, version) {
        Ok(p) => p,
        Err(e) => {
            st.verified = entry.as_ref().map(|_| false);
            st.errors.push(format!("malformed source stamp: {e}"));
            return Some((st, certs));
        }
    };
    let cert = Certificate::parse(parsed.certificate);
    st.certificate_sha256 = Some(cert.info.sha256.clone());
    let key = crypto::PublicKey::from_spki(&cert.spki);
    certs.push(cert.clone());
    if version == Some(1) {
        st.notes.push(
            "source stamp v1 (obsolete format): certificate read, signatures not checked".into(),
        );
        return Some((st, certs));
    }
    let signed = match parse_signed_digests(parsed.signed_digests) {
        Ok(s) => s,
        Err(e) => {
            st.errors
                .push(format!("malformed stamp signed digests: {e}"));
            Vec::new()
        }
    };
    st.schemes_signed = signed.iter().map(|(s, _)| *s).collect();
    match parse_attributes(parsed.attributes) {
        Ok(attrs) => {
            for (id, v) in attrs {
                match id {
                    ATTR_STAMP_TIME => match <[u8; 8]>::try_from(v) {
                        Ok(b) => {
                            let t = i64::from_le_bytes(b);
                            if t <= 0 {
                                st.errors
                                    .push(format!("stamp timestamp {t} is not positive"));
                            }
                            st.timestamp = Some(t);
                        }
                        Err(_) => st
                            .errors
                            .push(format!("stamp timestamp is {} bytes, not 8", v.len())),
                    },
                    ATTR_PROOF_OF_ROTATION => {
                        let (nodes, errs) = scheme::parse_lineage(v);
                        st.errors
                            .extend(errs.into_iter().map(|e| format!("stamp lineage: {e}")));
                        if let Some((_, last)) = nodes.last()
                            && last.info.sha256 != cert.info.sha256
                        {
                            st.errors.push(
                                "last certificate in the stamp lineage is not the stamp certificate"
                                    .into(),
                            );
                        }
                        for (n, c) in nodes {
                            st.lineage.push(n);
                            certs.push(c);
                        }
                    }
                    other => st
                        .notes
                        .push(format!("unknown stamp attribute 0x{other:08x} ignored")),
                }
            }
        }
        Err(e) => st.errors.push(format!("malformed stamp attributes: {e}")),
    }
    let Some(entry) = entry else {
        st.notes.push(format!(
            "no {CERT_DIGEST_ENTRY} entry: Android ignores this stamp, so it is not checked"
        ));
        return Some((st, certs));
    };
    if !input.check {
        st.notes.push(crate::NOT_CHECKED.into());
        return Some((st, certs));
    }
    if entry.len() != 32 || hex(&entry) != cert.info.sha256 {
        st.errors.push(format!(
            "stamp certificate SHA-256 {} differs from the {CERT_DIGEST_ENTRY} entry ({})",
            cert.info.sha256,
            hex(&entry)
        ));
    }
    match &key {
        Err(e) => st.errors.push(format!("stamp public key unusable: {e}")),
        Ok(key) => {
            if input.verified_schemes.is_empty() {
                st.errors
                    .push("no verified signature scheme for the stamp to cover".into());
            }
            for sd in &input.verified_schemes {
                let Some((_, sigs)) = signed.iter().find(|(s, _)| *s == sd.stamp_scheme) else {
                    st.errors.push(format!(
                        "stamp has no signature for verified scheme {}",
                        scheme_name(sd.stamp_scheme)
                    ));
                    continue;
                };
                let mut digests = sd.digests.clone();
                digests.sort_by_key(|d| d.0);
                digests.dedup_by_key(|d| d.0);
                let msg = encode_pairs(&digests);
                check_signatures(
                    key,
                    sigs,
                    &msg,
                    &format!("signature over {} digests", scheme_name(sd.stamp_scheme)),
                    &mut st.errors,
                );
            }
            match parse_signatures(parsed.attribute_signatures) {
                Ok(sigs) => check_signatures(
                    key,
                    &sigs,
                    parsed.attributes,
                    "signature over stamp attributes",
                    &mut st.errors,
                ),
                Err(e) => st
                    .errors
                    .push(format!("malformed stamp attribute signatures: {e}")),
            }
        }
    }
    st.verified = Some(st.errors.is_empty());
    Some((st, certs))
}

struct Layout<'a> {
    certificate: &'a [u8],
    signed_digests: &'a [u8],
    attributes: &'a [u8],
    attribute_signatures: &'a [u8],
}

fn parse_v2_layout(value: &[u8], version: Option<u8>) -> Result<Layout<'_>, String> {
    let outer = Reader::new(value).prefixed()?;
    let mut r = Reader::new(outer);
    let certificate = r.prefixed()?;
    if certificate.is_empty() {
        return Err("empty stamp certificate".into());
    }
    if version == Some(1) {
        return Ok(Layout {
            certificate,
            signed_digests: &[],
            attributes: &[],
            attribute_signatures: &[],
        });
    }
    Ok(Layout {
        certificate,
        signed_digests: r.prefixed()?,
        attributes: r.prefixed()?,
        attribute_signatures: r.prefixed()?,
    })
}

type Signatures<'a> = Vec<(u32, &'a [u8])>;

fn parse_signed_digests(b: &[u8]) -> Result<Vec<(u32, Signatures<'_>)>, String> {
    let mut out = Vec::new();
    for item in Reader::new(b).items()? {
        let mut r = Reader::new(item);
        let scheme = r.u32()?;
        out.push((scheme, parse_signatures(r.prefixed()?)?));
    }
    Ok(out)
}

fn parse_signatures(b: &[u8]) -> Result<Signatures<'_>, String> {
    let items = Reader::new(b).items()?;
    if items.len() > MAX_SIGNATURES {
        return Err(format!("more than {MAX_SIGNATURES} signatures"));
    }
    let mut out = Vec::new();
    for item in items {
        let mut r = Reader::new(item);
        let alg = r.u32()?;
        out.push((alg, r.prefixed()?));
    }
    Ok(out)
}

fn parse_attributes(b: &[u8]) -> Result<Vec<(u32, &[u8])>, String> {
    let seq = Reader::new(b).prefixed()?;
    let mut out = Vec::new();
    for item in Reader::new(seq).items()? {
        let mut r = Reader::new(item);
        let id = r.u32()?;
        out.push((id, item.get(4..).unwrap_or_default()));
    }
    Ok(out)
}

/// At least one supported signature, and every supported one verifies.
fn check_signatures(
    key: &crypto::PublicKey,
    sigs: &[(u32, &[u8])],
    msg: &[u8],
    what: &str,
    errors: &mut Vec<String>,
) {
    let mut supported = 0;
    for (alg, sig) in sigs {
        let Some(kind) = scheme::sig_kind(*alg) else {
            continue;
        };
        supported += 1;
        if let Err(e) = crypto::verify(key, kind, msg, sig) {
            errors.push(format!("stamp {} {what}: {e}", scheme::alg_name(*alg)));
        }
    }
    if supported == 0 {
        errors.push(format!(
            "stamp {what}: no signature with a supported algorithm"
        ));
    }
}

fn encode_pairs(pairs: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (id, bytes) in pairs {
        let item_len = 8 + bytes.len();
        out.extend_from_slice(&(item_len as u32).to_le_bytes());
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

fn scheme_name(id: u32) -> &'static str {
    match id {
        STAMP_SCHEME_JAR => "JAR (v1)",
        STAMP_SCHEME_V2 => "v2",
        STAMP_SCHEME_V3 => "v3",
        _ => "unknown",
    }
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

/// SHA-256 of JAR signing's manifest, the stamp's digest for scheme 1.
pub fn jar_digest(manifest: &[u8]) -> Vec<u8> {
    HashAlg::Sha256.digest(manifest)
}
