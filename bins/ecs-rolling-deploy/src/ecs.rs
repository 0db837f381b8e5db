//! The ECS calls that change something: UpdateService with the deployment
//! configuration, and rolling a deployment back (StopServiceDeployment
//! ROLLBACK, or UpdateService to the previous definition once COMPLETED).

use aws_sdk_ecs::types::{
    DeploymentCircuitBreaker, DeploymentConfiguration, StopServiceDeploymentStopType,
};

use portfolio_core::AwsError;

use crate::error::Error;
use crate::settings::{Strategy, Target};

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

/// The deployment that our UpdateService started.
#[derive(Debug, Clone, PartialEq)]
pub struct Ours {
    /// Its id (`ecs-svc/...`), the PRIMARY deployment in the answer.
    pub id: String,
    /// The ARN of its service deployment (`currentServiceDeployment` in the
    /// answer), the handle of StopServiceDeployment.
    pub service_deployment: Option<String>,
    /// When ECS created it (epoch seconds).
    pub created_at: Option<f64>,
}

/// Updates the service; returns the deployment it started (the PRIMARY one).
pub async fn update_service(
    ecs: &aws_sdk_ecs::Client,
    target: &Target,
    update: &Update<'_>,
) -> Result<Ours, Error> {
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
                Error::NotFound(format!(
                    "service '{}' not found in cluster '{}'",
                    target.service, target.cluster
                ))
            }
            Some(e) if e.is_cluster_not_found_exception() => {
                Error::NotFound(format!("cluster '{}' not found", target.cluster))
            }
            Some(e) if e.is_invalid_parameter_exception() || e.is_client_exception() => {
                Error::Rejected {
                    operation: "ecs:UpdateService",
                    what: target.label(),
                    message: e.meta().message().unwrap_or_default().to_owned(),
                }
            }
            _ => AwsError::new("ecs:UpdateService", &err)
                .on(target.label())
                .into(),
        })?;
    let service = output.service();
    service
        .and_then(|s| {
            s.deployments()
                .iter()
                .find(|d| d.status() == Some("PRIMARY"))
        })
        .and_then(|d| {
            Some(Ours {
                id: d.id()?.to_owned(),
                service_deployment: service
                    .and_then(|s| s.current_service_deployment())
                    .map(str::to_owned),
                created_at: d
                    .created_at()
                    .map(aws_sdk_ecs::primitives::DateTime::as_secs_f64),
            })
        })
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
    ours: &Ours,
) -> Result<(), Error> {
    let arn = match &ours.service_deployment {
        Some(arn) => arn.clone(),
        None => find_service_deployment(ecs, target, ours).await?,
    };
    ecs.stop_service_deployment()
        .service_deployment_arn(arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .map_err(|err| AwsError::new("ecs:StopServiceDeployment", &err).on(target.label()))?;
    Ok(())
}

/// The service deployment of `ours` when UpdateService did not name it:
/// the one ListServiceDeployments shows created when ours was.
async fn find_service_deployment(
    ecs: &aws_sdk_ecs::Client,
    target: &Target,
    ours: &Ours,
) -> Result<String, Error> {
    let mut listed = Vec::new();
    let mut token = None;
    loop {
        let page = ecs
            .list_service_deployments()
            .cluster(&target.cluster)
            .service(&target.service)
            .set_next_token(token)
            .send()
            .await
            .map_err(|err| AwsError::new("ecs:ListServiceDeployments", &err).on(target.label()))?;
        listed.extend(page.service_deployments().iter().filter_map(|b| {
            Some((
                b.service_deployment_arn()?.to_owned(),
                b.created_at()?.as_secs_f64(),
            ))
        }));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    ours.created_at
        .and_then(|at| created_with(&listed, at))
        .map(str::to_owned)
        .ok_or_else(|| {
            AwsError::other(
                "ecs:ListServiceDeployments",
                format!("no service deployment was created with {}", ours.id),
            )
            .on(target.label())
            .into()
        })
}

/// The one service deployment (ARN, createdAt) created within a second of
/// `created_at`; none when there is none or more than one.
pub fn created_with(listed: &[(String, f64)], created_at: f64) -> Option<&str> {
    let mut near = listed
        .iter()
        .filter(|(_, at)| (at - created_at).abs() <= 1.0);
    match (near.next(), near.next()) {
        (Some((arn, _)), None) => Some(arn),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_service_deployment_created_with_ours_and_only_that_one() {
        let listed = vec![
            ("arn:new".to_owned(), 1_000.4),
            ("arn:old".to_owned(), 900.0),
        ];
        assert_eq!(created_with(&listed, 1_000.0), Some("arn:new"));
        assert_eq!(created_with(&listed, 950.0), None);
        let twins = vec![("a".to_owned(), 10.0), ("b".to_owned(), 10.5)];
        assert_eq!(created_with(&twins, 10.2), None);
    }
}
