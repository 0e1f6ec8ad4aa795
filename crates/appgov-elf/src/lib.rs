//! Facts about one native library (`lib/<abi>/*.so`) for package analysis.
//!
//! The ELF reader is our own rather than a general-purpose crate because
//! packed and hardened libraries (jiagu, Bangcle, UPX-style stubs) often
//! have no or broken section headers; we still want the machine, needed
//! libraries, hardening bits and imports, which all come from the program
//! headers and the dynamic segment. Every read is bounds-checked and every
//! loop bounded by the bytes present and by [`Limits`]; oddities become
//! [`Anomaly`] values.

mod read;
pub mod strings;

use serde::Serialize;

use read::Reader;
pub use strings::{printable_strings, rodata_strings};

/// Caps that bound time and memory on hostile input.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Limits {
    pub max_input_len: usize,
    /// Program headers read at most.
    pub max_program_headers: usize,
    /// Section headers read at most.
    pub max_sections: usize,
    /// Dynamic entries read at most.
    pub max_dynamic_entries: usize,
    /// Dynamic symbols examined at most.
    pub max_symbols: usize,
    /// Imported function names kept in [`ElfFacts::imported_functions`].
    pub max_import_names: usize,
    /// DT_NEEDED / RPATH / section names kept.
    pub max_names: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_len: 1 << 30,
            max_program_headers: 4096,
            max_sections: 65_536,
            max_dynamic_entries: 65_536,
            max_symbols: 1 << 20,
            max_import_names: 512,
            max_names: 1024,
        }
    }
}

/// Why the input could not be read as ELF at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    #[error("not an ELF file (magic {magic})")]
    NotElf { magic: String },
    #[error("ELF header truncated: {len} bytes")]
    TruncatedHeader { len: usize },
    #[error("unknown ELF class {0} (expected 1 or 2)")]
    BadClass(u8),
    #[error("unknown ELF data encoding {0} (expected 1 or 2)")]
    BadEncoding(u8),
    #[error("input of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge { len: usize, limit: usize },
}

/// Stable codes for things that are odd but do not stop reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AnomalyKind {
    /// Program header table does not fit or has a wrong entry size.
    ProgramHeadersOutOfBounds,
    /// Section header table does not fit or has a wrong entry size.
    SectionHeadersOutOfBounds,
    /// No section headers at all: typical of packed or stripped-by-tool libraries.
    NoSectionHeaders,
    /// Section name table index invalid.
    BadSectionNames,
    /// A section's data lies outside the file.
    SectionOutOfBounds,
    /// Dynamic segment unreadable, or its tables cannot be mapped.
    DynamicInvalid,
    /// A segment is both writable and executable.
    WritableExecutableSegment,
    /// A packer signature (for example `UPX!`) is present.
    PackerSignature,
    /// Entry point outside every loadable segment.
    EntryOutsideLoad,
    /// A table was cut at a limit.
    LimitReached,
    /// Symbol table unreadable.
    SymbolsInvalid,
    /// A section's `sh_link` names a section that does not exist (hand-edited headers).
    SectionLinkOutOfRange,
}

impl AnomalyKind {
    /// The stable snake_case code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProgramHeadersOutOfBounds => "program_headers_out_of_bounds",
            Self::SectionHeadersOutOfBounds => "section_headers_out_of_bounds",
            Self::NoSectionHeaders => "no_section_headers",
            Self::BadSectionNames => "bad_section_names",
            Self::SectionOutOfBounds => "section_out_of_bounds",
            Self::DynamicInvalid => "dynamic_invalid",
            Self::WritableExecutableSegment => "writable_executable_segment",
            Self::PackerSignature => "packer_signature",
            Self::EntryOutsideLoad => "entry_outside_load",
            Self::LimitReached => "limit_reached",
            Self::SymbolsInvalid => "symbols_invalid",
            Self::SectionLinkOutOfRange => "section_link_out_of_range",
        }
    }

    /// Same as [`AnomalyKind::as_str`] (name used by the DEX crate).
    pub fn code(self) -> &'static str {
        self.as_str()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    pub detail: String,
}

/// RELRO protection level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relro {
    None,
    /// PT_GNU_RELRO without immediate binding: GOT stays writable.
    Partial,
    /// PT_GNU_RELRO plus BIND_NOW.
    Full,
}

impl Relro {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Partial => "partial",
            Self::Full => "full",
        }
    }
}

