//! How ECS renders clusters, services, deployments, tasks and service deployments.
//!
//! Shapes follow the ECS API as the SDKs parse it: timestamps are epoch seconds as
//! floating-point numbers, counts are integers, a task's and container's cpu and memory
//! are strings.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::model::deployment::{Deployment, Rollout, Status};
use crate::model::scheduler::tally;
use crate::model::service::Service;
use crate::model::task::Task;
use crate::model::{ACCOUNT, Cluster, last_segment};

/// Insert `value` under `key` when it is `Some`.
fn put<T: Into<Value>>(m: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(v) = value {
        m.insert(key.into(), v.into());
    }
}

/// Tags as `[{"key":..,"value":..}]`.
#[must_use]
pub fn tags(tags: Option<&Vec<(String, String)>>) -> Value {
    Value::Array(
        tags.map(|t| {
            t.iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect()
        })
        .unwrap_or_default(),
    )
}

/// A cluster.
#[must_use]
pub fn cluster(c: &Cluster, tag_list: Option<Value>) -> Value {
    let running = c.tasks.values().filter(|t| t.is_running()).count();
    let pending = c.tasks.values().filter(|t| t.is_pending()).count();
    let active = c
        .services
        .iter()
        .filter(|s| s.status == crate::model::service::ServiceStatus::Active)
        .count();
    let mut v = json!({
        "clusterArn": c.arn,
        "clusterName": c.name,
        "status": "ACTIVE",
        "registeredContainerInstancesCount": 0,
        "runningTasksCount": running,
        "pendingTasksCount": pending,
        "activeServicesCount": active,
        "statistics": [],
        "settings": c.settings,
        "capacityProviders": [],
        "defaultCapacityProviderStrategy": [],
    });
    if let (Some(t), Value::Object(m)) = (tag_list, &mut v) {
        m.insert("tags".into(), t);
    }
    v
}

/// One deployment within DescribeServices.
#[must_use]
pub fn deployment(d: &Deployment, tasks: &BTreeMap<String, Task>) -> Value {
    let k = tally(tasks, &d.id);
    let mut m = Map::new();
    m.insert("id".into(), json!(d.id));
    m.insert("status".into(), json!(d.status.as_str()));
    m.insert("taskDefinition".into(), json!(d.task_definition));
    m.insert("desiredCount".into(), json!(d.desired_count));
    m.insert("pendingCount".into(), json!(k.pending));
    m.insert("runningCount".into(), json!(k.running));
    m.insert("failedTasks".into(), json!(d.failed_tasks));
    m.insert("createdAt".into(), json!(d.created_at));
    m.insert("updatedAt".into(), json!(d.updated_at));
    put(&mut m, "launchType", d.launch_type.clone());
    if d.launch_type.as_deref() == Some("FARGATE") {
        m.insert("platformVersion".into(), json!("1.4.0"));
        m.insert("platformFamily".into(), json!("Linux"));
    }
    put(
        &mut m,
        "networkConfiguration",
        d.network_configuration.clone(),
    );
    m.insert("rolloutState".into(), json!(d.rollout.as_str()));
    m.insert("rolloutStateReason".into(), json!(d.rollout_reason));
    Value::Object(m)
}

/// A service.
#[must_use]
pub fn service(s: &Service, tasks: &BTreeMap<String, Task>, tag_list: Option<Value>) -> Value {
    let deployments: Vec<Value> = s
        .visible_deployments()
        .map(|d| deployment(d, tasks))
        .collect();
    let (mut running, mut pending) = (0, 0);
    for d in s.visible_deployments() {
        let k = tally(tasks, &d.id);
        running += k.running;
        pending += k.pending;
    }
    let events: Vec<Value> = s
        .events
        .iter()
        .map(|e| json!({"id": e.id, "createdAt": e.created_at, "message": e.message}))
        .collect();
    let mut m = Map::new();
    m.insert("serviceArn".into(), json!(s.arn));
    m.insert("serviceName".into(), json!(s.name));
    m.insert("clusterArn".into(), json!(s.cluster_arn));
    m.insert("loadBalancers".into(), json!([]));
    m.insert("serviceRegistries".into(), json!([]));
    m.insert("status".into(), json!(s.status.as_str()));
    m.insert("desiredCount".into(), json!(s.desired_count));
    m.insert("runningCount".into(), json!(running));
    m.insert("pendingCount".into(), json!(pending));
    put(&mut m, "launchType", s.launch_type.clone());
    if s.launch_type.as_deref() == Some("FARGATE") {
        m.insert("platformVersion".into(), json!("LATEST"));
        m.insert("platformFamily".into(), json!("Linux"));
    }
    m.insert("taskDefinition".into(), json!(s.task_definition));
    m.insert("deploymentConfiguration".into(), s.config.to_json());
    m.insert("deployments".into(), Value::Array(deployments));
    put(
        &mut m,
        "currentServiceDeployment",
        current_service_deployment(s),
    );
    m.insert("events".into(), Value::Array(events));
    m.insert("createdAt".into(), json!(s.created_at));
    m.insert("placementConstraints".into(), json!([]));
    m.insert("placementStrategy".into(), json!([]));
    put(
        &mut m,
        "networkConfiguration",
        s.network_configuration.clone(),
    );
    m.insert("schedulingStrategy".into(), json!("REPLICA"));
    m.insert("deploymentController".into(), json!({"type": "ECS"}));
    m.insert(
        "createdBy".into(),
        json!(format!("arn:aws:iam::{ACCOUNT}:root")),
    );
    m.insert("enableECSManagedTags".into(), json!(false));
    m.insert("propagateTags".into(), json!("NONE"));
    m.insert("enableExecuteCommand".into(), json!(false));
    for (k, v) in &s.extras {
        m.insert(k.clone(), v.clone());
    }
    if let Some(t) = tag_list {
        m.insert("tags".into(), t);
    }
    Value::Object(m)
}

