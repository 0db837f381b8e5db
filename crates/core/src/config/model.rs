//! The shape of `portfolio-ci.yaml` and the questions tools ask of it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::defaults;
use super::error::ConfigError;
use crate::template::{self, Vars};

/// The whole configuration. Every field has a default from the
/// architecture spec, so an empty file (or none) is a valid configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Project name, used in every name template (`portfolio`).
    pub project: String,
    /// Default AWS region when neither flags nor the AWS environment set one.
    pub region: Option<String>,
    /// Name templates for AWS resources.
    pub names: Names,
    /// Rolling deployment settings.
    pub deployment: Deployment,
    /// ECR repository settings.
    pub ecr: Ecr,
    /// Terraform settings.
    pub terraform: Terraform,
    /// Environments by name (`dev`, `prod`).
    pub environments: BTreeMap<String, Environment>,
    /// Services by name (`backend`, `frontend`).
    pub services: BTreeMap<String, ServiceEntry>,
    /// The file this configuration was read from.
    #[serde(skip)]
    pub source: Option<PathBuf>,
    /// Directory that relative paths in the file resolve against.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// Name templates (`{project}`, `{env}`, `{service}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Names {
    /// ECS cluster: `{project}-{env}`.
    pub cluster: String,
    /// ECS service: `{service}`.
    pub service: String,
    /// Task definition family: `{project}-{env}-{service}`.
    pub family: String,
    /// Container name in the task definition: `{service}`.
    pub container: String,
    /// ECR repository: `{project}-{env}-{service}`.
    pub repository: String,
    /// CloudWatch Logs group: `/ecs/{project}-{env}/{service}`.
    pub log_group: String,
    /// awslogs stream prefix: `ecs`.
    pub log_stream_prefix: String,
}

/// Deployment settings of `ecs-rolling-deploy`. The four configuration
/// fields are the service's own unless set here: only a field the file sets
/// is sent with UpdateService (merged into the service's current
/// `deploymentConfiguration`); unset, the deploy leaves what Terraform or
/// the console configured.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Deployment {
    /// `maximumPercent`, when set.
    pub maximum_percent: Option<i32>,
    /// `minimumHealthyPercent`, when set.
    pub minimum_healthy_percent: Option<i32>,
    /// Deployment circuit breaker enabled, when set.
    pub circuit_breaker: Option<bool>,
    /// Roll back when the circuit breaker trips, when set.
    pub rollback: Option<bool>,
    /// How long to follow a deployment, e.g. `30m`.
    pub timeout: String,
}

/// How repositories are created and protected.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ecr {
    /// Scan images on push (true).
    pub scan_on_push: bool,
    /// `AES256` or `KMS`.
    pub encryption: String,
    /// `MUTABLE` or `IMMUTABLE`.
    pub tag_mutability: String,
    /// Lifecycle policy file (JSON or YAML); the spec's policy when unset.
    pub lifecycle_policy: Option<PathBuf>,
}

/// Where Terraform lives and how each environment is initialised.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Terraform {
    /// The root module directory.
    pub dir: PathBuf,
    /// `terraform` or `tofu` (found with `which`); first found when unset.
    pub binary: Option<String>,
    /// Var files per environment, templates (`envs/{env}.tfvars`), relative to `dir`.
    pub var_files: Vec<String>,
    /// Backend config file per environment, template, relative to `dir`.
    pub backend_config: Option<String>,
    /// `-lock-timeout` value.
    pub lock_timeout: String,
}

/// One environment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Environment {
    /// Region for this environment (overrides the top-level region).
    pub region: Option<String>,
    /// Cluster name, overriding the template.
    pub cluster: Option<String>,
    /// Public domain of the environment (enables smoke checks).
    pub domain: Option<String>,
    /// Extra var files for this environment, relative to the Terraform dir.
    pub var_files: Vec<String>,
}

