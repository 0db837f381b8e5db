//! The ECS operations (`AmazonEC2ContainerServiceV20141113.<Op>`).

use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::params::{PAGE_100, PAGE_SERVICE_DEPLOYMENTS, PAGE_SERVICES, Params, batch, page};
use super::render;
use crate::model::ops::{NewService, ServiceUpdate, StopType};
use crate::model::{ACCOUNT, Model, Rejection, last_segment};

/// Where and when a call happens.
#[derive(Debug, Clone)]
pub struct Call {
    /// Region from the SigV4 credential scope.
    pub region: String,
    /// Simulated time of the call.
    pub now: f64,
}

/// Run ECS operation `op`.
///
/// # Errors
/// The AWS error the operation answers with.
pub fn call(model: &mut Model, c: &Call, op: &str, body: &Value) -> Result<Value, ApiError> {
    let p = Params(body);
    match op {
        "CreateCluster" => create_cluster(model, c, p),
        "DescribeClusters" => describe_clusters(model, c, p),
        "RegisterTaskDefinition" => register_task_definition(model, c, p),
        "DescribeTaskDefinition" => describe_task_definition(model, p),
        "DeregisterTaskDefinition" => deregister_task_definition(model, c, p),
        "ListTaskDefinitions" => list_task_definitions(model, p),
        "CreateService" => create_service(model, c, p),
        "UpdateService" => update_service(model, c, p),
        "DescribeServices" => describe_services(model, c, p),
        "DeleteService" => delete_service(model, p),
        "ListServices" => list_services(model, p),
        "ListTasks" => list_tasks(model, p),
        "DescribeTasks" => describe_tasks(model, p),
        "StopTask" => stop_task(model, c, p),
        "RunTask" => super::run_task::run_task(model, c, p),
        "ListServiceDeployments" => list_service_deployments(model, c, p),
        "DescribeServiceDeployments" => describe_service_deployments(model, c, p),
        "StopServiceDeployment" => stop_service_deployment(model, c, p),
        "TagResource" => tag_resource(model, p),
        "UntagResource" => untag_resource(model, p),
        "ListTagsForResource" => list_tags(model, p),
        _ => Err(ApiError::unknown_operation(op)),
    }
}

/// The tags of resource `arn`, as ECS renders them.
pub fn tags_of(model: &Model, arn: &str) -> Value {
    render::tags(model.tags.get(arn))
}

/// Adds `tags` to resource `arn` (a key given again replaces its value).
pub fn add_tags(model: &mut Model, arn: &str, tags: Vec<(String, String)>) {
    if tags.is_empty() {
        return;
    }
    let list = model.tags.entry(arn.to_owned()).or_default();
    for (k, v) in tags {
        list.retain(|(key, _)| *key != k);
        list.push((k, v));
    }
}

fn create_cluster(model: &mut Model, c: &Call, p: Params<'_>) -> Result<Value, ApiError> {
    let name = p.str("clusterName").unwrap_or("default").to_owned();
    let settings = p.value("settings").cloned().unwrap_or_else(|| json!([]));
    let arn = model.create_cluster(&c.region, &name, settings).arn.clone();
    add_tags(model, &arn, p.tags());
    let cluster = model.cluster(Some(&name))?;
    Ok(json!({"cluster": render::cluster(cluster, Some(tags_of(model, &arn)))}))
}

fn describe_clusters(model: &Model, c: &Call, p: Params<'_>) -> Result<Value, ApiError> {
    let mut names = p.strings("clusters");
    if names.is_empty() {
        names.push("default");
    }
    let with_tags = p.includes("TAGS");
    let (mut clusters, mut failures) = (Vec::new(), Vec::new());
    for n in names {
        match model.cluster(Some(n)) {
            Ok(cl) => clusters.push(render::cluster(cl, with_tags.then(|| tags_of(model, &cl.arn)))),
            Err(_) => failures.push(json!({
                "arn": if n.starts_with("arn:") { n.to_owned() } else { format!("arn:aws:ecs:{}:{ACCOUNT}:cluster/{n}", c.region) },
                "reason": "MISSING",
            })),
        }
    }
    Ok(json!({"clusters": clusters, "failures": failures}))
}

