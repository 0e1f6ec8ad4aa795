//! Bytecode: `code_item` headers, a Dalvik instruction walker and a
//! per-method summary of what the code references.
//!
//! Instruction lengths come from the Dalvik instruction formats (the first
//! digit of a format's name is its length in 16-bit code units); the three
//! payload pseudo-instructions (`packed-switch`, `sparse-switch` and
//! `fill-array-data` payloads, identified by `0x0100`, `0x0200` and
//! `0x0300` where a `nop` would be) take their length from their own
//! headers. The walk is linear, like `dexdump`'s: it does not follow
//! branches, so it never revisits code and costs one step per instruction.
//!
//! Everything is bounded: a truncated instruction or an unused opcode ends
//! the walk with a [`WalkError`] (the instructions before it are kept), each
//! method's walk stops after [`Limits::max_method_instructions`], and
//! [`Dex::method_codes`] shares one budget across the whole file.
//!
//! [`Limits::max_method_instructions`]: crate::Limits::max_method_instructions

use std::ops::ControlFlow;

use serde::Serialize;

use crate::bytes::{u16_at, u32_at};
use crate::classes::{Classes, EncodedMethod};
use crate::{AnomalyKind, Dex};

/// Bytes of a `code_item` before its instructions.
const CODE_ITEM_HEADER_LEN: usize = 16;

/// Identifiers of the payload pseudo-instructions (a whole code unit).
const PACKED_SWITCH_IDENT: u16 = 0x0100;
const SPARSE_SWITCH_IDENT: u16 = 0x0200;
const FILL_ARRAY_DATA_IDENT: u16 = 0x0300;

/// Why a method's `code_item` could not be read at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum CodeError {
    /// `code_off` is 0: abstract or native methods have no code.
    #[error("method has no code_item (code_off 0)")]
    NoCode,
    /// The 16-byte `code_item` header does not fit in the file.
    #[error("code_item at {off:#x} lies outside the {len}-byte file")]
    OffsetOutOfRange { off: u32, len: usize },
    /// `insns_size` declares more code units than the file holds.
    #[error(
        "code_item at {off:#x} declares {insns_size} code units; only {available} fit in the file"
    )]
    InsnsOutOfRange {
        off: u32,
        insns_size: u32,
        available: u64,
    },
    /// The whole-file budget of [`Dex::method_codes`] ran out before this
    /// method; it and the methods after it were not walked.
    #[error("code scan budget of {limit} steps exhausted")]
    BudgetExhausted { limit: u64 },
}

impl CodeError {
    /// The anomaly code this error maps to.
    pub fn kind(&self) -> AnomalyKind {
        match self {
            Self::BudgetExhausted { .. } => AnomalyKind::ScanBudgetExhausted,
            Self::NoCode | Self::OffsetOutOfRange { .. } | Self::InsnsOutOfRange { .. } => {
                AnomalyKind::CodeItemInvalid
            }
        }
    }
}

/// Why an instruction walk ended before the end of `insns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum WalkError {
    /// The instruction at `pc` needs `needed` code units; only `available`
    /// remain.
    #[error("instruction {opcode:#04x} at {pc:#06x} needs {needed} code units; {available} remain")]
    Truncated {
        pc: u32,
        opcode: u8,
        needed: u64,
        available: u32,
    },
    /// An opcode the Dalvik specification leaves unused (3e–43, 73, 79–7a,
    /// e3–f9): quickened odex code, junk, or anti-disassembly tricks.
    #[error("unused opcode {opcode:#04x} at {pc:#06x}")]
    UnusedOpcode { pc: u32, opcode: u8 },
    /// The per-walk instruction cap was reached at `pc`.
    #[error("instruction limit of {limit} reached at {pc:#06x}")]
    InstructionLimit { pc: u32, limit: usize },
}

impl WalkError {
    /// The anomaly code this error maps to.
    pub fn kind(&self) -> AnomalyKind {
        match self {
            Self::Truncated { .. } => AnomalyKind::CodeItemInvalid,
            Self::UnusedOpcode { .. } => AnomalyKind::UnusedOpcode,
            Self::InstructionLimit { .. } => AnomalyKind::ScanBudgetExhausted,
        }
    }

    /// Code-unit offset where the walk stopped.
    pub fn pc(&self) -> u32 {
        match *self {
            Self::Truncated { pc, .. }
            | Self::UnusedOpcode { pc, .. }
            | Self::InstructionLimit { pc, .. } => pc,
        }
    }
}

/// A method's `code_item`: register counts and its instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeItem<'a> {
    /// File offset of the item.
    pub offset: u32,
    pub registers_size: u16,
    pub ins_size: u16,
    pub outs_size: u16,
    pub tries_size: u16,
    pub debug_info_off: u32,
    /// Length of `insns` in 16-bit code units.
    pub insns_size: u32,
    insns: &'a [u8],
}

/// Reads the `code_item` at `off`. The header and every declared code unit
/// must lie inside `data`; `tries` and handlers are not read.
pub fn parse_code_item(data: &[u8], off: u32) -> Result<CodeItem<'_>, CodeError> {
    if off == 0 {
        return Err(CodeError::NoCode);
    }
    let at = off as usize;
    let out_of_range = CodeError::OffsetOutOfRange {
        off,
        len: data.len(),
    };
    let header = at
        .checked_add(CODE_ITEM_HEADER_LEN)
        .and_then(|end| data.get(at..end))
        .ok_or(out_of_range)?;
    let h16 = |i: usize| u16_at(header, i).unwrap_or(0);
    let h32 = |i: usize| u32_at(header, i).unwrap_or(0);
    let insns_size = h32(12);
    let start = at.saturating_add(CODE_ITEM_HEADER_LEN);
    let available = (data.len().saturating_sub(start) / 2) as u64;
    if u64::from(insns_size) > available {
        return Err(CodeError::InsnsOutOfRange {
            off,
            insns_size,
            available,
        });
    }
    let insns = usize::try_from(u64::from(insns_size) * 2)
        .ok()
        .and_then(|n| start.checked_add(n))
        .and_then(|end| data.get(start..end))
        .ok_or(CodeError::InsnsOutOfRange {
            off,
            insns_size,
            available,
        })?;
    Ok(CodeItem {
        offset: off,
        registers_size: h16(0),
        ins_size: h16(2),
        outs_size: h16(4),
        tries_size: h16(6),
        debug_info_off: h32(8),
        insns_size,
        insns,
    })
}

impl<'a> CodeItem<'a> {
    /// The instructions as little-endian bytes (`2 × insns_size` of them).
    pub fn insns(&self) -> &'a [u8] {
        self.insns
    }

    /// Code unit `pc`, if inside `insns`.
    pub fn unit(&self, pc: u32) -> Option<u16> {
        u16_at(self.insns, (pc as usize).checked_mul(2)?)
    }

    /// Walks the instructions, at most `max_instructions` of them.
    pub fn instructions(&self, max_instructions: usize) -> Instructions<'a> {
        instructions(self.insns, max_instructions)
    }

    /// Summarises the instructions, walking at most `max_instructions`.
    pub fn summarize(&self, max_instructions: usize) -> MethodCode {
        MethodCode::from_insns(self.insns, max_instructions)
    }
}

/// The Dalvik instruction formats (`10x`, `22c`…), named as in the
/// specification with an `F` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Format {
    F10x,
    F12x,
    F11n,
    F11x,
    F10t,
    F20t,
    F22x,
    F21t,
    F21s,
    F21h,
    F21c,
    F23x,
    F22b,
    F22t,
    F22s,
    F22c,
    F30t,
    F32x,
    F31i,
    F31t,
    F31c,
    F35c,
    F3rc,
    F45cc,
    F4rcc,
    F51l,
}

