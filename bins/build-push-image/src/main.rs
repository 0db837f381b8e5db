//! build-push-image: parse the flags, run the library, exit with its code.

use std::process::ExitCode;

use build_push_image::Args;
use clap::Parser;

fn main() -> ExitCode {
    let args = Args::parse();
    portfolio_core::cli::init_logging(args.global.verbose);
    portfolio_core::cli::run("build-push-image", build_push_image::run(args))
}
