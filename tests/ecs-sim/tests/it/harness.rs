//! Shared test helpers: start a fast simulator, build SDK clients, register task
//! definitions, and poll a service until a condition holds.

use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs as logs;
use aws_sdk_ecs as ecs;
use ecs::types::{
    ContainerDefinition, DeploymentCircuitBreaker, DeploymentConfiguration, HealthCheck,
    LogConfiguration, LogDriver, PortMapping, Service,
};
use ecs_sim::{RunningSim, SimConfig};

/// Simulated seconds per real second in most tests.
pub const SCALE: f64 = 50.0;

/// Start a simulator running `SCALE` times faster than real time.
pub fn sim() -> RunningSim {
    sim_with(SimConfig {
        time_scale: SCALE,
        seed: 7,
        ..SimConfig::default()
    })
}

/// Start a simulator with `config`.
pub fn sim_with(config: SimConfig) -> RunningSim {
    ecs_sim::start(config).expect("simulator starts")
}

/// An ECS client for `endpoint` with test credentials, us-east-1, `attempts` tries.
pub fn ecs_client(endpoint: &str, attempts: u32) -> ecs::Client {
    let conf = ecs::Config::builder()
        .behavior_version(ecs::config::BehaviorVersion::latest())
        .region(ecs::config::Region::new("us-east-1"))
        .credentials_provider(ecs::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .endpoint_url(endpoint)
        .retry_config(ecs::config::retry::RetryConfig::standard().with_max_attempts(attempts))
        .build();
    ecs::Client::from_conf(conf)
}

/// A CloudWatch Logs client for `endpoint`.
pub fn logs_client(endpoint: &str) -> logs::Client {
    let conf = logs::Config::builder()
        .behavior_version(logs::config::BehaviorVersion::latest())
        .region(logs::config::Region::new("us-east-1"))
        .credentials_provider(logs::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .endpoint_url(endpoint)
        .build();
    logs::Client::from_conf(conf)
}

/// Log group of every task definition registered by [`register`].
pub const LOG_GROUP: &str = "/ecs/portfolio-dev/backend";

/// The container health check of [`register`]'s definitions: every 10 s, 3 retries,
/// and for `slow:<s>` a start period that covers the slow start (as a slow app's
/// definition would have).
pub fn health_check(behavior: &str) -> HealthCheck {
    let start_period = behavior
        .strip_prefix("slow:")
        .and_then(|s| s.parse::<f64>().ok())
        .map_or(0, |s| s.ceil() as i32 + 10);
    HealthCheck::builder()
        .command("CMD-SHELL")
        .command("curl -fsS http://localhost:8000/health || exit 1")
        .interval(10)
        .timeout(5)
        .retries(3)
        .start_period(start_period)
        .build()
        .unwrap()
}

/// Register a revision of `family` whose container behaves as `behavior`, with
/// [`health_check`]; returns its ARN.
pub async fn register(client: &ecs::Client, family: &str, behavior: &str) -> String {
    register_checked(client, family, behavior, Some(health_check(behavior))).await
}

/// Register a revision of `family` whose container behaves as `behavior`, with
/// `check` as its `healthCheck`; returns its ARN.
pub async fn register_checked(
    client: &ecs::Client,
    family: &str,
    behavior: &str,
    check: Option<HealthCheck>,
) -> String {
    let log = LogConfiguration::builder()
        .log_driver(LogDriver::Awslogs)
        .options("awslogs-group", LOG_GROUP)
        .options("awslogs-region", "us-east-1")
        .options("awslogs-stream-prefix", "ecs")
        .build()
        .unwrap();
    let container = ContainerDefinition::builder()
        .name("backend")
        .image(format!(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-dev-backend:{behavior}"
        ))
        .essential(true)
        .cpu(256)
        .memory(512)
        .port_mappings(PortMapping::builder().container_port(8000).build())
        .docker_labels("ecs-sim.behavior", behavior)
        .set_health_check(check)
        .log_configuration(log)
        .build();
    let out = client
        .register_task_definition()
        .family(family)
        .network_mode(ecs::types::NetworkMode::Awsvpc)
        .requires_compatibilities(ecs::types::Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .container_definitions(container)
        .send()
        .await
        .unwrap();
    out.task_definition()
        .unwrap()
        .task_definition_arn()
        .unwrap()
        .to_owned()
}

/// Deployment configuration 200/100 with the circuit breaker (`rollback` as given).
pub fn deployment_config(rollback: bool) -> DeploymentConfiguration {
    DeploymentConfiguration::builder()
        .maximum_percent(200)
        .minimum_healthy_percent(100)
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(true)
                .rollback(rollback)
                .build(),
        )
        .build()
}

/// Create cluster `cluster` and a 2-task service `service` on `task_definition`, and
/// wait until its first deployment completes.
pub async fn stable_service(
    client: &ecs::Client,
    cluster: &str,
    service: &str,
    task_definition: &str,
    rollback: bool,
) -> Service {
    client
        .create_cluster()
        .cluster_name(cluster)
        .send()
        .await
        .unwrap();
    client
        .create_service()
        .cluster(cluster)
        .service_name(service)
        .task_definition(task_definition)
        .desired_count(2)
        .launch_type(ecs::types::LaunchType::Fargate)
        .deployment_configuration(deployment_config(rollback))
        .send()
        .await
        .unwrap();
    wait_service(
        client,
        cluster,
        service,
        "first deployment completes",
        |s| is_steady_on(s, task_definition),
    )
    .await
}

/// One deployment left, COMPLETED on `task_definition`, running == desired.
pub fn is_steady_on(s: &Service, task_definition: &str) -> bool {
    let deps = s.deployments();
    deps.len() == 1
        && deps[0].task_definition() == Some(task_definition)
        && deps[0].rollout_state() == Some(&ecs::types::DeploymentRolloutState::Completed)
        && s.running_count() == s.desired_count()
}

/// UpdateService to `task_definition`; the service in the answer.
pub async fn update_to(
    client: &ecs::Client,
    cluster: &str,
    service: &str,
    task_definition: &str,
) -> Service {
    client
        .update_service()
        .cluster(cluster)
        .service(service)
        .task_definition(task_definition)
        .send()
        .await
        .unwrap()
        .service
        .unwrap()
}

/// Describe one service.
pub async fn describe(client: &ecs::Client, cluster: &str, service: &str) -> Service {
    let out = client
        .describe_services()
        .cluster(cluster)
        .services(service)
        .send()
        .await
        .unwrap();
    out.services()[0].clone()
}

/// Poll the service every 25 ms (about 1.25 simulated seconds) until `done` holds; panics
/// after 20 real seconds.
pub async fn wait_service(
    client: &ecs::Client,
    cluster: &str,
    service: &str,
    what: &str,
    done: impl Fn(&Service) -> bool,
) -> Service {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = describe(client, cluster, service).await;
        if done(&s) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting until {what}: {s:#?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Event messages, newest first.
pub fn messages(s: &Service) -> Vec<String> {
    s.events()
        .iter()
        .filter_map(|e| e.message().map(str::to_owned))
        .collect()
}

/// Tasks of `cluster` started by deployment `id` with desired status `status`.
pub async fn tasks_of(
    client: &ecs::Client,
    cluster: &str,
    id: &str,
    status: ecs::types::DesiredStatus,
) -> Vec<ecs::types::Task> {
    let arns = client
        .list_tasks()
        .cluster(cluster)
        .started_by(id)
        .desired_status(status)
        .send()
        .await
        .unwrap()
        .task_arns()
        .to_vec();
    if arns.is_empty() {
        return Vec::new();
    }
    client
        .describe_tasks()
        .cluster(cluster)
        .set_tasks(Some(arns))
        .send()
        .await
        .unwrap()
        .tasks()
        .to_vec()
}
