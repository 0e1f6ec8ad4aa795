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

    /// The path of a stored file, for readers that stream it (the scan
    /// worker hands it to the analyser's child process). Not checked
    /// against its digest here: the analyser records the digest it reads.
    pub fn path(&self, digest: &str) -> Result<PathBuf, FileError> {
        if !valid_digest(digest) {
            return Err(FileError::BadDigest(digest.to_string()));
        }
        let p = self.path_of(digest);
        if !p.is_file() {
            return Err(FileError::Missing(digest.to_string()));
        }
        Ok(p)
    }

    /// Starts storing a file that arrives in pieces (an upload): written
    /// to `incoming/` and hashed as it goes, so a large package is never
    /// held in memory. [`Incoming::finish`] puts it in place; dropping an
    /// unfinished one removes the partial file.
    pub fn incoming(&self) -> Result<Incoming, FileError> {
        let tmp = self
            .root
            .join("incoming")
            .join(format!("upload-{}.tmp", crate::new_id()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io(&tmp))?;
        Ok(Incoming {
            store: self.clone(),
            tmp,
            file: Some(file),
            hasher: Sha256::new(),
            size: 0,
        })
    }

    /// A path in `incoming/` for a temporary file of the caller's (the
    /// facts a scan's child process writes).
    pub fn scratch_path(&self, name: &str) -> PathBuf {
        self.root.join("incoming").join(name)
    }

    /// Removes files older than `age` (since their last write) left in
    /// `incoming/` by a process that died mid-upload or mid-scan: never
    /// acknowledged, so nothing refers to them. Returns how many.
    pub fn sweep_incoming(&self, age: std::time::Duration) -> usize {
        let dir = self.root.join("incoming");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return 0;
        };
        let mut removed = 0;
        for e in entries.flatten() {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|el| el >= age);
            if old && std::fs::remove_file(e.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }
}

/// A file being stored piece by piece (see [`FileStore::incoming`]).
pub struct Incoming {
    store: FileStore,
    tmp: PathBuf,
    file: Option<std::fs::File>,
    hasher: Sha256,
    size: u64,
}

/// A file that [`Incoming::finish`] stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub size: u64,
}

impl Incoming {
    /// Appends `bytes` (hashing them).
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        let f = self
            .file
            .as_mut()
            .expect("an unfinished upload has its file");
        f.write_all(bytes).map_err(io(&self.tmp))?;
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        Ok(())
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Flushes the file to disk and renames it to its digest's name (the
    /// directory entry flushed too, so an acknowledged upload survives a
    /// power cut); a file already stored keeps its first copy.
    pub fn finish(mut self) -> Result<StoredFile, FileError> {
        let f = self.file.take().expect("finished once");
        f.sync_all().map_err(io(&self.tmp))?;
        drop(f);
        let digest = hex::encode(std::mem::take(&mut self.hasher).finalize());
        let dest = self.store.path_of(&digest);
        if dest.exists() {
            std::fs::remove_file(&self.tmp).map_err(io(&self.tmp))?;
        } else {
            let dir = dest.parent().expect("digest path has a parent");
            std::fs::create_dir_all(dir).map_err(io(dir))?;
            std::fs::rename(&self.tmp, &dest).map_err(io(&dest))?;
            #[cfg(unix)]
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io(dir))?;
        }
        Ok(StoredFile {
            sha256: digest,
            size: self.size,
        })
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
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

    fn incoming_files(dir: &Path) -> usize {
        std::fs::read_dir(dir.join("files/incoming"))
            .unwrap()
            .count()
    }

    #[test]
    fn incoming_files_are_hashed_as_they_arrive() {
        let dir = tempfile::tempdir().unwrap();
        let fs = FileStore::open(dir.path()).unwrap();
        let mut up = fs.incoming().unwrap();
        up.write(b"pack").unwrap();
        up.write(b"age").unwrap();
        assert_eq!(up.size(), 7);
        assert_eq!(incoming_files(dir.path()), 1);
        let stored = up.finish().unwrap();
        assert_eq!(stored.sha256, sha256_hex(b"package"));
        assert_eq!(stored.size, 7);
        assert_eq!(fs.get(&stored.sha256).unwrap(), b"package");
        assert_eq!(fs.path(&stored.sha256).unwrap(), fs.path_of(&stored.sha256));
        assert_eq!(incoming_files(dir.path()), 0);
        // The same bytes again: the first copy stays, nothing is left over.
        let mut again = fs.incoming().unwrap();
        again.write(b"package").unwrap();
        assert_eq!(again.finish().unwrap(), stored);
        assert_eq!(incoming_files(dir.path()), 0);
        // An abandoned upload leaves nothing behind.
        let mut abandoned = fs.incoming().unwrap();
        abandoned.write(b"part").unwrap();
        drop(abandoned);
        assert_eq!(incoming_files(dir.path()), 0);
        assert!(matches!(
            fs.path(&sha256_hex(b"part")),
            Err(FileError::Missing(_))
        ));
    }

    #[test]
    fn sweeping_removes_only_old_partial_files() {
        let dir = tempfile::tempdir().unwrap();
        let fs = FileStore::open(dir.path()).unwrap();
        std::fs::write(dir.path().join("files/incoming/upload-x.tmp"), b"x").unwrap();
        assert_eq!(fs.sweep_incoming(std::time::Duration::from_secs(3600)), 0);
        assert_eq!(fs.sweep_incoming(std::time::Duration::ZERO), 1);
        assert_eq!(incoming_files(dir.path()), 0);
    }
}
