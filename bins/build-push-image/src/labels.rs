//! Image labels: the OCI annotations (source, revision, created, version)
//! filled from git, then the user's `--label` values, which win.

use crate::git::GitInfo;
use crate::tags;

/// Parses `KEY=VALUE` pairs given to `flag`; the key must not be empty.
pub fn parse_pairs(
    flag: &str,
    values: &[String],
) -> Result<Vec<(String, String)>, portfolio_core::InvalidInput> {
    values
        .iter()
        .map(|value| match value.split_once('=') {
            Some((key, val)) if !key.trim().is_empty() => {
                Ok((key.trim().to_owned(), val.to_owned()))
            }
            _ => Err(portfolio_core::InvalidInput::new(
                flag,
                format!("'{value}' is not KEY=VALUE"),
            )),
        })
        .collect()
}

/// The labels of the image: OCI labels from `git` and `created`, then
/// `user` labels (overriding a generated one with the same key).
pub fn compute(git: &GitInfo, created: &str, user: &[(String, String)]) -> Vec<(String, String)> {
    let mut labels: Vec<(String, String)> = Vec::new();
    let mut push = |key: &str, value: Option<String>| {
        if let Some(value) = value {
            labels.push((format!("org.opencontainers.image.{key}"), value));
        }
    };
    push("source", git.source.clone());
    push("revision", git.sha.clone());
    push("created", Some(created.to_owned()));
    push(
        "version",
        tags::version(git).or_else(|| git.sha.as_ref().map(|s| s.chars().take(7).collect())),
    );
    labels.retain(|(key, _)| !user.iter().any(|(k, _)| k == key));
    labels.extend(user.iter().cloned());
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_labels_come_from_git_and_user_labels_win() {
        let git = GitInfo {
            sha: Some("0123456789abcdef".into()),
            reference: Some("refs/tags/v1.2.3".into()),
            source: Some("https://github.com/org/app".into()),
        };
        let user = vec![(
            "org.opencontainers.image.source".to_owned(),
            "https://example.com".to_owned(),
        )];
        let labels = compute(&git, "2025-01-01T00:00:00Z", &user);
        let get = |key: &str| {
            labels
                .iter()
                .find(|(k, _)| k == &format!("org.opencontainers.image.{key}"))
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("version"), Some("1.2.3"));
        assert_eq!(get("revision"), Some("0123456789abcdef"));
        assert_eq!(get("source"), Some("https://example.com"));
        assert_eq!(labels.len(), 4);
    }

    #[test]
    fn pairs_need_a_key_and_an_equals_sign() {
        assert_eq!(
            parse_pairs("--label", &["a=b=c".into()]).unwrap(),
            vec![("a".to_owned(), "b=c".to_owned())]
        );
        let err = parse_pairs("--label", &["novalue".into()]).unwrap_err();
        assert_eq!(err.field, "--label");
        assert!(parse_pairs("--label", &["=x".into()]).is_err());
    }
}
