//! Class definitions (`class_def_item`) and their `class_data_item`.

use std::borrow::Cow;
use std::ops::ControlFlow;

use serde::Serialize;

use crate::bytes::{u32_at, uleb128_at};
use crate::{Dex, NO_INDEX, descriptor_to_java};

/// Counts from a class's `class_data_item`, and how many methods have code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ClassData {
    pub static_fields: u32,
    pub instance_fields: u32,
    pub direct_methods: u32,
    pub virtual_methods: u32,
    /// Methods with a `code_item` (not abstract or native).
    pub methods_with_code: u32,
    /// Methods flagged `ACC_NATIVE` (JNI entry points).
    pub native_methods: u32,
}

/// One method defined by a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EncodedMethod {
    /// Index into the method_ids table.
    pub method_idx: u32,
    pub access_flags: u32,
    /// Offset of the `code_item`, 0 when the method has no code.
    pub code_off: u32,
    /// True for direct (static, private, constructor) methods.
    pub direct: bool,
}

const ACC_NATIVE: u32 = 0x0100;

/// A view of one `class_def_item`; names are looked up on demand.
#[derive(Debug, Clone, Copy)]
pub struct ClassDef<'a, 'd> {
    dex: &'d Dex<'a>,
    /// Position in the class_defs table.
    pub index: u32,
    pub class_idx: u32,
    pub access_flags: u32,
    /// Type index of the superclass, [`NO_INDEX`] for `java.lang.Object`.
    pub superclass_idx: u32,
    pub interfaces_off: u32,
    /// String index of the source file name, [`NO_INDEX`] if absent.
    pub source_file_idx: u32,
    pub annotations_off: u32,
    pub class_data_off: u32,
    pub static_values_off: u32,
}

