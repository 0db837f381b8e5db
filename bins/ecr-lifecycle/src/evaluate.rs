//! The evaluator: what a policy would do to a snapshot of images now, with
//! ECR's semantics, minus what is protected. Pure: no AWS.
//!
//! Rules apply in priority order. An image is claimed by the first rule
//! that selects it, whether or not that rule acts on it; only its claiming
//! rule may act on it, so no image is acted on twice. Lower-priority rules
//! still count and rank claimed images, so a keep-N rule's slots can go to
//! images that an earlier rule claimed. Ties in push time are broken by
//! digest, so the result does not depend on the order of the input.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};

use crate::image::{Image, format_time};
use crate::policy::{ActionKind, Count, Policy, Rule};
use crate::protect::{Protection, describe};

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// What the policy would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Images acted on, oldest first (the order of deletion).
    pub actions: Vec<Action>,
    /// Images a rule would have acted on but that are protected.
    pub protected: Vec<Protected>,
    /// One outcome per rule, in priority order.
    pub rules: Vec<RuleOutcome>,
}

/// One image acted on by one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Index of the image in the snapshot.
    pub image: usize,
    /// `rulePriority` of the acting rule.
    pub rule: u32,
    /// Expire or transition.
    pub kind: ActionKind,
    /// Why the rule targets it.
    pub why: String,
}

/// An image saved from a rule by protection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protected {
    /// Index of the image in the snapshot.
    pub image: usize,
    /// `rulePriority` of the rule that would have acted.
    pub rule: u32,
    /// What it would have done.
    pub kind: ActionKind,
    /// Why the image is protected.
    pub reasons: Vec<String>,
}

/// Counts for one rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleOutcome {
    /// `rulePriority`.
    pub priority: u32,
    /// What it does.
    pub kind: Option<ActionKind>,
    /// Images it selects.
    pub selected: usize,
    /// Of those, images an earlier rule had claimed.
    pub claimed_earlier: usize,
    /// For keep-N rules: kept slots that went to images claimed earlier.
    pub kept_slots_claimed: usize,
    /// Images it acts on.
    pub acted: usize,
    /// Images it would act on but that are protected.
    pub protected: usize,
    /// Bytes of the images it expires.
    pub bytes: i64,
}

/// Evaluates `policy` against `images` at `now` (ms since the epoch).
///
/// Referrers (signatures, SBOMs: images with a subject in the snapshot) go
/// with their subject: a rule may count and claim them, but they are kept
/// while their subject is kept and expire when it expires (unless
/// `protection` holds them). A referrer whose subject is no longer in the
/// repository is an ordinary image.
pub fn evaluate(policy: &Policy, images: &[Image], protection: &Protection, now: i64) -> Plan {
    let by_digest: HashMap<&str, usize> = images
        .iter()
        .enumerate()
        .map(|(i, image)| (image.digest.as_str(), i))
        .collect();
    let subject_of = |i: usize| {
        images[i]
            .subject
            .as_deref()
            .and_then(|s| by_digest.get(s).copied())
    };
    let mut claimed = vec![false; images.len()];
    let mut plan = Plan::default();
    for rule in &policy.rules {
        let mut selected: Vec<usize> = (0..images.len())
            .filter(|&i| {
                images[i].storage_class == rule.storage_class
                    && rule.filter.selects(&images[i].tags)
            })
            .collect();
        let mut outcome = RuleOutcome {
            priority: rule.priority,
            kind: Some(rule.action),
            selected: selected.len(),
            claimed_earlier: selected.iter().filter(|&&i| claimed[i]).count(),
            ..RuleOutcome::default()
        };
        let targets = targets(rule, images, &mut selected, now, &claimed, &mut outcome);
        for (image, why) in targets {
            if claimed[image] {
                continue;
            }
            let reasons = match (protection.reasons(&images[image].digest), subject_of(image)) {
                (Some(reasons), _) => Some(reasons.to_vec()),
                // Kept for now; follow_subjects expires it if its subject goes.
                (None, Some(subject)) => Some(vec![format!(
                    "referrer of {}, which is kept: goes with its subject",
                    describe(&images[subject].digest, &images[subject].tags)
                )]),
                (None, None) => None,
            };
            if let Some(reasons) = reasons {
                outcome.protected += 1;
                plan.protected.push(Protected {
                    image,
                    rule: rule.priority,
                    kind: rule.action,
                    reasons,
                });
            } else {
                outcome.acted += 1;
                if rule.action == ActionKind::Expire {
                    outcome.bytes += images[image].size.unwrap_or(0);
                }
                plan.actions.push(Action {
                    image,
                    rule: rule.priority,
                    kind: rule.action,
                    why,
                });
            }
        }
        for &image in &selected {
            claimed[image] = true;
        }
        plan.rules.push(outcome);
    }
    follow_subjects(images, protection, &subject_of, &mut plan);
    let oldest_first = |&i: &usize| (images[i].pushed_at, images[i].digest.clone());
    plan.actions.sort_by_cached_key(|a| oldest_first(&a.image));
    plan.protected
        .sort_by_cached_key(|p| oldest_first(&p.image));
    plan
}