fn register_task_definition(model: &mut Model, c: &Call, p: Params<'_>) -> Result<Value, ApiError> {
    let Value::Object(body) = p.0 else {
        return Err(ApiError::client("Invalid request body."));
    };
    let tags = p.tags();
    let def = model
        .task_defs
        .register(&c.region, body.clone(), c.now)
        .map_err(ApiError::client)?;
    let (arn, body) = (def.arn.clone(), def.body.clone());
    add_tags(model, &arn, tags);
    Ok(json!({"taskDefinition": body, "tags": tags_of(model, &arn)}))
}

fn describe_task_definition(model: &Model, p: Params<'_>) -> Result<Value, ApiError> {
    let reference = p.required("taskDefinition")?;
    let def = model
        .task_defs
        .resolve(reference)
        .ok_or_else(|| ApiError::client("Unable to describe task definition."))?;
    let mut out = json!({"taskDefinition": def.body});
    if p.includes("TAGS") {
        out["tags"] = tags_of(model, &def.arn);
    }
    Ok(out)
}

fn deregister_task_definition(
    model: &mut Model,
    c: &Call,
    p: Params<'_>,
) -> Result<Value, ApiError> {
    let reference = p.required("taskDefinition")?;
    if !reference.contains(':') {
        return Err(ApiError::client(
            "Revision must be specified for task definition deregistration.",
        ));
    }
    let def = model
        .task_defs
        .deregister(reference, c.now)
        .ok_or_else(|| ApiError::client("The specified task definition does not exist."))?;
    Ok(json!({"taskDefinition": def.body}))
}

fn list_task_definitions(model: &Model, p: Params<'_>) -> Result<Value, ApiError> {
    let prefix = p.str("familyPrefix");
    let status = p.str("status").unwrap_or("ACTIVE");
    let mut arns: Vec<String> = model
        .task_defs
        .all()
        .filter(|d| prefix.is_none_or(|f| d.family.starts_with(f)))
        .filter(|d| (status == "ACTIVE") == d.active)
        .map(|d| d.arn.clone())
        .collect();
    if p.str("sort") == Some("DESC") {
        arns.reverse();
    }
    let (items, next) = page(arns, p, PAGE_100)?;
    Ok(with_token(json!({"taskDefinitionArns": items}), next))
}

fn with_token(mut v: Value, next: Option<String>) -> Value {
    if let Some(t) = next {
        v["nextToken"] = json!(t);
    }
    v
}

fn create_service(model: &mut Model, c: &Call, p: Params<'_>) -> Result<Value, ApiError> {
    let name = p.required("serviceName")?.to_owned();
    let task_definition = p.required("taskDefinition")?.to_owned();
    let mut extras = Map::new();
    for key in [
        "loadBalancers",
        "serviceRegistries",
        "healthCheckGracePeriodSeconds",
        "propagateTags",
        "enableECSManagedTags",
        "enableExecuteCommand",
        "placementConstraints",
        "placementStrategy",
        "capacityProviderStrategy",
        "platformVersion",
    ] {
        if let Some(v) = p.value(key) {
            extras.insert(key.into(), v.clone());
        }
    }
    let req = NewService {
        name,
        task_definition,
        desired_count: p.i64("desiredCount").unwrap_or(0),
        launch_type: p.str("launchType").map(str::to_owned),
        network_configuration: p.value("networkConfiguration").cloned(),
        deployment_configuration: p.value("deploymentConfiguration").cloned(),
        extras,
    };
    let tags = p.tags();
    let arn = model
        .create_service(&c.region, p.str("cluster"), req, c.now)?
        .arn
        .clone();
    add_tags(model, &arn, tags);
    model.advance(c.now);
    service_response(model, p.str("cluster"), &arn)
}

fn service_response(model: &Model, cluster: Option<&str>, arn: &str) -> Result<Value, ApiError> {
    let cl = model.cluster(cluster)?;
    let svc = cl
        .services
        .iter()
        .rev()
        .find(|s| s.arn == arn)
        .ok_or(Rejection::ServiceNotFound)?;
    Ok(json!({"service": render::service(svc, &cl.tasks, None)}))
}

