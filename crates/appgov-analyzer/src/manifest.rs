//! AndroidManifest.xml → identity, permissions, components and application
//! flags, interpreted by Android's rules (defaults that depend on the target
//! SDK, attributes matched by resource ID, references resolved through the
//! resource table).

use appgov_axml::{LocalePref, ResValue, ResourceTable, Value, XmlAttribute, XmlElement};
use appgov_facts::{
    ApplicationFlags, Component, DeclaredPermission, DeepLink, IntentData, IntentFilter, MetaData,
    PackageVisibility, UsesFeature, UsesLibrary, UsesPermission,
};

/// Android's default `minSdkVersion` when the manifest declares none.
const DEFAULT_MIN_SDK: u32 = 1;
/// API 17: providers stop being exported by default.
const JELLY_BEAN_MR1: u32 = 17;
/// API 28: cleartext traffic stops being permitted by default.
const PIE: u32 = 28;
/// API 31: components with intent filters must say `android:exported`.
const S: u32 = 31;
/// Cap on URLs one intent filter can expand to (schemes × hosts × paths).
const MAX_LINKS_PER_FILTER: usize = 64;

/// Reads attribute values, following `@` references into the resource table.
pub struct Resolver<'a> {
    pub table: Option<&'a ResourceTable>,
}

impl Resolver<'_> {
    pub fn string(&self, attr: &XmlAttribute) -> Option<String> {
        match (&attr.value, self.table) {
            (Value::Reference(id), Some(table)) => table
                .resolve_string(*id, &LocalePref::default_locale())
                .or_else(|| table.resolve_string(*id, &LocalePref::from_tag("en"))),
            (Value::Reference(_), None) => Some(attr.string_value()),
            (Value::Null | Value::Empty, _) => None,
            _ => Some(attr.string_value()),
        }
    }

    fn typed(&self, attr: &XmlAttribute) -> Option<Value> {
        match (&attr.value, self.table) {
            (Value::Reference(id), Some(table)) => {
                match table.resolve(*id, &LocalePref::default_locale())? {
                    ResValue::Item { value } => Some(value),
                    ResValue::Bag { .. } => None,
                }
            }
            (v, _) => Some(v.clone()),
        }
    }

    pub fn boolean(&self, attr: &XmlAttribute) -> Option<bool> {
        self.typed(attr)?.as_bool()
    }

    pub fn int(&self, attr: &XmlAttribute) -> Option<i64> {
        self.typed(attr)?.as_i64()
    }

    /// `@type/name` for a reference, else the value as text.
    pub fn reference_name(&self, attr: &XmlAttribute) -> Option<String> {
        match (&attr.value, self.table) {
            (Value::Reference(id), Some(table)) => Some(
                table
                    .entry_name(*id)
                    .map_or_else(|| format!("@0x{id:08x}"), |n| format!("@{n}")),
            ),
            (Value::Null | Value::Empty, _) => None,
            _ => Some(attr.string_value()),
        }
    }

    fn attr_str(&self, el: &XmlElement, name: &str) -> Option<String> {
        el.android_attr(name).and_then(|a| self.string(a))
    }

    fn attr_bool(&self, el: &XmlElement, name: &str) -> Option<bool> {
        el.android_attr(name).and_then(|a| self.boolean(a))
    }

    fn attr_int(&self, el: &XmlElement, name: &str) -> Option<i64> {
        el.android_attr(name).and_then(|a| self.int(a))
    }
}