/// One loadable segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LoadSegment {
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    /// `PF_R|PF_W|PF_X` bits.
    pub flags: u32,
    pub align: u64,
}

/// Facts about one ELF shared object.
#[derive(Debug, Clone, Serialize)]
pub struct ElfFacts {
    /// 32 or 64.
    pub bits: u8,
    pub little_endian: bool,
    pub os_abi: u8,
    /// `e_type`: 1 REL, 2 EXEC, 3 DYN, 4 CORE.
    pub elf_type: u16,
    /// `ET_REL`, `ET_EXEC`, `ET_DYN`, `ET_CORE` or `unknown`.
    pub elf_type_name: &'static str,
    pub machine: u16,
    /// Architecture name (`aarch64`, `arm`, `x86`, `x86_64`, `mips`, `riscv`…).
    pub machine_name: &'static str,
    /// Android ABI directory matching the machine (`arm64-v8a`…), if any.
    /// 32-bit ARM is `armeabi` when `.ARM.attributes` says pre-v7, else
    /// `armeabi-v7a`.
    pub android_abi: Option<&'static str>,
    /// ARM `Tag_CPU_arch` from `.ARM.attributes` (10 = v7, 4 = v5TE…).
    pub arm_cpu_arch: Option<u8>,
    pub entry: u64,
    pub soname: Option<String>,
    pub needed: Vec<String>,
    pub rpath: Vec<String>,
    pub runpath: Vec<String>,
    /// PT_GNU_STACK present and not executable.
    pub nx: bool,
    /// Whether a PT_GNU_STACK header exists at all.
    pub gnu_stack: bool,
    /// Position-independent (`ET_DYN`).
    pub pie: bool,
    pub relro: Relro,
    pub bind_now: bool,
    /// Imports `__stack_chk_fail` or `__stack_chk_guard`.
    pub stack_canary: bool,
    /// Imports `_FORTIFY_SOURCE` checked functions (`__memcpy_chk`…).
    pub fortify: bool,
    pub fortified_functions: Vec<String>,
    /// No `.symtab` (None when the section table is unreadable).
    pub stripped: Option<bool>,
    pub text_relocations: bool,
    pub load_segments: Vec<LoadSegment>,
    /// Smallest PT_LOAD `p_align`; 16 KiB-page devices need ≥ 16384.
    pub min_load_align: Option<u64>,
    /// Every PT_LOAD is aligned to at least 16 KiB (Google Play requirement
    /// for targetSdk 35+ since November 2025).
    pub page_16k_compatible: Option<bool>,
    pub exported_symbols: u64,
    pub imported_symbols: u64,
    /// Imported function names, in symbol-table order, capped.
    pub imported_functions: Vec<String>,
    pub imported_functions_truncated: bool,
    /// Exports `JNI_OnLoad`.
    pub jni_onload: bool,
    /// Exported `Java_*` JNI functions.
    pub jni_exports: u64,
    /// Section names in table order (capped); empty without section headers.
    pub section_names: Vec<String>,
    /// GNU build-id note, hex.
    pub build_id: Option<String>,
    pub anomalies: Vec<Anomaly>,
}

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_NOTE: u32 = 4;
const PT_GNU_STACK: u32 = 0x6474_e551;
const PT_GNU_RELRO: u32 = 0x6474_e552;
const PF_X: u32 = 1;
const PF_W: u32 = 2;

const SHT_SYMTAB: u32 = 2;
const SHT_DYNAMIC: u32 = 6;
const SHT_NOTE: u32 = 7;
const SHT_NOBITS: u32 = 8;
const SHT_DYNSYM: u32 = 11;

const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_HASH: u64 = 4;
const DT_STRTAB: u64 = 5;
const DT_SYMTAB: u64 = 6;
const DT_STRSZ: u64 = 10;
const DT_SONAME: u64 = 14;
const DT_RPATH: u64 = 15;
const DT_TEXTREL: u64 = 22;
const DT_BIND_NOW: u64 = 24;
const DT_RUNPATH: u64 = 29;
const DT_FLAGS: u64 = 30;
const DT_GNU_HASH: u64 = 0x6fff_fef5;
const DT_FLAGS_1: u64 = 0x6fff_fffb;
const DF_TEXTREL: u64 = 0x4;
const DF_BIND_NOW: u64 = 0x8;
const DF_1_NOW: u64 = 0x1;

