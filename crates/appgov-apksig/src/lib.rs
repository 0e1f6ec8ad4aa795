//! APK signatures (v1 JAR, v2, v3, v3.1, source stamp) verified the way Android
//! does, with certificates and Chinese channel blocks.
//!
//! Entry points: [`verify`] on a parsed [`appgov_zip::ZipArchive`], or
//! [`verify_view`] on anything implementing [`PackageView`]; and
//! [`parse_signing_block`] on raw bytes (the fuzz surface).
//!
//! The verdict reproduces `apksigner verify` for the given SDK range: which
//! schemes Android would check (v3.1/v3 from API 28, v2 from API 24, v1 below
//! API 24 or when nothing newer is present), stripping protection in both
//! directions, and signer identity agreement between schemes.

pub mod block;
pub mod cert;
pub mod crypto;
pub mod der;
pub mod digest;
pub mod scheme;
pub mod stamp;
pub mod v1;

use appgov_zip::{ReadAt, ZipArchive};
use serde::Serialize;
use std::collections::BTreeMap;

pub use block::{Channel, SigError, SigningBlock, SigningBlockInfo, parse_signing_block};
pub use cert::CertificateInfo;
pub use crypto::HashAlg;
pub use scheme::LineageNode;
pub use stamp::SourceStamp;

/// Android API levels that change signature rules.
pub const SDK_N: u32 = 24;
pub const SDK_P: u32 = 28;
pub const SDK_T: u32 = 33;

/// The package as the verifier needs it: raw bytes plus ZIP entries.
pub trait PackageView {
    fn source(&self) -> &dyn ReadAt;
    /// (central directory offset, central directory size, EOCD offset).
    fn layout(&self) -> (u64, u64, u64);
    /// Entry names in central-directory order (duplicates kept).
    fn names(&self) -> Vec<String>;
    /// Whole entry, refusing entries larger than `max` bytes.
    fn read(&self, name: &str, max: u64) -> Result<Vec<u8>, String>;
    /// Digests of an entry's uncompressed bytes, one per algorithm, streamed.
    fn digest(&self, name: &str, algs: &[HashAlg]) -> Result<Vec<Vec<u8>>, String>;
}

impl PackageView for ZipArchive<'_> {
    fn source(&self) -> &dyn ReadAt {
        ZipArchive::source(self)
    }
    fn layout(&self) -> (u64, u64, u64) {
        let l = ZipArchive::layout(self);
        (l.cd_offset, l.cd_size, l.eocd_offset)
    }
    fn names(&self) -> Vec<String> {
        self.entries().iter().map(|e| e.name.clone()).collect()
    }
    fn read(&self, name: &str, max: u64) -> Result<Vec<u8>, String> {
        let e = self.by_name(name).ok_or("no such entry")?;
        if e.uncompressed_size > max {
            return Err(format!("entry larger than {max} bytes"));
        }
        ZipArchive::read(self, e).map_err(|e| e.to_string())
    }
    fn digest(&self, name: &str, algs: &[HashAlg]) -> Result<Vec<Vec<u8>>, String> {
        let e = self.by_name(name).ok_or("no such entry")?;
        let mut hs: Vec<crypto::Hasher> = algs.iter().map(|a| crypto::Hasher::new(*a)).collect();
        self.stream(e, &mut |chunk| {
            for h in hs.iter_mut() {
                h.update(chunk);
            }
        })
        .map_err(|e| e.to_string())?;
        Ok(hs.into_iter().map(crypto::Hasher::finish).collect())
    }
}

/// The platform range to judge the package for (as `apksigner
/// --min-sdk-version/--max-sdk-version`). Use the manifest's minSdk.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions {
    pub min_sdk: u32,
    pub max_sdk: u32,
    /// Manifest targetSdkVersion: API 30+ targets must carry v2 or newer.
    pub target_sdk: Option<u32>,
    /// Manifest targetSandboxVersion: 2+ must carry v2 or newer (API 26+).
    pub target_sandbox_version: Option<u32>,
    /// Compute content digests (v2/v3 over the whole file, v1 over every
    /// entry). Without them signatures over the signed data are still
    /// checked and certificates extracted, but no scheme counts as verified:
    /// a fast mode for inventory scans of many large packages.
    pub content_digests: bool,
}

