//! The inputs of docker/build-push-action and docker/metadata-action, with
//! buildah against the registry: full references as tags, a build without
//! push, build secrets (never in the image, the context tag or the logs),
//! registry cache, named build contexts in the context tag, and inputs a
//! builder cannot honour refused before anything runs.

use std::fs;

use aws_sdk_ecr::types::ImageTagMutability;
use portfolio_testkit::free_port;

use crate::harness::{REPO, World, files_containing, run, write};

#[test]
fn metadata_action_references_are_tags_and_the_output_lists_references() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("hello.txt", "hello")]);
    let host = world.registry.host();
    let output = world.path("runner/output");
    fs::create_dir_all(world.path("runner")).unwrap();
    let mut command = world.command();
    command
        .args(world.base_args("buildah", &context))
        .args([
            "--tag",
            &format!("{host}/{REPO}:one,{host}/{REPO}:two"),
            "--tag",
            "three",
        ])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output);
    let json = run(&mut command).assert_code(0).json();
    let digest = json["digest"].as_str().unwrap();
    for tag in ["one", "two", "three"] {
        assert_eq!(world.digest(tag).as_deref(), Some(digest), "tag {tag}");
    }
    // `tags`: one full reference per line, as metadata-action's output.
    let written = fs::read_to_string(&output).unwrap();
    let context_tag = json["context_tag"].as_str().unwrap();
    let expected = ["one", "two", "three", context_tag]
        .map(|t| format!("{host}/{REPO}:{t}"))
        .join("\n");
    assert!(
        written.contains(&format!("\n{expected}\n")),
        "tags output:\n{written}"
    );
    assert!(written.contains("imageid="), "{written}");
    assert!(written.contains("metadata="), "{written}");
}

#[test]
fn a_reference_to_another_repository_or_registry_is_refused_before_anything_runs() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("hello.txt", "hello")]);
    for (tag, says) in [
        ("ghcr.io/org/app:v1", "another repository"),
        (&*format!("other.example.com/{REPO}:v1"), "names registry"),
    ] {
        let refused = world.build("buildah", &context, &["--tag", tag]);
        refused.assert_code(2);
        assert!(
            refused.stderr.contains("--tag")
                && refused.stderr.contains(tag)
                && refused.stderr.contains(says),
            "{}",
            refused.stderr
        );
        assert!(
            !refused.stderr.contains("buildah build"),
            "{}",
            refused.stderr
        );
    }
    assert_eq!(world.tags_of(REPO), Vec::<String>::new());
}

#[test]
fn no_push_builds_without_registry_or_aws_and_outputs_the_image_id() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("hello.txt", "hello")]);
    // Nothing answers here: a call to AWS would fail the run.
    let dead = format!("http://127.0.0.1:{}", free_port().unwrap());
    let output = world.path("runner/output");
    fs::create_dir_all(world.path("runner")).unwrap();
    let mut command = world.command();
    command
        .args(["--repository", REPO, "--builder", "buildah", "--json"])
        .args(["--no-push", "--tag", "pr-7", "--context"])
        .arg(&context)
        .env("AWS_ENDPOINT_URL", &dead)
        .env("AWS_ENDPOINT_URL_STS", &dead)
        .env("AWS_ENDPOINT_URL_ECR", &dead)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output);
    let done = run(&mut command);
    let json = done.assert_code(0).json();
    assert_eq!(json["built"], true);
    assert_eq!(json["pushed"], false);
    assert_eq!(json["digest"], "");
    let imageid = json["imageid"].as_str().unwrap();
    assert!(imageid.starts_with("sha256:"), "{imageid}");
    assert!(!done.stderr.contains("buildah push"), "{}", done.stderr);
    // The image is in the builder's storage under its names, with that id.
    let inspected = world.buildah(&[
        "inspect",
        "--type",
        "image",
        "--format",
        "{{.FromImageID}}",
        &format!("{REPO}:pr-7"),
    ]);
    inspected.assert_code(0);
    assert_eq!(format!("sha256:{}", inspected.stdout.trim()), imageid);
    assert_eq!(world.tags_of(REPO), Vec::<String>::new());
    let written = fs::read_to_string(&output).unwrap();
    assert!(
        written.contains(&format!("imageid={imageid}\n")),
        "{written}"
    );
    assert!(written.contains("digest=\n"), "{written}");
}

