//! One ledger row: an app as the sheet names it (department, people and
//! operator by name; the store resolves names to records), parsed and
//! validated cell by cell, and written back.

use appgov_ledger::{
    App, AppForm, AppIdentity, AppState, KnownCertificate, MinorsPolicy, Platform, UserSegment,
    valid_android_package,
};

use crate::field::{Field, HeaderLanguage};

/// One app, as one row of the ledger sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub name: String,
    pub form: AppForm,
    /// The lead department's name (article 3).
    pub department: Option<String>,
    /// The responsible person's name (article 3).
    pub responsible_person: Option<String>,
    /// The platform identifier: Android package, Bundle ID, mini-program
    /// AppID.
    pub package: Option<String>,
    pub aliases: Vec<String>,
    /// `proposed` when the sheet does not say.
    pub state: AppState,
    pub purpose: Option<String>,
    pub functions: Vec<String>,
    pub user_segment: Option<UserSegment>,
    pub regions: Vec<String>,
    pub tech_owner: Option<String>,
    pub security_owner: Option<String>,
    pub data_owner: Option<String>,
    pub important_system: bool,
    /// 1–5.
    pub mlps_level: Option<u8>,
    pub elderly_mode: bool,
    pub minors_policy: Option<MinorsPolicy>,
    pub privacy_policy_url: Option<String>,
    pub complaint_channel: Option<String>,
    pub third_party_operated: bool,
    /// SHA-256 fingerprints of the signing certificates, lower-case hex.
    pub certificates: Vec<String>,
    /// The operating institution's name.
    pub operator: Option<String>,
}

impl LedgerRow {
    /// A row with only the required cells; everything else empty.
    pub fn new(name: impl Into<String>, form: AppForm) -> LedgerRow {
        LedgerRow {
            name: name.into(),
            form,
            department: None,
            responsible_person: None,
            package: None,
            aliases: Vec::new(),
            state: AppState::Proposed,
            purpose: None,
            functions: Vec::new(),
            user_segment: None,
            regions: Vec::new(),
            tech_owner: None,
            security_owner: None,
            data_owner: None,
            important_system: false,
            mlps_level: None,
            elderly_mode: false,
            minors_policy: None,
            privacy_policy_url: None,
            complaint_channel: None,
            third_party_operated: false,
            certificates: Vec::new(),
            operator: None,
        }
    }

    /// The cell text for `field` on export (before any CSV formula guard).
    pub fn cell(&self, field: Field, language: HeaderLanguage) -> String {
        let zh = language == HeaderLanguage::Chinese;
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let list = |v: &[String]| v.join("; ");
        let boolean = |b: bool| {
            match (b, zh) {
                (true, true) => "是",
                (false, true) => "否",
                (true, false) => "true",
                (false, false) => "false",
            }
            .to_string()
        };
        match field {
            Field::Name => self.name.clone(),
            Field::Form => if zh {
                self.form.label_zh()
            } else {
                self.form.as_str()
            }
            .into(),
            Field::Department => opt(&self.department),
            Field::ResponsiblePerson => opt(&self.responsible_person),
            Field::Package => opt(&self.package),
            Field::Aliases => list(&self.aliases),
            Field::State => if zh {
                self.state.label_zh()
            } else {
                self.state.as_str()
            }
            .into(),
            Field::Purpose => opt(&self.purpose),
            Field::Functions => list(&self.functions),
            Field::UserSegment => self
                .user_segment
                .map(|v| if zh { v.label_zh() } else { v.as_str() }.to_string())
                .unwrap_or_default(),
            Field::Regions => list(&self.regions),
            Field::TechOwner => opt(&self.tech_owner),
            Field::SecurityOwner => opt(&self.security_owner),
            Field::DataOwner => opt(&self.data_owner),
            Field::ImportantSystem => boolean(self.important_system),
            Field::MlpsLevel => self.mlps_level.map(|l| l.to_string()).unwrap_or_default(),
            Field::ElderlyMode => boolean(self.elderly_mode),
            Field::MinorsPolicy => self
                .minors_policy
                .map(|v| if zh { v.label_zh() } else { v.as_str() }.to_string())
                .unwrap_or_default(),
            Field::PrivacyPolicyUrl => opt(&self.privacy_policy_url),
            Field::ComplaintChannel => opt(&self.complaint_channel),
            Field::ThirdPartyOperated => boolean(self.third_party_operated),
            Field::Certificates => list(&self.certificates),
            Field::Operator => opt(&self.operator),
        }
    }

