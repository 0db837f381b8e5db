//! render-taskdef: render an ECS task definition from a template, a file or
//! the live service, with images, environment, secrets, logs, labels,
//! command, cpu/memory, roles and tags changed, validated before anything
//! is written.
//!
//! The task-definition work itself is the `portfolio-taskdef` crate, which
//! ecs-rolling-deploy shares; this crate is the tool around it: [`cli`]
//! (the flags), [`settings`] (flags, environment and portfolio-ci.yaml
//! resolved), [`run`] (load, render, validate, write), [`output`] (where the
//! text goes), [`result`] (what is published) and [`error`] (exit codes).

#![deny(missing_docs)]

pub mod cli;
pub mod error;
pub mod output;
pub mod result;
pub mod run;
pub mod settings;

use portfolio_core::{Exit, Session};

pub use cli::Cli;
pub use error::Error;

/// Runs one command line: `deprecated` are the warnings of its parsing
/// ([`cli::rewrite_deprecated`]).
pub async fn run(cli: Cli, deprecated: Vec<String>) -> Result<Exit, Error> {
    let session = Session::start(cli.global.json);
    let settings = session
        .cancel
        .guard(settings::Settings::resolve(cli, deprecated))
        .await?;
    run::run(&session, settings).await
}

/// The whole `render-taskdef` command: parse `args` (the first one is the program
/// name), run, and return the exit code. Both the `render-taskdef` binary and the
/// multi-call `portfolio-ci` binary are this function.
pub fn main_with_args(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> std::process::ExitCode {
    use clap::Parser as _;
    let (args, deprecated) = cli::rewrite_deprecated(args);
    let cli = Cli::parse_from(args);
    portfolio_core::cli::init_logging(cli.global.verbose);
    portfolio_core::cli::run("render-taskdef", run(cli, deprecated))
}