impl Format {
    /// Length in 16-bit code units.
    pub const fn units(self) -> u32 {
        use Format::*;
        match self {
            F10x | F12x | F11n | F11x | F10t => 1,
            F20t | F22x | F21t | F21s | F21h | F21c | F23x | F22b | F22t | F22s | F22c => 2,
            F30t | F32x | F31i | F31t | F31c | F35c | F3rc => 3,
            F45cc | F4rcc => 4,
            F51l => 5,
        }
    }

    /// Specification name (`"22c"`).
    pub fn name(self) -> &'static str {
        use Format::*;
        match self {
            F10x => "10x",
            F12x => "12x",
            F11n => "11n",
            F11x => "11x",
            F10t => "10t",
            F20t => "20t",
            F22x => "22x",
            F21t => "21t",
            F21s => "21s",
            F21h => "21h",
            F21c => "21c",
            F23x => "23x",
            F22b => "22b",
            F22t => "22t",
            F22s => "22s",
            F22c => "22c",
            F30t => "30t",
            F32x => "32x",
            F31i => "31i",
            F31t => "31t",
            F31c => "31c",
            F35c => "35c",
            F3rc => "3rc",
            F45cc => "45cc",
            F4rcc => "4rcc",
            F51l => "51l",
        }
    }
}

/// Format of `opcode`; `None` for the opcodes the specification leaves
/// unused (3e–43, 73, 79–7a, e3–f9).
#[inline]
pub fn format_of(opcode: u8) -> Option<Format> {
    FORMATS.get(usize::from(opcode)).copied().flatten()
}

/// [`format_of`] as a table, filled at compile time from [`format_by_opcode`].
static FORMATS: [Option<Format>; 256] = {
    let mut table = [None; 256];
    let mut op = 0;
    while op < 256 {
        table[op] = format_by_opcode(op as u8);
        op += 1;
    }
    table
};

const fn format_by_opcode(opcode: u8) -> Option<Format> {
    use Format::*;
    Some(match opcode {
        0x00 | 0x0e => F10x,
        0x01 | 0x04 | 0x07 | 0x21 | 0x7b..=0x8f | 0xb0..=0xcf => F12x,
        0x02 | 0x05 | 0x08 => F22x,
        0x03 | 0x06 | 0x09 => F32x,
        0x0a..=0x0d | 0x0f..=0x11 | 0x1d | 0x1e | 0x27 => F11x,
        0x12 => F11n,
        0x13 | 0x16 => F21s,
        0x14 | 0x17 => F31i,
        0x15 | 0x19 => F21h,
        0x18 => F51l,
        0x1a | 0x1c | 0x1f | 0x22 | 0x60..=0x6d | 0xfe | 0xff => F21c,
        0x1b => F31c,
        0x20 | 0x23 | 0x52..=0x5f => F22c,
        0x24 | 0x6e..=0x72 | 0xfc => F35c,
        0x25 | 0x74..=0x78 | 0xfd => F3rc,
        0x26 | 0x2b | 0x2c => F31t,
        0x28 => F10t,
        0x29 => F20t,
        0x2a => F30t,
        0x2d..=0x31 | 0x44..=0x51 | 0x90..=0xaf => F23x,
        0x32..=0x37 => F22t,
        0x38..=0x3d => F21t,
        0xd0..=0xd7 => F22s,
        0xd8..=0xe2 => F22b,
        0xfa => F45cc,
        0xfb => F4rcc,
        0x3e..=0x43 | 0x73 | 0x79 | 0x7a | 0xe3..=0xf9 => return None,
    })
}

/// Mnemonics as the specification (and `dexdump`) spell them; `"unused"`
/// for unused opcodes.
#[rustfmt::skip]
static MNEMONICS: [&str; 256] = [
    // 0x00
    "nop", "move", "move/from16", "move/16", "move-wide", "move-wide/from16", "move-wide/16", "move-object",
    "move-object/from16", "move-object/16", "move-result", "move-result-wide", "move-result-object", "move-exception", "return-void", "return",
    // 0x10
    "return-wide", "return-object", "const/4", "const/16", "const", "const/high16", "const-wide/16", "const-wide/32",
    "const-wide", "const-wide/high16", "const-string", "const-string/jumbo", "const-class", "monitor-enter", "monitor-exit", "check-cast",
    // 0x20
    "instance-of", "array-length", "new-instance", "new-array", "filled-new-array", "filled-new-array/range", "fill-array-data", "throw",
    "goto", "goto/16", "goto/32", "packed-switch", "sparse-switch", "cmpl-float", "cmpg-float", "cmpl-double",
    // 0x30
    "cmpg-double", "cmp-long", "if-eq", "if-ne", "if-lt", "if-ge", "if-gt", "if-le",
    "if-eqz", "if-nez", "if-ltz", "if-gez", "if-gtz", "if-lez", "unused", "unused",
    // 0x40
    "unused", "unused", "unused", "unused", "aget", "aget-wide", "aget-object", "aget-boolean",
    "aget-byte", "aget-char", "aget-short", "aput", "aput-wide", "aput-object", "aput-boolean", "aput-byte",
    // 0x50
    "aput-char", "aput-short", "iget", "iget-wide", "iget-object", "iget-boolean", "iget-byte", "iget-char",
    "iget-short", "iput", "iput-wide", "iput-object", "iput-boolean", "iput-byte", "iput-char", "iput-short",
    // 0x60
    "sget", "sget-wide", "sget-object", "sget-boolean", "sget-byte", "sget-char", "sget-short", "sput",
    "sput-wide", "sput-object", "sput-boolean", "sput-byte", "sput-char", "sput-short", "invoke-virtual", "invoke-super",
    // 0x70
    "invoke-direct", "invoke-static", "invoke-interface", "unused", "invoke-virtual/range", "invoke-super/range", "invoke-direct/range", "invoke-static/range",
    "invoke-interface/range", "unused", "unused", "neg-int", "not-int", "neg-long", "not-long", "neg-float",
    // 0x80
    "neg-double", "int-to-long", "int-to-float", "int-to-double", "long-to-int", "long-to-float", "long-to-double", "float-to-int",
    "float-to-long", "float-to-double", "double-to-int", "double-to-long", "double-to-float", "int-to-byte", "int-to-char", "int-to-short",
    // 0x90
    "add-int", "sub-int", "mul-int", "div-int", "rem-int", "and-int", "or-int", "xor-int",
    "shl-int", "shr-int", "ushr-int", "add-long", "sub-long", "mul-long", "div-long", "rem-long",
    // 0xa0
    "and-long", "or-long", "xor-long", "shl-long", "shr-long", "ushr-long", "add-float", "sub-float",
    "mul-float", "div-float", "rem-float", "add-double", "sub-double", "mul-double", "div-double", "rem-double",
    // 0xb0
    "add-int/2addr", "sub-int/2addr", "mul-int/2addr", "div-int/2addr", "rem-int/2addr", "and-int/2addr", "or-int/2addr", "xor-int/2addr",
    "shl-int/2addr", "shr-int/2addr", "ushr-int/2addr", "add-long/2addr", "sub-long/2addr", "mul-long/2addr", "div-long/2addr", "rem-long/2addr",
    // 0xc0
    "and-long/2addr", "or-long/2addr", "xor-long/2addr", "shl-long/2addr", "shr-long/2addr", "ushr-long/2addr", "add-float/2addr", "sub-float/2addr",
    "mul-float/2addr", "div-float/2addr", "rem-float/2addr", "add-double/2addr", "sub-double/2addr", "mul-double/2addr", "div-double/2addr", "rem-double/2addr",
    // 0xd0
    "add-int/lit16", "rsub-int", "mul-int/lit16", "div-int/lit16", "rem-int/lit16", "and-int/lit16", "or-int/lit16", "xor-int/lit16",
    "add-int/lit8", "rsub-int/lit8", "mul-int/lit8", "div-int/lit8", "rem-int/lit8", "and-int/lit8", "or-int/lit8", "xor-int/lit8",
    // 0xe0
    "shl-int/lit8", "shr-int/lit8", "ushr-int/lit8", "unused", "unused", "unused", "unused", "unused",
    "unused", "unused", "unused", "unused", "unused", "unused", "unused", "unused",
    // 0xf0
    "unused", "unused", "unused", "unused", "unused", "unused", "unused", "unused",
    "unused", "unused", "invoke-polymorphic", "invoke-polymorphic/range", "invoke-custom", "invoke-custom/range", "const-method-handle", "const-method-type",
];