    /// The key two rows of one sheet must not share: form and package, or
    /// form and name when there is no package.
    pub(crate) fn identity_key(&self) -> (AppForm, bool, String) {
        match &self.package {
            Some(p) => (self.form, true, p.clone()),
            None => (self.form, false, self.name.clone()),
        }
    }
}

// Lengths as the domain bounds them (appgov-ledger's `bounded` calls for
// App, Person, OrgNode and AppIdentity; those helpers are private there).
const MAX_NAME: usize = 200;
const MAX_PERSON: usize = 100;
const MAX_ORG: usize = 200;
const MAX_TEXT: usize = 2000;
const MAX_LIST_ENTRY: usize = 200;
const MAX_IDENTIFIER: usize = 255;
const MAX_URL: usize = 2000;

/// Builds a row from its cells (already trimmed, formula guard removed;
/// `None` for an empty or absent cell). Every problem is collected, each as
/// `field: problem`.
pub(crate) fn parse_row(cell: &dyn Fn(Field) -> Option<String>) -> Result<LedgerRow, Vec<String>> {
    let mut p = Problems::default();

    let name = match cell(Field::Name) {
        Some(n) => {
            p.text_rules(Field::Name, &n, MAX_NAME);
            n
        }
        None => {
            p.add(Field::Name, "required".into());
            String::new()
        }
    };
    let form = match cell(Field::Form) {
        Some(v) => v
            .parse::<AppForm>()
            .map_err(|e| p.add(Field::Form, e.to_string()))
            .ok(),
        None => {
            p.add(
                Field::Form,
                format!("required (accepted: {})", AppForm::names()),
            );
            None
        }
    };
    let text = |p: &mut Problems, f: Field, max: usize| {
        let v = cell(f)?;
        p.text_rules(f, &v, max);
        Some(v)
    };
    let department = text(&mut p, Field::Department, MAX_ORG);
    let responsible_person = text(&mut p, Field::ResponsiblePerson, MAX_PERSON);
    let package = text(&mut p, Field::Package, MAX_IDENTIFIER);
    let purpose = text(&mut p, Field::Purpose, MAX_TEXT);
    let tech_owner = text(&mut p, Field::TechOwner, MAX_PERSON);
    let security_owner = text(&mut p, Field::SecurityOwner, MAX_PERSON);
    let data_owner = text(&mut p, Field::DataOwner, MAX_PERSON);
    let privacy_policy_url = text(&mut p, Field::PrivacyPolicyUrl, MAX_URL);
    let complaint_channel = text(&mut p, Field::ComplaintChannel, MAX_TEXT);
    let operator = text(&mut p, Field::Operator, MAX_ORG);

    let list = |p: &mut Problems, f: Field| -> Vec<String> {
        let items = cell(f).map(|v| split_list(&v)).unwrap_or_default();
        for i in &items {
            p.text_rules(f, i, MAX_LIST_ENTRY);
        }
        items
    };
    let aliases = list(&mut p, Field::Aliases);
    let functions = list(&mut p, Field::Functions);
    let regions = list(&mut p, Field::Regions);
    let raw_certificates = cell(Field::Certificates)
        .map(|v| split_list(&v))
        .unwrap_or_default();

    let state = match cell(Field::State) {
        None => AppState::Proposed,
        Some(v) => parse_state(&v).unwrap_or_else(|| {
            p.add(
                Field::State,
                format!(
                    "unknown AppState {v:?} (accepted: {})",
                    AppState::ALL.map(|s| s.as_str()).join(", ")
                ),
            );
            AppState::Proposed
        }),
    };
    let user_segment = cell(Field::UserSegment).and_then(|v| {
        v.parse::<UserSegment>()
            .map_err(|e| p.add(Field::UserSegment, e.to_string()))
            .ok()
    });
    let minors_policy = cell(Field::MinorsPolicy).and_then(|v| {
        v.parse::<MinorsPolicy>()
            .map_err(|e| p.add(Field::MinorsPolicy, e.to_string()))
            .ok()
    });
    let boolean = |p: &mut Problems, f: Field| match cell(f) {
        None => false,
        Some(v) => parse_bool(&v).unwrap_or_else(|| {
            p.add(
                f,
                format!("{v:?} is not a yes/no value (是/否, true/false, yes/no, 1/0, Y/N, √/×)"),
            );
            false
        }),
    };
    let important_system = boolean(&mut p, Field::ImportantSystem);
    let elderly_mode = boolean(&mut p, Field::ElderlyMode);
    let third_party_operated = boolean(&mut p, Field::ThirdPartyOperated);
    let mlps_level = cell(Field::MlpsLevel).and_then(|v| {
        parse_mlps(&v)
            .ok_or_else(|| {
                p.add(
                    Field::MlpsLevel,
                    format!("{v:?} is not an MLPS level 1–5 (3, 三级, 第三级)"),
                )
            })
            .ok()
    });

    // Fingerprints as keytool and apksigner print them (upper case, colons)
    // are normalised to the domain's lower-case hex.
    let mut certificates = Vec::new();
    for raw in &raw_certificates {
        let norm: String = raw
            .chars()
            .filter(|c| !matches!(c, ':' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        let hex = norm.bytes().all(|b| b.is_ascii_hexdigit());
        let why = match (hex, norm.len()) {
            (true, 64) => {
                certificates.push(norm);
                continue;
            }
            (true, 40) => {
                "looks like a SHA-1 fingerprint; the ledger keeps SHA-256 (64 hex digits)"
            }
            (true, 32) => "looks like an MD5 fingerprint; the ledger keeps SHA-256 (64 hex digits)",
            _ => "is not a SHA-256 fingerprint (64 hex digits)",
        };
        p.add(Field::Certificates, format!("{raw:?} {why}"));
    }

    if let (Some(form), Some(pkg)) = (form, &package) {
        package_rules(&mut p, form, pkg);
    }

    if let Some(u) = &privacy_policy_url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        p.add(
            Field::PrivacyPolicyUrl,
            format!("must be an http(s) URL, got {u:?}"),
        );
    }

    let (Some(form), true) = (form, p.0.is_empty()) else {
        return Err(p.0);
    };
    let row = LedgerRow {
        name,
        form,
        department,
        responsible_person,
        package,
        aliases,
        state,
        purpose,
        functions,
        user_segment,
        regions,
        tech_owner,
        security_owner,
        data_owner,
        important_system,
        mlps_level,
        elderly_mode,
        minors_policy,
        privacy_policy_url,
        complaint_channel,
        third_party_operated,
        certificates,
        operator,
    };
    // The domain's own rules have the last word: anything they refuse that
    // the checks above let through is reported too (it means the two drifted).
    let domain = domain_problems(&row);
    if domain.is_empty() {
        Ok(row)
    } else {
        Err(domain.into_iter().map(|m| format!("row: {m}")).collect())
    }
}

/// A row's problems, each `field: problem`.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, f: Field, msg: String) {
        self.0.push(format!("{f}: {msg}"));
    }

    fn text_rules(&mut self, f: Field, v: &str, max: usize) {
        let n = v.chars().count();
        if n > max {
            self.add(f, format!("longer than {max} characters ({n})"));
        }
        if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            self.add(f, "contains control characters".into());
        }
    }
}

