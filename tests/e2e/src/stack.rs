//! The local AWS stand-ins, started together on loopback: moto_server (ECR,
//! STS, S3, CloudWatch Logs), the distribution registry behind ECR's login
//! (user `AWS`, moto's ECR token as password), and ecs-sim for ECS and the
//! logs of its tasks. Everything stops when [`LocalAws`] drops.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_ecs::types::{
    AwsVpcConfiguration, ContainerDefinition, DeploymentCircuitBreaker, DeploymentConfiguration,
    LaunchType, NetworkConfiguration, NetworkMode, PortMapping,
};
use ecs_sim::plane::DataPlane;
use ecs_sim::plane::checks::{Checks, ChecksConfig, ChecksPlane, RegistryAccess};
use ecs_sim::plane::docker::{DockerConfig, DockerPlane};
use ecs_sim::{RunningSim, SimConfig};
use portfolio_testkit::registry::Registry;
use portfolio_testkit::{Moto, TestkitError};

/// A stand-in could not be started or prepared.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// moto_server or the registry did not start.
    #[error(transparent)]
    Testkit(#[from] TestkitError),
    /// ecs-sim did not start.
    #[error("ecs-sim: {0}")]
    Sim(#[from] ecs_sim::Error),
    /// An AWS call against a stand-in failed.
    #[error("{call}: {message}")]
    Aws {
        /// The call.
        call: &'static str,
        /// The SDK's error, rendered.
        message: String,
    },
    /// Local I/O (the async runtime, a request to moto) failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn aws<E: std::error::Error>(call: &'static str) -> impl FnOnce(E) -> StackError {
    move |err| StackError::Aws {
        call,
        message: aws_sdk_ecs::error::DisplayErrorContext(err).to_string(),
    }
}

/// One ECS service to create in ecs-sim before a deploy (Terraform's job in
/// the real world).
#[derive(Debug, Clone)]
pub struct ServiceSpec<'a> {
    /// Cluster name.
    pub cluster: &'a str,
    /// Service name.
    pub service: &'a str,
    /// Task definition family.
    pub family: &'a str,
    /// Container name.
    pub container: &'a str,
    /// The image the service starts with.
    pub image: &'a str,
    /// Container port.
    pub port: i32,
    /// Desired count.
    pub desired: i32,
}

/// Every stand-in, running.
pub struct LocalAws {
    moto: Moto,
    registry: Registry,
    sim: RunningSim,
    password: String,
    runtime: tokio::runtime::Runtime,
    docker: bool,
}

impl LocalAws {
    /// Starts moto, the registry (with moto's ECR token as its password)
    /// and ecs-sim running `time_scale` times faster than real time, with
    /// ECS's data plane as close to real as this machine allows: every task
    /// is a real container in the Docker engine (`--runtime docker`), its
    /// image pulled from the registry with ECR's token, its secrets read
    /// from moto, its health check run by Docker.
    ///
    /// Without a Docker engine this fails, unless `PORTFOLIO_CI_NO_DOCKER=1`
    /// asks for the simulated runtime (tasks follow their behaviour label;
    /// images and secrets are still checked).
    pub fn start(time_scale: f64) -> Result<LocalAws, StackError> {
        let docker = match ecs_sim::plane::docker::cli::engine_available() {
            Ok(()) => true,
            Err(_) if std::env::var("PORTFOLIO_CI_NO_DOCKER").as_deref() == Ok("1") => false,
            Err(why) => {
                return Err(StackError::Sim(ecs_sim::Error::Config(format!(
                    "the local stand-ins run tasks in Docker and `docker info` failed: {why} \
                     (set PORTFOLIO_CI_NO_DOCKER=1 for the simulated runtime)"
                ))));
            }
        };
        Self::start_with(time_scale, docker)
    }

