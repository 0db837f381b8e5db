//! The composite actions run as the runner runs them, outside act: each
//! step's script in bash with its `env:` (inputs substituted, defaults
//! applied), its own GITHUB_OUTPUT, `if: always()` honoured, and the
//! action's outputs resolved from the steps' outputs. A tool action whose
//! binary is not on PATH installs it through setup's installer (from
//! bin-dir or from a release); every output an action declares is one its
//! tool really writes when it runs against the stand-ins.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use e2e::stack::{LocalAws, ServiceSpec};
use serde_yaml_ng::Value;
use tempfile::TempDir;

use crate::setup_action::{GitHub, TOOLS, VERSION, published, serve_release};

/// What one run of an action left behind.
pub(crate) struct ActionRun {
    pub(crate) success: bool,
    /// The exit code of the first step that failed.
    failed_code: Option<i32>,
    pub(crate) log: String,
    /// The action's declared outputs, resolved.
    pub(crate) outputs: BTreeMap<String, String>,
    /// Every key each step wrote to its GITHUB_OUTPUT.
    step_outputs: BTreeMap<String, BTreeMap<String, String>>,
    pub(crate) github_path: String,
}

/// A runner's job directory: temp, tool cache, the files GITHUB_* point at.
pub(crate) struct Job {
    dir: TempDir,
    path: String,
    env: Vec<(String, String)>,
    /// The `github.*` context values the actions' expressions read.
    github: BTreeMap<String, String>,
}

impl Job {
    /// A job whose PATH holds only the system's directories.
    pub(crate) fn new() -> Job {
        // The GitHub server and API are unreachable (the discard port), the
        // action's repository and ref unknown, as for a local action.
        let github = [
            ("action_ref", ""),
            ("action_repository", ""),
            ("token", ""),
            ("server_url", "http://127.0.0.1:9"),
            ("api_url", "http://127.0.0.1:9"),
        ]
        .into_iter()
        .map(|(k, v)| (format!("github.{k}"), v.to_owned()))
        .collect();
        Job {
            dir: tempfile::tempdir().unwrap(),
            path: "/usr/local/bin:/usr/bin:/bin".to_owned(),
            env: Vec::new(),
            github,
        }
    }

    /// Sets `github.<key>` of the context.
    fn with_github(mut self, key: &str, value: &str) -> Job {
        let key = format!("github.{key}");
        assert!(
            self.github.contains_key(&key),
            "unknown context value {key}"
        );
        self.github.insert(key, value.to_owned());
        self
    }

    pub(crate) fn with_env(mut self, env: impl IntoIterator<Item = (String, String)>) -> Job {
        self.env.extend(env);
        self
    }

