//! The multi-call binary's dispatch: which tool a command line names
//! ([`Call::of`]), and running it ([`main_with_args`]). Each tool is a
//! library whose `main_with_args` is the whole tool, so the release ships
//! one binary (the shared AWS SDK, TLS and runtime once, not five times)
//! with the five tool names as links to it.

#![deny(missing_docs)]

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::ExitCode;

/// The name of this binary, and of the release archives' top directory.
pub const NAME: &str = "portfolio-ci";

/// One tool of the binary: the name it is called by, and its whole `main`.
#[derive(Debug)]
pub struct Tool {
    /// The tool's name (its binary's, and its link's in the archive).
    pub name: &'static str,
    main: fn(Vec<OsString>) -> ExitCode,
}

impl PartialEq for Tool {
    fn eq(&self, other: &Tool) -> bool {
        self.name == other.name
    }
}

impl Eq for Tool {}

/// The tools this binary is.
pub static TOOLS: [Tool; 5] = [
    Tool {
        name: "build-push-image",
        main: |args| build_push_image::main_with_args(args),
    },
    Tool {
        name: "render-taskdef",
        main: |args| render_taskdef::main_with_args(args),
    },
    Tool {
        name: "ecs-rolling-deploy",
        main: |args| ecs_rolling_deploy::main_with_args(args),
    },
    Tool {
        name: "ecr-lifecycle",
        main: |args| ecr_lifecycle::main_with_args(args),
    },
    Tool {
        name: "terraform-runner",
        main: |args| terraform_runner::main_with_args(args),
    },
];

/// What a command line asks of the multi-call binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// Run this tool with these arguments (the first is its program name).
    Tool(&'static Tool, Vec<OsString>),
    /// `portfolio-ci --version`.
    Version,
    /// `portfolio-ci`, `portfolio-ci --help` or `portfolio-ci help`.
    Help,
    /// `portfolio-ci NAME` where NAME is no tool: a usage error.
    Unknown(String),
}

impl Call {
    /// Reads `args` (the first one is the program name): a program name
    /// that is a tool's (a link) runs that tool with the arguments as they
    /// are; otherwise the first argument names the tool and becomes its
    /// program name.
    pub fn of(args: impl IntoIterator<Item = OsString>) -> Call {
        let mut args: Vec<OsString> = args.into_iter().collect();
        if let Some(tool) = args.first().and_then(|program| tool_called(program)) {
            return Call::Tool(tool, args);
        }
        let Some(first) = args.get(1) else {
            return Call::Help;
        };
        if let Some(tool) = TOOLS.iter().find(|tool| first == OsStr::new(tool.name)) {
            args.remove(0);
            return Call::Tool(tool, args);
        }
        match first.to_string_lossy().as_ref() {
            "--version" | "-V" => Call::Version,
            "--help" | "-h" | "help" => Call::Help,
            other => Call::Unknown(other.to_owned()),
        }
    }
}

/// The tool a program name (a path, as in argv[0]) calls, if any.
fn tool_called(program: &OsStr) -> Option<&'static Tool> {
    let name = Path::new(program).file_name()?;
    TOOLS.iter().find(|tool| name == OsStr::new(tool.name))
}

/// The help text of the multi-call binary itself.
pub fn help() -> String {
    let mut text = format!(
        "{NAME} {version}: the portfolio-ci tools in one binary.\n\n\
         Usage: {NAME} <TOOL> [ARGS]...\n       \
         <TOOL> [ARGS]...    (through a link named after the tool, as the release installs them)\n\n\
         Tools:\n",
        version = env!("CARGO_PKG_VERSION")
    );
    for tool in &TOOLS {
        text.push_str(&format!("  {}\n", tool.name));
    }
    text.push_str(&format!(
        "\n`{NAME} <tool> --help` shows a tool's flags and exit codes.\n"
    ));
    text
}

/// The whole multi-call binary: runs the tool `args` names and returns its
/// exit code; prints help or the version, or a usage error (exit code 2).
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    match Call::of(args) {
        Call::Tool(tool, args) => (tool.main)(args),
        Call::Version => {
            println!("{NAME} {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Call::Help => {
            print!("{}", help());
            ExitCode::SUCCESS
        }
        Call::Unknown(name) => {
            eprintln!(
                "{NAME}: error: '{name}' is not one of the tools ({})\n\n{}",
                names().join(", "),
                help()
            );
            ExitCode::from(portfolio_core::exit::USAGE)
        }
    }
}

/// The names of the tools.
pub fn names() -> Vec<&'static str> {
    TOOLS.iter().map(|tool| tool.name).collect()
}

#[cfg(test)]
mod tests;
