//! Plan integrity: a tampered or unchecked plan file and a stale plan are
//! refused with exit 3 before terraform applies anything.

use crate::harness::Stack;

#[test]
fn tampered_plan_exits_3() {
    let stack = Stack::new();
    stack
        .run(&["plan", "--env", "dev", "--plan-file", "dev.tfplan"])
        .exits(0);
    let good = std::fs::read(stack.path("dev.tfplan")).unwrap();

    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x01;
    std::fs::write(stack.path("dev.tfplan"), &bad).unwrap();
    let run = stack
        .run(&["apply", "--env", "dev", "--plan-file", "dev.tfplan"])
        .exits(3);
    assert!(
        run.stderr.contains("it was changed or replaced"),
        "{}",
        run.stderr
    );

    std::fs::write(stack.path("dev.tfplan"), &good).unwrap();
    let wrong = "0".repeat(64);
    stack
        .run(&[
            "apply",
            "--env",
            "dev",
            "--plan-file",
            "dev.tfplan",
            "--plan-sha256",
            &wrong,
        ])
        .exits(3);

    std::fs::remove_file(stack.path("dev.tfplan.sha256")).unwrap();
    let run = stack
        .run(&["apply", "--env", "dev", "--plan-file", "dev.tfplan"])
        .exits(3);
    assert!(run.stderr.contains("no checksum"), "{}", run.stderr);
    assert!(stack.state("dev").is_none(), "nothing may be applied");
}

#[test]
fn stale_plans_exit_3() {
    let stack = Stack::new();
    // Two plans against no state: the first applied makes the second stale.
    stack
        .run(&["plan", "--env", "dev", "--plan-file", "a.tfplan"])
        .exits(0);
    stack
        .run(&["apply", "--env", "dev", "--plan-file", "a.tfplan"])
        .exits(0);
    let run = stack
        .run(&["apply", "--env", "dev", "--plan-file", "a.tfplan"])
        .exits(3);
    assert!(
        run.stderr.contains("made without a state"),
        "{}",
        run.stderr
    );

    // Two plans against serial N: applying one moves the state on.
    let v2 = stack.var_file("v2.tfvars", "environment = \"dev\"\nrevision = \"2\"\n");
    let v3 = stack.var_file("v3.tfvars", "environment = \"dev\"\nrevision = \"3\"\n");
    stack
        .run(&[
            "plan",
            "--env",
            "dev",
            "--var-file",
            &v2,
            "--plan-file",
            "b.tfplan",
        ])
        .exits(0);
    stack
        .run(&[
            "plan",
            "--env",
            "dev",
            "--var-file",
            &v3,
            "--plan-file",
            "c.tfplan",
        ])
        .exits(0);
    stack
        .run(&["apply", "--env", "dev", "--plan-file", "b.tfplan"])
        .exits(0);
    let serial = stack.state("dev").unwrap()["serial"].clone();
    let run = stack
        .run(&["apply", "--env", "dev", "--plan-file", "c.tfplan"])
        .exits(3);
    assert!(run.stderr.contains("state serial"), "{}", run.stderr);
    assert_eq!(
        stack.state("dev").unwrap()["serial"],
        serial,
        "the stale plan changed the state"
    );
}
