//! Unit tests of the scan gate: both result shapes, and the polling, on
//! replayed ECR responses.

use aws_sdk_ecr::operation::describe_image_scan_findings::{
    DescribeImageScanFindingsError, DescribeImageScanFindingsOutput,
};
use aws_sdk_ecr::operation::start_image_scan::StartImageScanOutput;
use aws_sdk_ecr::types::error::{ImageNotFoundException, ScanNotFoundException};
use aws_sdk_ecr::types::{
    EnhancedImageScanFinding, FindingSeverity, ImageScanFinding, ImageScanStatus,
    PackageVulnerabilityDetails,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};

use super::*;

fn basic() -> ImageScanFindings {
    ImageScanFindings::builder()
        .finding_severity_counts(FindingSeverity::High, 2)
        .finding_severity_counts(FindingSeverity::Low, 5)
        .findings(
            ImageScanFinding::builder()
                .name("CVE-2024-1")
                .severity(FindingSeverity::Low)
                .build(),
        )
        .findings(
            ImageScanFinding::builder()
                .name("CVE-2024-2")
                .severity(FindingSeverity::High)
                .description("heap overflow")
                .build(),
        )
        .build()
}

fn enhanced() -> ImageScanFindings {
    let finding = |severity: &str, id: &str| {
        EnhancedImageScanFinding::builder()
            .severity(severity)
            .title(format!("{id} in openssl"))
            .package_vulnerability_details(
                PackageVulnerabilityDetails::builder()
                    .vulnerability_id(id)
                    .build(),
            )
            .build()
    };
    ImageScanFindings::builder()
        .enhanced_findings(finding("MEDIUM", "CVE-2025-3"))
        .enhanced_findings(finding("CRITICAL", "CVE-2025-4"))
        .enhanced_findings(finding("UNTRIAGED", "CVE-2025-5"))
        .build()
}

#[test]
fn basic_findings_fail_at_or_above_the_threshold() {
    let report = evaluate(&basic(), Severity::High);
    assert!(report.failed);
    assert_eq!(report.counts_line(), "HIGH 2, LOW 5");
    assert_eq!(report.top[0].id, "CVE-2024-2");
    assert!(!evaluate(&basic(), Severity::Critical).failed);
}

#[test]
fn enhanced_findings_are_counted_when_no_counts_are_given() {
    let report = evaluate(&enhanced(), Severity::Critical);
    assert!(report.failed);
    assert_eq!(report.counts_line(), "CRITICAL 1, MEDIUM 1, UNDEFINED 1");
    assert_eq!(report.top[0].id, "CVE-2025-4");
    assert_eq!(
        report.top[0].title.as_deref(),
        Some("CVE-2025-4 in openssl")
    );
}

#[test]
fn no_findings_pass() {
    let report = evaluate(&ImageScanFindings::builder().build(), Severity::Low);
    assert!(!report.failed);
    assert_eq!(report.counts_line(), "no findings");
}

/// The gate at HIGH on `repo` / `sha256:abc`, polling without pause.
async fn wait_high(ecr: &aws_sdk_ecr::Client) -> Result<ScanReport, Error> {
    wait(
        ecr,
        RepositoryId {
            name: "repo",
            registry_id: None,
        },
        "sha256:abc",
        Severity::High,
        Duration::from_secs(60),
        Duration::ZERO,
    )
    .await
}

fn status(status: ScanStatus) -> ImageScanStatus {
    ImageScanStatus::builder().status(status).build()
}

#[tokio::test]
async fn a_missing_scan_is_started_and_polled_to_completion() {
    let describe = mock!(aws_sdk_ecr::Client::describe_image_scan_findings)
        .sequence()
        .error(|| {
            DescribeImageScanFindingsError::ScanNotFoundException(
                ScanNotFoundException::builder().build(),
            )
        })
        .output(|| {
            DescribeImageScanFindingsOutput::builder()
                .image_scan_status(status(ScanStatus::InProgress))
                .build()
        })
        .output(|| {
            DescribeImageScanFindingsOutput::builder()
                .image_scan_status(status(ScanStatus::Complete))
                .image_scan_findings(basic())
                .build()
        })
        .build();
    let start = mock!(aws_sdk_ecr::Client::start_image_scan)
        .then_output(|| StartImageScanOutput::builder().build());
    let ecr = mock_client!(aws_sdk_ecr, RuleMode::MatchAny, [&describe, &start]);
    let report = wait_high(&ecr).await.unwrap();
    assert!(report.failed);
    assert_eq!(start.num_calls(), 1);
    assert_eq!(describe.num_calls(), 3);
}