impl VerifyOptions {
    /// Judge for `min_sdk..=max_sdk` with no target-SDK rules.
    pub fn range(min_sdk: u32, max_sdk: u32) -> Self {
        VerifyOptions {
            min_sdk,
            max_sdk,
            target_sdk: None,
            target_sandbox_version: None,
            content_digests: true,
        }
    }
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions::range(1, u32::MAX)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    V1,
    V2,
    V3,
    V31,
}

/// One signing scheme's outcome. `verified` matches apksigner's
/// "Verified using vN scheme" line: true only when the scheme was checked
/// for the SDK range and passed.
#[derive(Debug, Clone, Serialize)]
pub struct SchemeReport {
    pub scheme: Scheme,
    pub present: bool,
    /// Whether Android would check this scheme for the SDK range.
    pub checked: bool,
    pub verified: bool,
    pub signers: Vec<SignerReport>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignerReport {
    /// SHA-256 of the signing certificate.
    pub certificate_sha256: Option<String>,
    /// SHA-256s of all certificates the signer lists, signer first.
    pub chain: Vec<String>,
    pub algorithms: Vec<String>,
    pub min_sdk: Option<u32>,
    pub max_sdk: Option<u32>,
    pub digests_ok: bool,
    pub signature_ok: bool,
    pub errors: Vec<String>,
}

/// What Android would conclude.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub verified: bool,
    /// Schemes verified for the range (apksigner's "true" lines).
    pub schemes: Vec<Scheme>,
    /// A newer scheme is declared (X-Android-APK-Signed or the v2
    /// stripping-protection attribute) but its block is missing.
    pub stripped: bool,
    /// Why it does not verify.
    pub reasons: Vec<String>,
}