/// The records a row names by *name*, as ids the store resolved.
#[derive(Debug, Clone, Default)]
pub struct RowRefs {
    pub operator_id: Option<String>,
    pub department_id: Option<String>,
    pub responsible_person_id: Option<String>,
    pub tech_owner_id: Option<String>,
    pub security_owner_id: Option<String>,
    pub data_owner_id: Option<String>,
}

impl LedgerRow {
    /// The app this row becomes (id and version are the store's).
    pub fn to_app(&self, refs: RowRefs) -> App {
        App {
            id: String::new(),
            name: self.name.clone(),
            aliases: self.aliases.clone(),
            form: self.form,
            operator_id: refs.operator_id,
            purpose: self.purpose.clone(),
            functions: self.functions.clone(),
            user_segment: self.user_segment,
            regions: self.regions.clone(),
            department_id: refs.department_id,
            responsible_person_id: refs.responsible_person_id,
            tech_owner_id: refs.tech_owner_id,
            security_owner_id: refs.security_owner_id,
            data_owner_id: refs.data_owner_id,
            state: self.state,
            important_system: self.important_system,
            mlps_level: self.mlps_level,
            elderly_mode: self.elderly_mode,
            minors_policy: self.minors_policy,
            privacy_policy_url: self.privacy_policy_url.clone(),
            complaint_channel: self.complaint_channel.clone(),
            third_party_operated: self.third_party_operated,
            merged_into: None,
            version: 0,
        }
    }

