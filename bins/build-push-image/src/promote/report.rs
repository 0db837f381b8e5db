//! The result of a promotion, as a [`Report`]: the step outputs, the
//! `--json` object, the job summary and the closing lines, all written by
//! [`portfolio_core::Session::publish`]. The digest is shown in both
//! repositories, so a reader sees that the environment runs what the
//! previous one tested.

use portfolio_core::Report;
use serde::Serialize;

use crate::result::{code_spans, scan_lines, scan_rows};
use crate::scan::ScanReport;

/// How the blobs reached the target repository.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BlobCounts {
    /// Mounted from the source repository (same registry, no upload).
    pub mounted: usize,
    /// Streamed from the source and uploaded.
    pub copied: usize,
    /// Already in the target repository (another registry).
    pub present: usize,
}

/// What a promotion did.
#[derive(Debug, Clone, Serialize)]
pub struct Promotion {
    /// The image promoted: `registry/repository@digest` in the source.
    pub source: String,
    /// The digest of the manifest read from the source.
    pub source_digest: String,
    /// `registry/repository:tag` of the first tag in the target (the
    /// pinned reference when there is no tag).
    pub image: String,
    /// `registry/repository@digest` in the target.
    pub reference: String,
    /// The config digest of an image, the index's own digest for an index.
    pub imageid: String,
    /// The digest the target registry reports for every tag.
    pub digest: String,
    /// Target registry host.
    pub registry: String,
    /// Target repository.
    pub repository: String,
    /// Every tag the image has now in the target.
    pub tags: Vec<String>,
    /// The same as full references, `registry/repository:tag`.
    pub references: Vec<String>,
    /// Tags added or moved by this run.
    pub changed_tags: Vec<String>,
    /// `os/arch` of every platform image of an index (empty for an image).
    pub platforms: Vec<String>,
    /// Manifests stored (an index and each image it lists).
    pub manifests: usize,
    /// How the blobs got there.
    pub blobs: BlobCounts,
    /// The scan gate's verdict, when asked for.
    pub scan: Option<ScanReport>,
}

impl Report for Promotion {
    fn outputs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("image", self.image.clone()),
            ("imageid", self.imageid.clone()),
            ("digest", self.digest.clone()),
            ("digest-reference", self.reference.clone()),
            ("metadata", self.metadata()),
            ("tags", self.references.join("\n")),
            ("built", "false".to_owned()),
            ("context-tag", String::new()),
            ("promoted-from", self.source.clone()),
            ("blobs-mounted", self.blobs.mounted.to_string()),
            ("blobs-copied", self.blobs.copied.to_string()),
        ]
    }

    fn summary(&self) -> Option<String> {
        Some(self.markdown())
    }

    /// The scan verdict, if any, then what was promoted.
    fn lines(&self) -> Vec<String> {
        let mut lines = self.scan.as_ref().map(scan_lines).unwrap_or_default();
        lines.push(format!("promoted {} -> {}", self.source, self.reference));
        lines.push(format!(
            "  {} manifest{}, blobs: {}; no build",
            self.manifests,
            if self.manifests == 1 { "" } else { "s" },
            self.blobs_line()
        ));
        if !self.tags.is_empty() {
            lines.push(format!("  tags: {}", self.tags.join(", ")));
        }
        lines
    }
}

impl Promotion {
    /// `2 mounted, 0 copied, 0 already there`.
    fn blobs_line(&self) -> String {
        format!(
            "{} mounted, {} copied, {} already there",
            self.blobs.mounted, self.blobs.copied, self.blobs.present
        )
    }

    /// As docker buildx's metadata file: `image.name` (every reference,
    /// comma separated), `containerimage.config.digest`,
    /// `containerimage.digest`.
    pub fn metadata(&self) -> String {
        serde_json::json!({
            "image.name": self.references.join(","),
            "containerimage.config.digest": self.imageid,
            "containerimage.digest": self.digest,
        })
        .to_string()
    }

    /// The job summary in Markdown.
    pub fn markdown(&self) -> String {
        // Both were checked equal to the digest asked for before the
        // report exists.
        let mut text = format!(
            "### build-push-image: promoted to `{}/{}`\n\n| | |\n| --- | --- |\n\
             | from | `{}` |\n| to | `{}` |\n| digest | `{}` (the same in both repositories) |\n",
            self.registry, self.repository, self.source, self.reference, self.digest,
        );
        if !self.platforms.is_empty() {
            text.push_str(&format!("| platforms | {} |\n", self.platforms.join(", ")));
        }
        text.push_str(&format!(
            "| manifests | {} |\n| blobs | {} |\n| built | no, promoted by digest |\n| tags | {} |\n",
            self.manifests,
            self.blobs_line(),
            code_spans(&self.tags),
        ));
        if let Some(scan) = &self.scan {
            text.push_str(&scan_rows(scan));
        }
        text
    }
}
