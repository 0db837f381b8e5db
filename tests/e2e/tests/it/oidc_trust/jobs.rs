//! Every job of the application's workflows that assumes an AWS role, with
//! the token GitHub would give it, per trigger event and input choice.
//!
//! GitHub's rules (docs: "OpenID Connect reference", "Example subject
//! claims"; "Reusable workflows"):
//! - `sub` is `repo:OWNER/REPO:` and then `environment:NAME` when the job
//!   has an environment, else `pull_request` on a pull request event, else
//!   `ref:REF` (the branch or tag of the run);
//! - a job of a called reusable workflow gets the caller's repository,
//!   event and ref, its own `environment`, and `job_workflow_ref` naming the
//!   called file (`OWNER/REPO/.github/workflows/FILE@REF`); `vars` are the
//!   caller repository's; `inputs` are what the caller passed in `with:`,
//!   or the declared defaults;
//! - `aud` is `sts.amazonaws.com`, aws-actions/configure-aws-credentials'
//!   default audience, unless the step sets `audience`.
//!
//! `uses: portfolio-ci/portfolio-ci/.github/workflows/X.yml@REF` is followed
//! into this checkout's `.github/workflows/X.yml`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_yaml_ng::Value as Yaml;

use super::expr::{self, Context, Value};

/// The prefix of GitHub's OIDC condition keys in IAM.
pub const OIDC_HOST: &str = "token.actions.githubusercontent.com";
const TOOLKIT: &str = "portfolio-ci/portfolio-ci";
const CONFIGURE_CREDENTIALS: &str = "aws-actions/configure-aws-credentials@";

/// One workflow run the test imagines: event, ref and dispatch inputs.
#[derive(Clone, Debug)]
pub struct Run {
    pub repository: String,
    pub event: String,
    pub git_ref: String,
    pub inputs: BTreeMap<String, String>,
}

/// A job that assumes a role, and the token it presents.
#[derive(Debug)]
pub struct RoleUse {
    /// `workflow.yml job` (and `-> called.yml job` for a reusable workflow).
    pub job: String,
    pub run: Run,
    /// The repository variable `role-to-assume` reads.
    pub variable: String,
    pub environment: Option<String>,
    /// Whether the job may ask for a token at all: `id-token: write` in
    /// its permissions (its own, else its workflow's) and, for a job of a
    /// called workflow, in the calling job's too (a called workflow can
    /// only keep or lower what the caller grants).
    pub id_token: bool,
    /// IAM condition key => claim value.
    pub claims: BTreeMap<String, String>,
}

