//! Image references and protection reasons.

use std::collections::HashMap;

use super::*;

#[test]
fn parses_image_references() {
    for (text, repository, tag, digest) in [
        (
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-dev-backend:v1",
            "portfolio-dev-backend",
            Some("v1"),
            None,
        ),
        (
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app@sha256:abc",
            "team/app",
            None,
            Some("sha256:abc"),
        ),
        (
            "localhost:5000/app:1.0@sha256:def",
            "app",
            Some("1.0"),
            Some("sha256:def"),
        ),
        ("team/app", "team/app", None, None),
        ("app:latest", "app", Some("latest"), None),
    ] {
        let parsed = ImageRef::parse(text);
        assert_eq!(parsed.repository, repository, "{text}");
        assert_eq!(parsed.tag.as_deref(), tag, "{text}");
        assert_eq!(parsed.digest.as_deref(), digest, "{text}");
    }
}

#[test]
fn protects_by_digest_tag_and_index_child() {
    let mut index = Image::new("sha256:index", vec!["v2".into()], 3);
    index.media_type = Some(portfolio_core::oci::IMAGE_INDEX.into());
    let mut signature = Image::new("sha256:sig", vec![], 4);
    signature.subject = Some("sha256:index".into());
    let images = vec![
        Image::new("sha256:one", vec!["v1".into()], 1),
        Image::new("sha256:child", vec![], 2),
        index,
        signature,
        Image::new("sha256:latest", vec!["latest".into()], 5),
    ];
    let in_use = vec![
        InUse {
            image: "acct.dkr.ecr.us-east-1.amazonaws.com/repo:v1".into(),
            digest: None,
            user: "service a".into(),
        },
        InUse {
            image: "acct.dkr.ecr.us-east-1.amazonaws.com/other:v2".into(),
            digest: Some("sha256:index".into()),
            user: "service b".into(),
        },
        InUse {
            image: "acct.dkr.ecr.us-east-1.amazonaws.com/repo".into(),
            digest: Some("sha256:running".into()),
            user: "task c".into(),
        },
    ];
    let children = HashMap::from([("sha256:index".to_owned(), vec!["sha256:child".to_owned()])]);
    let protection = Protection::build("repo", &images, &in_use, &children);
    assert!(protection.reasons("sha256:one").is_some());
    // Another repository's reference protects nothing here.
    assert!(protection.reasons("sha256:index").is_none());
    assert!(protection.reasons("sha256:child").is_some());
    // A referrer goes with its subject: the evaluator decides, not protection.
    assert!(protection.reasons("sha256:sig").is_none());
    // An untagged reference means `latest`; the running digest counts too.
    assert!(protection.reasons("sha256:latest").is_some());
    assert!(protection.reasons("sha256:running").is_some());
}

#[test]
fn short_digest() {
    assert_eq!(short("sha256:0123456789abcdef"), "sha256:0123456789ab");
    assert_eq!(short("sha256:01"), "sha256:01");
}
