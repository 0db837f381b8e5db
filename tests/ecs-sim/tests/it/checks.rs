//! Images and secrets checked for real (`plane::checks`): moto for ECR's token, SSM and
//! Secrets Manager, Debian's `docker-registry` with moto's token as password. A task whose
//! image or secret cannot be had stops with `TaskFailedToStart` and ECS's text; a task
//! whose image resolves reports the registry's digest.

use std::sync::Arc;

use aws_sdk_ecs as ecs;
use ecs::types::{
    ContainerDefinition, DeploymentRolloutState, DesiredStatus, Secret, Task, TaskStopCode,
};
use ecs_sim::RunningSim;
use ecs_sim::plane::LaunchOrder;
use ecs_sim::plane::checks::{Checks, ChecksConfig, ChecksPlane, Prepared, RegistryAccess};
use portfolio_testkit::moto::Moto;
use portfolio_testkit::registry::Registry;
use serde_json::json;

use crate::harness::{
    SCALE, deployment_config, ecs_client, is_steady_on, sim_with, tasks_of, wait_service,
};

/// ECR's host in the task definitions: the registry stands in for it.
const ECR: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

/// moto, the registry (user `AWS`, moto's ECR token) and a simulator checking against both.
struct Checked {
    moto: Moto,
    registry: Registry,
    password: String,
    /// Serves while the test runs.
    _sim: RunningSim,
    ecs: ecs::Client,
}

impl Checked {
    async fn start() -> Self {
        let moto = Moto::start().expect("moto starts");
        let password = ecr_password(moto.endpoint()).await;
        let registry = Registry::start("AWS", &password).expect("registry starts");
        let sim = sim_with(ecs_sim::SimConfig {
            time_scale: SCALE,
            seed: 7,
            plane: Some(Arc::new(ChecksPlane::new(checks(&moto, &registry)))),
            ..ecs_sim::SimConfig::default()
        });
        let ecs = ecs_client(&sim.endpoint(), 3);
        Self {
            moto,
            registry,
            password,
            _sim: sim,
            ecs,
        }
    }

    fn push(&self, repository: &str, tag: &str) -> String {
        self.registry
            .push_minimal_image(repository, tag, tag, "AWS", &self.password)
            .expect("image pushed")
    }

    async fn sdk(&self) -> aws_config::SdkConfig {
        portfolio_testkit::sdk_config(self.moto.endpoint()).await
    }

    /// Register `family` with one container `app` on `image` reading `secrets`
    /// (`(variable, valueFrom)`); its ARN.
    async fn register(&self, family: &str, image: &str, secrets: &[(&str, &str)]) -> String {
        let mut container = ContainerDefinition::builder()
            .name("app")
            .image(image)
            .essential(true)
            .docker_labels("ecs-sim.behavior", "healthy");
        for (name, value_from) in secrets {
            container = container.secrets(
                Secret::builder()
                    .name(*name)
                    .value_from(*value_from)
                    .build()
                    .unwrap(),
            );
        }
        self.ecs
            .register_task_definition()
            .family(family)
            .network_mode(ecs::types::NetworkMode::Awsvpc)
            .requires_compatibilities(ecs::types::Compatibility::Fargate)
            .cpu("256")
            .memory("512")
            .execution_role_arn("arn:aws:iam::123456789012:role/ecsTaskExecutionRole")
            .container_definitions(container.build())
            .send()
            .await
            .unwrap()
            .task_definition()
            .unwrap()
            .task_definition_arn()
            .unwrap()
            .to_owned()
    }

    /// Create cluster `cluster` and a 2-task service `app` on `definition` (breaker
    /// without rollback).
    async fn service(&self, cluster: &str, definition: &str) {
        self.ecs
            .create_cluster()
            .cluster_name(cluster)
            .send()
            .await
            .unwrap();
        self.ecs
            .create_service()
            .cluster(cluster)
            .service_name("app")
            .task_definition(definition)
            .desired_count(2)
            .launch_type(ecs::types::LaunchType::Fargate)
            .deployment_configuration(deployment_config(false))
            .send()
            .await
            .unwrap();
    }

    /// The first task of the service's deployment that stopped: it must have failed to start.
    async fn first_failure(&self, cluster: &str) -> Task {
        let service = wait_service(&self.ecs, cluster, "app", "a task stopped", |s| {
            s.deployments().iter().any(|d| d.failed_tasks() > 0)
        })
        .await;
        let id = service.deployments()[0].id().unwrap().to_owned();
        let stopped = tasks_of(&self.ecs, cluster, &id, DesiredStatus::Stopped).await;
        let task = stopped.into_iter().next().expect("a stopped task");
        assert_eq!(task.stop_code(), Some(&TaskStopCode::TaskFailedToStart));
        task
    }
}

fn checks(moto: &Moto, registry: &Registry) -> Checks {
    Checks::new(ChecksConfig {
        registry: Some(RegistryAccess::inferred(&registry.host())),
        aws_endpoint: Some(moto.endpoint().to_owned()),
    })
    .unwrap()
}

