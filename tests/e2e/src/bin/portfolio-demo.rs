//! The main job: the architecture spec's backend pipeline for `dev`, run
//! with the real tools against local AWS stand-ins (moto, the distribution
//! registry behind ECR's login, ecs-sim), then everything is stopped.
//!
//! ECR repository with the lifecycle policy -> build and push the sample
//! backend image -> render the task definition -> rolling deploy with the
//! circuit breaker -> a broken release that the breaker rolls back, with the
//! failure report -> lifecycle preview -> terraform plan and apply of the
//! example stack with its state on the local S3 backend.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use e2e::stack::{LocalAws, ServiceSpec, StackError};
use portfolio_testkit::{TestkitError, base_image, sample_app};
use serde_json::Value;

/// ecs-sim runs this many times faster than ECS, so the two deployments
/// take seconds instead of minutes (the model's timings are ECS's).
const TIME_SCALE: f64 = 5.0;
const ENV: &str = "dev";
const SERVICE: &str = "backend";
const CLUSTER: &str = "portfolio-dev";
const REPOSITORY: &str = "portfolio-dev-backend";
const STATE_BUCKET: &str = "portfolio-terraform-state";
/// The release the demo builds (a git tag: the image gets v1.1.0 and v1.1).
const RELEASE: &str = "v1.1.0";
/// A secret Terraform variable, as a workflow would pass it (TF_VAR_*).
const DB_PASSWORD: (&str, &str) = ("TF_VAR_db_password", "demo-only-Pa55word");
/// What Terraform's outputs would hand the workflow (moto's account).
const EXECUTION_ROLE: &str =
    "EXECUTION_ROLE_ARN=arn:aws:iam::123456789012:role/portfolio-dev-ecs-task-execution";

