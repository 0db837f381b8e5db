//! The OIDC trust policies match the jobs: for every job of the
//! application's workflows (`workflows/`, following their calls into this
//! repository's reusable workflows) that assumes an AWS role, the token
//! GitHub would give it (`sub`, `aud`, `job_workflow_ref`, per trigger
//! event and dispatch input) is accepted by the trust policy of the role it
//! names and by no other role, as IAM evaluates `StringEquals` and
//! `StringLike`. The policies are read from all three places a platform
//! engineer may take them: `examples/aws/trust/*.json`, the Terraform
//! module `examples/aws/github-oidc/trust` (evaluated by `terraform
//! console`, offline) and the README's "Running against real AWS" blocks;
//! the three must say the same thing. Tokens of another repository, and of
//! a branch other than main for jobs without an environment, are refused.
//! Every such job is granted `id-token: write` (act runs without OIDC, so
//! only this test sees a job that could not ask for a token).

mod expr;
mod iam;
mod jobs;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use jobs::{OIDC_HOST, RoleUse};

/// What the example files write for the repository and the account.
const REPOSITORY: &str = "OWNER/REPO";
const PROVIDER_ARN: &str =
    "arn:aws:iam::ACCOUNT_ID:oidc-provider/token.actions.githubusercontent.com";
const TRUST_DIR: &str = "examples/aws/trust";
const TERRAFORM_MODULE: &str = "examples/aws/github-oidc/trust";
const README_SECTION: &str = "# Running against real AWS";

/// Role key (`deploy-dev`, ...) => trust policy.
type Policies = BTreeMap<String, Value>;

fn root() -> PathBuf {
    e2e::repo_root()
}

/// Every role use of the application's workflows, run from `branch` of
/// `repository`.
fn role_uses(repository: &str, branch: &str) -> Vec<RoleUse> {
    let root = root();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .flat_map(|path| {
            let runs = jobs::workflow_runs(path, repository, branch);
            jobs::role_uses(&root, path, &runs)
        })
        .collect()
}

/// The trust policies and role variables of the Terraform module, as
/// `terraform console` evaluates them (no provider, no network).
fn terraform() -> (Policies, BTreeMap<String, String>) {
    let module = tempfile::tempdir().unwrap();
    e2e::copy_dir(&root().join(TERRAFORM_MODULE), module.path()).unwrap();
    let mut child = Command::new("terraform")
        .arg("console")
        .arg(format!("-var=oidc_provider_arn={PROVIDER_ARN}"))
        .arg(format!("-var=github_repository={REPOSITORY}"))
        .current_dir(module.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("terraform on PATH (scripts/test installs it)");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(b"jsonencode({ policies = local.trust_policies, variables = { for k, t in local.trusts : k => t.variable } })\n")
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "terraform console: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The console prints the string as an HCL (here also JSON) literal.
    let text: String = serde_json::from_slice(&output.stdout).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    let policies = value["policies"]
        .as_object()
        .unwrap()
        .clone()
        .into_iter()
        .collect();
    let variables = value["variables"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    (policies, variables)
}

/// `examples/aws/trust/KEY.json`, by KEY.
fn trust_files() -> Policies {
    std::fs::read_dir(root().join(TRUST_DIR))
        .unwrap_or_else(|e| panic!("{TRUST_DIR}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let key = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let policy =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (key, policy)
        })
        .collect()
}

/// The README's "Running against real AWS" section.
fn readme_section() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find(&format!("\n{README_SECTION}\n"))
        .unwrap_or_else(|| panic!("README has no {README_SECTION:?} section"));
    let section = &readme[start + 1..];
    let end = section[README_SECTION.len()..]
        .find("\n# ")
        .map_or(section.len(), |i| i + README_SECTION.len());
    section[..end].to_owned()
}

/// The `examples/aws/trust/KEY.json` a line names, if any (a shell
/// variable such as `$role.json` names none).
fn trust_file_named(line: &str) -> Option<String> {
    let after = line.split(&format!("{TRUST_DIR}/")).nth(1)?;
    let key = after.split(".json").next()?;
    key.chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        .then(|| key.to_owned())
}

/// The README's JSON blocks, each under the trust file named last before it.
fn readme_policies(section: &str) -> Policies {
    let mut policies = Policies::new();
    let mut named: Option<String> = None;
    let mut block: Option<String> = None;
    for line in section.lines() {
        let trimmed = line.trim_start();
        match &mut block {
            Some(text) if trimmed.starts_with("```") => {
                let key = named.take().unwrap_or_else(|| {
                    panic!("README: a JSON block names no {TRUST_DIR}/*.json:\n{text}")
                });
                let policy = serde_json::from_str(text)
                    .unwrap_or_else(|e| panic!("README block of {key}: {e}\n{text}"));
                assert!(
                    policies.insert(key.clone(), policy).is_none(),
                    "README: two blocks of {key}"
                );
                block = None;
            }
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
            None if trimmed.starts_with("```json") => block = Some(String::new()),
            None => {
                if let Some(key) = trust_file_named(line) {
                    named = Some(key);
                }
            }
        }
    }
    policies
}

/// The README's role table: trust file => repository variable.
fn readme_variables(section: &str) -> BTreeMap<String, String> {
    section
        .lines()
        .filter(|line| line.trim_start().starts_with('|'))
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim().split('|').map(str::trim).collect();
            let key = trust_file_named(cells.get(1)?)?;
            let variable = cells.get(2)?.trim_matches('`').to_owned();
            Some((key, variable))
        })
        .collect()
}

