//! The results as users read them: the job summary and closing line of an
//! `enforce` dry run, on the fixed snapshot of the integration tests
//! (enforce reads its images from ECR, so the plan is made offline here).

use std::path::Path;

use super::*;
use crate::commands::preview::offline_report;
use crate::image::{parse_time, read_snapshot};
use crate::settings::{LoadedPolicy, Offline};

fn plan() -> PlanReport {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/images.json");
    let offline = Offline {
        images: read_snapshot(&fixture).unwrap_or_else(|e| panic!("{e}")),
        repository: Some("portfolio-dev-backend".into()),
        policy: LoadedPolicy::default_policy().unwrap_or_else(|e| panic!("{e}")),
        now: parse_time("2025-06-01T00:00:00Z").unwrap_or_default(),
    };
    offline_report(&offline)
}

#[test]
fn an_enforce_dry_run_summary_is_as_reviewed() {
    let result = EnforceResult {
        report: plan(),
        executed: false,
        max_delete: "50%".into(),
        refused: None,
        deleted: Vec::new(),
        failures: Vec::new(),
        api_calls: BTreeMap::new(),
        closing: Some("dry run: 5 images would be deleted; add --execute to delete them".into()),
    };
    insta::assert_snapshot!(result.summary().unwrap_or_default());
    let outputs: Vec<String> = result
        .outputs()
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    insta::assert_snapshot!("enforce_dry_run_outputs", outputs.join("\n"));
}

#[test]
fn a_refused_enforce_says_so_and_has_no_deleted_count() {
    let result = EnforceResult {
        report: plan(),
        executed: true,
        max_delete: "2".into(),
        refused: Some("refusing to delete 5 of 17 images".into()),
        deleted: Vec::new(),
        failures: Vec::new(),
        api_calls: BTreeMap::new(),
        closing: None,
    };
    let summary = result.summary().unwrap_or_default();
    assert!(
        summary.starts_with("### ecr-lifecycle enforce (refused): portfolio-dev-backend"),
        "{summary}"
    );
    assert!(
        !result
            .outputs()
            .iter()
            .any(|(name, _)| *name == "deleted-count")
    );
    assert!(result.lines().is_empty());
}
