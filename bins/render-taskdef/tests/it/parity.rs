//! Drop-in parity with aws-actions/amazon-ecs-render-task-definition:
//! console exports with null and empty fields, placeholders of other steps,
//! container lists, S3 environment files and log drivers.

use std::fs;

use serde_json::{Value, json};

use super::*;

/// A console export: nulls, empty arrays, objects and strings.
const CONSOLE_EXPORT: &str = r#"{
  "family": "app",
  "taskRoleArn": "",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "volumes": [],
  "placementConstraints": [],
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27", "secrets": null, "environment": [], "ulimits": [],
     "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
     "mountPoints": [], "volumesFrom": [], "dockerLabels": {}, "essential": true, "systemControls": []}
  ]
}
"#;

fn rendered(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap()
}

#[test]
fn null_and_empty_fields_render_and_stay_as_the_peer_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("td.json"), CONSOLE_EXPORT).unwrap();
    let run = run(
        tool(dir.path()).args([
            "-t",
            "td.json",
            "--image",
            "nginx:1.28",
            "--secret",
            "DB=/app/db",
        ]),
        "",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = rendered(&run.stdout);
    let web = &out["containerDefinitions"][0];
    assert_eq!(web["image"], "nginx:1.28");
    assert_eq!(
        web["secrets"],
        json!([{"name": "DB", "valueFrom": "/app/db"}])
    );
    assert_eq!(web["ulimits"], json!([]));
    assert_eq!(out["taskRoleArn"], "");
}

/// Placeholders of other steps, in fields the render does not edit.
const FOREIGN: &str = r#"{
  "family": "app",
  "executionRoleArn": "arn:aws:iam::{{ account }}:role/exec",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27",
     "environment": [{"name": "URL", "value": "https://$$$HOST$$$"}, {"name": "LATER", "value": "${LATER}"}],
     "command": ["sh", "-c", "exec app --home $${HOME}"]},
    {"name": "sidecar", "image": "<IMAGE1_NAME>", "essential": false}
  ]
}
"#;

#[test]
fn placeholders_of_other_steps_are_warnings_and_strict_refuses_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("td.json");
    fs::write(&file, FOREIGN).unwrap();
    let run_ = run(
        tool(dir.path()).env("GITHUB_ACTIONS", "true").args([
            "-t",
            file.to_str().unwrap(),
            "--image",
            "web=nginx:1.28",
            "-o",
            "out.json",
        ]),
        "",
    );
    assert_eq!(run_.code, 0, "{}", run_.stderr);
    let annotation = format!("::warning file={}::{}: ", file.display(), file.display());
    for field in [
        "containerDefinitions[web].environment[LATER].value: ${LATER}",
        "executionRoleArn: {{ account }}",
        "containerDefinitions[web].environment[URL].value: $$$HOST$$$",
        "containerDefinitions[sidecar].image: <IMAGE1_NAME>",
    ] {
        assert!(
            run_.stderr
                .contains(&format!("{annotation}{field} is left for another step")),
            "{field}: {}",
            run_.stderr
        );
    }
    assert!(!run_.stderr.contains("${HOME}"), "{}", run_.stderr);
    let out = rendered(&fs::read_to_string(dir.path().join("out.json")).unwrap());
    assert_eq!(out["containerDefinitions"][0]["image"], "nginx:1.28");
    assert_eq!(out["containerDefinitions"][1]["image"], "<IMAGE1_NAME>");
    assert_eq!(
        out["containerDefinitions"][0]["command"][2],
        "exec app --home ${HOME}"
    );

    let strict = run(
        tool(dir.path()).args([
            "-t",
            "td.json",
            "--image",
            "web=nginx:1.28",
            "--strict",
            "-o",
            "strict.json",
        ]),
        "",
    );
    assert_eq!(strict.code, 2, "{}", strict.stderr);
    assert!(
        strict.stderr.contains(
            "td.json: placeholders left for another step: ${LATER} in containerDefinitions[web].environment[LATER].value, \
             {{ account }} in executionRoleArn"
        ),
        "{}",
        strict.stderr
    );
    assert!(!dir.path().join("strict.json").exists());
}

#[test]
fn a_container_list_steers_every_edit_as_the_peers_container_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = two_containers(dir.path());
    let run = run(
        tool(dir.path()).args([
            "-t",
            file.to_str().unwrap(),
            "--container",
            "web,worker",
            "--image",
            "nginx:1.28",
            "--env-var",
            "LEVEL=info",
            "--docker-label",
            "team=web",
            "--command",
            "serve --port 80",
            "--secret",
            "DB=/app/db",
            "--log-driver",
            "awslogs",
            "--log-option",
            "awslogs-group=/ecs/app",
            "--environment-file",
            "arn:aws:s3:::config/app.env",
            "--environment-file",
            "worker:arn:aws:s3:::config/worker.env",
        ]),
        "",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = rendered(&run.stdout);
    for (index, name) in ["web", "worker"].iter().enumerate() {
        let c = &out["containerDefinitions"][index];
        assert_eq!(c["image"], "nginx:1.28", "{name}");
        assert_eq!(
            c["environment"],
            json!([{"name": "LEVEL", "value": "info"}]),
            "{name}"
        );
        assert_eq!(c["dockerLabels"], json!({"team": "web"}), "{name}");
        assert_eq!(c["command"], json!(["serve", "--port", "80"]), "{name}");
        assert_eq!(
            c["secrets"],
            json!([{"name": "DB", "valueFrom": "/app/db"}]),
            "{name}"
        );
        assert_eq!(
            c["logConfiguration"],
            json!({"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app"}}),
            "{name}"
        );
    }
    assert_eq!(
        out["containerDefinitions"][1]["environmentFiles"],
        json!([{"value": "arn:aws:s3:::config/app.env", "type": "s3"}, {"value": "arn:aws:s3:::config/worker.env", "type": "s3"}])
    );

    let unknown = super::run(
        tool(dir.path()).args([
            "-t",
            "app.json",
            "--container",
            "web,api",
            "--image",
            "nginx:1.28",
        ]),
        "",
    );
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    assert!(
        unknown
            .stderr
            .contains("app.json: --container: unknown container 'api' (containers: web, worker)"),
        "{}",
        unknown.stderr
    );
    let bad = super::run(
        tool(dir.path()).args(["-t", "app.json", "--environment-file", "web:app.env"]),
        "",
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("ARN of an S3 object"), "{}", bad.stderr);
}
