//! aws-actions/amazon-ecs-deploy-task-definition v2, unchanged (`node dist/index.js`
//! from a checkout of its public repository, inputs as the `INPUT_*` variables GitHub
//! sets), deploys a good and a broken revision to the simulator and reports what it
//! reports against ECS: success with the deployment verified COMPLETED; for the broken
//! one, failure only once the rollback made the service stable again, without a cause.
//!
//! The checkout is never committed: `ECS_DEPLOY_PEER_CHECKOUT` names it (see
//! `scripts/peer/amazon-ecs-deploy-task-definition`). The test is ignored by default, so
//! a run without a checkout lists it as skipped; run with `--run-ignored all`, it FAILS
//! when the variable is missing rather than passing without running the peer.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ecs_sim::SimConfig;
use serde_json::Value;

use crate::aws_wait::finish;
use crate::cli::{aws, create_service, register_web, td_arn, wait};
use crate::harness::sim_with;

/// Names the peer's checkout.
const CHECKOUT_VAR: &str = "ECS_DEPLOY_PEER_CHECKOUT";

/// The checkout `ECS_DEPLOY_PEER_CHECKOUT` names; panics (the test fails) without it.
fn checkout() -> PathBuf {
    let Some(dir) = std::env::var_os(CHECKOUT_VAR).map(PathBuf::from) else {
        panic!(
            "NOT RUN: set {CHECKOUT_VAR} to a checkout of \
             aws-actions/amazon-ecs-deploy-task-definition at a v2 tag"
        )
    };
    assert!(
        dir.join("dist/index.js").is_file(),
        "{CHECKOUT_VAR}={}: no dist/index.js there",
        dir.display()
    );
    dir
}

/// A private directory, removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A task definition of family `family` whose container `web` behaves as `behavior`.
fn taskdef(family: &str, behavior: &str) -> String {
    format!(
        r#"{{"family": "{family}", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
  "cpu": "256", "memory": "512",
  "containerDefinitions": [{{"name": "web", "image": "nginx:1", "essential": true,
    "portMappings": [{{"containerPort": 3000}}], "dockerLabels": {{"ecs-sim.behavior": "{behavior}"}}}}]}}"#
    )
}

