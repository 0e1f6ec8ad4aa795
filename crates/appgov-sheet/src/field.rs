//! The sheet's columns: one [`Field`] per ledger attribute, the headers each
//! is recognised by (machine names, English labels, the Chinese headers
//! banks' ledgers use), and the explicit [`Mapping`] that overrides them.

use std::collections::HashMap;

use crate::SheetError;

macro_rules! fields {
    ($($v:ident = $id:literal, $zh:literal, [$($alias:literal),* $(,)?];)+) => {
        /// A column of the ledger sheet, in export order: the five the issue
        /// names first (`name`, `form`, `department`, `responsible_person`,
        /// `package`), then the rest.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Field { $($v,)+ }

        impl Field {
            /// Every column, in the order export writes them.
            pub const ALL: &'static [Field] = &[$(Field::$v),+];
            /// The machine name (English header, `--map` target).
            pub fn as_str(self) -> &'static str { match self { $(Field::$v => $id),+ } }
            /// The Chinese header export writes.
            pub fn header_zh(self) -> &'static str { match self { $(Field::$v => $zh),+ } }
            /// Other headers recognised on import.
            pub fn aliases(self) -> &'static [&'static str] { match self { $(Field::$v => &[$($alias),*]),+ } }
        }
    };
}

fields! {
    Name = "name", "应用名称", ["名称", "应用名", "app name", "app名称", "应用程序名称", "application"];
    Form = "form", "应用形态", ["应用类型", "形态", "类型", "app form", "app type", "type"];
    Department = "department", "牵头部门", ["责任部门", "主管部门", "归口部门", "所属部门", "部门", "dept", "responsible department"];
    ResponsiblePerson = "responsible_person", "责任人", ["负责人", "应用负责人", "owner", "responsible"];
    Package = "package", "包名", ["bundle id", "bundleid", "appid", "app id", "标识", "应用标识", "平台标识", "package name", "identifier"];
    Aliases = "aliases", "别名", ["alias", "曾用名"];
    State = "state", "状态", ["status", "生命周期状态", "lifecycle state", "应用状态"];
    Purpose = "purpose", "用途", ["应用用途", "用途说明"];
    Functions = "functions", "主要功能", ["功能", "功能清单", "main functions"];
    UserSegment = "user_segment", "用户群体", ["服务对象", "用户类型", "user segment", "users"];
    Regions = "regions", "服务地区", ["服务区域", "地区", "区域", "regions served"];
    TechOwner = "tech_owner", "技术负责人", ["technical owner"];
    SecurityOwner = "security_owner", "安全负责人", [];
    DataOwner = "data_owner", "数据负责人", [];
    ImportantSystem = "important_system", "是否重要信息系统", ["重要信息系统", "important information system"];
    MlpsLevel = "mlps_level", "等保级别", ["等保等级", "等级保护级别", "等级保护等级", "mlps", "mlps level"];
    ElderlyMode = "elderly_mode", "适老化", ["是否适老化", "适老化模式", "长辈模式", "elderly mode"];
    MinorsPolicy = "minors_policy", "未成年人政策", ["未成年人保护", "minors policy"];
    PrivacyPolicyUrl = "privacy_policy_url", "隐私政策链接", ["隐私政策", "隐私政策地址", "隐私政策url", "privacy policy", "privacy policy url"];
    ComplaintChannel = "complaint_channel", "投诉渠道", ["投诉方式", "complaint channel"];
    ThirdPartyOperated = "third_party_operated", "第三方运营", ["是否第三方运营", "third party operated"];
    Certificates = "certificates", "签名证书指纹", ["证书指纹", "签名证书", "certificate fingerprints", "certificate sha256"];
    Operator = "operator", "运营机构", ["运营主体", "operating institution"];
}

impl Field {
    /// The machine name or any recognised header (case, space, `_`/`-`
    /// insensitive).
    pub fn parse(s: &str) -> Option<Field> {
        let key = fold(s);
        if key.is_empty() {
            return None;
        }
        Field::ALL.iter().copied().find(|f| {
            fold(f.as_str()) == key
                || fold(f.header_zh()) == key
                || f.aliases().iter().any(|a| fold(a) == key)
        })
    }

    /// The header in the given language.
    pub fn header(self, language: HeaderLanguage) -> &'static str {
        match language {
            HeaderLanguage::English => self.as_str(),
            HeaderLanguage::Chinese => self.header_zh(),
        }
    }

    /// The accepted machine names, for error messages.
    pub fn names() -> String {
        Field::ALL
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The language of the header row (and of vocabulary values) on export.
/// Both are recognised on import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HeaderLanguage {
    /// Machine names (`name`, `form`, …; `android`, `true`).
    #[default]
    English,
    /// The Chinese headers and labels (应用名称, 应用形态, …; 安卓应用, 是).
    Chinese,
}

/// Header text folded for comparison: lower case, without spaces
/// (including the ideographic space), `_`, `-`, `*` (a "required" marker)
/// and a trailing `:`/`：`.
pub(crate) fn fold(s: &str) -> String {
    s.trim()
        .trim_end_matches([':', '：'])
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '*'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A header with a trailing note in brackets removed: `包名(Bundle ID)` →
/// `包名`, `等保级别（1-5）` → `等保级别`. `None` when there is none.
pub(crate) fn without_note(s: &str) -> Option<&str> {
    let t = s.trim();
    let (open, close) = if t.ends_with(')') {
        ('(', ')')
    } else if t.ends_with('）') {
        ('（', '）')
    } else {
        return None;
    };
    let _ = close;
    let start = t.rfind(open)?;
    let head = t[..start].trim();
    (!head.is_empty()).then_some(head)
}

/// What one column of a mapping says: a field, or "ignore this column".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Field(Field),
    Ignore,
}

