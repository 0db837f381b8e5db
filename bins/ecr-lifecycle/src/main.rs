//! The ecr-lifecycle binary: parse the command line, run the library.

fn main() -> std::process::ExitCode {
    ecr_lifecycle::main_with_args(std::env::args_os())
}