/// A stable, named oddity.
#[derive(Debug, Clone, Serialize)]
pub struct Anomaly {
    pub kind: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SigningReport {
    pub schemes: Vec<SchemeReport>,
    /// Every certificate seen in any scheme, deduplicated by SHA-256.
    pub certificates: Vec<CertificateInfo>,
    pub signing_block: Option<SigningBlockInfo>,
    pub channels: Vec<Channel>,
    pub source_stamp: Option<SourceStamp>,
    pub lineage: Vec<LineageNode>,
    pub verdict: Verdict,
    pub anomalies: Vec<Anomaly>,
}

impl SigningReport {
    pub fn scheme(&self, s: Scheme) -> Option<&SchemeReport> {
        self.schemes.iter().find(|r| r.scheme == s)
    }
    /// Signer certificates of the scheme Android would use (newest verified).
    pub fn signer_certificates(&self) -> Vec<&CertificateInfo> {
        let best = self.verdict.schemes.iter().max().copied();
        let Some(rep) = best.and_then(|s| self.scheme(s)) else {
            return Vec::new();
        };
        rep.signers
            .iter()
            .filter_map(|s| s.certificate_sha256.as_ref())
            .filter_map(|h| self.certificates.iter().find(|c| &c.sha256 == h))
            .collect()
    }
}

/// Error text of a scheme whose content digests were skipped on request.
pub const NOT_CHECKED: &str = "content digests not checked (verification skipped on request)";

/// Verifies a parsed archive.
pub fn verify(archive: &ZipArchive<'_>, opts: &VerifyOptions) -> SigningReport {
    verify_view(archive, opts)
}

struct Certs(BTreeMap<String, CertificateInfo>, Vec<String>);

impl Certs {
    fn add(&mut self, c: &cert::Certificate) -> String {
        let k = c.info.sha256.clone();
        if !self.0.contains_key(&k) {
            self.1.push(k.clone());
            self.0.insert(k.clone(), c.info.clone());
        }
        k
    }
}

/// Verifies any [`PackageView`].
pub fn verify_view(view: &dyn PackageView, opts: &VerifyOptions) -> SigningReport {
    let min_sdk = opts.min_sdk;
    // apksigner's "no maximum" is Integer.MAX_VALUE; v3 signers say the same.
    let max_sdk = opts.max_sdk.min(i32::MAX as u32).max(min_sdk);
    let mut certs = Certs(BTreeMap::new(), Vec::new());
    let mut anomalies = Vec::new();
    let (cd_offset, cd_size, eocd_offset) = view.layout();
    let source = view.source();

    let block = match parse_signing_block(source, cd_offset) {
        Ok(b) => {
            for a in &b.anomalies {
                anomalies.push(Anomaly {
                    kind: "signing_block_pair_malformed",
                    detail: a.clone(),
                });
            }
            Some(b)
        }
        Err(SigError::NotFound) => None,
        Err(e) => {
            anomalies.push(Anomaly {
                kind: "signing_block_malformed",
                detail: e.to_string(),
            });
            None
        }
    };
    let mut channels = Vec::new();
    let mut block_info = None;
    let mut v2 = blank(Scheme::V2);
    let mut v3 = blank(Scheme::V3);
    let mut v31 = blank(Scheme::V31);
    let mut lineage = Vec::new();
    let mut stamp_block: Option<(u8, &[u8])> = None;
    let mut v2_signers: Vec<scheme::ParsedSigner> = Vec::new();
    let mut v3_signers: Vec<scheme::ParsedSigner> = Vec::new();
    let mut v31_signers: Vec<scheme::ParsedSigner> = Vec::new();

    if let Some(b) = &block {
        block_info = Some(b.info());
        channels = block::channels(b);
        let layout_err = (cd_offset.checked_add(cd_size) != Some(eocd_offset)).then(|| {
            "ZIP central directory is not immediately followed by the end of central directory"
                .to_string()
        });
        if layout_err.is_some() {
            anomalies.push(Anomaly {
                kind: "gap_between_cd_and_eocd",
                detail: format!(
                    "central directory ends at {} but EOCD is at {eocd_offset}",
                    cd_offset.saturating_add(cd_size)
                ),
            });
        }
        let sections = digest::Sections::new(source, b.offset, cd_offset, eocd_offset);
        let mut cache: BTreeMap<scheme::ContentDigest, Result<Vec<u8>, String>> = BTreeMap::new();
        for (rep, signers, id, is_v3) in [
            (&mut v2, &mut v2_signers, block::ID_V2, false),
            (&mut v3, &mut v3_signers, block::ID_V3, true),
            (&mut v31, &mut v31_signers, block::ID_V31, true),
        ] {
            let Some(value) = b.value(id) else { continue };
            rep.present = true;
            if let Some(e) = &layout_err {
                rep.errors.push(e.clone());
            }
            match scheme::parse_signers(value, is_v3) {
                Err(e) => rep.errors.push(format!("malformed block: {e}")),
                Ok(list) => {
                    for (i, s) in list.into_iter().enumerate() {
                        match s {
                            Err(e) => rep
                                .errors
                                .push(format!("signer #{}: malformed: {e}", i + 1)),
                            Ok(p) => {
                                let sr = check_signer(
                                    &p,
                                    &sections,
                                    &mut cache,
                                    &mut certs,
                                    opts.content_digests,
                                );
                                for e in &sr.errors {
                                    rep.errors.push(format!("signer #{}: {e}", i + 1));
                                }
                                rep.signers.push(sr);
                                signers.push(p);
                            }
                        }
                    }
                }
            }
        }
        // Lineage from the v3 (or v3.1) signers.
        for p in v31_signers.iter().chain(v3_signers.iter()) {
            if let Some(attr) = p.attribute(scheme::ATTR_PROOF_OF_ROTATION) {
                let (nodes, errs) = scheme::parse_lineage(attr);
                let last = nodes.last().map(|(_, c)| c.info.sha256.clone());
                if lineage.is_empty() {
                    for (n, c) in &nodes {
                        certs.add(c);
                        lineage.push(n.clone());
                    }
                }
                let target = if v31_signers.iter().any(|s| std::ptr::eq(s, p)) {
                    &mut v31
                } else {
                    &mut v3
                };
                for e in errs {
                    target.errors.push(e);
                }
                if last.is_some() && last != p.cert_sha256() {
                    target
                        .errors
                        .push("last certificate in the lineage is not the signer's".into());
                }
            }
        }
        stamp_block = [(block::ID_STAMP_V2, 2u8), (block::ID_STAMP_V1, 1u8)]
            .into_iter()
            .find_map(|(id, version)| b.value(id).map(|v| (version, v)));
    }

    // v3.1 / v3 SDK ranges.
    let v31_min = v31_signers
        .iter()
        .filter_map(|s| s.sdk_signed.map(|x| x.0))
        .min();
    let mut found: Vec<Scheme> = Vec::new();
    if max_sdk >= SDK_P {
        if v31.present && max_sdk >= SDK_T.min(v31_min.unwrap_or(SDK_T)) {
            let lo = min_sdk.max(v31_min.unwrap_or(SDK_T));
            v31.checked = true;
            sdk_coverage(&mut v31, &v31_signers, lo, max_sdk);
            found.push(Scheme::V31);
        }
        if v3.present {
            let hi = match (v31.present, v31_min) {
                (true, Some(m)) => max_sdk.min(m.saturating_sub(1)),
                _ => max_sdk,
            };
            v3.checked = true;
            sdk_coverage(&mut v3, &v3_signers, min_sdk.max(SDK_P), hi);
            if v31.present {
                let declared = v3_signers
                    .iter()
                    .find_map(|s| s.attribute(scheme::ATTR_ROTATION_MIN_SDK))
                    .and_then(|v| {
                        v.get(..4)
                            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    });
                if declared.is_none() {
                    v3.warnings.push(
                        "v3.1 block present but v3 signer lacks the rotation-min-sdk attribute"
                            .into(),
                    );
                }
            }
            found.push(Scheme::V3);
        } else if v31.present {
            v31.errors
                .push("v3.1 signature present without a v3 signature".into());
        }
    }
    let mut stripped = false;
    let mut reasons: Vec<String> = Vec::new();
    if (min_sdk < SDK_P || found.is_empty()) && max_sdk >= SDK_N && v2.present {
        v2.checked = true;
        found.push(Scheme::V2);
        // Stripping protection: v2 signers that name v3 require it.
        if max_sdk >= SDK_P && !v3.present {
            for p in &v2_signers {
                if let Some(v) = p.attribute(scheme::ATTR_STRIPPING_PROTECTION)
                    && v.get(..4) == Some(&3u32.to_le_bytes()[..])
                {
                    stripped = true;
                    v2.errors.push(
                        "v2 signer declares a v3 signature (stripping protection) but none is present"
                            .into(),
                    );
                    break;
                }
            }
        }
    }
    // v1.
    let mut v1r = blank(Scheme::V1);
    let v1_needed = min_sdk < SDK_N || found.is_empty();
    // Entry digests are the costly part of v1 (every entry inflated); skip
    // them when Android would not check v1 for this SDK range.
    let v1_result = v1::verify(view, min_sdk, max_sdk, v1_needed && opts.content_digests);
    v1r.present = v1_result.present;
    if v1_needed {
        v1r.checked = true;
        v1r.errors = v1_result.errors.clone();
        v1r.warnings = v1_result.warnings.clone();
        if max_sdk >= SDK_N {
            for id in &v1_result.apk_signed_schemes {
                let missing = match id {
                    2 => !v2.present,
                    3 => !v3.present,
                    _ => false,
                };
                if missing {
                    stripped = true;
                    v1r.errors.push(format!(
                        "JAR signature declares APK Signature Scheme v{id} (X-Android-APK-Signed) but it is missing"
                    ));
                }
            }
        }
    }
    for s in &v1_result.signers {
        let mut chain = Vec::new();
        let mut signer_sha = None;
        if let Some(i) = s.signer_cert
            && let Some(c) = s.certificates.get(i)
        {
            let k = certs.add(c);
            signer_sha = Some(k.clone());
            chain.push(k);
        }
        for (j, c) in s.certificates.iter().enumerate() {
            if Some(j) != s.signer_cert {
                chain.push(certs.add(c));
            }
        }
        v1r.signers.push(SignerReport {
            certificate_sha256: signer_sha,
            chain,
            algorithms: s.algorithm.iter().cloned().collect(),
            min_sdk: None,
            max_sdk: None,
            digests_ok: s.digests_ok,
            signature_ok: s.signature_ok,
            errors: s.errors.clone(),
        });
    }

    // Signer identities must agree between schemes that are both checked.
    let signer_set = |r: &SchemeReport| -> Vec<String> {
        let mut v: Vec<String> = r
            .signers
            .iter()
            .filter_map(|s| s.certificate_sha256.clone())
            .collect();
        v.sort();
        v
    };
    if v1r.checked
        && v2.checked
        && v1r.errors.is_empty()
        && v2.errors.is_empty()
        && signer_set(&v1r) != signer_set(&v2)
    {
        v2.errors.push("v1 and v2 signers do not match".into());
    }
    if v2.checked && v3.checked && v2.errors.is_empty() && v3.errors.is_empty() {
        let v2s = signer_set(&v2);
        let mut allowed: Vec<String> = signer_set(&v3);
        allowed.extend(lineage.iter().map(|n| n.certificate_sha256.clone()));
        if !v2s.iter().all(|c| allowed.contains(c)) {
            v3.errors
                .push("v2 signer is neither the v3 signer nor in its lineage".into());
        }
    }

    let mut schemes_ok = Vec::new();
    for r in [&mut v1r, &mut v2, &mut v3, &mut v31] {
        r.verified = r.checked && r.errors.is_empty() && !r.signers.is_empty();
        if r.verified {
            schemes_ok.push(r.scheme);
        }
        if r.checked && !r.verified {
            let first = r
                .errors
                .first()
                .cloned()
                .unwrap_or_else(|| "no signers".into());
            reasons.push(format!("{:?}: {first}", r.scheme));
        }
    }
    let v2_plus = schemes_ok.iter().any(|s| *s != Scheme::V1);
    if !v2_plus {
        if let Some(t) = opts.target_sdk
            && t >= 30
            && max_sdk >= 30
        {
            reasons.push(format!(
                "target SDK {t} requires APK Signature Scheme v2 or newer, which is not verified"
            ));
        }
        if let Some(t) = opts.target_sandbox_version
            && t > 1
            && max_sdk >= 26
        {
            reasons.push(format!(
                "target sandbox version {t} requires APK Signature Scheme v2 or newer, which is not verified"
            ));
        }
    }
    let policy_ok = v2_plus
        || !(opts.target_sdk.is_some_and(|t| t >= 30) && max_sdk >= 30
            || opts.target_sandbox_version.is_some_and(|t| t > 1) && max_sdk >= 26);
    let any_checked = [&v1r, &v2, &v3, &v31].iter().any(|r| r.checked);
    if !any_checked {
        reasons.push("no signature Android would accept for this SDK range".into());
    }
    let verified = any_checked
        && [&v1r, &v2, &v3, &v31]
            .iter()
            .all(|r| !r.checked || r.verified)
        && !schemes_ok.is_empty()
        && policy_ok;

    let source_stamp = check_stamp(
        view,
        stamp_block,
        [
            (&v1r, &[][..]),
            (&v2, &v2_signers[..]),
            (&v3, &v3_signers[..]),
        ],
        opts.content_digests,
        &mut certs,
    );

    let certificates = certs
        .1
        .iter()
        .filter_map(|k| certs.0.get(k).cloned())
        .collect();
    SigningReport {
        schemes: vec![v1r, v2, v3, v31],
        certificates,
        signing_block: block_info,
        channels,
        source_stamp,
        lineage,
        verdict: Verdict {
            verified,
            schemes: schemes_ok,
            stripped,
            reasons,
        },
        anomalies,
    }
}

fn blank(scheme: Scheme) -> SchemeReport {
    SchemeReport {
        scheme,
        present: false,
        checked: false,
        verified: false,
        signers: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    }
}

/// v3 signers must cover `lo..=hi` without gaps or overlaps.
fn sdk_coverage(rep: &mut SchemeReport, signers: &[scheme::ParsedSigner], lo: u32, hi: u32) {
    if lo > hi {
        return;
    }
    let mut ranges: Vec<(u32, u32)> = signers
        .iter()
        .filter_map(|s| s.sdk_signed)
        .filter(|(a, b)| *a <= hi && *b >= lo)
        .collect();
    ranges.sort_unstable();
    let mut next = u64::from(lo);
    for (a, b) in &ranges {
        if u64::from(*a) > next {
            rep.errors
                .push(format!("no signer for SDK versions {next}..{}", a - 1));
        } else if u64::from(*a) < next && next > u64::from(lo) {
            rep.errors
                .push("signers with overlapping SDK ranges".into());
        }
        next = next.max(u64::from(*b) + 1);
    }
    if ranges.is_empty() {
        rep.errors
            .push(format!("no signer for SDK versions {lo}..{hi}"));
    } else if next <= u64::from(hi) {
        rep.errors
            .push(format!("no signer for SDK versions {next}..{hi}"));
    }
}

fn check_signer(
    p: &scheme::ParsedSigner,
    sections: &Result<digest::Sections<'_>, String>,
    cache: &mut BTreeMap<scheme::ContentDigest, Result<Vec<u8>, String>>,
    certs: &mut Certs,
    content_digests: bool,
) -> SignerReport {
    let (mut errors, _warnings) = p.check();
    let signature_ok = errors.is_empty();
    let chain: Vec<String> = p.certificates.iter().map(|c| certs.add(c)).collect();
    let mut digests_ok = content_digests;
    if !content_digests {
        errors.push(NOT_CHECKED.into());
    }
    for (alg, expected) in p.digests.iter().filter(|_| content_digests) {
        let Some(kind) = scheme::content_digest(*alg) else {
            continue;
        };
        let got = cache.entry(kind).or_insert_with(|| match sections {
            Err(e) => Err(e.clone()),
            Ok(s) => match kind {
                scheme::ContentDigest::ChunkedSha256 => s
                    .chunked(&[HashAlg::Sha256])
                    .map(|mut v| v.pop().map(|x| x.1).unwrap_or_default()),
                scheme::ContentDigest::ChunkedSha512 => s
                    .chunked(&[HashAlg::Sha512])
                    .map(|mut v| v.pop().map(|x| x.1).unwrap_or_default()),
                scheme::ContentDigest::VeritySha256 => s.verity(),
            },
        });
        match got {
            Ok(g) if g == expected => {}
            Ok(_) => {
                digests_ok = false;
                errors.push(format!(
                    "{} content digest mismatch (APK modified after signing)",
                    scheme::alg_name(*alg)
                ));
            }
            Err(e) => {
                digests_ok = false;
                errors.push(format!("content digest not computable: {e}"));
            }
        }
    }
    SignerReport {
        certificate_sha256: p.cert_sha256(),
        chain,
        algorithms: p.signatures.iter().map(|s| scheme::alg_name(s.0)).collect(),
        min_sdk: p.sdk_signed.map(|s| s.0),
        max_sdk: p.sdk_signed.map(|s| s.1),
        digests_ok,
        signature_ok,
        errors,
    }
}

/// Verifies the source stamp against the digests of the schemes Android
/// verified (apksigner does the same; a v1 digest counts only when v1 did).
fn check_stamp(
    view: &dyn PackageView,
    block: Option<(u8, &[u8])>,
    schemes: [(&SchemeReport, &[scheme::ParsedSigner]); 3],
    check: bool,
    certs: &mut Certs,
) -> Option<SourceStamp> {
    let has_entry = view.names().iter().any(|n| n == stamp::CERT_DIGEST_ENTRY);
    let cert_digest_entry = has_entry.then(|| view.read(stamp::CERT_DIGEST_ENTRY, 4096));
    if block.is_none() && cert_digest_entry.is_none() {
        return None;
    }
    let mut verified_schemes = Vec::new();
    for (rep, signers) in schemes {
        if !rep.verified {
            continue;
        }
        let (stamp_scheme, digests) = match rep.scheme {
            Scheme::V1 => match view.read("META-INF/MANIFEST.MF", v1::MAX_META_FILE) {
                Ok(m) => (
                    stamp::STAMP_SCHEME_JAR,
                    vec![(stamp::DIGEST_SHA256, stamp::jar_digest(&m))],
                ),
                Err(_) => continue,
            },
            s => (
                if s == Scheme::V2 {
                    stamp::STAMP_SCHEME_V2
                } else {
                    stamp::STAMP_SCHEME_V3
                },
                signers
                    .iter()
                    .flat_map(|p| p.digests.iter())
                    .filter_map(|(alg, d)| stamp::digest_id_for(*alg).map(|id| (id, d.clone())))
                    .collect(),
            ),
        };
        verified_schemes.push(stamp::SchemeDigests {
            stamp_scheme,
            digests,
        });
    }
    let (st, stamp_certs) = stamp::verify_stamp(&stamp::StampInput {
        block,
        cert_digest_entry,
        verified_schemes,
        check,
    })?;
    for c in &stamp_certs {
        certs.add(c);
    }
    Some(st)
}
