//! Bad input ends the run with exit 2 (or 1) and what to do, before
//! anything changed; never a stack trace.

use serde_json::json;

use crate::harness::{CLUSTER, SCALE, World, taskdef};

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_service_is_exit_2_and_changes_nothing() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let file = world.backend_file("healthy");
    let run = world
        .run(&[
            "--cluster",
            CLUSTER,
            "--service",
            "backend",
            "--service",
            "nope",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("service 'nope' not found in cluster 'portfolio-dev'"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
    // Nothing was registered.
    assert_eq!(world.revisions("portfolio-dev-backend").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_cluster_is_exit_2() {
    let world = World::new(SCALE).await;
    let run = world
        .run(&[
            "--cluster",
            "elsewhere",
            "--service",
            "backend",
            "--force-new-deployment",
        ])
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("cluster 'elsewhere' not found"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_task_definition_is_exit_2_naming_the_field() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let mut bad = taskdef("portfolio-dev-backend", "backend", "healthy");
    bad["containerDefinitions"][0]["image"] = json!("");
    let file = world.file("bad.json", &bad);
    let run = world
        .run(&[
            "--service",
            "backend",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("bad.json"), "{}", run.stderr);
    assert!(run.stderr.contains("image"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_to_deploy_is_exit_2_with_what_to_do() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let run = world.run(&["--service", "backend"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--task-definition"), "{}", run.stderr);
    assert!(
        run.stderr.contains("services.backend.task_definition"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn image_edits_the_live_definition() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let run = world
        .run(&[
            "--service",
            "backend",
            "--json",
            "--image",
            "backend=registry.example/backend:v2",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let arn = run.json()["services"][0]["task_definition_arn"]
        .as_str()
        .unwrap()
        .to_owned();
    let described = world
        .ecs
        .describe_task_definition()
        .task_definition(&arn)
        .send()
        .await
        .unwrap();
    let containers = described.task_definition().unwrap().container_definitions();
    assert_eq!(containers[0].image(), Some("registry.example/backend:v2"));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_credentials_is_exit_1_with_a_hint() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let mut command = world.command(&[
        "--service",
        "backend",
        "--force-new-deployment",
        "--max-attempts",
        "1",
    ]);
    command
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    let run = crate::harness::finish(command.spawn().unwrap()).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("AWS_PROFILE"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_task_definition_ecs_rejects_is_exit_2_with_its_message() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    // Valid locally (EC2 has no Fargate sizes to check), but ECS wants memory
    // on the container when the task sets none.
    let mut ec2 = taskdef("portfolio-dev-backend", "backend", "healthy");
    let doc = ec2.as_object_mut().unwrap();
    for key in ["cpu", "memory", "networkMode"] {
        doc.remove(key);
    }
    doc["requiresCompatibilities"] = json!(["EC2"]);
    let file = world.file("ec2.json", &ec2);
    let run = world
        .run(&[
            "--service",
            "backend",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("ecs:RegisterTaskDefinition rejected")
            && run.stderr.contains(
                "ec2.json: Invalid setting for container 'backend'. At least one of 'memory' \
                 or 'memoryReservation' must be specified."
            ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no service was updated"),
        "{}",
        run.stderr
    );
    let now = world.wait("backend", "describe", |_| true).await;
    assert!(now.task_definition().unwrap().ends_with(":1"));
}

/// Keys of a registered definition's first container, read as ECS sent it.
async fn registered_container(world: &World, arn: &str) -> serde_json::Value {
    let response = portfolio_taskdef::live::describe_task_definition(&world.ecs, arn)
        .await
        .unwrap();
    response["taskDefinition"]["containerDefinitions"][0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn null_and_empty_values_are_dropped_before_registering_except_kept_keys() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let mut export = taskdef("portfolio-dev-backend", "backend", "healthy");
    let container = &mut export["containerDefinitions"][0];
    container["secrets"] = json!(null);
    container["ulimits"] = json!([]);
    container["mountPoints"] = json!([]);
    container["environment"] = json!([{"name": "EMPTY", "value": ""}]);
    container["dockerLabels"]["team"] = json!("");
    container["dockerLabels"]["owner"] = json!("");
    export["taskRoleArn"] = json!("");
    let file = world.file("export.json", &export);
    let run = world
        .run(&[
            "--service",
            "backend",
            "--json",
            "--task-definition",
            file.to_str().unwrap(),
            "--keep-null-value-keys",
            "team, mountPoints",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let arn = run.json()["services"][0]["task_definition_arn"]
        .as_str()
        .unwrap()
        .to_owned();
    let container = registered_container(&world, &arn).await;
    assert!(container.get("secrets").is_none(), "{container}");
    assert!(container.get("ulimits").is_none(), "{container}");
    assert_eq!(container["mountPoints"], json!([]), "{container}");
    assert_eq!(container["dockerLabels"]["team"], "", "{container}");
    assert!(
        container["dockerLabels"].get("owner").is_none(),
        "{container}"
    );
    assert_eq!(
        container["environment"],
        json!([{"name": "EMPTY", "value": ""}])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn placeholders_left_for_another_step_are_not_registered() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let mut with_placeholder = taskdef("portfolio-dev-backend", "backend", "healthy");
    with_placeholder["containerDefinitions"][0]["environment"] =
        json!([{"name": "API_URL", "value": "https://{{ api_host }}/v1"}]);
    let file = world.file("foreign.json", &with_placeholder);
    let run = world
        .run(&[
            "--service",
            "backend",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "foreign.json: a placeholder left for another step: {{ api_host }} in \
             containerDefinitions[backend].environment[API_URL].value"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(world.revisions("portfolio-dev-backend").await, 1);
}