fn update_service(model: &mut Model, c: &Call, p: Params<'_>) -> Result<Value, ApiError> {
    let service = p.required("service")?;
    let req = ServiceUpdate {
        task_definition: p.str("taskDefinition").map(str::to_owned),
        desired_count: p.i64("desiredCount"),
        deployment_configuration: p.value("deploymentConfiguration").cloned(),
        network_configuration: p.value("networkConfiguration").cloned(),
        force_new_deployment: p.bool("forceNewDeployment"),
        extras: [
            "propagateTags",
            "enableECSManagedTags",
            "healthCheckGracePeriodSeconds",
            "loadBalancers",
        ]
        .into_iter()
        .filter_map(|key| Some((key.to_owned(), p.value(key)?.clone())))
        .collect(),
    };
    let arn = model
        .update_service(p.str("cluster"), service, req, c.now)?
        .arn
        .clone();
    model.advance(c.now);
    service_response(model, p.str("cluster"), &arn)
}

fn describe_services(model: &Model, c: &Call, p: Params<'_>) -> Result<Value, ApiError> {
    let names = batch(p, "services", "Services", "service names", 10)?;
    let cl = model.cluster(p.str("cluster"))?;
    let with_tags = p.includes("TAGS");
    let (mut services, mut failures) = (Vec::new(), Vec::new());
    for name in names {
        match cl.service(name) {
            Some(s) => services.push(render::service(
                &model.lag.seen(s, c.now),
                &cl.tasks,
                with_tags.then(|| tags_of(model, &s.arn)),
            )),
            None => failures.push(json!({
                "arn": if name.starts_with("arn:") { name.to_owned() } else {
                    format!("arn:aws:ecs:{}:{ACCOUNT}:service/{}/{name}", c.region, cl.name)
                },
                "reason": "MISSING",
            })),
        }
    }
    Ok(json!({"services": services, "failures": failures}))
}

fn delete_service(model: &mut Model, p: Params<'_>) -> Result<Value, ApiError> {
    let service = p.required("service")?;
    let arn = model
        .delete_service(p.str("cluster"), service, p.bool("force"))?
        .arn
        .clone();
    service_response(model, p.str("cluster"), &arn)
}

fn list_services(model: &Model, p: Params<'_>) -> Result<Value, ApiError> {
    let cl = model.cluster(p.str("cluster"))?;
    let arns: Vec<String> = cl
        .services
        .iter()
        .filter(|s| s.status != crate::model::service::ServiceStatus::Inactive)
        .map(|s| s.arn.clone())
        .collect();
    let (items, next) = page(arns, p, PAGE_SERVICES)?;
    Ok(with_token(json!({"serviceArns": items}), next))
}

fn list_tasks(model: &Model, p: Params<'_>) -> Result<Value, ApiError> {
    let cl = model.cluster(p.str("cluster"))?;
    let service = match p.str("serviceName") {
        Some(s) => Some(
            cl.service(s)
                .ok_or(Rejection::ServiceNotFound)?
                .name
                .clone(),
        ),
        None => None,
    };
    let want_running = p.str("desiredStatus").unwrap_or("RUNNING") != "STOPPED";
    let started_by = p.str("startedBy");
    let family = p.str("family");
    let launch_type = p.str("launchType");
    let mut tasks: Vec<_> = cl
        .tasks
        .values()
        .filter(|t| t.desired_running == want_running)
        .filter(|t| service.as_ref().is_none_or(|s| *s == t.spec.service))
        .filter(|t| started_by.is_none_or(|b| b == t.spec.started_by))
        .filter(|t| {
            family.is_none_or(|f| {
                last_segment(&t.spec.task_definition_arn).split(':').next() == Some(f)
            })
        })
        .filter(|t| launch_type.is_none_or(|l| t.spec.launch_type.as_deref() == Some(l)))
        .collect();
    tasks.sort_by(|a, b| b.created_at.total_cmp(&a.created_at));
    let arns: Vec<String> = tasks.iter().map(|t| t.spec.arn.clone()).collect();
    let (items, next) = page(arns, p, PAGE_100)?;
    Ok(with_token(json!({"taskArns": items}), next))
}

fn describe_tasks(model: &Model, p: Params<'_>) -> Result<Value, ApiError> {
    let ids = batch(p, "tasks", "Tasks", "taskIds", 100)?;
    let cl = model.cluster(p.str("cluster"))?;
    let with_tags = p.includes("TAGS");
    let (mut tasks, mut failures) = (Vec::new(), Vec::new());
    for id in ids {
        match cl.task(id) {
            Some(t) => tasks.push(render::task(
                t,
                with_tags.then(|| tags_of(model, &t.spec.arn)),
            )),
            None => failures.push(json!({"arn": id, "reason": "MISSING"})),
        }
    }
    Ok(json!({"tasks": tasks, "failures": failures}))
}