    /// The row of an app on export: `org` and `person` name the records
    /// the app refers to by id; the identity gives the package and
    /// certificates (the app's first, when it has several).
    pub fn from_app(
        app: &App,
        identity: Option<&AppIdentity>,
        org: impl Fn(&str) -> Option<String>,
        person: impl Fn(&str) -> Option<String>,
    ) -> LedgerRow {
        let o = |id: &Option<String>| id.as_deref().and_then(&org);
        let p = |id: &Option<String>| id.as_deref().and_then(&person);
        LedgerRow {
            name: app.name.clone(),
            form: app.form,
            department: o(&app.department_id),
            responsible_person: p(&app.responsible_person_id),
            package: identity.map(|i| i.identifier.clone()),
            aliases: app.aliases.clone(),
            state: app.state,
            purpose: app.purpose.clone(),
            functions: app.functions.clone(),
            user_segment: app.user_segment,
            regions: app.regions.clone(),
            tech_owner: p(&app.tech_owner_id),
            security_owner: p(&app.security_owner_id),
            data_owner: p(&app.data_owner_id),
            important_system: app.important_system,
            mlps_level: app.mlps_level,
            elderly_mode: app.elderly_mode,
            minors_policy: app.minors_policy,
            privacy_policy_url: app.privacy_policy_url.clone(),
            complaint_channel: app.complaint_channel.clone(),
            third_party_operated: app.third_party_operated,
            certificates: identity
                .map(|i| i.certificates.iter().map(|c| c.sha256.clone()).collect())
                .unwrap_or_default(),
            operator: o(&app.operator_id),
        }
    }

    /// The identity this row records (a package, and the certificates it
    /// may be signed with), for the app `app_id`.
    pub fn to_identity(&self, app_id: &str) -> Option<AppIdentity> {
        let package = self.package.clone()?;
        Some(AppIdentity {
            id: String::new(),
            app_id: app_id.to_string(),
            platform: self.form.platform(),
            identifier: package,
            developer_id: None,
            certificates: self
                .certificates
                .iter()
                .map(|c| KnownCertificate {
                    sha256: c.clone(),
                    subject: None,
                    not_after: None,
                })
                .collect(),
            key_custodian: None,
            version: 0,
        })
    }
}

