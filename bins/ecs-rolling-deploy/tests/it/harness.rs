//! The test world: an ecs-sim with cluster `portfolio-dev` and stable
//! services, task definition files, and the binary run against it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use aws_sdk_ecs as ecs;
use ecs::types::{DeploymentCircuitBreaker, DeploymentConfiguration, LaunchType};
use ecs_sim::{RunningSim, SimConfig};
use portfolio_taskdef::TaskDefinition;
use portfolio_testkit::Run;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::process::{Child, Command};

/// Simulated seconds per real second.
pub const SCALE: f64 = 20.0;

/// The cluster the default configuration names for `dev`.
pub const CLUSTER: &str = "portfolio-dev";

/// Variables of the host that would change what the tool does.
const HOST_VARS: [&str; 11] = [
    "GITHUB_ACTIONS",
    "GITHUB_OUTPUT",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_TOKEN",
    "PORTFOLIO_CI_CONFIG",
    "PORTFOLIO_CI_SERVICE",
    "PORTFOLIO_CI_ENV",
    "PORTFOLIO_CI_CLUSTER",
    "PORTFOLIO_CI_DEPLOY_TIMEOUT",
    "PORTFOLIO_CI_HEALTH_URL",
    "CI",
];

/// Where the AWS SDK finds credentials, a region or an endpoint.
const AWS_VARS: [&str; 11] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_ECS",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
];

/// A simulator, an SDK client on it, and a working directory.
pub struct World {
    pub sim: RunningSim,
    pub ecs: ecs::Client,
    pub dir: TempDir,
}

/// A task definition of `family` whose container `name` behaves as
/// `behavior`, logging to `/ecs/portfolio-dev/<name>` (a definition, no
/// placeholders; templates put theirs in the family), with a container health
/// check every 10 s (3 retries) whose start period covers a `slow:<s>` start.
pub fn taskdef(family: &str, name: &str, behavior: &str) -> Value {
    let start_period = behavior
        .strip_prefix("slow:")
        .and_then(|s| s.parse::<u64>().ok())
        .map_or(0, |s| s + 10);
    json!({
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{
            "name": name,
            "image": format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/{family}:{}", behavior.replace(':', "-")),
            "essential": true,
            "portMappings": [{"containerPort": 8000}],
            "dockerLabels": {"ecs-sim.behavior": behavior},
            "healthCheck": {
                "command": ["CMD-SHELL", "curl -fsS http://localhost:8000/health || exit 1"],
                "interval": 10,
                "retries": 3,
                "startPeriod": start_period
            },
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": format!("/ecs/portfolio-dev/{name}"),
                "awslogs-region": "us-east-1",
                "awslogs-stream-prefix": "ecs"
            }}
        }]
    })
}

/// Deployment configuration 200% / 100% with the circuit breaker as given.
pub fn breaker(enable: bool, rollback: bool) -> DeploymentConfiguration {
    DeploymentConfiguration::builder()
        .maximum_percent(200)
        .minimum_healthy_percent(100)
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(enable)
                .rollback(rollback)
                .build(),
        )
        .build()
}

impl World {
    /// A simulator at `scale` with an empty cluster `portfolio-dev`.
    pub async fn new(scale: f64) -> World {
        World::with(SimConfig {
            time_scale: scale,
            seed: 11,
            ..SimConfig::default()
        })
        .await
    }

    /// A simulator at `scale` whose reads show a deployment started by
    /// UpdateService `delay` simulated seconds late (eventual consistency).
    pub async fn lagging(scale: f64, delay: f64) -> World {
        World::with(SimConfig {
            time_scale: scale,
            seed: 11,
            consistency_delay: delay,
            ..SimConfig::default()
        })
        .await
    }