/// `node CHECKOUT/dist/index.js` deploying `WORK/SERVICE.json` to `service` of cluster
/// `peer`, waiting for stability, as a workflow step would run it.
fn peer(checkout: &Path, endpoint: &str, work: &Path, service: &str) -> std::process::Child {
    let output = work.join(format!("{service}.output"));
    std::fs::write(&output, "").unwrap(); // the runner creates it
    Command::new("node")
        .arg(checkout.join("dist/index.js"))
        .current_dir(work)
        .env("AWS_ENDPOINT_URL_ECS", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("NODE_NO_WARNINGS", "1")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", work)
        .env("GITHUB_OUTPUT", output)
        .env("INPUT_TASK-DEFINITION", format!("{service}.json"))
        .env("INPUT_SERVICE", service)
        .env("INPUT_CLUSTER", "peer")
        .env("INPUT_WAIT-FOR-SERVICE-STABILITY", "true")
        .env("INPUT_WAIT-FOR-MINUTES", "10")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node is installed")
}

/// The lines of `log` that a workflow log shows (not `::debug::`).
fn shown(log: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(log)
        .lines()
        .filter(|l| !l.starts_with("::debug::"))
        .map(str::to_owned)
        .collect()
}

/// The line the peer logs once UpdateService has started a deployment of `service`.
fn started_line(service: &str) -> String {
    format!(
        "Deployment started. Watch this deployment's progress in the Amazon ECS console: \
         https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/peer/services/{service}/deployments?region=us-east-1"
    )
}

#[test]
#[ignore = "needs a checkout of aws-actions/amazon-ecs-deploy-task-definition in ECS_DEPLOY_PEER_CHECKOUT"]
fn peer_action_reports_a_good_deployment_and_a_rollback() {
    let checkout = checkout();
    let sim = sim_with(SimConfig {
        time_scale: 20.0,
        seed: 5,
        ..SimConfig::default()
    });
    let ep = sim.endpoint();
    let work = Scratch(std::env::temp_dir().join(format!("ecs-sim-peer-{}", std::process::id())));
    std::fs::create_dir_all(&work.0).unwrap();
    aws(&ep, &["ecs", "create-cluster", "--cluster-name", "peer"]);
    let v1 = td_arn(&register_web(&ep, "healthy")).to_owned();
    for (service, behavior) in [("good", "healthy"), ("broken", "crash")] {
        create_service(&ep, "peer", service, &v1);
        wait(
            &ep,
            "peer",
            service,
            "the first deployment completes",
            |s| {
                s["deployments"].as_array().unwrap().len() == 1
                    && s["deployments"][0]["rolloutState"] == "COMPLETED"
                    && s["runningCount"] == 2
            },
        );
        std::fs::write(
            work.0.join(format!("{service}.json")),
            taskdef(service, behavior),
        )
        .unwrap();
    }

    let runs = [
        peer(&checkout, &ep, &work.0, "good"),
        peer(&checkout, &ep, &work.0, "broken"),
    ];
    let [good, broken] = runs.map(|child| finish(child, "the peer action"));

    let describe = |service: &str| -> Value {
        aws(
            &ep,
            &[
                "ecs",
                "describe-services",
                "--cluster",
                "peer",
                "--services",
                service,
            ],
        )["services"][0]
            .clone()
    };
    let output = |service: &str| std::fs::read_to_string(work.0.join(format!("{service}.output")));
    let arn =
        |family: &str| format!("arn:aws:ecs:us-east-1:123456789012:task-definition/{family}:1");

    // Good: success, the deployment verified COMPLETED, the registered ARN as output.
    let s = describe("good");
    assert_eq!(
        s["taskDefinition"],
        arn("good").as_str(),
        "the peer: {}{}",
        String::from_utf8_lossy(&good.stdout),
        String::from_utf8_lossy(&good.stderr)
    );
    let id = s["deployments"][0]["id"].as_str().unwrap();
    assert_eq!(
        (good.status.code(), shown(&good.stdout)),
        (
            Some(0),
            vec![
                started_line("good"),
                format!("Deployment {id} verified: rolloutState=COMPLETED"),
            ]
        ),
        "stderr: {}",
        String::from_utf8_lossy(&good.stderr)
    );
    let out = output("good").unwrap();
    assert!(out.starts_with("task-definition-arn<<"), "{out}");
    assert!(out.contains(&format!("\n{}\n", arn("good"))), "{out}");

    // Broken: the breaker rolled back to v1; the peer fails once the service is stable
    // again, naming the deployment it started (the one its crashed tasks belong to).
    let s = describe("broken");
    assert_eq!(s["taskDefinition"], v1.as_str());
    let stopped = aws(
        &ep,
        &[
            "ecs",
            "list-tasks",
            "--cluster",
            "peer",
            "--service-name",
            "broken",
            "--desired-status",
            "STOPPED",
        ],
    );
    let first = stopped["taskArns"][0].as_str().unwrap();
    let task = aws(
        &ep,
        &[
            "ecs",
            "describe-tasks",
            "--cluster",
            "peer",
            "--tasks",
            first,
        ],
    )["tasks"][0]
        .clone();
    assert_eq!(task["taskDefinitionArn"], arn("broken").as_str());
    let failed_id = task["startedBy"].as_str().unwrap();
    assert_eq!(
        (broken.status.code(), shown(&broken.stdout)),
        (
            Some(1),
            vec![
                started_line("broken"),
                format!(
                    "::error::Deployment {failed_id} not found after stabilization. \
                     The deployment was likely rolled back by the deployment circuit breaker."
                ),
            ]
        ),
        "stderr: {}",
        String::from_utf8_lossy(&broken.stderr)
    );
    assert!(output("broken").unwrap().contains(&arn("broken")));
}
