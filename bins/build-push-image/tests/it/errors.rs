//! Failures: each with its exit code and a message that says what is wrong.

use portfolio_testkit::free_port;

use crate::harness::{REPO, World, ecr, run, write};

#[test]
fn a_bad_dockerfile_fails_with_the_builders_error() {
    let world = World::start(Some(aws_sdk_ecr::types::ImageTagMutability::Mutable));
    let context = world.context("ctx", &[]);
    write(&context, "Dockerfile", "FROM scratch\nBOGUS instruction\n");
    let failed = world.build("buildah", &context, &[]);
    failed.assert_code(1);
    assert!(
        failed.stderr.contains("buildah build failed"),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.to_lowercase().contains("bogus"),
        "{}",
        failed.stderr
    );
}

#[test]
fn missing_context_dockerfile_or_repository_exit_2_and_change_nothing() {
    let world = World::start(None);
    let context = world.context("ctx", &[]);

    let missing = world.build("buildah", &world.path("nowhere"), &[]);
    missing.assert_code(2);
    assert!(missing.stderr.contains("--context") && missing.stderr.contains("nowhere"));

    let no_file = world.build("buildah", &context, &["--file", "missing.Dockerfile"]);
    no_file.assert_code(2);
    assert!(no_file.stderr.contains("--file") && no_file.stderr.contains("missing.Dockerfile"));

    let no_repo = world.build("buildah", &context, &[]);
    no_repo.assert_code(2);
    assert!(
        no_repo
            .stderr
            .contains(&format!("repository '{REPO}' does not exist")),
        "{}",
        no_repo.stderr
    );
    assert!(no_repo.stderr.contains("--create-repository"));
    assert_eq!(world.digest("latest"), None);
}

#[test]
fn create_repository_makes_it_the_way_the_spec_wants() {
    let world = World::start(None);
    let context = world.context("ctx", &[("a.txt", "a")]);
    world
        .build("buildah", &context, &["--create-repository"])
        .assert_code(0);
    let client = ecr(&world.moto);
    let found = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(client.describe_repositories().repository_names(REPO).send())
        .unwrap();
    let repo = &found.repositories()[0];
    assert_eq!(
        repo.image_scanning_configuration()
            .map(aws_sdk_ecr::types::ImageScanningConfiguration::scan_on_push),
        Some(true)
    );
    assert_eq!(
        repo.encryption_configuration()
            .map(|c| c.encryption_type().as_str()),
        Some("AES256")
    );
    assert_eq!(
        repo.image_tag_mutability()
            .map(aws_sdk_ecr::types::ImageTagMutability::as_str),
        Some("MUTABLE")
    );
}

#[test]
fn a_registry_that_is_down_fails_clearly_after_retries() {
    let world = World::start(Some(aws_sdk_ecr::types::ImageTagMutability::Mutable));
    let context = world.context("ctx", &[]);
    let down = format!("127.0.0.1:{}", free_port().unwrap());
    let mut command = world.command();
    let mut args = world.base_args("buildah", &context);
    args[1] = down.clone();
    command.args(args);
    let failed = run(&mut command);
    failed.assert_code(1);
    assert!(
        failed
            .stderr
            .contains(&format!("registry {down} did not answer after 3 attempts")),
        "{}",
        failed.stderr
    );
}

#[test]
fn the_scan_gate_needs_ecr_and_bad_flags_exit_2() {
    let world = World::start(Some(aws_sdk_ecr::types::ImageTagMutability::Mutable));
    let context = world.context("ctx", &[]);
    let gate = world.build(
        "buildah",
        &context,
        &["--registry-auth", "none", "--fail-on-severity", "HIGH"],
    );
    gate.assert_code(2);
    assert!(gate.stderr.contains("--fail-on-severity"));
    let tag = world.build("buildah", &context, &["--tag=bad/tag"]);
    tag.assert_code(2);
    assert!(tag.stderr.contains("--tag"));
}
