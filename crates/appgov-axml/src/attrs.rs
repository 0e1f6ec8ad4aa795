//! Resource IDs of the framework's public `android:` attributes (`android.R.attr`).
//!
//! Android identifies `android:` attributes by these IDs (through the binary XML resource map or
//! the protobuf `resource_id`), never by name, so obfuscated names do not hide them. IDs are
//! public API facts; the ones seen in the corpus were cross-checked with `aapt dump xmltree`.

pub const THEME: u32 = 0x01010000;
pub const LABEL: u32 = 0x01010001;
pub const ICON: u32 = 0x01010002;
pub const NAME: u32 = 0x01010003;
pub const ALLOW_CLEAR_USER_DATA: u32 = 0x01010005;
pub const PERMISSION: u32 = 0x01010006;
pub const READ_PERMISSION: u32 = 0x01010007;
pub const WRITE_PERMISSION: u32 = 0x01010008;
pub const PROTECTION_LEVEL: u32 = 0x01010009;
pub const PERMISSION_GROUP: u32 = 0x0101000a;
pub const SHARED_USER_ID: u32 = 0x0101000b;
pub const HAS_CODE: u32 = 0x0101000c;
pub const PERSISTENT: u32 = 0x0101000d;
pub const ENABLED: u32 = 0x0101000e;
pub const DEBUGGABLE: u32 = 0x0101000f;
pub const EXPORTED: u32 = 0x01010010;
pub const PROCESS: u32 = 0x01010011;
pub const TASK_AFFINITY: u32 = 0x01010012;
pub const MULTIPROCESS: u32 = 0x01010013;
pub const FINISH_ON_TASK_LAUNCH: u32 = 0x01010014;
pub const CLEAR_TASK_ON_LAUNCH: u32 = 0x01010015;
pub const STATE_NOT_NEEDED: u32 = 0x01010016;
pub const EXCLUDE_FROM_RECENTS: u32 = 0x01010017;
pub const AUTHORITIES: u32 = 0x01010018;
pub const SYNCABLE: u32 = 0x01010019;
pub const INIT_ORDER: u32 = 0x0101001a;
pub const GRANT_URI_PERMISSIONS: u32 = 0x0101001b;
pub const PRIORITY: u32 = 0x0101001c;
pub const LAUNCH_MODE: u32 = 0x0101001d;
pub const SCREEN_ORIENTATION: u32 = 0x0101001e;
pub const CONFIG_CHANGES: u32 = 0x0101001f;
pub const DESCRIPTION: u32 = 0x01010020;
pub const TARGET_PACKAGE: u32 = 0x01010021;
pub const HANDLE_PROFILING: u32 = 0x01010022;
pub const FUNCTIONAL_TEST: u32 = 0x01010023;
pub const VALUE: u32 = 0x01010024;
pub const RESOURCE: u32 = 0x01010025;
pub const MIME_TYPE: u32 = 0x01010026;
pub const SCHEME: u32 = 0x01010027;
pub const HOST: u32 = 0x01010028;
pub const PORT: u32 = 0x01010029;
pub const PATH: u32 = 0x0101002a;
pub const PATH_PREFIX: u32 = 0x0101002b;
pub const PATH_PATTERN: u32 = 0x0101002c;
pub const TARGET_ACTIVITY: u32 = 0x01010202;
pub const ALWAYS_RETAIN_TASK_STATE: u32 = 0x01010203;
pub const MIN_SDK_VERSION: u32 = 0x0101020c;
pub const VERSION_CODE: u32 = 0x0101021b;
pub const VERSION_NAME: u32 = 0x0101021c;
pub const WINDOW_SOFT_INPUT_MODE: u32 = 0x0101022b;
pub const NO_HISTORY: u32 = 0x0101022d;
pub const ANY_DENSITY: u32 = 0x0101026c;
pub const TARGET_SDK_VERSION: u32 = 0x01010270;
pub const MAX_SDK_VERSION: u32 = 0x01010271;
pub const TEST_ONLY: u32 = 0x01010272;
pub const ALLOW_BACKUP: u32 = 0x01010280;
pub const GL_ES_VERSION: u32 = 0x01010281;
pub const SMALL_SCREENS: u32 = 0x01010284;
pub const NORMAL_SCREENS: u32 = 0x01010285;
pub const LARGE_SCREENS: u32 = 0x01010286;
pub const REQUIRED: u32 = 0x0101028e;
pub const INSTALL_LOCATION: u32 = 0x010102b7;
pub const LOGO: u32 = 0x010102be;
pub const XLARGE_SCREENS: u32 = 0x010102bf;
pub const HARDWARE_ACCELERATED: u32 = 0x010102d3;
pub const LARGE_HEAP: u32 = 0x0101035a;
pub const STOP_WITH_TASK: u32 = 0x0101036a;
pub const UI_OPTIONS: u32 = 0x01010398;
pub const PARENT_ACTIVITY_NAME: u32 = 0x010103a7;
pub const ISOLATED_PROCESS: u32 = 0x010103a9;
pub const SUPPORTS_RTL: u32 = 0x010103af;
pub const EXTRACT_NATIVE_LIBS: u32 = 0x010104ea;
pub const FULL_BACKUP_CONTENT: u32 = 0x010104eb;
pub const USES_CLEARTEXT_TRAFFIC: u32 = 0x010104ec;
pub const AUTO_VERIFY: u32 = 0x010104ee;
pub const NETWORK_SECURITY_CONFIG: u32 = 0x01010527;
pub const ROUND_ICON: u32 = 0x0101052c;
pub const TARGET_SANDBOX_VERSION: u32 = 0x0101054c;
pub const COMPILE_SDK_VERSION: u32 = 0x01010572;
pub const COMPILE_SDK_VERSION_CODENAME: u32 = 0x01010573;
pub const APP_COMPONENT_FACTORY: u32 = 0x0101057a;
pub const FOREGROUND_SERVICE_TYPE: u32 = 0x01010599;
pub const REQUEST_LEGACY_EXTERNAL_STORAGE: u32 = 0x01010603;
pub const PRESERVE_LEGACY_EXTERNAL_STORAGE: u32 = 0x01010614;
pub const DATA_EXTRACTION_RULES: u32 = 0x0101063e;
pub const USES_PERMISSION_FLAGS: u32 = 0x01010644;
pub const LOCALE_CONFIG: u32 = 0x0101065b;

