//! How a plan is shown: the `--json` result, the human lines on stderr, the
//! Markdown job summary and the step outputs.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::evaluate::{Plan, RuleOutcome};
use crate::image::{Image, format_time};
use crate::policy::{ActionKind, Policy, Rule};
use crate::protect::describe;

/// Most images listed per rule in the human output (all are in `--json`).
const LISTED_PER_RULE: usize = 20;

/// An image acted on, as in `--json`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageAction {
    /// Digest.
    pub image_digest: String,
    /// Tags.
    pub image_tags: Vec<String>,
    /// The acting rule: the rule that claimed the image (its `claim` in
    /// `rules`), or for a referrer the rule that expires its subject.
    pub rule_priority: u32,
    /// Push time.
    pub image_pushed_at: String,
    /// Size, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_size_in_bytes: Option<i64>,
    /// Why the rule targets it.
    pub reason: String,
}

/// A protected image, as in `--json`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtectedImage {
    /// Digest.
    pub image_digest: String,
    /// Tags.
    pub image_tags: Vec<String>,
    /// Why it is protected.
    pub reason: String,
    /// The rule that would have acted.
    pub rule_priority: u32,
    /// What it would have done.
    pub action: ActionKind,
}

/// Counts of one rule, as in `--json`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleCounts {
    /// `rulePriority`.
    pub rule_priority: u32,
    /// The rule as it claims images, with its selection and count:
    /// `rule 1 (tagPrefixList [v], imageCountMoreThan 10)`.
    pub claim: String,
    /// The rule's description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `expire` or `transition`.
    pub action: ActionKind,
    /// Images it selects.
    pub selected: usize,
    /// Of those, claimed by an earlier rule.
    pub claimed_by_earlier_rules: usize,
    /// Kept slots taken by images claimed earlier (keep-N rules).
    pub kept_slots_claimed: usize,
    /// Images it expires or transitions.
    pub acted: usize,
    /// Images it would act on but that are protected.
    pub protected: usize,
    /// Bytes it frees.
    pub bytes: i64,
}

/// The result of `preview` (and the plan part of `enforce`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanReport {
    /// The repository, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Where the policy came from.
    pub policy_source: String,
    /// The evaluation time.
    pub now: String,
    /// Images in the snapshot.
    pub images: usize,
    /// Images to expire, oldest first.
    pub expire: Vec<ImageAction>,
    /// Images to move to the archive, oldest first.
    pub transition: Vec<ImageAction>,
    /// Images saved by protection.
    pub protected: Vec<ProtectedImage>,
    /// Counts per rule.
    pub rules: Vec<RuleCounts>,
    /// Bytes the expirations free.
    pub bytes_freed: i64,
    /// Notes on what the evaluation could not see.
    pub notes: Vec<String>,
}

impl PlanReport {
    /// Builds the report of `plan`.
    pub fn new(
        plan: &Plan,
        policy: &Policy,
        images: &[Image],
        repository: Option<String>,
        policy_source: String,
        now: i64,
    ) -> PlanReport {
        let action = |kind: ActionKind| -> Vec<ImageAction> {
            plan.actions
                .iter()
                .filter(|a| a.kind == kind)
                .map(|a| {
                    let image = &images[a.image];
                    ImageAction {
                        image_digest: image.digest.clone(),
                        image_tags: image.tags.clone(),
                        rule_priority: a.rule,
                        image_pushed_at: format_time(image.pushed_at),
                        image_size_in_bytes: image.size,
                        reason: a.why.clone(),
                    }
                })
                .collect()
        };
        let protected = plan
            .protected
            .iter()
            .map(|p| ProtectedImage {
                image_digest: images[p.image].digest.clone(),
                image_tags: images[p.image].tags.clone(),
                reason: p.reasons.join("; "),
                rule_priority: p.rule,
                action: p.kind,
            })
            .collect();
        let rules = plan
            .rules
            .iter()
            .zip(&policy.rules)
            .map(|(outcome, rule)| counts(outcome, rule))
            .collect();
        PlanReport {
            repository,
            policy_source,
            now: format_time(now),
            images: images.len(),
            expire: action(ActionKind::Expire),
            transition: action(ActionKind::Transition),
            protected,
            rules,
            bytes_freed: plan.rules.iter().map(|r| r.bytes).sum(),
            notes: Vec::new(),
        }
    }

