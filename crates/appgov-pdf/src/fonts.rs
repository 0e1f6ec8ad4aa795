//! Fonts for the PDF, found on the machine at run time. appgov ships no
//! font: a CJK font is 20 MB and its licence is the distribution's business.
//! Debian's `fonts-noto-cjk` is the reference; other common locations of
//! Noto/Source Han, WenQuanYi, and the macOS and Windows system fonts are
//! tried too. A font "covers CJK" when its character map has every one of
//! a few common ideographs — a font that does not would print tofu.

use std::path::{Path, PathBuf};

use typst::foundations::Bytes;
use typst::text::Font;

use crate::PdfError;

/// The environment variable that names a directory of fonts to use instead
/// of the system's.
pub const FONT_DIR_ENV: &str = "APPGOV_FONT_DIR";

/// Characters a usable font must have: the words of every report's title.
const CJK_PROBE: &str = "移动应用合规矩阵风险评估台账第页共";

/// Most font files read from one directory, and the largest one: a
/// mistaken directory (a home folder) must not be read whole.
const MAX_DIR_FILES: usize = 256;
const MAX_FONT_BYTES: u64 = 64 * 1024 * 1024;

/// CJK families in order of preference: Simplified Chinese forms first (the
/// `.ttc` collections also hold the Japanese and Korean cuts, whose glyph
/// shapes differ), sans-serif before serif for dense tables.
const CJK_PREFERENCE: &[&str] = &[
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "SimHei",
    "SimSun",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
];

/// Latin families used after the CJK one, for characters it lacks.
const LATIN_PREFERENCE: &[&str] = &[
    "DejaVu Sans",
    "Liberation Sans",
    "Noto Sans",
    "Arial",
    "Helvetica",
];

/// Well-known places of CJK fonts, in order of preference. Files of one
/// entry (regular and bold) are loaded together.
const CJK_CANDIDATES: &[&[&str]] = &[
    // Debian, Ubuntu: fonts-noto-cjk
    &[
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    ],
    // Arch: noto-fonts-cjk
    &[
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    ],
    // Fedora, RHEL-likes: google-noto-sans-cjk-fonts
    &[
        "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Bold.ttc",
    ],
    &[
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
    ],
    &[
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    ],
    &[
        "/usr/share/fonts/adobe-source-han-sans/SourceHanSansSC-Regular.otf",
        "/usr/share/fonts/adobe-source-han-sans/SourceHanSansSC-Bold.otf",
    ],
    &["/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"],
    &["/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"],
    &["/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"],
    &["/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"],
    // macOS
    &["/System/Library/Fonts/PingFang.ttc"],
    &["/System/Library/Fonts/Hiragino Sans GB.ttc"],
    // Windows
    &[
        "C:\\Windows\\Fonts\\msyh.ttc",
        "C:\\Windows\\Fonts\\msyhbd.ttc",
    ],
    &["C:\\Windows\\Fonts\\simhei.ttf"],
];

const LATIN_CANDIDATES: &[&[&str]] = &[
    &[
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ],
    &[
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    ],
    &[
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ],
];

/// The fonts a PDF is set in: one CJK family (first) and Latin fallbacks.
#[derive(Clone)]
pub struct Fonts {
    pub(crate) faces: Vec<Font>,
    families: Vec<String>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("families", &self.families)
            .field("faces", &self.faces.len())
            .finish()
    }
}

impl Fonts {
    /// Finds a CJK font (and a Latin fallback) in the usual system places.
    pub fn discover() -> Result<Fonts, PdfError> {
        let mut faces = Vec::new();
        for group in CJK_CANDIDATES {
            let loaded = load_files(group.iter().map(PathBuf::from));
            if loaded.iter().any(covers_cjk) {
                faces.extend(loaded);
                break;
            }
        }
        if faces.is_empty() {
            return Err(PdfError::NoCjkFont {
                searched: "the system's font directories".into(),
            });
        }
        for group in LATIN_CANDIDATES {
            let loaded = load_files(group.iter().map(PathBuf::from));
            if !loaded.is_empty() {
                faces.extend(loaded);
                break;
            }
        }
        Fonts::from_faces(faces, "the system's font directories")
    }

    /// Uses the fonts of one directory (and its subdirectories, two levels
    /// down): `.ttf`, `.otf`, `.ttc`, `.otc`. It must hold a CJK font.
    pub fn from_dir(dir: &Path) -> Result<Fonts, PdfError> {
        let mut files = Vec::new();
        collect_font_files(dir, 2, &mut files);
        files.sort();
        files.truncate(MAX_DIR_FILES);
        Fonts::from_faces(load_files(files), &dir.display().to_string())
    }

