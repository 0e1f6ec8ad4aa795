//! The format-neutral resource table shared by resources.arsc and `resources.pb`.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::Limits;
use crate::anomaly::{Anomalies, Anomaly, AnomalyKind};
use crate::config::{Config, DENSITY_ANY, DENSITY_NONE};
use crate::strpool::StringPool;
use crate::value::Value;

/// A string source: a lazily decoded binary pool, or strings already decoded (protobuf).
#[derive(Debug, Clone)]
pub(crate) enum Strings {
    Pool(StringPool),
    Owned(Vec<String>),
}

impl Default for Strings {
    fn default() -> Self {
        Strings::Owned(Vec::new())
    }
}

impl Strings {
    pub(crate) fn get(&self, idx: u32) -> Option<String> {
        match self {
            Strings::Pool(p) => p.get(idx).ok(),
            Strings::Owned(v) => v.get(idx as usize).cloned(),
        }
    }

    fn eq_at(&self, idx: u32, want: &str) -> bool {
        match self {
            Strings::Pool(p) => p.eq_at(idx, want),
            Strings::Owned(v) => v.get(idx as usize).is_some_and(|s| s == want),
        }
    }

    fn len(&self) -> usize {
        match self {
            Strings::Pool(p) => p.len(),
            Strings::Owned(v) => v.len(),
        }
    }

    /// Appends an owned string and returns its index (protobuf input only).
    pub(crate) fn push(&mut self, s: String) -> u32 {
        match self {
            Strings::Owned(v) => {
                v.push(s);
                (v.len() - 1) as u32
            }
            Strings::Pool(_) => u32::MAX,
        }
    }
}

/// A value as stored: raw `Res_value` fields, strings by index.
#[derive(Debug, Clone)]
pub(crate) enum Stored {
    Item {
        data_type: u8,
        data: u32,
    },
    Bag {
        parent: u32,
        items: Vec<(u32, u8, u32)>,
    },
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Entry {
    /// Index of the entry name in the package's key strings.
    pub key: u32,
    /// (index into `ResourceTable::configs`, value); first occurrence per config kept.
    pub values: Vec<(u32, Stored)>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Package {
    pub id: u8,
    pub name: String,
    pub type_names: BTreeMap<u8, String>,
    pub keys: Strings,
    /// Keyed by `type_id << 16 | entry_index`.
    pub entries: BTreeMap<u32, Entry>,
}

/// One item of a complex (bag/map) value: the attribute or index key and its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BagItem {
    pub key: u32,
    pub value: Value,
}

/// A resource value: a single item, or a bag (style, array, plurals, attr definition).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ResValue {
    Item {
        value: Value,
    },
    Bag {
        parent: Option<u32>,
        items: Vec<BagItem>,
    },
}

impl ResValue {
    /// The single value, if this is not a bag.
    pub fn as_item(&self) -> Option<&Value> {
        match self {
            ResValue::Item { value } => Some(value),
            ResValue::Bag { .. } => None,
        }
    }
}

/// Which configuration to prefer when resolving, like a device's settings.
///
/// Empty `language` means "no locale": only default-locale values match, which is what aapt
/// prints as `application-label`. `density` 0 prefers the highest raster density;
/// `sdk_version` 0 accepts every version qualifier.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalePref {
    pub language: String,
    pub region: String,
    pub script: String,
    pub density: u16,
    pub sdk_version: u16,
    pub night: bool,
}

impl LocalePref {
    /// The default configuration (no locale).
    pub fn default_locale() -> Self {
        LocalePref::default()
    }

    /// Simplified Chinese, mainland China (`zh-CN`, script `Hans`).
    pub fn zh_cn() -> Self {
        LocalePref::from_tag("zh-CN")
    }

    /// From a BCP-47 tag such as `zh-CN`, `zh-Hant-TW`, `en`.
    pub fn from_tag(tag: &str) -> Self {
        let mut c = Config::default();
        c.set_locale_tag(tag);
        LocalePref {
            language: c.language,
            region: c.region,
            script: c.script,
            ..LocalePref::default()
        }
    }
}

/// Likely script, enough to keep Traditional and Simplified Chinese apart as Android does;
/// other languages are treated as single-script.
fn likely_script<'a>(lang: &str, region: &str, script: &'a str) -> &'a str {
    if !script.is_empty() {
        return script;
    }
    match (lang, region) {
        ("zh", "TW" | "HK" | "MO") => "Hant",
        ("zh", _) => "Hans",
        _ => "",
    }
}

