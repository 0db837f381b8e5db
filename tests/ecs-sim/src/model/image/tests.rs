//! Unit tests of digest registration and resolution.

#![allow(clippy::unwrap_used)]
use super::{ImageDigests, InvalidDigest};

const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

#[test]
fn a_digest_in_the_reference_wins_over_registrations() {
    let mut digests = ImageDigests::default();
    digests.register("repo:v1", D1).unwrap();
    assert_eq!(digests.resolve(&format!("repo@{D2}")), Some(D2.to_owned()));
    assert_eq!(digests.resolve("repo:v1"), Some(D1.to_owned()));
    assert_eq!(digests.resolve("repo:v2"), None);
    digests.register("repo:v1", D2).unwrap();
    assert_eq!(digests.resolve("repo:v1"), Some(D2.to_owned()));
}

#[test]
fn malformed_digests_and_empty_images_are_refused() {
    let mut digests = ImageDigests::default();
    assert_eq!(digests.register("", D1), Err(InvalidDigest::EmptyImage));
    for bad in ["sha256:abc", "md5:1111", &D1.to_uppercase(), &D1[7..]] {
        assert_eq!(
            digests.register("repo:v1", bad),
            Err(InvalidDigest::Malformed(bad.to_owned()))
        );
    }
    assert_eq!(digests.resolve("repo:v1"), None);
    assert_eq!(digests.resolve("repo@sha256:abc"), None);
}
