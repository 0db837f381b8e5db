//! `preview --images-json`: the describe-images JSON of the AWS CLI,
//! evaluated offline with no AWS call.

use serde_json::json;

use std::path::Path;

use portfolio_testkit::Run;

use crate::harness::{listed, run, write};

/// `preview --images-json SNAPSHOT --now 2025-06-01T00:00:00Z` plus `extra`.
fn preview_at_june(dir: &Path, env: &[(&str, String)], snapshot: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "preview",
        "--images-json",
        snapshot.to_str().unwrap(),
        "--now",
        "2025-06-01T00:00:00Z",
    ];
    args.extend(extra);
    run(dir, env, &args)
}

#[test]
fn offline_preview_reports_expirations_and_makes_no_aws_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut details = Vec::new();
    for i in 0..12 {
        details.push(json!({
            "registryId": "123456789012",
            "repositoryName": "portfolio-dev-backend",
            "imageDigest": format!("sha256:{i:064}"),
            "imageTags": [format!("v1.{i}")],
            "imageSizeInBytes": 1_000_000,
            "imagePushedAt": format!("2025-05-{:02}T10:00:00+00:00", i + 1),
            "imageManifestMediaType": "application/vnd.oci.image.manifest.v1+json",
        }));
    }
    // Untagged: one old (epoch seconds, as with cli_timestamp_format=none), one new.
    details.push(json!({"imageDigest": "sha256:old-untagged", "imagePushedAt": 1_746_000_000.5, "imageSizeInBytes": 10}));
    details.push(
        json!({"imageDigest": "sha256:new-untagged", "imagePushedAt": "2025-05-30T00:00:00Z"}),
    );
    // Signatures go with their subject: the oldest tagged image's expires
    // with it; the newest's is kept with it, though rule 2 selects both.
    details.push(json!({"imageDigest": "sha256:signature", "imagePushedAt": "2025-01-01T00:00:00Z", "subjectManifestDigest": format!("sha256:{:064}", 0)}));
    details.push(json!({"imageDigest": "sha256:kept-signature", "imagePushedAt": "2025-01-01T00:00:00Z", "subjectManifestDigest": format!("sha256:{:064}", 11)}));
    let snapshot = write(
        dir.path(),
        "images.json",
        &json!({"imageDetails": details}).to_string(),
    );
    // Any AWS call would fail: the endpoint is a closed port.
    let env = [("AWS_ENDPOINT_URL", "http://127.0.0.1:9".to_owned())];
    let out = preview_at_june(dir.path(), &env, &snapshot, &["--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(
        listed(&json, "expire"),
        [
            format!("sha256:{:064}", 0),
            format!("sha256:{:064}", 1),
            "sha256:old-untagged".to_owned(),
            "sha256:signature".to_owned(),
        ]
    );
    assert_eq!(listed(&json, "protected"), ["sha256:kept-signature"]);
    assert_eq!(
        json["protected"][0]["reason"],
        "referrer of sha256:000000000000 (v1.11), which is kept: goes with its subject"
    );
    assert_eq!(json["apiCalls"], json!({}));
    assert_eq!(json["rules"][0]["acted"], 3);
    assert_eq!(json["rules"][1]["acted"], 1);
    assert_eq!(json["rules"][1]["protected"], 1);
    assert_eq!(json["bytesFreed"], 2_000_010);
    // Oldest first: the signature, the untagged image, then the two oldest v1.x.
    assert_eq!(json["expire"][0]["imageDigest"], "sha256:signature");
    assert_eq!(
        json["expire"][0]["reason"],
        "referrer of sha256:000000000000 (v1.0), which expires: goes with its subject"
    );
    assert_eq!(json["expire"][1]["imageDigest"], "sha256:old-untagged");
    let first = &json["expire"][2];
    assert_eq!(first["imageDigest"], format!("sha256:{:064}", 0));
    assert_eq!(first["rulePriority"], 1);
    assert_eq!(
        first["reason"],
        "image #12 of 12 by push time, newest first; the rule keeps 10"
    );
    assert_eq!(
        json["rules"][0]["claim"],
        "rule 1 (tagPrefixList [v], imageCountMoreThan 10)"
    );
    assert_eq!(
        json["rules"][1]["claim"],
        "rule 2 (untagged, sinceImagePushed 7 days)"
    );

    // The human lines name, per image, the rule that claimed it and why.
    let human = preview_at_june(dir.path(), &env, &snapshot, &[]);
    assert_eq!(human.code, 0, "{}", human.stderr);
    for line in [
        "  expire sha256:000000000000 (v1.0): claimed by rule 1 (tagPrefixList [v], imageCountMoreThan 10): image #12 of 12 by push time, newest first; the rule keeps 10",
        "  expire sha256:old-untagged: claimed by rule 2 (untagged, sinceImagePushed 7 days): pushed 2025-04-30T08:00:00Z (31 days ago), more than 7 days",
    ] {
        assert!(
            human.stderr.lines().any(|l| l == line),
            "no line {line:?} in:\n{}",
            human.stderr
        );
    }
    assert!(
        human.stderr.lines().any(|l| l
            == "protected sha256:kept-signatu from rule 2 (untagged, sinceImagePushed 7 days): \
                referrer of sha256:000000000000 (v1.11), which is kept: goes with its subject"),
        "{}",
        human.stderr
    );
}