impl<'a> ClassDef<'a, '_> {
    /// Class descriptor (`Lcom/foo/Bar;`).
    pub fn descriptor(&self) -> Option<Cow<'a, str>> {
        self.dex.type_descriptor(self.class_idx)
    }

    /// Class name in Java notation (`com.foo.Bar`).
    pub fn name(&self) -> Option<String> {
        self.dex.type_name(self.class_idx)
    }

    /// Superclass descriptor; `None` when absent or unreadable.
    pub fn superclass(&self) -> Option<Cow<'a, str>> {
        if self.superclass_idx == NO_INDEX {
            return None;
        }
        self.dex.type_descriptor(self.superclass_idx)
    }

    /// Implemented interfaces' descriptors (unreadable entries skipped).
    pub fn interfaces(&self) -> Vec<Cow<'a, str>> {
        self.dex
            .type_list(self.interfaces_off)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| self.dex.type_descriptor(u32::from(t)))
            .collect()
    }

    /// Type indexes of the implemented interfaces (no string decoded);
    /// `None` when the list is unreadable.
    pub fn interface_types(&self) -> Option<Vec<u32>> {
        self.dex
            .type_list(self.interfaces_off)
            .map(|l| l.into_iter().map(u32::from).collect())
    }

    /// Whether type `type_idx` is among the directly implemented
    /// interfaces (reads the list in place, allocating nothing).
    pub fn has_interface(&self, type_idx: u32) -> bool {
        if self.interfaces_off == 0 {
            return false;
        }
        let data = self.dex.bytes();
        let off = self.interfaces_off as usize;
        let Some(size) = u32_at(data, off) else {
            return false;
        };
        let start = off.saturating_add(4);
        let end = start.saturating_add((size as usize).saturating_mul(2));
        data.get(start..end).is_some_and(|list| {
            list.chunks_exact(2)
                .any(|c| u32::from(u16::from_le_bytes([c[0], c[1]])) == type_idx)
        })
    }

    /// Number of implemented interfaces in the list, cut to the entries
    /// present in the file (0 when there is no list), so callers can charge
    /// a scan of it against a budget.
    pub fn interface_count(&self) -> u32 {
        if self.interfaces_off == 0 {
            return 0;
        }
        let off = self.interfaces_off as usize;
        let data = self.dex.bytes();
        let declared = u32_at(data, off).unwrap_or(0);
        let present = data.len().saturating_sub(off.saturating_add(4)) / 2;
        declared.min(u32::try_from(present).unwrap_or(u32::MAX))
    }

    /// Whether the interface list could be read.
    pub fn interfaces_readable(&self) -> bool {
        self.dex.type_list(self.interfaces_off).is_some()
    }

    /// Source file name recorded by the compiler (obfuscators often blank it).
    pub fn source_file(&self) -> Option<Cow<'a, str>> {
        if self.source_file_idx == NO_INDEX {
            return None;
        }
        self.dex.string(self.source_file_idx)
    }

    /// Java names of superclass and interfaces are available via
    /// [`descriptor_to_java`]; this is the superclass in Java notation.
    pub fn superclass_name(&self) -> Option<String> {
        self.superclass()
            .map(|d| descriptor_to_java(&d).into_owned())
    }

    /// Whether the class has fields or methods (a `class_data_item`).
    pub fn has_class_data(&self) -> bool {
        self.class_data_off != 0
    }

    /// Member counts; `None` when class_data is absent or unreadable.
    pub fn class_data(&self) -> Option<ClassData> {
        let mut counts = ClassData::default();
        self.walk_class_data(
            |_| {},
            |m| {
                if m.code_off != 0 {
                    counts.methods_with_code = counts.methods_with_code.saturating_add(1);
                }
                if m.access_flags & ACC_NATIVE != 0 {
                    counts.native_methods = counts.native_methods.saturating_add(1);
                }
                ControlFlow::Continue(())
            },
        )
        .map(|(sf, inf, dm, vm)| ClassData {
            static_fields: sf,
            instance_fields: inf,
            direct_methods: dm,
            virtual_methods: vm,
            ..counts
        })
    }

    /// Whether any method of the class has bytecode.
    pub fn has_code(&self) -> bool {
        self.class_data().is_some_and(|c| c.methods_with_code > 0)
    }

    /// Methods defined by this class; `None` when class_data is unreadable.
    pub fn methods(&self) -> Option<Vec<EncodedMethod>> {
        let mut out = Vec::new();
        self.walk_class_data(
            |_| {},
            |m| {
                out.push(m);
                ControlFlow::Continue(())
            },
        )?;
        Some(out)
    }

    /// Indexes (into field_ids) of the fields this class defines, static
    /// first; `None` when class_data is unreadable.
    pub fn fields(&self) -> Option<Vec<u32>> {
        let mut out = Vec::new();
        self.walk_class_data(|f| out.push(f), |_| ControlFlow::Continue(()))?;
        Some(out)
    }

    /// Calls `on_method` for each method (direct, then virtual, in
    /// class_data order) until it breaks, without collecting them. Returns
    /// `false` when the class_data is absent or cut short (methods read
    /// before the damage were still passed on).
    pub fn walk_methods(&self, on_method: impl FnMut(EncodedMethod) -> ControlFlow<()>) -> bool {
        self.walk_class_data(|_| {}, on_method).is_some()
    }

    /// Walks class_data, calling `on_method` for every method until it
    /// breaks (the walk then ends early, still returning the counts).
    /// Returns the four declared counts, or `None` if the data is cut short.
    /// Each entry needs at least two bytes, so the walk is bounded by the
    /// file size.
    fn walk_class_data(
        &self,
        mut on_field: impl FnMut(u32),
        mut on_method: impl FnMut(EncodedMethod) -> ControlFlow<()>,
    ) -> Option<(u32, u32, u32, u32)> {
        if self.class_data_off == 0 {
            return None;
        }
        let data = self.dex.bytes();
        let mut pos = self.class_data_off as usize;
        let next = |pos: &mut usize| -> Option<u32> {
            let (v, p) = uleb128_at(data, *pos)?;
            *pos = p;
            Some(v)
        };
        let static_fields = next(&mut pos)?;
        let instance_fields = next(&mut pos)?;
        let direct_methods = next(&mut pos)?;
        let virtual_methods = next(&mut pos)?;
        for count in [static_fields, instance_fields] {
            let mut field_idx: u32 = 0;
            for _ in 0..count {
                field_idx = field_idx.wrapping_add(next(&mut pos)?);
                next(&mut pos)?;
                on_field(field_idx);
            }
        }
        for (count, direct) in [(direct_methods, true), (virtual_methods, false)] {
            let mut method_idx: u32 = 0;
            for _ in 0..count {
                let diff = next(&mut pos)?;
                let access_flags = next(&mut pos)?;
                let code_off = next(&mut pos)?;
                method_idx = method_idx.wrapping_add(diff);
                let flow = on_method(EncodedMethod {
                    method_idx,
                    access_flags,
                    code_off,
                    direct,
                });
                if flow.is_break() {
                    return Some((
                        static_fields,
                        instance_fields,
                        direct_methods,
                        virtual_methods,
                    ));
                }
            }
        }
        Some((
            static_fields,
            instance_fields,
            direct_methods,
            virtual_methods,
        ))
    }
}

/// Iterator over class definitions.
#[derive(Debug, Clone)]
pub struct Classes<'a, 'd> {
    dex: &'d Dex<'a>,
    next: u32,
}

impl<'a, 'd> Classes<'a, 'd> {
    pub(crate) fn new(dex: &'d Dex<'a>) -> Self {
        Self { dex, next: 0 }
    }
}

impl<'a, 'd> Iterator for Classes<'a, 'd> {
    type Item = ClassDef<'a, 'd>;

    fn next(&mut self) -> Option<Self::Item> {
        let index = self.next;
        let at = (index as usize).checked_mul(32)?;
        let table = self.dex.class_defs_bytes();
        let f = |i: usize| u32_at(table, at.saturating_add(i * 4));
        let def = ClassDef {
            dex: self.dex,
            index,
            class_idx: f(0)?,
            access_flags: f(1)?,
            superclass_idx: f(2)?,
            interfaces_off: f(3)?,
            source_file_idx: f(4)?,
            annotations_off: f(5)?,
            class_data_off: f(6)?,
            static_values_off: f(7)?,
        };
        self.next = self.next.saturating_add(1);
        Some(def)
    }

    /// Skips to class_def `n` places ahead in constant time.
    fn nth(&mut self, n: usize) -> Option<Self::Item> {
        self.next = self
            .next
            .saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
        self.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.dex.class_count().saturating_sub(self.next) as usize;
        (left, Some(left))
    }
}
