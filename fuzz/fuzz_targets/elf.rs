#![no_main]
//! Parse arbitrary bytes as ELF and extract strings; must never panic, hang
//! or allocate without bound.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = appgov_elf::parse(data, &appgov_elf::Limits::default());
    let _ = appgov_elf::rodata_strings(data, 6, 1000);
});
