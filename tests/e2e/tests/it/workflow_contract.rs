//! What act cannot check because it ignores it: concurrency groups and
//! token permissions of the application's workflows and the reusable ones.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

fn load(path: &Path) -> Value {
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn workflows(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(e2e::repo_root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no workflows in {dir}");
    files
}

/// The literal part of a concurrency group before its first expression:
/// two groups whose literal prefixes are equal and whose expressions read
/// the same inputs are the same group at run time.
fn group_prefix(concurrency: &Value) -> Option<String> {
    let group = match concurrency {
        Value::String(group) => group.as_str(),
        other => other.get("group")?.as_str()?,
    };
    Some(group.split("${{").next().unwrap_or(group).to_owned())
}

/// Every concurrency group a workflow holds: its own and its jobs'.
fn groups(workflow: &Value) -> BTreeSet<String> {
    let mut found: BTreeSet<String> = workflow
        .get("concurrency")
        .and_then(group_prefix)
        .into_iter()
        .collect();
    if let Some(jobs) = workflow["jobs"].as_mapping() {
        for job in jobs.values() {
            found.extend(job.get("concurrency").and_then(group_prefix));
        }
    }
    found
}

/// The reusable workflow of this repository a job calls, if any.
fn called(job: &Value) -> Option<PathBuf> {
    let uses = job.get("uses")?.as_str()?;
    let path = uses
        .strip_prefix("portfolio-ci/portfolio-ci/")?
        .split('@')
        .next()?;
    Some(e2e::repo_root().join(path))
}

#[test]
fn no_caller_shares_a_concurrency_group_with_the_workflow_it_calls() {
    let mut calls = 0;
    for path in workflows("workflows")
        .into_iter()
        .chain(workflows(".github/workflows"))
    {
        let caller = load(&path);
        let Some(jobs) = caller["jobs"].as_mapping() else {
            continue;
        };
        for (name, job) in jobs {
            let Some(callee_path) = called(job) else {
                continue;
            };
            calls += 1;
            let mut held = groups(&caller);
            held.extend(job.get("concurrency").and_then(group_prefix));
            let callee = groups(&load(&callee_path));
            let shared: Vec<_> = held.intersection(&callee).collect();
            assert!(
                shared.is_empty(),
                "{} job {name:?} and {} both hold {shared:?}: GitHub cancels a \
                 caller and a called workflow sharing a concurrency group",
                path.display(),
                callee_path.display()
            );
        }
    }
    assert!(calls >= 5, "only {calls} calls of reusable workflows found");
}

#[test]
fn the_terraform_workflow_holds_one_group_per_environment() {
    let callee = load(&e2e::repo_root().join(".github/workflows/terraform.yml"));
    assert_eq!(
        callee["concurrency"]["group"].as_str(),
        Some("terraform-${{ inputs.environment }}")
    );
    assert_eq!(
        callee["concurrency"]["cancel-in-progress"].as_bool(),
        Some(false)
    );
}

#[test]
fn the_shared_group_check_sees_a_deadlock() {
    let caller: Value = serde_yaml_ng::from_str(
        "concurrency: {group: 'terraform-${{ inputs.environment }}'}\njobs: {}",
    )
    .unwrap();
    let callee: Value = serde_yaml_ng::from_str(
        "jobs: {plan: {concurrency: 'terraform-${{ inputs.environment }}'}}",
    )
    .unwrap();
    assert_eq!(groups(&caller), groups(&callee));
    assert_eq!(groups(&caller).len(), 1);
}

/// `pull-requests: write` anywhere in a workflow file.
fn grants_pull_requests_write(workflow: &Value) -> bool {
    let grants = |v: &Value| {
        v.get("permissions")
            .and_then(|p| p.get("pull-requests"))
            .and_then(Value::as_str)
            == Some("write")
    };
    grants(workflow)
        || workflow["jobs"]
            .as_mapping()
            .is_some_and(|jobs| jobs.values().any(grants))
}

#[test]
fn pull_request_write_only_where_a_pull_request_can_be_commented() {
    for path in workflows("workflows") {
        let workflow = load(&path);
        // YAML 1.1 reads the key `on` as the boolean true.
        let on = workflow
            .get("on")
            .or_else(|| workflow.get(Value::Bool(true)))
            .unwrap_or_else(|| panic!("{}: no trigger", path.display()));
        let on_pull_request = match on {
            Value::String(event) => event == "pull_request",
            Value::Sequence(events) => events.iter().any(|e| e == "pull_request"),
            Value::Mapping(events) => events.contains_key("pull_request"),
            _ => false,
        };
        assert!(
            on_pull_request || !grants_pull_requests_write(&workflow),
            "{} grants pull-requests: write but never runs on a pull request",
            path.display()
        );
    }
    // The reusable workflow's apply and destroy jobs ask for no more than
    // OIDC and a checkout; its plan job takes what the caller grants.
    let terraform = load(&e2e::repo_root().join(".github/workflows/terraform.yml"));
    assert!(terraform.get("permissions").is_none());
    for job in ["apply", "destroy"] {
        let permissions = &terraform["jobs"][job]["permissions"];
        assert_eq!(permissions["contents"].as_str(), Some("read"), "{job}");
        assert_eq!(permissions["id-token"].as_str(), Some("write"), "{job}");
        assert_eq!(
            permissions.as_mapping().map(serde_yaml_ng::Mapping::len),
            Some(2),
            "{job}"
        );
    }
}
