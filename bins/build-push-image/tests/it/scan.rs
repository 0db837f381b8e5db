//! The scan gate through the binary, against moto's ECR: moto answers
//! DescribeImageScanFindings for an image it holds with a canned result
//! (one HIGH finding, CVE-9999-9999) once a scan was started, so the test
//! copies the pushed manifest into moto's ECR under its digest first.

use aws_sdk_ecr::types::ImageTagMutability;
use serde_json::json;

use crate::harness::{World, sha256};

#[test]
fn findings_at_or_above_the_threshold_exit_3_with_counts_and_top_findings() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("a.txt", "scanned")]);
    let pushed = world.build("buildah", &context, &[]).assert_code(0).json();
    let context_tag = pushed["context_tag"].as_str().unwrap();
    let digest = world.copy_to_ecr(context_tag);
    assert_eq!(pushed["digest"], digest.as_str());

    // No scan yet: the gate starts one and waits for it.
    let gated = world.build("buildah", &context, &["--fail-on-severity", "HIGH"]);
    let json = gated.assert_code(3).json();
    assert_eq!(json["built"], false);
    assert_eq!(json["scan"]["failed"], true);
    assert_eq!(json["scan"]["counts"], json!({"HIGH": 1}));
    assert_eq!(json["scan"]["images"], json!([digest]));
    assert_eq!(json["scan"]["top"][0]["id"], "CVE-9999-9999");
    assert!(
        gated
            .stderr
            .contains("scan FAILED (fail on HIGH and above): HIGH 1")
            && gated.stderr.contains("CVE-9999-9999"),
        "{}",
        gated.stderr
    );

    // Below the threshold the same scan passes.
    let passed = world.build("buildah", &context, &["--fail-on-severity", "CRITICAL"]);
    let json = passed.assert_code(0).json();
    assert_eq!(json["scan"]["failed"], false);
    assert_eq!(json["scan"]["counts"], json!({"HIGH": 1}));
}

#[test]
fn an_image_ecr_does_not_hold_fails_the_gate_at_once() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("a.txt", "elsewhere")]);
    // The image goes to the local registry only; ECR never sees it.
    let gated = world.build(
        "buildah",
        &context,
        &["--fail-on-severity", "HIGH", "--scan-timeout", "1h"],
    );
    gated.assert_code(1);
    assert!(
        gated.stderr.contains("has no image with this digest")
            && gated.stderr.contains("--registry"),
        "{}",
        gated.stderr
    );
}

#[test]
fn the_gate_of_an_index_judges_its_platform_images() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("a.txt", "multi")]);
    let pushed = world.build("buildah", &context, &[]).assert_code(0).json();
    let context_tag = pushed["context_tag"].as_str().unwrap();
    let image = world.manifest(context_tag).unwrap();
    let digest = world.copy_to_ecr(context_tag);
    // An index over the image, with an attestation entry as BuildKit
    // writes it (here pointing at the same manifest: if it were judged as
    // a platform image, its findings would count twice).
    let entry = |platform: serde_json::Value, annotations: serde_json::Value| {
        json!({
            "mediaType": image.media_type,
            "digest": digest,
            "size": image.bytes.len(),
            "platform": platform,
            "annotations": annotations,
        })
    };
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            entry(json!({"os": "linux", "architecture": "amd64"}), json!({})),
            entry(
                json!({"os": "unknown", "architecture": "unknown"}),
                json!({"vnd.docker.reference.type": "attestation-manifest",
                       "vnd.docker.reference.digest": digest}),
            ),
        ],
    })
    .to_string();
    world.put_manifest(
        context_tag,
        index.as_bytes(),
        "application/vnd.oci.image.index.v1+json",
    );

    let gated = world.build("buildah", &context, &["--fail-on-severity", "HIGH"]);
    let json = gated.assert_code(3).json();
    assert_eq!(json["digest"], sha256(index.as_bytes()));
    assert_eq!(json["scan"]["images"], json!([digest]));
    assert_eq!(json["scan"]["counts"], json!({"HIGH": 1}));
    assert!(
        gated.stderr.contains(&format!("{digest} (linux/amd64)")),
        "{}",
        gated.stderr
    );
}
