//! Exit codes, and the one place where an error becomes a message.
//!
//! Libraries return typed errors that implement [`Failure`]; each error knows
//! its exit code. Only [`finish`], called from a binary's `main`, prints the
//! error (with its chain of causes and a hint) and turns it into an exit code.

use std::error::Error;
use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::actions::{Actions, Location};

/// The operation succeeded.
pub const SUCCESS: u8 = 0;
/// The operation failed.
pub const FAILED: u8 = 1;
/// Usage error or invalid input: nothing was changed.
pub const USAGE: u8 = 2;
/// Interrupted by SIGINT or SIGTERM.
pub const INTERRUPTED: u8 = 130;

/// One exit code a tool documents: the code and what it means. A tool
/// lists its codes once, in a `const` table that its code returns and its
/// `--help` prints ([`help_text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// The process exit code.
    pub code: u8,
    /// What it means, one sentence.
    pub meaning: &'static str,
}

impl Code {
    /// Code `code` means `meaning`.
    pub const fn new(code: u8, meaning: &'static str) -> Code {
        Code { code, meaning }
    }
}

/// The `Exit codes:` section of a tool's `--help`, from its table; long
/// meanings wrap at [`HELP_WIDTH`] with a hanging indent.
pub fn help_text(codes: &[Code]) -> String {
    const INDENT: &str = "       ";
    let mut text = String::from("Exit codes:");
    for code in codes {
        let mut line = format!("  {:<4} ", code.code);
        for word in code.meaning.split_whitespace() {
            if line.len() + 1 + word.len() > HELP_WIDTH && line.len() > INDENT.len() {
                text.push('\n');
                text.push_str(line.trim_end());
                line = INDENT.to_owned();
            } else if !line.ends_with(' ') {
                line.push(' ');
            }
            line.push_str(word);
        }
        text.push('\n');
        text.push_str(line.trim_end());
    }
    text
}

/// The width the `--help` texts are written for.
pub const HELP_WIDTH: usize = 96;

/// How a run ended when it did not end in an error: success, or one of the
/// tool-specific outcomes (3 and up) that its `--help` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit(pub u8);

impl Exit {
    /// Plain success.
    pub const OK: Exit = Exit(SUCCESS);
}

/// An error a tool can end with. It carries its exit code and, optionally,
/// a hint that tells the user what to do about it.
pub trait Failure: Error {
    /// The process exit code for this error (default: 1, the operation failed).
    fn exit_code(&self) -> u8 {
        FAILED
    }

    /// What the user can do about it, printed after the error.
    fn hint(&self) -> Option<String> {
        None
    }

    /// The file (and line) the error is about, for the `::error file=..,line=..::`
    /// annotation that GitHub shows on that line.
    fn location(&self) -> Option<FileLocation> {
        None
    }
}

/// A place in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocation {
    /// The file as the user named it.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
}

impl FileLocation {
    /// `file`, at `line` when known; `None` for stdin (`-`).
    pub fn new(file: impl Into<PathBuf>, line: Option<usize>) -> Option<Self> {
        let file = file.into();
        (file.as_os_str() != "-" && !file.as_os_str().is_empty()).then_some(Self { file, line })
    }
}

/// Bad input: names the file (or flag), the field and what was expected.
/// Always exit code 2: the tool refused before changing anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput {
    /// The file or flag the value came from, when there is one.
    pub source: Option<PathBuf>,
    /// The 1-based line of `source`, when known.
    pub line: Option<usize>,
    /// The field, key or flag that is wrong (e.g. `containerDefinitions[0].image`).
    pub field: String,
    /// What is wrong and what is expected instead.
    pub reason: String,
}

impl InvalidInput {
    /// Bad value of `field`, not tied to a file.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            source: None,
            line: None,
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Bad value of `field` read from `file`.
    pub fn in_file(
        file: impl Into<PathBuf>,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            source: Some(file.into()),
            line: None,
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The same, at 1-based `line` of the file.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(file) => match self.line {
                Some(line) => write!(
                    f,
                    "{}:{line}: {}: {}",
                    file.display(),
                    self.field,
                    self.reason
                ),
                None => write!(f, "{}: {}: {}", file.display(), self.field, self.reason),
            },
            None => write!(f, "{}: {}", self.field, self.reason),
        }
    }
}

impl Error for InvalidInput {}

impl Failure for InvalidInput {
    fn exit_code(&self) -> u8 {
        USAGE
    }

    fn location(&self) -> Option<FileLocation> {
        self.source
            .as_ref()
            .and_then(|file| FileLocation::new(file, self.line))
    }
}

/// Renders the end of a run: prints the error, if any, to stderr (and as an
/// `::error::` annotation under GitHub Actions) and returns the exit code.
pub fn finish<E: Failure>(tool: &str, result: Result<Exit, E>) -> ExitCode {
    match result {
        Ok(Exit(code)) => ExitCode::from(code),
        Err(err) => {
            let message = render(&err);
            eprintln!("{tool}: error: {message}");
            if let Some(hint) = err.hint() {
                eprintln!("{tool}: hint: {hint}");
            }
            let at = err
                .location()
                .map(|at| (at.file.display().to_string(), at.line));
            let at = at
                .as_ref()
                .map(|(file, line)| Location { file, line: *line });
            Actions::from_env().error(&message, at);
            ExitCode::from(err.exit_code())
        }
    }
}

/// The error and its chain of causes on one line each, the first unindented.
pub fn render(err: &dyn Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Many errors repeat their source's message in their own; skip those.
        if !text.contains(&cause_text) {
            text.push_str("\n  caused by: ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests;
