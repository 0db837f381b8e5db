//! The application's deploy workflows start on a push that changes any
//! input of the deploy they run, and on no other service's: each service's
//! inputs come from examples/portfolio/portfolio-ci.yaml (build context,
//! Dockerfile, task definition template, the file itself, the lifecycle
//! policy when the deploy applies one) and are matched against the
//! workflow's `on.push.paths` with GitHub's filter-pattern rules.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use portfolio_core::Config;
use serde_yaml_ng::Value;

/// A `paths` filter as GitHub evaluates it: `*` stops at `/`, `**` does
/// not, `?` is one character, `!` excludes; the patterns apply in order,
/// so a later match overrides an earlier one.
struct PathFilter {
    patterns: Vec<(bool, GlobMatcher)>,
}

impl PathFilter {
    fn new<S: AsRef<str>>(patterns: &[S]) -> PathFilter {
        let patterns = patterns
            .iter()
            .map(|pattern| {
                let pattern = pattern.as_ref();
                let (negated, glob) = match pattern.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, pattern),
                };
                assert!(
                    !glob.contains('+'),
                    "{pattern}: `+` is not read by this filter"
                );
                let matcher = GlobBuilder::new(glob)
                    .literal_separator(true)
                    .backslash_escape(true)
                    .build()
                    .unwrap_or_else(|e| panic!("{pattern}: {e}"))
                    .compile_matcher();
                (negated, matcher)
            })
            .collect();
        PathFilter { patterns }
    }

    /// Whether a change to `path` (relative to the repository root) runs
    /// the workflow.
    fn matches(&self, path: &str) -> bool {
        self.patterns
            .iter()
            .fold(false, |matched, (negated, glob)| {
                if glob.is_match(path) {
                    !negated
                } else {
                    matched
                }
            })
    }
}

#[test]
fn the_filter_reads_patterns_as_github_does() {
    let filter = PathFilter::new(&[
        "backend/**",
        "!backend/docs/**",
        "backend/docs/api.md",
        "*.yaml",
        "task?ef/*.json",
    ]);
    assert!(filter.matches("backend/app.py"));
    assert!(filter.matches("backend/a/b/c.py"));
    assert!(!filter.matches("backend/docs/guide.md"));
    assert!(filter.matches("backend/docs/api.md"));
    assert!(filter.matches("portfolio-ci.yaml"));
    assert!(!filter.matches("terraform/envs/dev.yaml"));
    assert!(filter.matches("taskdef/backend.json"));
    assert!(!filter.matches("taskdef/nested/backend.json"));
    assert!(!filter.matches("terraform/backend/dev.hcl"));
    // Order matters: an exclusion before the inclusion excludes nothing.
    let reversed = PathFilter::new(&["!backend/docs/**", "backend/**"]);
    assert!(reversed.matches("backend/docs/guide.md"));
}

/// The application repository: examples/portfolio, as the workflow tests
/// lay it out (its workflows under .github/workflows).
fn app_root() -> PathBuf {
    e2e::repo_root().join("examples/portfolio")
}

fn load(path: &Path) -> Value {
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `path` relative to the application repository, as GitHub names it.
fn repo_path(path: &Path) -> String {
    let relative = path
        .strip_prefix(app_root())
        .unwrap_or_else(|_| panic!("{} is outside the application repository", path.display()));
    relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_str().unwrap()),
            Component::CurDir => None,
            other => panic!("{}: {other:?}", path.display()),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every file under `dir`, plus one not there yet (a new file in a new
/// directory), relative to the application repository.
fn files_under(dir: &Path) -> Vec<String> {
    let mut found = vec![repo_path(&dir.join("new-module/new_file.txt"))];
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(repo_path(&path));
            }
        }
    }
    found.sort();
    found
}

/// One deploy a workflow runs: the service and the reusable workflow.
struct Deploy {
    service: String,
    working_directory: String,
    called: Value,
}

/// The deploys `workflow` runs (jobs calling our deploy-service workflow).
fn deploys(workflow: &Value) -> Vec<Deploy> {
    let mut found = Vec::new();
    for job in workflow["jobs"].as_mapping().unwrap().values() {
        let Some(uses) = job.get("uses").and_then(Value::as_str) else {
            continue;
        };
        let Some(path) = uses
            .strip_prefix("portfolio-ci/portfolio-ci/")
            .and_then(|rest| rest.split('@').next())
        else {
            continue;
        };
        let called = load(&e2e::repo_root().join(path));
        let inputs = &called["on"]["workflow_call"]["inputs"];
        if inputs.get("service").is_none() {
            continue;
        }
        let with = &job["with"];
        let working_directory = with
            .get("working-directory")
            .or_else(|| inputs["working-directory"].get("default"))
            .and_then(Value::as_str)
            .unwrap_or(".")
            .to_owned();
        found.push(Deploy {
            service: with["service"].as_str().unwrap().to_owned(),
            working_directory,
            called,
        });
    }
    found
}

