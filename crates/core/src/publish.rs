//! The one way a tool publishes its result.
//!
//! A tool describes its result as a [`Report`]; [`Session::publish`] writes
//! it everywhere it goes, in one order: the step outputs (so that a later
//! failure still leaves them), the job summary, the human closing lines on
//! stderr, and with `--json` the result object on stdout.
//!
//! The rule for `--json`: it adds the JSON document on stdout and changes
//! nothing else. Progress and the closing lines stay on stderr, so a person
//! watching `tool --json | jq` still sees what happened, and stdout holds
//! exactly one JSON document.

use serde::Serialize;

use crate::actions::{Actions, Location};
use crate::cancel::Cancel;
use crate::error::Error;
use crate::exit::FileLocation;
use crate::output::{Progress, print_json};

/// A tool's result.
pub trait Report: Serialize {
    /// The step outputs, by name, in the order they are written.
    fn outputs(&self) -> Vec<(&'static str, String)>;

    /// The job summary in Markdown, if the result has one.
    fn summary(&self) -> Option<String> {
        None
    }

    /// The closing lines a person reads on stderr.
    fn lines(&self) -> Vec<String> {
        Vec::new()
    }
}

/// What every run of every tool has: the Actions runtime, the progress
/// display, the `--json` choice and the cancellation.
#[derive(Debug)]
pub struct Session {
    /// The GitHub Actions runtime (silent outside Actions).
    pub actions: Actions,
    /// Human progress on stderr.
    pub progress: Progress,
    /// `--json`: the result object goes to stdout.
    pub json: bool,
    /// SIGINT / SIGTERM.
    pub cancel: Cancel,
}

impl Session {
    /// The session of a process: the Actions runtime from the environment,
    /// live progress in a terminal, and the signal handlers installed (call
    /// it first thing inside the runtime so that no signal is missed).
    pub fn start(json: bool) -> Session {
        Session {
            actions: Actions::from_env(),
            progress: Progress::new(),
            json,
            cancel: Cancel::install(),
        }
    }

    /// A session for tests and library callers: plain progress, the given
    /// Actions runtime and cancellation.
    pub fn with(actions: Actions, json: bool, cancel: Cancel) -> Session {
        Session {
            actions,
            progress: Progress::plain(),
            json,
            cancel,
        }
    }

    /// Writes `report`: step outputs, job summary, closing lines on stderr,
    /// and with `--json` the JSON result on stdout. The live line is
    /// removed first.
    pub fn publish<R: Report>(&self, report: &R) -> Result<(), Error> {
        self.progress.finish();
        for (name, value) in report.outputs() {
            self.actions
                .set_output(name, &value)
                .map_err(Error::io("cannot write the step outputs"))?;
        }
        if let Some(summary) = report.summary() {
            self.actions
                .append_summary(&summary)
                .map_err(Error::io("cannot write the job summary"))?;
        }
        for line in report.lines() {
            self.progress.line(&line);
        }
        if self.json {
            print_json(report).map_err(Error::io("cannot write the JSON result"))?;
        }
        Ok(())
    }

    /// A warning: a line on stderr and a `::warning::` annotation.
    pub fn warn(&self, message: &str) {
        self.progress.line(&format!("warning: {message}"));
        self.actions.warning(message, None);
    }

    /// A warning about a place in an input file: a line on stderr and a
    /// `::warning file=..,line=..::` annotation pointing at it (none for
    /// stdin or a source that is not a file).
    pub fn warn_at(&self, message: &str, at: Option<&FileLocation>) {
        self.progress.line(&format!("warning: {message}"));
        let file = at.map(|at| (at.file.display().to_string(), at.line));
        let location = file
            .as_ref()
            .map(|(file, line)| Location { file, line: *line });
        self.actions.warning(message, location);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Done {
        image: &'static str,
    }

    impl Report for Done {
        fn outputs(&self) -> Vec<(&'static str, String)> {
            vec![("image", self.image.into()), ("lines", "a\nb".into())]
        }
        fn summary(&self) -> Option<String> {
            Some(format!("### done `{}`", self.image))
        }
    }

    #[test]
    fn publish_writes_outputs_then_the_summary() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let output = dir.path().join("output");
        let summary = dir.path().join("summary");
        let actions = Actions::for_files(&output, &summary);
        let (_trigger, cancel) = Cancel::manual();
        let session = Session::with(actions, false, cancel);
        session
            .publish(&Done { image: "r/x:1" })
            .unwrap_or_else(|e| panic!("{e}"));
        let outputs = std::fs::read_to_string(&output).unwrap_or_default();
        assert!(
            outputs.starts_with("image=r/x:1\nlines<<ghadelimiter_"),
            "{outputs}"
        );
        assert_eq!(
            std::fs::read_to_string(&summary).unwrap_or_default(),
            "### done `r/x:1`\n"
        );
    }
}