/// Mnemonic of `opcode` (`"invoke-virtual"`; `"unused"` for unused ones).
pub fn mnemonic(opcode: u8) -> &'static str {
    MNEMONICS
        .get(usize::from(opcode))
        .copied()
        .unwrap_or("unused")
}

/// Kind of payload pseudo-instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Payload {
    /// `0x0100`: size, first key, `size` relative targets.
    PackedSwitch,
    /// `0x0200`: size, `size` keys, `size` relative targets.
    SparseSwitch,
    /// `0x0300`: element width, element count, data.
    FillArrayData,
}

impl Payload {
    /// Name as the specification spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::PackedSwitch => "packed-switch-payload",
            Self::SparseSwitch => "sparse-switch-payload",
            Self::FillArrayData => "fill-array-data-payload",
        }
    }
}

/// A constant-pool reference made by an instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "index", rename_all = "snake_case")]
pub enum Reference {
    /// `string@`: const-string, const-string/jumbo.
    String(u32),
    /// `type@`: const-class, check-cast, instance-of, new-instance,
    /// new-array, filled-new-array(/range).
    Type(u32),
    /// `field@`: iget*, iput*, sget*, sput*.
    Field(u32),
    /// `meth@`: invoke-* and invoke-*/range.
    Method(u32),
    /// invoke-polymorphic(/range): the `MethodHandle` method and the
    /// prototype of the call site.
    MethodProto { method: u32, proto: u32 },
    /// `call_site@`: invoke-custom(/range).
    CallSite(u32),
    /// `method_handle@`: const-method-handle.
    MethodHandle(u32),
    /// `proto@`: const-method-type.
    Proto(u32),
}

/// One decoded instruction (or payload pseudo-instruction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instruction<'a> {
    /// Offset in code units from the start of `insns`.
    pub pc: u32,
    /// Low byte of the first code unit (0 for payloads).
    pub opcode: u8,
    /// Set for payload pseudo-instructions.
    pub payload: Option<Payload>,
    bytes: &'a [u8],
}

impl<'a> Instruction<'a> {
    /// Length in 16-bit code units.
    pub fn units(&self) -> u32 {
        u32::try_from(self.bytes.len() / 2).unwrap_or(u32::MAX)
    }

    /// The instruction's bytes (little-endian code units).
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Code unit `i` of the instruction (0 past its end).
    pub fn unit(&self, i: usize) -> u16 {
        i.checked_mul(2)
            .and_then(|at| u16_at(self.bytes, at))
            .unwrap_or(0)
    }

    fn u32_from(&self, i: usize) -> u32 {
        u32::from(self.unit(i)) | (u32::from(self.unit(i.saturating_add(1))) << 16)
    }

    /// Register byte `AA` (high byte of the first unit).
    fn reg_aa(&self) -> u8 {
        (self.unit(0) >> 8) as u8
    }

    /// Register nibble `A` (bits 8–11 of the first unit).
    fn reg_a4(&self) -> u8 {
        ((self.unit(0) >> 8) & 0x0f) as u8
    }

    /// Format; `None` for payloads.
    pub fn format(&self) -> Option<Format> {
        match self.payload {
            Some(_) => None,
            None => format_of(self.opcode),
        }
    }

    /// Mnemonic (`"const-string"`), or the payload's name.
    pub fn name(&self) -> &'static str {
        match self.payload {
            Some(p) => p.name(),
            None => mnemonic(self.opcode),
        }
    }

    /// The constant-pool reference, for instructions that make one.
    pub fn reference(&self) -> Option<Reference> {
        if self.payload.is_some() {
            return None;
        }
        let b = u32::from(self.unit(1));
        Some(match self.opcode {
            0x1a => Reference::String(b),
            0x1b => Reference::String(self.u32_from(1)),
            0x1c | 0x1f | 0x20 | 0x22..=0x25 => Reference::Type(b),
            0x52..=0x6d => Reference::Field(b),
            0x6e..=0x72 | 0x74..=0x78 => Reference::Method(b),
            0xfa | 0xfb => Reference::MethodProto {
                method: b,
                proto: u32::from(self.unit(3)),
            },
            0xfc | 0xfd => Reference::CallSite(b),
            0xfe => Reference::MethodHandle(b),
            0xff => Reference::Proto(b),
            _ => return None,
        })
    }

    /// The literal operand, decoded: sign-extended, and shifted into place
    /// for the `/high16` forms. Covers the const loads (formats 11n, 21s,
    /// 21h, 31i, 51l) and the `/lit8` and `/lit16` arithmetic (22b, 22s).
    pub fn literal(&self) -> Option<i64> {
        if self.payload.is_some() {
            return None;
        }
        Some(match self.opcode {
            // const/4: B|A|op, B is a signed nibble.
            0x12 => i64::from((self.unit(0) as i16) >> 12),
            // const/16, const-wide/16, +lit16 arithmetic.
            0x13 | 0x16 | 0xd0..=0xd7 => i64::from(self.unit(1) as i16),
            // const, const-wide/32.
            0x14 | 0x17 => i64::from(self.u32_from(1) as i32),
            // const/high16: BBBB0000 as a 32-bit int.
            0x15 => i64::from((u32::from(self.unit(1)) << 16) as i32),
            // const-wide: 64 bits in four units, least significant first.
            0x18 => (u64::from(self.u32_from(1)) | (u64::from(self.u32_from(3)) << 32)) as i64,
            // const-wide/high16: BBBB000000000000.
            0x19 => (u64::from(self.unit(1)) << 48) as i64,
            // +lit8 arithmetic: CC|BB, CC signed.
            0xd8..=0xe2 => i64::from((self.unit(1) as i16) >> 8),
            _ => return None,
        })
    }

    /// Signed branch offset in code units, relative to this instruction
    /// (gotos, ifs, and the payload offset of switches and fill-array-data).
    pub fn branch_offset(&self) -> Option<i32> {
        match self.format()? {
            Format::F10t => Some(i32::from((self.unit(0) as i16) >> 8)),
            Format::F20t | Format::F21t | Format::F22t => Some(i32::from(self.unit(1) as i16)),
            Format::F30t | Format::F31t => Some(self.u32_from(1) as i32),
            _ => None,
        }
    }

    /// Destination register of a const load (`vA` of const/4, `vAA` of the
    /// others) or the register a `return*` returns.
    fn const_or_return_register(&self) -> Option<u8> {
        match self.opcode {
            0x12 => Some(self.reg_a4()),
            0x0f..=0x11 | 0x13..=0x19 => Some(self.reg_aa()),
            _ => None,
        }
    }
}

/// Linear walk over a method's instructions; see [`instructions`].
#[derive(Debug, Clone)]
pub struct Instructions<'a> {
    insns: &'a [u8],
    units: u32,
    pc: u32,
    walked: usize,
    max: usize,
    done: bool,
}

/// Walks `insns` (little-endian code units; a trailing odd byte is ignored)
/// from the start, yielding each instruction and payload in order. Ends
/// after the last unit, or with one `Err` when an instruction is cut short,
/// an opcode is unused, or `max_instructions` have been yielded.
pub fn instructions(insns: &[u8], max_instructions: usize) -> Instructions<'_> {
    Instructions {
        insns,
        units: u32::try_from(insns.len() / 2).unwrap_or(u32::MAX),
        pc: 0,
        walked: 0,
        max: max_instructions,
        done: false,
    }
}