    fn start_with(time_scale: f64, docker: bool) -> Result<LocalAws, StackError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let moto = Moto::start()?;
        let config = runtime.block_on(portfolio_testkit::sdk_config(moto.endpoint()));
        let ecr = aws_sdk_ecr::Client::new(&config);
        let token = runtime
            .block_on(ecr.get_authorization_token().send())
            .map_err(aws("ecr:GetAuthorizationToken"))?;
        let password = token
            .authorization_data()
            .first()
            .and_then(|data| data.authorization_token())
            .and_then(decode_token)
            .ok_or_else(|| StackError::Aws {
                call: "ecr:GetAuthorizationToken",
                message: "no usable authorization token in the answer".to_owned(),
            })?;
        let registry = Registry::start("AWS", &password)?;
        let checks = ChecksConfig {
            registry: Some(RegistryAccess::inferred(&registry.host())),
            aws_endpoint: Some(moto.endpoint().to_owned()),
        };
        let plane: Arc<dyn DataPlane> = if docker {
            Arc::new(DockerPlane::new(DockerConfig {
                checks,
                ..DockerConfig::default()
            })?)
        } else {
            Arc::new(ChecksPlane::new(Checks::new(checks)?))
        };
        let sim = ecs_sim::start(SimConfig {
            time_scale,
            plane: Some(plane),
            ..SimConfig::default()
        })?;
        Ok(LocalAws {
            moto,
            registry,
            sim,
            password,
            runtime,
            docker,
        })
    }

    /// Whether tasks run as real containers (the Docker runtime).
    pub fn runs_containers(&self) -> bool {
        self.docker
    }

    /// Pushes `repository:tag` to the registry as an image a service can
    /// start with before its first release (what Terraform's bootstrap task
    /// definition names): the busybox base image serving HTTP on 8080, so
    /// that it runs under the Docker runtime; an image with no layers when
    /// tasks are simulated. Returns its reference.
    pub fn bootstrap_image(&self, repository: &str, tag: &str) -> Result<String, StackError> {
        let reference = format!("{}/{repository}:{tag}", self.registry.host());
        if !self.docker {
            self.registry.push_minimal_image(
                repository,
                tag,
                "bootstrap",
                "AWS",
                &self.password,
            )?;
            return Ok(reference);
        }
        let base = portfolio_testkit::base_image::docker()?;
        let config = tempfile::tempdir()?;
        let dockerfile = format!("FROM {base}\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\"]\n");
        let host = self.registry.host();
        let steps: [(&[&str], &str); 4] = [
            (&["build", "-q", "-t", &reference, "-"], &dockerfile),
            (
                &["login", "-u", "AWS", "--password-stdin", &host],
                &self.password,
            ),
            (&["push", "-q", &reference], ""),
            (&["rmi", &reference], ""),
        ];
        for (args, input) in steps {
            docker(config.path(), args, input)?;
        }
        Ok(reference)
    }

    /// moto's endpoint.
    pub fn moto_endpoint(&self) -> &str {
        self.moto.endpoint()
    }

    /// ecs-sim's endpoint.
    pub fn ecs_endpoint(&self) -> String {
        self.sim.endpoint()
    }

    /// The registry's `HOST:PORT`.
    pub fn registry_host(&self) -> String {
        self.registry.host()
    }

    /// The registry password (moto's ECR token), for checks in tests only.
    pub fn registry_password(&self) -> &str {
        &self.password
    }

    /// Environment for the tools: AWS pointed at moto, ECS and CloudWatch
    /// Logs at ecs-sim, images to the local registry over plain HTTP.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = self.moto.env();
        env.push(("AWS_ENDPOINT_URL_ECS", self.sim.endpoint()));
        env.push(("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", self.sim.endpoint()));
        env.push(("PORTFOLIO_CI_REGISTRY", self.registry.host()));
        env.push(("PORTFOLIO_CI_INSECURE_REGISTRY", "true".to_owned()));
        env
    }

    /// Creates the cluster (if missing), the first task definition and the
    /// service, as Terraform would, and waits until its first deployment
    /// has reached a steady state.
    pub fn create_service(&self, spec: &ServiceSpec<'_>) -> Result<(), StackError> {
        self.runtime.block_on(async {
            let config = self.ecs_config().await;
            let ecs = aws_sdk_ecs::Client::from_conf(config);
            ecs.create_cluster()
                .cluster_name(spec.cluster)
                .send()
                .await
                .map_err(aws("ecs:CreateCluster"))?;
            let container = ContainerDefinition::builder()
                .name(spec.container)
                .image(spec.image)
                .essential(true)
                .port_mappings(PortMapping::builder().container_port(spec.port).build())
                .build();
            let registered = ecs
                .register_task_definition()
                .family(spec.family)
                .network_mode(NetworkMode::Awsvpc)
                .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
                .cpu("256")
                .memory("512")
                .container_definitions(container)
                .send()
                .await
                .map_err(aws("ecs:RegisterTaskDefinition"))?;
            let arn = registered
                .task_definition()
                .and_then(|td| td.task_definition_arn())
                .unwrap_or(spec.family)
                .to_owned();
            let network = NetworkConfiguration::builder()
                .awsvpc_configuration(
                    AwsVpcConfiguration::builder()
                        .subnets("subnet-0a1b2c3d")
                        .build()
                        .map_err(aws("AwsVpcConfiguration"))?,
                )
                .build();
            let deployment = DeploymentConfiguration::builder()
                .maximum_percent(200)
                .minimum_healthy_percent(100)
                .deployment_circuit_breaker(
                    DeploymentCircuitBreaker::builder()
                        .enable(true)
                        .rollback(true)
                        .build(),
                )
                .build();
            ecs.create_service()
                .cluster(spec.cluster)
                .service_name(spec.service)
                .task_definition(arn)
                .desired_count(spec.desired)
                .launch_type(LaunchType::Fargate)
                .network_configuration(network)
                .deployment_configuration(deployment)
                .send()
                .await
                .map_err(aws("ecs:CreateService"))?;
            self.wait_steady(&ecs, spec).await
        })
    }

    async fn wait_steady(
        &self,
        ecs: &aws_sdk_ecs::Client,
        spec: &ServiceSpec<'_>,
    ) -> Result<(), StackError> {
        // Simulated minutes, at most; polled in real time.
        let deadline = std::time::Instant::now()
            + Duration::from_secs_f64(600.0 / self.sim.time_scale()).max(Duration::from_secs(5));
        while std::time::Instant::now() < deadline {
            let described = ecs
                .describe_services()
                .cluster(spec.cluster)
                .services(spec.service)
                .send()
                .await
                .map_err(aws("ecs:DescribeServices"))?;
            let steady = described.services().first().is_some_and(|s| {
                s.deployments().len() == 1 && s.running_count() == s.desired_count()
            });
            if steady {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(StackError::Aws {
            call: "ecs:DescribeServices",
            message: format!("{} never reached a steady state", spec.service),
        })
    }

    /// The registered task definition `arn`, as ECS describes it.
    pub fn task_definition(
        &self,
        arn: &str,
    ) -> Result<aws_sdk_ecs::types::TaskDefinition, StackError> {
        self.runtime.block_on(async {
            let ecs = aws_sdk_ecs::Client::from_conf(self.ecs_config().await);
            let out = ecs
                .describe_task_definition()
                .task_definition(arn)
                .send()
                .await
                .map_err(aws("ecs:DescribeTaskDefinition"))?;
            out.task_definition.ok_or(StackError::Aws {
                call: "ecs:DescribeTaskDefinition",
                message: format!("{arn}: no task definition in the answer"),
            })
        })
    }

    /// The image of the first container of every task `service` of
    /// `cluster` runs now (ListTasks, DescribeTasks, DescribeTaskDefinition).
    pub fn running_images(&self, cluster: &str, service: &str) -> Result<Vec<String>, StackError> {
        self.runtime.block_on(async {
            let ecs = aws_sdk_ecs::Client::from_conf(self.ecs_config().await);
            let listed = ecs
                .list_tasks()
                .cluster(cluster)
                .service_name(service)
                .desired_status(aws_sdk_ecs::types::DesiredStatus::Running)
                .send()
                .await
                .map_err(aws("ecs:ListTasks"))?;
            if listed.task_arns().is_empty() {
                return Ok(Vec::new());
            }
            let tasks = ecs
                .describe_tasks()
                .cluster(cluster)
                .set_tasks(Some(listed.task_arns().to_vec()))
                .send()
                .await
                .map_err(aws("ecs:DescribeTasks"))?;
            let mut images = Vec::new();
            for task in tasks.tasks() {
                let arn = task.task_definition_arn().unwrap_or_default();
                let definition = ecs
                    .describe_task_definition()
                    .task_definition(arn)
                    .send()
                    .await
                    .map_err(aws("ecs:DescribeTaskDefinition"))?;
                images.extend(
                    definition
                        .task_definition()
                        .and_then(|d| d.container_definitions().first())
                        .and_then(|c| c.image())
                        .map(str::to_owned),
                );
            }
            Ok(images)
        })
    }

    /// What an HTTP GET of `path` on `port` of every RUNNING task of
    /// `service` answers, through the port the Docker runtime published on
    /// loopback: `(task id, address, status, body)`. Empty when tasks are
    /// simulated (nothing listens).
    pub fn ask_tasks(
        &self,
        cluster: &str,
        service: &str,
        port: u16,
        path: &str,
    ) -> Result<Vec<(String, String, u16, String)>, StackError> {
        if !self.docker {
            return Ok(Vec::new());
        }
        self.runtime.block_on(async {
            let ecs = aws_sdk_ecs::Client::from_conf(self.ecs_config().await);
            let listed = ecs
                .list_tasks()
                .cluster(cluster)
                .service_name(service)
                .desired_status(aws_sdk_ecs::types::DesiredStatus::Running)
                .send()
                .await
                .map_err(aws("ecs:ListTasks"))?;
            let mut answers = Vec::new();
            for arn in listed.task_arns() {
                let id = arn.rsplit('/').next().unwrap_or(arn).to_owned();
                let label = format!("label={}={id}", ecs_sim::plane::docker::TASK_LABEL);
                let containers = docker_output(&["ps", "-q", "--filter", &label])?;
                for container in containers.lines() {
                    let published = docker_output(&["port", container, &format!("{port}/tcp")])?;
                    let Some(addr) = published.lines().find(|a| a.starts_with("127.0.0.1:")) else {
                        continue;
                    };
                    let response = reqwest::get(format!("http://{addr}{path}"))
                        .await
                        .map_err(|e| StackError::Io(std::io::Error::other(e)))?;
                    let status = response.status().as_u16();
                    let body = response.text().await.unwrap_or_default();
                    answers.push((id.clone(), addr.to_owned(), status, body));
                }
            }
            Ok(answers)
        })
    }

    async fn ecs_config(&self) -> aws_sdk_ecs::Config {
        let shared = portfolio_testkit::sdk_config(&self.sim.endpoint()).await;
        aws_sdk_ecs::Config::from(&shared)
    }
}

/// Runs `docker ARGS` with its own client configuration `config` (so a
/// login stays private), `input` on stdin.
fn docker(config: &std::path::Path, args: &[&str], input: &str) -> Result<(), StackError> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new("docker")
        .args(args)
        .env("DOCKER_CONFIG", config)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    if out.status.success() {
        return Ok(());
    }
    Err(StackError::Io(std::io::Error::other(format!(
        "docker {}: {}",
        args.first().copied().unwrap_or_default(),
        String::from_utf8_lossy(&out.stderr).trim()
    ))))
}

