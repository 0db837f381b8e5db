//! build-push-image: parse the flags, run the library, exit with its code.

fn main() -> std::process::ExitCode {
    build_push_image::main_with_args(std::env::args_os())
}
