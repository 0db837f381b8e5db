//! Renders from files, stdin and the example portfolio-ci.yaml.

use std::fs;

use serde_json::{Value, json};

use super::*;

const ECR_IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-dev-backend:v1.2.3";

fn keys(value: &Value) -> Vec<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn example_backend_template_for_dev() {
    let run = run(
        tool(&examples()).args([
            "--service",
            "backend",
            "--env",
            "dev",
            "--var",
            EXECUTION_ROLE,
            "--image",
            ECR_IMAGE,
        ]),
        "",
    )
    .success();
    let rendered = run.json();
    assert_eq!(rendered["family"], "portfolio-dev-backend");
    let backend = &rendered["containerDefinitions"][0];
    assert_eq!(backend["image"], ECR_IMAGE);
    assert_eq!(
        backend["environment"][0],
        json!({"name": "ENVIRONMENT", "value": "dev"})
    );
    assert_eq!(
        backend["logConfiguration"]["options"]["awslogs-group"],
        "/ecs/portfolio-dev/backend"
    );
    assert_eq!(
        backend["logConfiguration"]["options"]["awslogs-region"],
        "us-east-1"
    );
    assert_eq!(
        rendered["tags"],
        json!([{"key": "Project", "value": "portfolio"}, {"key": "Environment", "value": "dev"}])
    );
    // What the image's start-up script requires, and a health check that
    // busybox's wget (the image has no curl) runs against the server.
    assert_eq!(
        backend["environment"][2],
        json!({"name": "DATABASE_URL", "value": "postgresql://portfolio@portfolio-dev-db:5432/portfolio"})
    );
    assert_eq!(
        backend["healthCheck"]["command"],
        json!([
            "CMD-SHELL",
            "wget -q -O /dev/null http://localhost:8000/api/v1/health || exit 1"
        ])
    );
    let template: Value =
        serde_json::from_str(&fs::read_to_string(examples().join("taskdef/backend.json")).unwrap())
            .unwrap();
    assert_eq!(keys(&rendered), keys(&template));
    assert_eq!(keys(backend), keys(&template["containerDefinitions"][0]));
    assert!(
        run.stderr.contains("rendered portfolio-dev-backend"),
        "{}",
        run.stderr
    );
}

#[test]
fn frontend_gets_awslogs_defaults_from_the_config() {
    let run = run(
        tool(&examples()).args([
            "--service",
            "frontend",
            "--env",
            "prod",
            "--region",
            "eu-west-1",
            "--var",
            EXECUTION_ROLE,
        ]),
        "",
    )
    .success();
    let frontend = &run.json()["containerDefinitions"][0];
    assert_eq!(frontend["image"], "portfolio-prod-frontend:latest");
    assert_eq!(
        frontend["logConfiguration"],
        json!({"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/portfolio-prod/frontend", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "ecs"}})
    );
}

#[test]
fn output_file_is_replaced_whole_and_json_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let source = two_containers(dir.path());
    let out = dir.path().join("out").join("td.json");
    fs::create_dir(out.parent().unwrap()).unwrap();
    fs::write(&out, "old content").unwrap();
    let run = run(
        tool(dir.path())
            .args(["--task-definition"])
            .arg(&source)
            .args(["--image", "web=nginx:1.28", "--json", "--output"])
            .arg(&out),
        "",
    )
    .success();
    let result = run.json();
    assert_eq!(result["path"], out.display().to_string());
    assert_eq!(result["changed"], true);
    assert_eq!(
        result["images"],
        json!([{"container": "web", "image": "nginx:1.28"}, {"container": "worker", "image": "busybox:1"}])
    );
    assert!(result.get("taskDefinition").is_none());
    let written: Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["containerDefinitions"][0]["image"], "nginx:1.28");
    let left: Vec<_> = fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["td.json"]);
}

#[test]
fn under_github_actions_the_result_goes_to_runner_temp() {
    let dir = tempfile::tempdir().unwrap();
    let source = two_containers(dir.path());
    let runner_temp = dir.path().join("runner");
    fs::create_dir(&runner_temp).unwrap();
    let (outputs, summary) = (dir.path().join("output"), dir.path().join("summary"));
    let run = run(
        tool(dir.path())
            .env("GITHUB_ACTIONS", "true")
            .env("RUNNER_TEMP", &runner_temp)
            .env("GITHUB_OUTPUT", &outputs)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args(["-t"])
            .arg(&source)
            .args(["--image", "web=nginx:1.28", "--diff"]),
        "",
    )
    .success();
    assert_eq!(run.stdout, "");
    let outputs = fs::read_to_string(outputs).unwrap();
    let path = outputs.strip_prefix("task-definition=").unwrap().trim_end();
    assert!(
        Path::new(path).starts_with(&runner_temp) && path.ends_with(".json"),
        "{path}"
    );
    assert!(fs::read_to_string(path).unwrap().contains("nginx:1.28"));
    let summary = fs::read_to_string(summary).unwrap();
    assert!(
        summary.contains("| web | `nginx:1.28` |") && summary.contains("```diff"),
        "{summary}"
    );
    assert!(
        run.stderr.contains("::group::diff against") && run.stderr.contains("::endgroup::"),
        "{}",
        run.stderr
    );
}

