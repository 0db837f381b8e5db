//! Image and secret checks as ECS makes them before a task starts: the registry
//! credentials come from ECR's `GetAuthorizationToken`, every `secrets[].valueFrom`
//! and `repositoryCredentials.credentialsParameter` is read from SSM Parameter Store or
//! Secrets Manager, and every container image is resolved to the registry's digest.
//!
//! [`Checks`] does the work for one [`LaunchOrder`] ([`Checks::prepare`]); it is reused
//! by data planes that run containers. [`ChecksPlane`] is the data plane that only
//! checks: the model's timers and behaviour label still decide what a task does once
//! its images and secrets are good.
//!
//! Which images are checked when a registry is configured:
//! - images on the registry's own host (`HOST:PORT/repo:tag`) are resolved there;
//! - ECR-style names (`<account>.dkr.ecr.<region>.amazonaws.com/repo:tag`) are resolved
//!   in the registry too, as `repo:tag`: it stands in for ECR's data plane (its
//!   password is moto's ECR token), and the failure texts keep the name as written;
//! - any other host (Docker Hub included) cannot be reached from here, so, like a
//!   Fargate task without a route to that registry, the task fails with
//!   `CannotPullContainerError` (`dial tcp: lookup <host>: no such host`).
//!
//! Without a registry no image is checked (no digest is reported, the model keeps the
//! digests registered with [`crate::RunningSim::set_image_digest`]); without an AWS
//! endpoint no secret is read and the registry is asked without credentials.
//!
//! The AWS calls use the endpoint given and fixed test credentials (`testing`): the
//! stand-in plays the task execution role, not the caller.

mod image;
mod secrets;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::{DataPlane, LaunchOrder, Order, PlaneFuture, Report, Reporter};

pub use image::ImageRef;

/// How long one registry request may take before it counts as unreachable.
const REGISTRY_TIMEOUT: Duration = Duration::from_secs(10);

/// What the checks reach: a registry and an AWS endpoint (moto).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChecksConfig {
    /// The registry images are resolved in (the stand-in for ECR's data plane).
    pub registry: Option<RegistryAccess>,
    /// The endpoint of ECR, SSM and Secrets Manager (e.g. moto's `http://127.0.0.1:PORT`).
    pub aws_endpoint: Option<String>,
}

/// How to reach the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryAccess {
    /// `HOST:PORT`, as image references name it.
    pub host: String,
    /// Plain HTTP instead of HTTPS.
    pub insecure: bool,
}

impl RegistryAccess {
    /// Access to `host` (`HOST:PORT`), over plain HTTP when the host is a loopback
    /// address or `localhost` (as Docker treats them), else HTTPS.
    #[must_use]
    pub fn inferred(host: &str) -> Self {
        let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
        let name = name.trim_start_matches('[').trim_end_matches(']');
        let loopback = name == "localhost"
            || name
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        Self {
            host: host.to_owned(),
            insecure: loopback,
        }
    }
}

/// What a task needs to start, once its images and secrets are good.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prepared {
    /// `(container name, sha256 digest)` of each image resolved in the registry.
    pub digests: Vec<(String, String)>,
    /// `(container name, environment variable, value)` of each secret read.
    pub secrets: Vec<(String, String, String)>,
    /// `(user, password)` used for the registry (the ECR token), if any.
    pub registry_auth: Option<(String, String)>,
}

/// Why a task cannot start, as ECS words it (becomes [`Report::StartFailed`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartFailure {
    /// The container the reason belongs to, if one.
    pub container: Option<String>,
    /// ECS's text: `CannotPullContainerError: ...` or
    /// `ResourceInitializationError: unable to pull secrets or registry auth: ...`.
    pub reason: String,
}

impl StartFailure {
    /// A failure to read secrets or registry auth: `detail` follows
    /// `ResourceInitializationError: unable to pull secrets or registry auth: `.
    fn resource(container: Option<String>, detail: &str) -> Self {
        Self {
            container,
            reason: format!(
                "ResourceInitializationError: unable to pull secrets or registry auth: \
                 execution resource retrieval failed: {detail}"
            ),
        }
    }
}

impl From<StartFailure> for Report {
    fn from(failure: StartFailure) -> Self {
        Report::StartFailed {
            container: failure.container,
            reason: failure.reason,
        }
    }
}

/// Resolves images and reads secrets for launch orders.
#[derive(Debug, Clone)]
pub struct Checks {
    config: ChecksConfig,
    http: reqwest::Client,
}

