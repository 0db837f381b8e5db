//! `preview`: evaluate the policy now against the repository's images (or
//! an offline snapshot), with protection, and report what would happen.
//! [`evaluate_repository`] is shared with `enforce`.

use std::collections::{BTreeMap, HashMap};

use portfolio_core::{Exit, Session};

use crate::ecs::Usage;
use crate::error::Error;
use crate::evaluate::evaluate;
use crate::image::Image;
use crate::protect::{InUse, Protection};
use crate::report::PlanReport;
use crate::result::PreviewResult;
use crate::run::Clients;
use crate::settings::{Cluster, LoadedPolicy, Offline, Request};

/// Runs `preview` against a repository.
pub async fn run(session: &Session, clients: &Clients, request: &Request) -> Result<Exit, Error> {
    let report = evaluate_repository(session, clients, request).await?.report;
    session.publish(&PreviewResult {
        report,
        api_calls: clients.calls(),
    })?;
    Ok(Exit::OK)
}

/// Runs `preview --images-json`: no AWS call.
pub fn run_offline(session: &Session, offline: &Offline) -> Result<Exit, Error> {
    session.publish(&PreviewResult {
        report: offline_report(offline),
        api_calls: BTreeMap::new(),
    })?;
    Ok(Exit::OK)
}

/// The plan of an offline snapshot, with notes on what it cannot see.
pub fn offline_report(offline: &Offline) -> PlanReport {
    let Offline {
        images,
        repository,
        policy,
        now,
    } = offline;
    let name = repository.clone().unwrap_or_default();
    let protection = Protection::build(&name, images, &[], &HashMap::new());
    let plan = evaluate(&policy.policy, images, &protection, *now);
    let mut report = PlanReport::new(
        &plan,
        &policy.policy,
        images,
        repository.clone(),
        policy.source.clone(),
        *now,
    );
    report
        .notes
        .push("offline: ECS usage is not looked up, so images in use are not protected".into());
    let indexes = images.iter().filter(|i| i.is_index()).count();
    if indexes > 0 {
        report.notes.push(format!(
            "offline: the children of {indexes} image indexes cannot be identified; untagged platform images may be listed as expiring"
        ));
    }
    report
}

/// A repository evaluated now.
pub struct Evaluation {
    /// The plan as reported.
    pub report: PlanReport,
    /// The repository's images.
    pub images: Vec<Image>,
    /// Configured clusters that could not be found: nothing in them
    /// protected any image.
    pub missing_clusters: Vec<String>,
}

/// Evaluates the policy against the repository now: its images, its index
/// children, and what the clusters use, looked up concurrently (the
/// repository and each cluster in the region of its environment).
pub async fn evaluate_repository(
    session: &Session,
    clients: &Clients,
    request: &Request,
) -> Result<Evaluation, Error> {
    let repository = request.target.repository.as_str();
    let ecr = clients.ecr(request.target.region.clone()).await;
    let names: Vec<String> = request.clusters.iter().map(|c| c.name.clone()).collect();
    session.progress.status(&format!(
        "reading the images of {repository} and the ECS usage of {}",
        names.join(", ")
    ));
    let policy = async {
        match &request.policy {
            Some(loaded) => Ok(loaded.clone()),
            None => match ecr.policy(repository).await? {
                Some(text) => LoadedPolicy::from_repository(repository, &text),
                None => LoadedPolicy::default_policy(),
            },
        }
    };
    let (loaded, images, usage) = tokio::try_join!(
        policy,
        ecr.images(repository),
        usage(clients, &request.clusters)
    )?;
    let indexes: Vec<&str> = images
        .iter()
        .filter(|i| i.is_index())
        .map(|i| i.digest.as_str())
        .collect();
    let children = if indexes.is_empty() {
        HashMap::new()
    } else {
        session
            .progress
            .status(&format!("reading {} image index manifests", indexes.len()));
        ecr.index_children(repository, &indexes).await?
    };
    let protection = Protection::build(repository, &images, &usage.in_use, &children);
    let plan = evaluate(&loaded.policy, &images, &protection, request.now);
    let mut report = PlanReport::new(
        &plan,
        &loaded.policy,
        &images,
        Some(repository.to_owned()),
        loaded.source,
        request.now,
    );
    for cluster in &usage.missing_clusters {
        let note = format!("cluster {cluster} does not exist; nothing in it protects images");
        session.actions.warning(&note, None);
        report.notes.push(note);
    }
    report
        .notes
        .push(in_use_note(repository, &usage.in_use, &names));
    Ok(Evaluation {
        report,
        images,
        missing_clusters: usage.missing_clusters,
    })
}

/// What `clusters` use, each cluster looked up in its own region.
async fn usage(clients: &Clients, clusters: &[Cluster]) -> Result<Usage, Error> {
    let mut regions: Vec<&Option<String>> = Vec::new();
    for cluster in clusters {
        if !regions.contains(&&cluster.region) {
            regions.push(&cluster.region);
        }
    }
    let mut usage = Usage::default();
    for region in regions {
        let names: Vec<String> = clusters
            .iter()
            .filter(|c| &c.region == region)
            .map(|c| c.name.clone())
            .collect();
        let found = clients.ecs(region.clone()).await.usage(&names).await?;
        usage.in_use.extend(found.in_use);
        usage.missing_clusters.extend(found.missing_clusters);
    }
    Ok(usage)
}

fn in_use_note(repository: &str, in_use: &[InUse], clusters: &[String]) -> String {
    let here = in_use
        .iter()
        .filter(|u| crate::protect::ImageRef::parse(&u.image).repository == repository)
        .count();
    format!(
        "{here} image references to {repository} in use in {} ({} in all)",
        clusters.join(", "),
        in_use.len()
    )
}
