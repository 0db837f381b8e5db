//! Command-line flags of the `ecs-sim` binary.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::config::SimConfig;
use crate::error::Error;
use crate::plane::checks::{ChecksConfig, RegistryAccess};
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
    /// What runs the tasks: the model's timers and behaviour labels (simulated), or
    /// real containers in the local Docker engine (docker).
    #[arg(long, value_enum, default_value_t = Runtime::Simulated)]
    pub runtime: Runtime,
    /// The registry (HOST:PORT) standing in for ECR: its images are pulled with the
    /// ECR authorization token from --aws-endpoint.
    #[arg(long)]
    pub registry: Option<String>,
    /// The AWS endpoint (e.g. moto's) for ECR tokens and secrets.
    #[arg(long)]
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
    /// The simulator configuration these flags describe.
    ///
    /// # Errors
    /// [`Error::Config`] when `--runtime docker` finds no Docker engine.
    pub fn config(&self) -> Result<SimConfig, Error> {
        let plane: Option<Arc<dyn crate::plane::DataPlane>> = match self.runtime {
            Runtime::Simulated => None,
            Runtime::Docker => Some(Arc::new(DockerPlane::new(DockerConfig {
                checks: ChecksConfig {
                    registry: self.registry.as_deref().map(RegistryAccess::inferred),
                    aws_endpoint: self.aws_endpoint.clone(),
                },
                target_health_path: self.target_health_path.clone(),
            })?)),
        };
        Ok(SimConfig {
            host: self.host,
            port: self.port,
            time_scale: self.time_scale,
            seed: self.seed,
            throttle_rate: self.throttle_rate,
            tick: Duration::from_millis(self.tick_ms.max(1)),
            plane,
            ..SimConfig::default()
        })
    }
}
