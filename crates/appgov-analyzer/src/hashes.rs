//! Whole-file digests, computed in one streaming pass so a 300 MB package is
//! never held in memory.

use appgov_zip::ReadAt;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

pub struct FileDigests {
    pub sha256: String,
    pub sha1: String,
    pub md5: String,
}

const CHUNK: usize = 1 << 20;

pub fn digest_source(source: &dyn ReadAt) -> std::io::Result<FileDigests> {
    let size = source.size();
    let mut sha256 = Sha256::new();
    let mut sha1 = Sha1::new();
    let mut md5 = Md5::new();
    let mut buf = vec![0u8; CHUNK.min(usize::try_from(size).unwrap_or(CHUNK)).max(1)];
    let mut offset = 0u64;
    while offset < size {
        let n = usize::try_from((size - offset).min(buf.len() as u64)).unwrap_or(buf.len());
        let chunk = &mut buf[..n];
        source.read_exact_at(chunk, offset)?;
        sha256.update(&*chunk);
        sha1.update(&*chunk);
        md5.update(&*chunk);
        offset += n as u64;
    }
    Ok(FileDigests {
        sha256: hex::encode(sha256.finalize()),
        sha1: hex::encode(sha1.finalize()),
        md5: hex::encode(md5.finalize()),
    })
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_digests() {
        let d = super::digest_source(&b"abc".to_vec()).unwrap();
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(d.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(d.md5, "900150983cd24fb0d6963f7d28e17f72");
        let empty = super::digest_source(&Vec::new()).unwrap();
        assert_eq!(empty.md5, "d41d8cd98f00b204e9800998ecf8427e");
    }
}
