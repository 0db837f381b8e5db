//! RunTask: standalone tasks go PROVISIONING .. RUNNING .. STOPPED with their container's
//! exit code and ECS's stop code, print to their awslogs stream, show in ListTasks and
//! DescribeTasks, and bad requests get ECS's errors.

use std::time::{Duration, Instant};

use aws_sdk_ecs as ecs;
use ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, ContainerOverride,
    DesiredStatus, KeyValuePair, LaunchType, NetworkConfiguration, Tag, TaskOverride,
};

use crate::harness::{LOG_GROUP, ecs_client, logs_client, register, sim, stable_service};

fn network() -> NetworkConfiguration {
    NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets("subnet-1")
                .security_groups("sg-1")
                .assign_public_ip(AssignPublicIp::Disabled)
                .build()
                .unwrap(),
        )
        .build()
}

async fn cluster(client: &ecs::Client, name: &str) {
    client
        .create_cluster()
        .cluster_name(name)
        .send()
        .await
        .unwrap();
}

/// A Fargate RunTask of `definition` in `cluster` with the network configuration.
fn run(
    client: &ecs::Client,
    cluster: &str,
    definition: &str,
) -> ecs::operation::run_task::builders::RunTaskFluentBuilder {
    client
        .run_task()
        .cluster(cluster)
        .task_definition(definition)
        .launch_type(LaunchType::Fargate)
        .network_configuration(network())
}

