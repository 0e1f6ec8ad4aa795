use crate::{Context, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 代码是否在运行时加载额外的代码：创建 `DexClassLoader`、
    /// `InMemoryDexClassLoader`、`DexFile`，或用 `System.load` /
    /// `Runtime.load` 按绝对路径加载原生库。结果来自字节码分析，调用可能
    /// 来自第三方 SDK（位置中的包名可区分）。
    ///
    /// ## 为何重要
    /// 运行时加载的代码不经过发布前的安全检测与审批，可被替换或从网络下发，
    /// 绕过变更管理；若文件位于外部存储，还可被其他应用篡改。《通知》第七条
    /// 要求开发中的安全管控，第八条要求发布管理。
    ///
    /// ## 示例
    /// `new DexClassLoader(path, optDir, null, parent)`
    ///
    /// ## 修复
    /// 避免动态加载；确有需要（如加固、插件化）时在台账中登记，只从应用私有
    /// 目录加载、校验签名或哈希，并把被加载的代码纳入发布检测。
    ///
    /// ## 依据
    /// - 《通知》第七条（开发管理）、第八条（发布管理）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks whether code loads more code at run time: constructing
    /// `DexClassLoader`, `InMemoryDexClassLoader` or `DexFile`, or loading a
    /// native library by absolute path with `System.load` / `Runtime.load`.
    /// The result comes from walking the bytecode; the call may come from a
    /// third-party SDK (the package in the location tells).
    ///
    /// ## Why it matters
    /// Code loaded at run time skips the pre-release security checks and
    /// approval, can be swapped or pushed from the network and so bypasses
    /// change control; from external storage other apps can alter it.
    /// Article 7 requires security control in development, article 8 release
    /// management.
    ///
    /// ## Example
    /// `new DexClassLoader(path, optDir, null, parent)`
    ///
    /// ## Fix
    /// Avoid it; where needed (packers, plug-ins) record it in the ledger,
    /// load only from the app's private directory, verify a signature or
    /// hash, and put the loaded code through release checks.
    ///
    /// ## References
    /// - Notice, articles 7 (development) and 8 (release management)
    pub struct DynamicCodeLoading {
        id: "PKG-028",
        name: "dynamic-code-loading",
        title_zh: "动态加载代码",
        title_en: "Dynamic code loading",
        severity: Medium,
        articles: [7, 8],
    }
}

impl Rule for DynamicCodeLoading {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.analysed("bytecode") {
            return;
        }
        let sites = &cx.facts.dex.code_signals.dynamic_code_loading;
        if sites.count == 0 {
            return;
        }
        let ev = sites
            .sites
            .iter()
            .map(|s| cx.code_evidence(s, "loads code at run time"))
            .collect();
        out.push(Self::META.finding(
            format!("{} 处代码在运行时加载代码。", sites.count),
            format!("{} code sites load code at run time.", sites.count),
            ev,
        ));
    }
}