#[test]
fn secrets_reach_the_build_but_not_the_image_the_context_tag_or_the_logs() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let context = world.shell_context(
        "ctx",
        "RUN --mount=type=secret,id=token [ -s /run/secrets/token ] && echo mounted > /proof\n",
    );
    let secret_file = world.path("secret.txt");
    fs::write(&secret_file, "file-secret-8d1f").unwrap();
    let build = |value: &str| {
        let mut command = world.command();
        command
            .args(world.base_args("buildah", &context))
            .args(["--secret-file"])
            .arg(format!("other={}", secret_file.display()))
            .env("PORTFOLIO_CI_BUILD_SECRETS", format!("token={value}\n"))
            .env("GITHUB_ACTIONS", "true");
        run(&mut command)
    };
    let first = build("value-secret-51ac");
    let json = first.assert_code(0).json();
    assert_eq!(json["built"], true);
    // The RUN saw the secret: its proof is in the image's layer.
    let storage = world.path("storage");
    assert!(
        files_containing(&storage, "mounted")
            .iter()
            .any(|path| path.ends_with("proof")),
        "the secret was not mounted:\n{}",
        first.stderr
    );
    // Neither value is in any file of the tree (builder storage with the
    // unpacked layers, temp dirs, home) nor in the logs but the mask.
    assert_eq!(
        files_containing(world.root.path(), "value-secret-51ac"),
        Vec::<std::path::PathBuf>::new()
    );
    let leaked: Vec<&str> = first
        .stderr
        .lines()
        .filter(|l| l.contains("value-secret-51ac") && !l.starts_with("::add-mask::"))
        .collect();
    assert!(leaked.is_empty(), "{leaked:?}");
    assert!(!first.stdout.contains("value-secret-51ac"));
    assert_eq!(
        files_containing(&storage, "file-secret-8d1f"),
        Vec::<std::path::PathBuf>::new()
    );
    // A changed secret does not change the context tag: no rebuild.
    let second = build("value-secret-other").assert_code(0).json();
    assert_eq!(second["context_tag"], json["context_tag"]);
    assert_eq!(second["built"], false);
}

#[test]
fn a_registry_cache_is_written_and_named_build_contexts_count_in_the_tag() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let context = world.shell_context(
        "ctx",
        "COPY --from=extra data.txt /data.txt\nRUN echo built > /built\n",
    );
    let extra = world.path("extra");
    write(&extra, "data.txt", "one");
    let cache = format!("{}/{REPO}-cache", world.registry.host());
    let extra_arg = format!("extra={}", extra.display());
    let args = [
        "--build-context",
        &extra_arg,
        "--cache-to",
        &format!("type=registry,ref={cache}"),
        "--cache-from",
        &cache,
    ];
    let first = world
        .build("buildah", &context, &args)
        .assert_code(0)
        .json();
    assert_eq!(first["built"], true);
    assert!(
        !world.tags_of(&format!("{REPO}-cache")).is_empty(),
        "no cache was pushed"
    );
    let same = world
        .build("buildah", &context, &args)
        .assert_code(0)
        .json();
    assert_eq!(same["built"], false);
    write(&extra, "data.txt", "two");
    let changed = world
        .build("buildah", &context, &args)
        .assert_code(0)
        .json();
    assert_eq!(changed["built"], true);
    assert_ne!(changed["context_tag"], first["context_tag"]);
}

#[test]
fn an_input_the_builder_cannot_honour_is_refused_before_anything_runs() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("hello.txt", "hello")]);
    // A registry that is down: reaching it would be exit 1, not 2.
    let down = format!("127.0.0.1:{}", free_port().unwrap());
    let mut command = world.command();
    let mut args = world.base_args("buildah", &context);
    args[1] = down;
    command.args(args).args(["--cache-from", "type=gha"]);
    let refused = run(&mut command);
    refused.assert_code(2);
    assert!(
        refused.stderr.contains("--cache-from")
            && refused.stderr.contains("buildah")
            && refused.stderr.contains("type=gha"),
        "{}",
        refused.stderr
    );
}
