//! ECR's validation of a lifecycle policy document, rule by rule and across
//! rules. Every error names the rule (index and `rulePriority`) and the
//! field, and says what is expected.

use std::collections::HashMap;
use std::path::Path;

use portfolio_core::InvalidInput;

use super::locate::Step;
use super::{
    ActionKind, Count, CountType, Document, Policy, Rule, RuleDocument, StorageClass, TagFilter,
    TagStatus, canonical,
};
use crate::pattern::Matcher;

/// Longest policy text ECR accepts.
pub const MAX_POLICY_CHARS: usize = 30_720;

/// Most `*` wildcards ECR accepts in one `tagPatternList` entry.
const MAX_WILDCARDS: usize = 4;

/// Checks `document` as ECR would and builds the policy; `line` finds the
/// line of a path in the file (for the error's location).
pub fn validate(
    document: Document,
    source: &Path,
    line: &dyn Fn(&[Step<'_>]) -> Option<usize>,
) -> Result<Policy, InvalidInput> {
    let invalid = |path: &[Step<'_>], field: String, reason: String| {
        let error = InvalidInput::in_file(source, field, reason);
        match line(path) {
            Some(line) => error.at_line(line),
            None => error,
        }
    };
    // rules[index].selection.countUnit as steps.
    let rule_path = |index: usize, field: &'static str| {
        let mut path = vec![Step::Key("rules"), Step::Index(index)];
        path.extend(field.split('.').map(Step::Key));
        path
    };
    let length = canonical(&document).chars().count();
    if length > MAX_POLICY_CHARS {
        return Err(invalid(
            &[],
            ".".into(),
            format!("the policy is {length} characters; ECR accepts at most {MAX_POLICY_CHARS}"),
        ));
    }
    if document.rules.is_empty() {
        return Err(invalid(
            &[Step::Key("rules")],
            "rules".into(),
            "at least one rule is required".into(),
        ));
    }
    let mut rules = Vec::with_capacity(document.rules.len());
    let mut seen: HashMap<u32, usize> = HashMap::new();
    for (index, rule) in document.rules.iter().enumerate() {
        let at = |field: &'static str| field_name(index, rule.rule_priority, field);
        let checked = check_rule(rule)
            .map_err(|(field, reason)| invalid(&rule_path(index, field), at(field), reason))?;
        if let Some(first) = seen.insert(checked.priority, index) {
            return Err(invalid(
                &rule_path(index, "rulePriority"),
                at("rulePriority"),
                format!(
                    "{} is also the priority of rules[{first}]; priorities must be unique",
                    checked.priority
                ),
            ));
        }
        rules.push((index, checked));
    }
    rules.sort_by_key(|(_, rule)| rule.priority);
    check_across(&rules).map_err(|(index, field, reason)| {
        invalid(
            &rule_path(index, field),
            field_name(index, document.rules[index].rule_priority, field),
            reason,
        )
    })?;
    Ok(Policy {
        rules: rules.into_iter().map(|(_, rule)| rule).collect(),
        document,
    })
}

/// `rules[1] (rulePriority 2).selection.countUnit`.
fn field_name(index: usize, priority: i64, field: &str) -> String {
    format!("rules[{index}] (rulePriority {priority}).{field}")
}

type FieldError = (&'static str, String);

fn check_rule(rule: &RuleDocument) -> Result<Rule, FieldError> {
    let priority = u32::try_from(rule.rule_priority)
        .ok()
        .filter(|p| *p >= 1)
        .ok_or_else(|| {
            (
                "rulePriority",
                format!("{} is not a positive integer", rule.rule_priority),
            )
        })?;
    let selection = &rule.selection;
    let filter = check_filter(
        selection.tag_status,
        selection.tag_pattern_list.as_deref(),
        selection.tag_prefix_list.as_deref(),
    )?;
    let number = u32::try_from(selection.count_number)
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| {
            (
                "selection.countNumber",
                format!("{} is not an integer >= 1", selection.count_number),
            )
        })?;
    let count = match selection.count_type {
        CountType::ImageCountMoreThan => Count::MoreThan(number),
        CountType::SinceImagePushed => Count::SincePushed(number),
        CountType::SinceImagePulled => Count::SincePulled(number),
        CountType::SinceImageTransitioned => Count::SinceTransitioned(number),
    };
    match (&count, selection.count_unit.as_deref()) {
        (Count::MoreThan(_), Some(unit)) => {
            return Err((
                "selection.countUnit",
                format!("'{unit}' is not allowed with countType imageCountMoreThan; remove it"),
            ));
        }
        (Count::MoreThan(_), None) | (_, Some("days")) => {}
        (_, Some(unit)) => {
            return Err((
                "selection.countUnit",
                format!("'{unit}' is not a unit: expected \"days\""),
            ));
        }
        (_, None) => {
            return Err((
                "selection.countUnit",
                "required with this countType: expected \"days\"".into(),
            ));
        }
    }
    let storage_class = selection.storage_class.unwrap_or(StorageClass::Standard);
    let transitioned = matches!(count, Count::SinceTransitioned(_));
    if transitioned != (storage_class == StorageClass::Archive) {
        let reason = if transitioned {
            "must be \"archive\" with countType sinceImageTransitioned"
        } else {
            "\"archive\" is only allowed with countType sinceImageTransitioned"
        };
        return Err(("selection.storageClass", reason.into()));
    }
    let action = rule.action.kind;
    match (action, rule.action.target_storage_class) {
        (ActionKind::Transition, Some(StorageClass::Archive)) | (ActionKind::Expire, None) => {}
        (ActionKind::Transition, _) => {
            return Err((
                "action.targetStorageClass",
                "required with action transition: expected \"archive\"".into(),
            ));
        }
        (ActionKind::Expire, Some(_)) => {
            return Err((
                "action.targetStorageClass",
                "only allowed with action transition; remove it".into(),
            ));
        }
    }
    match (count, action) {
        (Count::SincePulled(_), ActionKind::Expire) => Err((
            "action.type",
            "countType sinceImagePulled works only with action transition".into(),
        )),
        (Count::SinceTransitioned(_), ActionKind::Transition) => Err((
            "action.type",
            "countType sinceImageTransitioned works only with action expire".into(),
        )),
        _ => Ok(Rule {
            priority,
            description: rule.description.clone(),
            storage_class,
            filter,
            count,
            action,
        }),
    }
}

fn check_filter(
    status: TagStatus,
    patterns: Option<&[String]>,
    prefixes: Option<&[String]>,
) -> Result<TagFilter, FieldError> {
    match (status, patterns, prefixes) {
        (TagStatus::Tagged, Some(_), Some(_)) => Err((
            "selection.tagPrefixList",
            "a rule takes tagPatternList or tagPrefixList, not both".into(),
        )),
        (TagStatus::Tagged, None, None) => Err((
            "selection.tagPatternList",
            "tagStatus tagged needs tagPatternList or tagPrefixList".into(),
        )),
        (TagStatus::Tagged, Some(list), None) => {
            if list.is_empty() {
                return Err(("selection.tagPatternList", "must not be empty".into()));
            }
            if let Some(bad) = list.iter().find(|p| p.matches('*').count() > MAX_WILDCARDS) {
                return Err((
                    "selection.tagPatternList",
                    format!("'{bad}' has more than {MAX_WILDCARDS} '*' wildcards"),
                ));
            }
            Ok(TagFilter::Tagged(
                list.iter().cloned().map(Matcher::Pattern).collect(),
            ))
        }
        (TagStatus::Tagged, None, Some(list)) => {
            if list.is_empty() {
                return Err(("selection.tagPrefixList", "must not be empty".into()));
            }
            Ok(TagFilter::Tagged(
                list.iter().cloned().map(Matcher::Prefix).collect(),
            ))
        }
        (_, Some(_), _) => Err((
            "selection.tagPatternList",
            "only allowed with tagStatus tagged".into(),
        )),
        (_, _, Some(_)) => Err((
            "selection.tagPrefixList",
            "only allowed with tagStatus tagged".into(),
        )),
        (TagStatus::Untagged, None, None) => Ok(TagFilter::Untagged),
        (TagStatus::Any, None, None) => Ok(TagFilter::Any),
    }
}

/// Rules of the same storage class: an `any` rule must come last, and only
/// one rule may select untagged images. `rules` is sorted by priority.
fn check_across(rules: &[(usize, Rule)]) -> Result<(), (usize, &'static str, String)> {
    for class in [StorageClass::Standard, StorageClass::Archive] {
        let same: Vec<&(usize, Rule)> = rules
            .iter()
            .filter(|(_, rule)| rule.storage_class == class)
            .collect();
        let last = same.last().map(|(_, rule)| rule.priority);
        for (index, rule) in &same {
            if rule.filter == TagFilter::Any && Some(rule.priority) != last {
                return Err((
                    *index,
                    "selection.tagStatus",
                    format!(
                        "a rule with tagStatus any must have the highest rulePriority among the rules of its storage class (the highest is {})",
                        last.unwrap_or_default()
                    ),
                ));
            }
        }
        let untagged: Vec<&&(usize, Rule)> = same
            .iter()
            .filter(|(_, rule)| rule.filter == TagFilter::Untagged)
            .collect();
        if let [first, second, ..] = untagged.as_slice() {
            return Err((
                second.0,
                "selection.tagStatus",
                format!(
                    "only one rule may select untagged images; rulePriority {} already does",
                    first.1.priority
                ),
            ));
        }
    }
    Ok(())
}
