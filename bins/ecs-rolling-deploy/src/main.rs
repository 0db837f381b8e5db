//! The `ecs-rolling-deploy` binary: parse the flags, run the library, exit
//! with its code (`portfolio_core::cli::run` prints any error).

use std::process::ExitCode;

use clap::Parser;
use ecs_rolling_deploy::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    portfolio_core::cli::init_logging(cli.global.verbose);
    portfolio_core::cli::run("ecs-rolling-deploy", ecs_rolling_deploy::run(cli))
}
