//! The shipped data files parse and validate, and hold what the checks need.

use appgov_knowledge::{DataFile, Knowledge, KnowledgeError};

#[test]
fn builtin_catalog_is_valid() {
    let k = Knowledge::builtin().unwrap_or_else(|e| panic!("{e}"));
    assert!(!k.sdks.is_empty());
}

#[test]
fn broken_files_are_rejected_with_the_reason() {
    let mut files: Vec<DataFile<'_>> = appgov_knowledge::BUILTIN
        .iter()
        .map(|f| DataFile {
            name: f.name,
            text: f.text,
        })
        .collect();
    let bad_schema = "schema = 2\narticle = []\n";
    files[0] = DataFile {
        name: "notice.toml",
        text: bad_schema,
    };
    assert!(matches!(
        Knowledge::parse(&files),
        Err(KnowledgeError::Schema { found: 2, .. })
    ));
    let sdks = appgov_knowledge::BUILTIN
        .iter()
        .find(|f| f.name == "sdks.toml")
        .unwrap()
        .text;
    // An SDK citing a source its file does not declare.
    let unsourced = format!(
        "{sdks}\n[[sdk]]\nid = \"x-test\"\nname_zh = \"x\"\nname_en = \"x\"\nvendor_zh = \"x\"\nvendor_en = \"x\"\ncategory = \"other\"\ncollects_pi = \"none\"\nsources = [\"nowhere\"]\n[sdk.evidence]\npackages = [\"x.test.unique\"]\n"
    );
    let mut files2: Vec<DataFile<'_>> = appgov_knowledge::BUILTIN
        .iter()
        .map(|f| DataFile {
            name: f.name,
            text: f.text,
        })
        .collect();
    let i = files2.iter().position(|f| f.name == "sdks.toml").unwrap();
    files2[i] = DataFile {
        name: "sdks.toml",
        text: &unsourced,
    };
    let err = Knowledge::parse(&files2).unwrap_err().to_string();
    assert!(err.contains("unknown source \"nowhere\""), "{err}");
    // Unknown fields are typos, not silently ignored data.
    let typo = sdks.replace("collects_pi", "collect_pi");
    files2[i] = DataFile {
        name: "sdks.toml",
        text: &typo,
    };
    assert!(matches!(
        Knowledge::parse(&files2),
        Err(KnowledgeError::Parse { .. })
    ));
}

#[test]
fn the_compiled_json_says_what_the_toml_says() {
    // builtin() reads the build-time JSON; parse() reads the TOML itself.
    let from_json = Knowledge::builtin().unwrap();
    let from_toml = Knowledge::parse(appgov_knowledge::BUILTIN).unwrap();
    assert_eq!(format!("{from_json:?}"), format!("{from_toml:?}"));
}

fn with_file<'a>(name: &'a str, text: &'a str) -> Vec<DataFile<'a>> {
    appgov_knowledge::BUILTIN
        .iter()
        .map(|f| DataFile {
            name: f.name,
            text: if f.name == name { text } else { f.text },
        })
        .collect()
}

#[test]
fn suspicious_domains_are_sourced_categorised_and_not_sdk_hosts() {
    let k = Knowledge::builtin().unwrap();
    for cat in [
        "gambling",
        "adult",
        "url_shortener",
        "dynamic_dns",
        "free_hosting",
        "paste_site",
    ] {
        assert!(
            k.suspicious_domains.iter().any(|d| d.category == cat),
            "no domain in {cat}"
        );
    }
    let bet = k
        .suspicious_domains
        .iter()
        .find(|d| d.suffix == "bet")
        .unwrap();
    assert!(bet.matches("lucky.bet") && !bet.matches("alphabet"));
    let domains = appgov_knowledge::BUILTIN
        .iter()
        .find(|f| f.name == "domains.toml")
        .unwrap()
        .text;
    // An entry in no declared category, one without sources, one that is not a domain.
    let bad = format!(
        "{domains}\n[[domain]]\nsuffix = \"casino.example\"\ncategory = \"lottery\"\nsources = [\"iana-bet\"]\n\
         [[domain]]\nsuffix = \"nosource.example\"\ncategory = \"adult\"\nsources = []\n\
         [[domain]]\nsuffix = \"Bad Suffix\"\ncategory = \"adult\"\nsources = [\"iana-bet\"]\n"
    );
    let err = Knowledge::parse(&with_file("domains.toml", &bad))
        .unwrap_err()
        .to_string();
    for needle in [
        "unknown category \"lottery\"",
        "no sources",
        "not a lower-case domain suffix",
    ] {
        assert!(err.contains(needle), "{err} lacks {needle}");
    }
    // A suffix that covers an SDK vendor's host is refused.
    let host = k
        .sdks
        .iter()
        .flat_map(|s| s.evidence.hosts.iter())
        .next()
        .expect("some SDK lists hosts");
    let vendor = format!(
        "{domains}\n[[domain]]\nsuffix = \"{host}\"\ncategory = \"paste_site\"\nsources = [\"pastebin\"]\n"
    );
    let err = Knowledge::parse(&with_file("domains.toml", &vendor))
        .unwrap_err()
        .to_string();
    assert!(err.contains("of SDK"), "{err}");
}
