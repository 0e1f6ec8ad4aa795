//! The ledger's closed vocabularies (app forms, roles, channels, …): each a
//! Rust enum with a stable machine name, a Chinese and an English label, and
//! a parser that accepts any of the three plus common aliases — because the
//! spreadsheets banks keep today say "微信小程序", "WeChat mini program" or
//! "wechat_mini" for the same thing.

/// Declares a vocabulary enum. Each variant: `Variant = "machine_name",
/// "中文", "English" [, "alias", …]`. Exported so other crates' closed
/// vocabularies (account roles, token scopes) behave the same.
#[macro_export]
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $id:literal, $zh:literal, $en:literal $(, $alias:literal)* ;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $id)] $v,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The stable machine name (as stored and exported).
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $id),+ } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$v => $zh),+ } }
            pub fn label_en(self) -> &'static str { match self { $($name::$v => $en),+ } }
            /// Accepts the machine name, either label or an alias, ignoring
            /// case, surrounding space, `-`/space/`_` differences.
            pub fn parse(s: &str) -> Option<$name> {
                let key = $crate::vocab::fold(s);
                $(
                    if $crate::vocab::fold($id) == key
                        || $crate::vocab::fold($zh) == key
                        || $crate::vocab::fold($en) == key
                        $(|| $crate::vocab::fold($alias) == key)* {
                        return Some($name::$v);
                    }
                )+
                None
            }
            /// The accepted machine names, for error messages.
            pub fn names() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl $crate::vocab::Term for $name {
            fn all() -> &'static [Self] { Self::ALL }
            fn as_str(self) -> &'static str { $name::as_str(self) }
            fn label_zh(self) -> &'static str { $name::label_zh(self) }
            fn label_en(self) -> &'static str { $name::label_en(self) }
            fn parse_term(s: &str) -> Option<Self> { $name::parse(s) }
            fn names() -> String { $name::names() }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::vocab::UnknownTerm;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s).ok_or_else(|| $crate::vocab::UnknownTerm {
                    vocabulary: stringify!($name),
                    given: s.to_string(),
                    accepted: $name::names(),
                })
            }
        }
    };
}

/// What every vocabulary offers, for code that lists any of them (a form's
/// select, an export's legend).
pub trait Term: Copy + PartialEq + 'static {
    fn all() -> &'static [Self];
    fn as_str(self) -> &'static str;
    fn label_zh(self) -> &'static str;
    fn label_en(self) -> &'static str;
    /// Any of the machine name, the labels or an alias.
    fn parse_term(s: &str) -> Option<Self>;
    /// The machine names, for error messages.
    fn names() -> String;
}