/// Explicit header → field assignments (the CLI's repeatable
/// `--map "表头=field"`). They win over the built-in header recognition;
/// `表头=ignore` drops a column that would otherwise be recognised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    by_header: HashMap<String, Target>,
}

impl Mapping {
    pub fn new() -> Mapping {
        Mapping::default()
    }

    /// Maps the column whose header is `header` to `target`.
    pub fn insert(&mut self, header: &str, target: Target) -> Result<(), SheetError> {
        let key = fold(header);
        if key.is_empty() {
            return Err(SheetError::BadMapping(format!(
                "empty header in mapping to {}",
                target_name(target)
            )));
        }
        if let Some(prev) = self.by_header.insert(key, target)
            && prev != target
        {
            return Err(SheetError::BadMapping(format!(
                "header {header:?} is mapped twice: to {} and to {}",
                target_name(prev),
                target_name(target)
            )));
        }
        Ok(())
    }

    /// Adds one `表头=field` argument (`field` a machine name, a recognised
    /// header, or `ignore`). The last `=` splits, so a header may contain one.
    pub fn add_arg(&mut self, arg: &str) -> Result<(), SheetError> {
        let (header, field) = arg.rsplit_once('=').ok_or_else(|| {
            SheetError::BadMapping(format!("{arg:?} is not of the form \"表头=field\""))
        })?;
        let target = if fold(field) == "ignore" || field.trim() == "忽略" {
            Target::Ignore
        } else {
            Target::Field(Field::parse(field).ok_or_else(|| {
                SheetError::BadMapping(format!(
                    "{arg:?}: unknown field {:?} (accepted: {}, ignore)",
                    field.trim(),
                    Field::names()
                ))
            })?)
        };
        self.insert(header, target)
    }

    /// A mapping from several `表头=field` arguments.
    pub fn from_args<I, S>(args: I) -> Result<Mapping, SheetError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut m = Mapping::new();
        for a in args {
            m.add_arg(a.as_ref())?;
        }
        Ok(m)
    }

    pub fn is_empty(&self) -> bool {
        self.by_header.is_empty()
    }

    /// What a header cell means: the mapping first, then the built-in
    /// headers, then the built-in headers without a bracketed note. `None`:
    /// not recognised.
    pub(crate) fn resolve(&self, header: &str) -> Option<Target> {
        if let Some(t) = self.by_header.get(&fold(header)) {
            return Some(*t);
        }
        if let Some(f) = Field::parse(header) {
            return Some(Target::Field(f));
        }
        let head = without_note(header)?;
        if let Some(t) = self.by_header.get(&fold(head)) {
            return Some(*t);
        }
        Field::parse(head).map(Target::Field)
    }

    /// Headers named in the mapping, for "mapped header not found" warnings.
    pub(crate) fn headers(&self) -> impl Iterator<Item = &str> {
        self.by_header.keys().map(String::as_str)
    }
}

fn target_name(t: Target) -> &'static str {
    match t {
        Target::Field(f) => f.as_str(),
        Target::Ignore => "ignore",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_fields_share_a_header() {
        let mut seen: HashMap<String, Field> = HashMap::new();
        for f in Field::ALL {
            let spellings = [f.as_str(), f.header_zh()]
                .into_iter()
                .chain(f.aliases().iter().copied());
            for s in spellings {
                if let Some(other) = seen.insert(fold(s), *f) {
                    assert_eq!(other, *f, "{s:?} names both {other} and {f}");
                }
                assert_eq!(Field::parse(s), Some(*f), "{s:?}");
            }
        }
    }

    #[test]
    fn the_issue_names_five_columns_first() {
        let first: Vec<&str> = Field::ALL[..5].iter().map(|f| f.as_str()).collect();
        assert_eq!(
            first,
            [
                "name",
                "form",
                "department",
                "responsible_person",
                "package"
            ]
        );
    }

    #[test]
    fn headers_fold_case_space_and_notes() {
        assert_eq!(Field::parse(" Bundle ID "), Some(Field::Package));
        assert_eq!(
            Field::parse("RESPONSIBLE-PERSON"),
            Some(Field::ResponsiblePerson)
        );
        assert_eq!(Field::parse("应用名称*"), Some(Field::Name));
        assert_eq!(Field::parse("技术负责人："), Some(Field::TechOwner));
        let m = Mapping::new();
        assert_eq!(
            m.resolve("包名(Bundle ID)"),
            Some(Target::Field(Field::Package))
        );
        assert_eq!(
            m.resolve("等保级别（1-5）"),
            Some(Target::Field(Field::MlpsLevel))
        );
        assert_eq!(m.resolve("备注"), None);
    }

    #[test]
    fn mapping_arguments() {
        let m = Mapping::from_args(["系统名称=name", "a=b=form", "包名=ignore"]).unwrap();
        assert_eq!(m.resolve("系统名称"), Some(Target::Field(Field::Name)));
        assert_eq!(m.resolve("A=B"), Some(Target::Field(Field::Form)));
        assert_eq!(m.resolve("包名"), Some(Target::Ignore));
        assert!(Mapping::from_args(["x"]).is_err());
        let e = Mapping::from_args(["x=colour"]).unwrap_err().to_string();
        assert!(e.contains("unknown field \"colour\""), "{e}");
        let e = Mapping::from_args(["x=name", "X=form"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("mapped twice"), "{e}");
    }
}
