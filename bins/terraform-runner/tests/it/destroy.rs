//! destroy refuses without the right confirmation, before anything runs.

use crate::harness::Stack;

#[test]
fn destroy_without_right_confirm_exits_2() {
    let stack = Stack::new();
    stack
        .run(&["apply", "--env", "dev", "--auto-approve"])
        .exits(0);
    let before = stack.state("dev").unwrap();

    let none = stack.run(&["destroy", "--env", "dev"]).exits(2);
    assert!(none.stderr.contains("--confirm dev"), "{}", none.stderr);
    let wrong = stack
        .run(&["destroy", "--env", "dev", "--confirm", "prod"])
        .exits(2);
    assert!(wrong.stderr.contains("got 'prod'"), "{}", wrong.stderr);
    let prod = stack
        .run(&["destroy", "--env", "prod", "--confirm", "prod"])
        .exits(2);
    assert!(prod.stderr.contains("--allow-prod"), "{}", prod.stderr);

    assert_eq!(stack.state("dev").unwrap(), before, "the state changed");
    assert_eq!(stack.resources("dev").len(), 14);
    assert!(stack.state("prod").is_none());
}

#[test]
fn a_reviewed_destroy_plan_is_destroyed_exactly_and_only_by_destroy() {
    let stack = Stack::new();
    stack
        .run(&["apply", "--env", "dev", "--auto-approve"])
        .exits(0);
    let before = stack.state("dev").unwrap();

    let plan = stack
        .run(&[
            "plan",
            "--env",
            "dev",
            "--destroy",
            "--plan-file",
            "plans/destroy.tfplan",
            "--json",
        ])
        .exits(0);
    let summary = plan.json();
    assert_eq!(summary["counts"]["destroy"], 14, "{summary}");
    assert_eq!(summary["destroys_everything"], true);
    assert_eq!(stack.resources("dev").len(), 14, "plan changed the state");

    // apply does not stand in for destroy's confirmation.
    let apply = stack
        .run(&[
            "apply",
            "--env",
            "dev",
            "--plan-file",
            "plans/destroy.tfplan",
        ])
        .exits(2);
    assert!(
        apply.stderr.contains("destroys every resource of dev"),
        "{}",
        apply.stderr
    );
    // Nor does the plan file: destroy still needs --confirm.
    stack
        .run(&[
            "destroy",
            "--env",
            "dev",
            "--plan-file",
            "plans/destroy.tfplan",
        ])
        .exits(2);
    assert_eq!(stack.state("dev").unwrap(), before, "the state changed");

    let sha = summary["plan_sha256"].as_str().unwrap();
    let destroy = stack
        .run(&[
            "destroy",
            "--env",
            "dev",
            "--confirm",
            "dev",
            "--plan-file",
            "plans/destroy.tfplan",
            "--plan-sha256",
            sha,
            "--json",
        ])
        .exits(0);
    assert_eq!(destroy.json()["counts"]["destroy"], 14);
    assert!(
        stack.resources("dev").is_empty(),
        "{:?}",
        stack.resources("dev")
    );
}

#[test]
fn destroy_refuses_a_plan_that_is_not_a_destroy_plan() {
    let stack = Stack::new();
    stack
        .run(&["plan", "--env", "dev", "--plan-file", "dev.tfplan"])
        .exits(0);
    let run = stack
        .run(&[
            "destroy",
            "--env",
            "dev",
            "--confirm",
            "dev",
            "--plan-file",
            "dev.tfplan",
        ])
        .exits(2);
    assert!(
        run.stderr.contains("is not a destroy plan (14 to add"),
        "{}",
        run.stderr
    );
    assert!(stack.state("dev").is_none(), "nothing may be applied");
}
