//! Renders from the live ECS API of a local moto_server: --from-service,
//! --family, missing sources, and the library's registration round trip.

use portfolio_taskdef::{TaskDefinition, live};
use portfolio_testkit::{Moto, sdk_config};
use serde_json::{Value, json};

use super::*;

/// moto with cluster portfolio-dev, two revisions of portfolio-dev-backend
/// (images v1, v2) and service backend on revision 1.
struct Ecs {
    moto: Moto,
    runtime: tokio::runtime::Runtime,
    client: aws_sdk_ecs::Client,
}

const FAMILY: &str = "portfolio-dev-backend";

fn revision(image: &str) -> TaskDefinition {
    TaskDefinition::from_value(
        json!({
            "family": FAMILY,
            "containerDefinitions": [{
                "name": "backend",
                "image": image,
                "cpu": 128,
                "memory": 256,
                "essential": true,
                "portMappings": [{"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}],
                "environment": [{"name": "ENVIRONMENT", "value": "dev"}],
                "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/portfolio-dev/backend", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}},
            }],
            "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
            "networkMode": "bridge",
            "requiresCompatibilities": ["EC2"],
            "tags": [{"key": "team", "value": "backend"}],
        }),
        "test",
    )
    .unwrap()
}

impl Ecs {
    fn start() -> Ecs {
        let moto = Moto::start().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = runtime
            .block_on(async { aws_sdk_ecs::Client::new(&sdk_config(moto.endpoint()).await) });
        runtime.block_on(async {
            client
                .create_cluster()
                .cluster_name("portfolio-dev")
                .send()
                .await
                .unwrap();
            for image in ["repo/backend:v1", "repo/backend:v2"] {
                live::register_task_definition(
                    &client,
                    &revision(image),
                    &portfolio_taskdef::KeepKeys::none(),
                )
                .await
                .unwrap();
            }
            client
                .create_service()
                .cluster("portfolio-dev")
                .service_name("backend")
                .task_definition(format!("{FAMILY}:1"))
                .desired_count(1)
                .launch_type(aws_sdk_ecs::types::LaunchType::Ec2)
                .send()
                .await
                .unwrap();
        });
        Ecs {
            moto,
            runtime,
            client,
        }
    }

    fn tool(&self, dir: &Path) -> Command {
        let mut command = tool(dir);
        command.envs(self.moto.env());
        command
    }
}

fn assert_registrable(rendered: &Value) {
    for field in portfolio_taskdef::READ_ONLY_FIELDS {
        assert!(rendered.get(field).is_none(), "{field} left in {rendered}");
    }
}

#[test]
fn from_service_and_family_render_the_registered_definition() {
    let ecs = Ecs::start();
    let dir = tempfile::tempdir().unwrap();

    let service = run(
        ecs.tool(dir.path()).args([
            "--from-service",
            "portfolio-dev/backend",
            "--image",
            "backend=repo/backend:v3",
        ]),
        "",
    )
    .success();
    let rendered = service.json();
    assert_registrable(&rendered);
    assert_eq!(rendered["family"], FAMILY);
    assert_eq!(
        rendered["containerDefinitions"][0]["image"],
        "repo/backend:v3"
    );
    assert_eq!(
        rendered["containerDefinitions"][0]["environment"],
        json!([{"name": "ENVIRONMENT", "value": "dev"}])
    );
    assert_eq!(
        rendered["tags"],
        json!([{"key": "team", "value": "backend"}])
    );

    let first = run(
        ecs.tool(dir.path())
            .args(["--family", &format!("{FAMILY}:1")]),
        "",
    )
    .success();
    assert_eq!(
        first.json()["containerDefinitions"][0]["image"],
        "repo/backend:v1"
    );
    let latest = run(
        ecs.tool(dir.path()).args(["--family", FAMILY, "--json"]),
        "",
    )
    .success();
    let result = latest.json();
    assert_eq!(result["source"], format!("task definition {FAMILY}"));
    assert_eq!(
        result["taskDefinition"]["containerDefinitions"][0]["image"],
        "repo/backend:v2"
    );
    assert_eq!(result["changed"], false);
}

#[test]
fn from_service_takes_cluster_and_service_from_the_config() {
    let ecs = Ecs::start();
    let run = run(
        ecs.tool(&examples()).args([
            "--service",
            "backend",
            "--env",
            "dev",
            "--from-service",
            "--image",
            "repo/backend:v9",
            "--diff",
        ]),
        "",
    )
    .success();
    let rendered = run.json();
    assert_eq!(
        rendered["containerDefinitions"][0]["image"],
        "repo/backend:v9"
    );
    assert!(
        run.stderr.contains("--- service portfolio-dev/backend"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("+      \"image\": \"repo/backend:v9\""),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_services_and_revisions_exit_3() {
    let ecs = Ecs::start();
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &["--from-service", "portfolio-dev/nope"],
            "service 'nope' not found in cluster 'portfolio-dev'",
        ),
        (&["--from-service", "nocluster/backend"], "not found"),
        (
            &["--family", "nope:1"],
            "task definition 'nope:1' not found",
        ),
    ];
    for (args, expected) in cases {
        let run = run(ecs.tool(dir.path()).args(args), "");
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn the_library_registers_and_describes_faithfully() {
    let ecs = Ecs::start();
    let loaded = ecs
        .runtime
        .block_on(live::load_family(&ecs.client, &format!("{FAMILY}:2")))
        .unwrap();
    let sent = revision("repo/backend:v2").into_value();
    // ECS (and moto) add defaults such as mountPoints: all that was sent comes back.
    assert!(contains(&loaded.into_value(), &sent), "sent {sent}");
    let raw = ecs
        .runtime
        .block_on(live::describe_task_definition(&ecs.client, FAMILY))
        .unwrap();
    assert_eq!(raw["taskDefinition"]["revision"], 2);
    assert!(
        raw["taskDefinition"]["taskDefinitionArn"]
            .as_str()
            .unwrap()
            .ends_with(":2")
    );
}

/// True when `whole` has every field of `part` with the same value.
fn contains(whole: &Value, part: &Value) -> bool {
    match (whole, part) {
        (Value::Object(whole), Value::Object(part)) => part
            .iter()
            .all(|(key, value)| whole.get(key).is_some_and(|w| contains(w, value))),
        (Value::Array(whole), Value::Array(part)) => {
            whole.len() == part.len() && whole.iter().zip(part).all(|(w, p)| contains(w, p))
        }
        _ => whole == part,
    }
}