fn load(path: &Path) -> Yaml {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `on:` of a workflow (YAML 1.1 reads the key `on` as true).
fn triggers(workflow: &Yaml) -> &Yaml {
    workflow
        .get("on")
        .or_else(|| workflow.get(Yaml::Bool(true)))
        .unwrap_or(&Yaml::Null)
}

fn str_of(value: &Yaml) -> String {
    match value {
        Yaml::String(s) => s.clone(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Every combination of the choice inputs of a workflow_dispatch (other
/// inputs take their defaults).
fn input_choices(inputs: Option<&Yaml>) -> Vec<BTreeMap<String, String>> {
    let mut combos = vec![BTreeMap::new()];
    let Some(inputs) = inputs.and_then(Yaml::as_mapping) else {
        return combos;
    };
    for (name, spec) in inputs {
        let name = str_of(name);
        let options: Vec<String> = match spec.get("options").and_then(Yaml::as_sequence) {
            Some(options) => options.iter().map(str_of).collect(),
            None => vec![spec.get("default").map(str_of).unwrap_or_default()],
        };
        combos = combos
            .into_iter()
            .flat_map(|combo| {
                let name = name.clone();
                options.iter().map(move |option| {
                    let mut next = combo.clone();
                    next.insert(name.clone(), option.clone());
                    next
                })
            })
            .collect();
    }
    combos
}

/// The runs a workflow's triggers make, as on `branch` (the default branch
/// for events that run there).
fn runs(workflow: &Yaml, repository: &str, branch: &str) -> Vec<Run> {
    let run = |event: &str, git_ref: String, inputs| Run {
        repository: repository.to_owned(),
        event: event.to_owned(),
        git_ref,
        inputs,
    };
    let events: Vec<(String, Yaml)> = match triggers(workflow) {
        Yaml::String(event) => vec![(event.clone(), Yaml::Null)],
        Yaml::Sequence(events) => events.iter().map(|e| (str_of(e), Yaml::Null)).collect(),
        Yaml::Mapping(events) => events
            .iter()
            .map(|(e, spec)| (str_of(e), spec.clone()))
            .collect(),
        other => panic!("unreadable on: {other:?}"),
    };
    let mut out = Vec::new();
    for (event, spec) in events {
        match event.as_str() {
            "push" => {
                let branches: Vec<String> = match spec.get("branches").and_then(Yaml::as_sequence) {
                    Some(list) => list.iter().map(str_of).collect(),
                    None => vec![branch.to_owned()],
                };
                for b in branches {
                    assert!(
                        !b.contains(['*', '?', '[', '!']),
                        "push branch pattern {b} is not modelled"
                    );
                    out.push(run("push", format!("refs/heads/{b}"), BTreeMap::new()));
                }
            }
            "workflow_dispatch" => {
                for inputs in input_choices(spec.get("inputs")) {
                    out.push(run(
                        "workflow_dispatch",
                        format!("refs/heads/{branch}"),
                        inputs,
                    ));
                }
            }
            "pull_request" => out.push(run(
                "pull_request",
                "refs/pull/1/merge".into(),
                BTreeMap::new(),
            )),
            "workflow_call" => {}
            other => panic!("trigger {other} is not modelled: add how GitHub forms its sub claim"),
        }
    }
    out
}

/// The context of a caller workflow's job.
struct CallerContext<'a> {
    run: &'a Run,
}

fn github(run: &Run, path: &str) -> Option<Value> {
    match path {
        "github.event_name" => Some(Value::Str(run.event.clone())),
        "github.ref" => Some(Value::Str(run.git_ref.clone())),
        "github.repository" => Some(Value::Str(run.repository.clone())),
        _ => None,
    }
}

/// `vars.NAME` stands for itself: the role is known by its variable.
fn var(path: &str) -> Option<Value> {
    path.strip_prefix("vars.")
        .map(|_| Value::Str(path.to_owned()))
}

impl Context for CallerContext<'_> {
    fn lookup(&self, path: &str) -> Result<Value, String> {
        if let Some(name) = path.strip_prefix("inputs.") {
            return self
                .run
                .inputs
                .get(name)
                .map(|v| Value::Str(v.clone()))
                .ok_or_else(|| format!("no input {name}"));
        }
        github(self.run, path)
            .or_else(|| var(path))
            .ok_or_else(|| format!("{path} is not modelled"))
    }
}

/// The context of a job of a called workflow: inputs from the caller's
/// `with:` (evaluated in the caller's context) or the declared defaults.
struct CalleeContext<'a> {
    caller: CallerContext<'a>,
    with: &'a Yaml,
    declared: &'a Yaml,
}

impl Context for CalleeContext<'_> {
    fn lookup(&self, path: &str) -> Result<Value, String> {
        if let Some(name) = path.strip_prefix("inputs.") {
            let spec = self
                .declared
                .get(name)
                .ok_or_else(|| format!("the called workflow declares no input {name}"))?;
            return match self.with.get(name) {
                Some(value) => expr::render(&str_of(value), &self.caller).map(Value::Str),
                None => Ok(Value::Str(
                    spec.get("default").map(str_of).unwrap_or_default(),
                )),
            };
        }
        github(self.caller.run, path)
            .or_else(|| var(path))
            .ok_or_else(|| format!("{path} is not modelled"))
    }
}

/// `refs/tags/v1` for `@v1`, the SHA itself for `@<sha>` (as GitHub writes
/// job_workflow_ref).
fn workflow_ref(version: &str) -> String {
    let sha = version.len() == 40 && version.chars().all(|c| c.is_ascii_hexdigit());
    if sha || version.starts_with("refs/") {
        version.to_owned()
    } else {
        format!("refs/tags/{version}")
    }
}

/// Whether a `permissions:` value grants `id-token: write`.
fn grants_id_token(permissions: &Yaml) -> bool {
    match permissions {
        Yaml::String(all) => all == "write-all",
        other => other.get("id-token").map(str_of).as_deref() == Some("write"),
    }
}

/// The permissions a job runs with when it sets any: its own, else its
/// workflow's.
fn permissions<'a>(job: &'a Yaml, workflow: &'a Yaml) -> Option<&'a Yaml> {
    job.get("permissions")
        .or_else(|| workflow.get("permissions"))
}

/// The role uses of one job: each configure-aws-credentials step.
fn job_role_uses(
    name: &str,
    job: &Yaml,
    ctx: &dyn Context,
    run: &Run,
    job_workflow_ref: &str,
    id_token: bool,
) -> Vec<RoleUse> {
    let render =
        |value: &Yaml| expr::render(&str_of(value), ctx).unwrap_or_else(|e| panic!("{name}: {e}"));
    let environment = job.get("environment").map(|env| match env.get("name") {
        Some(named) => render(named),
        None => render(env),
    });
    let mut out = Vec::new();
    for step in job
        .get("steps")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
    {
        let uses = step.get("uses").map(str_of).unwrap_or_default();
        if !uses.starts_with(CONFIGURE_CREDENTIALS) {
            continue;
        }
        let with = step.get("with").unwrap_or(&Yaml::Null);
        let role = with.get("role-to-assume").map(render).unwrap_or_default();
        let variable = role
            .strip_prefix("vars.")
            .unwrap_or_else(|| {
                panic!("{name}: role-to-assume is {role:?}, not a repository variable")
            })
            .to_owned();
        let audience = with
            .get("audience")
            .map_or_else(|| "sts.amazonaws.com".to_owned(), render);
        let context = match (&environment, run.event.as_str()) {
            (Some(env), _) => format!("environment:{}", env.replace(':', "%3A")),
            (None, "pull_request" | "pull_request_target") => "pull_request".to_owned(),
            (None, _) => format!("ref:{}", run.git_ref),
        };
        let claims = BTreeMap::from([
            (format!("{OIDC_HOST}:aud"), audience),
            (
                format!("{OIDC_HOST}:sub"),
                format!("repo:{}:{context}", run.repository),
            ),
            (
                format!("{OIDC_HOST}:job_workflow_ref"),
                job_workflow_ref.to_owned(),
            ),
        ]);
        out.push(RoleUse {
            job: name.to_owned(),
            run: run.clone(),
            variable,
            environment: environment.clone(),
            id_token,
            claims,
        });
    }
    out
}

/// Every role use of the workflow at `path` in the runs `runs` makes.
pub fn role_uses(root: &Path, path: &Path, runs: &[Run]) -> Vec<RoleUse> {
    let workflow = load(path);
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let jobs = workflow
        .get("jobs")
        .and_then(Yaml::as_mapping)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for run in runs {
        for (job_id, job) in &jobs {
            let job_id = str_of(job_id);
            let caller = CallerContext { run };
            let uses = job.get("uses").map(str_of);
            let Some(uses) = uses else {
                let own_ref = format!(
                    "{}/.github/workflows/{file}@{}",
                    run.repository, run.git_ref
                );
                let id_token = permissions(job, &workflow).is_some_and(grants_id_token);
                out.extend(job_role_uses(
                    &format!("{file} {job_id}"),
                    job,
                    &caller,
                    run,
                    &own_ref,
                    id_token,
                ));
                continue;
            };
            let (called, version) = uses
                .strip_prefix(&format!("{TOOLKIT}/"))
                .and_then(|rest| rest.split_once('@'))
                .unwrap_or_else(|| panic!("{file} {job_id}: uses {uses} is not modelled"));
            let callee = load(&root.join(called));
            let caller_id_token = permissions(job, &workflow).is_some_and(grants_id_token);
            let declared = triggers(&callee)
                .get("workflow_call")
                .and_then(|call| call.get("inputs"))
                .unwrap_or(&Yaml::Null);
            let ctx = CalleeContext {
                caller,
                with: job.get("with").unwrap_or(&Yaml::Null),
                declared,
            };
            let job_workflow_ref = format!("{TOOLKIT}/{called}@{}", workflow_ref(version));
            let callee_file = called.rsplit('/').next().unwrap_or(called);
            for (callee_job_id, callee_job) in callee
                .get("jobs")
                .and_then(Yaml::as_mapping)
                .into_iter()
                .flatten()
            {
                let name = format!("{file} {job_id} -> {callee_file} {}", str_of(callee_job_id));
                let id_token = caller_id_token
                    && permissions(callee_job, &callee).map_or(caller_id_token, grants_id_token);
                out.extend(job_role_uses(
                    &name,
                    callee_job,
                    &ctx,
                    run,
                    &job_workflow_ref,
                    id_token,
                ));
            }
        }
    }
    out
}

/// The runs of the workflow at `path`.
pub fn workflow_runs(path: &Path, repository: &str, branch: &str) -> Vec<Run> {
    runs(&load(path), repository, branch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLED: &str = r"
on:
  workflow_call:
    inputs:
      env: {type: string, default: dev}
      role: {type: string, required: true}
jobs:
  bound:
    environment: ${{ inputs.env }}
    steps:
      - uses: aws-actions/configure-aws-credentials@v6
        with: {role-to-assume: '${{ inputs.role }}'}
  unbound:
    permissions: {id-token: write}
    steps:
      - uses: aws-actions/configure-aws-credentials@v6
        with: {role-to-assume: '${{ inputs.role }}'}
";

    const CALLER: &str = r"
on:
  pull_request:
  push: {branches: [release]}
permissions: {id-token: write}
jobs:
  call:
    uses: portfolio-ci/portfolio-ci/.github/workflows/called.yml@0123456789abcdef0123456789abcdef01234567
    with:
      env: 'qa:1'
      role: ${{ github.event_name == 'push' && vars.PUSH_ROLE || vars.PR_ROLE }}
  own:
    permissions: {contents: read}
    steps:
      - uses: aws-actions/configure-aws-credentials@v6
        with: {role-to-assume: '${{ vars.OWN }}', audience: custom}
";

    fn claim(u: &RoleUse, key: &str) -> String {
        u.claims[&format!("{OIDC_HOST}:{key}")].clone()
    }

    /// GitHub's documented subjects: environment (with `:` as `%3A`),
    /// pull_request, ref; job_workflow_ref of a SHA-pinned call and of a
    /// job of the workflow itself; the audience input; id-token grants.
    #[test]
    fn tokens_follow_githubs_subject_rules() {
        let root = tempfile::tempdir().unwrap();
        let workflows = root.path().join(".github/workflows");
        std::fs::create_dir_all(&workflows).unwrap();
        std::fs::write(workflows.join("called.yml"), CALLED).unwrap();
        let app = root.path().join("app.yml");
        std::fs::write(&app, CALLER).unwrap();
        let uses = role_uses(root.path(), &app, &workflow_runs(&app, "o/r", "main"));
        let find = |event: &str, job: &str| {
            uses.iter()
                .find(|u| u.run.event == event && u.job.ends_with(job))
                .unwrap_or_else(|| panic!("no {job} on {event}: {uses:#?}"))
        };
        let called = "portfolio-ci/portfolio-ci/.github/workflows/called.yml@0123456789abcdef0123456789abcdef01234567";

        let bound = find("pull_request", "called.yml bound");
        assert_eq!(claim(bound, "sub"), "repo:o/r:environment:qa%3A1");
        assert_eq!(claim(bound, "job_workflow_ref"), called);
        assert_eq!(bound.variable, "PR_ROLE");
        assert!(bound.id_token, "inherits the caller's grant");
        let unbound = find("pull_request", "called.yml unbound");
        assert_eq!(claim(unbound, "sub"), "repo:o/r:pull_request");
        let pushed = find("push", "called.yml unbound");
        assert_eq!(claim(pushed, "sub"), "repo:o/r:ref:refs/heads/release");
        assert_eq!(pushed.variable, "PUSH_ROLE");

        let own = find("push", "app.yml own");
        assert_eq!(claim(own, "aud"), "custom");
        assert_eq!(
            claim(own, "job_workflow_ref"),
            "o/r/.github/workflows/app.yml@refs/heads/release"
        );
        assert!(!own.id_token, "its own permissions leave id-token out");
    }
}