/// moto's ECR password, as `aws ecr get-login-password` gives it.
async fn ecr_password(endpoint: &str) -> String {
    use base64::Engine as _;
    let sdk = portfolio_testkit::sdk_config(endpoint).await;
    let token = aws_sdk_ecr::Client::new(&sdk)
        .get_authorization_token()
        .send()
        .await
        .unwrap();
    let token = token.authorization_data()[0].authorization_token().unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token)
        .unwrap();
    String::from_utf8(decoded)
        .unwrap()
        .strip_prefix("AWS:")
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_missing_image_cannot_be_pulled_and_trips_the_breaker() {
    let c = Checked::start().await;
    let image = format!("{}/app:missing", c.registry.host());
    let definition = c.register("app", &image, &[]).await;
    c.service("pull", &definition).await;

    let task = c.first_failure("pull").await;
    let reason = format!(
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): \
         failed to resolve ref {image}: {image}: not found"
    );
    assert_eq!(task.stopped_reason(), Some(reason.as_str()));
    assert_eq!(task.containers()[0].reason(), Some(reason.as_str()));
    assert_eq!(task.containers()[0].image_digest(), None);

    let failed = wait_service(&c.ecs, "pull", "app", "the breaker trips", |s| {
        s.deployments()[0].rollout_state() == Some(&DeploymentRolloutState::Failed)
    })
    .await;
    let deployment = &failed.deployments()[0];
    assert_eq!(deployment.failed_tasks(), 3, "{deployment:?}");
    assert_eq!(
        deployment.rollout_state_reason(),
        Some("ECS deployment circuit breaker: tasks failed to start.")
    );
}

#[tokio::test]
async fn a_pushed_image_runs_with_the_registrys_digest() {
    let c = Checked::start().await;
    let digest = c.push("portfolio-dev-backend", "v1");
    // An ECR name resolves in the registry that stands in for ECR.
    let definition = c
        .register("app", &format!("{ECR}/portfolio-dev-backend:v1"), &[])
        .await;
    c.service("pushed", &definition).await;

    let steady = wait_service(&c.ecs, "pushed", "app", "the deployment completes", |s| {
        is_steady_on(s, &definition)
    })
    .await;
    let id = steady.deployments()[0].id().unwrap().to_owned();
    let running = tasks_of(&c.ecs, "pushed", &id, DesiredStatus::Running).await;
    assert_eq!(running.len(), 2);
    for task in &running {
        assert_eq!(task.containers()[0].image_digest(), Some(digest.as_str()));
    }
}

#[tokio::test]
async fn a_missing_ssm_parameter_fails_with_resource_initialization_error() {
    let c = Checked::start().await;
    c.push("app", "v1");
    let image = format!("{}/app:v1", c.registry.host());
    let definition = c
        .register("app", &image, &[("DB_PASSWORD", "/portfolio/dev/missing")])
        .await;
    c.service("ssm", &definition).await;

    let task = c.first_failure("ssm").await;
    assert_eq!(
        task.stopped_reason(),
        Some(
            "ResourceInitializationError: unable to pull secrets or registry auth: \
             execution resource retrieval failed: unable to retrieve secrets from ssm: \
             invalid parameters: /portfolio/dev/missing"
        )
    );
}

#[tokio::test]
async fn a_missing_secrets_manager_secret_fails_with_resource_initialization_error() {
    let c = Checked::start().await;
    c.push("app", "v1");
    let image = format!("{}/app:v1", c.registry.host());
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:portfolio/missing-AbCdEf";
    let definition = c
        .register("app", &image, &[("API_KEY", &format!("{arn}:key::"))])
        .await;
    c.service("asm", &definition).await;

    let task = c.first_failure("asm").await;
    let reason = task.stopped_reason().unwrap();
    let expected = format!(
        "ResourceInitializationError: unable to pull secrets or registry auth: \
         execution resource retrieval failed: unable to retrieve secret from asm: \
         service call has been retried 1 time(s): failed to fetch secret {arn} from \
         secrets manager: ResourceNotFoundException: "
    );
    assert!(reason.starts_with(&expected), "{reason}");
}

