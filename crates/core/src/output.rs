//! Human progress on stderr and the one `--json` result on stdout.
//!
//! In a terminal, [`Progress`] shows a live status line (an indicatif
//! spinner) above which permanent lines scroll; in CI and pipes it prints
//! plain lines, and repeats a status only when it changed, so logs stay short.

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
        match &self.bar {
            Some(bar) => bar.set_message(message.to_owned()),
            None => {
                let mut last = self.last_status.lock().unwrap_or_else(|e| e.into_inner());
                if *last != message {
                    eprintln!("{message}");
                    message.clone_into(&mut last);
                }
            }
        }
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
