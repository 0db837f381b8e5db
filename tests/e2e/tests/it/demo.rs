//! The main job, `portfolio-demo` (what scripts/demo runs), ends green, its
//! closing summary says what happened (whole, as a snapshot), and it leaves
//! no image behind in the Docker engine.

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
    assert!(
        !stdout.contains('\x1b'),
        "escape codes in a redirected log:\n{stdout}"
    );
    let summary = stdout
        .split("== Summary: what happened")
        .nth(1)
        .unwrap_or_else(|| panic!("no summary:\n{stdout}"));
    assert!(!summary.contains('?'), "a fact is missing:\n{summary}");
    insta::with_settings!({filters => vec![
        (r"\b\d+\.\ds\b", "[T]s"),
        (r"127\.0\.0\.1:\d+", "[REGISTRY]"),
        (r"sha256:[0-9a-f]{64}", "sha256:[DIGEST]"),
        (r"sha256 [0-9a-f]{64}", "sha256 [SHA256]"),
        (r"sha-[0-9a-f]{7}", "sha-[COMMIT]"),
        (r"ecs-svc/\d+", "ecs-svc/[ID]"),
        // Real containers crash at their own pace: how many had stopped when
        // the breaker tripped varies; the byte counts carry the registry's port.
        (r"Stop reason of \d+ tasks", "Stop reason of [N] tasks"),
        (r"\(\d+ bytes\)", "([N] bytes)"),
        (r"/[^ ]*/portfolio-demo-\d+/", "[WORK]/"),
    ]}, {
        insta::assert_snapshot!("demo_summary", summary);
    });

    // The registry's images are removed from the engine when it stops.
    let registry = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("moto "))
        .and_then(|line| line.split("registry ").nth(1))
        .map_or_else(|| panic!("no registry address:\n{stdout}"), str::trim);
    let images = Command::new("docker")
        .args(["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .output();
    if let Some(images) = images.ok().filter(|out| out.status.success()) {
        let left: Vec<String> = String::from_utf8_lossy(&images.stdout)
            .lines()
            .filter(|line| line.starts_with(&format!("{registry}/")))
            .map(str::to_owned)
            .collect();
        assert!(left.is_empty(), "the demo left images behind: {left:?}");
    }
}
