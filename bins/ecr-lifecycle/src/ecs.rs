//! The ECS side of protection: the images that services in the configured
//! clusters run or may start (task definitions of PRIMARY and ACTIVE
//! deployments) and the images of running tasks (with their resolved
//! digests).
//!
//! Calls: ListServices (10 a page, the API default), DescribeServices (10 a
//! call), DescribeTaskDefinition (one per distinct task definition),
//! ListTasks (100 a page), DescribeTasks (100 a call). A cluster that does
//! not exist is reported in [`Usage::missing_clusters`]: preview warns,
//! `enforce --execute` refuses.

use std::collections::BTreeMap;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::DesiredStatus;
use portfolio_core::AwsError;

use crate::error::Error;
use crate::protect::InUse;

/// Deployment states whose task definition counts as in use.
const IN_USE_DEPLOYMENTS: [&str; 2] = ["PRIMARY", "ACTIVE"];

/// The ECS calls of ecr-lifecycle, on one client.
#[derive(Debug, Clone)]
pub struct Ecs {
    client: Client,
}

/// What the clusters use, and the clusters that were not found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Image references in use.
    pub in_use: Vec<InUse>,
    /// Clusters that do not exist.
    pub missing_clusters: Vec<String>,
}

impl Ecs {
    /// Wraps `client`.
    pub fn new(client: Client) -> Ecs {
        Ecs { client }
    }

    /// The images in use in `clusters`.
    pub async fn usage(&self, clusters: &[String]) -> Result<Usage, Error> {
        let mut usage = Usage::default();
        for cluster in clusters {
            let Some(services) = self.service_arns(cluster).await? else {
                usage.missing_clusters.push(cluster.clone());
                continue;
            };
            let task_definitions = self.deployed_task_definitions(cluster, &services).await?;
            for (arn, users) in task_definitions {
                for image in self.task_definition_images(&arn).await? {
                    for user in &users {
                        usage.in_use.push(InUse {
                            image: image.clone(),
                            digest: None,
                            user: user.clone(),
                        });
                    }
                }
            }
            usage.in_use.extend(self.running_containers(cluster).await?);
        }
        Ok(usage)
    }

    /// The cluster's service ARNs, or `None` if the cluster does not exist.
    async fn service_arns(&self, cluster: &str) -> Result<Option<Vec<String>>, Error> {
        let mut arns = Vec::new();
        let mut token = None;
        loop {
            let page = match self
                .client
                .list_services()
                .cluster(cluster)
                .set_next_token(token)
                .send()
                .await
            {
                Ok(page) => page,
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(aws_sdk_ecs::operation::list_services::ListServicesError::is_cluster_not_found_exception) =>
                {
                    return Ok(None);
                }
                Err(err) => return Err(AwsError::new("ecs:ListServices", &err).on(cluster).into()),
            };
            arns.extend(page.service_arns().iter().cloned());
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(Some(arns));
            }
        }
    }

    /// Task definition ARN -> who deploys it, for PRIMARY and ACTIVE deployments.
    async fn deployed_task_definitions(
        &self,
        cluster: &str,
        services: &[String],
    ) -> Result<BTreeMap<String, Vec<String>>, Error> {
        let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for chunk in services.chunks(10) {
            let output = self
                .client
                .describe_services()
                .cluster(cluster)
                .set_services(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|err| AwsError::new("ecs:DescribeServices", &err).on(cluster))?;
            for service in output.services() {
                let name = service.service_name().unwrap_or_default();
                for deployment in service.deployments() {
                    let status = deployment.status().unwrap_or_default();
                    if !IN_USE_DEPLOYMENTS.contains(&status) {
                        continue;
                    }
                    if let Some(arn) = deployment.task_definition() {
                        found.entry(arn.to_owned()).or_default().push(format!(
                            "service {name} in {cluster} ({status} deployment, {})",
                            family_revision(arn)
                        ));
                    }
                }
            }
        }
        Ok(found)
    }

    async fn task_definition_images(&self, arn: &str) -> Result<Vec<String>, Error> {
        let output = self
            .client
            .describe_task_definition()
            .task_definition(arn)
            .send()
            .await
            .map_err(|err| AwsError::new("ecs:DescribeTaskDefinition", &err).on(arn))?;
        Ok(output
            .task_definition()
            .map(|td| {
                td.container_definitions()
                    .iter()
                    .filter_map(|c| c.image().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Containers of the cluster's running tasks.
    async fn running_containers(&self, cluster: &str) -> Result<Vec<InUse>, Error> {
        let mut arns = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_tasks()
                .cluster(cluster)
                .desired_status(DesiredStatus::Running)
                .max_results(100)
                .set_next_token(token)
                .send()
                .await
                .map_err(|err| AwsError::new("ecs:ListTasks", &err).on(cluster))?;
            arns.extend(page.task_arns().iter().cloned());
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        let mut in_use = Vec::new();
        for chunk in arns.chunks(100) {
            let output = self
                .client
                .describe_tasks()
                .cluster(cluster)
                .set_tasks(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|err| AwsError::new("ecs:DescribeTasks", &err).on(cluster))?;
            for task in output.tasks() {
                let id = task
                    .task_arn()
                    .and_then(|arn| arn.rsplit('/').next())
                    .unwrap_or_default();
                for container in task.containers() {
                    let Some(image) = container.image() else {
                        continue;
                    };
                    in_use.push(InUse {
                        image: image.to_owned(),
                        digest: container.image_digest().map(str::to_owned),
                        user: format!("running task {id} in {cluster}"),
                    });
                }
            }
        }
        Ok(in_use)
    }
}

/// `family:revision` from a task definition ARN.
fn family_revision(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}
