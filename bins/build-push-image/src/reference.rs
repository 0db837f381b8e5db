//! `--tag` values as docker/metadata-action emits them: a bare tag
//! (`v1.2.3`) or a full reference (`registry/repository:tag`).
//!
//! A reference is a tag of ours when it names this run's repository: its
//! repository path must be the `--repository` and its registry host the
//! registry pushed to (checked once the host is known, before anything is
//! built). A reference to another repository or registry is refused
//! (exit 2): one run pushes to one repository, and pushing elsewhere would
//! need that registry's login, which this run does not have.

use portfolio_core::InvalidInput;

use crate::tags;

/// One `--tag` value, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRef {
    /// The tag.
    pub tag: String,
    /// The registry host the value named, when it was a full reference.
    pub host: Option<String>,
    /// The value as given, for messages.
    pub given: String,
}

/// The repository of the first full reference among `values`
/// (`registry/repository:tag`), when no `--repository` or `--service` names
/// one: a docker/build-push-action step migrated with only `tags` set.
pub fn repository_of(values: &[String]) -> Option<String> {
    values.iter().find_map(|value| {
        let value = value.trim();
        if value.contains('@') {
            return None;
        }
        let name = match value.rsplit_once(':') {
            Some((name, tag)) if !tag.contains('/') => name,
            _ => value,
        };
        let (host, path) = name.split_once('/')?;
        let is_host = host.contains(['.', ':']) || host == "localhost";
        (is_host && !path.is_empty()).then(|| path.to_owned())
    })
}

/// Splits `value` (a tag or `host/repository:tag`) and checks that it is a
/// valid tag of `repository`.
pub fn parse(value: &str, repository: &str) -> Result<TagRef, InvalidInput> {
    let value = value.trim();
    let bad = |reason: String| InvalidInput::new("--tag", reason);
    if !value.contains('/') {
        if tags::is_valid(value) {
            return Ok(TagRef {
                tag: value.to_owned(),
                host: None,
                given: value.to_owned(),
            });
        }
        return Err(bad(format!(
            "'{value}' is not a valid tag: expected [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}, \
             or a full reference <registry>/{repository}:<tag>"
        )));
    }
    if value.contains('@') {
        return Err(bad(format!(
            "'{value}' names a digest: expected a tag or <registry>/{repository}:<tag>"
        )));
    }
    let (name, tag) = match value.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, tag),
        _ => (value, "latest"),
    };
    let (host, path) = name.split_once('/').unwrap_or(("", name));
    let is_host = host.contains(['.', ':']) || host == "localhost";
    if !is_host || path != repository {
        return Err(bad(format!(
            "'{value}' names another repository than {repository}: build-push-image pushes one \
             repository per run (use one step per repository); expected a tag or \
             <registry>/{repository}:<tag>"
        )));
    }
    if !tags::is_valid(tag) {
        return Err(bad(format!(
            "'{value}': '{tag}' is not a valid tag: expected [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}"
        )));
    }
    Ok(TagRef {
        tag: tag.to_owned(),
        host: Some(host.to_owned()),
        given: value.to_owned(),
    })
}

/// Checks that every reference of `refs` names `registry` (the host pushed
/// to), before anything is built.
pub fn check_host(refs: &[TagRef], registry: &str) -> Result<(), InvalidInput> {
    match refs
        .iter()
        .find(|r| r.host.as_deref().is_some_and(|host| host != registry))
    {
        None => Ok(()),
        Some(other) => Err(InvalidInput::new(
            "--tag",
            format!(
                "'{}' names registry {}, but this run pushes to {registry}: a reference must \
                 name the registry pushed to (or pass the tag alone)",
                other.given,
                other.host.as_deref().unwrap_or_default()
            ),
        )),
    }
}

/// The one registry host the references name, when they name exactly one.
pub fn named_host(refs: &[TagRef]) -> Option<&str> {
    let mut hosts = refs.iter().filter_map(|r| r.host.as_deref());
    let first = hosts.next()?;
    hosts.all(|h| h == first).then_some(first)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_repository_comes_from_the_first_full_reference() {
        let values = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            super::repository_of(&values(&[
                "v1",
                "1.dkr.ecr.us-east-1.amazonaws.com/team/app:v1"
            ])),
            Some("team/app".to_owned())
        );
        assert_eq!(
            super::repository_of(&values(&["127.0.0.1:5000/app"])),
            Some("app".to_owned())
        );
        assert_eq!(
            super::repository_of(&values(&["v1", "library/app:v1"])),
            None
        );
        assert_eq!(
            super::repository_of(&values(&["r.example.com/app@sha256:00"])),
            None
        );
    }

    use super::*;

    const REPO: &str = "portfolio-dev-backend";

    #[test]
    fn bare_tags_and_references_of_our_repository_are_tags() {
        let bare = parse("v1.2.3", REPO).unwrap();
        assert_eq!((bare.tag.as_str(), bare.host), ("v1.2.3", None));
        let full = parse(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-dev-backend:sha-0123456",
            REPO,
        )
        .unwrap();
        assert_eq!(full.tag, "sha-0123456");
        assert_eq!(
            full.host.as_deref(),
            Some("123456789012.dkr.ecr.us-east-1.amazonaws.com")
        );
        let local = parse("127.0.0.1:5000/portfolio-dev-backend", REPO).unwrap();
        assert_eq!(local.tag, "latest");
        assert_eq!(local.host.as_deref(), Some("127.0.0.1:5000"));
    }

    #[test]
    fn other_repositories_digests_and_bad_tags_are_refused() {
        for value in [
            "ghcr.io/org/app:v1",
            "docker.io/library/portfolio-dev-backend:v1",
            "org/portfolio-dev-backend:v1",
            "portfolio-dev-backend/x:v1",
            "reg.example.com/portfolio-dev-backend@sha256:abc",
            "reg.example.com/portfolio-dev-backend:bad*tag",
            "bad tag",
        ] {
            let err = parse(value, REPO).unwrap_err();
            assert_eq!(err.field, "--tag", "{value}");
            assert!(err.reason.contains(value), "{value}: {}", err.reason);
        }
    }

    #[test]
    fn references_must_name_the_registry_pushed_to() {
        let refs = [
            parse("v1", REPO).unwrap(),
            parse("reg.example.com/portfolio-dev-backend:v2", REPO).unwrap(),
        ];
        assert!(check_host(&refs, "reg.example.com").is_ok());
        let err = check_host(&refs, "127.0.0.1:5000").unwrap_err();
        assert!(err.reason.contains("reg.example.com"), "{}", err.reason);
        assert_eq!(named_host(&refs), Some("reg.example.com"));
        assert_eq!(named_host(&refs[..1]), None);
    }
}
