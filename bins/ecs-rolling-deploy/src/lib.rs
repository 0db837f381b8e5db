//! ecs-rolling-deploy: register a task definition, update one or more ECS
//! services, and follow OUR deployment (the id our UpdateService created)
//! to COMPLETED, FAILED or rolled back, explaining failures.
//!
//! [`run`] is the whole tool; the modules are its parts: [`cli`] (the
//! flags), [`settings`] (flags, environment and portfolio-ci.yaml resolved,
//! every local input read and validated), [`run`](mod@run) (the run itself),
//! [`definition`] builds and registers task definitions through the
//! `portfolio-taskdef` crate, [`ecs`] updates and rolls back, [`follow`]
//! polls ([`pace`]) and [`judge`]s our deployment, [`tasks`] and [`report`]
//! explain a failure, [`gantt`] draws the rollout, [`health`]
//! smoke-checks, [`order`] refuses to replace a newer release with an older
//! one, [`run_task`] and [`one_off`] run a one-off task (a migration)
//! before the update, [`github`] records a GitHub Deployment, [`result`] is
//! what is published (outputs, summary, `--json`) and [`error`] holds the
//! exit codes.

#![deny(missing_docs)]

pub mod cli;
pub mod definition;
pub mod ecs;
pub mod error;
pub mod follow;
pub mod gantt;
pub mod github;
pub mod health;
pub mod judge;
pub mod one_off;
pub mod order;
pub mod outcome;
pub mod pace;
pub mod report;
pub mod result;
pub mod run;
pub mod run_task;
pub mod settings;
pub mod tasks;
pub mod view;

use portfolio_core::{Exit, Session};

pub use cli::Cli;
pub use error::Error;
pub use outcome::Outcome;

/// Runs one command line: starts the session (signals are heard from
/// here on), resolves the settings, then deploys.
pub async fn run(cli: Cli) -> Result<Exit, Error> {
    let session = Session::start(cli.global.json);
    let settings = settings::Settings::resolve(cli).await?;
    run::run(session, settings).await
}

/// The whole `ecs-rolling-deploy` command: parse `args` (the first one is the program
/// name), run, and return the exit code. Both the `ecs-rolling-deploy` binary and the
/// multi-call `portfolio-ci` binary are this function.
pub fn main_with_args(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> std::process::ExitCode {
    use clap::Parser as _;
    let cli = Cli::parse_from(args);
    portfolio_core::cli::init_logging(cli.global.verbose);
    portfolio_core::cli::run("ecs-rolling-deploy", run(cli))
}
