//! The pull request comment: one per root module and environment, found
//! again by a hidden marker and updated in place (upsert), through core's
//! GitHub context and octocrab client (against `GITHUB_API_URL`).
//!
//! Comments are read and written with minimal types of our own (id, body,
//! URL), so that the upsert does not depend on every field GitHub (or a
//! GitHub Enterprise server) sends.

use octocrab::Page;
use portfolio_core::github::GitHub;
use serde::Deserialize;

use crate::error::Error;
use crate::render::{self, COMMENT_LIMIT};
use crate::result::RunResult;

/// The pull request to comment on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    /// Repository owner.
    pub owner: String,
    /// Repository name.
    pub repo: String,
    /// Pull request number.
    pub number: u64,
}

/// What the upsert did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Upserted {
    /// `created` or `updated`.
    pub action: &'static str,
    /// The comment's id.
    pub id: u64,
    /// Its web address, when GitHub gave one.
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Comment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
}

impl PullRequest {
    /// From `GITHUB_REPOSITORY` and `explicit` or, without it, the
    /// `pull_request.number` (or `issue.number`) of `$GITHUB_EVENT_PATH`.
    pub fn from_context(github: &GitHub, explicit: Option<u64>) -> Result<PullRequest, Error> {
        let missing = |reason: &str| Error::Comment {
            reason: reason.to_owned(),
        };
        // The token is checked now, before terraform runs.
        client(github)?;
        let repository = github
            .repository
            .as_deref()
            .ok_or_else(|| missing("GITHUB_REPOSITORY is not set (expected owner/repo)"))?;
        let (owner, repo) = repository
            .split_once('/')
            .ok_or_else(|| missing("GITHUB_REPOSITORY is not owner/repo"))?;
        let number = if let Some(number) = explicit {
            number
        } else {
            let path = github
                .event_path
                .as_ref()
                .ok_or_else(|| missing("no --pr and no GITHUB_EVENT_PATH"))?;
            let text = std::fs::read(path).map_err(Error::io("cannot read", path))?;
            event_number(&text)
                .ok_or_else(|| missing("the event is not about a pull request: pass --pr NUMBER"))?
        };
        Ok(PullRequest {
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            number,
        })
    }
}

/// The pull request number of a webhook event payload.
pub fn event_number(event: &[u8]) -> Option<u64> {
    let event: serde_json::Value = serde_json::from_slice(event).ok()?;
    event
        .pointer("/pull_request/number")
        .or_else(|| event.pointer("/issue/number"))
        .and_then(serde_json::Value::as_u64)
}

/// The hidden first line that identifies the comment of `dir` and `env`.
pub fn marker(dir: &str, env: &str) -> String {
    format!("<!-- portfolio-ci terraform-runner dir={dir} env={env} -->")
}

/// The API client (GITHUB_TOKEN against GITHUB_API_URL).
fn client(github: &GitHub) -> Result<octocrab::Octocrab, Error> {
    github.client().map_err(|err| Error::Comment {
        reason: err.to_string(),
    })
}

/// The whole comment of a plan: the marker line, then its Markdown summary
/// under GitHub's size limit for comments.
pub fn body(result: &RunResult) -> String {
    let marker = marker(&result.dir, &result.env);
    let markdown = render::markdown(
        &result.heading(),
        &result.summary,
        COMMENT_LIMIT - marker.len() - 1,
    );
    format!("{marker}\n{markdown}")
}

/// Creates the comment whose body starts with the same marker line as
/// `body`, or updates the existing one.
pub async fn upsert(pr: &PullRequest, github: &GitHub, body: &str) -> Result<Upserted, Error> {
    let failed = |err: octocrab::Error| Error::Comment {
        reason: portfolio_core::exit::render(&err),
    };
    let marker = body.lines().next().unwrap_or_default();
    let github = client(github)?;
    let base = format!("/repos/{}/{}/issues", pr.owner, pr.repo);
    let first: Page<Comment> = github
        .get(
            format!("{base}/{}/comments", pr.number),
            Some(&[("per_page", "100")]),
        )
        .await
        .map_err(failed)?;
    let comments: Vec<Comment> = github.all_pages(first).await.map_err(failed)?;
    let payload = serde_json::json!({ "body": body });
    let existing = comments
        .iter()
        .find(|c| c.body.as_deref().is_some_and(|b| b.starts_with(marker)));
    let (action, comment): (_, Comment) = match existing {
        Some(old) => (
            "updated",
            github
                .patch(format!("{base}/comments/{}", old.id), Some(&payload))
                .await
                .map_err(failed)?,
        ),
        None => (
            "created",
            github
                .post(format!("{base}/{}/comments", pr.number), Some(&payload))
                .await
                .map_err(failed)?,
        ),
    };
    Ok(Upserted {
        action,
        id: comment.id,
        url: comment.html_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pr_number_from_events() {
        assert_eq!(event_number(br#"{"pull_request":{"number":12}}"#), Some(12));
        assert_eq!(event_number(br#"{"issue":{"number":5}}"#), Some(5));
        assert_eq!(event_number(br#"{"ref":"main"}"#), None);
        assert_eq!(event_number(b"garbage"), None);
    }
}
