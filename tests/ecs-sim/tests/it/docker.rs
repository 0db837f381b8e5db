//! `--runtime docker`: tasks are real containers pulled from a registry with ECR-style
//! auth (moto's token), health-checked by Docker, their output in CloudWatch Logs, their
//! load balancer target checked over HTTP, and nothing left once the simulator stops.
//!
//! Needs a Docker engine: without one these tests fail, unless
//! `PORTFOLIO_CI_NO_DOCKER=1` says to skip them.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_ecs as ecs;
use ecs::types::{
    ContainerDefinition, HealthCheck, LoadBalancer, LogConfiguration, LogDriver, PortMapping,
};
use ecs_sim::SimConfig;
use ecs_sim::plane::checks::{ChecksConfig, RegistryAccess};
use ecs_sim::plane::docker::{DockerConfig, DockerPlane};
use portfolio_testkit::Moto;
use portfolio_testkit::registry::Registry;

use crate::harness::{deployment_config, ecs_client, logs_client};

const SCALE: f64 = 20.0;
const CLUSTER: &str = "docker";
const TARGET_GROUP: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef";

/// Moto, a registry with moto's ECR token as password, and the busybox image pushed
/// to it as `HOST/app:v1` (absent from the engine, so a task must pull it).
struct World {
    moto: Moto,
    registry: Registry,
    image: String,
}