    /// A simulator started with `config`, with an empty cluster `portfolio-dev`.
    pub async fn with(config: SimConfig) -> World {
        let sim = ecs_sim::start(config).unwrap();
        let sdk = portfolio_testkit::sdk_config(&sim.endpoint()).await;
        let ecs = ecs::Client::new(&sdk);
        ecs.create_cluster()
            .cluster_name(CLUSTER)
            .send()
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("portfolio-ci.yaml"), "project: portfolio\n").unwrap();
        World { sim, ecs, dir }
    }

    /// Writes `value` as `name` in the working directory.
    pub fn file(&self, name: &str, value: &Value) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
        path
    }

    /// `td.json`: the dev backend's definition whose container behaves as `behavior`.
    pub fn backend_file(&self, behavior: &str) -> PathBuf {
        self.file(
            "td.json",
            &taskdef("portfolio-dev-backend", "backend", behavior),
        )
    }

    /// Creates service `name` (2 tasks, healthy, rollback as given) and
    /// waits until its first deployment completed; returns its task definition.
    pub async fn service(&self, name: &str, rollback: bool) -> String {
        let arn = self
            .create_service(name, "healthy", breaker(true, rollback))
            .await;
        self.wait(name, "the first deployment completes", |s| {
            s.deployments().len() == 1
                && s.deployments()[0]
                    .rollout_state()
                    .map(aws_sdk_ecs::types::DeploymentRolloutState::as_str)
                    == Some("COMPLETED")
        })
        .await;
        arn
    }

    /// Creates service `name` (2 tasks of `behavior`, deployment
    /// configuration as given) without waiting; returns its task definition.
    pub async fn create_service(
        &self,
        name: &str,
        behavior: &str,
        configuration: DeploymentConfiguration,
    ) -> String {
        let definition = taskdef(&format!("portfolio-dev-{name}"), name, behavior);
        let definition = TaskDefinition::from_value(definition, "setup").unwrap();
        let arn = portfolio_taskdef::live::register_task_definition(
            &self.ecs,
            &definition,
            &portfolio_taskdef::KeepKeys::none(),
        )
        .await
        .unwrap();
        self.ecs
            .create_service()
            .cluster(CLUSTER)
            .service_name(name)
            .task_definition(&arn)
            .desired_count(2)
            .launch_type(LaunchType::Fargate)
            .deployment_configuration(configuration)
            .send()
            .await
            .unwrap();
        arn
    }

    /// Polls the service until `done` holds (at most 60 s).
    pub async fn wait(
        &self,
        name: &str,
        what: &str,
        done: impl Fn(&ecs::types::Service) -> bool,
    ) -> ecs::types::Service {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = self
                .ecs
                .describe_services()
                .cluster(CLUSTER)
                .services(name)
                .send()
                .await
                .unwrap();
            let service = out.services()[0].clone();
            if done(&service) {
                return service;
            }
            assert!(
                Instant::now() < deadline,
                "{name}: {what} never happened: {service:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until deployment `id` of service `name` was rolled back: another
    /// deployment is PRIMARY and ours is FAILED (or already gone).
    pub async fn wait_rolled_back(&self, name: &str, id: &str) {
        self.wait(name, "our deployment is rolled back", |s| {
            let ours = s.deployments().iter().find(|d| d.id() == Some(id));
            s.deployments()[0].id() != Some(id)
                && ours.is_none_or(|d| {
                    d.rollout_state()
                        .map(aws_sdk_ecs::types::DeploymentRolloutState::as_str)
                        == Some("FAILED")
                })
        })
        .await;
    }

    /// How many revisions of `family` are registered.
    pub async fn revisions(&self, family: &str) -> usize {
        self.ecs
            .list_task_definitions()
            .family_prefix(family)
            .send()
            .await
            .unwrap()
            .task_definition_arns()
            .len()
    }

    /// Waits until service `name` has a PRIMARY deployment other than its first.
    pub async fn wait_for_new_deployment(&self, name: &str, first: &str) -> String {
        let service = self
            .wait(name, "a new deployment starts", |s| {
                s.deployments()
                    .iter()
                    .any(|d| d.status() == Some("PRIMARY") && d.task_definition() != Some(first))
            })
            .await;
        service
            .deployments()
            .iter()
            .find(|d| d.status() == Some("PRIMARY"))
            .and_then(|d| d.id())
            .unwrap()
            .to_owned()
    }

    /// The binary with the AWS environment of this world, in its directory.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ecs-rolling-deploy"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .envs(portfolio_testkit::aws_env(&self.sim.endpoint()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for name in HOST_VARS {
            command.env_remove(name);
        }
        command
    }

    /// Runs the binary to the end.
    pub async fn run(&self, args: &[&str]) -> Run {
        finish(self.command(args).spawn().unwrap()).await
    }

    /// The working directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Waits for a child and collects its output.
pub async fn finish(child: Child) -> Run {
    let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("the run ends")
        .unwrap();
    let run = Run::from(out);
    eprintln!("exit {}\n--- stderr\n{}", run.code, run.stderr);
    run
}

/// The binary in `dir` with no AWS credentials anywhere (no keys, no
/// files, no instance metadata) and none of the host's variables that
/// would change what it does.
pub fn offline(dir: &Path, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ecs-rolling-deploy"));
    command.args(args).current_dir(dir).stdin(Stdio::null());
    for name in HOST_VARS.iter().chain(&AWS_VARS) {
        command.env_remove(name);
    }
    command
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

/// Runs `command` to the end.
pub fn run_offline(command: &mut std::process::Command) -> Run {
    let run = Run::from(command.output().unwrap());
    eprintln!("exit {}\n--- stderr\n{}", run.code, run.stderr);
    run
}