#[test]
fn offline_preview_writes_outputs_and_summary_under_actions() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = write(
        dir.path(),
        "images.json",
        r#"{"imageDetails":[{"imageDigest":"sha256:a","imagePushedAt":"2025-01-01T00:00:00Z","imageSizeInBytes":2048}]}"#,
    );
    let output = dir.path().join("output");
    let summary = dir.path().join("summary");
    let env = [
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_OUTPUT", output.display().to_string()),
        ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
    ];
    let out = preview_at_june(dir.path(), &env, &snapshot, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let outputs = std::fs::read_to_string(output).unwrap();
    assert!(outputs.contains("expire-count=1\n"), "{outputs}");
    assert!(outputs.contains("bytes-freed=2048\n"), "{outputs}");
    assert!(
        outputs.contains("rule-counts={\"1\":0,\"2\":1}\n"),
        "{outputs}"
    );
    let markdown = std::fs::read_to_string(summary).unwrap();
    assert!(
        markdown.contains(
            "| 2 | Expire untagged images 7 days after push | expire | 1 | 1 | 0 | 2.0 KiB |"
        ),
        "{markdown}"
    );
}

#[test]
fn bad_now_and_bad_snapshot_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = write(
        dir.path(),
        "images.json",
        r#"{"imageDetails":[{"imageDigest":"sha256:a","imagePushedAt":"yesterday"}]}"#,
    );
    let out = run(
        dir.path(),
        &[],
        &["preview", "--images-json", snapshot.to_str().unwrap()],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("imageDetails[0].imagePushedAt"),
        "{}",
        out.stderr
    );
    let out = run(
        dir.path(),
        &[],
        &[
            "preview",
            "--images-json",
            snapshot.to_str().unwrap(),
            "--now",
            "soon",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--now"), "{}", out.stderr);
}

#[test]
fn without_credentials_only_our_message_shows_not_the_sdks_warnings() {
    let dir = tempfile::tempdir().unwrap();
    // A home without AWS files, and instance metadata asked as on a laptop:
    // the provider that fails there is what the SDK warns about.
    let env = [
        ("HOME", dir.path().display().to_string()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:1".to_owned()),
    ];
    let run = run(
        dir.path(),
        &env,
        &["preview", "--repository", "portfolio-dev-backend"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.ends_with(
            "ecr-lifecycle: error: ecr:GetLifecyclePolicy on portfolio-dev-backend failed: no usable \
             AWS credentials (-v shows what each provider of the chain said)\n\
             ecr-lifecycle: hint: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or use \
             aws-actions/configure-aws-credentials in a workflow\n"
        ),
        "{}",
        run.stderr
    );
    for noise in ["WARN", "provider failed", "Attempted", "\u{1b}["] {
        assert!(!run.stderr.contains(noise), "{noise:?} in:\n{}", run.stderr);
    }
}
