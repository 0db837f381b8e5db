//! ecr-lifecycle: lint, apply, preview and enforce ECR lifecycle policies
//! without deleting images that ECS still uses.
//!
//! The command line is parsed in [`cli`] and resolved, with
//! portfolio-ci.yaml and every local input, in [`settings`]; [`run`] makes
//! the AWS clients and dispatches to the four subcommands in [`commands`];
//! their results are [`result`]s, published through the session; how a run
//! can fail, and every exit code, is in [`error`].
//!
//! The evaluator is pure: [`policy`] (model and ECR's validation),
//! [`pattern`] (tag matching), [`image`] (the snapshot), [`protect`]
//! (what must never go) and [`evaluate`] (ECR's semantics) make no AWS
//! call. The AWS I/O lives in [`ecr`] and [`ecs`].

#![deny(missing_docs)]

pub mod cli;
pub mod commands;
pub mod diff;
pub mod ecr;
pub mod ecs;
pub mod error;
pub mod evaluate;
pub mod image;
pub mod lint;
pub mod pattern;
pub mod policy;
pub mod protect;
pub mod report;
pub mod result;
pub mod run;
pub mod settings;

use portfolio_core::{Config, Exit, Session};

pub use cli::Cli;
pub use error::Error;
pub use settings::Settings;

/// Runs the command line: starts the session (signal handlers, Actions
/// runtime), loads portfolio-ci.yaml, resolves the settings (reading every
/// local input) and runs the subcommand.
pub async fn run(cli: Cli) -> Result<Exit, Error> {
    let session = Session::start(cli.global.json);
    let config = Config::load(cli.global.config.as_deref())?;
    let settings = Settings::resolve(cli, &config, chrono::Utc::now().timestamp_millis())?;
    let result = run::run(&session, settings).await;
    session.progress.finish();
    result
}

/// The whole `ecr-lifecycle` command: parse `args` (the first one is the program
/// name), run, and return the exit code. Both the `ecr-lifecycle` binary and the
/// multi-call `portfolio-ci` binary are this function.
pub fn main_with_args(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> std::process::ExitCode {
    use clap::Parser as _;
    let cli = Cli::parse_from(args);
    portfolio_core::cli::init_logging(cli.global.verbose);
    portfolio_core::cli::run("ecr-lifecycle", run(cli))
}
