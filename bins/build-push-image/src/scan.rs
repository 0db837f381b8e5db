//! The scan gate: wait for ECR's scan of the pushed digest, then judge it.
//!
//! Both result shapes are read: basic scanning (`findingSeverityCounts`
//! and `findings`) and enhanced scanning (Inspector's `enhancedFindings`,
//! severities such as `UNTRIAGED`). A missing scan (scan on push off) is
//! started once; a scan in progress is polled until `timeout`. An image
//! that ECR does not have (pushed to another registry with `--registry`)
//! fails at once: no scan of it will ever come.
//!
//! ECR scans image manifests, not image indexes; the gate of a multi-arch
//! push judges every platform image the index lists ([`combine`]).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_ecr::types::{ImageIdentifier, ImageScanFindings, ScanStatus};
use portfolio_core::AwsError;
use serde::Serialize;

use crate::ecr::RepositoryId;
use crate::error::Error;

/// Vulnerability severities, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum, Serialize)]
#[value(rename_all = "UPPER")]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// CRITICAL
    Critical,
    /// HIGH
    High,
    /// MEDIUM
    Medium,
    /// LOW
    Low,
    /// INFORMATIONAL
    Informational,
    /// UNDEFINED (or UNTRIAGED, in enhanced scanning)
    Undefined,
}

/// Findings listed in the report, most severe first.
const TOP_FINDINGS: usize = 5;

/// One finding, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// CVE or finding name.
    pub id: String,
    /// Title or description, when given.
    pub title: Option<String>,
}

/// The judged scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    /// Findings per severity.
    pub counts: BTreeMap<Severity, i64>,
    /// The most severe findings.
    pub top: Vec<Finding>,
    /// The threshold.
    pub threshold: Severity,
    /// Something at or above the threshold was found.
    pub failed: bool,
    /// The image digests whose scans were judged (the platform images of
    /// an index, or the pushed image).
    pub images: Vec<String>,
}