/// Describe task `arn` until `done` holds; panics after 20 real seconds.
async fn wait_task(
    client: &ecs::Client,
    cluster: &str,
    arn: &str,
    done: impl Fn(&ecs::types::Task) -> bool,
) -> ecs::types::Task {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = client
            .describe_tasks()
            .cluster(cluster)
            .tasks(arn)
            .include(ecs::types::TaskField::Tags)
            .send()
            .await
            .unwrap();
        let task = out.tasks()[0].clone();
        if done(&task) {
            return task;
        }
        assert!(Instant::now() < deadline, "timed out: {task:#?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn stopped(t: &ecs::types::Task) -> bool {
    t.last_status() == Some("STOPPED")
}

async fn log_lines(endpoint: &str, task_id: &str) -> Vec<String> {
    let out = logs_client(endpoint)
        .get_log_events()
        .log_group_name(LOG_GROUP)
        .log_stream_name(format!("ecs/backend/{task_id}"))
        .send()
        .await
        .unwrap();
    out.events()
        .iter()
        .filter_map(|e| e.message().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_one_off_task_runs_to_exit_0_and_is_listed() {
    let sim = sim();
    let client = ecs_client(&sim.endpoint(), 3);
    cluster(&client, "c").await;
    let def = register(&client, "backend", "healthy").await;
    let out = run(&client, "c", "backend")
        .started_by("GitHub-Actions")
        .overrides(
            TaskOverride::builder()
                .container_overrides(
                    ContainerOverride::builder()
                        .name("backend")
                        .command("alembic")
                        .command("upgrade")
                        .command("head")
                        .build(),
                )
                .build(),
        )
        .tags(Tag::builder().key("project").value("p").build())
        .enable_ecs_managed_tags(true)
        .send()
        .await
        .unwrap();
    assert!(out.failures().is_empty());
    let task = &out.tasks()[0];
    assert_eq!(task.last_status(), Some("PROVISIONING"));
    assert_eq!(task.desired_status(), Some("RUNNING"));
    assert_eq!(task.started_by(), Some("GitHub-Actions"));
    assert_eq!(task.group(), Some("family:backend"));
    assert_eq!(task.task_definition_arn(), Some(def.as_str()));
    assert_eq!(task.launch_type(), Some(&LaunchType::Fargate));
    let overrides = task.overrides().unwrap().container_overrides();
    assert_eq!(overrides[0].command(), ["alembic", "upgrade", "head"]);
    let arn = task.task_arn().unwrap().to_owned();
    let id = arn.rsplit('/').next().unwrap().to_owned();

    let listed = client
        .list_tasks()
        .cluster("c")
        .started_by("GitHub-Actions")
        .family("backend")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.task_arns(), std::slice::from_ref(&arn));

    wait_task(&client, "c", &arn, |t| t.last_status() == Some("RUNNING")).await;
    let done = wait_task(&client, "c", &arn, stopped).await;
    assert_eq!(done.desired_status(), Some("STOPPED"));
    assert_eq!(
        done.stop_code(),
        Some(&ecs::types::TaskStopCode::EssentialContainerExited)
    );
    assert_eq!(
        done.stopped_reason(),
        Some("Essential container in task exited")
    );
    assert_eq!(done.containers()[0].exit_code(), Some(0));
    let tags: Vec<(&str, &str)> = done
        .tags()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    assert_eq!(tags, [("project", "p"), ("aws:ecs:clusterName", "c")]);
    let lines = log_lines(&sim.endpoint(), &id).await;
    assert!(
        lines.contains(&"Running alembic upgrade head".to_owned()),
        "{lines:?}"
    );
    assert_eq!(
        lines.last().map(String::as_str),
        Some("Process exited with code 0")
    );

    let stopped_list = client
        .list_tasks()
        .cluster("c")
        .desired_status(DesiredStatus::Stopped)
        .send()
        .await
        .unwrap();
    assert_eq!(stopped_list.task_arns(), [arn]);
}

#[tokio::test]
async fn an_override_of_the_behaviour_makes_it_fail_while_the_service_stays_healthy() {
    let sim = sim();
    let client = ecs_client(&sim.endpoint(), 3);
    let def = register(&client, "backend", "healthy").await;
    let service = stable_service(&client, "c", "backend", &def, true).await;
    let behaviour = |value: &str| {
        TaskOverride::builder()
            .container_overrides(
                ContainerOverride::builder()
                    .name("backend")
                    .environment(
                        KeyValuePair::builder()
                            .name("ECS_SIM_BEHAVIOR")
                            .value(value)
                            .build(),
                    )
                    .build(),
            )
            .build()
    };
    let mut codes = Vec::new();
    for value in ["exit:3", "crash"] {
        let out = run(&client, "c", &def)
            .overrides(behaviour(value))
            .send()
            .await
            .unwrap();
        let arn = out.tasks()[0].task_arn().unwrap().to_owned();
        assert_eq!(out.tasks()[0].started_by(), None);
        let done = wait_task(&client, "c", &arn, stopped).await;
        assert_eq!(
            done.stop_code(),
            Some(&ecs::types::TaskStopCode::EssentialContainerExited)
        );
        codes.push(done.containers()[0].exit_code());
        let id = arn.rsplit('/').next().unwrap();
        let lines = log_lines(&sim.endpoint(), id).await;
        let wanted = match value {
            "crash" => "ConnectionRefusedError: [Errno 111] Connection refused",
            _ => "Process exited with code 3",
        };
        assert_eq!(lines.last().map(String::as_str), Some(wanted), "{lines:?}");
    }
    assert_eq!(codes, [Some(3), Some(1)]);
    // The service's tasks are neither counted nor replaced by the one-offs.
    let after = crate::harness::describe(&client, "c", "backend").await;
    assert_eq!(after.running_count(), 2);
    assert_eq!(after.deployments().len(), 1);
    assert_eq!(after.deployments()[0].failed_tasks(), 0);
    assert_eq!(after.deployments()[0].id(), service.deployments()[0].id());
}

#[tokio::test]
async fn stop_task_stops_a_long_one_off() {
    let sim = sim();
    let client = ecs_client(&sim.endpoint(), 3);
    cluster(&client, "c").await;
    register(&client, "job", "slow:100000").await;
    let out = run(&client, "c", "job")
        .started_by("me")
        .send()
        .await
        .unwrap();
    let arn = out.tasks()[0].task_arn().unwrap().to_owned();
    wait_task(&client, "c", &arn, |t| t.last_status() == Some("RUNNING")).await;
    client
        .stop_task()
        .cluster("c")
        .task(&arn)
        .reason("cancelled by the deploy")
        .send()
        .await
        .unwrap();
    let done = wait_task(&client, "c", &arn, stopped).await;
    assert_eq!(
        done.stop_code(),
        Some(&ecs::types::TaskStopCode::UserInitiated)
    );
    assert_eq!(done.stopped_reason(), Some("cancelled by the deploy"));
}

#[tokio::test]
async fn bad_requests_get_the_errors_of_ecs() {
    let sim = sim();
    let client = ecs_client(&sim.endpoint(), 1);
    cluster(&client, "c").await;
    register(&client, "backend", "healthy").await;
    let message = |err: ecs::error::SdkError<ecs::operation::run_task::RunTaskError>| {
        let e = err.into_service_error();
        format!(
            "{}: {}",
            ecs::error::ProvideErrorMetadata::code(&e).unwrap_or_default(),
            ecs::error::ProvideErrorMetadata::message(&e).unwrap_or_default()
        )
    };
    let no_network = client
        .run_task()
        .cluster("c")
        .task_definition("backend")
        .launch_type(LaunchType::Fargate)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        message(no_network),
        "InvalidParameterException: Network Configuration must be provided when networkMode 'awsvpc' is specified."
    );
    let both = run(&client, "c", "backend")
        .capacity_provider_strategy(
            CapacityProviderStrategyItem::builder()
                .capacity_provider("FARGATE_SPOT")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        message(both),
        "InvalidParameterException: Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again."
    );
    let ec2 = run(&client, "c", "backend")
        .launch_type(LaunchType::Ec2)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        message(ec2),
        "InvalidParameterException: No Container Instances were found in your cluster."
    );
    let stranger = run(&client, "c", "backend")
        .overrides(
            TaskOverride::builder()
                .container_overrides(ContainerOverride::builder().name("web").build())
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        message(stranger),
        "InvalidParameterException: Override for container named web is not a container in the TaskDefinition."
    );
    for count in [0, 11] {
        let err = run(&client, "c", "backend")
            .count(count)
            .send()
            .await
            .unwrap_err();
        assert!(
            message(err).starts_with("InvalidParameterException: count must be between 1 and 10")
        );
    }
    let missing = run(&client, "nope", "backend").send().await.unwrap_err();
    assert!(message(missing).starts_with("ClusterNotFoundException"));
    // A capacity provider strategy of Fargate alone runs on Fargate.
    let spot = client
        .run_task()
        .cluster("c")
        .task_definition("backend")
        .network_configuration(network())
        .capacity_provider_strategy(
            CapacityProviderStrategyItem::builder()
                .capacity_provider("FARGATE_SPOT")
                .build()
                .unwrap(),
        )
        .count(10)
        .send()
        .await
        .unwrap();
    assert_eq!(spot.tasks().len(), 10);
    assert_eq!(spot.tasks()[0].launch_type(), Some(&LaunchType::Fargate));
}
