//! Operations the API performs on the model: create and update services, stop tasks,
//! stop service deployments. Parsing and rendering stay in the API layer.

use serde_json::{Map, Value};

use super::deployment::{DeploymentConfig, RecordStatus, Rollout};
use super::scheduler::{self, Trigger};
use super::service::{Origin, Service, ServiceStatus};
use super::texts;
use super::{ACCOUNT, Cluster, Model, Rejection, last_segment};

/// Parameters of CreateService.
#[derive(Debug, Clone, Default)]
pub struct NewService {
    /// Service name.
    pub name: String,
    /// Task definition reference.
    pub task_definition: String,
    /// Desired tasks.
    pub desired_count: i64,
    /// Launch type.
    pub launch_type: Option<String>,
    /// Network configuration.
    pub network_configuration: Option<Value>,
    /// deploymentConfiguration.
    pub deployment_configuration: Option<Value>,
    /// Other fields echoed back.
    pub extras: Map<String, Value>,
}

/// Parameters of UpdateService.
#[derive(Debug, Clone, Default)]
pub struct ServiceUpdate {
    /// New task definition reference.
    pub task_definition: Option<String>,
    /// New desired count.
    pub desired_count: Option<i64>,
    /// New deploymentConfiguration (merged).
    pub deployment_configuration: Option<Value>,
    /// New network configuration.
    pub network_configuration: Option<Value>,
    /// forceNewDeployment.
    pub force_new_deployment: bool,
    /// Settings echoed back from now on (propagateTags, enableECSManagedTags,
    /// healthCheckGracePeriodSeconds, loadBalancers).
    pub extras: Map<String, Value>,
}

impl Model {
    /// CreateCluster: idempotent on the name.
    pub fn create_cluster(&mut self, region: &str, name: &str, settings: Value) -> &Cluster {
        self.clusters
            .entry(name.to_owned())
            .or_insert_with(|| Cluster {
                name: name.to_owned(),
                arn: format!("arn:aws:ecs:{region}:{ACCOUNT}:cluster/{name}"),
                services: Vec::new(),
                tasks: std::collections::BTreeMap::new(),
                settings,
            })
    }

    /// CreateService, starting its first deployment.
    ///
    /// # Errors
    /// Unknown cluster or task definition, duplicate name, bad configuration.
    pub fn create_service(
        &mut self,
        region: &str,
        cluster: Option<&str>,
        req: NewService,
        t: f64,
    ) -> Result<&Service, Rejection> {
        let cname = self.cluster(cluster)?.name.clone();
        let def = self
            .task_defs
            .resolve(&req.task_definition)
            .ok_or_else(|| Rejection::Client("TaskDefinition not found.".into()))?;
        if !def.active {
            return Err(Rejection::Client("TaskDefinition is inactive".into()));
        }
        let td = def.arn.clone();
        if req.desired_count < 0 {
            return Err(Rejection::InvalidParameter(
                "Desired count must be greater than or equal to 0.".into(),
            ));
        }
        let config = DeploymentConfig::default()
            .merged(req.deployment_configuration.as_ref())
            .map_err(Rejection::InvalidParameter)?;
        let id = self.new_deployment_id();
        let arn_id = self.new_record_id();
        let cluster = self
            .clusters
            .get_mut(&cname)
            .ok_or(Rejection::ClusterNotFound)?;
        if cluster.live_service_index(&req.name).is_some() {
            return Err(Rejection::InvalidParameter(
                "Creation of service was not idempotent.".into(),
            ));
        }
        let mut svc = Service {
            arn: format!(
                "arn:aws:ecs:{region}:{ACCOUNT}:service/{cname}/{}",
                req.name
            ),
            name: req.name,
            cluster_arn: cluster.arn.clone(),
            region: region.to_owned(),
            status: ServiceStatus::Active,
            desired_count: req.desired_count,
            task_definition: td.clone(),
            launch_type: req.launch_type,
            network_configuration: req.network_configuration,
            config,
            created_at: t,
            extras: req.extras,
            deployments: Vec::new(),
            events: Vec::new(),
            last_completed: None,
            steady: false,
        };
        svc.start_deployment(t, id, td, Origin::Request { arn_id });
        cluster.services.push(svc);
        cluster.services.last().ok_or(Rejection::ServiceNotFound)
    }

