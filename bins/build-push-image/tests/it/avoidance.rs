//! Build avoidance: the same context is never built twice; a changed file
//! or build arg is; an ignored file is not; immutable tags are respected.

use aws_sdk_ecr::types::ImageTagMutability;

use crate::harness::{World, write};

#[test]
fn an_unchanged_context_only_adds_tags_and_a_rerun_is_a_no_op() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("hello.txt", "hello")]);
    let first = world.build("buildah", &context, &["--tag", "one"]);
    let first = first.assert_code(0).json();
    assert_eq!(first["built"], true);

    let second = world.build("buildah", &context, &["--tag", "two", "--latest"]);
    let second_json = second.assert_code(0).json();
    assert_eq!(second_json["built"], false);
    assert_eq!(second_json["digest"], first["digest"]);
    assert_eq!(
        second_json["changed_tags"],
        serde_json::json!(["latest", "two"])
    );
    assert!(
        !second.stderr.contains("buildah build"),
        "{}",
        second.stderr
    );
    let digest = first["digest"].as_str().unwrap();
    for tag in ["one", "two", "latest"] {
        assert_eq!(world.digest(tag).as_deref(), Some(digest), "tag {tag}");
    }

    let third = world.build("buildah", &context, &["--tag", "two", "--latest"]);
    let third = third.assert_code(0).json();
    assert_eq!(third["built"], false);
    assert_eq!(third["changed_tags"], serde_json::json!([]));
}

#[test]
fn changed_files_and_build_args_rebuild_but_ignored_files_do_not() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let context = world.context(
        "ctx",
        &[
            ("hello.txt", "hello"),
            (".dockerignore", "notes/\n*.log\n"),
            ("notes/todo.md", "one"),
        ],
    );
    let base = world.build("buildah", &context, &[]).assert_code(0).json();
    let base_tag = base["context_tag"].clone();

    write(&context, "notes/todo.md", "two");
    write(&context, "debug.log", "noise");
    let ignored = world.build("buildah", &context, &[]).assert_code(0).json();
    assert_eq!(ignored["built"], false);
    assert_eq!(ignored["context_tag"], base_tag);

    let with_arg = world
        .build("buildah", &context, &["--build-arg", "FLAVOUR=spicy"])
        .assert_code(0)
        .json();
    assert_eq!(with_arg["built"], true);
    assert_ne!(with_arg["context_tag"], base_tag);
    assert_ne!(with_arg["digest"], base["digest"]);

    write(&context, "hello.txt", "hello, world");
    let changed = world.build("buildah", &context, &[]).assert_code(0).json();
    assert_eq!(changed["built"], true);
    assert_ne!(changed["context_tag"], base_tag);
    assert_eq!(
        world
            .digest(changed["context_tag"].as_str().unwrap())
            .as_deref(),
        changed["digest"].as_str()
    );
}

#[test]
fn an_immutable_repository_refuses_to_move_a_tag_and_reruns_are_no_ops() {
    let world = World::start(Some(ImageTagMutability::Immutable));
    let context = world.context("ctx", &[("hello.txt", "v1")]);
    let first = world
        .build("buildah", &context, &["--tag", "release"])
        .assert_code(0)
        .json();

    let rerun = world
        .build("buildah", &context, &["--tag", "release"])
        .assert_code(0)
        .json();
    assert_eq!(rerun["built"], false);
    assert_eq!(rerun["changed_tags"], serde_json::json!([]));

    write(&context, "hello.txt", "v2");
    let moved = world.build("buildah", &context, &["--tag", "release"]);
    moved.assert_code(4);
    assert!(
        moved.stderr.contains("immutable") && moved.stderr.contains("release"),
        "{}",
        moved.stderr
    );
    assert!(
        !moved.stderr.contains("buildah build"),
        "nothing may be built: {}",
        moved.stderr
    );
    assert_eq!(world.digest("release").as_deref(), first["digest"].as_str());
}

#[test]
fn print_context_tag_matches_the_tag_a_build_pushes() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("hello.txt", "hello")]);
    let mut command = world.command();
    command
        .args(["--repository", "any", "--print-context-tag", "--context"])
        .arg(&context);
    let printed = crate::harness::run(&mut command);
    printed.assert_code(0);
    let built = world.build("buildah", &context, &[]).assert_code(0).json();
    assert_eq!(
        printed.stdout.trim(),
        built["context_tag"].as_str().unwrap()
    );
}
