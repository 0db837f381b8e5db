//! The main job, `portfolio-demo` (what scripts/demo runs), ends green and
//! its closing summary says what happened, not only which steps ran.

use std::process::Command;

#[test]
fn the_demo_runs_green_and_its_summary_says_what_happened() {
    // The tools must sit next to the demo (target/debug), as scripts/demo builds them.
    crate::actions_run::bin_dir();
    let output = Command::new(env!("CARGO_BIN_EXE_portfolio-demo"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = stdout
        .split("== Summary: what happened")
        .nth(1)
        .unwrap_or_else(|| panic!("no summary:\n{stdout}"));
    for fact in [
        "pushed 127.0.0.1:",
        "/portfolio-dev-backend:sha-",
        "(sha256:",
        "completed: deployment ecs-svc/",
        "rolled-back: ECS deployment circuit breaker",
        "Stop reason of",
        "EssentialContainerExited",
        "container exit code 1",
        "of 15 images, 3 would expire",
        "are protected because ECS uses them",
        " to add, 0 to change, 0 to destroy",
        " added, 0 changed, 0 destroyed",
        "cluster_name=portfolio-dev",
    ] {
        assert!(
            summary.contains(fact),
            "{fact:?} is not in the summary:\n{summary}"
        );
    }
    assert!(!summary.contains('?'), "a fact is missing:\n{summary}");
}
