//! Entry-name checks. Names are never used to touch the file system here,
//! but downstream extractors and other tools may, so every trick is named.

use crate::anomaly::AnomalyKind;

/// Longest whole name we consider normal (PATH_MAX on Linux).
const MAX_NAME_LEN: usize = 4096;
/// Longest path component we consider normal (NAME_MAX on Linux/ext4).
const MAX_COMPONENT_LEN: usize = 255;

/// Everything odd about one raw entry name, as (kind, detail) pairs.
pub(crate) fn check_name(raw: &[u8]) -> Vec<(AnomalyKind, String)> {
    if plainly_fine(raw) {
        return Vec::new();
    }
    let mut found = Vec::new();
    if raw.is_empty() {
        found.push((
            AnomalyKind::EmptyEntryName,
            "entry name is empty".to_owned(),
        ));
        return found;
    }
    if std::str::from_utf8(raw).is_err() {
        found.push((
            AnomalyKind::EntryNameNotUtf8,
            "entry name is not valid UTF-8 (Android refuses the archive); decoded lossily"
                .to_owned(),
        ));
    }
    if raw.contains(&0) {
        found.push((
            AnomalyKind::EntryNameNul,
            "entry name contains a NUL byte (Android refuses the archive)".to_owned(),
        ));
    }
    let controls: Vec<String> = raw
        .iter()
        .filter(|b| (**b != 0 && **b < 0x20) || **b == 0x7f)
        .take(8)
        .map(|b| format!("0x{b:02x}"))
        .collect();
    if !controls.is_empty() {
        found.push((
            AnomalyKind::EntryNameControlChar,
            format!(
                "entry name contains control characters ({}); CR/LF cannot be listed in a JAR manifest",
                controls.join(", ")
            ),
        ));
    }
    if raw.contains(&b'\\') {
        found.push((
            AnomalyKind::EntryNameBackslash,
            "entry name contains a backslash".to_owned(),
        ));
    }
    let drive = matches!(raw, [letter, b':', ..] if letter.is_ascii_alphabetic());
    if raw.first() == Some(&b'/') || raw.first() == Some(&b'\\') || drive {
        found.push((
            AnomalyKind::AbsoluteEntryName,
            "entry name is an absolute path".to_owned(),
        ));
    }
    let components = || raw.split(|b| *b == b'/' || *b == b'\\');
    if components().any(|c| c == b"..") {
        found.push((
            AnomalyKind::EntryNamePathTraversal,
            "entry name has a '..' component (zip-slip)".to_owned(),
        ));
    }
    let longest = components().map(<[u8]>::len).max().unwrap_or(0);
    if raw.len() > MAX_NAME_LEN || longest > MAX_COMPONENT_LEN {
        found.push((
            AnomalyKind::EntryNameTooLong,
            format!(
                "entry name is {} bytes, longest component {} bytes",
                raw.len(),
                longest
            ),
        ));
    }
    found
}

/// One pass over the common case (printable ASCII, relative, short
/// components, no `..`) so 100k-entry archives stay cheap; anything else
/// takes the detailed path.
fn plainly_fine(raw: &[u8]) -> bool {
    if raw.is_empty() || raw.len() > MAX_NAME_LEN || raw.first() == Some(&b'/') {
        return false;
    }
    let mut component = 0usize;
    let mut dots = 0usize;
    for &b in raw {
        if !(0x20..0x7f).contains(&b) || b == b'\\' || b == b':' {
            return false;
        }
        if b == b'/' {
            if dots == 2 && component == 2 {
                return false;
            }
            component = 0;
            dots = 0;
        } else {
            component += 1;
            if b == b'.' {
                dots += 1;
            }
            if component > MAX_COMPONENT_LEN {
                return false;
            }
        }
    }
    !(dots == 2 && component == 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(raw: &[u8]) -> Vec<AnomalyKind> {
        check_name(raw).into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn clean_names_have_no_anomalies() {
        assert!(kinds(b"AndroidManifest.xml").is_empty());
        assert!(kinds(b"res/drawable-xxhdpi-v4/ic_launcher.png").is_empty());
        assert!(kinds("assets/中文.txt".as_bytes()).is_empty());
        assert!(kinds(b"META-INF/").is_empty());
        assert!(kinds(b"a..b/c..").is_empty());
    }

    #[test]
    fn each_trick_is_named() {
        assert_eq!(kinds(b""), vec![AnomalyKind::EmptyEntryName]);
        assert_eq!(kinds(b"/etc/passwd"), vec![AnomalyKind::AbsoluteEntryName]);
        assert_eq!(
            kinds(b"C:\\x"),
            vec![
                AnomalyKind::EntryNameBackslash,
                AnomalyKind::AbsoluteEntryName
            ]
        );
        assert_eq!(
            kinds(b"assets/../../lib.so"),
            vec![AnomalyKind::EntryNamePathTraversal]
        );
        assert_eq!(
            kinds(b"res\\..\\x"),
            vec![
                AnomalyKind::EntryNameBackslash,
                AnomalyKind::EntryNamePathTraversal
            ]
        );
        assert_eq!(
            kinds(b"test.txt\r"),
            vec![AnomalyKind::EntryNameControlChar]
        );
        assert_eq!(kinds(b"a\0b"), vec![AnomalyKind::EntryNameNul]);
        assert_eq!(kinds(b"caf\xe9"), vec![AnomalyKind::EntryNameNotUtf8]);
        assert_eq!(kinds(&[b'a'; 300]), vec![AnomalyKind::EntryNameTooLong]);
        let long: Vec<u8> = b"abc/".repeat(1100);
        assert_eq!(kinds(&long), vec![AnomalyKind::EntryNameTooLong]);
    }
}
