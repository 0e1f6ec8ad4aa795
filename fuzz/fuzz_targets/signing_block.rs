#![no_main]
//! APK Signing Block parsing plus v2/v3 signer and source stamp parsing on arbitrary bytes:
//! once with the input as a whole file (CD offset taken from a trailing EOCD
//! if one parses, else the file end), once with the input placed as the block
//! before a minimal synthetic central directory and EOCD.

use appgov_apksig::{block, scheme, stamp};
use libfuzzer_sys::fuzz_target;

fn exercise(file: &Vec<u8>, cd_offset: u64) {
    let Ok(b) = appgov_apksig::parse_signing_block(file, cd_offset) else {
        return;
    };
    let _ = b.info();
    let _ = block::channels(&b);
    for (id, v3) in [(block::ID_V2, false), (block::ID_V3, true), (block::ID_V31, true)] {
        if let Some(v) = b.value(id)
            && let Ok(signers) = scheme::parse_signers(v, v3)
        {
            for s in signers.into_iter().flatten() {
                let _ = s.check();
                if let Some(l) = s.attribute(scheme::ATTR_PROOF_OF_ROTATION) {
                    let _ = scheme::parse_lineage(l);
                }
            }
        }
    }
    // Source stamp, announced by an entry so the whole check runs.
    for (id, version) in [(block::ID_STAMP_V2, 2u8), (block::ID_STAMP_V1, 1u8)] {
        if let Some(v) = b.value(id) {
            let _ = stamp::verify_stamp(&stamp::StampInput {
                block: Some((version, v)),
                cert_digest_entry: Some(Ok(vec![0; 32])),
                verified_schemes: vec![stamp::SchemeDigests {
                    stamp_scheme: stamp::STAMP_SCHEME_V2,
                    digests: vec![(1, vec![0; 32])],
                }],
                check: true,
            });
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // 1. The input as a whole file.
    let whole = data.to_vec();
    let n = whole.len();
    let mut cd = n as u64;
    if n >= 22 {
        let e = &whole[n - 22..];
        if e[..4] == [0x50, 0x4b, 0x05, 0x06] {
            cd = u64::from(u32::from_le_bytes([e[16], e[17], e[18], e[19]]));
        }
    }
    exercise(&whole, cd);

    // 2. The input as the signing block before an empty CD + EOCD; the block
    // footer magic is appended so the parser reaches the pair walker.
    let mut f = data.to_vec();
    f.extend_from_slice(&((data.len() as u64).saturating_add(16)).to_le_bytes());
    f.extend_from_slice(block::MAGIC);
    let cd_offset = f.len() as u64;
    let mut eocd = vec![0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    eocd.extend_from_slice(&(cd_offset as u32).to_le_bytes());
    eocd.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&eocd);
    exercise(&f, cd_offset);
    if let Ok(b) = appgov_apksig::parse_signing_block(&f, cd_offset)
        && let Ok(s) = appgov_apksig::digest::Sections::new(&f, b.offset, cd_offset, cd_offset)
    {
        let _ = s.chunked(&[appgov_apksig::HashAlg::Sha256]);
    }
});
