//! `preview`: evaluate the policy now against the repository's images (or
//! an offline snapshot), with protection, and report what would happen.
//! [`evaluate_repository`] is shared with `enforce`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use portfolio_core::{Exit, InvalidInput};
use serde::Serialize;

use super::{Context, LoadedPolicy};
use crate::cli::{PolicyArg, PreviewArgs, ProtectionArgs};
use crate::ecr::Ecr;
use crate::ecs::Ecs;
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
    let (report, _) = match &args.images_json {
        Some(path) => offline(context, args, path, now)?,
        None => {
            let repository = args.repository.as_deref().unwrap_or_default();
            let (ecr, ecs) = context.clients().await;
            let request = Request {
                repository,
                policy: &args.policy,
                protection: &args.protection,
                now,
            };
            evaluate_repository(context, &ecr, &ecs, &request).await?
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
) -> Result<(PlanReport, Vec<Image>), Error> {
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
    Ok((report, images))
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

/// Evaluates the policy against the repository now: its images, its index
/// children, and what the clusters use, looked up concurrently.
pub async fn evaluate_repository(
    context: &Context,
    ecr: &Ecr,
    ecs: &Ecs,
    request: &Request<'_>,
) -> Result<(PlanReport, Vec<Image>), Error> {
    let Request {
        repository, now, ..
    } = *request;
    let chosen = context.chosen_policy(request.policy)?;
    let clusters = context.clusters(request.protection)?;
    context.progress.status(&format!(
        "reading the images of {repository} and the ECS usage of {}",
        clusters.join(", ")
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
        tokio::try_join!(policy, ecr.images(repository), ecs.usage(&clusters))?;
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
    report.notes.extend(
        usage
            .missing_clusters
            .iter()
            .map(|c| format!("cluster {c} does not exist; nothing in it protects images")),
    );
    report
        .notes
        .push(in_use_note(repository, &usage.in_use, &clusters));
    for note in &report.notes {
        if note.contains("does not exist") {
            context.actions.warning(note, None);
        }
    }
    Ok((report, images))
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