/// Architecture and Android ABI for `e_machine`.
fn machine_names(machine: u16, bits: u8) -> (&'static str, Option<&'static str>) {
    match (machine, bits) {
        (3, _) => ("x86", Some("x86")),
        (8, 32) => ("mips", Some("mips")),
        (8, _) => ("mips64", Some("mips64")),
        (40, _) => ("arm", Some("armeabi-v7a")),
        (62, _) => ("x86_64", Some("x86_64")),
        (183, _) => ("aarch64", Some("arm64-v8a")),
        (243, 64) => ("riscv64", Some("riscv64")),
        (243, _) => ("riscv32", None),
        (2, _) => ("sparc", None),
        (20, _) => ("powerpc", None),
        (21, _) => ("powerpc64", None),
        (22, _) => ("s390", None),
        (258, _) => ("loongarch", None),
        _ => ("unknown", None),
    }
}

fn type_name(t: u16) -> &'static str {
    match t {
        1 => "ET_REL",
        2 => "ET_EXEC",
        3 => "ET_DYN",
        4 => "ET_CORE",
        _ => "unknown",
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct SectionHeader {
    name: u32,
    kind: u32,
    offset: u64,
    size: u64,
    link: u32,
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    kind: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
    align: u64,
}

/// Recognises ELF by magic.
pub fn is_elf(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
}

/// Reads the facts of one ELF file.
pub fn parse(data: &[u8], limits: &Limits) -> Result<ElfFacts, ElfError> {
    if data.len() > limits.max_input_len {
        return Err(ElfError::TooLarge {
            len: data.len(),
            limit: limits.max_input_len,
        });
    }
    if !is_elf(data) {
        return Err(ElfError::NotElf {
            magic: data.iter().take(8).map(|b| format!("{b:02x}")).collect(),
        });
    }
    let class = data.get(4).copied().unwrap_or(0);
    let encoding = data.get(5).copied().unwrap_or(0);
    let bits = match class {
        1 => 32u8,
        2 => 64,
        c => return Err(ElfError::BadClass(c)),
    };
    let little = match encoding {
        1 => true,
        2 => false,
        e => return Err(ElfError::BadEncoding(e)),
    };
    let r = Reader::new(data, bits == 64, little);
    let ehsize = if r.is64 { 64 } else { 52 };
    if data.len() < ehsize {
        return Err(ElfError::TruncatedHeader { len: data.len() });
    }
    let mut anomalies = Vec::new();
    let mut note = |kind: AnomalyKind, detail: String| anomalies.push(Anomaly { kind, detail });

    let elf_type = r.u16(16).unwrap_or(0);
    let machine = r.u16(18).unwrap_or(0);
    let (entry, phoff, shoff) = if r.is64 {
        (r.u64(24), r.u64(32), r.u64(40))
    } else {
        (r.u32w(24), r.u32w(28), r.u32w(32))
    };
    let (entry, phoff, shoff) = (entry.unwrap_or(0), phoff.unwrap_or(0), shoff.unwrap_or(0));
    let base = if r.is64 { 54 } else { 42 };
    let phentsize = usize::from(r.u16(base).unwrap_or(0));
    let mut phnum = usize::from(r.u16(base + 2).unwrap_or(0));
    let shentsize = usize::from(r.u16(base + 4).unwrap_or(0));
    let mut shnum = usize::from(r.u16(base + 6).unwrap_or(0));
    let mut shstrndx = usize::from(r.u16(base + 8).unwrap_or(0));

    // Section headers (may be absent or broken on packed libraries).
    let want_sh = if r.is64 { 64 } else { 40 };
    let mut sections: Vec<SectionHeader> = Vec::new();
    let mut section_table_ok = false;
    if shoff == 0 {
        note(
            AnomalyKind::NoSectionHeaders,
            "no section header table (packed or tool-stripped)".into(),
        );
    } else if shentsize != want_sh {
        note(
            AnomalyKind::SectionHeadersOutOfBounds,
            format!("e_shentsize {shentsize}, expected {want_sh}"),
        );
    } else {
        // Extended numbering: the real counts live in section 0.
        if let Some(s0) = read_section(&r, shoff, 0) {
            if shnum == 0 {
                shnum = usize::try_from(s0.size).unwrap_or(usize::MAX);
            }
            if shstrndx == 0xffff {
                shstrndx = s0.link as usize;
            }
            if phnum == 0xffff {
                phnum = r
                    .u32(
                        usize::try_from(shoff)
                            .unwrap_or(usize::MAX)
                            .saturating_add(if r.is64 { 44 } else { 28 }),
                    )
                    .unwrap_or(0) as usize;
            }
        }
        let fits = data
            .len()
            .saturating_sub(usize::try_from(shoff).unwrap_or(usize::MAX))
            / want_sh;
        let n = shnum.min(fits).min(limits.max_sections);
        if n < shnum {
            note(
                AnomalyKind::SectionHeadersOutOfBounds,
                format!("{shnum} section headers declared at {shoff:#x}; {n} readable"),
            );
        }
        for i in 0..n {
            match read_section(&r, shoff, i) {
                Some(s) => sections.push(s),
                None => break,
            }
        }
        section_table_ok = n == shnum && shnum > 0;
        if shnum == 0 {
            note(
                AnomalyKind::NoSectionHeaders,
                "section header table is empty".into(),
            );
        }
    }
    let shstr = sections.get(shstrndx).copied();
    if !sections.is_empty() && shstr.is_none() {
        note(
            AnomalyKind::BadSectionNames,
            format!("e_shstrndx {shstrndx} outside {} sections", sections.len()),
        );
    }
    let section_name = |s: &SectionHeader| -> Option<String> {
        let st = shstr?;
        r.cstr_in(st.offset, st.size, u64::from(s.name), 256)
    };
    let mut section_names = Vec::new();
    for s in sections.iter().take(limits.max_names) {
        section_names.push(section_name(s).unwrap_or_default());
    }
    for (i, s) in sections.iter().enumerate() {
        if s.link as usize >= sections.len() {
            let name = section_names.get(i).cloned().unwrap_or_default();
            note(
                AnomalyKind::SectionLinkOutOfRange,
                format!(
                    "section {i} {name:?} has sh_link {} of {} sections",
                    s.link,
                    sections.len()
                ),
            );
        }
    }
    for (s, name) in sections.iter().zip(&section_names) {
        if s.kind != SHT_NOBITS
            && s.size > 0
            && s.offset
                .checked_add(s.size)
                .is_none_or(|end| end > data.len() as u64)
        {
            note(
                AnomalyKind::SectionOutOfBounds,
                format!(
                    "section {name:?} at {:#x}+{:#x} exceeds the file",
                    s.offset, s.size
                ),
            );
        }
    }

    // Program headers.
    let want_ph = if r.is64 { 56 } else { 32 };
    let mut segments: Vec<Segment> = Vec::new();
    if phnum > 0 {
        if phentsize != want_ph {
            note(
                AnomalyKind::ProgramHeadersOutOfBounds,
                format!("e_phentsize {phentsize}, expected {want_ph}"),
            );
        } else {
            let fits = data
                .len()
                .saturating_sub(usize::try_from(phoff).unwrap_or(usize::MAX))
                / want_ph;
            let n = phnum.min(fits).min(limits.max_program_headers);
            if n < phnum {
                note(
                    AnomalyKind::ProgramHeadersOutOfBounds,
                    format!("{phnum} program headers declared at {phoff:#x}; {n} readable"),
                );
            }
            for i in 0..n {
                match read_segment(&r, phoff, i) {
                    Some(s) => segments.push(s),
                    None => break,
                }
            }
        }
    }
    let loads: Vec<LoadSegment> = segments
        .iter()
        .filter(|s| s.kind == PT_LOAD)
        .map(|s| LoadSegment {
            offset: s.offset,
            vaddr: s.vaddr,
            filesz: s.filesz,
            memsz: s.memsz,
            flags: s.flags,
            align: s.align,
        })
        .collect();
    for l in &loads {
        if l.flags & PF_W != 0 && l.flags & PF_X != 0 {
            note(
                AnomalyKind::WritableExecutableSegment,
                format!("PT_LOAD at {:#x} is writable and executable", l.vaddr),
            );
        }
    }
    if entry != 0
        && !loads.is_empty()
        && !loads
            .iter()
            .any(|l| entry >= l.vaddr && entry - l.vaddr < l.memsz)
    {
        note(
            AnomalyKind::EntryOutsideLoad,
            format!("entry point {entry:#x} is outside every PT_LOAD"),
        );
    }
    let gnu_stack = segments.iter().find(|s| s.kind == PT_GNU_STACK);
    let has_relro = segments.iter().any(|s| s.kind == PT_GNU_RELRO);
    let min_load_align = loads.iter().map(|l| l.align).min();

    // Dynamic section: from PT_DYNAMIC, else the SHT_DYNAMIC section.
    let dyn_range = segments
        .iter()
        .find(|s| s.kind == PT_DYNAMIC)
        .map(|s| (s.offset, s.filesz))
        .or_else(|| {
            sections
                .iter()
                .find(|s| s.kind == SHT_DYNAMIC)
                .map(|s| (s.offset, s.size))
        });
    let mut dynamic: Vec<(u64, u64)> = Vec::new();
    if let Some((off, size)) = dyn_range {
        let ent = if r.is64 { 16 } else { 8 };
        let count = usize::try_from(size / ent).unwrap_or(usize::MAX);
        let n = count.min(limits.max_dynamic_entries);
        for i in 0..n {
            let at = off.saturating_add((i as u64).saturating_mul(ent));
            let Some(tag) = r.word_at(at) else {
                note(
                    AnomalyKind::DynamicInvalid,
                    format!("dynamic entry {i} at {at:#x} is outside the file"),
                );
                break;
            };
            let val = r.word_at(at.saturating_add(ent / 2)).unwrap_or(0);
            if tag == DT_NULL {
                break;
            }
            dynamic.push((tag, val));
        }
    }
    let dyn_val = |tag: u64| dynamic.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v);
    let vaddr_to_offset = |addr: u64| -> Option<u64> {
        loads.iter().find_map(|l| {
            let delta = addr.checked_sub(l.vaddr)?;
            (delta < l.filesz).then(|| l.offset.saturating_add(delta))
        })
    };
    // String table for the dynamic entries: DT_STRTAB, else .dynstr via the
    // dynamic section's sh_link.
    let dynstr: Option<(u64, u64)> = dyn_val(DT_STRTAB)
        .and_then(vaddr_to_offset)
        .map(|off| {
            let size = dyn_val(DT_STRSZ).unwrap_or((data.len() as u64).saturating_sub(off));
            (off, size)
        })
        .or_else(|| {
            let d = sections.iter().find(|s| s.kind == SHT_DYNAMIC)?;
            let s = sections.get(d.link as usize)?;
            Some((s.offset, s.size))
        });
    if !dynamic.is_empty() && dynstr.is_none() {
        note(
            AnomalyKind::DynamicInvalid,
            "dynamic string table cannot be located".into(),
        );
    }
    let dyn_string = |v: u64| -> Option<String> {
        let (off, size) = dynstr?;
        r.cstr_in(off, size, v, 4096)
    };
    let names_of = |tag: u64| -> Vec<String> {
        dynamic
            .iter()
            .filter(|(t, _)| *t == tag)
            .take(limits.max_names)
            .filter_map(|(_, v)| dyn_string(*v))
            .collect()
    };
    let needed = names_of(DT_NEEDED);
    let split_paths = |tag: u64| -> Vec<String> {
        names_of(tag)
            .iter()
            .flat_map(|p| p.split(':').map(str::to_owned).collect::<Vec<_>>())
            .filter(|p| !p.is_empty())
            .take(limits.max_names)
            .collect()
    };
    let rpath = split_paths(DT_RPATH);
    let runpath = split_paths(DT_RUNPATH);
    let soname = dyn_val(DT_SONAME).and_then(dyn_string);
    let flags = dyn_val(DT_FLAGS).unwrap_or(0);
    let flags1 = dyn_val(DT_FLAGS_1).unwrap_or(0);
    let bind_now =
        dyn_val(DT_BIND_NOW).is_some() || flags & DF_BIND_NOW != 0 || flags1 & DF_1_NOW != 0;
    let text_relocations = dyn_val(DT_TEXTREL).is_some() || flags & DF_TEXTREL != 0;

    // Dynamic symbols: the .dynsym section, else DT_SYMTAB sized by the hash table.
    let mut symtab: Option<(u64, u64, (u64, u64))> = sections
        .iter()
        .find(|s| s.kind == SHT_DYNSYM)
        .and_then(|s| {
            let strtab = sections.get(s.link as usize)?;
            Some((s.offset, s.size, (strtab.offset, strtab.size)))
        });
    if symtab.is_none()
        && let (Some(sym_off), Some(strs)) = (dyn_val(DT_SYMTAB).and_then(vaddr_to_offset), dynstr)
    {
        let count = dyn_val(DT_HASH)
            .and_then(vaddr_to_offset)
            .and_then(|h| r.u32(usize::try_from(h).ok()?.checked_add(4)?))
            .map(u64::from)
            .or_else(|| {
                dyn_val(DT_GNU_HASH)
                    .and_then(vaddr_to_offset)
                    .and_then(|h| gnu_hash_count(&r, h, limits.max_symbols))
            });
        match count {
            Some(n) => {
                symtab = Some((
                    sym_off,
                    n.saturating_mul(if r.is64 { 24 } else { 16 }),
                    strs,
                ))
            }
            None => note(
                AnomalyKind::SymbolsInvalid,
                "dynamic symbol count unknown (no hash table)".into(),
            ),
        }
    }
    let mut exported_symbols = 0u64;
    let mut imported_symbols = 0u64;
    let mut imported_functions = Vec::new();
    let mut imported_functions_truncated = false;
    let mut fortified_functions = Vec::new();
    let mut stack_canary = false;
    let mut jni_onload = false;
    let mut jni_exports = 0u64;
    if let Some((off, size, (str_off, str_size))) = symtab {
        let ent: u64 = if r.is64 { 24 } else { 16 };
        let count = (size / ent).min(limits.max_symbols as u64);
        if size / ent > count {
            note(
                AnomalyKind::LimitReached,
                format!("only the first {count} dynamic symbols were read"),
            );
        }
        for i in 1..count {
            let at = off.saturating_add(i.saturating_mul(ent));
            let Some(sym) = read_symbol(&r, at) else {
                note(
                    AnomalyKind::SymbolsInvalid,
                    format!("dynamic symbol {i} at {at:#x} is outside the file"),
                );
                break;
            };
            let bind = sym.info >> 4;
            let kind = sym.info & 0xf;
            let name = r
                .cstr_in(str_off, str_size, u64::from(sym.name), 1024)
                .unwrap_or_default();
            if name.is_empty() {
                continue;
            }
            if sym.shndx == 0 {
                imported_symbols = imported_symbols.saturating_add(1);
                if name == "__stack_chk_fail" || name == "__stack_chk_guard" {
                    stack_canary = true;
                } else if name.starts_with("__")
                    && name.ends_with("_chk")
                    && fortified_functions.len() < limits.max_import_names
                {
                    fortified_functions.push(name.clone());
                }
                // STT_NOTYPE or STT_FUNC undefined symbols are called functions.
                if kind == 0 || kind == 2 {
                    if imported_functions.len() < limits.max_import_names {
                        imported_functions.push(name);
                    } else {
                        imported_functions_truncated = true;
                    }
                }
            } else if bind == 1 || bind == 2 {
                exported_symbols = exported_symbols.saturating_add(1);
                if name == "JNI_OnLoad" {
                    jni_onload = true;
                } else if name.starts_with("Java_") {
                    jni_exports = jni_exports.saturating_add(1);
                }
            }
        }
    }

    // UPX and similar stubs keep their signature near the start.
    let head = data.get(..data.len().min(4096)).unwrap_or_default();
    if head.windows(4).any(|w| w == b"UPX!") {
        note(
            AnomalyKind::PackerSignature,
            "UPX! signature in the first 4 KiB".into(),
        );
    }

    let build_id = find_build_id(&r, &segments, &sections);
    let stripped = if section_table_ok || sections.is_empty() {
        Some(!sections.iter().any(|s| s.kind == SHT_SYMTAB))
    } else {
        None
    };
    let (machine_name, mut android_abi) = machine_names(machine, bits);
    let arm_cpu_arch = if machine == 40 {
        arm_cpu_arch(&r, &sections)
    } else {
        None
    };
    if arm_cpu_arch.is_some_and(|a| a < 10) {
        android_abi = Some("armeabi");
    }
    let fortify = !fortified_functions.is_empty();
    Ok(ElfFacts {
        bits,
        little_endian: little,
        os_abi: data.get(7).copied().unwrap_or(0),
        elf_type,
        elf_type_name: type_name(elf_type),
        machine,
        machine_name,
        android_abi,
        arm_cpu_arch,
        entry,
        soname,
        needed,
        rpath,
        runpath,
        nx: gnu_stack.is_some_and(|s| s.flags & PF_X == 0),
        gnu_stack: gnu_stack.is_some(),
        pie: elf_type == 3,
        relro: match (has_relro, bind_now) {
            (false, _) => Relro::None,
            (true, false) => Relro::Partial,
            (true, true) => Relro::Full,
        },
        bind_now,
        stack_canary,
        fortify,
        fortified_functions,
        stripped,
        text_relocations,
        page_16k_compatible: min_load_align.map(|a| a >= 16_384),
        min_load_align,
        load_segments: loads,
        exported_symbols,
        imported_symbols,
        imported_functions,
        imported_functions_truncated,
        jni_onload,
        jni_exports,
        section_names,
        build_id,
        anomalies,
    })
}

