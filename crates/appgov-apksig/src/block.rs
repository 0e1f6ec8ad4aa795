//! The APK Signing Block: the ID-value container right before the central
//! directory that holds v2/v3/v3.1 signatures, source stamps, padding and the
//! channel payloads Chinese distribution tools inject without re-signing.

use appgov_zip::ReadAt;
use serde::Serialize;

pub const MAGIC: &[u8; 16] = b"APK Sig Block 42";
pub const ID_V2: u32 = 0x7109_871a;
pub const ID_V3: u32 = 0xf053_68c0;
pub const ID_V31: u32 = 0x1b93_ad61;
pub const ID_STAMP_V1: u32 = 0x2b09_189e;
pub const ID_STAMP_V2: u32 = 0x6dff_800d;
pub const ID_VERITY_PADDING: u32 = 0x4272_6577;
pub const ID_DEPENDENCY_INFO: u32 = 0x504b_4453;
pub const ID_PLAY_FROSTING: u32 = 0x2146_444e;
pub const ID_ZERO_BLOCK: u32 = 0xff3b_5998;
pub const ID_WALLE: u32 = 0x7177_7777;
pub const ID_VASDOLLY: u32 = 0x8811_55ff;
pub const ID_PACKER_NG: u32 = 0x7a78_6b21;

/// Largest signing block we load. Real blocks are kilobytes (padding brings
/// them to at most a few pages); anything bigger is hostile or broken.
pub const MAX_BLOCK_SIZE: u64 = 64 << 20;
/// Most ID-value pairs we list.
pub const MAX_PAIRS: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigError {
    /// No "APK Sig Block 42" magic right before the central directory.
    #[error("no APK Signing Block before the central directory")]
    NotFound,
    #[error("APK Signing Block malformed: {0}")]
    Malformed(String),
    #[error("APK Signing Block larger than {MAX_BLOCK_SIZE} bytes")]
    TooLarge,
    #[error("read error: {0}")]
    Io(String),
}

/// A parsed APK Signing Block.
#[derive(Debug, Clone)]
pub struct SigningBlock {
    /// File offset of the block's first size field.
    pub offset: u64,
    /// Total bytes including both size fields and the magic.
    pub total_size: u64,
    pub pairs: Vec<IdValue>,
    /// Problems that did not stop listing (e.g. a truncated trailing pair).
    pub anomalies: Vec<String>,
}

/// One ID-value pair.
#[derive(Debug, Clone)]
pub struct IdValue {
    pub id: u32,
    /// File offset of the value.
    pub value_offset: u64,
    pub value: Vec<u8>,
}

impl SigningBlock {
    /// Value of the first pair with `id` (Android uses the first match).
    pub fn value(&self, id: u32) -> Option<&[u8]> {
        self.pairs
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.value.as_slice())
    }
}

/// Facts about the block for the report.
#[derive(Debug, Clone, Serialize)]
pub struct SigningBlockInfo {
    pub offset: u64,
    pub size: u64,
    pub entries: Vec<BlockEntryInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlockEntryInfo {
    /// "0x7109871a".
    pub id: String,
    /// Known name ("v2", "v3", "walle", …) or "unknown".
    pub name: String,
    pub size: u64,
}

impl SigningBlock {
    pub fn info(&self) -> SigningBlockInfo {
        SigningBlockInfo {
            offset: self.offset,
            size: self.total_size,
            entries: self
                .pairs
                .iter()
                .map(|p| BlockEntryInfo {
                    id: format!("0x{:08x}", p.id),
                    name: id_name(p.id).to_string(),
                    size: p.value.len() as u64,
                })
                .collect(),
        }
    }
}

/// Human name of a block ID.
pub fn id_name(id: u32) -> &'static str {
    match id {
        ID_V2 => "v2",
        ID_V3 => "v3",
        ID_V31 => "v3.1",
        ID_STAMP_V1 => "source_stamp_v1",
        ID_STAMP_V2 => "source_stamp_v2",
        ID_VERITY_PADDING => "verity_padding",
        ID_DEPENDENCY_INFO => "dependency_info",
        ID_PLAY_FROSTING => "play_frosting",
        ID_ZERO_BLOCK => "zero_block",
        ID_WALLE => "walle",
        ID_VASDOLLY => "vasdolly",
        ID_PACKER_NG => "packer_ng",
        _ => "unknown",
    }
}