/// Expires every referrer whose subject expires (and, in turn, their own
/// referrers), under the rule that expires the subject, unless protection
/// holds the referrer.
fn follow_subjects(
    images: &[Image],
    protection: &Protection,
    subject_of: &dyn Fn(usize) -> Option<usize>,
    plan: &mut Plan,
) {
    let mut expiring: HashMap<usize, u32> = plan
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Expire)
        .map(|a| (a.image, a.rule))
        .collect();
    let acted: HashSet<usize> = plan.actions.iter().map(|a| a.image).collect();
    let referrers: Vec<(usize, usize)> = (0..images.len())
        .filter_map(|i| subject_of(i).map(|subject| (i, subject)))
        .collect();
    loop {
        let mut added = false;
        for &(referrer, subject) in &referrers {
            let Some(&rule) = expiring.get(&subject) else {
                continue;
            };
            if expiring.contains_key(&referrer)
                || acted.contains(&referrer)
                || protection.reasons(&images[referrer].digest).is_some()
            {
                continue;
            }
            if let Some(at) = plan.protected.iter().position(|p| p.image == referrer) {
                let kept = plan.protected.remove(at);
                if let Some(outcome) = plan.rules.iter_mut().find(|r| r.priority == kept.rule) {
                    outcome.protected -= 1;
                }
            }
            if let Some(outcome) = plan.rules.iter_mut().find(|r| r.priority == rule) {
                outcome.acted += 1;
                outcome.bytes += images[referrer].size.unwrap_or(0);
            }
            plan.actions.push(Action {
                image: referrer,
                rule,
                kind: ActionKind::Expire,
                why: format!(
                    "referrer of {}, which expires: goes with its subject",
                    describe(&images[subject].digest, &images[subject].tags)
                ),
            });
            expiring.insert(referrer, rule);
            added = true;
        }
        if !added {
            return;
        }
    }
}

/// The images `rule` targets among `selected` (which it sorts newest first
/// for keep-N rules), each with the reason.
fn targets(
    rule: &Rule,
    images: &[Image],
    selected: &mut [usize],
    now: i64,
    claimed: &[bool],
    outcome: &mut RuleOutcome,
) -> Vec<(usize, String)> {
    let older = |days: u32, time: fn(&Image) -> i64, verb: &str| -> Vec<(usize, String)> {
        let limit = now - i64::from(days) * DAY_MS;
        selected
            .iter()
            .filter(|&&i| time(&images[i]) < limit)
            .map(|&i| {
                let at = time(&images[i]);
                (
                    i,
                    format!(
                        "{verb} {} ({} days ago), more than {days} days",
                        format_time(at),
                        (now - at) / DAY_MS
                    ),
                )
            })
            .collect()
    };
    match rule.count {
        Count::MoreThan(keep) => {
            selected.sort_by(|&a, &b| {
                let key = |i: usize| (Reverse(images[i].ranking_time()), &images[i].digest);
                key(a).cmp(&key(b))
            });
            let keep = usize::try_from(keep)
                .unwrap_or(usize::MAX)
                .min(selected.len());
            outcome.kept_slots_claimed = selected[..keep].iter().filter(|&&i| claimed[i]).count();
            let total = selected.len();
            selected[keep..]
                .iter()
                .enumerate()
                .map(|(offset, &i)| {
                    let by = if images[i].activated_at.is_some() {
                        "restore time"
                    } else {
                        "push time"
                    };
                    (
                        i,
                        format!(
                            "image #{} of {total} by {by}, newest first; the rule keeps {keep}",
                            keep + offset + 1
                        ),
                    )
                })
                .collect()
        }
        Count::SincePushed(days) => older(days, |image| image.pushed_at, "pushed"),
        Count::SincePulled(days) => older(days, Image::pull_reference_time, "pulled"),
        Count::SinceTransitioned(days) => older(
            days,
            |image| image.archived_at.unwrap_or_else(|| image.ranking_time()),
            "archived",
        ),
    }
}

#[cfg(test)]
mod tests;