/// What the manifest says, before it is merged into the facts.
#[derive(Default)]
pub struct ManifestFacts {
    pub package: Option<String>,
    pub version_code: Option<u64>,
    pub version_name: Option<String>,
    pub min_sdk: u32,
    pub target_sdk: u32,
    pub max_sdk: Option<u32>,
    pub compile_sdk: Option<u32>,
    pub split: Option<String>,
    pub shared_user_id: Option<String>,
    pub install_location: Option<String>,
    pub label_attr: Option<XmlAttribute>,
    pub icon_attr: Option<XmlAttribute>,
    pub nsc_attr: Option<XmlAttribute>,
    pub permissions: Vec<String>,
    pub uses_permissions: Vec<UsesPermission>,
    pub declared_permissions: Vec<DeclaredPermission>,
    pub application: ApplicationFlags,
    pub components: Vec<Component>,
    pub deep_links: Vec<DeepLink>,
    pub meta_data: Vec<MetaData>,
    pub queries: PackageVisibility,
    pub uses_features: Vec<UsesFeature>,
    pub uses_libraries: Vec<UsesLibrary>,
    /// `(kind, detail)` of manifest-level oddities found while interpreting.
    pub anomalies: Vec<(&'static str, String)>,
}

pub fn interpret(root: &XmlElement, res: &Resolver) -> ManifestFacts {
    let mut m = ManifestFacts {
        package: root
            .attr(None, "package")
            .map(XmlAttribute::string_value)
            .filter(|p| !p.is_empty()),
        version_name: res.attr_str(root, "versionName"),
        compile_sdk: res
            .attr_int(root, "compileSdkVersion")
            .and_then(|v| u32::try_from(v).ok()),
        split: root
            .attr(None, "split")
            .map(XmlAttribute::string_value)
            .filter(|s| !s.is_empty()),
        shared_user_id: res.attr_str(root, "sharedUserId"),
        install_location: root
            .android_attr("installLocation")
            .and_then(|a| res.int(a))
            .map(|v| {
                match v {
                    0 => "auto",
                    1 => "internalOnly",
                    2 => "preferExternal",
                    _ => "unknown",
                }
                .to_string()
            }),
        ..ManifestFacts::default()
    };
    if root.name != "manifest" {
        m.anomalies.push((
            "manifest_root_not_manifest",
            format!("root element is <{}>", root.name),
        ));
    }
    let code = res.attr_int(root, "versionCode");
    let major = res.attr_int(root, "versionCodeMajor").unwrap_or(0);
    m.version_code = code.map(|c| ((major as u64 & 0xffff_ffff) << 32) | (c as u64 & 0xffff_ffff));

    // SDK levels: the first <uses-sdk> wins, as in PackageParser.
    let uses_sdk = root.child("uses-sdk");
    let sdk = |name: &str| -> Option<u32> {
        let attr = uses_sdk?.android_attr(name)?;
        // Codenames (`"Tiramisu"`) are pre-release SDKs; they count as the next level, unknown here.
        res.int(attr).and_then(|v| u32::try_from(v).ok())
    };
    m.min_sdk = sdk("minSdkVersion").unwrap_or(DEFAULT_MIN_SDK);
    m.target_sdk = sdk("targetSdkVersion").unwrap_or(m.min_sdk);
    m.max_sdk = sdk("maxSdkVersion");

    for el in &root.children {
        match el.name.as_str() {
            "uses-permission" | "uses-permission-sdk-23" | "uses-permission-sdk-m" => {
                let Some(name) = res.attr_str(el, "name").filter(|n| !n.is_empty()) else {
                    continue;
                };
                if !m.permissions.contains(&name) {
                    m.permissions.push(name.clone());
                }
                m.uses_permissions.push(UsesPermission {
                    name,
                    max_sdk: res
                        .attr_int(el, "maxSdkVersion")
                        .and_then(|v| u32::try_from(v).ok()),
                    sdk23: el.name != "uses-permission",
                    flags: el
                        .android_attr("usesPermissionFlags")
                        .map(XmlAttribute::string_value),
                });
            }
            "permission" => {
                let Some(name) = res.attr_str(el, "name") else {
                    continue;
                };
                m.declared_permissions.push(DeclaredPermission {
                    name,
                    protection_level: protection_level(res.attr_int(el, "protectionLevel")),
                    group: res.attr_str(el, "permissionGroup"),
                });
            }
            "uses-feature" => m.uses_features.push(UsesFeature {
                name: res.attr_str(el, "name"),
                required: res.attr_bool(el, "required").unwrap_or(true),
                gl_es_version: res
                    .attr_int(el, "glEsVersion")
                    .map(|v| format!("{}.{}", v >> 16, v & 0xffff)),
            }),
            "queries" => read_queries(el, res, &mut m.queries),
            _ => {}
        }
    }
    m.queries.query_all_packages = m
        .permissions
        .iter()
        .any(|p| p == "android.permission.QUERY_ALL_PACKAGES");

    let applications: Vec<&XmlElement> = root.children_named("application").collect();
    if applications.len() > 1 {
        m.anomalies.push((
            "multiple_application_elements",
            format!(
                "{} <application> elements; Android uses the first",
                applications.len()
            ),
        ));
    }
    if let Some(app) = applications.first() {
        read_application(app, res, &mut m);
    } else {
        m.application.allow_backup = true;
        m.application.has_code = true;
        m.application.cleartext_permitted_by_default = m.target_sdk < PIE;
    }
    m
}

fn read_application(app: &XmlElement, res: &Resolver, m: &mut ManifestFacts) {
    let package = m.package.clone().unwrap_or_default();
    m.label_attr = app.android_attr("label").cloned();
    m.icon_attr = app.android_attr("icon").cloned();
    m.nsc_attr = app.android_attr("networkSecurityConfig").cloned();
    let uses_cleartext = res.attr_bool(app, "usesCleartextTraffic");
    let app_permission = res.attr_str(app, "permission");
    m.application = ApplicationFlags {
        class_name: res.attr_str(app, "name").map(|n| qualify(&package, &n)),
        debuggable: res.attr_bool(app, "debuggable").unwrap_or(false),
        allow_backup: res.attr_bool(app, "allowBackup").unwrap_or(true),
        full_backup_content: app
            .android_attr("fullBackupContent")
            .and_then(|a| res.reference_name(a)),
        data_extraction_rules: app
            .android_attr("dataExtractionRules")
            .and_then(|a| res.reference_name(a)),
        uses_cleartext_traffic: uses_cleartext,
        cleartext_permitted_by_default: uses_cleartext.unwrap_or(m.target_sdk < PIE),
        network_security_config: m.nsc_attr.as_ref().and_then(|a| res.reference_name(a)),
        test_only: res.attr_bool(app, "testOnly").unwrap_or(false),
        request_legacy_external_storage: res
            .attr_bool(app, "requestLegacyExternalStorage")
            .unwrap_or(false),
        extract_native_libs: res.attr_bool(app, "extractNativeLibs"),
        has_code: res.attr_bool(app, "hasCode").unwrap_or(true),
        app_component_factory: res
            .attr_str(app, "appComponentFactory")
            .map(|n| qualify(&package, &n)),
        target_sandbox_version: res
            .attr_int(app, "targetSandboxVersion")
            .and_then(|v| u32::try_from(v).ok()),
        process: res.attr_str(app, "process"),
        task_affinity: res.attr_str(app, "taskAffinity"),
    };

    for el in &app.children {
        let kind = el.name.as_str();
        match kind {
            "activity" | "activity-alias" | "service" | "receiver" | "provider" => {
                let component = read_component(el, res, &package, app_permission.as_deref(), m);
                collect_meta_data(el, res, &component.name, &mut m.meta_data);
                m.components.push(component);
            }
            "meta-data" => {
                if let Some(md) = meta_data(el, res, "application") {
                    m.meta_data.push(md);
                }
            }
            "uses-library" | "uses-native-library" => {
                if let Some(name) = res.attr_str(el, "name") {
                    m.uses_libraries.push(UsesLibrary {
                        name,
                        required: res.attr_bool(el, "required").unwrap_or(true),
                    });
                }
            }
            _ => {}
        }
    }
}

fn read_component(
    el: &XmlElement,
    res: &Resolver,
    package: &str,
    app_permission: Option<&str>,
    m: &mut ManifestFacts,
) -> Component {
    let kind = el.name.as_str();
    let name = res
        .attr_str(el, "name")
        .map(|n| qualify(package, &n))
        .unwrap_or_default();
    let intent_filters: Vec<IntentFilter> = el
        .children_named("intent-filter")
        .map(|f| read_intent_filter(f, res))
        .collect();
    let exported_attribute = res.attr_bool(el, "exported");
    let exported = match exported_attribute {
        Some(v) => v,
        None if kind == "provider" => m.target_sdk < JELLY_BEAN_MR1,
        None => !intent_filters.is_empty(),
    };
    if exported_attribute.is_none() && !intent_filters.is_empty() && m.target_sdk >= S {
        m.anomalies.push((
            "exported_not_declared",
            format!(
                "{kind} {name} has intent filters but no android:exported; Android 12+ refuses to install apps targeting API {} like this",
                m.target_sdk
            ),
        ));
    }
    let launcher = matches!(kind, "activity" | "activity-alias")
        && intent_filters.iter().any(|f| {
            f.actions.iter().any(|a| a == "android.intent.action.MAIN")
                && f.categories
                    .iter()
                    .any(|c| c == "android.intent.category.LAUNCHER")
        });
    for filter in &intent_filters {
        deep_links(&name, filter, &mut m.deep_links);
    }
    Component {
        kind: kind.to_string(),
        exported,
        exported_attribute,
        enabled: res.attr_bool(el, "enabled").unwrap_or(true),
        permission: res
            .attr_str(el, "permission")
            .or_else(|| app_permission.map(str::to_string)),
        read_permission: res.attr_str(el, "readPermission"),
        write_permission: res.attr_str(el, "writePermission"),
        authorities: res
            .attr_str(el, "authorities")
            .map(|a| {
                a.split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        grant_uri_permissions: res.attr_bool(el, "grantUriPermissions").unwrap_or(false),
        target_activity: res
            .attr_str(el, "targetActivity")
            .map(|n| qualify(package, &n)),
        process: res.attr_str(el, "process"),
        launcher,
        intent_filters,
        name,
    }
}

fn read_intent_filter(el: &XmlElement, res: &Resolver) -> IntentFilter {
    let names = |tag: &str| -> Vec<String> {
        el.children_named(tag)
            .filter_map(|c| res.attr_str(c, "name"))
            .collect()
    };
    IntentFilter {
        actions: names("action"),
        categories: names("category"),
        data: el
            .children_named("data")
            .map(|d| IntentData {
                scheme: res.attr_str(d, "scheme"),
                host: res.attr_str(d, "host"),
                port: res.attr_str(d, "port"),
                path: res.attr_str(d, "path"),
                path_prefix: res.attr_str(d, "pathPrefix"),
                path_pattern: res.attr_str(d, "pathPattern"),
                mime_type: res.attr_str(d, "mimeType"),
            })
            .collect(),
        auto_verify: res.attr_bool(el, "autoVerify").unwrap_or(false),
        priority: res.attr_int(el, "priority"),
    }
}

/// URLs a BROWSABLE filter claims. `<data>` elements of one filter combine
/// (every scheme with every host with every path), as Android matches them.
fn deep_links(component: &str, f: &IntentFilter, out: &mut Vec<DeepLink>) {
    if !f
        .categories
        .iter()
        .any(|c| c == "android.intent.category.BROWSABLE")
    {
        return;
    }
    let schemes: Vec<&str> = f.data.iter().filter_map(|d| d.scheme.as_deref()).collect();
    let hosts: Vec<String> = f
        .data
        .iter()
        .filter_map(|d| {
            d.host.as_deref().map(|h| match &d.port {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .collect();
    let paths: Vec<String> = f
        .data
        .iter()
        .flat_map(|d| {
            [
                d.path.clone(),
                d.path_prefix.as_ref().map(|p| format!("{p}*")),
                d.path_pattern.clone(),
            ]
        })
        .flatten()
        .collect();
    let hosts = if hosts.is_empty() {
        vec![String::new()]
    } else {
        hosts
    };
    let paths = if paths.is_empty() {
        vec![String::new()]
    } else {
        paths
    };
    let mut n = 0;
    for scheme in &schemes {
        for host in &hosts {
            for path in &paths {
                if n >= MAX_LINKS_PER_FILTER {
                    return;
                }
                n += 1;
                let url = if host.is_empty() {
                    format!("{scheme}:{path}")
                } else {
                    format!("{scheme}://{host}{path}")
                };
                out.push(DeepLink {
                    component: component.to_string(),
                    verified_link: f.auto_verify && matches!(*scheme, "http" | "https"),
                    url,
                });
            }
        }
    }
}

fn collect_meta_data(el: &XmlElement, res: &Resolver, scope: &str, out: &mut Vec<MetaData>) {
    out.extend(
        el.children_named("meta-data")
            .filter_map(|md| meta_data(md, res, scope)),
    );
}

fn meta_data(el: &XmlElement, res: &Resolver, scope: &str) -> Option<MetaData> {
    let name = res.attr_str(el, "name")?;
    Some(MetaData {
        scope: scope.to_string(),
        name,
        value: el.android_attr("value").and_then(|a| res.string(a)),
        resource: el
            .android_attr("resource")
            .and_then(|a| res.reference_name(a)),
    })
}

fn read_queries(el: &XmlElement, res: &Resolver, q: &mut PackageVisibility) {
    for c in &el.children {
        match c.name.as_str() {
            "package" => q.packages.extend(res.attr_str(c, "name")),
            "provider" => q.providers.extend(res.attr_str(c, "authorities")),
            "intent" => {
                let f = read_intent_filter(c, res);
                let mut parts = f.actions;
                parts.extend(f.data.iter().filter_map(|d| {
                    d.scheme
                        .clone()
                        .map(|s| format!("{s}:"))
                        .or_else(|| d.mime_type.clone())
                }));
                q.intents.push(parts.join(" "));
            }
            _ => {}
        }
    }
}

/// Class names in the manifest may be relative to the package (`.Main`, `Main`).
pub fn qualify(package: &str, name: &str) -> String {
    if let Some(rest) = name.strip_prefix('.') {
        format!("{package}.{rest}")
    } else if !name.contains('.') && !package.is_empty() {
        format!("{package}.{name}")
    } else {
        name.to_string()
    }
}

/// `protectionLevel` flags as Android names them (`signature|privileged`).
fn protection_level(value: Option<i64>) -> String {
    let v = value.unwrap_or(0);
    let base = match v & 0xf {
        0 => "normal",
        1 => "dangerous",
        2 => "signature",
        3 => "signatureOrSystem",
        4 => "internal",
        _ => "unknown",
    };
    let flags: &[(i64, &str)] = &[
        (0x10, "privileged"),
        (0x20, "development"),
        (0x40, "appop"),
        (0x80, "pre23"),
        (0x100, "installer"),
        (0x200, "verifier"),
        (0x400, "preinstalled"),
        (0x800, "setup"),
        (0x1000, "instant"),
        (0x2000, "runtime"),
        (0x4000, "oem"),
        (0x8000, "vendorPrivileged"),
        (0x10000, "textClassifier"),
    ];
    let mut out = base.to_string();
    for (bit, name) in flags {
        if v & bit != 0 {
            out.push('|');
            out.push_str(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_class_names() {
        assert_eq!(qualify("com.a", ".Main"), "com.a.Main");
        assert_eq!(qualify("com.a", "Main"), "com.a.Main");
        assert_eq!(qualify("com.a", "org.b.Main"), "org.b.Main");
    }

    #[test]
    fn protection_levels() {
        assert_eq!(protection_level(None), "normal");
        assert_eq!(protection_level(Some(0x12)), "signature|privileged");
        assert_eq!(protection_level(Some(1)), "dangerous");
    }
}
