//! Command-line flags of the `ecs-sim` binary.

use std::net::IpAddr;
use std::time::Duration;

use clap::Parser;

use crate::config::SimConfig;

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
            consistency_delay: self.consistency_delay,
            ..SimConfig::default()
        }
    }
}