    /// The directory named by `APPGOV_FONT_DIR` if set, otherwise the
    /// system's fonts: what a command-line tool or server normally wants.
    /// The only place this crate reads the environment.
    pub fn from_env_or_system() -> Result<Fonts, PdfError> {
        match std::env::var_os(FONT_DIR_ENV) {
            Some(dir) if !dir.is_empty() => Fonts::from_dir(Path::new(&dir)),
            _ => Fonts::discover(),
        }
    }

    /// Font data already in memory (tests, callers with their own store).
    pub fn from_data(data: Vec<Vec<u8>>) -> Result<Fonts, PdfError> {
        let faces = data
            .into_iter()
            .flat_map(|d| Font::iter(Bytes::new(d)))
            .collect();
        Fonts::from_faces(faces, "the font data given")
    }

    fn from_faces(faces: Vec<Font>, searched: &str) -> Result<Fonts, PdfError> {
        let cjk: Vec<&str> = faces
            .iter()
            .filter(|f| covers_cjk(f))
            .map(|f| f.info().family.as_str())
            .collect();
        let Some(first) = pick(&cjk, CJK_PREFERENCE) else {
            return Err(PdfError::NoCjkFont {
                searched: searched.to_owned(),
            });
        };
        let mut families = vec![first.to_owned()];
        let all: Vec<&str> = faces.iter().map(|f| f.info().family.as_str()).collect();
        for latin in LATIN_PREFERENCE {
            if all.iter().any(|f| f.eq_ignore_ascii_case(latin))
                && !families.iter().any(|f| f == latin)
            {
                families.push((*latin).to_owned());
            }
        }
        Ok(Fonts { faces, families })
    }

    #[cfg(test)]
    pub(crate) fn empty_for_tests() -> Fonts {
        Fonts {
            faces: Vec::new(),
            families: vec!["none".into()],
        }
    }

    /// The families in the order the PDF asks for them: the CJK one first.
    pub fn families(&self) -> &[String] {
        &self.families
    }

    /// The CJK family chosen.
    pub fn cjk_family(&self) -> &str {
        &self.families[0]
    }
}

/// The preferred family present, else one whose name says Simplified
/// Chinese, else the first.
fn pick<'a>(present: &[&'a str], preference: &[&str]) -> Option<&'a str> {
    preference
        .iter()
        .find_map(|want| present.iter().find(|p| p.eq_ignore_ascii_case(want)))
        .or_else(|| {
            present
                .iter()
                .find(|p| p.ends_with(" SC") || p.ends_with(" CN"))
        })
        .or_else(|| present.first())
        .copied()
}

fn covers_cjk(font: &Font) -> bool {
    let coverage = &font.info().coverage;
    CJK_PROBE.chars().all(|c| coverage.contains(u32::from(c)))
}

/// Every face of every readable font file; unreadable or oversized files
/// are skipped (a broken font must not stop a report).
fn load_files(paths: impl IntoIterator<Item = PathBuf>) -> Vec<Font> {
    let mut faces = Vec::new();
    for path in paths {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() || meta.len() > MAX_FONT_BYTES {
            continue;
        }
        if let Ok(data) = std::fs::read(&path) {
            faces.extend(Font::iter(Bytes::new(data)));
        }
    }
    faces
}

fn collect_font_files(dir: &Path, depth: u32, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if out.len() >= MAX_DIR_FILES {
            return;
        }
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if depth > 0 {
                collect_font_files(&path, depth - 1, out);
            }
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            matches!(
                e.to_ascii_lowercase().as_str(),
                "ttf" | "otf" | "ttc" | "otc"
            )
        }) {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preference_then_simplified_chinese_then_first() {
        assert_eq!(
            pick(&["Noto Sans CJK JP", "Noto Sans CJK SC"], CJK_PREFERENCE),
            Some("Noto Sans CJK SC")
        );
        assert_eq!(pick(&["Foo", "Bar SC"], CJK_PREFERENCE), Some("Bar SC"));
        assert_eq!(pick(&["Foo"], CJK_PREFERENCE), Some("Foo"));
        assert_eq!(pick(&[], CJK_PREFERENCE), None);
    }

    #[test]
    fn garbage_is_no_font() {
        let err = Fonts::from_data(vec![b"not a font".to_vec()]).unwrap_err();
        assert!(matches!(err, PdfError::NoCjkFont { .. }));
    }
}