fn read_section(r: &Reader<'_>, shoff: u64, i: usize) -> Option<SectionHeader> {
    let size = if r.is64 { 64u64 } else { 40 };
    let at = usize::try_from(shoff.checked_add((i as u64).checked_mul(size)?)?).ok()?;
    // Field offsets below are < 64, so this makes the additions safe.
    at.checked_add(64)?;
    Some(if r.is64 {
        SectionHeader {
            name: r.u32(at)?,
            kind: r.u32(at + 4)?,
            offset: r.u64(at + 24)?,
            size: r.u64(at + 32)?,
            link: r.u32(at + 40)?,
        }
    } else {
        SectionHeader {
            name: r.u32(at)?,
            kind: r.u32(at + 4)?,
            offset: r.u32w(at + 16)?,
            size: r.u32w(at + 20)?,
            link: r.u32(at + 24)?,
        }
    })
}

fn read_segment(r: &Reader<'_>, phoff: u64, i: usize) -> Option<Segment> {
    let size = if r.is64 { 56u64 } else { 32 };
    let at = usize::try_from(phoff.checked_add((i as u64).checked_mul(size)?)?).ok()?;
    at.checked_add(64)?;
    Some(if r.is64 {
        Segment {
            kind: r.u32(at)?,
            flags: r.u32(at + 4)?,
            offset: r.u64(at + 8)?,
            vaddr: r.u64(at + 16)?,
            filesz: r.u64(at + 32)?,
            memsz: r.u64(at + 40)?,
            align: r.u64(at + 48)?,
        }
    } else {
        Segment {
            kind: r.u32(at)?,
            offset: r.u32w(at + 4)?,
            vaddr: r.u32w(at + 8)?,
            filesz: r.u32w(at + 16)?,
            memsz: r.u32w(at + 20)?,
            flags: r.u32(at + 24)?,
            align: r.u32w(at + 28)?,
        }
    })
}

