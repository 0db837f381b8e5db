//! Protection against ECS usage: a service in ecs-sim whose task definition
//! uses an image the policy would expire keeps that image, in preview and
//! in enforce. ECR is moto; ECS is ecs-sim via AWS_ENDPOINT_URL_ECS.

use aws_sdk_ecs::types::{ContainerDefinition, LaunchType};
use portfolio_testkit::Moto;

use crate::harness::{
    MANIFEST, create_repository, digests, ecr_client, enforce, listed, manifest, put, run, write,
};

const POLICY: &str = r#"{"rules":[
  {"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}"#;

async fn ecs_service(endpoint: &str, cluster: &str, image: &str) {
    let ecs = aws_sdk_ecs::Client::new(&portfolio_testkit::sdk_config(endpoint).await);
    ecs.create_cluster()
        .cluster_name(cluster)
        .send()
        .await
        .unwrap();
    let container = ContainerDefinition::builder()
        .name("backend")
        .image(image)
        .essential(true)
        .docker_labels("ecs-sim.behavior", "healthy")
        .build();
    let registered = ecs
        .register_task_definition()
        .family("portfolio-dev-backend")
        .cpu("256")
        .memory("512")
        .container_definitions(container)
        .send()
        .await
        .unwrap();
    let arn = registered
        .task_definition()
        .unwrap()
        .task_definition_arn()
        .unwrap();
    ecs.create_service()
        .cluster(cluster)
        .service_name("backend")
        .task_definition(arn)
        .desired_count(1)
        .launch_type(LaunchType::Fargate)
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn images_used_by_services_are_never_expired() {
    let moto = Moto::start().unwrap();
    let sim = ecs_sim::start(ecs_sim::SimConfig {
        time_scale: 50.0,
        seed: 7,
        ..Default::default()
    })
    .unwrap();
    let repository = "portfolio-dev-backend";
    let ecr = ecr_client(moto.endpoint()).await;
    create_repository(&ecr, repository).await;
    let mut pushed = Vec::new();
    for tag in ["v1", "v2", "v3", "v4"] {
        pushed.push(put(&ecr, repository, &manifest(tag), MANIFEST, Some(tag)).await);
    }
    // moto stamps pushes by the second: rank by what the tool sees.
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "p.json", POLICY);
    let policy = policy.to_str().unwrap();
    let mut env = moto.env();
    env.push(("AWS_ENDPOINT_URL_ECS", sim.endpoint()));

    // Without usage, find the two images the policy expires.
    let before = run(
        dir.path(),
        &env,
        &[
            "preview",
            "--repository",
            repository,
            "--policy",
            policy,
            "--json",
        ],
    );
    assert_eq!(before.code, 0, "{}", before.stderr);
    let doomed = listed(&before.json(), "expire");
    assert_eq!(doomed.len(), 2, "{}", before.stdout);
    let victim_tag = before.json()["expire"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["imageDigest"] == doomed[0].as_str())
        .unwrap()["imageTags"][0]
        .as_str()
        .unwrap()
        .to_owned();

    // A service in the configured cluster (portfolio-dev) uses one of them by tag.
    ecs_service(
        &sim.endpoint(),
        "portfolio-dev",
        &format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}:{victim_tag}"),
    )
    .await;

    let after = run(
        dir.path(),
        &env,
        &[
            "preview",
            "--repository",
            repository,
            "--policy",
            policy,
            "--json",
        ],
    );
    assert_eq!(after.code, 0, "{}", after.stderr);
    let json = after.json();
    assert_eq!(listed(&json, "protected"), [doomed[0].clone()], "{json}");
    let reason = json["protected"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!(
            "tag {victim_tag} used by service backend in portfolio-dev"
        )),
        "{reason}"
    );
    assert!(reason.contains("PRIMARY"), "{reason}");
    // The service's task, read with ListTasks/DescribeTasks, protects it too.
    assert!(
        reason.contains(&format!("tag {victim_tag} used by running task ")),
        "{reason}"
    );
    assert_eq!(listed(&json, "expire"), [doomed[1].clone()], "{json}");
    assert!(
        json["apiCalls"]["ecs:DescribeTaskDefinition"]
            .as_u64()
            .unwrap()
            >= 1,
        "{json}"
    );

    let enforce = enforce(
        dir.path(),
        &env,
        repository,
        policy,
        &["--cluster", "portfolio-dev"],
    );
    assert_eq!(enforce.code, 0, "{}", enforce.stderr);
    let left = digests(&ecr, repository).await;
    assert!(left.contains(&doomed[0]), "the image in use was deleted");
    assert!(!left.contains(&doomed[1]));
    assert_eq!(left.len(), 3);
}
