//! terraform-runner: terraform (or tofu) plan, apply and destroy per
//! environment, with plan integrity (checksum and staleness), masked
//! summaries, pull request comments under GitHub's size limit, and
//! cancellation that releases the state lock.
//!
//! The binary is a thin wrapper around [`run`]. Other crates may use the
//! pure parts: [`summary`] (plan JSON to a masked summary), [`render`]
//! (Markdown under a size budget), [`integrity`] (checksums, staleness) and
//! [`lock`] (terraform's lock info).

pub mod cli;
pub mod comment;
pub mod error;
pub mod integrity;
pub mod lock;
pub mod render;
pub mod report;
pub mod secrets;
pub mod summary;
pub mod ui;

mod operations;
mod reporter;
mod session;
mod settings;
mod signals;
mod terraform;

use portfolio_core::{Config, Exit};

pub use error::RunnerError;

use crate::cli::{Cli, Command};
use crate::signals::Signals;

/// Runs one command line to its end.
pub async fn run(cli: Cli) -> Result<Exit, RunnerError> {
    let signals = Signals::install();
    let config = Config::load(cli.global.config.as_deref())?;
    let report = match cli.command {
        Command::Plan(args) => operations::plan(args, &config, signals).await?,
        Command::Apply(args) => operations::apply(args, &config, signals).await?,
        Command::Destroy(args) => operations::destroy(args, &config, signals).await?,
    };
    if cli.global.json {
        portfolio_core::output::print_json(&report)
            .map_err(RunnerError::io("cannot write", "stdout"))?;
    }
    Ok(Exit::OK)
}