/// What `App` and `AppIdentity` say about the record this row becomes.
pub(crate) fn domain_problems(row: &LedgerRow) -> Vec<String> {
    use appgov_ledger::Entity;
    let mut app = row.to_app(RowRefs::default());
    app.id = "sheet".into();
    let mut p = app.problems();
    if row.package.is_some() || !row.certificates.is_empty() {
        // An identity needs an identifier; certificates without a package
        // are still checked.
        let mut probe = row.clone();
        probe.package.get_or_insert_with(|| "x.y".into());
        if let Some(identity) = probe.to_identity("sheet") {
            p.extend(identity.problems());
        }
    }
    p
}

fn package_rules(p: &mut Problems, form: AppForm, pkg: &str) {
    if pkg.chars().any(char::is_whitespace) {
        p.add(Field::Package, format!("{pkg:?} contains spaces"));
        return;
    }
    match form.platform() {
        Platform::Android if !valid_android_package(pkg) => p.add(
            Field::Package,
            format!(
                "{pkg:?} is not an Android package name (letters, digits and _ in at least two dot-separated parts, each starting with a letter)"
            ),
        ),
        // Apple: a Bundle ID is letters, digits, hyphens and periods
        // (CFBundleIdentifier in Apple's Information Property List reference).
        Platform::Ios
            if !pkg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') =>
        {
            p.add(
                Field::Package,
                format!("{pkg:?} is not a Bundle ID (letters, digits, hyphens and periods)"),
            )
        }
        _ => {}
    }
}

/// Splits a list cell on `;`, `；`, `、` or a line break; entries trimmed,
/// empty ones dropped.
pub(crate) fn split_list(v: &str) -> Vec<String> {
    v.split([';', '；', '、', '\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The machine name or the Chinese label.
fn parse_state(v: &str) -> Option<AppState> {
    let key: String = v
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .map(|c| if c == '-' || c == ' ' { '_' } else { c })
        .collect();
    AppState::ALL
        .into_iter()
        .find(|s| s.as_str() == key || s.label_zh() == key || s.as_str().replace('_', "") == key)
}

/// 是/否, true/false, yes/no, 1/0, Y/N, √/×, 有/无.
pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "是" | "true" | "yes" | "y" | "1" | "√" | "✓" | "✔" | "有" | "t" => Some(true),
        "否" | "false" | "no" | "n" | "0" | "×" | "✗" | "✘" | "x" | "无" | "f" => {
            Some(false)
        }
        _ => None,
    }
}

/// `3`, `3级`, `三级`, `第三级`, `等保三级`, `L3`, `level 3`.
fn parse_mlps(v: &str) -> Option<u8> {
    let mut s: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    s = s.to_lowercase();
    for prefix in ["等保", "第", "level", "l"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_string();
        }
    }
    let s = s.strip_suffix('级').unwrap_or(&s);
    let n = match s {
        "一" => 1,
        "二" => 2,
        "三" => 3,
        "四" => 4,
        "五" => 5,
        _ => s.parse::<u8>().ok()?,
    };
    (1..=5).contains(&n).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_and_levels() {
        for t in ["是", "TRUE", "yes", "Y", "1", "√"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["否", "false", "No", "n", "0", "×"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool("maybe"), None);
        assert_eq!(parse_mlps("3"), Some(3));
        assert_eq!(parse_mlps("第三级"), Some(3));
        assert_eq!(parse_mlps("等保二级"), Some(2));
        assert_eq!(parse_mlps("L4"), Some(4));
        assert_eq!(parse_mlps("6"), None);
        assert_eq!(parse_mlps("0"), None);
        assert_eq!(parse_mlps("三"), Some(3));
    }

    #[test]
    fn states_by_machine_name_and_label() {
        assert_eq!(parse_state("in_development"), Some(AppState::InDevelopment));
        assert_eq!(parse_state("In-Development"), Some(AppState::InDevelopment));
        assert_eq!(parse_state("已上线"), Some(AppState::Live));
        assert_eq!(parse_state("online"), None);
    }

    #[test]
    fn lists_split_on_every_separator() {
        assert_eq!(
            split_list("北京；上海、广州; 深圳\n杭州;;"),
            ["北京", "上海", "广州", "深圳", "杭州"]
        );
    }
}
