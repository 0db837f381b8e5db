//! `preview`: evaluate the policy now against the repository's images (or
//! an offline snapshot), with protection, and report what would happen.
//! [`evaluate_repository`] is shared with `enforce`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use portfolio_core::{Exit, InvalidInput};
use serde::Serialize;

use super::{Cluster, Context, LoadedPolicy};
use crate::cli::{PolicyArg, PreviewArgs, ProtectionArgs};
use crate::ecs::Usage;
use crate::error::Error;
use crate::evaluate::evaluate;
use crate::image::{Image, parse_time, read_snapshot};
use crate::protect::{InUse, Protection};
use crate::report::PlanReport;

/// The `--json` result of preview.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PreviewResult<'a> {
    #[serde(flatten)]
    report: &'a PlanReport,
    api_calls: BTreeMap<&'static str, u64>,
}

/// Runs `preview`.
pub async fn run(context: &Context, args: &PreviewArgs) -> Result<Exit, Error> {
    let now = match &args.now {
        Some(text) => parse_time(text).ok_or_else(|| {
            InvalidInput::new(
                "--now",
                format!("'{text}' is not an RFC 3339 time such as 2025-06-01T00:00:00Z"),
            )
        })?,
        None => chrono::Utc::now().timestamp_millis(),
    };
    let report = match &args.images_json {
        Some(path) => offline(context, args, path, now)?,
        None => {
            let repository = args.repository.as_deref().unwrap_or_default();
            let request = Request {
                repository,
                policy: &args.policy,
                protection: &args.protection,
                now,
            };
            evaluate_repository(context, &request).await?.report
        }
    };
    context.lines(&report.lines());
    context.publish(&report.outputs(), &report.markdown("ecr-lifecycle preview"))?;
    context.print_json(&PreviewResult {
        report: &report,
        api_calls: context.calls.snapshot(),
    })?;
    Ok(Exit::OK)
}

fn offline(
    context: &Context,
    args: &PreviewArgs,
    path: &Path,
    now: i64,
) -> Result<PlanReport, Error> {
    let loaded = context.policy_or_default(&args.policy)?;
    context
        .progress
        .status(&format!("reading {}", path.display()));
    let images = read_snapshot(path)?;
    let repository = args.repository.clone().unwrap_or_default();
    let protection = Protection::build(&repository, &images, &[], &HashMap::new());
    let plan = evaluate(&loaded.policy, &images, &protection, now);
    let mut report = PlanReport::new(
        &plan,
        &loaded.policy,
        &images,
        args.repository.clone(),
        loaded.source,
        now,
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
    Ok(report)
}

/// What to evaluate: a repository, a policy choice, clusters and a time.
pub struct Request<'a> {
    /// The repository.
    pub repository: &'a str,
    /// `--policy`.
    pub policy: &'a PolicyArg,
    /// `--cluster`.
    pub protection: &'a ProtectionArgs,
    /// The evaluation time (ms since the epoch).
    pub now: i64,
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
    context: &Context,
    request: &Request<'_>,
) -> Result<Evaluation, Error> {
    let Request {
        repository, now, ..
    } = *request;
    let ecr = context.ecr(context.region_of(repository)).await;
    let chosen = context.chosen_policy(request.policy)?;
    let clusters = context.clusters(request.protection)?;
    let names: Vec<String> = clusters.iter().map(|c| c.name.clone()).collect();
    context.progress.status(&format!(
        "reading the images of {repository} and the ECS usage of {}",
        names.join(", ")
    ));
    let policy = async {
        match chosen {
            Some(loaded) => Ok(loaded),
            None => match ecr.policy(repository).await? {
                Some(text) => LoadedPolicy::from_repository(repository, &text),
                None => LoadedPolicy::default_policy(),
            },
        }
    };
    let (loaded, images, usage) =
        tokio::try_join!(policy, ecr.images(repository), usage(context, &clusters))?;
    let indexes: Vec<&str> = images
        .iter()
        .filter(|i| i.is_index())
        .map(|i| i.digest.as_str())
        .collect();
    let children = if indexes.is_empty() {
        HashMap::new()
    } else {
        context
            .progress
            .status(&format!("reading {} image index manifests", indexes.len()));
        ecr.index_children(repository, &indexes).await?
    };
    let protection = Protection::build(repository, &images, &usage.in_use, &children);
    let plan = evaluate(&loaded.policy, &images, &protection, now);
    let mut report = PlanReport::new(
        &plan,
        &loaded.policy,
        &images,
        Some(repository.to_owned()),
        loaded.source,
        now,
    );
    for cluster in &usage.missing_clusters {
        let note = format!("cluster {cluster} does not exist; nothing in it protects images");
        context.actions.warning(&note, None);
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
async fn usage(context: &Context, clusters: &[Cluster]) -> Result<Usage, Error> {
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
        let found = context.ecs(region.clone()).await.usage(&names).await?;
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
