//! render-taskdef: parse the command line, run the library, exit.

use std::process::ExitCode;

use clap::Parser;
use render_taskdef::cli::Args;

fn main() -> ExitCode {
    let args = Args::parse();
    portfolio_core::cli::init_logging(args.global.verbose);
    portfolio_core::cli::run("render-taskdef", render_taskdef::run(args))
}
