//! Type descriptors and member names: conversion to Java notation and the
//! DEX `SimpleName` rules (names outside them are an obfuscation or
//! tampering sign, because javac never emits them).

use std::borrow::Cow;

/// Converts a type descriptor to Java notation:
/// `Lcom/foo/Bar;` → `com.foo.Bar`, `[I` → `int[]`, `V` → `void`.
/// Malformed descriptors are returned unchanged.
pub fn descriptor_to_java(descriptor: &str) -> Cow<'_, str> {
    let dims = descriptor.bytes().take_while(|&b| b == b'[').count();
    let Some(elem) = descriptor.get(dims..) else {
        return Cow::Borrowed(descriptor);
    };
    let base: Cow<'_, str> = match elem {
        "V" => "void".into(),
        "Z" => "boolean".into(),
        "B" => "byte".into(),
        "S" => "short".into(),
        "C" => "char".into(),
        "I" => "int".into(),
        "J" => "long".into(),
        "F" => "float".into(),
        "D" => "double".into(),
        _ => match elem.strip_prefix('L').and_then(|s| s.strip_suffix(';')) {
            Some(binary) if binary.contains('/') => Cow::Owned(binary.replace('/', ".")),
            Some(binary) => Cow::Borrowed(binary),
            None => return Cow::Borrowed(descriptor),
        },
    };
    if dims == 0 {
        base
    } else {
        let mut s = String::with_capacity(base.len().saturating_add(dims.saturating_mul(2)));
        s.push_str(&base);
        for _ in 0..dims {
            s.push_str("[]");
        }
        Cow::Owned(s)
    }
}

/// Java package of a class descriptor (`Lcom/foo/Bar;` → `com.foo`); empty
/// for the default package; `None` if it is not a class descriptor.
pub fn package_of(descriptor: &str) -> Option<Cow<'_, str>> {
    let binary = descriptor.strip_prefix('L')?.strip_suffix(';')?;
    Some(match binary.rfind('/') {
        Some(pos) => {
            let pkg = binary.get(..pos)?;
            if pkg.contains('/') {
                Cow::Owned(pkg.replace('/', "."))
            } else {
                Cow::Borrowed(pkg)
            }
        }
        None => Cow::Borrowed(""),
    })
}

/// Simple (unqualified) class name of a class descriptor: `Lcom/foo/Bar;` → `Bar`.
pub fn simple_class_name(descriptor: &str) -> Option<&str> {
    let binary = descriptor.strip_prefix('L')?.strip_suffix(';')?;
    Some(match binary.rfind('/') {
        Some(pos) => binary.get(pos.saturating_add(1)..)?,
        None => binary,
    })
}

/// Whether `c` may appear in a DEX `SimpleName` (dex format, "MUTF-8
/// strings / SimpleName"). Space and a few Unicode spaces were allowed from
/// version 040 on.
fn is_simple_name_char(c: char, version: u16) -> bool {
    let v40 = version >= 40;
    match c {
        'A'..='Z' | 'a'..='z' | '0'..='9' | '$' | '-' | '_' => true,
        ' ' | '\u{a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' => v40,
        '\u{a1}'..='\u{1fff}' => true,
        '\u{2010}'..='\u{2027}' => true,
        '\u{2030}'..='\u{d7ff}' => true,
        '\u{e000}'..='\u{ffef}' => true,
        '\u{10000}'..='\u{10ffff}' => true,
        _ => false,
    }
}

/// Whether a class descriptor follows the DEX grammar
/// `L` SimpleName (`/` SimpleName)* `;`.
pub fn is_valid_class_descriptor(descriptor: &str, version: u16) -> bool {
    let Some(binary) = descriptor
        .strip_prefix('L')
        .and_then(|s| s.strip_suffix(';'))
    else {
        return false;
    };
    !binary.is_empty()
        && binary
            .split('/')
            .all(|part| !part.is_empty() && part.chars().all(|c| is_simple_name_char(c, version)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_names() {
        assert_eq!(descriptor_to_java("Lcom/foo/Bar;"), "com.foo.Bar");
        assert_eq!(descriptor_to_java("LBar;"), "Bar");
        assert_eq!(descriptor_to_java("[[I"), "int[][]");
        assert_eq!(
            descriptor_to_java("[Ljava/lang/String;"),
            "java.lang.String[]"
        );
        assert_eq!(descriptor_to_java("V"), "void");
        assert_eq!(descriptor_to_java("Q"), "Q");
        assert_eq!(descriptor_to_java("["), "[");
    }

    #[test]
    fn packages() {
        assert_eq!(package_of("Lcom/foo/Bar;").as_deref(), Some("com.foo"));
        assert_eq!(package_of("LBar;").as_deref(), Some(""));
        assert_eq!(package_of("I"), None);
        assert_eq!(simple_class_name("Lcom/foo/Bar$1;"), Some("Bar$1"));
    }

    #[test]
    fn descriptor_grammar() {
        assert!(is_valid_class_descriptor("Lcom/foo/Bar$1;", 35));
        assert!(is_valid_class_descriptor("Lcom/银行/类;", 35));
        assert!(!is_valid_class_descriptor("Lcom//Bar;", 35));
        assert!(!is_valid_class_descriptor("Lcom/foo bar;", 39));
        assert!(is_valid_class_descriptor("Lcom/foo bar;", 40));
        assert!(!is_valid_class_descriptor("Lcom/foo.bar;", 35));
        assert!(!is_valid_class_descriptor("Lcom/foo\u{1};", 35));
        assert!(!is_valid_class_descriptor("L;", 35));
        assert!(!is_valid_class_descriptor("I", 35));
    }
}
