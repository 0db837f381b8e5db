//! The registry password never appears in any output, argument list or
//! leftover file; the builder gets it through a private auth file (buildah:
//! `--authfile`, docker: `DOCKER_CONFIG`).

use std::fs;

use crate::harness::{World, files_containing, run};

#[test]
fn the_password_never_leaks_and_buildah_gets_an_auth_file() {
    never_leaks("buildah");
}

#[test]
fn the_password_never_leaks_and_docker_gets_a_private_config() {
    never_leaks("docker");
}

/// The private auth path on the printed build command: `--authfile FILE`
/// (buildah) or `DOCKER_CONFIG=DIR` (docker).
fn auth_path<'a>(builder: &str, build_line: &'a str) -> &'a str {
    let mut words = build_line.split_whitespace();
    match builder {
        "buildah" => words.skip_while(|w| *w != "--authfile").nth(1).unwrap(),
        _ => words
            .find_map(|w| w.strip_prefix("DOCKER_CONFIG="))
            .unwrap(),
    }
}

fn never_leaks(builder: &str) {
    let world = World::start(Some(aws_sdk_ecr::types::ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("a.txt", builder)]);
    assert_eq!(world.images.references(), Vec::<String>::new());
    let output = world.path("runner/output");
    let summary = world.path("runner/summary");
    let runner_temp = world.path("runner/temp");
    fs::create_dir_all(&runner_temp).unwrap();
    let mut command = world.command();
    command
        .args(world.base_args(builder, &context))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("RUNNER_TEMP", &runner_temp);
    let done = run(&mut command);
    done.assert_code(0);
    let password = &world.password;

    // The runner is told to mask it before anything else is printed...
    let first = done
        .stderr
        .lines()
        .position(|l| l.contains(password.as_str()));
    let mask = format!("::add-mask::{password}");
    assert_eq!(
        first,
        done.stderr.lines().position(|l| l == mask),
        "the first mention must be the mask:\n{}",
        done.stderr
    );
    // ...and nothing else shows it.
    let other: Vec<&str> = done
        .stderr
        .lines()
        .filter(|l| l.contains(password.as_str()) && !l.starts_with("::add-mask::"))
        .collect();
    assert!(other.is_empty(), "{other:?}");
    assert!(!done.stdout.contains(password.as_str()));
    for file in [&output, &summary] {
        let text = fs::read_to_string(file).unwrap();
        assert!(!text.is_empty() && !text.contains(password.as_str()));
    }

    // The builder was handed a file in the private directory, not the value.
    let build_line = done
        .stderr
        .lines()
        .find(|l| l.starts_with("$ ") && l.contains(" build "))
        .unwrap();
    let authfile = auth_path(builder, build_line);
    assert!(
        authfile.starts_with(runner_temp.to_str().unwrap()),
        "{build_line}"
    );
    assert!(done.stderr.lines().filter(|l| l.starts_with("$ ")).count() >= 2);

    // Nothing is left behind: no auth dir, no file with the password (the
    // whole tree: TMPDIR, HOME, RUNNER_TEMP, buildah storage, outputs).
    assert!(!std::path::Path::new(authfile).exists());
    assert_eq!(fs::read_dir(&runner_temp).unwrap().count(), 0);
    assert!(!world.path("home/.docker").exists());
    assert_eq!(
        files_containing(world.root.path(), password),
        Vec::<std::path::PathBuf>::new()
    );
    // The encoded form docker/buildah would store is not left either.
    let encoded = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("AWS:{password}"),
    );
    assert_eq!(
        files_containing(world.root.path(), &encoded),
        Vec::<std::path::PathBuf>::new()
    );
    crate::build::engine_images_go_away(&world, builder);
}
