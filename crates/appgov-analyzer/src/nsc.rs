//! Network security configuration (`res/xml/…`, referenced by
//! `android:networkSecurityConfig`): cleartext policy, trust anchors and
//! certificate pins, per domain.

use appgov_axml::XmlElement;
use appgov_facts::{NetworkSecurityConfig, NscDomain, NscDomainConfig, NscPolicy, NscTrustAnchor};

use crate::manifest::Resolver;

/// Nested `<domain-config>` depth we follow (Android allows nesting; real configs use 1–2).
const MAX_NESTING: usize = 8;

pub fn interpret(root: &XmlElement, res: &Resolver) -> NetworkSecurityConfig {
    let mut nsc = NetworkSecurityConfig::default();
    if let Some(base) = root.child("base-config") {
        nsc.base = policy(base, res, &NscPolicy::default());
    }
    if let Some(debug) = root.child("debug-overrides") {
        nsc.debug_overrides = Some(policy(debug, res, &NscPolicy::default()));
    }
    for dc in root.children_named("domain-config") {
        domain_config(dc, res, &nsc.base.clone(), &mut nsc.domains, 0);
    }
    nsc
}

fn attr_text(el: &XmlElement, res: &Resolver, name: &str) -> Option<String> {
    // NSC attributes carry no namespace; fall back to `android:` for hand-edited files.
    el.attr(None, name)
        .or_else(|| el.android_attr(name))
        .and_then(|a| res.string(a))
}

fn attr_bool(el: &XmlElement, res: &Resolver, name: &str) -> Option<bool> {
    el.attr(None, name)
        .or_else(|| el.android_attr(name))
        .and_then(|a| res.boolean(a))
}

fn policy(el: &XmlElement, res: &Resolver, inherited: &NscPolicy) -> NscPolicy {
    let mut p = NscPolicy {
        cleartext_permitted: attr_bool(el, res, "cleartextTrafficPermitted")
            .or(inherited.cleartext_permitted),
        trust_anchors: inherited.trust_anchors.clone(),
    };
    if let Some(anchors) = el.child("trust-anchors") {
        p.trust_anchors = anchors
            .children_named("certificates")
            .filter_map(|c| {
                let src = c
                    .attr(None, "src")
                    .or_else(|| c.android_attr("src"))
                    .and_then(|a| res.reference_name(a))?;
                Some(NscTrustAnchor {
                    src,
                    overrides_pins: attr_bool(c, res, "overridePins").unwrap_or(false),
                })
            })
            .collect();
    }
    p
}

fn domain_config(
    el: &XmlElement,
    res: &Resolver,
    inherited: &NscPolicy,
    out: &mut Vec<NscDomainConfig>,
    depth: usize,
) {
    if depth > MAX_NESTING {
        return;
    }
    let policy = policy(el, res, inherited);
    let domains = el
        .children_named("domain")
        .filter_map(|d| {
            let name = d.text.as_deref()?.trim().to_ascii_lowercase();
            (!name.is_empty()).then(|| NscDomain {
                include_subdomains: attr_bool(d, res, "includeSubdomains").unwrap_or(false),
                name,
            })
        })
        .collect();
    let pin_set = el.child("pin-set");
    out.push(NscDomainConfig {
        domains,
        pins: pin_set
            .map(|ps| {
                ps.children_named("pin")
                    .filter_map(|p| {
                        let digest =
                            attr_text(p, res, "digest").unwrap_or_else(|| "SHA-256".into());
                        let value = p.text.as_deref()?.trim().to_string();
                        Some(format!("{digest}/{value}"))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        pin_expiration: pin_set.and_then(|ps| attr_text(ps, res, "expiration")),
        policy: policy.clone(),
    });
    for nested in el.children_named("domain-config") {
        domain_config(nested, res, &policy, out, depth + 1);
    }
}
