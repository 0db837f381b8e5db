//! `apply`: put the policy on one repository or on every configured one,
//! only where it differs, showing the difference.

use portfolio_core::{Exit, Session};

use crate::diff::diff_lines;
use crate::error::Error;
use crate::policy::{Document, pretty};
use crate::result::{ApplyResult, RepositoryResult};
use crate::run::Clients;
use crate::settings::Apply;

/// Runs `apply`.
pub async fn run(session: &Session, clients: &Clients, settings: Apply) -> Result<Exit, Error> {
    let Apply {
        policy,
        targets,
        dry_run,
    } = settings;
    let wanted = pretty(&policy.policy.document);
    let mut repositories = Vec::new();
    for target in targets {
        let repository = target.repository;
        let ecr = clients.ecr(target.region).await;
        session
            .progress
            .status(&format!("reading the lifecycle policy of {repository}"));
        let current = ecr.policy(&repository).await?;
        let current_pretty = current.as_deref().map(|text| {
            match serde_json::from_str::<Document>(text) {
                Ok(document) => pretty(&document),
                // Not in our schema: compare and show it as ECR has it.
                Err(_) => serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|v| serde_json::to_string_pretty(&v).ok())
                    .unwrap_or_else(|| text.to_owned()),
            }
        });
        let changed = current_pretty.as_deref() != Some(wanted.as_str());
        let diff = if changed {
            diff_lines(current_pretty.as_deref().unwrap_or(""), &wanted)
        } else {
            Vec::new()
        };
        let applied = changed && !dry_run;
        if applied {
            ecr.put_policy(&repository, &policy.policy.canonical_text())
                .await?;
        }
        let result = RepositoryResult {
            repository,
            changed,
            applied,
            diff,
            had_policy: current.is_some(),
        };
        for line in result.lines() {
            session.progress.line(&line);
        }
        repositories.push(result);
    }
    session.publish(&ApplyResult {
        policy_source: policy.source,
        dry_run,
        repositories,
    })?;
    Ok(Exit::OK)
}
