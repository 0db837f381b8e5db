//! What a render produced: the step output, the job summary, the closing
//! line and the `--json` result.

use std::path::PathBuf;

use portfolio_core::Report;
use serde::Serialize;
use serde_json::Value;

/// One container's image in the rendered definition.
#[derive(Debug, Clone, Serialize)]
pub struct Image {
    /// The container.
    pub container: String,
    /// Its image.
    pub image: String,
}

/// The result of a render.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rendered {
    /// The file written, if any (else the definition went to stdout).
    pub path: Option<PathBuf>,
    /// Where the definition came from.
    pub source: String,
    /// The task definition family.
    pub family: String,
    /// Each container's image.
    pub images: Vec<Image>,
    /// Whether the result differs from the source.
    pub changed: bool,
    /// `--diff`: the unified diff against the source (empty: no change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// The definition itself, when it was not written to a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<Value>,
}

impl Report for Rendered {
    fn outputs(&self) -> Vec<(&'static str, String)> {
        self.path
            .iter()
            .map(|path| ("task-definition", path.display().to_string()))
            .collect()
    }

    fn summary(&self) -> Option<String> {
        let mut text = format!(
            "### render-taskdef: `{}`\n\nSource: {}\n\n| container | image |\n| --- | --- |\n",
            self.family, self.source
        );
        for image in &self.images {
            text.push_str(&format!("| {} | `{}` |\n", image.container, image.image));
        }
        if let Some(path) = &self.path {
            text.push_str(&format!("\nWritten to `{}`\n", path.display()));
        }
        match self.diff.as_deref() {
            Some("") => text.push_str("\nNo change against the source.\n"),
            Some(diff) => text.push_str(&format!(
                "\n<details><summary>Diff against the source</summary>\n\n```diff\n{diff}```\n</details>\n"
            )),
            None => {}
        }
        Some(text)
    }

    fn lines(&self) -> Vec<String> {
        let destination = self
            .path
            .as_ref()
            .map_or("stdout".to_owned(), |p| p.display().to_string());
        vec![format!(
            "rendered {} from {} to {destination}",
            self.family, self.source
        )]
    }
}
