//! Human progress on stderr and the one `--json` result on stdout.
//!
//! In a terminal, [`Progress`] shows a live status line (an indicatif
//! spinner) above which permanent lines scroll; in CI and pipes it prints
//! plain lines, and repeats a status only when it changed, so logs stay short.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// Live progress for one run.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    last_status: Mutex<String>,
    parts: Mutex<BTreeMap<String, String>>,
}

impl Progress {
    /// A live display when stderr is a terminal outside CI, plain lines otherwise.
    pub fn new() -> Self {
        let live = io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        if live { Self::live() } else { Self::plain() }
    }

    /// Plain lines only (CI logs, pipes, tests).
    pub fn plain() -> Self {
        Self {
            bar: None,
            last_status: Mutex::new(String::new()),
            parts: Mutex::new(BTreeMap::new()),
        }
    }

    fn live() -> Self {
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed:>4} {wide_msg}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Self {
            bar: Some(bar),
            last_status: Mutex::new(String::new()),
            parts: Mutex::new(BTreeMap::new()),
        }
    }

    /// True when a live display is shown.
    pub fn is_live(&self) -> bool {
        self.bar.is_some()
    }

    /// A permanent line.
    pub fn line(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.println(message),
            None => eprintln!("{message}"),
        }
    }

    /// The current status: replaces the live line in a terminal; in plain
    /// mode printed only when it differs from the previous status.
    pub fn status(&self, message: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(message.to_owned());
        } else {
            let mut last = self
                .last_status
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if *last != message {
                eprintln!("{message}");
                message.clone_into(&mut last);
            }
        }
    }

    /// The live status of one of several things followed at once (`key`:
    /// a service); the live line shows all of them, in key order. Plain
    /// output shows nothing for it: there the permanent lines carry the
    /// changes.
    pub fn status_of(&self, key: &str, message: &str) {
        let Some(bar) = &self.bar else {
            return;
        };
        let mut parts = self
            .parts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        parts.insert(key.to_owned(), message.to_owned());
        let line = parts
            .iter()
            .map(|(key, message)| format!("{key}: {message}"))
            .collect::<Vec<_>>()
            .join(" | ");
        bar.set_message(line);
    }

    /// Removes the live line.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Prints `value` as one JSON document on stdout. A closed stdout (broken
/// pipe) is not an error: the reader has gone.
pub fn print_json<T: Serialize>(value: &T) -> io::Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    text.push('\n');
    write_stdout(&text)
}

/// Writes `text` to stdout and flushes it. A closed stdout (broken pipe) is
/// not an error: the reader (`| head`) has gone.
pub fn write_stdout(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// A parser's message without the ` at line N column M` that serde_json and
/// serde_yaml_ng append: the tools report the line in their own place.
pub fn without_position(mut message: String) -> String {
    if let Some(cut) = message.find(" at line ") {
        message.truncate(cut);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live_but_hidden() -> Progress {
        Progress {
            bar: Some(ProgressBar::hidden()),
            last_status: Mutex::new(String::new()),
            parts: Mutex::new(BTreeMap::new()),
        }
    }

    #[test]
    fn the_live_line_shows_every_followed_thing_in_key_order() {
        let progress = live_but_hidden();
        progress.status_of("frontend", "IN_PROGRESS 0/2 running");
        progress.status_of("backend", "IN_PROGRESS 1/2 running");
        progress.status_of("frontend", "COMPLETED 2/2 running");
        let bar = progress.bar.as_ref().map(ProgressBar::message);
        assert_eq!(
            bar.as_deref(),
            Some("backend: IN_PROGRESS 1/2 running | frontend: COMPLETED 2/2 running")
        );
    }

    #[test]
    fn plain_output_has_no_live_line() {
        let progress = Progress::plain();
        progress.status_of("backend", "IN_PROGRESS");
        assert!(!progress.is_live());
        assert!(progress.parts.lock().is_ok_and(|p| p.is_empty()));
    }

    #[test]
    fn parser_positions_are_cut() {
        assert_eq!(
            without_position("expected value at line 3 column 7".to_owned()),
            "expected value"
        );
        assert_eq!(without_position("eof".to_owned()), "eof");
    }
}
