//! The region: portfolio-ci.yaml's region for the environment beats the
//! `AWS_REGION` that configure-aws-credentials exports, and the run says
//! which region it used and why.

use crate::harness::{CLUSTER, SCALE, World};

#[tokio::test(flavor = "multi_thread")]
async fn the_environments_region_beats_aws_region_and_the_run_says_so() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    std::fs::write(
        world.path().join("portfolio-ci.yaml"),
        "project: portfolio\nenvironments:\n  dev:\n    region: eu-west-1\n",
    )
    .unwrap();
    let file = world.backend_file("healthy");
    // The world's environment exports AWS_REGION=us-east-1, as
    // configure-aws-credentials would.
    let run = world
        .run(&[
            "--cluster",
            CLUSTER,
            "--service",
            "backend",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("region eu-west-1 (portfolio-ci.yaml; AWS_REGION=us-east-1 not used)"),
        "{}",
        run.stderr
    );
    let service = world.wait("backend", "the deploy is there", |_| true).await;
    let arn = service.task_definition().unwrap();
    assert!(arn.starts_with("arn:aws:ecs:eu-west-1:"), "{arn}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_region_in_the_file_aws_region_is_used() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let run = world
        .run(&[
            "--cluster",
            CLUSTER,
            "--service",
            "backend",
            "--force-new-deployment",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("region us-east-1 (AWS_REGION)\n"),
        "{}",
        run.stderr
    );
}
