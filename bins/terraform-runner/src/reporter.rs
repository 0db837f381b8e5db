//! Where progress goes: live or plain lines on stderr, and under GitHub
//! Actions also `::error::`/`::warning::` annotations for diagnostics.

use portfolio_core::Actions;
use portfolio_core::actions::Location;
use portfolio_core::output::Progress;

use crate::ui::Diagnostic;

/// Progress and annotations of one run.
#[derive(Debug)]
pub struct Reporter {
    progress: Progress,
    actions: Actions,
}

impl Reporter {
    /// A reporter on stderr for the given Actions runtime.
    pub fn new(actions: Actions) -> Self {
        Self {
            progress: Progress::new(),
            actions,
        }
    }

    /// The Actions runtime.
    pub fn actions(&self) -> &Actions {
        &self.actions
    }

    /// The live status.
    pub fn status(&self, text: &str) {
        self.progress.status(text);
    }

    /// A permanent line.
    pub fn line(&self, text: &str) {
        self.progress.line(text);
    }

    /// A warning of the runner's own: a log line and a `::warning::` annotation.
    pub fn warning(&self, text: &str) {
        self.line(&format!("warning: {text}"));
        self.actions.warning(text, None);
    }

    /// A terraform diagnostic: a log line, and an annotation pointing at the
    /// file and line (relative to the repository, through `dir`).
    pub fn diagnostic(&self, diagnostic: &Diagnostic, dir: &str) {
        let mut text = format!("{}: {}", diagnostic.severity, diagnostic.headline());
        if !diagnostic.detail.is_empty() {
            text.push_str("\n  ");
            text.push_str(&diagnostic.detail.replace('\n', "\n  "));
        }
        self.line(&text);
        let file = diagnostic
            .file
            .as_ref()
            .map(|f| format!("{}/{f}", dir.trim_end_matches('/')));
        let at = file.as_deref().map(|file| Location {
            file,
            line: diagnostic.line,
        });
        let message = format!("{}: {}", diagnostic.summary, diagnostic.detail);
        if diagnostic.is_error() {
            self.actions.error(message.trim_end_matches(": "), at);
        } else {
            self.actions.warning(message.trim_end_matches(": "), at);
        }
    }

    /// Removes the live line before the final report.
    pub fn finish(&self) {
        self.progress.finish();
    }
}
