//! v1 (JAR) signature verification the way Android checks it: PKCS#7 over the
//! .SF, the .SF over MANIFEST.MF (whole or per section), the manifest over
//! every entry, every non-signature entry covered, and the anti-stripping
//! `X-Android-APK-Signed` header.

use crate::PackageView;
use crate::cert::{self, Certificate};
use crate::crypto::{self, HashAlg, SigKind};
use crate::der::{self, TAG_OCTET_STRING, TAG_OID, TAG_SEQUENCE, TAG_SET};

/// Largest META-INF signature file we read into memory.
pub(crate) const MAX_META_FILE: u64 = 64 << 20;
/// Most JAR signers we check (each costs a public-key operation).
const MAX_SIGNERS: usize = 16;
/// Most manifest sections we accept.
const MAX_SECTIONS: usize = 500_000;

/// Android API level from which SHA-256/384/512 digests are honoured in JAR
/// manifests and signature files (JELLY_BEAN_MR2).
const SHA2_MIN_SDK: u32 = 18;

#[derive(Debug, Clone, Default)]
pub struct V1Result {
    pub present: bool,
    pub signers: Vec<V1Signer>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// Scheme IDs named by `X-Android-APK-Signed` in any .SF.
    pub apk_signed_schemes: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct V1Signer {
    pub name: String,
    pub certificates: Vec<Certificate>,
    /// Index into `certificates` of the signing certificate.
    pub signer_cert: Option<usize>,
    pub signature_ok: bool,
    pub digests_ok: bool,
    pub algorithm: Option<String>,
    pub errors: Vec<String>,
}

/// One manifest-style section with its raw bytes.
#[derive(Debug, Clone)]
struct Section<'a> {
    raw: &'a [u8],
    attrs: Vec<(String, String)>,
}

impl Section<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
    fn name(&self) -> Option<&str> {
        self.get("Name")
    }
}

/// Splits a manifest into sections (separated by empty lines).
fn parse_manifest(data: &[u8]) -> Result<Vec<Section<'_>>, String> {
    let mut sections = Vec::new();
    let mut pos = 0usize;
    while pos < data.len() {
        if sections.len() >= MAX_SECTIONS {
            return Err("too many manifest sections".into());
        }
        let start = pos;
        let mut attrs: Vec<(String, String)> = Vec::new();
        let mut ended = false;
        while pos < data.len() {
            let rest = data.get(pos..).unwrap_or_default();
            let line_len = rest
                .iter()
                .position(|&b| b == b'\n' || b == b'\r')
                .unwrap_or(rest.len());
            let line = rest.get(..line_len).unwrap_or_default();
            let mut eol = line_len;
            if rest.get(eol) == Some(&b'\r') {
                eol += 1;
                if rest.get(eol) == Some(&b'\n') {
                    eol += 1;
                }
            } else if rest.get(eol) == Some(&b'\n') {
                eol += 1;
            }
            pos += eol.max(1).min(rest.len());
            if line.is_empty() {
                ended = true;
                break;
            }
            if let Some(cont) = line.strip_prefix(b" ") {
                if let Some((_, v)) = attrs.last_mut() {
                    v.push_str(&String::from_utf8_lossy(cont));
                }
                continue;
            }
            let text = String::from_utf8_lossy(line);
            if let Some((k, v)) = text.split_once(':') {
                attrs.push((k.to_string(), v.strip_prefix(' ').unwrap_or(v).to_string()));
            }
        }
        let raw = data.get(start..pos).unwrap_or_default();
        // Skip runs of blank lines between sections.
        if !attrs.is_empty() || sections.is_empty() {
            sections.push(Section { raw, attrs });
        }
        if !ended {
            break;
        }
    }
    Ok(sections)
}

