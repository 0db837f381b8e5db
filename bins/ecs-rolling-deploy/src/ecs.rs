//! The ECS calls that change something: UpdateService, and rolling a
//! deployment back (StopServiceDeployment ROLLBACK, or UpdateService to the
//! previous definition once COMPLETED); and the reads of our service
//! deployment (ListServiceDeployments, DescribeServiceDeployments).
//!
//! UpdateService sends only what the user asked for: no
//! deploymentConfiguration unless a field of it was set, and then the
//! service's current one (read just before) with those fields changed, so
//! what Terraform set (alarms, strategy, bake time, the other fields) stays.

use aws_sdk_ecs::types::{
    DeploymentCircuitBreaker, DeploymentConfiguration, PropagateTags, StopServiceDeploymentStopType,
};

use portfolio_core::AwsError;

use crate::error::Error;
use crate::settings::{Overrides, ServiceTags, Target};
use crate::view::Configuration;

/// What UpdateService is asked to do.
#[derive(Debug, Clone)]
pub struct Update<'a> {
    /// The task definition ARN.
    pub task_definition: &'a str,
    /// Deployment configuration fields to change.
    pub overrides: Overrides,
    /// The service's configuration as described before the update, which
    /// the overrides change field by field.
    pub current: Option<&'a DeploymentConfiguration>,
    /// Tag settings of the service to change.
    pub tags: &'a ServiceTags,
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
    /// The task definition it runs, as ECS names it (a full ARN).
    pub task_definition: Option<String>,
    /// The service's deployment configuration, as the answer shows it.
    pub configuration: Configuration,
}

/// Updates the service; returns the deployment it started (the PRIMARY one).
pub async fn update_service(
    ecs: &aws_sdk_ecs::Client,
    target: &Target,
    update: &Update<'_>,
) -> Result<Ours, Error> {
    let configuration = match update.overrides.is_empty() {
        true => None,
        false => Some(merged(update.current.cloned(), update.overrides)),
    };
    let output = ecs
        .update_service()
        .cluster(&target.cluster)
        .service(&target.service)
        .task_definition(update.task_definition)
        .set_deployment_configuration(configuration)
        .set_enable_ecs_managed_tags(update.tags.enable_ecs_managed_tags)
        .set_propagate_tags(
            update
                .tags
                .propagate_tags
                .as_deref()
                .map(PropagateTags::from),
        )
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
                task_definition: d.task_definition().map(str::to_owned),
                configuration: service
                    .and_then(|s| s.deployment_configuration())
                    .map(Configuration::from)
                    .unwrap_or_default(),
            })
        })
        .ok_or_else(|| {
            AwsError::other("ecs:UpdateService", "the answer has no PRIMARY deployment")
                .on(target.label())
                .into()
        })
}

/// `current` with the fields `overrides` sets changed; every other field
/// (alarms, strategy, bake time, ...) as it is.
pub fn merged(
    current: Option<DeploymentConfiguration>,
    overrides: Overrides,
) -> DeploymentConfiguration {
    let mut out = current.unwrap_or_else(|| DeploymentConfiguration::builder().build());
    if overrides.maximum_percent.is_some() {
        out.maximum_percent = overrides.maximum_percent;
    }
    if overrides.minimum_healthy_percent.is_some() {
        out.minimum_healthy_percent = overrides.minimum_healthy_percent;
    }
    if overrides.circuit_breaker.is_some() || overrides.rollback.is_some() {
        let now = out.deployment_circuit_breaker.as_ref();
        let enable = overrides
            .circuit_breaker
            .unwrap_or_else(|| now.is_some_and(DeploymentCircuitBreaker::enable));
        let rollback = overrides
            .rollback
            .unwrap_or_else(|| now.is_some_and(DeploymentCircuitBreaker::rollback));
        out.deployment_circuit_breaker = Some(
            DeploymentCircuitBreaker::builder()
                .enable(enable)
                .rollback(rollback)
                .build(),
        );
    }
    out
}

/// Rolls deployment `ours` back with StopServiceDeployment(ROLLBACK).
pub async fn stop_and_roll_back(
    ecs: &aws_sdk_ecs::Client,
    target: &Target,
    ours: &Ours,
) -> Result<(), Error> {
    let arn = match &ours.service_deployment {
        Some(arn) => arn.clone(),
        None => find_service_deployment(ecs, target, &ours.id, ours.created_at).await?,
    };
    ecs.stop_service_deployment()
        .service_deployment_arn(arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .map_err(|err| AwsError::new("ecs:StopServiceDeployment", &err).on(target.label()))?;
    Ok(())
}

/// The service deployment of deployment `id` (created at `created_at`)
/// when UpdateService did not name it: the one ListServiceDeployments
/// shows created when it was.
pub async fn find_service_deployment(
    ecs: &aws_sdk_ecs::Client,
    target: &Target,
    id: &str,
    created_at: Option<f64>,
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
    created_at
        .and_then(|at| created_with(&listed, at))
        .map(str::to_owned)
        .ok_or_else(|| {
            AwsError::other(
                "ecs:ListServiceDeployments",
                format!("no service deployment was created with {id}"),
            )
            .on(target.label())
            .into()
        })
}

/// The status (`IN_PROGRESS`, `SUCCESSFUL`, `ROLLBACK_IN_PROGRESS`, ...)
/// of service deployment `arn`; `None` while ECS does not list it yet.
pub async fn service_deployment_status(
    ecs: &aws_sdk_ecs::Client,
    target: &Target,
    arn: &str,
) -> Result<Option<String>, Error> {
    let output = ecs
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await
        .map_err(|err| AwsError::new("ecs:DescribeServiceDeployments", &err).on(target.label()))?;
    Ok(output
        .service_deployments()
        .iter()
        .find(|d| d.service_deployment_arn() == Some(arn))
        .and_then(|d| d.status())
        .map(|s| s.as_str().to_owned()))
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
    use aws_sdk_ecs::types::{DeploymentAlarms, DeploymentStrategy};

    use super::*;

    #[test]
    fn merging_changes_only_the_fields_set() {
        let current = DeploymentConfiguration::builder()
            .maximum_percent(150)
            .minimum_healthy_percent(50)
            .strategy(DeploymentStrategy::BlueGreen)
            .bake_time_in_minutes(5)
            .alarms(
                DeploymentAlarms::builder()
                    .enable(true)
                    .rollback(true)
                    .alarm_names("5xx")
                    .build()
                    .unwrap(),
            )
            .deployment_circuit_breaker(
                DeploymentCircuitBreaker::builder()
                    .enable(true)
                    .rollback(false)
                    .build(),
            )
            .build();
        let max = Overrides {
            maximum_percent: Some(200),
            ..Overrides::default()
        };
        let out = merged(Some(current.clone()), max);
        assert_eq!(out.maximum_percent, Some(200));
        assert_eq!(out.minimum_healthy_percent, Some(50));
        assert_eq!(out.strategy, current.strategy);
        assert_eq!(out.bake_time_in_minutes, Some(5));
        assert_eq!(out.alarms, current.alarms);
        assert_eq!(
            out.deployment_circuit_breaker,
            current.deployment_circuit_breaker
        );
        let rollback = Overrides {
            rollback: Some(true),
            ..Overrides::default()
        };
        let breaker = merged(Some(current), rollback)
            .deployment_circuit_breaker
            .unwrap();
        assert!(breaker.enable() && breaker.rollback());
        // A service without a breaker: only what was asked.
        let off = merged(None, rollback).deployment_circuit_breaker.unwrap();
        assert!(!off.enable() && off.rollback());
    }

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
