//! Content digests of the signed parts of an APK (v2/v3): 1 MiB chunked
//! SHA-256/SHA-512 and the verity Merkle root, streamed through `ReadAt` so a
//! 300 MB package never sits in memory.

use crate::crypto::{HashAlg, Hasher};
use appgov_zip::ReadAt;

const CHUNK: u64 = 1 << 20;
const VERITY_BLOCK: usize = 4096;
/// APK verity hashes every 4 KiB block as SHA-256(8 zero salt bytes || block)
/// (checked against apksig's golden test vectors in the corpus).
const VERITY_SALT: [u8; 8] = [0; 8];

fn verity_hash(block: &[u8]) -> Vec<u8> {
    let mut h = Hasher::new(HashAlg::Sha256);
    h.update(&VERITY_SALT);
    h.update(block);
    h.finish()
}

/// The three regions covered by v2+ signatures.
#[derive(Clone)]
pub struct Sections<'a> {
    pub source: &'a dyn ReadAt,
    /// End of the entries (start of the signing block).
    pub block_offset: u64,
    pub cd_offset: u64,
    pub eocd_offset: u64,
    /// EOCD bytes with the central-directory offset replaced by `block_offset`.
    pub eocd: Vec<u8>,
}

impl<'a> Sections<'a> {
    pub fn new(
        source: &'a dyn ReadAt,
        block_offset: u64,
        cd_offset: u64,
        eocd_offset: u64,
    ) -> Result<Self, String> {
        let size = source.size();
        if eocd_offset > size || cd_offset > eocd_offset || block_offset > cd_offset {
            return Err("section offsets out of order".into());
        }
        let eocd_len = usize::try_from(size - eocd_offset).map_err(|_| "EOCD too large")?;
        if !(22..=22 + 65535 + 1024).contains(&eocd_len) {
            return Err(format!("EOCD record of {eocd_len} bytes"));
        }
        let mut eocd = vec![0u8; eocd_len];
        source
            .read_exact_at(&mut eocd, eocd_offset)
            .map_err(|e| e.to_string())?;
        let off = u32::try_from(block_offset)
            .unwrap_or(u32::MAX)
            .to_le_bytes();
        if let Some(f) = eocd.get_mut(16..20) {
            f.copy_from_slice(&off);
        }
        Ok(Sections {
            source,
            block_offset,
            cd_offset,
            eocd_offset,
            eocd,
        })
    }

    fn ranges(&self) -> [(u64, u64); 2] {
        [
            (0, self.block_offset),
            (self.cd_offset, self.eocd_offset - self.cd_offset),
        ]
    }

    /// Feeds the sections in `piece`-sized slices (each section separately).
    fn for_each_piece(&self, piece: u64, f: &mut dyn FnMut(usize, &[u8])) -> Result<(), String> {
        let mut buf = vec![0u8; usize::try_from(piece).unwrap_or(1 << 20)];
        for (i, (start, len)) in self.ranges().into_iter().enumerate() {
            let mut done = 0u64;
            while done < len {
                let n = (len - done).min(piece) as usize;
                let b = buf.get_mut(..n).ok_or("buffer")?;
                self.source
                    .read_exact_at(b, start + done)
                    .map_err(|e| format!("read at {}: {e}", start + done))?;
                f(i, b);
                done += n as u64;
            }
        }
        for c in self.eocd.chunks(usize::try_from(piece).unwrap_or(1 << 20)) {
            f(2, c);
        }
        Ok(())
    }

    /// Chunked digests (Android's 0x5a/0xa5 scheme) for each requested hash.
    pub fn chunked(&self, algs: &[HashAlg]) -> Result<Vec<(HashAlg, Vec<u8>)>, String> {
        let mut chunk_digests: Vec<Vec<u8>> = vec![Vec::new(); algs.len()];
        let mut count: u32 = 0;
        self.for_each_piece(CHUNK, &mut |_, data| {
            count = count.saturating_add(1);
            let len = u32::try_from(data.len()).unwrap_or(u32::MAX).to_le_bytes();
            for (alg, out) in algs.iter().zip(chunk_digests.iter_mut()) {
                let mut h = Hasher::new(*alg);
                h.update(&[0xa5]);
                h.update(&len);
                h.update(data);
                out.extend_from_slice(&h.finish());
            }
        })?;
        Ok(algs
            .iter()
            .zip(chunk_digests)
            .map(|(alg, digests)| {
                let mut h = Hasher::new(*alg);
                h.update(&[0x5a]);
                h.update(&count.to_le_bytes());
                h.update(&digests);
                (*alg, h.finish())
            })
            .collect())
    }

    /// Verity digest: salted SHA-256 Merkle root over 4 KiB blocks of the
    /// three sections concatenated (zero-padded), then the 8-byte LE length.
    pub fn verity(&self) -> Result<Vec<u8>, String> {
        if !self.block_offset.is_multiple_of(VERITY_BLOCK as u64) {
            return Err("signing block not 4096-aligned (verity needs it)".into());
        }
        let mut level: Vec<u8> = Vec::new();
        let mut pending: Vec<u8> = Vec::with_capacity(VERITY_BLOCK);
        let mut total: u64 = 0;
        self.for_each_piece(CHUNK, &mut |_, mut data| {
            total += data.len() as u64;
            while !data.is_empty() {
                let take = (VERITY_BLOCK - pending.len()).min(data.len());
                let (a, b) = data.split_at(take);
                pending.extend_from_slice(a);
                data = b;
                if pending.len() == VERITY_BLOCK {
                    level.extend_from_slice(&verity_hash(&pending));
                    pending.clear();
                }
            }
        })?;
        if !pending.is_empty() {
            pending.resize(VERITY_BLOCK, 0);
            level.extend_from_slice(&verity_hash(&pending));
        }
        while level.len() > VERITY_BLOCK {
            let mut next = Vec::with_capacity(level.len() / 128 + 32);
            for block in level.chunks(VERITY_BLOCK) {
                let mut b = block.to_vec();
                b.resize(VERITY_BLOCK, 0);
                next.extend_from_slice(&verity_hash(&b));
            }
            level = next;
        }
        level.resize(VERITY_BLOCK, 0);
        let mut out = verity_hash(&level);
        out.extend_from_slice(&total.to_le_bytes());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_scheme_small_input() {
        // 5 bytes of entries, empty CD, 22-byte EOCD: three chunks.
        let mut f = b"hello".to_vec();
        let mut eocd = vec![0x50, 0x4b, 0x05, 0x06];
        eocd.resize(22, 0);
        f.extend_from_slice(&eocd);
        let s = Sections::new(&f, 5, 5, 5).unwrap();
        let got = s.chunked(&[HashAlg::Sha256]).unwrap();
        let mut expected_eocd = eocd.clone();
        expected_eocd[16..20].copy_from_slice(&5u32.to_le_bytes());
        let chunk = |d: &[u8]| {
            let mut v = vec![0xa5];
            v.extend_from_slice(&(d.len() as u32).to_le_bytes());
            v.extend_from_slice(d);
            HashAlg::Sha256.digest(&v)
        };
        let mut top = vec![0x5a];
        top.extend_from_slice(&2u32.to_le_bytes());
        top.extend_from_slice(&chunk(b"hello"));
        top.extend_from_slice(&chunk(&expected_eocd));
        assert_eq!(got[0].1, HashAlg::Sha256.digest(&top));
    }
}
