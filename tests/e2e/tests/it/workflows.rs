//! The application's workflows run locally with `act` (host mode) against
//! moto, ecs-sim, the registry and terraform: the backend workflow builds,
//! pushes and deploys and ends green; a crashing release ends red with the
//! failure report in the step summary; the terraform workflow plans and
//! applies the example stack on the local S3 backend.
//!
//! Our actions and reusable workflows come from this checkout through
//! `--local-repository portfolio-ci/portfolio-ci@v1=...`; the GitHub-hosted
//! actions with no local equivalent (OIDC, artifacts, setup-python) are the
//! stand-ins under `fixtures/github-actions`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use e2e::stack::{LocalAws, ServiceSpec};
use tempfile::TempDir;

const TIME_SCALE: f64 = 20.0;
const DB_PASSWORD: &str = "s3cret-Db-Pa55word";

/// Directory of the tools' binaries (`target/debug`), next to this test's.
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
    for tool in [
        "build-push-image",
        "render-taskdef",
        "ecs-rolling-deploy",
        "ecr-lifecycle",
        "terraform-runner",
    ] {
        assert!(
            dir.join(tool).is_file(),
            "{tool} is not built in {}: run `cargo build --bins` (scripts/test does)",
            dir.display()
        );
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".terraform" || name == "target" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.email=ci@example.com", "-c", "user.name=ci"])
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// A checkout of the application repository: examples/portfolio with the
/// workflows of workflows/ in .github/workflows, committed on main.
struct AppRepo {
    dir: TempDir,
    toolkit: TempDir,
    artifacts: TempDir,
}

impl AppRepo {
    fn new(edit: impl FnOnce(&Path)) -> AppRepo {
        let root = e2e::repo_root();
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&root.join("examples/portfolio"), dir.path());
        copy_dir(
            &root.join("workflows"),
            &dir.path().join(".github/workflows"),
        );
        edit(dir.path());
        git(dir.path(), &["init", "-q", "-b", "main"]);
        git(dir.path(), &["add", "-A"]);
        git(dir.path(), &["commit", "-qm", "app"]);
        // Only what `uses:` needs from this repository (not target/).
        let toolkit = tempfile::tempdir().unwrap();
        copy_dir(&root.join("actions"), &toolkit.path().join("actions"));
        copy_dir(
            &root.join(".github/workflows"),
            &toolkit.path().join(".github/workflows"),
        );
        AppRepo {
            dir,
            toolkit,
            artifacts: tempfile::tempdir().unwrap(),
        }
    }

    fn act(
        &self,
        stack: &LocalAws,
        workflow: &str,
        event: &[&str],
        extra_env: &[(&str, String)],
    ) -> Output {
        let fixtures = e2e::repo_root().join("tests/e2e/fixtures/github-actions");
        let mut command = Command::new("act");
        command
            .args(event)
            .args(["-W", &format!(".github/workflows/{workflow}")])
            .args(["-P", "ubuntu-latest=-self-hosted"])
            .arg("--local-repository")
            .arg(format!(
                "portfolio-ci/portfolio-ci@v1={}",
                self.toolkit.path().display()
            ));
        for (action, version) in [
            ("aws-actions/configure-aws-credentials", "v6"),
            ("actions/setup-python", "v6"),
            ("actions/upload-artifact", "v6"),
            ("actions/download-artifact", "v7"),
        ] {
            let name = action.rsplit('/').next().unwrap();
            command.arg("--local-repository").arg(format!(
                "{action}@{version}={}",
                fixtures.join(name).display()
            ));
        }
        let mut env: Vec<(&str, String)> = stack.env();
        env.push(("PORTFOLIO_CI_BIN_DIR", bin_dir().display().to_string()));
        env.push((
            "ACT_ARTIFACT_DIR",
            self.artifacts.path().display().to_string(),
        ));
        env.extend(extra_env.iter().cloned());
        for (key, value) in &env {
            command.arg("--env").arg(format!("{key}={value}"));
        }
        for var in [
            "AWS_DEPLOY_ROLE_DEV",
            "AWS_DEPLOY_ROLE_PROD",
            "AWS_TERRAFORM_ROLE",
            "ECS_EXECUTION_ROLE_ARN_DEV",
            "ECS_EXECUTION_ROLE_ARN_PROD",
        ] {
            command
                .arg("--var")
                .arg(format!("{var}=arn:aws:iam::123456789012:role/{var}"));
        }
        command
            .args(["-s", &format!("DB_PASSWORD={DB_PASSWORD}")])
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }
}

