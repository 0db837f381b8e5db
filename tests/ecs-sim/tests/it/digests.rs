//! Image digests: a running task's containers report the `imageDigest` its image
//! resolved to at launch (a digest written in the reference, or the one registered for
//! the tag), and keep it when the tag is later registered to another digest.

use aws_sdk_ecs as ecs;
use ecs::types::{ContainerDefinition, DesiredStatus};

use crate::faults::raw_http;
use crate::harness::{
    ecs_client, is_steady_on, sim, stable_service, tasks_of, update_to, wait_service,
};

const REPO: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-dev-backend";
const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
const D3: &str = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

/// Register a revision of `family` whose one container runs `image`; returns its ARN.
async fn register_image(client: &ecs::Client, family: &str, image: &str) -> String {
    let container = ContainerDefinition::builder()
        .name("backend")
        .image(image)
        .essential(true)
        .memory(512)
        .build();
    client
        .register_task_definition()
        .family(family)
        .container_definitions(container)
        .send()
        .await
        .unwrap()
        .task_definition()
        .unwrap()
        .task_definition_arn()
        .unwrap()
        .to_owned()
}

/// The `imageDigest` of every running task of the service's primary deployment.
async fn running_digests(
    client: &ecs::Client,
    cluster: &str,
    service: &str,
) -> Vec<Option<String>> {
    let s = crate::harness::describe(client, cluster, service).await;
    let id = s.deployments()[0].id().unwrap().to_owned();
    tasks_of(client, cluster, &id, DesiredStatus::Running)
        .await
        .iter()
        .map(|t| t.containers()[0].image_digest().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn tasks_keep_the_digest_their_tag_resolved_to_at_launch() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 3);
    let tagged = format!("{REPO}:v1");
    sim.set_image_digest(&tagged, D1).unwrap();

    let rev1 = register_image(&ecs, "backend", &tagged).await;
    stable_service(&ecs, "digests", "backend", &rev1, true).await;
    let first = running_digests(&ecs, "digests", "backend").await;
    assert_eq!(first, [Some(D1.to_owned()), Some(D1.to_owned())]);

    // The tag moves to D2 (through the admin endpoint): running tasks stay on D1.
    let moved = raw_http(
        sim.addr(),
        "POST",
        "/__admin/image-digests",
        "Content-Type: application/json\r\n",
        &format!(r#"{{"image":"{tagged}","digest":"{D2}"}}"#),
    )
    .unwrap();
    assert!(moved.starts_with("HTTP/1.1 200"), "{moved}");
    assert!(moved.contains(D2), "{moved}");
    let s = crate::harness::describe(&ecs, "digests", "backend").await;
    let old = s.deployments()[0].id().unwrap().to_owned();
    assert_eq!(running_digests(&ecs, "digests", "backend").await, first);

    // Tasks launched afterwards resolve the tag again.
    let rev2 = register_image(&ecs, "backend", &tagged).await;
    update_to(&ecs, "digests", "backend", &rev2).await;
    wait_service(&ecs, "digests", "backend", "the update completes", |s| {
        is_steady_on(s, &rev2)
    })
    .await;
    assert_eq!(
        running_digests(&ecs, "digests", "backend").await,
        [Some(D2.to_owned()), Some(D2.to_owned())]
    );
    // The old tasks were stopped still reporting D1.
    let stopped = tasks_of(&ecs, "digests", &old, DesiredStatus::Stopped).await;
    assert_eq!(stopped.len(), 2);
    for task in stopped {
        assert_eq!(task.containers()[0].image_digest(), Some(D1));
    }
}

#[tokio::test]
async fn a_digest_in_the_reference_resolves_and_an_unknown_tag_does_not() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 3);
    // A registration for another reference changes neither.
    sim.set_image_digest(&format!("{REPO}:v1"), D1).unwrap();
    let pinned = register_image(&ecs, "pinned", &format!("{REPO}@{D3}")).await;
    stable_service(&ecs, "digests", "pinned", &pinned, true).await;
    assert_eq!(
        running_digests(&ecs, "digests", "pinned").await,
        [Some(D3.to_owned()), Some(D3.to_owned())]
    );

    let unknown = register_image(&ecs, "unknown", &format!("{REPO}:v9")).await;
    ecs.create_service()
        .cluster("digests")
        .service_name("unknown")
        .task_definition(&unknown)
        .desired_count(1)
        .send()
        .await
        .unwrap();
    wait_service(&ecs, "digests", "unknown", "its task runs", |s| {
        is_steady_on(s, &unknown)
    })
    .await;
    assert_eq!(running_digests(&ecs, "digests", "unknown").await, [None]);
}

#[tokio::test]
async fn malformed_registrations_are_refused() {
    let sim = sim();
    let short = raw_http(
        sim.addr(),
        "POST",
        "/__admin/image-digests",
        "",
        r#"{"image":"repo:v1","digest":"sha256:abc"}"#,
    )
    .unwrap();
    assert!(short.starts_with("HTTP/1.1 400"), "{short}");
    assert!(short.contains("sha256:abc"), "{short}");
    let missing = raw_http(sim.addr(), "POST", "/__admin/image-digests", "", "{}").unwrap();
    assert!(missing.starts_with("HTTP/1.1 400"), "{missing}");
    let err = sim.set_image_digest("", D1).unwrap_err();
    assert!(matches!(err, ecs_sim::Error::ImageDigest(_)), "{err}");
    assert!(sim.set_image_digest("repo:v1", "D1").is_err());
}
