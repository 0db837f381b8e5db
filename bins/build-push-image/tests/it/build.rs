//! Build and push with each builder: the digest the tool reports is the
//! sha256 of the manifest the registry serves (computed by the test), under
//! every tag.

use crate::harness::{REPO, World, sha256};

const SHA: &str = "89abcdef0123456789abcdef0123456789abcdef";

fn build_and_push(builder: &str) {
    let world = World::start(Some(aws_sdk_ecr::types::ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("hello.txt", "hello")]);
    assert_eq!(world.images.references(), Vec::<String>::new());
    let mut command = world.command();
    command
        .args(world.base_args(builder, &context))
        .args(["--tag", "extra", "--label", "team=web"])
        .env("GITHUB_SHA", SHA)
        .env("GITHUB_REF", "refs/heads/feature/login");
    let run = crate::harness::run(&mut command);
    run.assert_code(0);
    let json = run.json();
    assert_eq!(json["built"], true);
    let digest = json["digest"].as_str().unwrap();
    assert!(digest.starts_with("sha256:"));
    let context_tag = json["context_tag"].as_str().unwrap();
    let tags: Vec<&str> = json["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(tags, ["sha-89abcde", "feature-login", "extra", context_tag]);
    assert_eq!(
        json["image"],
        format!("{}/{REPO}:sha-89abcde", world.registry.host())
    );
    for tag in tags {
        let served = world.manifest(tag).unwrap();
        assert_eq!(sha256(&served.bytes), digest, "tag {tag}");
        assert_eq!(world.digest(tag).as_deref(), Some(digest), "tag {tag}");
    }
    engine_images_go_away(&world, builder);
}

/// A docker build leaves its tags in the engine; the world's guard removes
/// them (and its drop checks again, also for the other builders).
pub fn engine_images_go_away(world: &World, builder: &str) {
    let left = world.images.references();
    if builder == "docker" {
        assert!(
            left.iter().any(|image| image.contains(":ctx-")),
            "the docker build tags the image in the engine: {left:?}"
        );
    } else {
        assert_eq!(left, Vec::<String>::new());
    }
    world.images.remove();
    assert_eq!(world.images.references(), Vec::<String>::new());
}

#[test]
fn buildah_builds_and_pushes_every_tag_with_the_registry_digest() {
    build_and_push("buildah");
}

#[test]
fn docker_builds_and_pushes_every_tag_with_the_registry_digest() {
    build_and_push("docker");
}
