//! The `ecs-rolling-deploy` binary: parse the flags, run the library, exit
//! with its code (`portfolio_core::cli::run` prints any error).

fn main() -> std::process::ExitCode {
    ecs_rolling_deploy::main_with_args(std::env::args_os())
}
