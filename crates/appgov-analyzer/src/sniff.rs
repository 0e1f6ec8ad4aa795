//! Content type of an archive entry from its first bytes, not its name:
//! packers hide DEX and ELF payloads behind innocent names (`assets/a.png`).

/// Detect a type from up to the first [`HEAD_LEN`] bytes of a file.
pub const HEAD_LEN: usize = 512;

pub fn detect(head: &[u8], name: &str) -> &'static str {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(b"dex\n") {
        return "dex";
    }
    if starts(b"cdex") {
        return "cdex";
    }
    if starts(b"\x7fELF") {
        return "elf";
    }
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        let lower = name.to_ascii_lowercase();
        return if lower.ends_with(".apk") {
            "apk"
        } else if lower.ends_with(".jar") {
            "jar"
        } else {
            "zip"
        };
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return "png";
    }
    if starts(b"\xff\xd8\xff") {
        return "jpeg";
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return "gif";
    }
    if head.len() >= 12 && starts(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        return "webp";
    }
    if starts(b"SQLite format 3\0") {
        return "sqlite";
    }
    if starts(b"\x03\x00\x08\x00") {
        return "axml";
    }
    if starts(b"\x02\x00\x0c\x00") {
        return "arsc";
    }
    if starts(b"\x1f\x8b") {
        return "gzip";
    }
    if starts(b"7z\xbc\xaf\x27\x1c") {
        return "7z";
    }
    if starts(b"\xca\xfe\xba\xbe") {
        return "java_class";
    }
    if starts(b"\x00asm") {
        return "wasm";
    }
    if starts(b"OggS") {
        return "ogg";
    }
    if starts(b"ID3") || (head.len() > 1 && head[0] == 0xff && (head[1] & 0xe0) == 0xe0) {
        return "mp3";
    }
    if head.len() >= 12 && head.get(4..8) == Some(b"ftyp") {
        return "mp4";
    }
    if starts(b"wOFF") || starts(b"wOF2") || starts(b"\x00\x01\x00\x00\x00") || starts(b"OTTO") {
        return "font";
    }
    if starts(b"-----BEGIN ") {
        return "pem";
    }
    // DER SEQUENCE with a long length: certificates and keys stored as files.
    if head.len() > 4 && head[0] == 0x30 && (head[1] == 0x82 || head[1] == 0x83) {
        let lower = name.to_ascii_lowercase();
        if [".cer", ".crt", ".der", ".p12", ".pfx", ".bks", ".keystore"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            return "certificate";
        }
    }
    if let Some(text) = text_kind(head, name) {
        return text;
    }
    "binary"
}

fn text_kind(head: &[u8], name: &str) -> Option<&'static str> {
    let body = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    // Text if it is UTF-8 apart from a possibly cut last character, with no NUL.
    if body.contains(&0) {
        return None;
    }
    let valid = match std::str::from_utf8(body) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > body.len(),
    };
    if !valid {
        return None;
    }
    let first = body.iter().copied().find(|c| !c.is_ascii_whitespace());
    let lower = name.to_ascii_lowercase();
    let kind = match first {
        Some(b'{') | Some(b'[') if lower.ends_with(".json") || first == Some(b'{') => "json",
        Some(b'<') => {
            let l = String::from_utf8_lossy(body).to_ascii_lowercase();
            if l.contains("<html") || l.contains("<!doctype html") {
                "html"
            } else {
                "xml"
            }
        }
        _ if lower.ends_with(".js") => "js",
        _ if lower.ends_with(".properties") => "properties",
        _ if lower.ends_with(".html") || lower.ends_with(".htm") => "html",
        _ if lower.ends_with(".css") => "css",
        _ => "text",
    };
    Some(kind)
}

/// Types whose content is worth scanning for endpoints.
pub fn is_text(kind: &str) -> bool {
    matches!(
        kind,
        "json" | "xml" | "html" | "js" | "properties" | "css" | "text"
    )
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn by_content_not_name() {
        assert_eq!(detect(b"dex\n035\0rest", "assets/a.png"), "dex");
        assert_eq!(detect(b"\x7fELF\x02\x01", "assets/x.dat"), "elf");
        assert_eq!(detect(b"PK\x03\x04....", "assets/plugin.apk"), "apk");
        assert_eq!(detect(b"PK\x03\x04....", "assets/x.bin"), "zip");
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n....", "a.jpg"), "png");
        assert_eq!(detect(b"{\"a\":1}", "config"), "json");
        assert_eq!(detect(b"<!DOCTYPE html><html>", "index"), "html");
        assert_eq!(detect(b"<?xml version", "x"), "xml");
        assert_eq!(detect("中文文本".as_bytes(), "readme"), "text");
        assert_eq!(detect(b"\x00\x01\x02\xff", "blob"), "binary");
        assert_eq!(detect(b"", "empty"), "text");
        assert_eq!(detect(b"\xff", "x"), "binary");
    }
}