#[inline]
fn unit_at(insns: &[u8], pc: u64) -> Option<u16> {
    u16_at(insns, usize::try_from(pc.checked_mul(2)?).ok()?)
}

/// Length of the payload whose ident is at `pc`, from its header; the
/// error is the header length when the header itself is cut short.
fn payload_units(insns: &[u8], kind: Payload, pc: u64) -> Result<u64, u64> {
    let header_len: u64 = match kind {
        Payload::PackedSwitch | Payload::SparseSwitch => 2,
        Payload::FillArrayData => 4,
    };
    // pc < 2^32, so pc + i cannot overflow.
    let h = |i: u64| unit_at(insns, pc + i).map(u64::from).ok_or(header_len);
    Ok(match kind {
        // ident, size, first_key (2 units), targets (2 units each).
        Payload::PackedSwitch => 4 + 2 * h(1)?,
        // ident, size, keys and targets (2 units each).
        Payload::SparseSwitch => 2 + 4 * h(1)?,
        // ident, element_width, size (2 units), data padded to units.
        Payload::FillArrayData => {
            let width = h(1)?;
            let count = h(2)? | (h(3)? << 16);
            // width < 2^16 and count < 2^32: no overflow.
            4 + (width * count).div_ceil(2)
        }
    })
}

/// Decodes the instruction or payload at `pc` (< `units`): its opcode,
/// payload kind and its bytes, or why the walk must stop there.
#[inline(always)]
fn decode_at(insns: &[u8], units: u32, pc: u32) -> Result<(u8, Option<Payload>, &[u8]), WalkError> {
    let first = unit_at(insns, u64::from(pc)).unwrap_or(0);
    let opcode = (first & 0xff) as u8;
    let payload = match first {
        PACKED_SWITCH_IDENT => Some(Payload::PackedSwitch),
        SPARSE_SWITCH_IDENT => Some(Payload::SparseSwitch),
        FILL_ARRAY_DATA_IDENT => Some(Payload::FillArrayData),
        _ => None,
    };
    let available = units.saturating_sub(pc);
    let len = match payload {
        Some(kind) => match payload_units(insns, kind, u64::from(pc)) {
            Ok(n) => n,
            Err(header) => {
                return Err(WalkError::Truncated {
                    pc,
                    opcode,
                    needed: header,
                    available,
                });
            }
        },
        None => match format_of(opcode) {
            Some(f) => u64::from(f.units()),
            None => return Err(WalkError::UnusedOpcode { pc, opcode }),
        },
    };
    let truncated = WalkError::Truncated {
        pc,
        opcode,
        needed: len,
        available,
    };
    if len > u64::from(available) {
        return Err(truncated);
    }
    // len <= available, so both fit in u32 and the slice is in bounds.
    let len32 = u32::try_from(len).unwrap_or(available);
    let start = (pc as usize).saturating_mul(2);
    let end = start.saturating_add((len32 as usize).saturating_mul(2));
    let bytes = insns.get(start..end).ok_or(truncated)?;
    Ok((opcode, payload, bytes))
}

impl<'a> Instructions<'a> {
    fn fail(&mut self, e: WalkError) -> Option<Result<Instruction<'a>, WalkError>> {
        self.done = true;
        Some(Err(e))
    }
}

impl<'a> Iterator for Instructions<'a> {
    type Item = Result<Instruction<'a>, WalkError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pc >= self.units {
            self.done = true;
            return None;
        }
        let pc = self.pc;
        if self.walked >= self.max {
            return self.fail(WalkError::InstructionLimit {
                pc,
                limit: self.max,
            });
        }
        let (opcode, payload, bytes) = match decode_at(self.insns, self.units, pc) {
            Ok(d) => d,
            Err(e) => return self.fail(e),
        };
        let len = u32::try_from(bytes.len() / 2).unwrap_or(u32::MAX);
        self.pc = pc.saturating_add(len);
        self.walked = self.walked.saturating_add(1);
        Some(Ok(Instruction {
            pc,
            opcode,
            payload,
            bytes,
        }))
    }
}

/// Walks `insns` exactly like [`instructions`] without building
/// [`Instruction`]s: calls `visit(opcode, bytes)` for every instruction
/// (payload pseudo-instructions are stepped over, not visited). For passes
/// over a whole app that look at a few opcodes.
///
/// Returns how many instructions were walked (payloads included) and the
/// error that ended the walk early, if any.
#[inline]
pub fn scan_instructions(
    insns: &[u8],
    max_instructions: usize,
    mut visit: impl FnMut(u8, &[u8]),
) -> (u32, Option<WalkError>) {
    let units = u32::try_from(insns.len() / 2).unwrap_or(u32::MAX);
    let mut pc = 0u32;
    let mut walked = 0usize;
    while pc < units {
        if walked >= max_instructions {
            return (
                u32::try_from(walked).unwrap_or(u32::MAX),
                Some(WalkError::InstructionLimit {
                    pc,
                    limit: max_instructions,
                }),
            );
        }
        match decode_at(insns, units, pc) {
            Ok((opcode, payload, bytes)) => {
                if payload.is_none() {
                    visit(opcode, bytes);
                }
                pc = pc.saturating_add(u32::try_from(bytes.len() / 2).unwrap_or(u32::MAX));
                walked += 1;
            }
            Err(e) => return (u32::try_from(walked).unwrap_or(u32::MAX), Some(e)),
        }
    }
    (u32::try_from(walked).unwrap_or(u32::MAX), None)
}

impl std::iter::FusedIterator for Instructions<'_> {}

/// What one method's code refers to: the facts the analyser needs.
///
/// Lists are in instruction order and keep duplicates. References are raw
/// indexes into the dex's tables; resolve them with [`Dex::method_ref`],
/// [`Dex::string`], [`Dex::field_ref`] and [`Dex::type_descriptor`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MethodCode {
    /// `insns_size`: length of the code in 16-bit code units.
    pub insns_len: u32,
    /// Instructions walked, payload pseudo-instructions included.
    pub instructions: u32,
    /// `method_idx` of every invoke-kind and invoke-kind/range, and the
    /// `MethodHandle.invoke*` method of invoke-polymorphic(/range) (its
    /// prototype index is not kept).
    pub invokes: Vec<u32>,
    /// `call_site_idx` of invoke-custom(/range) (Java 8+ lambdas and string
    /// concatenation compiled without desugaring); kept apart from
    /// `invokes` because it indexes the call-site table, not method_ids.
    pub call_sites: Vec<u32>,
    /// `string_idx` of const-string and const-string/jumbo.
    pub strings: Vec<u32>,
    /// Values loaded by const/4, const/16, const, const/high16,
    /// const-wide/16, const-wide/32, const-wide and const-wide/high16,
    /// sign-extended to 64 bits and shifted for the `/high16` forms (a
    /// float or double constant appears as its raw bits). Literals of
    /// `/lit8` and `/lit16` arithmetic are not included.
    pub int_literals: Vec<i64>,
    /// `field_idx` of iget*, iput*, sget* and sput*.
    pub field_refs: Vec<u32>,
    /// `type_idx` of const-class, check-cast, instance-of, new-instance,
    /// new-array, filled-new-array and filled-new-array/range.
    pub type_refs: Vec<u32>,
    /// The body is one of these complete instruction sequences and nothing
    /// else (no nop, no payload, no other instruction):
    /// - `return-void`;
    /// - a 32-bit const load (const/4, const/16, const, const/high16) into
    ///   `vA` then `return vA`;
    /// - a 64-bit const load (const-wide/16, const-wide/32, const-wide,
    ///   const-wide/high16) into `vA` then `return-wide vA`;
    /// - `const/4 vA, #0` then `return-object vA` (returns null).
    ///
    /// Stubbed-out checks (`isRooted() { return false; }`) look like this.
    /// const-method-handle and const-method-type are not summarised.
    pub returns_only: bool,
    /// The constant a `returns_only` body returns (`None` for return-void).
    pub returned_literal: Option<i64>,
    /// Why the walk stopped before the end of the code, if it did; the
    /// lists above then cover the instructions before that point.
    pub fault: Option<WalkError>,
}

