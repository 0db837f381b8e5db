//! Task definitions from ECS: the live definition of a service, or a
//! family's revision, as registrable JSON; and registration of such JSON.
//!
//! This is the only module that calls AWS. ECS speaks JSON (awsJson1_1)
//! with the very field names RegisterTaskDefinition takes, so instead of
//! mapping every SDK type back to JSON (and losing the fields newer than
//! the SDK), the DescribeTaskDefinition response body is captured as ECS
//! sent it, and a registration sends the definition's JSON as the request
//! body. Every field is covered, including those the SDK does not know.

use std::sync::{Arc, Mutex};

use aws_sdk_ecs::Client;
use aws_sdk_ecs::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_ecs::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ecs::types::TaskDefinitionField;
use aws_smithy_types::body::SdkBody;
use portfolio_core::AwsError;
use serde_json::Value;

use crate::empty::KeepKeys;
use crate::error::Error;
use crate::model::TaskDefinition;

/// The live task definition of `service` in `cluster` (tags included).
pub async fn load_service(
    client: &Client,
    cluster: &str,
    service: &str,
) -> Result<TaskDefinition, Error> {
    let arn = service_task_definition(client, cluster, service).await?;
    let response = describe_task_definition(client, &arn).await?;
    TaskDefinition::from_describe_response(
        response,
        &format!("service {cluster}/{service} ({arn})"),
    )
}

/// Revision `FAMILY:REVISION`, or the latest ACTIVE one of `FAMILY`, or an
/// ARN (tags included).
pub async fn load_family(client: &Client, task_definition: &str) -> Result<TaskDefinition, Error> {
    let response = describe_task_definition(client, task_definition).await?;
    TaskDefinition::from_describe_response(response, &format!("task definition {task_definition}"))
}

/// The task definition ARN that `service` runs (DescribeServices).
pub async fn service_task_definition(
    client: &Client,
    cluster: &str,
    service: &str,
) -> Result<String, Error> {
    let not_found = || {
        Error::NotFound(format!(
            "service '{service}' not found in cluster '{cluster}'"
        ))
    };
    let output = client
        .describe_services()
        .cluster(cluster)
        .services(service)
        .send()
        .await
        .map_err(|err| match err.as_service_error() {
            Some(e) if e.is_cluster_not_found_exception() => {
                Error::NotFound(format!("cluster '{cluster}' not found"))
            }
            _ => AwsError::new("ecs:DescribeServices", &err)
                .on(format!("{cluster}/{service}"))
                .into(),
        })?;
    let found = output
        .services()
        .iter()
        .find(|s| s.status() != Some("INACTIVE"))
        .ok_or_else(not_found)?;
    found.task_definition().map(str::to_owned).ok_or_else(|| {
        Error::NotFound(format!(
            "service '{service}' in cluster '{cluster}' has no task definition"
        ))
    })
}

/// The DescribeTaskDefinition response (`{"taskDefinition": ..., "tags":
/// [...]}`) exactly as ECS returned it.
pub async fn describe_task_definition(
    client: &Client,
    task_definition: &str,
) -> Result<Value, Error> {
    let capture = CaptureBody::default();
    client
        .describe_task_definition()
        .task_definition(task_definition)
        .include(TaskDefinitionField::Tags)
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|err| match err.as_service_error() {
            Some(e) if e.is_client_exception() => Error::NotFound(format!(
                "task definition '{task_definition}' not found ({})",
                e.meta().message().unwrap_or("ClientException")
            )),
            _ => AwsError::new("ecs:DescribeTaskDefinition", &err)
                .on(task_definition)
                .into(),
        })?;
    let body = capture.take().ok_or_else(|| {
        AwsError::other(
            "ecs:DescribeTaskDefinition",
            "the response body was not available",
        )
        .on(task_definition)
    })?;
    serde_json::from_slice(&body).map_err(|err| {
        AwsError::other(
            "ecs:DescribeTaskDefinition",
            format!("the response is not JSON: {err}"),
        )
        .on(task_definition)
        .into()
    })
}

/// Registers `definition` (every field, known to the SDK or not) as
/// [`TaskDefinition::to_register`] prepares it, keeping the empty values of
/// the `keep` keys, and returns the new revision's ARN.
pub async fn register_task_definition(
    client: &Client,
    definition: &TaskDefinition,
    keep: &KeepKeys,
) -> Result<String, Error> {
    let definition = &definition.to_register(keep)?;
    let target = definition
        .family()
        .unwrap_or(definition.origin())
        .to_owned();
    let body = serde_json::to_vec(definition.as_map()).map_err(|err| {
        AwsError::other(
            "ecs:RegisterTaskDefinition",
            format!("cannot build the request: {err}"),
        )
        .on(target.clone())
    })?;
    let output = client
        .register_task_definition()
        .set_family(definition.family().map(str::to_owned))
        .customize()
        .mutate_request(move |request| {
            request
                .headers_mut()
                .insert("content-length", body.len().to_string());
            *request.body_mut() = SdkBody::from(body.clone());
        })
        .send()
        .await
        .map_err(|err| AwsError::new("ecs:RegisterTaskDefinition", &err).on(target.clone()))?;
    output
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .map(str::to_owned)
        .ok_or_else(|| {
            AwsError::other(
                "ecs:RegisterTaskDefinition",
                "the response has no taskDefinitionArn",
            )
            .on(target)
            .into()
        })
}

/// Keeps a copy of the response body once the SDK has read it.
#[derive(Debug, Clone, Default)]
struct CaptureBody(Arc<Mutex<Option<Vec<u8>>>>);

impl CaptureBody {
    fn take(&self) -> Option<Vec<u8>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

impl Intercept for CaptureBody {
    fn name(&self) -> &'static str {
        "CaptureBody"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if let Some(bytes) = context.response().body().bytes() {
            *self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(bytes.to_vec());
        }
        Ok(())
    }
}