fn stop_task(model: &mut Model, c: &Call, p: Params<'_>) -> Result<Value, ApiError> {
    let task = p.required("task")?;
    let id = model.stop_task(p.str("cluster"), task, p.str("reason"), c.now)?;
    let cl = model.cluster(p.str("cluster"))?;
    let t = cl
        .task(&id)
        .ok_or(Rejection::Client("Task not found.".into()))?;
    Ok(json!({"task": render::task(t, None)}))
}

fn list_service_deployments(model: &Model, c: &Call, p: Params<'_>) -> Result<Value, ApiError> {
    let service = p.required("service")?;
    let cl = model.cluster(p.str("cluster"))?;
    let svc = cl.service(service).ok_or(Rejection::ServiceNotFound)?;
    let svc = &*model.lag.seen(svc, c.now);
    let statuses = p.strings("status");
    let after = p
        .value("createdAt")
        .and_then(|v| v.get("after"))
        .and_then(Value::as_f64);
    let before = p
        .value("createdAt")
        .and_then(|v| v.get("before"))
        .and_then(Value::as_f64);
    let briefs: Vec<Value> = svc
        .deployments
        .iter()
        .rev()
        .filter(|d| {
            d.record
                .as_ref()
                .is_some_and(|r| statuses.is_empty() || statuses.contains(&r.status.as_str()))
        })
        .filter(|d| after.is_none_or(|a| d.created_at >= a))
        .filter(|d| before.is_none_or(|b| d.created_at <= b))
        .map(|d| render::service_deployment_brief(svc, d))
        .collect();
    let (items, next) = page(briefs, p, PAGE_SERVICE_DEPLOYMENTS)?;
    Ok(with_token(json!({"serviceDeployments": items}), next))
}

fn describe_service_deployments(model: &Model, c: &Call, p: Params<'_>) -> Result<Value, ApiError> {
    let arns = batch(
        p,
        "serviceDeploymentArns",
        "serviceDeploymentArns",
        "serviceDeploymentArns",
        20,
    )?;
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    'arns: for arn in arns {
        let arn_id = last_segment(arn);
        for cl in model.clusters.values() {
            for svc in &cl.services {
                // A service deployment still propagating is not found yet.
                let svc = &*model.lag.seen(svc, c.now);
                if let Some(d) = svc.deployments.iter().find(|d| d.has_record(arn_id)) {
                    found.push(render::service_deployment(svc, d, &cl.tasks));
                    continue 'arns;
                }
            }
        }
        failures.push(json!({"arn": arn, "reason": "MISSING"}));
    }
    Ok(json!({"serviceDeployments": found, "failures": failures}))
}

fn stop_service_deployment(model: &mut Model, c: &Call, p: Params<'_>) -> Result<Value, ApiError> {
    let arn = p.required("serviceDeploymentArn")?;
    let stop_type = match p.str("stopType") {
        None => StopType::Rollback,
        Some(s) => StopType::parse(s).ok_or_else(|| {
            ApiError::invalid(format!(
                "Invalid stopType '{s}'. Valid values are ABORT and ROLLBACK."
            ))
        })?,
    };
    let arn = model.stop_service_deployment(arn, stop_type, c.now)?;
    model.advance(c.now);
    Ok(json!({"serviceDeploymentArn": arn}))
}

fn tag_resource(model: &mut Model, p: Params<'_>) -> Result<Value, ApiError> {
    let arn = p.required("resourceArn")?.to_owned();
    add_tags(model, &arn, p.tags());
    Ok(json!({}))
}

fn untag_resource(model: &mut Model, p: Params<'_>) -> Result<Value, ApiError> {
    let arn = p.required("resourceArn")?;
    let keys = p.strings("tagKeys");
    if let Some(list) = model.tags.get_mut(arn) {
        list.retain(|(k, _)| !keys.contains(&k.as_str()));
    }
    Ok(json!({}))
}

fn list_tags(model: &Model, p: Params<'_>) -> Result<Value, ApiError> {
    let arn = p.required("resourceArn")?;
    Ok(json!({"tags": tags_of(model, arn)}))
}