impl Checks {
    /// A checker reaching what `config` names.
    ///
    /// # Errors
    /// [`crate::Error::Config`] when the HTTP client cannot be built or the registry
    /// host is empty.
    pub fn new(config: ChecksConfig) -> Result<Checks, crate::Error> {
        if config.registry.as_ref().is_some_and(|r| r.host.is_empty()) {
            return Err(crate::Error::Config("the registry host is empty".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(REGISTRY_TIMEOUT)
            .connect_timeout(REGISTRY_TIMEOUT)
            .build()
            .map_err(|e| crate::Error::Config(format!("cannot build an HTTP client: {e}")))?;
        Ok(Checks { config, http })
    }

    /// What this checker reaches.
    #[must_use]
    pub fn config(&self) -> &ChecksConfig {
        &self.config
    }

    /// Resolve every container image and read every secret of `order`, in ECS's order:
    /// secrets and registry auth first, then the images.
    ///
    /// # Errors
    /// A [`StartFailure`] with ECS's text for the first secret, parameter or image that
    /// cannot be had.
    pub async fn prepare(&self, order: &LaunchOrder) -> Result<Prepared, StartFailure> {
        let containers = containers(&order.definition);
        let mut prepared = Prepared::default();
        let mut private_auth: Vec<(String, (String, String))> = Vec::new();
        if let Some(endpoint) = &self.config.aws_endpoint {
            let aws = secrets::Aws::new(endpoint, &order.region).await;
            for container in &containers {
                let name = container_name(container);
                prepared
                    .secrets
                    .extend(aws.read_secrets(name, container, &order.region).await?);
                if let Some(auth) = aws.repository_credentials(name, container).await? {
                    private_auth.push((name.to_owned(), auth));
                }
            }
            let needs_ecr = self.config.registry.as_ref().is_some_and(|registry| {
                containers.iter().any(|c| {
                    ImageRef::parse(container_image(c)).is_some_and(|i| i.served_by(registry))
                })
            });
            if needs_ecr {
                prepared.registry_auth = Some(aws.ecr_auth(&order.region).await?);
            }
        }
        let Some(registry) = &self.config.registry else {
            return Ok(prepared);
        };
        for container in &containers {
            let name = container_name(container);
            let written = container_image(container);
            let auth = private_auth
                .iter()
                .find(|(c, _)| c == name)
                .map(|(_, auth)| auth)
                .or(prepared.registry_auth.as_ref());
            let digest = image::resolve(&self.http, registry, written, auth)
                .await
                .map_err(|reason| StartFailure {
                    container: Some(name.to_owned()),
                    reason,
                })?;
            prepared.digests.push((name.to_owned(), digest));
        }
        Ok(prepared)
    }
}

/// The container definitions of a task definition body.
fn containers(definition: &Value) -> Vec<Value> {
    definition
        .get("containerDefinitions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn container_name(container: &Value) -> &str {
    container.get("name").and_then(Value::as_str).unwrap_or("")
}

fn container_image(container: &Value) -> &str {
    container.get("image").and_then(Value::as_str).unwrap_or("")
}

/// A data plane that checks images and secrets and leaves the rest of a task's life to
/// the model (`runs_containers() == false`). Stop orders need nothing.
#[derive(Debug, Clone)]
pub struct ChecksPlane {
    checks: Arc<Checks>,
}

impl ChecksPlane {
    /// A data plane running `checks` for every launch.
    #[must_use]
    pub fn new(checks: Checks) -> Self {
        Self {
            checks: Arc::new(checks),
        }
    }
}

impl DataPlane for ChecksPlane {
    fn runs_containers(&self) -> bool {
        false
    }

    fn submit(&self, order: Order, reporter: Reporter) {
        let Order::Launch(launch) = order else {
            return;
        };
        let checks = Arc::clone(&self.checks);
        tokio::spawn(async move {
            let report = match checks.prepare(&launch).await {
                Ok(prepared) => Report::Ready {
                    digests: prepared.digests,
                },
                Err(failure) => {
                    tracing::info!(task = %launch.task, reason = %failure.reason, "task cannot start");
                    failure.into()
                }
            };
            reporter.report(&launch.cluster, &launch.task, report);
        });
    }

    fn shutdown(&self) -> PlaneFuture<'_> {
        Box::pin(async {})
    }
}

#[cfg(test)]
mod tests;
