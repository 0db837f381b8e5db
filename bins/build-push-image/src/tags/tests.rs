//! Unit and property tests of tag computation.

use proptest::prelude::*;

use super::*;

fn git(sha: Option<&str>, reference: Option<&str>) -> GitInfo {
    GitInfo {
        sha: sha.map(str::to_owned),
        reference: reference.map(str::to_owned),
        source: None,
    }
}

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

#[test]
fn a_semver_tag_gives_sha_full_version_and_major_minor() {
    let tags = compute(&git(Some(SHA), Some("refs/tags/v1.2.3")), false, &[]);
    assert_eq!(tags, ["sha-0123456", "v1.2.3", "v1.2"]);
    assert_eq!(
        version(&git(None, Some("refs/tags/v1.2.3"))).as_deref(),
        Some("1.2.3")
    );
}

#[test]
fn a_prerelease_gets_only_itself() {
    let tags = compute(&git(Some(SHA), Some("refs/tags/v2.0.0-rc.1")), false, &[]);
    assert_eq!(tags, ["sha-0123456", "v2.0.0-rc.1"]);
}

#[test]
fn branches_and_pull_requests_are_sanitised() {
    assert_eq!(
        compute(
            &git(Some(SHA), Some("refs/heads/feature/Login#2")),
            false,
            &[]
        ),
        ["sha-0123456", "feature-Login-2"]
    );
    assert_eq!(
        compute(&git(None, Some("refs/pull/42/merge")), false, &[]),
        ["pr-42"]
    );
    assert_eq!(
        compute(&git(None, Some("refs/tags/release-7")), false, &[]),
        ["release-7"]
    );
}

#[test]
fn latest_only_when_asked_and_extras_without_duplicates() {
    let g = git(Some(SHA), Some("refs/heads/main"));
    assert!(!compute(&g, false, &[]).contains(&"latest".to_owned()));
    assert_eq!(
        compute(&g, true, &["main".into(), "stable".into()]),
        ["sha-0123456", "main", "latest", "stable"]
    );
}

#[test]
fn non_semver_versions_are_recognised_as_such() {
    for name in ["v1.2", "v01.2.3", "1.2.3", "v1.2.3.4", "v1.2.3-"] {
        assert_eq!(semver(name), None, "{name}");
    }
    assert_eq!(semver("v10.20.30+build.5"), Some((10, 20, 30, false)));
}

proptest! {
    #[test]
    fn sanitised_names_are_valid_tags(name in "\\PC{0,200}") {
        if let Some(tag) = sanitise(&name) {
            prop_assert!(is_valid(&tag), "{tag:?}");
        }
    }

    #[test]
    fn valid_tags_survive_sanitising(tag in "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}") {
        prop_assert!(is_valid(&tag));
        prop_assert_eq!(sanitise(&tag), Some(tag.clone()));
    }

    #[test]
    fn every_computed_tag_is_valid(branch in "[a-zA-Z0-9/#@ ._-]{1,80}", sha in "[0-9a-f]{40}") {
        let reference = format!("refs/heads/{branch}");
        for tag in compute(&git(Some(&sha), Some(&reference)), true, &[]) {
            prop_assert!(is_valid(&tag), "{tag:?}");
        }
    }
}

#[test]
fn branch_pr_and_major_minor_tags_are_the_moving_ones() {
    let of = |reference: &str| moving(&git(Some(SHA), Some(reference)));
    assert_eq!(of("refs/heads/feature/login"), ["feature-login"]);
    assert_eq!(of("refs/pull/42/merge"), ["pr-42"]);
    assert_eq!(of("refs/tags/v1.2.3"), ["v1.2"]);
    assert_eq!(of("refs/tags/v1.2.3-rc.1"), Vec::<String>::new());
    assert_eq!(of("refs/tags/nightly"), Vec::<String>::new());
    assert_eq!(moving(&git(Some(SHA), None)), Vec::<String>::new());
}