/// One service as written in the file: unset fields fall back to the
/// built-in defaults of a service of that name (backend, frontend).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceEntry {
    /// Container port.
    pub port: Option<u16>,
    /// Health check path.
    pub health_path: Option<String>,
    /// Task CPU units.
    pub cpu: Option<u32>,
    /// Task memory (MiB).
    pub memory: Option<u32>,
    /// Container name, overriding the template.
    pub container: Option<String>,
    /// Task definition template (JSON or YAML), relative to the config file.
    pub task_definition: Option<PathBuf>,
    /// Docker build context, relative to the config file.
    pub context: Option<PathBuf>,
    /// Dockerfile, relative to the config file (default: `<context>/Dockerfile`).
    pub dockerfile: Option<PathBuf>,
}

/// A service with every default applied and every name resolved for one
/// environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceConfig {
    /// The service's key in the configuration (`backend`).
    pub name: String,
    /// The environment it was resolved for.
    pub env: String,
    /// ECS cluster.
    pub cluster: String,
    /// ECS service name.
    pub service: String,
    /// Task definition family.
    pub family: String,
    /// Container name.
    pub container: String,
    /// ECR repository name.
    pub repository: String,
    /// CloudWatch Logs group.
    pub log_group: String,
    /// awslogs stream prefix.
    pub log_stream_prefix: String,
    /// Region, when configured.
    pub region: Option<String>,
    /// Container port.
    pub port: u16,
    /// Health check path.
    pub health_path: String,
    /// Task CPU units.
    pub cpu: u32,
    /// Task memory (MiB).
    pub memory: u32,
    /// Task definition template, resolved against the config file.
    pub task_definition: Option<PathBuf>,
    /// Build context, resolved against the config file.
    pub context: Option<PathBuf>,
    /// Dockerfile, resolved against the config file.
    pub dockerfile: Option<PathBuf>,
    /// Health URL for smoke checks, when the environment has a domain.
    pub health_url: Option<String>,
}

impl Config {
    /// The environment named `name`, or an error listing the configured ones.
    pub fn environment(&self, name: &str) -> Result<&Environment, ConfigError> {
        self.environments
            .get(name)
            .ok_or_else(|| ConfigError::UnknownEnvironment {
                name: name.to_owned(),
                known: self.environments.keys().cloned().collect(),
            })
    }

    /// The region for `env`: the environment's, else the file's.
    pub fn region(&self, env: &str) -> Option<String> {
        self.environments
            .get(env)
            .and_then(|e| e.region.clone())
            .or_else(|| self.region.clone())
    }

    /// The ECS cluster of `env`.
    pub fn cluster(&self, env: &str) -> Result<String, ConfigError> {
        let environment = self.environment(env)?;
        match &environment.cluster {
            Some(cluster) => Ok(cluster.clone()),
            None => self.name("names.cluster", &self.names.cluster, env, None),
        }
    }

    /// The names of the configured services, in order.
    pub fn service_names(&self) -> Vec<String> {
        self.services.keys().cloned().collect()
    }

    /// Service `name` resolved for environment `env`.
    pub fn service(&self, name: &str, env: &str) -> Result<ServiceConfig, ConfigError> {
        let entry = self
            .services
            .get(name)
            .ok_or_else(|| ConfigError::UnknownService {
                name: name.to_owned(),
                known: self.service_names(),
            })?;
        let environment = self.environment(env)?;
        let builtin = defaults::service(name);
        let key = |field: &str| format!("services.{name}.{field}");
        let port = entry
            .port
            .or(builtin.as_ref().and_then(|b| b.port))
            .ok_or_else(|| {
                self.invalid(
                    key("port"),
                    "required for a service without built-in defaults",
                )
            })?;
        let health_path = entry
            .health_path
            .clone()
            .or_else(|| builtin.as_ref().and_then(|b| b.health_path.clone()))
            .unwrap_or_else(|| "/".to_owned());
        let named = |field: &str, template: &str| self.name(field, template, env, Some(name));
        let health_url = environment
            .domain
            .as_ref()
            .map(|domain| format!("https://{domain}{health_path}"));
        Ok(ServiceConfig {
            name: name.to_owned(),
            env: env.to_owned(),
            cluster: self.cluster(env)?,
            service: named("names.service", &self.names.service)?,
            family: named("names.family", &self.names.family)?,
            container: match &entry.container {
                Some(container) => container.clone(),
                None => named("names.container", &self.names.container)?,
            },
            repository: named("names.repository", &self.names.repository)?,
            log_group: named("names.log_group", &self.names.log_group)?,
            log_stream_prefix: self.names.log_stream_prefix.clone(),
            region: self.region(env),
            port,
            health_path,
            cpu: entry.cpu.unwrap_or(defaults::CPU),
            memory: entry.memory.unwrap_or(defaults::MEMORY),
            task_definition: entry.task_definition.as_deref().map(|p| self.resolve(p)),
            context: entry.context.as_deref().map(|p| self.resolve(p)),
            dockerfile: entry.dockerfile.as_deref().map(|p| self.resolve(p)),
            health_url,
        })
    }

