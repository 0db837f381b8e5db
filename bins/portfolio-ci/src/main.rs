//! portfolio-ci: the multi-call binary. Called through a link named after a
//! tool (`ecr-lifecycle -> portfolio-ci`), it is that tool; called as
//! `portfolio-ci <tool> ARGS...`, it runs that tool with ARGS.

fn main() -> std::process::ExitCode {
    portfolio_ci::main_with_args(std::env::args_os())
}
