//! render-taskdef: parse the command line, run the library, exit.

fn main() -> std::process::ExitCode {
    render_taskdef::main_with_args(std::env::args_os())
}
