//! The AWS CLI's `aws ecs wait services-stable`, unchanged, against the simulator, and
//! the describe/list calls a user runs after it (the CLI parses every answer with its
//! service model: a field of the wrong type would fail the command).
//!
//! botocore's waiter (`botocore/data/ecs/2014-11-13/waiters-2.json`, `ServicesStable`)
//! calls DescribeServices at once, then every 15 s, 40 times; it fails on a `MISSING`
//! service or one `DRAINING`/`INACTIVE`, and succeeds when every service has exactly one
//! deployment and `runningCount == desiredCount`. Nothing in it reads `rolloutState`, so
//! against ECS it succeeds after a circuit-breaker rollback: the service is stable again,
//! on the old revision. These tests assert exactly that, and that the records the CLI
//! lists afterwards show the rollback.

use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use ecs_sim::SimConfig;
use serde_json::Value;

use crate::cli::{
    aws, aws_command, create_service, record, register_web, td_arn, update_service, wait,
};
use crate::harness::sim_with;

/// Ample for the waiter here (its polls are 15 s apart), far below its own 10-minute
/// give-up: a waiter that never sees a stable service fails the test in time.
const WAITER_DEADLINE: Duration = Duration::from_secs(180);

/// Starts `aws ecs wait services-stable` for `service` in `cluster`.
fn start_waiter(endpoint: &str, cluster: &str, service: &str) -> Child {
    aws_command(
        endpoint,
        &[
            "ecs",
            "wait",
            "services-stable",
            "--cluster",
            cluster,
            "--services",
            service,
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("the aws CLI is installed")
}

/// What a child process (`what`: the waiter, a peer) printed once it exits; killed,
/// and the test failed, at [`WAITER_DEADLINE`].
pub fn finish(mut child: Child, what: &str) -> Output {
    let deadline = Instant::now() + WAITER_DEADLINE;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() >= deadline {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{what} still running after {WAITER_DEADLINE:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}

/// `aws ecs describe-services` of one service.
fn service(endpoint: &str, cluster: &str, name: &str) -> Value {
    aws(
        endpoint,
        &[
            "ecs",
            "describe-services",
            "--cluster",
            cluster,
            "--services",
            name,
        ],
    )["services"][0]
        .clone()
}

/// `aws ecs list-tasks` (`filter`: e.g. `--started-by ID`) then `aws ecs describe-tasks`.
fn tasks(endpoint: &str, cluster: &str, filter: &[&str]) -> Vec<Value> {
    let mut args = vec!["ecs", "list-tasks", "--cluster", cluster];
    args.extend_from_slice(filter);
    let listed = aws(endpoint, &args);
    let arns: Vec<&str> = listed["taskArns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(!arns.is_empty(), "list-tasks {filter:?} found none");
    let mut args = vec!["ecs", "describe-tasks", "--cluster", cluster, "--tasks"];
    args.extend(arns);
    aws(endpoint, &args)["tasks"].as_array().unwrap().clone()
}

/// The single deployment of a stable service (asserted single).
fn only_deployment(s: &Value) -> &Value {
    let deps = s["deployments"].as_array().unwrap();
    assert_eq!(deps.len(), 1, "{s:#}");
    &deps[0]
}

#[test]
fn aws_cli_waiter_reports_a_good_deployment_and_a_rollback_as_stable() {
    let sim = sim_with(SimConfig {
        time_scale: 20.0,
        seed: 11,
        ..SimConfig::default()
    });
    let ep = sim.endpoint();
    aws(&ep, &["ecs", "create-cluster", "--cluster-name", "wait"]);
    let v1 = td_arn(&register_web(&ep, "healthy")).to_owned();
    for name in ["good", "broken"] {
        create_service(&ep, "wait", name, &v1);
        wait(&ep, "wait", name, "the first deployment completes", |s| {
            s["deployments"].as_array().unwrap().len() == 1
                && s["deployments"][0]["rolloutState"] == "COMPLETED"
                && s["runningCount"] == 2
        });
    }
    let v2 = td_arn(&register_web(&ep, "healthy")).to_owned();
    let crash = register_web(&ep, "crash");
    let crash_arn = td_arn(&crash).to_owned();

    let good = update_service(&ep, "wait", "good", &v2);
    let broken = update_service(&ep, "wait", "broken", &crash_arn);
    let good_id = good["deployments"][0]["id"].as_str().unwrap().to_owned();
    let broken_id = broken["deployments"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        broken["deployments"][0]["taskDefinition"],
        crash_arn.as_str()
    );
    let waiters = [
        start_waiter(&ep, "wait", "good"),
        start_waiter(&ep, "wait", "broken"),
    ];

    // As against ECS: the waiter succeeds, silently, for both.
    for (waiter, what) in waiters.into_iter().zip(["good", "broken"]) {
        let out = finish(waiter, &format!("aws ecs wait services-stable ({what})"));
        assert_eq!(
            (out.status.code(), String::from_utf8_lossy(&out.stdout)),
            (Some(0), "".into()),
            "the waiter on {what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // The good service runs the new revision, under the deployment the update started.
    let s = service(&ep, "wait", "good");
    let d = only_deployment(&s);
    assert_eq!(
        (
            &d["id"],
            &d["status"],
            &d["rolloutState"],
            &d["taskDefinition"]
        ),
        (
            &Value::from(good_id.as_str()),
            &Value::from("PRIMARY"),
            &Value::from("COMPLETED"),
            &Value::from(v2.as_str())
        )
    );
    assert_eq!(
        (&s["runningCount"], &s["desiredCount"]),
        (&2.into(), &2.into())
    );
    let good_record = record(&ep, good["currentServiceDeployment"].as_str().unwrap());
    assert_eq!(good_record["status"], "SUCCESSFUL");
    for t in tasks(&ep, "wait", &["--service-name", "good"]) {
        assert_eq!(t["lastStatus"], "RUNNING");
        assert_eq!(t["taskDefinitionArn"], v2.as_str());
        assert_eq!(t["startedBy"], good_id.as_str());
    }

    // The broken service is "stable" on the OLD revision: the breaker rolled it back.
    let s = service(&ep, "wait", "broken");
    let d = only_deployment(&s);
    assert_eq!(
        (&d["rolloutState"], &d["taskDefinition"]),
        (&Value::from("COMPLETED"), &Value::from(v1.as_str()))
    );
    assert_ne!(d["id"], broken_id.as_str());
    assert_eq!(s["taskDefinition"], v1.as_str());
    let arn = broken["currentServiceDeployment"].as_str().unwrap();
    let listed = aws(
        &ep,
        &[
            "ecs",
            "list-service-deployments",
            "--cluster",
            "wait",
            "--service",
            "broken",
        ],
    );
    let listed = listed["serviceDeployments"].as_array().unwrap();
    let ours = listed
        .iter()
        .find(|r| r["serviceDeploymentArn"] == arn)
        .unwrap_or_else(|| panic!("{arn} not listed: {listed:#?}"));
    assert_eq!(ours["status"], "ROLLBACK_SUCCESSFUL");
    let rolled_back = record(&ep, arn);
    assert_eq!(rolled_back["status"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(
        rolled_back["deploymentCircuitBreaker"]["status"],
        "TRIGGERED"
    );
    assert!(
        !rolled_back["rollback"]["startedAt"].is_null(),
        "{rolled_back:#}"
    );
    let stopped = tasks(
        &ep,
        "wait",
        &["--started-by", &broken_id, "--desired-status", "STOPPED"],
    );
    for t in &stopped {
        assert_eq!(t["taskDefinitionArn"], crash_arn.as_str());
        assert_eq!(t["lastStatus"], "STOPPED");
    }
    // The breaker's threshold (3) of crashes; the rollback stopped any others.
    let crashed: Vec<&Value> = stopped
        .iter()
        .filter(|t| t["stopCode"] == "EssentialContainerExited")
        .collect();
    assert!(crashed.len() >= 3, "{stopped:#?}");
    for t in crashed {
        assert_eq!(t["containers"][0]["exitCode"], 1);
    }

    // The crashing revision as registered, read back.
    let td = aws(
        &ep,
        &[
            "ecs",
            "describe-task-definition",
            "--task-definition",
            &crash_arn,
        ],
    )["taskDefinition"]
        .clone();
    assert_eq!(
        (&td["family"], &td["revision"], &td["status"]),
        (&"web".into(), &3.into(), &"ACTIVE".into())
    );
    assert_eq!(
        td["requiresCompatibilities"],
        serde_json::json!(["FARGATE"])
    );
    assert_eq!(
        td["containerDefinitions"][0]["dockerLabels"]["ecs-sim.behavior"],
        "crash"
    );
    assert_eq!(
        td, crash,
        "describe-task-definition differs from the registration"
    );
}