struct Symbol {
    name: u32,
    info: u8,
    shndx: u16,
}

fn read_symbol(r: &Reader<'_>, at: u64) -> Option<Symbol> {
    let at = usize::try_from(at).ok()?;
    at.checked_add(24)?;
    Some(if r.is64 {
        Symbol {
            name: r.u32(at)?,
            info: r.u8(at + 4)?,
            shndx: r.u16(at + 6)?,
        }
    } else {
        Symbol {
            name: r.u32(at)?,
            info: r.u8(at + 12)?,
            shndx: r.u16(at + 14)?,
        }
    })
}

/// Number of dynamic symbols implied by a DT_GNU_HASH table: one past the
/// highest symbol reachable from any bucket's chain.
fn gnu_hash_count(r: &Reader<'_>, off: u64, max: usize) -> Option<u64> {
    let off = usize::try_from(off).ok()?;
    off.checked_add(16)?;
    let nbuckets = r.u32(off)? as usize;
    let symoffset = r.u32(off + 4)?;
    let bloom_size = r.u32(off + 8)? as usize;
    let word = if r.is64 { 8 } else { 4 };
    let buckets_at = off
        .checked_add(16)?
        .checked_add(bloom_size.checked_mul(word)?)?;
    let chains_at = buckets_at.checked_add(nbuckets.checked_mul(4)?)?;
    if chains_at > r.data.len() {
        return None;
    }
    let mut last = 0u32;
    for b in 0..nbuckets {
        last = last.max(r.u32(buckets_at + b * 4)?);
    }
    if last < symoffset {
        return Some(u64::from(symoffset));
    }
    let mut idx = last;
    for _ in 0..max {
        let pos = chains_at.checked_add((idx.checked_sub(symoffset)? as usize).checked_mul(4)?)?;
        let h = r.u32(pos)?;
        if h & 1 != 0 {
            return Some(u64::from(idx) + 1);
        }
        idx = idx.checked_add(1)?;
    }
    None
}

