//! The GitHub context of a run and the one GitHub API client.
//!
//! [`GitHub::from_env`] reads what the runner sets (`GITHUB_REPOSITORY`,
//! `GITHUB_SHA`, `GITHUB_SERVER_URL`, `GITHUB_API_URL`, `GITHUB_RUN_ID`,
//! `GITHUB_EVENT_PATH`, `GITHUB_TOKEN`), masks the token before anything
//! could print it, and builds the octocrab client against `GITHUB_API_URL`
//! (GitHub Enterprise Server, or a local fake in tests).

use std::path::PathBuf;

use octocrab::Octocrab;

use crate::actions::Actions;
use crate::error::Error;

/// The API when `GITHUB_API_URL` is unset.
pub const DEFAULT_API: &str = "https://api.github.com";
/// The web server when `GITHUB_SERVER_URL` is unset.
pub const DEFAULT_SERVER: &str = "https://github.com";

/// What the runner tells a step about the workflow run.
#[derive(Clone, Default)]
pub struct GitHub {
    /// `owner/repo`.
    pub repository: Option<String>,
    /// The commit the run is for.
    pub sha: Option<String>,
    /// The web server (`https://github.com`).
    pub server_url: String,
    /// The REST API base (`https://api.github.com`).
    pub api_url: String,
    /// The workflow run's id.
    pub run_id: Option<String>,
    /// The event payload file.
    pub event_path: Option<PathBuf>,
    token: Option<String>,
}

impl std::fmt::Debug for GitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHub")
            .field("repository", &self.repository)
            .field("sha", &self.sha)
            .field("server_url", &self.server_url)
            .field("api_url", &self.api_url)
            .field("run_id", &self.run_id)
            .field("event_path", &self.event_path)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl GitHub {
    /// Reads the context from the environment; the token is masked under
    /// Actions before this returns.
    pub fn from_env(actions: &Actions) -> GitHub {
        let token = var("GITHUB_TOKEN");
        if let Some(token) = &token {
            actions.mask(token);
        }
        GitHub {
            repository: var("GITHUB_REPOSITORY"),
            sha: var("GITHUB_SHA"),
            server_url: var("GITHUB_SERVER_URL")
                .unwrap_or_else(|| DEFAULT_SERVER.to_owned())
                .trim_end_matches('/')
                .to_owned(),
            api_url: var("GITHUB_API_URL")
                .unwrap_or_else(|| DEFAULT_API.to_owned())
                .trim_end_matches('/')
                .to_owned(),
            run_id: var("GITHUB_RUN_ID"),
            event_path: var("GITHUB_EVENT_PATH").map(PathBuf::from),
            token,
        }
    }

    /// The web address of the workflow run, when the run is known.
    pub fn run_url(&self) -> Option<String> {
        match (&self.repository, &self.run_id) {
            (Some(repository), Some(run)) => {
                Some(crate::release::run_url(&self.server_url, repository, run))
            }
            _ => None,
        }
    }

    /// `GITHUB_REPOSITORY`, or an error naming it.
    pub fn repository(&self) -> Result<&str, Error> {
        self.repository
            .as_deref()
            .ok_or_else(|| Error::github("reading the context", "GITHUB_REPOSITORY is not set"))
    }

    /// `GITHUB_SHA`, or an error naming it.
    pub fn sha(&self) -> Result<&str, Error> {
        self.sha
            .as_deref()
            .ok_or_else(|| Error::github("reading the context", "GITHUB_SHA is not set"))
    }

    /// The API client, authenticated with `GITHUB_TOKEN`.
    pub fn client(&self) -> Result<Octocrab, Error> {
        let token = self
            .token
            .clone()
            .ok_or_else(|| Error::github("authenticating", "GITHUB_TOKEN is not set"))?;
        Octocrab::builder()
            .base_uri(self.api_url.as_str())
            .map_err(|err| Error::github(format!("GITHUB_API_URL '{}'", self.api_url), err))?
            .personal_token(token)
            .build()
            .map_err(|err| Error::github("building the client", crate::exit::render(&err)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let github = GitHub {
            token: Some("ghs_secret".into()),
            repository: Some("o/r".into()),
            run_id: Some("42".into()),
            server_url: DEFAULT_SERVER.into(),
            ..GitHub::default()
        };
        let text = format!("{github:?}");
        assert!(!text.contains("ghs_secret"), "{text}");
        assert_eq!(
            github.run_url().as_deref(),
            Some("https://github.com/o/r/actions/runs/42")
        );
    }
}
