//! Benchmark helper: summarises a `terraform show -json` file the way
//! `terraform-runner plan` does (analyse, mask, render the comment, the job
//! summary and the log detail) and prints how long that took.
//!
//! `cargo run --release -p terraform-runner --example summarize-plan -- PLAN.json`

use std::time::Instant;

use terraform_runner::render::{self, COMMENT_LIMIT, Heading, STEP_SUMMARY_LIMIT};
use terraform_runner::summary;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: summarize-plan PLAN.json")?;
    let json = std::fs::read(&path)?;
    let started = Instant::now();
    let analysis = summary::analyze(&json)?;
    let heading = Heading {
        operation: "plan",
        env: "bench",
        dir: "terraform",
        plan_sha256: None,
        log_url: None,
    };
    let comment = render::markdown(&heading, &analysis.summary, COMMENT_LIMIT);
    let step = render::markdown(&heading, &analysis.summary, STEP_SUMMARY_LIMIT);
    let detail = render::detail_lines(&analysis.summary);
    let elapsed = started.elapsed();
    println!(
        "{} resource changes ({}), comment {} chars, job summary {} chars, {} log lines: {:.3} s",
        analysis.summary.resources.len(),
        analysis.summary.counts.sentence(),
        comment.chars().count(),
        step.chars().count(),
        detail.len(),
        elapsed.as_secs_f64()
    );
    Ok(())
}