fn log_of(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The stand-ins plus what Terraform would have created for both environments.
fn stack_with_services() -> LocalAws {
    let stack = LocalAws::start(TIME_SCALE).unwrap();
    for env in ["dev", "prod"] {
        stack
            .create_repository(&format!("portfolio-{env}-backend"))
            .unwrap();
        stack
            .create_service(&ServiceSpec {
                cluster: &format!("portfolio-{env}"),
                service: "backend",
                family: &format!("portfolio-{env}-backend"),
                container: "backend",
                image: "public.ecr.aws/portfolio/backend:bootstrap",
                port: 8000,
                desired: 2,
            })
            .unwrap();
    }
    stack
}

#[test]
fn backend_workflow_builds_pushes_and_deploys_green() {
    let stack = stack_with_services();
    let app = AppRepo::new(|_| {});
    let output = app.act(&stack, "backend-deploy.yml", &["push"], &[]);
    let log = log_of(&output);
    assert!(output.status.success(), "act failed:\n{log}");
    assert!(log.contains("2 passed"), "the backend tests ran:\n{log}");
    for env in ["dev", "prod"] {
        assert!(
            log.contains(&format!("portfolio-{env}-backend")),
            "{env} was built and deployed:\n{log}"
        );
    }
    assert!(log.contains("Job succeeded"), "{log}");
    assert!(
        !log.contains(stack.registry_password()),
        "the registry password leaked"
    );
}

#[test]
fn a_crashing_release_ends_red_with_the_failure_report() {
    let stack = stack_with_services();
    let app = AppRepo::new(|dir| {
        let path = dir.join("taskdef/backend.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replacen(
            "\"essential\": true,",
            "\"essential\": true,\n      \"dockerLabels\": { \"ecs-sim.behavior\": \"crash\" },",
            1,
        );
        std::fs::write(&path, text).unwrap();
    });
    let output = app.act(&stack, "backend-deploy.yml", &["push"], &[]);
    let log = log_of(&output);
    assert!(
        !output.status.success(),
        "a crashing release must fail:\n{log}"
    );
    // The report in the step summary: the stop reason, the exit code, the crash log line.
    assert!(log.contains("Summary"), "{log}");
    assert!(log.contains("EssentialContainerExited"), "{log}");
    assert!(
        log.to_lowercase().contains("exit code 1") || log.contains("exitCode"),
        "{log}"
    );
    assert!(log.contains("circuit breaker"), "{log}");
    // prod never ran.
    assert!(
        !log.contains("backend to prod") || !log.contains("portfolio-prod-backend:sha-"),
        "{log}"
    );
}

#[test]
fn terraform_workflow_plans_and_applies_the_example() {
    let stack = LocalAws::start(TIME_SCALE).unwrap();
    stack
        .create_state_bucket("portfolio-terraform-state")
        .unwrap();
    let moto = stack.moto_endpoint().to_owned();
    let app = AppRepo::new(|dir| {
        for env in ["dev", "prod"] {
            std::fs::write(
                dir.join(format!("terraform/backend/{env}.hcl")),
                portfolio_testkit::terraform::s3_backend_config(
                    &moto,
                    "portfolio-terraform-state",
                    &format!("{env}/terraform.tfstate"),
                ),
            )
            .unwrap();
        }
    });
    let event = app.dir.path().join("dispatch.json");
    std::fs::write(
        &event,
        r#"{"inputs": {"action": "apply", "environment": "dev", "confirm": ""}}"#,
    )
    .unwrap();
    let output = app.act(
        &stack,
        "terraform-deploy.yml",
        &["workflow_dispatch", "-e", event.to_str().unwrap()],
        &[],
    );
    let log = log_of(&output);
    assert!(output.status.success(), "act failed:\n{log}");
    assert!(
        portfolio_testkit::terraform::object_exists(
            &moto,
            "portfolio-terraform-state",
            "dev/terraform.tfstate"
        )
        .unwrap(),
        "the state was written to the S3 backend:\n{log}"
    );
    assert!(log.contains("apply"), "{log}");
    assert!(
        !log.contains(DB_PASSWORD),
        "the sensitive variable leaked into the log"
    );
    let state = portfolio_testkit::terraform::get_object(
        &moto,
        "portfolio-terraform-state",
        "dev/terraform.tfstate",
    )
    .unwrap()
    .unwrap();
    assert!(
        String::from_utf8_lossy(&state).contains("terraform_data"),
        "resources were applied"
    );
}