fn digest_alg(attr_prefix: &str) -> Option<HashAlg> {
    match attr_prefix.to_ascii_uppercase().as_str() {
        "SHA1" | "SHA-1" => Some(HashAlg::Sha1),
        "SHA-256" => Some(HashAlg::Sha256),
        "SHA-384" => Some(HashAlg::Sha384),
        "SHA-512" => Some(HashAlg::Sha512),
        "MD5" => Some(HashAlg::Md5),
        _ => None,
    }
}

fn honoured(alg: HashAlg, min_sdk: u32) -> bool {
    match alg {
        HashAlg::Sha256 | HashAlg::Sha384 | HashAlg::Sha512 => min_sdk >= SHA2_MIN_SDK,
        _ => true,
    }
}

/// `(alg, expected bytes)` for attributes named `<alg><suffix>` in a section.
fn digests_with_suffix(sec: &Section<'_>, suffix: &str, min_sdk: u32) -> Vec<(HashAlg, Vec<u8>)> {
    let mut out = Vec::new();
    for (k, v) in &sec.attrs {
        let ku = k.to_ascii_uppercase();
        let Some(prefix) = ku.strip_suffix(&suffix.to_ascii_uppercase()) else {
            continue;
        };
        let Some(alg) = digest_alg(prefix) else {
            continue;
        };
        if !honoured(alg, min_sdk) {
            continue;
        }
        if let Some(b) = b64(v) {
            out.push((alg, b));
        }
    }
    out
}

fn b64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.trim().bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Whether Android requires an entry to be listed in the manifest.
fn needs_manifest_digest(name: &str) -> bool {
    if name.ends_with('/') {
        return false;
    }
    let Some(rest) = name.strip_prefix("META-INF/") else {
        return true;
    };
    if rest.contains('/') {
        return true;
    }
    let upper = rest.to_ascii_uppercase();
    !(upper == "MANIFEST.MF"
        || upper.ends_with(".SF")
        || upper.ends_with(".RSA")
        || upper.ends_with(".DSA")
        || upper.ends_with(".EC")
        || upper.starts_with("SIG-"))
}

fn read_meta(view: &dyn PackageView, name: &str) -> Result<Vec<u8>, String> {
    view.read(name, MAX_META_FILE)
}

