//! RunTask: tasks started on their own, not by a service. Validated as ECS validates
//! them (count, startedBy, launch type or capacity provider strategy, the awsvpc network
//! configuration, container overrides), then launched with the same life as a service's
//! task, except that their command runs to the end (see [`super::task`]).

use serde_json::Value;

use super::external::PlaneLink;
use super::launch::{availability_zone, containers, number_string, task_seed};
use super::task::{Launch, Standalone, Task};
use super::{ACCOUNT, Model, Rejection, hex_id};

/// Most tasks one RunTask starts.
pub const MAX_COUNT: i64 = 10;
/// Longest `startedBy`.
pub const MAX_STARTED_BY: usize = 128;
/// Most subnets of an awsvpc configuration.
pub const MAX_SUBNETS: usize = 16;
/// Most security groups of an awsvpc configuration.
pub const MAX_SECURITY_GROUPS: usize = 5;

/// The parameters of RunTask the model acts on.
#[derive(Debug, Clone, Default)]
pub struct RunTask {
    /// `taskDefinition`: family, family:revision or ARN.
    pub task_definition: String,
    /// `count` (1 when absent).
    pub count: Option<i64>,
    /// `startedBy`.
    pub started_by: Option<String>,
    /// `group` (`family:<family>` when absent).
    pub group: Option<String>,
    /// `launchType`.
    pub launch_type: Option<String>,
    /// `capacityProviderStrategy`.
    pub capacity_provider_strategy: Vec<Value>,
    /// `networkConfiguration`.
    pub network_configuration: Option<Value>,
    /// `overrides.containerOverrides`.
    pub container_overrides: Vec<Value>,
}

impl Model {
    /// RunTask: validates the request as ECS does, then launches `count` tasks at `t`;
    /// returns their ids.
    ///
    /// # Errors
    /// Unknown cluster or task definition; the InvalidParameterException ECS answers
    /// for a bad count, startedBy, launch type, network configuration or override.
    pub fn run_task(
        &mut self,
        region: &str,
        cluster: Option<&str>,
        req: &RunTask,
        t: f64,
    ) -> Result<Vec<String>, Rejection> {
        let cname = self.cluster(cluster)?.name.clone();
        let count = req.count.unwrap_or(1);
        if !(1..=MAX_COUNT).contains(&count) {
            return Err(invalid(format!(
                "count must be between 1 and {MAX_COUNT}, not {count}."
            )));
        }
        if let Some(by) = &req.started_by {
            check_started_by(by)?;
        }
        let def = self
            .task_defs
            .resolve(&req.task_definition)
            .ok_or_else(|| Rejection::Client("TaskDefinition not found.".into()))?;
        if !def.active {
            return Err(Rejection::Client("TaskDefinition is inactive".into()));
        }
        let (def_arn, family, body) = (def.arn.clone(), def.family.clone(), def.body.clone());
        let launch_type = launch_type(req)?;
        check_compatibility(&body, &launch_type)?;
        check_network(&body, req.network_configuration.as_ref(), &launch_type)?;
        check_overrides(&body, &req.container_overrides)?;

        let Self {
            clusters,
            rng,
            seed,
            task_seq,
            timings,
            image_digests,
            plane,
            ..
        } = self;
        let cluster = clusters.get_mut(&cname).ok_or(Rejection::ClusterNotFound)?;
        let standalone = Standalone {
            group: req
                .group
                .clone()
                .unwrap_or_else(|| format!("family:{family}")),
            container_overrides: req.container_overrides.clone(),
        };
        let mut ids = Vec::new();
        for _ in 0..count {
            let task_seed = task_seed(*seed, task_seq);
            let id = hex_id(rng);
            let (mut containers, behavior) =
                containers(&body, &id, &req.container_overrides, task_seed);
            for c in &mut containers {
                c.image_digest = image_digests.resolve(&c.image);
            }
            let spec = Launch {
                arn: format!("arn:aws:ecs:{region}:{ACCOUNT}:task/{cname}/{id}"),
                id: id.clone(),
                cluster_arn: cluster.arn.clone(),
                task_definition_arn: def_arn.clone(),
                started_by: req.started_by.clone().unwrap_or_default(),
                service: String::new(),
                standalone: Some(standalone.clone()),
                behavior,
                containers,
                cpu: number_string(body.get("cpu")),
                memory: number_string(body.get("memory")),
                launch_type: Some(launch_type.clone()),
                availability_zone: availability_zone(region, task_seed),
                seed: task_seed,
                timings: *timings,
                targets: Vec::new(),
                grace_period: 0.0,
            };
            let mut task = Task::launch(spec, t);
            task.plane = plane.map(PlaneLink::new);
            cluster.tasks.insert(id.clone(), task);
            ids.push(id);
        }
        Ok(ids)
    }
}

