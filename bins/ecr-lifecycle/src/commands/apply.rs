//! `apply`: put the policy on one repository or on every configured one,
//! only where it differs, showing the difference.

use portfolio_core::Exit;
use serde::Serialize;

use super::Context;
use crate::cli::ApplyArgs;
use crate::diff::diff_lines;
use crate::error::Error;
use crate::policy::{Document, pretty};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApplyResult {
    policy_source: String,
    dry_run: bool,
    repositories: Vec<RepositoryResult>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RepositoryResult {
    repository: String,
    changed: bool,
    applied: bool,
    diff: Vec<String>,
}

/// Runs `apply`.
pub async fn run(context: &Context, args: &ApplyArgs) -> Result<Exit, Error> {
    let loaded = context.policy_or_default(&args.policy)?;
    let repositories = repositories(context, args)?;
    let wanted = pretty(&loaded.policy.document);
    let mut results = Vec::new();
    for (repository, region) in repositories {
        let ecr = context.ecr(region).await;
        context
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
        let applied = changed && !args.dry_run;
        if applied {
            ecr.put_policy(&repository, &loaded.policy.canonical_text())
                .await?;
        }
        let mut lines = vec![match (changed, applied, current.is_some()) {
            (false, _, _) => format!("{repository}: unchanged"),
            (true, true, false) => format!("{repository}: policy created"),
            (true, true, true) => format!("{repository}: policy updated"),
            (true, false, _) => format!("{repository}: would change (dry run)"),
        }];
        lines.extend(diff.iter().map(|l| format!("  {l}")));
        context.lines(&lines);
        results.push(RepositoryResult {
            repository,
            changed,
            applied,
            diff,
        });
    }
    let changed: Vec<&str> = results
        .iter()
        .filter(|r| r.changed)
        .map(|r| r.repository.as_str())
        .collect();
    let mut summary = format!(
        "### ecr-lifecycle apply\n\nPolicy: {}{}\n\n| repository | result |\n| --- | --- |\n",
        loaded.source,
        if args.dry_run { " (dry run)" } else { "" }
    );
    for result in &results {
        let state = match (result.changed, result.applied) {
            (false, _) => "unchanged",
            (true, true) => "applied",
            (true, false) => "would change",
        };
        summary.push_str(&format!("| {} | {state} |\n", result.repository));
    }
    context.publish(
        &[
            ("changed", (!changed.is_empty()).to_string()),
            ("changed-repositories", changed.join(",")),
        ],
        &summary,
    )?;
    context.print_json(&ApplyResult {
        policy_source: loaded.source,
        dry_run: args.dry_run,
        repositories: results,
    })?;
    Ok(Exit::OK)
}

/// `--repository`, or every service's repository in every (or one)
/// environment; each with the configured region of its environment.
fn repositories(
    context: &Context,
    args: &ApplyArgs,
) -> Result<Vec<(String, Option<String>)>, Error> {
    if let Some(repository) = &args.repository {
        return Ok(vec![(repository.clone(), context.region_of(repository))]);
    }
    let config = &context.config;
    let environments = match &args.env {
        Some(env) => {
            config.environment(env)?;
            vec![env.clone()]
        }
        None => config.environments.keys().cloned().collect(),
    };
    let mut repositories = Vec::new();
    for env in &environments {
        for service in config.service_names() {
            let entry = (
                config.service(&service, env)?.repository,
                config.region(env),
            );
            if !repositories.contains(&entry) {
                repositories.push(entry);
            }
        }
    }
    Ok(repositories)
}
