//! Warnings for valid policies that probably do not do what their author
//! meant: tag lists read as OR (ECR ANDs them), a `tagStatus any` rule that
//! is not the last rule, keep-N rules whose slots earlier rules claim,
//! rules that catch build-cache or signature/attestation tags, and patterns
//! without a wildcard.

use serde::Serialize;

use crate::pattern::{Matcher, overlap};
use crate::policy::{ActionKind, Count, Policy, Rule, TagFilter};

/// Tags that build caches and signing tools push next to images.
const SPECIAL_TAGS: [&str; 7] = [
    "cache",
    "buildcache",
    "build-cache",
    "main-cache",
    "sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.sig",
    "sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.att",
    "sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.sbom",
];

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    /// The rule it is about.
    pub rule_priority: u32,
    /// The field it is about (`selection.tagPrefixList`).
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// Lints a validated policy.
pub fn lint(policy: &Policy) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let last = policy.rules.last().map(|rule| rule.priority);
    for (index, rule) in policy.rules.iter().enumerate() {
        let warn = |field: &str, message: String| Warning {
            rule_priority: rule.priority,
            field: field.to_owned(),
            message,
        };
        if let TagFilter::Tagged(list) = &rule.filter {
            let field = list_field(list);
            if list.len() > 1 {
                let entries: Vec<&str> = list.iter().map(Matcher::text).collect();
                warnings.push(warn(field, format!(
                    "{} entries [{}] select only images that carry a matching tag for EVERY entry (AND); for OR write one rule per entry",
                    list.len(),
                    entries.join(", ")
                )));
            }
            for matcher in list {
                if let Matcher::Pattern(pattern) = matcher
                    && !pattern.contains('*')
                {
                    warnings.push(warn(field, format!(
                        "pattern '{pattern}' has no '*', so it matches only the tag '{pattern}' itself; write '{pattern}*' or use tagPrefixList for a prefix"
                    )));
                }
            }
        }
        if rule.filter == TagFilter::Any && Some(rule.priority) != last {
            warnings.push(warn(
                "selection.tagStatus",
                "a tagStatus any rule is not the last rule: later rules never act on the images it claims".into(),
            ));
        }
        if let Count::MoreThan(keep) = rule.count {
            for earlier in &policy.rules[..index] {
                if earlier.storage_class == rule.storage_class && may_share(earlier, rule) {
                    warnings.push(warn("selection.countNumber", format!(
                        "rule {} also selects images this rule selects and claims them; they still take this rule's {keep} kept slots, so it may keep fewer than {keep} of its own",
                        earlier.priority
                    )));
                }
            }
        }
        if rule.action == ActionKind::Expire
            && let Some(tag) = SPECIAL_TAGS
                .iter()
                .find(|tag| rule.filter.selects(&[(**tag).to_owned()]))
        {
            warnings.push(warn(
                "selection",
                format!("this rule would also expire cache or signature/attestation tags such as '{tag}'; exclude them with a more specific tag list or protect them with an earlier rule"),
            ));
        }
    }
    warnings
}

fn list_field(list: &[Matcher]) -> &'static str {
    match list.first() {
        Some(Matcher::Prefix(_)) => "selection.tagPrefixList",
        _ => "selection.tagPatternList",
    }
}

/// True when one tag (or, for `any`, any image) can put an image in the
/// selection of both rules.
fn may_share(earlier: &Rule, later: &Rule) -> bool {
    match (&earlier.filter, &later.filter) {
        (TagFilter::Any, _) | (_, TagFilter::Any) => true,
        (TagFilter::Untagged, TagFilter::Untagged) => true,
        (TagFilter::Tagged(a), TagFilter::Tagged(b)) => a
            .iter()
            .any(|x| b.iter().any(|y| overlap(&x.as_glob(), &y.as_glob()))),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
