//! Never replace a newer release with an older one.
//!
//! Before anything is registered or updated, [`check`] reads the release
//! each service runs (the task definition of its PRIMARY deployment and of
//! any deployment still IN_PROGRESS, from their `portfolio-ci:commit*` and
//! `portfolio-ci:run-*` tags) and compares it with the release this run
//! deploys ([`portfolio_core::release::order`]: git ancestry when both
//! commits are in the local history, else commit time). A newer one running
//! supersedes this run: nothing is registered or changed (unless
//! `--allow-older`). The release the PRIMARY deployment runs is also what
//! the summary names as replaced.

use std::path::Path;

use aws_sdk_ecs::types::TaskDefinitionField;
use portfolio_core::AwsError;
use portfolio_core::output::Progress;
use portfolio_core::release::{self, Basis, Order, Release};
use serde::Serialize;

use crate::error::Error;
use crate::settings::{Definition, Settings, Target};
use crate::view::ServiceView;

/// A release newer than this run's that the service runs or is deploying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Newer {
    /// That release.
    pub release: Release,
    /// How it was found newer.
    pub basis: Basis,
    /// The deployment that runs it (`ecs-svc/...`).
    pub deployment: String,
}

/// What the ordering check found for one service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Check {
    /// The release this run deploys to it, when known.
    pub ours: Option<Release>,
    /// The release its PRIMARY deployment runs, when recorded.
    pub replaced: Option<Release>,
    /// A newer release it runs or is deploying.
    pub newer: Option<Newer>,
}

/// Checks every target (described as `views`) against the release each
/// will deploy; `dir` holds the local history.
pub async fn check_all(
    ecs: &aws_sdk_ecs::Client,
    settings: &Settings,
    views: &[ServiceView],
    dir: &Path,
    progress: &Progress,
) -> Result<Vec<Check>, Error> {
    let mut checks = Vec::with_capacity(views.len());
    for (target, view) in settings.targets.iter().zip(views) {
        let ours = match &target.definition {
            Definition::Rendered(_) | Definition::LiveWithImages => settings.release.clone(),
            // A revision ECS cannot describe records no release; UpdateService
            // then says what is wrong with it, as without this check.
            Definition::Registered(arn) => release_of(ecs, arn).await.unwrap_or_else(|err| {
                tracing::warn!("cannot read the release of {arn}: {err}");
                None
            }),
            // The live definition again: the release it already runs.
            Definition::Live => None,
        };
        checks.push(check(ecs, target, view, ours, dir, progress).await?);
    }
    Ok(checks)
}

/// Reads the releases `view`'s PRIMARY and IN_PROGRESS deployments run and
/// compares each with `ours`.
async fn check(
    ecs: &aws_sdk_ecs::Client,
    target: &Target,
    view: &ServiceView,
    ours: Option<Release>,
    dir: &Path,
    progress: &Progress,
) -> Result<Check, Error> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Check {
        ours,
        ..Check::default()
    };
    let running = view
        .deployments
        .iter()
        .filter(|d| d.status == "PRIMARY" || d.rollout_state == "IN_PROGRESS");
    for deployment in running {
        let arn = deployment.task_definition.as_str();
        if arn.is_empty() || seen.contains(&arn) {
            continue;
        }
        seen.push(arn);
        let Some(theirs) = release_of(ecs, arn).await? else {
            continue;
        };
        if deployment.status == "PRIMARY" {
            out.replaced = Some(theirs.clone());
        }
        let Some(ours) = &out.ours else { continue };
        match release::order(dir, ours, &theirs) {
            Order::Older(basis) if out.newer.is_none() => {
                out.newer = Some(Newer {
                    release: theirs,
                    basis,
                    deployment: deployment.id.clone(),
                });
            }
            Order::Unknown(why) => progress.line(&format!(
                "{}: cannot tell whether {} is older than {theirs} ({why}); deploying",
                target.key,
                ours.short()
            )),
            _ => {}
        }
    }
    Ok(out)
}

/// The release recorded on the task definition `arn` (its tags), if any.
pub async fn release_of(ecs: &aws_sdk_ecs::Client, arn: &str) -> Result<Option<Release>, Error> {
    let output = ecs
        .describe_task_definition()
        .task_definition(arn)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .map_err(|err| AwsError::new("ecs:DescribeTaskDefinition", &err).on(arn))?;
    Ok(Release::from_tags(output.tags().iter().filter_map(|tag| {
        Some((tag.key()?, tag.value().unwrap_or_default()))
    })))
}

/// The line that says why `target` is not updated.
pub fn refusal(target: &Target, ours: &Release, newer: &Newer) -> String {
    let run = newer
        .release
        .run_url
        .as_deref()
        .map_or_else(String::new, |url| format!(", {url}"));
    format!(
        "{}: not deploying {ours}: {} runs {}{run} (deployment {}), newer {} than {}; nothing \
         registered or changed (--allow-older deploys an older release on purpose)",
        target.key,
        target.label(),
        newer.release,
        newer.deployment,
        newer.basis,
        ours.short()
    )
}