/// What `docker ARGS` prints on stdout.
fn docker_output(args: &[&str]) -> Result<String, StackError> {
    let out = std::process::Command::new("docker").args(args).output()?;
    if !out.status.success() {
        return Err(StackError::Io(std::io::Error::other(format!(
            "docker {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `base64("AWS:<password>")` -> the password.
fn decode_token(token: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix("AWS:").map(str::to_owned)
}

impl LocalAws {
    /// Creates an ECR repository in moto the way the spec's Terraform does
    /// (scan on push, AES256).
    pub fn create_repository(&self, name: &str) -> Result<(), StackError> {
        self.runtime.block_on(async {
            let config = portfolio_testkit::sdk_config(self.moto.endpoint()).await;
            let ecr = aws_sdk_ecr::Client::new(&config);
            ecr.create_repository()
                .repository_name(name)
                .image_scanning_configuration(
                    aws_sdk_ecr::types::ImageScanningConfiguration::builder()
                        .scan_on_push(true)
                        .build(),
                )
                .encryption_configuration(
                    aws_sdk_ecr::types::EncryptionConfiguration::builder()
                        .encryption_type(aws_sdk_ecr::types::EncryptionType::Aes256)
                        .build()
                        .map_err(aws("EncryptionConfiguration"))?,
                )
                .send()
                .await
                .map_err(aws("ecr:CreateRepository"))?;
            Ok(())
        })
    }

    /// Creates the S3 bucket that holds Terraform state.
    pub fn create_state_bucket(&self, bucket: &str) -> Result<(), StackError> {
        Ok(portfolio_testkit::terraform::create_bucket(
            self.moto.endpoint(),
            bucket,
        )?)
    }
}

impl LocalAws {
    /// Records images in moto's ECR (PutImage), as ECR's API would list
    /// what was pushed: one distinct manifest per entry, with its tags
    /// (an empty list makes an untagged image). moto keeps the image API
    /// apart from the registry, so the demo mirrors its pushes here.
    pub fn put_images(&self, repository: &str, images: &[Vec<String>]) -> Result<(), StackError> {
        self.runtime.block_on(async {
            let config = portfolio_testkit::sdk_config(self.moto.endpoint()).await;
            let ecr = aws_sdk_ecr::Client::new(&config);
            for (n, tags) in images.iter().enumerate() {
                let manifest = manifest_for(repository, n, tags);
                let mut tag_iter = tags.iter();
                let first = ecr
                    .put_image()
                    .repository_name(repository)
                    .image_manifest(&manifest)
                    .set_image_tag(tag_iter.next().cloned())
                    .send()
                    .await
                    .map_err(aws("ecr:PutImage"))?;
                drop(first);
                for tag in tag_iter {
                    ecr.put_image()
                        .repository_name(repository)
                        .image_manifest(&manifest)
                        .image_tag(tag)
                        .send()
                        .await
                        .map_err(aws("ecr:PutImage"))?;
                }
            }
            Ok(())
        })
    }
}

impl LocalAws {
    /// Makes moto's ECR hold the image `repository:reference` of the
    /// registry under its manifest digest (PutImage with the served
    /// manifest), as ECR would after a push, so that ECR's scan API knows
    /// it. Returns the digest.
    pub fn mirror_to_ecr(&self, repository: &str, reference: &str) -> Result<String, StackError> {
        use sha2::Digest as _;
        let (media_type, manifest) = self
            .registry
            .manifest(repository, reference, "AWS", &self.password)?
            .ok_or_else(|| StackError::Aws {
                call: "registry GET manifest",
                message: format!("{repository}:{reference} is not in the registry"),
            })?;
        let digest = format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(manifest.as_bytes()))
        );
        self.runtime.block_on(async {
            let config = portfolio_testkit::sdk_config(self.moto.endpoint()).await;
            aws_sdk_ecr::Client::new(&config)
                .put_image()
                .repository_name(repository)
                .image_manifest(manifest)
                .image_manifest_media_type(media_type)
                .image_digest(&digest)
                .send()
                .await
                .map_err(aws("ecr:PutImage"))
        })?;
        Ok(digest)
    }
}

/// A small, valid OCI image manifest unique to `(repository, n, tags)`.
fn manifest_for(repository: &str, n: usize, tags: &[String]) -> String {
    use sha2::Digest as _;
    let seed = format!("{repository}/{n}/{}", tags.join(","));
    let digest = hex::encode(sha2::Sha256::digest(seed.as_bytes()));
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:{digest}","size":{size}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:{digest}","size":{size}}}]}}"#,
        size = 100 + n
    )
}
