//! Parsing `--promote-from`, and the summary and closing lines of fixed
//! promotions, as users read them.

use super::*;

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const CONFIG: &str = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
const REGISTRY: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

#[test]
fn a_source_is_a_registry_repository_and_digest() {
    let parsed = SourceImage::parse(
        &format!("{REGISTRY}/team/portfolio-dev-backend@{DIGEST}"),
        true,
    )
    .unwrap();
    assert_eq!(
        parsed,
        SourceImage {
            host: REGISTRY.into(),
            repository: "team/portfolio-dev-backend".into(),
            digest: DIGEST.into(),
            insecure: false,
        }
    );
    let tagged = SourceImage::parse(
        &format!("127.0.0.1:5000/portfolio-dev-backend:sha-1234567@{DIGEST}"),
        true,
    )
    .unwrap();
    assert_eq!(tagged.host, "127.0.0.1:5000");
    assert_eq!(tagged.repository, "portfolio-dev-backend");
    assert!(
        tagged.insecure,
        "plain HTTP to loopback with --insecure-registry"
    );
}

#[test]
fn a_source_without_host_or_a_full_digest_is_refused_with_the_flag_named() {
    for (value, reason) in [
        (
            format!("{REGISTRY}/portfolio-dev-backend:main"),
            "names no digest",
        ),
        (
            format!("portfolio-dev-backend@{DIGEST}"),
            "names no registry host",
        ),
        (
            format!("{REGISTRY}/portfolio-dev-backend@sha256:abc"),
            "64 lowercase hex",
        ),
        (
            format!("{REGISTRY}/portfolio-dev-backend@md5:{}", &DIGEST[7..]),
            "not sha256",
        ),
        (
            format!("{REGISTRY}/Portfolio@{DIGEST}"),
            "invalid repository",
        ),
    ] {
        let err = SourceImage::parse(&value, false).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("--promote-from"), "{message}");
        assert!(message.contains(reason), "{value}: {message}");
    }
}

fn promotion() -> Promotion {
    let tags = vec!["sha-89abcde".to_owned(), "main".to_owned()];
    Promotion {
        source: format!("{REGISTRY}/portfolio-dev-backend@{DIGEST}"),
        source_digest: DIGEST.into(),
        image: format!("{REGISTRY}/portfolio-prod-backend:sha-89abcde"),
        reference: format!("{REGISTRY}/portfolio-prod-backend@{DIGEST}"),
        imageid: CONFIG.into(),
        digest: DIGEST.into(),
        registry: REGISTRY.into(),
        repository: "portfolio-prod-backend".into(),
        references: tags
            .iter()
            .map(|t| format!("{REGISTRY}/portfolio-prod-backend:{t}"))
            .collect(),
        changed_tags: tags.clone(),
        tags,
        platforms: Vec::new(),
        manifests: 1,
        blobs: BlobCounts {
            mounted: 3,
            copied: 0,
            present: 0,
        },
        scan: None,
    }
}

fn index() -> Promotion {
    Promotion {
        imageid: DIGEST.into(),
        platforms: vec!["linux/amd64".into(), "linux/arm64".into()],
        manifests: 3,
        blobs: BlobCounts {
            mounted: 0,
            copied: 4,
            present: 1,
        },
        ..promotion()
    }
}

#[test]
fn promoted_summary() {
    insta::assert_snapshot!(promotion().markdown());
}

#[test]
fn promoted_lines() {
    insta::assert_snapshot!(portfolio_core::Report::lines(&promotion()).join("\n"));
}

#[test]
fn promoted_index_summary() {
    insta::assert_snapshot!(index().markdown());
}

#[test]
fn promoted_index_lines() {
    insta::assert_snapshot!(portfolio_core::Report::lines(&index()).join("\n"));
}

#[test]
fn outputs_name_the_digest_in_the_target_and_the_source() {
    let outputs = portfolio_core::Report::outputs(&promotion());
    let get = |name: &str| {
        outputs
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
            .unwrap()
    };
    assert_eq!(get("digest"), DIGEST);
    assert_eq!(
        get("digest-reference"),
        format!("{REGISTRY}/portfolio-prod-backend@{DIGEST}")
    );
    assert_eq!(
        get("promoted-from"),
        format!("{REGISTRY}/portfolio-dev-backend@{DIGEST}")
    );
    assert_eq!(get("built"), "false");
    assert_eq!(get("blobs-mounted"), "3");
}
