//! The facts model: everything appgov knows about one package.
//!
//! Facts are what the analyser *observed*, never judgements: findings (with
//! severities and notice articles) are derived from facts by the check
//! catalog. The JSON form is a public interface — CI pipelines, the ledger and
//! other tools read it — so it is versioned by [`SCHEMA`] and documented in
//! `docs/FACTS.md`. Adding an optional field is a compatible change; renaming
//! or removing one bumps the schema.
//!
//! The model has a platform-neutral core (identity, signing identity,
//! permissions, endpoints, native code, anomalies) with platform-specific
//! parts beside it (`android`, `dex`), so later package kinds (IPA, HAP,
//! mini programs) fill the same core.

use serde::{Deserialize, Serialize};

/// Identifies this version of the facts JSON.
pub const SCHEMA: &str = "appgov.facts/1";

/// All facts about one package file (or one split set).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Facts {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// `android` for APK/AAB/split sets.
    pub platform: String,
    pub input: InputInfo,
    /// Which groups of facts were gathered: `manifest`, `signing`,
    /// `signature_digests` (signatures verified, not only read), `code`,
    /// `native`, `assets`, `endpoints`. Empty lists mean "not looked at"
    /// only for groups missing here.
    pub analysed: Vec<String>,
    /// Application ID as Android would install it (`null` when unreadable).
    pub package: Option<String>,
    /// `versionCode` combined with `versionCodeMajor` (major << 32 | code).
    pub version_code: Option<u64>,
    pub version_name: Option<String>,
    pub min_sdk: Option<u32>,
    pub target_sdk: Option<u32>,
    pub max_sdk: Option<u32>,
    pub compile_sdk: Option<u32>,
    /// App label in the default configuration.
    pub label: Option<String>,
    /// Label per locale where the package localises it (zh-CN first).
    pub labels: Vec<LocalizedText>,
    pub icon: Option<IconInfo>,
    /// Names of requested permissions (`uses-permission`, `uses-permission-sdk-23`), in manifest order, deduplicated.
    pub permissions: Vec<String>,
    pub signing: SigningFacts,
    pub android: AndroidFacts,
    pub dex: DexFacts,
    pub native_libs: Vec<NativeLib>,
    /// ABIs with native code (`lib/<abi>/`).
    pub abis: Vec<String>,
    pub endpoints: Endpoints,
    /// Environment-detection markers (root, emulator, debugger, hook) found
    /// in code, by marker; gathered when `analysed` has `environment_probes`.
    #[serde(default)]
    pub environment_probes: Vec<EnvironmentProbe>,
    /// Credentials written into the package, redacted; gathered when
    /// `analysed` has `secrets`.
    #[serde(default)]
    pub secrets: Vec<SecretFound>,
    pub assets: Vec<AssetInfo>,
    pub nested: Vec<NestedPackage>,
    /// Members of a split set (.apks/.xapk) or modules of an App Bundle.
    pub splits: Vec<SplitInfo>,
    pub archive: ArchiveFacts,
    /// Every oddity found by any reader, tagged with where it was found.
    pub anomalies: Vec<Anomaly>,
    /// Why no facts could be produced; `null` when facts were produced.
    pub error: Option<String>,
    /// Results of the live link check (`appgov scan --check-links`), one per
    /// URL or bare domain checked, sorted by `url`. Omitted when no check ran
    /// (then `analysed` has no `links`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link_checks: Vec<LinkCheck>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InputInfo {
    /// File name as given (no directories, so reports don't leak paths).
    pub file_name: String,
    pub size: u64,
    pub sha256: String,
    pub sha1: String,
    pub md5: String,
    /// `apk`, `aab`, `apks`, `xapk`, or `unknown`.
    pub kind: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedText {
    /// BCP-47-like locale (`zh-CN`, `en`, …); empty for the default.
    pub locale: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IconInfo {
    /// Resource reference, e.g. `@mipmap/ic_launcher`.
    pub resource: Option<String>,
    /// Archive path of the chosen icon file (highest density bitmap, else adaptive XML).
    pub path: Option<String>,
    pub sha256: Option<String>,
}

/// Signing identity and verification, per scheme.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SigningFacts {
    /// Schemes present in the package (`v1`, `v2`, `v3`, `v3.1`, `source_stamp`).
    pub schemes: Vec<SchemeFacts>,
    /// Whether Android would accept the signature for the app's SDK range.
    pub verified: bool,
    /// Why not, when `verified` is false.
    pub verdict: String,
    /// Signer certificates (deduplicated), first the one Android installs with.
    pub certificates: Vec<CertificateFacts>,
    /// Key-rotation lineage (v3/v3.1), oldest first, as certificate SHA-256s.
    pub lineage: Vec<LineageNode>,
    /// IDs and sizes of blocks in the APK Signing Block.
    pub block_entries: Vec<SigningBlockEntry>,
    /// Chinese channel markers (VasDolly, Walle, Packer-NG, …).
    pub channels: Vec<ChannelFacts>,
    /// Distributor's source stamp (Google Play / bundletool provenance).
    #[serde(default)]
    pub source_stamp: Option<SourceStampFacts>,
}