impl MethodCode {
    /// Summarises `insns` (little-endian code units), walking at most
    /// `max_instructions`.
    pub fn from_insns(insns: &[u8], max_instructions: usize) -> Self {
        let mut out = MethodCode {
            insns_len: u32::try_from(insns.len() / 2).unwrap_or(u32::MAX),
            ..Self::default()
        };
        // The first three instructions, enough to recognise trivial bodies.
        let mut head: [Option<Head>; 3] = [None; 3];
        for (n, item) in instructions(insns, max_instructions).enumerate() {
            let insn = match item {
                Ok(i) => i,
                Err(e) => {
                    out.fault = Some(e);
                    break;
                }
            };
            out.instructions = out.instructions.saturating_add(1);
            if let Some(slot) = head.get_mut(n) {
                let op = if insn.payload.is_some() {
                    0
                } else {
                    insn.opcode
                };
                *slot = Some((op, insn.const_or_return_register(), insn.literal()));
            }
            if insn.payload.is_some() {
                continue;
            }
            match insn.reference() {
                Some(Reference::Method(m) | Reference::MethodProto { method: m, .. }) => {
                    out.invokes.push(m);
                }
                Some(Reference::CallSite(c)) => out.call_sites.push(c),
                Some(Reference::String(s)) => out.strings.push(s),
                Some(Reference::Field(f)) => out.field_refs.push(f),
                Some(Reference::Type(t)) => out.type_refs.push(t),
                // Method handles and method types are rare and not needed
                // by the analyser yet.
                Some(Reference::MethodHandle(_) | Reference::Proto(_)) | None => {}
            }
            if (0x12..=0x19).contains(&insn.opcode)
                && let Some(v) = insn.literal()
            {
                out.int_literals.push(v);
            }
        }
        if out.fault.is_none() {
            let (returns_only, literal) = trivial_body(&head);
            out.returns_only = returns_only;
            out.returned_literal = literal;
        }
        out
    }
}

/// Opcode (0 for payloads), const/return register and literal of one of a
/// method's first instructions.
type Head = (u8, Option<u8>, Option<i64>);

/// Recognises the bodies documented on [`MethodCode::returns_only`].
fn trivial_body(head: &[Option<Head>; 3]) -> (bool, Option<i64>) {
    match *head {
        [Some((0x0e, _, _)), None, None] => (true, None),
        [
            Some((load, Some(dst), Some(v))),
            Some((ret, Some(src), _)),
            None,
        ] if dst == src => {
            let ok = match ret {
                0x0f => (0x12..=0x15).contains(&load),
                0x10 => (0x16..=0x19).contains(&load),
                0x11 => load == 0x12 && v == 0,
                _ => false,
            };
            if ok { (true, Some(v)) } else { (false, None) }
        }
        _ => (false, None),
    }
}

impl<'a> Dex<'a> {
    /// The `code_item` at `code_off` (from [`EncodedMethod::code_off`]).
    pub fn code_item(&self, code_off: u32) -> Result<CodeItem<'a>, CodeError> {
        parse_code_item(self.bytes(), code_off)
    }

    /// Summary of the code at `code_off`, walking at most
    /// [`Limits::max_method_instructions`](crate::Limits::max_method_instructions).
    pub fn method_code(&self, code_off: u32) -> Result<MethodCode, CodeError> {
        Ok(self
            .code_item(code_off)?
            .summarize(self.limits().max_method_instructions))
    }

    /// Steps one pass over all code may take: the smaller of
    /// [`Limits::max_code_instructions`](crate::Limits::max_code_instructions)
    /// and four per byte of input plus 2^20. [`Dex::method_codes`] spends it
    /// (one step per class, per class_data entry and per instruction);
    /// other whole-file passes over code should spend it the same way.
    pub fn code_budget(&self) -> u64 {
        let proportional = (self.bytes().len() as u64)
            .saturating_mul(4)
            .saturating_add(1 << 20);
        self.limits().max_code_instructions.min(proportional)
    }

    /// Every method with code (`code_off != 0`) of every class, in class_def
    /// and class_data order, with its summary.
    ///
    /// One budget bounds the whole pass: each class, each class_data entry
    /// and each instruction walked costs one step, and the budget is the
    /// smaller of [`Limits::max_code_instructions`] and four steps per
    /// byte of input plus 2^20 (a plain dex needs at most about one per
    /// byte; methods sharing one code_item cost more). When it runs out,
    /// the method being read gets [`CodeError::BudgetExhausted`] and the
    /// iteration ends.
    ///
    /// [`Limits::max_code_instructions`]: crate::Limits::max_code_instructions
    pub fn method_codes(&self) -> MethodCodes<'a, '_> {
        let budget = self.code_budget();
        MethodCodes {
            dex: self,
            classes: self.classes(),
            class_index: 0,
            pending: Vec::new().into_iter(),
            cut_short: None,
            budget,
            limit: budget,
            exhausted: false,
            done: false,
        }
    }
}

/// Iterator returned by [`Dex::method_codes`]: `(class_def index, method,
/// summary or error)`.
#[derive(Debug)]
pub struct MethodCodes<'a, 'd> {
    dex: &'d Dex<'a>,
    classes: Classes<'a, 'd>,
    class_index: u32,
    pending: std::vec::IntoIter<EncodedMethod>,
    /// Method at which the budget ran out while reading class_data.
    cut_short: Option<EncodedMethod>,
    budget: u64,
    limit: u64,
    exhausted: bool,
    done: bool,
}

impl MethodCodes<'_, '_> {
    /// Whether the pass stopped because its budget ran out.
    pub fn budget_exhausted(&self) -> bool {
        self.exhausted
    }

    fn out_of_budget(&mut self) -> Result<MethodCode, CodeError> {
        self.exhausted = true;
        self.done = true;
        Err(CodeError::BudgetExhausted { limit: self.limit })
    }
}

impl Iterator for MethodCodes<'_, '_> {
    type Item = (u32, EncodedMethod, Result<MethodCode, CodeError>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            if let Some(m) = self.pending.next() {
                let class = self.class_index;
                let result = match self.dex.code_item(m.code_off) {
                    Err(e) => Err(e),
                    Ok(_) if self.budget == 0 => self.out_of_budget(),
                    Ok(code) => {
                        let per_method = self.dex.limits().max_method_instructions;
                        let left = usize::try_from(self.budget).unwrap_or(usize::MAX);
                        let cap = per_method.min(left);
                        let summary = code.summarize(cap);
                        self.budget = self.budget.saturating_sub(u64::from(summary.instructions));
                        let hit_cap =
                            matches!(summary.fault, Some(WalkError::InstructionLimit { .. }));
                        if hit_cap && cap < per_method {
                            self.out_of_budget()
                        } else {
                            Ok(summary)
                        }
                    }
                };
                return Some((class, m, result));
            }
            if let Some(m) = self.cut_short.take() {
                let result = self.out_of_budget();
                return Some((self.class_index, m, result));
            }
            let Some(class) = self.classes.next() else {
                self.done = true;
                return None;
            };
            self.budget = self.budget.saturating_sub(1);
            self.class_index = class.index;
            let mut methods = Vec::new();
            let mut budget = self.budget;
            let mut cut_short = None;
            // Unreadable class_data still passes on the methods read before
            // the damage; the summary reports the class as invalid.
            let _ = class.walk_methods(|m| {
                if budget == 0 {
                    cut_short = Some(m);
                    return ControlFlow::Break(());
                }
                budget -= 1;
                if m.code_off != 0 {
                    methods.push(m);
                }
                ControlFlow::Continue(())
            });
            self.budget = budget;
            self.cut_short = cut_short;
            self.pending = methods.into_iter();
        }
    }
}