    /// Runs `actions/<name>` with `inputs` in `workdir`.
    pub(crate) fn run(&self, name: &str, inputs: &[(&str, &str)], workdir: &Path) -> ActionRun {
        let root = e2e::repo_root();
        let action_path = root.join("actions").join(name);
        let yaml: Value = serde_yaml_ng::from_str(
            &std::fs::read_to_string(action_path.join("action.yml")).unwrap(),
        )
        .unwrap();
        let mut values = self.github.clone();
        for (input, spec) in yaml["inputs"].as_mapping().unwrap() {
            let input = input.as_str().unwrap();
            let default = spec.get("default").and_then(Value::as_str).unwrap_or("");
            // A default may be an expression (`${{ github.token }}`).
            let default = substitute(default, &self.github);
            values.insert(format!("inputs.{input}"), default);
        }
        for (input, value) in inputs {
            let key = format!("inputs.{input}");
            assert!(values.contains_key(&key), "{name} has no input {input}");
            values.insert(key, (*value).to_owned());
        }
        let temp = self.dir.path().join("temp");
        std::fs::create_dir_all(&temp).unwrap();
        values.insert(
            "github.action_path".to_owned(),
            action_path.display().to_string(),
        );
        values.insert("runner.temp".to_owned(), temp.display().to_string());
        let github_path = self.dir.path().join("github_path");
        if !github_path.exists() {
            std::fs::write(&github_path, "").unwrap();
        }

        let mut log = String::new();
        let mut failed = false;
        let mut failed_code = None;
        let mut step_outputs = BTreeMap::new();
        for (i, step) in yaml["runs"]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .enumerate()
        {
            let id = step
                .get("id")
                .and_then(Value::as_str)
                .map_or_else(|| format!("step{i}"), str::to_owned);
            match step.get("if").and_then(Value::as_str) {
                None if failed => continue,
                None => {}
                Some("always()") => {}
                Some(other) => panic!("{name}: step {id}: unsupported if: {other}"),
            }
            let script = step["run"].as_str().unwrap();
            let output_file = self.dir.path().join(format!("output-{name}-{id}"));
            std::fs::write(&output_file, "").unwrap();
            let dir = step
                .get("working-directory")
                .and_then(Value::as_str)
                .map_or_else(
                    || workdir.to_path_buf(),
                    |wd| workdir.join(substitute(wd, &values)),
                );
            let mut command = Command::new("bash");
            command
                .args(["-e", "-c", script])
                .current_dir(dir)
                .env_clear()
                .env("PATH", &self.path)
                .env("HOME", std::env::var("HOME").unwrap_or_default())
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_STEP_SUMMARY", self.dir.path().join("summary.md"))
                .env("GITHUB_PATH", &github_path)
                .env("RUNNER_TEMP", &temp)
                .env("RUNNER_TOOL_CACHE", self.dir.path().join("toolcache"))
                .env("RUNNER_OS", "Linux")
                .env("RUNNER_ARCH", "X64")
                .envs(self.env.iter().map(|(k, v)| (k, v)));
            if let Some(env) = step.get("env").and_then(Value::as_mapping) {
                for (key, value) in env {
                    command.env(
                        key.as_str().unwrap(),
                        substitute(value.as_str().unwrap_or_default(), &values),
                    );
                }
            }
            let output = command.output().unwrap();
            log.push_str(&String::from_utf8_lossy(&output.stdout));
            log.push_str(&String::from_utf8_lossy(&output.stderr));
            if !output.status.success() && !failed {
                failed = true;
                failed_code = output.status.code();
            }
            let written = parse_outputs(&std::fs::read_to_string(&output_file).unwrap());
            for (key, value) in &written {
                values.insert(format!("steps.{id}.outputs.{key}"), value.clone());
            }
            step_outputs.insert(id, written);
        }
        let mut outputs = BTreeMap::new();
        if let Some(declared) = yaml["outputs"].as_mapping() {
            for (output, spec) in declared {
                let value = spec["value"].as_str().unwrap();
                // An output no step wrote is empty, as on GitHub.
                let resolved = substitute_or_empty(value, &values);
                outputs.insert(output.as_str().unwrap().to_owned(), resolved);
            }
        }
        ActionRun {
            success: !failed,
            failed_code,
            log,
            outputs,
            step_outputs,
            github_path: std::fs::read_to_string(&github_path).unwrap(),
        }
    }
}

/// `${{ name }}` replaced by its value; an unknown name fails the test, so
/// that a new expression in an action.yml is noticed here.
fn substitute(text: &str, values: &BTreeMap<String, String>) -> String {
    expand(text, |name| {
        values
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("unsupported expression ${{{{ {name} }}}} in {text}"))
    })
}

fn substitute_or_empty(text: &str, values: &BTreeMap<String, String>) -> String {
    expand(text, |name| values.get(name).cloned().unwrap_or_default())
}

fn expand(text: &str, mut value: impl FnMut(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("an unclosed expression") + start;
        out.push_str(&value(rest[start + 3..end].trim()));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The `name=value` and `name<<DELIMITER` records of a GITHUB_OUTPUT file.
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut outputs = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for line in lines.by_ref() {
                if line == delimiter {
                    break;
                }
                value.push(line);
            }
            outputs.insert(name.to_owned(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.insert(name.to_owned(), value.to_owned());
        }
    }
    outputs
}

#[test]
fn the_output_parser_reads_both_forms() {
    let outputs = parse_outputs("a=1\nb<<EOF_x\nline one\nline=two\nEOF_x\nc=\n");
    assert_eq!(outputs["a"], "1");
    assert_eq!(outputs["b"], "line one\nline=two");
    assert_eq!(outputs["c"], "");
    assert_eq!(outputs.len(), 3);
}

/// Directory of the tools' binaries (`target/debug`), next to this test's.
pub(crate) fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
    for tool in TOOLS {
        assert!(
            dir.join(tool).is_file(),
            "{tool} is not built in {}: run `cargo build --bins` (scripts/test does)",
            dir.display()
        );
    }
    dir
}

fn example() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    e2e::copy_dir(&e2e::repo_root().join("examples/portfolio"), dir.path()).unwrap();
    dir
}

