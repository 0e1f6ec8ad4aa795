//! A small DEX assembler for tests: classes with superclasses, interfaces
//! and methods whose bytecode is given as code units, with the id tables
//! sorted as the format requires. Bytecode refers to strings, types, fields
//! and methods through [`Ix`]; the builder runs each code closure once to
//! learn what it refers to, assigns the indexes, then runs it again.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

type Code = Box<dyn Fn(&Ix) -> Vec<u16>>;

pub struct Method {
    name: String,
    proto: String,
    direct: bool,
    registers: u16,
    code: Option<Code>,
}

pub struct Class {
    desc: String,
    superclass: String,
    interfaces: Vec<String>,
    methods: Vec<Method>,
}

impl Class {
    pub fn new(desc: &str, superclass: &str, interfaces: &[&str]) -> Self {
        Class {
            desc: desc.into(),
            superclass: superclass.into(),
            interfaces: interfaces.iter().map(|s| s.to_string()).collect(),
            methods: Vec::new(),
        }
    }

    /// A method with code; `proto` is a descriptor like `(Z)V`.
    pub fn method(
        mut self,
        name: &str,
        proto: &str,
        registers: u16,
        code: impl Fn(&Ix) -> Vec<u16> + 'static,
    ) -> Self {
        self.methods.push(Method {
            name: name.into(),
            proto: proto.into(),
            direct: name == "<init>" || name == "<clinit>",
            registers,
            code: Some(Box::new(code)),
        });
        self
    }
}

#[derive(Default)]
struct Refs {
    strings: BTreeSet<String>,
    types: BTreeSet<String>,
    fields: BTreeSet<(String, String, String)>,
    methods: BTreeSet<(String, String, String)>,
}

#[derive(Default)]
struct Tables {
    strings: BTreeMap<String, u32>,
    types: BTreeMap<String, u32>,
    fields: BTreeMap<(String, String, String), u32>,
    methods: BTreeMap<(String, String, String), u32>,
}

/// Index look-up handed to code closures.
pub struct Ix {
    wanted: RefCell<Refs>,
    tables: Option<Tables>,
}

impl Ix {
    pub fn string(&self, s: &str) -> u16 {
        self.wanted.borrow_mut().strings.insert(s.into());
        self.tables.as_ref().map_or(0, |t| t.strings[s] as u16)
    }
    pub fn type_(&self, d: &str) -> u16 {
        self.wanted.borrow_mut().types.insert(d.into());
        self.tables.as_ref().map_or(0, |t| t.types[d] as u16)
    }
    pub fn field(&self, class: &str, name: &str, ty: &str) -> u16 {
        let k = (class.to_string(), name.to_string(), ty.to_string());
        self.wanted.borrow_mut().fields.insert(k.clone());
        self.tables.as_ref().map_or(0, |t| t.fields[&k] as u16)
    }
    pub fn method(&self, class: &str, name: &str, proto: &str) -> u16 {
        let k = (class.to_string(), name.to_string(), proto.to_string());
        self.wanted.borrow_mut().methods.insert(k.clone());
        self.tables.as_ref().map_or(0, |t| t.methods[&k] as u16)
    }
}

/// `(params)ret` → (return type, parameter types).
fn split_proto(proto: &str) -> (String, Vec<String>) {
    let inner = &proto[1..proto.find(')').unwrap()];
    let ret = proto[proto.find(')').unwrap() + 1..].to_string();
    let mut params = Vec::new();
    let b = inner.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while b[i] == b'[' {
            i += 1;
        }
        if b[i] == b'L' {
            while b[i] != b';' {
                i += 1;
            }
        }
        i += 1;
        params.push(inner[start..i].to_string());
    }
    (ret, params)
}

fn shorty(proto: &str) -> String {
    let (ret, params) = split_proto(proto);
    let c = |t: &str| match t.as_bytes()[0] {
        b'L' | b'[' => 'L',
        x => x as char,
    };
    std::iter::once(c(&ret))
        .chain(params.iter().map(|p| c(p)))
        .collect()
}