/// A source stamp: the distributor's signature over the app's signatures.
/// Android installs a package whose stamp fails, so it never changes
/// `verified` of the package; it matters for provenance.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SourceStampFacts {
    /// Stamp block format (1 or 2); absent when only `stamp-cert-sha256` exists.
    pub version: Option<u8>,
    pub certificate_sha256: Option<String>,
    /// apksigner's "Verified for SourceStamp"; absent when not checked.
    pub verified: Option<bool>,
    /// Schemes the stamp signs: `v1`, `v2`, `v3`.
    pub schemes_signed: Vec<String>,
    /// Stamp time, seconds since the Unix epoch.
    pub timestamp_unix: Option<i64>,
    /// Stamp key rotation, oldest first.
    pub lineage: Vec<LineageNode>,
    pub errors: Vec<String>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SchemeFacts {
    /// `v1`, `v2`, `v3`, `v3.1`, `source_stamp`.
    pub scheme: String,
    pub verified: bool,
    pub signers: u32,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// Signature algorithms of the scheme's signers, distinct, in signer
    /// order: `SHA1withRSA` (v1, digest and key of the PKCS#7 signer),
    /// `RSASSA-PKCS1-v1_5-SHA256`, `ECDSA-SHA256`, `DSA-SHA256` (v2+).
    #[serde(default)]
    pub algorithms: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CertificateFacts {
    pub sha256: String,
    pub sha1: String,
    pub md5: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub key_algorithm: String,
    pub key_size: Option<u32>,
    pub signature_algorithm: String,
    pub self_signed: bool,
    /// The well-known Android debug certificate (`CN=Android Debug`).
    pub debug: bool,
    /// Schemes in which this certificate signs.
    pub schemes: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LineageNode {
    pub certificate_sha256: String,
    pub flags: u32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SigningBlockEntry {
    pub id: String,
    pub name: String,
    pub size: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChannelFacts {
    /// `vasdolly`, `walle`, `packer_ng`, …
    pub kind: String,
    pub channel: Option<String>,
    pub extra: Vec<(String, String)>,
}

/// Android-specific manifest facts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AndroidFacts {
    pub application: ApplicationFlags,
    pub uses_permissions: Vec<UsesPermission>,
    pub declared_permissions: Vec<DeclaredPermission>,
    pub components: Vec<Component>,
    pub deep_links: Vec<DeepLink>,
    pub network_security: Option<NetworkSecurityConfig>,
    pub meta_data: Vec<MetaData>,
    pub queries: PackageVisibility,
    pub uses_features: Vec<UsesFeature>,
    pub uses_libraries: Vec<UsesLibrary>,
    pub shared_user_id: Option<String>,
    pub install_location: Option<String>,
    pub split_name: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApplicationFlags {
    /// `android:name` of the Application class, fully qualified.
    pub class_name: Option<String>,
    pub debuggable: bool,
    /// `allowBackup` as Android applies it (defaults to true).
    pub allow_backup: bool,
    pub full_backup_content: Option<String>,
    pub data_extraction_rules: Option<String>,
    /// Explicit `usesCleartextTraffic`, if set.
    pub uses_cleartext_traffic: Option<bool>,
    /// Whether cleartext is permitted by default, after the target-SDK default
    /// (true below API 28) and any network security config base setting.
    pub cleartext_permitted_by_default: bool,
    /// Resource path of the network security config, if any.
    pub network_security_config: Option<String>,
    pub test_only: bool,
    pub request_legacy_external_storage: bool,
    pub extract_native_libs: Option<bool>,
    pub has_code: bool,
    pub app_component_factory: Option<String>,
    pub target_sandbox_version: Option<u32>,
    pub process: Option<String>,
    pub task_affinity: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UsesPermission {
    pub name: String,
    pub max_sdk: Option<u32>,
    /// From `uses-permission-sdk-23`.
    pub sdk23: bool,
    pub flags: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeclaredPermission {
    pub name: String,
    pub protection_level: String,
    pub group: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Component {
    /// `activity`, `activity-alias`, `service`, `receiver`, `provider`.
    pub kind: String,
    pub name: String,
    /// Whether other apps can start/bind/query it, by Android's rules for the target SDK.
    pub exported: bool,
    /// The explicit `android:exported` value, if any.
    pub exported_attribute: Option<bool>,
    pub enabled: bool,
    pub permission: Option<String>,
    pub read_permission: Option<String>,
    pub write_permission: Option<String>,
    pub authorities: Vec<String>,
    pub grant_uri_permissions: bool,
    pub target_activity: Option<String>,
    pub process: Option<String>,
    /// Main launcher entry (MAIN + LAUNCHER).
    pub launcher: bool,
    pub intent_filters: Vec<IntentFilter>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IntentFilter {
    pub actions: Vec<String>,
    pub categories: Vec<String>,
    pub data: Vec<IntentData>,
    pub auto_verify: bool,
    pub priority: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IntentData {
    pub scheme: Option<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub path: Option<String>,
    pub path_prefix: Option<String>,
    pub path_pattern: Option<String>,
    pub mime_type: Option<String>,
}

/// A URL the app claims to open (a BROWSABLE intent filter's scheme/host/path).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeepLink {
    pub component: String,
    pub url: String,
    /// App Links (`autoVerify`) with http(s).
    pub verified_link: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NetworkSecurityConfig {
    pub base: NscPolicy,
    pub domains: Vec<NscDomainConfig>,
    /// `debug-overrides` present (only active in debuggable builds).
    pub debug_overrides: Option<NscPolicy>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NscPolicy {
    pub cleartext_permitted: Option<bool>,
    /// `system`, `user`, or a raw resource path.
    pub trust_anchors: Vec<NscTrustAnchor>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NscTrustAnchor {
    pub src: String,
    pub overrides_pins: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NscDomainConfig {
    pub domains: Vec<NscDomain>,
    pub policy: NscPolicy,
    pub pins: Vec<String>,
    pub pin_expiration: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NscDomain {
    pub name: String,
    pub include_subdomains: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MetaData {
    /// `application` or the component's class name.
    pub scope: String,
    pub name: String,
    pub value: Option<String>,
    pub resource: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PackageVisibility {
    pub packages: Vec<String>,
    pub intents: Vec<String>,
    pub providers: Vec<String>,
    /// `QUERY_ALL_PACKAGES` requested.
    pub query_all_packages: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UsesFeature {
    pub name: Option<String>,
    pub required: bool,
    pub gl_es_version: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UsesLibrary {
    pub name: String,
    pub required: bool,
}

/// What the package's DEX code contains, summed over every dex found.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DexFacts {
    pub files: Vec<DexFileFacts>,
    pub classes: u64,
    pub strings: u64,
    pub methods: u64,
    pub fields: u64,
    /// Java packages with their class counts, sorted by name.
    pub packages: Vec<PackageCount>,
    /// Distinct framework API methods referenced (`android.telephony.TelephonyManager.getDeviceId`).
    pub api_refs: Vec<String>,
    /// True when the package has code but no readable DEX (encrypted or hidden by a packer).
    pub code_hidden: bool,
    /// Which app packages call each framework API of `api_refs`, from the
    /// bytecode; sorted by `api`. APIs that no walked code invokes have no entry.
    #[serde(default)]
    pub api_uses: Vec<ApiUse>,
    /// Security-relevant code patterns found in the bytecode, each with
    /// where it was seen.
    #[serde(default)]
    pub code_signals: CodeSignals,
}

/// One framework API and the app packages whose code invokes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiUse {
    /// `class.method` as in `api_refs` (`android.telephony.TelephonyManager.getDeviceId`).
    pub api: String,
    /// Java packages of the calling classes (`com.umeng.commonsdk.statistics`;
    /// empty string for the default package), distinct, sorted, at most
    /// [`ApiUse::MAX_CALLERS`].
    pub callers: Vec<String>,
    /// How many more calling packages there were beyond `callers`.
    #[serde(default)]
    pub callers_truncated: u64,
}

impl ApiUse {
    /// Most callers listed per API.
    pub const MAX_CALLERS: usize = 16;
}

/// Where a code pattern was seen: `class.method` sites (Java class name,
/// a dot, the method name), distinct and sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSites {
    /// Distinct sites in total (`sites` lists at most [`CodeSites::MAX_SITES`]).
    pub count: u64,
    pub sites: Vec<String>,
}

impl CodeSites {
    /// Most sites listed per pattern or value.
    pub const MAX_SITES: usize = 32;
}

/// A constant argument seen at a call (an algorithm name) and the sites
/// that pass it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeValue {
    pub value: String,
    /// Distinct sites passing `value` (`sites` lists at most 32).
    pub count: u64,
    pub sites: Vec<String>,
}

/// Security-relevant patterns in the bytecode. Every pattern is an
/// observation from a linear reading of single methods (no data flow across
/// methods or branches); docs/FACTS.md says exactly what each one matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CodeSignals {
    /// `X509TrustManager` implementations whose `checkServerTrusted` only returns.
    pub trust_all_trust_managers: CodeSites,
    /// `HostnameVerifier` implementations whose `verify` only returns true,
    /// and uses of Apache's `ALLOW_ALL_HOSTNAME_VERIFIER` / `AllowAllHostnameVerifier`.
    pub permissive_hostname_verifiers: CodeSites,
    /// `onReceivedSslError` overrides that call `SslErrorHandler.proceed`.
    pub ssl_error_proceed: CodeSites,
    /// Calls of `WebView.addJavascriptInterface`.
    pub webview_javascript_interface: CodeSites,
    /// Calls of `WebSettings.setAllowFileAccessFromFileURLs` or
    /// `setAllowUniversalAccessFromFileURLs` with a constant true.
    pub webview_file_access: CodeSites,
    /// Calls of `WebSettings.setJavaScriptEnabled` with a constant true.
    pub webview_javascript_enabled: CodeSites,
    /// Calls of `Window.setFlags`/`addFlags` with a constant that has
    /// `FLAG_SECURE` (0x2000) set.
    pub secure_flag: CodeSites,
    /// Calls of the `DexClassLoader`, `InMemoryDexClassLoader`,
    /// `BaseDexClassLoader` and `DexFile` loaders and of `Runtime.load` /
    /// `System.load`.
    pub dynamic_code_loading: CodeSites,
    /// Constant transformations passed to `Cipher.getInstance`, sorted by value.
    pub cipher_transformations: Vec<CodeValue>,
    /// Constant algorithms passed to `MessageDigest.getInstance`, sorted by value.
    pub message_digest_algorithms: Vec<CodeValue>,
    /// `SecretKeySpec` constructions whose key bytes are a constant.
    pub secret_key_specs: CodeSites,
    /// `IvParameterSpec` / `GCMParameterSpec` constructions whose IV bytes are a constant.
    pub static_iv: CodeSites,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DexFileFacts {
    /// Archive path, nested paths joined with `!/`.
    pub path: String,
    pub size: u64,
    pub version: Option<u32>,
    pub classes: u64,
    pub strings: u64,
    pub methods: u64,
    pub fields: u64,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageCount {
    pub name: String,
    pub classes: u64,
    /// Classes whose name is all non-ASCII letters (`o.ˊ`, `o.丶`): how
    /// obfuscators such as DexGuard rename; absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub non_ascii_names: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NativeLib {
    pub path: String,
    pub abi: String,
    pub size: u64,
    pub sha256: String,
    pub machine: Option<String>,
    pub soname: Option<String>,
    pub needed: Vec<String>,
    pub nx: Option<bool>,
    pub pie: Option<bool>,
    /// `none`, `partial`, `full`.
    pub relro: Option<String>,
    pub stack_canary: Option<bool>,
    pub fortify: Option<bool>,
    pub stripped: Option<bool>,
    pub text_relocations: Option<bool>,
    pub rpath: Vec<String>,
    /// Smallest PT_LOAD alignment; 16 KiB devices need ≥ 16384.
    pub min_load_align: Option<u64>,
    pub page_16k_compatible: Option<bool>,
    /// Stored uncompressed at a 16 KiB-aligned offset (loadable in place).
    pub zip_aligned_16k: Option<bool>,
    pub error: Option<String>,
}

/// One environment-detection string found in the package's code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentProbe {
    /// Marker id from the knowledge catalog (`su-binary-path`, `frida`, …).
    pub marker: String,
    /// The string that matched.
    pub needle: String,
    /// `dex:<path>`, `native:<path>` or `manifest` (a `<queries>` package).
    pub found_in: Vec<String>,
    /// Java packages of the classes whose code loads a DEX string holding it.
    pub packages: Vec<String>,
}

/// A hard-coded credential, never its value: enough to recognise it again
/// (and to match it against a secret store) without disclosing it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretFound {
    /// Format id from the knowledge catalog (`aws-access-key-id`, `private-key`, …).
    pub kind: String,
    /// The first characters of the value (at most 4, and at most a quarter of it).
    pub prefix: String,
    /// Length of the value in characters.
    pub length: u64,
    /// First 16 hex digits of the SHA-256 of the value.
    pub sha256_prefix: String,
    /// `dex:<path>`, `res:<type>/<name>`, `manifest:meta-data:<name>`, `asset:<path>`.
    pub found_in: Vec<String>,
    /// Java packages of the classes whose code loads a DEX string holding it.
    pub packages: Vec<String>,
}

/// Network endpoints and addresses embedded in the package, each with where it was found.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Endpoints {
    pub urls: Vec<Located>,
    pub domains: Vec<Located>,
    pub ips: Vec<Located>,
    pub emails: Vec<Located>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Located {
    pub value: String,
    /// Where it was found: `dex:classes.dex`, `res:res/values/strings`, `asset:assets/x.json`, `native:lib/arm64-v8a/libx.so`, `manifest`.
    pub found_in: Vec<String>,
    /// Java packages of the classes whose code loads a DEX string holding
    /// the value (`const-string`), sorted, at most 16; empty when no code
    /// was seen loading it.
    #[serde(default)]
    pub packages: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AssetInfo {
    pub path: String,
    pub size: u64,
    pub compressed_size: u64,
    /// Detected by content: `dex`, `zip`, `apk`, `jar`, `elf`, `png`, `jpeg`, `webp`, `gif`, `json`, `xml`, `html`, `js`, `sqlite`, `certificate`, `pem`, `text`, `binary`, …
    pub detected_type: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NestedPackage {
    /// Path inside the outer package (nested levels joined with `!/`).
    pub path: String,
    /// `apk`, `jar`, `dex`, `zip`.
    pub kind: String,
    pub size: u64,
    pub sha256: String,
    pub package: Option<String>,
    pub dex_files: u32,
    pub classes: u64,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SplitInfo {
    /// Path inside the container (or module name for an App Bundle).
    pub path: String,
    /// `base`, `config`, `feature`, `asset_pack`.
    pub kind: String,
    pub split: Option<String>,
    pub package: Option<String>,
    pub version_code: Option<u64>,
    pub sha256: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ArchiveFacts {
    pub entries: u64,
    pub uncompressed_size: u64,
    pub eocd_offset: u64,
    pub central_directory_offset: u64,
    pub central_directory_size: u64,
    pub prefix_len: u64,
    pub zip64: bool,
    /// Bytes between the last entry and the central directory (signing block, or junk).
    pub signing_block_size: Option<u64>,
}

/// Something odd, named by a stable code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// Which reader found it: `zip`, `manifest`, `resources`, `signing`, `dex`, `native`, `container`.
    pub source: String,
    /// Stable snake_case code.
    pub kind: String,
    /// Entry path or other location, when there is one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub path: Option<String>,
    pub detail: String,
}

/// What a live check of one embedded URL (or bare domain) found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkCheck {
    /// The URL as found in the package, or the bare domain.
    pub url: String,
    /// `url` (fetched over HTTP) or `domain` (name resolution only).
    pub kind: String,
    pub status: LinkStatus,
    /// The HTTP status of the last answer, when there was one.
    pub http_status: Option<u16>,
    /// Why, for `tls_error`, `skipped`, `connection_failed`, `timeout`, `too_many_redirects`.
    pub reason: Option<String>,
    /// Where the redirects ended (equal to `url` without redirects); `null` without an answer.
    pub final_url: Option<String>,
    /// Each redirect target in order (at most the configured limit).
    #[serde(default)]
    pub redirects: Vec<String>,
    /// Time spent on this URL, all requests together, in milliseconds.
    pub elapsed_ms: u64,
    /// When it was checked, RFC 3339 UTC (older than the scan when it came from the cache).
    pub checked_at: String,
}

/// The outcome of a link check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    /// Answered with 1xx–3xx (after redirects), or the domain resolved.
    #[default]
    Ok,
    /// Answered with 4xx or 5xx (`http_status`).
    HttpError,
    /// The name does not resolve.
    DnsFailure,
    /// The TLS handshake failed (`reason`: certificate not trusted, expired, wrong name, …).
    TlsError,
    /// No answer within the time-outs.
    Timeout,
    /// The address refused the connection.
    ConnectionRefused,
    /// The connection failed otherwise (reset, malformed answer; `reason`).
    ConnectionFailed,
    /// A redirect loop or more redirects than allowed.
    TooManyRedirects,
    /// Not checked (`reason`): private address, not http(s), a URL template, offline without a cached result, …
    Skipped,
}

impl LinkStatus {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Ok => "ok",
            LinkStatus::HttpError => "http_error",
            LinkStatus::DnsFailure => "dns_failure",
            LinkStatus::TlsError => "tls_error",
            LinkStatus::Timeout => "timeout",
            LinkStatus::ConnectionRefused => "connection_refused",
            LinkStatus::ConnectionFailed => "connection_failed",
            LinkStatus::TooManyRedirects => "too_many_redirects",
            LinkStatus::Skipped => "skipped",
        }
    }
}

impl Facts {
    /// Empty facts for `input`, with the schema and platform filled in.
    pub fn new(platform: &str, input: InputInfo) -> Self {
        Facts {
            schema: SCHEMA.to_string(),
            platform: platform.to_string(),
            input,
            ..Facts::default()
        }
    }

    /// Facts that say only why analysis failed.
    pub fn failed(platform: &str, input: InputInfo, error: impl Into<String>) -> Self {
        Facts {
            error: Some(error.into()),
            ..Facts::new(platform, input)
        }
    }
}