#[tokio::test]
async fn existing_secrets_are_read_and_the_task_runs() {
    let c = Checked::start().await;
    c.push("app", "v1");
    let sdk = c.sdk().await;
    aws_sdk_ssm::Client::new(&sdk)
        .put_parameter()
        .name("/portfolio/dev/db")
        .value("s3cret")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let secret = aws_sdk_secretsmanager::Client::new(&sdk)
        .create_secret()
        .name("portfolio/dev/api")
        .secret_string(r#"{"key":"k-123","other":"x"}"#)
        .send()
        .await
        .unwrap();
    let arn = secret.arn().unwrap().to_owned();
    let image = format!("{}/app:v1", c.registry.host());
    let secrets = [
        ("DB_PASSWORD", "/portfolio/dev/db".to_owned()),
        (
            "DB_PASSWORD_BY_ARN",
            "arn:aws:ssm:us-east-1:123456789012:parameter/portfolio/dev/db".to_owned(),
        ),
        ("API_KEY", format!("{arn}:key::")),
        ("API_JSON", arn.clone()),
    ];
    let pairs: Vec<(&str, &str)> = secrets.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let definition = c.register("app", &image, &pairs).await;

    // What the checks hand a data plane that runs containers.
    let described = c
        .ecs
        .describe_task_definition()
        .task_definition(&definition)
        .send()
        .await
        .unwrap();
    let containers: Vec<serde_json::Value> = described
        .task_definition()
        .unwrap()
        .container_definitions()
        .iter()
        .map(|d| {
            json!({
                "name": d.name(),
                "image": d.image(),
                "secrets": d.secrets().iter().map(|s| json!({"name": s.name(), "valueFrom": s.value_from()})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let order = LaunchOrder {
        cluster: "direct".into(),
        task: "0".repeat(32),
        task_arn: "arn:aws:ecs:us-east-1:123456789012:task/direct/0".into(),
        region: "us-east-1".into(),
        definition: json!({ "containerDefinitions": containers }),
        container_overrides: Vec::new(),
        log_streams: Vec::new(),
        load_balancers: Vec::new(),
        time_scale: 1.0,
    };
    let prepared = checks(&c.moto, &c.registry).prepare(&order).await.unwrap();
    let Prepared {
        digests,
        mut secrets,
        registry_auth,
    } = prepared;
    secrets.sort();
    let app = |v: &str, value: &str| ("app".to_owned(), v.to_owned(), value.to_owned());
    assert_eq!(
        secrets,
        vec![
            app("API_JSON", r#"{"key":"k-123","other":"x"}"#),
            app("API_KEY", "k-123"),
            app("DB_PASSWORD", "s3cret"),
            app("DB_PASSWORD_BY_ARN", "s3cret"),
        ]
    );
    assert_eq!(registry_auth, Some(("AWS".to_owned(), c.password.clone())));
    assert_eq!(digests.len(), 1);

    c.service("secrets", &definition).await;
    wait_service(&c.ecs, "secrets", "app", "the deployment completes", |s| {
        is_steady_on(s, &definition)
    })
    .await;
}

#[tokio::test]
async fn the_registry_refuses_a_pull_without_ecrs_token() {
    let c = Checked::start().await;
    c.push("app", "v1");
    let image = format!("{}/app:v1", c.registry.host());
    let order = LaunchOrder {
        cluster: "direct".into(),
        task: "0".repeat(32),
        task_arn: "arn:aws:ecs:us-east-1:123456789012:task/direct/0".into(),
        region: "us-east-1".into(),
        definition: json!({ "containerDefinitions": [{ "name": "app", "image": image }] }),
        container_overrides: Vec::new(),
        log_streams: Vec::new(),
        load_balancers: Vec::new(),
        time_scale: 1.0,
    };
    // No AWS endpoint: no token, so the registry answers 401.
    let anonymous = Checks::new(ChecksConfig {
        registry: Some(RegistryAccess::inferred(&c.registry.host())),
        aws_endpoint: None,
    })
    .unwrap();
    let failure = anonymous.prepare(&order).await.unwrap_err();
    assert_eq!(failure.container.as_deref(), Some("app"));
    assert_eq!(
        failure.reason,
        format!(
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): \
             failed to resolve ref {image}: pulling from host {} failed with status code \
             [manifests v1]: 401 Unauthorized",
            c.registry.host()
        )
    );
    // An image on a host nothing here can reach fails as it would without a route.
    let elsewhere = LaunchOrder {
        definition: json!({ "containerDefinitions": [{ "name": "app", "image": "nginx:1.27" }] }),
        ..order
    };
    let failure = checks(&c.moto, &c.registry)
        .prepare(&elsewhere)
        .await
        .unwrap_err();
    assert_eq!(
        failure.reason,
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): \
         failed to resolve ref docker.io/library/nginx:1.27: failed to do request: \
         Head \"https://registry-1.docker.io/v2/library/nginx/manifests/1.27\": \
         dial tcp: lookup registry-1.docker.io: no such host"
    );
}

#[test]
fn flags_select_the_checks() {
    use clap::Parser as _;
    use ecs_sim::cli::Cli;
    let parse = |args: &[&str]| {
        Cli::try_parse_from(std::iter::once("ecs-sim").chain(args.iter().copied()))
            .unwrap()
            .checks_config()
    };
    assert_eq!(parse(&[]), None);
    assert_eq!(
        parse(&[
            "--registry",
            "127.0.0.1:5000",
            "--aws-endpoint",
            "http://127.0.0.1:5001"
        ]),
        Some(ChecksConfig {
            registry: Some(RegistryAccess {
                host: "127.0.0.1:5000".into(),
                insecure: true,
            }),
            aws_endpoint: Some("http://127.0.0.1:5001".into()),
        })
    );
    let remote = parse(&["--registry", "registry.internal:443", "--registry-insecure"]);
    assert_eq!(
        remote.and_then(|c| c.registry).map(|r| r.insecure),
        Some(true)
    );
    assert_eq!(
        parse(&["--registry", "registry.internal:443"])
            .and_then(|c| c.registry)
            .map(|r| r.insecure),
        Some(false)
    );
    assert!(Cli::try_parse_from(["ecs-sim", "--registry-insecure"]).is_err());
}
