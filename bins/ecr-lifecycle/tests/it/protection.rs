//! Protection against ECS usage: a service in ecs-sim whose task definition
//! uses an image the policy would expire keeps that image, in preview and
//! in enforce; so does a running task whose image digest no task definition
//! names any more (its tag moved on). ECR is moto; ECS is ecs-sim via
//! AWS_ENDPOINT_URL_ECS.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_ecr::types::ImageIdentifier;
use aws_sdk_ecs::types::{ContainerDefinition, DesiredStatus, LaunchType};
use portfolio_testkit::Moto;

use crate::harness::{
    MANIFEST, assert_calls_allowed, create_repository, digests, ecr_client, enforce, image_details,
    listed, manifest, put, with_policy, write,
};

const POLICY: &str = r#"{"rules":[
  {"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}"#;

/// moto, and ecs-sim 50 times faster than ECS.
fn emulators() -> (Moto, ecs_sim::RunningSim) {
    let sim = ecs_sim::start(ecs_sim::SimConfig {
        time_scale: 50.0,
        seed: 7,
        ..Default::default()
    })
    .unwrap();
    (Moto::start().unwrap(), sim)
}

/// `enforce --execute --cluster portfolio-dev`, which must succeed.
fn enforce_in_dev(dir: &std::path::Path, env: &[(&str, String)], repository: &str, policy: &str) {
    let run = enforce(
        dir,
        env,
        repository,
        policy,
        &["--cluster", "portfolio-dev"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

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
    let (moto, sim) = emulators();
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
    let before = with_policy(dir.path(), &env, "preview", repository, policy, &["--json"]);
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

    let after = with_policy(dir.path(), &env, "preview", repository, policy, &["--json"]);
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

    enforce_in_dev(dir.path(), &env, repository, policy);
    let left = digests(&ecr, repository).await;
    assert!(left.contains(&doomed[0]), "the image in use was deleted");
    assert!(!left.contains(&doomed[1]));
    assert_eq!(left.len(), 3);
}

/// Expires every untagged image but the newest.
const UNTAGGED_POLICY: &str = r#"{"rules":[
  {"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#;

/// Pushes `seed`'s manifest with `tag` (or untagged) and returns the digest
/// moto gives it, read back with DescribeImages.
async fn push(
    ecr: &aws_sdk_ecr::Client,
    repository: &str,
    seed: &str,
    tag: Option<&str>,
) -> String {
    let before = digests(ecr, repository).await;
    put(ecr, repository, &manifest(seed), MANIFEST, tag).await;
    let after = digests(ecr, repository).await;
    let new: Vec<&String> = after.iter().filter(|d| !before.contains(d)).collect();
    assert_eq!(new.len(), 1, "pushing {seed}: {before:?} -> {after:?}");
    new[0].clone()
}

/// (digest, tags, pushed-at seconds) of every image in `repository`.
async fn images(ecr: &aws_sdk_ecr::Client, repository: &str) -> Vec<(String, Vec<String>, i64)> {
    image_details(ecr, repository)
        .await
        .iter()
        .map(|d| {
            (
                d.image_digest().unwrap().to_owned(),
                d.image_tags().to_vec(),
                d.image_pushed_at().unwrap().secs(),
            )
        })
        .collect()
}

/// The digest tagged `tag`.
async fn tagged(ecr: &aws_sdk_ecr::Client, repository: &str, tag: &str) -> String {
    let out = ecr
        .describe_images()
        .repository_name(repository)
        .image_ids(ImageIdentifier::builder().image_tag(tag).build())
        .send()
        .await
        .unwrap();
    out.image_details()[0].image_digest().unwrap().to_owned()
}

/// Polls `cluster` until a task runs whose container reports `digest`;
/// returns the task id. Panics after 20 real seconds.
async fn running_task(ecs: &aws_sdk_ecs::Client, cluster: &str, digest: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let arns = ecs
            .list_tasks()
            .cluster(cluster)
            .desired_status(DesiredStatus::Running)
            .send()
            .await
            .unwrap()
            .task_arns()
            .to_vec();
        if !arns.is_empty() {
            let out = ecs
                .describe_tasks()
                .cluster(cluster)
                .set_tasks(Some(arns))
                .send()
                .await
                .unwrap();
            let running = out.tasks().iter().find(|t| {
                t.last_status() == Some("RUNNING")
                    && t.containers()[0].image_digest() == Some(digest)
            });
            if let Some(task) = running {
                return task
                    .task_arn()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned();
            }
        }
        assert!(
            Instant::now() < deadline,
            "no task in {cluster} runs {digest}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_tasks_digest_is_kept_after_its_tag_moved_on() {
    let (moto, sim) = emulators();
    let repository = "portfolio-dev-backend";
    let image = format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}:v1");
    let ecr = ecr_client(moto.endpoint()).await;
    create_repository(&ecr, repository).await;

    // v1 is D1 when the service's task launches; ECS resolves the tag then.
    let d1 = push(&ecr, repository, "release 1", Some("v1")).await;
    sim.set_image_digest(&image, &d1).unwrap();
    ecs_service(&sim.endpoint(), "portfolio-dev", &image).await;
    let ecs = aws_sdk_ecs::Client::new(&portfolio_testkit::sdk_config(&sim.endpoint()).await);
    let task = running_task(&ecs, "portfolio-dev", &d1).await;

    // v1 moves to D2. ECR leaves D1 untagged; moto deletes an image whose
    // last tag moves, so D1's manifest is pushed again, untagged, to get
    // the state ECR would have.
    let d2 = push(&ecr, repository, "release 2", Some("v1")).await;
    assert_eq!(push(&ecr, repository, "release 1", None).await, d1);
    sim.set_image_digest(&image, &d2).unwrap();
    let stale = push(&ecr, repository, "stale build", None).await;
    // The newest untagged image is the one the policy keeps: wait for
    // moto's next pushed-at second so that it is this one.
    let latest = images(&ecr, repository)
        .await
        .iter()
        .map(|i| i.2)
        .max()
        .unwrap();
    while SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        <= latest.unsigned_abs()
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let newest = push(&ecr, repository, "newest build", None).await;
    let state = images(&ecr, repository).await;
    for (digest, tags, pushed) in &state {
        assert_eq!(tags.is_empty(), *digest != d2, "{state:?}");
        assert_eq!(*pushed > latest, *digest == newest, "{state:?}");
    }
    assert_eq!(tagged(&ecr, repository, "v1").await, d2);
    // The task still runs D1, and no task definition names D1.
    assert_eq!(running_task(&ecs, "portfolio-dev", &d1).await, task);

    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "p.json", UNTAGGED_POLICY);
    let policy = policy.to_str().unwrap();
    let mut env = moto.env();
    env.push(("AWS_ENDPOINT_URL_ECS", sim.endpoint()));

    let preview = with_policy(
        dir.path(),
        &env,
        "preview",
        repository,
        policy,
        &["--json", "--cluster", "portfolio-dev"],
    );
    assert_eq!(preview.code, 0, "{}", preview.stderr);
    let json = preview.json();
    assert_eq!(listed(&json, "protected"), [d1.as_str()], "{json}");
    assert_eq!(
        json["protected"][0]["reason"],
        format!("running in running task {task} in portfolio-dev"),
        "{json}"
    );
    assert_eq!(listed(&json, "expire"), [stale.as_str()], "{json}");
    // ECS calls included, every one is allowed by the lifecycle policy.
    let calls = assert_calls_allowed(&json);
    assert!(calls.contains(&"ecs:DescribeTasks".to_owned()), "{calls:?}");

    enforce_in_dev(dir.path(), &env, repository, policy);
    let mut kept = vec![d1, d2, newest];
    kept.sort();
    assert_eq!(
        digests(&ecr, repository).await,
        kept,
        "D1 or the wrong image was deleted"
    );
}
