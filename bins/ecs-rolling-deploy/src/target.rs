//! What a run deploys: each service resolved from flags, portfolio-ci.yaml
//! and the built-in defaults (flags > environment > file > defaults), and
//! the deployment settings that apply to all of them.

use std::path::PathBuf;
use std::time::Duration;

use portfolio_core::config::ServiceConfig;
use portfolio_core::{Config, ConfigError, InvalidInput};

use crate::cli::Cli;
use crate::error::DeployError;

/// One service to deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The name given on the command line (`backend`).
    pub key: String,
    /// ECS cluster.
    pub cluster: String,
    /// ECS service name.
    pub service: String,
    /// The service's resolved configuration, when portfolio-ci.yaml knows it.
    pub config: Option<ServiceConfig>,
    /// Smoke check URL, if any.
    pub health_url: Option<String>,
}

impl Target {
    /// `cluster/service`, for messages.
    pub fn label(&self) -> String {
        format!("{}/{}", self.cluster, self.service)
    }

    /// The task definition template from the configuration.
    pub fn template(&self) -> Option<&PathBuf> {
        self.config
            .as_ref()
            .and_then(|c| c.task_definition.as_ref())
    }
}

/// The deployment configuration UpdateService sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strategy {
    /// maximumPercent.
    pub maximum_percent: i32,
    /// minimumHealthyPercent.
    pub minimum_healthy_percent: i32,
    /// Circuit breaker on.
    pub circuit_breaker: bool,
    /// Circuit breaker rolls back.
    pub rollback: bool,
}

/// Everything resolved before any AWS call.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The environment.
    pub env: String,
    /// Services, in the order given (duplicates removed).
    pub targets: Vec<Target>,
    /// UpdateService's deployment configuration.
    pub strategy: Strategy,
    /// How long to follow.
    pub timeout: Duration,
}

/// Resolves the command line against the configuration.
pub fn plan(cli: &Cli, config: &Config) -> Result<Plan, DeployError> {
    let env = cli.env.clone();
    let env_cluster = match &cli.cluster {
        Some(cluster) => cluster.clone(),
        None => config.cluster(&env)?,
    };
    let mut targets: Vec<Target> = Vec::new();
    for key in &cli.services {
        if key.trim().is_empty() {
            return Err(InvalidInput::new("--service", "must not be empty").into());
        }
        if targets.iter().any(|t| &t.key == key) {
            continue;
        }
        let service_config = match config.service(key, &env) {
            Ok(service) => Some(service),
            // A service the file does not list is fine when it is named
            // explicitly in a given cluster (CI use).
            Err(ConfigError::UnknownService { .. }) if cli.cluster.is_some() => None,
            Err(err) => return Err(err.into()),
        };
        let health_url = match (&cli.health_url, cli.no_health_check) {
            (_, true) => None,
            (Some(url), false) => Some(url.clone()),
            (None, false) => service_config.as_ref().and_then(|s| s.health_url.clone()),
        };
        targets.push(Target {
            key: key.clone(),
            cluster: match (&cli.cluster, &service_config) {
                (None, Some(s)) => s.cluster.clone(),
                _ => env_cluster.clone(),
            },
            service: service_config
                .as_ref()
                .map_or_else(|| key.clone(), |s| s.service.clone()),
            config: service_config,
            health_url,
        });
    }
    let d = &config.deployment;
    let strategy = Strategy {
        maximum_percent: cli.maximum_percent.unwrap_or(d.maximum_percent),
        minimum_healthy_percent: cli
            .minimum_healthy_percent
            .unwrap_or(d.minimum_healthy_percent),
        circuit_breaker: cli.circuit_breaker.unwrap_or(d.circuit_breaker),
        rollback: cli.rollback.unwrap_or(d.rollback),
    };
    if !(100..=200).contains(&strategy.maximum_percent) {
        return Err(InvalidInput::new(
            "--maximum-percent",
            format!(
                "{} is out of range: expected 100 to 200",
                strategy.maximum_percent
            ),
        )
        .into());
    }
    if !(0..=100).contains(&strategy.minimum_healthy_percent) {
        return Err(InvalidInput::new(
            "--minimum-healthy-percent",
            format!(
                "{} is out of range: expected 0 to 100",
                strategy.minimum_healthy_percent
            ),
        )
        .into());
    }
    if cli.desired_count.is_some_and(|n| n < 0) {
        return Err(InvalidInput::new("--desired-count", "expected 0 or more").into());
    }
    let timeout = match cli.timeout {
        Some(timeout) => timeout,
        None => humantime::parse_duration(&d.timeout).map_err(|_| {
            InvalidInput::new(
                "deployment.timeout",
                format!("'{}' is not a duration such as 90s or 30m", d.timeout),
            )
        })?,
    };
    Ok(Plan {
        env,
        targets,
        strategy,
        timeout,
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn cli(args: &[&str]) -> Cli {
        let mut all = vec!["ecs-rolling-deploy"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).unwrap()
    }

    #[test]
    fn local_defaults_come_from_the_architecture() {
        let plan = plan(&cli(&["--service", "backend"]), &Config::default()).unwrap();
        let target = &plan.targets[0];
        assert_eq!(target.cluster, "portfolio-dev");
        assert_eq!(target.service, "backend");
        assert_eq!(
            plan.strategy,
            Strategy {
                maximum_percent: 200,
                minimum_healthy_percent: 100,
                circuit_breaker: true,
                rollback: true
            }
        );
        assert_eq!(plan.timeout, Duration::from_secs(30 * 60));
        assert_eq!(target.health_url, None);
    }

    #[test]
    fn flags_override_the_configuration() {
        let plan = plan(
            &cli(&[
                "--service",
                "api",
                "--service",
                "api",
                "--cluster",
                "c1",
                "--env",
                "prod",
                "--rollback",
                "false",
                "--maximum-percent",
                "150",
                "--timeout",
                "90s",
                "--health-url",
                "http://x/health",
            ]),
            &Config::default(),
        )
        .unwrap();
        assert_eq!(plan.targets.len(), 1);
        assert_eq!(plan.targets[0].label(), "c1/api");
        assert_eq!(
            plan.targets[0].health_url.as_deref(),
            Some("http://x/health")
        );
        assert!(!plan.strategy.rollback);
        assert_eq!(plan.strategy.maximum_percent, 150);
        assert_eq!(plan.timeout, Duration::from_secs(90));
    }

    #[test]
    fn unknown_service_without_cluster_and_bad_percent_are_usage_errors() {
        use portfolio_core::Failure;
        let err = plan(&cli(&["--service", "nope"]), &Config::default()).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("nope"), "{err}");
        let err = plan(
            &cli(&["--service", "backend", "--maximum-percent", "300"]),
            &Config::default(),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--maximum-percent"), "{err}");
    }
}
