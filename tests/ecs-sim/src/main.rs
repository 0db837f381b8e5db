//! The `ecs-sim` binary: parse flags, start the simulator, print its address, and serve
//! until SIGINT or SIGTERM.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use ecs_sim::cli::Cli;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let sim = match ecs_sim::start(cli.config()) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("ecs-sim: {e}");
            return ExitCode::from(2);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", sim.endpoint());
        let _ = out.flush();
    }
    wait_for_signal().await;
    sim.shutdown();
    ExitCode::SUCCESS
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