/// Verifies the JAR signature for platforms `min_sdk..=max_sdk`.
/// `check_entries`: digest every entry against MANIFEST.MF (the costly part);
/// without it only the signature files and certificates are checked, and the
/// result carries [`crate::NOT_CHECKED`] as an error.
pub fn verify(view: &dyn PackageView, min_sdk: u32, max_sdk: u32, check_entries: bool) -> V1Result {
    let mut res = V1Result::default();
    let names = view.names();
    let mut block_files: Vec<String> = Vec::new();
    for n in &names {
        if let Some(rest) = n.strip_prefix("META-INF/")
            && !rest.contains('/')
        {
            let up = rest.to_ascii_uppercase();
            if up.ends_with(".RSA") || up.ends_with(".DSA") || up.ends_with(".EC") {
                block_files.push(n.clone());
            }
        }
    }
    if block_files.len() > MAX_SIGNERS {
        res.warnings.push(format!(
            "{} signature block files; only the first {MAX_SIGNERS} are checked",
            block_files.len()
        ));
        block_files.truncate(MAX_SIGNERS);
    }
    let has_manifest = names.iter().any(|n| n == "META-INF/MANIFEST.MF");
    res.present = !block_files.is_empty();
    if !res.present {
        res.errors
            .push("no JAR signature files (META-INF/*.RSA|DSA|EC)".into());
        return res;
    }
    if !has_manifest {
        res.errors.push("META-INF/MANIFEST.MF missing".into());
        return res;
    }
    let manifest_bytes = match read_meta(view, "META-INF/MANIFEST.MF") {
        Ok(b) => b,
        Err(e) => {
            res.errors.push(format!("MANIFEST.MF unreadable: {e}"));
            return res;
        }
    };
    let sections = match parse_manifest(&manifest_bytes) {
        Ok(s) => s,
        Err(e) => {
            res.errors.push(e);
            return res;
        }
    };
    let mut by_name: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, s) in sections.iter().enumerate().skip(1) {
        match s.name() {
            Some(n) => {
                if by_name.insert(n, i).is_some() {
                    res.errors
                        .push(format!("duplicate manifest section for {n:?}"));
                }
            }
            None => res
                .warnings
                .push(format!("manifest section #{i} without Name")),
        }
    }

    for bf in &block_files {
        let stem = bf.rsplit_once('.').map_or(bf.as_str(), |(s, _)| s);
        let sf_name = names
            .iter()
            .find(|n| {
                n.rsplit_once('.')
                    .is_some_and(|(s, e)| s == stem && e.eq_ignore_ascii_case("SF"))
            })
            .cloned();
        let mut signer = V1Signer {
            name: bf.clone(),
            certificates: Vec::new(),
            signer_cert: None,
            signature_ok: false,
            digests_ok: false,
            algorithm: None,
            errors: Vec::new(),
        };
        let Some(sf_name) = sf_name else {
            res.warnings
                .push(format!("{bf}: no matching .SF; not a signer"));
            continue;
        };
        let sf = match read_meta(view, &sf_name) {
            Ok(b) => b,
            Err(e) => {
                signer.errors.push(format!("{sf_name} unreadable: {e}"));
                res.signers.push(signer);
                continue;
            }
        };
        match read_meta(view, bf) {
            Ok(block) => verify_pkcs7(&block, &sf, min_sdk, &mut signer),
            Err(e) => signer.errors.push(format!("{bf} unreadable: {e}")),
        }
        check_sf(
            &sf,
            &manifest_bytes,
            &sections,
            &by_name,
            min_sdk,
            max_sdk,
            &mut signer,
            &mut res.apk_signed_schemes,
        );
        res.signers.push(signer);
    }
    if res.signers.is_empty() {
        res.errors
            .push("no JAR signers (signature block without .SF)".into());
        return res;
    }

    if !check_entries {
        res.errors.push(crate::NOT_CHECKED.into());
        return res;
    }
    // Entry coverage and entry digests.
    let mut seen = std::collections::HashSet::new();
    let mut entry_errors = Vec::new();
    for n in &names {
        if !seen.insert(n.as_str()) {
            entry_errors.push(format!("duplicate ZIP entry {n:?}"));
        }
    }
    for n in &names {
        if !needs_manifest_digest(n) || by_name.contains_key(n.as_str()) {
            continue;
        }
        if n.starts_with("META-INF/") {
            // Android tolerates unsigned META-INF/ files; apksigner warns.
            res.warnings
                .push(format!("{n} not protected by the JAR signature"));
        } else {
            entry_errors.push(format!("entry {n:?} not covered by MANIFEST.MF"));
        }
    }
    let name_set: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
    for (name, &idx) in &by_name {
        let Some(sec) = sections.get(idx) else {
            continue;
        };
        if !name_set.contains(name) {
            entry_errors.push(format!("{name:?} listed in MANIFEST.MF but absent"));
            continue;
        }
        let wanted = digests_with_suffix(sec, "-Digest", min_sdk);
        if wanted.is_empty() {
            if needs_manifest_digest(name) {
                entry_errors.push(format!(
                    "no digest of {name:?} usable on API {min_sdk} in MANIFEST.MF"
                ));
            }
            continue;
        }
        let algs: Vec<HashAlg> = wanted.iter().map(|w| w.0).collect();
        match view.digest(name, &algs) {
            Ok(got) => {
                for ((alg, exp), g) in wanted.iter().zip(got) {
                    if *exp != g {
                        entry_errors.push(format!(
                            "{} digest of {name:?} does not match MANIFEST.MF",
                            alg.name()
                        ));
                    }
                }
            }
            Err(e) => entry_errors.push(format!("{name:?} unreadable: {e}")),
        }
    }
    entry_errors.sort();
    let entries_ok = entry_errors.is_empty();
    res.errors.extend(entry_errors);
    for s in &mut res.signers {
        s.digests_ok = s.digests_ok && entries_ok;
        for e in &s.errors {
            res.errors.push(format!("{}: {e}", s.name));
        }
    }
    res
}

