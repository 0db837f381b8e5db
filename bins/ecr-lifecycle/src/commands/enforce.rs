//! `enforce`: carry out the preview's expirations now with
//! BatchDeleteImage, after checking `--max-delete`; a dry run unless
//! `--execute`.

use std::collections::BTreeMap;

use portfolio_core::Exit;
use serde::Serialize;

use super::Context;
use super::preview::{Evaluation, Request, evaluate_repository};
use crate::cli::EnforceArgs;
use crate::ecr::DeleteFailure;
use crate::error::Error;
use crate::report::PlanReport;

/// ECR's failure code for an image that is already gone.
const NOT_FOUND: &str = "ImageNotFound";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnforceResult<'a> {
    #[serde(flatten)]
    report: &'a PlanReport,
    executed: bool,
    max_delete: String,
    deleted: Vec<String>,
    failures: Vec<Failure>,
    api_calls: BTreeMap<&'static str, u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Failure {
    image_digest: String,
    failure_code: String,
    failure_reason: String,
}

impl From<DeleteFailure> for Failure {
    fn from(failure: DeleteFailure) -> Self {
        Failure {
            image_digest: failure.digest,
            failure_code: failure.code,
            failure_reason: failure.reason,
        }
    }
}

/// Runs `enforce`.
pub async fn run(context: &Context, args: &EnforceArgs) -> Result<Exit, Error> {
    let repository = &args.repository;
    let now = chrono::Utc::now().timestamp_millis();
    let request = Request {
        repository,
        policy: &args.policy,
        protection: &args.protection,
        now,
    };
    let Evaluation {
        report,
        images,
        missing_clusters,
    } = evaluate_repository(context, &request).await?;
    context.lines(&report.lines());
    if args.execute && !missing_clusters.is_empty() {
        context.publish(
            &report.outputs(),
            &report.markdown("ecr-lifecycle enforce (refused)"),
        )?;
        return Err(Error::Unprotected {
            repository: repository.clone(),
            clusters: missing_clusters,
        });
    }
    let digests: Vec<String> = report
        .expire
        .iter()
        .map(|e| e.image_digest.clone())
        .collect();
    let allowed = args.max_delete.allowed(images.len());
    if digests.len() > allowed {
        context.publish(
            &report.outputs(),
            &report.markdown("ecr-lifecycle enforce (refused)"),
        )?;
        return Err(Error::TooMany {
            repository: repository.clone(),
            count: digests.len(),
            total: images.len(),
            limit: args.max_delete.to_string(),
            allowed,
        });
    }
    let deletion = if args.execute && !digests.is_empty() {
        context.progress.status(&format!(
            "deleting {} images from {repository}",
            digests.len()
        ));
        let ecr = context.ecr(context.region_of(repository)).await;
        ecr.delete(repository, &digests).await?
    } else {
        crate::ecr::Deletion::default()
    };
    if !args.execute {
        context.lines(&[format!(
            "dry run: {} images would be deleted; add --execute to delete them",
            digests.len()
        )]);
    } else {
        context.lines(&[format!(
            "deleted {} images from {repository}",
            deletion.deleted.len()
        )]);
    }
    let (gone, refused): (Vec<DeleteFailure>, Vec<DeleteFailure>) = deletion
        .failures
        .into_iter()
        .partition(|f| f.code == NOT_FOUND);
    let mut outputs = report.outputs();
    outputs.push(("deleted-count", deletion.deleted.len().to_string()));
    let title = if args.execute {
        "ecr-lifecycle enforce"
    } else {
        "ecr-lifecycle enforce (dry run)"
    };
    context.publish(&outputs, &report.markdown(title))?;
    let first = refused
        .first()
        .map(|f| format!("{}: {} {}", f.digest, f.code, f.reason));
    let refused_count = refused.len();
    context.print_json(&EnforceResult {
        report: &report,
        executed: args.execute,
        max_delete: args.max_delete.to_string(),
        deleted: deletion.deleted,
        failures: gone.into_iter().chain(refused).map(Failure::from).collect(),
        api_calls: context.calls.snapshot(),
    })?;
    match first {
        Some(first) => Err(Error::Partial {
            repository: repository.clone(),
            failed: refused_count,
            requested: digests.len(),
            first,
        }),
        None => Ok(Exit::OK),
    }
}
