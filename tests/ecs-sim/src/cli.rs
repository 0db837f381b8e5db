//! Command-line flags of the `ecs-sim` binary.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::config::SimConfig;
use crate::error::Error;
use crate::plane::DataPlane;
use crate::plane::checks::{Checks, ChecksConfig, ChecksPlane, RegistryAccess};
use crate::plane::docker::{DockerConfig, DockerPlane};

/// A local ECS control plane that models rolling deployments.
///
/// Prints the address it bound as `http://HOST:PORT` on stdout once ready, and serves
/// until SIGINT or SIGTERM. Point `AWS_ENDPOINT_URL_ECS` (and
/// `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`) at it.
#[derive(Debug, Clone, Parser)]
#[command(name = "ecs-sim", version)]
pub struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Run the model this many times faster than real time.
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// Seed of every random choice (delays, ids, flaky tasks, throttling).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Share (0..1) of API calls answered with ThrottlingException.
    #[arg(long, default_value_t = 0.0)]
    pub throttle_rate: f64,
    /// How often the model advances, in real milliseconds.
    #[arg(long, default_value_t = 50)]
    pub tick_ms: u64,
    /// Eventual consistency: simulated seconds before a deployment started by
    /// UpdateService (and the service's currentServiceDeployment) shows in
    /// DescribeServices, ListServiceDeployments and DescribeServiceDeployments.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0)]
    pub consistency_delay: f64,
    /// What runs the tasks: the model's timers and behaviour labels (simulated), or
    /// real containers in the local Docker engine (docker).
    #[arg(long, value_enum, default_value_t = Runtime::Simulated)]
    pub runtime: Runtime,
    /// Resolve every task's images in this registry (HOST:PORT) before it may run, with
    /// ECR's authorization token from --aws-endpoint; an image that does not resolve
    /// stops the task with CannotPullContainerError. ECR names
    /// (<account>.dkr.ecr.<region>.amazonaws.com/repo) resolve there too.
    #[arg(long, value_name = "HOST:PORT")]
    pub registry: Option<String>,
    /// Talk to the registry over plain HTTP (the default for loopback and localhost).
    #[arg(long, requires = "registry")]
    pub registry_insecure: bool,
    /// Read secrets (SSM Parameter Store, Secrets Manager) and ECR's registry token from
    /// this AWS endpoint (e.g. moto) before a task may run; a secret that cannot be read
    /// stops the task with ResourceInitializationError.
    #[arg(long, value_name = "URL")]
    pub aws_endpoint: Option<String>,
    /// The path the load balancer's health check requests (--runtime docker).
    #[arg(long, default_value = "/")]
    pub target_health_path: String,
}

/// What runs the tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Runtime {
    /// The model's timers and each task's `ecs-sim.behavior` label.
    Simulated,
    /// Real containers in the local Docker engine.
    Docker,
}

impl Cli {
    /// The simulator configuration these flags describe: with `--runtime docker` the
    /// Docker data plane (which makes the checks too), else the checks data plane when
    /// `--registry` or `--aws-endpoint` is given, else none (tasks follow the label).
    ///
    /// # Errors
    /// [`Error::Config`] when `--runtime docker` finds no Docker engine or the checks
    /// cannot be set up.
    pub fn config(&self) -> Result<SimConfig, Error> {
        let checks = self.checks_config();
        let plane: Option<Arc<dyn DataPlane>> = match (self.runtime, checks) {
            (Runtime::Docker, checks) => Some(Arc::new(DockerPlane::new(DockerConfig {
                checks: checks.unwrap_or(ChecksConfig {
                    registry: None,
                    aws_endpoint: None,
                }),
                target_health_path: self.target_health_path.clone(),
            })?)),
            (Runtime::Simulated, Some(checks)) => {
                Some(Arc::new(ChecksPlane::new(Checks::new(checks)?)))
            }
            (Runtime::Simulated, None) => None,
        };
        Ok(SimConfig {
            host: self.host,
            port: self.port,
            time_scale: self.time_scale,
            seed: self.seed,
            throttle_rate: self.throttle_rate,
            tick: Duration::from_millis(self.tick_ms.max(1)),
            consistency_delay: self.consistency_delay,
            plane,
            ..SimConfig::default()
        })
    }

    /// What `--registry` and `--aws-endpoint` ask for: the checks to make before a task
    /// runs, or `None` when neither is given.
    #[must_use]
    pub fn checks_config(&self) -> Option<ChecksConfig> {
        if self.registry.is_none() && self.aws_endpoint.is_none() {
            return None;
        }
        let registry = self.registry.as_deref().map(|host| {
            let mut access = RegistryAccess::inferred(host);
            access.insecure |= self.registry_insecure;
            access
        });
        Some(ChecksConfig {
            registry,
            aws_endpoint: self.aws_endpoint.clone(),
        })
    }
}
