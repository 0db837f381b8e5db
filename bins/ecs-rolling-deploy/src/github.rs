//! `--github-deployment`: a GitHub Deployment for the environment, moved to
//! `in_progress` when the rollout starts and to `success`, `failure` or
//! `error` at the end. The context (repository, sha, run URL, the masked
//! token) and the octocrab client come from `portfolio_core::github`
//! (GITHUB_API_URL points it at GitHub Enterprise or a local fake).

use octocrab::Octocrab;
use portfolio_core::github::GitHub;
use serde_json::{Value, json};

use crate::error::Error;

/// A created GitHub Deployment.
#[derive(Debug, Clone)]
pub struct GitHubDeployment {
    client: Octocrab,
    repository: String,
    id: u64,
    log_url: Option<String>,
}

/// What every failed call says it was doing.
const WHAT: &str = "--github-deployment (needs deployments: write)";

impl GitHubDeployment {
    /// Creates the deployment of GITHUB_SHA to `environment` in
    /// GITHUB_REPOSITORY and sets it `in_progress`.
    pub async fn start(
        github: &GitHub,
        environment: &str,
        description: &str,
    ) -> Result<GitHubDeployment, Error> {
        let repository = github.repository()?.to_owned();
        let sha = github.sha()?;
        let client = github.client()?;
        let log_url = github.run_url();
        let created: Value = client
            .post(
                format!("/repos/{repository}/deployments"),
                Some(&json!({
                    "ref": sha,
                    "environment": environment,
                    "description": description,
                    "auto_merge": false,
                    "required_contexts": [],
                    "production_environment": environment == "prod",
                })),
            )
            .await
            .map_err(|err| failed(format!("creating the deployment: {err}")))?;
        let id = created
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| failed(format!("unexpected answer: {created}")))?;
        let deployment = GitHubDeployment {
            client,
            repository,
            id,
            log_url,
        };
        if let Err(err) = deployment.status("in_progress", description).await {
            // Created but not started: do not leave it pending.
            if let Err(again) = deployment.status("error", &err.to_string()).await {
                tracing::warn!("cannot mark the GitHub deployment as failed: {again}");
            }
            return Err(err);
        }
        Ok(deployment)
    }

    /// Sets the deployment's status (`in_progress`, `success`, `failure`).
    pub async fn status(&self, state: &str, description: &str) -> Result<(), Error> {
        let mut body = json!({
            "state": state,
            "description": description.chars().take(140).collect::<String>(),
            "auto_inactive": true,
        });
        if let Some(url) = &self.log_url {
            body["log_url"] = json!(url);
        }
        let _: Value = self
            .client
            .post(
                format!(
                    "/repos/{}/deployments/{}/statuses",
                    self.repository, self.id
                ),
                Some(&body),
            )
            .await
            .map_err(|err| failed(format!("setting status {state}: {err}")))?;
        Ok(())
    }
}

/// A failed GitHub call of `--github-deployment`.
fn failed(reason: String) -> Error {
    portfolio_core::Error::github(WHAT, reason).into()
}
