//! Test helpers: a tiny central-directory-driven zip reader (tolerates tampered local headers
//! the way Android does) and corpus discovery. Test-only; the product zip reader lives in
//! `appgov-zip`.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};

pub fn corpus() -> Option<PathBuf> {
    let p = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    if p.is_dir() {
        Some(p.to_path_buf())
    } else {
        eprintln!("skipping: ../shared/corpus not found");
        None
    }
}

fn u16le(d: &[u8], o: usize) -> Option<usize> {
    Some(u16::from_le_bytes(d.get(o..o + 2)?.try_into().ok()?) as usize)
}
fn u32le(d: &[u8], o: usize) -> Option<usize> {
    Some(u32::from_le_bytes(d.get(o..o + 4)?.try_into().ok()?) as usize)
}

/// (name, bytes) of every entry, read via the central directory; data is inflated when the
/// central directory says deflate (or when the stored bytes do not inflate, kept as stored).
pub fn zip_entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let Some(eocd) = (0..zip.len().saturating_sub(21))
        .rev()
        .find(|&i| zip.get(i..i + 4) == Some(b"PK\x05\x06"))
    else {
        return out;
    };
    let (Some(count), Some(cd_off)) = (u16le(zip, eocd + 10), u32le(zip, eocd + 16)) else {
        return out;
    };
    let mut p = cd_off;
    for _ in 0..count {
        if zip.get(p..p + 4) != Some(b"PK\x01\x02") {
            break;
        }
        let (
            Some(method),
            Some(csize),
            Some(usize_),
            Some(nlen),
            Some(xlen),
            Some(clen),
            Some(lho),
        ) = (
            u16le(zip, p + 10),
            u32le(zip, p + 20),
            u32le(zip, p + 24),
            u16le(zip, p + 28),
            u16le(zip, p + 30),
            u16le(zip, p + 32),
            u32le(zip, p + 42),
        )
        else {
            break;
        };
        let name = String::from_utf8_lossy(zip.get(p + 46..p + 46 + nlen).unwrap_or_default())
            .into_owned();
        p += 46 + nlen + xlen + clen;
        let (Some(lnlen), Some(lxlen)) = (u16le(zip, lho + 26), u16le(zip, lho + 28)) else {
            continue;
        };
        let start = lho + 30 + lnlen + lxlen;
        let Some(raw) = zip.get(start..start + csize) else {
            continue;
        };
        let data = if method == 0 && csize == usize_ {
            raw.to_vec()
        } else {
            let mut v = Vec::new();
            let mut dec = flate2::read::DeflateDecoder::new(raw);
            match dec.by_ref().take(64 << 20).read_to_end(&mut v) {
                Ok(_) if v.len() == usize_ => v,
                _ => raw.to_vec(),
            }
        };
        out.push((name, data));
    }
    out
}

pub fn entry(zip: &[u8], name: &str) -> Option<Vec<u8>> {
    zip_entries(zip)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, d)| d)
}

/// All APK/AAB/XAPK files of the relevant corpus folders.
pub fn corpus_packages(root: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in ["apk", "apk-signing", "apk-malformed", "aab", "xapk"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
            for e in rd.flatten() {
                let p = e.path();
                if matches!(
                    p.extension().and_then(|x| x.to_str()),
                    Some("apk" | "aab" | "xapk")
                ) {
                    v.push(p);
                }
            }
        }
    }
    v.sort();
    v
}

/// Runs `aapt dump badging`, or None (with a message) when aapt is not on PATH.
pub fn aapt_badging(path: &Path) -> Option<String> {
    match std::process::Command::new("aapt")
        .arg("dump")
        .arg("badging")
        .arg(path)
        .output()
    {
        Ok(o) => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Err(_) => {
            eprintln!("skipping aapt cross-check: aapt not on PATH");
            None
        }
    }
}