/// Ranking of a candidate configuration; `None` when it cannot apply to `pref`.
fn score(c: &Config, pref: &LocalePref) -> Option<(u8, u8, u32, u16)> {
    // Qualifiers we cannot evaluate for a generic phone exclude a value, as on most devices.
    if c.mcc != 0
        || c.mnc != 0
        || c.orientation != 0
        || c.touchscreen != 0
        || c.keyboard != 0
        || c.navigation != 0
        || c.input_flags != 0
        || c.screen_width != 0
        || c.screen_height != 0
        || c.smallest_screen_width_dp != 0
        || c.screen_width_dp != 0
        || c.screen_height_dp != 0
        || c.screen_layout & 0x3f != 0
        || c.screen_layout & 0xc0 == 0x80
        || c.screen_layout2 != 0
        || c.color_mode != 0
        || !matches!(c.ui_mode & 0x0f, 0 | 1)
        || c.grammatical_inflection != 0
    {
        return None;
    }
    let locale = if c.language.is_empty() {
        if !c.region.is_empty() && c.region != pref.region {
            return None;
        }
        0
    } else {
        if pref.language.is_empty() || !c.language.eq_ignore_ascii_case(&pref.language) {
            return None;
        }
        let cs = likely_script(&c.language, &c.region, &c.script);
        let ps = likely_script(&pref.language, &pref.region, &pref.script);
        if cs != ps {
            return None;
        }
        let region = if c.region.is_empty() {
            1
        } else if c.region.eq_ignore_ascii_case(&pref.region) {
            2
        } else {
            0
        };
        1 + region * 2 + u8::from(!c.script.is_empty())
    };
    let night = match (c.ui_mode & 0x30, pref.night) {
        (0x20, false) | (0x10, true) => return None,
        (0x20, true) | (0x10, false) => 1,
        _ => 0,
    };
    if pref.sdk_version != 0 && c.sdk_version > pref.sdk_version {
        return None;
    }
    let d = match c.density {
        0 => 160,
        x => x,
    };
    let density = if pref.density == 0 {
        match c.density {
            DENSITY_ANY => 0,
            DENSITY_NONE => 1,
            _ => u32::from(d),
        }
    } else {
        match c.density {
            DENSITY_ANY => u32::MAX,
            DENSITY_NONE => 1,
            _ if d >= pref.density => 1_000_000 - u32::from(d - pref.density),
            _ => u32::from(d),
        }
    };
    Some((locale, night, density, c.sdk_version))
}

/// A resource table read from resources.arsc or `resources.pb`.
#[derive(Debug, Clone, Default)]
pub struct ResourceTable {
    pub(crate) packages: Vec<Package>,
    pub(crate) configs: Vec<Config>,
    pub(crate) config_index: HashMap<Config, u32>,
    pub(crate) strings: Strings,
    pub(crate) anomalies: Vec<Anomaly>,
    pub(crate) max_reference_depth: usize,
}

/// Accumulates a table under limits (shared by the binary and protobuf readers).
pub(crate) struct TableBuilder<'l> {
    pub table: ResourceTable,
    pub an: Anomalies,
    limits: &'l Limits,
    values: usize,
    bag_items: usize,
    dup_reported: usize,
    pub full: bool,
}

impl<'l> TableBuilder<'l> {
    pub(crate) fn new(limits: &'l Limits) -> Self {
        TableBuilder {
            table: ResourceTable {
                max_reference_depth: limits.max_reference_depth,
                ..ResourceTable::default()
            },
            an: Anomalies::new(limits.max_anomalies),
            limits,
            values: 0,
            bag_items: 0,
            dup_reported: 0,
            full: false,
        }
    }

    pub(crate) fn config_id(&mut self, c: Config) -> u32 {
        if let Some(&i) = self.table.config_index.get(&c) {
            return i;
        }
        let i = self.table.configs.len() as u32;
        self.table.configs.push(c.clone());
        self.table.config_index.insert(c, i);
        i
    }

    /// Charges `n` bag items against the limit; false when exhausted.
    pub(crate) fn charge_bag(&mut self, n: usize) -> bool {
        self.bag_items = self.bag_items.saturating_add(n);
        if self.bag_items > self.limits.max_bag_items {
            if !self.full {
                self.an.push(
                    AnomalyKind::LimitExceeded,
                    format!(
                        "more than {} bag items; table truncated",
                        self.limits.max_bag_items
                    ),
                );
            }
            self.full = true;
            return false;
        }
        true
    }