#[test]
fn a_tool_action_installs_missing_binaries_from_bin_dir_through_setup() {
    let app = example();
    let bins = bin_dir();
    let job = Job::new();
    let run = job.run(
        "ecr-lifecycle",
        &[("command", "lint"), ("bin-dir", bins.to_str().unwrap())],
        app.path(),
    );
    assert!(run.success, "{}", run.log);
    assert!(
        run.log.contains("ecr-lifecycle is not on PATH"),
        "{}",
        run.log
    );
    assert!(
        run.log.contains("valid"),
        "the real linter ran:\n{}",
        run.log
    );
    // Later steps of the job find the binaries too.
    assert_eq!(
        run.github_path.trim(),
        bins.canonicalize().unwrap().to_str().unwrap()
    );
}

#[test]
fn a_tool_action_installs_the_requested_release_through_setup() {
    let release = serve_release(false, 0);
    let app = example();
    let job = Job::new().with_env([("PORTFOLIO_CI_DOWNLOAD_URL".to_owned(), release.url.clone())]);
    let run = job.run(
        "render-taskdef",
        &[("service", "backend"), ("portfolio-ci-version", VERSION)],
        app.path(),
    );
    assert!(run.success, "{}", run.log);
    assert!(run.log.contains("Verified"), "{}", run.log);
    // The release's stand-in binary ran, not anything else on the machine.
    assert!(
        run.log.contains(&format!("render-taskdef {VERSION}")),
        "{}",
        run.log
    );
}

#[test]
fn a_tool_action_installs_from_its_private_repository_with_the_job_token() {
    let token = "ghs_toolActionToken0123456789";
    let github = GitHub::start(
        "corp/portfolio-ci",
        "/api/v3",
        Some(token),
        &[published("v1.2.3")],
        &[],
    );
    let app = example();
    let job = Job::new()
        .with_github("action_repository", "corp/portfolio-ci")
        .with_github("action_ref", "v1")
        .with_github("server_url", &github.server_url())
        .with_github("api_url", &github.api_url())
        .with_github("token", token);
    let run = job.run("render-taskdef", &[("service", "backend")], app.path());
    assert!(run.success, "{}", run.log);
    // v1 resolved through the API with the token, and that release's
    // stand-in binary ran.
    assert!(run.log.contains("render-taskdef v1.2.3"), "{}", run.log);
    assert!(
        github
            .requests()
            .contains("/api/v3/repos/corp/portfolio-ci/releases?per_page=100&page=1 auth=yes"),
        "{}",
        github.requests()
    );
}

#[test]
fn a_tool_action_without_binaries_or_a_release_fails_clearly() {
    let app = example();
    // Nothing listens on the discard port.
    let job = Job::new().with_env([(
        "PORTFOLIO_CI_DOWNLOAD_URL".to_owned(),
        "http://127.0.0.1:9".to_owned(),
    )]);
    let run = job.run(
        "ecr-lifecycle",
        &[("command", "lint"), ("portfolio-ci-version", VERSION)],
        app.path(),
    );
    assert!(!run.success);
    assert!(
        run.log.contains("::error title=portfolio-ci setup::"),
        "{}",
        run.log
    );
}

/// A job with the stand-ins' environment, whose binaries come through
/// setup from PORTFOLIO_CI_BIN_DIR (they are not on its PATH).
fn stack_job(stack: &LocalAws) -> Job {
    Job::new().with_env(
        stack
            .env()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .chain([(
                "PORTFOLIO_CI_BIN_DIR".to_owned(),
                bin_dir().display().to_string(),
            )]),
    )
}

/// Every output `action` declares has a value, and the keys that come from
/// the tool's step are keys the tool itself wrote.
fn assert_outputs_written(action: &str, runs: &[&ActionRun]) {
    let declared: Vec<String> = runs[0].outputs.keys().cloned().collect();
    assert!(!declared.is_empty(), "{action} declares no outputs");
    for output in declared {
        assert!(
            runs.iter().any(|r| !r.outputs[&output].is_empty()),
            "{action}: output {output} was never written by its tool; outputs: {:?}",
            runs.iter().map(|r| &r.step_outputs).collect::<Vec<_>>()
        );
    }
}

