//! Configuration of a simulator: address, speed, seed, fault injection and timings.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use crate::plane::DataPlane;

/// How a simulator is started. `SimConfig::default()` binds 127.0.0.1 on a free port,
/// runs in real time with seed 0, no throttling, no consistency delay, the default
/// [`Timings`] and no data plane (tasks follow the behaviour label).
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address to listen on (default 127.0.0.1).
    pub host: IpAddr,
    /// Port to listen on; 0 picks a free one (default 0).
    pub port: u16,
    /// How many times faster than real time the model runs (default 1.0).
    pub time_scale: f64,
    /// Seed of every random choice (delays, ids, flaky tasks, throttling).
    pub seed: u64,
    /// Share (0..=1) of API calls answered with ThrottlingException (default 0).
    pub throttle_rate: f64,
    /// How often, in real time, the model advances (default 50 ms).
    pub tick: Duration,
    /// The simulated durations of a task's life.
    pub timings: Timings,
    /// What prepares or runs tasks besides the model's timers (see [`crate::plane`]).
    pub plane: Option<Arc<dyn DataPlane>>,
    /// Eventual consistency: simulated seconds before a deployment started by
    /// UpdateService (and its `currentServiceDeployment`) shows in DescribeServices,
    /// ListServiceDeployments and DescribeServiceDeployments (default 0: at once).
    /// UpdateService's own answer shows it at once.
    pub consistency_delay: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            time_scale: 1.0,
            seed: 0,
            throttle_rate: 0.0,
            tick: Duration::from_millis(50),
            timings: Timings::default(),
            plane: None,
            consistency_delay: 0.0,
        }
    }
}

/// A range of simulated seconds; each delay is drawn uniformly from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    /// Shortest delay, in simulated seconds.
    pub min: f64,
    /// Longest delay, in simulated seconds.
    pub max: f64,
}

impl Span {
    /// A span from `min` to `max` simulated seconds.
    #[must_use]
    pub const fn new(min: f64, max: f64) -> Self {
        Self { min, max }
    }
}

/// Simulated durations of each stage of a task's life.
///
/// With the defaults a 2-task rolling deployment completes in about 22-34 simulated
/// seconds: provisioning, pending (image pull), health checks, then draining old tasks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timings {
    /// PROVISIONING -> PENDING (default 3-5 s).
    pub provisioning: Span,
    /// PENDING -> RUNNING, the image pull (default 5-8 s).
    pub pending: Span,
    /// RUNNING -> the end of a standalone task's command for `healthy` and `unhealthy`
    /// tasks (default 10-15 s). Container health comes from the definition's
    /// `healthCheck` timings, target health from [`Timings::target_health`].
    pub health_check: Span,
    /// RUNNING -> essential container exits, for `crash` tasks (default 2-4 s).
    pub crash: Span,
    /// DEPROVISIONING -> STOPPED when the scheduler drains a task (default 4-6 s).
    pub draining: Span,
    /// DEPROVISIONING -> STOPPED after a task failed (default 1-2 s).
    pub failed_stop: Span,
    /// The health check of the target groups of services with `loadBalancers`.
    pub target_health: TargetHealthCheck,
}

/// An ELB target group's health check settings (ecs-sim models no ELB API, so every
/// target group has these). The defaults are an Application Load Balancer's for an
/// HTTP target group: every 30 s, 5 s timeout, 5 successes to turn an unhealthy target
/// healthy, 2 failures to turn a target unhealthy; success code 200.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetHealthCheck {
    /// `HealthCheckIntervalSeconds` (default 30).
    pub interval: f64,
    /// `HealthCheckTimeoutSeconds` (default 5).
    pub timeout: f64,
    /// `HealthyThresholdCount` (default 5).
    pub healthy_threshold: u32,
    /// `UnhealthyThresholdCount` (default 2).
    pub unhealthy_threshold: u32,
}

impl Default for TargetHealthCheck {
    fn default() -> Self {
        Self {
            interval: 30.0,
            timeout: 5.0,
            healthy_threshold: 5,
            unhealthy_threshold: 2,
        }
    }
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            provisioning: Span::new(3.0, 5.0),
            pending: Span::new(5.0, 8.0),
            health_check: Span::new(10.0, 15.0),
            crash: Span::new(2.0, 4.0),
            draining: Span::new(4.0, 6.0),
            failed_stop: Span::new(1.0, 2.0),
            target_health: TargetHealthCheck::default(),
        }
    }
}