    /// Human lines for stderr.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "{} images in {} as of {}; policy: {}",
            self.images,
            self.repository.as_deref().unwrap_or("the snapshot"),
            self.now,
            self.policy_source
        )];
        for rule in &self.rules {
            lines.push(format!(
                "rule {}{}: selects {} ({} claimed by earlier rules{}), {} {}, {} protected, {}",
                rule.rule_priority,
                rule.description
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default(),
                rule.selected,
                rule.claimed_by_earlier_rules,
                if rule.kept_slots_claimed > 0 {
                    format!(", {} kept slots taken by them", rule.kept_slots_claimed)
                } else {
                    String::new()
                },
                verb(rule.action),
                rule.acted,
                rule.protected,
                human_bytes(rule.bytes)
            ));
            let acted = self
                .expire
                .iter()
                .chain(&self.transition)
                .filter(|a| a.rule_priority == rule.rule_priority);
            for (shown, action) in acted.enumerate() {
                if shown == LISTED_PER_RULE {
                    lines.push(format!(
                        "  ... and {} more (--json lists all)",
                        rule.acted - shown
                    ));
                    break;
                }
                lines.push(format!(
                    "  {} {}: claimed by {}: {}",
                    verb(rule.action),
                    describe(&action.image_digest, &action.image_tags),
                    rule.claim,
                    action.reason
                ));
            }
        }
        for protected in &self.protected {
            let claim = self
                .rules
                .iter()
                .find(|r| r.rule_priority == protected.rule_priority)
                .map_or("its rule", |r| r.claim.as_str());
            lines.push(format!(
                "protected {} from {claim}: {}",
                describe(&protected.image_digest, &protected.image_tags),
                protected.reason
            ));
        }
        lines.extend(self.notes.iter().map(|n| format!("note: {n}")));
        lines.push(format!(
            "total: expire {}, transition {}, protected {}, frees {}",
            self.expire.len(),
            self.transition.len(),
            self.protected.len(),
            human_bytes(self.bytes_freed)
        ));
        lines
    }

    /// Step outputs: counts, bytes freed and counts per rule (JSON).
    pub fn outputs(&self) -> Vec<(&'static str, String)> {
        let per_rule: BTreeMap<String, usize> = self
            .rules
            .iter()
            .map(|r| (r.rule_priority.to_string(), r.acted))
            .collect();
        vec![
            ("expire-count", self.expire.len().to_string()),
            ("transition-count", self.transition.len().to_string()),
            ("protected-count", self.protected.len().to_string()),
            ("bytes-freed", self.bytes_freed.to_string()),
            (
                "rule-counts",
                serde_json::to_string(&per_rule).unwrap_or_default(),
            ),
        ]
    }

    /// The Markdown job summary.
    pub fn markdown(&self, title: &str) -> String {
        let mut md = format!(
            "### {title}: {}\n\n{} images, evaluated {} with {}.\n\n| rule | description | action | selected | acted | protected | freed |\n| ---: | --- | --- | ---: | ---: | ---: | ---: |\n",
            self.repository.as_deref().unwrap_or("snapshot"),
            self.images,
            self.now,
            self.policy_source
        );
        for rule in &self.rules {
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                rule.rule_priority,
                rule.description.as_deref().unwrap_or(""),
                verb(rule.action),
                rule.selected,
                rule.acted,
                rule.protected,
                human_bytes(rule.bytes)
            ));
        }
        md.push_str(&format!(
            "\n**{} to expire, {} to transition, {} protected, {} freed.**\n",
            self.expire.len(),
            self.transition.len(),
            self.protected.len(),
            human_bytes(self.bytes_freed)
        ));
        if !self.protected.is_empty() {
            md.push_str("\n| protected image | reason |\n| --- | --- |\n");
            for p in &self.protected {
                md.push_str(&format!(
                    "| `{}` | {} |\n",
                    describe(&p.image_digest, &p.image_tags),
                    p.reason.replace('|', "\\|")
                ));
            }
        }
        md
    }
}

fn counts(outcome: &RuleOutcome, rule: &Rule) -> RuleCounts {
    RuleCounts {
        rule_priority: outcome.priority,
        claim: rule.claim_text(),
        description: rule.description.clone(),
        action: rule.action,
        selected: outcome.selected,
        claimed_by_earlier_rules: outcome.claimed_earlier,
        kept_slots_claimed: outcome.kept_slots_claimed,
        acted: outcome.acted,
        protected: outcome.protected,
        bytes: outcome.bytes,
    }
}

fn verb(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Expire => "expire",
        ActionKind::Transition => "transition",
    }
}

/// `1.5 MiB`.
pub fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    #[allow(clippy::cast_precision_loss)]
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
