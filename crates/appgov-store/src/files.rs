//! The content-addressed file store: package files, facts and evidence
//! documents under `DATA_DIR/files/sha256/ab/cdef…`, named by the SHA-256
//! of their bytes — never in the database, never overwritten, checked on
//! every read.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("file store {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0:?} is not a SHA-256 digest")]
    BadDigest(String),
    #[error("stored file {0} no longer matches its SHA-256 (altered on disk)")]
    Corrupt(String),
    #[error("file {0} is not in the file store")]
    Missing(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |source| FileError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn valid_digest(d: &str) -> bool {
    d.len() == 64 && d.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl FileStore {
    /// Opens (creating) the store under `data_dir/files`.
    pub fn open(data_dir: &Path) -> Result<FileStore, FileError> {
        let root = data_dir.join("files");
        for d in [root.join("sha256"), root.join("incoming")] {
            std::fs::create_dir_all(&d).map_err(io(&d))?;
        }
        Ok(FileStore { root })
    }

    fn path_of(&self, digest: &str) -> PathBuf {
        self.root
            .join("sha256")
            .join(&digest[..2])
            .join(&digest[2..])
    }

    /// Stores `bytes`, returning their SHA-256. Written to a temporary file,
    /// flushed to disk, then renamed into place, so a crash never leaves a
    /// partial file under a digest's name; storing the same bytes twice
    /// keeps the first copy.
    pub fn put(&self, bytes: &[u8]) -> Result<String, FileError> {
        let digest = sha256_hex(bytes);
        let dest = self.path_of(&digest);
        if dest.exists() {
            return Ok(digest);
        }
        let dir = dest.parent().expect("digest path has a parent");
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let tmp = self
            .root
            .join("incoming")
            .join(format!("{digest}.{}.tmp", std::process::id()));
        let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, &dest).map_err(io(&dest))?;
        Ok(digest)
    }

    /// Reads a stored file and checks it still has its digest.
    pub fn get(&self, digest: &str) -> Result<Vec<u8>, FileError> {
        if !valid_digest(digest) {
            return Err(FileError::BadDigest(digest.to_string()));
        }
        let p = self.path_of(digest);
        let bytes = match std::fs::read(&p) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(FileError::Missing(digest.to_string()));
            }
            Err(e) => return Err(io(&p)(e)),
        };
        if sha256_hex(&bytes) != digest {
            return Err(FileError::Corrupt(digest.to_string()));
        }
        Ok(bytes)
    }

    pub fn contains(&self, digest: &str) -> bool {
        valid_digest(digest) && self.path_of(digest).is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_by_digest_and_detects_alteration() {
        let dir = tempfile::tempdir().unwrap();
        let fs = FileStore::open(dir.path()).unwrap();
        let d = fs.put(b"evidence").unwrap();
        assert_eq!(d, sha256_hex(b"evidence"));
        assert_eq!(fs.put(b"evidence").unwrap(), d);
        assert_eq!(fs.get(&d).unwrap(), b"evidence");
        std::fs::write(fs.path_of(&d), b"forged").unwrap();
        assert!(matches!(fs.get(&d), Err(FileError::Corrupt(_))));
        assert!(matches!(
            fs.get(&sha256_hex(b"other")),
            Err(FileError::Missing(_))
        ));
        assert!(matches!(
            fs.get("../../etc/passwd"),
            Err(FileError::BadDigest(_))
        ));
    }
}
