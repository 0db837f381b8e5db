//! build-push-image: parse the flags, run the library, exit with its code.

use std::process::ExitCode;

use build_push_image::Cli;
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    portfolio_core::cli::init_logging(cli.global.verbose);
    portfolio_core::cli::run("build-push-image", build_push_image::run(cli))
}