#[allow(clippy::too_many_arguments)]
fn check_sf(
    sf: &[u8],
    manifest: &[u8],
    sections: &[Section<'_>],
    by_name: &std::collections::HashMap<&str, usize>,
    min_sdk: u32,
    max_sdk: u32,
    signer: &mut V1Signer,
    apk_signed: &mut Vec<u32>,
) {
    let sf_sections = match parse_manifest(sf) {
        Ok(s) => s,
        Err(e) => {
            signer.errors.push(format!(".SF: {e}"));
            return;
        }
    };
    let Some(main) = sf_sections.first() else {
        signer.errors.push(".SF is empty".into());
        return;
    };
    if let Some(v) = main.get("X-Android-APK-Signed") {
        for id in v.split(',') {
            if let Ok(n) = id.trim().parse::<u32>()
                && !apk_signed.contains(&n)
            {
                apk_signed.push(n);
            }
        }
    }
    let _ = max_sdk;
    // Whole-manifest digest first; fall back to per-section digests.
    let whole = digests_with_suffix(main, "-Digest-Manifest", min_sdk);
    let whole_ok = !whole.is_empty() && whole.iter().all(|(a, d)| a.digest(manifest) == *d);
    if whole_ok {
        signer.digests_ok = true;
        return;
    }
    let mut ok = true;
    if let Some(msec) = sections.first() {
        let main_attr = digests_with_suffix(main, "-Digest-Manifest-Main-Attributes", min_sdk);
        for (a, d) in &main_attr {
            if a.digest(msec.raw) != *d {
                ok = false;
                signer
                    .errors
                    .push(".SF digest of the manifest main attributes does not match".into());
            }
        }
    }
    for s in sf_sections.iter().skip(1) {
        let Some(n) = s.name() else { continue };
        let Some(msec) = by_name.get(n).and_then(|&i| sections.get(i)) else {
            ok = false;
            signer
                .errors
                .push(format!(".SF names {n:?} which MANIFEST.MF lacks"));
            continue;
        };
        let ds = digests_with_suffix(s, "-Digest", min_sdk);
        if ds.is_empty() {
            ok = false;
            signer.errors.push(format!(
                ".SF has no digest of section {n:?} usable on API {min_sdk}"
            ));
        }
        for (a, d) in ds {
            if a.digest(msec.raw) != d {
                ok = false;
                signer.errors.push(format!(
                    ".SF digest of manifest section {n:?} does not match"
                ));
            }
        }
    }
    if whole.is_empty() && sf_sections.len() <= 1 && sections.len() > 1 {
        ok = false;
        signer
            .errors
            .push(".SF has no usable digest of MANIFEST.MF".into());
    }
    // Every manifest section must be signed by this signer.
    let sf_names: std::collections::HashSet<&str> = sf_sections
        .iter()
        .skip(1)
        .filter_map(|s| s.name())
        .collect();
    for n in by_name.keys() {
        if !sf_names.contains(n) {
            ok = false;
            signer.errors.push(format!("{n:?} not covered by the .SF"));
            break;
        }
    }
    signer.digests_ok = ok;
}

fn attr_oid_value<'a>(attrs: &'a [u8], oid: &str) -> Option<der::Tlv<'a>> {
    for a in der::children(attrs).flatten() {
        let Ok((o, rest)) = der::expect(a.content, TAG_OID) else {
            continue;
        };
        if der::oid_string(o.content) == oid {
            let (set, _) = der::expect(rest, TAG_SET).ok()?;
            return der::read_tlv(set.content).ok().map(|(v, _)| v);
        }
    }
    None
}