    /// Records a value; returns false once the value limit is reached.
    pub(crate) fn add(
        &mut self,
        pkg: usize,
        type_id: u8,
        entry: u16,
        key: u32,
        config: u32,
        v: Stored,
    ) -> bool {
        if self.full {
            return false;
        }
        if self.values >= self.limits.max_values {
            self.an.push(
                AnomalyKind::LimitExceeded,
                format!(
                    "more than {} values; table truncated",
                    self.limits.max_values
                ),
            );
            self.full = true;
            return false;
        }
        let Some(p) = self.table.packages.get_mut(pkg) else {
            return false;
        };
        let slot = p
            .entries
            .entry((u32::from(type_id) << 16) | u32::from(entry))
            .or_insert_with(|| Entry {
                key,
                values: Vec::new(),
            });
        if slot.values.iter().any(|(c, _)| *c == config) {
            if self.dup_reported < 16 {
                self.dup_reported += 1;
                self.an.push(
                    AnomalyKind::DuplicateEntry,
                    format!(
                        "resource 0x{:02x}{type_id:02x}{entry:04x} has two values for one configuration",
                        p.id
                    ),
                );
            }
            return true;
        }
        slot.values.push((config, v));
        self.values += 1;
        true
    }

    pub(crate) fn finish(mut self) -> ResourceTable {
        self.table.anomalies = self.an.into_vec();
        self.table
    }
}

impl ResourceTable {
    fn find(&self, id: u32) -> Option<(&Package, &Entry)> {
        let pkg = (id >> 24) as u8;
        let p = self.packages.iter().find(|p| p.id == pkg)?;
        let e = p.entries.get(&(id & 0x00ff_ffff))?;
        Some((p, e))
    }

    fn to_value(&self, dt: u8, data: u32) -> Value {
        Value::from_raw(dt, data, |i| self.strings.get(i))
    }

    fn to_res_value(&self, s: &Stored) -> ResValue {
        match s {
            Stored::Item { data_type, data } => ResValue::Item {
                value: self.to_value(*data_type, *data),
            },
            Stored::Bag { parent, items } => ResValue::Bag {
                parent: (*parent != 0).then_some(*parent),
                items: items
                    .iter()
                    .map(|&(key, dt, data)| BagItem {
                        key,
                        value: self.to_value(dt, data),
                    })
                    .collect(),
            },
        }
    }

    /// Anomalies found while reading.
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    /// Whether an anomaly of this kind was recorded.
    pub fn has_anomaly(&self, kind: AnomalyKind) -> bool {
        self.anomalies.iter().any(|a| a.kind == kind)
    }

    /// (package ID, package name) for each package, in file order.
    pub fn packages(&self) -> Vec<(u8, String)> {
        self.packages
            .iter()
            .map(|p| (p.id, p.name.clone()))
            .collect()
    }

    /// Number of resource entries (IDs) with at least one value.
    pub fn entry_count(&self) -> usize {
        self.packages.iter().map(|p| p.entries.len()).sum()
    }

    /// Distinct configurations used.
    pub fn configs(&self) -> &[Config] {
        &self.configs
    }

