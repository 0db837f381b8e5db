//! ECR's tag mutability per tag: `IMMUTABLE` keeps the moving tags (branch,
//! `vX.Y`) where they are and still pushes the new image under its own
//! tags; `IMMUTABLE_WITH_EXCLUSION` lets the tags its filters match move;
//! `MUTABLE_WITH_EXCLUSION` holds only those. A tag that names one image
//! (`--tag`, `sha-<7>`) and may not move stops the run (exit 4).

use aws_sdk_ecr::types::ImageTagMutability;

use crate::harness::{REPO, World, write};

const FIRST: &str = "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SECOND: &str = "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const MAIN: &str = "refs/heads/main";

#[test]
fn an_immutable_repository_keeps_the_branch_tag_and_pushes_the_new_commit() {
    let world = World::start(None);
    world.create_repository(ImageTagMutability::Immutable, &[]);
    let context = world.context("ctx", &[("app.txt", "one")]);
    let first = world.build_on(MAIN, FIRST, &context, &[]);
    let first = first.assert_code(0).json();
    assert_eq!(world.digest("main").as_deref(), first["digest"].as_str());

    write(&context, "app.txt", "two");
    let second = world.build_on(MAIN, SECOND, &context, &[]);
    let json = second.assert_code(0).json();
    assert_eq!(json["built"], true);
    assert!(
        second.stderr.contains("main stays on") && second.stderr.contains(REPO),
        "{}",
        second.stderr
    );
    assert_eq!(json["tags"][0], "sha-2222222");
    assert!(!json["tags"].as_array().unwrap().contains(&"main".into()));
    assert_eq!(world.digest("main").as_deref(), first["digest"].as_str());
    assert_eq!(
        world.digest("sha-2222222").as_deref(),
        json["digest"].as_str()
    );

    // A release of the same commit: vX.Y.Z is new, vX.Y too.
    let release = world.build_on("refs/tags/v1.2.0", SECOND, &context, &[]);
    let release = release.assert_code(0).json();
    assert_eq!(release["built"], false);
    assert_eq!(world.digest("v1.2").as_deref(), json["digest"].as_str());
}

#[test]
fn immutable_with_exclusion_lets_the_matching_tags_move_and_holds_the_rest() {
    let world = World::start(None);
    world.create_repository(
        ImageTagMutability::ImmutableWithExclusion,
        &["ma*", "dev-*"],
    );
    let context = world.context("ctx", &[("app.txt", "one")]);
    let first = world
        .build_on(
            MAIN,
            FIRST,
            &context,
            &["--tag", "release", "--tag", "dev-x"],
        )
        .assert_code(0)
        .json();

    write(&context, "app.txt", "two");
    let refused = world.build_on(MAIN, SECOND, &context, &["--tag", "release"]);
    refused.assert_code(4);
    assert!(
        refused.stderr.contains("release") && !refused.stderr.contains("buildah build"),
        "{}",
        refused.stderr
    );
    assert_eq!(world.digest("release").as_deref(), first["digest"].as_str());

    let moved = world
        .build_on(MAIN, SECOND, &context, &["--tag", "dev-x"])
        .assert_code(0)
        .json();
    for tag in ["main", "dev-x", "sha-2222222"] {
        assert_eq!(
            world.digest(tag).as_deref(),
            moved["digest"].as_str(),
            "{tag}"
        );
    }
    assert_eq!(world.digest("release").as_deref(), first["digest"].as_str());
}

#[test]
fn mutable_with_exclusion_holds_only_the_matching_tags() {
    let world = World::start(None);
    world.create_repository(ImageTagMutability::MutableWithExclusion, &["release-*"]);
    let context = world.context("ctx", &[("app.txt", "one")]);
    let first = world
        .build_on(
            MAIN,
            FIRST,
            &context,
            &["--tag", "release-1", "--tag", "stable"],
        )
        .assert_code(0)
        .json();

    write(&context, "app.txt", "two");
    world
        .build_on(MAIN, SECOND, &context, &["--tag", "release-1"])
        .assert_code(4);
    assert_eq!(
        world.digest("release-1").as_deref(),
        first["digest"].as_str()
    );

    let moved = world
        .build_on(MAIN, SECOND, &context, &["--tag", "stable"])
        .assert_code(0)
        .json();
    for tag in ["main", "stable"] {
        assert_eq!(
            world.digest(tag).as_deref(),
            moved["digest"].as_str(),
            "{tag}"
        );
    }
}

#[test]
fn a_mutable_repository_moves_every_tag() {
    let world = World::start(None);
    world.create_repository(ImageTagMutability::Mutable, &[]);
    let context = world.context("ctx", &[("app.txt", "one")]);
    world
        .build_on(MAIN, FIRST, &context, &["--tag", "release"])
        .assert_code(0);
    write(&context, "app.txt", "two");
    let moved = world
        .build_on(MAIN, FIRST, &context, &["--tag", "release"])
        .assert_code(0)
        .json();
    for tag in ["main", "release", "sha-1111111"] {
        assert_eq!(
            world.digest(tag).as_deref(),
            moved["digest"].as_str(),
            "{tag}"
        );
    }
}