#[doc(hidden)]
pub fn fold(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '\u{3000}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A value outside a closed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {vocabulary} {given:?} (accepted: {accepted})")]
pub struct UnknownTerm {
    pub vocabulary: &'static str,
    pub given: String,
    pub accepted: String,
}

vocabulary! {
    /// What kind of mobile application a ledger entry is (article 2 names
    /// apps, mini programs and official accounts alike).
    AppForm {
        Android = "android", "安卓应用", "Android app", "android app", "安卓", "apk";
        Ios = "ios", "iOS应用", "iOS app", "苹果应用", "ipa";
        Harmony = "harmony", "鸿蒙应用", "HarmonyOS app", "harmonyos", "鸿蒙";
        WechatMini = "wechat_mini", "微信小程序", "WeChat mini program", "wechat mini";
        AlipayMini = "alipay_mini", "支付宝小程序", "Alipay mini program", "alipay mini";
        OtherMini = "other_mini", "其他小程序", "Other mini program", "小程序", "mini program";
        OfficialAccount = "official_account", "公众号", "Official account", "微信公众号", "服务号", "订阅号";
        H5 = "h5", "H5应用", "H5 app", "web app", "h5页面";
        QuickApp = "quick_app", "快应用", "Quick app";
    }
}

impl AppForm {
    /// The platform whose identifier (package, Bundle ID, AppID) names an
    /// app of this form.
    pub fn platform(self) -> Platform {
        match self {
            AppForm::Android => Platform::Android,
            AppForm::Ios => Platform::Ios,
            AppForm::Harmony => Platform::Harmony,
            AppForm::WechatMini | AppForm::OfficialAccount => Platform::Wechat,
            AppForm::AlipayMini => Platform::Alipay,
            AppForm::OtherMini | AppForm::H5 => Platform::Other,
            AppForm::QuickApp => Platform::QuickApp,
        }
    }
}

vocabulary! {
    /// Where an identity lives.
    Platform {
        Android = "android", "安卓", "Android";
        Ios = "ios", "iOS", "iOS";
        Harmony = "harmony", "鸿蒙", "HarmonyOS";
        Wechat = "wechat", "微信", "WeChat";
        Alipay = "alipay", "支付宝", "Alipay";
        QuickApp = "quick_app", "快应用", "Quick app";
        Other = "other", "其他", "Other";
    }
}

vocabulary! {
    /// A node of the organisation tree.
    OrgKind {
        Group = "group", "集团", "Group", "holding", "控股";
        Institution = "institution", "机构", "Institution", "法人机构", "bank", "insurer", "银行", "保险公司";
        Subsidiary = "subsidiary", "子公司", "Subsidiary";
        Branch = "branch", "分支机构", "Branch", "分行", "分公司";
        Department = "department", "部门", "Department", "部";
    }
}

vocabulary! {
    /// What a person does for the ledger (article 3's responsible people,
    /// and the reviewers of the gates).
    Role {
        AppOwner = "app_owner", "应用负责人", "App owner", "责任人";
        TechOwner = "tech_owner", "技术负责人", "Technical owner";
        SecurityOwner = "security_owner", "安全负责人", "Security owner";
        DataOwner = "data_owner", "数据负责人", "Data owner";
        Compliance = "compliance", "合规", "Compliance";
        Governance = "governance", "归口管理", "Governance office";
        Approver = "approver", "审批人", "Approver";
        Auditor = "auditor", "审计", "Auditor";
    }
}

vocabulary! {
    /// Who the app serves.
    UserSegment {
        Retail = "retail", "个人客户", "Retail customers", "个人", "零售";
        Corporate = "corporate", "企业客户", "Corporate customers", "对公", "企业";
        Staff = "staff", "内部员工", "Staff", "员工", "内部";
        Partner = "partner", "合作方", "Partners";
        Mixed = "mixed", "多类用户", "Several segments";
    }
}

vocabulary! {
    /// How the app treats minors (article 16: protect personal information,
    /// minors included).
    MinorsPolicy {
        NotForMinors = "not_for_minors", "不面向未成年人", "Not for minors";
        GuardianConsent = "guardian_consent", "监护人同意", "Guardian consent";
        NotApplicable = "not_applicable", "不适用", "Not applicable", "n/a";
    }
}

vocabulary! {
    /// A distribution channel: an app store or a platform's open account.
    Channel {
        HuaweiAppGallery = "huawei_appgallery", "华为应用市场", "Huawei AppGallery", "华为";
        Honor = "honor", "荣耀应用市场", "Honor store", "荣耀";
        Xiaomi = "xiaomi", "小米应用商店", "Xiaomi GetApps", "小米";
        Oppo = "oppo", "OPPO软件商店", "OPPO store";
        Vivo = "vivo", "vivo应用商店", "vivo store";
        TencentMyapp = "tencent_myapp", "应用宝", "Tencent MyApp";
        AppleAppStore = "apple_app_store", "App Store", "Apple App Store", "苹果应用商店";
        GooglePlay = "google_play", "Google Play", "Google Play store";
        WechatPlatform = "wechat_platform", "微信公众平台", "WeChat Official Accounts Platform", "wechat mp";
        AlipayOpen = "alipay_open", "支付宝开放平台", "Alipay Open Platform";
        OwnWebsite = "own_website", "官方网站", "Own website", "官网";
        Other = "other", "其他渠道", "Other channel";
    }
}

vocabulary! {
    /// A listing's state on its channel.
    ListingState {
        Planned = "planned", "计划上架", "Planned";
        Listed = "listed", "已上架", "Listed";
        Suspended = "suspended", "已暂停", "Suspended";
        Delisted = "delisted", "已下架", "Delisted";
    }
}

vocabulary! {
    /// A publishing account's state.
    AccountStatus {
        Active = "active", "使用中", "Active";
        Dormant = "dormant", "停用留存", "Dormant (kept under control)";
        Closed = "closed", "已注销", "Closed";
    }
}

vocabulary! {
    /// Who a third party is to the institution (articles 4 and 14).
    ThirdPartyKind {
        SdkProvider = "sdk_provider", "SDK提供方", "SDK provider";
        OutsourcedDevelopment = "outsourced_development", "外包开发", "Outsourced development";
        OutsourcedOperations = "outsourced_operations", "外包运维", "Outsourced operations";
        Cloud = "cloud", "云服务/CDN", "Cloud or CDN";
        Partner = "partner", "合作方", "Cooperation partner";
        TestLab = "test_lab", "测评机构", "Test lab";
        Hardening = "hardening", "加固服务商", "Hardening vendor";
        Other = "other", "其他", "Other";
    }
}

vocabulary! {
    AgreementKind {
        Cooperation = "cooperation", "合作协议", "Cooperation agreement";
        Outsourcing = "outsourcing", "外包合同", "Outsourcing contract";
        DataProcessing = "data_processing", "委托处理协议", "Data processing agreement";
        SdkTerms = "sdk_terms", "SDK服务协议", "SDK terms";
        Nda = "nda", "保密协议", "Non-disclosure agreement";
    }
}

vocabulary! {
    AgreementState {
        Draft = "draft", "起草中", "Draft";
        Active = "active", "生效", "Active";
        Expired = "expired", "已到期", "Expired";
        Terminated = "terminated", "已终止", "Terminated";
    }
}

vocabulary! {
    /// The filings article 11 and the wider rules require.
    FilingKind {
        MiitApp = "miit_app", "App备案", "MIIT app filing", "工信部备案", "app备案";
        Nifa = "nifa", "金融APP备案", "NIFA client filing", "互金协会备案", "nifa备案";
        ImportantSystem = "important_system", "重要信息系统报告", "Important information system report";
        Mlps = "mlps", "等保备案", "MLPS filing", "等级保护备案";
        Other = "other", "其他备案", "Other filing";
    }
}

vocabulary! {
    FilingState {
        Draft = "draft", "准备中", "Draft";
        Submitted = "submitted", "已提交", "Submitted";
        Approved = "approved", "已通过", "Approved", "已备案";
        ChangeRequired = "change_required", "需变更", "Change required";
        Cancelled = "cancelled", "已注销", "Cancelled";
    }
}

vocabulary! {
    /// A requested lifecycle move.
    TransitionStatus {
        Pending = "pending", "待审批", "Pending";
        Approved = "approved", "已批准", "Approved";
        Rejected = "rejected", "已驳回", "Rejected";
        Withdrawn = "withdrawn", "已撤回", "Withdrawn";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_and_alias_parses_back() {
        for f in AppForm::ALL {
            assert_eq!(AppForm::parse(f.as_str()), Some(*f));
            assert_eq!(AppForm::parse(f.label_zh()), Some(*f));
            assert_eq!(AppForm::parse(f.label_en()), Some(*f));
        }
        assert_eq!(AppForm::parse(" WeChat-Mini "), Some(AppForm::WechatMini));
        assert_eq!(AppForm::parse("微信公众号"), Some(AppForm::OfficialAccount));
        let err = "desktop".parse::<AppForm>().unwrap_err().to_string();
        assert!(err.contains("unknown AppForm \"desktop\"") && err.contains("wechat_mini"));
    }

    #[test]
    fn serde_names_are_the_machine_names() {
        for c in Channel::ALL {
            let j = serde_json::to_string(c).unwrap();
            assert_eq!(j, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Channel>(&j).unwrap(), *c);
        }
    }

    #[test]
    fn no_two_variants_share_a_spelling() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            spell: impl Fn(T) -> Vec<&'static str>,
            parse: impl Fn(&str) -> Option<T>,
        ) {
            for v in all {
                for s in spell(*v) {
                    assert_eq!(parse(s), Some(*v), "{s:?} parses to another variant");
                }
            }
        }
        check(
            AppForm::ALL,
            |v| vec![v.as_str(), v.label_zh(), v.label_en()],
            AppForm::parse,
        );
        check(
            Channel::ALL,
            |v| vec![v.as_str(), v.label_zh(), v.label_en()],
            Channel::parse,
        );
        check(
            Role::ALL,
            |v| vec![v.as_str(), v.label_zh(), v.label_en()],
            Role::parse,
        );
        check(
            OrgKind::ALL,
            |v| vec![v.as_str(), v.label_zh(), v.label_en()],
            OrgKind::parse,
        );
        check(
            FilingKind::ALL,
            |v| vec![v.as_str(), v.label_zh(), v.label_en()],
            FilingKind::parse,
        );
    }
}
