//! Typed values (`Res_value`), shared by binary XML, resources.arsc and the protobuf forms.

use serde::Serialize;

pub(crate) const TYPE_NULL: u8 = 0x00;
pub(crate) const TYPE_REFERENCE: u8 = 0x01;
pub(crate) const TYPE_ATTRIBUTE: u8 = 0x02;
pub(crate) const TYPE_STRING: u8 = 0x03;
pub(crate) const TYPE_FLOAT: u8 = 0x04;
pub(crate) const TYPE_DIMENSION: u8 = 0x05;
pub(crate) const TYPE_FRACTION: u8 = 0x06;
pub(crate) const TYPE_DYNAMIC_REFERENCE: u8 = 0x07;
pub(crate) const TYPE_DYNAMIC_ATTRIBUTE: u8 = 0x08;
pub(crate) const TYPE_INT_DEC: u8 = 0x10;
pub(crate) const TYPE_INT_HEX: u8 = 0x11;
pub(crate) const TYPE_INT_BOOLEAN: u8 = 0x12;
pub(crate) const TYPE_INT_COLOR_ARGB8: u8 = 0x1c;
pub(crate) const TYPE_INT_COLOR_RGB8: u8 = 0x1d;
pub(crate) const TYPE_INT_COLOR_ARGB4: u8 = 0x1e;
pub(crate) const TYPE_INT_COLOR_RGB4: u8 = 0x1f;

/// Unit of a [`Value::Dimension`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DimensionUnit {
    Px,
    Dip,
    Sp,
    Pt,
    In,
    Mm,
    /// A unit code Android does not define.
    Unknown(u8),
}

impl DimensionUnit {
    fn suffix(self) -> &'static str {
        match self {
            DimensionUnit::Px => "px",
            DimensionUnit::Dip => "dip",
            DimensionUnit::Sp => "sp",
            DimensionUnit::Pt => "pt",
            DimensionUnit::In => "in",
            DimensionUnit::Mm => "mm",
            DimensionUnit::Unknown(_) => " (unknown unit)",
        }
    }
}

/// A typed value, independent of whether it came from binary XML, resources.arsc or protobuf.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    String(String),
    /// `@0xPPTTEEEE` (a dynamic reference is reported as a plain reference).
    Reference(u32),
    /// `?0xPPTTEEEE` theme attribute reference.
    AttributeRef(u32),
    /// Decimal integer.
    Int(i32),
    /// Integer written in hex (flags, e.g. `usesPermissionFlags`).
    IntHex(u32),
    Bool(bool),
    Float(f32),
    Dimension {
        value: f32,
        unit: DimensionUnit,
    },
    /// `parent` is true for `%p` (fraction of the parent).
    Fraction {
        value: f32,
        parent: bool,
    },
    /// ARGB colour as stored (`#aarrggbb`), whatever the source notation was.
    Color(u32),
    /// `@null` / undefined.
    Null,
    /// `@empty`.
    Empty,
    /// A data type Android does not define; kept raw.
    Other {
        data_type: u8,
        data: u32,
    },
}

const RADIX_MULTS: [f32; 4] = [
    1.0 / 256.0,
    1.0 / 32768.0,
    1.0 / 8_388_608.0,
    1.0 / 2_147_483_648.0,
];

/// Decodes androidfw's "complex" fixed-point encoding used by dimensions and fractions.
fn complex_to_float(data: u32) -> f32 {
    let mantissa = (data & 0xffff_ff00) as i32;
    let radix = ((data >> 4) & 3) as usize;
    mantissa as f32 * RADIX_MULTS.get(radix).copied().unwrap_or(0.0)
}

impl Value {
    /// Builds a value from a raw `Res_value`; `string` looks up pool strings for
    /// `TYPE_STRING` (None when the index is unreadable).
    pub(crate) fn from_raw(
        data_type: u8,
        data: u32,
        string: impl FnOnce(u32) -> Option<String>,
    ) -> Value {
        match data_type {
            TYPE_NULL => {
                if data == 1 {
                    Value::Empty
                } else {
                    Value::Null
                }
            }
            TYPE_REFERENCE | TYPE_DYNAMIC_REFERENCE => Value::Reference(data),
            TYPE_ATTRIBUTE | TYPE_DYNAMIC_ATTRIBUTE => Value::AttributeRef(data),
            TYPE_STRING => Value::String(string(data).unwrap_or_default()),
            TYPE_FLOAT => Value::Float(f32::from_bits(data)),
            TYPE_DIMENSION => Value::Dimension {
                value: complex_to_float(data),
                unit: match data & 0xf {
                    0 => DimensionUnit::Px,
                    1 => DimensionUnit::Dip,
                    2 => DimensionUnit::Sp,
                    3 => DimensionUnit::Pt,
                    4 => DimensionUnit::In,
                    5 => DimensionUnit::Mm,
                    u => DimensionUnit::Unknown(u as u8),
                },
            },
            TYPE_FRACTION => Value::Fraction {
                value: complex_to_float(data) * 100.0,
                parent: data & 0xf == 1,
            },
            TYPE_INT_DEC => Value::Int(data as i32),
            TYPE_INT_HEX => Value::IntHex(data),
            TYPE_INT_BOOLEAN => Value::Bool(data != 0),
            TYPE_INT_COLOR_ARGB8..=TYPE_INT_COLOR_RGB4 => Value::Color(data),
            _ => Value::Other { data_type, data },
        }
    }

