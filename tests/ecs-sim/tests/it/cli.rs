//! The AWS CLI (v1, a subprocess with `--endpoint-url`) against the simulator.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::sim;

fn aws(endpoint: &str, args: &[&str]) -> Value {
    let out = Command::new("aws")
        .args(args)
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
        .env_remove("AWS_PROFILE")
        .output()
        .expect("the aws CLI is installed");
    assert!(
        out.status.success(),
        "aws {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

#[test]
fn aws_cli_creates_and_describes_a_service() {
    let sim = sim();
    let ep = sim.endpoint();
    let cluster = aws(&ep, &["ecs", "create-cluster", "--cluster-name", "cli"]);
    assert_eq!(cluster["cluster"]["clusterName"], "cli");
    let td = aws(
        &ep,
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
            r#"[{"name":"web","image":"nginx:1","essential":true,"portMappings":[{"containerPort":3000}],"dockerLabels":{"ecs-sim.behavior":"healthy"}}]"#,
        ],
    );
    assert_eq!(td["taskDefinition"]["revision"], 1);
    assert_eq!(td["taskDefinition"]["cpu"], "256");
    let created = aws(
        &ep,
        &[
            "ecs",
            "create-service",
            "--cluster",
            "cli",
            "--service-name",
            "web",
            "--task-definition",
            "web",
            "--desired-count",
            "2",
            "--launch-type",
            "FARGATE",
            "--deployment-configuration",
            "maximumPercent=200,minimumHealthyPercent=100,deploymentCircuitBreaker={enable=true,rollback=true}",
        ],
    );
    assert_eq!(created["service"]["deployments"][0]["status"], "PRIMARY");
    let deadline = Instant::now() + Duration::from_secs(60);
    let service = loop {
        let out = aws(
            &ep,
            &[
                "ecs",
                "describe-services",
                "--cluster",
                "cli",
                "--services",
                "web",
            ],
        );
        let s = out["services"][0].clone();
        if s["deployments"][0]["rolloutState"] == "COMPLETED" {
            break s;
        }
        assert!(Instant::now() < deadline, "service never stable: {s:#}");
        std::thread::sleep(Duration::from_millis(200));
    };
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
