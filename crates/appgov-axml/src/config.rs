//! `ResTable_config`: the qualifiers a resource value applies to (`zh-rCN`, `xxhdpi`, `v21`, …).

use serde::Serialize;

use crate::bytes::{u8_at, u16_at, u32_at};

/// A resource configuration, with the same field meanings as androidfw's `ResTable_config`
/// whatever the source format (protobuf configurations are mapped onto these codes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Config {
    pub mcc: u16,
    pub mnc: u16,
    /// ISO-639 language (`zh`), empty for any.
    pub language: String,
    /// ISO-3166 region (`CN`) or UN M.49 code, empty for any.
    pub region: String,
    /// ISO-15924 script (`Hans`), empty when not given.
    pub script: String,
    pub variant: String,
    pub numbering_system: String,
    pub orientation: u8,
    pub touchscreen: u8,
    /// Density in dpi; 0 = any, 0xfffe = anydpi, 0xffff = nodpi.
    pub density: u16,
    pub keyboard: u8,
    pub navigation: u8,
    pub input_flags: u8,
    pub grammatical_inflection: u8,
    pub screen_width: u16,
    pub screen_height: u16,
    pub sdk_version: u16,
    pub minor_version: u16,
    pub screen_layout: u8,
    pub ui_mode: u8,
    pub smallest_screen_width_dp: u16,
    pub screen_width_dp: u16,
    pub screen_height_dp: u16,
    pub screen_layout2: u8,
    pub color_mode: u8,
    /// The raw `ResTable_config` bytes from resources.arsc (empty for protobuf input).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub raw: Vec<u8>,
}

pub(crate) const DENSITY_ANY: u16 = 0xfffe;
pub(crate) const DENSITY_NONE: u16 = 0xffff;

/// Unpacks a 2-byte language/region field: two ASCII letters, or androidfw's packed
/// 3-letter form (high bit set, 5 bits per letter).
fn unpack(b0: u8, b1: u8, base: u8) -> String {
    if b0 & 0x80 != 0 {
        let first = b1 & 0x1f;
        let second = ((b1 & 0xe0) >> 5) | ((b0 & 0x03) << 3);
        let third = (b0 & 0x7c) >> 2;
        [first, second, third]
            .iter()
            .map(|&c| char::from(base.wrapping_add(c)))
            .collect()
    } else {
        [b0, b1]
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| {
                if c.is_ascii_graphic() {
                    char::from(c)
                } else {
                    '?'
                }
            })
            .collect()
    }
}

fn ascii_field(d: &[u8], off: usize, len: usize) -> String {
    (0..len)
        .map_while(|i| u8_at(d, off + i).filter(|&c| c != 0))
        .map(|c| {
            if c.is_ascii_graphic() {
                char::from(c)
            } else {
                '?'
            }
        })
        .collect()
}

impl Config {
    /// Reads the config at the start of `d` (whose first u32 is its size); fields beyond the
    /// declared size or the bytes given stay zero, as androidfw does for older, shorter configs.
    pub(crate) fn from_bytes(d: &[u8]) -> Config {
        let size = u32_at(d, 0).map_or(0, |s| s as usize).min(d.len());
        let d = d.get(..size).unwrap_or_default();
        let b = |o| u8_at(d, o).unwrap_or(0);
        let h = |o| u16_at(d, o).unwrap_or(0);
        let lang = if d.len() >= 10 {
            unpack(b(8), b(9), b'a')
        } else {
            String::new()
        };
        let region = if d.len() >= 12 {
            unpack(b(10), b(11), b'0')
        } else {
            String::new()
        };
        Config {
            mcc: h(4),
            mnc: h(6),
            language: lang,
            region,
            script: ascii_field(d, 36, 4),
            variant: ascii_field(d, 40, 8),
            numbering_system: ascii_field(d, 53, 8),
            orientation: b(12),
            touchscreen: b(13),
            density: h(14),
            keyboard: b(16),
            navigation: b(17),
            input_flags: b(18),
            grammatical_inflection: b(19),
            screen_width: h(20),
            screen_height: h(22),
            sdk_version: h(24),
            minor_version: h(26),
            screen_layout: b(28),
            ui_mode: b(29),
            smallest_screen_width_dp: h(30),
            screen_width_dp: h(32),
            screen_height_dp: h(34),
            screen_layout2: b(48),
            color_mode: b(49),
            raw: d.to_vec(),
        }
    }

