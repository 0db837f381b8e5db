//! `enforce`: carry out the preview's expirations now with
//! BatchDeleteImage, after checking the clusters and `--max-delete`; a dry
//! run unless `--execute`. A signal during the deletion stops it after the
//! batch under way (exit 130, with what was deleted published).

use portfolio_core::{Exit, Session};

use super::preview::{Evaluation, evaluate_repository};
use crate::ecr::{DeleteFailure, Deletion};
use crate::error::Error;
use crate::result::EnforceResult;
use crate::run::Clients;
use crate::settings::Enforce;

/// ECR's failure code for an image that is already gone.
const NOT_FOUND: &str = "ImageNotFound";

/// Runs `enforce`.
pub async fn run(session: &Session, clients: &Clients, settings: &Enforce) -> Result<Exit, Error> {
    let repository = &settings.request.target.repository;
    let Evaluation {
        report,
        images,
        missing_clusters,
    } = session
        .cancel
        .guard(evaluate_repository(session, clients, &settings.request))
        .await?;
    // The plan, before anything is deleted.
    session.progress.finish();
    for line in report.lines() {
        session.progress.line(&line);
    }
    let digests: Vec<String> = report
        .expire
        .iter()
        .map(|e| e.image_digest.clone())
        .collect();
    let allowed = settings.max_delete.allowed(images.len());
    let refusal = if settings.execute && !missing_clusters.is_empty() {
        Some(Error::Unprotected {
            repository: repository.clone(),
            clusters: missing_clusters,
        })
    } else if digests.len() > allowed {
        Some(Error::TooMany {
            repository: repository.clone(),
            count: digests.len(),
            total: images.len(),
            limit: settings.max_delete.to_string(),
            allowed,
        })
    } else {
        None
    };
    let mut result = EnforceResult {
        report,
        executed: settings.execute,
        max_delete: settings.max_delete.to_string(),
        refused: None,
        deleted: Vec::new(),
        failures: Vec::new(),
        api_calls: clients.calls(),
        closing: None,
    };
    if let Some(refusal) = refusal {
        result.refused = Some(refusal.to_string());
        session.publish(&result)?;
        return Err(refusal);
    }
    let deletion = if settings.execute && !digests.is_empty() {
        session.progress.status(&format!(
            "deleting {} images from {repository}",
            digests.len()
        ));
        let ecr = clients.ecr(settings.request.target.region.clone()).await;
        ecr.delete(repository, &digests, &session.cancel).await?
    } else {
        Deletion::default()
    };
    result.closing = Some(match (settings.execute, deletion.stopped) {
        (false, _) => format!(
            "dry run: {} images would be deleted; add --execute to delete them",
            digests.len()
        ),
        (true, None) => format!(
            "deleted {} images from {repository}",
            deletion.deleted.len()
        ),
        (true, Some(signal)) => format!(
            "stopped by {signal} after deleting {} of {} images from {repository}",
            deletion.deleted.len(),
            digests.len()
        ),
    });
    let (gone, refused): (Vec<DeleteFailure>, Vec<DeleteFailure>) = deletion
        .failures
        .into_iter()
        .partition(|f| f.code == NOT_FOUND);
    let first = refused
        .first()
        .map(|f| format!("{}: {} {}", f.digest, f.code, f.reason));
    let refused_count = refused.len();
    result.deleted = deletion.deleted;
    result.failures = gone.into_iter().chain(refused).map(Into::into).collect();
    result.api_calls = clients.calls();
    session.publish(&result)?;
    if let Some(signal) = deletion.stopped {
        return Err(portfolio_core::Error::Interrupted(signal).into());
    }
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
