//! plan -> apply -> plan (no changes) -> destroy; the plan goes to a
//! directory that does not exist yet, as a workflow's $RUNNER_TEMP/tfplan/.

use crate::harness::{Run, Stack};

#[test]
fn plan_apply_destroy_round_trip() {
    let stack = Stack::new();
    let plan = stack
        .run(&[
            "plan",
            "--env",
            "dev",
            "--plan-file",
            "plans/dev.tfplan",
            "--json",
        ])
        .exits(0);
    let result = plan.json();
    assert_eq!(result["has_changes"], true);
    assert_eq!(result["counts"]["add"], 14);
    assert_eq!(result["counts"]["destroy"], 0);
    let sha = result["plan_sha256"].as_str().unwrap().to_owned();
    let line = std::fs::read_to_string(stack.path("plans/dev.tfplan.sha256")).unwrap();
    assert_eq!(line, format!("{sha}  dev.tfplan\n"));
    assert!(stack.resources("dev").is_empty(), "plan changed the state");

    let apply = stack
        .run(&[
            "apply",
            "--env",
            "dev",
            "--plan-file",
            "plans/dev.tfplan",
            "--json",
        ])
        .exits(0);
    let result = apply.json();
    assert_eq!(result["terraform_outputs"]["cluster_name"], "portfolio-dev");
    assert_eq!(result["terraform_outputs"]["vpc_cidr"], "10.0.0.0/16");
    assert!(
        result["terraform_outputs"]
            .get("database_password")
            .is_none()
    );
    assert!(
        apply.stderr.contains("Apply complete! Resources: 14 added"),
        "{}",
        apply.stderr
    );
    assert!(
        apply.stderr.contains("initialised (cached)"),
        "init ran twice"
    );
    let resources = stack.resources("dev");
    assert_eq!(resources.len(), 14);
    assert!(resources.contains(&"terraform_data.service[\"backend\"]".to_owned()));
    assert!(!stack.locked("dev"));

    let again = stack.run(&["plan", "--env", "dev", "--json"]).exits(0);
    assert_eq!(again.json()["has_changes"], false);
    assert!(
        stack.path("terraform/dev.tfplan").is_file(),
        "default plan file"
    );

    let destroy = stack
        .run(&["destroy", "--env", "dev", "--confirm", "dev", "--json"])
        .exits(0);
    assert_eq!(destroy.json()["counts"]["destroy"], 14);
    assert!(destroy.stderr.contains("14 resources will be destroyed"));
    assert!(stack.resources("dev").is_empty());
    assert!(stack.state("dev").is_some(), "the state itself stays");
}

#[test]
fn apply_without_plan_file_needs_auto_approve() {
    let stack = Stack::new();
    let refused = stack.run(&["apply", "--env", "dev"]).exits(2);
    assert!(
        refused.stderr.contains("--auto-approve"),
        "{}",
        refused.stderr
    );
    assert!(stack.state("dev").is_none());
    stack
        .run(&["apply", "--env", "dev", "--auto-approve"])
        .exits(0);
    assert_eq!(stack.resources("dev").len(), 14);
}

#[test]
fn terraform_outputs_become_step_outputs_without_shadowing_the_runners() {
    let stack = Stack::new();
    std::fs::write(
        stack.path("terraform/shadow.tf"),
        "output \"add\" {\n  value = \"shadow\"\n}\n",
    )
    .unwrap();
    let step_outputs = stack.path("github_output");
    let mut apply = stack.command(&["apply", "--env", "dev", "--auto-approve"]);
    apply
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &step_outputs);
    let apply = Run::from(apply.output().unwrap()).exits(0);
    let written = std::fs::read_to_string(&step_outputs).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert!(lines.contains(&"add=14"), "{written}");
    assert!(!lines.contains(&"add=shadow"), "{written}");
    assert!(lines.contains(&"cluster_name=portfolio-dev"), "{written}");
    let all = lines
        .iter()
        .find_map(|line| line.strip_prefix("terraform-outputs="))
        .unwrap_or_else(|| panic!("no terraform-outputs in {written}"));
    let all: serde_json::Value = serde_json::from_str(all).unwrap();
    assert_eq!(all["add"], "shadow");
    assert_eq!(all["cluster_name"], "portfolio-dev");
    assert!(all.get("database_password").is_none(), "{all}");
    assert!(
        apply.stderr.contains("::warning::terraform output 'add'"),
        "{}",
        apply.stderr
    );
}