    /// UpdateService: a new PRIMARY deployment when the task definition changes or a new
    /// deployment is forced; otherwise only counts and configuration change.
    ///
    /// # Errors
    /// Unknown cluster, service or task definition, bad configuration.
    pub fn update_service(
        &mut self,
        cluster: Option<&str>,
        service: &str,
        req: ServiceUpdate,
        t: f64,
    ) -> Result<&Service, Rejection> {
        let cname = self.cluster(cluster)?.name.clone();
        let new_td = match &req.task_definition {
            Some(r) => {
                let def = self
                    .task_defs
                    .resolve(r)
                    .ok_or_else(|| Rejection::Client("TaskDefinition not found.".into()))?;
                if !def.active {
                    return Err(Rejection::Client("TaskDefinition is inactive".into()));
                }
                Some(def.arn.clone())
            }
            None => None,
        };
        let id = self.new_deployment_id();
        let arn_id = self.new_record_id();
        let cluster = self
            .clusters
            .get_mut(&cname)
            .ok_or(Rejection::ClusterNotFound)?;
        let idx = match cluster.live_service_index(service) {
            Some(i) => i,
            None if cluster.service(service).is_some() => return Err(Rejection::ServiceNotActive),
            None => return Err(Rejection::ServiceNotFound),
        };
        let svc = cluster
            .services
            .get_mut(idx)
            .ok_or(Rejection::ServiceNotFound)?;
        if svc.status != ServiceStatus::Active {
            return Err(Rejection::ServiceNotActive);
        }
        if req.desired_count.is_some_and(|n| n < 0) {
            return Err(Rejection::InvalidParameter(
                "Desired count must be greater than or equal to 0.".into(),
            ));
        }
        let config = svc
            .config
            .merged(req.deployment_configuration.as_ref())
            .map_err(Rejection::InvalidParameter)?;
        svc.config = config;
        svc.extras.extend(req.extras);
        if let Some(p) = svc.primary_mut() {
            p.config = config;
        }
        if let Some(n) = req.desired_count
            && n != svc.desired_count
        {
            svc.desired_count = n;
            svc.steady = false;
        }
        let mut new_deployment = req.force_new_deployment;
        if let Some(nc) = req.network_configuration {
            new_deployment |= svc.network_configuration.as_ref() != Some(&nc);
            svc.network_configuration = Some(nc);
        }
        let td = new_td.unwrap_or_else(|| svc.task_definition.clone());
        new_deployment |= td != svc.task_definition;
        if new_deployment {
            self.lag.before_update(svc, t);
            svc.start_deployment(t, id, td, Origin::Request { arn_id });
        }
        Ok(&*svc)
    }

    /// DeleteService: the service drains and then becomes INACTIVE.
    ///
    /// # Errors
    /// Unknown cluster or service; a service scaled above 0 without `force`.
    pub fn delete_service(
        &mut self,
        cluster: Option<&str>,
        service: &str,
        force: bool,
    ) -> Result<&Service, Rejection> {
        let cname = self.cluster(cluster)?.name.clone();
        let cluster = self
            .clusters
            .get_mut(&cname)
            .ok_or(Rejection::ClusterNotFound)?;
        let idx = cluster
            .live_service_index(service)
            .ok_or(Rejection::ServiceNotFound)?;
        let svc = cluster
            .services
            .get_mut(idx)
            .ok_or(Rejection::ServiceNotFound)?;
        if svc.desired_count > 0 && !force {
            return Err(Rejection::InvalidParameter(
                "The service cannot be stopped while it is scaled above 0.".into(),
            ));
        }
        svc.desired_count = 0;
        svc.status = ServiceStatus::Draining;
        Ok(&*svc)
    }