/// A task.
#[must_use]
pub fn task(t: &Task, tag_list: Option<Value>) -> Value {
    let cluster = last_segment(&t.spec.cluster_arn);
    let region = t.spec.arn.split(':').nth(3).unwrap_or("us-east-1");
    let containers: Vec<Value> = t
        .containers
        .iter()
        .map(|c| {
            let mut m = Map::new();
            m.insert(
                "containerArn".into(),
                json!(format!(
                    "arn:aws:ecs:{region}:{ACCOUNT}:container/{cluster}/{}/{}",
                    t.spec.id, c.name
                )),
            );
            m.insert("taskArn".into(), json!(t.spec.arn));
            m.insert("name".into(), json!(c.name));
            m.insert("image".into(), json!(c.image));
            put(&mut m, "imageDigest", c.image_digest.clone());
            m.insert("lastStatus".into(), json!(c.last_status.as_str()));
            put(&mut m, "exitCode", c.exit_code);
            put(&mut m, "reason", c.reason.clone());
            m.insert("networkBindings".into(), json!([]));
            m.insert("networkInterfaces".into(), json!([]));
            m.insert("healthStatus".into(), json!(c.health.as_str()));
            put(&mut m, "cpu", c.cpu.clone());
            put(&mut m, "memory", c.memory.clone());
            Value::Object(m)
        })
        .collect();
    let given = t
        .spec
        .standalone
        .as_ref()
        .map(|s| s.container_overrides.as_slice())
        .unwrap_or_default();
    let overrides: Vec<Value> = t
        .containers
        .iter()
        .map(|c| {
            given
                .iter()
                .find(|o| o.get("name").and_then(Value::as_str) == Some(c.name.as_str()))
                .cloned()
                .unwrap_or_else(|| json!({"name": c.name}))
        })
        .collect();
    let mut m = Map::new();
    m.insert("attachments".into(), json!([]));
    m.insert(
        "attributes".into(),
        json!([{"name": "ecs.cpu-architecture", "value": "x86_64"}]),
    );
    m.insert("availabilityZone".into(), json!(t.spec.availability_zone));
    m.insert("clusterArn".into(), json!(t.spec.cluster_arn));
    if t.connectivity_at.is_some() {
        m.insert("connectivity".into(), json!("CONNECTED"));
    }
    put(&mut m, "connectivityAt", t.connectivity_at);
    m.insert("containers".into(), Value::Array(containers));
    put(&mut m, "cpu", t.spec.cpu.clone());
    put(&mut m, "memory", t.spec.memory.clone());
    m.insert("createdAt".into(), json!(t.created_at));
    m.insert(
        "desiredStatus".into(),
        json!(if t.desired_running {
            "RUNNING"
        } else {
            "STOPPED"
        }),
    );
    m.insert("enableExecuteCommand".into(), json!(false));
    m.insert("group".into(), json!(t.group()));
    m.insert("healthStatus".into(), json!(t.health.as_str()));
    m.insert("lastStatus".into(), json!(t.last_status.as_str()));
    put(&mut m, "launchType", t.spec.launch_type.clone());
    if t.spec.launch_type.as_deref() == Some("FARGATE") {
        m.insert("platformVersion".into(), json!("1.4.0"));
        m.insert("platformFamily".into(), json!("Linux"));
    }
    m.insert(
        "overrides".into(),
        json!({"containerOverrides": overrides, "inferenceAcceleratorOverrides": []}),
    );
    put(&mut m, "pullStartedAt", t.pull_started_at);
    put(&mut m, "pullStoppedAt", t.pull_stopped_at);
    put(&mut m, "startedAt", t.started_at);
    if !t.spec.started_by.is_empty() {
        m.insert("startedBy".into(), json!(t.spec.started_by));
    }
    put(&mut m, "stopCode", t.stop_code.clone());
    put(&mut m, "stoppedAt", t.stopped_at);
    put(&mut m, "stoppedReason", t.stopped_reason.clone());
    put(&mut m, "stoppingAt", t.stopping_at);
    put(&mut m, "executionStoppedAt", t.execution_stopped_at);
    m.insert("taskArn".into(), json!(t.spec.arn));
    m.insert(
        "taskDefinitionArn".into(),
        json!(t.spec.task_definition_arn),
    );
    m.insert("version".into(), json!(t.version));
    m.insert("ephemeralStorage".into(), json!({"sizeInGiB": 20}));
    m.insert("tags".into(), tag_list.unwrap_or_else(|| json!([])));
    Value::Object(m)
}

