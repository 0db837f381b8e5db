//! terraform-runner: terraform (or tofu) plan, apply and destroy per
//! environment, with plan integrity (checksum and staleness), masked
//! summaries, pull request comments under GitHub's size limit, and
//! cancellation that releases the state lock.
//!
//! The binary is a thin wrapper around [`run`]: [`cli`] parses, `settings`
//! resolves flags, environment and portfolio-ci.yaml into one value, `run`
//! does the work (terraform itself in `terraform`), [`result`] is what gets
//! published, and [`error`] decides the exit code. Other crates may use the
//! pure parts: [`summary`] (plan JSON to a masked summary), [`render`]
//! (Markdown under a size budget), [`integrity`] (checksums, staleness) and
//! [`lock`] (terraform's lock info).

#![deny(missing_docs)]

pub mod cli;
pub mod comment;
pub mod error;
pub mod install;
pub mod integrity;
pub mod lock;
pub mod render;
pub mod result;
pub mod secrets;
pub mod summary;
pub mod ui;

mod run;
mod settings;
mod steps;
mod terraform;

use portfolio_core::github::GitHub;
use portfolio_core::{Config, Exit, Session};

pub use cli::Cli;
pub use error::Error;

use crate::cli::{Command, RunCommand};
use crate::settings::Settings;

/// Runs one command line to its end: starts the session (signal handlers
/// first); installs terraform, or resolves the settings (installing
/// terraform first when the one on PATH does not fit) and runs the
/// operation.
pub async fn run(cli: Cli) -> Result<Exit, Error> {
    let session = Session::start(cli.global.json);
    let config = Config::load(cli.global.config.as_deref())?;
    let mut command = match cli.command {
        Command::Install(args) => return install::run(&session, args, &config).await,
        Command::Run(command) => command,
    };
    let target = match &mut command {
        RunCommand::Plan(args) => &mut args.target,
        RunCommand::Apply(args) => &mut args.target,
        RunCommand::Destroy(args) => &mut args.target,
    };
    install::ensure_for(&session, target, &config).await?;
    let github = GitHub::from_env(&session.actions);
    let settings = Settings::resolve(command, &github, &config)?;
    run::run(&session, settings).await
}

/// The whole `terraform-runner` command: parse `args` (the first one is the program
/// name), run, and return the exit code. Both the `terraform-runner` binary and the
/// multi-call `portfolio-ci` binary are this function.
pub fn main_with_args(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> std::process::ExitCode {
    use clap::Parser as _;
    let cli = Cli::parse_from(args);
    portfolio_core::cli::init_logging(cli.global.verbose);
    portfolio_core::cli::run("terraform-runner", run(cli))
}