#[test]
fn the_terraform_action_exposes_every_count_and_the_terraform_outputs() {
    let stack = LocalAws::start(20.0).unwrap();
    stack
        .create_state_bucket("portfolio-terraform-state")
        .unwrap();
    let app = example();
    std::fs::write(
        app.path().join("terraform/backend/dev.hcl"),
        portfolio_testkit::terraform::s3_backend_config(
            stack.moto_endpoint(),
            "portfolio-terraform-state",
            "dev/terraform.tfstate",
        ),
    )
    .unwrap();
    let job = stack_job(&stack);
    let plan_file = job.dir.path().join("dev.tfplan");
    let secret = "db_password=act1on-Secret-Value";
    let plan = job.run(
        "terraform",
        &[
            ("command", "plan"),
            ("environment", "dev"),
            ("plan-file", plan_file.to_str().unwrap()),
            ("secret-vars", secret),
        ],
        app.path(),
    );
    assert!(plan.success, "{}", plan.log);
    assert_eq!(plan.outputs["has-changes"], "true");
    let added: u32 = plan.outputs["add"].parse().unwrap();
    assert!(added > 0, "{:?}", plan.outputs);
    let counts: serde_json::Value = serde_json::from_str(&plan.outputs["counts"]).unwrap();
    assert_eq!(counts["add"], added);
    assert_eq!(plan.outputs["plan-file"], plan_file.to_str().unwrap());

    // A plan other than the reviewed one (its sha256 differs) is refused.
    let other = "0".repeat(64);
    let refused = job.run(
        "terraform",
        &[
            ("command", "apply"),
            ("environment", "dev"),
            ("plan-file", plan_file.to_str().unwrap()),
            ("plan-sha256", &other),
            ("secret-vars", secret),
        ],
        app.path(),
    );
    assert_eq!(refused.failed_code, Some(3), "{}", refused.log);
    assert!(refused.log.contains(&other), "{}", refused.log);

    let apply = job.run(
        "terraform",
        &[
            ("command", "apply"),
            ("environment", "dev"),
            ("plan-file", plan_file.to_str().unwrap()),
            ("plan-sha256", &plan.outputs["plan-sha256"]),
            ("secret-vars", secret),
        ],
        app.path(),
    );
    assert!(apply.success, "{}", apply.log);
    let outputs: serde_json::Value =
        serde_json::from_str(&apply.outputs["terraform-outputs"]).unwrap();
    assert_eq!(outputs["cluster_name"], "portfolio-dev", "{outputs}");
    assert!(outputs.get("vpc_cidr").is_some(), "{outputs}");
    assert!(
        outputs.get("database_password").is_none(),
        "a sensitive output left the action: {outputs}"
    );
    // The runner consumes `::add-mask::` commands; nothing else may show it.
    for run in [&plan, &apply] {
        let leaked = run
            .log
            .lines()
            .any(|l| l.contains("act1on-Secret-Value") && !l.starts_with("::add-mask::"));
        assert!(!leaked, "{}", run.log);
    }
    assert_outputs_written("terraform", &[&plan, &apply]);
}

#[test]
fn the_pipeline_actions_write_every_output_they_declare() {
    let stack = LocalAws::start(20.0).unwrap();
    stack.create_repository("portfolio-dev-backend").unwrap();
    stack.create_repository("portfolio-prod-backend").unwrap();
    stack
        .create_service(&ServiceSpec {
            cluster: "portfolio-dev",
            service: "backend",
            family: "portfolio-dev-backend",
            container: "backend",
            image: &stack.bootstrap_image("bootstrap/backend", "1").unwrap(),
            port: 8000,
            desired: 1,
        })
        .unwrap();
    let app = example();
    crate::workflows::commit_all(app.path());
    let job = stack_job(&stack);
    // The sample Dockerfile builds on the local static busybox.
    let base = portfolio_testkit::base_image::docker().unwrap();
    let image = job.run(
        "build-push-image",
        &[
            ("service", "backend"),
            ("environment", "dev"),
            (
                "build-args",
                &portfolio_testkit::base_image::build_arg(&base),
            ),
        ],
        app.path(),
    );
    assert!(image.success, "{}", image.log);
    // The same image promoted to prod by digest writes the promotion's
    // outputs (a build has none to write there).
    let promoted = job.run(
        "build-push-image",
        &[
            ("service", "backend"),
            ("environment", "prod"),
            ("promote-from", &image.outputs["digest-reference"]),
        ],
        app.path(),
    );
    assert!(promoted.success, "{}", promoted.log);
    assert_eq!(promoted.outputs["digest"], image.outputs["digest"]);
    assert_eq!(
        promoted.outputs["promoted-from"],
        image.outputs["digest-reference"]
    );
    assert_outputs_written("build-push-image", &[&image, &promoted]);

    let taskdef = job.run(
        "render-taskdef",
        &[
            ("service", "backend"),
            ("environment", "dev"),
            ("image", &image.outputs["image"]),
            (
                "vars",
                "EXECUTION_ROLE_ARN=arn:aws:iam::123456789012:role/exec",
            ),
        ],
        app.path(),
    );
    assert!(taskdef.success, "{}", taskdef.log);
    assert_outputs_written("render-taskdef", &[&taskdef]);

    let deploy = job.run(
        "ecs-deploy",
        &[
            ("service", "backend"),
            ("environment", "dev"),
            ("task-definition", &taskdef.outputs["task-definition"]),
            // A migration on the new revision first, waited for.
            ("run-task", "true"),
            ("run-task-subnets", "subnet-1"),
            (
                "run-task-container-overrides",
                r#"[{"name": "backend", "command": ["sh", "-c", "echo migrations: up to date"]}]"#,
            ),
            ("wait-for-task-stopped", "true"),
        ],
        app.path(),
    );
    assert!(deploy.success, "{}", deploy.log);
    assert_eq!(deploy.outputs["outcome"], "completed", "{}", deploy.log);
    assert!(
        deploy.outputs["run-task-arn"].starts_with("[\"arn:aws:ecs:"),
        "{}",
        deploy.log
    );
    assert_outputs_written("ecs-deploy", &[&deploy]);
}