    /// A path from the file, made absolute against the file's directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir.join(path)
        }
    }

    /// Expands a template from the file for `env` (and `service`).
    pub fn name(
        &self,
        key: &str,
        template: &str,
        env: &str,
        service: Option<&str>,
    ) -> Result<String, ConfigError> {
        template::expand(
            template,
            Vars {
                project: &self.project,
                env,
                service,
            },
        )
        .map_err(|err| self.invalid(key.to_owned(), err.to_string()))
    }

    pub(super) fn invalid(&self, key: String, reason: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self.source.clone(),
            key,
            reason: reason.into(),
        }
    }

    /// Checks what serde cannot: templates, percentages, names.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.project.trim().is_empty() {
            return Err(self.invalid("project".into(), "must not be empty"));
        }
        if self.environments.is_empty() {
            return Err(self.invalid(
                "environments".into(),
                "at least one environment is required",
            ));
        }
        let per_service = [
            ("names.service", &self.names.service),
            ("names.family", &self.names.family),
            ("names.container", &self.names.container),
            ("names.repository", &self.names.repository),
            ("names.log_group", &self.names.log_group),
        ];
        template::check(&self.names.cluster, false)
            .map_err(|e| self.invalid("names.cluster".into(), e.to_string()))?;
        for (key, value) in per_service {
            template::check(value, true).map_err(|e| self.invalid(key.into(), e.to_string()))?;
        }
        let d = &self.deployment;
        if let Some(max) = d.maximum_percent
            && !(100..=200).contains(&max)
        {
            return Err(self.invalid(
                "deployment.maximum_percent".into(),
                format!("{max} is out of range: expected 100 to 200"),
            ));
        }
        if let Some(min) = d.minimum_healthy_percent
            && !(0..=100).contains(&min)
        {
            return Err(self.invalid(
                "deployment.minimum_healthy_percent".into(),
                format!("{min} is out of range: expected 0 to 100"),
            ));
        }
        if humantime::parse_duration(&d.timeout).is_err() {
            return Err(self.invalid(
                "deployment.timeout".into(),
                format!("'{}' is not a duration such as 90s or 30m", d.timeout),
            ));
        }
        for (key, value, allowed) in [
            (
                "ecr.encryption",
                &self.ecr.encryption,
                &["AES256", "KMS"][..],
            ),
            (
                "ecr.tag_mutability",
                &self.ecr.tag_mutability,
                &["MUTABLE", "IMMUTABLE"][..],
            ),
        ] {
            if !allowed.contains(&value.as_str()) {
                return Err(self.invalid(
                    key.into(),
                    format!("'{value}' is not one of {}", allowed.join(", ")),
                ));
            }
        }
        for (name, entry) in &self.services {
            if defaults::service(name).is_none() && entry.port.is_none() {
                return Err(self.invalid(
                    format!("services.{name}.port"),
                    "required for a service without built-in defaults",
                ));
            }
            if let Some(path) = &entry.health_path
                && !path.starts_with('/')
            {
                return Err(self.invalid(
                    format!("services.{name}.health_path"),
                    format!("'{path}' must start with '/'"),
                ));
            }
        }
        Ok(())
    }
}
