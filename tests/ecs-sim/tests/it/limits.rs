//! ECS's batch limits and page sizes, with ECS's errors, through the Rust SDK:
//! DescribeServices (10), DescribeTasks (100), DescribeServiceDeployments (20),
//! maxResults ranges and defaults, and nextToken paging.

use aws_sdk_ecs as ecs;
use ecs::error::ProvideErrorMetadata;

use crate::harness::{ecs_client, register, sim};

/// `(code, message)` of a failed call.
fn error_of<E, R: std::fmt::Debug>(result: Result<R, ecs::error::SdkError<E>>) -> (String, String)
where
    ecs::error::SdkError<E>: ProvideErrorMetadata,
{
    let err = result.expect_err("the call fails");
    (
        err.code().unwrap_or_default().to_owned(),
        err.message().unwrap_or_default().to_owned(),
    )
}

fn invalid(message: &str) -> (String, String) {
    ("InvalidParameterException".to_owned(), message.to_owned())
}

/// A cluster `cluster` with `n` services of no tasks, named s00, s01, ...
async fn services(ecs: &ecs::Client, cluster: &str, n: usize) -> String {
    let td = register(ecs, "lim", "healthy").await;
    ecs.create_cluster()
        .cluster_name(cluster)
        .send()
        .await
        .unwrap();
    for i in 0..n {
        ecs.create_service()
            .cluster(cluster)
            .service_name(format!("s{i:02}"))
            .task_definition(&td)
            .desired_count(0)
            .send()
            .await
            .unwrap();
    }
    td
}

#[tokio::test]
async fn describe_calls_refuse_batches_larger_than_ecs_allows() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 1);
    services(&ecs, "lim", 0).await;
    let eleven: Vec<String> = (0..11).map(|i| format!("s{i:02}")).collect();
    assert_eq!(
        error_of(
            ecs.describe_services()
                .cluster("lim")
                .set_services(Some(eleven.clone()))
                .send()
                .await
        ),
        invalid("service names can have at most 10 items.")
    );
    assert_eq!(
        error_of(ecs.describe_services().cluster("lim").send().await),
        invalid("Services cannot be empty.")
    );
    let ten = ecs
        .describe_services()
        .cluster("lim")
        .set_services(Some(eleven[..10].to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(ten.failures().len(), 10, "ten unknown services are MISSING");

    let many: Vec<String> = (0..101).map(|i| format!("{i:032x}")).collect();
    assert_eq!(
        error_of(
            ecs.describe_tasks()
                .cluster("lim")
                .set_tasks(Some(many.clone()))
                .send()
                .await
        ),
        invalid("taskIds can have at most 100 items.")
    );
    assert_eq!(
        error_of(ecs.describe_tasks().cluster("lim").send().await),
        invalid("Tasks cannot be empty.")
    );
    let hundred = ecs
        .describe_tasks()
        .cluster("lim")
        .set_tasks(Some(many[..100].to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(hundred.failures().len(), 100);

    let arns: Vec<String> = (0..21)
        .map(|i| format!("arn:aws:ecs:us-east-1:123456789012:service-deployment/lim/s/{i}"))
        .collect();
    assert_eq!(
        error_of(
            ecs.describe_service_deployments()
                .set_service_deployment_arns(Some(arns))
                .send()
                .await
        ),
        invalid("serviceDeploymentArns can have at most 20 items.")
    );
}

#[tokio::test]
async fn lists_page_with_ecs_defaults_ranges_and_tokens() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 1);
    services(&ecs, "pages", 12).await;

    // ListServices answers 10 by default.
    let first = ecs.list_services().cluster("pages").send().await.unwrap();
    assert_eq!(first.service_arns().len(), 10);
    let token = first.next_token().unwrap().to_owned();
    let second = ecs
        .list_services()
        .cluster("pages")
        .next_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.service_arns().len(), 2);
    assert_eq!(second.next_token(), None);
    let all: Vec<String> = ecs
        .list_services()
        .cluster("pages")
        .max_results(5)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 12);

    for bad in [0, 101] {
        assert_eq!(
            error_of(
                ecs.list_services()
                    .cluster("pages")
                    .max_results(bad)
                    .send()
                    .await
            ),
            invalid("maxResults must be between 1 and 100.")
        );
        assert_eq!(
            error_of(
                ecs.list_tasks()
                    .cluster("pages")
                    .max_results(bad)
                    .send()
                    .await
            ),
            invalid("maxResults must be between 1 and 100.")
        );
    }
    assert_eq!(
        error_of(
            ecs.list_services()
                .cluster("pages")
                .next_token("not-a-token")
                .send()
                .await
        ),
        invalid("Invalid nextToken.")
    );

    // ListServiceDeployments answers 20 by default: 1 + 21 forced deployments.
    for _ in 0..21 {
        ecs.update_service()
            .cluster("pages")
            .service("s00")
            .force_new_deployment(true)
            .send()
            .await
            .unwrap();
    }
    let deployments = ecs
        .list_service_deployments()
        .cluster("pages")
        .service("s00")
        .send()
        .await
        .unwrap();
    assert_eq!(deployments.service_deployments().len(), 20);
    let rest = ecs
        .list_service_deployments()
        .cluster("pages")
        .service("s00")
        .next_token(deployments.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.service_deployments().len(), 2);

    // ListTaskDefinitions: 100 by default, a smaller page on request.
    register(&ecs, "lim", "healthy").await;
    let defs = ecs
        .list_task_definitions()
        .family_prefix("lim")
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(defs.task_definition_arns().len(), 1);
    assert!(defs.next_token().is_some());
}
