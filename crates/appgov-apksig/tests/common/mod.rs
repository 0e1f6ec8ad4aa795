//! Test support: corpus location and a minimal ZIP view used while (or in
//! case) `appgov-zip` cannot open a file, so the verifier is exercised either way.
#![allow(dead_code)]

use appgov_apksig::{HashAlg, PackageView, crypto::Hasher};
use appgov_zip::ReadAt;
use std::io::Read;
use std::path::PathBuf;

pub fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: ../shared/corpus not found");
        None
    }
}

/// Corpus files of the given folders with the given extensions.
pub fn corpus_files(folders: &[&str], exts: &[&str]) -> Vec<PathBuf> {
    let Some(root) = corpus() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for f in folders {
        let Ok(rd) = std::fs::read_dir(root.join(f)) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if exts.iter().any(|x| p.extension().is_some_and(|e| e == *x)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub struct MiniEntry {
    pub name: String,
    pub method: u16,
    pub csize: u64,
    pub usize: u64,
    pub lho: u64,
}

/// A just-enough ZIP reader (no ZIP64) over a byte vector.
pub struct MiniZip {
    pub data: Vec<u8>,
    pub entries: Vec<MiniEntry>,
    pub cd_offset: u64,
    pub cd_size: u64,
    pub eocd_offset: u64,
}

fn u16le(d: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(o..o + 2)?.try_into().ok()?))
}
fn u32le(d: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(o..o + 4)?.try_into().ok()?))
}

impl MiniZip {
    pub fn open(data: Vec<u8>) -> Option<MiniZip> {
        let n = data.len();
        if n < 22 {
            return None;
        }
        let lo = n.saturating_sub(22 + 65535);
        let mut eocd = None;
        for i in (lo..=n - 22).rev() {
            if u32le(&data, i) == Some(0x0605_4b50) {
                let clen = usize::from(u16le(&data, i + 20)?);
                if i + 22 + clen == n {
                    eocd = Some(i);
                    break;
                }
            }
        }
        let eocd = eocd?;
        let count = usize::from(u16le(&data, eocd + 10)?);
        let cd_size = u64::from(u32le(&data, eocd + 12)?);
        let cd_offset = u64::from(u32le(&data, eocd + 16)?);
        let mut entries = Vec::new();
        let mut p = usize::try_from(cd_offset).ok()?;
        for _ in 0..count {
            if u32le(&data, p)? != 0x0201_4b50 {
                return None;
            }
            let nl = usize::from(u16le(&data, p + 28)?);
            let el = usize::from(u16le(&data, p + 30)?);
            let cl = usize::from(u16le(&data, p + 32)?);
            entries.push(MiniEntry {
                name: String::from_utf8_lossy(data.get(p + 46..p + 46 + nl)?).into_owned(),
                method: u16le(&data, p + 10)?,
                csize: u64::from(u32le(&data, p + 20)?),
                usize: u64::from(u32le(&data, p + 24)?),
                lho: u64::from(u32le(&data, p + 42)?),
            });
            p += 46 + nl + el + cl;
        }
        Some(MiniZip {
            data,
            entries,
            cd_offset,
            cd_size,
            eocd_offset: eocd as u64,
        })
    }

    fn entry_bytes(&self, e: &MiniEntry) -> Result<Vec<u8>, String> {
        let lho = e.lho as usize;
        let nl = usize::from(u16le(&self.data, lho + 26).ok_or("lh")?);
        let el = usize::from(u16le(&self.data, lho + 28).ok_or("lh")?);
        let start = lho + 30 + nl + el;
        let raw = self
            .data
            .get(start..start + e.csize as usize)
            .ok_or("data out of range")?;
        match e.method {
            0 => Ok(raw.to_vec()),
            8 => {
                let mut out = Vec::new();
                flate2::read::DeflateDecoder::new(raw)
                    .take(1 << 30)
                    .read_to_end(&mut out)
                    .map_err(|e| e.to_string())?;
                Ok(out)
            }
            m => Err(format!("method {m}")),
        }
    }
}

impl PackageView for MiniZip {
    fn source(&self) -> &dyn ReadAt {
        &self.data
    }
    fn layout(&self) -> (u64, u64, u64) {
        (self.cd_offset, self.cd_size, self.eocd_offset)
    }
    fn names(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.name.clone()).collect()
    }
    fn read(&self, name: &str, max: u64) -> Result<Vec<u8>, String> {
        let e = self
            .entries
            .iter()
            .find(|e| e.name == name)
            .ok_or("no entry")?;
        if e.usize > max {
            return Err("too big".into());
        }
        self.entry_bytes(e)
    }
    fn digest(&self, name: &str, algs: &[HashAlg]) -> Result<Vec<Vec<u8>>, String> {
        let b = self.read(name, u64::MAX)?;
        Ok(algs
            .iter()
            .map(|a| {
                let mut h = Hasher::new(*a);
                h.update(&b);
                h.finish()
            })
            .collect())
    }
}

/// minSdk, targetSdk and targetSandboxVersion from `aapt dump badging`.
pub fn aapt_sdks(path: &std::path::Path) -> (Option<u32>, Option<u32>, Option<u32>) {
    let Ok(out) = std::process::Command::new("aapt")
        .args(["dump", "badging"])
        .arg(path)
        .output()
    else {
        return (None, None, None);
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let grab = |key: &str| -> Option<u32> {
        let i = text.find(key)?;
        let rest = text.get(i + key.len()..)?;
        rest.split('\'').next()?.parse().ok()
    };
    (
        grab("sdkVersion:'"),
        grab("targetSdkVersion:'"),
        grab("targetSandboxVersion:'"),
    )
}