#[test]
fn the_ecr_lifecycle_action_writes_every_output_and_keeps_the_json_report() {
    let stack = LocalAws::start(20.0).unwrap();
    stack.create_repository("portfolio-dev-backend").unwrap();
    // Fifteen release images: the spec's policy keeps ten of them.
    let images: Vec<Vec<String>> = (1..=15).map(|n| vec![format!("v1.0.{n}")]).collect();
    stack.put_images("portfolio-dev-backend", &images).unwrap();
    // The clusters whose usage protects images exist (the service runs an
    // image of another repository).
    for cluster in ["portfolio-dev", "portfolio-prod"] {
        stack
            .create_service(&ServiceSpec {
                cluster,
                service: "backend",
                family: "portfolio-backend",
                container: "backend",
                image: &stack.bootstrap_image("bootstrap/backend", "1").unwrap(),
                port: 8000,
                desired: 1,
            })
            .unwrap();
    }
    let app = example();
    let job = stack_job(&stack);
    let repository = ("repository", "portfolio-dev-backend");
    let lint = job.run(
        "ecr-lifecycle",
        &[("command", "lint"), ("strict", "true")],
        app.path(),
    );
    assert!(lint.success, "{}", lint.log);
    assert!(lint.log.contains("--strict"), "{}", lint.log);
    let apply = job.run(
        "ecr-lifecycle",
        &[("command", "apply"), repository, ("dry-run", "true")],
        app.path(),
    );
    assert!(apply.success, "{}", apply.log);
    assert!(apply.log.contains("--dry-run"), "{}", apply.log);
    assert_eq!(apply.outputs["changed"], "true", "{}", apply.log);
    let preview = job.run(
        "ecr-lifecycle",
        &[
            ("command", "preview"),
            repository,
            ("cluster", "portfolio-dev,portfolio-prod"),
        ],
        app.path(),
    );
    assert!(preview.success, "{}", preview.log);
    assert!(
        preview
            .log
            .contains("--cluster portfolio-dev --cluster portfolio-prod"),
        "{}",
        preview.log
    );
    assert_eq!(preview.outputs["expire-count"], "5", "{}", preview.log);
    let enforce = job.run(
        "ecr-lifecycle",
        &[
            ("command", "enforce"),
            repository,
            ("execute", "true"),
            ("max-delete", "5"),
        ],
        app.path(),
    );
    assert!(enforce.success, "{}", enforce.log);
    assert_eq!(enforce.outputs["deleted-count"], "5", "{}", enforce.log);
    assert_outputs_written("ecr-lifecycle", &[&lint, &apply, &preview, &enforce]);

    // The report is the tool's JSON result, one file per run.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&preview.outputs["report"]).unwrap())
            .unwrap();
    assert_eq!(
        report["expire"].as_array().map(Vec::len),
        Some(5),
        "{report}"
    );
    assert_ne!(preview.outputs["report"], enforce.outputs["report"]);
}