    /// True when no qualifier is set (the default configuration).
    pub fn is_default(&self) -> bool {
        self.qualifiers().is_empty()
    }

    /// BCP-47 locale tag (`zh-CN`, `zh-Hans`), if a language is set.
    pub fn locale(&self) -> Option<String> {
        if self.language.is_empty() {
            return None;
        }
        let mut s = self.language.clone();
        for part in [&self.script, &self.region, &self.variant] {
            if !part.is_empty() {
                s.push('-');
                s.push_str(part);
            }
        }
        Some(s)
    }

    /// The qualifier string as aapt prints it (`zh-rCN`, `b+zh+Hans`, `xxhdpi`, `night-v8`);
    /// empty for the default configuration.
    pub fn qualifiers(&self) -> String {
        let mut q: Vec<String> = Vec::new();
        let mut push = |s: &str| {
            if !s.is_empty() {
                q.push(s.to_string());
            }
        };
        if self.mcc != 0 {
            push(&format!("mcc{}", self.mcc));
            if self.mnc != 0 {
                push(&format!("mnc{}", self.mnc));
            }
        }
        if !self.language.is_empty() {
            if self.script.is_empty() && self.variant.is_empty() && self.numbering_system.is_empty()
            {
                let mut l = self.language.clone();
                if !self.region.is_empty() {
                    l.push_str("-r");
                    l.push_str(&self.region);
                }
                push(&l);
            } else {
                let mut l = format!("b+{}", self.language);
                for part in [&self.script, &self.region, &self.variant] {
                    if !part.is_empty() {
                        l.push('+');
                        l.push_str(part);
                    }
                }
                if !self.numbering_system.is_empty() {
                    l.push_str("+u+nu+");
                    l.push_str(&self.numbering_system);
                }
                push(&l);
            }
        } else if !self.region.is_empty() {
            push(&format!("r{}", self.region));
        }
        push(match self.grammatical_inflection {
            1 => "neuter",
            2 => "feminine",
            3 => "masculine",
            _ => "",
        });
        push(match self.screen_layout & 0xc0 {
            0x40 => "ldltr",
            0x80 => "ldrtl",
            _ => "",
        });
        if self.smallest_screen_width_dp != 0 {
            push(&format!("sw{}dp", self.smallest_screen_width_dp));
        }
        if self.screen_width_dp != 0 {
            push(&format!("w{}dp", self.screen_width_dp));
        }
        if self.screen_height_dp != 0 {
            push(&format!("h{}dp", self.screen_height_dp));
        }
        push(match self.screen_layout & 0x0f {
            1 => "small",
            2 => "normal",
            3 => "large",
            4 => "xlarge",
            _ => "",
        });
        push(match self.screen_layout & 0x30 {
            0x10 => "notlong",
            0x20 => "long",
            _ => "",
        });
        push(match self.screen_layout2 & 0x03 {
            1 => "notround",
            2 => "round",
            _ => "",
        });
        push(match self.color_mode & 0x03 {
            1 => "nowidecg",
            2 => "widecg",
            _ => "",
        });
        push(match self.color_mode & 0x0c {
            0x04 => "lowdr",
            0x08 => "highdr",
            _ => "",
        });
        push(match self.orientation {
            1 => "port",
            2 => "land",
            3 => "square",
            _ => "",
        });
        push(match self.ui_mode & 0x0f {
            2 => "desk",
            3 => "car",
            4 => "television",
            5 => "appliance",
            6 => "watch",
            7 => "vrheadset",
            _ => "",
        });
        push(match self.ui_mode & 0x30 {
            0x10 => "notnight",
            0x20 => "night",
            _ => "",
        });
        let density = match self.density {
            0 => String::new(),
            120 => "ldpi".into(),
            160 => "mdpi".into(),
            213 => "tvdpi".into(),
            240 => "hdpi".into(),
            320 => "xhdpi".into(),
            480 => "xxhdpi".into(),
            640 => "xxxhdpi".into(),
            DENSITY_ANY => "anydpi".into(),
            DENSITY_NONE => "nodpi".into(),
            d => format!("{d}dpi"),
        };
        push(&density);
        push(match self.touchscreen {
            1 => "notouch",
            2 => "stylus",
            3 => "finger",
            _ => "",
        });
        push(match self.input_flags & 0x03 {
            1 => "keysexposed",
            2 => "keyshidden",
            3 => "keyssoft",
            _ => "",
        });
        push(match self.keyboard {
            1 => "nokeys",
            2 => "qwerty",
            3 => "12key",
            _ => "",
        });
        push(match self.input_flags & 0x0c {
            0x04 => "navexposed",
            0x08 => "navhidden",
            _ => "",
        });
        push(match self.navigation {
            1 => "nonav",
            2 => "dpad",
            3 => "trackball",
            4 => "wheel",
            _ => "",
        });
        if self.screen_width != 0 || self.screen_height != 0 {
            push(&format!("{}x{}", self.screen_width, self.screen_height));
        }
        if self.sdk_version != 0 {
            let mut v = format!("v{}", self.sdk_version);
            if self.minor_version != 0 {
                v.push_str(&format!(".{}", self.minor_version));
            }
            push(&v);
        }
        q.join("-")
    }

