//! State locking with the S3 lock file: a second apply meets the lock
//! (exit 4 with the lock info), and a signal stops terraform cleanly.

use std::process::Command;

use crate::harness::{Background, Stack};

/// A var file whose release step waits until `gate` exists.
fn gated(stack: &Stack, gate: &str) -> String {
    let gate = stack.path(gate);
    stack.var_file(
        "gated.tfvars",
        &format!(
            "environment = \"dev\"\nrevision = \"gated\"\nrelease_command = \"until [ -e '{}' ]; do sleep 0.1; done\"\n",
            gate.display()
        ),
    )
}

#[test]
fn concurrent_apply_fails_with_lock_info() {
    let stack = Stack::new();
    let vars = gated(&stack, "go");
    let mut first = Background::start(stack.command(&[
        "apply",
        "--env",
        "dev",
        "--var-file",
        &vars,
        "--auto-approve",
    ]));
    first.wait_for_line("terraform_data.release: Creating...");
    assert!(stack.locked("dev"));

    let second = stack.run(&[
        "apply",
        "--env",
        "dev",
        "--auto-approve",
        "--lock-timeout",
        "0s",
    ]);
    let second = second.exits(4);
    let err = second.stderr;
    assert!(err.contains("the state is locked by someone else"), "{err}");
    for field in [
        "ID:",
        "Path:",
        "Operation: OperationTypeApply",
        "Who:",
        "Created:",
    ] {
        assert!(err.contains(field), "lock info lacks {field}: {err}");
    }
    assert!(err.contains("force-unlock"), "{err}");

    std::fs::write(stack.path("go"), "").unwrap();
    let (code, log) = first.finish();
    assert_eq!(code, 0, "{log}");
    assert!(!stack.locked("dev"));
    let resources = stack.resources("dev");
    assert_eq!(resources.len(), 14, "state intact: {resources:?}");
    stack
        .run(&["plan", "--env", "dev", "--var-file", &vars, "--json"])
        .exits(0);
}

#[test]
fn sigterm_stops_terraform_and_releases_the_lock() {
    let stack = Stack::new();
    let mut run = slow_apply(&stack, &[]);
    run.wait_for_line("terraform_data.release: Creating...");
    assert!(stack.locked("dev"));
    let pid = run.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let (code, log) = run.finish();
    assert_eq!(code, 130, "{log}");
    assert!(log.contains("stopping terraform gracefully"), "{log}");
    assert!(log.contains("interrupted by SIGTERM"), "{log}");

    assert!(!stack.locked("dev"), "the lock was left behind");
    let state = stack.state("dev").expect("state saved");
    assert!(!state["lineage"].as_str().unwrap().is_empty());
    let saved = stack.resources("dev");
    assert!(
        saved.contains(&"terraform_data.cluster".to_owned()),
        "{saved:?}"
    );

    stack
        .run(&["apply", "--env", "dev", "--auto-approve"])
        .exits(0);
    assert_eq!(stack.resources("dev").len(), 14);
}

#[test]
fn a_second_signal_kills_a_stuck_terraform_after_the_grace_period() {
    let stack = Stack::new();
    let mut run = slow_apply(&stack, &["--grace-period", "1s"]);
    run.wait_for_line("terraform_data.release: Creating...");
    let signal = |name: &str, pid: u32| {
        let sent = Command::new("kill")
            .args([name, &pid.to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    };
    // The state backend hangs, so terraform's graceful stop cannot finish
    // saving the state: only the escalation ends the run.
    signal("-STOP", stack.moto.pid());
    let runner = run.child.id();
    signal("-TERM", runner);
    run.wait_for_line("stopping terraform gracefully");
    signal("-INT", runner);
    run.wait_for_line("second signal");
    let (code, log) = run.finish();
    signal("-CONT", stack.moto.pid());
    assert_eq!(code, 130, "{log}");
    assert!(
        log.contains("grace period over: killing terraform"),
        "{log}"
    );
    assert!(log.contains("force-unlock"), "{log}");
}

/// An apply in the background whose release step sleeps for ten minutes.
fn slow_apply(stack: &Stack, extra: &[&str]) -> Background {
    let slow = stack.var_file(
        "slow.tfvars",
        "environment = \"dev\"\nrevision = \"slow\"\nrelease_command = \"sleep 600\"\n",
    );
    let mut args = vec![
        "apply",
        "--env",
        "dev",
        "--var-file",
        &slow,
        "--auto-approve",
    ];
    args.extend_from_slice(extra);
    Background::start(stack.command(&args))
}