/// GNU build-id (NT_GNU_BUILD_ID, owner "GNU") from PT_NOTE or SHT_NOTE.
fn find_build_id(
    r: &Reader<'_>,
    segments: &[Segment],
    sections: &[SectionHeader],
) -> Option<String> {
    let ranges = segments
        .iter()
        .filter(|s| s.kind == PT_NOTE)
        .map(|s| (s.offset, s.filesz))
        .chain(
            sections
                .iter()
                .filter(|s| s.kind == SHT_NOTE)
                .map(|s| (s.offset, s.size)),
        );
    for (off, size) in ranges.take(64) {
        let mut pos = usize::try_from(off).ok()?;
        let end = pos
            .saturating_add(usize::try_from(size).ok()?)
            .min(r.data.len());
        while pos.saturating_add(12) <= end {
            let namesz = r.u32(pos)? as usize;
            let descsz = r.u32(pos + 4)? as usize;
            let kind = r.u32(pos + 8)?;
            let name_at = pos + 12;
            let desc_at = name_at.checked_add(namesz.checked_add(3)? & !3)?;
            let next = desc_at.checked_add(descsz.checked_add(3)? & !3)?;
            if next > end || next <= pos {
                break;
            }
            if kind == 3 && r.data.get(name_at..name_at + namesz) == Some(b"GNU\0") {
                let desc = r.data.get(desc_at..desc_at + descsz)?;
                return Some(desc.iter().map(|b| format!("{b:02x}")).collect());
            }
            pos = next;
        }
    }
    None
}

