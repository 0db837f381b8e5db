//! The ecr-lifecycle binary: parse the command line, run the library.

use std::process::ExitCode;

use clap::Parser;
use ecr_lifecycle::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    portfolio_core::cli::init_logging(cli.global.verbose);
    portfolio_core::cli::run("ecr-lifecycle", ecr_lifecycle::run(cli))
}
