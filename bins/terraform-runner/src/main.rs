//! terraform-runner: parse the command line, run the library, exit.

fn main() -> std::process::ExitCode {
    terraform_runner::main_with_args(std::env::args_os())
}
