//! Endian- and class-aware bounds-checked reads.

pub(crate) struct Reader<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) is64: bool,
    little: bool,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8], is64: bool, little: bool) -> Self {
        Self { data, is64, little }
    }

    fn bytes<const N: usize>(&self, at: usize) -> Option<[u8; N]> {
        self.data.get(at..at.checked_add(N)?)?.try_into().ok()
    }

    pub(crate) fn u8(&self, at: usize) -> Option<u8> {
        self.data.get(at).copied()
    }

    pub(crate) fn u16(&self, at: usize) -> Option<u16> {
        let b = self.bytes::<2>(at)?;
        Some(if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    pub(crate) fn u32(&self, at: usize) -> Option<u32> {
        let b = self.bytes::<4>(at)?;
        Some(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    /// A 32-bit field widened to u64.
    pub(crate) fn u32w(&self, at: usize) -> Option<u64> {
        self.u32(at).map(u64::from)
    }

    pub(crate) fn u64(&self, at: usize) -> Option<u64> {
        let b = self.bytes::<8>(at)?;
        Some(if self.little {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        })
    }

    /// A native word (`Elf32_Word`/`Elf64_Xword`) at a file offset.
    pub(crate) fn word_at(&self, at: u64) -> Option<u64> {
        let at = usize::try_from(at).ok()?;
        if self.is64 {
            self.u64(at)
        } else {
            self.u32w(at)
        }
    }

    /// NUL-terminated string at `index` inside the table `[off, off+size)`,
    /// at most `max` bytes, lossily decoded.
    pub(crate) fn cstr_in(&self, off: u64, size: u64, index: u64, max: usize) -> Option<String> {
        if index >= size {
            return None;
        }
        let start = usize::try_from(off.checked_add(index)?).ok()?;
        let table_end = usize::try_from(off.saturating_add(size)).unwrap_or(usize::MAX);
        let end = table_end
            .min(self.data.len())
            .min(start.saturating_add(max));
        let bytes = self.data.get(start..end)?;
        let len = bytes.iter().position(|&b| b == 0)?;
        Some(String::from_utf8_lossy(bytes.get(..len)?).into_owned())
    }
}
