//! Command-line flags of the `ecs-sim` binary.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use crate::config::SimConfig;
use crate::plane::checks::{Checks, ChecksConfig, ChecksPlane, RegistryAccess};

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
    /// Resolve every task's images in this registry (HOST:PORT) before it may run; an
    /// image that does not resolve stops the task with CannotPullContainerError. ECR
    /// names (<account>.dkr.ecr.<region>.amazonaws.com/repo) resolve there too.
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
}

impl Cli {
    /// The simulator configuration these flags describe.
    #[must_use]
    pub fn config(&self) -> SimConfig {
        SimConfig {
            host: self.host,
            port: self.port,
            time_scale: self.time_scale,
            seed: self.seed,
            throttle_rate: self.throttle_rate,
            tick: Duration::from_millis(self.tick_ms.max(1)),
            ..SimConfig::default()
        }
    }

    /// What `--registry` and `--aws-endpoint` ask for: the checks to make before a task
    /// runs, or `None` when neither is given (tasks follow the behaviour label alone).
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

    /// The simulator configuration these flags describe, with the checks data plane
    /// when `--registry` or `--aws-endpoint` is given.
    ///
    /// # Errors
    /// [`crate::Error::Config`] when the checks cannot be set up.
    pub fn sim_config(&self) -> Result<SimConfig, crate::Error> {
        let mut config = self.config();
        if let Some(checks) = self.checks_config() {
            config.plane = Some(Arc::new(ChecksPlane::new(Checks::new(checks)?)));
        }
        Ok(config)
    }
}