fn uleb(out: &mut Vec<u8>, mut x: u32) {
    loop {
        let b = (x & 0x7f) as u8;
        x >>= 7;
        if x == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn align4(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(4) {
        v.push(0);
    }
}

fn put(v: &mut [u8], at: usize, x: u32) {
    v[at..at + 4].copy_from_slice(&x.to_le_bytes());
}

/// Assembles `classes` into one DEX image.
pub fn build(classes: &[Class]) -> Vec<u8> {
    // Pass 1: what everything refers to.
    let ix = Ix {
        wanted: RefCell::new(Refs::default()),
        tables: None,
    };
    for c in classes {
        ix.type_(&c.desc);
        if !c.superclass.is_empty() {
            ix.type_(&c.superclass);
        }
        for i in &c.interfaces {
            ix.type_(i);
        }
        for m in &c.methods {
            ix.method(&c.desc, &m.name, &m.proto);
            if let Some(code) = &m.code {
                code(&ix);
            }
        }
    }
    let refs = ix.wanted.into_inner();
    let mut strings: BTreeSet<String> = refs.strings.clone();
    let mut types: BTreeSet<String> = refs.types.clone();
    let mut protos: BTreeSet<String> = BTreeSet::new();
    for (c, n, t) in &refs.fields {
        types.insert(c.clone());
        types.insert(t.clone());
        strings.insert(n.clone());
    }
    for (c, n, p) in &refs.methods {
        types.insert(c.clone());
        strings.insert(n.clone());
        let (ret, params) = split_proto(p);
        types.insert(ret);
        types.extend(params);
        protos.insert(p.clone());
    }
    for p in &protos {
        strings.insert(shorty(p));
    }
    strings.extend(types.iter().cloned());
    let string_ix: BTreeMap<String, u32> = strings
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), i as u32))
        .collect();
    // Types sorted by string index = by descriptor.
    let type_list: Vec<String> = types.iter().cloned().collect();
    let type_ix: BTreeMap<String, u32> = type_list
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), i as u32))
        .collect();
    // Protos sorted by (return type, parameters).
    let mut proto_list: Vec<String> = protos.into_iter().collect();
    let proto_key = |p: &String| {
        let (ret, params) = split_proto(p);
        (
            type_ix[&ret],
            params.iter().map(|t| type_ix[t]).collect::<Vec<_>>(),
        )
    };
    proto_list.sort_by_key(proto_key);
    let proto_ix: BTreeMap<String, u32> = proto_list
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), i as u32))
        .collect();
    let mut field_list: Vec<_> = refs.fields.iter().cloned().collect();
    field_list.sort_by_key(|(c, n, t)| (type_ix[c], string_ix[n], type_ix[t]));
    let mut method_list: Vec<_> = refs.methods.iter().cloned().collect();
    method_list.sort_by_key(|(c, n, p)| (type_ix[c], string_ix[n], proto_ix[p]));
    let tables = Tables {
        strings: string_ix.clone(),
        types: type_ix.clone(),
        fields: field_list
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), i as u32))
            .collect(),
        methods: method_list
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), i as u32))
            .collect(),
    };

    // Layout.
    let n = |x: usize| x as u32;
    let string_ids = 0x70usize;
    let type_ids = string_ids + 4 * strings.len();
    let proto_ids = type_ids + 4 * type_list.len();
    let field_ids = proto_ids + 12 * proto_list.len();
    let method_ids = field_ids + 8 * field_list.len();
    let class_defs = method_ids + 8 * method_list.len();
    let data_start = class_defs + 32 * classes.len();
    let mut v = vec![0u8; data_start];
    v[..8].copy_from_slice(b"dex\n035\0");
    // String data.
    let mut string_data_off = Vec::new();
    for s in &strings {
        string_data_off.push(v.len());
        uleb(&mut v, n(s.encode_utf16().count()));
        v.extend_from_slice(s.as_bytes());
        v.push(0);
    }
    for (i, off) in string_data_off.iter().enumerate() {
        put(&mut v, string_ids + 4 * i, n(*off));
    }
    for (i, t) in type_list.iter().enumerate() {
        put(&mut v, type_ids + 4 * i, string_ix[t]);
    }
    // Type lists (proto parameters, interfaces).
    let type_list_at = |v: &mut Vec<u8>, list: &[String]| -> u32 {
        if list.is_empty() {
            return 0;
        }
        align4(v);
        let at = v.len();
        v.extend_from_slice(&n(list.len()).to_le_bytes());
        for t in list {
            v.extend_from_slice(&(type_ix[t] as u16).to_le_bytes());
        }
        n(at)
    };
    for (i, p) in proto_list.iter().enumerate() {
        let (ret, params) = split_proto(p);
        let params_off = type_list_at(&mut v, &params);
        let at = proto_ids + 12 * i;
        put(&mut v, at, string_ix[&shorty(p)]);
        put(&mut v, at + 4, type_ix[&ret]);
        put(&mut v, at + 8, params_off);
    }
    for (i, (c, nm, t)) in field_list.iter().enumerate() {
        let at = field_ids + 8 * i;
        v[at..at + 2].copy_from_slice(&(type_ix[c] as u16).to_le_bytes());
        v[at + 2..at + 4].copy_from_slice(&(type_ix[t] as u16).to_le_bytes());
        put(&mut v, at + 4, string_ix[nm]);
    }
    for (i, (c, nm, p)) in method_list.iter().enumerate() {
        let at = method_ids + 8 * i;
        v[at..at + 2].copy_from_slice(&(type_ix[c] as u16).to_le_bytes());
        v[at + 2..at + 4].copy_from_slice(&(proto_ix[p] as u16).to_le_bytes());
        put(&mut v, at + 4, string_ix[nm]);
    }
    // Code and class data.
    let ix = Ix {
        wanted: RefCell::new(Refs::default()),
        tables: Some(tables),
    };
    for (ci, c) in classes.iter().enumerate() {
        let interfaces_off = type_list_at(&mut v, &c.interfaces);
        let mut direct = Vec::new();
        let mut virt = Vec::new();
        for m in &c.methods {
            let midx = ix.method(&c.desc, &m.name, &m.proto) as u32;
            let code_off = match &m.code {
                Some(code) => {
                    let units = code(&ix);
                    align4(&mut v);
                    let at = v.len();
                    let ins = split_proto(&m.proto).1.len() as u16 + u16::from(!m.direct);
                    for h in [m.registers, ins.min(m.registers), 5, 0] {
                        v.extend_from_slice(&h.to_le_bytes());
                    }
                    v.extend_from_slice(&0u32.to_le_bytes());
                    v.extend_from_slice(&n(units.len()).to_le_bytes());
                    for u in units {
                        v.extend_from_slice(&u.to_le_bytes());
                    }
                    n(at)
                }
                None => 0,
            };
            let flags = if m.name == "<init>" { 0x10001 } else { 0x1 };
            let entry = (midx, flags, code_off);
            if m.direct {
                direct.push(entry);
            } else {
                virt.push(entry);
            }
        }
        direct.sort();
        virt.sort();
        let class_data_off = v.len();
        for x in [0, 0, n(direct.len()), n(virt.len())] {
            uleb(&mut v, x);
        }
        for list in [&direct, &virt] {
            let mut prev = 0;
            for &(midx, flags, code_off) in list.iter() {
                uleb(&mut v, midx - prev);
                uleb(&mut v, flags);
                uleb(&mut v, code_off);
                prev = midx;
            }
        }
        let at = class_defs + 32 * ci;
        let super_idx = if c.superclass.is_empty() {
            u32::MAX
        } else {
            type_ix[&c.superclass]
        };
        for (k, x) in [
            type_ix[&c.desc],
            1,
            super_idx,
            interfaces_off,
            u32::MAX,
            0,
            n(class_data_off),
            0,
        ]
        .into_iter()
        .enumerate()
        {
            put(&mut v, at + 4 * k, x);
        }
    }
    // Map list.
    align4(&mut v);
    let map_off = v.len();
    let items: Vec<(u16, usize, usize)> = [
        (0x0000, 1, 0),
        (0x0001, strings.len(), string_ids),
        (0x0002, type_list.len(), type_ids),
        (0x0003, proto_list.len(), proto_ids),
        (0x0004, field_list.len(), field_ids),
        (0x0005, method_list.len(), method_ids),
        (0x0006, classes.len(), class_defs),
        (0x1000, 1, map_off),
    ]
    .into_iter()
    .filter(|(_, count, _)| *count > 0)
    .collect();
    v.extend_from_slice(&n(items.len()).to_le_bytes());
    for (code, count, off) in &items {
        v.extend_from_slice(&code.to_le_bytes());
        v.extend_from_slice(&0u16.to_le_bytes());
        v.extend_from_slice(&n(*count).to_le_bytes());
        v.extend_from_slice(&n(*off).to_le_bytes());
    }
    let file_size = v.len();
    put(&mut v, 32, n(file_size));
    put(&mut v, 36, 0x70);
    put(&mut v, 40, 0x1234_5678);
    put(&mut v, 52, n(map_off));
    let sections = [
        (56, strings.len(), string_ids),
        (64, type_list.len(), type_ids),
        (72, proto_list.len(), proto_ids),
        (80, field_list.len(), field_ids),
        (88, method_list.len(), method_ids),
        (96, classes.len(), class_defs),
    ];
    for (at, count, off) in sections {
        put(&mut v, at, n(count));
        put(&mut v, at + 4, if count == 0 { 0 } else { n(off) });
    }
    put(&mut v, 104, n(file_size - data_start));
    put(&mut v, 108, n(data_start));
    use sha1::Digest;
    let sig = sha1::Sha1::digest(&v[32..]);
    v[12..32].copy_from_slice(&sig);
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &v[12..] {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    put(&mut v, 8, (b << 16) | a);
    v
}
