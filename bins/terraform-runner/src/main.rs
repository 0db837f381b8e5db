//! terraform-runner: parse the command line, run the library, exit.

use std::process::ExitCode;

use clap::Parser;
use terraform_runner::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    portfolio_core::cli::init_logging(cli.global.verbose);
    portfolio_core::cli::run("terraform-runner", terraform_runner::run(cli))
}