    /// StopTask: the task drains; a service replaces it.
    ///
    /// # Errors
    /// Unknown cluster or task.
    pub fn stop_task(
        &mut self,
        cluster: Option<&str>,
        task: &str,
        reason: Option<&str>,
        t: f64,
    ) -> Result<String, Rejection> {
        let cname = self.cluster(cluster)?.name.clone();
        let Self { clusters, logs, .. } = self;
        let cluster = clusters.get_mut(&cname).ok_or(Rejection::ClusterNotFound)?;
        let task = cluster.tasks.get_mut(last_segment(task)).ok_or_else(|| {
            Rejection::InvalidParameter("The referenced task was not found.".into())
        })?;
        task.drain(
            t,
            "UserInitiated",
            reason.unwrap_or(texts::STOPPED_BY_USER),
            logs,
        );
        Ok(task.spec.id.clone())
    }

    /// StopServiceDeployment, as the ECS developer guide describes it: a PENDING or
    /// IN_PROGRESS service deployment moves to ROLLBACK_REQUESTED and rolls back to the
    /// last COMPLETED deployment (stop type ROLLBACK), or to STOP_REQUESTED and stops
    /// launching tasks (ABORT); one already STOP_REQUESTED or rolling back carries on.
    ///
    /// # Errors
    /// Unknown service deployment; ConflictException when it has finished.
    pub fn stop_service_deployment(
        &mut self,
        arn: &str,
        stop_type: StopType,
        t: f64,
    ) -> Result<String, Rejection> {
        let arn_id = last_segment(arn);
        let (cname, svc, id) = self
            .clusters
            .iter()
            .find_map(|(name, c)| {
                c.services.iter().enumerate().find_map(|(i, s)| {
                    s.deployments
                        .iter()
                        .find(|d| d.has_record(arn_id))
                        .map(|d| (name.clone(), i, d.id.clone()))
                })
            })
            .ok_or(Rejection::ServiceDeploymentNotFound)?;
        let (clusters, mut ctx) = self.split();
        let service = clusters
            .get_mut(&cname)
            .and_then(|c| c.services.get_mut(svc))
            .ok_or(Rejection::ServiceDeploymentNotFound)?;
        let status = service
            .deployments
            .iter()
            .find(|d| d.id == id)
            .and_then(|d| d.record.as_ref())
            .map(|r| r.status)
            .ok_or(Rejection::ServiceDeploymentNotFound)?;
        match status {
            RecordStatus::Pending | RecordStatus::InProgress => {}
            RecordStatus::StopRequested
            | RecordStatus::RollbackRequested
            | RecordStatus::RollbackInProgress => return Ok(arn.to_owned()),
            RecordStatus::Successful
            | RecordStatus::Stopped
            | RecordStatus::RollbackSuccessful
            | RecordStatus::RollbackFailed => {
                return Err(Rejection::Conflict(format!(
                    "The service deployment {arn} has status {} and cannot be stopped.",
                    status.as_str()
                )));
            }
        }
        match stop_type {
            StopType::Rollback => {
                scheduler::fail_deployment(service, &id, t, &mut ctx, Trigger::StopRollback);
            }
            StopType::Abort => {
                if let Some(d) = service.deployment_mut(&id) {
                    d.rollout = Rollout::Failed;
                    d.rollout_reason = texts::ROLLOUT_STOPPED.into();
                    d.updated_at = t;
                    if let Some(rec) = d.record.as_mut() {
                        rec.status = RecordStatus::StopRequested;
                        rec.status_reason = Some(texts::RECORD_STOP_REQUESTED.into());
                        rec.requested_at = Some(t);
                        rec.updated_at = t;
                    }
                }
            }
        }
        Ok(arn.to_owned())
    }
}

/// `stopType` of StopServiceDeployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopType {
    /// Roll back to the last COMPLETED deployment.
    Rollback,
    /// Stop the deployment where it is: no more tasks launch, nothing rolls back.
    Abort,
}

impl StopType {
    /// Parse the API value (`ROLLBACK` or `ABORT`).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ROLLBACK" => Some(Self::Rollback),
            "ABORT" => Some(Self::Abort),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