/// Verifies a PKCS#7 SignedData block against the .SF bytes.
fn verify_pkcs7(block: &[u8], sf: &[u8], min_sdk: u32, signer: &mut V1Signer) {
    let _ = min_sdk;
    let r = (|| -> Result<(), String> {
        let e = |x: der::DerError| x.to_string();
        let (ci, _) = der::expect(block, TAG_SEQUENCE).map_err(e)?;
        let (oid, rest) = der::expect(ci.content, TAG_OID).map_err(e)?;
        if der::oid_string(oid.content) != "1.2.840.113549.1.7.2" {
            return Err("not PKCS#7 SignedData".into());
        }
        let (explicit, _) = der::expect(rest, 0xa0).map_err(e)?;
        let (sd, _) = der::expect(explicit.content, TAG_SEQUENCE).map_err(e)?;
        let items = der::child_vec(sd.content, 16).map_err(e)?;
        let mut certs_raw = Vec::new();
        let mut signer_infos = None;
        for it in items.iter().skip(3) {
            match it.tag {
                0xa0 => {
                    for c in der::children(it.content).take(64) {
                        let c = c.map_err(e)?;
                        if c.tag == TAG_SEQUENCE {
                            certs_raw.push(c.raw);
                        }
                    }
                }
                TAG_SET => signer_infos = Some(*it),
                _ => {}
            }
        }
        signer.certificates = certs_raw.iter().map(|c| Certificate::parse(c)).collect();
        let infos = signer_infos.ok_or("no SignerInfos")?;
        let infos = der::child_vec(infos.content, 16).map_err(e)?;
        let first = infos.first().ok_or("no SignerInfo")?;
        let fields = der::child_vec(first.content, 16).map_err(e)?;
        let mut it = fields.iter();
        let _version = it.next().ok_or("SignerInfo truncated")?;
        let sid = it.next().ok_or("SignerInfo truncated")?;
        let digest_alg = it.next().ok_or("SignerInfo truncated")?;
        let mut next = it.next().ok_or("SignerInfo truncated")?;
        let mut signed_attrs = None;
        if next.tag == 0xa0 {
            signed_attrs = Some(*next);
            next = it.next().ok_or("SignerInfo truncated")?;
        }
        let sig_alg = next;
        let sig = it.next().ok_or("SignerInfo truncated")?;
        if sig.tag != TAG_OCTET_STRING && sig.tag != 0x24 {
            return Err("SignerInfo signature is not an OCTET STRING".into());
        }
        let signature = der::octet_string_value(sig);

        // Find the signing certificate.
        let idx = if sid.tag == TAG_SEQUENCE {
            let (issuer, rest) = der::expect(sid.content, TAG_SEQUENCE).map_err(e)?;
            let (serial, _) = der::expect(rest, der::TAG_INTEGER).map_err(e)?;
            signer
                .certificates
                .iter()
                .position(|c| cert::issuer_serial_matches(c, issuer.raw, serial.content))
        } else {
            None
        };
        let idx = idx.ok_or("signing certificate not found in the signature block")?;
        signer.signer_cert = Some(idx);
        let cert = signer.certificates.get(idx).ok_or("certificate index")?;
        let key = cert
            .public_key
            .clone()
            .ok_or("signing certificate has no usable public key")?;

        let (doid, _) = der::expect(digest_alg.content, TAG_OID).map_err(e)?;
        let doid = der::oid_string(doid.content);
        let hash =
            HashAlg::from_oid(&doid).ok_or(format!("unsupported digest algorithm {doid}"))?;
        let (soid, _) = der::expect(sig_alg.content, TAG_OID).map_err(e)?;
        let soid = der::oid_string(soid.content);
        let kind =
            pkcs7_sig_kind(&soid, hash).ok_or(format!("unsupported signature algorithm {soid}"))?;
        signer.algorithm = Some(format!(
            "{}with{}",
            hash.name().replace('-', ""),
            key.algorithm()
        ));

        let signed_bytes: Vec<u8> = match signed_attrs {
            None => sf.to_vec(),
            Some(attrs) => {
                if let Some(ct) = attr_oid_value(attrs.content, "1.2.840.113549.1.9.3") {
                    if der::oid_string(ct.content) != "1.2.840.113549.1.7.1" {
                        return Err("signed attribute content-type is not data".into());
                    }
                } else {
                    return Err("signed attributes lack content-type".into());
                }
                let md = attr_oid_value(attrs.content, "1.2.840.113549.1.9.4")
                    .ok_or("signed attributes lack message-digest")?;
                if der::octet_string_value(&md) != hash.digest(sf) {
                    return Err("message-digest attribute does not match the .SF".into());
                }
                let mut v = vec![TAG_SET];
                encode_len(attrs.content.len(), &mut v);
                v.extend_from_slice(attrs.content);
                v
            }
        };
        crypto::verify(&key, kind, &signed_bytes, &signature)?;
        signer.signature_ok = true;
        Ok(())
    })();
    if let Err(e) = r {
        signer.errors.push(e);
    }
}