    /// Locales (BCP-47) that some value is specific to, sorted, like aapt's `locales:` line.
    pub fn locales(&self) -> Vec<String> {
        let mut used = vec![false; self.configs.len()];
        for p in &self.packages {
            for e in p.entries.values() {
                for (c, _) in &e.values {
                    if let Some(u) = used.get_mut(*c as usize) {
                        *u = true;
                    }
                }
            }
        }
        let mut out: Vec<String> = self
            .configs
            .iter()
            .zip(used)
            .filter(|(_, u)| *u)
            .filter_map(|(c, _)| c.locale())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// `type/name` of a resource ID (e.g. `string/app_name`), as aapt names it.
    pub fn entry_name(&self, id: u32) -> Option<String> {
        let (p, e) = self.find(id)?;
        let t = p.type_names.get(&((id >> 16) as u8))?;
        let k = p.keys.get(e.key)?;
        Some(format!("{t}/{k}"))
    }

    /// `package:type/name` of a resource ID.
    pub fn full_name(&self, id: u32) -> Option<String> {
        let (p, _) = self.find(id)?;
        Some(format!("{}:{}", p.name, self.entry_name(id)?))
    }

    /// Resource ID of `type_`/`name` (e.g. `("string", "app_name")`), searching packages in order.
    pub fn id_of(&self, type_: &str, name: &str) -> Option<u32> {
        for p in &self.packages {
            for (&tid, tname) in &p.type_names {
                if tname != type_ {
                    continue;
                }
                let lo = u32::from(tid) << 16;
                let hi = lo | 0xffff;
                for (&k, e) in p.entries.range(lo..=hi) {
                    if p.keys.eq_at(e.key, name) {
                        return Some((u32::from(p.id) << 24) | k);
                    }
                }
            }
        }
        None
    }

    /// Resource ID of a name written as `@string/x`, `string/x` or `pkg:string/x`.
    pub fn id_of_name(&self, full: &str) -> Option<u32> {
        let s = full.trim_start_matches(['@', '?']);
        let s = s.split_once(':').map_or(s, |(_, rest)| rest);
        let (t, n) = s.split_once('/')?;
        self.id_of(t, n)
    }

    /// Every configured value of a resource ID.
    pub fn values(&self, id: u32) -> Vec<(Config, ResValue)> {
        let Some((_, e)) = self.find(id) else {
            return Vec::new();
        };
        e.values
            .iter()
            .filter_map(|(c, v)| {
                Some((self.configs.get(*c as usize)?.clone(), self.to_res_value(v)))
            })
            .collect()
    }

    /// The best value for `pref`, without following references.
    pub fn best(&self, id: u32, pref: &LocalePref) -> Option<(Config, ResValue)> {
        let (_, e) = self.find(id)?;
        let (c, v) = e
            .values
            .iter()
            .filter_map(|(c, v)| {
                let cfg = self.configs.get(*c as usize)?;
                Some((score(cfg, pref)?, cfg, v))
            })
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, c, v)| (c, v))?;
        Some((c.clone(), self.to_res_value(v)))
    }

    /// The value Android would pick for `pref`, following references (`@string/a` →
    /// `@string/b`) up to the configured depth. None if no configuration applies, the ID is
    /// unknown, or references loop.
    pub fn resolve(&self, id: u32, pref: &LocalePref) -> Option<ResValue> {
        let mut cur = id;
        for _ in 0..=self.max_reference_depth {
            let (_, v) = self.best(cur, pref)?;
            match v {
                ResValue::Item {
                    value: Value::Reference(0),
                } => {
                    return Some(ResValue::Item { value: Value::Null });
                }
                ResValue::Item {
                    value: Value::Reference(next),
                } => cur = next,
                other => return Some(other),
            }
        }
        None
    }

    /// [`ResourceTable::resolve`] as text: strings as they are, other items as Android coerces
    /// them; None for bags.
    pub fn resolve_string(&self, id: u32, pref: &LocalePref) -> Option<String> {
        match self.resolve(id, pref)? {
            ResValue::Item { value } => Some(value.to_display_string()),
            ResValue::Bag { .. } => None,
        }
    }

    /// Every string value in the table's global string pool (all
    /// configurations), decoded one at a time — for scanning resources for
    /// URLs and other markers without resolving each entry.
    pub fn value_strings(&self) -> impl Iterator<Item = String> + '_ {
        (0..self.strings.len() as u32).filter_map(|i| self.strings.get(i))
    }

    /// `type/name` of the resources with `text` as a string value in some
    /// configuration, at most `max`, in ID order. Walks every entry, so it
    /// is for the rare strings a caller has already picked out.
    pub fn names_with_string(&self, text: &str, max: usize) -> Vec<String> {
        const TYPE_STRING: u8 = 0x03;
        let mut out = Vec::new();
        for p in &self.packages {
            for (&k, e) in &p.entries {
                if out.len() >= max {
                    return out;
                }
                let holds = e.values.iter().any(|(_, v)| {
                    matches!(v, Stored::Item { data_type: TYPE_STRING, data }
                        if self.strings.get(*data).as_deref() == Some(text))
                });
                if holds && let Some(name) = self.entry_name((u32::from(p.id) << 24) | k) {
                    out.push(name);
                }
            }
        }
        out
    }

    /// Resolves an attribute value from a manifest: references are looked up, literal strings
    /// returned as they are.
    pub fn resolve_value(&self, v: &Value, pref: &LocalePref) -> Option<String> {
        match v {
            Value::Reference(id) => self.resolve_string(*id, pref),
            Value::Null | Value::Empty => None,
            other => Some(other.to_display_string()),
        }
    }
}