impl ScanReport {
    /// `CRITICAL 1, HIGH 3`.
    pub fn counts_line(&self) -> String {
        if self.counts.is_empty() {
            return "no findings".into();
        }
        self.counts
            .iter()
            .map(|(severity, count)| format!("{} {count}", severity_name(*severity)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `CRITICAL`, ... as ECR spells it.
pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Informational => "INFORMATIONAL",
        Severity::Undefined => "UNDEFINED",
    }
}

/// ECR's severity names, basic and enhanced.
pub fn parse_severity(text: &str) -> Severity {
    match text.to_ascii_uppercase().as_str() {
        "CRITICAL" => Severity::Critical,
        "HIGH" => Severity::High,
        "MEDIUM" => Severity::Medium,
        "LOW" => Severity::Low,
        "INFORMATIONAL" => Severity::Informational,
        _ => Severity::Undefined,
    }
}

/// Judges `findings` against `threshold`.
pub fn evaluate(findings: &ImageScanFindings, threshold: Severity) -> ScanReport {
    let mut counts: BTreeMap<Severity, i64> = BTreeMap::new();
    for (severity, count) in findings.finding_severity_counts().into_iter().flatten() {
        *counts.entry(parse_severity(severity.as_str())).or_default() += i64::from(*count);
    }
    let mut top: Vec<Finding> = findings
        .findings()
        .iter()
        .map(|f| Finding {
            severity: f
                .severity()
                .map_or(Severity::Undefined, |s| parse_severity(s.as_str())),
            id: f.name().unwrap_or("unnamed").to_owned(),
            title: f.description().map(str::to_owned),
        })
        .collect();
    let enhanced: Vec<Finding> = findings
        .enhanced_findings()
        .iter()
        .map(|f| Finding {
            severity: parse_severity(f.severity().unwrap_or("UNDEFINED")),
            id: f
                .package_vulnerability_details()
                .and_then(|d| d.vulnerability_id())
                .or(f.finding_arn())
                .unwrap_or("unnamed")
                .to_owned(),
            title: f.title().map(str::to_owned),
        })
        .collect();
    if counts.is_empty() {
        for finding in &enhanced {
            *counts.entry(finding.severity).or_default() += 1;
        }
    }
    top.extend(enhanced);
    top.sort_by_key(|f| f.severity);
    top.truncate(TOP_FINDINGS);
    let failed = counts
        .iter()
        .any(|(severity, count)| *severity <= threshold && *count > 0);
    ScanReport {
        counts,
        top,
        threshold,
        failed,
        images: Vec::new(),
    }
}

/// One verdict from the scans of several images (the platform images of an
/// index): counts added up, the most severe findings of all, failed when
/// any failed.
pub fn combine(reports: Vec<ScanReport>, threshold: Severity) -> ScanReport {
    let mut combined = ScanReport {
        counts: BTreeMap::new(),
        top: Vec::new(),
        threshold,
        failed: false,
        images: Vec::new(),
    };
    for report in reports {
        for (severity, count) in report.counts {
            *combined.counts.entry(severity).or_default() += count;
        }
        combined.top.extend(report.top);
        combined.failed |= report.failed;
        combined.images.extend(report.images);
    }
    combined.top.sort_by_key(|f| f.severity);
    combined.top.truncate(TOP_FINDINGS);
    combined
}

/// Waits for the scan of `digest` in `repository` and judges it.
pub async fn wait(
    ecr: &aws_sdk_ecr::Client,
    repository: RepositoryId<'_>,
    digest: &str,
    threshold: Severity,
    timeout: Duration,
    poll: Duration,
) -> Result<ScanReport, Error> {
    let deadline = Instant::now() + timeout;
    let image = ImageIdentifier::builder().image_digest(digest).build();
    let mut started = false;
    let fail = |reason: String| Error::Scan {
        digest: digest.to_owned(),
        reason,
    };
    let not_in_ecr = || Error::NotInEcr {
        digest: digest.to_owned(),
        repository: repository.name.to_owned(),
    };
    let registry_id = repository.registry_id.map(str::to_owned);
    loop {
        let response = ecr
            .describe_image_scan_findings()
            .set_registry_id(registry_id.clone())
            .repository_name(repository.name)
            .image_id(image.clone())
            .send()
            .await;
        match response {
            Ok(out) => {
                let status = out.image_scan_status().and_then(|s| s.status());
                match status {
                    Some(ScanStatus::Complete | ScanStatus::Active) => {
                        let findings = out
                            .image_scan_findings()
                            .cloned()
                            .unwrap_or_else(|| ImageScanFindings::builder().build());
                        let mut report = evaluate(&findings, threshold);
                        report.images.push(digest.to_owned());
                        return Ok(report);
                    }
                    Some(
                        ScanStatus::Failed
                        | ScanStatus::UnsupportedImage
                        | ScanStatus::FindingsUnavailable
                        | ScanStatus::ScanEligibilityExpired,
                    ) => {
                        let description = out
                            .image_scan_status()
                            .and_then(|s| s.description())
                            .unwrap_or("no description");
                        return Err(fail(format!(
                            "the scan ended as {}: {description}",
                            status.map_or("unknown", |s| s.as_str())
                        )));
                    }
                    _ => {}
                }
            }
            Err(err) => {
                let service = err.as_service_error();
                if service.is_some_and(aws_sdk_ecr::operation::describe_image_scan_findings::DescribeImageScanFindingsError::is_image_not_found_exception) {
                    return Err(not_in_ecr());
                }
                if service.is_some_and(aws_sdk_ecr::operation::describe_image_scan_findings::DescribeImageScanFindingsError::is_scan_not_found_exception) && !started {
                    match ecr
                        .start_image_scan()
                        .set_registry_id(registry_id.clone())
                        .repository_name(repository.name)
                        .image_id(image.clone())
                        .send()
                        .await
                    {
                        Ok(_) => started = true,
                        Err(err)
                            if err
                                .as_service_error()
                                .is_some_and(aws_sdk_ecr::operation::start_image_scan::StartImageScanError::is_image_not_found_exception) =>
                        {
                            return Err(not_in_ecr());
                        }
                        Err(err) => {
                            return Err(AwsError::new("ecr:StartImageScan", &err)
                                .on(repository.name)
                                .into());
                        }
                    }
                } else if !service.is_some_and(aws_sdk_ecr::operation::describe_image_scan_findings::DescribeImageScanFindingsError::is_scan_not_found_exception) {
                    return Err(AwsError::new("ecr:DescribeImageScanFindings", &err)
                        .on(repository.name)
                        .into());
                }
            }
        }
        if Instant::now() + poll > deadline {
            return Err(fail(format!(
                "no result within {}",
                humantime::format_duration(timeout)
            )));
        }
        tokio::time::sleep(poll).await;
    }
}

#[cfg(test)]
mod tests;