/// (resource ID, canonical name), sorted by ID.
const TABLE: &[(u32, &str)] = &[
    (THEME, "theme"),
    (LABEL, "label"),
    (ICON, "icon"),
    (NAME, "name"),
    (ALLOW_CLEAR_USER_DATA, "allowClearUserData"),
    (PERMISSION, "permission"),
    (READ_PERMISSION, "readPermission"),
    (WRITE_PERMISSION, "writePermission"),
    (PROTECTION_LEVEL, "protectionLevel"),
    (PERMISSION_GROUP, "permissionGroup"),
    (SHARED_USER_ID, "sharedUserId"),
    (HAS_CODE, "hasCode"),
    (PERSISTENT, "persistent"),
    (ENABLED, "enabled"),
    (DEBUGGABLE, "debuggable"),
    (EXPORTED, "exported"),
    (PROCESS, "process"),
    (TASK_AFFINITY, "taskAffinity"),
    (MULTIPROCESS, "multiprocess"),
    (FINISH_ON_TASK_LAUNCH, "finishOnTaskLaunch"),
    (CLEAR_TASK_ON_LAUNCH, "clearTaskOnLaunch"),
    (STATE_NOT_NEEDED, "stateNotNeeded"),
    (EXCLUDE_FROM_RECENTS, "excludeFromRecents"),
    (AUTHORITIES, "authorities"),
    (SYNCABLE, "syncable"),
    (INIT_ORDER, "initOrder"),
    (GRANT_URI_PERMISSIONS, "grantUriPermissions"),
    (PRIORITY, "priority"),
    (LAUNCH_MODE, "launchMode"),
    (SCREEN_ORIENTATION, "screenOrientation"),
    (CONFIG_CHANGES, "configChanges"),
    (DESCRIPTION, "description"),
    (TARGET_PACKAGE, "targetPackage"),
    (HANDLE_PROFILING, "handleProfiling"),
    (FUNCTIONAL_TEST, "functionalTest"),
    (VALUE, "value"),
    (RESOURCE, "resource"),
    (MIME_TYPE, "mimeType"),
    (SCHEME, "scheme"),
    (HOST, "host"),
    (PORT, "port"),
    (PATH, "path"),
    (PATH_PREFIX, "pathPrefix"),
    (PATH_PATTERN, "pathPattern"),
    (TARGET_ACTIVITY, "targetActivity"),
    (ALWAYS_RETAIN_TASK_STATE, "alwaysRetainTaskState"),
    (MIN_SDK_VERSION, "minSdkVersion"),
    (VERSION_CODE, "versionCode"),
    (VERSION_NAME, "versionName"),
    (WINDOW_SOFT_INPUT_MODE, "windowSoftInputMode"),
    (NO_HISTORY, "noHistory"),
    (ANY_DENSITY, "anyDensity"),
    (TARGET_SDK_VERSION, "targetSdkVersion"),
    (MAX_SDK_VERSION, "maxSdkVersion"),
    (TEST_ONLY, "testOnly"),
    (ALLOW_BACKUP, "allowBackup"),
    (GL_ES_VERSION, "glEsVersion"),
    (SMALL_SCREENS, "smallScreens"),
    (NORMAL_SCREENS, "normalScreens"),
    (LARGE_SCREENS, "largeScreens"),
    (REQUIRED, "required"),
    (INSTALL_LOCATION, "installLocation"),
    (LOGO, "logo"),
    (XLARGE_SCREENS, "xlargeScreens"),
    (HARDWARE_ACCELERATED, "hardwareAccelerated"),
    (LARGE_HEAP, "largeHeap"),
    (STOP_WITH_TASK, "stopWithTask"),
    (UI_OPTIONS, "uiOptions"),
    (PARENT_ACTIVITY_NAME, "parentActivityName"),
    (ISOLATED_PROCESS, "isolatedProcess"),
    (SUPPORTS_RTL, "supportsRtl"),
    (EXTRACT_NATIVE_LIBS, "extractNativeLibs"),
    (FULL_BACKUP_CONTENT, "fullBackupContent"),
    (USES_CLEARTEXT_TRAFFIC, "usesCleartextTraffic"),
    (AUTO_VERIFY, "autoVerify"),
    (NETWORK_SECURITY_CONFIG, "networkSecurityConfig"),
    (ROUND_ICON, "roundIcon"),
    (TARGET_SANDBOX_VERSION, "targetSandboxVersion"),
    (COMPILE_SDK_VERSION, "compileSdkVersion"),
    (COMPILE_SDK_VERSION_CODENAME, "compileSdkVersionCodename"),
    (APP_COMPONENT_FACTORY, "appComponentFactory"),
    (FOREGROUND_SERVICE_TYPE, "foregroundServiceType"),
    (
        REQUEST_LEGACY_EXTERNAL_STORAGE,
        "requestLegacyExternalStorage",
    ),
    (
        PRESERVE_LEGACY_EXTERNAL_STORAGE,
        "preserveLegacyExternalStorage",
    ),
    (DATA_EXTRACTION_RULES, "dataExtractionRules"),
    (USES_PERMISSION_FLAGS, "usesPermissionFlags"),
    (LOCALE_CONFIG, "localeConfig"),
];

/// Canonical name of a known `android:` attribute ID.
pub fn name_of(id: u32) -> Option<&'static str> {
    TABLE
        .binary_search_by_key(&id, |&(i, _)| i)
        .ok()
        .and_then(|i| TABLE.get(i))
        .map(|&(_, n)| n)
}

/// Resource ID of a known `android:` attribute name.
pub fn id_of(name: &str) -> Option<u32> {
    TABLE.iter().find(|&&(_, n)| n == name).map(|&(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_round_trips() {
        assert!(TABLE.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0)));
        assert_eq!(name_of(0x0101_0003), Some("name"));
        assert_eq!(id_of("usesCleartextTraffic"), Some(USES_CLEARTEXT_TRAFFIC));
        assert_eq!(name_of(0x7f01_0000), None);
    }
}