/// The roles whose trust policy accepts the token of `role_use`.
fn accepting(policies: &Policies, role_use: &RoleUse) -> BTreeSet<String> {
    let token = iam::Token {
        provider_arn: PROVIDER_ARN,
        claims: &role_use.claims,
    };
    policies
        .iter()
        .filter(|(key, policy)| {
            iam::allows(policy, &token).unwrap_or_else(|e| panic!("trust policy {key}: {e}"))
        })
        .map(|(key, _)| key.clone())
        .collect()
}

fn describe(role_use: &RoleUse) -> String {
    format!(
        "{} on {} {} {:?} (role from vars.{}; sub {})",
        role_use.job,
        role_use.run.event,
        role_use.run.git_ref,
        role_use.run.inputs,
        role_use.variable,
        role_use.claims[&format!("{OIDC_HOST}:sub")],
    )
}

/// The three places the policies are written, by name.
fn sources() -> (Vec<(&'static str, Policies)>, BTreeMap<String, String>) {
    let (from_terraform, variables) = terraform();
    let sources = vec![
        (TRUST_DIR, trust_files()),
        (TERRAFORM_MODULE, from_terraform),
        ("README", readme_policies(&readme_section())),
    ];
    (sources, variables)
}

#[test]
fn every_job_that_assumes_a_role_is_trusted_by_that_role_and_no_other() {
    let uses = role_uses(REPOSITORY, "main");
    let (sources, variables) = sources();
    let mut failures = Vec::new();
    for role_use in &uses {
        let expected: BTreeSet<String> = variables
            .iter()
            .filter(|(_, variable)| **variable == role_use.variable)
            .map(|(key, _)| key.clone())
            .collect();
        if !role_use.id_token {
            failures.push(format!(
                "not granted id-token: write: {}",
                describe(role_use)
            ));
        }
        if expected.is_empty() {
            failures.push(format!(
                "no role is held in vars.{}: {}",
                role_use.variable,
                describe(role_use)
            ));
        }
        for (source, policies) in &sources {
            let accepted = accepting(policies, role_use);
            if accepted != expected {
                failures.push(format!(
                    "{source}: accepted by {accepted:?}, expected {expected:?}: {}",
                    describe(role_use)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every role is used, and the jobs cover plan, apply/destroy and deploy
    // in both environments.
    let used: BTreeSet<&str> = uses.iter().map(|u| u.variable.as_str()).collect();
    let declared: BTreeSet<&str> = variables.values().map(String::as_str).collect();
    assert_eq!(
        used, declared,
        "role variables the jobs use vs the roles there are"
    );
    assert!(uses.len() >= 10, "only {} role uses found", uses.len());
}

#[test]
fn tokens_of_another_repository_or_branch_are_refused() {
    let (sources, _) = sources();
    let mut failures = Vec::new();
    let foreign = role_uses("someone-else/REPO", "main");
    let other_branch: Vec<RoleUse> = role_uses(REPOSITORY, "feature")
        .into_iter()
        .filter(|u| u.environment.is_none())
        .collect();
    assert!(
        !other_branch.is_empty(),
        "no job without an environment assumes a role"
    );
    for role_use in foreign.iter().chain(&other_branch) {
        for (source, policies) in &sources {
            let accepted = accepting(policies, role_use);
            if !accepted.is_empty() {
                failures.push(format!(
                    "{source}: {accepted:?} accepts {}",
                    describe(role_use)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn readme_files_and_terraform_hold_the_same_trust_policies() {
    let (sources, variables) = sources();
    let (first, reference) = &sources[0];
    assert_eq!(
        reference.keys().collect::<Vec<_>>(),
        variables.keys().collect::<Vec<_>>(),
        "{first} vs the roles of {TERRAFORM_MODULE}"
    );
    for (source, policies) in &sources[1..] {
        assert_eq!(policies, reference, "{source} vs {first}");
    }
    assert_eq!(
        readme_variables(&readme_section()),
        variables,
        "the README's role table vs {TERRAFORM_MODULE}"
    );
}

/// The README's trust file mentions resolve to files.
#[test]
fn the_readme_names_only_trust_files_that_exist() {
    let section = readme_section();
    for line in section.lines() {
        if let Some(key) = trust_file_named(line) {
            let path = Path::new(TRUST_DIR).join(format!("{key}.json"));
            assert!(
                root().join(&path).is_file(),
                "README names {}",
                path.display()
            );
        }
    }
}

/// What the test computes, for review: each job that assumes a role, on
/// which event (and environment input), the role variable it reads and the
/// token it presents. (Jobs are listed whatever their `if:` says: the role
/// and token of a job do not depend on whether it runs.)
#[test]
fn the_tokens_the_jobs_present() {
    let lines: BTreeSet<String> = role_uses(REPOSITORY, "main")
        .iter()
        .map(|u| {
            let environment = u
                .run
                .inputs
                .get("environment")
                .map(|e| format!(" environment={e}"));
            format!(
                "{} | {}{} | vars.{} | {} | {}",
                u.job,
                u.run.event,
                environment.unwrap_or_default(),
                u.variable,
                u.claims[&format!("{OIDC_HOST}:sub")],
                u.claims[&format!("{OIDC_HOST}:job_workflow_ref")],
            )
        })
        .collect();
    insta::assert_snapshot!(lines.into_iter().collect::<Vec<_>>().join("\n"));
}
