//! The ECS calls that change something: UpdateService with the deployment
//! configuration, and rolling a deployment back (StopServiceDeployment
//! ROLLBACK, or UpdateService to the previous definition once COMPLETED).

use aws_sdk_ecs::types::{
    DeploymentCircuitBreaker, DeploymentConfiguration, StopServiceDeploymentStopType,
};

use portfolio_core::AwsError;

use crate::error::DeployError;
use crate::target::{Strategy, Target};

/// What UpdateService is asked to do.
#[derive(Debug, Clone)]
pub struct Update<'a> {
    /// The task definition ARN.
    pub task_definition: &'a str,
    /// Deployment configuration.
    pub strategy: Strategy,
    /// Desired count, only when given.
    pub desired_count: Option<i32>,
    /// Force a new deployment.
    pub force: bool,
}

/// Updates the service; returns the PRIMARY deployment id (ours).
pub async fn update_service(
    ecs: &aws_sdk_ecs::Client,
    target: &Target,
    update: &Update<'_>,
) -> Result<String, DeployError> {
    let s = update.strategy;
    let breaker = DeploymentCircuitBreaker::builder()
        .enable(s.circuit_breaker)
        .rollback(s.rollback && s.circuit_breaker)
        .build();
    let configuration = DeploymentConfiguration::builder()
        .maximum_percent(s.maximum_percent)
        .minimum_healthy_percent(s.minimum_healthy_percent)
        .deployment_circuit_breaker(breaker)
        .build();
    let output = ecs
        .update_service()
        .cluster(&target.cluster)
        .service(&target.service)
        .task_definition(update.task_definition)
        .deployment_configuration(configuration)
        .set_desired_count(update.desired_count)
        .force_new_deployment(update.force)
        .send()
        .await
        .map_err(|err| match err.as_service_error() {
            Some(e)
                if e.is_service_not_found_exception() || e.is_service_not_active_exception() =>
            {
                DeployError::NotFound(format!(
                    "service '{}' not found in cluster '{}'",
                    target.service, target.cluster
                ))
            }
            Some(e) if e.is_cluster_not_found_exception() => {
                DeployError::NotFound(format!("cluster '{}' not found", target.cluster))
            }
            Some(e) if e.is_invalid_parameter_exception() || e.is_client_exception() => {
                DeployError::Rejected {
                    operation: "ecs:UpdateService",
                    what: target.label(),
                    message: e.meta().message().unwrap_or_default().to_owned(),
                }
            }
            _ => AwsError::new("ecs:UpdateService", &err)
                .on(target.label())
                .into(),
        })?;
    output
        .service()
        .and_then(|s| {
            s.deployments()
                .iter()
                .find(|d| d.status() == Some("PRIMARY"))
        })
        .and_then(|d| d.id())
        .map(str::to_owned)
        .ok_or_else(|| {
            AwsError::other("ecs:UpdateService", "the answer has no PRIMARY deployment")
                .on(target.label())
                .into()
        })
}

/// Rolls deployment `ours` back with StopServiceDeployment(ROLLBACK).
pub async fn stop_and_roll_back(
    ecs: &aws_sdk_ecs::Client,
    target: &Target,
    ours: &str,
) -> Result<(), DeployError> {
    let listed = ecs
        .list_service_deployments()
        .cluster(&target.cluster)
        .service(&target.service)
        .send()
        .await
        .map_err(|err| AwsError::new("ecs:ListServiceDeployments", &err).on(target.label()))?;
    let digits = ours.trim_start_matches("ecs-svc/");
    let briefs = listed.service_deployments();
    // The service deployment of ours: its ARN ends with our id's digits
    // where ECS names it so, else the newest one still running.
    let arn = briefs
        .iter()
        .filter_map(|b| b.service_deployment_arn())
        .find(|arn| arn.rsplit('/').next() == Some(digits))
        .or_else(|| {
            briefs
                .iter()
                .filter(|b| {
                    b.status()
                        .is_some_and(|s| matches!(s.as_str(), "PENDING" | "IN_PROGRESS"))
                })
                .max_by(|a, b| {
                    let t = |x: &aws_sdk_ecs::types::ServiceDeploymentBrief| {
                        x.created_at().map_or(0.0, |t| t.as_secs_f64())
                    };
                    t(a).total_cmp(&t(b))
                })
                .and_then(|b| b.service_deployment_arn())
        })
        .ok_or_else(|| {
            AwsError::other(
                "ecs:ListServiceDeployments",
                format!("no service deployment found for {ours}"),
            )
            .on(target.label())
        })?;
    ecs.stop_service_deployment()
        .service_deployment_arn(arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .map_err(|err| AwsError::new("ecs:StopServiceDeployment", &err).on(target.label()))?;
    Ok(())
}
