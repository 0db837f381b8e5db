//! The AWS CLI (v1, a subprocess with `--endpoint-url`) against the simulator.

use std::process::Command;
use std::time::{Duration, Instant};

use ecs_sim::SimConfig;
use serde_json::Value;

use crate::harness::{sim, sim_with};

/// `aws ARGS` against `endpoint` (JSON output, us-east-1) with test credentials and
/// no configuration files.
pub fn aws_command(endpoint: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("aws");
    cmd.args(args)
        .args([
            "--endpoint-url",
            endpoint,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_PAGER", "")
        .env_remove("AWS_PROFILE");
    cmd
}

/// `aws ARGS` against `endpoint`, which must succeed: its parsed JSON output.
pub fn aws(endpoint: &str, args: &[&str]) -> Value {
    let out = aws_command(endpoint, args)
        .output()
        .expect("the aws CLI is installed");
    assert!(
        out.status.success(),
        "aws {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// `aws ecs describe-services` every 200 ms until `done` holds for the service (60 s).
pub fn wait(
    endpoint: &str,
    cluster: &str,
    service: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = aws(
            endpoint,
            &[
                "ecs",
                "describe-services",
                "--cluster",
                cluster,
                "--services",
                service,
            ],
        );
        let s = out["services"][0].clone();
        if done(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "never happened: {what}: {s:#}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Registers the next revision of family `web` whose container behaves as
/// `behavior`; returns the task definition.
pub fn register_web(endpoint: &str, behavior: &str) -> Value {
    let start_period = crate::harness::health_check(behavior)
        .start_period()
        .unwrap_or(0);
    let containers = format!(
        r#"[{{"name":"web","image":"nginx:1","essential":true,"portMappings":[{{"containerPort":3000}}],"dockerLabels":{{"ecs-sim.behavior":"{behavior}"}},"healthCheck":{{"command":["CMD-SHELL","wget -q -O /dev/null http://localhost:3000/ || exit 1"],"interval":10,"retries":3,"startPeriod":{start_period}}}}}]"#
    );
    let td = aws(
        endpoint,
        &[
            "ecs",
            "register-task-definition",
            "--family",
            "web",
            "--cpu",
            "256",
            "--memory",
            "512",
            "--network-mode",
            "awsvpc",
            "--requires-compatibilities",
            "FARGATE",
            "--container-definitions",
            &containers,
        ],
    );
    td["taskDefinition"].clone()
}

/// `aws ecs create-service`: 2 tasks of `task_definition` in `cluster`, 200% /
/// 100% with the breaker and rollback.
fn create_web(endpoint: &str, cluster: &str, task_definition: &str) -> Value {
    create_service(endpoint, cluster, "web", task_definition)
}

/// `aws ecs create-service`: service `name` of 2 tasks of `task_definition` in
/// `cluster`, 200% / 100% with the breaker and rollback.
pub fn create_service(endpoint: &str, cluster: &str, name: &str, task_definition: &str) -> Value {
    aws(
        endpoint,
        &[
            "ecs",
            "create-service",
            "--cluster",
            cluster,
            "--service-name",
            name,
            "--task-definition",
            task_definition,
            "--desired-count",
            "2",
            "--launch-type",
            "FARGATE",
            "--deployment-configuration",
            "maximumPercent=200,minimumHealthyPercent=100,deploymentCircuitBreaker={enable=true,rollback=true}",
        ],
    )
}

/// The ARN of a task definition [`register_web`] returned.
pub fn td_arn(td: &Value) -> &str {
    td["taskDefinitionArn"].as_str().unwrap()
}

/// `aws ecs update-service` of service `web` in cluster `roll` to `task_definition`:
/// the service in the answer.
fn update(endpoint: &str, task_definition: &str) -> Value {
    update_service(endpoint, "roll", "web", task_definition)
}

/// `aws ecs update-service` of `service` in `cluster` to `task_definition`: the
/// service in the answer.
pub fn update_service(
    endpoint: &str,
    cluster: &str,
    service: &str,
    task_definition: &str,
) -> Value {
    aws(
        endpoint,
        &[
            "ecs",
            "update-service",
            "--cluster",
            cluster,
            "--service",
            service,
            "--task-definition",
            task_definition,
        ],
    )["service"]
        .clone()
}

/// `aws ecs describe-service-deployments` of one ARN.
pub fn record(endpoint: &str, arn: &str) -> Value {
    aws(
        endpoint,
        &[
            "ecs",
            "describe-service-deployments",
            "--service-deployment-arns",
            arn,
        ],
    )["serviceDeployments"][0]
        .clone()
}

#[test]
fn aws_cli_sees_a_breaker_rollback_and_stops_a_deployment() {
    // Slower than the SDK tests: each CLI call takes a while, and the FAILED
    // deployment must still be listed when the CLI looks.
    let sim = sim_with(SimConfig {
        time_scale: 10.0,
        seed: 7,
        ..SimConfig::default()
    });
    let ep = sim.endpoint();
    aws(&ep, &["ecs", "create-cluster", "--cluster-name", "roll"]);
    let good = register_web(&ep, "healthy");
    let good = td_arn(&good);
    create_web(&ep, "roll", good);
    let on_good = |s: &Value| {
        s["deployments"].as_array().unwrap().len() == 1
            && s["deployments"][0]["rolloutState"] == "COMPLETED"
            && s["taskDefinition"] == good
    };
    wait(
        &ep,
        "roll",
        "web",
        "the first deployment completes",
        on_good,
    );

    // A crashing revision: the breaker trips and ECS rolls back to the good one.
    let crashing = update(&ep, td_arn(&register_web(&ep, "crash")));
    let failed_id = crashing["deployments"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let arn = crashing["currentServiceDeployment"]
        .as_str()
        .unwrap()
        .to_owned();
    let during = wait(&ep, "roll", "web", "the breaker trips", |s| {
        s["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == failed_id.as_str() && d["rolloutState"] == "FAILED")
    });
    assert_eq!(during["deployments"][0]["status"], "PRIMARY");
    assert_eq!(during["deployments"][0]["taskDefinition"], good);
    let listed = aws(
        &ep,
        &[
            "ecs",
            "list-service-deployments",
            "--cluster",
            "roll",
            "--service",
            "web",
        ],
    );
    assert_eq!(
        listed["serviceDeployments"][0]["serviceDeploymentArn"],
        arn.as_str()
    );
    wait(&ep, "roll", "web", "the rollback completes", on_good);
    let rolled_back = record(&ep, &arn);
    assert_eq!(rolled_back["status"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(
        rolled_back["deploymentCircuitBreaker"]["status"],
        "TRIGGERED"
    );
    assert_eq!(rolled_back["deploymentCircuitBreaker"]["failureCount"], 3);

    // A deployment that never gets healthy, rolled back on request.
    let slow = update(&ep, td_arn(&register_web(&ep, "slow:100000")));
    let arn = slow["currentServiceDeployment"]
        .as_str()
        .unwrap()
        .to_owned();
    let stopped = aws(
        &ep,
        &[
            "ecs",
            "stop-service-deployment",
            "--service-deployment-arn",
            &arn,
            "--stop-type",
            "ROLLBACK",
        ],
    );
    assert_eq!(stopped["serviceDeploymentArn"], arn.as_str());
    wait(
        &ep,
        "roll",
        "web",
        "the requested rollback completes",
        on_good,
    );
    assert_eq!(record(&ep, &arn)["status"], "ROLLBACK_SUCCESSFUL");
}

#[test]
fn aws_cli_creates_and_describes_a_service() {
    let sim = sim();
    let ep = sim.endpoint();
    let cluster = aws(&ep, &["ecs", "create-cluster", "--cluster-name", "cli"]);
    assert_eq!(cluster["cluster"]["clusterName"], "cli");
    let td = register_web(&ep, "healthy");
    assert_eq!(td["revision"], 1);
    assert_eq!(td["cpu"], "256");
    let created = create_web(&ep, "cli", "web");
    assert_eq!(created["service"]["deployments"][0]["status"], "PRIMARY");
    let service = wait(&ep, "cli", "web", "the service is stable", |s| {
        s["deployments"][0]["rolloutState"] == "COMPLETED"
    });
    assert_eq!(service["runningCount"], 2);
    assert_eq!(
        service["events"][0]["message"],
        "(service web) has reached a steady state."
    );
    let listed = aws(
        &ep,
        &[
            "ecs",
            "list-tasks",
            "--cluster",
            "cli",
            "--service-name",
            "web",
        ],
    );
    let arns: Vec<&str> = listed["taskArns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(arns.len(), 2);
    let mut args = vec!["ecs", "describe-tasks", "--cluster", "cli", "--tasks"];
    args.extend(arns.iter().copied());
    let tasks = aws(&ep, &args);
    for t in tasks["tasks"].as_array().unwrap() {
        assert_eq!(t["lastStatus"], "RUNNING");
        assert_eq!(t["cpu"], "256");
        assert_eq!(t["group"], "service:web");
        assert!(t["startedBy"].as_str().unwrap().starts_with("ecs-svc/"));
    }
}