impl std::iter::FusedIterator for MethodCodes<'_, '_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(units: &[u16]) -> Vec<u8> {
        units.iter().flat_map(|u| u.to_le_bytes()).collect()
    }

    /// Walks `units` and returns every instruction, panicking on a fault.
    fn walk(units: &[u16]) -> Vec<Instruction<'static>> {
        let bytes: &'static [u8] = Vec::leak(le(units));
        instructions(bytes, usize::MAX)
            .collect::<Result<Vec<_>, _>>()
            .expect("walks cleanly")
    }

    /// Decodes exactly one instruction of the expected format and length.
    fn one(units: &[u16], name: &str, format: Format) -> Instruction<'static> {
        let all = walk(units);
        assert_eq!(all.len(), 1, "{name}: {all:?}");
        let i = all[0];
        assert_eq!(i.name(), name);
        assert_eq!(i.format(), Some(format), "{name}");
        assert_eq!(i.units() as usize, units.len(), "{name}");
        assert_eq!(i.units(), format.units(), "{name}");
        i
    }

    #[test]
    fn format_10x_12x_11n_11x_10t() {
        let i = one(&[0x0000], "nop", Format::F10x);
        assert_eq!((i.reference(), i.literal()), (None, None));
        one(&[0x000e], "return-void", Format::F10x);
        one(&[0x2101], "move", Format::F12x);
        one(&[0x10b0], "add-int/2addr", Format::F12x);
        one(&[0x0121], "array-length", Format::F12x);
        let i = one(&[0xf012], "const/4", Format::F11n);
        assert_eq!(i.literal(), Some(-1));
        assert_eq!(one(&[0x7312], "const/4", Format::F11n).literal(), Some(7));
        assert_eq!(one(&[0x8012], "const/4", Format::F11n).literal(), Some(-8));
        one(&[0x030f], "return", Format::F11x);
        one(&[0x0c0c], "move-result-object", Format::F11x);
        one(&[0x0527], "throw", Format::F11x);
        let i = one(&[0xeb28], "goto", Format::F10t);
        assert_eq!(i.branch_offset(), Some(-21));
    }

    #[test]
    fn two_unit_formats() {
        let i = one(&[0x0029, 0xfff0], "goto/16", Format::F20t);
        assert_eq!(i.branch_offset(), Some(-16));
        one(&[0x0102, 300], "move/from16", Format::F22x);
        one(&[0x0108, 300], "move-object/from16", Format::F22x);
        let i = one(&[0x0038, 0x0004], "if-eqz", Format::F21t);
        assert_eq!(i.branch_offset(), Some(4));
        let i = one(&[0x0113, 0xfffe], "const/16", Format::F21s);
        assert_eq!(i.literal(), Some(-2));
        let i = one(&[0x0116, 0x00fa], "const-wide/16", Format::F21s);
        assert_eq!(i.literal(), Some(250));
        // Values as dexdump prints them for the same encodings.
        let i = one(&[0x0015, 0x3f80], "const/high16", Format::F21h);
        assert_eq!(i.literal(), Some(1_065_353_216));
        let i = one(&[0x0015, 0x8000], "const/high16", Format::F21h);
        assert_eq!(i.literal(), Some(-2_147_483_648));
        let i = one(&[0x0019, 0x3fe0], "const-wide/high16", Format::F21h);
        assert_eq!(i.literal(), Some(4_602_678_819_172_646_912));
        let i = one(&[0x0019, 0xfff0], "const-wide/high16", Format::F21h);
        assert_eq!(i.literal(), Some(-4_503_599_627_370_496));
        let i = one(&[0x011a, 0x000d], "const-string", Format::F21c);
        assert_eq!(i.reference(), Some(Reference::String(0x0d)));
        for (op, name, r) in [
            (0x1c, "const-class", Reference::Type(9)),
            (0x1f, "check-cast", Reference::Type(9)),
            (0x22, "new-instance", Reference::Type(9)),
            (0x60, "sget", Reference::Field(9)),
            (0x6d, "sput-short", Reference::Field(9)),
            (0xfe, "const-method-handle", Reference::MethodHandle(9)),
            (0xff, "const-method-type", Reference::Proto(9)),
        ] {
            let i = one(&[0x0100 | op, 9], name, Format::F21c);
            assert_eq!(i.reference(), Some(r), "{name}");
        }
        one(&[0x0190, 0x0302], "add-int", Format::F23x);
        one(&[0x0146, 0x0302], "aget-object", Format::F23x);
        one(&[0x0131, 0x0302], "cmp-long", Format::F23x);
        let i = one(&[0x03d8, 0x0103], "add-int/lit8", Format::F22b);
        assert_eq!(i.literal(), Some(1));
        let i = one(&[0x03e2, 0xeb03], "ushr-int/lit8", Format::F22b);
        assert_eq!(i.literal(), Some(-21));
        let i = one(&[0x1335, 0x0016], "if-ge", Format::F22t);
        assert_eq!(i.branch_offset(), Some(0x16));
        let i = one(&[0x21d0, 0xfff6], "add-int/lit16", Format::F22s);
        assert_eq!(i.literal(), Some(-10));
        one(&[0x21d1, 0x0001], "rsub-int", Format::F22s);
        for (op, name, r) in [
            (0x52, "iget", Reference::Field(0x1234)),
            (0x5f, "iput-short", Reference::Field(0x1234)),
            (0x20, "instance-of", Reference::Type(0x1234)),
            (0x23, "new-array", Reference::Type(0x1234)),
        ] {
            let i = one(&[0x1000 | op, 0x1234], name, Format::F22c);
            assert_eq!(i.reference(), Some(r), "{name}");
        }
    }

    #[test]
    fn three_to_five_unit_formats() {
        let i = one(&[0x002a, 0xfffe, 0xffff], "goto/32", Format::F30t);
        assert_eq!(i.branch_offset(), Some(-2));
        one(&[0x0003, 1000, 2000], "move/16", Format::F32x);
        one(&[0x0009, 1000, 2000], "move-object/16", Format::F32x);
        let i = one(&[0x0214, 0x0033, 0x7f04], "const", Format::F31i);
        assert_eq!(i.literal(), Some(0x7f04_0033));
        let i = one(&[0x0214, 0xffff, 0xffff], "const", Format::F31i);
        assert_eq!(i.literal(), Some(-1));
        let i = one(&[0x0717, 0xafc8, 0x0000], "const-wide/32", Format::F31i);
        assert_eq!(i.literal(), Some(0xafc8));
        let i = one(&[0x0717, 0x0000, 0x8000], "const-wide/32", Format::F31i);
        assert_eq!(i.literal(), Some(i64::from(i32::MIN)));
        for (op, name) in [
            (0x26, "fill-array-data"),
            (0x2b, "packed-switch"),
            (0x2c, "sparse-switch"),
        ] {
            let i = one(&[op, 0x0010, 0x0000], name, Format::F31t);
            assert_eq!(i.branch_offset(), Some(16));
            assert_eq!(i.reference(), None);
        }
        let i = one(
            &[0x001b, 0x2345, 0x0001],
            "const-string/jumbo",
            Format::F31c,
        );
        assert_eq!(i.reference(), Some(Reference::String(0x12345)));
        let i = one(&[0x306e, 0x0023, 0x0012], "invoke-virtual", Format::F35c);
        assert_eq!(i.reference(), Some(Reference::Method(0x23)));
        let i = one(&[0x1072, 0xbeef, 0x0000], "invoke-interface", Format::F35c);
        assert_eq!(i.reference(), Some(Reference::Method(0xbeef)));
        let i = one(&[0x3024, 0x0007, 0x0210], "filled-new-array", Format::F35c);
        assert_eq!(i.reference(), Some(Reference::Type(7)));
        let i = one(&[0x10fc, 0x0002, 0x0000], "invoke-custom", Format::F35c);
        assert_eq!(i.reference(), Some(Reference::CallSite(2)));
        let i = one(
            &[0x0577, 0x0100, 0x0000],
            "invoke-static/range",
            Format::F3rc,
        );
        assert_eq!(i.reference(), Some(Reference::Method(0x100)));
        let i = one(
            &[0x0574, 0x0101, 0x0000],
            "invoke-virtual/range",
            Format::F3rc,
        );
        assert_eq!(i.reference(), Some(Reference::Method(0x101)));
        let i = one(
            &[0x0525, 0x0003, 0x0000],
            "filled-new-array/range",
            Format::F3rc,
        );
        assert_eq!(i.reference(), Some(Reference::Type(3)));
        let i = one(
            &[0x02fd, 0x0004, 0x0000],
            "invoke-custom/range",
            Format::F3rc,
        );
        assert_eq!(i.reference(), Some(Reference::CallSite(4)));
        let i = one(
            &[0x20fa, 0x0011, 0x0010, 0x0005],
            "invoke-polymorphic",
            Format::F45cc,
        );
        assert_eq!(
            i.reference(),
            Some(Reference::MethodProto {
                method: 0x11,
                proto: 5
            })
        );
        let i = one(
            &[0x03fb, 0x0012, 0x0000, 0x0006],
            "invoke-polymorphic/range",
            Format::F4rcc,
        );
        assert_eq!(
            i.reference(),
            Some(Reference::MethodProto {
                method: 0x12,
                proto: 6
            })
        );
        let i = one(
            &[0x0218, 0xffff, 0xffff, 0xffff, 0x7fff],
            "const-wide",
            Format::F51l,
        );
        assert_eq!(i.literal(), Some(i64::MAX));
        let i = one(
            &[0x0218, 0x0001, 0x0000, 0x0000, 0x8000],
            "const-wide",
            Format::F51l,
        );
        assert_eq!(i.literal(), Some(i64::MIN + 1));
    }

    #[test]
    fn every_opcode_has_a_length_or_is_unused() {
        let mut unused = 0;
        for op in 0..=255u8 {
            match format_of(op) {
                Some(f) => {
                    assert_ne!(mnemonic(op), "unused", "{op:#x}");
                    // A full-length instruction of zeros after the opcode
                    // decodes to exactly that length.
                    let mut units = vec![u16::from(op)];
                    units.resize(f.units() as usize, 0);
                    let all = walk(&units);
                    assert_eq!(all.len(), 1, "{op:#x}");
                    assert_eq!(all[0].units(), f.units());
                }
                None => {
                    unused += 1;
                    assert_eq!(mnemonic(op), "unused", "{op:#x}");
                }
            }
        }
        // 3e–43 (6), 73, 79–7a (2), e3–f9 (23).
        assert_eq!(unused, 6 + 1 + 2 + 23);
    }

    #[test]
    fn payloads() {
        // packed-switch: ident, size 2, first_key, 2 targets → 4 + 2×2.
        let packed = [0x0100, 2, 0x0010, 0x0000, 5, 0, 9, 0];
        // sparse-switch: ident, size 2, 2 keys, 2 targets → 2 + 4×2.
        let sparse = [0x0200, 2, 1, 0, 100, 0, 5, 0, 9, 0];
        // fill-array-data: width 4, 3 elements → 4 + 6.
        let array4 = [0x0300, 4, 3, 0, 1, 0, 2, 0, 3, 0];
        // width 1, 3 elements → 4 + 2 (3 bytes padded to 2 units).
        let array1 = [0x0300, 1, 3, 0, 0x0201, 0x0003];
        // width 8, 0 elements → just the header.
        let empty = [0x0300, 8, 0, 0];
        for (units, kind, len) in [
            (&packed[..], Payload::PackedSwitch, 8),
            (&sparse[..], Payload::SparseSwitch, 10),
            (&array4[..], Payload::FillArrayData, 10),
            (&array1[..], Payload::FillArrayData, 6),
            (&empty[..], Payload::FillArrayData, 4),
        ] {
            let all = walk(units);
            assert_eq!(all.len(), 1, "{kind:?}");
            assert_eq!(all[0].payload, Some(kind));
            assert_eq!(all[0].units(), len);
            assert_eq!(all[0].format(), None);
            assert_eq!(all[0].reference(), None);
        }
        // A method as compilers lay it out: switch, return, spacer nop,
        // payload, then nothing after.
        let mut m = vec![0x002b, 0x0004, 0x0000, 0x000e];
        m.extend_from_slice(&packed);
        let names: Vec<_> = walk(&m).iter().map(|i| i.name()).collect();
        assert_eq!(
            names,
            ["packed-switch", "return-void", "packed-switch-payload"]
        );
        // Only the exact idents are payloads; 0x0400 is an ordinary nop.
        let all = walk(&[0x0400, 0x000e]);
        assert_eq!((all[0].name(), all[0].units()), ("nop", 1));
    }

    #[test]
    fn truncation_is_an_error() {
        let cases: [(&[u16], u32, u64); 9] = [
            (&[0x011a], 0, 2),                      // const-string, 1 of 2 units
            (&[0x000e, 0x0218, 0, 0], 1, 5),        // const-wide cut after 3 units
            (&[0x20fa, 0x0011, 0x0010], 0, 4),      // invoke-polymorphic
            (&[0x0100], 0, 2),                      // packed header cut
            (&[0x0100, 2, 0, 0, 1, 0], 0, 8),       // packed targets cut
            (&[0x0200, 0xffff], 0, 2 + 4 * 0xffff), // sparse size lies
            (&[0x0300, 4, 0], 0, 4),                // array header cut
            (
                &[0x0300, 0xffff, 0xffff, 0xffff],
                0,
                4 + (0xffff * 0xffff_ffff_u64).div_ceil(2),
            ),
            (&[0x0300, 2, 5, 0, 1, 2], 0, 9), // array data cut
        ];
        for (units, pc, needed) in cases {
            let bytes = le(units);
            let items: Vec<_> = instructions(&bytes, usize::MAX).collect();
            let last = items.last().expect("an item");
            match last {
                Err(WalkError::Truncated {
                    pc: p, needed: n, ..
                }) => assert_eq!((*p, *n), (pc, needed), "{units:x?}"),
                other => panic!("{units:x?}: {other:?}"),
            }
            assert!(items[..items.len() - 1].iter().all(Result::is_ok));
            let s = MethodCode::from_insns(&bytes, usize::MAX);
            assert!(matches!(s.fault, Some(WalkError::Truncated { .. })));
            assert!(!s.returns_only);
        }
        // A trailing odd byte is not a code unit.
        let mut bytes = le(&[0x000e]);
        bytes.push(0x12);
        assert_eq!(instructions(&bytes, 10).count(), 1);
        assert_eq!(instructions(&[], 10).count(), 0);
    }

    #[test]
    fn unused_opcodes_end_the_walk() {
        for op in [
            0x3eu16, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x73, 0x79, 0x7a, 0xe3, 0xf0, 0xf9,
        ] {
            let bytes = le(&[0x000e, op, 0x000e]);
            let mut walk = instructions(&bytes, usize::MAX);
            assert!(matches!(walk.next(), Some(Ok(_))));
            assert_eq!(
                walk.next(),
                Some(Err(WalkError::UnusedOpcode {
                    pc: 1,
                    opcode: op as u8
                }))
            );
            assert_eq!(walk.next(), None);
            let s = MethodCode::from_insns(&bytes, usize::MAX);
            assert_eq!(s.instructions, 1);
            assert_eq!(s.fault.map(|f| f.kind()), Some(AnomalyKind::UnusedOpcode));
        }
    }

    #[test]
    fn scan_agrees_with_the_iterator() {
        let cases: [&[u16]; 10] = [
            &[0x011a, 0x000d, 0x000e],
            &[
                0x002b, 0x0004, 0x0000, 0x000e, 0x0100, 2, 0x0010, 0, 5, 0, 9, 0,
            ],
            &[0x0300, 4, 3, 0, 1, 0, 2, 0, 3, 0, 0x000e],
            &[0x011a],
            &[0x000e, 0x0218, 0, 0],
            &[0x0200, 0xffff],
            &[0x000e, 0x003e, 0x000e],
            &[0x0000; 10],
            &[0x306e, 0x0023, 0x0012, 0x20fa, 0x0011, 0x0010, 0x0005],
            &[],
        ];
        for units in cases {
            let bytes = le(units);
            for max in [usize::MAX, 4] {
                let items: Vec<_> = instructions(&bytes, max).collect();
                let ok: Vec<(u8, Vec<u8>)> = items
                    .iter()
                    .filter_map(|i| i.as_ref().ok())
                    .filter(|i| i.payload.is_none())
                    .map(|i| (i.opcode, i.bytes().to_vec()))
                    .collect();
                let walked = items.iter().filter(|i| i.is_ok()).count();
                let fault = items.iter().find_map(|i| i.as_ref().err().copied());
                let mut seen = Vec::new();
                let (n, f) = scan_instructions(&bytes, max, |op, b| seen.push((op, b.to_vec())));
                assert_eq!((n as usize, f), (walked, fault), "{units:x?}");
                assert_eq!(seen, ok, "{units:x?}");
            }
        }
    }

    #[test]
    fn instruction_cap() {
        let bytes = le(&[0x0000; 10]);
        let items: Vec<_> = instructions(&bytes, 4).collect();
        assert_eq!(items.len(), 5);
        assert_eq!(
            items[4],
            Err(WalkError::InstructionLimit { pc: 4, limit: 4 })
        );
        let s = MethodCode::from_insns(&bytes, 4);
        assert_eq!((s.instructions, s.insns_len), (4, 10));
        assert_eq!(
            s.fault.map(|f| f.kind()),
            Some(AnomalyKind::ScanBudgetExhausted)
        );
    }

    #[test]
    fn summary_collects_references() {
        let units = [
            0x0022, 0x001c, // new-instance v0, type@1c
            0x011a, 0x000d, // const-string v1, string@0d
            0x3070, 0x0024, 0x0120, // invoke-direct {v0, v2, v1}, meth@24
            0x021b, 0x0000, 0x0001, // const-string/jumbo v2, string@10000
            0x0062, 0x0001, // sget-object v0, field@1
            0x1052, 0x0000, // iget v0, v1, field@0
            0x2112, // const/4 v1, #2
            0x0015, 0xffff, // const/high16 v0, #-65536
            0x0019, 0x4024, // const-wide/high16 v0, 10.0
            0x03d8, 0x0103, // add-int/lit8 (not a const load)
            0x10fc, 0x0003, 0x0000, // invoke-custom call_site@3
            0x20fa, 0x0011, 0x0010, 0x0005, // invoke-polymorphic meth@11
            0x0578, 0x0025, 0x0000, // invoke-interface/range meth@25
            0x001c, 0x0007, // const-class type@7
            0x1020, 0x0008, // instance-of type@8
            0x0000, // nop
            0x000e, // return-void
        ];
        let s = MethodCode::from_insns(&le(&units), usize::MAX);
        assert_eq!(s.fault, None);
        assert_eq!(s.instructions, 17);
        assert_eq!(s.insns_len, units.len() as u32);
        assert_eq!(s.invokes, [0x24, 0x11, 0x25]);
        assert_eq!(s.call_sites, [3]);
        assert_eq!(s.strings, [0x0d, 0x10000]);
        assert_eq!(s.field_refs, [1, 0]);
        assert_eq!(s.type_refs, [0x1c, 7, 8]);
        assert_eq!(s.int_literals, [2, -65536, 0x4024_0000_0000_0000]);
        assert!(!s.returns_only);
    }

    #[test]
    fn trivial_bodies() {
        let check = |units: &[u16], want: Option<Option<i64>>| {
            let s = MethodCode::from_insns(&le(units), usize::MAX);
            assert_eq!(s.returns_only, want.is_some(), "{units:x?}");
            assert_eq!(s.returned_literal, want.flatten(), "{units:x?}");
        };
        check(&[0x000e], Some(None));
        check(&[0x1012, 0x000f], Some(Some(1))); // const/4 v0, #1; return v0
        check(&[0x0312, 0x030f], Some(Some(0))); // const/4 v3, #0; return v3
        check(&[0x0113, 0x0100, 0x010f], Some(Some(256)));
        check(&[0x0014, 0x5678, 0x1234, 0x000f], Some(Some(0x1234_5678)));
        check(&[0x0016, 0xffff, 0x0010], Some(Some(-1))); // return-wide
        check(&[0x0012, 0x0011], Some(Some(0))); // return null
        check(&[0x1012, 0x010f], None); // different registers
        check(&[0x1012, 0x0011], None); // return-object of 1
        check(&[0x0016, 0x0001, 0x000f], None); // wide load, 32-bit return
        check(&[0x1012, 0x0010], None); // 32-bit load, return-wide
        check(&[0x0000, 0x000e], None); // nop first
        check(&[0x000e, 0x000e], None);
        check(&[0x1012, 0x000f, 0x000e], None);
        check(&[0x010f], None); // returns an argument
        check(&[], None);
        check(&[0x1012], None);
    }

    #[test]
    fn code_item_bounds() {
        let mut data = vec![0u8; 0x20];
        // registers 3, ins 1, outs 2, tries 0, debug 0x44, insns 2 units
        data.extend_from_slice(&[3, 0, 1, 0, 2, 0, 0, 0, 0x44, 0, 0, 0, 2, 0, 0, 0]);
        data.extend_from_slice(&le(&[0x1012, 0x000f]));
        let c = parse_code_item(&data, 0x20).expect("reads");
        assert_eq!(
            (
                c.registers_size,
                c.ins_size,
                c.outs_size,
                c.tries_size,
                c.debug_info_off,
                c.insns_size
            ),
            (3, 1, 2, 0, 0x44, 2)
        );
        assert_eq!(c.unit(1), Some(0x000f));
        assert_eq!(c.unit(2), None);
        assert!(c.summarize(10).returns_only);
        assert_eq!(parse_code_item(&data, 0), Err(CodeError::NoCode));
        assert!(matches!(
            parse_code_item(&data, 0x30),
            Err(CodeError::OffsetOutOfRange { .. })
        ));
        assert!(matches!(
            parse_code_item(&data, u32::MAX),
            Err(CodeError::OffsetOutOfRange { .. })
        ));
        // Declared length one unit past the end, and a huge one.
        for size in [3u32, u32::MAX] {
            let mut d = data.clone();
            d[0x2c..0x30].copy_from_slice(&size.to_le_bytes());
            assert_eq!(
                parse_code_item(&d, 0x20),
                Err(CodeError::InsnsOutOfRange {
                    off: 0x20,
                    insns_size: size,
                    available: 2
                })
            );
        }
        assert_eq!(CodeError::NoCode.kind(), AnomalyKind::CodeItemInvalid);
    }
}