fn invalid(message: impl Into<String>) -> Rejection {
    Rejection::InvalidParameter(message.into())
}

/// Up to 128 letters, digits, hyphens, forward slashes and underscores.
fn check_started_by(by: &str) -> Result<(), Rejection> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/');
    if by.len() > MAX_STARTED_BY || !by.chars().all(allowed) {
        return Err(invalid(format!(
            "startedBy can have up to {MAX_STARTED_BY} letters (uppercase and lowercase), \
             numbers, hyphens (-), forward slashes (/), and underscores (_)."
        )));
    }
    Ok(())
}

/// The launch type the tasks get: `launchType`, else the capacity provider strategy's
/// (FARGATE and FARGATE_SPOT run on Fargate; a cluster of ecs-sim has no other
/// provider), else EC2, ECS's default without a cluster default strategy.
fn launch_type(req: &RunTask) -> Result<String, Rejection> {
    let strategy = &req.capacity_provider_strategy;
    match (&req.launch_type, strategy.is_empty()) {
        (Some(_), false) => Err(invalid(
            "Specifying both a launch type and capacity provider strategy is not supported. \
             Remove one and try again.",
        )),
        (Some(lt), true) => match lt.as_str() {
            "FARGATE" | "EC2" | "EXTERNAL" | "MANAGED_INSTANCES" => Ok(lt.clone()),
            other => Err(invalid(format!(
                "launchType {other:?} is not one of EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES."
            ))),
        },
        (None, false) => {
            for item in strategy {
                let provider = item
                    .get("capacityProvider")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if provider != "FARGATE" && provider != "FARGATE_SPOT" {
                    return Err(invalid(
                        "The specified capacity provider strategy cannot contain a capacity \
                         provider that is not associated with the cluster. Associate the \
                         capacity provider with the cluster or specify a valid capacity \
                         provider and try again.",
                    ));
                }
            }
            Ok("FARGATE".into())
        }
        (None, true) => Ok("EC2".into()),
    }
}

/// Fargate needs a definition compatible with it; EC2, EXTERNAL and managed instances
/// need container instances, which ecs-sim clusters never have.
fn check_compatibility(body: &Value, launch_type: &str) -> Result<(), Rejection> {
    if launch_type != "FARGATE" {
        return Err(invalid(
            "No Container Instances were found in your cluster.",
        ));
    }
    let compatible = body
        .get("requiresCompatibilities")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|c| c.as_str() == Some("FARGATE")));
    if !compatible {
        return Err(invalid(
            "Task definition does not support launch_type FARGATE.",
        ));
    }
    Ok(())
}

/// awsvpc needs a network configuration with subnets; other modes take none.
fn check_network(
    body: &Value,
    network: Option<&Value>,
    launch_type: &str,
) -> Result<(), Rejection> {
    let awsvpc = body.get("networkMode").and_then(Value::as_str) == Some("awsvpc");
    let Some(network) = network else {
        return match awsvpc {
            true => Err(invalid(
                "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
            )),
            false => Ok(()),
        };
    };
    if !awsvpc {
        return Err(invalid(
            "Network Configuration is not valid for the given networkMode of this task \
             definition.",
        ));
    }
    let vpc = network.get("awsvpcConfiguration").unwrap_or(&Value::Null);
    let count = |key: &str| vpc.get(key).and_then(Value::as_array).map_or(0, Vec::len);
    if count("subnets") == 0 {
        return Err(invalid("subnets can not be empty."));
    }
    if count("subnets") > MAX_SUBNETS {
        return Err(invalid(format!(
            "At most {MAX_SUBNETS} subnets are allowed."
        )));
    }
    if count("securityGroups") > MAX_SECURITY_GROUPS {
        return Err(invalid(format!(
            "At most {MAX_SECURITY_GROUPS} security groups are allowed."
        )));
    }
    match vpc.get("assignPublicIp").and_then(Value::as_str) {
        None | Some("DISABLED") => Ok(()),
        Some("ENABLED") if launch_type == "FARGATE" => Ok(()),
        Some("ENABLED") => Err(invalid(
            "Assign public IP is not supported for this launch type.",
        )),
        Some(other) => Err(invalid(format!(
            "assignPublicIp {other:?} is not one of ENABLED, DISABLED."
        ))),
    }
}

/// Every override names a container of the definition.
fn check_overrides(body: &Value, overrides: &[Value]) -> Result<(), Rejection> {
    let names: Vec<&str> = body
        .get("containerDefinitions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("name").and_then(Value::as_str))
        .collect();
    for o in overrides {
        let name = o.get("name").and_then(Value::as_str).unwrap_or_default();
        if !names.contains(&name) {
            return Err(invalid(format!(
                "Override for container named {name} is not a container in the TaskDefinition."
            )));
        }
    }
    Ok(())
}