fn arn_of(kind: &str, s: &Service, digits: &str) -> String {
    let cluster = last_segment(&s.cluster_arn);
    format!(
        "arn:aws:ecs:{}:{ACCOUNT}:{kind}/{cluster}/{}/{digits}",
        s.region, s.name
    )
}

/// The ARN of the service deployment record of deployment `d` (none for a rollback
/// deployment, which is reported in the record of the deployment it rolls back).
#[must_use]
pub fn service_deployment_arn(s: &Service, d: &Deployment) -> Option<String> {
    d.record
        .as_ref()
        .map(|r| arn_of("service-deployment", s, &r.arn_id))
}

/// `currentServiceDeployment`: the record of the PRIMARY deployment, or of the
/// deployment it rolls back.
fn current_service_deployment(s: &Service) -> Option<String> {
    let primary = s.primary()?;
    let owner = match &primary.rollback_of {
        Some(of) => s.deployments.iter().find(|d| &d.id == of)?,
        None => primary,
    };
    service_deployment_arn(s, owner)
}

fn revision(s: &Service, d: &Deployment, tasks: &BTreeMap<String, Task>) -> Value {
    let k = tally(tasks, &d.id);
    json!({
        "arn": arn_of("service-revision", s, d.digits()),
        "requestedTaskCount": d.desired_count,
        "runningTaskCount": k.running,
        "pendingTaskCount": k.pending,
    })
}

/// A full service deployment (DescribeServiceDeployments).
#[must_use]
pub fn service_deployment(s: &Service, d: &Deployment, tasks: &BTreeMap<String, Task>) -> Value {
    let mut m = Map::new();
    let Some(rec) = &d.record else {
        return Value::Object(m);
    };
    put(&mut m, "serviceDeploymentArn", service_deployment_arn(s, d));
    m.insert("serviceArn".into(), json!(s.arn));
    m.insert("clusterArn".into(), json!(s.cluster_arn));
    m.insert("createdAt".into(), json!(d.created_at));
    put(&mut m, "startedAt", rec.started_at);
    put(&mut m, "finishedAt", rec.finished_at);
    put(&mut m, "stoppedAt", rec.stopped_at);
    m.insert("updatedAt".into(), json!(rec.updated_at));
    let sources: Vec<Value> = rec
        .sources
        .iter()
        .filter_map(|id| s.deployments.iter().find(|x| &x.id == id))
        .map(|x| revision(s, x, tasks))
        .collect();
    m.insert("sourceServiceRevisions".into(), Value::Array(sources));
    m.insert("targetServiceRevision".into(), revision(s, d, tasks));
    m.insert("status".into(), json!(rec.status.as_str()));
    put(&mut m, "statusReason", rec.status_reason.clone());
    m.insert("deploymentConfiguration".into(), d.config.to_json());
    if let Some(rb) = &rec.rollback {
        m.insert(
            "rollback".into(),
            json!({
                "reason": rb.reason,
                "startedAt": rb.started_at,
                "serviceRevisionArn": arn_of("service-revision", s, rb.deployment_id.trim_start_matches("ecs-svc/")),
            }),
        );
    }
    let breaker_status = if !d.config.breaker_enable {
        "DISABLED"
    } else if rec.breaker_triggered {
        "TRIGGERED"
    } else if d.rollout == Rollout::InProgress && d.status == Status::Primary {
        "MONITORING"
    } else {
        "MONITORING_COMPLETE"
    };
    m.insert(
        "deploymentCircuitBreaker".into(),
        json!({
            "status": breaker_status,
            "failureCount": d.failed_tasks,
            "threshold": d.breaker_threshold(),
        }),
    );
    // ecs-sim models no CloudWatch alarms: ECS reports the alarm check DISABLED.
    m.insert("alarms".into(), json!({"status": "DISABLED"}));
    Value::Object(m)
}

/// A service deployment summary (ListServiceDeployments).
#[must_use]
pub fn service_deployment_brief(s: &Service, d: &Deployment) -> Value {
    let mut m = Map::new();
    let Some(rec) = &d.record else {
        return Value::Object(m);
    };
    put(&mut m, "serviceDeploymentArn", service_deployment_arn(s, d));
    m.insert("serviceArn".into(), json!(s.arn));
    m.insert("clusterArn".into(), json!(s.cluster_arn));
    put(&mut m, "startedAt", rec.started_at);
    m.insert("createdAt".into(), json!(d.created_at));
    put(&mut m, "finishedAt", rec.finished_at);
    m.insert(
        "targetServiceRevisionArn".into(),
        json!(arn_of("service-revision", s, d.digits())),
    );
    m.insert("status".into(), json!(rec.status.as_str()));
    put(&mut m, "statusReason", rec.status_reason.clone());
    Value::Object(m)
}