    /// Builds a config from a BCP-47 tag (`zh-CN`, `sr-Latn`, `b+sr+Latn`); only the locale
    /// fields are set.
    pub(crate) fn set_locale_tag(&mut self, tag: &str) {
        let tag = tag.strip_prefix("b+").unwrap_or(tag);
        let mut parts = tag.split(['-', '_', '+']).filter(|p| !p.is_empty());
        let Some(lang) = parts.next() else { return };
        self.language = lang.to_ascii_lowercase();
        for p in parts {
            let alpha = p.chars().all(|c| c.is_ascii_alphabetic());
            let digits = p.chars().all(|c| c.is_ascii_digit());
            if p.len() == 4 && alpha && self.script.is_empty() {
                let mut s = p.to_ascii_lowercase();
                if let Some(f) = s.get_mut(0..1) {
                    f.make_ascii_uppercase();
                }
                self.script = s;
            } else if ((p.len() == 2 && alpha) || (p.len() == 3 && digits))
                && self.region.is_empty()
            {
                self.region = p.to_ascii_uppercase();
            } else if p.len() >= 4 && self.variant.is_empty() {
                self.variant = p.to_string();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(f: impl FnOnce(&mut [u8])) -> Vec<u8> {
        let mut d = vec![0u8; 64];
        d[0] = 64;
        f(&mut d);
        d
    }

    #[test]
    fn qualifier_strings_match_aapt() {
        let c = Config::from_bytes(&raw(|d| {
            d[8..10].copy_from_slice(b"zh");
            d[10..12].copy_from_slice(b"CN");
        }));
        assert_eq!(c.qualifiers(), "zh-rCN");
        assert_eq!(c.locale().as_deref(), Some("zh-CN"));
        let c = Config::from_bytes(&raw(|d| {
            d[8..10].copy_from_slice(b"zh");
            d[36..40].copy_from_slice(b"Hans");
        }));
        assert_eq!(c.qualifiers(), "b+zh+Hans");
        let c = Config::from_bytes(&raw(|d| {
            d[14..16].copy_from_slice(&480u16.to_le_bytes());
            d[24..26].copy_from_slice(&21u16.to_le_bytes());
        }));
        assert_eq!(c.qualifiers(), "xxhdpi-v21");
        let c = Config::from_bytes(&raw(|d| {
            d[29] = 0x20;
            d[24] = 8;
        }));
        assert_eq!(c.qualifiers(), "night-v8");
        assert!(Config::from_bytes(&raw(|_| {})).is_default());
    }

    #[test]
    fn packed_three_letter_language() {
        // "fil" packed: f=5, i=8, l=11, 5 bits each, high bit set.
        let (first, second, third) = (5u8, 8u8, 11u8);
        let b1 = ((second & 7) << 5) | first;
        let b0 = 0x80 | (third << 2) | (second >> 3);
        assert_eq!(unpack(b0, b1, b'a'), "fil");
    }

    #[test]
    fn short_config_reads_zero() {
        let mut d = vec![0u8; 8];
        d[0] = 200; // claims more than given
        let c = Config::from_bytes(&d);
        assert!(c.language.is_empty());
        let mut t = Config::default();
        t.set_locale_tag("zh-Hans-CN");
        assert_eq!(t.qualifiers(), "b+zh+Hans+CN");
    }
}