/// `Tag_CPU_arch` from the `.ARM.attributes` section (ARM IHI 0045 build
/// attributes: `'A'`, then length-prefixed vendor subsections; the "aeabi"
/// File subsection holds tag/value pairs).
fn arm_cpu_arch(r: &Reader<'_>, sections: &[SectionHeader]) -> Option<u8> {
    const SHT_ARM_ATTRIBUTES: u32 = 0x7000_0003;
    let s = sections.iter().find(|s| s.kind == SHT_ARM_ATTRIBUTES)?;
    let start = usize::try_from(s.offset).ok()?;
    let end = start.checked_add(usize::try_from(s.size).ok()?)?;
    let data = r.data.get(start..end)?;
    if data.first() != Some(&b'A') {
        return None;
    }
    let mut pos = 1usize;
    while pos < data.len() {
        let len = u32::from_le_bytes(data.get(pos..pos + 4)?.try_into().ok()?) as usize;
        let sub = data.get(pos..pos.checked_add(len)?)?;
        if len < 4 {
            return None;
        }
        pos += len;
        let vendor_end = sub.get(4..)?.iter().position(|&b| b == 0)? + 4;
        if sub.get(4..vendor_end) != Some(b"aeabi") {
            continue;
        }
        let mut p = vendor_end + 1;
        while p < sub.len() {
            let (tag, q) = uleb(sub, p)?;
            let size = u32::from_le_bytes(sub.get(q..q + 4)?.try_into().ok()?) as usize;
            let block = sub.get(p..p.checked_add(size)?)?;
            if size < 5 {
                return None;
            }
            p += size;
            if tag != 1 {
                continue; // only whole-file attributes
            }
            let mut a = q + 4 - (block.as_ptr() as usize - sub.as_ptr() as usize);
            while a < block.len() {
                let (attr, next) = uleb(block, a)?;
                a = next;
                let is_string =
                    attr == 4 || attr == 5 || attr == 67 || (attr > 32 && attr % 2 == 1);
                if attr == 32 {
                    let (_, n) = uleb(block, a)?;
                    a = n + block.get(n..)?.iter().position(|&b| b == 0)? + 1;
                } else if is_string {
                    a += block.get(a..)?.iter().position(|&b| b == 0)? + 1;
                } else {
                    let (value, n) = uleb(block, a)?;
                    if attr == 6 {
                        return u8::try_from(value).ok();
                    }
                    a = n;
                }
            }
        }
    }
    None
}

fn uleb(data: &[u8], mut pos: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *data.get(pos)?;
        pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some((value, pos));
        }
    }
    None
}

impl ElfFacts {
    /// Whether the library imports any of `names` (e.g. `ptrace`, `dlopen`).
    pub fn imports_any(&self, names: &[&str]) -> bool {
        self.imported_functions
            .iter()
            .any(|f| names.contains(&f.as_str()))
    }
}

#[cfg(test)]
mod tests;
