//! Unit tests of the Markdown and log renderings.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::summary::{AttributeChange, Counts, OutputChange, ResourceChange};

const HEADING: Heading<'static> = Heading {
    operation: "plan",
    env: "dev",
    dir: "terraform",
    plan_sha256: Some("ab12"),
    log_url: Some("https://github.com/o/r/actions/runs/7"),
};

fn resource(address: String, action: Action) -> ResourceChange {
    ResourceChange {
        address,
        action,
        attributes: vec![AttributeChange {
            name: "input".into(),
            before: Some(json!("old")),
            after: Some(json!("new")),
        }],
    }
}

fn summary_of(resources: Vec<ResourceChange>) -> PlanSummary {
    let mut counts = Counts::default();
    for r in &resources {
        match r.action {
            Action::Create => counts.add += 1,
            Action::Update => counts.change += 1,
            Action::Delete => counts.destroy += 1,
            Action::Replace => counts.replace += 1,
            _ => {}
        }
    }
    PlanSummary {
        has_changes: !resources.is_empty(),
        counts,
        resources,
        outputs: vec![OutputChange {
            name: "cluster".into(),
            action: Action::Update,
            sensitive: false,
            before: Some(json!("a")),
            after: Some(json!("b")),
        }],
        destroys_everything: false,
    }
}

#[test]
fn small_plan_is_complete() {
    let summary = summary_of(vec![
        resource("terraform_data.a".into(), Action::Create),
        resource("terraform_data.b".into(), Action::Replace),
    ]);
    let text = markdown(&HEADING, &summary, COMMENT_LIMIT);
    assert!(text.starts_with("### Terraform plan: `dev` in `terraform`"));
    assert!(text.contains("**1 to add, 0 to change, 0 to destroy, 1 to replace.**"));
    assert!(text.find("**replace (1)**").unwrap() < text.find("**create (1)**").unwrap());
    assert!(text.contains("| `cluster` | update in place | `\"b\"` |"));
    assert!(text.contains("+ terraform_data.a\n    input = \"old\" -> \"new\""));
    assert!(text.contains("Plan file sha256: `ab12`"));
    assert!(!text.contains("Truncated"));
}

#[test]
fn no_changes_says_so() {
    let text = markdown(&HEADING, &PlanSummary::default(), COMMENT_LIMIT);
    assert!(text.contains("**No changes.**"));
}

#[test]
fn ten_thousand_changes_fit_a_comment() {
    let resources = (0..10_000)
        .map(|i| resource(format!("module.app.terraform_data.r[{i}]"), Action::Update))
        .collect();
    let summary = summary_of(resources);
    let text = markdown(&HEADING, &summary, COMMENT_LIMIT);
    assert!(text.chars().count() <= COMMENT_LIMIT);
    assert!(text.contains("**0 to add, 10000 to change, 0 to destroy, 0 to replace.**"));
    assert!(text.contains("**update in place (10000)**"));
    assert!(text.contains("- `module.app.terraform_data.r[0]`"));
    assert!(
        text.contains("The full plan is in [the job log](https://github.com/o/r/actions/runs/7)")
    );
    assert!(text.contains("Plan file sha256"));
    assert_eq!(text.matches("```").count() % 2, 0, "unclosed code block");
    assert_eq!(detail_lines(&summary).len(), 10_000 * 2 + 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn never_over_the_limit(
        addresses in prop::collection::vec("[a-z_.\\[\\]0-9é]{1,300}", 0..250),
        limit in 700usize..70_000,
    ) {
        let resources = addresses
            .into_iter()
            .enumerate()
            .map(|(i, a)| resource(a, ORDER[i % ORDER.len()]))
            .collect();
        let text = markdown(&HEADING, &summary_of(resources), limit);
        prop_assert!(text.len() <= limit);
    }
}
