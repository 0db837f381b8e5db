//! render-taskdef: parse the command line, run the library, exit.

use std::process::ExitCode;

use clap::Parser;
use render_taskdef::{Cli, cli};

fn main() -> ExitCode {
    let (args, deprecated) = cli::rewrite_deprecated(std::env::args_os());
    let cli = Cli::parse_from(args);
    portfolio_core::cli::init_logging(cli.global.verbose);
    portfolio_core::cli::run("render-taskdef", render_taskdef::run(cli, deprecated))
}