fn encode_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let sig = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | sig.len() as u8);
        out.extend_from_slice(sig);
    }
}

/// Maps a PKCS#7 signatureAlgorithm OID (plus the SignerInfo digest) to a check.
fn pkcs7_sig_kind(oid: &str, hash: HashAlg) -> Option<SigKind> {
    Some(match oid {
        "1.2.840.113549.1.1.1" => SigKind::RsaPkcs1(hash),
        "1.2.840.113549.1.1.4" => SigKind::RsaPkcs1(HashAlg::Md5),
        "1.2.840.113549.1.1.5" => SigKind::RsaPkcs1(HashAlg::Sha1),
        "1.2.840.113549.1.1.14" => SigKind::RsaPkcs1(HashAlg::Sha224),
        "1.2.840.113549.1.1.11" => SigKind::RsaPkcs1(HashAlg::Sha256),
        "1.2.840.113549.1.1.12" => SigKind::RsaPkcs1(HashAlg::Sha384),
        "1.2.840.113549.1.1.13" => SigKind::RsaPkcs1(HashAlg::Sha512),
        "1.2.840.10045.2.1" => SigKind::Ecdsa(hash),
        "1.2.840.10045.4.1" => SigKind::Ecdsa(HashAlg::Sha1),
        "1.2.840.10045.4.3.1" => SigKind::Ecdsa(HashAlg::Sha224),
        "1.2.840.10045.4.3.2" => SigKind::Ecdsa(HashAlg::Sha256),
        "1.2.840.10045.4.3.3" => SigKind::Ecdsa(HashAlg::Sha384),
        "1.2.840.10045.4.3.4" => SigKind::Ecdsa(HashAlg::Sha512),
        "1.2.840.10040.4.1" => SigKind::Dsa(hash),
        "1.2.840.10040.4.3" => SigKind::Dsa(HashAlg::Sha1),
        "2.16.840.1.101.3.4.3.1" => SigKind::Dsa(HashAlg::Sha224),
        "2.16.840.1.101.3.4.3.2" => SigKind::Dsa(HashAlg::Sha256),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_sections_and_continuations() {
        let m = b"Manifest-Version: 1.0\r\nCreated-By: x\r\n\r\nName: a/very/long/na\r\n me.txt\r\nSHA-256-Digest: AAAA\r\n\r\n";
        let s = parse_manifest(m).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].name(), Some("a/very/long/name.txt"));
        assert_eq!(s[0].raw, b"Manifest-Version: 1.0\r\nCreated-By: x\r\n\r\n");
        assert_eq!(b64("AAEC").unwrap(), vec![0, 1, 2]);
        assert!(needs_manifest_digest("META-INF/services/x"));
        assert!(!needs_manifest_digest("META-INF/CERT.RSA"));
        assert!(needs_manifest_digest("classes.dex"));
    }
}