/// Whether the reusable deploy workflow runs `actions/<name>` of ours.
fn runs_action(called: &Value, name: &str) -> bool {
    called["jobs"].as_mapping().unwrap().values().any(|job| {
        job["steps"]
            .as_sequence()
            .into_iter()
            .flatten()
            .any(|step| {
                step.get("uses")
                    .and_then(Value::as_str)
                    .is_some_and(|u| u.contains(&format!("/actions/{name}@")))
            })
    })
}

/// What a deploy of `service` reads, each with why, relative to the
/// application repository.
fn deploy_inputs(workdir: &Path, service: &str, called: &Value) -> Vec<(String, String)> {
    let config_path = workdir.join("portfolio-ci.yaml");
    let config = Config::from_file(&config_path).unwrap();
    let resolved = config.service(service, "dev").unwrap();
    let mut inputs = vec![("configuration".to_owned(), repo_path(&config_path))];
    // build-push-image builds the working directory when no context is set.
    let context = resolved
        .context
        .clone()
        .unwrap_or_else(|| workdir.to_path_buf());
    for file in files_under(&context) {
        inputs.push((format!("build context of {service}"), file));
    }
    let dockerfile = resolved
        .dockerfile
        .clone()
        .unwrap_or_else(|| context.join("Dockerfile"));
    let mut beside = dockerfile.clone().into_os_string();
    beside.push(".dockerignore");
    inputs.push((format!("Dockerfile of {service}"), repo_path(&dockerfile)));
    inputs.push((
        format!("ignore file of {service}'s Dockerfile"),
        repo_path(Path::new(&beside)),
    ));
    let template = resolved
        .task_definition
        .unwrap_or_else(|| panic!("{service}: no task_definition in the configuration"));
    inputs.push((
        format!("task definition template of {service}"),
        repo_path(&template),
    ));
    if runs_action(called, "ecr-lifecycle")
        && let Some(policy) = &config.ecr.lifecycle_policy
    {
        inputs.push((
            "lifecycle policy".to_owned(),
            repo_path(&config.resolve(policy)),
        ));
    }
    inputs
}

#[test]
fn a_change_to_any_deploy_input_runs_the_service_workflow_and_no_other() {
    let root = app_root();
    let mut checked = BTreeSet::new();
    let workflows = crate::workflow_uses::yaml_files(&e2e::repo_root().join("workflows"));
    // Every input of every deployed service, to check which workflows it runs.
    let mut all_inputs: Vec<(String, String, String)> = Vec::new();
    let mut filters = Vec::new();
    let config = Config::from_file(&root.join("portfolio-ci.yaml")).unwrap();
    let terraform = config.resolve(&config.terraform.dir);
    for path in &workflows {
        let workflow = load(path);
        let deploys = deploys(&workflow);
        if deploys.is_empty() {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap();
        // YAML 1.1 reads the key `on` as the boolean true.
        let on = workflow
            .get("on")
            .or_else(|| workflow.get(Value::Bool(true)))
            .unwrap();
        assert!(
            on["push"].get("paths-ignore").is_none(),
            "{name}: paths-ignore would run the deploy on unrelated changes"
        );
        let patterns: Vec<&str> = on["push"]["paths"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{name}: no on.push.paths"))
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        let filter = PathFilter::new(&patterns);
        let mut inputs = vec![(
            "the workflow itself".to_owned(),
            format!(".github/workflows/{name}"),
        )];
        let mut services = BTreeSet::new();
        for deploy in &deploys {
            let workdir = root.join(&deploy.working_directory);
            inputs.extend(deploy_inputs(&workdir, &deploy.service, &deploy.called));
            services.insert(deploy.service.clone());
        }
        inputs.sort_by(|a, b| a.1.cmp(&b.1));
        inputs.dedup_by(|a, b| a.1 == b.1);
        for (why, input) in &inputs {
            all_inputs.push((name.to_owned(), why.clone(), input.clone()));
        }
        checked.extend(services);
        filters.push((name.to_owned(), filter, inputs));
    }
    assert_eq!(
        checked,
        BTreeSet::from(["backend".to_owned(), "frontend".to_owned()]),
        "the deploy workflows of workflows/"
    );
    for (name, filter, inputs) in &filters {
        let own: BTreeSet<&String> = inputs.iter().map(|(_, path)| path).collect();
        let missed: Vec<String> = inputs
            .iter()
            .filter(|(_, path)| !filter.matches(path))
            .map(|(why, path)| format!("{path} ({why})"))
            .collect();
        assert!(
            missed.is_empty(),
            "{name}: a change to these never deploys:\n{}",
            missed.join("\n")
        );
        // Another service's inputs, and the infrastructure, are not this
        // workflow's: a change to them alone must not deploy it.
        let mut unrelated: Vec<String> = all_inputs
            .iter()
            .filter(|(workflow, _, path)| workflow != name && !own.contains(path))
            .map(|(_, _, path)| path.clone())
            .collect();
        unrelated.extend(files_under(&terraform));
        assert!(unrelated.len() > 10, "{unrelated:?}");
        let triggered: Vec<&String> = unrelated.iter().filter(|p| filter.matches(p)).collect();
        assert!(
            triggered.is_empty(),
            "{name}: deploys on unrelated changes {triggered:?}"
        );
    }
}