/// The world, or `None` when Docker is missing and `PORTFOLIO_CI_NO_DOCKER=1`.
async fn world() -> Option<World> {
    if let Err(why) = ecs_sim::plane::docker::cli::engine_available() {
        if std::env::var("PORTFOLIO_CI_NO_DOCKER").as_deref() == Ok("1") {
            eprintln!("skipped: no Docker engine ({why}) and PORTFOLIO_CI_NO_DOCKER=1");
            return None;
        }
        panic!(
            "these tests need a Docker engine and `docker info` failed: {why}\n\
             (set PORTFOLIO_CI_NO_DOCKER=1 to skip them on a machine without Docker)"
        );
    }
    let moto = Moto::start().expect("moto starts");
    let password = ecr_password(moto.endpoint()).await;
    let registry = Registry::start("AWS", &password).expect("registry starts");
    let image = format!("{}/app:v1", registry.host());
    let base = portfolio_testkit::base_image::docker().expect("busybox base image");
    let config = tempfile::tempdir().unwrap();
    let docker = |args: &[&str], input: Option<&str>| {
        let mut child = Command::new("docker")
            .args(args)
            .env("DOCKER_CONFIG", config.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.unwrap_or("").as_bytes()).unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let host = registry.host();
    docker(
        &["login", "-u", "AWS", "--password-stdin", &host],
        Some(&password),
    );
    docker(&["tag", &base, &image], None);
    docker(&["push", &image], None);
    docker(&["image", "rm", &image], None);
    Some(World {
        moto,
        registry,
        image,
    })
}

async fn ecr_password(endpoint: &str) -> String {
    use base64::Engine as _;
    let config = portfolio_testkit::sdk_config(endpoint).await;
    let token = aws_sdk_ecr::Client::new(&config)
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

fn docker_config(world: &World, path: &str) -> DockerConfig {
    DockerConfig {
        checks: ChecksConfig {
            registry: Some(RegistryAccess {
                host: world.registry.host(),
                insecure: true,
            }),
            aws_endpoint: Some(world.moto.endpoint().to_owned()),
        },
        target_health_path: path.to_owned(),
    }
}

/// A container `app` of `image` running `script` under `sh -c`, port 8000, awslogs
/// prefix `ecs`, with a container health check `health` (CMD-SHELL) when given.
async fn register(
    client: &ecs::Client,
    family: &str,
    image: &str,
    script: &str,
    health: Option<&str>,
) -> String {
    register_full(client, family, image, script, health, None).await
}

async fn register_full(
    client: &ecs::Client,
    family: &str,
    image: &str,
    script: &str,
    health: Option<&str>,
    memory: Option<i32>,
) -> String {
    let log = LogConfiguration::builder()
        .log_driver(LogDriver::Awslogs)
        .options("awslogs-group", "/ecs/docker")
        .options("awslogs-region", "us-east-1")
        .options("awslogs-stream-prefix", "ecs")
        .build()
        .unwrap();
    let mut container = ContainerDefinition::builder()
        .name("app")
        .image(image)
        .essential(true)
        .entry_point("sh")
        .entry_point("-c")
        .command(script)
        .stop_timeout(2)
        .port_mappings(PortMapping::builder().container_port(8000).build())
        .set_memory(memory)
        .log_configuration(log);
    if let Some(health) = health {
        container = container.health_check(
            HealthCheck::builder()
                .command("CMD-SHELL")
                .command(health)
                .interval(20)
                .timeout(20)
                .retries(3)
                .build()
                .unwrap(),
        );
    }
    client
        .register_task_definition()
        .family(family)
        .network_mode(ecs::types::NetworkMode::Awsvpc)
        .requires_compatibilities(ecs::types::Compatibility::Fargate)
        .cpu("256")
        .memory("512")
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

/// Like [`register`] (no health check), the container limited to `mib` MiB.
async fn register_with_memory(
    client: &ecs::Client,
    family: &str,
    image: &str,
    script: &str,
    mib: i32,
) -> String {
    register_full(client, family, image, script, None, Some(mib)).await
}

/// busybox httpd on 8000 serving /srv (an index page), with /srv/health when
/// `health_file`.
fn httpd(health_file: bool) -> String {
    let file = if health_file {
        "echo ok > /srv/health; "
    } else {
        ""
    };
    format!(
        "mkdir -p /srv; echo hello > /srv/index.html; {file}echo listening on 8000; exec httpd -f -p 8000 -h /srv"
    )
}

async fn create_service(client: &ecs::Client, name: &str, task_definition: &str) {
    client
        .create_service()
        .cluster(CLUSTER)
        .service_name(name)
        .task_definition(task_definition)
        .desired_count(1)
        .launch_type(ecs::types::LaunchType::Fargate)
        .deployment_configuration(deployment_config(false))
        .network_configuration(network())
        .load_balancers(
            LoadBalancer::builder()
                .target_group_arn(TARGET_GROUP)
                .container_name("app")
                .container_port(8000)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// Poll `probe` every 100 ms until it returns `Some`; panics after 90 s.
async fn until<T, F: Future<Output = Option<T>>>(what: &str, mut probe: impl FnMut() -> F) -> T {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn tasks(
    client: &ecs::Client,
    service: Option<&str>,
    status: ecs::types::DesiredStatus,
) -> Vec<ecs::types::Task> {
    let arns = client
        .list_tasks()
        .cluster(CLUSTER)
        .set_service_name(service.map(str::to_owned))
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
        .cluster(CLUSTER)
        .set_tasks(Some(arns))
        .send()
        .await
        .unwrap()
        .tasks()
        .to_vec()
}

/// An `ecs-sim` child sent SIGTERM and waited for when dropped.
struct TermOnDrop(std::process::Child);

impl TermOnDrop {
    /// SIGTERM, then its exit status.
    fn terminate(&mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.0.wait().unwrap()
    }
}

impl Drop for TermOnDrop {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = Command::new("kill")
                .args(["-TERM", &self.0.id().to_string()])
                .status();
            let _ = self.0.wait();
        }
    }
}

fn network() -> ecs::types::NetworkConfiguration {
    ecs::types::NetworkConfiguration::builder()
        .awsvpc_configuration(
            ecs::types::AwsVpcConfiguration::builder()
                .subnets("subnet-1")
                .build()
                .unwrap(),
        )
        .build()
}

fn task_id(task: &ecs::types::Task) -> String {
    task.task_arn()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

/// Lines of `docker ARGS...`.
fn docker_lines(args: &[&str]) -> Vec<String> {
    let out = Command::new("docker").args(args).output().unwrap();
    assert!(out.status.success(), "docker {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Containers and networks labelled `label`, and whether the engine still has `image`.
fn leftovers(label: &str, image: &str) -> (Vec<String>, Vec<String>, bool) {
    let filter = format!("label={label}");
    let containers = docker_lines(&["ps", "--all", "--quiet", "--filter", &filter]);
    let networks = docker_lines(&["network", "ls", "--quiet", "--filter", &filter]);
    let image_left = Command::new("docker")
        .args(["image", "inspect", image])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success();
    (containers, networks, image_left)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_runs_services_healthy_by_docker_checks_target_health_over_http_and_cleans_up() {
    let Some(world) = world().await else {
        return;
    };
    let plane = Arc::new(DockerPlane::new(docker_config(&world, "/health")).unwrap());
    let owner = format!("ecs-sim.owner={}", plane.owner());
    let sim = ecs_sim::start(SimConfig {
        time_scale: SCALE,
        seed: 5,
        plane: Some(plane.clone()),
        ..SimConfig::default()
    })
    .unwrap();
    let client = ecs_client(&sim.endpoint(), 3);
    client
        .create_cluster()
        .cluster_name(CLUSTER)
        .send()
        .await
        .unwrap();
    let probe = "wget -q -O /dev/null http://127.0.0.1:8000/ || exit 1";
    let web = register(&client, "web", &world.image, &httpd(true), Some(probe)).await;
    let broken = register(&client, "broken", &world.image, &httpd(false), Some(probe)).await;
    create_service(&client, "web", &web).await;
    create_service(&client, "broken", &broken).await;

    // Docker's own health check (busybox wget over HTTP) makes the task HEALTHY.
    let task = until("web's task is RUNNING and HEALTHY", || async {
        tasks(&client, Some("web"), ecs::types::DesiredStatus::Running)
            .await
            .into_iter()
            .find(|t| {
                t.last_status() == Some("RUNNING")
                    && t.health_status() == Some(&ecs::types::HealthStatus::Healthy)
            })
    })
    .await;
    let container = &task.containers()[0];
    assert_eq!(
        container.health_status(),
        Some(&ecs::types::HealthStatus::Healthy)
    );
    assert!(
        container
            .image_digest()
            .is_some_and(|d| d.starts_with("sha256:")),
        "{container:?}"
    );
    let id = task_id(&task);
    let running = docker_lines(&[
        "ps",
        "--quiet",
        "--filter",
        &format!("label=ecs-sim.task={id}"),
        "--filter",
        &format!("label={owner}"),
        "--filter",
        "health=healthy",
    ]);
    assert_eq!(running.len(), 1, "one healthy container for task {id}");

    // The target group's check (GET /health on the published port) fails with 404 for
    // the service whose container serves no /health: ECS replaces its task.
    let stopped = until("broken's task fails its ELB health checks", || async {
        tasks(&client, Some("broken"), ecs::types::DesiredStatus::Stopped)
            .await
            .into_iter()
            .find(|t| t.stopped_reason().is_some())
    })
    .await;
    assert_eq!(
        stopped.stopped_reason(),
        Some(format!("Task failed ELB health checks in (target-group {TARGET_GROUP})").as_str())
    );
    assert_eq!(
        stopped.stop_code(),
        Some(&ecs::types::TaskStopCode::ServiceSchedulerInitiated)
    );
    // web's target passes the same check: its task is still the one running.
    let web_tasks = tasks(&client, Some("web"), ecs::types::DesiredStatus::Stopped).await;
    assert!(web_tasks.is_empty(), "{web_tasks:#?}");

    drop(sim);
    let (containers, networks, image_left) = leftovers(&owner, &world.image);
    assert!(containers.is_empty(), "containers left: {containers:?}");
    assert!(networks.is_empty(), "networks left: {networks:?}");
    assert!(!image_left, "the pulled image {} is left", world.image);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_reports_a_real_exit_code_and_log_line_and_sweeps_on_sigterm() {
    let Some(world) = world().await else {
        return;
    };
    let child = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(["--runtime", "docker", "--time-scale", "20", "--registry"])
        .arg(world.registry.host())
        // Task ids differ from other runs' (labels name them).
        .arg("--seed")
        .arg(std::process::id().to_string())
        .arg("--aws-endpoint")
        .arg(world.moto.endpoint())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Stopped (SIGTERM: it removes its containers) if the test fails first.
    let mut child = TermOnDrop(child);
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let endpoint = line.trim().to_owned();
    let client = ecs_client(&endpoint, 3);
    client
        .create_cluster()
        .cluster_name(CLUSTER)
        .send()
        .await
        .unwrap();
    let crash = register(
        &client,
        "crash",
        &world.image,
        "echo 'fatal: DATABASE_URL is not set'; exit 3",
        None,
    )
    .await;
    let serve = register(&client, "serve", &world.image, &httpd(true), None).await;
    // Doubles a string until the 6 MiB limit kills it.
    let hog = register_with_memory(
        &client,
        "hog",
        &world.image,
        "x=a; while true; do x=\"$x$x\"; done",
        6,
    )
    .await;
    let run = |family: String| {
        let client = client.clone();
        async move {
            let out = client
                .run_task()
                .cluster(CLUSTER)
                .task_definition(family)
                .launch_type(ecs::types::LaunchType::Fargate)
                .network_configuration(network())
                .send()
                .await
                .unwrap();
            task_id(&out.tasks()[0])
        }
    };
    let crashed = run(crash).await;
    let serving = run(serve).await;
    let hogging = run(hog).await;

    let task = until("the crashing task is STOPPED", || async {
        tasks(&client, None, ecs::types::DesiredStatus::Stopped)
            .await
            .into_iter()
            .find(|t| task_id(t) == crashed && t.last_status() == Some("STOPPED"))
    })
    .await;
    assert_eq!(
        task.stop_code(),
        Some(&ecs::types::TaskStopCode::EssentialContainerExited)
    );
    assert_eq!(task.containers()[0].exit_code(), Some(3));
    let logs = logs_client(&endpoint);
    let stream = format!("ecs/app/{crashed}");
    let lines = until("the container's line is in CloudWatch Logs", || async {
        let events = logs
            .get_log_events()
            .log_group_name("/ecs/docker")
            .log_stream_name(&stream)
            .start_from_head(true)
            .send()
            .await
            .ok()?;
        let lines: Vec<String> = events
            .events()
            .iter()
            .filter_map(|e| e.message().map(str::to_owned))
            .collect();
        (!lines.is_empty()).then_some(lines)
    })
    .await;
    assert_eq!(lines, ["fatal: DATABASE_URL is not set"]);

    let task = until("the hogging task is STOPPED", || async {
        tasks(&client, None, ecs::types::DesiredStatus::Stopped)
            .await
            .into_iter()
            .find(|t| task_id(t) == hogging && t.last_status() == Some("STOPPED"))
    })
    .await;
    let container = &task.containers()[0];
    assert_eq!(
        (container.exit_code(), container.reason()),
        (
            Some(137),
            Some("OutOfMemoryError: Container killed due to memory usage")
        )
    );

    until("the serving task runs in Docker", || async {
        let label = format!("label=ecs-sim.task={serving}");
        (docker_lines(&["ps", "--quiet", "--filter", &label]).len() == 1).then_some(())
    })
    .await;
    let exit = child.terminate();
    assert!(exit.success(), "{exit:?}");
    for id in [crashed, serving, hogging] {
        let (containers, networks, _) = leftovers(&format!("ecs-sim.task={id}"), &world.image);
        assert!(
            containers.is_empty(),
            "containers of {id} left: {containers:?}"
        );
        assert!(networks.is_empty(), "networks of {id} left: {networks:?}");
    }
    let (_, _, image_left) = leftovers("ecs-sim.task", &world.image);
    assert!(!image_left, "the pulled image {} is left", world.image);
}