#[derive(Debug, thiserror::Error)]
enum DemoError {
    #[error("starting the local stand-ins: {0}")]
    Stack(#[from] StackError),
    #[error("creating the local base image of the sample application: {0}")]
    BaseImage(#[from] TestkitError),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("step '{step}': {tool} exited with {code:?}, expected {expected}")]
    Step {
        step: &'static str,
        tool: String,
        code: Option<i32>,
        expected: i32,
    },
    #[error("step '{step}': {what}")]
    Output { step: &'static str, what: String },
}

struct Step {
    name: &'static str,
    outcome: String,
    seconds: f64,
    /// What the step did, from the tool's --json result.
    what: String,
}

struct Demo {
    stack: LocalAws,
    /// The local base image the sample backend builds on.
    base: String,
    bin_dir: PathBuf,
    work: PathBuf,
    steps: Vec<Step>,
}

impl Demo {
    /// Runs `tool args --json` in the work tree with the stand-ins'
    /// environment; stderr (progress, reports) goes to the terminal, stdout
    /// (the --json result) is returned, and `describe` turns it into the
    /// summary's line. Fails unless the exit code is `expected`.
    fn run(
        &mut self,
        step: &'static str,
        tool: &str,
        args: &[&str],
        expected: i32,
        describe: fn(&Value) -> String,
    ) -> Result<Value, DemoError> {
        // The command exactly as it runs: --json puts the result on stdout
        // for the summary; what the tool shows a person stays on stderr.
        println!("\n{}\n$ {tool} {} --json", heading(step), args.join(" "));
        let started = Instant::now();
        let output = Command::new(self.bin_dir.join(tool))
            .args(args)
            .arg("--json")
            .current_dir(&self.work)
            .envs(self.stack.env())
            .env(DB_PASSWORD.0, DB_PASSWORD.1)
            .env_remove("GITHUB_ACTIONS")
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| DemoError::Io(format!("running {tool}"), e))?;
        let code = output.status.code();
        if code != Some(expected) {
            return Err(DemoError::Step {
                step,
                tool: tool.to_owned(),
                code,
                expected,
            });
        }
        let json = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        self.steps.push(Step {
            what: describe(&json),
            name: step,
            outcome: match code {
                Some(0) => "ok".to_owned(),
                Some(n) => format!("exit {n} (as expected)"),
                None => "signal".to_owned(),
            },
            seconds: started.elapsed().as_secs_f64(),
        });
        Ok(json)
    }

    /// Shows the release that runs now answering its health path over HTTP,
    /// from each task's container (real ones under the Docker runtime).
    fn ask_running_release(&mut self) -> Result<(), DemoError> {
        const STEP: &str = "The running release answers its health path";
        let path = sample_app::BACKEND.health_path;
        println!("\n{}", heading(STEP));
        let started = Instant::now();
        let answers = self
            .stack
            .ask_tasks(CLUSTER, SERVICE, 8000, path)
            .map_err(|e| DemoError::Output {
                step: STEP,
                what: e.to_string(),
            })?;
        for (task, addr, status, body) in &answers {
            println!(
                "$ GET http://{addr}{path}   (task {task})\n{status} {}",
                body.trim()
            );
        }
        let healthy = answers.iter().filter(|a| a.2 == 200).count();
        let what = if answers.is_empty() {
            "tasks are simulated: no server to ask".to_owned()
        } else {
            format!(
                "{healthy} of {} tasks answered 200 on {path}",
                answers.len()
            )
        };
        if healthy != answers.len() {
            return Err(DemoError::Output { step: STEP, what });
        }
        self.steps.push(Step {
            name: STEP,
            outcome: "ok".to_owned(),
            seconds: started.elapsed().as_secs_f64(),
            what,
        });
        Ok(())
    }

    fn path(&self, name: &str) -> String {
        self.work.join(name).display().to_string()
    }
}

/// `== title`, in bold when stdout is a terminal (no escape codes in a
/// redirected log).
fn heading(title: &str) -> String {
    if std::io::stdout().is_terminal() {
        format!("\x1b[1m== {title}\x1b[0m")
    } else {
        format!("== {title}")
    }
}

/// The text at `pointer` (a JSON pointer), numbers included; `?` when the
/// result does not have it.
fn text(value: &Value, pointer: &str) -> String {
    match value.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "?".to_owned(),
        Some(other) => other.to_string(),
    }
}

/// The length of the array at `pointer`.
fn count(value: &Value, pointer: &str) -> usize {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

fn lifecycle_applied(json: &Value) -> String {
    format!(
        "{} set on {}",
        text(json, "/policySource"),
        text(json, "/repositories/0/repository")
    )
}

fn image_pushed(json: &Value) -> String {
    format!(
        "pushed {} ({}), {} tags",
        text(json, "/image"),
        text(json, "/digest"),
        count(json, "/tags")
    )
}

fn rendered(json: &Value) -> String {
    format!(
        "{} for {}",
        text(json, "/path"),
        text(json, "/images/0/image")
    )
}

fn deployed(json: &Value) -> String {
    format!(
        "{}: deployment {} now runs {}",
        text(json, "/services/0/outcome"),
        text(json, "/services/0/deployment_id"),
        text(json, "/services/0/task_definition_arn")
    )
}

fn rolled_back(json: &Value) -> String {
    let service = "/services/0";
    format!(
        "{}: {} Stop reason of {} tasks: {} ({}), container exit code {}. \
         Rollback deployment {} returned the service to {}",
        text(json, &format!("{service}/outcome")),
        text(json, &format!("{service}/report/rollout_reason")),
        count(json, &format!("{service}/report/failed_tasks")),
        text(json, &format!("{service}/report/groups/0/stop_code")),
        text(json, &format!("{service}/report/groups/0/reason")),
        text(
            json,
            &format!("{service}/report/failed_tasks/0/containers/0/exit_code")
        ),
        text(json, &format!("{service}/rollback_deployment_id")),
        text(json, &format!("{service}/previous_task_definition_arn"))
    )
}

fn previewed(json: &Value) -> String {
    format!(
        "of {} images, {} would expire ({} bytes) and {} are protected because ECS uses them",
        text(json, "/images"),
        count(json, "/expire"),
        text(json, "/bytesFreed"),
        count(json, "/protected")
    )
}

fn terraform_counts(json: &Value) -> String {
    format!(
        "{} to add, {} to change, {} to destroy; plan sha256 {}",
        text(json, "/counts/add"),
        text(json, "/counts/change"),
        text(json, "/counts/destroy"),
        text(json, "/plan_sha256")
    )
}

fn terraform_applied(json: &Value) -> String {
    format!(
        "{} added, {} changed, {} destroyed; outputs: cluster_name={}, vpc_cidr={}",
        text(json, "/counts/add"),
        text(json, "/counts/change"),
        text(json, "/counts/destroy"),
        text(json, "/terraform_outputs/cluster_name"),
        text(json, "/terraform_outputs/vpc_cidr")
    )
}

fn pipeline(demo: &mut Demo) -> Result<(), DemoError> {
    // The repository's history: twelve earlier v1.0.x releases and two
    // untagged leftovers, so that the lifecycle preview has work to show.
    let mut history: Vec<Vec<String>> = (0..12).map(|n| vec![format!("v1.0.{n}")]).collect();
    history.extend([Vec::new(), Vec::new()]);
    demo.stack.put_images(REPOSITORY, &history)?;

    demo.run(
        "ECR repository with the lifecycle policy",
        "ecr-lifecycle",
        &["apply", "--repository", REPOSITORY],
        0,
        lifecycle_applied,
    )?;

    // The sample Dockerfile starts FROM ${BASE} (Docker Hub's busybox);
    // nothing can be pulled here, so it builds on the local static busybox.
    let base = portfolio_testkit::base_image::build_arg(&demo.base);
    let built = demo.run(
        "Build and push the backend image",
        "build-push-image",
        &["--service", SERVICE, "--env", ENV, "--build-arg", &base],
        0,
        image_pushed,
    )?;
    // moto keeps ECR's image API apart from the registry: record the push there.
    let tags: Vec<String> = built
        .get("tags")
        .and_then(|t| t.as_array())
        .map(|t| {
            t.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    demo.stack.put_images(REPOSITORY, &[tags])?;
    let image = built["image"]
        .as_str()
        .ok_or_else(|| DemoError::Output {
            step: "build",
            what: "no image in the JSON result".to_owned(),
        })?
        .to_owned();

    let good = demo.path("backend-taskdef.json");
    demo.run(
        "Render the task definition",
        "render-taskdef",
        &[
            "--service",
            SERVICE,
            "--env",
            ENV,
            "--image",
            &image,
            "--var",
            EXECUTION_ROLE,
            "--output",
            &good,
        ],
        0,
        rendered,
    )?;
    demo.run(
        "Rolling deploy with the circuit breaker",
        "ecs-rolling-deploy",
        &[
            "--service",
            SERVICE,
            "--env",
            ENV,
            "--task-definition",
            &good,
        ],
        0,
        deployed,
    )?;

    demo.ask_running_release()?;

    // The broken release is a misconfiguration: without DATABASE_URL the
    // backend's start-up script prints BACKEND_FATAL_LINE and exits 1. The
    // label makes ecs-sim's simulated runtime crash it the same way.
    let broken = demo.path("backend-taskdef-broken.json");
    let unset = format!("{SERVICE}:{}", sample_app::DATABASE_URL);
    demo.run(
        "Render a broken release (DATABASE_URL unset: the container exits 1 on start)",
        "render-taskdef",
        &[
            "--service",
            SERVICE,
            "--env",
            ENV,
            "--image",
            &image,
            "--var",
            EXECUTION_ROLE,
            "--unset-env",
            &unset,
            "--docker-label",
            "ecs-sim.behavior=crash",
            "--output",
            &broken,
        ],
        0,
        rendered,
    )?;
    demo.run(
        "Deploy the broken release: the breaker trips and rolls back (exit 3)",
        "ecs-rolling-deploy",
        &[
            "--service",
            SERVICE,
            "--env",
            ENV,
            "--task-definition",
            &broken,
        ],
        3,
        rolled_back,
    )?;

    demo.run(
        "Lifecycle preview",
        "ecr-lifecycle",
        &["preview", "--repository", REPOSITORY],
        0,
        previewed,
    )?;

    let backend_config = demo.path("terraform/backend/demo.hcl");
    std::fs::write(
        &backend_config,
        portfolio_testkit::terraform::s3_backend_config(
            demo.stack.moto_endpoint(),
            STATE_BUCKET,
            "dev/terraform.tfstate",
        ),
    )
    .map_err(|e| DemoError::Io(backend_config.clone(), e))?;
    let plan = demo.path("dev.tfplan");
    demo.run(
        "Terraform plan (state on the local S3 backend)",
        "terraform-runner",
        &[
            "plan",
            "--env",
            ENV,
            "--backend-config",
            &backend_config,
            "--plan-file",
            &plan,
        ],
        0,
        terraform_counts,
    )?;
    demo.run(
        "Terraform apply of exactly that plan",
        "terraform-runner",
        &[
            "apply",
            "--env",
            ENV,
            "--backend-config",
            &backend_config,
            "--plan-file",
            &plan,
        ],
        0,
        terraform_applied,
    )?;
    Ok(())
}

fn main() -> ExitCode {
    let started = Instant::now();
    let bin_dir = match std::env::current_exe() {
        Ok(exe) => exe.parent().map(Path::to_path_buf).unwrap_or_default(),
        Err(err) => {
            eprintln!("portfolio-demo: cannot find the tools: {err}");
            return ExitCode::FAILURE;
        }
    };
    let work = match tempfile_dir() {
        Ok(dir) => dir,
        Err(err) => {
            eprintln!("portfolio-demo: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = setup(bin_dir, work.clone()).and_then(|mut demo| {
        let outcome = pipeline(&mut demo);
        summary(&demo, started);
        outcome
    });
    let _ = std::fs::remove_dir_all(&work);
    match result {
        Ok(()) => {
            println!("\nAll steps behaved as expected; every stand-in has been stopped.");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("\nportfolio-demo: {err}");
            ExitCode::FAILURE
        }
    }
}

/// A copy of examples/portfolio as a git repository with one commit, as
/// the application repository would be (the image gets its sha- tag).
fn tempfile_dir() -> Result<PathBuf, DemoError> {
    let dir = std::env::temp_dir().join(format!("portfolio-demo-{}", std::process::id()));
    e2e::copy_dir(&e2e::repo_root().join("examples/portfolio"), &dir)
        .map_err(|e| DemoError::Io("copying examples/portfolio".to_owned(), e))?;
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &["commit", "-qm", "Portfolio sample application"],
        &["tag", RELEASE],
    ] {
        let status = Command::new("git")
            .args(["-c", "user.name=demo", "-c", "user.email=demo@example.com"])
            .args(args)
            .current_dir(&dir)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| DemoError::Io("running git".to_owned(), e))?;
        if !status.success() {
            return Err(DemoError::Output {
                step: "setup",
                what: format!("git {} failed", args.join(" ")),
            });
        }
    }
    Ok(dir)
}

fn setup(bin_dir: PathBuf, work: PathBuf) -> Result<Demo, DemoError> {
    println!("Starting moto, the registry and ecs-sim (x{TIME_SCALE} time) on loopback...");
    let stack = LocalAws::start(TIME_SCALE)?;
    println!(
        "  moto {}  ecs-sim {}  registry {}",
        stack.moto_endpoint(),
        stack.ecs_endpoint(),
        stack.registry_host()
    );
    println!(
        "Creating what Terraform owns: the repository, the cluster and the running service..."
    );
    stack.create_repository(REPOSITORY)?;
    stack.create_state_bucket(STATE_BUCKET)?;
    // Where build-push-image will build: the engine when it runs, else buildah.
    let base = base_image::docker().or_else(|_| base_image::buildah())?;
    let bootstrap = stack.bootstrap_image("bootstrap/backend", "1")?;
    stack.create_service(&ServiceSpec {
        cluster: CLUSTER,
        service: SERVICE,
        family: "portfolio-dev-backend",
        container: SERVICE,
        image: &bootstrap,
        port: 8000,
        desired: 2,
    })?;
    Ok(Demo {
        stack,
        base,
        bin_dir,
        work,
        steps: Vec::new(),
    })
}

fn summary(demo: &Demo, started: Instant) {
    println!("\n{}", heading("Summary: what happened"));
    for step in &demo.steps {
        println!(
            "  {:>6.1}s  {:<22}  {}\n             {}",
            step.seconds, step.outcome, step.name, step.what
        );
    }
    println!("  total {:.1}s", started.elapsed().as_secs_f64());
}
