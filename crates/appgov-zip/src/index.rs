//! Name → entry lookup without copying names: a keyed hash of each name maps
//! to the first entry with that hash, and entries sharing a hash are chained.
//! The key is random per archive, so crafted names cannot force long chains.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

use crate::Entry;

/// The map's keys are already keyed hashes; hashing them again is waste.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

const END: usize = usize::MAX;

pub(crate) struct NameIndex {
    keys: RandomState,
    first: HashMap<u64, usize, BuildHasherDefault<PassThrough>>,
    /// Next entry with the same hash, `END` when none.
    chain: Vec<usize>,
}

impl NameIndex {
    pub(crate) fn new(capacity: usize) -> NameIndex {
        NameIndex {
            keys: RandomState::new(),
            first: HashMap::with_capacity_and_hasher(capacity, BuildHasherDefault::default()),
            chain: Vec::with_capacity(capacity),
        }
    }

    fn hash(&self, raw: &[u8]) -> u64 {
        self.keys.hash_one(raw)
    }

    /// Adds entry `index` (entries must be added in order 0, 1, 2, ...);
    /// returns the index of an earlier entry with the same name, if any, in
    /// which case the new entry is not reachable by name.
    pub(crate) fn insert(&mut self, entries: &[Entry], index: usize) -> Option<usize> {
        self.chain.push(END);
        let raw = entries.get(index)?.raw_name.as_slice();
        let h = self.hash(raw);
        let Some(&head) = self.first.get(&h) else {
            self.first.insert(h, index);
            return None;
        };
        let mut at = head;
        loop {
            if entries.get(at).is_some_and(|e| e.raw_name == raw) {
                return Some(at);
            }
            match self.chain.get(at) {
                Some(&next) if next != END => at = next,
                _ => break,
            }
        }
        if let Some(slot) = self.chain.get_mut(at) {
            *slot = index;
        }
        None
    }

    pub(crate) fn get<'e>(&self, entries: &'e [Entry], raw: &[u8]) -> Option<&'e Entry> {
        let mut at = *self.first.get(&self.hash(raw))?;
        loop {
            let e = entries.get(at)?;
            if e.raw_name == raw {
                return Some(e);
            }
            at = *self.chain.get(at).filter(|n| **n != END)?;
        }
    }
}
