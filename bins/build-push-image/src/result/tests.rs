//! The job summary and closing lines of fixed results, as users read them.

use std::collections::BTreeMap;

use super::*;
use crate::scan::{Finding, Severity};

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const CONFIG: &str = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
const REGISTRY: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

fn pushed() -> Outcome {
    Outcome {
        image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-dev-backend:sha-89abcde"
            .into(),
        imageid: CONFIG.into(),
        digest: DIGEST.into(),
        pushed: true,
        tags: vec![
            "sha-89abcde".into(),
            "main".into(),
            "ctx-0123456789ab".into(),
        ],
        references: ["sha-89abcde", "main", "ctx-0123456789ab"]
            .iter()
            .map(|t| format!("{REGISTRY}/portfolio-dev-backend:{t}"))
            .collect(),
        built: true,
        context_tag: "ctx-0123456789ab".into(),
        registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com".into(),
        repository: "portfolio-dev-backend".into(),
        changed_tags: vec![
            "sha-89abcde".into(),
            "main".into(),
            "ctx-0123456789ab".into(),
        ],
        builder: Some("docker buildx".into()),
        scan: None,
    }
}

fn gated() -> Outcome {
    Outcome {
        built: false,
        changed_tags: vec!["main".into()],
        builder: None,
        scan: Some(ScanReport {
            counts: BTreeMap::from([(Severity::High, 1), (Severity::Low, 3)]),
            top: vec![Finding {
                severity: Severity::High,
                id: "CVE-2025-1".into(),
                title: Some("openssl: buffer overflow".into()),
            }],
            threshold: Severity::High,
            failed: true,
            images: vec![DIGEST.into()],
        }),
        ..pushed()
    }
}

#[test]
fn the_summary_and_lines_of_a_build() {
    let outcome = pushed();
    insta::assert_snapshot!("pushed_summary", outcome.summary().unwrap_or_default());
    insta::assert_snapshot!("pushed_lines", outcome.lines().join("\n"));
}

#[test]
fn the_summary_and_lines_of_a_failed_scan_gate() {
    let outcome = gated();
    insta::assert_snapshot!("gated_summary", outcome.summary().unwrap_or_default());
    insta::assert_snapshot!("gated_lines", outcome.lines().join("\n"));
}

#[test]
fn the_outputs_name_every_tag_and_the_context_tag() {
    let outputs = pushed().outputs();
    let get = |name: &str| {
        outputs
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    };
    // One full reference per line, as docker/metadata-action's `tags`.
    assert_eq!(
        get("tags").as_deref(),
        Some(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-dev-backend:sha-89abcde\n\
             123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-dev-backend:main\n\
             123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-dev-backend:ctx-0123456789ab"
        )
    );
    assert_eq!(get("imageid").as_deref(), Some(CONFIG));
    // What --promote-from takes in the next environment.
    assert_eq!(
        get("digest-reference"),
        Some(format!("{REGISTRY}/portfolio-dev-backend@{DIGEST}"))
    );
    let metadata: serde_json::Value =
        serde_json::from_str(&get("metadata").unwrap_or_default()).unwrap();
    assert_eq!(metadata["containerimage.digest"], DIGEST);
    assert_eq!(metadata["containerimage.config.digest"], CONFIG);
    assert_eq!(
        metadata["image.name"]
            .as_str()
            .unwrap_or_default()
            .split(',')
            .count(),
        3
    );
    assert_eq!(get("built").as_deref(), Some("true"));
    assert_eq!(get("context-tag").as_deref(), Some("ctx-0123456789ab"));
}

#[test]
fn the_summary_lines_and_outputs_of_a_build_without_push() {
    let outcome = Outcome {
        digest: String::new(),
        pushed: false,
        registry: String::new(),
        image: "portfolio-dev-backend:sha-89abcde".into(),
        references: ["sha-89abcde", "main", "ctx-0123456789ab"]
            .iter()
            .map(|t| format!("portfolio-dev-backend:{t}"))
            .collect(),
        changed_tags: Vec::new(),
        builder: Some("buildah".into()),
        ..pushed()
    };
    insta::assert_snapshot!("unpushed_summary", outcome.summary().unwrap_or_default());
    insta::assert_snapshot!("unpushed_lines", outcome.lines().join("\n"));
    let metadata: serde_json::Value = serde_json::from_str(&outcome.metadata()).unwrap();
    assert_eq!(metadata.get("containerimage.digest"), None);
    assert_eq!(metadata["containerimage.config.digest"], CONFIG);
}