#[tokio::test]
async fn a_failed_scan_is_an_error_naming_the_digest() {
    let describe = mock!(aws_sdk_ecr::Client::describe_image_scan_findings).then_output(|| {
        DescribeImageScanFindingsOutput::builder()
            .image_scan_status(
                ImageScanStatus::builder()
                    .status(ScanStatus::UnsupportedImage)
                    .description("scratch image")
                    .build(),
            )
            .build()
    });
    let ecr = mock_client!(aws_sdk_ecr, [&describe]);
    let err = wait_high(&ecr).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("sha256:abc") && text.contains("UNSUPPORTED_IMAGE"),
        "{text}"
    );
}

#[tokio::test]
async fn access_denied_names_the_call_the_repository_and_the_permission() {
    let describe = mock!(aws_sdk_ecr::Client::describe_image_scan_findings).then_error(|| {
        DescribeImageScanFindingsError::generic(
            aws_sdk_ecr::error::ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("User: ci is not authorized to perform: ecr:DescribeImageScanFindings")
                .build(),
        )
    });
    let ecr = mock_client!(aws_sdk_ecr, [&describe]);
    let err = wait_high(&ecr).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "ecr:DescribeImageScanFindings on repo failed: AccessDeniedException: \
         User: ci is not authorized to perform: ecr:DescribeImageScanFindings"
    );
    assert_eq!(portfolio_core::Failure::exit_code(&err), 1);
    let hint = portfolio_core::Failure::hint(&err).unwrap_or_default();
    assert!(
        hint.contains("IAM permission ecr:DescribeImageScanFindings on repo"),
        "{hint}"
    );
}

#[tokio::test]
async fn an_image_ecr_does_not_have_fails_at_once() {
    let describe = mock!(aws_sdk_ecr::Client::describe_image_scan_findings).then_error(|| {
        DescribeImageScanFindingsError::ImageNotFoundException(
            ImageNotFoundException::builder().build(),
        )
    });
    let ecr = mock_client!(aws_sdk_ecr, [&describe]);
    let err = wait_high(&ecr).await.unwrap_err();
    assert!(matches!(err, Error::NotInEcr { .. }), "{err}");
    assert_eq!(describe.num_calls(), 1);
    assert_eq!(
        err.to_string(),
        "scan of sha256:abc: ECR repository 'repo' has no image with this digest"
    );
    let hint = portfolio_core::Failure::hint(&err).unwrap_or_default();
    assert!(hint.contains("--registry"), "{hint}");
}

#[test]
fn the_platform_images_of_an_index_are_judged_together() {
    let mut amd64 = evaluate(&basic(), Severity::Critical);
    amd64.images.push("sha256:amd64".into());
    let mut arm64 = evaluate(&enhanced(), Severity::Critical);
    arm64.images.push("sha256:arm64".into());
    assert!(!amd64.failed && arm64.failed);
    let combined = combine(vec![amd64, arm64], Severity::Critical);
    assert!(combined.failed);
    assert_eq!(
        combined.counts_line(),
        "CRITICAL 1, HIGH 2, MEDIUM 1, LOW 5, UNDEFINED 1"
    );
    assert_eq!(combined.top[0].id, "CVE-2025-4");
    assert_eq!(combined.top.len(), TOP_FINDINGS);
    assert_eq!(combined.images, ["sha256:amd64", "sha256:arm64"]);
}

#[test]
fn severities_order_from_most_severe() {
    assert!(Severity::Critical < Severity::High);
    assert!(Severity::Low < Severity::Undefined);
}
