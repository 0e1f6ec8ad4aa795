//! Environment detection: strings and framework APIs that show an app looks
//! for root, an emulator, a debugger or a hooking framework.

use crate::Source;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnvironmentFile {
    pub schema: u32,
    #[serde(default)]
    pub source: Vec<Source>,
    pub marker: Vec<EnvironmentMarker>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentMarker {
    pub id: String,
    pub kind: ProbeKind,
    /// Strings looked for in DEX string tables and native libraries.
    #[serde(default)]
    pub strings: Vec<String>,
    /// Framework methods (`class.method`) looked up in `dex.api_refs`.
    #[serde(default)]
    pub apis: Vec<String>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeKind {
    Root,
    Emulator,
    Debugger,
    Hook,
}

impl ProbeKind {
    pub const ALL: [ProbeKind; 4] = [
        ProbeKind::Root,
        ProbeKind::Emulator,
        ProbeKind::Debugger,
        ProbeKind::Hook,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeKind::Root => "root",
            ProbeKind::Emulator => "emulator",
            ProbeKind::Debugger => "debugger",
            ProbeKind::Hook => "hook",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            ProbeKind::Root => "Root 检测",
            ProbeKind::Emulator => "模拟器检测",
            ProbeKind::Debugger => "调试器检测",
            ProbeKind::Hook => "Hook 框架检测",
        }
    }
}
