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
    /// Manifest digest in the registry.
    pub digest: String,
    /// Every tag the image has now (the context tag last).
    pub tags: Vec<String>,
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
            ("digest", self.digest.clone()),
            ("tags", self.tags.join(",")),
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
        lines.push(format!(
            "{} {}@{} ({})",
            if self.built { "pushed" } else { "reused" },
            self.image,
            self.digest,
            self.tags.join(", ")
        ));
        lines
    }
}

impl Outcome {
    /// The job summary in Markdown.
    pub fn markdown(&self) -> String {
        let mut text = format!(
            "### build-push-image: `{}/{}`\n\n| | |\n| --- | --- |\n| image | `{}` |\n| digest | `{}` |\n| built | {} |\n| tags | {} |\n",
            self.registry,
            self.repository,
            self.image,
            self.digest,
            if self.built {
                "yes".to_owned()
            } else {
                format!("no, reused `{}`", self.context_tag)
            },
            self.tags
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(" "),
        );
        if let Some(scan) = &self.scan {
            text.push_str(&format!(
                "| scan (fail on {}) | {} {} |\n",
                severity_name(scan.threshold),
                if scan.failed { "failed:" } else { "passed:" },
                scan.counts_line()
            ));
            for finding in &scan.top {
                text.push_str(&format!(
                    "| | {} `{}` {} |\n",
                    severity_name(finding.severity),
                    finding.id,
                    finding.title.as_deref().unwrap_or("")
                ));
            }
        }
        text
    }
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
