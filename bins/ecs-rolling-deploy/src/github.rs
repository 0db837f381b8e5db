//! `--github-deployment`: a GitHub Deployment for the environment, moved to
//! `in_progress` when the rollout starts and to `success`, `failure` or
//! `error` at the end (octocrab; GITHUB_API_URL points it at GitHub Enterprise or a
//! local fake).

use octocrab::Octocrab;
use portfolio_core::Actions;
use serde_json::{Value, json};

use crate::error::DeployError;

/// A created GitHub Deployment.
#[derive(Debug, Clone)]
pub struct GitHubDeployment {
    client: Octocrab,
    repository: String,
    id: u64,
    log_url: Option<String>,
}

fn env(name: &str) -> Result<String, DeployError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| DeployError::GitHub(format!("{name} is not set")))
}

impl GitHubDeployment {
    /// Creates the deployment of GITHUB_SHA to `environment` in
    /// GITHUB_REPOSITORY and sets it `in_progress`.
    pub async fn start(
        environment: &str,
        description: &str,
        actions: &Actions,
    ) -> Result<GitHubDeployment, DeployError> {
        let token = env("GITHUB_TOKEN")?;
        actions.mask(&token);
        let repository = env("GITHUB_REPOSITORY")?;
        let sha = env("GITHUB_SHA")?;
        let api = std::env::var("GITHUB_API_URL")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "https://api.github.com".to_owned());
        let client = Octocrab::builder()
            .base_uri(api.as_str())
            .map_err(|err| DeployError::GitHub(format!("GITHUB_API_URL '{api}': {err}")))?
            .personal_token(token)
            .build()
            .map_err(|err| DeployError::GitHub(err.to_string()))?;
        let log_url = match (
            std::env::var("GITHUB_SERVER_URL"),
            std::env::var("GITHUB_RUN_ID"),
        ) {
            (Ok(server), Ok(run)) if !server.is_empty() && !run.is_empty() => {
                Some(format!("{server}/{repository}/actions/runs/{run}"))
            }
            _ => None,
        };
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
            .map_err(|err| DeployError::GitHub(format!("creating the deployment: {err}")))?;
        let id = created
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| DeployError::GitHub(format!("unexpected answer: {created}")))?;
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
    pub async fn status(&self, state: &str, description: &str) -> Result<(), DeployError> {
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
            .map_err(|err| DeployError::GitHub(format!("setting status {state}: {err}")))?;
        Ok(())
    }
}
