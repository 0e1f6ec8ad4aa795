//! Signing report → signing facts.

use crate::apk::push_anomaly;
use appgov_apksig::{Scheme, SigningReport};
use appgov_facts::{
    CertificateFacts, ChannelFacts, Facts, LineageNode, SchemeFacts, SigningBlockEntry,
    SigningFacts, SourceStampFacts,
};

pub fn scheme_name(s: Scheme) -> &'static str {
    match s {
        Scheme::V1 => "v1",
        Scheme::V2 => "v2",
        Scheme::V3 => "v3",
        Scheme::V31 => "v3.1",
    }
}

/// VasDolly's v1 channel trailer in the ZIP comment:
/// `channel (UTF-8) | channel length (u16 LE) | "ltlovezh"`. It is used for
/// JAR-signed packages, whose signature does not cover the comment.
const VASDOLLY_V1_MAGIC: &[u8] = b"ltlovezh";

pub fn channel_in_comment(comment: &[u8]) -> Option<ChannelFacts> {
    let body = comment.strip_suffix(VASDOLLY_V1_MAGIC)?;
    let (rest, len) = body.split_at_checked(body.len().checked_sub(2)?)?;
    let len = usize::from(u16::from_le_bytes([*len.first()?, *len.get(1)?]));
    let channel = rest.get(rest.len().checked_sub(len)?..)?;
    Some(ChannelFacts {
        kind: "vasdolly_v1".into(),
        channel: Some(String::from_utf8_lossy(channel).into_owned()),
        extra: Vec::new(),
    })
}

pub fn apply(report: &SigningReport, facts: &mut Facts) {
    for a in &report.anomalies {
        push_anomaly(facts, "signing", a.kind, None, a.detail.clone());
    }
    if let Some(block) = &report.signing_block {
        facts.archive.signing_block_size = Some(block.size);
    }
    facts.signing = to_facts(report);
}

fn distinct<'a>(names: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    out
}

fn lineage(nodes: &[appgov_apksig::LineageNode]) -> Vec<LineageNode> {
    nodes
        .iter()
        .map(|n| LineageNode {
            certificate_sha256: n.certificate_sha256.clone(),
            flags: n.flags_raw,
        })
        .collect()
}

fn to_facts(r: &SigningReport) -> SigningFacts {
    let mut schemes: Vec<SchemeFacts> = r
        .schemes
        .iter()
        .filter(|s| s.present)
        .map(|s| SchemeFacts {
            scheme: scheme_name(s.scheme).into(),
            verified: s.verified,
            signers: s.signers.len() as u32,
            errors: s.errors.clone(),
            warnings: s.warnings.clone(),
            algorithms: distinct(s.signers.iter().flat_map(|sg| sg.algorithms.iter())),
        })
        .collect();
    if let Some(stamp) = &r.source_stamp {
        schemes.push(SchemeFacts {
            scheme: "source_stamp".into(),
            verified: stamp.verified.unwrap_or(false),
            signers: u32::from(stamp.certificate_sha256.is_some()),
            errors: stamp.errors.clone(),
            warnings: stamp.notes.clone(),
            algorithms: Vec::new(),
        });
    }
    let stamp_sha = r
        .source_stamp
        .as_ref()
        .and_then(|s| s.certificate_sha256.clone());
    // The installing signer first, then every other certificate seen.
    let mut order: Vec<&str> = r
        .signer_certificates()
        .into_iter()
        .map(|c| c.sha256.as_str())
        .collect();
    for c in &r.certificates {
        if !order.contains(&c.sha256.as_str()) {
            order.push(&c.sha256);
        }
    }
    let certificates = order
        .iter()
        .filter_map(|h| r.certificates.iter().find(|c| c.sha256 == *h))
        .map(|c| CertificateFacts {
            sha256: c.sha256.clone(),
            sha1: c.sha1.clone(),
            md5: c.md5.clone(),
            subject: c.subject.clone(),
            issuer: c.issuer.clone(),
            serial: c.serial.clone(),
            not_before: c.not_before.clone(),
            not_after: c.not_after.clone(),
            key_algorithm: c.key_algorithm.clone(),
            key_size: c.key_bits,
            signature_algorithm: c.signature_algorithm.clone(),
            self_signed: c.self_signed,
            debug: c.debug,
            schemes: r
                .schemes
                .iter()
                .filter(|s| {
                    s.signers
                        .iter()
                        .any(|sg| sg.chain.iter().any(|h| h == &c.sha256))
                })
                .map(|s| scheme_name(s.scheme).to_string())
                .chain(
                    (stamp_sha.as_deref() == Some(c.sha256.as_str()))
                        .then(|| "source_stamp".to_string()),
                )
                .collect(),
        })
        .collect();
    SigningFacts {
        schemes,
        verified: r.verdict.verified,
        verdict: if r.verdict.verified {
            format!(
                "verified with {}",
                r.verdict
                    .schemes
                    .iter()
                    .map(|s| scheme_name(*s))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            r.verdict.reasons.join("; ")
        },
        certificates,
        lineage: lineage(&r.lineage),
        block_entries: r
            .signing_block
            .as_ref()
            .map(|b| {
                b.entries
                    .iter()
                    .map(|e| SigningBlockEntry {
                        id: e.id.clone(),
                        name: e.name.clone(),
                        size: e.size,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        channels: r
            .channels
            .iter()
            .map(|c| ChannelFacts {
                kind: c.source.clone(),
                channel: c.channel.clone(),
                extra: c.extras.clone(),
            })
            .collect(),
        source_stamp: r.source_stamp.as_ref().map(|st| SourceStampFacts {
            version: st.version,
            certificate_sha256: st.certificate_sha256.clone(),
            verified: st.verified,
            schemes_signed: st
                .schemes_signed
                .iter()
                .map(|s| match s {
                    1 => "v1".to_string(),
                    2 => "v2".to_string(),
                    3 => "v3".to_string(),
                    other => format!("scheme-{other}"),
                })
                .collect(),
            timestamp_unix: st.timestamp,
            lineage: lineage(&st.lineage),
            errors: st.errors.clone(),
            notes: st.notes.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::channel_in_comment;

    #[test]
    fn vasdolly_v1_comment() {
        let mut c = b"prefix".to_vec();
        c.extend_from_slice("华为".as_bytes());
        c.extend_from_slice(&6u16.to_le_bytes());
        c.extend_from_slice(b"ltlovezh");
        assert_eq!(
            channel_in_comment(&c).unwrap().channel.as_deref(),
            Some("华为")
        );
        assert!(channel_in_comment(b"ltlovezh").is_none());
        assert!(channel_in_comment(b"\xff\xffltlovezh").is_none());
        assert!(channel_in_comment(b"plain comment").is_none());
    }
}