fn read(source: &dyn ReadAt, offset: u64, len: usize) -> Result<Vec<u8>, SigError> {
    let mut buf = vec![0u8; len];
    source
        .read_exact_at(&mut buf, offset)
        .map_err(|e| SigError::Io(e.to_string()))?;
    Ok(buf)
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(..8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

/// Locates and parses the signing block that ends at `cd_offset`.
///
/// Mirrors Android: the footer (size + magic) sits right before the central
/// directory, the header size must equal the footer size, and the block must
/// lie inside the file. Pairs are listed until the first malformed one.
pub fn parse_signing_block(source: &dyn ReadAt, cd_offset: u64) -> Result<SigningBlock, SigError> {
    if cd_offset < 32 || cd_offset > source.size() {
        return Err(SigError::NotFound);
    }
    let footer = read(source, cd_offset - 24, 24)?;
    if footer.get(8..24) != Some(&MAGIC[..]) {
        return Err(SigError::NotFound);
    }
    let size_in_footer = le_u64(&footer);
    if size_in_footer < 24 {
        return Err(SigError::Malformed(format!(
            "block size {size_in_footer} below minimum 24"
        )));
    }
    let total = size_in_footer
        .checked_add(8)
        .ok_or_else(|| SigError::Malformed("block size overflows".into()))?;
    if total > cd_offset {
        return Err(SigError::Malformed(format!(
            "block size {size_in_footer} exceeds the {cd_offset} bytes before the central directory"
        )));
    }
    if total > MAX_BLOCK_SIZE {
        return Err(SigError::TooLarge);
    }
    let offset = cd_offset - total;
    let len = usize::try_from(total).map_err(|_| SigError::TooLarge)?;
    let bytes = read(source, offset, len)?;
    let size_in_header = le_u64(&bytes);
    if size_in_header != size_in_footer {
        return Err(SigError::Malformed(format!(
            "size in header {size_in_header} differs from size in footer {size_in_footer}"
        )));
    }
    let pairs_bytes = bytes.get(8..len - 24).unwrap_or_default();
    let mut pairs = Vec::new();
    let mut anomalies = Vec::new();
    let mut pos = 0usize;
    let mut index = 0usize;
    while pos < pairs_bytes.len() {
        index += 1;
        if pairs.len() >= MAX_PAIRS {
            anomalies.push(format!("more than {MAX_PAIRS} pairs; rest not listed"));
            break;
        }
        let Some(len_bytes) = pairs_bytes.get(pos..pos + 8) else {
            anomalies.push(format!("pair #{index}: truncated length field"));
            break;
        };
        let pair_len = le_u64(len_bytes);
        let remaining = (pairs_bytes.len() - pos - 8) as u64;
        if !(4..=remaining).contains(&pair_len) {
            anomalies.push(format!(
                "pair #{index}: size {pair_len} out of range (remaining {remaining})"
            ));
            break;
        }
        let start = pos + 8;
        let end = start + pair_len as usize;
        let Some(pair) = pairs_bytes.get(start..end) else {
            break;
        };
        let mut idb = [0u8; 4];
        idb.copy_from_slice(pair.get(..4).unwrap_or(&[0; 4]));
        pairs.push(IdValue {
            id: u32::from_le_bytes(idb),
            value_offset: offset + 8 + start as u64 + 4,
            value: pair.get(4..).unwrap_or_default().to_vec(),
        });
        pos = end;
    }
    Ok(SigningBlock {
        offset,
        total_size: total,
        pairs,
        anomalies,
    })
}

/// A distribution channel recorded in the package.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Channel {
    /// "walle", "vasdolly", "packer_ng".
    pub source: String,
    /// The channel name, when the payload names one.
    pub channel: Option<String>,
    /// Other key/values in the payload (Walle extras, Packer-NG keys).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<(String, String)>,
}

/// Longest channel payload we decode.
const MAX_CHANNEL_PAYLOAD: usize = 64 << 10;

/// Decodes the channel payloads found in the block.
pub fn channels(block: &SigningBlock) -> Vec<Channel> {
    let mut out = Vec::new();
    for p in &block.pairs {
        let Some(v) = p.value.get(..p.value.len().min(MAX_CHANNEL_PAYLOAD)) else {
            continue;
        };
        match p.id {
            ID_WALLE => out.push(decode_walle(v)),
            ID_VASDOLLY => out.push(Channel {
                source: "vasdolly".into(),
                channel: Some(String::from_utf8_lossy(v).trim().to_string()),
                extras: Vec::new(),
            }),
            ID_PACKER_NG => out.push(decode_packer_ng(v)),
            _ => {}
        }
    }
    out
}

fn decode_walle(v: &[u8]) -> Channel {
    let mut ch = Channel {
        source: "walle".into(),
        channel: None,
        extras: Vec::new(),
    };
    match serde_json::from_slice::<serde_json::Value>(v) {
        Ok(serde_json::Value::Object(map)) => {
            for (k, val) in map.iter().take(64) {
                let s = match val {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if k == "channel" {
                    ch.channel = Some(s);
                } else {
                    ch.extras.push((k.clone(), s));
                }
            }
        }
        _ => ch
            .extras
            .push(("raw".into(), String::from_utf8_lossy(v).into_owned())),
    }
    ch
}

/// Packer-NG v2: `key∘value∙key∘value`, possibly framed by its
/// "Packer Ng Sig V2" magic; the channel key is `CHANNEL` (or `zKey` in
/// early releases).
fn decode_packer_ng(v: &[u8]) -> Channel {
    let text = String::from_utf8_lossy(v).replace("Packer Ng Sig V2", "");
    let mut ch = Channel {
        source: "packer_ng".into(),
        channel: None,
        extras: Vec::new(),
    };
    for line in text.split('∙').take(64) {
        let line = line.trim_matches(|c: char| c.is_control() || c == '\u{fffd}');
        let Some((k, val)) = line.split_once('∘') else {
            continue;
        };
        let k = k.trim_matches(|c: char| c.is_control() || c == '\u{fffd}');
        if k == "CHANNEL" || k == "zKey" {
            ch.channel = Some(val.to_string());
        } else {
            ch.extras.push((k.to_string(), val.to_string()));
        }
    }
    ch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synth(pairs: &[(u32, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (id, v) in pairs {
            body.extend_from_slice(&((v.len() + 4) as u64).to_le_bytes());
            body.extend_from_slice(&id.to_le_bytes());
            body.extend_from_slice(v);
        }
        let size = (body.len() + 24) as u64;
        let mut out = vec![0xAAu8; 10];
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&body);
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(MAGIC);
        out
    }

    #[test]
    fn parses_pairs_and_channels() {
        let f = synth(&[
            (ID_WALLE, br#"{"channel":"meituan","k":"v"}"#),
            (ID_VASDOLLY, b"huawei"),
            (ID_PACKER_NG, "CHANNEL∘xiaomi∙zExt∘e".as_bytes()),
            (0x1234, b""),
        ]);
        let b = parse_signing_block(&f, f.len() as u64).unwrap();
        assert_eq!(b.offset, 10);
        assert_eq!(b.pairs.len(), 4);
        assert_eq!(b.info().entries[3].name, "unknown");
        let ch = channels(&b);
        assert_eq!(ch[0].channel.as_deref(), Some("meituan"));
        assert_eq!(ch[0].extras, vec![("k".to_string(), "v".to_string())]);
        assert_eq!(ch[1].channel.as_deref(), Some("huawei"));
        assert_eq!(ch[2].channel.as_deref(), Some("xiaomi"));
    }

    #[test]
    fn rejects_bad_sizes() {
        let mut f = synth(&[(ID_V2, b"abcd")]);
        // Header size differs from footer size.
        f[10] ^= 1;
        assert!(matches!(
            parse_signing_block(&f, f.len() as u64),
            Err(SigError::Malformed(_))
        ));
        let mut g = synth(&[(ID_V2, b"abcd")]);
        let n = g.len();
        g[n - 24..n - 16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(parse_signing_block(&g, n as u64).is_err());
        assert_eq!(
            parse_signing_block(&b"short".to_vec(), 5).unwrap_err(),
            SigError::NotFound
        );
    }

    #[test]
    fn truncated_pair_is_an_anomaly() {
        let mut body = Vec::new();
        body.extend_from_slice(&100u64.to_le_bytes());
        body.extend_from_slice(&ID_V2.to_le_bytes());
        let size = (body.len() + 24) as u64;
        let mut f = Vec::new();
        f.extend_from_slice(&size.to_le_bytes());
        f.extend_from_slice(&body);
        f.extend_from_slice(&size.to_le_bytes());
        f.extend_from_slice(MAGIC);
        let b = parse_signing_block(&f, f.len() as u64).unwrap();
        assert!(b.pairs.is_empty());
        assert_eq!(b.anomalies.len(), 1);
    }
}
