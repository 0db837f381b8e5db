//! RunTask (`AmazonEC2ContainerServiceV20141113.RunTask`): parse the request, let the
//! model validate and launch, tag the tasks, answer `{"tasks": [...], "failures": []}`.

use serde_json::{Value, json};

use super::ecs::{Call, add_tags, tags_of};
use super::errors::ApiError;
use super::params::Params;
use super::render;
use crate::model::standalone::RunTask;
use crate::model::{Model, Rejection};

/// Most tags a task takes.
pub const MAX_TAGS: usize = 50;

/// RunTask.
///
/// # Errors
/// What ECS answers for a bad request (see [`Model::run_task`]).
pub fn run_task(model: &mut Model, c: &Call, p: Params<'_>) -> Result<Value, ApiError> {
    let list = |key: &str| {
        p.value(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let req = RunTask {
        task_definition: p.required("taskDefinition")?.to_owned(),
        count: p.i64("count"),
        started_by: p.str("startedBy").map(str::to_owned),
        group: p.str("group").map(str::to_owned),
        launch_type: p.str("launchType").map(str::to_owned),
        capacity_provider_strategy: list("capacityProviderStrategy"),
        network_configuration: p.value("networkConfiguration").cloned(),
        container_overrides: p
            .value("overrides")
            .and_then(|o| o.get("containerOverrides"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    };
    let mut tags = p.tags();
    if tags.len() > MAX_TAGS {
        return Err(ApiError::invalid(format!(
            "A resource can have at most {MAX_TAGS} tags."
        )));
    }
    let cluster = p.str("cluster");
    let ids = model.run_task(&c.region, cluster, &req, c.now)?;
    let cl = model.cluster(cluster)?;
    if p.bool("enableECSManagedTags") {
        tags.push(("aws:ecs:clusterName".into(), cl.name.clone()));
    }
    let arns: Vec<String> = ids
        .iter()
        .filter_map(|id| cl.task(id))
        .map(|t| t.spec.arn.clone())
        .collect();
    for arn in &arns {
        add_tags(model, arn, tags.clone());
    }
    let cl = model.cluster(cluster)?;
    let tasks: Vec<Value> = ids
        .iter()
        .map(|id| {
            let task = cl
                .task(id)
                .ok_or(Rejection::Client("Task not found.".into()))?;
            Ok(render::task(task, Some(tags_of(model, &task.spec.arn))))
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(json!({"tasks": tasks, "failures": []}))
}