#[test]
fn yaml_from_stdin_with_every_kind_of_edit_and_a_diff() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("web.env"),
        "# settings\nLOG_LEVEL=debug\nGREETING=\"hello world\"\n",
    )
    .unwrap();
    let yaml = "\
family: app
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 256
memory: 512
containerDefinitions:
  - name: web
    image: nginx:1.27
    environment:
      - {name: OLD, value: x}
      - {name: PORT, value: 80}
  - name: worker
    image: busybox:1
";
    let run = run(
        tool(dir.path()).args([
            "--task-definition",
            "-",
            "--image",
            "web=nginx:1.28",
            "--image",
            "worker=busybox:1.37",
            "--env-file",
            "web:web.env",
            "--env-var",
            "web:LOG_LEVEL=info",
            "--unset-env",
            "web:OLD",
            "--secret",
            "worker:TOKEN=arn:aws:secretsmanager:us-east-1:123456789012:secret:token",
            "--docker-label",
            "web:release=v2",
            "--command",
            "worker:sh -c 'sleep 1'",
            "--log-option",
            "web:mode=non-blocking",
            "--cpu",
            "512",
            "--memory",
            "1 GB",
            "--task-role-arn",
            "arn:aws:iam::123456789012:role/task",
            "--tag",
            "team=web",
            "--diff",
        ]),
        yaml,
    )
    .success();
    let rendered = run.json();
    let web = &rendered["containerDefinitions"][0];
    assert_eq!(
        web["environment"],
        json!([{"name": "PORT", "value": "80"}, {"name": "LOG_LEVEL", "value": "info"}, {"name": "GREETING", "value": "hello world"}])
    );
    assert_eq!(web["dockerLabels"], json!({"release": "v2"}));
    assert_eq!(
        web["logConfiguration"],
        json!({"logDriver": "awslogs", "options": {"mode": "non-blocking"}})
    );
    let worker = &rendered["containerDefinitions"][1];
    assert_eq!(worker["command"], json!(["sh", "-c", "sleep 1"]));
    assert_eq!(worker["secrets"][0]["name"], "TOKEN");
    assert_eq!(
        (rendered["cpu"].as_str(), rendered["memory"].as_str()),
        (Some("512"), Some("1 GB"))
    );
    assert_eq!(rendered["tags"], json!([{"key": "team", "value": "web"}]));
    assert!(
        run.stderr.contains("--- -\n+++ rendered\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("-      \"image\": \"nginx:1.27\",\n+      \"image\": \"nginx:1.28\","),
        "{}",
        run.stderr
    );
}

#[test]
fn a_described_definition_keeps_newer_fields_where_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let described = json!({
        "taskDefinition": {
            "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:7",
            "containerDefinitions": [{"name": "app", "image": "nginx:1.27", "restartPolicy": {"enabled": true, "restartAttemptPeriod": 60}}],
            "family": "app",
            "revision": 7,
            "status": "ACTIVE",
            "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"}],
            "compatibilities": ["EC2"],
            "enableFaultInjection": false,
            "registeredAt": "2025-01-01T00:00:00Z",
            "registeredBy": "arn:aws:iam::123456789012:user/me",
            "someFieldFrom2030": {"x": [1, 2]},
        },
        "tags": [{"key": "team", "value": "app"}],
    });
    fs::write(dir.path().join("described.json"), described.to_string()).unwrap();
    let run = run(
        tool(dir.path()).args(["-t", "described.json", "--image", "nginx:1.28"]),
        "",
    )
    .success();
    let rendered = run.json();
    assert_eq!(
        keys(&rendered),
        [
            "containerDefinitions",
            "family",
            "enableFaultInjection",
            "someFieldFrom2030",
            "tags"
        ]
    );
    assert_eq!(
        rendered["containerDefinitions"][0]["restartPolicy"],
        json!({"enabled": true, "restartAttemptPeriod": 60})
    );
    assert_eq!(rendered["containerDefinitions"][0]["image"], "nginx:1.28");
}

#[test]
fn env_with_a_variable_is_the_deprecated_spelling_of_env_var() {
    let dir = tempfile::tempdir().unwrap();
    let definition =
        r#"{"family": "app", "containerDefinitions": [{"name": "web", "image": "nginx:1.27"}]}"#;
    let old = run(
        tool(dir.path()).args(["--task-definition", "-", "--env", "LOG_LEVEL=debug"]),
        definition,
    )
    .success();
    let new = run(
        tool(dir.path()).args(["--task-definition", "-", "--env-var", "LOG_LEVEL=debug"]),
        definition,
    )
    .success();
    assert_eq!(old.stdout, new.stdout);
    assert_eq!(
        old.json()["containerDefinitions"][0]["environment"],
        json!([{"name": "LOG_LEVEL", "value": "debug"}])
    );
    assert!(
        old.stderr.contains(
            "warning: --env LOG_LEVEL=debug: setting a variable with --env is deprecated, use --env-var LOG_LEVEL=debug"
        ),
        "{}",
        old.stderr
    );
    assert!(!new.stderr.contains("deprecated"), "{}", new.stderr);
}