    /// Whether `data_type` is one Android defines.
    pub(crate) fn known_type(data_type: u8) -> bool {
        matches!(data_type, 0x00..=0x08 | 0x10..=0x12 | 0x1c..=0x1f)
    }

    /// The string, if this is a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Integer reading, as Android's `getAttributeIntValue` would give for int-like types
    /// (decimal, hex, boolean, colour). Strings holding a decimal number are parsed too, since
    /// old tools wrote `versionCode` as a string.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(i64::from(*i)),
            Value::IntHex(u) | Value::Color(u) => Some(i64::from(*u)),
            Value::Bool(b) => Some(i64::from(*b)),
            Value::String(s) => {
                let t = s.trim();
                if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                    i64::from_str_radix(h, 16).ok()
                } else {
                    t.parse().ok()
                }
            }
            _ => None,
        }
    }

    /// Boolean reading (`true`/`false` strings accepted).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(i) => Some(*i != 0),
            Value::IntHex(u) => Some(*u != 0),
            Value::String(s) => match s.trim() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The referenced resource ID, if this is a reference.
    pub fn as_reference(&self) -> Option<u32> {
        match self {
            Value::Reference(r) => Some(*r),
            _ => None,
        }
    }

    /// Text the way Android's `TypedValue.coerceToString` writes it (`@0x7f…`, `#aarrggbb`,
    /// `16.0dip`, …); strings are returned as they are.
    pub fn to_display_string(&self) -> String {
        match self {
            Value::String(s) => s.clone(),
            Value::Reference(r) => format!("@0x{r:08x}"),
            Value::AttributeRef(r) => format!("?0x{r:08x}"),
            Value::Int(i) => i.to_string(),
            Value::IntHex(u) => format!("0x{u:08x}"),
            Value::Bool(b) => b.to_string(),
            Value::Float(f) => format!("{f:?}"),
            Value::Dimension { value, unit } => format!("{value:?}{}", unit.suffix()),
            Value::Fraction { value, parent } => {
                format!("{value:?}{}", if *parent { "%p" } else { "%" })
            }
            Value::Color(c) => format!("#{c:08x}"),
            Value::Null => "@null".to_string(),
            Value::Empty => "@empty".to_string(),
            Value::Other { data_type, data } => format!("(type 0x{data_type:02x})0x{data:x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complex_values_decode_like_android() {
        // 16dip: mantissa 16 << 8, radix 0 (23p0), unit dip.
        let v = Value::from_raw(TYPE_DIMENSION, (16 << 8) | 1, |_| None);
        assert_eq!(v.to_display_string(), "16.0dip");
        // 50%: 0.5 in radix 1 (16p7): mantissa 0.5 * 2^7 = 64.
        let v = Value::from_raw(TYPE_FRACTION, (64 << 8) | (1 << 4), |_| None);
        assert_eq!(v.to_display_string(), "50.0%");
        assert_eq!(Value::from_raw(TYPE_NULL, 1, |_| None), Value::Empty);
        assert_eq!(
            Value::from_raw(TYPE_INT_BOOLEAN, 0xffff_ffff, |_| None),
            Value::Bool(true)
        );
        assert_eq!(
            Value::from_raw(TYPE_INT_COLOR_RGB8, 0xff00_ff00, |_| None).to_display_string(),
            "#ff00ff00"
        );
        assert_eq!(
            Value::from_raw(0x42, 7, |_| None),
            Value::Other {
                data_type: 0x42,
                data: 7
            }
        );
    }

    #[test]
    fn int_readings() {
        assert_eq!(Value::String("0x10".into()).as_i64(), Some(16));
        assert_eq!(Value::String(" 42".into()).as_i64(), Some(42));
        assert_eq!(Value::IntHex(0x10000).as_i64(), Some(0x10000));
        assert_eq!(Value::Null.as_i64(), None);
    }
}
