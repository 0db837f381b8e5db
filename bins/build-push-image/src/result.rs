//! The result of a run, as a [`Report`]: the step outputs, the `--json`
//! object, the job summary and the closing lines on stderr, all written by
//! [`portfolio_core::Session::publish`].

use portfolio_core::Report;
use serde::Serialize;

use crate::scan::{ScanReport, severity_name};

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// `registry/repository:tag` of the first tag.
    pub image: String,
    /// The image id: the config digest of an image (an index's own digest
    /// for a multi-platform image), as docker/build-push-action's `imageid`.
    pub imageid: String,
    /// Manifest digest in the registry (empty when nothing was pushed).
    pub digest: String,
    /// Whether the image was pushed (false with `--no-push`).
    pub pushed: bool,
    /// Every tag the image has now (the context tag last).
    pub tags: Vec<String>,
    /// The same as full references, `registry/repository:tag`.
    pub references: Vec<String>,
    /// Whether a build ran (false: the context tag was already there).
    pub built: bool,
    /// `ctx-<12 hex>`.
    pub context_tag: String,
    /// Registry host.
    pub registry: String,
    /// Repository.
    pub repository: String,
    /// Tags added or moved by this run (empty on a no-op re-run).
    pub changed_tags: Vec<String>,
    /// The builder that ran, when one did.
    pub builder: Option<String>,
    /// The scan gate's verdict, when asked for.
    pub scan: Option<ScanReport>,
}

impl Report for Outcome {
    fn outputs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("image", self.image.clone()),
            ("imageid", self.imageid.clone()),
            ("digest", self.digest.clone()),
            ("digest-reference", self.digest_reference()),
            ("metadata", self.metadata()),
            ("tags", self.references.join("\n")),
            ("built", self.built.to_string()),
            ("context-tag", self.context_tag.clone()),
        ]
    }

    fn summary(&self) -> Option<String> {
        Some(self.markdown())
    }

    /// The scan verdict, if any, then what was pushed or reused.
    fn lines(&self) -> Vec<String> {
        let mut lines = self.scan.as_ref().map(scan_lines).unwrap_or_default();
        lines.push(if self.pushed {
            format!(
                "{} {}@{} ({})",
                if self.built { "pushed" } else { "reused" },
                self.image,
                self.digest,
                self.tags.join(", ")
            )
        } else {
            format!(
                "built {} ({}), not pushed ({})",
                self.image,
                self.imageid,
                self.tags.join(", ")
            )
        });
        lines
    }
}

impl Outcome {
    /// `registry/repository@digest` once pushed (what `--promote-from`
    /// takes), else empty.
    pub fn digest_reference(&self) -> String {
        if self.pushed {
            format!("{}/{}@{}", self.registry, self.repository, self.digest)
        } else {
            String::new()
        }
    }

    /// The build result as docker buildx's metadata file has it:
    /// `image.name` (every reference, comma separated),
    /// `containerimage.config.digest` and, once pushed,
    /// `containerimage.digest`.
    pub fn metadata(&self) -> String {
        let mut value = serde_json::Map::new();
        value.insert("image.name".into(), self.references.join(",").into());
        if !self.imageid.is_empty() {
            value.insert(
                "containerimage.config.digest".into(),
                self.imageid.clone().into(),
            );
        }
        if self.pushed {
            value.insert("containerimage.digest".into(), self.digest.clone().into());
        }
        serde_json::Value::Object(value).to_string()
    }

    /// The job summary in Markdown.
    pub fn markdown(&self) -> String {
        let mut text = format!(
            "### build-push-image: `{}`\n\n| | |\n| --- | --- |\n| image | `{}` |\n| image id | `{}` |\n| digest | {} |\n| built | {} |\n| tags | {} |\n",
            if self.registry.is_empty() {
                self.repository.clone()
            } else {
                format!("{}/{}", self.registry, self.repository)
            },
            self.image,
            self.imageid,
            if self.pushed {
                format!("`{}`", self.digest)
            } else {
                "none: not pushed (--no-push)".to_owned()
            },
            if self.built {
                "yes".to_owned()
            } else {
                format!("no, reused `{}`", self.context_tag)
            },
            code_spans(&self.tags),
        );
        if let Some(scan) = &self.scan {
            text.push_str(&scan_rows(scan));
        }
        text
    }
}

/// Tags as Markdown code spans, separated by spaces (a summary cell).
pub fn code_spans(tags: &[String]) -> String {
    tags.iter()
        .map(|t| format!("`{t}`"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The summary table rows of a scan: its verdict, then its top findings.
pub fn scan_rows(scan: &ScanReport) -> String {
    let mut rows = format!(
        "| scan (fail on {}) | {} {} |\n",
        severity_name(scan.threshold),
        if scan.failed { "failed:" } else { "passed:" },
        scan.counts_line()
    );
    for finding in &scan.top {
        rows.push_str(&format!(
            "| | {} `{}` {} |\n",
            severity_name(finding.severity),
            finding.id,
            finding.title.as_deref().unwrap_or("")
        ));
    }
    rows
}

/// The scan verdict and its top findings, one line each.
pub fn scan_lines(scan: &ScanReport) -> Vec<String> {
    let of = match scan.images.len() {
        0 | 1 => String::new(),
        n => format!(" of {n} platform images"),
    };
    let mut lines = vec![format!(
        "scan{of} {} (fail on {} and above): {}",
        if scan.failed { "FAILED" } else { "passed" },
        severity_name(scan.threshold),
        scan.counts_line()
    )];
    lines.extend(scan.top.iter().map(|f| {
        format!(
            "  {:<13} {} {}",
            severity_name(f.severity),
            f.id,
            f.title.as_deref().unwrap_or("")
        )
    }));
    lines
}

#[cfg(test)]
mod tests;
