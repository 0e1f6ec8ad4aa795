#![no_main]
//! Arbitrary bytes as binary XML and as protobuf XML; walk and serialise whatever is read.
//! Must never panic, hang or allocate without bound.

use appgov_axml::{Limits, XmlDocument, attrs, parse_axml, parse_proto_xml};
use libfuzzer_sys::fuzz_target;

fn walk(doc: &XmlDocument) {
    let _ = doc.package_name();
    let _ = doc.to_xml_string();
    if let Some(root) = &doc.root {
        for e in std::iter::once(root).chain(root.descendants()) {
            let _ = e.android_attr("name").map(|a| a.string_value());
            let _ = e.attr_by_id(attrs::VERSION_CODE).map(|a| a.value.as_i64());
            let _ = e.attr(None, "package");
            for a in &e.attributes {
                let _ = (
                    a.display_name(),
                    a.value.to_display_string(),
                    a.value.as_bool(),
                );
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(doc) = parse_axml(data, &limits) {
        walk(&doc);
    }
    if let Ok(doc) = parse_proto_xml(data, &limits) {
        walk(&doc);
    }
});
