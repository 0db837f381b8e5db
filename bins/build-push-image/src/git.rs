//! The commit, ref and source URL being built: from the GitHub Actions
//! environment (`GITHUB_SHA`, `GITHUB_REF`, `GITHUB_SERVER_URL`,
//! `GITHUB_REPOSITORY`), else from `git` in the build context.

use std::path::Path;

use portfolio_core::git::output as git;

/// What git says about the build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitInfo {
    /// Full commit SHA.
    pub sha: Option<String>,
    /// Full ref: `refs/heads/main`, `refs/tags/v1.2.3`, `refs/pull/7/merge`.
    pub reference: Option<String>,
    /// Repository URL (for `org.opencontainers.image.source`).
    pub source: Option<String>,
}

impl GitInfo {
    /// From the environment under Actions, else from `git` run in `dir`.
    pub fn discover(dir: &Path) -> GitInfo {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let github_source = match (env("GITHUB_SERVER_URL"), env("GITHUB_REPOSITORY")) {
            (Some(server), Some(repo)) => Some(format!("{}/{repo}", server.trim_end_matches('/'))),
            _ => None,
        };
        let sha = env("GITHUB_SHA").or_else(|| git(dir, &["rev-parse", "HEAD"]));
        let reference = env("GITHUB_REF").or_else(|| {
            git(dir, &["describe", "--tags", "--exact-match", "HEAD"])
                .map(|tag| format!("refs/tags/{tag}"))
                .or_else(|| git(dir, &["symbolic-ref", "-q", "HEAD"]))
        });
        let source = github_source
            .or_else(|| git(dir, &["remote", "get-url", "origin"]).map(|url| public_url(&url)));
        GitInfo {
            sha,
            reference,
            source,
        }
    }
}

/// A remote URL without credentials, `git@host:org/repo.git` as https.
pub fn public_url(url: &str) -> String {
    let url = url.trim_end_matches(".git");
    if let Some(rest) = url.strip_prefix("git@")
        && let Some((host, path)) = rest.split_once(':')
    {
        return format!("https://{host}/{path}");
    }
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let host = authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host);
            format!("{scheme}://{host}/{path}")
                .trim_end_matches('/')
                .to_owned()
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::public_url;

    #[test]
    fn remote_urls_lose_credentials_and_ssh_form() {
        assert_eq!(
            public_url("git@github.com:org/app.git"),
            "https://github.com/org/app"
        );
        assert_eq!(
            public_url("https://x-access-token:secret@github.com/org/app.git"),
            "https://github.com/org/app"
        );
        assert_eq!(
            public_url("https://github.com/org/app"),
            "https://github.com/org/app"
        );
    }
}
